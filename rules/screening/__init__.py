"""Screening before payment: check a payment list before the money goes out.

The list is loaded by the same loader as the nightly run, into a DuckDB of its own; the warehouse is
attached read-only as `wh`. Each check is one SQL file beside this module (a YAML header, then a SELECT
returning file_id, sheet, row_no, check_id, reason) over `candidates` (the list's rows) and `wh.*` (what
the published snapshot of the warehouse knows: deaths, moves, what was already paid, the register). A row the loader could not use
(an invalid ID number, no month…) is held too, with the loader's reason.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from rules import catalog
from sources import load, stage
from sources import warehouse as wh_files
from sources.declarations import read_yaml

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Check:
    id: str
    name_zh: str
    rationale: str
    sql: str
    params_from: str | None


def checks() -> list[Check]:
    out = []
    for path in sorted(HERE.glob("S*.sql")):
        text = path.read_text(encoding="utf-8")
        m = catalog.HEADER_RE.match(text)
        header = read_yaml(m.group(1))
        out.append(Check(header["id"], header["name_zh"], header["rationale"], text[m.end():].strip().rstrip(";"),
                         header.get("params_from")))
    return out


@dataclass
class Screening:
    list_file: str
    rows: int                                  # rows of the list that are records (loaded or not)
    held: list[dict] = field(default_factory=list)   # one per held row: where, who, what, why
    by_check: dict[str, int] = field(default_factory=dict)
    unreadable: str | None = None
    snapshot: dict | None = None               # the run whose published snapshot was read: run_id, as_of, finished_at


def _params(check: Check) -> dict:
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", check.sql))
    if not used:
        return {}
    rule = next(r for r in catalog.catalog() if r.id == check.params_from)
    return {k: v for k, v in rule.params.items() if k in used}


def screen(list_path: Path, warehouse: Path) -> Screening:
    """Screen one payment list against the warehouse; returns the rows to hold with their reasons."""
    work = Path(tempfile.mkdtemp(prefix="qf_screen_"))
    try:
        inbox = work / "inbox"
        inbox.mkdir()
        # under its own name (programme and month may be in it), less a lock or hidden file's mark, which the
        # inbox walk would skip
        name = re.sub(r"^(~\$|\.)+", "", list_path.name) or "名单" + list_path.suffix
        shutil.copyfile(list_path, inbox / name)
        con = duckdb.connect()
        load.load_inbox(con, inbox, work / "tmp")
        stage.stage_all(con)
        status, reason = con.execute("select status, reason from source_files").fetchone()
        rows = con.execute("select coalesce(sum(rows_data), 0) from source_sheets").fetchone()[0]
        result = Screening(list_path.name, rows)
        if status not in ("loaded", "partly") or not con.execute(
                "select count(*) from source_sheets where kind = 'payments'").fetchone()[0]:
            result.unreadable = reason or "名单的表头不是发放明细（需要身份证号、姓名、金额等列）"
            return result
        con.execute("attach $path as wh (read_only)", {"path": str(warehouse)})
        result.snapshot = wh_files.snapshot_run(con, "wh")
        con.execute("create temp view candidates as select * from payments")
        con.execute("create temp table holds (file_id integer, sheet varchar, row_no integer, check_id varchar, "
                    "reason varchar)")
        for check in checks():
            con.execute(f"insert into holds select * from ({check.sql})", _params(check))
        # rows the loader could not use are held with its reason
        con.execute("""
            insert into holds
            select q.file_id, q.sheet, q.row_no, 'S00', coalesce(rc.text_zh, q.reason)
            from quarantine q left join reason_codes rc on rc.code = q.reason""")
        names = {c.id: c.name_zh for c in checks()} | {"S00": "数据不合格"}
        cur = con.execute("""
            select h.sheet, h.row_no, coalesce(c.name, s.name) as name,
                   coalesce(c.id_number, trim(qf_cells(r.cells, r.line, m.delimiter)[m.id_number])) as id_number,
                   coalesce(c.programme, s.programme) as programme,
                   coalesce(c.entitlement_month, s.entitlement_month) as entitlement_month,
                   coalesce(c.amount_yuan, s.amount_yuan) as amount_yuan,
                   string_agg(distinct h.check_id, '、' order by h.check_id) as checks,
                   string_agg(h.reason, '；' order by h.check_id) as reasons
            from holds h
            left join candidates c using (file_id, sheet, row_no)
            left join stg_payments s using (file_id, sheet, row_no)
            left join raw_payments r using (file_id, sheet, row_no)
            left join map_payments m using (file_id, sheet)
            group by all order by h.sheet, h.row_no""")
        cols = [d[0] for d in cur.description]
        for row in cur.fetchall():
            held = dict(zip(cols, row))
            held["check_names"] = "、".join(names[c] for c in held["checks"].split("、"))
            result.held.append(held)
        for held in result.held:
            for c in held["checks"].split("、"):
                result.by_check[c] = result.by_check.get(c, 0) + 1
        con.close()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)

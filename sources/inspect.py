"""Preview an inbox (or one file) without touching the warehouse: for every sheet, the kind chosen and its
margin, how each column is mapped (by header, by content, by the mapping file, or not at all), the first
rows as staging reads them, and which rows staging would quarantine and why. The preview loads the files
into an in-memory DuckDB with the very code a run uses, so it shows what a run would do (the Great
Expectations checks that come after staging are not run)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from .declarations import kind as kind_named
from .declarations import kind_name, kinds
from .load import load_inbox
from .mappings import entry
from .reasons import REASONS
from .recognise import fingerprint
from .stage import stage_all

SHOWN_ROWS = 5


def inspect_path(path: Path, overrides: list[dict] | None = None, rows: int = SHOWN_ROWS) -> list[dict]:
    """One dict per file: its status and reason, and per sheet the recognition, mapping, rows and quarantine."""
    with tempfile.TemporaryDirectory(prefix="qingfeng-inspect-") as tmp:
        tmp = Path(tmp)
        inbox = path
        if path.is_file():           # one file: a private inbox holding a copy of it
            inbox = tmp / "inbox"
            inbox.mkdir()
            shutil.copyfile(path, inbox / path.name)
        con = duckdb.connect()
        try:
            load_inbox(con, inbox, tmp / "scratch", overrides)
            stage_all(con)
            return _report(con, rows)
        finally:
            con.close()


def _report(con, n_rows: int) -> list[dict]:
    files = []
    for file_id, name, status, reason in con.execute(
            "select file_id, file_name, status, reason from source_files order by file_name").fetchall():
        sheets = []
        for row in con.execute("""
                select sheet, kind, status, reason, header_row, header, mapping, mapped_by, margin, candidates,
                       mapping_file, rows_read, rows_data
                from source_sheets where file_id = ? order by sheet""", [file_id]).fetchall():
            sheets.append(_sheet(con, file_id, *row, n_rows=n_rows))
        files.append({"file": name, "status": status, "reason": reason, "sheets": sheets})
    return files


def _sheet(con, file_id, sheet, kind, status, reason, header_row, header, mapping, mapped_by, margin, candidates,
           mapping_file, rows_read, rows_data, n_rows) -> dict:
    out = {"sheet": sheet, "kind": kind, "status": status, "reason": reason, "header_row": header_row,
           "margin": margin, "candidates": json.loads(candidates) if candidates else [], "mapping_file": mapping_file,
           "rows_read": rows_read, "rows_data": rows_data, "columns": [], "rows": [], "quarantine": []}
    if kind is None or status != "loaded":
        return out
    k = kind_named(kind)
    mapping, mapped_by = json.loads(mapping), json.loads(mapped_by or "{}")
    by_index = {j: c for c, j in mapping.items()}
    out["kind_zh"] = k.name_zh
    out["columns"] = [{"column": j, "header": h, "maps_to": by_index.get(j), "by": mapped_by.get(by_index.get(j))}
                      for j, h in enumerate(header or [])]
    shown = [c for c in k.columns if c in mapping or k.columns[c].hint_key]
    cur = con.execute(f"select row_no, {', '.join(shown)} from {k.stg_table} where file_id = ? and sheet = ? "
                      "and reason is null order by row_no limit ?", [file_id, sheet, n_rows])
    names = [d[0] for d in cur.description]
    out["rows"] = [{n: _plain(v) for n, v in zip(names, r)} for r in cur.fetchall()]
    out["quarantine"] = [
        {"reason": r, "reason_zh": REASONS.get(r, r), "column": c, "rows": n, "first_rows": first}
        for r, c, n, first in con.execute("""
            select reason, reason_column, count(*), list(row_no order by row_no)[1:5]
            from quarantine where file_id = ? and sheet = ? group by all order by 3 desc, 1""",
                                           [file_id, sheet]).fetchall()]
    return out


def _plain(v):
    return v.isoformat() if hasattr(v, "isoformat") else (str(v) if v is not None and not isinstance(v, (int, float, str)) else v)


def accepted_entries(report: list[dict], kind: str | None, columns: list[str], file_pattern: str | None) -> list[dict]:
    """Mapping file entries for the sheets of a one-file report: the kind recognised (or `kind`), its columns
    as mapped (or as a candidate of that kind maps them), with `columns` ("id_number=户主身份证") on top.
    An old kind name (households, deaths) is taken as today's and written as today's."""
    kind = kind_name(kind) if kind is not None else None
    if kind is not None and kind not in {k.kind for k in kinds()}:
        raise ValueError(f"没有数据类型 {kind}；可用：{'、'.join(k.kind for k in kinds())}")
    extra = {}
    for c in columns:
        name, _, header = c.partition("=")
        if not header:
            raise ValueError(f"--column 应写成 列名=表头文字，收到 {c!r}")
        extra[name.strip()] = header.strip()
    out = []
    for f in report:
        for s in f["sheets"]:
            if s["status"] == "empty":
                continue
            want = kind or s["kind"]
            if want is None:
                raise ValueError(f"{f['file']} 工作表 {s['sheet']}：类型无法确定，请用 --kind 指定（候选："
                                 + "、".join(c["kind"] for c in s["candidates"][:2]) + "）")
            if s["status"] == "loaded" and s["kind"] == want:
                headers = [c["header"] for c in s["columns"]]
                mapped = {c["maps_to"]: c["header"] for c in s["columns"] if c["maps_to"]}
                fp = fingerprint(headers)
            else:
                cand = next((c for c in s["candidates"] if c["kind"] == want), None)
                if cand is None:
                    raise ValueError(f"{f['file']} 工作表 {s['sheet']}：没有找到像 {want} 的表头（候选："
                                     + "、".join(c["kind"] for c in s["candidates"]) + "）")
                mapped = {name: col["header"] for name, col in cand["columns"].items()}
                fp = cand["fingerprint"]
            unknown = [c for c in extra if c not in kind_named(want).columns]
            if unknown:
                raise ValueError(f"{want} 没有这些列：{'、'.join(unknown)}")
            mapped.update(extra)
            out.append(entry(f"{f['file']} {s['sheet'] or ''}".strip(), fp, want, mapped, file_pattern))
    return out

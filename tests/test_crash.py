"""Crash safety: `qingfeng run` killed with SIGKILL while loading, while running the rules and while writing
the workbook, then run again to completion.

The runs are real processes on a copy of the sample inbox, with an output folder and a warehouse of their
own. The test hook QINGFENG_PAUSE_AT (sources/warehouse.py, `pause_point`) stops a run at a
named point inside a stage and says so by creating the file QINGFENG_PAUSE_MARKER; the test then kills the
run's process group (the flow and Prefect's temporary server) with SIGKILL. The points: `load` (the rows
are staged into the canonical tables, not committed), `rules` (the cases are found, not committed),
`workbook` (cases.csv and quarantine.csv written, the workbook saved under its temporary name, the ledger
updated but not committed).

The kills follow one another on one warehouse, as crashes would night after night, and each run starts
from what the killed one left: the run killed in the rules shows that a run after a crash in loading gets
through loading and validation; the run killed in the workbook, that a run after a crash in the rules gets
through the rules and the ledger; the last run, that a run after a crash in the workbook completes. After
each kill the warehouse holds nothing of the killed stage and no file in the output folder is half-written
under its final name. At the end the ledger remembers exactly what one clean run (`sample_run`) remembers:
one run, no case twice, none missing, every case 新增; the workbook lists the same cases with the same
statuses; the runs index lists one run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from conftest import AS_OF, ROOT, SAMPLE

WORKBOOK = f"线索清单_{AS_OF}.xlsx"
LEDGER_TABLES = ("case_ledger", "case_facts", "ledger_runs")


class Night:
    """One warehouse, inbox copy and output folder; runs `qingfeng run` on them, killed or not."""

    def __init__(self, root: Path):
        self.root = root
        self.inbox = root / "inbox"
        shutil.copytree(SAMPLE / "inbox", self.inbox)
        self.out = root / "out"
        self.warehouse = root / "wh" / "warehouse.duckdb"
        self.marker = root / "paused"
        self.log = root / "run.log"
        self.env = dict(os.environ, QINGFENG_DATA=str(root / "data"), QINGFENG_PAUSE_MARKER=str(self.marker))
        self.env.pop("QINGFENG_PAUSE_AT", None)

    def start(self, pause_at: str | None = None) -> subprocess.Popen:
        env = dict(self.env, **({"QINGFENG_PAUSE_AT": pause_at} if pause_at else {}))
        return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(self.inbox),
                                 "--out", str(self.out), "--warehouse", str(self.warehouse), "--as-of", AS_OF],
                                cwd=ROOT, env=env, stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
                                start_new_session=True)

    def kill_at(self, point: str) -> None:
        """Start a run, wait until it pauses at `point`, SIGKILL it and everything it started."""
        self.marker.unlink(missing_ok=True)
        proc = self.start(point)
        deadline = time.monotonic() + 300
        try:
            while not self.marker.exists():
                assert proc.poll() is None, f"the run ended ({proc.returncode}) before {point}:\n{self.tail()}"
                assert time.monotonic() < deadline, f"the run never reached {point}:\n{self.tail()}"
                time.sleep(0.1)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL

    def run(self) -> None:
        proc = self.start()
        assert proc.wait(timeout=600) == 0, self.tail()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def tables(self) -> dict[str, int]:
        """Every table of the warehouse with its row count, as a new process finds it after the kill."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            names = [r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary")
                     .fetchall()]
            return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in names}
        finally:
            con.close()

    def outputs(self) -> set[str]:
        """The files under their final names in the output folder (GX's validation reports aside), each
        checked to be complete: it opens and parses."""
        found = set()
        for p in self.out.rglob("*"):
            if p.is_dir() or p.name.startswith(".") or "validation" in p.relative_to(self.out).parts:
                continue
            found.add(str(p.relative_to(self.out)))
            if p.suffix == ".xlsx":
                openpyxl.load_workbook(p, read_only=True).close()
            elif p.suffix == ".csv":
                with open(p, encoding="utf-8", newline="") as f:
                    rows = list(csv.reader(f))
                assert rows and all(len(r) == len(rows[0]) for r in rows), p
            elif p.suffix == ".parquet":
                duckdb.connect().execute("select count(*) from read_parquet(?)", [str(p)]).fetchall()
            elif p.suffix == ".json":
                json.loads(p.read_text(encoding="utf-8"))
        return found

    def parts(self) -> list[str]:
        return sorted(p.name for p in self.out.rglob(".*.part*"))


def ledger_rows(warehouse: Path) -> dict[str, list]:
    """What the ledger remembers of each case (when and in which run it was first and last seen, its status
    and open episode, its facts) and of each run (but its id and the time it was recorded). The evidence
    text is left to tests/test_idempotence.py."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {"case_ledger": con.execute("""
                    select case_id, rule_id, subject_id_number, county, township, programme, period_to, amount_yuan,
                           first_seen_on, last_seen_on, last_seen_seq, status, status_seq, open_since, changes,
                           reraised_for
                    from case_ledger order by case_id""").fetchall(),
                "case_facts": con.execute("select case_id, run_seq, period_to, amount_yuan from case_facts "
                                          "order by case_id, run_seq").fetchall(),
                "ledger_runs": con.execute("select run_seq, as_of, rules from ledger_runs order by run_seq").fetchall()}
    finally:
        con.close()


def listed(workbook: Path) -> dict[str, list]:
    """Each rule sheet's 线索编号 and 线索状态, row by row."""
    wb = openpyxl.load_workbook(workbook, read_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if rows and rows[0] and rows[0][0] == "线索编号":
                status = rows[0].index("线索状态")
                out[ws.title] = [(r[0], r[status]) for r in rows[1:]]
        return out
    finally:
        wb.close()


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Night:
    return Night(tmp_path_factory.mktemp("crash"))


def test_killed_while_loading_nothing_is_staged(night):
    night.kill_at("load")
    tables = night.tables()
    assert tables["source_files"] == len(list(night.inbox.iterdir())), "the raw load happens before staging"
    staged = {"payments", "persons", "death_records", "quarantine", "divisions"} & set(tables)
    assert not staged, f"the killed staging left {staged}"
    assert night.outputs() <= {"run.log"}      # a killed run's log stays (what it was doing); nothing else


def test_killed_in_the_rules_no_case_is_kept(night):
    night.kill_at("rules")
    tables = night.tables()
    assert tables["payments"] > 1000 and tables["deaths"] > 0 and "kinship" in tables, \
        "the run after the crash in loading loaded, validated and derived everything"
    assert not [t for t in tables if t == "cases" or t.startswith("case")], tables
    assert night.outputs() <= {"run.log"}      # a killed run's log stays (what it was doing); nothing else


def test_killed_while_writing_the_workbook_the_ledger_is_untouched(night):
    night.kill_at("workbook")
    tables = night.tables()
    assert not {"cases", "case_status", *LEDGER_TABLES} & set(tables), \
        "the ledger was updated for a run whose workbook was never written"
    written = night.outputs()
    assert WORKBOOK not in written and "run.json" not in written, written
    assert {"cases.csv", "cases.parquet", "quarantine.csv"} <= written        # complete, under their names
    assert [p for p in night.parts() if p.startswith(f".{WORKBOOK}.")], night.parts()


def test_the_run_after_the_crashes_is_a_clean_run(night, sample_run):
    night.run()
    assert "run.json" in night.outputs() and not night.parts()
    mine, clean = ledger_rows(night.warehouse), ledger_rows(sample_run.parent / "warehouse.duckdb")
    assert len(mine["ledger_runs"]) == 1, "a killed run was remembered"
    ids = [r[0] for r in mine["case_ledger"]]
    assert len(ids) > 30 and len(ids) == len(set(ids)), "a case is in the ledger twice"
    assert {r[11] for r in mine["case_ledger"]} == {"新增"}
    for table in LEDGER_TABLES:
        assert mine[table] == clean[table], table
    with open(night.out / "cases.csv", encoding="utf-8", newline="") as a, \
            open(sample_run / "cases.csv", encoding="utf-8", newline="") as b:
        assert [(r["case_id"], r["status"]) for r in csv.DictReader(a)] == \
            [(r["case_id"], r["status"]) for r in csv.DictReader(b)]
    assert listed(night.out / WORKBOOK) == listed(sample_run / WORKBOOK)
    index = night.root / "data" / "runs" / "index.jsonl"
    assert len(index.read_text(encoding="utf-8").splitlines()) == 1, "a killed run is in the runs index"


# ---- the pieces, without a run ----------------------------------------------------------------------------

def test_a_file_is_replaced_whole_or_not_at_all(tmp_path):
    """outputs.tables.atomic_path: a write that fails half-way leaves the previous file as it was and no
    temporary file; one that completes replaces it; remove_parts clears what a killed process left."""
    from outputs import tables

    final = tmp_path / "cases.csv"
    final.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with tables.atomic_path(final) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("killed")
    assert final.read_text(encoding="utf-8") == "old\n" and [p.name for p in tmp_path.iterdir()] == ["cases.csv"]
    with tables.atomic_path(final) as tmp:
        tmp.write_text("new\n", encoding="utf-8")
    assert final.read_text(encoding="utf-8") == "new\n" and [p.name for p in tmp_path.iterdir()] == ["cases.csv"]
    (tmp_path / "按县").mkdir()
    for left in (tmp_path / ".cases.csv.x1.part", tmp_path / "按县" / ".线索清单.xlsx.x2.part"):
        left.write_text("half", encoding="utf-8")
    tables.remove_parts(tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cases.csv", "按县"]


def test_the_runs_index_skips_a_line_cut_short(tmp_path):
    from outputs import runinfo

    index = tmp_path / "index.jsonl"
    runinfo.append_to_index(index, {"run_id": "a", "cases_per_rule": {"R01": 2}})
    with open(index, "a", encoding="utf-8") as f:
        f.write('{"run_id": "b", "sta')        # a disk that filled up mid-line
    assert [r["run_id"] for r in runinfo.recent_runs(index)] == ["a"]
    runinfo.append_to_index(index, {"run_id": "c"})
    assert [r["run_id"] for r in runinfo.recent_runs(index)] == ["c", "a"]

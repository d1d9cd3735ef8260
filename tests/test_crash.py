"""Crash safety and published snapshots (issue 20): `qingfeng run` killed with SIGKILL while loading, while
running the rules and while writing the workbook, then run again to completion.

The runs are real processes on a copy of the sample inbox, with a warehouse of their own and an output folder
each. The test hook QINGFENG_PAUSE_AT (sources/warehouse.py, `pause_point`) stops a run at a named point inside
a stage and says so by creating the file QINGFENG_PAUSE_MARKER; the test then kills the run's process group
(the flow and Prefect's temporary server) with SIGKILL. The points: `load` (the rows are staged into the
canonical tables, not committed), `rules` (the cases are found, not committed), `workbook` (cases.csv and
quarantine.csv written, the workbook saved under its temporary name, the ledger updated but not committed).

A first run completes and is published. Then the kills follow one another on the same warehouse, as crashes
would night after night. Each run builds its own snapshot (sources/warehouse.py), so after each kill the
published warehouse (the `--warehouse` path, a link to the published snapshot) holds exactly what the first
run published: the same tables with the same rows, the same ledger, the same run named in `published_run`;
`qingfeng screen`, run while the doomed run is paused (it does not wait for it), uses the first run and says
so. The killed run's own snapshot holds nothing of the killed stage, and the next run deletes it. The last
run completes, publishes, and leaves only its snapshot and the first run's (kept as the previous one); its
ledger remembers two runs (the first and itself), no killed one; the runs index lists those two.
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

from outputs import runinfo

WORKBOOK = f"线索清单_{AS_OF}.xlsx"
PENSIONS = "人社_城乡居民养老金发放_2020.csv"
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
        self.out = self.root / f"out-{pause_at or 'complete'}-{len(list(self.root.glob('out-*')))}"
        return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(self.inbox),
                                 "--out", str(self.out), "--warehouse", str(self.warehouse), "--as-of", AS_OF],
                                cwd=ROOT, env=env, stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
                                start_new_session=True)

    def kill_at(self, point: str, while_paused=None) -> None:
        """Start a run, wait until it pauses at `point`, call `while_paused`, SIGKILL the run and everything
        it started."""
        self.marker.unlink(missing_ok=True)
        proc = self.start(point)
        deadline = time.monotonic() + 300
        try:
            while not self.marker.exists():
                assert proc.poll() is None, f"the run ended ({proc.returncode}) before {point}:\n{self.tail()}"
                assert time.monotonic() < deadline, f"the run never reached {point}:\n{self.tail()}"
                time.sleep(0.1)
            if while_paused:
                while_paused()
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL

    def run(self) -> None:
        proc = self.start()
        assert proc.wait(timeout=600) == 0, self.tail()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def screen(self, name: str) -> dict:
        """`qingfeng screen` of a pension list of the inbox against the warehouse: its screen.json and output."""
        out = self.root / f"screen-{name}"
        proc = subprocess.run([sys.executable, "-m", "flows.cli", "screen", str(self.inbox / PENSIONS),
                               "--out", str(out), "--warehouse", str(self.warehouse), "--as-of", AS_OF],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]        # rows held, as always on the sample
        summary = json.loads((out / "screen.json").read_text(encoding="utf-8"))
        return dict(summary, stdout=proc.stdout)

    def snapshots(self) -> set[str]:
        return {p.name for p in (self.root / "wh" / "warehouse.duckdb.snapshots").iterdir()}

    def published(self) -> str:
        return os.readlink(self.warehouse).rsplit("/", 1)[-1].removesuffix(".duckdb")

    def tables(self, path: Path | None = None) -> dict[str, int]:
        """Every table of the warehouse (or of one snapshot) with its row count, as a new process finds it."""
        con = duckdb.connect(str(path or self.warehouse), read_only=True)
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


def published_state(night: Night) -> dict:
    """What readers see: every table and its row count, the ledger, the run named in the snapshot."""
    con = duckdb.connect(str(night.warehouse), read_only=True)
    try:
        run = con.execute("select run_id, as_of, finished_at from published_run").fetchall()
        cases = con.execute("select case_id, rule_id, status from cases order by case_id").fetchall()
    finally:
        con.close()
    return {"tables": night.tables(), "ledger": ledger_rows(night.warehouse), "run": run, "cases": cases}


def test_a_completed_run_is_published(night):
    night.run()
    first = night.published()
    assert night.snapshots() == {f"{first}.duckdb"}, "one complete file: no WAL, nothing else"
    assert json.loads((night.out / "run.json").read_text(encoding="utf-8"))["run_id"] == first
    night.first, night.before = first, published_state(night)
    assert night.before["run"][0][0] == first and len(night.before["ledger"]["ledger_runs"]) == 1
    night.screened = night.screen("first")
    assert night.screened["warehouse_run"]["run_id"] == first and f"依据运行 {first}" in night.screened["stdout"]


def _screen_while_paused(night: Night, name: str):
    """While the doomed run is paused (holding the writer lock), a screening completes at once and uses the
    published run."""
    def check():
        t0 = time.monotonic()
        screened = night.screen(name)
        assert time.monotonic() - t0 < 60, "the screening waited for the run"
        assert screened["warehouse_run"]["run_id"] == night.first and f"依据运行 {night.first}" in screened["stdout"]
        assert screened["held_rows"] == night.screened["held_rows"] and screened["by_check"] == night.screened["by_check"]
    return check


def _dead_snapshot(night: Night) -> Path:
    """The killed run's snapshot (beside it, maybe its WAL: what it committed but did not checkpoint)."""
    dead = night.snapshots() - {f"{night.first}.duckdb"}
    files = {n for n in dead if n.endswith(".duckdb")}
    assert len(files) == 1 and dead <= {*files, *(f + ".wal" for f in files)}, dead
    return night.root / "wh" / "warehouse.duckdb.snapshots" / files.pop()


def test_killed_while_loading_readers_still_see_the_previous_run(night):
    night.kill_at("load", _screen_while_paused(night, "load"))
    assert published_state(night) == night.before and night.published() == night.first
    dead = _dead_snapshot(night)
    tables = night.tables(dead)
    assert tables["source_files"] == len(list(night.inbox.iterdir())), "the raw load happens before staging"
    staged = {"payments", "persons", "death_records", "quarantine", "divisions"} & set(tables)
    assert not staged, f"the killed staging left {staged}"
    assert tables["ledger_runs"] == 1, "the ledger was carried over from the published snapshot"
    assert night.outputs() <= {"run.log"}      # a killed run's log stays (what it was doing); nothing else
    night.dead = [dead.name]


def test_killed_in_the_rules_readers_still_see_the_previous_run(night):
    night.kill_at("rules", _screen_while_paused(night, "rules"))
    assert published_state(night) == night.before and night.published() == night.first
    assert not {n.split(".")[0] for n in night.snapshots()} & {n.split(".")[0] for n in night.dead}, \
        "the snapshot of the run killed while loading was left"
    dead = _dead_snapshot(night)
    tables = night.tables(dead)
    assert tables["payments"] > 1000 and tables["deaths"] > 0 and "kinship" in tables, \
        "the run after the crash in loading loaded, validated and derived everything"
    assert "cases" not in tables and "case_status" not in tables and tables["ledger_runs"] == 1, tables
    assert night.outputs() <= {"run.log"}
    night.dead.append(dead.name)


def test_killed_while_writing_the_workbook_the_ledger_is_untouched(night):
    night.kill_at("workbook")
    assert published_state(night) == night.before and night.published() == night.first
    dead = _dead_snapshot(night)
    tables = night.tables(dead)
    assert "cases" not in tables and "case_status" not in tables and "published_run" not in tables, \
        "the ledger was updated for a run whose workbook was never written"
    assert ledger_rows(dead) == night.before["ledger"]
    written = night.outputs()
    assert WORKBOOK not in written and "run.json" not in written, written
    assert {"cases.csv", "cases.parquet", "quarantine.csv"} <= written        # complete, under their names
    assert [p for p in night.parts() if p.startswith(f".{WORKBOOK}.")], night.parts()
    night.dead.append(dead.name)


def test_the_run_after_the_crashes_publishes_and_removes_the_dead_snapshots(night, sample_run):
    night.run()
    assert "run.json" in night.outputs() and not night.parts()
    last = night.published()
    assert last != night.first
    assert night.snapshots() == {f"{night.first}.duckdb", f"{last}.duckdb"}, "a dead run's snapshot was left"
    assert os.readlink(str(night.warehouse) + ".previous").endswith(f"/{night.first}.duckdb")
    mine, clean = ledger_rows(night.warehouse), ledger_rows(sample_run.parent / "warehouse.duckdb")
    assert [r[0] for r in mine["ledger_runs"]] == [1, 2], "a killed run was remembered"
    ids = [r[0] for r in mine["case_ledger"]]
    assert len(ids) > 30 and len(ids) == len(set(ids)), "a case is in the ledger twice"
    assert ids == [r[0] for r in clean["case_ledger"]]
    assert {r[11] for r in mine["case_ledger"]} == {"未结"}, "listed again by the second complete run"
    with open(night.out / "cases.csv", encoding="utf-8", newline="") as a, \
            open(sample_run / "cases.csv", encoding="utf-8", newline="") as b:
        assert [r["case_id"] for r in csv.DictReader(a)] == [r["case_id"] for r in csv.DictReader(b)]
    index = night.root / "data" / "runs" / "index.jsonl"
    runs = runinfo.recent_runs(index, 100)[::-1]
    assert [r["run_id"] for r in runs if r["status"] == "completed"] == [night.first, last]
    assert len([r for r in runs if r["status"] == "running"]) == 3, \
        "each killed run is listed once, as started and never ended (qingfeng runs: 中断)"
    assert night.screen("after")["warehouse_run"]["run_id"] == last


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


def test_snapshots_publish_keep_the_previous_and_clean_up(tmp_path):
    """sources.warehouse without a run: a warehouse made before snapshots is adopted (its ledger carried
    over), a publication keeps the one before as .previous and deletes older ones and dead runs' files."""
    from sources import warehouse

    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create table ledger_runs as select 1 as run_seq, 'old' as run_id")
    con.execute("create table payments as select 42 as x")
    con.close()
    snaps = []
    for run_id in ("r1", "r2", "r3"):
        con, path = warehouse.begin_snapshot(wh, run_id)
        assert [r[0] for r in con.execute("select run_id from ledger_runs order by run_seq").fetchall()][0] == "old"
        assert not con.execute("select count(*) from duckdb_tables() where table_name = 'payments'").fetchone()[0]
        con.execute("insert into ledger_runs values (?, ?)", [len(snaps) + 2, run_id])
        warehouse.record_published(con, run_id, None, "2021-01-15T02:00:00")
        con.close()
        if run_id == "r2":             # r2 dies before publishing
            continue
        warehouse.publish(wh, path)
        snaps.append(path)
        assert warehouse.published_run(wh)["run_id"] == run_id
    names = {p.name for p in warehouse.snapshot_dir(wh).iterdir()}
    assert names == {"r1.duckdb", "r3.duckdb"}, "the legacy file and r2's dead snapshot are gone"
    assert warehouse.published(warehouse.previous_link(wh)).name == "r1.duckdb"
    con = duckdb.connect(str(wh), read_only=True)
    assert [r[0] for r in con.execute("select run_id from ledger_runs order by run_seq").fetchall()] == ["old", "r1", "r3"]
    con.close()


def test_a_writer_of_the_published_snapshot_waits_for_a_reader(tmp_path):
    """A screening holds the published snapshot open read-only (DuckDB's shared file lock) without the writer
    lock; the feedback import's connection waits for it to finish, or says the warehouse is busy."""
    from sources import warehouse

    path = tmp_path / "snap.duckdb"
    duckdb.connect(str(path)).close()
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('open', flush=True); time.sleep(4)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(warehouse.WarehouseBusy):
            warehouse.connect_when_free(path, wait_s=0)
        t0 = time.monotonic()
        warehouse.connect_when_free(path, wait_s=60).close()
        assert time.monotonic() - t0 > 1, "it did not wait for the reader"
    finally:
        reader.kill()
        reader.wait()

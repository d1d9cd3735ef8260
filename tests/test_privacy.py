"""The people's data: what a run writes is readable by its owner only; no log line names anyone or gives an
ID number; every string a user gives (command line or the Prefect UI) reaches SQL as a bound value or is
refused with a clear message.

One real run with every logger at INFO (`logged_run`) serves these tests and the idempotence test
(tests/test_idempotence.py compares it with the session's `sample_run`): each real run costs 20–30 s."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, ROOT, SAMPLE, empty_warehouse

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
INJECTIONS = ("柯城区'; DROP TABLE cases; --", "x' OR '1'='1")


@dataclass(frozen=True)
class LoggedRun:
    data: Path          # QINGFENG_DATA: warehouse, runs index
    out: Path
    prefect_home: Path  # the session's (as for every run of the tests), else data/prefect
    stdout: str
    stderr: str

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"


_LOGGED: list[LoggedRun] = []


def logged_run(tmp_path_factory) -> LoggedRun:
    """`qingfeng run` on the sample inbox (as `sample_run` runs it, with a warehouse of its own) with Prefect's
    and every Python logger at INFO on the console; made once per session."""
    if not _LOGGED:
        base = tmp_path_factory.mktemp("logged")
        out = base / "out"
        env = dict(os.environ, QINGFENG_DATA=str(base / "data"), PREFECT_LOGGING_LEVEL="INFO",
                   PREFECT_LOGGING_ROOT_LEVEL="INFO")
        proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--inbox", str(SAMPLE / "inbox"),
                               "--out", str(out), "--as-of", AS_OF], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
        home = Path(env.get("PREFECT_HOME") or base / "data" / "prefect")
        _LOGGED.append(LoggedRun(base / "data", out, home, proc.stdout, proc.stderr))
    return _LOGGED[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> LoggedRun:
    return logged_run(tmp_path_factory)


# ---- files readable by their owner only -------------------------------------------------------------------

def test_every_file_a_run_writes_is_readable_by_its_owner_only(run):
    """The run folder (workbook, cases.csv/.parquet, quarantine.csv, run.json, validation reports), the
    warehouse (its snapshots) and its lock, the runs index and Prefect's database of logs: files 0600, folders 0700."""
    found, wrong = 0, []
    prefect = [run.prefect_home, *run.prefect_home.glob("prefect.db*")]
    assert len(prefect) >= 2
    for top in (run.data, run.out):
        for path in [top, *top.rglob("*"), *(prefect if top == run.data else ())]:
            # the warehouse path is a link to the published snapshot (a link has no mode of its own): its target
            mode = stat.S_IMODE((path.stat() if path.is_symlink() else path.lstat()).st_mode)
            want = 0o700 if path.is_dir() else 0o600
            found += 1
            if mode != want:
                wrong.append(f"{oct(mode)} {path}")
    names = {p.name for p in run.out.iterdir()} | {p.name for p in run.data.iterdir()}
    assert {f"线索清单_{AS_OF}.xlsx", "cases.csv", "run.json", "warehouse.duckdb", "runs"} <= names
    assert found > 20 and not wrong, wrong
    assert not list((run.data / "tmp").glob("*")), "the run's scratch files (transcoded CSV) were left behind"


def test_an_older_warehouse_readable_by_others_is_made_private(tmp_path):
    from sources import warehouse

    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()
    os.chmod(path, 0o644)
    warehouse.connect(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ---- no names or ID numbers in the logs ---------------------------------------------------------------------

def people(warehouse: Path) -> tuple[set[str], set[str]]:
    """Names and ID numbers of the sample's people: the answer key's subjects and the household register."""
    with open(SAMPLE / "planted.csv", encoding="utf-8", newline="") as f:
        planted = list(csv.DictReader(f))
    names = {p["subject_name"] for p in planted}
    ids = {p["subject_id_number"] for p in planted}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for name, id_number in con.execute("select name, id_number from persons").fetchall():
            names.add(name)
            ids.add(id_number)
    finally:
        con.close()
    return {n for n in names if n and len(n) >= 2}, {i for i in ids if i}


def test_no_log_line_names_anyone_or_gives_an_id_number(run):
    """stdout and stderr of `qingfeng run` (Prefect's and every Python logger at INFO), and the log lines and
    the summary Prefect keeps in its database for the flow run: no 18-digit ID number, no name of the
    sample's people."""
    db = sqlite3.connect(run.prefect_home / "prefect.db")
    try:
        (flow_run,), = db.execute("select id from flow_run where parameters like ?", [f"%{run.out}%"]).fetchall()
        stored = "\n".join(m for (m,) in db.execute("select message from log where flow_run_id = ?", [flow_run]))
        artifacts = "\n".join(json.loads(d) for (d,) in db.execute("select data from artifact where flow_run_id = ?",
                                                                   [flow_run]))
    finally:
        db.close()
    assert "清风运行" in artifacts
    names, ids = people(run.warehouse)
    assert len(names) > 100 and len(ids) > 100
    assert "INFO    | sources." in run.stderr or "INFO    | great_expectations" in run.stderr, \
        "Python's loggers were not shown at INFO"
    assert "Finished in state Completed" in run.stderr and "Finished in state Completed" in stored
    for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("Prefect's log table", stored),
                        ("Prefect's artifacts", artifacts)):
        assert not ID_NUMBER.findall(text), (where, ID_NUMBER.findall(text)[:5])
        assert not [i for i in ids if i in text], where
        leaked = sorted(n for n in names if n in text)
        assert not leaked, (where, leaked, [ln for ln in text.splitlines() if any(n in ln for n in leaked)][:5])


# ---- strings from the command line and the UI -------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--rules", "R01'; DROP TABLE cases; --"], "没有规则"),
    (["--rules", "R01,x' OR '1'='1"], "没有规则"),
    (["--as-of", "2021-01-15' OR '1'='1"], "YYYY-MM-DD"),
    (["--from", "2020-01'; DROP TABLE payments; --"], "YYYY-MM"),
    (["--to", "x' OR '1'='1"], "YYYY-MM"),
    (["--split-by", "county'; DROP TABLE cases; --"], "无效的选择"),
    (["--inbox", "/nonexistent/收件' OR '1'='1"], "收件目录不存在"),
], ids=["rules", "rules-list", "as-of", "from", "to", "split-by", "inbox"])
def test_the_command_refuses_malformed_values_before_running(args, message, capsys, monkeypatch):
    from flows import cli, nightly

    def no_run(**kwargs):
        raise AssertionError(f"the flow was started with {kwargs}")

    monkeypatch.setattr(nightly, "nightly_reconciliation", no_run)
    try:
        code = cli.main(["run", *args])
    except SystemExit as e:          # argparse: usage and the message on stderr, exit status 2
        code = e.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_the_flow_refuses_malformed_values_from_the_ui():
    """What the ad-hoc deployment's form sends goes through the same checks, with a message for people."""
    from flows import parameters
    from rules import catalog

    with pytest.raises(catalog.RuleError, match="unknown rule id"):
        catalog.select_rules(["R01'; DROP TABLE cases; --"])
    for check, value, message in ((parameters.parse_month, "2020-01' OR '1'='1", "YYYY-MM"),
                                  (parameters.parse_day, "2021-01-15'; DROP TABLE cases; --", "YYYY-MM-DD"),
                                  (parameters.parse_split_by, "township' OR '1'='1", "分册方式")):
        with pytest.raises(ValueError, match=message):
            check(value)


def test_counties_and_townships_are_bound_values():
    """A scope's names reach SQL as parameters: an injection matches nothing, breaks nothing; a real name
    matches (the control)."""
    from rules import catalog

    con = empty_warehouse()
    con.execute("create table listed as select * from (values ('柯城区', '府山街道', date '2020-03-01')) "
                "t(county, township, period_from)")
    tables = con.execute("select count(*) from duckdb_tables()").fetchone()[0]

    def matches(scope) -> int:
        where, params = scope.predicate(period_to="period_from")
        return con.execute(f"select count(*) from listed where {where}", params).fetchone()[0]

    assert matches(catalog.Scope(counties=("柯城区",))) == 1
    for text in INJECTIONS:
        assert matches(catalog.Scope(counties=(text,))) == 0
        assert matches(catalog.Scope(townships=(text,))) == 0
    assert con.execute("select count(*) from duckdb_tables()").fetchone()[0] == tables


def test_injections_through_every_string_of_a_run_are_literal_values(tmp_path, capsys):
    """A real run with an injection in every string it takes: the inbox, output and warehouse paths, the
    counties and townships; then a screening and a feedback import with quoted file names. The run
    completes, lists no case (no county is called that), and every table is still there."""
    from flows import cli

    base = tmp_path / "x' OR '1'='1"
    inbox = base / "收件'; DROP TABLE payments; --"
    shutil.copytree(SAMPLE / "inbox", inbox)
    out = base / "out'; DROP TABLE cases; --"
    wh = base / "wh' OR '1'='1" / "warehouse.duckdb"
    env = dict(os.environ, QINGFENG_DATA=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--out", str(out),
                           "--warehouse", str(wh), "--as-of", AS_OF, "--county", INJECTIONS[0],
                           "--township", INJECTIONS[1]],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    with open(out / "cases.csv", encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == []
    assert (out / f"线索清单_{AS_OF}.xlsx").is_file() and (out / "run.json").is_file()

    def intact() -> dict[str, int]:
        con = duckdb.connect(str(wh), read_only=True)
        try:
            return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                    for t in ("source_files", "payments", "persons", "cases", "case_ledger", "case_status")}
        finally:
            con.close()

    counts = intact()
    assert counts["source_files"] == len(list(inbox.iterdir())) and counts["payments"] > 1000, counts

    listed = base / "名单'; DROP TABLE payments; --.csv"
    dead = next(p for p in csv.DictReader(open(SAMPLE / "planted.csv", encoding="utf-8")) if p["rule_id"] == "R01")
    listed.write_text(f"姓名,身份证号,补贴类型,所属期,发放金额\n{dead['subject_name']},{dead['subject_id_number']},"
                      f"生活补贴,2021-01,270\n", encoding="utf-8")
    code = cli.main(["screen", str(listed), "--warehouse", str(wh), "--as-of", AS_OF,
                     "--out", str(base / "screen' OR '1'='1")])
    assert code == 1, capsys.readouterr()      # the dead payee's row is held
    assert (base / "screen' OR '1'='1" / "screen.json").is_file()

    returned = base / "线索清单' OR '1'='1.xlsx"
    shutil.copyfile(out / f"线索清单_{AS_OF}.xlsx", returned)
    assert cli.main(["feedback", "import", str(returned), "--warehouse", str(wh)]) == 0, capsys.readouterr()
    assert intact() == counts

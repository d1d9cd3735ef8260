"""Shared test helpers: a real DuckDB with the project's tables, literal rows, and one real run."""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2021-01-15"


_TEMPLATE: list[Path] = []


def empty_warehouse():
    """A DuckDB with every raw and canonical table (and the macros and reference tables) created empty:
    built once per test session into a file, then copied for each caller."""
    import shutil
    import tempfile

    from sources import load, stage

    if not _TEMPLATE:
        import atexit

        root = Path(tempfile.mkdtemp(prefix="qf_warehouses_"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        path = root / "template.duckdb"
        con = duckdb.connect(str(path))
        load.create_tables(con)
        stage.stage_all(con)
        con.close()
        _TEMPLATE.append(path)
    copy = Path(tempfile.mkdtemp(dir=_TEMPLATE[0].parent)) / "warehouse.duckdb"
    shutil.copyfile(_TEMPLATE[0], copy)
    return duckdb.connect(str(copy))


def insert_rows(con, table: str, csv_text: str) -> None:
    """Insert literal CSV rows into a canonical table by column name (other columns stay NULL);
    names get their normalised form as the loader would give it."""
    rows = [ln for ln in csv_text.strip().splitlines() if ln.strip()]
    if len(rows) < 2:
        return
    path = _tmp_csv(rows)
    try:
        con.execute("create or replace temp table _lit as select * from read_csv(?, all_varchar=true, header=true)",
                    [path])
    finally:
        os.unlink(path)
    con.execute(f"insert into {table} by name select * from _lit")
    cols = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    for norm in [c for c in cols if c.endswith("_norm") and c[:-5] in cols]:
        con.execute(f"update {table} set {norm} = qf_name({norm[:-5]}) where {norm} is null")
    if "source_file" in cols:
        con.execute(f"update {table} set source_file = coalesce(source_file, 'test.xlsx'), sheet = coalesce(sheet, ''), "
                    f"row_no = coalesce(row_no, 1)")


def _tmp_csv(rows: list[str]) -> str:
    import tempfile

    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    f.write("\n".join(rows) + "\n")
    f.close()
    return f.name


def fetch_dicts(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def run_cli(args: list[str], data_dir: Path, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `qingfeng` as a user would, with its generated files under `data_dir` (and `env` added)."""
    env = dict(os.environ, QINGFENG_DATA=str(data_dir), **(env or {}))
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def once_per_session(tmp_path_factory, name: str, build):
    """`build(folder)`'s result, built once per test session into `folder`. Under pytest-xdist (.ci/run's
    `-n 3`) every worker is a process with its own session fixtures: the first worker to ask builds into the
    session's shared temporary folder while the others wait on a lock, then they read what it returned
    (pickled). For runs that tests only read (they copy a warehouse before changing it)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent                      # <basetemp>/popen-gwN → <basetemp>, shared by the workers
    folder, done = root / name, root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return pickle.loads(done.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)       # what a failed build in another worker left
        folder.mkdir()
        value = build(folder)
        done.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """One real run of the nightly flow (Prefect, ephemeral) on data/sample/inbox; returns its folder."""
    def build(data: Path) -> Path:
        out = data / "run"
        proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(out), "--as-of", AS_OF], data)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
        return out

    return once_per_session(tmp_path_factory, "qf_data", build)


@pytest.fixture(scope="session")
def sample_run_info(sample_run) -> dict:
    return json.loads((sample_run / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def book(sample_run):
    """The sample run's workbook, as an investigator opens it (read once per test module)."""
    import openpyxl

    return openpyxl.load_workbook(sample_run / f"线索清单_{AS_OF}.xlsx")


@pytest.fixture(scope="module")
def rules():
    """The rule catalogue (rules/*.sql headers)."""
    from rules import catalog

    return catalog.catalog()


@pytest.fixture(scope="session")
def hostile_night(tmp_path_factory):
    """One real `qingfeng run --split-by township` on the sample's inbox with issue 18's hostile corpus
    beside it (tests/hostile_corpus.py: the hostile files and entries, and in a subfolder the formula and
    control-character payees that become cases); tests/test_hostile.py and tests/test_output_safety.py read it.
    Returns proc, out (the run folder), info (run.json or None), entries and data (the warehouse is
    data/warehouse.duckdb)."""
    from types import SimpleNamespace

    from hostile_corpus import build, formula_inbox

    def night(data: Path) -> SimpleNamespace:
        inbox = data / "inbox"
        shutil.copytree(SAMPLE / "inbox", inbox)
        entries = build(inbox)
        formula_inbox(inbox / "民政补充")
        out = data / "run"
        proc = run_cli(["run", "--inbox", str(inbox), "--out", str(out), "--as-of", AS_OF, "--split-by", "township"],
                       data, timeout=900)
        info = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").exists() else None
        return SimpleNamespace(proc=proc, out=out, info=info, entries=entries, data=data)

    return once_per_session(tmp_path_factory, "hostile", night)


# The files that take longest, first (their tests keep their order; the other files follow in theirs): under
# .ci/run's `-n 3 --dist loadfile` each worker takes whole files in this order as it becomes free, and a long
# file dealt last would leave one worker running it alone at the end.
SLOW_FILES = ("test_spark.py", "test_spark_cli.py", "test_orchestration.py", "test_dialects.py", "test_rules.py",
              "test_bad_inputs.py", "test_ledger.py", "test_crash.py", "test_output_safety.py", "test_traps.py")


def pytest_configure(config):
    # pytest-xdist deals files with the most tests first unless told otherwise: the order above instead
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))


def pytest_terminal_summary(terminalreporter):
    """How many Traps bullets of domain.md §8.2 the trap catalogue answers (tests/traps_catalogue.py)."""
    try:
        import traps_catalogue

        from rules import catalog

        answered, total, _ = traps_catalogue.summary(catalog.catalog())
        tests = sum(len(d.get("traps") or []) for d in traps_catalogue.trap_files().values())
    except Exception as exc:        # the summary must never hide the session's own result
        terminalreporter.write_line(f"traps covered: not counted ({exc})")
        return
    terminalreporter.write_line(f"traps covered: {answered}/{total} bullets of domain.md §8.2 (the rules built of R01–R18), "
                                f"{tests} trap inboxes in tests/traps/")

"""Loading at scale (issue 23): workbooks read ahead by a pool of reader processes, or one Spark task per
file, and loaded in file order, give the very tables a sequential load gives (every table of the warehouse
after staging, row for row); a reader that aborts or hangs costs its own file only; the read-ahead is
bounded, and a load that stops early ends the reads in flight."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, SAMPLE

from sources import load, read_worker, spark_read, stage
from sources.grid import ReadResult, UnreadableFile

INBOX = SAMPLE / "inbox"
ABORTS, HANGS = "公安_户籍人口_常山县.xlsx", "住建局_农村危房改造对象花名册_2013-2020.xlsx"


@pytest.fixture(scope="module", autouse=True)
def sample_inbox():
    if not INBOX.is_dir():
        subprocess.run([sys.executable, str(SAMPLE / "generate.py")], check=True, cwd=SAMPLE.parents[1])
    assert {ABORTS, HANGS} <= {p.name for p in INBOX.iterdir()}


def loaded(tmp: Path, workers: int = 1, reader=None, inbox: Path = INBOX, faults: str | None = None,
           timeout: float = read_worker.READER_TIMEOUT_SECONDS_DEFAULT) -> duckdb.DuckDBPyConnection:
    """The inbox loaded and staged in a fresh DuckDB, its workbooks read by `workers` reader processes
    (or by `reader`), with the read_worker test hook set to `faults`."""
    if faults:
        os.environ[read_worker.FAULT_ENV] = faults
    read_worker.configure(timeout_seconds=timeout, workers=workers)    # the workers start with the hook
    try:
        con = duckdb.connect()
        load.load_inbox(con, inbox, tmp, reader=reader)
        stage.stage_all(con, dt.date.fromisoformat(AS_OF))
        return con
    finally:
        os.environ.pop(read_worker.FAULT_ENV, None)
        read_worker.configure(timeout_seconds=read_worker.READER_TIMEOUT_SECONDS_DEFAULT,
                              workers=read_worker.READ_WORKERS_DEFAULT)


def tables(con, where: str = "") -> dict[str, list[tuple]]:
    """Every table, its rows in order (`where`: only rows of some files, for tables with a file_id)."""
    names = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
    out = {}
    for t in names:
        cols = [r[0] for r in con.execute(f"describe {t}").fetchall()]
        out[t] = con.execute(f"select * from {t} {where if 'file_id' in cols else ''} order by all").fetchall()
    return out


def differing(a: dict, b: dict) -> list[str]:
    return sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t))


@pytest.fixture(scope="module")
def sequential_load(tmp_path_factory):
    return loaded(tmp_path_factory.mktemp("seq"), workers=1)


@pytest.fixture(scope="module")
def sequential(sequential_load):
    return tables(sequential_load)


def test_two_workers_load_the_same_tables_as_one(sequential, tmp_path):
    parallel = tables(loaded(tmp_path, workers=2))
    assert differing(sequential, parallel) == []
    assert len(sequential["source_files"]) == len(list(INBOX.iterdir()))
    assert len(sequential["raw_payments"]) > 1000 and sequential["quarantine"] and sequential["payments"]


def test_a_crash_and_a_hang_cost_their_files_only(sequential_load, tmp_path):
    con = loaded(tmp_path, workers=2, faults=f"abort:{ABORTS};hang:{HANGS}", timeout=10)
    status = dict(con.execute("select file_name, status || ': ' || reason from source_files").fetchall())
    assert status[ABORTS].startswith("unreadable: " + read_worker.CRASHED) and "SIGABRT" in status[ABORTS]
    assert status[HANGS].startswith("unreadable: 读取此文件超过 10 秒仍未完成")
    faulted = con.execute("select list(file_id) from source_files where file_name in (?, ?)", [ABORTS, HANGS]).fetchone()[0]
    others = f"where file_id not in ({', '.join(map(str, faulted))})"
    got, want = tables(con, others), tables(sequential_load, others)
    raw = [t for t in want if t.startswith("raw_") or t in ("source_files", "source_sheets", "total_checks")]
    assert differing({t: want[t] for t in raw}, {t: got[t] for t in raw}) == []
    assert con.execute(f"select count(*) from raw_persons where file_id in ({', '.join(map(str, faulted))})").fetchone()[0] == 0


def workbooks(tmp: Path, n: int) -> list[Path]:
    books = sorted(p for p in INBOX.iterdir() if p.suffix == ".xlsx")[:n]
    out = []
    for i, p in enumerate(books):
        out.append(tmp / f"{i:02d}.xlsx")
        shutil.copyfile(p, out[-1])
    return out


def test_the_read_ahead_is_bounded(tmp_path):
    books = workbooks(tmp_path, 7)
    drawn = []

    def paths():
        for p in books:
            drawn.append(p)
            yield p

    leads = []
    for k, (path, result) in enumerate(read_worker.read_many(paths(), tmp_path / "t", workers=2)):
        assert path == books[k] and isinstance(result, ReadResult) and result.path == path
        leads.append(len(drawn) - (k + 1))
    assert max(leads) == 2 and leads[-1] == 0, leads       # two files in flight while one is loaded


def test_a_load_stopped_early_ends_the_reads_in_flight(tmp_path):
    books = workbooks(tmp_path, 3)
    os.environ[read_worker.FAULT_ENV] = f"hang:{books[1].name}"
    read_worker.configure(timeout_seconds=120, workers=2)
    try:
        reads = read_worker.read_many(books, tmp_path / "t")
        assert isinstance(next(reads)[1], ReadResult)      # books[1] hangs in a reader, books[2] is read
        t0 = time.perf_counter()
        reads.close()
        assert time.perf_counter() - t0 < 15, "closing the reads waited for the hanging reader"
    finally:
        os.environ.pop(read_worker.FAULT_ENV, None)
        read_worker.configure(timeout_seconds=read_worker.READER_TIMEOUT_SECONDS_DEFAULT,
                              workers=read_worker.READ_WORKERS_DEFAULT)
    _, again = next(read_worker.read_many([books[2]], tmp_path / "t", workers=2))
    assert isinstance(again, ReadResult) and again.sheets


# ---- Spark: one task per file ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)   # the executors' Python: this one, with sources/
    ours = SparkSession.getActiveSession() is None
    try:
        session = (SparkSession.builder.master("local[2]").appName("qingfeng-test-parallel-load")
                   .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   .getOrCreate())
        session.sparkContext.parallelize([1], 1).count()
    except Exception as exc:            # no Java, or it cannot start here
        pytest.skip(f"pyspark cannot start: {type(exc).__name__}: {str(exc)[:200]}")
    yield session
    if ours:
        session.stop()


@pytest.mark.spark
def test_workbooks_read_on_spark_load_the_same_tables(sequential, spark, tmp_path):
    on_spark = tables(loaded(tmp_path, reader=spark_read.spark_reader(spark, batch=3)))
    assert differing(sequential, on_spark) == []


@pytest.mark.spark
def test_on_spark_a_crash_costs_its_file_only(spark, tmp_path):
    books = workbooks(tmp_path, 4)
    os.environ[read_worker.FAULT_ENV] = f"abort:{books[1].name}"
    try:
        got = list(spark_read.read_files_on_spark(spark, books, tmp_path / "t"))
    finally:
        os.environ.pop(read_worker.FAULT_ENV)
    assert [p for p, _ in got] == books
    assert isinstance(got[1][1], UnreadableFile) and str(got[1][1]).startswith(read_worker.CRASHED)
    assert all(isinstance(r, ReadResult) and r.sheets for i, (_, r) in enumerate(got) if i != 1)
    assert list(spark_read.read_files_on_spark(spark, [], tmp_path / "t")) == []

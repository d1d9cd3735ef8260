"""The DuckDB warehouse: one file, opened with settings chosen on purpose; one writer at a time; stages
that commit all or nothing.

Crash safety (a run killed at any moment, even by SIGKILL): DuckDB discards a transaction that was not
committed when the file is next opened. The flow (flows/nightly.py) stages the loaded rows into the
canonical tables in one transaction, derives the helper tables in another, and runs the rules, updates
the case ledger and writes the outputs in a third: the canonical tables never hold half a delivery, and
the ledger only ever remembers a run whose outputs were written. The raw tables are filled outside a
transaction (the reader recovers from failed statements, and DuckDB aborts a transaction on any error);
each run replaces them all, and only the same run reads them.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb


BLOCK_ALLOCATOR_MEMORY = "1GB"


def connect(path: Path | str, threads: int = 2, memory_limit: str = "6GB", temp_dir: Path | str | None = None):
    """Open (creating if needed) the warehouse. `memory_limit` bounds DuckDB's buffer manager; beyond it,
    joins and aggregates spill to `temp_dir` instead of failing. The file holds people's data: it is made
    readable by its owner only, also when an older version created it with wider permissions."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # DuckDB keeps up to this much of the memory its blocks used instead of handing it back to the system:
    # a block allocated again costs no page faults (on this VM about 2 µs each, a quarter of a million a
    # million rows: 0.1–0.15 s of a 3.2 s load of bench/loader.py's CSV). It stays within memory_limit.
    config = {"threads": threads, "memory_limit": memory_limit, "block_allocator_memory": BLOCK_ALLOCATOR_MEMORY}
    if temp_dir is not None:
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_dir)
    con = duckdb.connect(str(path), config=config)
    if str(path) != ":memory:":
        for f in (Path(path), Path(str(path) + ".wal")):
            if f.exists():
                os.chmod(f, 0o600)
    return con


@contextmanager
def transaction(con):
    """All or nothing: what the block does to the warehouse is committed when it completes, rolled back
    when it raises, and discarded by DuckDB when the process dies before the commit (SIGKILL, power).
    The block must not catch a failed statement and go on: DuckDB aborts the transaction on any error."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass          # the connection is gone or the transaction already aborted: nothing was committed
        raise
    con.execute("commit")


def pause_point(name: str) -> None:
    """Test hook for the crash tests (tests/test_crash.py), a no-op otherwise: when the environment variable
    QINGFENG_PAUSE_AT equals `name`, create the file named by QINGFENG_PAUSE_MARKER and sleep until killed,
    so a test can SIGKILL the run at a known point of a stage. Points: `load` (rows staged, not committed),
    `rules` (cases found, not committed), `workbook` (workbook saved to its temporary name, not renamed).
    QINGFENG_FAIL_AT=`name` raises there instead: a run that fails half-way (tests/test_orchestration.py)."""
    if os.environ.get("QINGFENG_FAIL_AT") == name:
        raise RuntimeError(f"test fault at {name} (QINGFENG_FAIL_AT)")
    if os.environ.get("QINGFENG_PAUSE_AT") != name:
        return
    Path(os.environ["QINGFENG_PAUSE_MARKER"]).write_text(str(os.getpid()), encoding="utf-8")
    while True:
        time.sleep(1)


class WarehouseBusy(Exception):
    """Another run holds the warehouse; the message names it."""


@contextmanager
def writer_lock(warehouse: Path | str, holder: dict, wait_s: float = 0, poll_s: float = 1.0):
    """One writer at a time: an exclusive lock on <warehouse>.lock for the whole run. The kernel drops a
    flock when its process dies (even by SIGKILL), so a crashed holder never blocks the next run. While
    held, the file says who holds it (run id, pid, host, start time). Waits up to `wait_s` seconds, then
    raises WarehouseBusy naming the holder."""
    lock_path = Path(str(warehouse) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(_busy_message(lock_path, wait_s)) from None
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(dict(holder, pid=os.getpid(), host=socket.gethostname()), ensure_ascii=False)
                  .encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)   # closing the descriptor releases the lock


def lock_holder(warehouse: Path | str) -> dict | None:
    """Who holds the writer lock now, or None when nobody does."""
    lock_path = Path(str(warehouse) + ".lock")
    if not lock_path.exists():
        return None
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    except BlockingIOError:
        try:
            return json.loads(lock_path.read_text(encoding="utf-8") or "{}")
        except ValueError:
            return {}
    finally:
        os.close(fd)


def _busy_message(lock_path: Path, waited: float) -> str:
    try:
        h = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        h = {}
    who = (f"运行 {h.get('run_id', '?')}（进程 {h.get('pid', '?')}，{h.get('host', '?')}，"
           f"{h.get('started_at', '?')} 开始）") if h else "另一个运行"
    return (f"数据仓库 {lock_path.with_suffix('')} 正被{who}写入，已等待 {waited:.0f} 秒仍未结束；"
            f"请待其完成后再运行。/ The warehouse is held by run {h.get('run_id', '?')} "
            f"(pid {h.get('pid', '?')}); waited {waited:.0f} s.")


def ref_table(con, name: str, columns: list[str], rows: list[tuple]) -> None:
    """A small reference table of text columns from Python rows (via Arrow: executemany is slow)."""
    import pyarrow as pa

    data = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)})
    con.register("_ref_rows", data)
    con.execute(f"create or replace table {name} as select * from _ref_rows")
    con.unregister("_ref_rows")

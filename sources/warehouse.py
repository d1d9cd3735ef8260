"""The DuckDB warehouse: a published snapshot per completed run (see "snapshots" below: readers never see a
run half-done), opened with settings chosen on purpose; one writer at a time; stages that commit all or nothing.

Crash safety (a run killed at any moment, even by SIGKILL): DuckDB discards a transaction that was not
committed when the file is next opened. The flow (flows/nightly.py) stages the loaded rows into the
canonical tables in one transaction, derives the helper tables in another, and runs the rules, updates
the case ledger and writes the outputs in a third: the canonical tables never hold half a delivery, and
the ledger only ever remembers a run whose outputs were written. The raw tables are filled outside a
transaction (the reader recovers from failed statements, and DuckDB aborts a transaction on any error);
each run replaces them all, and only the same run reads them. All of this happens in the run's own
snapshot file, which is published only once the run is complete (below): what readers see never changes
while a run works, nor after it dies.
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
    QINGFENG_FAIL_AT=`name` raises there instead: a run that fails half-way (tests/test_orchestration.py).
    A process that starts many runs (`qingfeng serve`) is given QINGFENG_PAUSE_FILE instead: the point is read
    from that file when it exists, so a test pauses only the run it starts."""
    if os.environ.get("QINGFENG_FAIL_AT") == name:
        raise RuntimeError(f"test fault at {name} (QINGFENG_FAIL_AT)")
    point = os.environ.get("QINGFENG_PAUSE_AT")
    pause_file = Path(os.environ.get("QINGFENG_PAUSE_FILE") or "/nonexistent")
    if point is None and pause_file.is_file():
        point = pause_file.read_text(encoding="utf-8").strip()
    if point != name:
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


# ---- snapshots: each run builds its own warehouse file and publishes it when complete ---------------------
#
# Design (issue 20). The `warehouse` path (data/warehouse.duckdb) is a symbolic link to the published
# snapshot, data/warehouse.duckdb.snapshots/<run id>.duckdb. A run builds a new snapshot file under its own
# run id: it first copies the tables that outlive runs (CARRIED_TABLES: the case ledger, its facts, runs,
# feedback and secret) from the published snapshot, then loads, derives, runs the rules and updates the
# ledger in that file only; when everything is committed and the outputs are written it closes the file
# (DuckDB checkpoints it: no WAL is left) and publishes it by renaming a new symbolic link over the
# `warehouse` path (os.replace: atomic; a reader sees the old snapshot or the new one, never a mix).
#
# Why a symbolic link rather than a pointer file: every reader, ours and the analysts' (`duckdb
# data/warehouse.duckdb`, tests, --warehouse), keeps opening the same path and gets the published snapshot,
# without knowing snapshots exist. Why a file per run rather than copying the whole warehouse: the source
# tables are reloaded by every run anyway; only the ledger tables need to survive, and copying them is
# cheap. Readers resolve the link once (`published`) and open the real file, so a publication during a
# screening does not change what that screening reads; writers (feedback import) open the real file too,
# so DuckDB's WAL sits beside the snapshot it belongs to, never beside the link.
#
# A run killed at any moment leaves its unpublished snapshot behind and readers unaffected. The next run
# (holding the writer lock, so no other run is running) deletes every snapshot file but the published one
# and the one published before it (the link <warehouse>.previous), which is kept until the next
# publication: at most three snapshot files exist at once (previous, published, the running run's).

CARRIED_TABLES = ("ledger_runs", "case_ledger", "case_facts", "case_feedback", "ledger_secret",
                  "index_values", "index_scores")      # and the supervision index's months (cases/index.py)
LEGACY_NAME = "before-snapshots.duckdb"   # a warehouse made before snapshots, moved into the snapshot folder


def snapshot_dir(warehouse: Path | str) -> Path:
    return Path(str(warehouse) + ".snapshots")


def previous_link(warehouse: Path | str) -> Path:
    return Path(str(warehouse) + ".previous")


def published(warehouse: Path | str) -> Path | None:
    """The published snapshot's real file (the link resolved once), the warehouse itself when it is a plain
    file (made before snapshots), or None when nothing was published yet."""
    p = Path(warehouse)
    target = p.resolve() if p.is_symlink() else p
    return target if target.is_file() else None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link(path: Path, target: Path) -> None:
    """Point the symbolic link `path` at `target` (relative, so the data folder can move), atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, path.parent), tmp)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _adopt_legacy(warehouse: Path) -> None:
    """A warehouse made before snapshots (a plain file) becomes the published snapshot: checkpointed, given a
    second name in the snapshot folder (a hard link: readers never miss it), then the link replaces it."""
    if warehouse.is_symlink() or not warehouse.is_file():
        return
    connect(warehouse).close()                      # replays and removes its WAL, if any
    folder = snapshot_dir(warehouse)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    legacy = folder / LEGACY_NAME
    legacy.unlink(missing_ok=True)
    os.link(warehouse, legacy)
    _link(warehouse, legacy)


def remove_unpublished(warehouse: Path | str) -> list[str]:
    """Delete the snapshot files that are neither published nor the previous publication (runs that died
    before publishing, publications older than the previous one) and temporary links. Call it only while
    holding the writer lock: then no run is building a snapshot. Returns the names deleted."""
    wh = Path(warehouse)
    folder = snapshot_dir(wh)
    keep = {p for p in (published(wh), published(previous_link(wh))) if p is not None}
    removed = []
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            db = f.with_suffix("") if f.suffix == ".wal" else f
            if db.resolve() in keep:
                continue
            f.unlink(missing_ok=True)
            removed.append(f.name)
    for tmp in wh.parent.glob(f".{wh.name}*.link"):
        tmp.unlink(missing_ok=True)
    return removed


def begin_snapshot(warehouse: Path | str, run_id: str, **connect_args):
    """A new snapshot for run `run_id`, holding a copy of the carried tables of the published one; returns
    (connection, path). Call it while holding the writer lock."""
    wh = Path(warehouse)
    _adopt_legacy(wh)
    remove_unpublished(wh)
    folder = snapshot_dir(wh)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{run_id}.duckdb"
    con = connect(path, **connect_args)
    source = published(wh)
    if source is not None:
        con.execute("attach $path as prev (read_only)", {"path": str(source)})
        try:
            there = {r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = 'prev' "
                                               "and schema_name = 'main' and not temporary").fetchall()}
            with transaction(con):
                for t in CARRIED_TABLES:
                    if t in there:
                        con.execute(f'create table main."{t}" as select * from prev.main."{t}"')
        finally:
            con.execute("detach prev")
    return con, path


def record_published(con, run_id: str, as_of, started_at: str) -> None:
    """Name the run in its snapshot (table `published_run`), inside the run's last transaction."""
    con.execute("create or replace table published_run (run_id varchar, as_of date, started_at timestamp, "
                "finished_at timestamp)")
    con.execute("insert into published_run values (?, ?, ?, current_timestamp)", [run_id, as_of, started_at])


def publish(warehouse: Path | str, snapshot: Path) -> list[str]:
    """Make the closed, complete `snapshot` the published one (atomic rename of the link), keep the one it
    replaces as <warehouse>.previous, delete older ones. Returns the names deleted."""
    wh = Path(warehouse)
    before = published(wh)
    _link(wh, snapshot)
    if before is not None and before != Path(snapshot).resolve():
        _link(previous_link(wh), before)
    return remove_unpublished(wh)


def snapshot_run(con, schema: str = "main") -> dict | None:
    """The run whose snapshot `con` reads (at `schema`, e.g. an attached `wh`): run id, as-of date, finish
    time; for a warehouse made before snapshots, the last run of its ledger; None if neither is there."""
    where = "current_database()" if schema == "main" else "?"
    names = {r[0] for r in con.execute(f"select table_name from duckdb_tables() where database_name = {where} "
                                       "and schema_name = 'main'", [] if schema == "main" else [schema]).fetchall()}
    if "published_run" in names:
        row = con.execute(f"select run_id, as_of, finished_at from {schema}.published_run").fetchone()
    elif "ledger_runs" in names:
        row = con.execute(f"select run_id, as_of, recorded_at from {schema}.ledger_runs "
                          "order by run_seq desc limit 1").fetchone()
    else:
        row = None
    if not row:
        return None
    return {"run_id": row[0], "as_of": row[1].isoformat() if row[1] else None,
            "finished_at": row[2].isoformat(timespec="seconds") if row[2] else None}


def published_run(warehouse: Path | str) -> dict | None:
    """The run whose snapshot is published now (opened read-only), or None (nothing published, or the file is
    being written by a feedback import)."""
    path = published(warehouse)
    if path is None:
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return snapshot_run(con)
    finally:
        con.close()


def connect_when_free(path: Path | str, wait_s: float = 60, poll_s: float = 0.5, **connect_args):
    """connect(), trying again for up to `wait_s` seconds while DuckDB's file lock refuses it: a screening
    reads the published snapshot (a shared lock, for seconds) without the writer lock. Then WarehouseBusy."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return connect(path, **connect_args)
        except duckdb.IOException as e:
            if not is_lock_conflict(e):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"数据仓库 {path} 正被其他进程（筛查）使用，已等待 {wait_s:.0f} 秒仍未结束；"
                                    f"请稍后再试。/ {e}") from None
            time.sleep(poll_s)


def is_lock_conflict(e: Exception) -> bool:
    """DuckDB's own file lock: another process has the file open for writing."""
    return isinstance(e, duckdb.IOException) and "lock" in str(e).lower()

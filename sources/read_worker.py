"""Workbooks are read in a child process: calamine is native code, and a file it cannot hold (a sheet whose
far cell asks for hundreds of gigabytes, a corrupt record) aborts the process it runs in. Run here, the
abort, an allocation beyond READER_MEMORY_BYTES (RLIMIT_AS in the child) or a read running past
READER_TIMEOUT_SECONDS costs that file — it becomes UnreadableFile with the reason — and the run goes on.

One worker process serves every workbook of a run (starting one costs about as much as reading a small
workbook: see docs/hostile.md), and a new one is started after a crash. read_many reads the next files
ahead with READ_WORKERS such processes at once, each with the same limits, and gives their results in the
order of the files (sources/load.py inserts them into DuckDB in that order, so a run's tables do not depend
on the number of workers). It never outlives its parent: it
exits when the pipe to the parent closes, the kernel kills it when the parent dies (PR_SET_PDEATHSIG on
Linux), and the parent ends it at exit. What comes back is the ReadResult itself (its sheets' grids are
Arrow tables, pickled).
"""

from __future__ import annotations

import atexit
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from .grid import ReadResult, UnreadableFile

# Limits of the child that reads workbooks (a legitimate workbook stays far below them; the limits on
# what a sheet may hold, sources/grid.py, refuse most hostile files before the child allocates anything).
READER_MEMORY_BYTES_DEFAULT = 4 << 30     # address space of the child (RLIMIT_AS); None: no limit
READER_TIMEOUT_SECONDS_DEFAULT = 900      # one workbook, read and sent back
READER_MEMORY_BYTES, READER_TIMEOUT_SECONDS = READER_MEMORY_BYTES_DEFAULT, READER_TIMEOUT_SECONDS_DEFAULT
# Workbooks read at once by read_many, each in its own process (and held, read, until loaded: at most this
# many results wait in memory besides the one being loaded). The reading is calamine in the child; the
# loading into DuckDB stays on one connection, so beyond the cores the loader has, more workers only wait.
READ_WORKERS_DEFAULT = min(os.cpu_count() or 1, 4)
READ_WORKERS = READ_WORKERS_DEFAULT

CRASHED = "读取此文件时读取程序异常退出（可能是超大或损坏的工作簿），已跳过"
FAULT_ENV = "QF_READER_FAULT"        # tests only: "abort:<file name>;hang:…;memory:…;unchecked:…"


def configure(memory_bytes: int | None = ..., timeout_seconds: float | None = ..., workers: int = ...) -> None:
    """Set the child's limits and the number of workers (the run's settings); the workers restart with them
    at their next file."""
    global READER_MEMORY_BYTES, READER_TIMEOUT_SECONDS, READ_WORKERS
    if memory_bytes is not ...:
        READER_MEMORY_BYTES = memory_bytes
    if timeout_seconds is not ...:
        READER_TIMEOUT_SECONDS = timeout_seconds
    if workers is not ...:
        READ_WORKERS = max(1, int(workers))
    _stop_all()


def read_isolated(path: Path, tmpdir: Path) -> ReadResult:
    """sources/read_workbook.py's reading of `path`, in the worker process."""
    return _WORKER.read(path, tmpdir)


def read_many(paths: Iterable[Path], tmpdir: Path, workers: int | None = None
              ) -> Iterator[tuple[Path, ReadResult | Exception]]:
    """(path, its ReadResult or the exception its reading raised, UnreadableFile with the reason) for each
    of `paths`, in their order. With more than one worker the next files are read ahead, at most `workers`
    (READ_WORKERS) at a time, each in its own process; `paths` is drawn from this thread only, as results
    are taken. Closing the iterator early ends the reads in flight. The pool's processes die with the
    threads that started them (PR_SET_PDEATHSIG follows the thread): each call starts its own."""
    n = workers or READ_WORKERS
    if n <= 1:
        for path in paths:
            yield path, _outcome(_WORKER, path, tmpdir)
        return
    pool = _pool(n)
    free: deque[_Worker] = deque(pool)      # deque's append and popleft are atomic: the threads share it
    pending: deque = deque()
    source = iter(paths)
    threads = ThreadPoolExecutor(n, thread_name_prefix="qf-read")
    closing = threading.Event()

    def take(path: Path) -> ReadResult | Exception:
        if closing.is_set():                # not started before the reads were ended
            return UnreadableFile("读取已停止")
        worker = free.popleft()             # never empty: at most n reads are submitted, each returns its worker
        try:
            return _outcome(worker, path, tmpdir)
        finally:
            free.append(worker)

    def fill() -> None:
        while len(pending) < n and (path := next(source, None)) is not None:
            pending.append((path, threads.submit(take, path)))

    try:
        fill()
        while pending:
            path, future = pending.popleft()
            outcome = future.result()
            fill()                          # n files in flight while this one is loaded
            yield path, outcome
    finally:
        if pending:                         # closed early (the load failed, or Ctrl-C): end the reads in flight
            closing.set()
            for _, future in pending:
                future.cancel()
            for worker in pool:
                worker.interrupt()
        threads.shutdown(wait=True, cancel_futures=True)


def _outcome(worker: _Worker, path: Path, tmpdir: Path) -> ReadResult | Exception:
    try:
        return worker.read(path, tmpdir)
    except Exception as exc:    # UnreadableFile, or a bug: the loader records it against this file
        return exc


class _Worker:
    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.stderr = None
        self.limits = None
        self.lock = threading.Lock()

    def start(self) -> None:
        parent, child = socket.socketpair()
        self.stderr = tempfile.TemporaryFile()
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.limits = (READER_MEMORY_BYTES, READER_TIMEOUT_SECONDS)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sources.read_worker", str(child.fileno()), str(os.getpid()),
             str(READER_MEMORY_BYTES or 0)],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
            env=env)
        child.close()
        self.conn = Connection(parent.detach())
        # the child imports pyarrow and calamine before it says it is ready: a file's time limit is for reading
        try:
            ready = self.conn.poll(120) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise UnreadableFile("读取 Excel 工作簿的子进程无法启动，此文件未读取；请把运行日志转交系统维护人员")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=2)          # the closed pipe ends its loop
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def interrupt(self) -> None:
        """End a read in flight from another thread: the reading thread finds the process gone."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def alive(self) -> bool:
        return (self.proc is not None and self.proc.poll() is None
                and self.limits == (READER_MEMORY_BYTES, READER_TIMEOUT_SECONDS))

    def read(self, path: Path, tmpdir: Path) -> ReadResult:
        with self.lock:
            if not self.alive():
                self.stop()
                self.start()
            request = (os.path.abspath(path), os.path.abspath(tmpdir))
            try:
                self.conn.send(request)
            except OSError:                   # it died between two files (its parent thread ended): again
                self.stop()
                self.start()
                self.conn.send(request)
            try:
                ready = self.conn.poll(READER_TIMEOUT_SECONDS)
                answer = self.conn.recv() if ready else None
            except (EOFError, OSError, pickle.UnpicklingError):
                answer = None
            if answer is None:
                raise UnreadableFile(self._failure(ready))
        status, value = answer
        if status == "ok":
            value.path = path
            return value
        if status == "unreadable":
            raise UnreadableFile(value)
        with self.lock:
            self.stop()                       # after MemoryError or a bug: a fresh process for the next file
        if status == "memory":
            raise UnreadableFile(f"读取此文件所需内存超过上限 READER_MEMORY_BYTES = {READER_MEMORY_BYTES:,} 字节"
                                 "（sources/read_worker.py），可能是超大或构造的工作簿，已跳过")
        raise UnreadableFile(f"读取此文件时出现程序错误（{value}），已跳过；请把此文件转交系统维护人员")

    def _failure(self, ready: bool) -> str:
        """Why the worker gave no answer, for people; the worker is ended and its last words kept."""
        proc = self.proc
        if not ready:
            proc.kill()
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:      # an answer that did not unpickle, from a process still alive
            proc.kill()
            code = proc.wait()
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - 2000))
        last = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        self.stop()
        if not ready:
            return (f"读取此文件超过 {READER_TIMEOUT_SECONDS:g} 秒仍未完成（READER_TIMEOUT_SECONDS，sources/read_worker.py），"
                    "可能是超大或损坏的工作簿，已跳过")
        try:
            how = f"信号 {signal.Signals(-code).name}" if code < 0 else f"退出码 {code}"
        except ValueError:
            how = f"信号 {-code}"
        return CRASHED + f"（{how}{'：' + last[0][:300] if last[0] else ''}）"


_WORKER = _Worker()
_POOL = [_WORKER]                   # read_isolated's worker first; read_many adds more as it needs them


def _pool(n: int) -> list[_Worker]:
    while len(_POOL) < n:
        _POOL.append(_Worker())
    return _POOL[:n]


def _stop_all() -> None:
    for worker in _POOL:
        worker.stop()


atexit.register(_stop_all)


# ---- the child ------------------------------------------------------------------------------------

def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:       # the parent died before the line above
        os._exit(0)


def _fault(path: Path) -> None:
    """The test hook (FAULT_ENV, entries separated by ";"): make the child fail as native code can, for a
    file of that name."""
    faults = dict(reversed(entry.split(":", 1)) for entry in os.environ.get(FAULT_ENV, "").split(";") if ":" in entry)
    what = faults.get(path.name)
    if not what:
        return
    if what == "abort":
        os.abort()
    if what == "hang":
        import time
        time.sleep(3600)
    if what == "memory":
        bytearray(64 << 30)
    if what == "unchecked":            # calamine without the checks before it: as if they were fooled
        import python_calamine
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def _child(fd: int, parent: int, memory: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's to handle; the child follows it
    _die_with_parent(parent)
    if memory:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    conn = Connection(fd)
    from .read_workbook import _read_workbook  # imported once: pyarrow and calamine are warm for every file
    conn.send("ready")
    while True:
        try:
            path, tmpdir = conn.recv()
        except (EOFError, OSError):
            return
        try:
            _fault(Path(path))
            answer = ("ok", _read_workbook(Path(path), Path(tmpdir)))
            data = pickle.dumps(answer, protocol=5)
        except UnreadableFile as exc:
            data = pickle.dumps(("unreadable", str(exc)))
        except MemoryError:
            data = pickle.dumps(("memory", ""))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:       # pyo3 panics are BaseException
            data = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:500]))
        try:
            conn.send_bytes(data)
        except (EOFError, OSError):
            return


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

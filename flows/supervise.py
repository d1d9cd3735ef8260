"""No process left behind. The flow starts helper processes — Prefect's temporary API server above all (a
uvicorn subprocess, started when no server is configured) — and Prefect stops that server only from an
atexit hook, which neither a signal's default action nor a native abort nor SIGKILL ever runs.

So `qingfeng run` (1) turns SIGTERM and SIGHUP into an orderly exit (`exit_on_sigterm`: `finally` blocks and
atexit hooks run, the warehouse is closed and Prefect's server stopped), and (2) starts a small watchdog
process (`start_watchdog`, this module run as `python -m flows.supervise <pid>`) that notes, several times a
second, the processes the run has started, and when the run's process is gone — however it ended — ends
those still running (SIGTERM, then SIGKILL) and says so. The run's own process stays the one the caller
started and waits for: its exit status, its locks and a kill of its process group are as before.

The watchdog ignores SIGINT, SIGTERM and SIGHUP (it must outlive the run it watches; a Ctrl-C or a kill of
the whole process group reaches the run); SIGKILL ends it. Linux only (it reads /proc); elsewhere only (1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

POLL_S = 0.1          # how often the watchdog notes the run's processes
GRACE_S = 5.0         # after SIGTERM, how long a leftover process may take to end before SIGKILL


def exit_on_sigterm() -> None:
    """SIGTERM and SIGHUP end this process as an exception would, so `finally` blocks and atexit hooks run
    (Python's default is to die at once, leaving Prefect's server behind). Exit status 128 + the signal."""
    def handler(signum, frame):
        signal.signal(signum, signal.SIG_DFL)      # a second signal ends the process at once
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def start_watchdog() -> subprocess.Popen | None:
    """The watchdog of this process (None where there is no /proc)."""
    if not os.path.isdir("/proc/self"):
        return None
    return subprocess.Popen([sys.executable, "-m", "flows.supervise", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def watch(parent: int) -> int:
    """Note the processes descended from `parent` until it is gone, then end those still running."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    me = os.getpid()
    procs = _processes()
    if parent not in procs:
        return 0
    parent_start, leader = procs[parent][3], procs[parent][1] == parent
    seen: dict[int, int] = {}                      # pid → start time (a pid may be reused once it ends)
    while os.getppid() == parent:
        procs = _processes()
        for pid in _descendants(parent, procs) - {me}:
            seen.setdefault(pid, procs[pid][3])
        time.sleep(POLL_S)
    procs = _processes()
    left = {p for p, start in seen.items() if p in procs and procs[p][3] == start and procs[p][2] != "Z"}
    if leader:             # the run led its process group: whatever it started and we missed is in it
        left |= {p for p, (_, pgid, state, start) in procs.items()
                 if pgid == parent and p != me and state != "Z" and start >= parent_start}
    if not left:
        return 0
    _end(left)
    print(f"清风运行（进程 {parent}）已结束，但留下 {len(left)} 个辅助进程（如 Prefect 临时服务）：已将其结束"
          f"（进程号 {'、'.join(map(str, sorted(left)))}）", file=sys.stderr)
    return 0


def _end(pids: set[int]) -> None:
    for sig, wait in ((signal.SIGTERM, GRACE_S), (signal.SIGKILL, GRACE_S)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + wait
        while time.monotonic() < end:
            procs = _processes()
            if not any(p in procs and procs[p][2] != "Z" for p in pids):
                return
            time.sleep(0.05)


def _descendants(pid: int, procs: dict) -> set[int]:
    children: dict[int, list[int]] = {}
    for p, (ppid, *_) in procs.items():
        children.setdefault(ppid, []).append(p)
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


def _processes() -> dict[int, tuple[int, int, str, int]]:
    """pid → (parent pid, process group, state, start time in clock ticks) of every process (/proc/<pid>/stat)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()       # the command name may hold spaces and ')'
        out[int(name)] = (int(fields[1]), int(fields[2]), fields[0], int(fields[19]))
    return out


if __name__ == "__main__":
    sys.exit(watch(int(sys.argv[1])))

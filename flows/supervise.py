"""No process left behind: `qingfeng run` runs the flow in a child process and, however that child ends
(completed, an exception, SIGTERM, a native abort, SIGKILL), ends every process it started: Prefect's
temporary API server (a uvicorn subprocess the flow starts when no server is configured) above all, which
Prefect stops only from an atexit hook that a signal or an abort never runs.

The supervising process is small (it imports nothing of the pipeline). On Linux it is a child subreaper
(prctl PR_SET_CHILD_SUBREAPER): a process whose parent dies is re-parented to it rather than to init, so
after the child ends it finds what is left among its own children. SIGTERM and SIGHUP are passed on to the
child, which then exits through its `finally` and atexit hooks (the warehouse closed, Prefect's server
stopped); after a grace period the child is killed. Ctrl-C reaches the child through the terminal's process
group; the supervisor waits for it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

CHILD_ENV = "QINGFENG_SUPERVISED"      # set in the child: it runs the flow itself
GRACE_S = 20                            # after SIGTERM, how long the child may take to end on its own
PR_SET_CHILD_SUBREAPER = 36


def wanted() -> bool:
    """Supervise unless this process is already the supervised child (or there is no /proc to find
    leftovers in: then the run goes on in this process, with exit_on_sigterm)."""
    return os.environ.get(CHILD_ENV) != "1" and os.path.isdir("/proc/self")


def exit_on_sigterm() -> None:
    """SIGTERM ends this process as an exception would, so `finally` blocks and atexit hooks run (Python's
    default for SIGTERM is to die at once, leaving Prefect's server behind)."""
    def handler(signum, frame):
        signal.signal(signum, signal.SIG_DFL)      # a second signal ends the process at once
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def run_supervised(cmd: list[str]) -> int:
    """Run `cmd` (this command again, marked as the child), pass SIGTERM/SIGHUP on, and when it has ended
    end whatever it left running. Returns its exit code (128 + N when a signal N ended it)."""
    _become_subreaper()
    child = subprocess.Popen(cmd, env=dict(os.environ, **{CHILD_ENV: "1"}))
    deadline = []

    def forward(signum, frame):
        if child.poll() is None:
            child.send_signal(signum)
            deadline.append(time.monotonic() + GRACE_S)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)   # the child gets Ctrl-C itself
    try:
        while True:
            try:
                rc = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if deadline and time.monotonic() > deadline[0]:
                    child.kill()
    finally:
        left = end_descendants()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if left:
        print(f"运行结束后仍有 {len(left)} 个辅助进程（如 Prefect 临时服务）未退出，已将其结束：进程号 "
              f"{'、'.join(map(str, left))}", file=sys.stderr)
    if rc < 0:
        print(f"运行异常终止（信号 {-rc}，{_signal_name(-rc)}）：本次没有生成线索清单，案件台账未更新；"
              "修复后重新运行即可", file=sys.stderr)
        return 128 - rc
    return rc


def end_descendants(grace_s: float = 5.0) -> list[int]:
    """End every process descended from this one (SIGTERM, then SIGKILL after `grace_s`), and reap those
    that became its children; returns their process ids."""
    me = os.getpid()
    pids = descendants(me)
    if os.getpgrp() == me:           # our own process group (a terminal job, or a test's new session)
        pids |= {p for p, (_, pgid, _) in _processes().items() if pgid == me and p != me}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + grace_s
        while pids and time.monotonic() < end:
            _reap(pids)
            alive = _processes()
            if not any(p in alive and alive[p][2] != "Z" for p in pids):
                break
            time.sleep(0.05)
        alive = _processes()
        if not any(p in alive and alive[p][2] != "Z" for p in pids):
            break
    _reap(pids)
    return sorted(pids)


def descendants(pid: int) -> set[int]:
    """The processes below `pid` in the process tree (from /proc)."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for p, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(p)
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, process group, state) of every process, from /proc/<pid>/stat."""
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
        out[int(name)] = (int(fields[1]), int(fields[2]), fields[0])
    return out


def _reap(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:      # not our child (or already reaped)
            pass


def _become_subreaper() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):     # not Linux: the process group and the tree still find most
        pass


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "?"

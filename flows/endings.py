"""How a nightly run starts and ends in its records: the runs index's first line (running), and for a run that
did not complete, why (refused, skipped, failed, blocked, cancelled), in the runs index and its run.json;
the run's own log file, run.log. The records themselves are built by outputs/runinfo.py (run_record)."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from pathlib import Path

from prefect import get_run_logger
from prefect.exceptions import TerminationSignal
from prefect.states import Cancelled, State

from outputs import runinfo
from sources import gx, warehouse

from . import runtime, settings

# How a run that did not complete ended, for `qingfeng runs` and the exit code of `qingfeng run`.
REFUSED_EXIT = {warehouse.WarehouseBusy: 3}      # otherwise 2: an argument, a path or a folder cannot be used
FAILED_STATUS = {gx.ValidationBlocked: "blocked"}


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def ended(run_id: str, status: str, reason: str, params: dict, out: Path | None = None) -> None:
    """A run that did not complete, in the runs index (and its run.json when it has a folder)."""
    info = runinfo.run_record(run_id, status, runtime.deployment_name(), _now(), params.get("as_of"),
                              params.get("inbox"), str(out) if out else None, params, finished_at=_now(),
                              reason=reason)
    if out is not None:
        runinfo.write_run_json(out / "run.json", info)
    runinfo.append_to_index(Path(settings.get("runs_index")), info)


def started(run_id: str, started_at: str, as_of: dt.date, inbox: Path, out: Path, params: dict) -> None:
    """The run's first line in the runs index (status running), replaced for readers by the line of its end."""
    runinfo.append_to_index(Path(settings.get("runs_index")), runinfo.run_record(
        run_id, "running", runtime.deployment_name(), started_at, as_of.isoformat(), str(inbox), str(out),
        dict(params, out=str(out))))


def refused(run_id: str, e: Exception, params: dict) -> State:
    """A run that correctly refused to start: one sentence, a state named Refused (not a traceback, not
    Failed), the exit code for `qingfeng run` in the state's data, a line in the runs index, no folder."""
    reason = str(e)
    get_run_logger().warning("运行未开始：%s", reason)
    ended(run_id, "refused", reason, params)
    return Cancelled(name="Refused", message=reason, data={"exit": REFUSED_EXIT.get(type(e), 2), "reason": reason})


@contextmanager
def recorded_if_it_fails(run_id: str, out: Path, params: dict):
    """A run that stopped half-way leaves its folder with run.json saying why (and run.log), never an empty
    folder; the case ledger keeps what the last complete run committed (sources/warehouse.py)."""
    try:
        yield
    except BaseException as e:       # SIGTERM arrives as Prefect's TerminationSignal (or SystemExit): cancelled
        stopped = isinstance(e, (SystemExit, KeyboardInterrupt, TerminationSignal))
        status = "cancelled" if stopped else FAILED_STATUS.get(type(e), "failed")
        signum = getattr(e, "signal", None) or (e.code - 128 if isinstance(getattr(e, "code", None), int) else None)
        reason = (f"运行被终止（信号 {signum}：SIGTERM 为 systemctl stop、kill 或关机，退出码 {128 + signum}）"
                  if stopped and signum else "运行被终止" if stopped
                  else f"{type(e).__name__}: {e}" if status == "failed" else str(e))
        ended(run_id, status, reason, dict(params, out=str(out)), out)
        raise


class _RunLogFormat(logging.Formatter):
    """A log line names the task (load_sources-…) or the flow run it comes from, not only Prefect's logger."""

    def format(self, record: logging.LogRecord) -> str:
        record.who = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None) or record.name
        return super().format(record)


@contextmanager
def run_log(out: Path):
    """The run's log (Prefect's flow and task loggers) in <run folder>/run.log, whatever the run's end."""
    handler = logging.FileHandler(out / "run.log", encoding="utf-8")
    handler.setFormatter(_RunLogFormat("%(asctime)s %(levelname)s %(who)s: %(message)s"))
    loggers = [logging.getLogger(n) for n in ("prefect.flow_runs", "prefect.task_runs")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
        handler.close()

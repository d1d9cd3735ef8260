"""Deployments for a Prefect server: the nightly schedule, analysts' ad-hoc runs, screening before payment.

    qingfeng server   # the Prefect server (UI, API and scheduler) on 127.0.0.1, with the project's Prefect home
    qingfeng serve    # serves these deployments against it: the schedule fires, the UI can start runs

A cron schedule never fires in Prefect's ephemeral mode: it needs the server and a serving process.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from . import settings
from .runtime import AD_HOC, NIGHTLY, SCREEN  # noqa: F401 (the deployments' names)


def api_url(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or settings.get('prefect_port')}/api"


def wait_for_api(url: str, timeout_s: float = 180, poll_s: float = 1.0) -> bool:
    """Wait until the Prefect server answers its health endpoint (systemd starts `serve` with the server, before
    the API is up): True when it does, False after `timeout_s`."""
    import time

    import httpx

    auth = os.environ.get("PREFECT_API_AUTH_STRING")        # a server with basic authentication
    auth = tuple(auth.split(":", 1)) if auth and ":" in auth else None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=5, auth=auth).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    return False


def deployments() -> list:
    from prefect.schedules import Cron

    from .console import with_titles
    from .nightly import nightly_reconciliation
    from .screening import screen_payment_list

    return [
        with_titles(nightly_reconciliation.to_deployment(
            name=NIGHTLY, schedules=[Cron(settings.get("nightly_cron"), timezone=settings.get("timezone"))],
            description="每晚全量比对：读入收件目录的全部文件，运行全部规则，写出线索清单。",
            tags=["qingfeng", "nightly"]), nightly_reconciliation),
        with_titles(nightly_reconciliation.to_deployment(
            name=AD_HOC,
            description="分析人员按需运行：可选规则、县或乡镇（代码或名称）、所属期范围（YYYY-MM）、"
                        "收件目录、按县或乡镇分册。",
            tags=["qingfeng", "ad-hoc"]), nightly_reconciliation),
        with_titles(screen_payment_list.to_deployment(
            name=SCREEN, description="发放前筛查：对一份拟发放名单，列出应暂缓发放的行及原因。",
            tags=["qingfeng", "screen"]), screen_payment_list),
    ]


def serve() -> None:
    """Serve the deployments against the project's Prefect server (blocks; stop with Ctrl-C or SIGTERM). The
    schedule is ours, not the scheduler's memory: a stop leaves the deployments scheduled (Prefect would pause
    them and delete their scheduled runs), and on start the newest missed nightly run is started once, whatever
    stopped it (catch_up)."""
    import threading

    from prefect import serve as prefect_serve

    from .console import ScreeningList

    os.chdir(settings.project_root())   # the runner starts each flow run from the flows' entrypoint, by path
    ScreeningList.register_type_and_schema()   # the form "清风拟发放名单" under Blocks
    threading.Thread(target=catch_up, name="qingfeng-catch-up", daemon=True).start()
    prefect_serve(*deployments(), pause_on_shutdown=False)


def _serving_since() -> dt.datetime:
    """When `serve` first ran on this data folder (a missed nightly is one scheduled after it)."""
    marker = settings.data_dir() / "serving_since"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), encoding="utf-8")
    return dt.datetime.fromisoformat(marker.read_text(encoding="utf-8").strip())


def missed_nightly(now: dt.datetime | None = None) -> dt.datetime | None:
    """The newest scheduled nightly time (Asia/Shanghai) that has passed since `serve` first ran here, with no
    nightly run completed since (the runs index: a cancelled, failed or refused run does not count)."""
    from cronsim import CronSim

    from outputs import runinfo

    zone = ZoneInfo(settings.get("timezone"))
    now = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    slot = next(CronSim(settings.get("nightly_cron"), now, reverse=True))
    if slot < _serving_since():
        return None
    for run in runinfo.recent_runs(Path(settings.get("runs_index")), 10_000):
        started = run.get("started_at")
        if run.get("deployment") == NIGHTLY and run["status"] == "completed" and started \
                and dt.datetime.fromisoformat(started).astimezone(zone) >= slot:
            return None
    return slot


def catch_up(wait_s: float = 180) -> None:
    """Once the deployments are served: start the newest missed nightly run, unless a run of the nightly
    deployment for that time or later is already scheduled, late, pending or running (after a crash Prefect
    starts the missed runs itself; after a clean stop they were left scheduled and the runner starts them)."""
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Scheduled

    slot = missed_nightly()
    if slot is None:
        return
    deadline = time.monotonic() + wait_s
    with get_client(sync_client=True) as client:
        while True:
            try:
                dep = client.read_deployment_by_name(f"nightly_reconciliation/{NIGHTLY}")
                break
            except Exception:
                if time.monotonic() > deadline:
                    return
                time.sleep(2)
        pending = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[dep.id]),
            expected_start_time=FlowRunFilterExpectedStartTime(after_=slot - dt.timedelta(minutes=1)),
            state=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING])))
        if pending:
            return
        when = slot.strftime("%Y-%m-%d %H:%M")
        client.create_flow_run_from_deployment(
            dep.id, state=Scheduled(), name=f"catch-up-{slot:%Y%m%d-%H%M}",
            tags=["qingfeng", "nightly", "catch-up"])
        print(f"补跑：计划于北京时间 {when} 的夜间运行没有完成（服务当时停止或运行中断），现在补跑一次。", flush=True)

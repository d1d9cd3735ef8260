"""Deployments for a Prefect server: the nightly schedule, analysts' ad-hoc runs, screening before payment.

    qingfeng server   # the Prefect server (UI, API and scheduler) on 127.0.0.1, with the project's Prefect home
    qingfeng serve    # serves these deployments against it: the schedule fires, the UI can start runs

A cron schedule never fires in Prefect's ephemeral mode: it needs the server and a serving process.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from . import settings

NIGHTLY, AD_HOC, SCREEN = "nightly", "ad-hoc", "screen"


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

    from .nightly import nightly_reconciliation, screen_payment_list

    from .console import with_titles

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
    """Serve the deployments against the project's Prefect server (blocks; stop with Ctrl-C or SIGTERM)."""
    from prefect import serve as prefect_serve

    os.chdir(settings.project_root())   # the runner starts each flow run from the flows' entrypoint, by path
    prefect_serve(*deployments())


def started_from_console() -> bool:
    """Is this flow run a deployment's (started from the UI, the API or the schedule), not `qingfeng run`?"""
    from prefect.runtime import deployment

    return bool(deployment.id)


def superseded_by() -> str | None:
    """For a scheduled run of the nightly deployment, why it should not do the work: a newer scheduled run
    of the same deployment is already due. When the serving process was down, Prefect starts all the missed
    runs at once on restart; only the newest does the work and the others end as skipped, saying why.
    None for every other run (ad-hoc, the command line, the newest nightly run)."""
    from prefect import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterDeploymentId,
                                                FlowRunFilterExpectedStartTime)
    from prefect.runtime import deployment, flow_run

    if deployment.name != NIGHTLY or not deployment.id:
        return None
    mine = flow_run.scheduled_start_time
    now = dt.datetime.now(dt.timezone.utc)
    with get_client(sync_client=True) as client:
        later = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
            expected_start_time=FlowRunFilterExpectedStartTime(after_=mine, before_=now)))
    later = [r for r in later if str(r.id) != str(flow_run.id) and r.expected_start_time > mine]
    if not later:
        return None
    newest = max(r.expected_start_time for r in later)
    zone = ZoneInfo(settings.get("timezone"))      # times for people: the schedule's zone (Asia/Shanghai)
    mine, newest = mine.astimezone(zone), newest.astimezone(zone)
    return (f"跳过：这是服务中断期间错过的夜间运行（计划于北京时间 {mine:%Y-%m-%d %H:%M}），已有更新的夜间运行"
            f"（计划于 {newest:%Y-%m-%d %H:%M}）会做同样的工作，只由最新的一次运行。/ Skipped: a missed "
            f"nightly run superseded by the run scheduled for {newest.isoformat()}.")

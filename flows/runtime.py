"""What Prefect knows about the flow run in progress: the deployment it belongs to (nightly, ad-hoc, screen, or
none for `qingfeng run`), and whether a newer scheduled nightly run supersedes it.

Apart from flows/deployments.py, which builds the deployments from the flows: the flows ask these questions
and the deployments import the flows, so the two cannot be one module without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from . import settings

NIGHTLY, AD_HOC, SCREEN = "nightly", "ad-hoc", "screen"


def deployment_name() -> str | None:
    """The deployment this flow run belongs to (nightly, ad-hoc, screen), None for `qingfeng run`."""
    from prefect.runtime import deployment

    return deployment.name if deployment.id else None


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
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId, FlowRunFilterExpectedStartTime
    from prefect.runtime import deployment, flow_run

    if deployment.name != NIGHTLY or not deployment.id:
        return None
    mine = flow_run.scheduled_start_time
    now = dt.datetime.now(dt.UTC)
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

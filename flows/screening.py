"""The screening flow: a payment list checked against the published snapshot of the warehouse before the money
goes out (the checks: rules/screening/; the list of rows to hold: outputs/hold_list.py). `qingfeng screen` runs
it in this process without Prefect (screen_now); the console starts `screen_payment_list`.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from outputs import hold_list
from rules import screening
from sources import warehouse

from . import console, settings
from .parameters import new_run_id, parse_day
from .paths import PathRefused, check_roots


def screen_inputs(list_path: str, out: str | None, as_of: str | None, warehouse_path: str | None):
    """The list, the run folder, the as-of date and the published snapshot of the warehouse a screening reads;
    errors for people."""
    path = Path(list_path)
    if path.exists() and not path.is_file():     # a folder, a pipe (never opened: it would wait), a device
        raise PathRefused(f"拟发放名单“{path}”不是普通文件（是目录、管道或设备）：请指定名单文件本身")
    if not path.is_file():
        raise FileNotFoundError(f"找不到拟发放名单：{path}")
    wh = Path(warehouse_path) if warehouse_path else Path(settings.get("warehouse"))
    snapshot = warehouse.published(wh)           # resolved once: a publication meanwhile changes nothing here
    if snapshot is None:
        raise FileNotFoundError(f"找不到数据仓库 {wh}：请先运行一次 qingfeng run")
    out_p = Path(out) if out else Path(settings.get("screens_dir")) / new_run_id()
    if out_p.exists() and not out_p.is_dir():
        raise PathRefused(f"输出目录“{out_p}”已存在，但它是一个文件而不是目录：请用 --out 指定一个目录")
    return path, out_p, parse_day(as_of) or dt.date.today(), snapshot


def _screen_published(path: Path, snapshot: Path, wait_s: int) -> screening.Screening:
    """Screen against the published snapshot. No writer lock: a nightly run builds its own snapshot and never
    writes this one, so a screening does not wait for it. Only a feedback import writes the published
    snapshot (briefly, under the writer lock); DuckDB's file lock then refuses to open it, and the screening
    tries again for up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return screening.screen(path, snapshot)
        except duckdb.IOException as e:
            if not warehouse.is_lock_conflict(e):
                raise
            if time.monotonic() >= deadline:
                raise warehouse.WarehouseBusy(f"数据仓库 {snapshot} 正在导入核查反馈，已等待 {wait_s} 秒仍未结束；"
                                              f"请稍后再筛查。/ The warehouse is being written: {e}") from None
            time.sleep(1)


def screen_now(list_path: str, out: str | None = None, as_of: str | None = None, warehouse_path: str | None = None,
               wait_s: int = 60) -> dict:
    """Screening in this process, without Prefect (`qingfeng screen`: a list is checked in seconds)."""
    path, out_p, day, snapshot = screen_inputs(list_path, out, as_of, warehouse_path)
    return hold_list.write(_screen_published(path, snapshot, wait_s), out_p, day)


@task(cache_policy=NO_CACHE)
def screen_list(list_path: Path, wh: Path, wait_s: int) -> screening.Screening:
    """Check the payment list against the published snapshot of the warehouse (read-only)."""
    return _screen_published(list_path, wh, wait_s)


@task(cache_policy=NO_CACHE)
def write_screening(result: screening.Screening, out: Path, as_of: dt.date) -> dict:
    """The short workbook of rows to hold, and screen.json."""
    return hold_list.write(result, out, as_of)


@flow(name="screen_payment_list", log_prints=False)
def screen_payment_list(list_path: console.ListPath = "", out: console.Out = "", as_of: console.ScreenDay = "",
                        warehouse_path: console.Warehouse = "", wait_s: console.WaitS = 60,
                        list_text: console.PastedList = "", list_block: console.SavedList = None) -> dict:
    """Screening before payment (the deployment analysts start from the UI): which rows of a payment list to
    hold (dead, moved away, paid twice, exclusive benefits, unknown payees, unusable rows), and why. The list
    is a file on the server or pasted into the form; the held rows are shown on the run's page.

    Args:
        list_path: 拟发放名单文件（.xlsx/.xls/.csv）的路径
        out: 输出目录，默认 data/screens/<编号>
        as_of: 筛查日期 YYYY-MM-DD，默认今天
        warehouse_path: 数据仓库文件，默认 data/warehouse.duckdb
        wait_s: 导入核查反馈正在写数据仓库时最多等待的秒数（夜间运行不影响筛查：筛查读已发布的快照）
        list_text: 从 Excel 复制粘贴的名单（含表头）
        list_block: 已保存的名单（“清风拟发放名单”块）
    """
    check_roots({"拟发放名单": list_path, "输出目录": out, "数据仓库": warehouse_path})   # (a console run)
    if not list_path and list_block is not None:     # a list saved in the console (a block)
        list_text = list_block.content
    if not list_path and list_text.strip():          # pasted into the form: kept in the screening's folder
        folder = Path(out) if out else Path(settings.get("screens_dir")) / new_run_id()
        list_path, out = str(console.pasted_list(list_text, folder)), str(folder)
    if not list_path:
        raise FileNotFoundError("没有名单：请填写拟发放名单的路径，或把名单粘贴到“或粘贴名单”")
    path, out_p, day, snapshot = screen_inputs(list_path, out, as_of, warehouse_path)
    result = screen_list(path, snapshot, wait_s)
    summary = write_screening(result, out_p, day)
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(key="qingfeng-screening", markdown=hold_list.held_markdown(result, summary),
                             description=f"发放前筛查：应暂缓发放 {len(result.held)} 行")
    return summary

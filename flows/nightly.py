"""The nightly reconciliation flow: load sources → validate → run rules → remember cases → write outputs;
and the screening flow for a payment list before the money goes out.

Each run builds its own snapshot of the warehouse and publishes it when complete (sources/warehouse.py):
readers (screening, feedback import) see the last complete run, never a run half-done.
A run killed at any moment (even by SIGKILL) can simply be run again: staging, the derived tables, and
rules + ledger + outputs each commit all or nothing (sources/warehouse.py), every output file is renamed
into place when complete (outputs/tables.py), and run.json is written after the ledger is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.states import Cancelled, Completed, State

from outputs import runinfo, screening, tables, workbook
from cases import ledger
from rules import catalog, coverage, screen
from sources import declarations, gx, load, mappings, read_worker, stage, validate, warehouse

from . import console, deployments, settings
from .paths import PathRefused, check_paths, check_roots


@dataclass
class Run:
    """What one run works with; created by `start_run`, passed to every task."""

    run_id: str
    inbox: Path
    out: Path
    as_of: dt.date
    warehouse: Path                                # the published path (a link to the published snapshot)
    snapshot: Path                                 # this run's snapshot, published when the run completes
    rules: list
    con: object = field(repr=False)
    scope: catalog.Scope = field(default_factory=catalog.Scope)
    split_by: str | None = None
    mask: bool = False
    started_at: str = ""
    timings: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    later: list = field(default_factory=list)      # outputs prepared by earlier stages (GX's Data Docs)

    spans: dict = field(default_factory=dict)

    @contextmanager
    def timed(self, stage_name: str):
        t0, wall0 = time.perf_counter(), time.time()
        yield
        self.timings[stage_name] = round(time.perf_counter() - t0, 3)
        self.spans[stage_name] = [round(wall0, 3), round(time.time(), 3)]   # epoch seconds, for bench/run.py


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _month(text: str | None) -> dt.date | None:
    """YYYY-MM (or YYYY-MM-DD) → the first day of that month; anything more is refused, not cut off."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else text + "-01").replace(day=1)
    except ValueError:
        raise ValueError(f"所属期应为 YYYY-MM 格式，收到 {text!r}") from None


def _day(text: str | None) -> dt.date | None:
    """YYYY-MM-DD → a date (None → None)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期应为 YYYY-MM-DD 格式，收到 {text!r}") from None


def _split_by(text: str | None) -> str | None:
    """The workbook split from the form's label (按县（市、区）分册) or its code (county, township)."""
    if text in console.SPLIT:
        return console.SPLIT[text]
    if text not in (None, "", *workbook.SPLIT_FOLDERS):
        raise ValueError(f"分册方式应为 {' 或 '.join(workbook.SPLIT_FOLDERS)}，收到 {text!r}")
    return text or None


@task(cache_policy=NO_CACHE)
def start_run(run_id: str, inbox: str, out: str | None, as_of: str | None, rule_ids: list[str] | None,
              scope: catalog.Scope, wh: Path, split_by: str | None = None, mask: bool = False) -> Run:
    """Make the run folder and start the run's snapshot of the warehouse (the ledger carried over from the
    published one; snapshots of runs that died are deleted: we hold the writer lock)."""
    inbox_p = Path(inbox)
    if not inbox_p.is_dir():
        raise FileNotFoundError(f"收件目录不存在：{inbox_p}")
    out_p = Path(out) if out else Path(settings.get("runs_dir")) / run_id
    out_p.mkdir(parents=True, exist_ok=True)
    read_worker.configure(int(settings.get("reader_memory_gb") * 2**30), settings.get("reader_timeout_s"))
    con, snapshot = warehouse.begin_snapshot(wh, run_id, threads=settings.get("duckdb_threads"),
                                             memory_limit=settings.get("duckdb_memory_limit"),
                                             temp_dir=settings.get("duckdb_temp_dir"))
    return Run(run_id=run_id, inbox=inbox_p, out=out_p, as_of=_day(as_of) or dt.date.today(), warehouse=wh,
               snapshot=snapshot, rules=catalog.select_rules(rule_ids), con=con, scope=scope, split_by=split_by, mask=mask,
               started_at=dt.datetime.now().isoformat(timespec="seconds"))


@task(cache_policy=NO_CACHE)
def load_sources(run: Run) -> None:
    """Read every inbox file into raw tables, stage them, and build the canonical tables."""
    with run.timed("load"):
        load.load_inbox(run.con, run.inbox, _scratch(run), mappings.read_mappings(settings.get("mappings")))
        with warehouse.transaction(run.con):       # the canonical tables change all together or not at all
            stage.stage_all(run.con, run.as_of)
            warehouse.pause_point("load")


@task(cache_policy=NO_CACHE)
def validate_sources(run: Run) -> None:
    """Great Expectations on every canonical table (failing rows to quarantine), the row accounting,
    then the helper tables the rules read. A failing blocking expectation stops the run."""
    with run.timed("validate"):
        run.results["validation"] = gx.validate_tables(run.con, run.out, run.as_of, later=run.later)
        run.results["accounting"] = validate.accounting(run.con)
        run.results["totals"] = validate.total_checks(run.con)
        with warehouse.transaction(run.con):
            validate.derive(run.con)
    bad = [a for a in run.results["accounting"] if a["reconciles"] is False]
    if bad:
        get_run_logger().error("row accounting does not reconcile for %d sheet(s)", len(bad))


@task(cache_policy=NO_CACHE)
def run_rules(run: Run) -> dict[str, int]:
    """Run the selected rules; their cases go to the `cases` table. Where a rule lacked its inputs, it is
    recorded as not checked (未检查)."""
    with run.timed("rules"):
        counts = catalog.run_rules(run.con, run.rules, scope=run.scope)
        run.results["rule_checks"] = coverage.rule_checks(run.con, run.rules, run.scope)
    warehouse.pause_point("rules")
    run.results["cases_per_rule"] = counts
    return counts


@task(cache_policy=NO_CACHE)
def remember_cases(run: Run) -> dict:
    """Record the run's cases in the case ledger and give each its status (新增, 未结, 重新出现, 已结, 已消失)."""
    with run.timed("ledger"):
        run.results["cases_by_status"] = ledger.update(run.con, run.run_id, run.as_of, run.rules, run.scope,
                                                       own_transaction=False)   # committed with the outputs
    return run.results["cases_by_status"]


@task(cache_policy=NO_CACHE)
def write_outputs(run: Run) -> dict:
    """Write cases.csv/.parquet, quarantine.csv and the workbook(s) into the run folder."""
    with run.timed("outputs"):
        tables.remove_parts(run.out)             # what a killed run may have left half-written
        tables.write_cases(run.con, run.out)
        tables.write_quarantine(run.con, run.out, declarations.kinds())
        tables.write_needs_data(run.con, run.out)
        info = _run_info(run)
        paths = workbook.write_workbooks(run.con, run.out, run.rules, info, run.results["accounting"],
                                         run.split_by, run.mask)
        info["workbooks"] = [str(p.relative_to(run.out)) for p in paths]
        for write in run.later:
            write()
    info["timings_s"] = dict(run.timings, total=round(sum(run.timings.values()), 3))
    info["stage_spans"] = run.spans
    return info


@task(cache_policy=NO_CACHE)
def publish_snapshot(run: Run) -> None:
    """Readers (screening, feedback import, anyone opening the warehouse path) see this run from now on."""
    removed = warehouse.publish(run.warehouse, run.snapshot)
    get_run_logger().info("published snapshot %s as %s%s", run.snapshot.name, run.warehouse,
                          f"; removed {', '.join(removed)}" if removed else "")


@task(cache_policy=NO_CACHE)
def record_run(run: Run, info: dict) -> None:
    """Once the ledger is committed: run.json (which marks the run folder complete), the runs index and the
    summary on the flow run's page."""
    runinfo.write_run_json(run.out / "run.json", info)
    runinfo.append_to_index(Path(settings.get("runs_index")), info)
    _artifact(info)


def _artifact(info: dict) -> None:
    """The run's summary as a Prefect markdown artifact, shown on the flow run's page in the UI."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(key="qingfeng-run-summary", markdown=runinfo.summary_markdown(info),
                             description=f"清风运行 {info['run_id']}")


def _scratch(run: Run) -> Path:
    """The run's scratch folder (CSV files transcoded to UTF-8: people's data), removed when the run ends."""
    return Path(settings.get("duckdb_temp_dir")) / run.run_id


def _run_info(run: Run) -> dict:
    files = runinfo.file_records(run.con, run.results["accounting"])
    unusable = [{"file": f["file"], "sheet": s["sheet"], "status": s["status"], "reason": s["reason"]}
                for f in files for s in f["sheets"] if s["status"] != "loaded"]
    unusable += [{"file": f["file"], "sheet": None, "status": f["status"], "reason": f["reason"]}
                 for f in files if not f["sheets"]]
    by_reason = dict(run.con.execute("select reason, count(*) from quarantine group by reason order by reason").fetchall())
    totals = {k: sum(f[k] for f in files) for k in ("read", "loaded", "quarantined", "structural")}
    checks = run.results.get("rule_checks", [])
    return {
        "run_id": run.run_id,
        "status": "completed",
        "flow": "nightly_reconciliation",
        "deployment": deployments.deployment_name(),
        "started_at": run.started_at,
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        "as_of": run.as_of.isoformat(),
        "inbox": str(run.inbox),
        "out": str(run.out),
        "warehouse": str(run.warehouse),
        "snapshot": str(run.snapshot),
        "alerts": runinfo.alerts(run.con, files, checks),
        "parameters": {"rules": [r.id for r in run.rules], "counties": list(run.scope.counties),
                       "townships": list(run.scope.townships),
                       "month_from": run.scope.month_from.isoformat() if run.scope.month_from else None,
                       "month_to": run.scope.month_to.isoformat() if run.scope.month_to else None,
                       "split_by": run.split_by, "mask": run.mask},
        "versions": {"duckdb": duckdb.__version__, "rules": {r.id: r.version for r in run.rules}},
        "duckdb_settings": dict(zip(("threads", "memory_limit"), run.con.execute(
            "select current_setting('threads'), current_setting('memory_limit')").fetchone())),
        "rows": dict(totals, reconciles=all(f["reconciles"] for f in files)),
        "files": files,
        "unrecognised": unusable,
        "skipped": _skipped(run.con),         # links, pipes, lock and hidden files, duplicates: not read
        "quarantine_by_reason": by_reason,
        "validation": _validation_summary(run.results["validation"]),
        "total_checks": run.results["totals"],
        "cases_per_rule": run.results.get("cases_per_rule", {}),
        "cases_by_status": run.results.get("cases_by_status", {}),
        "rule_checks": checks,
        "coverage": coverage.input_coverage(run.con),
        "warnings": runinfo.warnings(run.con, run.results["accounting"], run.results["validation"]),
        "needs_data": runinfo.needs_data(run.con),
    }


def _skipped(con) -> list[dict]:
    """The inbox entries not read, each with what it is, why (a code of sources/load.py SKIP_CODES) and the
    reason for people."""
    cur = con.execute("select file_name as file, format as entry, status, skip_code as code, reason "
                      "from source_files where status in ('skipped', 'duplicate') order by file_name")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _validation_summary(report: dict) -> dict:
    keep = ("table", "expectation", "columns", "description", "action", "unexpected_count", "quarantined", "reason")
    return {"blocked": report["blocked"], "seconds": report["seconds"], "data_docs": report["data_docs"],
            "expectations": len(report["expectations"]),
            "warnings": [{k: w.get(k) for k in keep} for w in report["warnings"]]}


# How a run that did not complete ended, for `qingfeng runs` and the exit code of `qingfeng run`.
REFUSED_EXIT = {warehouse.WarehouseBusy: 3}      # otherwise 2: an argument, a path or a folder cannot be used
FAILED_STATUS = {gx.ValidationBlocked: "blocked"}


def _ended(run_id: str, status: str, reason: str, params: dict, out: Path | None = None) -> None:
    """A run that did not complete, in the runs index (and its run.json when it has a folder)."""
    info = {"run_id": run_id, "status": status, "reason": reason, "parameters": params,
            "deployment": deployments.deployment_name(),
            "started_at": dt.datetime.now().isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now().isoformat(timespec="seconds"), "as_of": params.get("as_of"),
            "inbox": params.get("inbox"), "out": str(out) if out else None}
    if out is not None:
        runinfo.write_run_json(out / "run.json", info)
    runinfo.append_to_index(Path(settings.get("runs_index")), info)


def _started(run: Run, params: dict) -> None:
    """The run's first line in the runs index (status running), replaced for readers by the line of its end."""
    runinfo.append_to_index(Path(settings.get("runs_index")), {
        "run_id": run.run_id, "status": "running", "deployment": deployments.deployment_name(),
        "started_at": run.started_at, "as_of": run.as_of.isoformat(), "inbox": str(run.inbox), "out": str(run.out),
        "parameters": dict(params, out=str(run.out))})


def _refused(run_id: str, e: Exception, params: dict) -> State:
    """A run that correctly refused to start: one sentence, a state named Refused (not a traceback, not
    Failed), the exit code for `qingfeng run` in the state's data, a line in the runs index, no folder."""
    reason = str(e)
    get_run_logger().warning("运行未开始：%s", reason)
    _ended(run_id, "refused", reason, params)
    return Cancelled(name="Refused", message=reason, data={"exit": REFUSED_EXIT.get(type(e), 2), "reason": reason})


@contextmanager
def _recorded_if_it_fails(run: Run, params: dict):
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
        _ended(run.run_id, status, reason, dict(params, out=str(run.out)), run.out)
        raise


class _RunLogFormat(logging.Formatter):
    """A log line names the task (load_sources-…) or the flow run it comes from, not only Prefect's logger."""

    def format(self, record: logging.LogRecord) -> str:
        record.who = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None) or record.name
        return super().format(record)


@contextmanager
def _run_log(out: Path):
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


@flow(name="nightly_reconciliation", log_prints=False)
def nightly_reconciliation(inbox: console.Inbox = console.DEFAULT_INBOX, out: console.Out = "",
                           as_of: console.AsOf = "", rules: console.Rules = [],  # noqa: B006 (never mutated)
                           counties: console.Counties = [], townships: console.Townships = [],  # noqa: B006
                           month_from: console.MonthFrom = "", month_to: console.MonthTo = "",
                           warehouse_path: console.Warehouse = "", split_by: console.Split = "不分册",
                           mask: console.Mask = False, wait_s: console.WaitS = console.DEFAULT_WAIT):
    """Load the inbox, validate it, run the rules, remember the cases and write the investigators' workbooks.

    Args:
        inbox: 收件目录（部门报送的文件），默认 data/sample/inbox
        out: 输出目录，默认 data/runs/<运行编号>
        as_of: 数据截止日期 YYYY-MM-DD，默认今天
        rules: 只运行这些规则，如 ["R01", "R02"]；默认全部
        counties: 只列出这些县（市、区）的线索：代码或名称，如 ["330822"]
        townships: 只列出这些乡镇（街道）的线索：代码或名称
        month_from: 所属期起 YYYY-MM（规则仍读取全部数据，只限定列出的线索）
        month_to: 所属期止 YYYY-MM
        warehouse_path: 数据仓库文件，默认 data/warehouse.duckdb
        split_by: 另按 county（县）或 township（乡镇）分册
        mask: 线索清单中隐去身份证号、账号的中间位
        wait_s: 另一运行正在写数据仓库时最多等待的秒数
    """
    run_id = new_run_id()
    params = {"inbox": inbox, "out": out, "as_of": as_of, "rules": rules, "counties": counties,
              "townships": townships, "month_from": month_from, "month_to": month_to,
              "warehouse": warehouse_path, "split_by": console.SPLIT.get(split_by, split_by), "mask": mask}
    why_not = deployments.superseded_by()
    if why_not:
        get_run_logger().info(why_not)
        _ended(run_id, "skipped", why_not, params)
        return Completed(name="Skipped", message=why_not)
    try:             # a run that cannot start is refused with one sentence, before anything is written
        scope = catalog.Scope(tuple(console.county_values(counties or [])), tuple(townships or ()), _month(month_from), _month(month_to))
        _day(as_of)
        split_by = _split_by(split_by)
        catalog.select_rules(rules)
        mappings.read_mappings(settings.get("mappings"))
        if not Path(inbox).is_dir():
            raise FileNotFoundError(f"收件目录不存在：{inbox}")
        wh = Path(warehouse_path) if warehouse_path else Path(settings.get("warehouse"))
        check_paths(Path(inbox), Path(out) if out else None, wh)
        if deployments.started_from_console():
            check_roots({"收件目录": inbox, "输出目录": out, "数据仓库": warehouse_path})
        lock = warehouse.writer_lock(wh, {"run_id": run_id, "started_at": dt.datetime.now().isoformat(timespec="seconds")},
                                     wait_s)   # one writer at a time; a crashed holder releases it
        lock.__enter__()
    except (ValueError, FileNotFoundError, PathRefused, catalog.RuleError, mappings.MappingFileError,
            warehouse.WarehouseBusy) as e:
        return _refused(run_id, e, params)
    try:
        run = start_run(run_id, inbox, out, as_of, rules, scope, wh, split_by, mask)
        _started(run, params)      # a run killed outright (SIGKILL, power) still shows, as 中断
        with _run_log(run.out), _recorded_if_it_fails(run, params):
            try:
                load_sources(run)
                validate_sources(run)
                with warehouse.transaction(run.con):   # the ledger remembers this run only if its outputs are written
                    run_rules(run)
                    remember_cases(run)
                    info = write_outputs(run)
                    warehouse.record_published(run.con, run.run_id, run.as_of, run.started_at)
                run.con.close()                         # checkpointed: the snapshot is one complete file
                publish_snapshot(run)
                record_run(run, info)
            finally:
                run.con.close()
                shutil.rmtree(_scratch(run), ignore_errors=True)
    finally:
        lock.__exit__(None, None, None)
    get_run_logger().info("run %s: %s cases, outputs in %s", run.run_id,
                          sum(info["cases_per_rule"].values()), run.out)
    return info


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
    return path, out_p, _day(as_of) or dt.date.today(), snapshot


def _screen_published(path: Path, snapshot: Path, wait_s: int) -> screen.Screening:
    """Screen against the published snapshot. No writer lock: a nightly run builds its own snapshot and never
    writes this one, so a screening does not wait for it. Only a feedback import writes the published
    snapshot (briefly, under the writer lock); DuckDB's file lock then refuses to open it, and the screening
    tries again for up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return screen.screen(path, snapshot)
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
    return screening.write(_screen_published(path, snapshot, wait_s), out_p, day)


@task(cache_policy=NO_CACHE)
def screen_list(list_path: Path, wh: Path, wait_s: int) -> screen.Screening:
    """Check the payment list against the published snapshot of the warehouse (read-only)."""
    return _screen_published(list_path, wh, wait_s)


@task(cache_policy=NO_CACHE)
def write_screening(result: screen.Screening, out: Path, as_of: dt.date) -> dict:
    """The short workbook of rows to hold, and screen.json."""
    return screening.write(result, out, as_of)


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

    create_markdown_artifact(key="qingfeng-screening", markdown=screening.held_markdown(result, summary),
                             description=f"发放前筛查：应暂缓发放 {len(result.held)} 行")
    return summary

"""The nightly reconciliation flow: load sources → validate → run rules → remember cases → write outputs
(the screening flow for a payment list before the money goes out is flows/screening.py).

Each run builds its own snapshot of the warehouse and publishes it when complete (sources/warehouse.py):
readers (screening, feedback import) see the last complete run, never a run half-done.
A run killed at any moment (even by SIGKILL) can simply be run again: staging, the derived tables, and
rules + ledger + outputs each commit all or nothing (sources/warehouse.py), every output file is renamed
into place when complete (outputs/tables.py), and run.json is written after the ledger is committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.states import Completed

from cases import index, ledger
from outputs import index_report, runinfo, tables, workbook
from rules import catalog, coverage
from sources import accounting, declarations, gx, load, mappings, read_worker, stage, warehouse

from . import console, endings, runtime, settings
from .parameters import RunParameters, as_of_from_ledgers, new_run_id
from .paths import PathRefused, check_paths, check_roots


@dataclass
class Run:
    """What one run works with; created by `start_run`, passed to every task."""

    run_id: str
    inbox: Path
    out: Path
    as_of: dt.date                                 # today until load_sources resolves it, when not given
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
    as_of_from: str = "given"                      # given | ledgers | today (flows/parameters.py)
    # no date or month of the data may be later than this: --as-of when given, else the calendar's today
    # (a death recorded after the ledgers' last month is a fact, not a typo)
    latest: dt.date = field(default_factory=dt.date.today)

    spans: dict = field(default_factory=dict)
    engine: object = field(default=catalog.DUCKDB, repr=False)   # catalog.DUCKDB or rules.spark.SparkEngine

    def engine_versions(self) -> dict:
        return {"spark": self.engine.version, "spark_master": self.engine.master} if self.engine.name == "spark" else {}

    @contextmanager
    def timed(self, stage_name: str):
        t0, wall0 = time.perf_counter(), time.time()
        yield
        self.timings[stage_name] = round(time.perf_counter() - t0, 3)
        self.spans[stage_name] = [round(wall0, 3), round(time.time(), 3)]   # epoch seconds, for bench/run.py


@task(cache_policy=NO_CACHE)
def start_run(run_id: str, params: RunParameters) -> Run:
    """Make the run folder and start the run's snapshot of the warehouse (the ledger carried over from the
    published one; snapshots of runs that died are deleted: we hold the writer lock)."""
    if not params.inbox.is_dir():
        raise FileNotFoundError(f"收件目录不存在：{params.inbox}")
    out_p = params.out or Path(settings.get("runs_dir")) / run_id
    out_p.mkdir(parents=True, exist_ok=True)
    read_worker.configure(int(settings.get("reader_memory_gb") * 2**30), settings.get("reader_timeout_s"),
                          settings.get("read_workers"))
    con, snapshot = warehouse.begin_snapshot(params.warehouse, run_id, threads=settings.get("duckdb_threads"),
                                             memory_limit=settings.get("duckdb_memory_limit"),
                                             temp_dir=settings.get("duckdb_temp_dir"))
    engine = catalog.DUCKDB
    if params.engine == "spark":         # pyspark and Java only for this engine (rules/spark.py)
        from rules.spark import SparkEngine

        engine = SparkEngine(params.spark_master, Path(settings.get("spark_dir")) / run_id,
                             {"spark.driver.memory": settings.get("spark_driver_memory")}).start()
    return Run(run_id=run_id, engine=engine, inbox=params.inbox, out=out_p, as_of=params.as_of or dt.date.today(),
               as_of_from="given" if params.as_of else "ledgers", latest=params.as_of or dt.date.today(),
               warehouse=params.warehouse,
               snapshot=snapshot, rules=catalog.select_rules(list(params.rules or [])), con=con, scope=params.scope,
               split_by=params.split_by, mask=params.mask, started_at=dt.datetime.now().isoformat(timespec="seconds"))


def _log():
    """The flow run's logger; outside a flow run (a step called on its own, as the tests do) the module's."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


@task(cache_policy=NO_CACHE)
def load_sources(run: Run) -> None:
    """Read every inbox file into raw tables, stage them, and build the canonical tables."""
    with run.timed("load"):
        load.load_inbox(run.con, run.inbox, _scratch(run), mappings.read_mappings(settings.get("mappings")),
                        reader=run.engine.reader())
        with warehouse.transaction(run.con):       # the canonical tables change all together or not at all
            stage.stage_all(run.con, run.latest)
            warehouse.pause_point("load")
    if run.as_of_from != "given":               # 核查基准日 from the ledgers' newest month (flows/parameters.py)
        run.as_of, run.as_of_from = as_of_from_ledgers(runinfo.last_ledger_month(coverage.input_coverage(run.con)),
                                                       run.as_of)
    _log().info("核查基准日 %s（%s）", run.as_of, runinfo.AS_OF_FROM_ZH[run.as_of_from])


@task(cache_policy=NO_CACHE)
def validate_sources(run: Run) -> None:
    """Great Expectations on every canonical table (failing rows to quarantine), the row accounting,
    then the helper tables the rules read. A failing blocking expectation stops the run."""
    with run.timed("validate"):
        run.results["validation"] = gx.validate_tables(run.con, run.out, run.latest, later=run.later)
        run.results["accounting"] = accounting.accounting(run.con)
        run.results["totals"] = accounting.total_checks(run.con)
        with warehouse.transaction(run.con):
            run.engine.derive(run.con)
    bad = [a for a in run.results["accounting"] if a["reconciles"] is False]
    if bad:
        get_run_logger().error("row accounting does not reconcile for %d sheet(s)", len(bad))


@task(cache_policy=NO_CACHE)
def run_rules(run: Run) -> dict[str, int]:
    """Run the selected rules; their cases go to the `cases` table. Where a rule lacked its inputs, it is
    recorded as not checked (未检查)."""
    with run.timed("rules"):
        counts = catalog.run_rules(run.con, run.rules, scope=run.scope, engine=run.engine)
        run.engine.after_rules(run.con)
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
        index_report.write(run.con, run.out, index.update(run.con, run.run_id, run.as_of, run.rules, run.scope,
                                                          settings.get("index_config")))   # 一图一表一指数
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
    """run.json of a completed run (outputs/runinfo.py builds each part from the warehouse)."""
    files = runinfo.file_records(run.con, run.results["accounting"])
    checks = run.results.get("rule_checks", [])
    return {
        **runinfo.run_record(run.run_id, "completed", runtime.deployment_name(), run.started_at,
                             run.as_of.isoformat(), str(run.inbox), str(run.out), {
                                 "rules": [r.id for r in run.rules], "counties": list(run.scope.counties),
                                 "townships": list(run.scope.townships),
                                 "month_from": run.scope.month_from.isoformat() if run.scope.month_from else None,
                                 "month_to": run.scope.month_to.isoformat() if run.scope.month_to else None,
                                 "split_by": run.split_by, "mask": run.mask, "engine": run.engine.name},
                             finished_at=dt.datetime.now().isoformat(timespec="seconds")),
        "flow": "nightly_reconciliation",
        "as_of_from": run.as_of_from,
        "warehouse": str(run.warehouse),
        "snapshot": str(run.snapshot),
        "alerts": runinfo.alerts(run.con, files, checks),
        "versions": {"duckdb": duckdb.__version__, "rules": {r.id: r.version for r in run.rules},
                     **run.engine_versions()},
        "duckdb_settings": runinfo.duckdb_settings(run.con),
        "rows": dict({k: sum(f[k] for f in files) for k in ("read", "loaded", "quarantined", "structural")},
                     reconciles=all(f["reconciles"] for f in files)),
        "files": files,
        "unrecognised": runinfo.unusable(files),
        "skipped": runinfo.skipped(run.con),         # links, pipes, lock and hidden files, duplicates: not read
        "quarantine_by_reason": runinfo.quarantine_by_reason(run.con),
        "validation": runinfo.validation_summary(run.results["validation"]),
        "total_checks": run.results["totals"],
        "cases_per_rule": run.results.get("cases_per_rule", {}),
        "cases_by_status": run.results.get("cases_by_status", {}),
        "rule_checks": checks,
        "coverage": coverage.input_coverage(run.con),
        "warnings": runinfo.warnings(run.con, run.results["accounting"], run.results["validation"]),
        "needs_data": runinfo.needs_data(run.con),
        "notes": mappings.old_name_notes(settings.get("mappings")),   # a kind's old name in the mapping file
    }


@flow(name="nightly_reconciliation", log_prints=False)
def nightly_reconciliation(inbox: console.Inbox = console.DEFAULT_INBOX, out: console.Out = "",
                           as_of: console.AsOf = "", rules: console.Rules = [],  # noqa: B006 (never mutated)
                           counties: console.Counties = [], townships: console.Townships = [],  # noqa: B006
                           month_from: console.MonthFrom = "", month_to: console.MonthTo = "",
                           warehouse_path: console.Warehouse = "", split_by: console.Split = "不分册",
                           mask: console.Mask = False, wait_s: console.WaitS = console.DEFAULT_WAIT,
                           engine: console.Engine = "duckdb", spark_master: console.SparkMaster = "local[2]"):
    """Load the inbox, validate it, run the rules, remember the cases and write the investigators' workbooks.

    Args:
        inbox: 收件目录（部门报送的文件），默认 data/sample/inbox
        out: 输出目录，默认 data/runs/<运行编号>
        as_of: 核查基准日 YYYY-MM-DD，默认为收件目录中发放台账最后所属月份的月末
        rules: 只运行这些规则，如 ["R01", "R02"]；默认全部
        counties: 只列出这些县（市、区）的线索：代码或名称，如 ["330822"]
        townships: 只列出这些乡镇（街道）的线索：代码或名称
        month_from: 所属期起 YYYY-MM（规则仍读取全部数据，只限定列出的线索）
        month_to: 所属期止 YYYY-MM
        warehouse_path: 数据仓库文件，默认 data/warehouse.duckdb
        split_by: 另按 county（县）或 township（乡镇）分册
        mask: 线索清单中隐去身份证号、账号的中间位
        wait_s: 另一运行正在写数据仓库时最多等待的秒数
        engine: 计算引擎：duckdb（本机，默认）或 spark（同一套规则在 Spark 上运行，docs/scale.md）
        spark_master: spark 引擎的地址：local[2]、spark://主机:7077 或 sc://主机:15002
    """
    run_id = new_run_id()
    given = {"inbox": inbox, "out": out, "as_of": as_of, "rules": rules, "counties": counties,
             "townships": townships, "month_from": month_from, "month_to": month_to,
             "warehouse": warehouse_path, "split_by": console.SPLIT.get(split_by, split_by), "mask": mask,
             "engine": engine, "spark_master": spark_master if engine == "spark" else None}
    why_not = runtime.superseded_by()
    if why_not:
        get_run_logger().info(why_not)
        endings.ended(run_id, "skipped", why_not, given)
        return Completed(name="Skipped", message=why_not)
    with ExitStack() as stack:
        try:         # a run that cannot start is refused with one sentence, before anything is written
            params = RunParameters.parse(inbox, out, as_of, rules, counties, townships, month_from, month_to,
                                         warehouse_path, split_by, mask, wait_s, engine, spark_master)
            _check_before_start(params, inbox, out, warehouse_path)
            stack.enter_context(warehouse.writer_lock(   # one writer at a time; a crashed holder releases it
                params.warehouse, {"run_id": run_id, "started_at": dt.datetime.now().isoformat(timespec="seconds")},
                params.wait_s))
        except (ValueError, FileNotFoundError, PathRefused, catalog.RuleError, mappings.MappingFileError,
                warehouse.WarehouseBusy, index.IndexConfigError) as e:
            return endings.refused(run_id, e, given)
        run = start_run(run_id, params)
        # a run killed outright (SIGKILL, power) still shows, as 中断
        endings.started(run.run_id, run.started_at, run.as_of, run.inbox, run.out, given)
        with endings.run_log(run.out), endings.recorded_if_it_fails(run.run_id, run.out, given):
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
                run.engine.stop()
                shutil.rmtree(_scratch(run), ignore_errors=True)
    get_run_logger().info("run %s: %s cases, outputs in %s", run.run_id,
                          sum(info["cases_per_rule"].values()), run.out)
    return info


def _check_before_start(params: RunParameters, inbox: str, out: str, warehouse_path: str) -> None:
    """What must hold before a run touches anything: known rules, a readable mapping file, an inbox folder,
    usable paths (and, for a run started from the console, paths inside the allowed folders)."""
    catalog.select_rules(list(params.rules or []))
    mappings.read_mappings(settings.get("mappings"))
    index.read_config(settings.get("index_config"))
    if not params.inbox.is_dir():
        raise FileNotFoundError(f"收件目录不存在：{inbox}")
    check_paths(params.inbox, params.out, params.warehouse)
    if params.engine == "spark":
        from rules.spark import check_available

        check_available()
    if runtime.started_from_console():
        check_roots({"收件目录": inbox, "输出目录": out, "数据仓库": warehouse_path})

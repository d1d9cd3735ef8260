"""The nightly reconciliation flow: load sources → validate → run rules → remember cases → write outputs."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from outputs import runinfo, tables, workbook
from rules import catalog, ledger
from sources import declarations, gx, load, stage, validate, warehouse

from . import settings


@dataclass
class Run:
    """What one run works with; created by `start_run`, passed to every task."""

    run_id: str
    inbox: Path
    out: Path
    as_of: dt.date
    warehouse: Path
    rules: list
    con: object = field(repr=False)
    split_by: str | None = None
    mask: bool = False
    started_at: str = ""
    timings: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)

    @contextmanager
    def timed(self, stage_name: str):
        t0 = time.perf_counter()
        yield
        self.timings[stage_name] = round(time.perf_counter() - t0, 3)


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


@task(cache_policy=NO_CACHE)
def start_run(inbox: str, out: str | None, as_of: str | None, rule_ids: list[str] | None,
              warehouse_path: str | None, split_by: str | None = None, mask: bool = False) -> Run:
    """Make the run folder and open the warehouse."""
    run_id = new_run_id()
    inbox_p = Path(inbox)
    if not inbox_p.is_dir():
        raise FileNotFoundError(f"收件目录不存在：{inbox_p}")
    out_p = Path(out) if out else Path(settings.get("runs_dir")) / run_id
    out_p.mkdir(parents=True, exist_ok=True)
    wh = Path(warehouse_path) if warehouse_path else Path(settings.get("warehouse"))
    con = warehouse.connect(wh, settings.get("duckdb_threads"), settings.get("duckdb_memory_limit"),
                            settings.get("duckdb_temp_dir"))
    return Run(run_id=run_id, inbox=inbox_p, out=out_p,
               as_of=dt.date.fromisoformat(as_of) if as_of else dt.date.today(), warehouse=wh,
               rules=catalog.select_rules(rule_ids), con=con, split_by=split_by, mask=mask,
               started_at=dt.datetime.now().isoformat(timespec="seconds"))


@task(cache_policy=NO_CACHE)
def load_sources(run: Run) -> None:
    """Read every inbox file into raw tables, stage them, and build the canonical tables."""
    with run.timed("load"):
        load.load_inbox(run.con, run.inbox, Path(settings.get("duckdb_temp_dir")) / run.run_id)
        stage.stage_all(run.con)


@task(cache_policy=NO_CACHE)
def validate_sources(run: Run) -> None:
    """Great Expectations on every canonical table (failing rows to quarantine), the row accounting,
    then the helper tables the rules read. A failing blocking expectation stops the run."""
    with run.timed("validate"):
        run.results["validation"] = gx.validate_tables(run.con, run.out, run.as_of)
        run.results["accounting"] = validate.accounting(run.con)
        run.results["totals"] = validate.total_checks(run.con)
        validate.derive(run.con)
    bad = [a for a in run.results["accounting"] if a["reconciles"] is False]
    if bad:
        get_run_logger().error("row accounting does not reconcile for %d sheet(s)", len(bad))


@task(cache_policy=NO_CACHE)
def run_rules(run: Run) -> dict[str, int]:
    """Run the selected rules; their cases go to the `cases` table."""
    with run.timed("rules"):
        counts = catalog.run_rules(run.con, run.rules)
    run.results["cases_per_rule"] = counts
    return counts


@task(cache_policy=NO_CACHE)
def remember_cases(run: Run) -> dict:
    """Record the run's cases in the case ledger and give each its status (新增, 未结, 重新出现, 已结, 已消失)."""
    with run.timed("ledger"):
        run.results["cases_by_status"] = ledger.update(run.con, run.run_id, run.as_of, run.rules)
    return run.results["cases_by_status"]


@task(cache_policy=NO_CACHE)
def write_outputs(run: Run) -> dict:
    """Write cases.csv/.parquet, quarantine.csv, the workbook(s) and run.json into the run folder."""
    with run.timed("outputs"):
        tables.write_cases(run.con, run.out)
        tables.write_quarantine(run.con, run.out, declarations.kinds())
        info = _run_info(run)
        paths = workbook.write_workbooks(run.con, run.out, run.rules, info, run.results["accounting"],
                                         run.split_by, run.mask)
        info["workbooks"] = [str(p.relative_to(run.out)) for p in paths]
    info["timings_s"] = dict(run.timings, total=round(sum(run.timings.values()), 3))
    runinfo.write_run_json(run.out / "run.json", info)
    return info


def _run_info(run: Run) -> dict:
    files = runinfo.file_records(run.con, run.results["accounting"])
    unusable = [{"file": f["file"], "sheet": s["sheet"], "status": s["status"], "reason": s["reason"]}
                for f in files for s in f["sheets"] if s["status"] != "loaded"]
    unusable += [{"file": f["file"], "sheet": None, "status": f["status"], "reason": f["reason"]}
                 for f in files if not f["sheets"]]
    by_reason = dict(run.con.execute("select reason, count(*) from quarantine group by reason order by reason").fetchall())
    totals = {k: sum(f[k] for f in files) for k in ("read", "loaded", "quarantined", "structural")}
    return {
        "run_id": run.run_id,
        "flow": "nightly_reconciliation",
        "started_at": run.started_at,
        "finished_at": dt.datetime.now().isoformat(timespec="seconds"),
        "as_of": run.as_of.isoformat(),
        "inbox": str(run.inbox),
        "out": str(run.out),
        "warehouse": str(run.warehouse),
        "parameters": {"rules": [r.id for r in run.rules], "split_by": run.split_by, "mask": run.mask},
        "versions": {"duckdb": duckdb.__version__, "rules": {r.id: r.version for r in run.rules}},
        "rows": dict(totals, reconciles=all(f["reconciles"] for f in files)),
        "files": files,
        "unrecognised": unusable,
        "quarantine_by_reason": by_reason,
        "validation": _validation_summary(run.results["validation"]),
        "total_checks": run.results["totals"],
        "cases_per_rule": run.results.get("cases_per_rule", {}),
        "cases_by_status": run.results.get("cases_by_status", {}),
    }


def _validation_summary(report: dict) -> dict:
    keep = ("table", "expectation", "columns", "description", "action", "unexpected_count", "quarantined", "reason")
    return {"blocked": report["blocked"], "seconds": report["seconds"], "data_docs": report["data_docs"],
            "expectations": len(report["expectations"]),
            "warnings": [{k: w.get(k) for k in keep} for w in report["warnings"]]}


@flow(name="nightly_reconciliation", log_prints=False)
def nightly_reconciliation(inbox: str = str(settings.get("inbox")), out: str | None = None,
                           as_of: str | None = None, rules: list[str] | None = None,
                           warehouse_path: str | None = None, split_by: str | None = None,
                           mask: bool = False) -> dict:
    """Load the inbox, validate it, run the rules, remember the cases and write the investigators' workbooks."""
    run = start_run(inbox, out, as_of, rules, warehouse_path, split_by, mask)
    try:
        load_sources(run)
        validate_sources(run)
        run_rules(run)
        remember_cases(run)
        info = write_outputs(run)
    finally:
        run.con.close()
    get_run_logger().info("run %s: %s cases, outputs in %s", run.run_id,
                          sum(info["cases_per_rule"].values()), run.out)
    return info

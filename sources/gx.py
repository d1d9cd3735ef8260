"""Great Expectations validation of the canonical tables. Every GX call of the project lives here and in
sources/gx_patches.py (what GX needs to run on DuckDB) and sources/gx_suites.py (the declarations as checks).

The expectations are declared as data in sources/expectations.yaml (one suite per canonical table).
`validate_tables()` runs them inside DuckDB with GX 1.x, sharing the pipeline's connection, moves the rows
that fail a `quarantine` expectation to the `quarantine` table (stage 'validate'), writes GX's results and
Data Docs under <out_dir>/validation/, and stops the run (ValidationBlocked) when a `blocking` one fails.

GX 1.24 does not work on DuckDB (duckdb-engine) out of the box: sources/gx_patches.py fixes two things, and
`check_patches()` here tells, per patch, whether it is still needed and whether it works (tests/test_gx.py).
The declarations become Check objects, and a check's failing rows a query, in sources/gx_suites.py.

What this module writes to the warehouse, and nothing else (GX itself only reads: SELECTs through
cursors of `con`, no temporary tables): rows into `quarantine`, DELETEs of those rows from the canonical
tables, and the reason codes declared in expectations.yaml into `reason_codes` (when absent).
great_expectations is imported inside the functions that need it (the import takes about 3 s).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import time
from pathlib import Path

import duckdb

from .declarations import kinds
from .gx_patches import (  # noqa: F401
    _buffering,
    _duckdb_regex,
    _gx_internals,
    _probe_buffer,
    _probe_regex,
    _quiet_gx,
    apply_patches,
    import_gx,
)
from .gx_suites import (  # noqa: F401
    ACTIONS,
    LINEAGE,
    SUPPORTED,
    Check,
    _q,
    catalogue,
    reason_texts,
    suites,
    unexpected_rows_sql,
)

HERE = Path(__file__).parent
# SUMMARY: exact counts, and the query that selects every failing row (COMPLETE would not: GX caps its lists
# at 200 and 20 rows even then, and the buffer_results patch would hold every unexpected value). No sample
# values (partial_unexpected_count 0): GX reads them by a LIMIT query per expectation that scans the whole
# table when nothing fails (0.17 s of GX's 0.38 s of SQL on a 1,000,000-row ledger); the few example rows a
# report shows come from the failing-row query instead (examples()), for the expectations that fail.
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 0,
    "return_unexpected_index_query": True,
    "unexpected_index_column_names": list(LINEAGE),
}
SEVERITY = {"blocking": "critical", "quarantine": "warning", "warn": "info"}

log = logging.getLogger(__name__)


class ValidationBlocked(Exception):
    """A blocking expectation failed (or could not be evaluated): the loader produced rows it never should."""


# ------------------------------------------------------------------------------------------ the patches


def check_patches() -> dict[str, dict]:
    """For each patch: is it still `needed` (GX's own code fails on DuckDB) and does it `work`; then a small
    end-to-end validation through validate_tables' own path. Applies the patches."""
    import sqlalchemy as sa

    gx_ = _gx_internals()
    report = {}

    def probe_with(probe, fn) -> bool:
        # a fresh engine per probe: a GX engine may close the pooled in-memory connection it was given
        engine = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.NullPool)
        try:
            return probe(engine, fn)
        finally:
            engine.dispose()

    for name, probe, patch in (("buffer_results", _probe_buffer, _buffering), ("regex", _probe_regex, _duckdb_regex)):
        original = gx_[name]
        if original is None:
            report[name] = {"needed": None, "works": False, "detail": "the GX function it patches is gone"}
            continue
        report[name] = {"needed": not probe_with(probe, original), "works": probe_with(probe, patch(original))}
    try:
        apply_patches()
        report["end_to_end"] = _probe_end_to_end()
    except Exception as exc:  # noqa: BLE001  (reported, and asserted on by the test)
        report["end_to_end"] = {"works": False, "detail": f"{type(exc).__name__}: {exc}"}
    return report


def _probe_end_to_end() -> dict:
    """Validate a 3-row table through a shared in-memory connection: not_null and regex must count 1 each,
    and GX's unexpected_index_query must select exactly those rows."""
    con = duckdb.connect()
    try:
        con.execute("create table t as select * from (values (1, '', 1, '123'), (1, '', 2, '12a'), (1, '', 3, NULL)) "
                    "v(file_id, sheet, row_no, s)")
        checks = [Check("t", 0, "expect_column_values_to_not_be_null", {"column": "s"}, "probe", "warn"),
                  Check("t", 1, "expect_column_values_to_match_regex", {"column": "s", "regex": "^[0-9]+$"}, "probe", "warn")]
        with _gx_session(con) as (context, ds):
            result = _run_suite(context, ds, "t", checks)
        got = {}
        for r in result.results:
            query = (r.result.get("unexpected_index_query") or "").strip().rstrip(";")
            rows = con.execute(f"select row_no from ({query})").fetchall() if query else None
            got[r.expectation_config.type] = (r.result.get("unexpected_count"), rows)
        want = {"expect_column_values_to_not_be_null": (1, [(3,)]), "expect_column_values_to_match_regex": (1, [(2,)])}
        return {"works": got == want, "detail": got}
    finally:
        con.close()


# ------------------------------------------------------------------------------------------ GX plumbing


@contextlib.contextmanager
def _gx_session(con):
    """An ephemeral GX context (nothing on disk, no progress bars) with a SQL datasource whose every
    connection is a cursor of `con`: the same DuckDB database instance, config and committed data. No
    second duckdb.connect() happens (it would clash with duckdb-engine's config). The GX engines hold
    cursors of `con`, so they are disposed here, before the caller closes `con`."""
    gx = import_gx()
    from duckdb_engine import ConnectionWrapper
    from great_expectations.data_context.types.base import ProgressBarsConfig

    apply_patches()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in context.get_site_names():  # the default site of an ephemeral context points into /tmp
        context.delete_data_docs_site(site)
    ds = context.data_sources.add_sql(
        name="warehouse", connection_string="duckdb://",  # the URL only picks the dialect
        kwargs={"creator": lambda: ConnectionWrapper(con.cursor())}, create_temp_table=False)
    try:
        with _quiet_gx():
            yield context, ds
    finally:
        with contextlib.suppress(Exception):
            ds.get_execution_engine().close()
        with contextlib.suppress(Exception):
            ds.get_engine().dispose()


def _run_suite(context, ds, table: str, checks: list[Check]):
    """One asset, suite and ValidationDefinition per table; returns GX's suite validation result."""
    gx = import_gx()
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    batch = ds.add_table_asset(name=table, table_name=table).add_batch_definition_whole_table("whole_table")
    expectations = [
        ExpectationConfiguration(type=c.expectation, kwargs=dict(c.kwargs), notes=c.description_zh,
                                 severity=SEVERITY[c.action],
                                 meta={"qingfeng_index": c.index, "action": c.action, "reason": c.reason}).to_domain_obj()
        for c in checks]
    suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    vdef = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
    return vdef.run(result_format=RESULT_FORMAT)


def _exception(r) -> str | None:
    """The message of an exception GX caught while evaluating an expectation, if any."""
    info = r.exception_info or {}
    items = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    msgs = [str(i.get("exception_message")) for i in items if i.get("raised_exception")]
    return "; ".join(dict.fromkeys(msgs)) or None


# ------------------------------------------------------------------------------------------ failing rows

def _failing_rows(con, check: Check, r) -> tuple[str, list, str, str | None]:
    """SQL for every failing row: GX's unexpected_index_query when it runs and agrees with GX's own
    unexpected_count (it is unusable for compound unique, GX #11609/#11692), else unexpected_rows_sql()."""
    n = r.result.get("unexpected_count") or 0
    note = None
    query = (r.result.get("unexpected_index_query") or "").strip().rstrip(";").strip()
    if query:
        try:
            got = con.execute(f"select count(*) from ({query})").fetchone()[0]
            if got == n:
                sql = f"select distinct file_id, sheet, row_no from ({query})"
                con.execute(f"select count(*) from ({sql})").fetchone()
                return sql, [], "gx_unexpected_index_query", None
            note = f"GX unexpected_index_query returned {got} rows, unexpected_count {n}"
        except duckdb.Error as exc:
            note = f"GX unexpected_index_query not usable: {str(exc).splitlines()[0]}"
    sql, params = unexpected_rows_sql(check)
    got = con.execute(f"select count(*) from ({sql})", params).fetchone()[0]
    if got != n:
        note = f"{note + '; ' if note else ''}fallback SQL selects {got} rows, GX counted {n}"
        log.warning("%s.%s: %s", check.table, check.label, note)
    return sql, params, "fallback_sql", note


def examples(con, check: Check, r, n: int = 3) -> list[dict]:
    """The lineage of the first n failing rows of an expectation (for messages and the report)."""
    try:
        sql, params, _, _ = _failing_rows(con, check, r)
        rows = con.execute(f"select distinct file_id, sheet, row_no from ({sql}) order by all limit {n}", params)
        found = [dict(zip(LINEAGE, row)) for row in rows.fetchall()]
        names = dict(con.execute("select file_id, file_name from source_files").fetchall())
        return [dict(x, file=names.get(x.get("file_id"))) for x in found]    # people know files by name
    except (duckdb.Error, NotImplementedError) as exc:   # the report goes on without examples
        log.warning("%s.%s: no example rows: %s", check.table, check.label, exc)
        return []


def _quarantine(con, check: Check, kind: str, sql: str, params: list) -> int:
    """Insert the failing rows of `check` into `quarantine`; returns how many."""
    value = (f"coalesce('；值：' || cast(t.{_q(check.columns[0])} as varchar), '')"
             if len(check.columns) == 1 else "''")
    detail = [check.description_zh, f"；检查：{check.label}"]
    on = " and ".join(f"t.{c} is not distinct from k.{c}" for c in LINEAGE)
    return con.execute(f"""
        insert into quarantine (kind, file_id, sheet, row_no, reason, reason_column, detail, stage)
        select ?, t.file_id, t.sheet, t.row_no, ?, ?, ? || {value} || ?, 'validate'
        from {_q(check.table)} t semi join ({sql}) k on {on}
    """, [kind, check.reason, ",".join(check.columns), *detail, *params]).fetchone()[0]


def _insert_reason_codes(con) -> None:
    con.execute("create table if not exists reason_codes (code varchar, text_zh varchar)")
    have = {r[0] for r in con.execute("select code from reason_codes").fetchall()}
    new = [(k, v) for k, v in reason_texts().items() if k not in have]
    if new:
        con.executemany("insert into reason_codes values (?, ?)", new)


# ------------------------------------------------------------------------------------------ the entry point

def validate_tables(con, out_dir: Path, as_of: dt.date, later: list | None = None) -> dict:
    """Run every suite of sources/expectations.yaml against its canonical table inside DuckDB (GX 1.x,
    sharing `con`), move failing rows of quarantine expectations to `quarantine`, write GX's results
    (JSON per suite) and Data Docs HTML under out_dir/validation/, and return a report:
    {"blocked": bool, "message": str | None,
     "expectations": [{"table", "expectation", "columns", "description", "action", "success",
                        "element_count", "unexpected_count", "quarantined", "reason"}...],
     "warnings": [... the subset that failed with action warn or quarantine ...],
     "seconds": float}
    Raises ValidationBlocked(message) after writing the results when a blocking expectation fails;
    the message names the table and the expectation in Chinese and English.

    Data Docs (HTML rendered from the results, 0.3–0.6 s) are built before returning, or, when a list
    `later` is given and the run is not blocked, appended to it as a function for the caller to call
    with its other outputs (the nightly flow does, after the workbooks).

    When blocked, no rows are moved (the warehouse stays as loaded, for diagnosis). An expectation that GX
    cannot evaluate (e.g. a column missing) blocks too, whatever its action. `con` must be in autocommit
    mode: GX reads through other cursors and sees committed data only."""
    t_start = time.perf_counter()
    checks = suites(as_of)
    kind_of = {k.table: k.kind for k in kinds()}
    present = {r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary").fetchall()}
    missing = sorted(t for t in checks if t not in present or t not in kind_of)
    if missing:
        raise ValueError(f"expectations.yaml 中的表不存在或不是规范表 / suites for unknown tables: {missing}")
    out = Path(out_dir) / "validation"
    out.mkdir(parents=True, exist_ok=True)
    timings = {}

    t0 = time.perf_counter()
    import_gx()
    timings["import_gx"] = time.perf_counter() - t0
    entries, pending = [], []
    with _gx_session(con) as (context, ds):
        t0 = time.perf_counter()
        for table, table_checks in checks.items():
            t1 = time.perf_counter()
            if not con.execute(f"select count(*) from {_q(table)}").fetchone()[0]:
                # an empty table passes every expectation; GX would take ~0.1 s to say so. A column an
                # expectation names must still exist, as GX would have found when evaluating it.
                present = {r[0] for r in con.execute(f"describe {_q(table)}").fetchall()}
                skipped = []
                for c in table_checks:
                    absent = [col for col in c.columns if col not in present]
                    entry = {"table": table, "expectation": c.expectation, "columns": c.columns,
                             "description": c.description_zh, "action": c.action, "success": not absent,
                             "element_count": 0, "unexpected_count": 0, "quarantined": 0, "reason": c.reason,
                             "kwargs": c.kwargs, "examples": [], "note": "表为空，未调用 GX / empty table, not sent to GX"}
                    if absent:
                        entry["error"] = f"column(s) {', '.join(absent)} not in {table}: could not be evaluated"
                    entries.append(entry)
                    skipped.append(entry)
                (out / f"{table}.json").write_text(json.dumps(
                    {"table": table, "skipped": "empty table", "results": [], "expectations": skipped},
                    ensure_ascii=False, indent=1, default=str), encoding="utf-8")
                continue
            result = _run_suite(context, ds, table, table_checks)
            timings[f"validate.{table}"] = time.perf_counter() - t1
            (out / f"{table}.json").write_text(
                json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            by_index = {c.index: c for c in table_checks}
            for r in sorted(result.results, key=lambda r: r.expectation_config.meta["qingfeng_index"]):
                check = by_index[r.expectation_config.meta["qingfeng_index"]]
                error = _exception(r)
                res = r.result or {}
                entry = {"table": table, "expectation": check.expectation, "columns": check.columns,
                         "description": check.description_zh, "action": check.action,
                         "success": bool(r.success) and error is None,
                         "element_count": res.get("element_count") or 0,
                         "unexpected_count": res.get("unexpected_count") or 0,
                         "quarantined": 0, "reason": check.reason, "kwargs": check.kwargs}
                if error:
                    entry["error"] = error
                entry["examples"] = examples(con, check, r) if entry["unexpected_count"] and not error else []
                entries.append(entry)
                pending.append((check, r, entry))
        timings["validate"] = time.perf_counter() - t0

        blocking = [e for e in entries if e.get("error") or (e["action"] == "blocking" and not e["success"])]
        t0 = time.perf_counter()
        if not blocking:
            _move_failing_rows(con, pending, kind_of)
        timings["quarantine"] = time.perf_counter() - t0

        docs = out / "data_docs"
        build_docs = functools.partial(_build_data_docs, context, docs)
        if later is None or blocking:
            t0 = time.perf_counter()
            build_docs()
            timings["data_docs"] = time.perf_counter() - t0
        else:
            later.append(build_docs)

    message = _blocked_message(blocking) if blocking else None
    report = {
        "blocked": bool(blocking), "message": message, "expectations": entries,
        "warnings": [e for e in entries if e["action"] in ("warn", "quarantine") and not e["success"]],
        "seconds": round(time.perf_counter() - t_start, 3),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "as_of": as_of.isoformat(),
        "data_docs": str(docs / "index.html"),
    }
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if blocking:
        raise ValidationBlocked(message)
    return report


def _build_data_docs(context, docs: Path) -> None:
    """GX's Data Docs of this run's results, as HTML under `docs` (index.html)."""
    with _quiet_gx():
        context.add_data_docs_site(site_name="run", site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs.resolve())},
        })
        context.build_data_docs(site_names=["run"])


def _move_failing_rows(con, pending: list, kind_of: dict) -> None:
    """Every failing row of a quarantine expectation into `quarantine`, then out of its canonical table
    (one transaction; all rows are selected before any is deleted, so a row failing two expectations is
    quarantined with both reasons)."""
    failing = [(c, r, e) for c, r, e in pending if c.action == "quarantine" and e["unexpected_count"] > 0]
    _insert_reason_codes(con)
    if not failing:
        return
    con.execute("begin transaction")
    try:
        for check, r, entry in failing:
            sql, params, source, note = _failing_rows(con, check, r)
            entry["quarantined"] = _quarantine(con, check, kind_of[check.table], sql, params)
            entry["rows_sql_source"] = source
            if note:
                entry["note"] = note
        on = " and ".join(f"t.{c} is not distinct from q.{c}" for c in LINEAGE)
        for table in dict.fromkeys(c.table for c, _, _ in failing):
            con.execute(f"""
                delete from {_q(table)} t using
                    (select distinct file_id, sheet, row_no from quarantine where stage = 'validate' and kind = ?) q
                where {on}""", [kind_of[table]])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _place(x: dict) -> str:
    """Where a failing row is, in people's words: 文件“…”工作表“…”第 n 行 (the file by its name, not its id)."""
    parts = [f"文件“{x.get('file') or '?'}”"]
    if x.get("sheet"):
        parts.append(f"工作表“{x['sheet']}”")
    if x.get("row_no") is not None:
        parts.append(f"第 {x['row_no']} 行")
    return "".join(parts)


def _blocked_message(blocking: list[dict]) -> str:
    names = {k.table: k.name_zh for k in kinds()}
    lines = ["数据校验未通过，运行中止（装载程序可能有误）/ Validation blocked the run (the loader may be broken):"]
    for e in blocking:
        label = f"{e['expectation']}({', '.join(e['columns'])})"
        where = "；".join(_place(x) for x in e["examples"])
        if e.get("error"):
            lines.append(f"- 表 {e['table']}（{names.get(e['table'], '')}）的检查「{e['description']}」无法执行："
                         f"{e['error']} / table {e['table']}: expectation {label} could not be evaluated")
        else:
            lines.append(f"- 表 {e['table']}（{names.get(e['table'], '')}）的检查「{e['description']}」未通过："
                         f"{e['unexpected_count']} 行不符{'（例：' + where + '）' if where else ''} / table {e['table']}: "
                         f"expectation {label} failed for {e['unexpected_count']} of {e['element_count']} rows")
    return "\n".join(lines)

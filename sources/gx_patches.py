"""GX 1.24 on DuckDB: the two patches validation needs (sources/gx.py `check_patches()` tells whether each
is still needed and still works; tests/test_gx.py).
  buffer_results  GX reads query results after closing their connection; the close rolls back, which
                  discards DuckDB's pending result (every expectation fails with "list index out of
                  range"; GX issues #10738, #11579). Rows are buffered while the connection is open.
  regex           GX has no regex operator for the duckdb dialect (NotImplementedError); DuckDB's
                  regexp_matches (RE2, search semantics) is used.
great_expectations is imported inside the functions that need it (the import takes about 3 s).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys

_ORIGINALS: dict = {}


_APPLIED = {"buffer_results": False, "regex": False}


def _is_duckdb(dialect) -> bool:
    return getattr(dialect, "name", None) == "duckdb"


def _gx_internals() -> dict:
    """The GX functions the patches replace, as GX defines them (imports GX)."""
    if not _ORIGINALS:
        import great_expectations.expectations.metrics  # noqa: F401  (every metric module that imports the regex helper)
        import great_expectations.expectations.metrics.util as metrics_util
        from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

        ewr = getattr(SqlAlchemyExecutionEngine.__dict__.get("_execute_query_with_recovery"), "__func__", None)
        regex = getattr(metrics_util, "get_dialect_regex_expression", None)
        _ORIGINALS.update(
            engine_class=SqlAlchemyExecutionEngine,
            buffer_results=getattr(ewr, "qingfeng_original", ewr),  # the original even after a module reload
            regex=getattr(regex, "qingfeng_original", regex),
        )
    return _ORIGINALS


def _buffering(original):
    """SqlAlchemyExecutionEngine._execute_query_with_recovery that fetches a DuckDB result before
    execute_query()'s `with self.get_connection()` closes (and rolls back) the connection. GX only fetches
    small results this way: aggregates and LIMIT-ed samples (result_format SUMMARY)."""
    import sqlalchemy as sa

    def _execute_query_with_recovery(connection, query):
        result = original(connection, query)
        if _is_duckdb(connection.dialect) and isinstance(result, sa.CursorResult) and result.returns_rows:
            return result.freeze()()
        return result

    _execute_query_with_recovery.qingfeng_original = original
    return _execute_query_with_recovery


def _duckdb_regex(original):
    """get_dialect_regex_expression with a branch for DuckDB: regexp_matches (RE2, search semantics)."""
    import sqlalchemy as sa

    def get_dialect_regex_expression(column, regex, dialect, positive=True):
        if _is_duckdb(dialect) or _is_duckdb(getattr(dialect, "dialect", None)):
            expr = sa.func.regexp_matches(column, sa.literal(regex))
            return expr if positive else sa.not_(expr)
        return original(column, regex, dialect, positive)

    get_dialect_regex_expression.qingfeng_original = original
    return get_dialect_regex_expression


def apply_patches() -> dict[str, bool]:
    """Apply both patches to the loaded GX (idempotent; other dialects keep GX's code path)."""
    gx_ = _gx_internals()
    if gx_["buffer_results"] is None or gx_["regex"] is None:
        raise RuntimeError("GX internals changed (SqlAlchemyExecutionEngine._execute_query_with_recovery or "
                           "metrics.util.get_dialect_regex_expression is gone): revisit sources/gx.py patches")
    if not _APPLIED["buffer_results"]:
        gx_["engine_class"]._execute_query_with_recovery = staticmethod(_buffering(gx_["buffer_results"]))
        _APPLIED["buffer_results"] = True
    if not _APPLIED["regex"]:
        patched = _duckdb_regex(gx_["regex"])
        # the helper is imported by name into several metric modules: replace it in each of them
        modules = [m for m in list(sys.modules.values())
                   if m is not None and getattr(m, "get_dialect_regex_expression", None) is gx_["regex"]]
        if len(modules) < 2:  # metrics.util itself + at least column_values_match_regex
            raise RuntimeError(f"regex patch: found the GX helper in {len(modules)} module(s); GX layout changed")
        for m in modules:
            m.get_dialect_regex_expression = patched
        _APPLIED["regex"] = True
    return dict(_APPLIED)


def _probe_buffer(engine, fn) -> bool:
    """Does GX's execute_query, with `fn` as _execute_query_with_recovery, return the row of SELECT 42?"""
    import sqlalchemy as sa

    cls = _gx_internals()["engine_class"]
    saved = cls.__dict__["_execute_query_with_recovery"]
    cls._execute_query_with_recovery = staticmethod(fn)
    try:
        rows = cls(engine=engine).execute_query(sa.select(sa.literal(42).label("x"))).fetchall()
        return [tuple(r) for r in rows] == [(42,)]
    except Exception:  # noqa: BLE001
        return False
    finally:
        cls._execute_query_with_recovery = saved


def _probe_regex(engine, fn) -> bool:
    """Does `fn` give the duckdb dialect a regex expression that DuckDB evaluates correctly?"""
    import sqlalchemy as sa

    try:
        pos = fn(sa.column("v"), r"^[0-9]{3}X?$", engine.dialect)
        neg = fn(sa.column("v"), r"^[0-9]{3}X?$", engine.dialect, positive=False)
        if pos is None or neg is None:
            return False
        vals = sa.values(sa.column("v", sa.String), name="t").data([("123",), ("123X",), ("12a",), ("1234",)])
        with engine.connect() as c:
            return tuple(c.execute(sa.select(sa.func.count().filter(pos), sa.func.count().filter(neg))
                                   .select_from(vals)).one()) == (2, 2)
    except Exception:  # noqa: BLE001
        return False


def import_gx():
    """Import Great Expectations (about 3 s) and the SQLAlchemy dialect it reaches DuckDB through (whose
    import runs a probe query): done lazily, so commands that do not validate never pay it."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # GX 1.24 sends nothing; older 1.x did
    import duckdb_engine  # noqa: F401
    import great_expectations

    return great_expectations


@contextlib.contextmanager
def _quiet_gx():
    """GX logs metric failures at ERROR with whole tracebacks; they are read from the results instead."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)

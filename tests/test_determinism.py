"""The cases do not depend on the order in which rows happen to lie in the tables. DuckDB reads in parallel and
returns rows of a group in no fixed order, so an aggregate that picks "any" row (any_value, or arg_min/arg_max
with a tie) can give another evidence text, source row or relation on the next night; an investigator would
then see a case change without a fact changing. The sample run's warehouse is copied, every table the rules
read is rewritten in reverse row order, the rules run again: every case, its evidence and its details must be
identical."""

from __future__ import annotations

import json
import shutil

from rules import catalog
from sources import warehouse

KEEP = {"cases", "needs_data", "case_ledger", "case_facts", "ledger_runs", "published_run"}


def _cases(con) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "select case_id, subject_id_number, period_from, period_to, months, amount_yuan, evidence, details "
        "from cases").fetchall()}


def test_cases_do_not_depend_on_the_order_of_rows(sample_run, tmp_path):
    published = (sample_run.parent / "warehouse.duckdb").resolve()
    copy = tmp_path / "reversed.duckdb"
    shutil.copyfile(published, copy)
    con = warehouse.connect(copy)
    try:
        catalog.run_rules(con, catalog.catalog())
        before = _cases(con)
        assert before, "the sample run found no cases"
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' and not temporary").fetchall()
            if r[0] not in KEEP and not r[0].startswith(("case_", "needs_"))]
        for t in tables:
            con.execute(f'create or replace table "{t}" as select * from "{t}" order by rowid desc')
        catalog.run_rules(con, catalog.catalog())
        after = _cases(con)
    finally:
        con.close()
    assert set(after) == set(before)
    changed = {k: _difference(before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"{len(changed)} cases changed with the order of rows: {changed}"


def _difference(a: tuple, b: tuple) -> dict:
    """The fields of a case that differ (within `details`, its keys)."""
    da, db = json.loads(a[-1]), json.loads(b[-1])
    out = {k: (da.get(k), db.get(k)) for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)}
    return out or {"row": (a[:-1], b[:-1])}

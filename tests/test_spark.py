"""The Spark engine (issue 23): one copy of each rule, the same cases on both engines.

- every rule file and helper file translates (rules/portable.py); a construct the Spark path cannot say
  is refused with the file's name — so a new rule that uses one fails here, before any cluster sees it;
- each meaning DuckDB and Spark say differently (rules/spark_dialect.py) gives the same value on both;
- on the sample: the helper tables (kinship among them) and every rule's cases and 待补数据 are the same on
  Spark local[2] as on DuckDB (tests/test_spark_cli.py: `qingfeng run --engine spark`, the whole flow).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from rules import catalog
from rules.portable import macros_in, macros_of, share_ctes, translate, translate_file
from rules.spark_dialect import PortabilityError

CASE_FIELDS = ("rule_id", "subject_id_number", "period_from", "period_to", "months", "amount_yuan")


@pytest.fixture(scope="module")
def warehouse(sample_run, tmp_path_factory) -> Path:
    """A copy of the sample run's published warehouse (every table and macro of a DuckDB run)."""
    run = json.loads((sample_run / "run.json").read_text(encoding="utf-8"))
    copy = tmp_path_factory.mktemp("spark") / "warehouse.duckdb"
    shutil.copy(Path(run["warehouse"]).resolve(), copy)
    return copy


@pytest.fixture(scope="module")
def macros(warehouse):
    from rules.spark import helper_texts

    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = macros_of(con)
    for _, text in helper_texts():
        found |= macros_in(text)
    return found


def test_every_rule_and_helper_file_translates(macros):
    from rules.spark import helper_texts

    for name, text in helper_texts():
        assert translate_file(text, macros, name), name
    for rule in catalog.catalog():
        sql = f"select {catalog.case_id_sql(rule)} as case_id, * from (\n{rule.sql}\n)"
        spark_sql = translate(sql, macros, rule.bound_params(), rule.path.name)
        # what Spark runs reads no CTE twice (it would compute it twice: R06 scanned the payments 446 times)
        steps, rest = share_ctes(spark_sql, f"case_{rule.id}")
        for query in [*(s.sql for s in steps), rest]:
            assert not _read_twice(query), (rule.id, _read_twice(query))
        if rule.needs_sql:
            translate(rule.needs_sql, macros, rule.bound_params(sql=rule.needs_sql), rule.path.name)


def _read_twice(spark_sql: str) -> list[str]:
    tree = sqlglot.parse_one(spark_sql, read="spark")
    names = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    reads = [t.name.lower() for t in tree.find_all(exp.Table) if t.name.lower() in names]
    return sorted({n for n in reads if reads.count(n) > 1})


def test_ctes_read_more_than_once_become_steps_of_their_own():
    sql = ("WITH a AS (SELECT x FROM t), b AS (SELECT x FROM a WHERE x > 0), c AS (SELECT x FROM b UNION ALL "
           "SELECT x FROM b) SELECT * FROM c JOIN b AS bb USING (x) JOIN a USING (x)")
    steps, rest = share_ctes(sql, "R99")
    assert [s.name for s in steps] == ["r99__a", "r99__b"]
    assert "FROM t" in steps[0].sql and "FROM r99__a AS a" in steps[1].sql
    assert rest.startswith("WITH c AS (SELECT x FROM r99__b AS b UNION ALL SELECT x FROM r99__b AS b)")
    assert "JOIN r99__b AS bb" in rest and "JOIN r99__a AS a" in rest
    # a CTE read once that a shared one reads goes with it
    steps, rest = share_ctes("WITH o AS (SELECT 1 AS x), s AS (SELECT x FROM o) SELECT * FROM s, s AS s2", "q")
    assert steps[0].sql.startswith("WITH o AS (SELECT 1 AS x) SELECT x FROM o") and "WITH" not in rest


@pytest.mark.parametrize("sql, why", [
    ("select format('{:.2f}', amount_yuan) from payments", "placeholder"),
    ("select datediff('week', a, b) from t", "week"),
    ("select string_agg(distinct name, '、' order by id_number) from persons", "ordered by"),
    ("select * from t where x in (select unnest($missing))", "not bound"),
])
def test_what_spark_cannot_say_is_refused_with_the_rule_named(macros, sql, why):
    with pytest.raises(PortabilityError, match=why) as err:
        translate(sql, macros, {}, "R99_new_rule.sql")
    assert "R99_new_rule.sql" in str(err.value)


# ---- on Spark ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark_engine(tmp_path_factory):
    pytest.importorskip("pyspark")
    from rules.spark import SparkEngine

    try:
        engine = SparkEngine("local[2]", tmp_path_factory.mktemp("spark_work")).start()
    except Exception as exc:             # no Java: say so, as a skip (the CI machine has it: .ci/run)
        pytest.skip(f"Spark cannot start: {type(exc).__name__}: {str(exc)[:200]}")
    yield engine
    engine.stop()


# (DuckDB expression, what it must give) — each evaluated on DuckDB and, translated, on Spark
SAME_MEANING = [
    ("datediff('month', date '2020-01-31', date '2020-02-01')", 1),          # boundaries crossed, not whole months
    ("datediff('year', date '2020-12-31', date '2021-01-01')", 1),
    ("datediff('day', date '2020-02-28', date '2020-03-01')", 2),
    ("date_sub('year', date '1960-05-02', date '2020-05-01')", 59),           # whole years: an age
    ("[10, 20, 30][1 + 1]", 20),                                              # a computed index counts from 1
    ("[10, 20, 30][1]", 10),
    ("list_position([10, 20], 30)", None),                                     # absent: NULL, not 0
    ("len(string_split('a,b,c', ','))", 3),                                    # a list's length, not a string's
    ("format('{}（{}）', '张三', 3)", "张三（3）"),
    ("format('{}（{}）', '张三', null)", None),
    ("printf('%.2f', 1234.5::decimal(14, 2))", "1234.50"),
    ("regexp_full_match('330822', '[0-9]+')", True),
    ("regexp_full_match('330822x', '[0-9]+')", False),
    ("regexp_full_match('张三', '\\p{Han}+')", True),
    ("try_strptime('19800230', '%Y%m%d')", None),                              # no 30 February
    ("(select string_agg(distinct x, '、' order by x desc) from (values ('b'), ('a'), ('b')) t(x))", "b、a"),
    ("(select count() from (values (1), (2)) t(x))", 2),
    ("(select 'b' in (select unnest(['a', 'b'])))", True),
    ("(date '2020-01-31' + interval (1 + 1) month)::date", "2020-03-31"),
]


@pytest.mark.spark
def test_each_meaning_is_the_same_on_both_engines(spark_engine, macros):
    spark, con = spark_engine.spark, duckdb.connect()     # its own connection: the module's default is shared
    for sql, expected in SAME_MEANING:
        on_duckdb = con.execute(f"select {sql}").fetchall()[0][0]
        on_spark = spark.sql(translate(f"select {sql} as v", macros, {}, sql)).collect()[0][0]
        as_text = [None if v is None else str(v) for v in (on_duckdb, on_spark, expected)]
        assert as_text[0] == as_text[2], f"{sql}: DuckDB gives {on_duckdb!r}"
        assert as_text[1] == as_text[2], f"{sql}: Spark gives {on_spark!r}, DuckDB {on_duckdb!r}"


def _rows(con, sql: str) -> list[tuple]:
    return sorted(tuple("" if v is None else str(v) for v in r) for r in con.execute(sql).fetchall())


@pytest.mark.spark
def test_the_sample_gives_the_same_helper_tables_and_cases_on_spark(spark_engine, warehouse, tmp_path):
    copy = tmp_path / "wh.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    rules = catalog.catalog()
    want = {t: _rows(con, f"select * from {t}") for t in ("kinship", "deaths", "identity_conflicts")}
    want_cases = _rows(con, f"select {', '.join(CASE_FIELDS)}, case_id from cases")
    want_needs = _rows(con, "select rule_id, subject_id_number, missing, source_file, row_no from needs_data")
    spark_engine.derive(con)
    for table in want:                              # the register's kinship graph, the merged deaths
        spark_engine._bring_back(con, f"{table}_on_spark", f"select * from {table}")
        assert _rows(con, f"select * from {table}_on_spark") == want[table], table
    catalog.run_rules(con, rules, engine=spark_engine)
    assert _rows(con, f"select {', '.join(CASE_FIELDS)}, case_id from cases") == want_cases
    assert _rows(con, "select rule_id, subject_id_number, missing, source_file, row_no from needs_data") == want_needs
    con.close()

"""The Spark engine: the same helper tables and rules, run by Apache Spark over the Parquet tables.

DuckDB still reads, stages and validates the department files (file by file; sources/) and keeps the run's
bookkeeping (coverage, the case ledger, the workbooks): what grows with a province — the payment ledgers, the
register and its kinship graph, the rules' joins over them — runs on Spark. The hand-over:

1. DuckDB writes the canonical tables as Parquet partitioned by county and month, and the reference tables
   the helper SQL and the rules read (sources/parquet.py); Spark reads them as temporary views.
2. rules/derived.sql, places.sql and kinship.sql, then each rule's query and its 待补数据 query, translated
   by rules/portable.py (the same files: no second copy), run on Spark; each helper table is kept (as
   Parquet) for the rules, and so is each CTE a query reads more than once (Spark would compute it at every
   reference: portable.share_ctes).
3. What the rest of the run reads comes back to DuckDB through Arrow: each rule's case_<id> and needs_<id>
   rows, and the small helper tables the later steps read (`RETURNED`); paid_months, which the money of the
   cases (cases/money.py) reads, comes back only for the people the cases name.

pyspark is imported only here and only when the engine is started: a DuckDB run needs neither it nor Java.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from sources import parquet
from sources.declarations import kinds

from .catalog import names_defined, names_read
from .derived import HELPER_SQL, HERE, prepare
from .portable import macros_in, macros_of, share_ctes, translate, translate_file

log = logging.getLogger(__name__)

# helper tables the steps after the rules read on DuckDB (coverage's `unchecked:` tables, the identity
# conflicts a held case names), brought back whole: each is at most a row per person checked
RETURNED = ("identity_conflicts", "payees", "payees_outside_registers", "housing_aid_unchecked",
            "subsidy_recipients_unchecked", "pensioners_without_prison_list")
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Spark 4's ANSI mode fails the whole query on one overflow or bad cast; off, such a value is NULL (the
    # rules parse text with try_cast and their casts are of typed columns: tests/test_spark.py compares)
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def check_available() -> None:
    """Refuse a Spark run before it starts when pyspark or Java is missing (ValueError: a sentence for people)."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise ValueError("spark 引擎需要 pyspark：pip install -e '.[spark]'（本机运行另需 Java 17）")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise ValueError("spark 引擎需要 Java 17（Debian：apt-get install openjdk-17-jre-headless）")


def session(master: str = "local[2]", conf: dict | None = None):
    """A SparkSession on `master` (local[N], spark://host:7077, or sc://host:15002 for Spark Connect)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("qingfeng")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    local = {"spark.sql.shuffle.partitions": "2"} if master.startswith("local") else {}   # one machine's cores
    for k, v in {**SPARK_CONF, **local, **(conf or {})}.items():
        if not (master.startswith("sc://") and k.startswith("spark.driver")):
            builder = builder.config(k, v)
    spark = builder.getOrCreate()
    if not master.startswith("sc://"):
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def helper_texts() -> list[tuple[str, str]]:
    return [(name, (HERE / name).read_text(encoding="utf-8")) for name in HELPER_SQL]


def inputs_of_helpers(con) -> tuple[list[str], list[str]]:
    """The canonical and the reference tables the helper SQL and the rules read that exist in DuckDB
    (what Spark needs as Parquet): every FROM/JOIN name that the helper files do not define themselves."""
    from .catalog import catalog

    defined, read = set(), set()
    texts = [t for _, t in helper_texts()] + [r.text for r in catalog()]
    for text in texts:
        defined |= names_defined(text)
        read |= names_read(text)
    for (text,) in con.execute("select macro_definition from duckdb_functions() "
                               "where function_type in ('macro', 'table_macro') and not internal").fetchall():
        read |= names_read(text)
    existing = {r[0].lower() for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    existing |= {r[0].lower() for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    canonical = {k.table for k in kinds()}
    wanted = (read - defined) & existing
    return sorted(wanted & canonical), sorted(wanted - canonical)


class SparkEngine:
    """Runs the helper tables and the rules of one run on Spark (see the module's doc)."""

    name = "spark"

    def __init__(self, master: str, workdir: Path, conf: dict | None = None):
        self.master, self.workdir, self.conf = master, Path(workdir), conf
        self.spark = None
        self.macros: dict = {}
        self.timings: dict[str, float] = {}

    def start(self):
        if self.spark is None:
            self.spark = session(self.master, self.conf)
        return self

    def stop(self) -> None:
        """End the session and remove this run's Parquet and helper tables (people's data)."""
        if self.spark is not None:
            self.spark.stop()
            self.spark = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def version(self) -> str | None:
        return self.spark.version if self.spark is not None else None

    # -- the hand-over ---------------------------------------------------------------------------------
    def publish(self, con) -> dict[str, Path]:
        """Write the tables Spark reads as Parquet under workdir/parquet and register them on Spark."""
        canonical, reference = inputs_of_helpers(con)
        canonical = sorted(set(canonical) | {k.table for k in kinds()})
        written = parquet.export(con, self.workdir / "parquet", canonical, reference)
        for table, folder in written.items():
            self.register(table, folder)
        return written

    def register(self, table: str, folder: Path) -> None:
        df = self.spark.read.option("basePath", str(folder)).parquet(str(folder))
        keep = [c for c in df.columns if c not in parquet.PARTITION_COLUMNS]
        df.select(*keep).createOrReplaceTempView(table)

    def push(self, con, table: str) -> None:
        """A (small) DuckDB table as a Spark view: the run's cases, for the money of the cases."""
        arrow = con.execute(f"select * from {table}").to_arrow_table()
        self.spark.createDataFrame(arrow).createOrReplaceTempView(table)

    # -- the work --------------------------------------------------------------------------------------
    def derive(self, con) -> None:
        """The helper tables of rules/derived.sql, places.sql and kinship.sql, on Spark."""
        prepare(con)                                  # expand spans, the gazetteer: on DuckDB, before Parquet
        self.macros = macros_of(con)                  # sources/macros.sql and those Python wrote, then the
        for _, text in helper_texts():                # helper files' own (not yet defined on `con`)
            self.macros |= macros_in(text)
        self.publish(con)
        for name, text in helper_texts():
            for step in translate_file(text, self.macros, f"rules/{name}"):
                self.keep(step.name, step.sql)
        for table in RETURNED:
            if self.spark.catalog.tableExists(table):
                self._bring_back(con, table, f"select * from {table}")

    def keep(self, name: str, sql: str) -> None:
        """Helper table `name` made by the Spark query `sql`: the CTEs it reads more than once first."""
        self.checkpoint(name, self.spark.sql(self.shared_first(sql, name)))

    def shared_first(self, sql: str, name: str) -> str:
        """`sql` with its CTEs read more than once kept as tables of their own beforehand (portable.share_ctes)."""
        steps, rest = share_ctes(sql, name)
        for step in steps:
            self.checkpoint(step.name, self.spark.sql(step.sql))
        return rest

    def checkpoint(self, name: str, df) -> None:
        """Keep a helper table: written as Parquet under workdir/steps and read back, so that each later query
        plans from the table and not from the whole chain of queries before it (the kinship self-joins
        otherwise grow Spark's plan past its memory), and so that a lost executor does not recompute it."""
        path = self.workdir / "steps" / name
        df.write.mode("overwrite").parquet(str(path))
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def materialise(self, con, name: str, sql: str, params: dict, where: str) -> None:
        """DuckDB table `name` holding the rows of the DuckDB query `sql`, computed on Spark."""
        self._bring_back(con, name, self.shared_first(translate(sql, self.macros, params, where), name))

    def reader(self):
        """One Spark task per workbook (sources/spark_read.py); over Spark Connect, which has no SparkContext,
        the local pool of reader processes."""
        from sources.spark_read import spark_reader

        return None if self.master.startswith("sc://") else spark_reader(self.spark)

    def after_rules(self, con) -> None:
        self.paid_months_for_cases(con)

    def paid_months_for_cases(self, con) -> None:
        """paid_months in DuckDB, for the people the cases name (cases/money.py reads it)."""
        self.push(con, "cases")
        self._bring_back(con, "paid_months",
                         "select * from paid_months where id_number in (select subject_id_number from cases)")

    def _bring_back(self, con, name: str, spark_sql: str) -> None:
        qf_arrow_from_spark = self.spark.sql(spark_sql).toArrow()  # noqa: F841 (DuckDB reads it by name)
        con.execute(f"create or replace table {name} as select * from qf_arrow_from_spark")

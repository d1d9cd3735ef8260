"""The helper tables the rules read besides the canonical tables: deaths merged per person, net paid months
(rules/derived.sql), where people went and where the register reaches (rules/places.sql), and the kinship
table (rules/kinship.sql). They are built once per run over the validated canonical tables, before the rules.
"""

from __future__ import annotations

from pathlib import Path

from sources.declarations import kinds
from sources.gazetteer import create_gazetteer
from sources.values import expand_spans

HERE = Path(__file__).parent
HELPER_SQL = ("derived.sql", "places.sql", "kinship.sql")     # in this order: each may read the ones before


def prepare(con) -> None:
    """What the helper SQL reads that Python makes, on DuckDB on either engine: rows covering several months
    become one row per month (sources/values.py), and the places a register's 迁往地 may name
    (sources/gazetteer.py), for places.sql."""
    expand_spans(con, kinds())
    create_gazetteer(con)


def derive(con) -> None:
    """Helper tables over the validated canonical tables: deaths merged per person, net paid months,
    where people went, and the kinship table (the DuckDB engine; rules/spark.py runs the same files)."""
    prepare(con)
    for name in HELPER_SQL:
        con.execute((HERE / name).read_text(encoding="utf-8"))

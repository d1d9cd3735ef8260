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


def derive(con) -> None:
    """Helper tables over the validated canonical tables: deaths merged per person, net paid months,
    and the kinship table; first, rows covering several months become one row per month (sources/values.py)."""
    expand_spans(con, kinds())
    con.execute((HERE / "derived.sql").read_text(encoding="utf-8"))
    create_gazetteer(con)   # the places a register's 迁往地 may name (sources/gazetteer.py), for places.sql
    con.execute((HERE / "places.sql").read_text(encoding="utf-8"))
    con.execute((HERE / "kinship.sql").read_text(encoding="utf-8"))

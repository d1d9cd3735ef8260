"""Validation of the canonical tables, and the derived tables the rules read."""

from __future__ import annotations

from pathlib import Path

from .declarations import kinds
from .stage import accounting_sql
from .values import expand_spans

HERE = Path(__file__).parent


def accounting(con) -> list[dict]:
    cur = con.execute(accounting_sql())
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def total_checks(con) -> list[dict]:
    """Every 合计/小计 row compared with the rows it sums (mismatches have matches = false)."""
    cur = con.execute("""
        select f.file_name as file, t.sheet, t.row_no, t.label, t.column_header, t.stated_yuan,
               t.segment_sum_yuan, t.sum_above_yuan, t.matches
        from total_checks t join source_files f using (file_id) order by f.file_name, t.sheet, t.row_no""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def derive(con) -> None:
    """Helper tables over the validated canonical tables: deaths merged per person, net paid months,
    and the kinship table; first, rows covering several months become one row per month (values.py)."""
    expand_spans(con, kinds())
    con.execute((HERE / "derived.sql").read_text(encoding="utf-8"))
    con.execute((HERE / "kinship.sql").read_text(encoding="utf-8"))

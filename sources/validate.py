"""Validation of the canonical tables, and the derived tables the rules read."""

from __future__ import annotations

from pathlib import Path

from .stage import accounting_sql

HERE = Path(__file__).parent


def accounting(con) -> list[dict]:
    cur = con.execute(accounting_sql())
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def derive(con) -> None:
    """Helper tables over the validated canonical tables (deaths merged per person, …)."""
    con.execute((HERE / "derived.sql").read_text(encoding="utf-8"))

"""The one way a Python string becomes SQL text: a quoted literal. Prefer a bound `$name` parameter
(`con.execute(sql, {"name": value})`); this is for the SQL DuckDB cannot bind a parameter into: a macro's
body, a script of several statements, an expression handed on as text."""

from __future__ import annotations


def sql_str(value: str | None) -> str:
    """`value` as an SQL string literal ('' for each quote inside), or NULL."""
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"

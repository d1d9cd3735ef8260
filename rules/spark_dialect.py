"""What DuckDB and Spark SQL mean differently, and how rules/portable.py says it for Spark (after sqlglot has
read the DuckDB and before it writes the Spark). Each fix is a function over one node of the tree; `fix`
applies them all until nothing changes. A construct with no faithful translation raises PortabilityError.
"""

from __future__ import annotations

import re

from sqlglot import exp

READ, WRITE = "duckdb", "spark"


class PortabilityError(Exception):
    pass


def _datediff(node: exp.Expression) -> exp.Expression:
    """DuckDB's datediff('month'|'year'|'quarter', a, b) counts the boundaries crossed; say so in Spark."""
    if not isinstance(node, exp.DateDiff):
        return node
    unit = (node.unit.name if node.args.get("unit") else "day").lower()
    start, end = node.expression, node.this
    if unit in ("day", "days", "d"):
        return exp.func("datediff", end, start)
    ym = {"month": ("12", "month"), "months": ("12", "month"), "mm": ("12", "month"),
          "year": ("1", None), "years": ("1", None), "yyyy": ("1", None)}
    if unit not in ym:
        raise PortabilityError(f"datediff by {unit} has no translation")
    def index(d):
        y = exp.func("year", d.copy())
        return exp.Add(this=exp.Mul(this=y, expression=exp.Literal.number(12)),
                       expression=exp.func("month", d.copy())) if ym[unit][1] else y
    return exp.paren(exp.Sub(this=exp.paren(index(end), copy=False), expression=exp.paren(index(start), copy=False)),
                     copy=False)


def _regexp(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.RegexpFullMatch) or (isinstance(node, exp.Anonymous)
                                                 and node.name.lower() == "regexp_full_match"):
        this, pattern = (node.this, node.expression) if isinstance(node, exp.RegexpFullMatch) else node.expressions[:2]
        anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern.copy(), exp.Literal.string(")$")])
        if isinstance(pattern, exp.Literal):
            anchored = exp.Literal.string(f"^(?:{pattern.this})$")
        return exp.RegexpLike(this=this, expression=anchored)
    return node


def _identity() -> exp.Expression:
    """qf_v -> qf_v"""
    return exp.Lambda(this=exp.column("qf_v"), expressions=[exp.to_identifier("qf_v")])


# DuckDB functions Spark calls otherwise (or whose meaning differs), by name: each builds the Spark form
# from the call's arguments
FUNCTIONS = {
    "list_bool_and": lambda a: exp.func("forall", a[0], _identity()),
    "list_bool_or": lambda a: exp.func("exists", a[0], _identity()),
    # DuckDB: NULL when absent; Spark: 0
    "list_position": lambda a: exp.func("nullif", exp.func("array_position", *a), exp.Literal.number(0)),
}


def _functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Count) and node.this is None:
        return exp.Count(this=exp.Star())                   # DuckDB's count() is count(*)
    if isinstance(node, exp.Format):
        return _format([node.this, *node.expressions])
    if isinstance(node, exp.Anonymous) and node.name.lower() in FUNCTIONS:
        return FUNCTIONS[node.name.lower()](list(node.expressions))
    return node


def _distinct_string_agg(node: exp.Expression) -> exp.Expression:
    """string_agg(distinct x, sep order by x) → the sorted set of x joined: Spark 4.3 fails to plan two
    LISTAGG(DISTINCT …) of different columns in one aggregate (a ClassCastException in its planner)."""
    if not (isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order)
            and isinstance(node.this.this, exp.Distinct)):
        return node
    values = node.this.this.expressions
    order = node.this.expressions
    if len(values) != 1 or len(order) != 1 or order[0].this != values[0]:
        raise PortabilityError("string_agg(distinct …) ordered by anything but its value")
    found = exp.func("array_sort", exp.func("collect_set", values[0].copy()))
    if order[0].args.get("desc"):
        found = exp.func("reverse", found)
    sep = node.args.get("separator") or exp.Literal.string(",")
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("size", found.copy()), expression=exp.Literal.number(0)),
                                true=exp.Null())],
                    default=exp.func("array_join", found, sep))


def _types(node: exp.Expression) -> exp.Expression:
    """DuckDB's 128-bit integer is Spark's decimal(38, 0)."""
    if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.INT128, exp.DataType.Type.UINT128):
        return exp.DataType.build("decimal(38, 0)")
    return node


def _index(node: exp.Expression) -> exp.Expression:
    """list[i] with a computed i: DuckDB counts from 1, and so does Spark's element_at (sqlglot shifts only
    a literal index); a string key (a struct's field) stays."""
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        i = node.expressions[0]
        if not (isinstance(i, exp.Literal) or isinstance(i, exp.Slice)):
            return exp.func("element_at", node.this, exp.cast(i, "int"))
    return node


def _in_list(node: exp.Expression) -> exp.Expression:
    """x in (select unnest(list)) → array_contains(list, x) (Spark has no generator in an IN subquery)."""
    sub = None
    if isinstance(node, exp.In) and isinstance(node.args.get("query"), exp.Subquery):
        sub = node.args["query"]
    elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any) and isinstance(node.expression.this,
                                                                                          exp.Subquery):
        sub = node.expression.this           # DuckDB prints `x in (select …)` in a macro as `x = ANY(select …)`
    if sub is not None:
        q = sub.this
        if (isinstance(q, exp.Select) and len(q.expressions) == 1 and not q.args.get("from_")
                and isinstance(q.expressions[0], (exp.Explode, exp.Unnest))):
            unnest = q.expressions[0]
            values = unnest.this if isinstance(unnest, exp.Explode) else unnest.expressions[0]
            return exp.ArrayContains(this=values.copy(), expression=node.this.copy())
        if isinstance(node, exp.EQ):
            return exp.In(this=node.this.copy(), query=sub.copy())
    return node


def _cte(node: exp.Expression) -> exp.Expression:
    """`as [not] materialized` is DuckDB's planning hint; Spark plans its own."""
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


def _interval(node: exp.Expression) -> exp.Expression:
    """interval (n) month with a computed n: Spark takes only a literal there, so make_ym_interval(0, n)."""
    if isinstance(node, exp.Interval) and not isinstance(node.this, exp.Literal) and node.this is not None:
        unit = (node.unit.name if node.args.get("unit") else "").lower().rstrip("s")
        n = node.this.this if isinstance(node.this, exp.Paren) else node.this
        if unit == "month":
            return exp.func("make_ym_interval", exp.Literal.number(0), n.copy())
        if unit == "year":
            return exp.func("make_ym_interval", n.copy(), exp.Literal.number(0))
        if unit == "day":
            return exp.func("make_dt_interval", n.copy())
        raise PortabilityError(f"interval by {unit} with a computed count has no translation")
    return node


def _to_interval(unit: str):
    def make(a):
        return exp.func("make_ym_interval", *((a[0], exp.Literal.number(0)) if unit == "year"
                                              else (exp.Literal.number(0), a[0])))
    return make


def _printf(a):
    """printf('%.2f', x): Spark's format_string wants a double for %f (DuckDB takes a decimal)."""
    fmt = a[0]
    if not isinstance(fmt, exp.Literal):
        raise PortabilityError("printf with a computed format")
    kinds = re.findall(r"%[-+ 0#]*\d*(?:\.\d+)?([a-zA-Z%])", fmt.this)
    kinds = [k for k in kinds if k != "%"]
    args = [exp.cast(v, "double") if k in "feEgG" else v for k, v in zip(kinds, a[1:])]
    return exp.func("format_string", fmt, *args)


def _try_strptime(a):
    """try_strptime(text, format) → Spark's try_to_timestamp with the format in Java's letters."""
    from sqlglot.dialects.spark import Spark
    from sqlglot.time import format_time

    if not isinstance(a[1], exp.Literal):
        raise PortabilityError("try_strptime with a computed format")
    fmt = format_time(a[1].this, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE)
    return exp.func("try_to_timestamp", a[0], exp.Literal.string(fmt))


def _format(a):
    """DuckDB's format('…{}…', x, …) (fmt's placeholders) as a concat of the pieces and the values as text
    (NULL when any value is NULL, as in DuckDB)."""
    fmt = a[0]
    if isinstance(fmt, (exp.Concat, exp.DPipe)):            # 'a' 'b' or 'a' || 'b' across lines
        parts = fmt.expressions if isinstance(fmt, exp.Concat) else [fmt.this, fmt.expression]
        while any(isinstance(p, exp.DPipe) for p in parts):
            parts = [q for p in parts for q in ((p.this, p.expression) if isinstance(p, exp.DPipe) else (p,))]
        if all(isinstance(p, exp.Literal) for p in parts):
            fmt = exp.Literal.string("".join(p.this for p in parts))
    if not isinstance(fmt, exp.Literal) or re.search(r"\{[^}]", fmt.this):
        raise PortabilityError("format() with a computed format or a placeholder other than {}")
    pieces = fmt.this.split("{}")
    if len(pieces) - 1 != len(a) - 1:
        raise PortabilityError(f"format() with {len(pieces) - 1} placeholders and {len(a) - 1} values")
    parts: list[exp.Expression] = []
    for piece, value in zip(pieces, [*a[1:], None]):
        if piece:
            parts.append(exp.Literal.string(piece))
        if value is not None:
            parts.append(exp.cast(value, "string"))
    return exp.func("concat", *parts)


def _date_sub(a):
    """DuckDB's date_sub('year', a, b): whole years from a to b (an age), as Spark's timestampdiff."""
    if len(a) != 3 or not isinstance(a[0], exp.Literal):
        raise PortabilityError("date_sub(part, start, end) with a computed part")
    return exp.Anonymous(this="timestampdiff", expressions=[exp.var(a[0].this.upper()), a[1], a[2]])


FUNCTIONS.update({
    "count_star": lambda a: exp.Count(this=exp.Star()),
    "row": lambda a: exp.Struct(expressions=list(a)),      # DuckDB prints a tuple (a, b) as row(a, b)
    "date_sub": _date_sub,
    "to_months": _to_interval("month"),
    "to_years": _to_interval("year"),
    "printf": _printf,
    "format": _format,
    "try_strptime": _try_strptime,
})


def _regex_classes(node: exp.Expression) -> exp.Expression:
    """RE2's \\p{Han} is Java's \\p{IsHan} (the only script class the rules use)."""
    if isinstance(node, exp.Literal) and node.is_string and "\\p{Han}" in node.this:
        return exp.Literal.string(node.this.replace("\\p{Han}", "\\p{IsHan}"))
    return node


LIST_NODES = (exp.ArrayFilter, exp.Split, exp.Array, exp.Transform, exp.ArrayDistinct, exp.Flatten)


def _len(node: exp.Expression) -> exp.Expression:
    """len(list) in DuckDB is the list's size; sqlglot writes Spark's (string) length."""
    if isinstance(node, exp.Length) and isinstance(node.this, LIST_NODES):
        return exp.func("size", node.this)
    return node


DIALECT_FIXES = (_types, _len, _index, _in_list, _cte, _interval, _regex_classes, _datediff, _regexp, _functions, _distinct_string_agg)


def fix(tree: exp.Expression) -> exp.Expression:
    """Apply DIALECT_FIXES until nothing changes (a fix may put a call another fix rewrites inside a new node,
    whose children one pass does not visit again)."""
    for _ in range(5):
        before = tree.sql(dialect=READ)
        for f in DIALECT_FIXES:
            tree = tree.transform(f)
        if tree.sql(dialect=READ) == before:
            return tree
    raise PortabilityError("the dialect fixes do not settle after 5 passes")



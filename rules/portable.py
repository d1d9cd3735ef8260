"""One copy of each rule, two engines: the rule files are DuckDB SQL, and this module translates them for
Apache Spark with sqlglot (a maintained SQL transpiler, parsing DuckDB and writing Spark SQL), after three
steps sqlglot cannot take by itself:

1. **Macros are inlined.** DuckDB macros (`create macro f(a) as expr`, and table macros `as table select …`)
   have no Spark equivalent that takes untyped parameters, so every call is replaced by the macro's body with
   the arguments put in for the parameters, recursively. The definitions are read from the run's own DuckDB
   connection (duckdb_functions()), so the macros Python writes at run time (sources/names.py, the run's
   as-of date) are the ones Spark sees.
2. **Parameters become literals.** `$name` is replaced by the bound value (a date, a number, a string, a
   list of them) before translation.
3. **Functions whose meaning differs** are rewritten to what DuckDB means (`DIALECT_FIXES`): datediff by
   calendar month or year (DuckDB counts boundaries crossed, Spark's timestampdiff counts whole months),
   regexp_full_match and regexp_matches (Spark has RLIKE, a partial match) and the like.

What cannot be translated raises PortabilityError naming the file and the construct: tests/test_spark.py
translates every rule and helper file, so a rule that uses something the Spark path cannot run fails CI.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from .spark_dialect import READ, WRITE, PortabilityError, fix


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression
    is_table: bool


def _tokens(text: str):
    return sqlglot.Dialect.get_or_raise(READ).tokenize(text)


def _unwrap_lambda_parens(text: str) -> str:
    """DuckDB prints a lambda argument as `(lambda v: body)`; sqlglot reads `lambda v: body`. Drop the
    parentheses around each lambda (found by sqlglot's own tokenizer: quotes and comments respected)."""
    drop, opened = set(), []                 # the parentheses' offsets; per open one, its offset if a lambda's
    tokens = _tokens(text)
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            is_lambda = i + 1 < len(tokens) and tokens[i + 1].text.lower() == "lambda"
            opened.append(tok.start if is_lambda else None)
        elif tok.token_type == TokenType.R_PAREN and opened and (start := opened.pop()) is not None:
            drop |= {start, tok.start}
    return "".join(ch for i, ch in enumerate(text) if i not in drop) if drop else text


def parse_one(sql: str) -> exp.Expression:
    return sqlglot.parse_one(_unwrap_lambda_parens(sql), read=READ)


def macros_of(con) -> dict[str, Macro]:
    """Every macro the connection defines (not DuckDB's own), parsed."""
    found = {}
    for name, kind, params, body in con.execute(
            "select function_name, function_type, parameters, macro_definition from duckdb_functions() "
            "where function_type in ('macro', 'table_macro') and not internal").fetchall():
        try:
            tree = parse_one(body)
        except sqlglot.errors.ParseError as exc:
            raise PortabilityError(f"macro {name}: sqlglot cannot read its body ({exc})") from exc
        found[name.lower()] = Macro(name.lower(), tuple(p.lower() for p in params), tree, kind == "table_macro")
    return found


MACRO_DEF = re.compile(r"\s*create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?(.*)",
                       re.I | re.S)


def macros_in(text: str) -> dict[str, Macro]:
    """The macros a SQL file defines (its `create or replace macro` statements), parsed."""
    found = {}
    for stmt in statements(text):
        m = MACRO_DEF.match(stmt)
        if m:
            params = tuple(p.strip().lower() for p in m.group(2).split(",") if p.strip())
            try:
                body = parse_one(m.group(4))
            except sqlglot.errors.ParseError as exc:
                raise PortabilityError(f"macro {m.group(1)}: sqlglot cannot read its body ({exc})") from exc
            found[m.group(1).lower()] = Macro(m.group(1).lower(), params, body, bool(m.group(3)))
    return found


def literal(value) -> exp.Expression:
    """A Python value as a SQL literal (what a `$name` parameter is bound to)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return exp.Literal.number(value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "timestamp")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal(v) for v in value])
    raise PortabilityError(f"parameter value {value!r} of type {type(value).__name__} has no SQL literal")


def bind(tree: exp.Expression, params: dict) -> exp.Expression:
    def put(node):
        if isinstance(node, (exp.Parameter, exp.Placeholder)):
            name = (node.name or "").lower()
            if name not in params:
                raise PortabilityError(f"${name} is not bound")
            return literal(params[name])
        return node
    return tree.transform(put)


def _substitute(body: exp.Expression, params: tuple[str, ...], args: list[exp.Expression]) -> exp.Expression:
    values = dict(zip(params, args))
    lambda_vars: set[str] = set()
    for lam in body.find_all(exp.Lambda):
        lambda_vars |= {v.name.lower() for v in lam.expressions}

    def put(node):
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in values \
                and node.name.lower() not in lambda_vars:
            return exp.paren(values[node.name.lower()].copy(), copy=False)
        return node
    return body.copy().transform(put)


def inline(tree: exp.Expression, macros: dict[str, Macro], depth: int = 0) -> exp.Expression:
    """Replace every call of a macro by its body, the arguments put in for the parameters (a table macro in
    FROM or JOIN becomes a subquery under the call's alias, or its name)."""
    if depth > 30:
        raise PortabilityError("macros nest more than 30 deep (a macro calling itself?)")
    changed = False

    def call(node) -> tuple[Macro, exp.Expression] | None:
        if isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            m = macros[node.name.lower()]
            args = list(node.expressions)
            if len(args) != len(m.params):
                raise PortabilityError(f"macro {m.name} takes {len(m.params)} arguments, called with {len(args)}")
            return m, _substitute(m.body, m.params, args)
        return None

    def put_table(node):
        nonlocal changed
        if isinstance(node, exp.Table) and (found := call(node.this)):
            changed = True
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(found[0].name))
            return exp.Subquery(this=_own_ctes(found[1], found[0].name), alias=alias.copy())
        return node

    def put_scalar(node):
        nonlocal changed
        if (found := call(node)):
            changed = True
            m, body = found
            return exp.Subquery(this=body) if m.is_table else exp.paren(body, copy=False)
        return node

    out = tree.transform(put_table).transform(put_scalar)
    return inline(out, macros, depth + 1) if changed else out


def _own_ctes(body: exp.Expression, prefix: str) -> exp.Expression:
    """A table macro's CTEs renamed <macro>__<name>: Spark refuses a CTE name that the query calling the
    macro also defines (DuckDB scopes them)."""
    names = {c.alias_or_name.lower() for c in body.find_all(exp.CTE)}
    if not names:
        return body

    def put(node):
        if isinstance(node, exp.CTE) and node.alias_or_name.lower() in names:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(f"{prefix}__{node.alias_or_name}")))
        elif isinstance(node, exp.Table) and not node.args.get("db") and node.name.lower() in names:
            if not node.args.get("alias"):
                node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
            node.set("this", exp.to_identifier(f"{prefix}__{node.name}"))     # in place: keeps its joins
        return node
    return body.transform(put)


def to_spark_sql(tree: exp.Expression) -> str:
    try:
        return tree.sql(dialect=WRITE, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise PortabilityError(str(exc)) from exc


@dataclass(frozen=True)
class Step:
    """One statement of a helper file for Spark: a table (or view) `name` made by the query `sql`."""
    name: str
    sql: str


MACRO_RE = re.compile(r"\s*create\s+or\s+replace\s+macro\b", re.I)
IGNORED = re.compile(r"^\s*(set|reset|pragma)\b", re.I)


def statements(text: str) -> list[str]:
    """The statements of a SQL file, split on `;` by sqlglot's tokenizer (not inside quotes or comments); each
    from its first token, so without the comments before it."""
    out, start, end = [], None, 0
    for tok in _tokens(text):
        if tok.token_type == TokenType.SEMICOLON:
            if start is not None:
                out.append(text[start:end + 1])
            start = None
        else:
            start = tok.start if start is None else start
            end = tok.end
    if start is not None:
        out.append(text[start:end + 1])
    return out


def translate_file(text: str, macros: dict[str, Macro], where: str) -> list[Step]:
    """The Spark steps of a helper file (rules/derived.sql, places.sql, kinship.sql): each `create table`
    or `create view` as a query; macros are already in `macros`; set/reset statements do not apply."""
    steps = []
    for body in statements(text):
        if IGNORED.match(body) or MACRO_RE.match(body):
            continue
        m = re.match(r"\s*create\s+or\s+replace\s+(temp\s+|temporary\s+)?(table|view)\s+([A-Za-z_]\w*)\s+as\s+",
                     body, re.I | re.S)
        if not m:
            raise PortabilityError(f"{where}: a statement that is neither a table, a view nor a macro: "
                                   f"{body[:80]}")
        steps.append(Step(m.group(3).lower(), translate(body[m.end():], macros, {}, f"{where} {m.group(3)}")))
    return steps


def translate(sql: str, macros: dict[str, Macro], params: dict, where: str) -> str:
    """A DuckDB query as Spark SQL: macros inlined, parameters bound, meanings kept."""
    try:
        tree = parse_one(sql)
    except sqlglot.errors.ParseError as exc:
        raise PortabilityError(f"{where}: sqlglot cannot read it ({str(exc)[:300]})") from exc
    try:
        return to_spark_sql(fix(inline(bind(tree, {k.lower(): v for k, v in params.items()}), macros)))
    except PortabilityError as exc:
        raise PortabilityError(f"{where}: {exc}") from exc


def share_ctes(sql: str, prefix: str) -> tuple[list[Step], str]:
    """Spark inlines a deterministic CTE at every reference, so a rule whose CTEs read each other several times
    computes the first ones hundreds of times (R06's plan scanned the payments 446 times). The CTEs read more
    than once become steps of their own (`<prefix>__<name>`, kept by the engine like a helper table, each with
    the once-read CTEs it needs), and the query reads them. `sql` is Spark SQL (translate's result)."""
    tree = sqlglot.parse_one(sql, read=WRITE)
    defined = Counter(c.alias_or_name.lower() for c in tree.find_all(exp.CTE))
    refs = Counter(_names_read(tree))
    shared = {n for n, times in defined.items() if times == 1 and refs[n] >= 2}
    if not shared:
        return [], sql
    rename = {n: f"{prefix}__{n}".lower() for n in shared}

    def put(node):
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name.lower() in rename:
            if not node.args.get("alias"):
                node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
            node.set("this", exp.to_identifier(rename[node.name.lower()]))
        return node

    tree = tree.transform(put)
    # in post-order: a CTE after those inside its own query
    ctes = [n for n in _post_order(tree) if isinstance(n, exp.CTE)]
    once = {c.alias_or_name.lower(): c for c in ctes if c.alias_or_name.lower() not in shared}
    mine = [c for c in ctes if c.alias_or_name.lower() in shared]
    for c in mine:                                      # out of the query (and out of one another)
        _pop_cte(c)

    def needed(body) -> list[exp.CTE]:
        """The once-read CTEs outside `body` that it reads, directly or through one another, in order."""
        inside = {c.alias_or_name.lower() for c in body.find_all(exp.CTE)}
        todo, seen = list((set(_names_read(body)) & set(once)) - inside), set()
        while todo:
            if (n := todo.pop()) not in seen:
                seen.add(n)
                todo += list(set(_names_read(once[n].this)) & set(once))
        return [c.copy() for c in ctes if c.alias_or_name.lower() in seen]

    steps = []
    for c in mine:
        body = c.this.copy()
        if outer := needed(body):
            if own := body.args.get("with_"):
                own.set("expressions", outer + list(own.expressions))
            else:
                body.set("with_", exp.With(expressions=outer))
        steps.append(Step(rename[c.alias_or_name.lower()], to_spark_sql(body)))
    _drop_unread(tree)          # the once-read CTEs that went with a step
    return steps, to_spark_sql(tree)


def _drop_unread(tree: exp.Expression) -> None:
    while True:
        read = set(_names_read(tree))
        unread = [c for c in tree.find_all(exp.CTE) if c.alias_or_name.lower() not in read]
        if not unread:
            return
        for c in unread:
            _pop_cte(c)


def _names_read(node: exp.Expression) -> list[str]:
    """The unqualified table names `node` reads, once per reference, lower case."""
    return [t.name.lower() for t in node.find_all(exp.Table) if not t.args.get("db")]


def _pop_cte(cte: exp.CTE) -> None:
    parent = cte.parent
    cte.pop()
    if isinstance(parent, exp.With) and not parent.expressions:
        parent.pop()


def _post_order(node: exp.Expression):
    for child in node.iter_expressions():
        yield from _post_order(child)
    yield node

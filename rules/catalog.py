"""The rule catalogue: one .sql file per rule in this folder, its metadata in a leading YAML comment.

A rule returns the offending rows and nothing else; its SELECT list is the evidence, in the order the
workbook shows it. Parameters are DuckDB `$name` values with defaults in the header.

A rule may end with a second query after a line `-- needs_data`: the rows it could not decide because a
value it needs is missing or unreadable (待补数据). They are never cases and never silence: each names the
missing value, what it would decide, and the file, sheet and row where it is missing (NEEDS_COLUMNS).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sources.declarations import kinds, read_yaml

from .derived import HELPER_SQL  # the helper tables (and table macros) rules read besides the canonical tables

HERE = Path(__file__).parent
HEADER_RE = re.compile(r"\A\s*/\*(.*?)\*/", re.S)
PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
HEADER_FIELDS = ("id", "title", "name_zh", "severity", "rationale", "basis", "verify", "subject",
                 "case_key", "evidence", "inputs", "params")
READ_RE = re.compile(r"\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
DEFINE_RE = re.compile(r"create\s+or\s+replace\s+(?:temp\s+)?(?:table|view|macro)\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
CASE_COLUMNS = ("subject_id_number", "subject_name", "county", "township", "village", "programme",
                "period_from", "period_to", "months", "amount_yuan", "severity", "facts", "evidence")
SEVERITIES = ("high", "medium", "low")
# What a case's amount_yuan is (header `amount_kind`): money paid that should not have been (overpaid: counted,
# once per person, programme and month, in 多发/应追回金额, cases/money.py) or the value at stake (a contract, a
# year of benefits whose eligibility is to be verified: 涉及金额 only). A rule that does not say is at_stake.
AMOUNT_KINDS = ("overpaid", "at_stake")
NEEDS_MARK = re.compile(r"^--\s*needs_data\s*$", re.M)
NEEDS_COLUMNS = ("subject_id_number", "subject_name", "county", "township", "village", "missing", "decides",
                 "source_file", "sheet", "row_no")


class RuleError(Exception):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    path: Path
    header: dict = field(hash=False)
    sql: str = field(hash=False)          # the body after the header comment
    text: str = field(hash=False)         # the whole file
    needs_sql: str | None = field(default=None, hash=False)   # the 待补数据 query after `-- needs_data`, if any

    @property
    def name_zh(self) -> str:
        return self.header["name_zh"]

    @property
    def title(self) -> str:
        return self.header["title"]

    @property
    def severity(self) -> str:
        return self.header["severity"]

    @property
    def evidence(self) -> list[str]:
        return list(self.header["evidence"])

    @property
    def required_inputs(self) -> list[str]:
        """The canonical tables without whose rows the rule can find nothing (it is then 未检查)."""
        return list(self.header["inputs"].get("required") or [])

    @property
    def optional_inputs(self) -> list[str]:
        """The canonical tables the rule also reads, that only refine what it finds."""
        return list(self.header["inputs"].get("optional") or [])

    @property
    def amount_kind(self) -> str:
        return self.header.get("amount_kind", "at_stake")

    @property
    def params(self) -> dict:
        return dict(self.header.get("params") or {})

    @property
    def version(self) -> str:
        """Content hash of the rule file: a changed rule is a new version in run.json."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def bound_params(self, overrides: dict | None = None, sql: str | None = None) -> dict:
        """The parameters the SQL (the rule's query, or `sql`) uses, defaults overridden by `overrides`
        (unknown keys ignored)."""
        values = {**self.params, **{k: v for k, v in (overrides or {}).items() if k in self.params}}
        used = set(PARAM_RE.findall(self.sql if sql is None else sql))
        missing = used - values.keys()
        if missing:
            raise RuleError(f"{self.path.name}: SQL uses ${', $'.join(sorted(missing))} with no default in params")
        return {k: values[k] for k in used}


def parse_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    m = HEADER_RE.match(text)
    if not m:
        raise RuleError(f"{path.name}: no leading /* YAML */ header")
    header = read_yaml(m.group(1))
    missing = [f for f in HEADER_FIELDS if f not in header and f != "params"]
    if missing:
        raise RuleError(f"{path.name}: header lacks {', '.join(missing)}")
    if header["severity"] not in SEVERITIES:
        raise RuleError(f"{path.name}: severity must be one of {SEVERITIES}")
    if header.get("amount_kind", "at_stake") not in AMOUNT_KINDS:
        raise RuleError(f"{path.name}: amount_kind must be one of {AMOUNT_KINDS}")
    if not path.stem.startswith(header["id"] + "_"):
        raise RuleError(f"{path.name}: file name must start with the rule id {header['id']}_")
    absent = [c for c in CASE_COLUMNS if c not in header["evidence"]]
    if absent:
        raise RuleError(f"{path.name}: evidence must include the case columns {', '.join(absent)}")
    if header["evidence"].index("facts") + 1 != header["evidence"].index("evidence"):
        # facts: which facts decided the case and which were missing or assumed, read beside the evidence
        raise RuleError(f"{path.name}: facts must come just before evidence")
    body, *needs = NEEDS_MARK.split(text[m.end():], maxsplit=1)
    rule = Rule(header["id"], path, header, body.strip().rstrip(";"), text,
                needs[0].strip().rstrip(";") if needs else None)
    check_inputs(rule)
    return rule


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", re.sub(r"/\*.*?\*/", "", sql, flags=re.S))


def names_read(sql: str) -> set[str]:
    """The names a query's FROM and JOIN clauses read (comments ignored), lower case."""
    return {t.lower() for t in READ_RE.findall(_without_comments(sql))}


def names_defined(sql: str) -> set[str]:
    """The tables, views and macros a SQL file creates, lower case."""
    return {m.group(1).lower() for m in DEFINE_RE.finditer(_without_comments(sql))}


@functools.cache
def helper_reads() -> dict[str, frozenset[str]]:
    """What each helper table of rules/derived.sql, places.sql and kinship.sql reads (its FROM and JOIN names)."""
    reads: dict[str, frozenset[str]] = {}
    for name in HELPER_SQL:
        sql = _without_comments((HERE / name).read_text(encoding="utf-8"))
        starts = list(DEFINE_RE.finditer(sql))
        for m, nxt in zip(starts, [*starts[1:], None]):
            body = sql[m.end():nxt.start() if nxt else len(sql)]
            reads[m.group(1).lower()] = frozenset(t.lower() for t in READ_RE.findall(body)) - {m.group(1).lower()}
    return reads


def tables_read(sql: str) -> set[str]:
    """The canonical tables a query reads, directly or through the helper tables it reads."""
    canonical = {k.table for k in kinds()}
    seen, todo, found = set(), names_read(sql), set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        if t in canonical:
            found.add(t)
        todo |= helper_reads().get(t, frozenset())
    return found


def check_inputs(rule: Rule) -> None:
    """The header's `inputs` must name exactly the canonical tables the SQL reads (directly or through a
    helper table): required ones, without which the rule finds nothing, and optional ones."""
    inputs = rule.header["inputs"]
    if not isinstance(inputs, dict) or set(inputs) - {"required", "optional"} or not inputs.get("required"):
        raise RuleError(f"{rule.path.name}: inputs must be {{required: [tables], optional: [tables]}} with at least "
                        f"one required table")
    declared = rule.required_inputs + rule.optional_inputs
    canonical = {k.table for k in kinds()}
    unknown = [t for t in declared if t not in canonical]
    if unknown:
        raise RuleError(f"{rule.path.name}: inputs names {', '.join(unknown)}, not canonical tables "
                        f"({', '.join(sorted(canonical))})")
    if len(declared) != len(set(declared)):
        raise RuleError(f"{rule.path.name}: inputs lists a table twice")
    read = tables_read(rule.sql + "\n" + (rule.needs_sql or ""))
    unread = [t for t in declared if t not in read]
    if unread:
        raise RuleError(f"{rule.path.name}: inputs declares {', '.join(unread)}, which its SQL does not read")
    undeclared = sorted(read - set(declared))
    if undeclared:
        raise RuleError(f"{rule.path.name}: its SQL reads {', '.join(undeclared)}, which inputs does not declare")


def catalog() -> list[Rule]:
    rules = [parse_rule(p) for p in sorted(HERE.glob("R*.sql"))]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RuleError(f"duplicate rule ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    return rules


def select_rules(ids: list[str] | None) -> list[Rule]:
    rules = catalog()
    if not ids:
        return rules
    known = {r.id for r in rules}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise RuleError(f"unknown rule id(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [r for r in rules if r.id in ids]


def case_id_sql(rule: Rule) -> str:
    """A stable case id: the rule id and a hash of what makes the case distinct (its case_key)."""
    parts = " || '|' || ".join(f"coalesce(cast({c} as varchar), '')" for c in rule.header["case_key"])
    return f"'{rule.id}-' || substr(md5({parts}), 1, 10)"


class DuckDBEngine:
    """The embedded default: a rule's query becomes a table on the run's own connection (rules/spark.py is
    the other engine; each materialises a DuckDB query as a DuckDB table)."""

    name = "duckdb"

    def derive(self, con) -> None:
        from .derived import derive

        derive(con)

    def materialise(self, con, name: str, sql: str, params: dict, where: str) -> None:
        con.execute(f"create or replace table {name} as {sql}", params)

    def reader(self):
        """How load_inbox reads the workbooks: None, a pool of reader processes (sources/read_worker.py)."""
        return None

    def after_rules(self, con) -> None:
        """What the steps after the rules read that the engine holds (nothing: it is all on `con`)."""

    def stop(self) -> None:
        pass


DUCKDB = DuckDBEngine()


def run_rule(con, rule: Rule, overrides: dict | None = None, engine=DUCKDB) -> int:
    """Materialise the rule's cases as table case_<id> (case_id first, then the evidence columns). A case
    whose subject's ID number goes by two names that are not one person's (table identity_conflicts) is
    held back into held_<id>: no rule accuses anyone under a conflicting identity (domain.md §8.1); it
    becomes 待补数据 (run_needs), and R15 (header `identity: own`) lists the conflict itself."""
    engine.materialise(con, f"case_{rule.id}", f"select {case_id_sql(rule)} as case_id, * from (\n{rule.sql}\n)",
                       rule.bound_params(overrides), rule.path.name)
    cols = [r[0] for r in con.execute(f"describe case_{rule.id}").fetchall()][1:]
    if cols != rule.evidence:
        raise RuleError(f"{rule.path.name}: query returns {cols}, header evidence lists {rule.evidence}")
    con.execute(f"create or replace table held_{rule.id} as select * from case_{rule.id} "
                f"where subject_id_number in (select id_number from identity_conflicts)"
                + (" and false" if rule.header.get("identity") == "own" else ""))
    con.execute(f"delete from case_{rule.id} where case_id in (select case_id from held_{rule.id})")
    return con.execute(f"select count(*) from case_{rule.id}").fetchone()[0]


HELD_SQL = """
select h.subject_id_number, h.subject_name, h.county, h.township, h.village,
       '身份核实（同一身份证号姓名不一致：' || c.names || '）' as missing,
       '本条线索是否成立（' || $rule_name || '：' || h.evidence || '）' as decides,
       c.loc['f'] as source_file, c.loc['s'] as sheet, c.loc['r'] as row_no
from held_{id} h join identity_conflicts c on c.id_number = h.subject_id_number
"""


def run_needs(con, rule: Rule, overrides: dict | None = None, engine=DUCKDB) -> int:
    """Materialise the rule's 待补数据 as table needs_<id> (NEEDS_COLUMNS): its needs_data query's rows, and
    the cases run_rule held back for an identity conflict."""
    held = HELD_SQL.format(id=rule.id)
    if rule.needs_sql:
        engine.materialise(con, f"needs_{rule.id}", rule.needs_sql, rule.bound_params(overrides, rule.needs_sql),
                           f"{rule.path.name} (needs_data)")
        cols = [r[0] for r in con.execute(f"describe needs_{rule.id}").fetchall()]
        if tuple(cols) != NEEDS_COLUMNS:
            raise RuleError(f"{rule.path.name}: its needs_data query returns {cols}, expected {list(NEEDS_COLUMNS)}")
        con.execute(f"insert into needs_{rule.id} {held}", {"rule_name": rule.name_zh})
    else:
        con.execute(f"create or replace table needs_{rule.id} as {held}", {"rule_name": rule.name_zh})
    return con.execute(f"select count(*) from needs_{rule.id}").fetchone()[0]


CASES_DDL = """
create or replace table cases (
    case_id varchar, rule_id varchar, rule_name varchar, severity varchar,
    subject_id_number varchar, subject_name varchar, county varchar, township varchar, village varchar,
    programme varchar, period_from date, period_to date, months integer, amount_yuan decimal(14, 2),
    evidence varchar, details json)
"""
NEEDS_DDL = """
create or replace table needs_data (
    rule_id varchar, rule_name varchar, subject_id_number varchar, subject_name varchar, county varchar,
    township varchar, village varchar, missing varchar, decides varchar, source_file varchar, sheet varchar,
    row_no integer)
"""


@dataclass(frozen=True)
class Scope:
    """What an analyst's run covers: counties and townships (codes or names) and a range of entitlement
    months. Rules always run over all the data (a death in one county stops payments in another); the
    scope only decides which cases a run lists. Empty means everything."""

    counties: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    month_from: dt.date | None = None
    month_to: dt.date | None = None

    @property
    def whole(self) -> bool:
        return not (self.counties or self.townships or self.month_from or self.month_to)

    def predicate(self, county: str = "county", township: str = "township", period_from: str = "period_from",
                  period_to: str = "period_to") -> tuple[str, dict]:
        """SQL over the named columns that is true inside the scope, and its bound parameters. Strings from
        the UI or the command line reach SQL only as parameters."""
        parts, params = [], {}
        if self.counties:
            params["scope_counties"] = list(self.counties)
            parts.append(f"{county} in (select name from place_alias where level = 'county' and "
                         f"(alias in (select unnest($scope_counties)) or name in (select unnest($scope_counties))))")
        if self.townships:
            params["scope_townships"] = list(self.townships)
            parts.append(f"{township} in (select name from place_alias where level = 'township' and "
                         f"(alias in (select unnest($scope_townships)) or name in (select unnest($scope_townships))))")
        if self.month_from:
            params["scope_from"] = self.month_from
            parts.append(f"{period_to} >= $scope_from")
        if self.month_to:
            params["scope_to"] = self.month_to
            parts.append(f"{period_from} <= $scope_to")
        return (" and ".join(parts) or "true"), params


def run_rules(con, rules: list[Rule], overrides: dict | None = None, scope: Scope | None = None,
              engine=DUCKDB) -> dict[str, int]:
    """Run the rules and gather their cases into `cases` (those inside `scope`), and what they could not
    decide into `needs_data` (待补数据, those inside the scope's places); returns the number of cases per rule."""
    con.execute(CASES_DDL)
    con.execute(NEEDS_DDL)
    counts = {}
    for rule in rules:
        counts[rule.id] = run_rule(con, rule, overrides, engine)
        if scope and not scope.whole:
            where, params = scope.predicate()
            con.execute(f"delete from case_{rule.id} where not coalesce({where}, false)", params)
            counts[rule.id] = con.execute(f"select count(*) from case_{rule.id}").fetchone()[0]
        con.execute(f"""
            insert into cases
            select case_id, $rule_id, $rule_name, severity, subject_id_number, subject_name,
                   county, township, village, programme, period_from, period_to, months, amount_yuan,
                   evidence, to_json(c) from case_{rule.id} c
        """, {"rule_id": rule.id, "rule_name": rule.name_zh})
        if run_needs(con, rule, overrides, engine):
            where, params = (Scope(counties=scope.counties, townships=scope.townships).predicate()
                             if scope else ("true", {}))
            con.execute(f"insert into needs_data select $rule_id, $rule_name, * from needs_{rule.id} "
                        f"where coalesce({where}, true)", {"rule_id": rule.id, "rule_name": rule.name_zh, **params})
    return counts

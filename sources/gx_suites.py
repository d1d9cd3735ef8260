"""The expectations declared as data (sources/expectations.yaml: one suite per canonical table) as Check
objects, with the run's as-of date substituted and every declaration checked: a supported expectation,
a Chinese description, exactly one action, and a reason code that exists."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .declarations import read_yaml
from .reasons import REASONS

HERE = Path(__file__).parent
LINEAGE = ("file_id", "sheet", "row_no")
ACTIONS = ("blocking", "quarantine", "warn")
SUPPORTED = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
)
# ------------------------------------------------------------------------------------------ the catalogue

@dataclass(frozen=True)
class Check:
    """One declared expectation of a table's suite, with its placeholders substituted."""
    table: str
    index: int
    expectation: str
    kwargs: dict = field(hash=False)
    description_zh: str
    action: str                 # blocking | quarantine | warn
    reason: str | None = None   # the reason code of a quarantine expectation

    @property
    def columns(self) -> list[str]:
        return [self.kwargs["column"]] if "column" in self.kwargs else list(self.kwargs.get("column_list", []))

    @property
    def label(self) -> str:
        return f"{self.expectation}({', '.join(self.columns)})"


@functools.cache
def catalogue() -> dict:
    """sources/expectations.yaml as read (placeholders not substituted)."""
    return read_yaml((HERE / "expectations.yaml").read_text(encoding="utf-8"))


def reason_texts() -> dict[str, str]:
    """The reason codes introduced by expectations.yaml, with their Chinese texts."""
    return dict(catalogue().get("reasons") or {})


def suites(as_of: dt.date) -> dict[str, list[Check]]:
    """Table → its checks, `every_table` first, with {as_of} and {as_of_month} substituted."""
    cat = catalogue()
    values = {"as_of": as_of.isoformat(), "as_of_month": as_of.replace(day=1).isoformat()}
    known_reasons = set(REASONS) | set(reason_texts())
    out = {}
    for table, entries in cat["suites"].items():
        checks = []
        for i, e in enumerate([*(cat.get("every_table") or []), *entries]):
            where = f"expectations.yaml: {table}[{i}]"
            unknown = set(e) - {"expectation", "kwargs", "description_zh", *ACTIONS}
            actions = [a for a in ACTIONS if e.get(a)]
            if unknown or len(actions) != 1 or not e.get("description_zh") or e.get("expectation") not in SUPPORTED:
                raise ValueError(f"{where}: needs a supported `expectation`, `kwargs`, `description_zh` and exactly "
                                 f"one of {ACTIONS} (unknown keys: {sorted(unknown)}; actions: {actions})")
            reason = e["quarantine"] if actions[0] == "quarantine" else None
            if reason is not None and reason not in known_reasons:
                raise ValueError(f"{where}: reason code {reason} is neither in `reasons` nor in stage.REASONS")
            checks.append(Check(table=table, index=i, expectation=e["expectation"],
                                kwargs=_substitute(dict(e.get("kwargs") or {}), values, where),
                                description_zh=_substitute(e["description_zh"], values, where),
                                action=actions[0], reason=reason))
        out[table] = checks
    return out


def _substitute(value, values: dict, where: str):
    """Placeholders in strings (nested lists and dicts too); YAML dates become 'YYYY-MM-DD'."""
    if isinstance(value, dict):
        return {k: _substitute(v, values, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values, where) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        for name, v in values.items():
            value = value.replace("{" + name + "}", v)
        if m := re.search(r"\{[A-Za-z_]+\}", value):
            raise ValueError(f"{where}: unknown placeholder {m.group(0)}")
    return value


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unexpected_rows_sql(check: Check) -> tuple[str, list]:
    """SELECT file_id, sheet, row_no of every row `check` fails, with GX's semantics (NULLs fail only
    not_be_null; unique and compound unique flag every row of a duplicated non-null value; a compound key
    with a NULL part is never flagged). `mostly` is ignored: every unexpected row is selected."""
    e, kw, t = check.expectation, check.kwargs, _q(check.table)
    keys = ", ".join(f"t.{c}" for c in LINEAGE)
    c = _q(kw["column"]) if "column" in kw else None
    if e == "expect_column_values_to_not_be_null":
        return f"select {keys} from {t} t where t.{c} is null", []
    if e in ("expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"):
        neg = "not " if e == "expect_column_values_to_match_regex" else ""
        return f"select {keys} from {t} t where t.{c} is not null and {neg}regexp_matches(t.{c}, ?)", [kw["regex"]]
    if e == "expect_column_values_to_be_between":
        conds, params = [], []
        if kw.get("min_value") is not None:
            conds.append(f"t.{c} {'>' if kw.get('strict_min') else '>='} ?")
            params.append(kw["min_value"])
        if kw.get("max_value") is not None:
            conds.append(f"t.{c} {'<' if kw.get('strict_max') else '<='} ?")
            params.append(kw["max_value"])
        return f"select {keys} from {t} t where t.{c} is not null and not ({' and '.join(conds) or 'true'})", params
    if e in ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"):
        vs = list(kw["value_set"])
        member = f"t.{c} in ({', '.join('?' * len(vs))})" if vs else "false"
        cond = f"not ({member})" if e == "expect_column_values_to_be_in_set" else member
        return f"select {keys} from {t} t where t.{c} is not null and {cond}", vs
    if e == "expect_column_values_to_be_unique":
        return (f"select {keys} from {t} t join (select {c} from {t} where {c} is not null group by {c} "
                f"having count(*) > 1) d on t.{c} = d.{c}"), []
    if e == "expect_compound_columns_to_be_unique":
        cols = [_q(x) for x in kw["column_list"]]
        group = ", ".join(cols)
        all_null = " and ".join(f"{x} is null" for x in cols)
        on = " and ".join(f"t.{x} = d.{x}" for x in cols)
        return (f"select {keys} from {t} t join (select {group} from {t} where not ({all_null}) group by {group} "
                f"having count(*) > 1) d on {on}"), []
    raise NotImplementedError(f"no SQL for the failing rows of {e}")

"""What the run's data covers, and where a rule could not be checked (未检查).

A rule's header names the canonical tables it needs (`inputs.required`, checked against its SQL by
rules/catalog.py). For every county present in the data, a rule is 未检查 there when a required table has
no rows for that county (a table without a county column is judged city-wide), or, when the run has a
month range, no rows in those months (tables with a month column, such as payments). A rule whose header
names an `unchecked` table (subjects it could not check although the county has its inputs, such as R13's
payees where no register extract reaches) is partly checked in every county with rows there. A rule that
was not checked is never reported as "0 条线索".
"""

from __future__ import annotations

from sources.declarations import Kind, kinds

from .catalog import Rule, Scope

CITY = "全市"          # the one "county" of a run whose data names no county


def _kind_of_table() -> dict[str, Kind]:
    return {k.table: k for k in kinds()}


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(f"describe {table}").fetchall()}


def _month_column(k: Kind, present: set[str]) -> str | None:
    return next((c.name for c in k.columns.values() if c.type == "month" and c.name in present), None)


def _date_column(k: Kind, present: set[str]) -> str | None:
    """The kind's main date: its first declared date column (a death date, a filing date, a contract's)."""
    return next((c.name for c in k.columns.values() if c.type == "date" and c.name in present), None)


def input_coverage(con) -> list[dict]:
    """Per kind, county and township: rows, and the months (first, last, how many) for kinds with a month
    column, else the range of the main date. A kind without rows is listed with 0 rows."""
    out = []
    for table, k in _kind_of_table().items():
        cols = _columns(con, table)
        county = "county" if "county" in cols else "NULL::varchar"
        township = "township" if "township" in cols else "NULL::varchar"
        month, day = _month_column(k, cols), _date_column(k, cols)
        span = (f"min({month}), max({month}), count(distinct {month}), NULL::date, NULL::date" if month else
                f"NULL::date, NULL::date, NULL::bigint, min({day}), max({day})" if day else
                "NULL::date, NULL::date, NULL::bigint, NULL::date, NULL::date")
        rows = con.execute(f"select {county}, {township}, {span}, count(*) from {table} group by all "
                           f"order by 1 nulls last, 2 nulls last").fetchall()
        base = {"kind": k.kind, "kind_zh": k.name_zh, "table": table, "month_column": month,
                "date_column": None if month else day, "has_county": "county" in cols, "has_township": "township" in cols}
        if not rows:
            out.append(dict(base, county=None, township=None, first_month=None, last_month=None, months=None,
                            first_date=None, last_date=None, rows=0))
        for c, t, m0, m1, nm, d0, d1, n in rows:
            out.append(dict(base, county=c, township=t, first_month=m0, last_month=m1, months=nm,
                            first_date=d0, last_date=d1, rows=n))
    return out


def counties(con, scope: Scope | None = None) -> list[str]:
    """The counties present in the run's data (every canonical table with a county column), limited to the
    run's counties when it has some; [全市] when the data names none."""
    parts = [f"select county from {t} where county is not null" for t in _kind_of_table() if "county" in _columns(con, t)]
    where, params = Scope(counties=scope.counties).predicate(county="county") if scope else ("true", {})
    found = [r[0] for r in con.execute(f"select distinct county from ({' union '.join(parts)}) where {where} "
                                       f"order by 1", params).fetchall()]
    return found or [CITY]


def _present(con, table: str, k: Kind, scope: Scope | None) -> tuple[set[str] | None, int]:
    """The counties where `table` has rows (in the run's months, for a table with a month column): a set, or
    None for a table without a county column that has rows (it serves every county); and how many rows
    have no county."""
    cols = _columns(con, table)
    month = _month_column(k, cols)
    conds, params = ["true"], {}
    if month and scope and scope.month_from:
        conds.append(f"{month} >= $month_from")
        params["month_from"] = scope.month_from
    if month and scope and scope.month_to:
        conds.append(f"{month} <= $month_to")
        params["month_to"] = scope.month_to
    where = " and ".join(conds)
    if "county" not in cols:
        n = con.execute(f"select count(*) from {table} where {where}", params).fetchone()[0]
        return (None if n else set()), 0
    rows = con.execute(f"select county, count(*) from {table} where {where} group by all", params).fetchall()
    return {c for c, _ in rows if c is not None}, sum(n for c, n in rows if c is None)


def _period(scope: Scope | None) -> str:
    if not scope or not (scope.month_from or scope.month_to):
        return ""
    a = scope.month_from.strftime("%Y-%m") if scope.month_from else "最早"
    b = scope.month_to.strftime("%Y-%m") if scope.month_to else "最新"
    return f"{a} 至 {b} 的"


def rule_checks(con, rules: list[Rule], scope: Scope | None = None) -> list[dict]:
    """For each rule: its cases per county, and every county where it could not be checked, with the
    missing tables and a reason in Chinese. `cases` must hold this run's cases."""
    kind_of = _kind_of_table()
    places = counties(con, scope)
    present = {}
    for t in {t for r in rules for t in r.required_inputs}:
        present[t] = _present(con, t, kind_of[t], scope)
    per_county = {(r, c): n for r, c, n in con.execute(
        "select rule_id, coalesce(county, ''), count(*) from cases group by all").fetchall()}
    partial = {r.id: _unchecked_rows(con, r) for r in rules if r.header.get("unchecked")}
    out = []
    for rule in rules:
        entries = []
        for county in places:
            missing = []
            for t in rule.required_inputs:
                where, unplaced = present[t]
                if where is None or county in where or (county == CITY and unplaced):
                    continue        # (a run whose data names no county judges every table city-wide)
                k, cols = kind_of[t], _columns(con, t)
                what = f"{_period(scope) if _month_column(k, cols) else ''}{k.name_zh}"
                missing.append({"table": t, "kind": k.kind, "kind_zh": k.name_zh, "city_wide": "county" not in cols,
                                "text": what + (f"（另有 {unplaced} 行未能确定所属县）" if unplaced else "")})
            entry = {"county": county, "checked": not missing,
                     "cases": per_county.get((rule.id, "" if county == CITY else county), 0)}
            if missing:
                entry["missing"] = missing
                entry["reason"] = "缺少 " + "、".join(m["text"] for m in missing)
            elif (n := partial.get(rule.id, {}).get(county)):
                entry["unchecked_rows"] = n
                entry["reason"] = f"{n} {rule.header['unchecked']['text']}"
            entries.append(entry)
        unchecked = [e for e in entries if not e["checked"]]
        partly = [e for e in entries if e.get("unchecked_rows")]
        status = "unchecked" if len(unchecked) == len(entries) else "partly" if unchecked or partly else "checked"
        out.append({"rule": rule.id, "name_zh": rule.name_zh, "status": status,
                    "cases": sum(n for (r, _), n in per_county.items() if r == rule.id), "counties": entries,
                    "unchecked": "；".join(f"{e['county']}：{e['reason']}" for e in unchecked + partly) or None})
    return out


def _unchecked_rows(con, rule: Rule) -> dict[str, int]:
    """Per county, the subjects a rule could not check although the county has its inputs: the rows of the
    table its header names (`unchecked: {table: …, text: …}`, e.g. R13's payees living where no register
    extract reaches). A table without a county column counts for the whole city."""
    table = rule.header["unchecked"]["table"]
    county = "coalesce(county, '')" if "county" in _columns(con, table) else "''"
    return {c or CITY: n for c, n in con.execute(f"select {county}, count(*) from {table} group by all").fetchall()}


STATUS_ZH = {"checked": "已检查", "partly": "部分未检查", "unchecked": "未检查"}

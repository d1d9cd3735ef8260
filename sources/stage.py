"""Staging: the mechanical rename-and-cast of raw_<kind> into stg_<kind>, generated from the kind
declarations; then the canonical tables (sources/canonical.sql) from the rows that parsed.

A row whose required value cannot be used gets a reason code (the first failing column in declaration
order) and goes to the quarantine instead of the canonical table. Optional values that fail to parse
are loaded as NULL and listed in the row's `warnings`.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import values
from .declarations import Column, Kind, kinds
from .reasons import REASONS, WARNINGS  # noqa: F401  (REASONS: staged reason codes, read from here by others)
from .reference import REGISTER_PREFIX_SQL, create_reference_tables

HERE = Path(__file__).parent

def _t(c: str) -> str:
    return f"{c}__t"


# The SQL type of each column type's value, for a column that no loaded sheet of the kind provides: it is
# staged as a typed NULL instead of being parsed row by row (a kind without rows costs a few milliseconds).
VALUE_TYPES = {"month": "date", "date": "date", "amount": "decimal(14, 2)", "integer": "integer"}


def present_columns(con, k: Kind) -> tuple[set[str], set[str]]:
    """The columns of kind k that some loaded sheet maps to a cell, and the hint keys some sheet gives."""
    columns, hints = set(), set()
    for mapping, sheet_hints in con.execute(
            "select mapping, hints from source_sheets where kind = ? and status = 'loaded'", [k.kind]).fetchall():
        columns |= set(json.loads(mapping or "{}"))
        hints |= {key for key, value in json.loads(sheet_hints or "{}").items() if value}
    return columns, hints


def _recoverable(k: Kind, c: Column) -> bool:
    """A damaged required ID can be recovered against the household register (not the register itself)."""
    return c.type == "id" and c.required and "name" in k.columns and k.kind != "persons"


def _hint_keys(k: Kind) -> list[str]:
    return sorted({c.hint_key for c in k.columns.values() if c.hint_key})


def map_sql(k: Kind) -> str:
    """One row per sheet of kind k: the 1-based cell position of each canonical column (NULL when the
    sheet lacks it) and the sheet's hints, extracted once per sheet rather than once per row."""
    cols = [f"json_extract(s.mapping, '$.{c}')::integer + 1 as {c}" for c in k.columns]
    cols += [f"qf_text(json_extract_string(s.hints, '$.{h}')) as hint_{h}" for h in _hint_keys(k)]
    return f"""
create or replace temp table map_{k.kind} as
select s.file_id, s.sheet, s.variant, s.delimiter, f.file_name, {', '.join(cols)}
from source_sheets s join source_files f using (file_id)
where s.kind = '{k.kind}' and s.status = 'loaded'
"""


def _raw_rows(k: Kind) -> str:
    """raw_<kind> with each row's cells (a CSV line stored as such is split again, once per row)."""
    return (f"(select x.file_id, x.sheet, x.row_no, x.lossy, x.padded, qf_cells(x.cells, x.line, d.delimiter) as cells "
            f"from {k.raw_table} x join map_{k.kind} d using (file_id, sheet))")


def _text(c: Column, cols: set[str], hints: set[str], padded: bool = True) -> str:
    """A column's cleaned text: its cell, else the sheet's hint (cleaned in map_<kind>) where the cell is
    empty or blank; a typed NULL when no sheet has either. `padded`: for rows where a cell may start or
    end with whitespace; the others (most) only map an empty cell to NULL."""
    cell = f"r.cells[m.{c.name}]"
    clean = f"qf_id_text({cell})" if c.type == "id" else f"qf_text({cell})" if padded else f"nullif({cell}, '')"
    text = [clean] if c.name in cols else []
    if c.hint_key in hints:
        text.append(f"m.hint_{c.hint_key}")
    return "coalesce(" + ", ".join(text) + ")" if len(text) > 1 else text[0] if text else "NULL::varchar"


def _given(k: Kind, present: tuple[set[str], set[str]] | None) -> tuple[set[str], set[str], set[str]]:
    """(mapped columns, hint keys, columns with text from either); everything when `present` is None."""
    mapped, hints = present if present is not None else (set(k.columns), {c.hint_key for c in k.columns.values() if c.hint_key})
    return mapped, hints, mapped | {c.name for c in k.columns.values() if c.hint_key in hints}


def _layer1(k: Kind, cols: set[str], hints: set[str], padded: bool) -> list[str]:
    """Cleaned text per column (the sheet's hint where the cell is empty), and lossiness."""
    out = ["r.file_id", "r.sheet", "r.row_no", "m.file_name as source_file", "m.variant"]
    for c in k.columns.values():
        out.append(f"{_text(c, cols, hints, padded)} as {_t(c.name)}")
        if c.type == "id":   # the same regex as in qf_id_text of this cell: evaluated once for both
            out.append(f"qf_id_clean(r.cells[m.{c.name}]) as {c.name}__clean" if c.name in cols
                       else f"false as {c.name}__clean")
        if c.type in ("id", "account"):
            out.append(f"coalesce(list_contains(r.lossy, m.{c.name} - 1), false) as {c.name}__lossy"
                       if c.name in cols else f"false as {c.name}__lossy")
    return out


def _layer2(k: Kind, given: set[str]) -> list[str]:
    """ID candidates and their check, normalised names, accounts, half-width text for the parsers.
    `given`: the columns with text (a cell or a hint) in some sheet; the others are typed NULLs."""
    out = ["l1.*"]
    for c in k.columns.values():
        t = _t(c.name)
        if c.name not in given:
            out += {"id": [f"NULL::varchar as {c.name}__v"] + ([f"NULL::varchar as {c.name}__p14"] if _recoverable(k, c) else []),
                    "name": [f"NULL::varchar as {c.name}__n"], "account": [f"NULL::varchar as {c.name}__v"],
                    }.get(c.type, [f"NULL::varchar as {c.name}__h"] if c.type in VALUE_TYPES else [])
            continue
        if c.type == "id":
            out.append(f"qf_id18_of({t}, {c.name}__clean) as {c.name}__v")
            if _recoverable(k, c):
                # digits 1–14 (address + birth date) survive Excel's 15 significant digits (domain.md §1.5)
                out.append(f"case when {c.name}__lossy or {t} like '%.0' or ({t} like '%000' and "
                           f"regexp_full_match({t}, '[0-9]{{18}}')) then substr({t}, 1, 14) end as {c.name}__p14")
        elif c.type == "name":
            out.append(f"qf_name({t}) as {c.name}__n")
        elif c.type in ("month", "date", "amount", "integer"):
            # a column of its own, so the parsing macros below expand over a column reference
            out.append(f"qf_narrow({t}) as {c.name}__h")
        elif c.type == "account":
            out.append(f"case when {c.name}__lossy then null else qf_account({t}) end as {c.name}__v")
    return out


def _layer3(k: Kind, given: set[str]) -> tuple[list[str], str]:
    """Months, dates and amounts; why each ID cannot be used (once per row), the register's recovery,
    the programme; and the joins that look them up."""
    out, joins = ["l2.*"], ""
    parse = {"month": "qf_month_raw({h}) as {n}__d", "date": "qf_date_raw({h}) as {n}__d",
             "amount": "qf_amount({h}) as {n}__v", "integer": "qf_integer({h}) as {n}__v"}
    for c in k.columns.values():
        if c.name not in given:
            suffix = "d" if c.type in ("month", "date") else "v"
            out += {"id": [f"NULL::boolean as {c.name}__ok", f"NULL::boolean as {c.name}__div"]
                           + ([f"NULL::varchar as {c.name}__rec"] if _recoverable(k, c) else []),
                    "month": [f"NULL::date as {c.name}__d", f"NULL::struct(first date, n integer) as {c.name}__span",
                              f"false as {c.name}__amb"],
                    "programme": [f"NULL::varchar as {c.name}__v", f"NULL::varchar as {c.name}__sub"],
                    }.get(c.type, [f"NULL::{VALUE_TYPES[c.type]} as {c.name}__{suffix}"] if c.type in VALUE_TYPES else [])
            continue
        if c.type in parse:
            out.append(parse[c.type].format(h=f"{c.name}__h", n=c.name))
        if c.type == "month":   # several months (2020年1-3月), tried only where one month was not found
            out.append(f"case when {c.name}__d is null then qf_month_span({c.name}__h) end as {c.name}__span")
            out.append(f"{values.ambiguous_sql(c.name)} as {c.name}__amb")
        if c.type == "id":
            out.append(f"qf_id_check_ok({c.name}__v) as {c.name}__ok")
            out.append(f"dv_{c.name}.code is not null as {c.name}__div")
            joins += f"\n    left join id_divisions dv_{c.name} on dv_{c.name}.code = substr(l2.{c.name}__v, 1, 6)"
            if _recoverable(k, c):
                out.append(f"rp.id_number as {c.name}__rec")
                joins += (f"\n    left join register_prefix rp on rp.prefix14 = l2.{c.name}__p14 "
                          f"and rp.name_norm = l2.name__n")
        elif c.type == "programme":
            out.append(f"pm.programme as {c.name}__v, pm.sub_type as {c.name}__sub")
            joins += f"\n    left join programme_map pm on pm.text = l2.{_t(c.name)}"
    return out, joins


def _month_only(c: Column, given: set[str]) -> str:
    """A date column's value when the text gives only a year and month (2020.03, 2020年3月, 202003): the
    first day of that month, tried only where no whole date was read. 2020.1 is not one (it may be 2020.10
    stored as a number). Rules compare such a date by month (warning DATE_MONTH_ONLY)."""
    if c.name not in given:
        return f"NULL::date as {c.name}__m"
    return (f"case when qf_plausible({c.name}__d) is null and {c.name}__h is not null and not {values.ambiguous_sql(c.name)} "
            f"then qf_plausible(qf_month_raw({c.name}__h)) end as {c.name}__m")


def _fixed(c: Column) -> str:
    return f"({c.name}__problem = 'ID_PRECISION_LOST' and {c.name}__rec is not null)"


def _value(c: Column, k: Kind | None = None) -> str:
    """The typed value of a column in the last layer."""
    t = _t(c.name)
    if c.type == "id":
        if k is not None and _recoverable(k, c):
            return f"case when {c.name}__problem is null then {c.name}__v when {_fixed(c)} then {c.name}__rec end"
        return f"case when {c.name}__problem is null then {c.name}__v end"
    if c.type == "month":
        v = f"coalesce(qf_plausible({c.name}__d), qf_plausible({c.name}__span.first))"
        if c.else_month_of:
            v = f"coalesce({v}, date_trunc('month', qf_plausible({c.else_month_of}__d))::date)"
        return v
    if c.type == "date":
        return f"coalesce(qf_plausible({c.name}__d), {c.name}__m)"
    if c.type in ("amount", "integer", "account"):
        return f"{c.name}__v"
    if c.type == "programme":
        return f"coalesce({c.name}__v, {t})"
    if c.type == "name":
        return f"{c.name}__n"   # what people read: 张　三 → 张三, 买买提•艾力 → 买买提·艾力 (the raw text stays in raw_*)
    return t


def _problem(c: Column, k: Kind) -> str | None:
    """SQL giving the reason code when a required column has no usable value, else NULL. It reads the
    typed value as column <name>__val of the layer before."""
    t, v = _t(c.name), f"{c.name}__val"
    if not c.required:
        return None
    if c.type == "id":
        if _recoverable(k, c):
            return f"case when {_fixed(c)} then null else {c.name}__problem end"
        return f"{c.name}__problem"
    if c.type == "name":
        return f"case when {t} is null then 'MISSING_NAME' end"
    if c.type == "month":
        return f"case when {v} is null then case when {t} is null then 'MISSING_MONTH' else 'BAD_MONTH' end end"
    if c.type == "amount":
        return f"case when {v} is null then case when {t} is null then 'MISSING_AMOUNT' else 'BAD_AMOUNT' end end"
    if c.type == "date":
        return f"case when {v} is null then case when {t} is null then 'MISSING_DATE' else 'BAD_DATE' end end"
    if c.type == "programme":
        return f"case when {t} is null then 'MISSING_PROGRAMME' end"
    return f"case when {v} is null then 'MISSING_VALUE' end"


def _warning(c: Column) -> str | None:
    """'CODE:column' when an optional value was given but could not be used."""
    if c.required or c.type not in WARNINGS:
        return None
    return f"case when {_t(c.name)} is not null and {c.name}__val is null then '{WARNINGS[c.type]}:{c.name}' end"


def _month_warnings(c: Column) -> list[str]:
    """A month column's warnings: the month taken from a date column although the cell had text, and a
    month that may be January or October (decided later from its sheet, sources/values.py)."""
    read = f"coalesce(qf_plausible({c.name}__d), qf_plausible({c.name}__span.first))"
    out = [f"case when {c.name}__amb and {c.name}__val is not null then 'AMBIGUOUS_MONTH:{c.name}' end"]
    if c.else_month_of:
        out.append(f"case when {_t(c.name)} is not null and {read} is null and {c.name}__val is not null "
                   f"then 'MONTH_FROM_DATE:{c.name}' end")
    return out


def _remark_spans(k: Kind) -> dict[str, list[str]]:
    """Month column → the text columns that may name the months a row covers (补发7-9月, 按季)."""
    spec = values.month_spans(k.kind) or {}
    return {spec["month"]: list(spec.get("in_text", []))} if spec else {}


def stage_sql(k: Kind, present: tuple[set[str], set[str]] | None = None) -> str:
    """CREATE statement for stg_<kind>: lineage, typed columns, name_norm, reason, reason_column, warnings.
    Layers: l1 cleaned text, l2 ID candidates and half-width text, l3 parsed values and lookups, l4 why an
    ID cannot be used; then the typed values and the reasons. Each layer refers to the one before by column,
    so the parsing macros expand over column references, not over each other (compile time stays small)."""
    cols = list(k.columns.values())
    mapped, hints, given = _given(k, present)
    l3_cols, joins = _layer3(k, given)
    l4_cols = ["l3.*"] + [f"coalesce(qf_id_problem({_t(c.name)}, {c.name}__v, {c.name}__lossy, {c.name}__ok), "
                          f"case when not {c.name}__div then 'ID_BAD_DIVISION' end) as {c.name}__problem"
                          for c in cols if c.type == "id"]
    l4_cols += [_month_only(c, given) for c in cols if c.type == "date"]
    l1_plain, l1, l2, l3, l4 = (",\n        ".join(x) for x in (
        _layer1(k, mapped, hints, False), _layer1(k, mapped, hints, True), _layer2(k, given), l3_cols, l4_cols))
    l5 = ",\n        ".join(["l4.*"] + [f"{_value(c, k)} as {c.name}__val" for c in cols])
    spans = _remark_spans(k)
    typed = [f"coalesce({c.name}__rs.first, {c.name}__val) as {c.name}" if c.name in spans else f"{c.name}__val as {c.name}"
              for c in cols]
    typed += [f"coalesce({c.name}__rs.n, {c.name}__span.n) as {c.name}_span" if c.name in spans
               else f"{c.name}__span.n as {c.name}_span" for c in cols if c.type == "month"]
    typed += [f"{c.name}__n as {c.name}_norm" for c in cols if c.type == "name"]
    typed += [f"{c.name}__sub as {c.name}_sub_type" for c in cols if c.type == "programme"]
    typed += [f"coalesce(length({_t(c.name)}) = 15 or {_t(c.name)} like '_______________.0%', false) as {c.name}_upgraded"
               for c in cols if c.type == "id" and c.required]
    typed += [f"coalesce({_fixed(c)}, false) as {c.name}_recovered" for c in cols if _recoverable(k, c)]
    checks = [(c.name, p) for c in cols if (p := _problem(c, k))]
    if k.require_any:
        # none given at all: quarantined. Given but unreadable (a 注销日期 in a form the loader does not know),
        # the row is kept with its BAD_DATE warning: a death record without a usable date is evidence the rules
        # must not use as a date, but must show as 待补数据 (R01), not drop.
        anyv = " and ".join(f"{c}__val is null and {_t(c)} is null" for c in k.require_any)
        checks.append((k.require_any[0], f"case when {anyv} then 'MISSING_DEATH_DATE' end"))
    remarks = [f"case when {m}__val is not null then coalesce({', '.join(f'qf_remark_span({_t(t)}, {m}__val)' for t in texts)}) "
               f"end as {m}__rs" for m, texts in spans.items()]
    l6 = ",\n        ".join(["l5.*"] + [f"{p} as {n}__chk" for n, p in checks] + remarks)
    reason = "coalesce(" + ", ".join(f"{n}__chk" for n, _ in checks) + ")" if checks else "NULL"
    reason_col = ("case " + " ".join(f"when {n}__chk is not null then '{n}'" for n, _ in checks) + " end"
                  if checks else "NULL")
    warns = [w for c in cols if (w := _warning(c))] + [w for c in cols if c.type == "month" for w in _month_warnings(c)]
    warns += [f"case when {c.name}__m is not null and qf_plausible({c.name}__d) is null then 'DATE_MONTH_ONLY:{c.name}' end"
              for c in cols if c.type == "date"]
    warnings = f"nullif(concat_ws(',', {', '.join(warns)}), '')" if warns else "NULL::varchar"
    return f"""
create or replace temp table {k.stg_table} as
with l1 as (
    select
        {l1_plain}
    from {_raw_rows(k)} r
    join map_{k.kind} m using (file_id, sheet)
    where not coalesce(r.padded, true)
    union all
    select
        {l1}
    from {_raw_rows(k)} r
    join map_{k.kind} m using (file_id, sheet)
    where coalesce(r.padded, true)
), l2 as (
    select
        {l2}
    from l1
), l3 as (
    select
        {l3}
    from l2{joins}
), l4 as (
    select
        {l4}
    from l3
), l5 as (
    select
        {l5}
    from l4
), l6 as (
    select
        {l6}
    from l5
)
select file_id, sheet, row_no, source_file, variant,
    {', '.join(typed)},
    {reason} as reason,
    {reason_col} as reason_column,
    {warnings} as warnings
from l6
"""


def stg_columns(k: Kind) -> list[tuple[str, str]]:
    """The columns of stg_<kind> and their SQL types, in the order stage_sql() selects them."""
    cols = [("file_id", "integer"), ("sheet", "varchar"), ("row_no", "integer"), ("source_file", "varchar"),
            ("variant", "varchar")]
    cols += [(c.name, VALUE_TYPES.get(c.type, "varchar")) for c in k.columns.values()]
    cols += [(f"{c.name}_span", "integer") for c in k.columns.values() if c.type == "month"]
    cols += [(f"{c.name}_norm", "varchar") for c in k.columns.values() if c.type == "name"]
    cols += [(f"{c.name}_sub_type", "varchar") for c in k.columns.values() if c.type == "programme"]
    cols += [(f"{c.name}_upgraded", "boolean") for c in k.columns.values() if c.type == "id" and c.required]
    cols += [(f"{c.name}_recovered", "boolean") for c in k.columns.values() if _recoverable(k, c)]
    return cols + [("reason", "varchar"), ("reason_column", "varchar"), ("warnings", "varchar")]


def empty_stage_sql(k: Kind) -> str:
    """CREATE statements for map_<kind> and stg_<kind> without rows, for a kind no sheet of the inbox
    holds: the same columns as map_sql() and stage_sql() (asserted by tests/test_loader.py) for a
    hundredth of their compile time."""
    cols = ", ".join(f"{name} {sqltype}" for name, sqltype in stg_columns(k))
    mapped = ", ".join([f"{c} integer" for c in k.columns] + [f"hint_{h} varchar" for h in _hint_keys(k)])
    return (f"create or replace temp table map_{k.kind} (file_id integer, sheet varchar, variant varchar, "
            f"delimiter varchar, file_name varchar, {mapped});\n"
            f"create or replace temp table {k.stg_table} ({cols})")


def programme_map_sql(k: Kind) -> str:
    """Map each distinct programme text of the inbox to a canonical programme: the longest synonym
    contained in the text wins (城市低保 → 最低生活保障 / 城市低保). The texts: the cells' (collected as the
    sheets were loaded, sources/load.py) and the sheets' hints (a title, sheet or file name)."""
    pc = next(c for c in k.columns.values() if c.type == "programme")
    hint = f"union select hint_{pc.hint_key} from map_{k.kind}" if pc.hint_key else ""
    return f"""
create or replace temp table programme_map as
with texts as (
    select text from programme_texts where kind = '{k.kind}' and text is not null
    {hint}
)
select t.text, arg_max(y.programme, length(y.synonym)) as programme,
       arg_max(y.sub_type, length(y.synonym)) filter (where y.sub_type is not null) as sub_type
from texts t
join programme_synonyms y on contains(regexp_replace(t.text, '\\s+', '', 'g'), y.synonym)
group by t.text
"""


def total_checks_sql(k: Kind) -> str | None:
    """Each 合计/小计 row of kind k compared with the rows it sums: those since the previous total row (a
    小计) or all the data rows above it (a 合计), in the sheet's first amount column (declaration order).
    The rows' amounts are the staged ones (parsed once); a disagreement is reported, not corrected."""
    amounts = [c.name for c in k.columns.values() if c.type == "amount"]
    if not amounts:
        return None
    pos = "coalesce(" + ", ".join(f"json_extract(mapping, '$.{a}')::integer" for a in amounts) + ") + 1"
    value = "case " + " ".join(f"when json_extract(h.mapping, '$.{a}') is not null then d.{a}" for a in amounts) + " end"
    return f"""
insert into total_checks
with sheets as (
    select file_id, sheet, mapping, header, {pos} as pos
    from source_sheets where kind = '{k.kind}' and status in ('loaded', 'empty')
), totals as (
    select t.file_id, t.sheet, t.row_no, qf_amount(qf_halfwidth(qf_text(t.cells[h.pos]))) as stated,
           list_filter(t.cells[1:4], lambda c: nullif(trim(c), '') is not null)[1] as label,
           h.header[h.pos] as column_header
    from raw_structural t join sheets h using (file_id, sheet)
    where t.row_kind = 'total' and h.pos is not null
), data as (
    select d.file_id, d.sheet, d.row_no, {value} as amount
    from {k.stg_table} d join sheets h using (file_id, sheet)
    semi join totals t using (file_id, sheet)
), segments as (   -- each data row belongs to the first total row below it
    select t.file_id, t.sheet, t.row_no, sum(d.amount) as amount
    from data d asof join totals t on d.file_id = t.file_id and d.sheet = t.sheet and d.row_no < t.row_no
    group by all
), sums as (
    select t.*, coalesce(s.amount, 0) as segment_sum,
           sum(coalesce(s.amount, 0)) over (partition by t.file_id, t.sheet order by t.row_no) as sum_above
    from totals t left join segments s using (file_id, sheet, row_no)
)
select file_id, sheet, row_no, label, column_header, stated, segment_sum, sum_above,
       stated in (segment_sum, sum_above)
from sums where stated is not null
order by file_id, sheet, row_no
"""


def stage_all(con, as_of=None) -> None:
    """stg_<kind> for every kind, then the canonical tables and the quarantine of unparseable rows.
    `as_of`: the run's as-of date (a datetime.date; today when None): no birth date may be later."""
    create_reference_tables(con)
    values.create_value_tables(con, as_of)
    for k in kinds():
        present = present_columns(con, k)
        if present == (set(), set()):       # no loaded sheet of this kind
            con.execute(empty_stage_sql(k))
        else:
            con.execute(map_sql(k))
            if any(c.type == "programme" and c.name in _given(k, present)[2] for c in k.columns.values()):
                con.execute(programme_map_sql(k))
            con.execute(stage_sql(k, present))
            values.resolve_ambiguous_months(con, k)
        if k.kind == "persons":
            con.execute(REGISTER_PREFIX_SQL)
        if (sql := total_checks_sql(k)) and con.execute(
                "select count(*) from raw_structural join source_sheets s using (file_id, sheet) "
                "where row_kind = 'total' and s.kind = ?", [k.kind]).fetchone()[0]:
            con.execute(sql)
    con.execute("""create or replace table quarantine (
        kind varchar, file_id integer, sheet varchar, row_no integer, reason varchar, reason_column varchar,
        detail varchar, stage varchar)""")
    for k in kinds():
        con.execute(f"""
            insert into quarantine
            select '{k.kind}', file_id, sheet, row_no, reason, reason_column, NULL, 'parse'
            from {k.stg_table} where reason is not null
        """)
    con.execute((HERE / "canonical.sql").read_text(encoding="utf-8"))

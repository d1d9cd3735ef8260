"""Values as departments write them, beyond one cell at a time: the vocabulary of payment remarks
(sources/payment_words.yaml), the run's as-of date and the division codes an ID number may start with,
months typed into numeric cells (2020.1: January, or October cut short?) decided from the rest of their
sheet, and rows covering several months expanded into one row per month.

Everything here works on whole tables in SQL; the parsing of single values is in sources/macros.sql.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from . import assistance_words
from .declarations import Kind, divisions, read_yaml
from .quoting import sql_str
from .warehouse import ref_table

HERE = Path(__file__).parent

# Codes written into a row's `warnings` (as CODE:column) besides stage.WARNINGS, with what they mean.
WARNING_TEXTS = {
    "DATE_MONTH_ONLY": "日期只写到年月（如 2020.03、2020年3月），已按该月第一天入库；规则按月比较，不据此精确到日",
    "MONTH_FROM_DATE": "所属期无法识别，已改用发放日期所在月份，请核对原表",
    "MONTH_FROM_SHEET": "所属期写成数值（如 2020.1），可能是 1 月也可能是 10 月（2020.10 存成数字后成了 2020.1），"
                        "已按同表其他行的月份连续性判定",
    "MONTH_FROM_PAY_DATE": "所属期写成数值（如 2020.1），可能是 1 月也可能是 10 月，发放日期早于当年 9 月，"
                           "不可能是 10 月的待遇，已按 1 月入库",
}
# Reason codes introduced here (stage.REASONS includes them).
REASON_TEXTS = {
    "AMBIGUOUS_MONTH": "所属期写成数值（如 2020.1），无法判断是 1 月还是 10 月（2020.10 存成数字后成了 2020.1），"
                       "同表其他行的月份也不能判定，请改为文本格式（如 2020-10）后重新报送",
    "ID_BAD_DIVISION": "身份证号前 6 位不是有效的（现行或历史）行政区划代码，通常是前几位录错",
}


# ---- the vocabulary of payment remarks ------------------------------------------------------------

@functools.cache
def payment_words() -> dict[str, tuple[str, ...]]:
    """Category → words, from sources/payment_words.yaml."""
    d = read_yaml((HERE / "payment_words.yaml").read_text(encoding="utf-8"))
    return {k: tuple(str(w) for w in v) for k, v in d.items()}


def _matches(words: tuple[str, ...]) -> str:
    """SQL: does text s contain any of the words (`%` in a word stands for any text)?"""
    likes = " or ".join("s like " + sql_str(f"%{w}%") for w in words)
    return f"coalesce({likes}, false)" if words else "false"


def words_macros_sql() -> str:
    """qf_supplement(s), qf_correction(s), qf_quarterly(s) and qf_payment_kind(s) from the vocabulary.
    A correction of a supplement (冲销补发) is a correction."""
    w = payment_words()
    return "\n".join([
        *(f"create or replace macro qf_{cat}(s) as {_matches(w.get(cat, ()))};"
          for cat in ("supplement", "correction", "quarterly")),
        "create or replace macro qf_payment_kind(s) as case when qf_correction(s) then 'correction' "
        "when qf_supplement(s) then 'supplement' end;",
    ])


# ---- reference data: division codes, the run's as-of date -----------------------------------------

def id_division_rows() -> list[tuple[str, str]]:
    """(code, name) of every six-digit division code an ID number may start with: python-stdnum's table of
    current and historical codes (stdnum.cn.ric, from GB/T 2260 as collected on Wikipedia), and the
    project's own divisions (sources/divisions.csv), which also name codes since withdrawn."""
    from stdnum import numdb

    rows = {}
    for _, lo, hi, props, children in numdb.get("cn/loc").prefixes:
        for _, clo, chi, cprops, _ in children:
            for code in range(int(clo), int(chi) + 1):
                rows[f"{lo}{code:04d}"] = cprops.get("county", "")
        if lo != hi:
            raise ValueError("stdnum cn/loc: a province range is not expected")
        rows.setdefault(f"{lo}0000", props.get("province", ""))
    for d in divisions():
        if len(d["code"]) == 6:
            rows.setdefault(d["code"], d["name"])
    return sorted(rows.items())


def create_value_tables(con, as_of: dt.date | None = None) -> None:
    """The division table, the vocabulary's macros, and qf_as_of() as the run's as-of date (today when
    none is given)."""
    ref_table(con, "id_divisions", ["code", "name"], id_division_rows())
    con.execute(words_macros_sql())
    assistance_words.create(con)   # the household rules' vocabulary (sources/assistance_words.yaml)
    day = (as_of or dt.date.today()).isoformat()   # a date's ISO text: nothing else reaches the SQL
    con.execute(f"create or replace macro qf_as_of() as date '{day}'")


# ---- a month written as a number: 2020.1 ----------------------------------------------------------

def ambiguous_sql(c: str) -> str:
    """SQL over the staged text `<c>__h`: a month that may have lost a trailing zero in a numeric cell
    (2020.10 stored as a number reads 2020.1). Only .1 can: 2020.20 is no month."""
    return f"({c}__h like '____.1')"


def resolve_ambiguous_months(con, k: Kind) -> int:
    """Decide each staged 2020.1 of kind k from its sheet: a monthly series has no gaps. It is October when
    the sheet's other months with October form an unbroken run and none of them is next to January
    (2020.9, 2020.1, 2020.11: a January would read 2020.1 too, so a sheet reaching 2020.2 or 2019.12 could
    hold both). It is January when its run with January is unbroken otherwise (2020.1 … 2020.9: the sheet
    never reaches past September). Otherwise (a whole year typed as numbers, where 2020.1 is January and
    October alike, or no other month) the row is quarantined as AMBIGUOUS_MONTH (before the reasons of
    columns declared after the month). A decided row
    keeps the warning MONTH_FROM_SHEET, or MONTH_FROM_PAY_DATE when its own pay date decided it. Returns the
    number of rows decided or quarantined."""
    out, names = 0, list(k.columns)
    for c in (c.name for c in k.columns.values() if c.type == "month"):
        later = names[names.index(c) + 1:]
        flag = f"'%AMBIGUOUS_MONTH:{c}%'"
        if not con.execute(f"select count(*) from {k.stg_table} where warnings like {flag}").fetchone()[0]:
            continue
        # a row's own pay date decides first: money paid before 1 September of year y is not October's of y
        # (a month is not paid more than a month ahead), so 2020.1 paid on 2020-01-05 is January
        c_of = next((x.name for x in k.columns.values() if x.name == k.columns[c].else_month_of), None)
        if c_of:
            out += con.execute(f"""
                update {k.stg_table} set warnings = replace(warnings, 'AMBIGUOUS_MONTH:{c}', 'MONTH_FROM_PAY_DATE:{c}')
                where warnings like {flag} and {c_of} is not null and {c_of} < make_date(year({c}), 9, 1)
            """).fetchone()[0]
        # decide year by year until nothing more is decided: a January decided in one year completes the
        # run of months the next year's 2020.1 is judged by (2019.1 … 2020.12 typed as numbers)
        while True:
            con.execute(f"""
                create or replace temp table _month_decisions as
                with amb as (
                    select distinct file_id, sheet, year({c}) as y from {k.stg_table} where warnings like {flag}
                ), known as (   -- the other months of those sheets, as month numbers (year * 12 + month - 1)
                    select distinct s.file_id, s.sheet, a.y, year(s.{c}) * 12 + month(s.{c}) - 1 as m
                    from {k.stg_table} s join amb a using (file_id, sheet)
                    where s.{c} is not null and not coalesce(s.warnings like {flag}, false)
                ), runs as (
                    select a.file_id, a.sheet, a.y, min(m) as lo, max(m) as hi, count(m) as n,
                           bool_or(m = a.y * 12) as has_jan, bool_or(m = a.y * 12 + 9) as has_oct,
                           coalesce(bool_or(m in (a.y * 12 - 1, a.y * 12 + 1)), false) as by_jan
                    from amb a left join known k using (file_id, sheet, y) group by all
                ), fits as (
                    select *, n > 0 and greatest(hi, y * 12) - least(lo, y * 12) + 1 = n + (not has_jan)::integer as jan,
                              n > 0 and greatest(hi, y * 12 + 9) - least(lo, y * 12 + 9) + 1 = n + (not has_oct)::integer as oct
                    from runs
                )
                select file_id, sheet, y, case when oct and not by_jan then 10 when jan then 1 end as month from fits
                where (oct and not by_jan) or jan""")
            decided = con.execute(f"""
                update {k.stg_table} s set
                    {c} = case when d.month = 10 then make_date(d.y, 10, 1) else s.{c} end,
                    warnings = replace(s.warnings, 'AMBIGUOUS_MONTH:{c}', 'MONTH_FROM_SHEET:{c}')
                from _month_decisions d
                where s.file_id = d.file_id and s.sheet = d.sheet and year(s.{c}) = d.y and s.warnings like {flag}
            """).fetchone()[0]
            out += decided
            if not decided:
                break
        precedes = " or ".join(["reason is null"] + [f"reason_column = '{x}'" for x in later])
        out += con.execute(f"""
            update {k.stg_table} set reason = 'AMBIGUOUS_MONTH', reason_column = '{c}'
            where warnings like {flag} and ({precedes})
        """).fetchone()[0]
    return out


# ---- one row covering several months -------------------------------------------------------------

@functools.cache
def month_spans(kind: str) -> dict | None:
    """The kind's `month_spans` declaration: {month: column, in_text: [columns], split: [amount columns]}."""
    d = read_yaml((HERE / "kinds" / f"{kind}.yaml").read_text(encoding="utf-8"))
    return d.get("month_spans")


def expand_spans(con, kinds: tuple[Kind, ...]) -> int:
    """Every row of a canonical table that covers several months (span_months > 1) becomes one row per
    month: its month moved on, its amounts split evenly in cents with the remainder on the last month (the
    parts add up exactly), the same lineage (file_id, sheet, row_no) and span_part k of span_months.
    Runs after validation, so that checks and the row accounting see one row per row read (and does nothing
    when run twice). Returns the number of rows expanded."""
    total = 0
    for k in kinds:
        spec = month_spans(k.kind)
        if not spec:
            continue
        n = con.execute(f"select count(*) from {k.table} where span_months > 1 and span_part is null").fetchone()[0]
        if not n:
            continue
        c = spec["month"]
        split = ", ".join(
            f"case when r.part = t.span_months then t.{a} - trunc(t.{a} * 100 / t.span_months) / 100 * (t.span_months - 1) "
            f"else trunc(t.{a} * 100 / t.span_months) / 100 end::decimal(14, 2) as {a}" for a in spec.get("split", []))
        con.execute(f"""
            insert into {k.table}
            select t.* replace ((t.{c} + to_months(r.part - 1))::date as {c}, {split + ',' if split else ''}
                                r.part::integer as span_part)
            from {k.table} t, range(1, 13) r(part)
            where t.span_months > 1 and t.span_part is null and r.part <= t.span_months""")
        con.execute(f"delete from {k.table} where span_months > 1 and span_part is null")
        total += n
    return total

"""Wide layouts: a roster with one row per person and a column of amounts per month (1月 | 2月 | … or
2020年1月 | …) or per programme (生活 | 护理, two subsidies side by side).

A kind that declares `wide: {value: amount_yuan, month: entitlement_month, programme: programme}` may be
recognised this way when no header names its value column but two or more columns are headed by months
(or by programmes) and hold amounts. The loader then reads the sheet once per such column, as a sheet
of its own named after it (花名册（3月列）): the column's cells are the amounts, its header gives every row's
month or programme, and a blank cell is a month or programme not paid (a blank row of that column, not a
missing amount). Lineage stays exact: file, sheet and row, and the column in the sheet's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .declarations import Kind, norm_header, programme_column_words

CN_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12, "正": 1, "腊": 12}
_UNIT = re.compile(r"(\(元\)|（元）|元|金额|发放金额|补贴金额|发放数|资金|实发)$")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_MONTH_ONLY = re.compile(r"^(\d{1,2}|[一二三四五六七八九十正腊]{1,3})月份?$")
_YEAR_MONTH = re.compile(r"^(19\d{2}|20\d{2})(?:年|[-./])?(\d{1,2})月?份?$")
MIN_COLUMNS = 2
AMOUNT_SHARE = 0.6


@dataclass(frozen=True)
class WideColumn:
    index: int          # 0-based column
    header: str
    what: str           # month | programme
    value: str          # YYYY-MM, or the programme's name


def label(header: str, context: str) -> tuple[str, str] | None:
    """("month", "2020-03") or ("programme", "重度残疾人护理补贴") for a wide column's header; None otherwise.
    A header that is a month without a year takes the year of the title, sheet or file name, if one."""
    h = _UNIT.sub("", norm_header(header)) or norm_header(header)
    if not h:
        return None
    if (m := _YEAR_MONTH.match(h)) and 1 <= int(m.group(2)) <= 12:
        return "month", f"{m.group(1)}-{int(m.group(2)):02d}"
    if m := _MONTH_ONLY.match(h):
        n = int(m.group(1)) if m.group(1).isdigit() else CN_MONTHS.get(m.group(1))
        years = set(_YEAR.findall(context))
        if n and 1 <= n <= 12 and len(years) == 1:     # no year, or two: not decided here
            return "month", f"{years.pop()}-{n:02d}"
        return None
    words = programme_column_words()
    if h in words:
        return "programme", words[h]
    return None


def wide_columns(k: Kind, cells: list[str], free: list[int], amount_share, context: str) -> list[WideColumn]:
    """The columns of a wide layout of kind k among the free columns (their header a month or a programme,
    their cells amounts or blank), when there are at least MIN_COLUMNS of one sort; else none."""
    if not k.wide:
        return []
    found: dict[str, list[WideColumn]] = {}
    for j in free:
        lab = label(cells[j], context)
        share = amount_share(j)
        if lab and (share is None or share >= AMOUNT_SHARE):
            found.setdefault(lab[0], []).append(WideColumn(j, cells[j], *lab))
    best = max(found.values(), key=len, default=[])
    return best if len(best) >= MIN_COLUMNS and dict(k.wide).get(best[0].what) else []


def sheet_name(sheet: str, column: WideColumn) -> str:
    """The name the rows of one wide column are filed under: 花名册（3月列）."""
    return f"{sheet}（{column.header.strip()}列）"

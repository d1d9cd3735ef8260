"""The 按人汇总 and 按村汇总 sheets: one row per person with all their listed cases, sorted by the money to
recover; and per village with subtotals per township.

多发/应追回金额 is deduplicated (cases/money.py: each person × programme × month once); 涉及金额 is shown per
rule (R07 18000.00；R10 7620.00), never added across rules: a contract's value and a year of benefits to be
verified are not one sum.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cases import ledger, money

from .cells import (
    AMOUNT_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    TOP,
    WRAP,
    Part,
    _lines,
    _page_setup,
    _print_area,
    _styled,
    mask_id,
)

PERSON_HEADERS = ("县（市、区）", "乡镇（街道）", "村（社区）", "姓名", "身份证号", "线索数", "涉及规则",
                  "线索编号", "多发/应追回金额（元，去重）", "涉及金额（元，按规则，不相加）")
PERSON_WIDTHS = (12, 14, 14, 10, 21, 7, 36, 30, 16, 34)
VILLAGE_HEADERS = ("县（市、区）", "乡镇（街道）", "村（社区）", "人数", "线索数", "多发/应追回金额（元，去重）")
VILLAGE_WIDTHS = (14, 16, 18, 8, 8, 18)


def person_rows_sql(where: str, mask: bool = False) -> str:
    """One row per person among the listed cases satisfying `where` (over cases c and case_status s),
    sorted by the deduplicated money to recover, then the number of cases. Masked, the case ids are the
    ledger's aliases (a plain case id hashes the ID number)."""
    shown = ledger.alias_sql("l.case_id") if mask else "l.case_id"
    return f"""
        with listed as (
            select c.*, s.status from cases c join case_status s using (case_id) where s.shown and {where}
        ), per_rule as (
            select subject_id_number, rule_id, any_value(rule_name) as rule_name, count(*) as n,
                   sum(amount_yuan) as amount_yuan
            from listed group by all
        ), rules as (
            select subject_id_number,
                   string_agg(rule_id || ' ' || rule_name || case when n > 1 then '（' || n || '条）' else '' end,
                              '；' order by rule_id) as rules,
                   string_agg(rule_id || ' ' || printf('%.2f', amount_yuan), '；' order by rule_id)
                       filter (where amount_yuan is not null) as at_stake
            from per_rule group by all
        ), owed as ({money.overpaid_sql(["c.subject_id_number"], f"s.shown and {where}")})
        select arg_min(l.county, l.case_id) as county, arg_min(l.township, l.case_id) as township,
               arg_min(l.village, l.case_id) as village, arg_min(l.subject_name, l.case_id) as subject_name,
               l.subject_id_number, count(*) as cases, any_value(r.rules) as rules,
               string_agg({shown}, '、' order by l.rule_id, l.case_id) as case_ids,
               coalesce(any_value(o.overpaid_yuan), 0) as overpaid_yuan, any_value(r.at_stake) as at_stake
        from listed l join rules r using (subject_id_number)
        left join owed o on o.g0 = l.subject_id_number
        group by l.subject_id_number
        order by overpaid_yuan desc, cases desc, l.subject_id_number"""


def village_rows_sql(where: str) -> str:
    """Per county, township and village: people, cases and the deduplicated money to recover; each township
    followed by its subtotal (village NULL, is_subtotal true)."""
    place = ["coalesce(c.county, '地区不明')", "coalesce(c.township, '地区不明')", "coalesce(c.village, '地区不明')"]
    return f"""
        with listed as (
            select {place[0]} as county, {place[1]} as township, {place[2]} as village, c.subject_id_number
            from cases c join case_status s using (case_id) where s.shown and {where}
        ), v as (
            select county, township, village, count(distinct subject_id_number) as people, count(*) as cases
            from listed group by all
        ), vo as ({money.overpaid_sql(place, f"s.shown and {where}")}),
        t as (
            select county, township, count(distinct subject_id_number) as people, count(*) as cases
            from listed group by all
        ), tov as ({money.overpaid_sql(place[:2], f"s.shown and {where}")})
        select county, township, village, people, cases, coalesce(vo.overpaid_yuan, 0) as overpaid_yuan,
               false as is_subtotal
        from v left join vo on vo.g0 = county and vo.g1 = township and vo.g2 = village
        union all
        select county, township, null, people, cases, coalesce(tov.overpaid_yuan, 0), true
        from t left join tov on tov.g0 = county and tov.g1 = township
        order by county, township, is_subtotal, overpaid_yuan desc, village"""


def _sheet(wb, title: str, headers, widths):
    ws = wb.create_sheet(title)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    _page_setup(ws)
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL, alignment=Alignment(wrap_text=True, vertical="center"))
               for h in headers])
    return ws


def write_persons(wb, con, part: Part, mask: bool) -> None:
    """按人汇总 (one row per person) and 按村汇总 (per village, township subtotals) for the cases of `part`."""
    where, params = part.where("s")
    ws = _sheet(wb, "按人汇总", PERSON_HEADERS, PERSON_WIDTHS)
    n = 1
    for county, township, village, name, id_number, cases, rules, case_ids, owed, at_stake in con.execute(
            sql := person_rows_sql(where, mask), params * sql.count(where)).fetchall():
        n += 1
        lines = max(_lines(rules, PERSON_WIDTHS[6]), _lines(case_ids, PERSON_WIDTHS[7]), _lines(at_stake, PERSON_WIDTHS[9]))
        if lines > 1:
            ws.row_dimensions[n].height = LINE_HEIGHT * lines + 2
        ws.append([_styled(ws, county, alignment=TOP), _styled(ws, township, alignment=TOP),
                   _styled(ws, village, alignment=TOP), _styled(ws, name, alignment=TOP),
                   _styled(ws, mask_id(id_number) if mask and id_number else id_number, number_format="@",
                           alignment=TOP),
                   _styled(ws, cases, alignment=TOP), _styled(ws, rules, alignment=WRAP),
                   _styled(ws, case_ids, alignment=WRAP),
                   _styled(ws, float(owed), number_format=AMOUNT_FORMAT, alignment=TOP),
                   _styled(ws, at_stake, alignment=WRAP)])
    ws.print_title_rows = "1:1"
    _print_area(ws, len(PERSON_HEADERS), n)

    ws = _sheet(wb, "按村汇总", VILLAGE_HEADERS, VILLAGE_WIDTHS)
    n = 1
    bold = Font(bold=True)
    sql = village_rows_sql(where)
    for county, township, village, people, cases, owed, subtotal in con.execute(sql, params * sql.count(where)).fetchall():
        n += 1
        font = bold if subtotal else None
        ws.append([_styled(ws, county, font), _styled(ws, township, font),
                   _styled(ws, f"{township}小计" if subtotal else village, font), _styled(ws, people, font),
                   _styled(ws, cases, font), _styled(ws, float(owed), font, number_format=AMOUNT_FORMAT)])
    ws.print_title_rows = "1:1"
    _print_area(ws, len(VILLAGE_HEADERS), n)

"""Money by meaning: 多发/应追回金额 (money paid that should not have been) apart from 涉及金额 (the value at stake).

A rule's header says what its cases' amount_yuan is (`amount_kind`, rules/catalog.py). 涉及金额 is every
case's amount_yuan as the rule computed it: a contract's value (R11), a year of benefits to be verified
(R07–R10), a compensation shortfall (R12); amounts of different meanings, never added across rules.

多发/应追回金额 counts only the cases of `overpaid` rules, and each payment once. Each such case holds the
person × programme × months of its period that were paid (table paid_months; a case's programme may name
two programmes or sub-types, 城市低保、农村低保): its amount is spread over those months in proportion to
what each month paid, never more than the month paid. A month held by several cases (one person in R01 and
R02, R04's excess in a month R01 holds whole) counts once, at the largest share any of them holds. A case
whose months no monthly payment matches (a one-off payment) counts on its own.

Table `overpaid_cells` (case_id, cell, overpaid_yuan): `cell` names the person, programme and month (or the
case itself). overpaid_sql() totals the cells of a set of cases per group, each cell once: the one SQL that
汇总, 按人汇总 and the per-village subtotals read.
"""

from __future__ import annotations

CELLS_SQL = """
create or replace table overpaid_cells as
with held as (
    select case_id, id_number, trim(programme) as programme, period_from, period_to
    from (select case_id, subject_id_number as id_number, unnest(string_split(programme, '、')) as programme,
                 period_from, period_to
          from cases where rule_id in (select unnest($overpaid_rules)) and amount_yuan > 0)
), paid as (
    -- a paid month matched by two names of one case (a programme and its sub-type) is still one month
    select case_id, id_number, programme, entitlement_month, sum(amount_yuan) as paid_yuan
    from (select distinct h.case_id, m.id_number, m.programme, m.sub_type, m.entitlement_month, m.amount_yuan
          from held h join paid_months m
            on m.id_number = h.id_number and (m.programme = h.programme or m.sub_type = h.programme)
           and m.entitlement_month between h.period_from and h.period_to
          where m.amount_yuan > 0)
    group by all
), shares as (
    select p.case_id, p.id_number || '|' || p.programme || '|' || strftime(p.entitlement_month, '%Y-%m') as cell,
           least(p.paid_yuan, c.amount_yuan::double * p.paid_yuan / sum(p.paid_yuan) over (partition by p.case_id))
               as overpaid_yuan
    from paid p join cases c using (case_id)
)
select case_id, cell, overpaid_yuan::decimal(18, 4) as overpaid_yuan from shares
union all
select case_id, 'case|' || case_id, amount_yuan::decimal(18, 4)
from cases
where rule_id in (select unnest($overpaid_rules)) and amount_yuan > 0 and case_id not in (select case_id from paid)
"""


def build(con, rules) -> None:
    """Table overpaid_cells from this run's `cases` (the overpaid rules' cases, each spread over its paid months)."""
    con.execute(CELLS_SQL, {"overpaid_rules": [r.id for r in rules if r.amount_kind == "overpaid"] or [""]})


def overpaid_sql(group: list[str], where: str = "true") -> str:
    """SQL: per `group` (expressions over `cases` c and `case_status` s), the overpaid money of the cases that
    satisfy `where`, each person × programme × month once (columns: the group, then overpaid_yuan)."""
    keys = ", ".join(f"g{i}" for i in range(len(group)))
    named = ", ".join(f"{g} as g{i}" for i, g in enumerate(group))
    inner = f"select {named + ', ' if group else ''}o.cell, max(o.overpaid_yuan) as yuan " \
            f"from overpaid_cells o join cases c using (case_id) join case_status s using (case_id) " \
            f"where {where} group by all"
    if not group:
        return f"select round(coalesce(sum(yuan), 0), 2)::decimal(14, 2) as overpaid_yuan from ({inner})"
    return f"select {keys}, round(sum(yuan), 2)::decimal(14, 2) as overpaid_yuan from ({inner}) group by all"


def case_overpaid_sql() -> str:
    """SQL: each case's own overpaid money (0 for an at_stake rule's case; before cross-rule deduplication)."""
    return ("select c.case_id, coalesce((select round(sum(o.overpaid_yuan), 2) from overpaid_cells o "
            "where o.case_id = c.case_id), 0)::decimal(14, 2) as overpaid_yuan from cases c")


# The two amounts as the workbook's 说明 sheet defines them (outputs/workbook.py lists them under 金额).
HELP = [
    ("多发/应追回金额", "不该发放而已经发放的钱：死亡或迁出以后的各月、同月重复发放的多出部分、互斥待遇中较小的一项、"
                "超出标准的差额等（规则说明中“金额含义”为多发/应追回的规则）。同一人同一项目同一所属期被几条规则认定的"
                "只计一次，所以合计小于各规则相加；“汇总”“按人汇总”“按村汇总”的合计都是去重后的金额。"),
    ("涉及金额", "各条规则认定的涉案价值：待核实资格的全年待遇、工程合同金额、少付的补偿款、打入共用账户的款项等。"
             "含义各不相同，不跨规则相加；核实后确属多发的，填入该线索的“应追回金额”。"),
]

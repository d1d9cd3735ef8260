/*
id: R01
title: Payments continue after the recipient's death
name_zh: 死亡后继续发放
severity: high            # the most severe a case can be; each case is graded by its months
rationale: >
  受助人享受待遇至死亡当月，自次月起停发。死亡当月之后每一个已发放的所属期都是多发。
  死亡日期取公安（户籍注销）、民政（火化）、卫健（死亡医学证明）中姓名与本人相符的记录里最早的死亡日期。
  已排除的误报：死亡前月份的补发款在死亡后发放（按所属期而非发放日期判断）；死亡记录姓名与本人不符（重号，不认定死亡）；
  冲正退回后净额为零的月份。仍需人工排除：宣告死亡后又撤销。
basis: 国发〔2015〕52号；各地残疾人两项补贴、最低生活保障、特困供养、城乡居民养老保险停发规定（自情况发生的次月起停发）
verify: >
  调取死亡证明、火化证明或户籍注销证明核实死亡日期；调取死亡后各月的发放明细和银行流水，查明死亡后
  由谁取款、代领人是谁（决定是工作失误还是冒领）；核实是否有“宣告死亡”被撤销等情形。
subject: recipient
severity_rule: 1 month after death → low (reporting lag); 2–5 → medium; 6 or more → high; still paid in the last month of the data → at least medium
case_key: [subject_id_number, programme]
material: [death_sources]        # besides a larger amount or a later month: what reopens a closed case
evidence: [subject_id_number, subject_name, county, township, village, programme, death_on, death_sources,
           period_from, period_to, months, amount_yuan, is_ongoing, data_last_month, severity, evidence, source_rows]
params: {grace_months: 0}
inputs: {required: [payments, death_records], optional: [persons]}
*/
with overpaid as (
    -- every paid entitlement month after the death month (net of corrections, summed over sub-types)
    select m.id_number, m.programme, m.entitlement_month, sum(m.amount_yuan) as amount_yuan
    from paid_months m
    join deaths d using (id_number)
    where m.entitlement_month > d.death_month + to_months($grace_months)
    group by all
    having sum(m.amount_yuan) > 0
), cases as (
    select id_number, programme, min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(*) as months, sum(amount_yuan) as amount_yuan
    from overpaid
    group by all
), source_rows as (
    -- where an investigator finds each overpaid month in the files received
    select p.id_number, p.programme,
           string_agg(qf_row_ref(p.source_file, p.sheet, p.row_no),
                      '；' order by p.entitlement_month, p.source_file, p.row_no) as source_rows
    from payments p
    join overpaid o using (id_number, programme, entitlement_month)
    group by all
)
select c.id_number as subject_id_number,
       y.name as subject_name,
       y.county, y.township, y.village, c.programme,
       d.death_on,
       d.death_evidence as death_sources,
       c.period_from, c.period_to, c.months, c.amount_yuan,
       c.period_to = w.last_month as is_ongoing,
       w.last_month as data_last_month,
       case when c.months >= 6 then 'high'
            when c.months >= 2 or c.period_to = w.last_month then 'medium'
            else 'low' end as severity,
       format('{}（{}）{}死亡（{}）；{}在死亡后仍发放：所属期{}至{}共{}个月，合计{}元{}。',
              y.name, c.id_number, strftime(d.death_on, '%Y年%-m月%-d日'), d.death_evidence, c.programme,
              strftime(c.period_from, '%Y年%-m月'), strftime(c.period_to, '%Y年%-m月'), c.months,
              printf('%.2f', c.amount_yuan),
              case when c.period_to = w.last_month
                   then '，至数据截止月（' || strftime(w.last_month, '%Y年%-m月') || '）仍在发放' else '' end) as evidence,
       r.source_rows
from cases c
join deaths d using (id_number)
join payees y using (id_number, programme)
join programme_windows w using (programme)
join source_rows r using (id_number, programme)
order by c.amount_yuan desc, subject_id_number, c.programme

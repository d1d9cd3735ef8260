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
evidence: [subject_id_number, subject_name, county, township, village, programme, death_on, death_sources,
           period_from, period_to, months, amount_yuan, is_ongoing, data_last_month, severity, evidence, source_rows]
params: {grace_months: 0}
*/
with window_end as (
    -- the last entitlement month each programme's ledgers cover: "still going" means paid in it
    select programme, max(entitlement_month) as data_last_month from payments group by programme
), after_death as (
    select p.*, d.death_on, d.death_evidence
    from payments p
    join deaths d using (id_number)
    where p.entitlement_month > d.death_month + to_months($grace_months)
), months as (
    -- net per month: a negative correction row (退回) cancels the payment it corrects
    select id_number, programme, entitlement_month,
           sum(amount_yuan) as amount_yuan,
           string_agg(source_file || case when sheet <> '' then ' ' || sheet else '' end || ' 第' || row_no || '行',
                      '；' order by row_no) as source_rows,
           arg_max(name, entitlement_month) as name,
           arg_max(county, entitlement_month) as county,
           arg_max(township, entitlement_month) as township,
           arg_max(village, entitlement_month) as village,
           any_value(death_on) as death_on, any_value(death_evidence) as death_evidence
    from after_death
    group by id_number, programme, entitlement_month
    having sum(amount_yuan) > 0
), cases as (
    select m.id_number, m.programme,
           arg_max(m.name, m.entitlement_month) as name,
           arg_max(m.county, m.entitlement_month) as county,
           arg_max(m.township, m.entitlement_month) as township,
           arg_max(m.village, m.entitlement_month) as village,
           any_value(m.death_on) as death_on, any_value(m.death_evidence) as death_evidence,
           min(m.entitlement_month) as period_from, max(m.entitlement_month) as period_to,
           count(*) as months, sum(m.amount_yuan) as amount_yuan,
           any_value(w.data_last_month) as data_last_month,
           string_agg(m.source_rows, '；' order by m.entitlement_month) as source_rows
    from months m join window_end w using (programme)
    group by m.id_number, m.programme
)
select id_number as subject_id_number,
       name as subject_name,
       county, township, village, programme,
       death_on,
       death_evidence as death_sources,
       period_from, period_to, months, amount_yuan,
       period_to = data_last_month as is_ongoing,
       data_last_month,
       case when months >= 6 then 'high'
            when months >= 2 or period_to = data_last_month then 'medium'
            else 'low' end as severity,
       format('{}（{}）{}死亡（{}）；{}在死亡后仍发放：所属期{}至{}共{}个月，合计{}元{}。',
              name, id_number, strftime(death_on, '%Y年%-m月%-d日'), death_evidence, programme,
              strftime(period_from, '%Y年%-m月'), strftime(period_to, '%Y年%-m月'), months,
              printf('%.2f', amount_yuan),
              case when period_to = data_last_month then '，至数据截止月（' || strftime(data_last_month, '%Y年%-m月') || '）仍在发放' else '' end)
           as evidence,
       source_rows
from cases
order by amount_yuan desc, subject_id_number, programme

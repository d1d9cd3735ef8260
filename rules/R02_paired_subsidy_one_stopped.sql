/*
id: R02
title: One of two paired subsidies stopped at death, the other went on
name_zh: 两项补贴"一停一发"
severity: high
rationale: >
  同时享受困难残疾人生活补贴和重度残疾人护理补贴的人死亡后，一项在死亡前后一个月内停发，另一项却继续发放两个月以上。
  两项补贴资格依据不同（生活补贴随低保/低收入，护理补贴随残疾等级），分属不同名册、由不同环节停发，
  常常只停了一项（衢州公开通报的 21 人即此类）。配对可配置（默认即这两项）。
  已排除的误报：停发的一项在死亡前两个月以上就已停（如退出低保），属普通的死亡后继续发放（R01）；
  停发一项的名册（载有此人的那几份文件）数据截止早于另一项的最后发放月（两份名册覆盖的月份不同，数据缺口，不能认定“停发”）。
basis: 国发〔2015〕52号；浙江省困难残疾人生活补贴、重度残疾人护理补贴实施办法；自死亡次月起停发
verify: >
  调取已停发一项的停发审批表（何人何时办理），核实另一项为何未停：哪个部门保管该名册、家属是否两处都报了死亡；
  调取死亡后继续发放各月的银行流水，查明取款人。
subject: recipient
case_key: [subject_id_number, programme]
amount_kind: overpaid      # amount_yuan: 死亡次月以后继续发放的那项补贴
material: [death_sources]        # besides a larger amount or a later month: what reopens a closed case
evidence: [subject_id_number, subject_name, county, township, village, programme, stopped_programme, stopped_last_month,
           death_on, death_sources, period_from, period_to, months, amount_yuan, is_ongoing, severity, facts, evidence, source_rows]
labels: {stopped_programme: 已停发的补贴, stopped_last_month: 已停发补贴的最后发放月, programme: 继续发放的补贴}
params: {pairs: [[困难残疾人生活补贴, 重度残疾人护理补贴]]}
inputs: {required: [payments, death_records], optional: [persons]}
*/
with covered as (
    -- the lists that carried the stopped subsidy must reach the other's last month (two offices' lists
    -- covering different months): else the stop may be the end of a list (needs_data below)
    select * from paired_one_stopped($pairs) where covered_to >= other_last_month
), after_death as (
    select o.id_number, o.programme, m.entitlement_month, m.amount_yuan
    from covered o join paired_monthly($pairs) m using (id_number, programme)
    where m.entitlement_month > o.death_month
), totals as (
    select id_number, programme, min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(*) as months, sum(amount_yuan) as amount_yuan
    from after_death group by all
), source_rows as (
    select p.id_number, p.programme,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows
    from payments p join after_death a using (id_number, programme, entitlement_month)
    group by all
)
select o.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       o.programme, o.stopped_programme, o.stopped_last_month,
       d.death_on, d.death_evidence as death_sources,
       t.period_from, t.period_to, t.months, t.amount_yuan,
       t.period_to = w.last_month as is_ongoing,
       case when t.months >= 6 then 'high' else 'medium' end as severity,
       concat_ws('；',
           '据以认定：' || d.sources || '的死亡记录（' || strftime(d.death_on, '%Y-%m-%d') || '）与发放明细身份证号、姓名一致'
               || coalesce('（' || d.name_notes || '）', '')
               || '；' || o.stopped_programme || '所在名册（' || o.stopped_files || '）覆盖至' || qf_month_zh(o.covered_to)
               || '，不早于' || o.programme || '的最后发放月',
           '缺少：' || nullif(concat_ws('、', case when not contains(d.sources, '卫健') then '卫健死亡医学证明' end,
                                        case when not contains(d.sources, '公安') then '公安户籍注销记录' end,
                                        case when not contains(d.sources, '火化') then '火化记录' end,
                                        '停发审批表'), ''),
           case when d.is_imprecise then '推定：无死亡或火化日期，以户籍注销日期作为死亡日期的上限' end,
           case when d.has_date_conflict then '注意：各来源死亡日期相差超过31天，已取最早日期' end) as facts,
       format('{}（{}）{}死亡（{}）。{}最后发放至{}，已停发；{}却在死亡后继续发放：所属期{}至{}共{}个月，合计{}元{}。',
              y.name, o.id_number, qf_date_zh(d.death_on), d.death_evidence,
              o.stopped_programme, qf_month_zh(o.stopped_last_month), o.programme,
              qf_month_zh(t.period_from), qf_month_zh(t.period_to), t.months,
              qf_yuan(t.amount_yuan),
              case when t.period_to = w.last_month then '，至数据截止月仍在发放' else '' end) as evidence,
       r.source_rows
from covered o
join deaths d using (id_number)
join totals t using (id_number, programme)
join payees y using (id_number, programme)
join programme_windows w using (programme)
join source_rows r using (id_number, programme)
order by t.amount_yuan desc, subject_id_number;

-- needs_data
-- one subsidy stopped at the death and the other went on, but the lists that carried the stopped one end
-- before the other's last month: whether it was really stopped needs the later months of those lists
with gaps as (
    select * from paired_one_stopped($pairs) where covered_to < other_last_month
), last_rows as (
    -- the person's last row of the stopped subsidy: where its list ends
    select g.id_number, g.stopped_programme,
           arg_max({'f': p.source_file, 's': p.sheet, 'r': p.row_no}, (p.entitlement_month, p.row_no)) as loc
    from gaps g join payments p on p.id_number = g.id_number and p.programme = g.stopped_programme
    group by all
)
select g.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       g.stopped_programme || '名册' || qf_month_zh(g.covered_to) || '以后的月份（' || g.stopped_files
           || '只到' || qf_month_zh(g.covered_to) || '）' as missing,
       y.name || '死亡后' || g.stopped_programme || '是否停发（' || g.programme || '发放至'
           || qf_month_zh(g.other_last_month) || '）' as decides,
       l.loc['f'] as source_file, l.loc['s'] as sheet, l.loc['r'] as row_no
from gaps g
join last_rows l using (id_number, stopped_programme)
join payees y on y.id_number = g.id_number and y.programme = g.programme
order by subject_id_number

/*
id: R04
title: The same benefit paid twice for the same month
name_zh: 重复享受
severity: high
rationale: >
  同一人同一项目（同一补贴类型）同一所属期领取了不止一次，可能在同一名册内重复列入，也可能跨文件、跨县重复发放（虚报冒领）。
  按所属期比较，扣除冲正（负数）行后，当月净额超过单笔最大金额的部分为多发。
  已排除的误报：补发其他月份的款项（所属期不同）；同月的生活补贴和护理补贴（不同项目）；被负数冲正行抵消的重复行；
  备注为机构托养增发、补差等的附加行（可配置）。
basis: 各项目“不得重复享受”的规定；审计署重复享受审计方法（同一身份证号、同一项目、同一期间）
verify: >
  调取两处（或多处）发放记录和银行到账流水，核实是否确实到账两次；如跨县，联系另一县核实其名册来源与审批材料，确定应保留的一处并追回多发部分。
subject: recipient
case_key: [subject_id_number, programme]
evidence: [subject_id_number, subject_name, county, township, village, programme, sub_type, payers,
           period_from, period_to, months, amount_yuan, severity, evidence, source_rows]
labels: {sub_type: 补贴类别, payers: 发放来源（文件/县）}
params: {supplement_words: 托养|增发|补差|加发}
inputs: {required: [payments], optional: []}
*/
with supplements as (
    -- months with a row marked as a legitimate extra payment (托养增发, 补差 …)
    select distinct id_number, programme, coalesce(sub_type, '') as sub_type, entitlement_month
    from payments where regexp_matches(remark, $supplement_words)
), monthly as (
    -- more than one positive payment for one person, programme, sub-type and month (paid_months has the
    -- count, the net sum and the largest payment of every such month)
    select m.id_number, m.programme, m.sub_type, m.entitlement_month, m.n_payments as payments,
           m.amount_yuan as net_yuan, m.max_payment as largest_yuan
    from paid_months m
    anti join supplements s using (id_number, programme, sub_type, entitlement_month)
    where m.n_payments > 1
), duplicated as (
    select *, net_yuan - largest_yuan as excess_yuan from monthly where net_yuan > largest_yuan
), totals as (
    select id_number, programme, string_agg(distinct nullif(sub_type, ''), '、' order by nullif(sub_type, '')) as sub_type,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(excess_yuan) as amount_yuan
    from duplicated group by id_number, programme
), rows as (
    select p.id_number, p.programme,
           string_agg(distinct p.source_file || coalesce('（' || p.county || '）', ''), '；' order by p.source_file || coalesce('（' || p.county || '）', '')) as payers,
           string_agg(qf_row_ref(p.source_file, p.sheet, p.row_no),
                      '；' order by p.entitlement_month, p.source_file, p.row_no) as source_rows
    from payments p
    join duplicated d on d.id_number = p.id_number and d.programme = p.programme
                     and d.sub_type = coalesce(p.sub_type, '') and d.entitlement_month = p.entitlement_month
    group by all
)
select t.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       t.programme, t.sub_type, r.payers,
       t.period_from, t.period_to, t.months, t.amount_yuan,
       case when t.months >= 6 then 'high' when t.months >= 2 then 'medium' else 'low' end as severity,
       format('{}（{}）的{}在所属期{}至{}中有{}个月被重复发放，多发{}元；发放来源：{}。',
              y.name, t.id_number, t.programme, strftime(t.period_from, '%Y年%-m月'), strftime(t.period_to, '%Y年%-m月'),
              t.months, printf('%.2f', t.amount_yuan), r.payers) as evidence,
       r.source_rows
from totals t
join payees y using (id_number, programme)
join rows r using (id_number, programme)
order by t.amount_yuan desc, subject_id_number, t.programme

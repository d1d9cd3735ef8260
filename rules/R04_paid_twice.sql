/*
id: R04
title: The same benefit paid twice for the same month
name_zh: 重复享受
severity: high
rationale: >
  同一人同一项目（同一补贴类型）同一所属期领取了不止一次，可能在同一名册内重复列入，也可能跨文件、跨县重复发放（虚报冒领）。
  只比较按月发放的项目（一次性补助不按月）。按所属期比较正常发放的行：扣除冲正、退回（负数或备注为退回、冲销的行）后，
  当月净额超过单笔最大金额的部分为多发。无类别列的名册（如只写“低保”）与同月写明类别（如农村低保）的行视为同一类别比较。
  已排除的误报：补发、提标补发差额、差额等补发行（同月补足差额，不是重复，见 sources/payment_words.yaml）；
  补发其他月份的款项（所属期不同）；同月的生活补贴和护理补贴（不同项目）；同月的城市低保和农村低保（两个类别，属 R05）；
  被冲正、退回抵消后重新发放的行（净额为一笔）；备注为机构托养增发等的附加行（可配置）。
basis: 各项目“不得重复享受”的规定；审计署重复享受审计方法（同一身份证号、同一项目、同一期间）
verify: >
  调取两处（或多处）发放记录和银行到账流水，核实是否确实到账两次；如跨县，联系另一县核实其名册来源与审批材料，确定应保留的一处并追回多发部分。
subject: recipient
case_key: [subject_id_number, programme]
amount_kind: overpaid      # amount_yuan: 同月净额超过单笔最大金额的部分
evidence: [subject_id_number, subject_name, county, township, village, programme, sub_type, payers,
           period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {sub_type: 补贴类别, payers: 发放来源（文件/县）}
# extra_words: remarks of a legitimate extra row for a month besides the supplements of payment_words.yaml
params: {extra_words: 托养|增发|加发}
inputs: {required: [payments], optional: []}
*/
with only_sub as (
    -- the one sub-type a person's rows of a month name (a list without a 类型 column joins it)
    select id_number, programme, entitlement_month, min(sub_type) as sub_type
    from paid_months where is_periodic and sub_type <> '' and n_payments > 0
    group by all having count(distinct sub_type) = 1
), aligned as (
    select m.id_number, m.programme, coalesce(nullif(m.sub_type, ''), o.sub_type, '') as sub_type, m.entitlement_month,
           m.sub_type = '' and o.sub_type is not null as was_aligned, m.n_regular, m.regular_yuan, m.max_regular
    from paid_months m
    left join only_sub o using (id_number, programme, entitlement_month)
    where m.is_periodic
), extras as (
    -- months with a row marked as a legitimate extra payment (机构托养增发 …)
    select distinct id_number, programme, entitlement_month
    from payments where regexp_matches(remark, $extra_words)
), monthly as (
    -- more than one regular (not supplement) positive payment for one person, programme, sub-type and month,
    -- net of the corrections
    select id_number, programme, sub_type, entitlement_month, sum(n_regular) as payments,
           sum(regular_yuan) as net_yuan, max(max_regular) as largest_yuan, bool_or(was_aligned) as was_aligned
    from aligned
    group by all
    having sum(n_regular) > 1
), duplicated as (
    select m.*, m.net_yuan - m.largest_yuan as excess_yuan from monthly m
    anti join extras e using (id_number, programme, entitlement_month)
    where m.net_yuan > m.largest_yuan
), totals as (
    select id_number, programme, string_agg(distinct nullif(sub_type, ''), '、' order by nullif(sub_type, '')) as sub_type,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(excess_yuan) as amount_yuan, max(payments) as most_payments,
           bool_or(was_aligned) as was_aligned
    from duplicated group by id_number, programme
), rows as (
    select p.id_number, p.programme,
           string_agg(distinct p.source_file || coalesce('（' || p.county || '）', ''), '；' order by p.source_file || coalesce('（' || p.county || '）', '')) as payers,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows,
           count(distinct p.source_file) as n_files,
           bool_or(coalesce(p.warnings like '%MONTH_FROM_DATE%', false)) as month_from_date
    from payments p
    join duplicated d on d.id_number = p.id_number and d.programme = p.programme
                     and d.entitlement_month = p.entitlement_month
                     and (d.sub_type = coalesce(p.sub_type, '') or coalesce(p.sub_type, '') = '')
    where not coalesce(p.is_arrears, false)
    group by all
)
select t.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       t.programme, t.sub_type, r.payers,
       t.period_from, t.period_to, t.months, t.amount_yuan,
       case when t.months >= 6 then 'high' when t.months >= 2 then 'medium' else 'low' end as severity,
       concat_ws('；',
           '据以认定：同一身份证号、同一项目' || coalesce('（' || t.sub_type || '）', '') || '、同一所属期有' || t.most_payments
               || '笔正常发放（不含补发、差额，已扣除冲正、退回），来自' || r.n_files || '个文件',
           case when t.was_aligned then '推定：未写类别的名册行与同月写明' || t.sub_type || '的行视为同一类别' end,
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end,
           '缺少：银行到账流水（是否两次到账）') as facts,
       format('{}（{}）的{}在所属期{}至{}中有{}个月被重复发放，多发{}元；发放来源：{}。',
              y.name, t.id_number, t.programme, qf_month_zh(t.period_from), qf_month_zh(t.period_to),
              t.months, qf_yuan(t.amount_yuan), r.payers) as evidence,
       r.source_rows
from totals t
join payees y using (id_number, programme)
join rows r using (id_number, programme)
order by t.amount_yuan desc, subject_id_number, t.programme

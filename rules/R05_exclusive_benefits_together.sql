/*
id: R05
title: Two mutually exclusive benefits paid for the same months
name_zh: 互斥待遇同时享受
severity: high
rationale: >
  按规定不能同时享受的两项待遇在相同月份同时发放。默认互斥组合（可配置，各地规定不同时逐项开关）：
  特困人员供养与困难残疾人生活补贴、与重度残疾人护理补贴、与最低生活保障；城市低保与农村低保。
  组合中的名称既可以是项目，也可以是补贴类别（如城市低保、农村低保是最低生活保障的两个类别）。
  重叠月份中两项合计较小的一项作为建议多发金额。
  已排除的误报：一项停发当月另一项开始（仅一个月的交接重叠）；不在互斥组合中的待遇（如特困与养老金）。
basis: 特困人员不再享受两项补贴中的生活补贴等（各地特困供养办法）；同一家庭不得同时享受城市低保和农村低保；特困与低保不得兼得
verify: >
  调取两项待遇的审批材料和审批日期，确认哪一项应当停止、从何时起停止；核实当地是否另有允许兼得的规定；计算应追回金额。
subject: recipient
case_key: [subject_id_number, programme]
amount_kind: overpaid      # amount_yuan: 重叠月份中合计较小的一项
evidence: [subject_id_number, subject_name, county, township, village, programme, amount_a_yuan, amount_b_yuan,
           period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {programme: 互斥的两项待遇, amount_a_yuan: 重叠期间第一项金额（元）, amount_b_yuan: 重叠期间第二项金额（元）,
         amount_yuan: 建议多发金额（元，两项中较小者）}
# pairs: [side a, side b, the rule that forbids both (cited in the clue)]; switch a pair off by leaving it out
params:
  pairs:
    - [特困人员供养, 困难残疾人生活补贴, 国发〔2015〕52号及浙江省实施办法：纳入特困人员供养的不再享受困难残疾人生活补贴]
    - [特困人员供养, 重度残疾人护理补贴, 当地特困人员供养办法（部分地区规定集中供养的特困人员不再享受护理补贴，以当地规定为准）]
    - [特困人员供养, 最低生活保障, 《社会救助暂行办法》：特困人员不再同时享受最低生活保障]
    - [城市低保, 农村低保, 同一家庭不得同时享受城市低保和农村低保]
traps:
  - bullet: "local rules differ"
    decision: >
      各地对哪些待遇不得兼得规定不同，数据本身无法判断。每一对互斥组合都是参数（params.pairs），可逐项关闭，
      并在线索中写明所依据的规定；核查时以当地规定为准。
inputs: {required: [payments], optional: []}
*/
with pairs as (
    select p[1] as side_a, p[2] as side_b, p[3] as basis from (select unnest($pairs) as p)
), monthly as (
    -- a paid month counts for its programme and for its sub-type (城市低保, 农村低保)
    -- (only the programmes and sub-types named in a pair: pensions are most of the rows and never in one)
    select id_number, programme as label, entitlement_month, sum(amount_yuan) as amount_yuan
    from paid_months where programme in (select unnest(flatten($pairs))) group by all
    union all
    select id_number, sub_type, entitlement_month, sum(amount_yuan)
    from paid_months where sub_type <> '' and sub_type <> programme and sub_type in (select unnest(flatten($pairs)))
    group by all
), paid as (
    select * from monthly where amount_yuan > 0
), spans as (
    select id_number, label, min(entitlement_month) as first_month, max(entitlement_month) as last_month
    from paid group by all
), overlap as (
    select x.side_a, x.side_b, x.basis, a.id_number, a.entitlement_month, a.amount_yuan as amount_a, b.amount_yuan as amount_b
    from pairs x
    join paid a on a.label = x.side_a
    join paid b on b.label = x.side_b and b.id_number = a.id_number and b.entitlement_month = a.entitlement_month
), totals as (
    select side_a, side_b, min(basis) as basis, id_number, min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(*) as months, sum(amount_a) as amount_a_yuan, sum(amount_b) as amount_b_yuan
    from overlap group by all
), flagged as (
    -- a single overlapping month where one programme stops and the other starts is a hand-over, not a flag
    select t.* from totals t
    join spans sa on sa.id_number = t.id_number and sa.label = t.side_a
    join spans sb on sb.id_number = t.id_number and sb.label = t.side_b
    where not (t.months = 1 and ((sa.last_month = t.period_from and sb.first_month = t.period_from)
                              or (sb.last_month = t.period_from and sa.first_month = t.period_from)))
), who as (
    select id_number, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
           arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village
    from payments where id_number in (select id_number from flagged) group by all
), source_rows as (
    select f.id_number, f.side_a, f.side_b,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows,
           string_agg(distinct p.source_file, '、' order by p.source_file) as files,
           bool_or(coalesce(p.warnings like '%MONTH_FROM_DATE%', false)) as month_from_date
    from flagged f
    join overlap o using (id_number, side_a, side_b)
    join payments p on p.id_number = o.id_number and p.entitlement_month = o.entitlement_month
                   and (p.programme in (f.side_a, f.side_b) or p.sub_type in (f.side_a, f.side_b))
    group by all
)
select f.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village,
       f.side_a || '、' || f.side_b as programme, f.amount_a_yuan, f.amount_b_yuan,
       f.period_from, f.period_to, f.months, least(f.amount_a_yuan, f.amount_b_yuan) as amount_yuan,
       case when f.months >= 6 then 'high' when f.months >= 2 then 'medium' else 'low' end as severity,
       concat_ws('；',
           '据以认定：同一身份证号在' || f.side_a || '和' || f.side_b || '的发放明细（' || r.files || '）中所属期重叠' || f.months || '个月',
           '依据：' || coalesce(f.basis, '未注明（请核对当地规定）'),
           '缺少：两项待遇的审批日期、当地是否另有允许兼得的规定',
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end) as facts,
       format('{}（{}）在所属期{}至{}共{}个月同时领取{}（{}元）和{}（{}元），两者不得同时享受（{}）；建议核减较小一项{}元。',
              w.name, f.id_number, qf_month_zh(f.period_from), qf_month_zh(f.period_to), f.months,
              f.side_a, qf_yuan(f.amount_a_yuan), f.side_b, qf_yuan(f.amount_b_yuan),
              coalesce(f.basis, '依据请核对当地规定'),
              qf_yuan(least(f.amount_a_yuan, f.amount_b_yuan))) as evidence,
       r.source_rows
from flagged f
join who w using (id_number)
join source_rows r using (id_number, side_a, side_b)
order by amount_yuan desc, subject_id_number, programme

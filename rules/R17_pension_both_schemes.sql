/*
id: R17
title: Pensions of both schemes paid for the same months
name_zh: 养老待遇异常
severity: high
rationale: >
  同一人（同一身份证号）在相同所属期既领取城乡居民基本养老保险待遇，又领取职工基本养老保险（企业职工或机关事业单位）待遇。
  按所属期逐月比较，两项各自扣除冲正、退回后的月净额都大于零的月份为重复领取月份；重叠期间城乡居民养老金为建议退还金额
  （同时领取的，终止城乡居民养老保险关系，已领取的城乡居民基础养老金应予退还）。
  已排除的误报：制度衔接（转移）月份——一项停发、另一项开始时重叠不超过 transfer_months 个月（默认1个月），
  以及备注注明衔接、转移的月份；金额为0或注明停发的行；冲正、退回后净额为零的月份；丧葬补助金、抚恤金等一次性待遇
  （不是养老金月份）；同名不同身份证号的人（按身份证号比较）。
  死亡后继续领取养老金由 R01 检查（两项养老保险都是按月发放的项目）。服刑期间领取养老金未检查：尚无服刑人员名单来源。
basis: 人社部 财政部《城乡养老保险制度衔接暂行办法》（人社部发〔2014〕17号）：参保人员不得同时领取城镇职工基本养老保险和城乡居民基本养老保险待遇，同时领取的终止城乡居民养老保险关系并退还已领取的基础养老金
verify: >
  向人社部门调取两项养老保险的参保和待遇核定记录（职工养老待遇起始月份、城乡居民养老待遇终止月份、是否办理制度衔接），
  核实重叠月份是否属于衔接过渡期；不属于的，终止城乡居民养老保险待遇并追回重叠月份的城乡居民养老金。
subject: recipient
case_key: [subject_id_number]
evidence: [subject_id_number, subject_name, county, township, village, programme, resident_span, employee_span,
           amount_a_yuan, amount_b_yuan, period_from, period_to, months, monthly_detail, amount_yuan, severity,
           facts, evidence, source_rows]
labels: {programme: 重复领取的两项养老保险, resident_span: 城乡居民养老发放所属期（起止）, employee_span: 职工养老发放所属期（起止）,
         amount_a_yuan: 重叠期间城乡居民养老金（元）, amount_b_yuan: 重叠期间职工养老金（元）,
         monthly_detail: 重叠月份及两项金额, amount_yuan: 建议退还金额（元，重叠期间城乡居民养老金）}
# schemes: [residents' programme, employees' programme] as named in sources/programmes.yaml.
# transfer_months: an overlap of at most this many months where one scheme stops as the other starts is a
#   scheme transfer (制度衔接), not a case. transfer_words: a remark marking a month as a transfer month.
params:
  schemes: [城乡居民基本养老保险, 职工基本养老保险]
  transfer_months: 1
  transfer_words: 衔接|转移|转入|转出
traps:
  - bullet: "death benefits"
    decision: >
      死亡后发放由 R01 检查，不在本规则重复立案。丧葬补助金、一次性抚恤金等（sources/programmes.yaml 中 type: one_off）
      不是养老金月份：职工养老名册中“待遇类别”为丧葬补助金、抚恤金的行按一次性待遇读入，不与城乡居民养老金比较
      （tests/traps/R17.yaml 有一例）。
inputs: {required: [payments], optional: []}
*/
with monthly as (
    -- net of corrections per person, scheme and 所属期, summed over sub-types (企业职工, 机关事业单位)
    select id_number, programme, entitlement_month, sum(amount_yuan) as amount_yuan
    from paid_months
    where is_periodic and programme in ($schemes[1], $schemes[2])
    group by all
), paid as (
    select * from monthly where amount_yuan > 0
), spans as (
    select id_number, programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month
    from paid group by all
), marked as (
    -- months a row of either scheme marks as a transfer (制度衔接, 转入职工养老 …)
    select distinct id_number, entitlement_month from payments
    where programme in ($schemes[1], $schemes[2]) and regexp_matches(coalesce(remark, ''), $transfer_words)
), shared as (
    -- every month paid by both schemes; a month a row marks as a transfer is not counted
    select a.id_number, a.entitlement_month, a.amount_yuan as amount_a, b.amount_yuan as amount_b,
           m.id_number is not null as is_marked
    from paid a
    join paid b on b.id_number = a.id_number and b.entitlement_month = a.entitlement_month
    left join marked m on m.id_number = a.id_number and m.entitlement_month = a.entitlement_month
    where a.programme = $schemes[1] and b.programme = $schemes[2]
), overlap as (
    select * from shared where not is_marked
), totals as (
    select id_number, min(entitlement_month) as period_from, max(entitlement_month) as period_to, count(*) as months,
           sum(amount_a) as amount_a_yuan, sum(amount_b) as amount_b_yuan,
           string_agg(strftime(entitlement_month, '%Y年%-m月') || ' 居民' || printf('%.2f', amount_a) || '/职工'
                      || printf('%.2f', amount_b), '；' order by entitlement_month) as monthly_detail
    from overlap group by all
), whole as (
    -- the whole overlap, marked months included: where the switch is
    select id_number, min(entitlement_month) as all_from, max(entitlement_month) as all_to,
           count(*) filter (where is_marked) as n_marked
    from shared group by all
), flagged as (
    -- a short overlap at the switch (one scheme's last months are the other's first) is a transfer
    select t.*, w.n_marked, sa.first_month as a_first, sa.last_month as a_last, sb.first_month as b_first, sb.last_month as b_last
    from totals t
    join whole w using (id_number)
    join spans sa on sa.id_number = t.id_number and sa.programme = $schemes[1]
    join spans sb on sb.id_number = t.id_number and sb.programme = $schemes[2]
    where not (t.months <= $transfer_months
               and ((sa.last_month = w.all_to and sb.first_month = w.all_from)
                    or (sb.last_month = w.all_to and sa.first_month = w.all_from)))
), who as (
    select id_number, arg_max(name, entitlement_month) as name, arg_max(county, entitlement_month) as county,
           arg_max(township, entitlement_month) as township, arg_max(village, entitlement_month) as village
    from payments where id_number in (select id_number from flagged) group by all
), source_rows as (
    select f.id_number,
           string_agg(qf_row_ref(p.source_file, p.sheet, p.row_no),
                      '；' order by p.entitlement_month, p.source_file, p.row_no) as source_rows,
           string_agg(distinct p.source_file, '、' order by p.source_file) as files,
           bool_or(coalesce(p.warnings like '%MONTH_FROM_DATE%', false)) as month_from_date,
           bool_or(coalesce(p.payment_kind = 'correction', false)) as has_correction
    from flagged f
    join overlap o using (id_number)
    join payments p on p.id_number = o.id_number and p.entitlement_month = o.entitlement_month
                   and p.programme in ($schemes[1], $schemes[2])
    group by all
)
select f.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village,
       $schemes[1] || '、' || $schemes[2] as programme,
       strftime(f.a_first, '%Y-%m') || '至' || strftime(f.a_last, '%Y-%m') as resident_span,
       strftime(f.b_first, '%Y-%m') || '至' || strftime(f.b_last, '%Y-%m') as employee_span,
       f.amount_a_yuan, f.amount_b_yuan, f.period_from, f.period_to, f.months, f.monthly_detail,
       f.amount_a_yuan as amount_yuan,
       case when f.months >= 6 then 'high' when f.months >= 2 then 'medium' else 'low' end as severity,
       concat_ws('；',
           '据以认定：同一身份证号在' || $schemes[1] || '和' || $schemes[2] || '的发放明细（' || r.files || '）中有'
               || f.months || '个所属期两项净额均大于零（已扣除冲正、退回，不含金额为0或停发的行）',
           '推定：一项停发、另一项开始时重叠不超过' || $transfer_months || '个月视为制度衔接月份，不计入',
           case when f.n_marked > 0 then '推定：备注注明衔接、转移的' || f.n_marked || '个月份不计入' end,
           case when r.has_correction then '推定：重叠月份中有冲正、退回行，按净额计算' end,
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end,
           '缺少：两项养老保险的待遇核定记录（起始、终止月份）、是否办理制度衔接') as facts,
       format('{}（{}）在所属期{}至{}共{}个月同时领取{}（{}元）和{}（{}元），两项养老保险待遇不得同时领取；'
              || '建议退还重叠期间的城乡居民养老金{}元。',
              w.name, f.id_number, strftime(f.period_from, '%Y年%-m月'), strftime(f.period_to, '%Y年%-m月'), f.months,
              $schemes[1], printf('%.2f', f.amount_a_yuan), $schemes[2], printf('%.2f', f.amount_b_yuan),
              printf('%.2f', f.amount_a_yuan)) as evidence,
       r.source_rows
from flagged f
join who w using (id_number)
join source_rows r using (id_number)
order by amount_yuan desc, subject_id_number

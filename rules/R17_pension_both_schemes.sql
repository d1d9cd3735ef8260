/*
id: R17
title: Pensions of both schemes paid for the same months, or paid during a prison term
name_zh: 养老待遇异常
severity: high
rationale: >
  同一人（同一身份证号）在相同所属期既领取城乡居民基本养老保险待遇，又领取职工基本养老保险（企业职工或机关事业单位）待遇。
  按所属期逐月比较，两项各自扣除冲正、退回后的月净额都大于零的月份为重复领取月份；重叠期间城乡居民养老金为建议退还金额
  （同时领取的，终止城乡居民养老保险关系，已领取的城乡居民基础养老金应予退还）。
  已排除的误报：制度衔接（转移）月份——一项停发、另一项开始时重叠不超过 transfer_months 个月（默认1个月），
  以及备注注明衔接、转移的月份；金额为0或注明停发的行；冲正、退回后净额为零的月份；丧葬补助金、抚恤金等一次性待遇
  （不是养老金月份）；同名不同身份证号的人（按身份证号比较）。
  服刑期间领取：提供服刑人员名单（公安、司法）时，刑期内完整月份（入监次月至释放前一月）仍发放的养老金为线索
  （当地规定服刑期间停发的；参数 check_prison 可关闭）；名单姓名与本人不符的不认定；释放日期无法识别的不认定。
  未提供名单时该项未检查，并在每条线索中写明。
  死亡后继续领取养老金由 R01 检查（两项养老保险都是按月发放的项目）。
basis: 人社部 财政部《城乡养老保险制度衔接暂行办法》（人社部发〔2014〕17号）：参保人员不得同时领取城镇职工基本养老保险和城乡居民基本养老保险待遇，同时领取的终止城乡居民养老保险关系并退还已领取的基础养老金；劳社部函〔2001〕44号：退休人员服刑期间停发基本养老金（城乡居民养老以当地规定为准）
verify: >
  向人社部门调取两项养老保险的参保和待遇核定记录（职工养老待遇起始月份、城乡居民养老待遇终止月份、是否办理制度衔接），
  核实重叠月份是否属于衔接过渡期；不属于的，终止城乡居民养老保险待遇并追回重叠月份的城乡居民养老金。
  服刑期间领取的：调取判决书、执行通知书和释放证明，核实是否监外执行、假释，按当地停发规定计算应追回金额。
subject: recipient
case_key: [subject_id_number, anomaly]
amount_kind: overpaid      # amount_yuan: 重复领取月份的城乡居民养老金，或服刑期间的养老金
evidence: [subject_id_number, subject_name, county, township, village, anomaly, programme, resident_span, employee_span,
           prison_term, amount_a_yuan, amount_b_yuan, period_from, period_to, months, monthly_detail, amount_yuan, severity,
           facts, evidence, source_rows]
labels: {anomaly: 异常类型, prison_term: 服刑记录（场所、入监和释放日期、来源行）, programme: 所涉养老保险, resident_span: 城乡居民养老发放所属期（起止）, employee_span: 职工养老发放所属期（起止）,
         amount_a_yuan: 所涉月份城乡居民养老金（元）, amount_b_yuan: 所涉月份职工养老金（元）,
         monthly_detail: 所涉月份及两项金额, amount_yuan: 建议退还金额（元：重复领取为城乡居民养老金，服刑期间为两项合计）}
# schemes: [residents' programme, employees' programme] as named in sources/programmes.yaml.
# transfer_months: an overlap of at most this many months where one scheme stops as the other starts is a
#   scheme transfer (制度衔接), not a case. transfer_words: a remark marking a month as a transfer month.
# check_prison: pensions paid for whole months inside a prison term are cases (where the local rule suspends
#   them, domain.md §8.2 R17 [L]); runs only when a 服刑人员 list is supplied, else the cases say 未检查.
params:
  schemes: [城乡居民基本养老保险, 职工基本养老保险]
  transfer_months: 1
  transfer_words: 衔接|转移|转入|转出
  check_prison: true
traps:
  - bullet: "death benefits"
    decision: >
      死亡后发放由 R01 检查，不在本规则重复立案。丧葬补助金、一次性抚恤金等（sources/programmes.yaml 中 type: one_off）
      不是养老金月份：职工养老名册中“待遇类别”为丧葬补助金、抚恤金的行按一次性待遇读入，不与城乡居民养老金比较
      （tests/traps/R17.yaml 有一例）。
inputs: {required: [payments], optional: [prison_terms, persons]}
unchecked: {table: pensioners_without_prison_list, text: 名养老金领取人未检查服刑期间领取（未提供服刑人员名单）}
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
           string_agg(qf_month_zh(entitlement_month) || ' 居民' || qf_yuan(amount_a) || '/职工'
                      || qf_yuan(amount_b), '；' order by entitlement_month) as monthly_detail
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
), terms as (
    -- prison terms whose name is the person's (domain.md §8.1); an unreadable release date is not "still serving"
    select t.id_number, t.prison, t.start_on, t.end_on, t.source_file, t.sheet, t.row_no,
           date_trunc('month', t.start_on)::date as start_month, date_trunc('month', t.end_on)::date as end_month
    from prison_terms t
    left join known_names k using (id_number)
    where $check_prison and t.start_on is not null
      and not coalesce(t.warnings like '%BAD_DATE:end_on%', false)
      and (k.id_number is null or qf_same_name(k.name_norm, t.name_norm))
), jailed as (
    -- whole months inside the term: after the month of committal, before the month of release
    select distinct p.id_number, p.programme, p.entitlement_month, p.amount_yuan, t.prison, t.start_on, t.end_on,
           qf_row_ref(t.source_file, t.sheet, t.row_no) as term_row
    from paid p
    join terms t on t.id_number = p.id_number
    where p.entitlement_month > t.start_month and (t.end_on is null or p.entitlement_month < t.end_month)
), jailed_months as (
    select id_number, entitlement_month,
           coalesce(sum(amount_yuan) filter (where programme = $schemes[1]), 0) as amount_a,
           coalesce(sum(amount_yuan) filter (where programme = $schemes[2]), 0) as amount_b
    from (select distinct id_number, programme, entitlement_month, amount_yuan from jailed) group by all
), jailed_totals as (
    select m.id_number, min(m.entitlement_month) as period_from, max(m.entitlement_month) as period_to, count(*) as months,
           sum(m.amount_a) as amount_a_yuan, sum(m.amount_b) as amount_b_yuan,
           string_agg(qf_month_zh(m.entitlement_month) || ' 居民' || qf_yuan(m.amount_a) || '/职工'
                      || qf_yuan(m.amount_b), '；' order by m.entitlement_month) as monthly_detail,
           min(j.terms) as prison_term
    from jailed_months m
    join (select id_number, string_agg(distinct coalesce(prison, '服刑场所未注明') || ' ' || strftime(start_on, '%Y-%m-%d') || '入监，'
                                       || coalesce(strftime(end_on, '%Y-%m-%d') || '释放', '尚未释放') || '（' || term_row || '）', '；' order by coalesce(prison, '服刑场所未注明') || ' ' || strftime(start_on, '%Y-%m-%d') || '入监，'
                                       || coalesce(strftime(end_on, '%Y-%m-%d') || '释放', '尚未释放') || '（' || term_row || '）') as terms
          from jailed group by all) j using (id_number)
    group by all
), cases as (
    select '两项养老重复领取' as anomaly, id_number, period_from, period_to, months, amount_a_yuan, amount_b_yuan,
           monthly_detail, amount_a_yuan as amount_yuan, null as prison_term, n_marked
    from flagged
    union all
    select '服刑期间领取养老金', id_number, period_from, period_to, months, amount_a_yuan, amount_b_yuan,
           monthly_detail, amount_a_yuan + amount_b_yuan, prison_term, 0
    from jailed_totals
), who as (
    select id_number, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
           arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village
    from payments where id_number in (select id_number from cases) group by all
), source_rows as (
    select c.anomaly, c.id_number,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows,
           string_agg(distinct p.source_file, '、' order by p.source_file) as files,
           bool_or(coalesce(p.warnings like '%MONTH_FROM_DATE%', false)) as month_from_date,
           bool_or(coalesce(p.payment_kind = 'correction', false)) as has_correction
    from cases c
    join (select id_number, entitlement_month, '两项养老重复领取' as anomaly from overlap
          union all select id_number, entitlement_month, '服刑期间领取养老金' from jailed_months) o using (anomaly, id_number)
    join payments p on p.id_number = o.id_number and p.entitlement_month = o.entitlement_month
                   and p.programme in ($schemes[1], $schemes[2])
    group by all
)
select c.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village, c.anomaly,
       case when c.anomaly = '两项养老重复领取' then $schemes[1] || '、' || $schemes[2]
            else concat_ws('、', case when c.amount_a_yuan > 0 then $schemes[1] end,
                                  case when c.amount_b_yuan > 0 then $schemes[2] end) end as programme,
       strftime(sa.first_month, '%Y-%m') || '至' || strftime(sa.last_month, '%Y-%m') as resident_span,
       strftime(sb.first_month, '%Y-%m') || '至' || strftime(sb.last_month, '%Y-%m') as employee_span,
       c.prison_term, c.amount_a_yuan, c.amount_b_yuan, c.period_from, c.period_to, c.months, c.monthly_detail,
       c.amount_yuan,
       case when c.months >= 6 then 'high' when c.months >= 2 then 'medium' else 'low' end as severity,
       case when c.anomaly = '两项养老重复领取' then concat_ws('；',
           '据以认定：同一身份证号在' || $schemes[1] || '和' || $schemes[2] || '的发放明细（' || r.files || '）中有'
               || c.months || '个所属期两项净额均大于零（已扣除冲正、退回，不含金额为0或停发的行）',
           '推定：一项停发、另一项开始时重叠不超过' || $transfer_months || '个月视为制度衔接月份，不计入',
           case when c.n_marked > 0 then '推定：备注注明衔接、转移的' || c.n_marked || '个月份不计入' end,
           case when r.has_correction then '推定：重叠月份中有冲正、退回行，按净额计算' end,
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end,
           case when not $check_prison then '未检查：服刑期间领取（已按参数关闭）'
                when (select count(*) from prison_terms) = 0 then '未检查：服刑期间领取（未提供服刑人员名单）' end,
           '缺少：两项养老保险的待遇核定记录（起始、终止月份）、是否办理制度衔接')
       else concat_ws('；',
           '据以认定：服刑人员名单（' || c.prison_term || '）与养老金发放明细（' || r.files || '）按身份证号和姓名比对，刑期内'
               || c.months || '个完整月份（入监次月至释放前一月）仍有发放（已扣除冲正、退回）',
           '推定：当地规定服刑期间停发养老金（参数 check_prison；各地规定不同，以当地规定为准）',
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end,
           '缺少：判决书或执行通知书、是否监外执行或假释、当地停发规定') end as facts,
       case when c.anomaly = '两项养老重复领取' then
           format('{}（{}）在所属期{}至{}共{}个月同时领取{}（{}元）和{}（{}元），两项养老保险待遇不得同时领取；'
                  || '建议退还重叠期间的城乡居民养老金{}元。',
                  w.name, c.id_number, qf_month_zh(c.period_from), qf_month_zh(c.period_to), c.months,
                  $schemes[1], qf_yuan(c.amount_a_yuan), $schemes[2], qf_yuan(c.amount_b_yuan),
                  qf_yuan(c.amount_a_yuan))
       else
           format('{}（{}）服刑期间（{}）所属期{}至{}共{}个月仍领取养老金{}元；当地规定服刑期间停发的，应予追回。',
                  w.name, c.id_number, c.prison_term, qf_month_zh(c.period_from), qf_month_zh(c.period_to),
                  c.months, qf_yuan(c.amount_yuan)) end as evidence,
       r.source_rows
from cases c
join who w using (id_number)
join source_rows r using (anomaly, id_number)
left join spans sa on sa.id_number = c.id_number and sa.programme = $schemes[1]
left join spans sb on sb.id_number = c.id_number and sb.programme = $schemes[2]
order by amount_yuan desc, subject_id_number, anomaly;
-- needs_data
-- a prison term whose release date was written but cannot be read, of someone paid a pension after the committal
select t.id_number as subject_id_number, t.name as subject_name, y.county, y.township, y.village,
       '释放日期（无法识别）' as missing, '服刑期间是否仍领取养老金' as decides, t.source_file, t.sheet, t.row_no
from prison_terms t
join (select id_number, arg_max(county, (entitlement_month, county, township, village)) as county, arg_max(township, (entitlement_month, county, township, village)) as township,
             arg_max(village, (entitlement_month, county, township, village)) as village, max(entitlement_month) as last_month
      from payments where programme in ($schemes[1], $schemes[2]) group by all) y using (id_number)
where $check_prison and t.warnings like '%BAD_DATE:end_on%' and y.last_month > date_trunc('month', t.start_on)

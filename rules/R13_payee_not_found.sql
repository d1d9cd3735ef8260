/*
id: R13
title: A payee whose ID number is in no household register and no death record
name_zh: 查无此人
severity: high
rationale: >
  收款人的身份证号校验无误，却既不在户籍登记中，也不在任何死亡记录中：可能是虚构的人（虚报冒领）。
  只比对户籍资料实际覆盖的地区：覆盖范围取户籍行本身所属的乡镇（街道）或派出所辖区，不是整个县
  （户籍只有天马街道的，就不比对球川镇、江山市名册上的人）；户籍行没有乡镇的县按全县覆盖；发放地不明的行不比对。
  不在覆盖范围内的收款人计为“未检查”（表 payees_outside_registers）。
  已排除的误报：装载时因身份证号受损被隔离的户籍行、以及身份证号前 14 位（地址码和出生日期）与姓名都与户籍或死亡记录相符的人，
  都说明此人存在，不是“查无此人”；
  一次性补偿协议的权利人在协议签订之前已死亡（按月比较：死亡月份早于签订月份），而补偿款仍付给死者本人的，也列为线索；
  付给家庭成员或继承人的不标记（承包按户）；15 位旧号升位后与户籍相符（装载时已升位）；身份证号使用历史行政区划代码（如 332427 常山县）而户籍登记为现行代码、
  第 7–17 位相同且姓名相同的，视为同一人；校验位错误的号码在装载时已隔离（数据质量问题，不是“查无此人”）。
basis: 审计署虚报冒领审计方法；衢州市历史行政区划代码（身份证号保留首次登记地代码）
verify: >
  到公安户籍系统查询该号码；入户或到村核实此人是否存在、是否本地人；调取开户资料核实收款账户的实际所有人和取款人。
subject: recipient
case_key: [subject_id_number]
amount_kind: overpaid      # amount_yuan: 付给查无此人的号码的款项
evidence: [subject_id_number, subject_name, county, township, village, programme, payers,
           period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {programme: 领取的项目, payers: 发放来源（文件）, facts: 认定依据与缺失信息}
unchecked: {table: payees_outside_registers, text: 名收款人所在乡镇（派出所辖区）没有户籍数据，未检查}
inputs: {required: [payments, persons], optional: [death_records, compensation_agreements, compensation_payouts]}
traps:
  - bullet: "compensation for a deceased contract holder"
    decision: 承包按户，补偿协议上的承包人去世后款项由家庭成员或继承人领取是正常的：只有在协议签订月份之前已死亡、且补偿款仍付给死者本人（收款人身份证号或姓名为死者本人）的才列为线索；付给其他人的不标记（是否付给了无关的人由 R12 判断）。
*/
with known as (
    select id_number from persons union select id_number from death_records
), known_by_prefix as (
    -- digits 1–14 and name: the register (also its rows held back for a damaged number) and the death records
    select substr(id_number, 1, 14) as prefix14, name_norm from persons
    union select prefix14, name_norm from register_held_back where length(prefix14) = 14
    union select substr(id_number, 1, 14), name_norm from death_records
), paid as (
    select id_number, mode(name_norm) as name_norm,
           string_agg(distinct programme, '、' order by programme) as programmes,
           string_agg(distinct source_file, '；' order by source_file) as payers,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan
    from payments p
    where exists (select 1 from register_areas a
                  where a.township_code = p.township_code
                     or (p.township_code is null and a.township = p.township)
                     or (a.whole_county and a.county_code = p.county_code))
      and id_number not in (select id_number from known)
    group by id_number
), unknown as (
    select * from paid
), same_person as (
    -- the same digits 7–17 and name under a historical or current county code of the same place
    select u.id_number from unknown u join id_aliases a on a.alias_id = u.id_number and a.name_norm = u.name_norm
    union
    select u.id_number from unknown u join known_by_prefix k
      on k.prefix14 = substr(u.id_number, 1, 14) and k.name_norm = u.name_norm
), ghosts as (
    select * from unknown where id_number not in (select id_number from same_person)
), dead_signed as (
    -- agreements signed after the entitled person's death (compared by month: a date known to the month only
    -- compares at that precision)
    select a.*, d.death_on, d.is_imprecise as death_imprecise, d.death_evidence
    from compensation_agreements a join deaths d using (id_number)
    where a.signed_on is not null and d.death_month < date_trunc('month', a.signed_on)
), dead_numbers as (
    select id_number, min(agreement_no) as first_agreement_no, bool_or(agreement_no is null) as has_unnumbered
    from dead_signed group by id_number
), signed_alive as (
    -- a dead signer with a numbered agreement that was not signed after the death (as `not in` would say it:
    -- never when one of his agreements after the death has no number)
    select distinct c.id_number
    from compensation_agreements c
    join dead_numbers f using (id_number)
    left join dead_signed y on y.id_number = c.id_number and y.agreement_no = c.agreement_no
    where c.agreement_no is not null and y.id_number is null and not f.has_unnumbered
), dead_first as (
    -- per dead signer: his first agreement signed after the death, and whether any agreement of his was not
    -- (kept apart from the join below: Spark plans no subquery inside a join condition)
    select f.id_number, f.first_agreement_no, s.id_number is not null as signed_alive
    from dead_numbers f left join signed_alive s using (id_number)
), paid_to_dead as (
    -- what was paid to the dead person himself under them (an unnumbered payout only when every agreement of
    -- his was signed after the death)
    select x.id_number, min(x.name) as name, min(x.county) as county, min(x.township) as township,
           min(x.village) as village, string_agg(distinct x.project_name, '、' order by x.project_name) as project_name,
           string_agg(distinct x.agreement_no, '、' order by x.agreement_no) as agreement_nos, min(x.signed_on) as signed_on,
           min(x.death_on) as death_on, min(x.death_imprecise) as death_imprecise,
           min(x.death_evidence) as death_evidence, string_agg(distinct x.source_file, '；' order by x.source_file) as payers,
           string_agg(distinct qf_row_ref(x.source_file, x.sheet, x.row_no), '；' order by qf_row_ref(x.source_file, x.sheet, x.row_no)) as agreement_rows,
           sum(o.amount_paid_yuan) as amount_yuan, min(o.paid_on) as first_paid_on, max(o.paid_on) as last_paid_on,
           string_agg(qf_row_ref(o.source_file, o.sheet, o.row_no), '；' order by o.paid_on) as payout_rows
    from dead_signed x
    join dead_first f using (id_number)
    join compensation_payouts o on o.id_number = x.id_number
     and (o.agreement_no = x.agreement_no
          or (o.agreement_no is null and x.agreement_no = f.first_agreement_no and not f.signed_alive))
    where coalesce(o.payee_id_number, case when o.payee_name is null then o.id_number end) = x.id_number
       or (o.payee_id_number is null and o.payee_name_norm = x.name_norm)
    group by x.id_number
), who as (
    select id_number, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
           arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village,
           qf_row_refs(source_file, sheet, row_no, entitlement_month) as source_rows
    from payments where id_number in (select id_number from ghosts) group by all
)
select g.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village,
       g.programmes as programme, g.payers, g.period_from, g.period_to, g.months, g.amount_yuan,
       case when g.months >= 6 then 'high' else 'medium' end as severity,
       '据以认定：收款人所在乡镇在户籍资料覆盖范围内，身份证号在户籍（含装载时隔离的户籍行）和死亡记录中均无记录，'
           || '前 14 位与姓名也无相符者；缺少：公安户籍系统查询结果' as facts,
       format('收款人{}（{}）不在户籍登记中，也不在死亡记录中；所属期{}至{}共领取{}个月{}，合计{}元。',
              w.name, g.id_number, qf_month_zh(g.period_from), qf_month_zh(g.period_to),
              g.months, g.programmes, qf_yuan(g.amount_yuan)) as evidence,
       w.source_rows
from ghosts g
join who w using (id_number)
union all
select id_number, name, county, township, village, project_name, payers,
       date_trunc('month', first_paid_on)::date, date_trunc('month', last_paid_on)::date, null, amount_yuan, 'high',
       format('据以认定：死亡记录（{}）与补偿协议身份证号一致，死亡月份早于协议签订月份（{}），付款收款人为死者本人{}；'
              || '缺少：收款账户开户人及取款人信息', death_evidence, strftime(signed_on, '%Y-%m'),
              case when death_imprecise then '；推定：仅有注销日期，死亡日期不晚于注销日期' else '' end),
       format('补偿协议{}（{}）的权利人{}（{}）已于{}死亡，协议却在{}签订，补偿款{}元仍付给死者本人。',
              agreement_nos, coalesce(project_name, '项目不详'), name, id_number, qf_date_zh(death_on),
              qf_date_zh(signed_on), qf_yuan(amount_yuan)),
       agreement_rows || '；' || payout_rows
from paid_to_dead
order by amount_yuan desc, subject_id_number;

-- needs_data
-- payees living where no register extract reaches inside a county the registers partly cover (未检查: R13 could
-- not look for them; a county with no register at all is reported whole as 未检查 by the catalogue's coverage),
-- and agreements of a person with a death record whose signing date could not be read
select o.id_number as subject_id_number, o.name as subject_name, o.county, o.township, w.village,
       '户籍资料（' || coalesce(nullif(concat(o.county, o.township), ''), '收款人所在地不详') || '：不在已提供的户籍范围内）'
           as missing,
       format('{}（领取{}）是否查无此人：R13 未检查', o.name, o.programmes) as decides,
       w.source_file, w.sheet, w.row_no
from payees_outside_registers o
join (select id_number, arg_min(village, (source_file, sheet, row_no)) as village,
             min(source_file) as source_file, arg_min(sheet, (source_file, sheet, row_no)) as sheet,
             arg_min(row_no, (source_file, sheet, row_no)) as row_no
      from payments group by all) w using (id_number)
where o.county_code is null or o.county_code in (select county_code from register_areas)
union all
select a.id_number, a.name, a.county, a.township, a.village, '协议签订日期（无法识别）',
       format('{}的补偿协议{}是否在其死亡（{}）之后签订', a.name, coalesce(a.agreement_no, '（无编号）'),
              strftime(d.death_on, '%Y-%m-%d')),
       a.source_file, a.sheet, a.row_no
from compensation_agreements a join deaths d using (id_number)
where a.signed_on is null and qf_unreadable(a.warnings, 'signed_on')
order by subject_id_number, missing

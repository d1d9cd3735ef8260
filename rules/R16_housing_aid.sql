/*
id: R16
title: Dilapidated-house renovation aid to an ineligible household, or again within N years
name_zh: 危房改造不符合条件/重复享受
severity: medium
rationale: >
  住建危房改造名册中的补助户，审批时不属于保障对象类别（审批当月户主或其户籍同户成员有低保、特困或困难残疾人生活补贴
  净发放，或在低边/低收入/建档立卡名单内，即为符合；只有审批月份同时在低保、特困发放明细和低边/低收入名单的时段内才检查，
  否则计为部分未检查，不作为线索），
  或同一户主（身份证号）、同一户号在 repeat_years 年内再次获得危房改造补助，或审批时户主或同户成员为财政供养人员、
  名下有在用机动车、登记为个体工商户或企业的经营者，或审批前户主已死亡，或户主是本村村干部（本乡镇低保经办人员）的近亲属、审批时干部在任而未备案（亲属关系同 R10），或补助金额与鉴定等级（C级维修加固、D级重建）的补助标准不符。
  已排除的误报：名册注明因灾倒损（disaster_words）的户，可不属于上述类别；分户：重复享受按户主身份证号或名册户号比较，
  审批前后分户形成的新户（户主不同、户号不同）不算同一户；审批日期、鉴定等级无法识别的不推定，列入待补数据。
basis: 住房城乡建设部 财政部 民政部 国务院扶贫办《关于加强和完善建档立卡贫困户等重点对象农村危房改造若干问题的通知》（建村〔2017〕192号）：补助对象为建档立卡贫困户、低保户、农村分散供养特困人员和贫困残疾人家庭
verify: >
  调取危房改造审批档案（申请表、对象类别认定材料、房屋危险性鉴定报告）、验收资料和资金拨付凭证；核实审批时的对象类别、
  此前是否已享受危房改造补助、家庭成员的工作和车辆情况；不符合条件的追回补助资金。
subject: recipient
case_key: [subject_id_number, aid_year, anomaly]
amount_kind: at_stake      # amount_yuan: 危房改造补助金额，是否应退取决于核实资格
evidence: [subject_id_number, subject_name, county, township, village, programme, anomaly, aid_year, approved_on, grade,
           subsidy_yuan, decided_by, period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {anomaly: 异常类型, aid_year: 改造年度, approved_on: 审批日期, grade: 鉴定等级, subsidy_yuan: 补助金额（元）,
         decided_by: 据以认定的记录, amount_yuan: 涉及金额（元）}
# programmes: the eligible categories read from the payment ledgers by the approval month (低保, 特困; 困难残疾人
#   生活补贴 marks a 贫困残疾人 family). The 低边 / 低收入 / 建档立卡 lists are read from low_income_spans. Whether
#   the category could be checked at all (the approval month inside the 低保/特困 ledgers' and a list's months)
#   is housing_aid_coverage (rules/derived.sql); the rows it could not check are the rule's `unchecked:`.
# repeat_years: renovation money again within this many years of an earlier approval is a case.
# grade_c_yuan / grade_d_yuan: the subsidy per household by grade (configuration; may move to sources/standards/).
# scope: the cadres' relatives counted (avoidance: the 回避 circle, as R10's default; civil: 民法典 近亲属).
# disaster_words: a remark or category saying the house was damaged by a disaster (eligible outside the categories).
params:
  programmes: [最低生活保障, 特困人员供养, 困难残疾人生活补贴]
  repeat_years: 5
  grade_c_yuan: 10000
  grade_d_yuan: 30000
  disaster_words: 因灾|灾害|倒损|灾损|洪灾|地震|台风
  scope: avoidance
inputs: {required: [housing_aid], optional: [payments, low_income, persons, payroll, vehicles, businesses, death_records, cadres, kin_filings]}
unchecked: {table: housing_aid_unchecked, text: 户危房改造未能检查审批时的对象类别（审批月份不在低保、特困发放明细或低边、低收入名单的时段内）}
traps:
  - bullet: "households that split"
    decision: 重复享受按户主身份证号或名册户号比较；分户后户主不同、户号不同的新户不算同一户。对象类别按户主及其户籍同户成员的低保、特困发放检查，分户不使符合条件的户显得不符合。
  - bullet: "disaster-damaged houses"
    decision: 名册备注或对象类别注明因灾倒损的（参数 disaster_words），不检查对象类别，其他各项照常检查。
*/
with aid as (
    select *, qf_row_ref(source_file, sheet, row_no) as at_row,
              row_number() over (order by source_file, sheet, row_no, id_number, approved_on) as rk,
              date_trunc('month', approved_on)::date as approved_month,
              case when regexp_matches(upper(coalesce(grade, '')), 'D') or (grade is null and coalesce(method, '') like '%重建%') then 'D'
                   when regexp_matches(upper(coalesce(grade, '')), 'C') or (grade is null and coalesce(method, '') like '%加固%') then 'C'
              end as grade_cd,
              regexp_matches(concat_ws(' ', remark, category, method), $disaster_words) as disaster
    from housing_aid
    where approved_on is not null
), members as (
    select a.rk, a.id_number as head_id, a.id_number as member_id_number, '户主本人' as relation from aid a
    union
    select a.rk, a.id_number, h.member_id_number, '同户成员（与户主关系：' || coalesce(h.member_relation, '未注明') || '）'
    from aid a join housemates h on h.id_number = a.id_number and h.member_id_number <> a.id_number
), eligible as (
    select distinct m.rk from members m
    join aid a using (rk)
    join paid_months p on p.id_number = m.member_id_number and p.entitlement_month = a.approved_month
    where p.programme in (select unnest($programmes)) and p.amount_yuan > 0
    union
    select distinct m.rk from members m
    join aid a using (rk)
    join low_income_spans l on l.id_number = m.member_id_number and a.approved_month between l.from_month and l.to_month
), found as (
    select a.rk, '审批时不属于保障对象类别' as anomaly,
           '审批当月（' || strftime(a.approved_month, '%Y-%m') || '）户主及同户成员均无' || array_to_string($programmes, '、')
               || '发放记录，也不在低边/低收入名单（' || (select string_agg(distinct source_file, '、' order by source_file) from low_income_spans) || '）' as decided_by,
           a.subsidy_yuan as amount_yuan, 'medium' as severity
    from aid a
    -- only where both the ledgers and a list cover the approval month (housing_aid_coverage); the rest are 未检查
    join housing_aid_coverage k using (approved_month)
    where not a.disaster and a.rk not in (select rk from eligible) and k.ledgers_cover and k.list_covers
    union all
    select a.rk, '重复享受危房改造补助',
           '此前' || b.aid_year || '年已获补助（' || strftime(b.approved_on, '%Y-%m-%d') || '审批，'
               || coalesce(qf_yuan(b.subsidy_yuan::double) || '元', '金额未注明') || '，' || b.at_row || '）',
           a.subsidy_yuan, 'high'
    from aid a join aid b
      on b.rk <> a.rk and b.approved_on < a.approved_on
     and (b.id_number = a.id_number or (a.household_no is not null and b.household_no = a.household_no))
     and a.approved_on < b.approved_on + to_years($repeat_years::integer)
    union all
    select a.rk, '审批时家庭有财政供养人员',
           m.relation || ' ' || r.name || '（' || r.id_number || '）在' || coalesce(r.unit, '单位未注明') || '在编（'
               || coalesce(strftime(r.start_on, '%Y-%m-%d'), '入编日期未注明') || '起，' || qf_row_ref(r.source_file, r.sheet, r.row_no) || '）',
           a.subsidy_yuan, 'medium'
    from aid a join members m using (rk)
    join payroll r on r.id_number = m.member_id_number
    where (r.start_on is null or r.start_on <= a.approved_on) and (r.end_on is null or r.end_on > a.approved_on)
      and not qf_payroll_not_staff(concat_ws(' ', r.staff_type, r.status))
      and not (r.end_on is null and qf_payroll_left(r.status))
    union all
    select a.rk, '审批时家庭有机动车',
           m.relation || ' ' || v.name || '（' || v.id_number || '）名下' || coalesce(v.plate_no, '') || coalesce(v.vehicle_type, '')
               || '（' || coalesce(strftime(v.registered_on, '%Y-%m-%d'), '登记日期未注明') || '登记，' || qf_row_ref(v.source_file, v.sheet, v.row_no) || '）',
           a.subsidy_yuan, 'medium'
    from aid a join members m using (rk)
    join vehicles v on v.id_number = m.member_id_number
    where v.registered_on <= a.approved_on
      and (v.status_on is null or v.status_on > a.approved_on or not regexp_matches(coalesce(v.status, ''), '注销|报废|转移|转出'))
      and not (v.status_on is not null and v.status_on <= a.approved_on and regexp_matches(coalesce(v.status, ''), '注销|报废|转移|转出'))
    union all
    select a.rk, '审批时家庭有经营实体',
           m.relation || ' ' || b.name || '（' || b.id_number || '）为' || coalesce(b.business_name, '市场主体') || coalesce(b.role, '')
               || '（' || coalesce(strftime(b.established_on, '%Y-%m-%d'), '成立日期未注明') || '成立，'
               || qf_row_ref(b.source_file, b.sheet, b.row_no) || '）',
           a.subsidy_yuan, 'medium'
    from aid a join members m using (rk)
    join businesses b on b.id_number = m.member_id_number
    where b.established_on <= a.approved_on and qf_business_role(b.role) = 'operator'
      and (b.closed_on is null or b.closed_on > a.approved_on)
      and not (b.closed_on is null and regexp_matches(coalesce(b.status, ''), '注销|吊销'))
    union all
    select a.rk, '干部近亲属享受未备案',
           '户主是' || c.name || '（' || coalesce(c.post, c.roster) || '，' || qf_row_ref(c.source_file, c.sheet, c.row_no) || '）的'
               || k.label || '（' || case k.scope when 'civil' then '近亲属（民法典）' else '回避范围亲属' end || '；户籍：'
               || k.how || coalesce('，经' || k.via_name, '') || '），审批时干部在任，近亲属备案表中无此关系',
           a.subsidy_yuan, 'medium'
    from aid a
    join kin k on k.relative_id_number = a.id_number and (k.scope = 'civil' or $scope = 'avoidance')
    join cadres c on c.id_number = k.person_id_number
    where (case when c.roster = '低保经办人员' then a.township = c.township else a.village = c.village end)
      and qf_day_within(a.approved_on, c.term_start_on, c.term_end_on, c.warnings, 'term_start_on', 'term_end_on') = 'in'
      and not exists (select 1 from kin_filings f
                      where f.id_number = a.id_number
                        and (f.cadre_id_number = c.id_number or (f.cadre_id_number is null and f.cadre_name_norm = c.name_norm))
                        and (f.filed_on is null or f.filed_on <= a.approved_on))
    union all
    select a.rk, '审批前户主已死亡', '死亡记录：' || d.death_evidence, a.subsidy_yuan, 'high'
    from aid a join deaths d on d.id_number = a.id_number
    where d.death_on < a.approved_on and not d.is_imprecise
    union all
    select a.rk, '补助金额与鉴定等级不符',
           a.grade_cd || '级标准' || qf_yuan((case a.grade_cd when 'C' then $grade_c_yuan else $grade_d_yuan end)::double) || '元，名册'
               || qf_yuan(a.subsidy_yuan::double) || '元',
           a.subsidy_yuan - case a.grade_cd when 'C' then $grade_c_yuan else $grade_d_yuan end, 'low'
    from aid a
    where a.grade_cd is not null and a.subsidy_yuan is not null
      and a.subsidy_yuan <> case a.grade_cd when 'C' then $grade_c_yuan else $grade_d_yuan end
), cases as (
    select rk, anomaly, string_agg(decided_by, '；' order by decided_by) as decided_by,
           min(amount_yuan) as amount_yuan, min(severity) as severity
    from found group by all
)
select a.id_number as subject_id_number, a.name as subject_name, a.county, a.township, a.village, '危房改造' as programme,
       c.anomaly, a.aid_year, a.approved_on, coalesce(a.grade, a.method) as grade, a.subsidy_yuan, c.decided_by,
       a.approved_month as period_from, a.approved_month as period_to, 1 as months, c.amount_yuan, c.severity,
       concat_ws('；',
           '据以认定：' || c.decided_by,
           case when c.anomaly = '审批时不属于保障对象类别' and a.approved_on < date '2021-01-01'
                     and not exists (select 1 from low_income_spans where regexp_matches(concat_ws(' ', category, source_file), '建档立卡|扶贫|脱贫'))
                then '未检查：建档立卡（未提供名单；浙江等地以低收入农户认定代替）' end,
           case when not k.ledgers_cover or not k.list_covers
                then '未检查：审批时的对象类别（审批月份不在' || case when not k.ledgers_cover then '低保、特困发放明细' else '' end
                     || case when not k.ledgers_cover and not k.list_covers then '及' else '' end
                     || case when not k.list_covers then '低边、低收入名单' else '' end || '的时段内，或未提供）' end,
           case when c.anomaly in ('审批时家庭有财政供养人员', '审批时家庭有机动车', '审批时家庭有经营实体', '审批时不属于保障对象类别')
                then '推定：户籍同户成员即该户家庭成员（按当前户籍，审批前后分户的可能不同）' end,
           case when c.anomaly = '补助金额与鉴定等级不符'
                then '推定：补助标准C级' || $grade_c_yuan || '元、D级' || $grade_d_yuan || '元（参数，各地标准不同）' end,
           case when c.anomaly = '干部近亲属享受未备案'
                then '推定：亲属关系取自户籍（范围参数 scope=' || $scope || '），干部任职期按日比较' end,
           case when a.disaster then '推定：名册注明因灾倒损，不检查对象类别' end,
           '缺少：审批档案、房屋危险性鉴定报告、验收资料') as facts,
       format('{}（{}）{}年危房改造（{}审批，{}，补助{}元）：{}。{}', a.name, a.id_number, a.aid_year,
              strftime(a.approved_on, '%Y-%m-%d'), coalesce(a.grade, a.method, '等级未注明'),
              coalesce(qf_yuan(a.subsidy_yuan::double), '未注明'), c.anomaly, c.decided_by) as evidence,
       a.at_row as source_rows
from cases c join aid a using (rk) join housing_aid_coverage k using (approved_month)
order by subject_id_number, aid_year, anomaly;
-- needs_data
-- an aid row whose approval date is missing or cannot be read, or whose grade cannot be read; and one whose
-- household (the head and the register's housemates) has a vehicle whose registration date was not given or
-- could not be read: whether it was registered at approval cannot be told (never a case, never dropped)
select h.id_number as subject_id_number, h.name as subject_name, h.county, h.township, h.village,
       case when qf_unreadable(h.warnings, 'approved_on') then '审批日期（无法识别）'
            when h.approved_on is null then '审批日期（未填写）' else '鉴定等级（无法识别）' end as missing,
       case when h.approved_on is null then '审批时是否符合条件、是否重复享受' else '补助金额是否与鉴定等级相符' end as decides,
       h.source_file, h.sheet, h.row_no
from housing_aid h
where h.approved_on is null
   or (h.grade is not null and not regexp_matches(upper(h.grade), '[CD]') and not regexp_matches(coalesce(h.method, ''), '重建|加固'))
union all
select distinct h.id_number, h.name, h.county, h.township, h.village,
       '家庭成员车辆的初次登记日期（' || if(qf_unreadable(v.warnings, 'registered_on'), '无法识别', '未填写') || '）',
       '审批时（' || strftime(h.approved_on, '%Y-%m-%d') || '）' || v.name || '名下车辆' || coalesce(v.plate_no, '') || '是否已登记',
       h.source_file, h.sheet, h.row_no
from housing_aid h
join (select id_number, id_number as member_id_number from housing_aid
      union
      select id_number, member_id_number from housemates) m on m.id_number = h.id_number
join vehicles v on v.id_number = m.member_id_number
where h.approved_on is not null and v.registered_on is null
  and not (v.status_on is not null and v.status_on <= h.approved_on and regexp_matches(coalesce(v.status, ''), '注销|报废|转移|转出'))

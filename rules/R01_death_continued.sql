/*
id: R01
title: Payments continue after the recipient's death
name_zh: 死亡后继续发放
severity: high            # the most severe a case can be; each case is graded by its months
rationale: >
  受助人享受按月发放的待遇至死亡当月，自次月起停发。死亡当月之后每一个已发放的所属期都是多发。
  死亡日期取公安（户籍注销）、民政（火化）、卫健（死亡医学证明）中姓名与本人相符的记录里最早的死亡或火化日期；
  只有户籍注销日期时以其为上限（实际死亡可能更早），各来源相差超过31天时取最早日期并列出全部日期。
  姓名仅有繁简体之别或生僻字被系统替换的，视为同一人并在证据中注明；其他姓名不符的（重号、录错人）不认定死亡，列入身份冲突（R15）。
  低保按户保障：死者是多人户的成员时，死亡次月起保障人数和金额都已减少的不是问题（即使名册仍以死者为户主）；
  未减少的为“未减员”，多发金额按人均保障金额（金额÷保障人数）乘以月数计算。单人户按个人计算。
  死者不是名册上的户主而是户籍同户成员时，只在全户都在保障人数内（保障人数等于死亡时在户人数）时认定，
  否则无法判断死者是否为保障对象。
  已排除的误报：丧葬补助金、抚恤金、一次性补助等一次性待遇（本就在死亡后发放）；死亡前月份的补发款在死亡后发放（按所属期而非发放日期判断）；
  冲正退回后净额为零的月份；金额为0或注明停发的行。
basis: 国发〔2015〕52号；各地残疾人两项补贴、最低生活保障、特困供养、城乡居民养老保险停发规定（自情况发生的次月起停发）
verify: >
  调取死亡证明、火化证明或户籍注销证明核实死亡日期；调取死亡后各月的发放明细和银行流水，查明死亡后
  由谁取款、代领人是谁（决定是工作失误还是冒领）；核实是否有“宣告死亡”被撤销等情形。
subject: recipient
severity_rule: 1 month after death → low (reporting lag); 2–5 → medium; 6 or more → high; still paid in the last month of the data → at least medium
case_key: [subject_id_number, programme]
amount_kind: overpaid      # amount_yuan: 每个死亡次月以后已发放的所属期
material: [death_sources]        # besides a larger amount or a later month: what reopens a closed case
evidence: [subject_id_number, subject_name, county, township, village, programme, death_on, death_sources,
           period_from, period_to, months, amount_yuan, is_ongoing, data_last_month, severity, facts, evidence, source_rows]
# household_programmes: programmes insured per household (保障人数): a dead member is removed, not the household stopped
params: {grace_months: 0, household_programmes: [最低生活保障]}
traps:
  - bullet: "宣告死亡 later revoked"
    decision: >
      送来的死亡记录里没有“宣告死亡被撤销”的信息，规则无法区分。死亡信息来自公安注销且无火化、死亡医学证明的，
      “认定依据与缺失信息”一栏写明缺少火化记录和死亡医学证明；核查时先向公安核实注销原因（宣告死亡的是否已撤销）。
  - bullet: "the list shows planned, not executed, payments"
    decision: >
      发放名册本身看不出是计划发放还是已经到账。规则按名册认定所属期已发放，核查要点要求调取银行流水核实到账与取款人；
      负数冲正、退回和注明停发、金额为0的行不计为发放。
inputs: {required: [payments, death_records], optional: [persons]}
*/
with watched as (
    -- whose payments each death is checked against: the dead person's own; and, for programmes insured per
    -- household, those of the payee of the household the dead person is registered in
    select id_number, id_number as payee_id, death_month, death_on, false as is_member, null as member_name
    from deaths where death_month is not null
    union
    select distinct d.id_number, ph.id_number, d.death_month, d.death_on, true, pm.name
    from deaths d
    join persons pm on pm.id_number = d.id_number and pm.household_no is not null
    join persons ph on ph.household_no = pm.household_no and ph.id_number <> d.id_number
    where d.death_month is not null
      and ph.id_number in (select id_number from paid_months where programme in (select unnest($household_programmes)))
), periodic as (
    -- the months paid of programmes paid month by month (one-off payments such as 丧葬补助金 are due after a
    -- death), net of corrections, summed over sub-types, with the household's 保障人数 where stated
    select w.id_number, w.payee_id, w.is_member, w.member_name, w.death_month, m.programme, m.entitlement_month,
           sum(m.amount_yuan) as amount_yuan, max(m.household_size) as household_size
    from watched w join paid_months m on m.id_number = w.payee_id
    where m.is_periodic and (not w.is_member or m.programme in (select unnest($household_programmes)))
    group by all
), before as (
    -- the household as it was paid in the last month up to the death
    select id_number, payee_id, programme, arg_max(household_size, (entitlement_month, household_size, amount_yuan)) as size_before,
           arg_max(amount_yuan, (entitlement_month, household_size, amount_yuan)) as amount_before
    from periodic where entitlement_month <= death_month and amount_yuan > 0
    group by all
), alive as (
    -- for a dead member: the household's registered members alive and not moved away at the death
    select w.id_number, w.payee_id, count(distinct pr.id_number) as n_registered
    from watched w
    join persons pm on pm.id_number = w.id_number
    join persons pr on pr.household_no = pm.household_no
    left join deaths dd on dd.id_number = pr.id_number
    where w.is_member and (dd.death_month is null or dd.death_month >= w.death_month)
      and not coalesce(regexp_matches(pr.status, '迁出|迁移') and pr.change_on < w.death_on, false)
    group by all
), after as (
    select p.*, b.size_before, b.amount_before,
           coalesce(p.programme in (select unnest($household_programmes)) and b.size_before > 1, false) as is_household,
           not p.is_member and p.programme in (select unnest($household_programmes)) and b.size_before is null as size_unknown
    from periodic p
    left join before b using (id_number, payee_id, programme)
    left join alive a using (id_number, payee_id)
    where p.entitlement_month > p.death_month + to_months($grace_months) and p.amount_yuan > 0
      -- a dead member other than the payee counts only where the household was insured in full (保障人数 =
      -- its registered members alive): otherwise whether the dead one was insured is not known; and not when
      -- the dead member is paid under the programme in their own name (then the own payments decide)
      and (not p.is_member or (b.size_before > 1 and b.size_before = a.n_registered
                               and p.id_number not in (select id_number from paid_months o where o.programme = p.programme)))
), overpaid as (
    -- a household of several whose 保障人数 and amount both fell after the death has removed the dead member;
    -- one that did not is overpaid the dead member's share (the amount per insured person)
    select *, case when is_household then round(amount_yuan / coalesce(nullif(household_size, 0), size_before), 2)
                   else amount_yuan end as excess_yuan
    from after
    where not (is_household and household_size < size_before and amount_yuan < amount_before)
), cases as (
    select id_number, payee_id, programme, min(is_member) as is_member, min(member_name) as member_name,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(*) as months, sum(excess_yuan) as amount_yuan, bool_or(is_household) as is_household,
           max(size_before) as size_before, bool_or(size_unknown) as size_unknown
    from overpaid
    group by id_number, payee_id, programme
), source_rows as (
    -- where an investigator finds each overpaid month in the files received
    select o.id_number, o.programme,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows,
           bool_or(coalesce(p.warnings like '%MONTH_FROM_DATE%', false)) as month_from_date
    from (select distinct id_number, payee_id, programme, entitlement_month from overpaid) o
    join payments p on p.id_number = o.payee_id and p.programme = o.programme and p.entitlement_month = o.entitlement_month
    group by all
)
select c.id_number as subject_id_number,
       coalesce(c.member_name, y.name) as subject_name,
       y.county, y.township, y.village, c.programme,
       d.death_on,
       d.death_evidence as death_sources,
       c.period_from, c.period_to, c.months, c.amount_yuan,
       c.period_to = w.last_month as is_ongoing,
       w.last_month as data_last_month,
       case when c.months >= 6 then 'high'
            when c.months >= 2 or c.period_to = w.last_month then 'medium'
            else 'low' end as severity,
       concat_ws('；',
           '据以认定：' || d.sources || '的死亡记录（' || strftime(d.death_on, '%Y-%m-%d') || '）与'
               || case when c.is_member then '户籍' else '发放明细' end || '身份证号、姓名一致'
               || coalesce('（' || d.name_notes || '）', '')
               || case when c.is_member then '；户籍同户' || c.size_before || '人均在保障人数内（保障人数' || c.size_before || '人）'
                       else '' end
               || case when c.is_household then '；死亡前保障人数' || c.size_before || '人，死亡后保障人数和金额未同时减少' else '' end,
           '缺少：' || nullif(concat_ws('、', case when not contains(d.sources, '卫健') then '卫健死亡医学证明' end,
                                        case when not contains(d.sources, '公安') then '公安户籍注销记录' end,
                                        case when not contains(d.sources, '火化') then '火化记录' end), ''),
           case when d.is_imprecise then '推定：无死亡或火化日期，以户籍注销日期作为死亡日期的上限' end,
           case when d.has_date_conflict then '注意：各来源死亡日期相差超过31天，已取最早日期' end,
           case when c.size_unknown then '推定：发放明细未列保障人数，按单人户计算多发金额' end,
           case when r.month_from_date then '推定：部分行所属期无法识别，取发放日期所在月份' end) as facts,
       case when c.is_household
       then format('{}（{}）{}死亡（{}）；{}{}户保障人数{}人，死亡后保障人数和金额未减少（未减员）：所属期{}至{}共{}个月，按人均保障金额计多发{}元{}。',
              coalesce(c.member_name, y.name), c.id_number, qf_date_zh(d.death_on), d.death_evidence,
              case when c.is_member then '其所在户（' || y.name || '（' || c.payee_id || '）名下）的' else '' end,
              c.programme, c.size_before,
              qf_month_zh(c.period_from), qf_month_zh(c.period_to), c.months,
              qf_yuan(c.amount_yuan),
              case when c.period_to = w.last_month
                   then '，至数据截止月（' || qf_month_zh(w.last_month) || '）仍未减员' else '' end)
       else format('{}（{}）{}死亡（{}）；{}在死亡后仍发放：所属期{}至{}共{}个月，合计{}元{}。',
              y.name, c.id_number, qf_date_zh(d.death_on), d.death_evidence, c.programme,
              qf_month_zh(c.period_from), qf_month_zh(c.period_to), c.months,
              qf_yuan(c.amount_yuan),
              case when c.period_to = w.last_month
                   then '，至数据截止月（' || qf_month_zh(w.last_month) || '）仍在发放' else '' end) end as evidence,
       r.source_rows
from cases c
join deaths d using (id_number)
join payees y on y.id_number = c.payee_id and y.programme = c.programme
join programme_windows w on w.programme = c.programme
join source_rows r on r.id_number = c.id_number and r.programme = c.programme
order by c.amount_yuan desc, subject_id_number, c.programme;

-- needs_data
-- people paid a periodic benefit whose death record (name matching) gives no date that can be read: whether
-- they were paid after their death cannot be decided until the date is supplied
with members as (
    -- a dead member of a registered household whose payee is paid per household (保障人数 stated) ...
    select d.id_number, d.death_month, d.death_on, pm.name, pm.household_no, ph.id_number as payee_id, m.programme,
           m.entitlement_month, m.amount_yuan, m.household_size
    from deaths d
    join persons pm on pm.id_number = d.id_number and pm.household_no is not null
    join persons ph on ph.household_no = pm.household_no and ph.id_number <> d.id_number
    join paid_months m on m.id_number = ph.id_number and m.programme in (select unnest($household_programmes))
    where d.death_month is not null and m.is_periodic
      and d.id_number not in (select id_number from paid_months o where o.programme = m.programme)
), sizes as (
    select id_number, payee_id, programme, min(name) as name, min(household_no) as household_no,
           min(death_on) as death_on,
           arg_max(household_size, (entitlement_month, household_size)) filter (where entitlement_month <= death_month) as size_before,
           bool_or(entitlement_month > death_month and amount_yuan > 0) as paid_after,
           min(household_size) filter (where entitlement_month > death_month and amount_yuan > 0) as size_after
    from members group by all
), alive as (
    select s.id_number, s.payee_id, s.programme, count(distinct pr.id_number) as n_registered
    from sizes s
    join persons pr on pr.household_no = s.household_no
    left join deaths dd on dd.id_number = pr.id_number
    where dd.death_month is null or dd.death_month >= date_trunc('month', s.death_on)
    group by all
)
-- ... paid on after the death at an unchanged 保障人数 that is not the household's registered size: whether the
-- dead member was insured (and the household should have been reduced) needs the list of insured members
select s.id_number as subject_id_number, s.name as subject_name, y.county, y.township, y.village,
       '保障对象名单（' || s.programme || '保障人数' || s.size_before || '人，户籍在户' || a.n_registered || '人）' as missing,
       s.name || '死亡后' || y.name || '户的' || s.programme || '是否应当减员' as decides,
       l.loc['f'] as source_file, l.loc['s'] as sheet, l.loc['r'] as row_no
from sizes s
join alive a using (id_number, payee_id, programme)
join payees y on y.id_number = s.payee_id and y.programme = s.programme
join (select id_number, programme, arg_max({'f': source_file, 's': sheet, 'r': row_no}, (entitlement_month, row_no)) as loc
      from payments group by all) l on l.id_number = s.payee_id and l.programme = s.programme
where s.paid_after and s.size_before > 1 and s.size_before <> a.n_registered and s.size_after >= s.size_before
union all
select r.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       qf_death_date_missing(r.warnings) as missing,
       y.name || '（' || r.source || '记录其死亡）死亡后' || y.programme || '是否仍在发放' as decides,
       r.source_file, r.sheet, r.row_no
from undated_death_records r   -- rules/derived.sql
join payees y on y.id_number = r.id_number
where y.programme in (select programme from paid_months where is_periodic and id_number = r.id_number)
order by subject_id_number, source_file, row_no

/*
id: R07
title: A 低保 household with a member on the public payroll
name_zh: 财政供养人员家庭享受低保
severity: high
rationale: >
  享受最低生活保障的家庭（或受助人本人）有成员在领取财政工资（行政、参公、事业单位在编在职人员），且在职期间与低保发放月份重叠。
  财政供养收入是重要的收入线索，各地纪委、审计都把它作为疑点（需核实家庭收入是否超标）。低保家庭以户籍同户成员代替。
  受助人本人在职为高风险；同户其他成员在职为中风险（同户不一定是共同生活的低保家庭成员）。在职期间与发放月份按月比较。
  已排除的误报：单独施保的受助人（重残单独施保、单列户、单人户施保等写法，见 sources/assistance_words.yaml）只比对本人
  （保障人数为1人本身不能说明其他同户成员不共同生活：隐瞒成员收入的家庭也只保1人）；在低保发放月份之前已离职、退休的成员（退休后领的是退休金，不是在编）；
  编外、临时、劳务派遣等非财政供养人员；在首次发放之后才入编的，年度复核前（recheck_months 个月）的月份不计。
  离职、退休日期无法识别，或人员状态为离职、退休而未写日期的，不推定仍在职，列入待补数据。
basis: 《最低生活保障审核确认办法》（民发〔2021〕57号）家庭收入核算；浙江省重残单独施保政策（2008）
verify: >
  调取财政供养人员的工资发放记录（单位、在职期间、月工资）和低保审批时的家庭收入核算表，核实申报收入是否遗漏工资；
  核实该成员是否与受助人共同生活；确属隐瞒收入的，计算应追回的低保金。
subject: recipient
case_key: [subject_id_number, related_id_number]
amount_kind: at_stake      # amount_yuan: 财政供养成员在职期间的低保，是否多发取决于核实家庭收入
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, unit, employed_from, employed_to, period_from, period_to, months, amount_yuan, severity,
           facts, evidence, source_rows]
labels: {related_id_number: 财政供养成员身份证号, related_name: 财政供养成员姓名, related_relation: 与受助人关系,
         unit: 工作单位, employed_from: 入编日期, employed_to: 离职日期}
params: {programmes: [最低生活保障], recheck_months: 12}
inputs: {required: [payments, payroll], optional: [persons]}
traps:
  - bullet: "not 共同生活"
    decision: 户籍数据看不出同户成员是否共同生活（保障人数为1人也不能说明：隐瞒成员收入的家庭同样只保1人）；名册注明单独施保的只比对本人，其余同户成员按中风险列出（本人为高风险），认定依据中写明“推定户籍同户成员即共同生活的低保家庭成员”和保障人数，核查时入户核实该成员是否与受助人共同生活、是否计入低保家庭。
*/
with hh as (
    select * from household_paid_months($programmes)   -- rules/kinship.sql
), first_paid as (
    -- the approval is no later than the first paid month the ledgers show
    select id_number, programme, min(entitlement_month) as first_month from hh group by all
), staff as (
    -- 财政供养: not the temporary or contract workers a unit lists beside its staff (assistance_words.yaml)
    select *, qf_row_ref(source_file, sheet, row_no) as at_row, qf_payroll_left(status) as says_left
    from payroll
    where not qf_payroll_not_staff(concat_ws(' ', staff_type, status))
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           p.household_basis, e.name as related_name, e.unit, e.start_on, e.end_on, e.at_row as payroll_row,
           -- in post that month, compared by month; an unreadable date, or a 离职/退休 status without its date, is
           -- not "still employed"
           case when w = 'in' and e.says_left and e.end_on is null then 'unknown' else w end as state,
           -- hired after the approval: the annual re-check had not yet come
           date_trunc('month', e.start_on) > f.first_month
               and p.entitlement_month < date_trunc('month', e.start_on) + to_months($recheck_months) as before_recheck
    from hh p
    join first_paid f using (id_number, programme)
    join staff e on e.id_number = p.member_id_number,
    lateral (select qf_month_within(p.entitlement_month, e.start_on, e.end_on, e.warnings, 'start_on', 'end_on') as w)
), cases as (
    select id_number, member_id_number, min(programme) as programme, min(is_self) as is_self,
           min(related_relation) as related_relation, min(related_name) as related_name,
           min(household_basis) as household_basis,
           string_agg(distinct unit, '、' order by unit) as unit, min(start_on) as employed_from, max(end_on) as employed_to,
           min(entitlement_month) filter (where not before_recheck) as period_from,
           max(entitlement_month) filter (where not before_recheck) as period_to,
           count(distinct entitlement_month) filter (where not before_recheck) as months,
           sum(amount_yuan) filter (where not before_recheck) as amount_yuan,
           count(distinct entitlement_month) filter (where before_recheck) as lag_months,
           string_agg(distinct payroll_row, '；' order by payroll_row) as payroll_rows
    from months where state = 'in'
    group by id_number, member_id_number
    having count(*) filter (where not before_recheck) > 0
), ledger_rows as (
    select p.id_number, string_agg(distinct qf_row_ref(p.source_file, p.sheet, p.row_no), '；'
                                   order by qf_row_ref(p.source_file, p.sheet, p.row_no)) as rows
    from payments p join (select distinct id_number, programme, entitlement_month from months where state = 'in') m
      using (id_number, programme, entitlement_month)
    group by all
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.unit,
       c.employed_from, c.employed_to, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when c.is_self then 'high' else 'medium' end as severity,
       '据以认定：财政供养人员名单（' || c.payroll_rows || '）身份证号与' || case when c.is_self then '受助人' else '同户成员' end
           || '一致，' || coalesce(strftime(c.employed_from, '%Y-%m-%d') || '入编', '入编日期未填写') || '，'
           || coalesce(strftime(c.employed_to, '%Y-%m-%d') || '离职（退休）', '名单中未离职') || '，在职月份与发放月份按月比较重叠'
           || '；' || c.household_basis
           || case when c.lag_months > 0 then '；未计：入编晚于首次发放，年度复核前的' || c.lag_months || '个月' else '' end
           || '；推定：' || qf_member_presumed(c.is_self)
           || '工资收入未在低保家庭收入中申报（未核对低保审批时的收入核算表）' as facts,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}在{}任职（财政供养），在职期间与发放月份重叠。',
              y.name, c.id_number, c.programme, qf_month_zh(c.period_from), qf_month_zh(c.period_to),
              c.months, qf_yuan(c.amount_yuan),
              qf_member_zh(c.is_self, c.related_relation, c.related_name), c.unit) as evidence,
       c.payroll_rows || '；' || r.rows as source_rows
from cases c
join payees y using (id_number, programme)
join ledger_rows r using (id_number)
order by c.is_self desc, c.amount_yuan desc, subject_id_number;

-- needs_data
-- 待补数据: a household member on the payroll whose dates cannot decide whether they were in post in a paid
-- month: a 离职/退休 date (or 入编 date) that could not be read, or a 离职/退休 status without its date
with staff as (
    select *, qf_payroll_left(status) as says_left
    from payroll
    where not qf_payroll_not_staff(concat_ws(' ', staff_type, status))
), unknown as (
    select p.id_number, p.programme, p.is_self, p.related_relation, e.name, e.unit, e.status, e.warnings,
           e.source_file, e.sheet, e.row_no, min(p.entitlement_month) as month_from, max(p.entitlement_month) as month_to
    from household_paid_months($programmes) p   -- rules/kinship.sql
    join staff e on e.id_number = p.member_id_number,
    lateral (select qf_month_within(p.entitlement_month, e.start_on, e.end_on, e.warnings, 'start_on', 'end_on') as w)
    where w = 'unknown' or (w = 'in' and e.says_left and e.end_on is null)
    group by all
)
select u.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       case when qf_unreadable(u.warnings, 'end_on') then '离职/退休日期（无法识别）'
            when qf_unreadable(u.warnings, 'start_on') then '入编日期（无法识别）'
            else '离职/退休日期（人员状态为“' || u.status || '”，未填写日期）' end as missing,
       format('{}领取{}（{}至{}）时，{}是否仍在{}在编在职', y.name, u.programme, qf_month_zh(u.month_from),
              qf_month_zh(u.month_to),
              qf_member_zh(u.is_self, u.related_relation, u.name), u.unit) as decides,
       u.source_file, u.sheet, u.row_no
from unknown u
join payees y using (id_number, programme)
order by subject_id_number, source_file, row_no

/*
id: R07
title: A 低保 household with a member on the public payroll
name_zh: 财政供养人员家庭享受低保
severity: high
rationale: >
  享受最低生活保障的家庭（或受助人本人）有成员在领取财政工资（行政、参公、事业单位在编在职人员），且在职期间与低保发放月份重叠。
  财政供养收入是重要的收入线索，各地纪委、审计都把它作为疑点（需核实家庭收入是否超标）。低保家庭以户籍同户成员代替。
  受助人本人在职为高风险；同户其他成员在职为中风险（同户不一定是共同生活的低保家庭成员）。
  已排除的误报：重残单独施保（浙江允许重度残疾人单独纳入低保，名册中标注“单独施保”的不比对家庭成员）；
  在低保发放月份之前已离职、退休的成员；离退休人员。仍需人工排除：户口在一起但不共同生活的成员。
basis: 《最低生活保障审核确认办法》（民发〔2021〕57号）家庭收入核算；浙江省重残单独施保政策（2008）
verify: >
  调取财政供养人员的工资发放记录（单位、在职期间、月工资）和低保审批时的家庭收入核算表，核实申报收入是否遗漏工资；
  核实该成员是否与受助人共同生活；确属隐瞒收入的，计算应追回的低保金。
subject: recipient
case_key: [subject_id_number, related_id_number]
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, unit, employed_from, employed_to, period_from, period_to, months, amount_yuan, severity,
           evidence, source_rows]
labels: {related_id_number: 财政供养成员身份证号, related_name: 财政供养成员姓名, related_relation: 与受助人关系,
         unit: 工作单位, employed_from: 入编日期, employed_to: 离职日期}
params: {programmes: [最低生活保障], alone_words: 单独施保}
inputs: {required: [payments, payroll], optional: [persons]}
*/
with employed as (
    select id_number, name, unit, start_on, end_on, source_file, sheet, row_no from payroll
    where status is null or not regexp_matches(status, '离|退|辞|调出|死亡')
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           e.name as related_name, e.unit, e.start_on, e.end_on,
           qf_row_ref(e.source_file, e.sheet, e.row_no) as payroll_row
    from household_paid_months($programmes, $alone_words) p   -- sources/kinship.sql
    join employed e on e.id_number = p.member_id_number
    where (e.start_on is null or e.start_on <= last_day(p.entitlement_month))
      and (e.end_on is null or e.end_on >= p.entitlement_month)
), cases as (
    select id_number, member_id_number, any_value(programme) as programme, any_value(is_self) as is_self,
           any_value(related_relation) as related_relation, any_value(related_name) as related_name,
           string_agg(distinct unit, '、' order by unit) as unit, min(start_on) as employed_from, max(end_on) as employed_to,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan,
           string_agg(distinct payroll_row, '；' order by payroll_row) as payroll_rows
    from months group by id_number, member_id_number
), ledger_rows as (
    select p.id_number, string_agg(distinct qf_row_ref(p.source_file, p.sheet, p.row_no), '；'
                                   order by qf_row_ref(p.source_file, p.sheet, p.row_no)) as rows
    from payments p join (select distinct id_number, programme, entitlement_month from months) m
      using (id_number, programme, entitlement_month)
    group by all
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.unit,
       c.employed_from, c.employed_to, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when c.is_self then 'high' else 'medium' end as severity,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}{}在{}任职（财政供养），在职期间与发放月份重叠。',
              y.name, c.id_number, c.programme, strftime(c.period_from, '%Y年%-m月'), strftime(c.period_to, '%Y年%-m月'),
              c.months, printf('%.2f', c.amount_yuan),
              case when c.is_self then '受助人本人' else '其' || c.related_relation end,
              case when c.is_self then '' else c.related_name end, c.unit) as evidence,
       c.payroll_rows || '；' || r.rows as source_rows
from cases c
join payees y using (id_number, programme)
join ledger_rows r using (id_number)
order by c.is_self desc, c.amount_yuan desc, subject_id_number

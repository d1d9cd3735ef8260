/*
id: R10
title: A relative of a village cadre or case worker receives assistance, not filed
name_zh: 村干部近亲属享受救助未备案（优亲厚友）
severity: high
rationale: >
  低保、特困或残疾人两项补贴的受助人，是本村村干部或本乡镇低保经办人员的近亲属（范围 scope 可选：默认 avoidance，即公务员回避范围：
  夫妻、直系血亲、三代以内旁系血亲和近姻亲，含配偶的兄弟姐妹及其配偶；或民法典近亲属 civil），干部任职期间与发放月份重叠，
  而近亲属备案表中没有这层关系（或备案晚于任职期内首次发放的月份：迟备案，低风险，只计备案前的月份）。干部本人或同户家庭成员享受的也列出。
  任职、备案和发放一律按月比较；只写到年月的日期按该月比较。亲属关系取自户籍（同户与户主关系、配偶/父母身份证号），每条线索写明关系的来源和亲属范围。
  已排除的误报：已备案（备案日期只写到年月的也是备案）；干部任职在发放月份之前已结束；只是同姓而户籍中没有亲属关系；外村（或外乡镇、外县）的亲属。
  任职日期无法识别、备案日期无法识别的，不推定“仍在任”“未备案”，列入待补数据。
basis: 民发〔2012〕220号《最低生活保障审核审批办法（试行）》（近亲属享受低保须备案）；各省近亲属备案制度；民法典第1045条
verify: >
  调取户口簿或户籍证明核实亲属关系；调取近亲属备案登记表和该户的低保（特困、补贴）审批表，看干部是否参与审核、是否回避；
  入户核查该户是否符合条件。
subject: recipient
case_key: [subject_id_number, cadre_id_number]
amount_kind: at_stake      # amount_yuan: 近亲属享受的待遇，未备案本身不等于多发
evidence: [subject_id_number, subject_name, county, township, village, programme, cadre_id_number, cadre_name, cadre_post,
           relation, kinship_scope, relation_basis, filing, period_from, period_to, months, amount_yuan, severity, facts,
           evidence, source_rows]
labels: {cadre_id_number: 干部身份证号, cadre_name: 干部姓名, cadre_post: 干部职务, relation: 受助人是干部的,
         kinship_scope: 亲属范围, relation_basis: 关系依据（户籍）, filing: 备案情况}
params: {programmes: [最低生活保障, 特困人员供养, 困难残疾人生活补贴, 重度残疾人护理补贴], scope: avoidance,
         money_posts: 书记|主任|报账|会计|出纳}
inputs: {required: [payments, cadres, persons, kin_filings], optional: []}
traps:
  - bullet: "log it for the 100% visit check"
    decision: 已备案的近亲属不列为线索；备案名单本身即民政 100% 入户核查的对象，由备案表直接安排核查，规则不另行记录。
*/
with placed as (
    select * from cadre_kin_months($programmes, $scope)   -- rules/kinship.sql
), overlap as (
    select * from placed where in_term = 'in'
), filings as (
    -- each filing of a relative under a cadre (by the cadre's ID number, else name); a date known to the month
    -- only is a filing in that month; a filing whose date could not be read is a filing of unknown month
    select f.id_number, c.cadre_id_number, min(date_trunc('month', f.filed_on))::date as filed_month,
           bool_or(f.filed_on is null) as undated, min(f.filed_on) as filed_on,
           bool_or(qf_month_only(f.warnings, 'filed_on')) as month_only,
           min(qf_row_ref(f.source_file, f.sheet, f.row_no)) as filing_row
    from kin_filings f
    join (select distinct cadre_id_number, cadre_name from placed) c
      on f.cadre_id_number = c.cadre_id_number or (f.cadre_id_number is null and f.cadre_name_norm = qf_name(c.cadre_name))
    group by all
), cases as (
    select o.id_number, o.cadre_id_number, min(o.cadre_name) as cadre_name, min(o.cadre_post) as cadre_post,
           min(o.roster) as roster,
           -- the closest way the two are related: self, a 民法典 relative, the 回避 circle, a housemate
           arg_min(o.relation, (o.rank, o.relation, o.kinship_scope, o.relation_basis)) as relation,
           arg_min(o.kinship_scope, (o.rank, o.relation, o.kinship_scope, o.relation_basis)) as kinship_scope,
           arg_min(o.relation_basis, (o.rank, o.relation, o.kinship_scope, o.relation_basis)) as relation_basis,
           min(o.at_row) as cadre_row, min(o.entitlement_month) as first_month
    from overlap o group by o.id_number, o.cadre_id_number
), unfiled as (
    -- filed by the first month paid in office (compared by month): no case; filed later: filed late (low), the
    -- months before the filing; a filing whose month is unknown: 待补数据, not a case
    select c.*, f.filed_on, f.filed_month, f.month_only, f.filing_row,
           case when f.id_number is null then '未备案'
                else '备案日期' || case when f.month_only then strftime(f.filed_on, '%Y-%m') else strftime(f.filed_on, '%Y-%m-%d') end
                     || '晚于任职期内首次发放月份' || strftime(c.first_month, '%Y-%m') end as filing
    from cases c
    left join filings f on f.id_number = c.id_number and f.cadre_id_number = c.cadre_id_number
    where f.id_number is null or (not f.undated and f.filed_month > c.first_month)
), counted as (
    select u.id_number, u.cadre_id_number, string_agg(distinct o.programme, '、' order by o.programme) as programme,
           min(o.entitlement_month) as period_from, max(o.entitlement_month) as period_to,
           count(distinct o.entitlement_month) as months, sum(o.amount_yuan) as amount_yuan
    from unfiled u join overlap o using (id_number, cadre_id_number)
    where u.filed_month is null or o.entitlement_month < u.filed_month
    group by all
), ledger_rows as (
    select p.id_number, string_agg(distinct qf_row_ref(p.source_file, p.sheet, p.row_no), '；'
                                   order by qf_row_ref(p.source_file, p.sheet, p.row_no)) as rows
    from payments p join (select distinct id_number, programme, entitlement_month from overlap) o
      using (id_number, programme, entitlement_month)
    group by all
)
select u.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village, n.programme,
       u.cadre_id_number, u.cadre_name, u.cadre_post, u.relation, u.kinship_scope, u.relation_basis, u.filing,
       n.period_from, n.period_to, n.months, n.amount_yuan,
       case when u.filed_month is not null then 'low'
            when u.roster = '低保经办人员' or regexp_matches(u.cadre_post, $money_posts) then 'high' else 'medium' end
           as severity,
       '据以认定：干部名册（' || u.cadre_row || '）任职期间与发放月份按月比较重叠；亲属关系（' || u.kinship_scope || '，亲属范围参数 '
           || $scope || '）：' || u.relation_basis || '；备案表：'
           || case when u.filed_month is null then '无此关系的备案' else u.filing || '（' || u.filing_row || '），只计备案前的月份' end
           || '；推定：户籍关系属实（未核对户口簿）；未核对审批表上干部是否签字或回避' as facts,
       format('受助人{}是{}{}{}的{}（{}），{}；在{}任职期间，受助人{}享受{}，所属期{}至{}共{}个月，合计{}元（发给受助人）。',
              w.name, coalesce(case when u.roster = '低保经办人员' then w.township else w.village end, ''),
              u.cadre_post, u.cadre_name,
              u.relation,
              u.relation_basis, u.filing, u.cadre_name, w.name, n.programme,
              qf_month_zh(n.period_from), qf_month_zh(n.period_to), n.months,
              qf_yuan(n.amount_yuan)) as evidence,
       u.cadre_row || '；' || r.rows as source_rows
from unfiled u
join counted n using (id_number, cadre_id_number)
join person_payee() w using (id_number)   -- rules/derived.sql
join ledger_rows r using (id_number)
order by severity, n.amount_yuan desc, subject_id_number;

-- needs_data
-- 待补数据: a relative paid while the cadre's term date could not be read (not "still in office"), and a
-- relative paid in office whose filing has a date that could not be read (a filing, but was it in time?)
with placed as (
    select * from cadre_kin_months($programmes, $scope)   -- rules/kinship.sql
), filings as (
    select f.id_number, c.cadre_id_number, min(f.filed_on) as filed_on,
           arg_min(f.source_file, (f.row_no, f.source_file, f.sheet)) as source_file,
           arg_min(f.sheet, (f.row_no, f.source_file, f.sheet)) as sheet, min(f.row_no) as row_no
    from kin_filings f
    join (select distinct cadre_id_number, cadre_name from placed) c
      on f.cadre_id_number = c.cadre_id_number or (f.cadre_id_number is null and f.cadre_name_norm = qf_name(c.cadre_name))
    group by all
), pairs as (
    select id_number, cadre_id_number, min(cadre_name) as cadre_name, min(cadre_post) as cadre_post,
           arg_min(relation, (rank, relation)) as relation, string_agg(distinct programme, '、' order by programme) as programme,
           min(entitlement_month) filter (where in_term = 'in') as first_month,
           min(entitlement_month) filter (where in_term = 'unknown') as unknown_from,
           max(entitlement_month) filter (where in_term = 'unknown') as unknown_to,
           bool_or(in_term = 'in') as any_in,
           min(warnings) as warnings, min(source_file) as source_file, min(sheet) as sheet,
           min(row_no) as row_no
    from placed group by id_number, cadre_id_number
), rows as (
    select p.id_number, case when qf_unreadable(p.warnings, 'term_end_on') then '任职结束日期（无法识别）'
                             else '任职开始日期（无法识别）' end as missing,
           format('{}（{}）的{}领取{}（{}至{}）时，{}是否在任', p.cadre_name, p.cadre_post, p.relation, p.programme,
                  qf_month_zh(p.unknown_from), qf_month_zh(p.unknown_to), p.cadre_name) as decides,
           p.source_file, p.sheet, p.row_no
    from pairs p left join filings f using (id_number, cadre_id_number)
    where p.unknown_from is not null and not p.any_in and f.id_number is null
    union all
    select p.id_number, '备案日期（无法识别）',
           format('{}（{}）的{}是否在任职期内首次发放（{}）前备案', p.cadre_name, p.cadre_post, p.relation,
                  qf_month_zh(p.first_month)),
           f.source_file, f.sheet, f.row_no
    from pairs p join filings f using (id_number, cadre_id_number)
    where p.any_in and f.filed_on is null
)
select r.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village, r.missing, r.decides,
       r.source_file, r.sheet, r.row_no
from rows r
join person_payee() w using (id_number)   -- rules/derived.sql
order by subject_id_number, missing

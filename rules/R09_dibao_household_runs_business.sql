/*
id: R09
title: A member of a 低保 household is registered behind a live business
name_zh: 低保家庭成员登记经营主体
severity: high
rationale: >
  低保家庭（以户籍同户成员代替）中有人是存续中的企业、个体工商户或农民专业合作社的法定代表人、股东（出资人）或经营者，
  且在低保发放月份里该主体处于存续状态（成立日期不晚于该月月底，未注销、吊销，或注销、吊销在该月之后）。
  已排除的误报：在发放月份之前已注销、吊销的主体；重残单独施保的受助人。
  仍需人工排除：冒名登记（大悟县 154 户被冒名注册）、长期不经营但未注销的“僵尸”主体、仅为合作社普通社员。
basis: 各地低保审核办法（从事经营活动的企业法定代表人、高管、控股股东不得享受低保）
verify: >
  调取市场主体登记信息和纳税、开票、社保缴纳记录，核实是否实际经营及收入；询问本人是否知情（排除冒名登记）。
subject: recipient
case_key: [subject_id_number, business_name]
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, business_name, business_type, role, business_status, established_on, period_from, period_to,
           months, amount_yuan, severity, evidence, source_rows]
labels: {related_id_number: 登记人身份证号, related_name: 登记人姓名, related_relation: 登记人与受助人关系,
         business_name: 主体名称, business_type: 主体类型, role: 登记身份, business_status: 登记状态, established_on: 成立日期}
params: {programmes: [最低生活保障], alone_words: 单独施保}
inputs: {required: [payments, businesses], optional: [persons]}
*/
with live as (
    -- a business is live from its establishment until it was cancelled or revoked; one cancelled on a
    -- date nobody recorded is taken as closed
    select *, qf_row_ref(source_file, sheet, row_no) as at_row
    from businesses
    where closed_on is not null or not regexp_matches(coalesce(status, '存续'), '注销|吊销|撤销')
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           b.name as related_name, b.business_name, b.business_type, b.role, b.status as business_status,
           b.established_on, b.at_row
    from household_paid_months($programmes, $alone_words) p   -- sources/kinship.sql
    join live b on b.id_number = p.member_id_number
    where (b.established_on is null or b.established_on <= last_day(p.entitlement_month))
      and (b.closed_on is null or b.closed_on >= p.entitlement_month)
), cases as (
    select id_number, business_name, any_value(programme) as programme, any_value(member_id_number) as member_id_number,
           any_value(is_self) as is_self, any_value(related_relation) as related_relation,
           any_value(related_name) as related_name, any_value(business_type) as business_type,
           string_agg(distinct role, '、' order by role) as role, any_value(business_status) as business_status,
           any_value(established_on) as established_on,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan,
           string_agg(distinct at_row, '；' order by at_row) as business_rows
    from months group by id_number, business_name
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.business_name, c.business_type,
       c.role, c.business_status, c.established_on, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when c.is_self then 'high' else 'medium' end as severity,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}{}是{}“{}”的{}（{}成立，登记状态：{}）。',
              y.name, c.id_number, c.programme, strftime(c.period_from, '%Y年%-m月'), strftime(c.period_to, '%Y年%-m月'),
              c.months, printf('%.2f', c.amount_yuan),
              case when c.is_self then '受助人本人' else '其' || c.related_relation end,
              case when c.is_self then '' else c.related_name end, coalesce(c.business_type, '市场主体'), c.business_name,
              c.role, coalesce(strftime(c.established_on, '%Y年%-m月%-d日'), '日期不详'),
              coalesce(c.business_status, '存续')) as evidence,
       c.business_rows as source_rows
from cases c
join payees y using (id_number, programme)
order by c.is_self desc, c.amount_yuan desc, subject_id_number

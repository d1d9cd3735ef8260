/*
id: R09
title: A member of a 低保 household is registered behind a live business
name_zh: 低保家庭成员登记经营主体
severity: high
rationale: >
  低保家庭（以户籍同户成员代替）中有人是存续中的企业、个体工商户或农民专业合作社的法定代表人、经营者（负责人、执行事务合伙人），
  或出资比例不低于 min_share（默认 50%）的股东、出资人，且在低保发放月份里该主体处于登记状态。合作社的普通成员（社员）不是经营者，不列出。
  主体从成立起一直登记，直到注销、吊销（注吊销日期所在月）；与 R08 用同一条边界规则：在首个发放月内注销的，只算“当月结束”，
  有争议，定为低风险。用语见 sources/assistance_words.yaml（business_ended、business_operator、business_stake、business_member）。
  已排除的误报：在发放月份之前已注销、吊销的主体；合作社普通成员；出资比例低于门槛的小股东；
  单独施保的受助人（重残单独施保、单列户、单人户施保等写法，或保障人数为1人）只比对本人。
  成立日期未填写、注销未写日期、日期无法识别、股东未写出资比例的，不推定，列入待补数据。
  仍需人工排除：冒名登记（大悟县 154 户被冒名注册）、长期不经营但未注销的“僵尸”主体。
basis: 各地低保审核办法（从事经营活动的企业法定代表人、高管、控股股东不得享受低保）
verify: >
  调取市场主体登记信息和纳税、开票、社保缴纳记录，核实是否实际经营及收入；询问本人是否知情（排除冒名登记）。
subject: recipient
case_key: [subject_id_number, business_name]
amount_kind: at_stake      # amount_yuan: 经营期间的低保，是否多发取决于核实经营收入
evidence: [subject_id_number, subject_name, county, township, village, programme, related_id_number, related_name,
           related_relation, business_name, business_type, role, business_status, established_on, period_from, period_to,
           months, amount_yuan, severity, facts, evidence, source_rows]
labels: {related_id_number: 登记人身份证号, related_name: 登记人姓名, related_relation: 登记人与受助人关系,
         business_name: 主体名称, business_type: 主体类型, role: 登记身份, business_status: 登记状态, established_on: 成立日期}
params: {programmes: [最低生活保障], min_share: 50}
inputs: {required: [payments, businesses], optional: [persons]}
traps:
  - bullet: "冒名注册"
    decision: 市场主体登记数据看不出是否被冒名注册，规则按登记列出；核查时询问本人是否知情，调取登记档案中的签字、身份证明和经营场所，确属冒名的不认定，并移送市场监管部门撤销登记。
  - bullet: "dormant entities never cancelled"
    decision: 登记状态为存续但长期不经营的主体，登记数据无法与正常经营区分，规则照常列出；核查时调取纳税、开票、社保缴纳记录，无经营收入的不认定为经营收入来源，但仍需核实是否如实申报。
*/
with behind as (
    -- who is behind each business: its operators, and its stakeholders with a large enough share (a lone
    -- stakeholder holds it all); an ordinary cooperative member is not (rules/kinship.sql qf_business_role)
    select *, qf_row_ref(source_file, sheet, row_no) as at_row from business_people()   -- rules/kinship.sql
    where role_class = 'operator' or (role_class = 'stake' and share_pct >= $min_share)
), months as (
    select p.id_number, p.programme, p.entitlement_month, p.amount_yuan, p.member_id_number, p.is_self, p.related_relation,
           p.household_basis, b.name as related_name, b.business_name, b.business_type, b.role, b.role_class,
           b.share_pct, b.status as business_status, b.established_on, b.closed_on, b.ended, b.at_row,
           -- the boundary rule R09 shares with R08 (rules/kinship.sql)
           qf_holding(p.entitlement_month, b.established_on, b.start_unreadable, b.ended, b.closed_on) as holding
    from household_paid_months($programmes) p   -- rules/kinship.sql
    join behind b on b.id_number = p.member_id_number
), cases as (
    -- months registered for the whole month count; a month in which the business closed only when no month
    -- is (then the case is arguable: rated low)
    select id_number, business_name, min(programme) as programme, min(member_id_number) as member_id_number,
           min(is_self) as is_self, min(related_relation) as related_relation,
           min(household_basis) as household_basis,
           min(related_name) as related_name, min(business_type) as business_type,
           string_agg(distinct role, '、' order by role) as role, min(business_status) as business_status,
           min(established_on) as established_on, min(closed_on) as closed_on,
           bool_or(role_class = 'operator') as is_operator, max(share_pct) as share_pct,
           bool_or(holding = 'held') as any_held,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan,
           string_agg(distinct at_row, '；' order by at_row) as business_rows
    from (select *, bool_or(holding = 'held') over (partition by id_number, business_name) as case_held from months
          where holding in ('held', 'ending'))
    where holding = 'held' or not case_held
    group by id_number, business_name
)
select c.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, c.programme,
       c.member_id_number as related_id_number, c.related_name, c.related_relation, c.business_name, c.business_type,
       c.role, c.business_status, c.established_on, c.period_from, c.period_to, c.months, c.amount_yuan,
       case when not c.any_held then 'low' when c.is_self then 'high' else 'medium' end as severity,
       '据以认定：市场主体登记（' || c.business_rows || '）' || case when c.is_self then '受助人' else '同户成员' end
           || '身份证号一致，登记身份' || c.role
           || case when c.is_operator then '' else '，出资比例' || printf('%.0f', c.share_pct) || '%' end
           || '，成立' || coalesce(strftime(c.established_on, '%Y-%m-%d'), '日期未填写')
           || case when c.closed_on is not null then '，' || strftime(c.closed_on, '%Y-%m-%d') || '注销（吊销）' else '，登记状态' || coalesce(c.business_status, '未填写（按存续）') end
           || '；' || c.household_basis
           || case when not c.any_held then '；争议：主体在首个发放月' || qf_month_zh(c.period_from) || '内注销，定为低风险' else '' end
           || '；推定：' || qf_member_presumed(c.is_self)
           || '登记即本人知情并实际经营（未核实冒名登记、纳税开票和经营收入）' as facts,
       format('{}（{}）享受{}期间（所属期{}至{}共{}个月，合计{}元），{}是{}“{}”的{}（{}成立，登记状态：{}）。',
              y.name, c.id_number, c.programme, qf_month_zh(c.period_from), qf_month_zh(c.period_to),
              c.months, qf_yuan(c.amount_yuan),
              qf_member_zh(c.is_self, c.related_relation, c.related_name), coalesce(c.business_type, '市场主体'), c.business_name,
              c.role, coalesce(qf_date_zh(c.established_on), '日期不详'),
              coalesce(c.business_status, '存续')) as evidence,
       c.business_rows as source_rows
from cases c
join payees y using (id_number, programme)
order by c.is_self desc, c.amount_yuan desc, subject_id_number;

-- needs_data
-- 待补数据: a household member behind a business whose registration in a paid month cannot be decided (closed
-- on a date not given or not readable, or established on a date not given or not readable), and a shareholder whose share
-- is not given or not readable while others hold shares too (are they behind it?)
with months as (
    select p.id_number, p.programme, p.entitlement_month, p.is_self, p.related_relation, b.name, b.business_name,
           b.role_class, b.share, b.share_pct, b.warnings, b.source_file, b.sheet, b.row_no, b.established_on,
           -- the boundary rule R09 shares with R08 (rules/kinship.sql)
           qf_holding(p.entitlement_month, b.established_on, b.start_unreadable, b.ended, b.closed_on) as holding
    from household_paid_months($programmes) p   -- rules/kinship.sql
    join business_people() b on b.id_number = p.member_id_number   -- rules/kinship.sql
    where b.role_class = 'operator' or (b.role_class = 'stake' and (b.share_pct is null or b.share_pct >= $min_share))
), unknown as (
    select id_number, programme, is_self, related_relation, name, business_name, source_file, sheet, row_no,
           case when holding = 'unknown' then
                    case when qf_unreadable(warnings, 'established_on') then '成立日期（无法识别）'
                         when established_on is null then '成立日期（未填写）'
                         when qf_unreadable(warnings, 'closed_on') then '注销/吊销日期（无法识别）'
                         else '注销/吊销日期（登记状态为注销或吊销，未填写日期）' end
                else case when share is null then '出资比例（未填写）' else '出资比例（无法识别：' || share || '）' end
           end as missing,
           case when holding = 'unknown' then '是否仍在登记' else '是否出资' || $min_share || '%以上' end as question,
           min(entitlement_month) as month_from, max(entitlement_month) as month_to
    from months
    where holding = 'unknown' or (holding in ('held', 'ending') and role_class = 'stake' and share_pct is null)
    group by all
)
select u.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, u.missing,
       format('{}领取{}（{}至{}）时，{}名下的“{}”{}', y.name, u.programme, qf_month_zh(u.month_from),
              qf_month_zh(u.month_to),
              qf_member_zh(u.is_self, u.related_relation, u.name), u.business_name,
              u.question) as decides,
       u.source_file, u.sheet, u.row_no
from unknown u
join payees y using (id_number, programme)
order by subject_id_number, source_file, row_no

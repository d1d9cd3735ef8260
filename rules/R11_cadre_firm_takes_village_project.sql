/*
id: R11
title: A firm of a village cadre or a cadre's relative took a project of that village
name_zh: 村干部关联主体承揽本村工程
severity: high
rationale: >
  本村工程或采购的承包方（按统一社会信用代码，缺代码时按名称与市场主体登记对应）的法定代表人、股东或经营者，
  是该村村干部本人或其亲属（范围可选，默认民法典近亲属），且合同签订于该干部任职期间。线索记在干部名下。
  已排除的误报：外村的工程；合同签订早于干部任职；只是同姓而户籍中没有亲属关系。
  仍需人工排除：冒名登记的主体；干部已按规定申报并回避（查回避记录）；成员众多的合作社中的普通成员。
basis: 村级小微权力清单、村干部回避制度；《农村集体经济组织财务制度》（工程招投标、关联交易回避）
verify: >
  调取工程合同、招投标或比价记录、付款凭证和村两委会议记录，核实干部是否参与决策、是否回避；调取市场主体登记核实实际控制人。
subject: cadre
case_key: [subject_id_number, programme]
evidence: [subject_id_number, subject_name, county, township, village, programme, cadre_post, contractor, credit_code,
           business_person, business_role, relation, relation_basis, signed_on, period_from, period_to, months,
           amount_yuan, severity, evidence, source_rows]
labels: {subject_id_number: 干部身份证号, subject_name: 干部姓名, programme: 工程项目, cadre_post: 干部职务,
         contractor: 承包方, credit_code: 统一社会信用代码, business_person: 承包方登记人, business_role: 登记身份,
         relation: 登记人是干部的, relation_basis: 关系依据（户籍）, signed_on: 合同签订日期, amount_yuan: 合同金额（元）}
params: {scope: civil}
inputs: {required: [projects, cadres, businesses], optional: [persons]}
*/
with contracts as (
    -- the people registered behind each contractor
    select j.*, b.id_number as person_id_number, b.name as person_name, b.role
    from projects j join businesses b on b.credit_code = j.credit_code
    union
    select j.*, b.id_number, b.name, b.role
    from projects j join businesses b on j.credit_code is null and b.business_name = j.contractor
), relations as (
    select relative_id_number as id_number, person_id_number as cadre_id_number, label as relation,
           how || coalesce('，经' || via_name, '') as relation_basis
    from kin where scope = 'civil' or $scope = 'avoidance'
    union all
    select id_number, id_number, '本人', '同一身份证号' from cadres
), hits as (
    select c.id_number as cadre_id_number, c.name as cadre_name, c.post, c.township as cadre_township,
           coalesce(j.county, c.county) as county,
           j.project_name, j.village, j.township, j.contractor, j.credit_code, j.person_name, j.role,
           r.relation, r.relation_basis, j.signed_on, j.contract_amount_yuan,
           -- the relation shown: the cadre himself, else one resting on an ID-number column, then by text
           (r.relation <> '本人', r.relation_basis not like '%公民身份号码%', r.relation_basis, r.relation) as pick,
           qf_row_ref(j.source_file, j.sheet, j.row_no) as project_row,
           qf_row_ref(c.source_file, c.sheet, c.row_no) as cadre_row
    from contracts j
    join relations r on r.id_number = j.person_id_number
    join cadres c on c.id_number = r.cadre_id_number
    where c.roster = '村干部' and c.village = j.village
      and (c.township is null or j.township is null or c.township = j.township)
      and j.signed_on is not null
      and (c.term_start_on is null or c.term_start_on <= j.signed_on)
      and (c.term_end_on is null or c.term_end_on >= j.signed_on)
)
select h.cadre_id_number as subject_id_number, any_value(h.cadre_name) as subject_name,
       any_value(h.county) as county, any_value(coalesce(h.township, h.cadre_township)) as township,
       any_value(h.village) as village, h.project_name as programme,
       string_agg(distinct h.post, '、' order by h.post) as cadre_post, any_value(h.contractor) as contractor,
       any_value(h.credit_code) as credit_code,
       string_agg(distinct h.person_name, '、' order by h.person_name) as business_person, string_agg(distinct h.role, '、' order by h.role) as business_role,
       arg_min(h.relation, h.pick) as relation, arg_min(h.relation_basis, h.pick) as relation_basis,
       any_value(h.signed_on) as signed_on,
       date_trunc('month', any_value(h.signed_on))::date as period_from,
       date_trunc('month', any_value(h.signed_on))::date as period_to, cast(null as bigint) as months,
       any_value(h.contract_amount_yuan) as amount_yuan,
       'high' as severity,
       format('{}{}{}任职期间，本村工程“{}”于{}由“{}”承揽，合同金额{}元；该主体的{}{}是{}的{}（{}）。',
              any_value(h.village), string_agg(distinct h.post, '、' order by h.post), any_value(h.cadre_name), h.project_name,
              strftime(any_value(h.signed_on), '%Y年%-m月%-d日'), any_value(h.contractor),
              printf('%.2f', any_value(h.contract_amount_yuan)), string_agg(distinct h.role, '、' order by h.role),
              string_agg(distinct h.person_name, '、' order by h.person_name), any_value(h.cadre_name),
              arg_min(h.relation, h.pick), arg_min(h.relation_basis, h.pick)) as evidence,
       min(h.project_row) || '；' || min(h.cadre_row) as source_rows
from hits h
group by h.cadre_id_number, h.project_name
order by amount_yuan desc, subject_id_number

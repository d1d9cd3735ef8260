/*
id: R11
title: A firm of a village cadre or a cadre's relative took a project of that village
name_zh: 村干部关联主体承揽本村工程
severity: high
rationale: >
  本村工程或采购的承包方的法定代表人、经营者或股东（出资人），是该村村干部本人或其亲属（范围 scope 可选，默认 avoidance 回避范围，
  或 civil 民法典近亲属），且合同签订于该干部任职期间。线索记在干部名下。承包方与市场主体登记的对应：按统一社会信用代码；
  台账没写代码（或代码查无）时按名称；名称也对不上时，在同一县内按名称包含（台账省略了“常山县”等前缀），且只有一个主体符合时
  才算，作为较弱的匹配（中风险）。合作社的普通成员只在登记成员不超过 max_members 人的合作社中计入（低风险）。
  已排除的误报：外村的工程；合同签订早于干部任职或晚于任职结束（只写到年月的任职日期按月比较）；只是同姓而户籍中没有亲属关系；
  成员众多的合作社中的普通成员。合同日期、任职日期无法识别或正处于只写年月的任职起止月内的，列入待补数据。
  仍需人工排除：干部已按规定申报并回避（查回避记录）。
basis: 村级小微权力清单、村干部回避制度；《农村集体经济组织财务制度》（工程招投标、关联交易回避）
verify: >
  调取工程合同、招投标或比价记录、付款凭证和村两委会议记录，核实干部是否参与决策、是否回避；调取市场主体登记核实实际控制人。
subject: cadre
case_key: [subject_id_number, programme]
amount_kind: at_stake      # amount_yuan: 工程合同金额
evidence: [subject_id_number, subject_name, county, township, village, programme, cadre_post, contractor, credit_code,
           match_basis, business_person, business_role, relation, relation_basis, signed_on, period_from, period_to, months,
           amount_yuan, severity, facts, evidence, source_rows]
labels: {subject_id_number: 干部身份证号, subject_name: 干部姓名, programme: 工程项目, cadre_post: 干部职务,
         contractor: 承包方, credit_code: 统一社会信用代码, match_basis: 承包方与登记主体的对应方式, business_person: 承包方登记人, business_role: 登记身份,
         relation: 登记人是干部的, relation_basis: 关系依据（户籍）, signed_on: 合同签订日期, amount_yuan: 合同金额（元）}
params: {scope: avoidance, max_members: 5}
inputs: {required: [projects, cadres, businesses], optional: [persons]}
traps:
  - bullet: "冒名 registrations"
    decision: 市场主体登记数据看不出干部或其亲属是否被冒名登记为承包方的法定代表人、股东，规则按登记列出；核查时调取登记档案中的签字和身份证明，询问本人是否知情，确属冒名的不认定。
  - bullet: "cadres declaring and abstaining"
    decision: 数据中没有干部申报回避的记录，规则无法排除已按规定申报并回避的情形；核查时调取村两委会议记录和回避登记，已申报回避且程序合规的不认定。
*/
with hits as (
    select * from cadre_firm_contracts($scope, $max_members) where in_term = 'in'   -- rules/kinship.sql
), closest as (
    -- the closest relation a cadre has to the people behind the contractor (`pick`), and what it rests on
    select cadre_id_number, project_name,
           arg_min(relation, (pick, relation, relation_basis)) as relation,
           arg_min(relation_basis, (pick, relation, relation_basis)) as relation_basis
    from hits group by all
)
select h.cadre_id_number as subject_id_number, min(h.cadre_name) as subject_name,
       min(h.county) as county, min(coalesce(h.township, h.cadre_township)) as township,
       min(h.village) as village, h.project_name as programme,
       string_agg(distinct h.post, '、' order by h.post) as cadre_post, min(h.contractor) as contractor,
       min(h.credit_code) as credit_code,
       case min(h.strength) when 1 then '按统一社会信用代码' when 2 then '按名称（台账未写信用代码）'
            else '按名称包含（同县唯一主体“' || min(h.matched_name) || '”，较弱）' end as match_basis,
       string_agg(distinct h.person_name, '、' order by h.person_name) as business_person, string_agg(distinct h.role, '、' order by h.role) as business_role,
       k.relation, k.relation_basis,
       min(h.signed_on) as signed_on,
       date_trunc('month', min(h.signed_on))::date as period_from,
       date_trunc('month', min(h.signed_on))::date as period_to, null::bigint as months,
       min(h.contract_amount_yuan) as amount_yuan,
       case when not bool_or(h.role_class in ('operator', 'stake')) then 'low'
            when min(h.strength) = 3 then 'medium' else 'high' end as severity,
       '据以认定：工程台账（' || min(h.project_row) || '）承包方'
           || case min(h.strength) when 1 then '按统一社会信用代码' when 2 then '按名称' else '按名称包含（较弱）' end
           || '对应登记主体“' || min(h.matched_name) || '”，其' || string_agg(distinct h.role, '、' order by h.role)
           || '与干部（' || min(h.cadre_row) || '）' || case when k.relation = '本人' then '身份证号相同'
                                                       else '的亲属关系：' || k.relation_basis end
           || '；合同签订日期在任职期间'
           || case when not bool_or(h.role_class in ('operator', 'stake')) then '；只是合作社普通成员（登记成员不多于' || $max_members || '人），定为低风险' else '' end
           || '；推定：登记属实（未排除冒名登记）；缺少：干部申报回避记录、招投标或比价记录' as facts,
       format('{}{}{}任职期间，本村工程“{}”于{}由“{}”承揽，合同金额{}元；该主体的{}{}是{}的{}（{}）。',
              min(h.village), string_agg(distinct h.post, '、' order by h.post), min(h.cadre_name), h.project_name,
              qf_date_zh(min(h.signed_on)), min(h.contractor),
              qf_yuan(min(h.contract_amount_yuan)), string_agg(distinct h.role, '、' order by h.role),
              string_agg(distinct h.person_name, '、' order by h.person_name), min(h.cadre_name),
              k.relation, k.relation_basis) as evidence,
       min(h.project_row) || '；' || min(h.cadre_row) as source_rows
from hits h
join closest k using (cadre_id_number, project_name)
group by h.cadre_id_number, h.project_name, k.relation, k.relation_basis
order by amount_yuan desc, subject_id_number;

-- needs_data
-- 待补数据: a village project whose contractor is a cadre's (or relative's) business, but whether the contract was
-- signed in the cadre's term cannot be decided: no readable signing date, an unreadable term date, or a
-- signing in the very month of a term date known to the month only
select cadre_id_number as subject_id_number, min(cadre_name) as subject_name, min(county) as county,
       min(coalesce(township, cadre_township)) as township, min(village) as village,
       missing_if_unknown as missing,
       format('本村工程“{}”（承包方“{}”，其{}{}是{}）签订时{}（{}）是否在任', project_name, min(contractor),
              string_agg(distinct role, '、' order by role), string_agg(distinct person_name, '、' order by person_name),
              case when arg_min(relation, (pick, relation)) = '本人' then '干部本人' else min(cadre_name) || '的' || arg_min(relation, (pick, relation)) end,
              min(cadre_name), string_agg(distinct post, '、' order by post))
           as decides,
       missing_file as source_file, missing_sheet as sheet, missing_row as row_no
from cadre_firm_contracts($scope, $max_members)   -- rules/kinship.sql
where in_term = 'unknown'
group by cadre_id_number, project_name, missing_if_unknown, missing_file, missing_sheet, missing_row
order by subject_id_number, source_file, row_no

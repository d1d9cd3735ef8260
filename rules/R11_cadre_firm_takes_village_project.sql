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
with registered as (
    -- the people behind each registered business, and the county it was registered in: the registration
    -- authority's division code in the credit code (digits 3–8), else its township, else its address
    select b.*, qf_business_role(b.role) as role_class,
           count(*) filter (where qf_business_role(b.role) = 'member')
               over (partition by coalesce(b.credit_code, b.business_name)) as n_members,
           coalesce(cc.code, ta.county_code, ad.code) as county_code
    from businesses b
    left join place_alias cc on cc.level = 'county' and cc.alias = substr(b.credit_code, 3, 6) and length(b.credit_code) = 18
    left join place_alias ta on ta.level = 'township' and ta.alias = b.township
    left join (select distinct alias, code from place_alias where level = 'county' and length(alias) >= 2
                   and not regexp_full_match(alias, '[0-9]+')) ad on contains(b.address, ad.alias)
), behind as (
    select * from registered
    where role_class in ('operator', 'stake') or (role_class = 'member' and n_members <= $max_members)
), matched as (
    -- each contractor's registered business: by credit code; by name where the ledger has no code (or one no
    -- registration has); by name containment within the same county, when one business alone fits (weaker)
    select j.project_name, b.business_name as matched_name, b.credit_code as matched_code, 1 as strength
    from projects j join (select distinct credit_code, business_name from businesses) b on b.credit_code = j.credit_code
    union all
    select j.project_name, b.business_name, b.credit_code, 2
    from projects j join (select distinct credit_code, business_name from businesses) b on b.business_name = j.contractor
    where j.credit_code is null or j.credit_code not in (select credit_code from businesses where credit_code is not null)
    union all
    select project_name, any_value(business_name), any_value(credit_code), 3 from (
        select distinct j.project_name, b.business_name, b.credit_code
        from projects j join registered b
          on b.county_code = j.county_code and b.business_name <> j.contractor
         and least(length(j.contractor), length(b.business_name)) >= 4
         and (contains(b.business_name, j.contractor) or contains(j.contractor, b.business_name))
        where (j.credit_code is null or j.credit_code not in (select credit_code from businesses where credit_code is not null))
          and j.contractor not in (select business_name from businesses)
    ) group by project_name having count(*) = 1
), contracts as (
    select j.*, m.strength, m.matched_name, b.id_number as person_id_number, b.name as person_name, b.role, b.role_class
    from projects j
    join matched m using (project_name)
    join behind b on b.business_name = m.matched_name and b.credit_code is not distinct from m.matched_code
), relations as (
    select relative_id_number as id_number, person_id_number as cadre_id_number, label as relation,
           how || coalesce('，经' || via_name, '') as relation_basis
    from kin where scope = 'civil' or $scope = 'avoidance'
    union all
    select id_number, id_number, '本人', '同一身份证号' from cadres
), hits as (
    select c.id_number as cadre_id_number, c.name as cadre_name, c.post, c.township as cadre_township,
           coalesce(j.county, c.county) as county,
           j.project_name, j.village, j.township, j.contractor, j.credit_code, j.matched_name, j.strength,
           j.person_name, j.role, j.role_class,
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
      -- signed in office: by day, by month where a term date is known to the month only (sources/kinship.sql)
      and qf_day_within(j.signed_on, c.term_start_on, c.term_end_on, c.warnings, 'term_start_on', 'term_end_on') = 'in'
)
select h.cadre_id_number as subject_id_number, any_value(h.cadre_name) as subject_name,
       any_value(h.county) as county, any_value(coalesce(h.township, h.cadre_township)) as township,
       any_value(h.village) as village, h.project_name as programme,
       string_agg(distinct h.post, '、' order by h.post) as cadre_post, any_value(h.contractor) as contractor,
       any_value(h.credit_code) as credit_code,
       case min(h.strength) when 1 then '按统一社会信用代码' when 2 then '按名称（台账未写信用代码）'
            else '按名称包含（同县唯一主体“' || any_value(h.matched_name) || '”，较弱）' end as match_basis,
       string_agg(distinct h.person_name, '、' order by h.person_name) as business_person, string_agg(distinct h.role, '、' order by h.role) as business_role,
       arg_min(h.relation, h.pick) as relation, arg_min(h.relation_basis, h.pick) as relation_basis,
       any_value(h.signed_on) as signed_on,
       date_trunc('month', any_value(h.signed_on))::date as period_from,
       date_trunc('month', any_value(h.signed_on))::date as period_to, cast(null as bigint) as months,
       any_value(h.contract_amount_yuan) as amount_yuan,
       case when not bool_or(h.role_class in ('operator', 'stake')) then 'low'
            when min(h.strength) = 3 then 'medium' else 'high' end as severity,
       '据以认定：工程台账（' || min(h.project_row) || '）承包方'
           || case min(h.strength) when 1 then '按统一社会信用代码' when 2 then '按名称' else '按名称包含（较弱）' end
           || '对应登记主体“' || any_value(h.matched_name) || '”，其' || string_agg(distinct h.role, '、' order by h.role)
           || '与干部（' || min(h.cadre_row) || '）' || case when arg_min(h.relation, h.pick) = '本人' then '身份证号相同'
                                                       else '的亲属关系：' || arg_min(h.relation_basis, h.pick) end
           || '；合同签订日期在任职期间'
           || case when not bool_or(h.role_class in ('operator', 'stake')) then '；只是合作社普通成员（登记成员不多于' || $max_members || '人），定为低风险' else '' end
           || '；推定：登记属实（未排除冒名登记）；缺少：干部申报回避记录、招投标或比价记录' as facts,
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

-- Canonical tables: the staged rows that parsed, with places resolved to official names and codes.
-- Lineage (file_id, sheet, row_no, source_file) stays on every row; the raw text is in raw_<kind>.

create or replace table persons as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.id_number_upgraded,
       s.household_no, s.relation, coalesce(rc.code, rn.code, rx.code) as relation_code,
       coalesce(rc.class_vs_head, rn.class_vs_head, rx.class_vs_head) as relation_class,
       s.sex, s.birth_on,
       coalesce(ca.name, ta_c.name, s.county) as county,
       coalesce(ca.code, ta.county_code) as county_code,
       coalesce(ta.name, s.township) as township, ta.code as township_code,
       s.village, s.address, s.status, s.change_on, s.destination,
       s.spouse_id_number, s.father_id_number, s.mother_id_number,
       s.warnings
from stg_persons s
left join relation_codes rc on regexp_full_match(s.relation, '[0-9]{1,2}') and rc.code = lpad(s.relation, 2, '0')
left join relation_codes rn on rn.name = s.relation
left join (select y.text, c.code, c.class_vs_head from relation_synonyms y join relation_codes c using (code)) rx
       on rx.text = s.relation
left join place_alias ca on ca.level = 'county' and ca.alias = s.county
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

create or replace table payments as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.id_number_upgraded, s.id_number_recovered,
       s.programme, coalesce(s.sub_type, s.programme_sub_type) as sub_type,
       s.entitlement_month, s.paid_on, s.amount_yuan, s.account_no, s.bank,
       coalesce(ca.name, ta_c.name, s.county, reg.county) as county,
       coalesce(ca.code, ta.county_code, reg.county_code) as county_code,
       coalesce(ta.name, s.township, reg.township) as township, coalesce(ta.code, reg.township_code) as township_code,
       coalesce(s.village, reg.village) as village, s.household_no, s.household_size, s.dibao_category, s.remark,
       -- R06: the roster's certificate number, category, grade, beneficiary type (机构托养) and start month
       s.cert_no, s.disability_category, s.disability_grade, s.beneficiary_type, s.start_month,
       -- the vocabulary of remarks (sources/payment_words.yaml): 补发 / 补差 / 提标补发差额 …, 退回 / 冲销 …
       coalesce(qf_payment_kind(s.remark) = 'supplement', false) as is_arrears, qf_payment_kind(s.remark) as payment_kind,
       -- a row covering several months (2020年1-3月, 补发7-9月, 按季): span_months of them, expanded into one
       -- row per month after validation, each with its span_part (sources/values.py, expand_spans)
       s.entitlement_month_span as span_months, NULL::integer as span_part,
       s.warnings
from stg_payments s
left join place_alias ca on ca.level = 'county' and ca.alias = s.county
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
-- ledgers without place columns (pension lists) take the place from the household register
left join (select id_number, arg_max(county, row_no) as county, arg_max(county_code, row_no) as county_code,
                  arg_max(township, row_no) as township, arg_max(township_code, row_no) as township_code,
                  arg_max(village, row_no) as village
           from persons group by id_number) reg
       on s.township is null and reg.id_number = s.id_number
where s.reason is null;

create or replace table death_records as
select s.file_id, s.sheet, s.row_no, s.source_file,
       coalesce(s.variant, '未注明来源') as source,
       s.id_number, s.name, s.name_norm, s.id_number_upgraded, s.id_number_recovered, s.sex,
       s.death_on, s.dereg_on, s.dereg_reason, s.cert_type, s.cremation_on, s.cremation_no,
       s.funeral_home, s.death_place, s.death_cause, s.cert_org, s.issued_on, s.township,
       s.warnings
from stg_death_records s
where s.reason is null;

create or replace table cadres as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.post,
       coalesce(s.roster, case when s.post like '%经办%' or s.post like '%民政%' then '低保经办人员' else '村干部' end) as roster,
       coalesce(ca.name, ta_c.name, s.county) as county, coalesce(ca.code, ta.county_code) as county_code,
       coalesce(ta.name, s.township) as township, ta.code as township_code, s.village,
       s.term_start_on, s.term_end_on, s.warnings
from stg_cadres s
left join place_alias ca on ca.level = 'county' and ca.alias = s.county
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

create or replace table payroll as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.unit, s.unit_type, s.staff_type, s.status,
       s.start_on, s.end_on, s.monthly_salary_yuan, s.warnings
from stg_payroll s
where s.reason is null;

create or replace table prison_terms as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.prison, s.start_on, s.end_on, s.status, s.sentence, s.warnings
from stg_prisoners s
where s.reason is null;

-- R16: the 住建 危房改造 list (kind housing_aid, optional)
create or replace table housing_aid as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.household_no,
       coalesce(ca.name, ta_c.name, s.county) as county, coalesce(ca.code, ta.county_code) as county_code,
       coalesce(ta.name, s.township) as township, ta.code as township_code, s.village,
       coalesce(s.aid_year, year(s.approved_on)) as aid_year, s.approved_on, s.grade, s.method, s.category,
       s.subsidy_yuan, s.accepted_on, s.paid_on, s.paid_yuan, s.remark, s.warnings
from stg_housing_aid s
left join place_alias ca on ca.level = 'county' and ca.alias = s.county
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

-- R06's sources (optional): the 残联 certificate registry, its ID number from characters 1–18 of the
-- certificate number where the registry has no ID column; the 低收入农户 / 低边 lists.
create or replace table disability_certs as
select s.file_id, s.sheet, s.row_no, s.source_file,
       upper(regexp_replace(s.cert_no, '\s', '', 'g')) as cert_no,
       coalesce(s.id_number, upper(substr(regexp_replace(s.cert_no, '\s', '', 'g'), 1, 18))) as id_number,
       s.name, s.name_norm, s.category, s.grade, s.issued_on, s.reassessed_on, s.cert_status, s.warnings
from stg_disability_certs s
where s.reason is null;

create or replace table low_income as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.head_id_number, s.head_name, s.category, s.status,
       s.start_on, s.end_on, s.month, s.county, s.township, s.village, s.warnings
from stg_low_income s
where s.reason is null;

create or replace table kin_filings as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.cadre_id_number, s.cadre_name, s.cadre_name_norm, s.cadre_post,
       s.relation, s.programme, s.filed_on, s.township, s.village, s.warnings
from stg_kin_filings s
where s.reason is null;

create or replace table vehicles as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.plate_no, s.plate_type, s.vehicle_type, s.use_type,
       s.registered_on, s.status, s.status_on, s.warnings
from stg_vehicles s
where s.reason is null;

create or replace table businesses as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.credit_code, s.business_name, s.business_type, s.status, s.established_on, s.closed_on,
       coalesce(s.role, '法定代表人/经营者') as role,
       s.id_number, s.name, s.name_norm, s.share, s.registered_capital, s.township, s.address, s.warnings
from stg_businesses s
where s.reason is null;

create or replace table projects as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.project_name, ta_c.name as county, ta.county_code, coalesce(ta.name, s.township) as township, s.village,
       s.contractor, s.credit_code, s.contract_amount_yuan, s.signed_on, s.paid_yuan, s.payee_account, s.procurement,
       s.warnings
from stg_projects s
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

create or replace table compensation_agreements as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.project_name, s.agreement_no, s.plot_no, s.id_number, s.name, s.name_norm, s.area_mu,
       s.amount_due_yuan, s.signed_on, ta_c.name as county, ta.county_code, coalesce(ta.name, s.township) as township,
       s.village, s.warnings
from stg_comp_agreements s
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

create or replace table compensation_payouts as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.project_name, s.agreement_no, s.id_number, s.name, s.name_norm,
       s.payee_name, s.payee_name_norm, s.payee_id_number, s.payee_account,
       s.amount_paid_yuan, s.paid_on, s.township, s.village, s.warnings
from stg_comp_payouts s
where s.reason is null;

-- Canonical tables: the staged rows that parsed, with places resolved to official names and codes.
-- Lineage (file_id, sheet, row_no, source_file) stays on every row; the raw text is in raw_<kind>.

create or replace table persons as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.id_number_upgraded,
       s.household_no, s.relation, coalesce(rc.code, rn.code) as relation_code,
       coalesce(rc.class_vs_head, rn.class_vs_head) as relation_class,
       s.sex, s.birth_on,
       coalesce(ca.name, ta_c.name, s.county) as county,
       coalesce(ca.code, ta.county_code) as county_code,
       coalesce(ta.name, s.township) as township, ta.code as township_code,
       s.village, s.address, s.status, s.change_on, s.destination,
       s.spouse_id_number, s.father_id_number, s.mother_id_number,
       s.warnings
from stg_households s
left join relation_codes rc on regexp_full_match(s.relation, '[0-9]{1,2}') and rc.code = lpad(s.relation, 2, '0')
left join relation_codes rn on rn.name = s.relation
left join place_alias ca on ca.level = 'county' and ca.alias = s.county
left join place_alias ta on ta.level = 'township' and ta.alias = s.township
left join place_alias ta_c on ta_c.level = 'county' and ta_c.alias = ta.county_code
where s.reason is null;

create or replace table payments as
select s.file_id, s.sheet, s.row_no, s.source_file,
       s.id_number, s.name, s.name_norm, s.id_number_upgraded,
       s.programme, coalesce(s.sub_type, s.programme_sub_type) as sub_type,
       s.entitlement_month, s.paid_on, s.amount_yuan, s.account_no, s.bank,
       coalesce(ca.name, ta_c.name, s.county, reg.county) as county,
       coalesce(ca.code, ta.county_code, reg.county_code) as county_code,
       coalesce(ta.name, s.township, reg.township) as township, coalesce(ta.code, reg.township_code) as township_code,
       coalesce(s.village, reg.village) as village, s.household_no, s.household_size, s.dibao_category, s.remark,
       coalesce(s.remark like '%补发%' or s.remark like '%补缴%' or s.remark like '%补%月%', false) as is_arrears,
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
       s.id_number, s.name, s.name_norm, s.id_number_upgraded, s.sex,
       s.death_on, s.dereg_on, s.dereg_reason, s.cert_type, s.cremation_on, s.cremation_no,
       s.funeral_home, s.death_place, s.death_cause, s.cert_org, s.issued_on, s.township,
       s.warnings
from stg_deaths s
where s.reason is null;

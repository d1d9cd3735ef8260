-- Derived helper tables the rules read, built after validation.

-- The name each ID number is known by: the household register first, else the payment ledgers
-- (the most frequent spelling). Death records are only believed when their name matches it.
create or replace table known_names as
with reg as (
    select id_number, mode(name_norm) as name_norm, 1 as rank from persons group by id_number
), paid as (
    select id_number, mode(name_norm) as name_norm, 2 as rank from payments group by id_number
)
select id_number, arg_min(name_norm, rank) as name_norm, arg_min(rank, rank) = 1 as from_register
from (select * from reg union all select * from paid)
group by id_number;

-- One death per ID number, merged over 公安 / 民政 / 卫健 records whose name matches the person's.
-- The death date is the earliest 死亡日期 of any source; failing that the earliest 火化日期; failing
-- that the earliest 注销日期, marked imprecise (deregistration lags death, domain.md §8.1).
create or replace table deaths as
with credible as (
    select r.*, coalesce(r.death_on, r.cremation_on, r.dereg_on) as date_given
    from death_records r
    left join known_names k using (id_number)
    where k.id_number is null or k.name_norm = r.name_norm
)
select id_number,
       mode(name) as name,
       coalesce(min(death_on), min(cremation_on), min(dereg_on)) as death_on,
       date_trunc('month', coalesce(min(death_on), min(cremation_on), min(dereg_on)))::date as death_month,
       min(death_on) is null and min(cremation_on) is null as is_imprecise,
       datediff('day', min(date_given), max(date_given)) > 31 as has_date_conflict,
       count(*) as n_records,
       string_agg(distinct source, '、' order by source) as sources,
       string_agg(source || ' ' || strftime(date_given, '%Y-%m-%d')
                  || case when death_on is not null then '死亡' when cremation_on is not null then '火化' else '注销' end
                  || '（' || qf_row_ref(source_file, sheet, row_no) || '）',
                  '；' order by date_given, source) as death_evidence
from credible
group by id_number;

-- Net payment per person, programme, sub-type and entitlement month: a negative correction row (冲正)
-- cancels the payment it corrects. n_payments counts the positive rows, max_payment the largest.
create or replace table paid_months as
select id_number, programme, coalesce(sub_type, '') as sub_type, entitlement_month,
       sum(amount_yuan) as amount_yuan,
       count(*) filter (where amount_yuan > 0) as n_payments,
       max(amount_yuan) as max_payment
from payments
group by all;

-- The months each programme's ledgers cover: "still going" means paid in the last of them.
create or replace table programme_windows as
select programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month
from payments
group by all;

-- Who was paid under each programme, with the name and place of the latest row: what a case shows.
create or replace table payees as
select id_number, programme,
       arg_max(name, entitlement_month) as name,
       arg_max(county, entitlement_month) as county,
       arg_max(county_code, entitlement_month) as county_code,
       arg_max(township, entitlement_month) as township,
       arg_max(village, entitlement_month) as village
from payments
group by all;

-- The latest move out of each person in the household register, and how far it went: out of the province
-- (the destination names another province) or out of the county (another province, another Zhejiang city,
-- or another county of this city without naming one's own). A destination that names nothing known
-- counts as neither: a rule cannot call it a move away.
create or replace table moves as
with latest as (
    select id_number, max(change_on) as moved_on, arg_max(destination, change_on) as destination,
           arg_max(county_code, change_on) as from_county_code
    from persons
    where status like '%迁出%' and change_on is not null and destination is not null
    group by id_number
), named as (
    select m.*,
           -- a province's name inside a place name of its own (衢江区湖南镇, 河南村) does not name the province
           exists (select 1 from regions r where r.in_zhejiang = 'N' and contains(m.destination, r.name)
                   and not contains(m.destination, r.name || '镇') and not contains(m.destination, r.name || '乡')
                   and not contains(m.destination, r.name || '村') and not contains(m.destination, r.name || '街')
                   and not contains(m.destination, r.name || '路')) as names_other_province,
           exists (select 1 from regions r where r.in_zhejiang = 'Y' and contains(m.destination, r.name)) as names_zhejiang,
           exists (select 1 from regions r where r.in_zhejiang = 'Y' and r.level = 'prefecture' and r.name <> '衢州'
                   and contains(m.destination, r.name)) as names_other_city,
           -- counties by any of their names, townships only by their full name (湖南镇, not 湖南: 湖南省)
           exists (select 1 from place_alias a where a.county_code <> m.from_county_code
                   and (a.level = 'county' or a.alias = a.name)
                   and not regexp_full_match(a.alias, '[0-9]+') and contains(m.destination, a.alias)) as names_other_county,
           exists (select 1 from place_alias a where a.county_code = m.from_county_code
                   and (a.level = 'county' or a.alias = a.name)
                   and not regexp_full_match(a.alias, '[0-9]+') and contains(m.destination, a.alias)) as names_own_county
    from latest m
)
select id_number, moved_on, destination, from_county_code,
       -- a destination naming a county of this city is in the province, whatever else it contains
       names_other_province and not (names_zhejiang or names_own_county or names_other_county) as out_of_province,
       (names_other_province and not (names_zhejiang or names_own_county or names_other_county)) or names_other_city
           or (names_other_county and not names_own_county) as out_of_county
from named;

-- Other numbers a registered person may be paid under: the same digits 7–17 with a historical (or current)
-- code of the same county, and the check character that goes with it (332427… for a 330822… person).
create or replace table id_aliases as
with people as (select distinct id_number, name_norm from persons),
     codes as (select old_code as alias_code, new_code as own_code from county_successors
               union select new_code, old_code from county_successors)
select p.id_number, p.name_norm,
       c.alias_code || substr(p.id_number, 7, 11) || qf_id_check(c.alias_code || substr(p.id_number, 7, 11)) as alias_id
from people p join codes c on c.own_code = substr(p.id_number, 1, 6);

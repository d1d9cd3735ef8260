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

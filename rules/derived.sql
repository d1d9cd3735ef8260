-- Derived helper tables the rules read, built after validation.

-- The name each ID number is known by: the household register first, else the payment ledgers
-- (the most frequent spelling). Death records are only believed when their name is the same person's
-- (qf_same_name, sources/names.py: equal, or differing only by 繁简 or a 生僻字 a GBK system replaced).
create or replace table known_names as
with reg as (
    select id_number, mode(name_norm) as name_norm, 1 as rank from persons group by id_number
), paid as (
    select id_number, mode(name_norm) as name_norm, 2 as rank from payments group by id_number
)
select id_number, arg_min(name_norm, (rank, name_norm, rank)) as name_norm, arg_min(rank, (rank, name_norm, rank)) = 1 as from_register
from (select * from reg union all select * from paid)
group by id_number;

-- ID numbers that go by two names which are not one person's spellings (sources/names.py: 繁简 and a 生僻字
-- a GBK system replaced are) in the register, the ledgers or the death records: an identity conflict
-- (domain.md §8.1 ID_NAME_CONFLICT). R15 lists them; no other rule may accuse anyone under such a number —
-- rules/catalog.py holds their cases back as 待补数据 (身份核实) instead. `names`: every spelling and where.
create or replace table identity_conflicts as
with spellings as (
    select id_number, name_norm, min(name) as name, source, min({'f': source_file, 's': sheet, 'r': row_no}) as loc
    from (select id_number, name_norm, name, '户籍' as source, source_file, sheet, row_no from persons
          union all select id_number, name_norm, name, programme || '发放名册', source_file, sheet, row_no from payments
          union all select id_number, name_norm, name, source || '死亡记录', source_file, sheet, row_no from death_records)
    where name_norm is not null
    group by id_number, name_norm, source
), differ as (
    select distinct a.id_number
    from (select distinct id_number, name_norm from spellings) a
    join (select distinct id_number, name_norm from spellings) b on b.id_number = a.id_number and a.name_norm < b.name_norm
    where not qf_same_name(a.name_norm, b.name_norm)
)
select id_number, string_agg(source || '为' || name, '，' order by source, name) as names, min(loc) as loc
from spellings
where id_number in (select id_number from differ)
group by id_number;

-- A date as given: 2020-03-05, or 2020-03（仅有年月） when the source gave the month only.
create or replace macro qf_day_or_month(d, w, col) as
    case when qf_month_only(w, col) then strftime(d, '%Y-%m') || '（仅有年月）' else strftime(d, '%Y-%m-%d') end;

-- One death per ID number, merged over 公安 / 民政 / 卫健 records whose name is the person's (domain.md §8.1).
-- The death date is the earliest 死亡日期 or 火化日期 of any source (a cremation follows the death within days);
-- only when no source gives either, the earliest 注销日期 — an upper bound (deregistration lags death),
-- marked imprecise. Death dates more than 31 days apart are a conflict: the earliest is kept and every date
-- shown. death_evidence lists every record with all its dates; name_notes says where a name was matched
-- despite a different spelling.
create or replace table deaths as
with credible as (
    -- a date known to the month only (2020年3月) counts from the first day of its month (died_by) to the last (died_hi)
    select r.*, least(r.death_on, r.cremation_on) as died_by,
           least(case when qf_month_only(r.warnings, 'death_on') then last_day(r.death_on) else r.death_on end,
                 case when qf_month_only(r.warnings, 'cremation_on') then last_day(r.cremation_on) else r.cremation_on end)
               as died_hi,
           qf_name_note(r.name_norm, k.name_norm) as name_note
    from death_records r
    left join known_names k using (id_number)
    where k.id_number is null or qf_same_name(k.name_norm, r.name_norm)
), merged as (
    select id_number,
           mode(name) as name,
           coalesce(min(died_by), min(dereg_on)) as death_on,
           min(died_by) is null as is_imprecise,
           coalesce(datediff('day', min(died_hi), max(died_by)) > 31, false) as has_date_conflict,
           count(*) as n_records,
           string_agg(distinct source, '、' order by source) as sources,
           string_agg(source || ' '
                      || concat_ws('、', qf_day_or_month(death_on, warnings, 'death_on') || '死亡',
                                   qf_day_or_month(cremation_on, warnings, 'cremation_on') || '火化',
                                   qf_day_or_month(dereg_on, warnings, 'dereg_on') || '注销')
                      || '（' || qf_row_ref(source_file, sheet, row_no) || '）',
                      '；' order by coalesce(died_by, dereg_on), source) as records,
           string_agg(distinct name_note, '；' order by name_note) as name_notes
    from credible
    group by id_number
)
select id_number, name, death_on, date_trunc('month', death_on)::date as death_month,
       is_imprecise, has_date_conflict, n_records, sources,
       records || case when is_imprecise then '。仅有户籍注销日期，无死亡或火化日期：以注销日期作为死亡日期的上限，实际死亡可能更早'
                       when has_date_conflict then '。各来源死亡日期相差超过31天（日期冲突），取最早的日期'
                       else '' end as death_evidence,
       name_notes
from merged;

-- Death records of a person with no dated death (above) that name that person but carry no date that can be
-- read: whether a payment came after the death waits for the date (R01's and R18's needs_data).
create or replace table undated_death_records as
select r.id_number, r.source, r.warnings, r.source_file, r.sheet, r.row_no
from death_records r
left join known_names k using (id_number)
where (k.id_number is null or qf_same_name(k.name_norm, r.name_norm))
  and r.death_on is null and r.cremation_on is null and r.dereg_on is null
  and r.id_number not in (select id_number from deaths where death_on is not null);

-- Net payment per person, programme, sub-type and entitlement month. A row paying nothing (amount 0) or
-- marked as stopped (停发, 停保, 暂停) is no payment. A correction (退回, 冲销 …: sources/payment_words.yaml),
-- negative or not, takes money back and cancels the payment it corrects. n_payments counts the positive
-- rows, max_payment the largest; the regular_* columns leave out supplements (补发, 提标补发差额 …), which
-- pay on top of a month's regular payment (R04). is_periodic: the programme is paid month by month
-- (sources/programmes.yaml `type`); one-off payments (丧葬补助金 …) are no months of a benefit (R01, R02, R04).
-- household_size: the largest 保障人数 stated for the month (低保 households, R01).
create or replace table paid_months as
with rows as (
    select p.*, case when p.payment_kind = 'correction' then -abs(p.amount_yuan) else p.amount_yuan end as net_yuan
    from payments p
    where p.amount_yuan <> 0
      and not (coalesce(regexp_matches(p.remark, '停发|停保|暂停') and not regexp_matches(p.remark, '恢复'), false))
)
select r.id_number, r.programme, coalesce(r.sub_type, '') as sub_type, r.entitlement_month,
       sum(r.net_yuan) as amount_yuan,
       count(*) filter (where r.net_yuan > 0) as n_payments,
       max(r.net_yuan) as max_payment,
       coalesce(sum(r.net_yuan) filter (where not coalesce(r.is_arrears, false)), 0) as regular_yuan,
       count(*) filter (where r.net_yuan > 0 and not coalesce(r.is_arrears, false)) as n_regular,
       max(r.net_yuan) filter (where not coalesce(r.is_arrears, false)) as max_regular,
       max(r.household_size) as household_size,
       coalesce(min(g.type), 'periodic') = 'periodic' as is_periodic
from rows r
left join programmes g using (programme)
group by r.id_number, r.programme, coalesce(r.sub_type, ''), r.entitlement_month;

-- The months each programme's ledgers cover: "still going" means paid in the last of them.
create or replace table programme_windows as
select programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month
from payments
group by all;

-- The months each file covers for each programme: a person's stop in one office's list is a stop only if
-- that list reaches the months another list still pays (R02).
create or replace table ledger_windows as
select source_file, programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month
from payments
group by all;

-- R02's dead people paid both subsidies of a pair (`pairs`: its params), one stopped within a month of the
-- death and the other paid two or more months past it, with how far the lists (files) that carried the
-- stopped one reach (covered_to) and the other's last month: a case where those lists reach it, else a
-- needs_data row. paired_monthly: the pairs' net amounts per month (pensions, most of the rows, are never
-- in a pair).
create or replace macro paired_monthly(pairs) as table
select id_number, programme, entitlement_month, sum(amount_yuan) as amount_yuan
from paid_months where is_periodic and programme in (select unnest(flatten(pairs)))
group by all having sum(amount_yuan) > 0;

create or replace macro paired_one_stopped(pairs) as table
with pair_list as (
    select p[1] as programme_a, p[2] as programme_b from (select unnest(pairs) as p)
), spans as (
    select id_number, programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month
    from paired_monthly(pairs) group by all
), both_paid as (
    -- dead people who received both subsidies of a pair before they died
    select d.id_number, d.death_month, x.programme_a, x.programme_b, a.last_month as last_a, b.last_month as last_b
    from deaths d
    cross join pair_list x
    join spans a on a.id_number = d.id_number and a.programme = x.programme_a and a.first_month <= d.death_month
    join spans b on b.id_number = d.id_number and b.programme = x.programme_b and b.first_month <= d.death_month
), one_stopped as (
    -- the stopped one's last month lies within a month of death; the other ran two or more months past it
    select id_number, death_month,
           case when last_a <= death_month + interval 1 month then programme_a else programme_b end as stopped_programme,
           least(last_a, last_b) as stopped_last_month,
           case when last_a <= death_month + interval 1 month then programme_b else programme_a end as programme
    from both_paid
    where least(last_a, last_b) between death_month - interval 1 month and death_month + interval 1 month
      and greatest(last_a, last_b) >= death_month + interval 2 month
), stopped_lists as (
    -- the months covered by the lists (files) that carried the person's stopped programme
    select o.id_number, o.stopped_programme, max(lw.last_month) as covered_to,
           string_agg(distinct p.source_file, '、' order by p.source_file) as stopped_files
    from one_stopped o
    join payments p on p.id_number = o.id_number and p.programme = o.stopped_programme
    join ledger_windows lw on lw.source_file = p.source_file and lw.programme = p.programme
    group by all
)
select o.*, l.covered_to, l.stopped_files, s.last_month as other_last_month
from one_stopped o
join stopped_lists l using (id_number, stopped_programme)
join spans s on s.id_number = o.id_number and s.programme = o.programme;

-- Who was paid under each programme, with the name and place of the latest row: what a case shows.
create or replace table payees as
select id_number, programme,
       arg_max(name, (entitlement_month, name, county, county_code, township, village)) as name,
       arg_max(county, (entitlement_month, name, county, county_code, township, village)) as county,
       arg_max(county_code, (entitlement_month, name, county, county_code, township, village)) as county_code,
       arg_max(township, (entitlement_month, name, county, county_code, township, village)) as township,
       arg_max(village, (entitlement_month, name, county, county_code, township, village)) as village
from payments
group by all;

-- person_payee(): the name and place of each person's latest payment row, whatever the programme (R10: a
-- cadre's relative paid under several programmes is one case).
create or replace macro person_payee() as table
select id_number,
       arg_max(name, (entitlement_month, name, county, township, village)) as name,
       arg_max(county, (entitlement_month, name, county, township, village)) as county,
       arg_max(township, (entitlement_month, name, county, township, village)) as township,
       arg_max(village, (entitlement_month, name, county, township, village)) as village
from payments
group by id_number;

-- Pensioners R17 could not check for payments during a prison term because no 服刑人员 list was supplied
-- (R17's `unchecked:`: the run says 部分未检查 with their number per county, not "0 cases").
create or replace table pensioners_without_prison_list as
select id_number, min(county) as county
from payees
where programme in ('城乡居民基本养老保险', '职工基本养老保险') and not exists (select 1 from prison_terms)
group by id_number;

-- Recipients of the two disability subsidies R06 could not fully check (R06's `unchecked:`): all of them when
-- no 残联 certificate registry was supplied; the 生活补贴 recipients when no 低收入农户 / 低边 list was.
create or replace table subsidy_recipients_unchecked as
select id_number, min(county) as county
from payees
where (programme in ('困难残疾人生活补贴', '重度残疾人护理补贴') and not exists (select 1 from disability_certs))
   or (programme = '困难残疾人生活补贴' and not exists (select 1 from low_income))
group by id_number;

-- Who was on a 低边 / 低收入 / 建档立卡 list in which months (R06, R16): the person and, for a household list,
-- its head; a list by month covers that month, a list with dates covers from the start to the end (open ends:
-- from the earliest month and until the run's as-of date). A row without any date covers every month: a list
-- that does not say when is never evidence that someone was off it.
create or replace table low_income_spans as
with spans as (
    select id_number, category, source_file, sheet, row_no,
           coalesce(month, date_trunc('month', start_on)::date, date '1900-01-01') as from_month,
           coalesce(month, date_trunc('month', end_on)::date, date_trunc('month', qf_as_of())::date) as to_month
    from low_income
)
select id_number, category, source_file, sheet, row_no, from_month, to_month from spans where id_number is not null
union
select l.head_id_number, s.category, s.source_file, s.sheet, s.row_no, s.from_month, s.to_month
from spans s join low_income l using (source_file, sheet, row_no)
where l.head_id_number is not null and l.head_id_number is distinct from l.id_number;

-- The approval months of 危房改造 rows for which R16 can check a category: within the 低保 / 特困 ledgers' months
-- and within a 低边 / 低收入 list's (R16 decides; the rows of other months are its `unchecked:`, 部分未检查).
create or replace table housing_aid_coverage as
with ledgers as (
    select min(entitlement_month) as lo, max(entitlement_month) as hi
    from paid_months where programme in ('最低生活保障', '特困人员供养')
), lists as (
    select min(from_month) as lo, max(to_month) as hi from low_income_spans
), months as (
    select distinct date_trunc('month', approved_on)::date as approved_month from housing_aid where approved_on is not null
)
select m.approved_month,
       coalesce(m.approved_month between ledgers.lo and ledgers.hi, false) as ledgers_cover,
       coalesce(m.approved_month between lists.lo and lists.hi, false) as list_covers
from months m, ledgers, lists;

create or replace table housing_aid_unchecked as
select h.id_number, h.county
from housing_aid h join housing_aid_coverage c on c.approved_month = date_trunc('month', h.approved_on)
where not (c.ledgers_cover and c.list_covers);

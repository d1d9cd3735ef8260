-- 民生资金监督指数 over whole tables (cases/index.py runs each step with the parameters it names).
-- Reads: payments, case_status (this run's view of every case of its rules), case_ledger, _index_decisions
-- (the decision in force per case, cases/ledger.py DECISIONS_SQL), and the configuration as two small tables:
-- _index_indicators (one row per indicator) and _index_bands (one row per colour band).

-- step: towns
-- Every township of the payments or of the cases, with its recipients and the amount paid over the window:
-- the $window_months entitlement months ending with the newest month paid on or before the report month.
create or replace temp table _index_towns as
with last_month as (
    select max(date_trunc('month', entitlement_month))::date as m
    from payments where entitlement_month < $month + interval 1 month
), paid as (
    select p.county, p.township, count(distinct p.id_number) filter (where p.amount_yuan > 0) as recipients,
           sum(p.amount_yuan) as paid_yuan
    from payments p, last_month l
    where p.township is not null
      and p.entitlement_month >= (l.m - to_months($window_months - 1))::date
      and p.entitlement_month < l.m + interval 1 month
    group by all
), seen as (
    select county, township from paid
    union select county, township from case_status where township is not null
)
select s.county, s.township, coalesce(p.recipients, 0) as recipients, coalesce(p.paid_yuan, 0) as paid_yuan
from seen s
left join paid p on p.county is not distinct from s.county and p.township = s.township;

-- step: cases
-- Every case of the run's rules with its township, whether it is outstanding, and the decision in force.
create or replace temp table _index_cases as
select s.case_id, s.rule_id, s.status, s.county, s.township, s.open_days,
       l.subject_id_number, l.programme, s.amount_yuan,
       list_contains($open_statuses, s.status) as is_open,
       d.case_id is not null as has_decision, d.conclusion, d.to_recover_yuan, d.recovered_yuan
from case_status s
join case_ledger l using (case_id)
left join _index_decisions d using (case_id)
where s.township is not null;

-- step: values
-- Each township's raw value of each indicator (NULL where it has none: no recipients, nothing decided,
-- nothing to recover). A person's money flagged by several rules of one indicator (R01 and R02 on the same
-- subsidy) counts once: the largest amount per person and programme.
create or replace temp table _index_raw as
with matched as (
    select i.indicator, i.overdue_days, c.*
    from _index_indicators i
    join _index_cases c on len(i.rules) = 0 or list_contains(i.rules, c.rule_id)
), counts as (
    select indicator, county, township,
           count(*) filter (where is_open) as n_open,
           count(*) filter (where is_open and not has_decision and open_days > overdue_days) as n_overdue,
           count(*) filter (where status = $reraised) as n_repeat,
           count(*) filter (where conclusion in ($true, $partly, $false)) as n_decided,
           count(*) filter (where conclusion in ($true, $partly)) as n_confirmed,
           sum(to_recover_yuan) filter (where conclusion in ($true, $partly) and to_recover_yuan > 0) as to_recover,
           sum(recovered_yuan) filter (where conclusion in ($true, $partly) and to_recover_yuan > 0) as recovered
    from matched group by all
), per_person as (
    select indicator, county, township, subject_id_number, programme, max(amount_yuan) as amount_yuan
    from matched where is_open group by all
), overpaid as (
    select indicator, county, township, sum(amount_yuan) as overpaid_yuan from per_person group by all
)
select t.county, t.township, t.recipients, t.paid_yuan, i.indicator, i.ord, i.name_zh, i.weight,
       case i.measure
           when 'cases_per_1000_recipients' then 1000.0 * coalesce(n.n_open, 0) / nullif(t.recipients, 0)
           when 'overpaid_per_10000_yuan' then 10000.0 * coalesce(o.overpaid_yuan, 0) / nullif(t.paid_yuan, 0)
           when 'overdue_cases' then coalesce(n.n_overdue, 0)
           when 'confirmed_share' then 100.0 * n.n_confirmed / nullif(n.n_decided, 0)
           when 'recovery_rate' then 100.0 * coalesce(n.recovered, 0) / nullif(n.to_recover, 0)
           when 'repeat_cases' then coalesce(n.n_repeat, 0)
       end::double as value
from _index_towns t
cross join _index_indicators i
left join counts n on n.indicator = i.indicator and n.county is not distinct from t.county and n.township = t.township
left join overpaid o on o.indicator = i.indicator and o.county is not distinct from t.county and o.township = t.township;

-- step: scores
-- Each value as a score from 0 (worst) to 100 (best): linear between the indicator's best and worst values,
-- fixed in the configuration or (relative) the best and worst among this month's townships.
create or replace temp table _index_scored as
with anchored as (
    select r.*, i.method,
           case when i.method = 'fixed' then i.best
                when i.higher_is_worse then min(r.value) over (partition by r.indicator)
                else max(r.value) over (partition by r.indicator) end as best,
           case when i.method = 'fixed' then i.worst
                when i.higher_is_worse then max(r.value) over (partition by r.indicator)
                else min(r.value) over (partition by r.indicator) end as worst
    from _index_raw r join _index_indicators i using (indicator)
)
select county, township, recipients, paid_yuan, indicator, ord, name_zh, weight, value,
       case when value is null then null
            when best = worst then 100.0
            else 100.0 * greatest(0.0, least(1.0, (value - worst) / (best - worst))) end as score
from anchored;

-- step: index
-- The index: the weighted mean of the township's scores (indicators without a value left out), rounded to one
-- decimal, and the colour of the first band (from the best) whose minimum it reaches.
create or replace temp table _index_month as
with idx as (
    select county, township, any_value(recipients) as recipients, any_value(paid_yuan) as paid_yuan,
           round(sum(weight * score) / nullif(sum(weight) filter (where score is not null), 0), 1) as score
    from _index_scored group by all
)
select x.*, (select arg_max(b.colour, b.min_score) from _index_bands b where x.score >= b.min_score) as colour
from idx x;

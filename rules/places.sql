-- Where people are and went: the register's moves placed with the gazetteer (sources/gazetteer.py), the
-- areas the register extracts cover, the register rows held back by the loader, and the other numbers a
-- registered person may be paid under. Built after validation, after derived.sql.

-- Each distinct destination (迁往地) read against the gazetteer. A name found inside a longer name found at
-- the same place is not read (湖南 inside 衢江区湖南镇); a short form (湖南, 江山) is not read when 镇/乡/村/
-- 街/路 follows it (河南村). A name a division carries today is preferred to the same name's history.
create or replace table destination_spans as
with dests as (
    select distinct destination from persons where destination is not null
), found as (
    select d.destination, n.alias, strpos(d.destination, n.alias) as pos, length(n.alias) as len,
           n.is_short, n.code, n.level, n.province_code, n.prefecture_code, n.county_code, n.is_current
    from dests d
    join place_names n on contains(d.destination, n.alias)
    where not (n.is_short and regexp_matches(substr(d.destination, strpos(d.destination, n.alias) + length(n.alias), 1),
                                             '[镇乡村街路巷弄组]'))
), spans as (
    -- not inside a longer name, nor straddling two names that meet inside it (南长 in 湖南|长沙)
    select * from found f
    where not exists (select 1 from found o
                      where o.destination = f.destination and o.len > f.len
                        and o.pos <= f.pos and o.pos + o.len >= f.pos + f.len)
      and not exists (select 1 from found a join found b using (destination)
                      where a.destination = f.destination and a.pos < f.pos and a.pos + a.len > f.pos
                        and b.pos = a.pos + a.len and b.pos < f.pos + f.len and b.pos + b.len > f.pos + f.len)
)
select * from spans s
-- per span, today's divisions when the name has one (衢州市 is a prefecture, no longer the county of 1981–85)
where is_current or not exists (select 1 from spans c where c.destination = s.destination and c.pos = s.pos
                                and c.len = s.len and c.is_current);

-- Each destination as the register's people left for it: which province(s) all its names agree on, and
-- whether it names the county left (or a predecessor / successor of it: county_successors).
create or replace table moves as
with latest as (
    select id_number, max(change_on) as moved_on, arg_max(destination, (change_on, destination, county_code)) as destination,
           arg_max(county_code, (change_on, destination, county_code)) as from_county_code
    from persons
    where status like '%迁出%' and change_on is not null and destination is not null
    group by id_number
), back as (
    -- a later row of the same person that brings them back (迁入, 迁回, 恢复户口)
    select l.id_number, min(p.change_on) as returned_on
    from latest l join persons p using (id_number)
    where p.change_on > l.moved_on and regexp_matches(coalesce(p.status, ''), '迁入|迁回|回迁|恢复|落户')
    group by all
), own as (
    select from_county_code, from_county_code as code from latest where from_county_code is not null
    union select l.from_county_code, c.new_code from latest l join county_successors c on c.old_code = l.from_county_code
    union select l.from_county_code, c.old_code from latest l join county_successors c on c.new_code = l.from_county_code
), pairs as (
    select distinct l.destination, l.from_county_code from latest l
), spans as (
    select p.destination, p.from_county_code, s.pos, s.len, s.alias, s.level, s.province_code, s.prefecture_code,
           s.county_code,
           s.county_code in (select code from own o where o.from_county_code = p.from_county_code) as is_own
    from pairs p join destination_spans s using (destination)
), n_spans as (
    -- a span is a (pos, len) pair: distinct over the pair (sqlfluff's ST08 taken it for parentheses)
    select destination, from_county_code, count(distinct (pos, len)) as n from spans group by all  -- noqa: ST08
), provinces as (
    -- the provinces every name of the destination allows
    select s.destination, s.from_county_code, s.province_code
    from spans s join n_spans n using (destination, from_county_code)
    group by s.destination, s.from_county_code, s.province_code, n.n
    having count(distinct (s.pos, s.len)) = n.n  -- noqa: ST08
), agreed as (
    select destination, from_county_code,
           count(*) as n_provinces, bool_or(p.province_code = '33') as may_be_zhejiang,
           string_agg(g.name, '或' order by p.province_code) as province_names
    from provinces p join gazetteer g on g.code = p.province_code || '0000'
    group by all
), named as (
    select p.destination, p.from_county_code,
           bool_or(s.is_own) as names_own,
           bool_or(not s.is_own and s.level in ('county', 'township') and s.province_code in
                   (select province_code from provinces v where v.destination = p.destination
                    and v.from_county_code is not distinct from p.from_county_code)) as names_other_county,
           bool_or(s.level = 'prefecture' and s.prefecture_code <> left(p.from_county_code, 4) || '00'
                   and s.province_code in (select province_code from provinces v where v.destination = p.destination
                                           and v.from_county_code is not distinct from p.from_county_code))
               as names_other_city,
           string_agg(distinct s.alias, '、' order by s.alias) as names_read
    from pairs p left join spans s on s.destination = p.destination
                                   and s.from_county_code is not distinct from p.from_county_code
    group by all
), words as (
    select d.destination,
           bool_or(w.means = 'out_of_province') as w_out_province, bool_or(w.means = 'out_of_county') as w_out_county,
           bool_or(w.means = 'in_county') as w_in_county, bool_or(w.means = 'in_province') as w_in_province
    from (select distinct destination from latest) d join place_words w on contains(d.destination, w.word)
    group by all
), judged as (
    select l.*, b.returned_on, n.names_read, a.province_names,
           coalesce(n.names_own, false) or coalesce(w.w_in_county, false) as stays_in_county,
           coalesce(n.names_own, false) or coalesce(w.w_in_county, false) or coalesce(w.w_in_province, false)
               or coalesce(a.n_provinces = 1 and a.may_be_zhejiang, false) as stays_in_province,
           coalesce(w.w_out_province, false) or coalesce(a.n_provinces >= 1 and not a.may_be_zhejiang, false)
               as leaves_province,
           coalesce(n.names_other_county, false) or coalesce(n.names_other_city, false)
               or coalesce(w.w_out_county, false) as leaves_county
    from latest l
    left join back b using (id_number)
    left join named n on n.destination = l.destination and n.from_county_code is not distinct from l.from_county_code
    left join agreed a on a.destination = l.destination and a.from_county_code is not distinct from l.from_county_code
    left join words w on w.destination = l.destination
)
-- out_of_province / out_of_county: true, false, or NULL when the destination cannot decide it (a name no
-- gazetteer knows, names that contradict each other): such a move is never a case, it is data to complete.
-- Naming the county left (or 本县) always keeps the move inside it.
select id_number, moved_on, destination, from_county_code, returned_on, names_read,
       case when stays_in_province then false when leaves_province then true end as out_of_province,
       case when stays_in_county then false
            when leaves_province and not stays_in_province then true
            when from_county_code is null then null
            when leaves_county then true end as out_of_county,
       case when stays_in_county then '本县内'
            when leaves_province and not stays_in_province then coalesce(province_names, '省外')
            when leaves_county and from_county_code is not null then '本县以外' || coalesce('（' || names_read || '）', '')
            when stays_in_province then '本省内' end as placed_as
from judged;

-- Other numbers a registered person may be paid under: the same digits 7–17 with a historical (or current)
-- code of the same county, and the check character that goes with it (332427… for a 330822… person).
create or replace table id_aliases as
with people as (select distinct id_number, name_norm from persons),
     codes as (
         select old_code as alias_code, new_code as own_code from county_successors
         union select new_code, old_code from county_successors
     )
select p.id_number, p.name_norm,
       c.alias_code || substr(p.id_number, 7, 11) || qf_id_check(c.alias_code || substr(p.id_number, 7, 11)) as alias_id
from people p join codes c on c.own_code = substr(p.id_number, 1, 6);

-- Register rows the loader held back (quarantine), read from their raw cells: they still show that a
-- person of that name and digits 1–14 (address and birth date, which survive a numeric Excel cell) exists.
create or replace table register_held_back as
with held as (
    select distinct q.file_id, q.sheet, q.row_no, q.reason
    from quarantine q where q.kind = 'persons'
), cells as (
    select h.*, qf_cells(r.cells, r.line, s.delimiter) as cells,
           json_extract(s.mapping, '$.id_number')::integer + 1 as id_col,
           json_extract(s.mapping, '$.name')::integer + 1 as name_col
    from held h join raw_persons r using (file_id, sheet, row_no) join source_sheets s using (file_id, sheet)
), texts as (
    select file_id, sheet, row_no, reason, trim(cells[id_col]) as id_text, qf_name(cells[name_col]) as name_norm
    from cells
)
select file_id, sheet, row_no, reason, id_text, name_norm,
       left(case when regexp_full_match(id_text, '[0-9.]+[eE]\+?[0-9]+')
                 then id_text::double::hugeint::varchar
                 else regexp_replace(id_text, '[^0-9]', '', 'g') end, 14) as prefix14
from texts
where name_norm is not null and id_text is not null;

-- The areas the household register extracts cover: the townships (or 派出所 areas, read as the township of
-- the same name) their rows name; a county whose rows name no township at all is covered as a whole.
create or replace table register_areas as
with rows as (
    select county_code,
           coalesce(township_code, (select min(a.code) from place_alias a where a.level = 'township'
                                    and a.alias = regexp_replace(p.township, '(派出所|警务室|户籍室)$', ''))) as township_code,
           township
    from persons p
)
select distinct county_code, township_code, township, false as whole_county from rows where township is not null
union all
select county_code, null, null, true from rows where county_code is not null group by all
having count(township) = 0;

-- Payees of the payment lists none of whose rows lies in an area the register covers (its township, or its
-- county when covered as a whole; R13 reads the same condition): R13 cannot look for
-- them in the register (未检查), and says so rather than calling them 查无此人.
create or replace table payees_outside_registers as
select id_number, min(name) as name, min(county) as county, min(county_code) as county_code,
       min(township) as township, string_agg(distinct programme, '、' order by programme) as programmes,
       count(*) as n_rows
from payments p
group by id_number
having not bool_or(exists (select 1 from register_areas a
                           where a.township_code = p.township_code
                              or (p.township_code is null and a.township = p.township)
                              or (a.whole_county and a.county_code = p.county_code)));

/*
id: R03
title: A locality-bound benefit paid after the recipient's registration moved away
name_zh: 迁出后继续领取
severity: high
rationale: >
  户籍迁出后，属地发放的待遇应自迁出次月起停发：残疾人两项补贴在迁出本省后停发，最低生活保障和特困供养在迁出本县后停发。
  迁出月份取户籍的变动日期，去向取“迁往地”。养老金可随人转移，从不因迁出而标记；两项补贴在本市（本省）内迁移不标记。
  迁往地按全国县级行政区划（含历史名称、简称，如“杭州萧山”“江山”）和本市乡镇判断，“省外”“外省”“县外”等说法也能识别；
  名称互相包含的不误读（衢江区湖南镇不是湖南省）。
  已排除的误报：迁往福利院、养老院等供养机构（仍可享受）；本县内迁移；迁出后又迁回的，迁回当月起不计；
  户主迁出而本人未迁的（按每个人自己的户籍记录判断）；去向无法判断省、县的（不标记，列入待补数据）。
basis: 国发〔2015〕52号（迁出本省停发）；《最低生活保障审核确认办法》（民发〔2021〕57号）、特困人员认定办法（户籍地申请、迁出后终止）
verify: >
  调取户籍迁移记录（迁移证、迁入地落户信息），核实本人是否实际迁出及迁出日期；查询迁入地是否也在发放同类待遇（可能重复享受，见 R04）；
  调取迁出后各月发放明细和银行流水。
subject: recipient
case_key: [subject_id_number, programme]
amount_kind: overpaid      # amount_yuan: 迁出以后发放的所属期
evidence: [subject_id_number, subject_name, county, township, village, programme, moved_on, destination, moved_beyond,
           returned_on, period_from, period_to, months, amount_yuan, is_ongoing, severity, facts, evidence, source_rows]
labels: {moved_on: 迁出日期, destination: 迁往地, moved_beyond: 迁出范围, returned_on: 迁回日期, facts: 认定依据与缺失信息}
params: {institution_words: 福利院|养老院|敬老院|托养|福利中心|护理院|光荣院|供养中心}
inputs: {required: [payments, persons], optional: []}
*/
with judged as (
    select *, regexp_matches(destination, $institution_words) as to_institution from moves
), after_move as (
    -- paid entitlement months after the month of the move, for programmes bound to the place left
    select j.id_number, m.programme, j.moved_on, j.destination, j.returned_on, j.placed_as,
           case g.move_scope when 'province' then '迁出本省' else '迁出本县' end as moved_beyond,
           m.entitlement_month, sum(m.amount_yuan) as amount_yuan
    from judged j
    join paid_months m using (id_number)
    join programmes g using (programme)
    where not j.to_institution
      and ((g.move_scope = 'province' and j.out_of_province) or (g.move_scope = 'county' and j.out_of_county))
      and m.entitlement_month > date_trunc('month', j.moved_on)
      -- moved back: from the month of the return the place is this one again
      and (j.returned_on is null or m.entitlement_month < date_trunc('month', j.returned_on))
    group by all
    having sum(m.amount_yuan) > 0
), totals as (
    select id_number, programme, min(moved_on) as moved_on, min(destination) as destination,
           min(moved_beyond) as moved_beyond, min(returned_on) as returned_on,
           min(placed_as) as placed_as, min(entitlement_month) as period_from,
           max(entitlement_month) as period_to, count(*) as months, sum(amount_yuan) as amount_yuan
    from after_move group by all
), source_rows as (
    select p.id_number, p.programme,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows
    from payments p join after_move a using (id_number, programme, entitlement_month)
    group by all
)
select t.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village, t.programme,
       t.moved_on, t.destination, t.moved_beyond, t.returned_on,
       t.period_from, t.period_to, t.months, t.amount_yuan,
       t.period_to = w.last_month as is_ongoing,
       case when t.months >= 6 then 'high' when t.months >= 2 or t.period_to = w.last_month then 'medium' else 'low' end
           as severity,
       format('据以认定：户籍迁出记录（{}迁往“{}”，判定为{}：{}）与发放明细身份证号一致；推定：迁出次月起不应再发放{}',
              strftime(t.moved_on, '%Y-%m-%d'), t.destination, t.moved_beyond, t.placed_as,
              case when t.returned_on is not null then '，迁回（' || strftime(t.returned_on, '%Y-%m-%d') || '）当月起不计'
                   else '；缺少：迁入地落户信息' end) as facts,
       format('{}（{}）户籍于{}迁往{}（{}）；{}在迁出后仍发放：所属期{}至{}共{}个月，合计{}元{}。',
              y.name, t.id_number, qf_date_zh(t.moved_on), t.destination, t.moved_beyond, t.programme,
              qf_month_zh(t.period_from), qf_month_zh(t.period_to), t.months,
              qf_yuan(t.amount_yuan),
              case when t.period_to = w.last_month then '，至数据截止月仍在发放' else '' end) as evidence,
       r.source_rows
from totals t
join payees y using (id_number, programme)
join programme_windows w using (programme)
join source_rows r using (id_number, programme)
order by t.amount_yuan desc, subject_id_number, t.programme;

-- needs_data
-- a move whose destination cannot say whether it left the province (or the county), or whose date could not
-- be read, of a person paid afterwards under a programme bound to the place
with undecided as (
    select m.id_number, g.programme, m.destination, m.moved_on,
           case g.move_scope when 'province' then '本省' else '本县' end as beyond
    from moves m
    join paid_months p using (id_number)
    join programmes g using (programme)
    where not regexp_matches(m.destination, $institution_words)
      and ((g.move_scope = 'province' and m.out_of_province is null)
           or (g.move_scope = 'county' and m.out_of_county is null))
      and p.entitlement_month > date_trunc('month', m.moved_on)
      and (m.returned_on is null or p.entitlement_month < date_trunc('month', m.returned_on))
      and p.amount_yuan > 0
    group by all
), undated as (
    select x.id_number, g.programme, x.destination, x.source_file, x.sheet, x.row_no
    from persons x
    join (select distinct id_number, programme from paid_months) p using (id_number)
    join programmes g using (programme)
    where x.status like '%迁出%' and x.change_on is null and qf_unreadable(x.warnings, 'change_on')
      and g.move_scope <> 'none'
      and x.id_number not in (select id_number from moves)
), rows as (
    select u.id_number, string_agg(u.programme, '、' order by u.programme) as programmes,
           '迁往地（无法判断是否迁出' || string_agg(distinct u.beyond, '/' order by u.beyond desc) || '）：' || u.destination as missing,
           format('{}户籍于{}迁往“{}”后继续领取的{}是否应停发', min(y.name), strftime(u.moved_on, '%Y-%m-%d'),
                  u.destination, string_agg(u.programme, '、' order by u.programme)) as decides,
           min(x.source_file) as source_file, min(x.sheet) as sheet, min(x.row_no) as row_no
    from undecided u
    join payees y using (id_number, programme)
    join persons x on x.id_number = u.id_number and x.change_on = u.moved_on and x.destination = u.destination
    group by u.id_number, u.destination, u.moved_on
    union all
    select u.id_number, string_agg(u.programme, '、' order by u.programme),
           '迁出日期（无法识别）',
           format('{}迁往“{}”后继续领取的{}是否应停发', min(y.name), coalesce(u.destination, '不详'),
                  string_agg(u.programme, '、' order by u.programme)),
           u.source_file, u.sheet, u.row_no
    from undated u
    join payees y using (id_number, programme)
    group by u.id_number, u.destination, u.source_file, u.sheet, u.row_no
)
select r.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village,
       r.missing, r.decides, r.source_file, r.sheet, r.row_no
from rows r
join (select id_number, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
             arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village
      from payments group by all) w on w.id_number = r.id_number
order by subject_id_number, missing

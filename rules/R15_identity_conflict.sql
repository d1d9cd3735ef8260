/*
id: R15
title: Identity conflicts between sources
name_zh: 身份冲突
severity: medium
rationale: >
  三类身份冲突：（甲）同一身份证号在不同来源中姓名不同（重号、改号、录错人，死亡记录姓名不符的即在此，且不认定死亡）；
  （乙）同一人在户籍中同时属于两个正常状态的户（一人多户）；（丙）同一村中姓名、出生日期、性别都相同的人使用两个不同的身份证号
  （改号/错号，或虚构）。这些首先是数据质量问题；在该号码上发放过钱的，风险等级为中，否则为低。
  已排除的误报：双胞胎（出生日期、性别相同而姓名不同）；同名但出生日期不同；旧户为“迁出”、新户为“正常”的合法迁移；
  两个号码只差历史行政区划代码（如 332427 与 330822，第 7–17 位相同）的同一人；
  姓名仅有繁简体之别（張三/张三）或生僻字被系统以其他字、问号、星号代替（王䶮/王岩、王?）的同一号码（sources/names.py）。
  仍需人工排除：生僻字被拼音或不同长度的文字代替造成的“姓名不同”。
basis: 公安部重号清理工作（公民身份号码唯一）；户口登记条例（一人一户）
verify: >
  到公安户籍系统核实该号码的登记姓名、户号及历史变更；对发放过钱的，核实收款人是否本人、账户归属；
  死亡记录姓名不符的，核实死亡的是谁。
subject: the ID number in conflict (for 丙, the one that was paid)
identity: own            # lists identity conflicts itself: its cases are not held back (rules/catalog.py run_rule)
case_key: [subject_id_number, conflict_type]
amount_kind: at_stake      # amount_yuan: 身份冲突号码上发放的款项，须先核实身份
evidence: [subject_id_number, subject_name, county, township, village, conflict_type, conflict_detail, programme,
           period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {conflict_type: 冲突类型, conflict_detail: 冲突情况, programme: 该号码领取的项目}
traps:
  - bullet: "重号 still being cleaned up"
    decision: >
      公安尚在清理的重号与录错人在数据上无法区分。同号不同名一律作为数据质量线索（有发放的为中，无发放的为低），
      不认定任何人违规；认定依据一栏写明缺少公安户籍系统的核实结果，由公安确认该号码的登记人后再作处理。
inputs: {required: [persons], optional: [payments, death_records]}
*/
with two_names as (
    -- two spellings in the register, ledgers or death records that are not one person's (rules/derived.sql)
    select id_number from identity_conflicts
), seen as (
    -- every name such an ID number goes by, and the first row where (rows as {file, sheet, row} structs:
    -- ordered by row number, formatted only for the few kept)
    select id_number, name_norm, '户籍' as source, min(name) as name,
           min({'f': source_file, 's': sheet, 'r': row_no}) as loc
    from persons where id_number in (select id_number from two_names) group by all
    union all
    select id_number, name_norm, programme || '发放名册', min(name), min({'f': source_file, 's': sheet, 'r': row_no})
    from payments where id_number in (select id_number from two_names) group by all
    union all
    select id_number, name_norm, source || '死亡记录', min(name), min({'f': source_file, 's': sheet, 'r': row_no})
    from death_records where id_number in (select id_number from two_names) group by all
), names_differ as (
    select id_number, '甲：同号不同名' as conflict_type,
           string_agg(distinct source || '为' || name, '，' order by source || '为' || name) as conflict_detail,
           string_agg(distinct qf_row_ref(loc['f'], loc['s'], loc['r']), '；'
                      order by qf_row_ref(loc['f'], loc['s'], loc['r']))
               as source_rows
    from seen
    group by id_number
), active as (
    select * from persons where not regexp_matches(coalesce(status, '正常'), '迁出|死亡|注销|迁移')
), two_households as (
    select id_number, '乙：一人多户' as conflict_type,
           '同时登记在户号' || string_agg(distinct household_no, '、' order by household_no) || '（状态均为正常）' as conflict_detail,
           string_agg(qf_row_ref(source_file, sheet, row_no),
                      '；' order by row_no) as source_rows
    from active
    where id_number in (select id_number from active group by id_number having count(distinct household_no) > 1)
    group by id_number
), people as (
    -- the register and the ledgers: each number with its name and village
    select id_number, name_norm, township, village from persons where village is not null
    union select id_number, name_norm, township, village from payments where village is not null
), same_person as (
    -- groups of one name, birth date and sex (GB 11643-1999: digits 7–14, the parity of digit 17) in one
    -- village with more than one number (grouped, not windowed: a window over every person of a city
    -- needs gigabytes)
    select name_norm, substr(id_number, 7, 8) as born, substr(id_number, 17, 1)::integer % 2 as sex,
           township, village, count(distinct id_number) as n_ids, list(distinct id_number order by id_number) as ids
    from people
    group by all
    having count(distinct id_number) > 1
), twins_by_number as (
    select p.id_number, p.name_norm, p.township, p.village, g.n_ids, g.ids
    from people p
    join same_person g on g.name_norm = p.name_norm and g.born = substr(p.id_number, 7, 8)
         and g.sex = substr(p.id_number, 17, 1)::integer % 2
         and g.township is not distinct from p.township and g.village = p.village
), twin_rows as (
    select id_number, name_norm, township, village, min({'f': source_file, 's': sheet, 'r': row_no}) as loc
    from (select id_number, name_norm, township, village, source_file, sheet, row_no from persons
          union all
          select id_number, name_norm, township, village, source_file, sheet, row_no from payments)
    where id_number in (select id_number from twins_by_number)
    group by all
), paid_ids as (
    select distinct id_number from payments
), historical as (
    -- numbers that differ only by a historical county code of the same place (332427 → 330822) and the
    -- check character are one person's (the number keeps the code of first registration): not a conflict
    select t.id_number from twins_by_number t join id_aliases a on a.alias_id = t.id_number and a.name_norm = t.name_norm
    where t.n_ids = 2 and list_contains(t.ids, a.id_number)
    union
    select a.id_number from twins_by_number t join id_aliases a on a.alias_id = t.id_number and a.name_norm = t.name_norm
    where t.n_ids = 2 and list_contains(t.ids, a.id_number)
), two_numbers as (
    -- one case per group, filed under the number that was paid (else the smallest)
    select arg_min(t.id_number, (p.id_number is null, t.id_number)) as id_number, '丙：同人多号' as conflict_type,
           '同村有同名、同出生日期、同性别的另一号码：' || array_to_string(list_sort(min(t.ids)), '、') as conflict_detail,
           string_agg(distinct qf_row_ref(r.loc['f'], r.loc['s'], r.loc['r']), '；'
                      order by qf_row_ref(r.loc['f'], r.loc['s'], r.loc['r']))
               as source_rows
    from twins_by_number t
    join twin_rows r on r.id_number = t.id_number and r.name_norm = t.name_norm
         and r.township is not distinct from t.township and r.village = t.village
    left join paid_ids p on p.id_number = t.id_number
    where t.id_number not in (select id_number from historical)
    group by t.name_norm, substr(t.id_number, 7, 8), substr(t.id_number, 17, 1)::integer % 2, t.township, t.village
), conflicts as (
    select * from names_differ union all select * from two_households union all select * from two_numbers
), money as (
    select id_number, string_agg(distinct programme, '、' order by programme) as programmes,
           min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan
    from payments where id_number in (select id_number from conflicts) group by id_number
), who as (
    select id_number, arg_min(name, (rank, name, county, township, village)) as name, arg_min(county, (rank, name, county, township, village)) as county,
           arg_min(township, (rank, name, county, township, village)) as township, arg_min(village, (rank, name, county, township, village)) as village
    from (select id_number, name, county, township, village, 1 as rank from persons
          union all select id_number, name, county, township, village, 2 from payments
          union all select id_number, name, null, township, null, 3 from death_records)
    where id_number in (select id_number from conflicts)
    group by id_number
)
select c.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village,
       c.conflict_type, c.conflict_detail, m.programmes as programme,
       m.period_from, m.period_to, m.months, m.amount_yuan,
       case when coalesce(m.amount_yuan, 0) > 0 then 'medium' else 'low' end as severity,
       concat_ws('；',
           '据以认定：' || case c.conflict_type
               when '甲：同号不同名' then '同一身份证号在各来源中的姓名不是同一人的写法（非繁简体或生僻字之别）'
               when '乙：一人多户' then '户籍中同一身份证号登记在两个状态正常的户'
               else '同村姓名、出生日期（第7–14位）、性别（第17位）相同而身份证号不同，且不是历史行政区划代码之别' end,
           '缺少：公安户籍系统对该号码登记人的核实结果',
           case when coalesce(m.amount_yuan, 0) > 0 then '该号码有发放记录' else '该号码无发放记录' end) as facts,
       format('身份证号{}：{}（{}）{}。',
              c.id_number, c.conflict_detail, substr(c.conflict_type, 3),
              case when coalesce(m.amount_yuan, 0) > 0
                   then '；该号码领取' || m.programmes || '共' || m.months || '个月，合计' || qf_yuan(m.amount_yuan) || '元'
                   else '；该号码无发放记录' end) as evidence,
       c.source_rows
from conflicts c
join who w using (id_number)
left join money m using (id_number)
order by c.conflict_type, subject_id_number

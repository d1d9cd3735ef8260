/*
id: R18
title: The data and timing gate — first payments after death, and rows whose fields contradict the ID number
name_zh: 数据质量与申领时序门禁
severity: high            # a first payment after death (fraud) is high; a data-quality row is low
rationale: >
  门禁是一个看得见的队列，不是静默过滤：被门禁拦下的行照常入库、照常参加其他规则，并在此逐条列出，从不丢弃。
  一、线索（gate = 死亡后首次发放）：某人某一按月发放的项目，在数据覆盖期内第一次发放的所属期晚于其死亡月份，
  即死亡之后才开始申领、首次发放（新申请在死亡之后，属冒领），风险等级为高；首发月份正好是死亡次月的为中
  （可能是生前已审批、自次月起发放，需调取审批表核实申请和审批日期）。
  死亡日期取法与 R01 相同（deaths 表：姓名相符的公安、民政、卫健记录中最早的死亡或火化日期）。
  已排除的误报：丧葬补助金、抚恤金等一次性待遇（programmes.yaml 中 type: one_off，本就在死亡后发放）；
  死亡前月份的补发款在死亡后才发放（按所属期判断，首个所属期不晚于死亡月份，不是新申请，是否多发由 R01 判断）；
  首个所属期就是该名册覆盖的第一个月的（此前是否已在发放无从得知，不认定为“首次”，死亡后的发放由 R01 判断）；
  死亡记录姓名与本人不符的（重号、录错人，列入 R15）；号码换过的（改号、历史县级代码）：同名、同出生日期（第 7–14 位）的另一号码此前已领取该项目的，是同一人继续领取；死亡日期无法识别的（不作为证据，列入待补数据）。
  二、数据质量门禁（风险等级低，只是数据问题，不是违纪线索）：性别栏与身份证号第 17 位不符；出生日期栏与身份证号第 7–14 位不符
  （只有年月的按月比较）；年龄不可能（所属期早于身份证号的出生月份，或所属期时年龄超过 max_age 岁）；
  乡镇（街道）名称不在衢州区划表中；发放名册同一工作表、同一所属期内序号重复（每月重新编号的名册、同户成员共用一个序号的不算）。
  同一人同一门禁项合并为一条，列出全部来源行。
  已在别处列出、此处不重复的：合计/小计行与明细之和不符（run.json total_checks 与数据质量表第九部分逐行列出）；
  身份证号精度丢失、校验位错误、出生日期不存在（装载时隔离，quarantine.csv 与数据质量表列出原值）；同号不同名（R15）。
  尚未检查：户籍、死亡记录等非发放名册的序号；村名（没有村级区划表）。装载时被隔离的行不参加序号比对（已在隔离清单中）。
basis: GB 11643-1999 公民身份号码（第 7–14 位出生日期、第 17 位性别）；各项待遇“自情况发生的次月起停发”及申请审批规定；衢州市统计用区划代码（2023）
verify: >
  死亡后首次发放：调取该项目的申请书和审批表（申请日期、审批人、经办人）、死亡证明或火化记录、首次发放后各月的银行流水和取款人，
  查明是谁以死者名义申请、谁领取。数据质量门禁：对照原表单元格和公安户籍系统核实性别、出生日期和乡镇名称，由报送单位更正后重新报送。
subject: recipient (the person the row is about)
severity_rule: first paid month two or more months after the death month → high; the month right after → medium; gated rows → low
case_key: [subject_id_number, gate, programme]
amount_kind: at_stake      # amount_yuan: 门禁所涉款项；死亡后继续发放的多发由 R01 计
evidence: [subject_id_number, subject_name, county, township, village, gate, gate_detail, programme, death_on,
           death_sources, period_from, period_to, months, amount_yuan, severity, facts, evidence, source_rows]
labels: {gate: 门禁项, gate_detail: 不符情况, programme: 项目}
# max_age: an age above this at an entitlement month is impossible (domain.md §8.2 R18: older than 110)
params: {max_age: 110}
inputs: {required: [payments], optional: [death_records, persons]}
traps:
  - bullet: "an over-strict gate drops real cases"
    decision: >
      门禁只列出、不过滤：被门禁拦下的行照常参加 R01–R17，各规则的线索不因门禁而减少；数据质量门禁的风险等级为低，
      与违纪线索分开排序。死亡后首次发放只在首个所属期晚于死亡月份、且该名册更早的月份里没有此人时认定，其余情形交给 R01。
  - bullet: "never discard them"
    decision: >
      门禁项在本规则工作表中逐行列出来源文件、工作表和行号；装载时隔离的行在 quarantine.csv 与数据质量表中列出原值，
      合计行核对结果在 run.json total_checks 与数据质量表第九部分列出。没有任何一行因门禁而被删除。
*/
with firsts as (
    -- each person's first paid month of each programme paid month by month, and what was paid from then on
    select id_number, programme, min(entitlement_month) as first_month, max(entitlement_month) as last_month,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan
    from paid_months
    where is_periodic and amount_yuan > 0
    group by all
), first_rows as (
    -- the row(s) of the first month, and the earliest month of the files they are in: a first month that is
    -- the first month a file covers says nothing about whether the person was paid before
    select f.id_number, f.programme, min(l.first_month) as file_first_month,
           min(p.paid_on) as first_paid_on,
           sum(p.amount_yuan) filter (where p.payment_kind is distinct from 'correction') as first_amount,
           bool_or(coalesce(p.is_arrears, false)) as first_is_arrears
    from firsts f
    join payments p on p.id_number = f.id_number and p.programme = f.programme and p.entitlement_month = f.first_month
    join ledger_windows l on l.source_file = p.source_file and l.programme = p.programme
    group by all
), started_dead as (
    select f.*, r.first_paid_on, r.first_amount, r.first_is_arrears, d.death_on, d.death_month, d.is_imprecise,
           d.has_date_conflict, d.sources, d.death_evidence, d.name_notes
    from firsts f
    join first_rows r using (id_number, programme)
    join deaths d using (id_number)
    where d.death_month is not null and f.first_month > d.death_month and f.first_month > r.file_first_month
      -- a number reissued (改号, a historical county code): the same name and birth date (digits 7–14) paid the
      -- programme under another number before is the same person's payments going on, not a new application
      and not exists (select 1 from payments q join payments o
                        on o.programme = q.programme and o.name_norm = q.name_norm and o.id_number <> q.id_number
                       and substr(o.id_number, 7, 8) = substr(q.id_number, 7, 8)
                      where q.id_number = f.id_number and q.programme = f.programme
                        and o.entitlement_month < f.first_month and o.amount_yuan > 0)
), started_rows as (
    select s.id_number, s.programme,
           qf_row_refs(p.source_file, p.sheet, p.row_no, p.entitlement_month) as source_rows
    from started_dead s join payments p using (id_number, programme)
    group by all
), after_death as (
    select s.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
           '死亡后首次发放' as gate,
           '死亡月份' || strftime(s.death_month, '%Y-%m') || '，首次发放所属期' || strftime(s.first_month, '%Y-%m')
               || coalesce('（发放日期' || strftime(s.first_paid_on, '%Y-%m-%d') || '，金额' || qf_yuan(s.first_amount) || '元）', '')
               as gate_detail,
           s.programme, s.death_on, s.death_evidence as death_sources,
           s.first_month as period_from, s.last_month as period_to, s.months, s.amount_yuan,
           case when s.first_month = s.death_month + interval 1 month then 'medium' else 'high' end as severity,
           concat_ws('；',
               '据以认定：' || s.sources || '的死亡记录（' || strftime(s.death_on, '%Y-%m-%d') || '）与发放明细身份证号、姓名一致'
                   || coalesce('（' || s.name_notes || '）', '')
                   || '；该名册自' || strftime(w.first_month, '%Y-%m') || '起的各月中，此人' || strftime(s.first_month, '%Y-%m') || '之前没有发放记录',
               '缺少：申请书和审批表（申请、审批日期）',
               case when s.is_imprecise then '推定：无死亡或火化日期，以户籍注销日期作为死亡日期的上限（实际死亡更早，结论不变）' end,
               case when s.has_date_conflict then '注意：各来源死亡日期相差超过31天，已取最早日期' end,
               case when s.first_month = s.death_month + interval 1 month
                    then '注意：首发月份为死亡次月，可能是生前已审批、自次月起发放，须核实审批日期' end,
               case when s.first_is_arrears then '注意：首次发放行注明为补发' end) as facts,
           format('{}（{}）{}死亡（{}）；{}在其死亡后才开始发放：首次发放所属期{}，至{}共{}个月，合计{}元。{}',
                  y.name, s.id_number, qf_date_zh(s.death_on), s.death_evidence, s.programme,
                  qf_month_zh(s.first_month), qf_month_zh(s.last_month), s.months,
                  qf_yuan(s.amount_yuan),
                  case when s.first_month = s.death_month + interval 1 month
                       then '首发月份为死亡次月，须核实是否生前已审批。'
                       else '死亡后新申请、首次发放，疑似冒领。' end) as evidence,
           r.source_rows
    from started_dead s
    join payees y on y.id_number = s.id_number and y.programme = s.programme
    join programme_windows w on w.programme = s.programme
    join started_rows r on r.id_number = s.id_number and r.programme = s.programme
), id_values as (
    -- what the ID number says: birth date (digits 7–14) and sex (digit 17, odd = 男)
    select distinct id_number, try_strptime(substr(id_number, 7, 8), '%Y%m%d')::date as id_birth,
           case when try_cast(substr(id_number, 17, 1) as integer) % 2 = 1 then '男' else '女' end as id_sex
    from (select id_number from persons union select id_number from death_records union select id_number from payments)
    where length(id_number) = 18
), checked as (
    -- every row of the register, the death records and the ledgers a gate stops, with the value that disagrees
    select p.id_number, p.name, p.county, p.township, p.village, '性别与身份证号不符' as gate,
           '户籍性别“' || p.sex || '”，身份证号第17位为' || v.id_sex as detail,
           null::varchar as programme, null::date as month, null::decimal(14, 2) as amount_yuan,
           p.source_file, p.sheet, p.row_no
    from persons p join id_values v using (id_number)
    where qf_sex(p.sex) is not null and qf_sex(p.sex) <> v.id_sex
    union all
    select r.id_number, r.name, null, r.township, null, '性别与身份证号不符',
           r.source || '死亡记录性别“' || r.sex || '”，身份证号第17位为' || v.id_sex, null, null, null,
           r.source_file, r.sheet, r.row_no
    from death_records r join id_values v using (id_number)
    where qf_sex(r.sex) is not null and qf_sex(r.sex) <> v.id_sex
    union all
    select p.id_number, p.name, p.county, p.township, p.village, '出生日期与身份证号不符',
           '户籍出生日期' || qf_day_or_month(p.birth_on, p.warnings, 'birth_on') || '，身份证号为' || strftime(v.id_birth, '%Y-%m-%d')
               || case when p.id_number_upgraded then '（15位旧号升位，百岁老人旧号升位时“19”可能有误）' else '' end,
           null, null, null, p.source_file, p.sheet, p.row_no
    from persons p join id_values v using (id_number)
    where p.birth_on is not null and v.id_birth is not null
      and case when qf_month_only(p.warnings, 'birth_on') then date_trunc('month', p.birth_on) <> date_trunc('month', v.id_birth)
               else p.birth_on <> v.id_birth end
    union all
    select p.id_number, p.name, p.county, p.township, p.village, '年龄不可能',
           case when p.entitlement_month < date_trunc('month', v.id_birth)
                then '所属期' || strftime(p.entitlement_month, '%Y-%m') || '早于出生日期' || strftime(v.id_birth, '%Y-%m-%d')
                else '所属期' || strftime(p.entitlement_month, '%Y-%m') || '时年满' || date_sub('year', v.id_birth, p.entitlement_month) || '岁（出生日期'
                     || strftime(v.id_birth, '%Y-%m-%d') || '）' end,
           p.programme, p.entitlement_month, p.amount_yuan, p.source_file, p.sheet, p.row_no
    from payments p join id_values v using (id_number)
    where v.id_birth is not null
      and (p.entitlement_month < date_trunc('month', v.id_birth) or date_sub('year', v.id_birth, p.entitlement_month) > $max_age)
    union all
    select p.id_number, p.name, p.county, p.township, p.village, '乡镇不在区划表中',
           '乡镇（街道）“' || p.township || '”不在衢州市区划表中', p.programme, p.entitlement_month, p.amount_yuan,
           p.source_file, p.sheet, p.row_no
    from payments p where p.township is not null and p.township_code is null
    union all
    select p.id_number, p.name, p.county, p.township, p.village, '乡镇不在区划表中',
           '户籍乡镇（街道）“' || p.township || '”不在衢州市区划表中', null, null, null, p.source_file, p.sheet, p.row_no
    from persons p where p.township is not null and p.township_code is null
), serial_sheets as (
    -- the ledger sheets with a 序号 column, and its position in the header
    select file_id, sheet, delimiter,
           list_position(list_transform(header, lambda h: regexp_replace(coalesce(h, ''), '\s', '', 'g')), '序号') as pos
    from source_sheets where kind = 'payments' and status = 'loaded'
), serials as (
    -- each loaded ledger row's 序号 as written, with the month and household it pays (a row covering several
    -- months is one row here)
    select distinct p.file_id, p.sheet, p.row_no, trim(qf_cells(r.cells, r.line, h.delimiter)[h.pos]) as serial,
           p.id_number, p.name, p.county, p.township, p.village, p.programme, p.entitlement_month, p.amount_yuan,
           p.household_no, p.source_file
    from serial_sheets h
    join raw_payments r using (file_id, sheet)
    join payments p on p.file_id = r.file_id and p.sheet = r.sheet and p.row_no = r.row_no
    where h.pos > 0 and coalesce(p.span_part, 1) = 1
), serial_twice as (
    -- a 序号 written on two rows of one sheet for one month (a list that restarts its 序号 each month, or
    -- gives the members of one household one 序号, is not counted)
    select *, count(*) over w as n, array_to_string(list_sort(list(row_no order by row_no) over w), '、') as rows_of
    from serials
    where serial is not null and serial <> ''
    window w as (partition by file_id, sheet, entitlement_month, serial)
), dup_serials as (
    select * from serial_twice x
    where n > 1 and exists (select 1 from serial_twice y
                            where y.file_id = x.file_id and y.sheet = x.sheet and y.entitlement_month = x.entitlement_month
                              and y.serial = x.serial and y.row_no <> x.row_no
                              and coalesce(y.household_no, y.id_number) is distinct from coalesce(x.household_no, x.id_number))
), checked_all as (
    select * from checked
    union all
    select id_number, name, county, township, village, '序号重复',
           '序号“' || serial || '”在' || source_file || coalesce(' ' || nullif(sheet, ''), '') || '所属期' || strftime(entitlement_month, '%Y-%m') || '的行中出现'
               || n || '次（第' || rows_of || '行）',
           programme, entitlement_month, amount_yuan, source_file, sheet, row_no
    from dup_serials
), gated as (
    select id_number as subject_id_number, mode(name) as subject_name, min(county) as county,
           min(township) as township, min(village) as village, gate,
           string_agg(distinct detail, '；' order by detail) as gate_detail, programme,
           null::date as death_on, null::varchar as death_sources,
           min(month) as period_from, max(month) as period_to, count(distinct month)::bigint as months,
           sum(amount_yuan) as amount_yuan, 'low' as severity,
           '据以认定：原表单元格与身份证号（GB 11643-1999）比对；数据质量问题，不是违纪线索；该行照常参加其他规则' as facts,
           format('{}（{}）：{}。{}', mode(name), id_number, gate,
                  string_agg(distinct detail, '；' order by detail)) as evidence,
           string_agg(qf_row_ref(source_file, sheet, row_no), '；' order by source_file, sheet, row_no) as source_rows
    from checked_all
    group by id_number, gate, programme
)
select * from after_death
union all
select * from gated
order by case severity when 'high' then 0 when 'medium' then 1 else 2 end, amount_yuan desc nulls last,
         subject_id_number, gate, programme;

-- needs_data
-- people whose first payment of a periodic programme falls inside the data and who have a death record
-- (name matching) with no date that can be read: whether the first payment came after the death cannot be
-- decided until the date is supplied
select r.id_number as subject_id_number, y.name as subject_name, y.county, y.township, y.village,
       qf_death_date_missing(r.warnings) as missing,
       y.name || '（' || r.source || '记录其死亡）的' || y.programme || '是否在其死亡后才开始发放（死亡后新申请）' as decides,
       r.source_file, r.sheet, r.row_no
from undated_death_records r   -- rules/derived.sql
join payees y on y.id_number = r.id_number
join (select id_number, programme, min(entitlement_month) as first_month
      from paid_months where is_periodic and amount_yuan > 0 group by all) f
  on f.id_number = r.id_number and f.programme = y.programme
join programme_windows w on w.programme = f.programme
where f.first_month > w.first_month
order by subject_id_number, source_file, row_no

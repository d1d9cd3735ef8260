/*
id: R06
title: Eligibility of the two disability subsidies inconsistent with the certificate, the 低保/低边 lists or the standard
name_zh: 两项补贴资格要素不符
severity: medium
rationale: >
  困难残疾人生活补贴、重度残疾人护理补贴的资格要素与残疾人证、低保和低边（低收入）名单或补贴标准不符，逐项为一类线索：
  （a）残疾人证号前18位与身份证号不符（花名册或残联证照库）；
  （b）花名册的残疾类别、等级与该月有效的残疾人证不符；
  （c）护理补贴发放给不在允许等级、类别内的人（默认一、二级，及三、四级智力、精神残疾，浙江扩围，可配置）；
  （d）生活补贴发放月份本人既不在低保（当月低保发放，本人或同户），也不在低边、低收入名单内；
  （e）月发放金额与配置标准（补贴比例 × 当地当月低保标准，机构托养 × 上浮系数，加市县提标）不符，超出容差；
  （f）发放所属期早于花名册的享受补贴起始（申请）月份。
  已排除的误报：年度内重新评定等级——按月份取当月有效的证（发证或复评日期），且残联库滞后 registry_lag_months 个月内
  记载的新等级视为一致；补发证（证号带后缀）只比较前20位；市县提标（sources/standards/subsidies.yaml subsidy_top_ups）
  按标准加提标金额比较；冲正、退回后的净额；金额为0或停发的行；同月多行发放（重复发放由 R04 检查，不按标准不符计）。
  未提供残联证照库的，（b）未检查，（c）按花名册自身的等级、类别判断；未提供低边、低收入名单的，（d）未检查，并在线索中写明。
  无法识别的等级、类别或标准不认定。
basis: 国发〔2015〕52号《关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》；浙江省困难残疾人生活补贴和重度残疾人护理补贴实施办法（生活补贴为当地低保标准的30%，护理补贴分档，机构托养上浮50%）；《残疾人证管理办法》（证号为身份证号加类别、等级码）
verify: >
  向县残联调取残疾人证档案（发证、换证、复评记录）和两项补贴审批表（申请月份、补贴对象类型），
  向民政调取低保、低边认定和退出记录，核对当月资格、等级和应发标准；不符的，核减或追回多发金额。
subject: recipient
case_key: [subject_id_number, programme, anomaly]
amount_kind: overpaid      # amount_yuan: 不符合资格的月份，或超出标准的差额
evidence: [subject_id_number, subject_name, county, township, village, anomaly, programme, certificate, roster_fields,
           standard_used, period_from, period_to, months, monthly_detail, amount_yuan, severity, facts, evidence, source_rows]
labels: {anomaly: 异常类型, certificate: 残疾人证记录（证号、类别、等级、发证和复评日期、来源行）, roster_fields: 花名册所载证号、类别、等级、起始月份,
         standard_used: 所用配置（sources/standards/subsidies.yaml）, monthly_detail: 所涉月份及金额,
         amount_yuan: 所涉金额（元：标准不符为多发金额，其他为所涉月份发放额）}
# programmes: [生活补贴, 护理补贴] as named in sources/programmes.yaml; dibao: the 低保 programme.
# registry_lag_months: a certificate whose issue or re-assessment date is at most this many months after a paid
#   month also counts for that month (the registry records a re-grading late).
# The standards (rates, 低保标准, top-ups, allowed grades and categories, uplift, tolerance) are configuration:
#   sources/standards/subsidies.yaml, loaded as the std_* tables (sources/standards.py).
params:
  programmes: [困难残疾人生活补贴, 重度残疾人护理补贴]
  dibao: 最低生活保障
  registry_lag_months: 3
traps:
  - bullet: "certificate re-grading during the year"
    decision: 按月取当月有效的残疾人证（发证或复评日期不晚于该月），不以最新等级回溯比较（tests/rules/R06.yaml 有一例）。
  - bullet: "the registry lags"
    decision: 残联库中发证或复评日期在发放月份之后 registry_lag_months 个月内的证也视为该月的证（参数可调）。
  - bullet: "reissued certificates with a suffix"
    decision: 证号只比较前18位（身份证号）和第19、20位（类别、等级），补发后缀保留在证据中，不作为不符。
  - bullet: "municipal top-ups above the provincial standard"
    decision: 按 subsidy_top_ups 配置的市县提标金额，标准或标准加提标均视为相符；未配置的提标按标准不符列出，由分析人员补充配置。
inputs: {required: [payments], optional: [disability_certs, low_income, persons]}
unchecked: {table: subsidy_recipients_unchecked, text: 名两项补贴对象未完全检查（未提供残联证照库或低边、低收入名单）}
*/
with settings as (
    select max(case when key = 'institutional_uplift' then try_cast(value as double) end) as uplift,
           max(case when key = 'institutional_words' then value end) as inst_words,
           coalesce(max(case when key = 'amount_tolerance_yuan' then try_cast(value as double) end), 0.5) as tol,
           -- the amounts of subsidies.yaml are checked only once an analyst has confirmed them as the county's
           -- real standards (standards_confirmed: true): a placeholder standard never accuses anyone
           coalesce(bool_or(key = 'standards_confirmed' and lower(value) in ('true', 'yes', '1')), false) as confirmed
    from std_settings
), roster as (
    -- each subsidy row with its roster fields, one row per person, programme and month (latest row's fields)
    select id_number, programme, entitlement_month,
           arg_max(upper(regexp_replace(cert_no, '\s', '', 'g')), (row_no, upper(regexp_replace(cert_no, '\s', '', 'g')), qf_disability_category(disability_category), qf_disability_grade(disability_grade))) as r_cert,
           arg_max(qf_disability_category(disability_category), (row_no, upper(regexp_replace(cert_no, '\s', '', 'g')), qf_disability_category(disability_category), qf_disability_grade(disability_grade))) as r_cat,
           arg_max(qf_disability_grade(disability_grade), (row_no, upper(regexp_replace(cert_no, '\s', '', 'g')), qf_disability_category(disability_category), qf_disability_grade(disability_grade))) as r_grade,
           bool_or(coalesce(regexp_matches(beneficiary_type, (select inst_words from settings)), false)) as institutional,
           min(start_month) as start_month, arg_max(county, (row_no, county)) as county
    from payments
    where programme in ($programmes[1], $programmes[2])
    group by all
), paid as (
    select m.id_number, m.programme, m.entitlement_month, sum(m.amount_yuan) as amount_yuan, sum(m.n_payments) as n_rows
    from paid_months m
    where m.programme in ($programmes[1], $programmes[2])
    group by all having sum(m.amount_yuan) > 0
), months as (
    select p.*, r.r_cert, r.r_cat, r.r_grade, r.institutional, r.start_month, r.county
    from paid p join roster r using (id_number, programme, entitlement_month)
), certs as (
    select c.id_number, c.cert_no, qf_disability_category(coalesce(c.category, substr(c.cert_no, 19, 1))) as cat,
           qf_disability_grade(coalesce(c.grade, substr(c.cert_no, 20, 1))) as grade,
           date_trunc('month', coalesce(c.reassessed_on, c.issued_on))::date as eff_month,
           c.cert_no || ' ' || coalesce(c.category, '') || coalesce(c.grade, '')
               || coalesce('，发证' || strftime(c.issued_on, '%Y-%m-%d'), '') || coalesce('，复评' || strftime(c.reassessed_on, '%Y-%m-%d'), '')
               || coalesce('，' || c.cert_status, '') || '（' || qf_row_ref(c.source_file, c.sheet, c.row_no) || '）' as label
    from disability_certs c
), in_force as (
    -- per paid month: the certificate in force (latest effective month not after it; undated ones count), and
    -- those the registry recorded at most registry_lag_months later
    select m.id_number, m.programme, m.entitlement_month, c.cat, c.grade, c.label,
           coalesce(c.eff_month, date '1900-01-01') <= m.entitlement_month as current,
           row_number() over (partition by m.id_number, m.programme, m.entitlement_month
                              order by (coalesce(c.eff_month, date '1900-01-01') <= m.entitlement_month) desc,
                                       coalesce(c.eff_month, date '1900-01-01') desc) as rank
    from months m
    join certs c on c.id_number = m.id_number
    where coalesce(c.eff_month, date '1900-01-01') <= m.entitlement_month + to_months($registry_lag_months)
), allowed as (
    select distinct grade, category from std_care_allowed
), flag_a as (
    -- (a) the roster's certificate number, or the registry's, not starting with the person's ID number
    select m.id_number, m.programme, m.entitlement_month, m.amount_yuan, '残疾人证号与身份证号不符' as anomaly,
           m.r_cert as certificate, null as std_note
    from months m
    where length(m.r_cert) >= 18 and substr(m.r_cert, 1, 18) <> m.id_number
    union all
    select m.id_number, m.programme, m.entitlement_month, m.amount_yuan, '残疾人证号与身份证号不符', c.label, null
    from months m
    join disability_certs d on d.id_number = m.id_number and d.id_number is not null
    join certs c on c.cert_no = d.cert_no and c.id_number = d.id_number
    where length(d.cert_no) >= 18 and substr(upper(d.cert_no), 1, 18) <> d.id_number
), counted as (
    -- the certificates that count for a month: the one in force, and any recorded within the lag after it
    select * from in_force where (current and rank = 1) or not current
), flag_b as (
    -- (b) the roster's category or grade ≠ every certificate that counts for that month
    select m.id_number, m.programme, m.entitlement_month, m.amount_yuan, '残疾类别或等级与残疾人证不符' as anomaly,
           string_agg(f.label, '；' order by f.rank) as certificate, null as std_note
    from months m
    join counted f using (id_number, programme, entitlement_month)
    where m.r_cat is not null or m.r_grade is not null
    group by m.id_number, m.programme, m.entitlement_month, m.amount_yuan
    having bool_or(f.current)
       and not bool_or((m.r_cat is null or f.cat is null or f.cat = m.r_cat)
                       and (m.r_grade is null or f.grade is null or f.grade = m.r_grade))
), care as (
    -- the grade and category of each 护理补贴 month: the registry's certificates of the month, else the roster
    select x.*, exists (select 1 from allowed a where (a.grade = '*' or a.grade = x.grade)
                                           and (a.category = '*' or a.category = x.cat)) as ok
    from (select m.*, coalesce(f.cat, m.r_cat) as cat, coalesce(f.grade, m.r_grade) as grade, f.label
          from months m
          left join counted f using (id_number, programme, entitlement_month)
          where m.programme = $programmes[2]) x
), flag_c as (
    -- (c) 护理补贴 where no certificate of the month (nor the roster, without a registry) is of an allowed grade
    -- or category; an unknown grade or category is never a case
    select id_number, programme, entitlement_month, amount_yuan, '护理补贴等级类别不符' as anomaly,
           coalesce(min(label), '花名册：' || coalesce(qf_category_name(min(cat)), '类别未注明')
                    || coalesce(min(grade) || '级', '')) as certificate,
           '允许：' || (select string_agg(case when grade = '*' then '任意等级' else grade || '级' end || '/'
                                          || case when category = '*' then '任意类别' else qf_category_name(category) end, '、' order by case when grade = '*' then '任意等级' else grade || '级' end || '/'
                                          || case when category = '*' then '任意类别' else qf_category_name(category) end)
                        from allowed) as std_note
    from care c
    group by id_number, programme, entitlement_month, amount_yuan
    having bool_and(grade is not null and cat is not null)
       and not bool_or(ok)
), dibao_months as (
    -- in 低保 that month: paid 低保 oneself, or a member of a household paid 低保 that month (household register)
    select distinct id_number, entitlement_month from paid_months where programme = $dibao and amount_yuan > 0
    union
    select distinct q.id_number, d.entitlement_month
    from paid_months d
    join persons h on h.id_number = d.id_number and h.household_no is not null
    join persons q on q.household_no = h.household_no
    where d.programme = $dibao and d.amount_yuan > 0
), flag_d as (
    -- (d) 生活补贴 in a month in neither 低保 nor a 低边/低收入 list (only when such a list is supplied)
    select m.id_number, m.programme, m.entitlement_month, m.amount_yuan, '生活补贴月份不在低保或低边名单' as anomaly,
           null as certificate, null as std_note
    from months m
    where m.programme = $programmes[1]
      and exists (select 1 from low_income)
      and not exists (select 1 from dibao_months d where d.id_number = m.id_number and d.entitlement_month = m.entitlement_month)
      and not exists (select 1 from low_income_spans l
                      where l.id_number = m.id_number and m.entitlement_month between l.from_month and l.to_month)
), standard_base as (
    -- (e) the configured 低保标准 and top-ups of each county, programme and month (a few hundred rows; computed
    -- only once the standards are confirmed)
    select k.county, k.programme, k.entitlement_month,
           (select s.yuan::double from std_dibao_standards s
            where (s.county = k.county or s.county = '*') and (s.from_month || '-01')::date <= k.entitlement_month
            order by s.county = '*', s.from_month desc limit 1) as base,
           (select s.county || ' ' || s.from_month || '起 ' || s.yuan || '元' from std_dibao_standards s
            where (s.county = k.county or s.county = '*') and (s.from_month || '-01')::date <= k.entitlement_month
            order by s.county = '*', s.from_month desc limit 1) as base_note,
           coalesce((select sum(t.yuan::double) from std_subsidy_top_ups t
                     where t.programme = k.programme and (t.county = k.county or t.county = '*')
                       and (t.from_month || '-01')::date <= k.entitlement_month), 0) as top_up
    from (select distinct county, programme, entitlement_month from months) k
    where (select confirmed from settings)
), standard as (
    -- each month's standard: rate (by the roster's grade, a wrong one is case (b), else the certificate in force)
    -- × 低保标准 of the county (or '*') × uplift, plus top-ups
    select m.*, b.base, b.base_note, b.top_up,
           (select r.rate::double from std_subsidy_rates r
            where r.programme = m.programme and (r.tier = '*' or r.tier = coalesce(m.r_grade, f.grade))
            order by r.tier = '*' limit 1) as rate,
           case when m.programme = $programmes[2] and m.institutional then (select uplift from settings) else 1 end as factor
    from months m
    join standard_base b on b.county is not distinct from m.county and b.programme = m.programme
                        and b.entitlement_month = m.entitlement_month
    left join in_force f on f.id_number = m.id_number and f.programme = m.programme
                        and f.entitlement_month = m.entitlement_month and f.rank = 1
), flag_e as (
    select id_number, programme, entitlement_month, amount_yuan - (round(base * rate * factor, 2) + top_up) as amount_yuan,
           '发放金额与标准不符' as anomaly, null as certificate,
           '低保标准' || base_note || ' × 比例' || rate || case when factor <> 1 then ' × 机构托养' || factor else '' end
               || case when top_up <> 0 then ' + 提标' || top_up || '元' else '' end
               || ' = ' || qf_yuan(round(base * rate * factor, 2) + top_up) || '元/月（容差'
               || (select tol from settings) || '元）' as std_note
    from standard
    -- a month paid by several rows is R04's (重复发放), not a wrong standard
    where (select confirmed from settings) and base is not null and rate is not null and n_rows = 1
      and abs(amount_yuan - (round(base * rate * factor, 2) + top_up)) > (select tol from settings)
      and abs(amount_yuan - round(base * rate * factor, 2)) > (select tol from settings)
), flag_f as (
    -- (f) months paid before the roster's start (application) month
    select id_number, programme, entitlement_month, amount_yuan, '发放月份早于申请月份' as anomaly,
           null as certificate, '享受补贴起始月份 ' || strftime(start_month, '%Y-%m') as std_note
    from months
    where start_month is not null and entitlement_month < date_trunc('month', start_month)
), flags as (
    select * from flag_a union all select * from flag_b union all select * from flag_c
    union all select * from flag_d union all select * from flag_e union all select * from flag_f
), cases as (
    select id_number, programme, anomaly, min(entitlement_month) as period_from, max(entitlement_month) as period_to,
           count(distinct entitlement_month) as months, sum(amount_yuan) as amount_yuan,
           string_agg(distinct certificate, '；' order by certificate) as certificate, string_agg(distinct std_note, '；' order by std_note) as standard_used,
           string_agg(qf_month_zh(entitlement_month) || ' ' || qf_yuan(amount_yuan), '；'
                      order by entitlement_month) as monthly_detail
    from (select distinct * from flags)
    group by all
), fields as (
    select id_number, programme,
           concat_ws('，', '证号' || min(r_cert), '类别' || qf_category_name(min(r_cat)),
                     min(r_grade) || '级', '起始月份' || strftime(min(start_month), '%Y-%m'),
                     case when bool_or(institutional) then '机构托养' end) as roster_fields
    from months group by all
), who as (
    select id_number, programme, arg_max(name, (entitlement_month, name, county, township, village)) as name, arg_max(county, (entitlement_month, name, county, township, village)) as county,
           arg_max(township, (entitlement_month, name, county, township, village)) as township, arg_max(village, (entitlement_month, name, county, township, village)) as village,
           string_agg(distinct source_file, '、' order by source_file) as files
    from payments where programme in ($programmes[1], $programmes[2]) group by all
), source_rows as (
    select c.id_number, c.programme, c.anomaly,
           string_agg(distinct qf_row_ref(p.source_file, p.sheet, p.row_no), '；' order by qf_row_ref(p.source_file, p.sheet, p.row_no)) as source_rows
    from cases c
    join flags f using (id_number, programme, anomaly)
    join payments p on p.id_number = f.id_number and p.programme = f.programme and p.entitlement_month = f.entitlement_month
    group by all
)
select c.id_number as subject_id_number, w.name as subject_name, w.county, w.township, w.village, c.anomaly,
       c.programme, c.certificate, fd.roster_fields, c.standard_used, c.period_from, c.period_to, c.months,
       c.monthly_detail, round(c.amount_yuan, 2) as amount_yuan,
       case when c.anomaly in ('残疾人证号与身份证号不符', '护理补贴等级类别不符') then 'high'
            when c.anomaly = '发放金额与标准不符' and c.amount_yuan < 0 then 'low'
            else 'medium' end as severity,
       concat_ws('；',
           '据以认定：' || c.programme || '发放明细（' || w.files || '）' || case c.anomaly
               when '残疾人证号与身份证号不符' then '所载残疾人证号前18位与身份证号不同'
               when '残疾类别或等级与残疾人证不符' then '所载类别、等级与当月有效的残疾人证（' || c.certificate || '）不同'
               when '护理补贴等级类别不符' then '的等级、类别（' || c.certificate || '）不在护理补贴允许范围（' || c.standard_used || '）'
               when '生活补贴月份不在低保或低边名单' then '中' || c.months || '个月份本人（及同户）既无低保发放，也不在低边、低收入名单内'
               when '发放金额与标准不符' then '的月净额与配置标准（' || c.standard_used || '）相差超过容差'
               else '的发放所属期早于' || c.standard_used end,
           case when c.anomaly = '残疾类别或等级与残疾人证不符' then '推定：按月取当月有效的证；残联库在发放月份后'
                || $registry_lag_months || '个月内记载的新等级视为一致' end,
           case when c.anomaly = '发放金额与标准不符' then '推定：标准和提标取自 sources/standards/subsidies.yaml，请核对当地文件' end,
           case when c.anomaly = '护理补贴等级类别不符' and not exists (select 1 from disability_certs)
                then '推定：未提供残联证照库，按花名册所载等级、类别判断' end,
           case when not exists (select 1 from disability_certs) then '未检查：类别、等级与残疾人证是否一致（未提供残联证照库）' end,
           case when not exists (select 1 from low_income) then '未检查：生活补贴月份是否在低边、低收入名单（未提供名单）' end,
           '缺少：两项补贴审批表（申请月份、补贴对象类型）、残疾人证档案') as facts,
       format('{}（{}）{}：{}，所属期{}至{}共{}个月，涉及{}元。', w.name, c.id_number, c.programme, c.anomaly,
              qf_month_zh(c.period_from), qf_month_zh(c.period_to), c.months,
              qf_yuan(c.amount_yuan)) as evidence,
       r.source_rows
from cases c
join who w using (id_number, programme)
join fields fd using (id_number, programme)
join source_rows r using (id_number, programme, anomaly)
order by severity, amount_yuan desc, subject_id_number, anomaly;
-- needs_data
-- a 护理补贴 recipient (without a registry certificate) whose grade cannot be read, or whose category is missing or
-- unreadable while the grade alone does not decide (a 三级 may be allowed as 智力 or 精神): one row per person,
-- the latest roster row
with rows as (
    select p.*, qf_disability_grade(p.disability_grade) as g, qf_disability_category(p.disability_category) as c
    from payments p
    where p.programme = $programmes[2] and p.disability_grade is not null
      and not exists (select 1 from disability_certs d where d.id_number = p.id_number)
), undecided as (
    select r.*, case when r.g is null then '残疾等级（无法识别）' else '残疾类别（未填写或无法识别）' end as missing
    from rows r
    where r.g is null
       or (r.c is null and not exists (select 1 from std_care_allowed a
                                       where (a.grade = '*' or a.grade = r.g) and a.category = '*'))
)
select id_number as subject_id_number, arg_max(name, (entitlement_month, row_no)) as subject_name,
       arg_max(county, (entitlement_month, row_no)) as county, arg_max(township, (entitlement_month, row_no)) as township,
       arg_max(village, (entitlement_month, row_no)) as village, arg_max(missing, (entitlement_month, row_no)) as missing,
       '护理补贴是否在允许等级、类别内' as decides,
       arg_max(source_file, (entitlement_month, row_no)) as source_file, arg_max(sheet, (entitlement_month, row_no)) as sheet,
       arg_max(row_no, (entitlement_month, row_no)) as row_no
from undecided
group by id_number
order by subject_id_number

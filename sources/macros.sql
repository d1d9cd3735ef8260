-- Where a row came from, as the evidence cites it: 文件 工作表 第N行 (a CSV has no sheet). Used by the
-- rules and the derived tables.
create or replace macro qf_row_ref(file, sheet, row_no) as
    file || case when sheet <> '' then ' ' || sheet else '' end || ' 第' || row_no || '行';
-- An aggregate: the rows a case rests on, in month order (then file and row), joined by ；.
create or replace macro qf_row_refs(file, sheet, row_no, month) as
    string_agg(qf_row_ref(file, sheet, row_no), '；' order by month, file, row_no);

-- A month, a day and an amount as the evidence and the questions write them: 2020年3月, 2020年3月5日 (no
-- leading zeros), 1234.50 (two decimals; the text around it says 元). NULL stays NULL.
create or replace macro qf_month_zh(month_on) as strftime(month_on, '%Y年%-m月');
create or replace macro qf_date_zh(day_on) as strftime(day_on, '%Y年%-m月%-d日');
create or replace macro qf_yuan(amount) as printf('%.2f', amount);

-- Parsing macros used by the generated staging SQL (sources/stage.py). Each takes raw text and
-- returns a typed value or NULL; the staging SQL turns a NULL from non-empty text into a reason code.
-- They avoid regular expressions on the common path (translate, trim and strptime are much cheaper):
-- staging runs them over tens of millions of rows.

-- A raw row's cells: as stored, or (a CSV line that split plainly, stored as its line) split again.
create or replace macro qf_cells(cells, line, delimiter) as coalesce(cells, string_split(line, delimiter));

-- Whitespace that pads cells: ASCII blanks, ideographic space U+3000, NBSP, zero-width characters, BOM.
create or replace macro qf_ws() as
    ' ' || chr(9) || chr(10) || chr(13) || chr(12288) || chr(160) || chr(8203) || chr(8204) || chr(8205)
        || chr(8288) || chr(65279);

-- Does a text hold any of them? (A CSV line: its row is then trimmed cell by cell in staging.)
create or replace macro qf_has_ws(s) as contains(s, ' ') or contains(s, chr(9)) or contains(s, chr(10))
    or contains(s, chr(13)) or contains(s, chr(12288)) or contains(s, chr(160)) or contains(s, chr(8203))
    or contains(s, chr(8204)) or contains(s, chr(8205)) or contains(s, chr(8288)) or contains(s, chr(65279));

-- Trimming with a character set is slow, so only cells that start or end with one are trimmed.
create or replace macro qf_text(s) as nullif(case
    when contains(qf_ws(), s[1]) or contains(qf_ws(), s[-1]) then trim(s, qf_ws()) else s end, '');

-- Full-width digits and letters typed in Chinese IME full-width mode (NFKC for the characters that matter here).
create or replace macro qf_halfwidth(s) as
    translate(s, '０１２３４５６７８９．，－／：（）ｘＸ', '0123456789.,-/:()xX');

-- Half-width only where it can matter: text with any non-ASCII character (bytes > characters).
create or replace macro qf_narrow(s) as case when strlen(s) > length(s) then qf_halfwidth(s) else s end;

-- Names: no padding at all (张　三 → 张三), one separator dot for minority names (买买提•艾力 → 买买提·艾力).
create or replace macro qf_name(s) as case
    when regexp_full_match(s, '\p{Han}+') then s   -- the usual case: nothing to remove
    else nullif(translate(s, '•・．‧∙.' || qf_ws(), '······'), '')
end;

-- ID text: no padding, text-forcing apostrophes or ="…" wrappers; x / ｘ / × → X; full-width digits.
-- qf_id_clean: the cell is already a plain 18- or 15-character number (the usual case). Staging selects it
-- beside qf_id_text of the same cell (DuckDB evaluates the identical regex once) and passes it to
-- qf_id18_of, which then need not check the text again.
create or replace macro qf_id_clean(s) as regexp_full_match(s, '[0-9]{17}[0-9Xx]|[0-9]{15}');
create or replace macro qf_id_text(s) as case
    when qf_id_clean(s) then upper(s)
    else nullif(upper(translate(s, '０１２３４５６７８９ｘＸ×✕' || qf_ws() || '''‘’`"=', '0123456789xXXX')), '')
end;

-- GB 11643-1999 check character, ISO 7064 MOD 11-2 over a 17-digit body: Σ digit × 2^(17−i) mod 11,
-- computed on the body as one BIGINT (integer arithmetic is several times faster than 17 substrings).
create or replace macro qf_id_check_n(n) as substr('10X98765432', 1 + ((((n // 10000000000000000) % 10) * 7 + ((n // 1000000000000000) % 10) * 9 + ((n // 100000000000000) % 10) * 10 + ((n // 10000000000000) % 10) * 5 + ((n // 1000000000000) % 10) * 8 + ((n // 100000000000) % 10) * 4 + ((n // 10000000000) % 10) * 2 + ((n // 1000000000) % 10) * 1 + ((n // 100000000) % 10) * 6 + ((n // 10000000) % 10) * 3 + ((n // 1000000) % 10) * 7 + ((n // 100000) % 10) * 9 + ((n // 10000) % 10) * 10 + ((n // 1000) % 10) * 5 + ((n // 100) % 10) * 8 + ((n // 10) % 10) * 4 + ((n // 1) % 10) * 2) % 11)::integer, 1);
create or replace macro qf_id_check(b) as qf_id_check_n(try_cast(b as bigint));

-- 15-digit legacy number → 18 digits: insert the century 19, then the check character.
create or replace macro qf_id_upgrade15(t) as
    substr(t, 1, 6) || '19' || substr(t, 7, 9) || qf_id_check(substr(t, 1, 6) || '19' || substr(t, 7, 9));

-- Candidate 18-character number from cleaned ID text (a trailing ".0" from a float rendering is dropped).
create or replace macro qf_id18(t) as case
    when length(t) = 18 and regexp_full_match(t, '[0-9]{17}[0-9X]') then t
    when length(t) = 15 and regexp_full_match(t, '[0-9]{15}') then qf_id_upgrade15(t)
    when length(t) > 18 and regexp_full_match(t, '[0-9]{17}[0-9X]\.0+') then substr(t, 1, 18)
    when length(t) > 15 and regexp_full_match(t, '[0-9]{15}\.0+') then qf_id_upgrade15(substr(t, 1, 15))
end;
-- The same, for text t = qf_id_text(s) with clean = qf_id_clean(s): a clean 18-character text is the number.
create or replace macro qf_id18_of(t, clean) as case when clean and length(t) = 18 then t else qf_id18(t) end;

-- Does the check character of an 18-character candidate agree (NULL when there is no candidate)?
create or replace macro qf_id_check_ok(id18) as qf_id_check(substr(id18, 1, 17)) = substr(id18, 18, 1);

-- The run's as-of date: a birth date after it is impossible. The current date until staging
-- (sources/values.py, set_as_of) replaces this macro with the run's as-of date.
create or replace macro qf_as_of() as current_date;

-- The first two digits of an ID number: a province-level code of GB/T 2260 (11–15, 21–23, 31–37,
-- 41–46, 50–54, 61–65, 71 台湾, 81 香港, 82 澳门). Staging checks all six digits against the division
-- table as well (sources/values.py); this is the check that needs no table.
create or replace macro qf_id_province_ok(id18) as
    contains('|11|12|13|14|15|21|22|23|31|32|33|34|35|36|37|41|42|43|44|45|46|50|51|52|53|54|61|62|63|64|65|71|81|82|',
             '|' || substr(id18, 1, 2) || '|');

-- Why an ID cannot be used (NULL when it can). t: cleaned text, id18: qf_id18(t), lossy: the cell was
-- numeric with more than 15 digits, so Excel kept 15 significant digits and the rest is noise
-- (domain.md §1.5 rows 1–4: unrecoverable from the cell itself); ok: qf_id_check_ok(id18), passed in
-- as a column because DuckDB evaluates the check several times faster outside a CASE condition.
create or replace macro qf_id_problem(t, id18, lossy, ok) as case
    when t is null then 'MISSING_ID'
    when coalesce(lossy, false) then 'ID_PRECISION_LOST'
    when ok then
        case when coalesce(try_strptime(substr(id18, 7, 8), '%Y%m%d')::date not between date '1880-01-01' and qf_as_of(), true)
             then 'ID_BAD_BIRTHDATE'
             when not qf_id_province_ok(id18) then 'ID_BAD_DIVISION' end
    when id18 is not null then
        case when t like '%.0' or regexp_full_match(t, '[0-9]{15}000') then 'ID_PRECISION_LOST'
             else 'ID_CHECKSUM_FAIL' end
    when regexp_full_match(t, '[0-9]+(\.[0-9]+)?E\+?[0-9]+') then 'ID_PRECISION_LOST'
    when regexp_full_match(t, '[0-9]{16,17}') then 'ID_TRUNCATED'
    else 'ID_BAD_FORMAT'
end;

-- A date from text h: 2020-03-05, 2020/3/5, 2020.3.5, 2020年3月5日, 20200305, 2020-03-05 00:00:00, or
-- an Excel serial number (days since 1899-12-30). Not range-checked. The forms are tried from the
-- cheapest (DuckDB's own date cast); coalesce evaluates a later form only where the earlier ones failed.
create or replace macro qf_date_raw(h) as coalesce(
    try_cast(h as date),
    try_cast(translate(h, './年月时日号分秒', '----:') as date),   -- 2020年04月30日 23时50分 → 2020-04-30 23:50
    case when strlen(h) = 8 then try_cast(substr(h, 1, 4) || '-' || substr(h, 5, 2) || '-' || substr(h, 7, 2) as date) end,
    -- a serial in 1990–2049 (20209 is a typo, not 1955); the number is bound once by a lambda, because
    -- DuckDB computes an expression written twice for every row, before coalesce skips this form
    list_transform([try_cast(h as double)], lambda v: case when v between 32874 and 54789.999999
                                                           then date '1899-12-30' + floor(v)::integer end)[1],
    try_strptime(h, ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M'])::date);

-- A month (its first day) from text h: 2020-03, 2020/3, 2020.3, 2020年3月(份), 202003, or any date above.
-- Not range-checked.
create or replace macro qf_month_raw(h) as coalesce(
    date_trunc('month', try_cast(h || '-01' as date))::date,
    date_trunc('month', try_cast(translate(h, './年月份', '---') || '-01' as date))::date,   -- 2020年3月份
    case when length(h) = 6 then try_cast(substr(h, 1, 4) || '-' || substr(h, 5, 2) || '-01' as date) end,
    date_trunc('month', qf_date_raw(h))::date);

-- Dates and months outside 1900–2100 are typing errors, not dates.
create or replace macro qf_plausible(d) as case when d between date '1900-01-01' and date '2100-12-31' then d end;

-- A span of months a row covers: {first: its first month, n: how many months (2–12)}, else NULL.
-- qf_span_of(first, last) from the first and last months (NULL when either is not a month).
create or replace macro qf_span_of(f, l) as case when datediff('month', f, l) between 1 and 11
    then {'first': f, 'n': (datediff('month', f, l) + 1)::integer} end;
-- From month text h that is not one month (tried only where qf_month_raw failed, so the regular
-- expressions never run on the common path): 2020年1-3月, 2020年1月至3月, 2020.01-2020.03, 202001-202003,
-- 2020年1月-2020年3月, 2020年第一季度, 2020年一季度, 2020Q1, 2020年上半年 / 下半年.
create or replace macro qf_month_span(h) as list_transform(
    [translate(h, '至到~～—–一二三四第度', '------1234')],
    lambda t: coalesce(
        list_transform([regexp_extract(t, '^([0-9]{4})[年.\-/]?([0-9]{1,2})月?份?-(?:([0-9]{4})[年.\-/]?)?([0-9]{1,2})月?份?$',
                                       ['y1', 'm1', 'y2', 'm2'])],
                       lambda x: qf_span_of(try_cast(x.y1 || '-' || x.m1 || '-01' as date),
                                            try_cast(coalesce(nullif(x.y2, ''), x.y1) || '-' || x.m2 || '-01' as date)))[1],
        list_transform([regexp_extract(t, '^([0-9]{4})(?:年|-)?[Qq]?([1-4])季?$', ['y', 'q'])],
                       lambda x: qf_span_of(try_cast(x.y || '-' || (try_cast(x.q as integer) * 3 - 2) || '-01' as date),
                                            try_cast(x.y || '-' || (try_cast(x.q as integer) * 3) || '-01' as date)))[1],
        list_transform([regexp_extract(t, '^([0-9]{4})年?([上下])半年$', ['y', 'h'])],
                       lambda x: qf_span_of(try_cast(x.y || case x.h when '上' then '-01-01' else '-07-01' end as date),
                                            try_cast(x.y || case x.h when '上' then '-06-01' else '-12-01' end as date)))[1]))[1];
-- From a remark t beside month `base` (the row's month): a span with its year (2020年1-3月), months of
-- the base month's year (补发7-9月; months after the base month are of the year before: 补发11-12月 paid
-- in 2021-01), or the quarter of the base month when the remark says the row is quarterly
-- (qf_quarterly, generated from sources/payment_words.yaml by sources/values.py).
create or replace macro qf_remark_span(t, base) as case when contains(t, '月') or contains(t, '季') or contains(t, '半年') then
    list_transform([translate(t, '至到~～—–－', '-------')], lambda r: coalesce(
        qf_month_span(regexp_extract(r, '([0-9]{4}年[0-9]{1,2}月?-(?:[0-9]{4}年)?[0-9]{1,2}月)', 1)),
        list_transform([regexp_extract(r, '(?:^|[^0-9年])([0-9]{1,2})月?-([0-9]{1,2})月', ['m1', 'm2'])],
                       lambda x: list_transform([try_cast(year(base) - (try_cast(x.m1 as integer) > month(base))::integer || '-' || x.m1 || '-01' as date)],
                                                lambda f: qf_span_of(f, (f + to_months(((try_cast(x.m2 as integer) - try_cast(x.m1 as integer)) % 12 + 12) % 12))::date))[1])[1],
        case when qf_quarterly(r) then qf_span_of(date_trunc('quarter', base)::date, (date_trunc('quarter', base) + interval 2 month)::date) end))[1]
end;

-- Amounts from half-width text: 1200, "1,200.00", "120元", "￥1,200", "1200.5", "-245". Refused (NULL, so
-- staging quarantines the row as BAD_AMOUNT) where the text could mean two amounts: digits split by a space
-- or an underscore (2 70, 1_000: 270 or 2 and 70?), commas that do not group digits by three (12,00: 1200 or
-- 12.00?), more than two decimals (270.004 is not an amount in yuan; it used to be rounded to 270.00),
-- exponents (1e-3). More decimals are accepted only where they change the value by less than 0.000001
-- yuan: trailing zeros (270.000) and the noise of a binary float a spreadsheet computed (0.30000000000000004).
-- DuckDB's own cast (fast) would also read 1_000 and 1e3 and round 270.004: qf_amount_plain takes only text
-- without an underscore, an exponent or a third decimal. coalesce tries each later form only where the
-- earlier ones gave NULL: the currency marks removed (1200元), grouping commas (1,234.00), then the regular
-- expressions for the rest (spaces, more decimals, full-width commas).
create or replace macro qf_amount_plain(t) as case
    when not contains(t, '_') and not contains(t, 'e') and not contains(t, 'E')
         and (not contains(t, '.') or length(t) - strpos(t, '.') <= 2)
    then try_cast(t as decimal(14, 2)) end;
create or replace macro qf_amount_exact(t) as list_transform([try_cast(t as decimal(38, 18))], lambda v:
    case when abs(v - round(v, 2)) < 0.000001 then try_cast(round(v, 2) as decimal(14, 2)) end)[1];
create or replace macro qf_amount(h) as coalesce(
    qf_amount_plain(h),
    list_transform([replace(replace(translate(h, '元圆￥¥', ''), 'RMB', ''), 'CNY', '')], lambda t: coalesce(
        qf_amount_plain(t),
        case when contains(t, ',') and regexp_full_match(t, ' *[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{0,2})? *')
             then try_cast(replace(t, ',', '') as decimal(14, 2)) end,       -- 1,234.00: one expression
        case when not regexp_matches(t, '[0-9][\s\p{Z}_]+[0-9]') then
            list_transform([regexp_replace(t, '[\s\p{Z}]', '', 'g')], lambda u: case
                when regexp_full_match(u, '[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)') then qf_amount_exact(u)
                when regexp_full_match(u, '[+-]?[0-9]{1,3}([,，][0-9]{3})+(\.[0-9]*)?')
                    then qf_amount_exact(translate(u, ',，', ''))
            end)[1]
        end))[1]);

create or replace macro qf_integer(h) as coalesce(
    try_cast(h as integer),
    try_cast(regexp_replace(h, '[\s人户个名口]', '', 'g') as integer));

-- Account numbers are identifiers: digits only, kept as text (16–19 digits lose precision in Excel too).
create or replace macro qf_account(t) as case
    when regexp_full_match(t, '[0-9]+') then t
    else nullif(translate(qf_halfwidth(t), qf_ws() || '''‘’`"=-', ''), '')
end;

-- What a row's `warnings` (CODE:column,…) say of one column, for the rules: the date was given to the month
-- only (compare by month), or a value was given but could not be read. NULL is then not "not given": an
-- unreadable end date is not "still in office", an unreadable filing date is not "never filed".
create or replace macro qf_month_only(w, col) as
    coalesce(list_contains(string_split(w, ','), 'DATE_MONTH_ONLY:' || col), false);
create or replace macro qf_unreadable(w, col) as coalesce(len(list_filter(string_split(w, ','), lambda e:
    e in ('BAD_DATE:' || col, 'BAD_MONTH:' || col, 'BAD_AMOUNT:' || col, 'BAD_INTEGER:' || col,
          'ID_INVALID:' || col, 'ACCOUNT_PRECISION_LOST:' || col))) > 0, false);

-- What a death record without a usable date lacks, for 待补数据 (R01, R18): the dates given but unreadable,
-- else that none was given.
create or replace macro qf_death_date_missing(w) as coalesce(nullif(concat_ws('、',
    case when qf_unreadable(w, 'death_on') then '死亡日期（无法识别）' end,
    case when qf_unreadable(w, 'cremation_on') then '火化日期（无法识别）' end,
    case when qf_unreadable(w, 'dereg_on') then '注销日期（无法识别）' end), ''), '死亡、火化或注销日期（未填写）');

-- A sex column's value as the ID number states it (男/女), or NULL when the cell says neither (R18 compares
-- only what it can read).
create or replace macro qf_sex(s) as
    case when regexp_full_match(trim(coalesce(s, '')), '男性?|1|[Mm]|[Mm]ale') then '男'
         when regexp_full_match(trim(coalesce(s, '')), '女性?|2|[Ff]|[Ff]emale') then '女' end;

-- R06: a disability grade (一级, 1级, 二, 4 …) and category (视力 … 多重, or its code 1–7) as the digit of the
-- 残疾人证 number (domain.md §2.5); NULL when the text names none.
create or replace macro qf_disability_grade(t) as
    case regexp_extract(coalesce(t, ''), '[1-4一二三四壹贰叁肆]')
        when '1' then '1' when '一' then '1' when '壹' then '1'
        when '2' then '2' when '二' then '2' when '贰' then '2'
        when '3' then '3' when '三' then '3' when '叁' then '3'
        when '4' then '4' when '四' then '4' when '肆' then '4' end;
create or replace macro qf_disability_category(t) as
    case when t is null then NULL
         when regexp_matches(t, '多重') then '7' when regexp_matches(t, '视力|视觉|视') then '1'
         when regexp_matches(t, '听力|听觉|听') then '2' when regexp_matches(t, '言语|语言') then '3'
         when regexp_matches(t, '肢体|肢') then '4' when regexp_matches(t, '智力|智') then '5'
         when regexp_matches(t, '精神') then '6'
         when regexp_full_match(trim(t), '[1-7]') then trim(t) end;
create or replace macro qf_category_name(d) as
    ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'][try_cast(d as integer)];

-- Parsing macros used by the generated staging SQL (sources/stage.py). Each takes raw text and
-- returns a typed value or NULL; the staging SQL turns a NULL from non-empty text into a reason code.
-- Whitespace class: ASCII space/tab/newline, ideographic space U+3000, NBSP, zero-width characters, BOM.

create or replace macro qf_text(s) as
    nullif(trim(regexp_replace(s, '[\s\x{3000}\x{00A0}\x{200B}-\x{200D}\x{2060}\x{FEFF}]+', ' ', 'g')), '');

-- Full-width digits and letters typed in Chinese IME full-width mode (NFKC for the characters that matter here).
create or replace macro qf_halfwidth(s) as
    translate(s, '０１２３４５６７８９．，－／：（）ｘＸ', '0123456789.,-/:()xX');

-- Names: no padding at all (张　三 → 张三), one separator dot for minority names (买买提•艾力 → 买买提·艾力).
create or replace macro qf_name(s) as
    nullif(translate(regexp_replace(s, '[\s\x{3000}\x{00A0}\x{200B}-\x{200D}\x{2060}\x{FEFF}]+', '', 'g'),
                     '•・．‧∙.', '······'), '');

-- ID text: strip padding, text-forcing apostrophes, ="…" wrappers; x / ｘ / × → X; full-width digits.
create or replace macro qf_id_text(s) as
    nullif(upper(translate(
        regexp_replace(s, '[\s\x{3000}\x{00A0}\x{200B}-\x{200D}\x{2060}\x{FEFF}''‘’`"=]+', '', 'g'),
        '０１２３４５６７８９ｘＸ×✕', '0123456789xXXX')), '');

-- GB 11643-1999 check character, ISO 7064 MOD 11-2 over a 17-digit body.
create or replace macro qf_id_check(b) as substr('10X98765432', 1 + ((
    (ascii(substr(b, 1, 1)) - 48) * 7 + (ascii(substr(b, 2, 1)) - 48) * 9 + (ascii(substr(b, 3, 1)) - 48) * 10 + (ascii(substr(b, 4, 1)) - 48) * 5 + (ascii(substr(b, 5, 1)) - 48) * 8 + (ascii(substr(b, 6, 1)) - 48) * 4 + (ascii(substr(b, 7, 1)) - 48) * 2 + (ascii(substr(b, 8, 1)) - 48) * 1 + (ascii(substr(b, 9, 1)) - 48) * 6 + (ascii(substr(b, 10, 1)) - 48) * 3 + (ascii(substr(b, 11, 1)) - 48) * 7 + (ascii(substr(b, 12, 1)) - 48) * 9 + (ascii(substr(b, 13, 1)) - 48) * 10 + (ascii(substr(b, 14, 1)) - 48) * 5 + (ascii(substr(b, 15, 1)) - 48) * 8 + (ascii(substr(b, 16, 1)) - 48) * 4 + (ascii(substr(b, 17, 1)) - 48) * 2
) % 11)::integer, 1);

-- 15-digit legacy number → 18 digits: insert the century 19, then the check character.
create or replace macro qf_id_upgrade15(t) as
    substr(t, 1, 6) || '19' || substr(t, 7, 9) || qf_id_check(substr(t, 1, 6) || '19' || substr(t, 7, 9));

-- Candidate 18-character number from cleaned ID text (a trailing ".0" from a float rendering is dropped).
create or replace macro qf_id18(t) as case
    when regexp_full_match(t, '[0-9]{17}[0-9X]') then t
    when regexp_full_match(t, '[0-9]{15}') then qf_id_upgrade15(t)
    when regexp_full_match(t, '[0-9]{17}[0-9X]\.0+') then substr(t, 1, 18)
    when regexp_full_match(t, '[0-9]{15}\.0+') then qf_id_upgrade15(substr(t, 1, 15))
end;

-- Why an ID cannot be used (NULL when it can). t: cleaned text, id18: qf_id18(t), lossy: the cell was
-- numeric with more than 15 digits, so Excel kept 15 significant digits and the rest is noise
-- (domain.md §1.5 rows 1–4: unrecoverable from the cell itself).
create or replace macro qf_id_problem(t, id18, lossy) as case
    when t is null then 'MISSING_ID'
    when coalesce(lossy, false) then 'ID_PRECISION_LOST'
    when regexp_full_match(t, '[0-9]+(\.[0-9]+)?E\+?[0-9]+') then 'ID_PRECISION_LOST'
    when id18 is null and regexp_full_match(t, '[0-9]{16,17}') then 'ID_TRUNCATED'
    when id18 is null then 'ID_BAD_FORMAT'
    when qf_id_check(substr(id18, 1, 17)) <> substr(id18, 18, 1)
        then case when t like '%.0' or regexp_full_match(t, '[0-9]{15}000') then 'ID_PRECISION_LOST'
                  else 'ID_CHECKSUM_FAIL' end
    when try_strptime(substr(id18, 7, 8), '%Y%m%d') is null
      or substr(id18, 7, 4) < '1880'
      or try_strptime(substr(id18, 7, 8), '%Y%m%d') > current_date then 'ID_BAD_BIRTHDATE'
end;

-- Year/month/day parts (text) of a month or date cell, from half-width text h: 2020-03, 202003,
-- 2020年3月, 2020.3, 2020/3/5, 2020年3月5日, 20200305, 2020-03-05 00:00:00, or an Excel serial
-- number (days since 1899-12-30).
create or replace macro qf_ymd(h) as case
    when h is null then null
    when regexp_full_match(h, '[0-9]{8}') then {'y': substr(h, 1, 4), 'm': substr(h, 5, 2), 'd': substr(h, 7, 2)}
    when regexp_full_match(h, '[0-9]{6}') then {'y': substr(h, 1, 4), 'm': substr(h, 5, 2), 'd': null}
    when regexp_full_match(h, '[1-9][0-9]{4}(\.[0-9]+)?') then
        {'y': strftime(date '1899-12-30' + floor(h::double)::integer, '%Y'),
         'm': strftime(date '1899-12-30' + floor(h::double)::integer, '%m'),
         'd': strftime(date '1899-12-30' + floor(h::double)::integer, '%d')}
    else regexp_extract(h,
        '^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*月?\s*(?:[-/.]?\s*([0-9]{1,2})\s*[日号]?)?(?:[\sT].*)?$',
        ['y', 'm', 'd'])
end;

-- Month-grain date (first of the month) from qf_ymd parts; NULL when not a real month in 1900–2100.
create or replace macro qf_month_of(p) as case
    when nullif(p.y, '') is not null and nullif(p.m, '') is not null
     and p.m::integer between 1 and 12 and p.y::integer between 1900 and 2100
    then make_date(p.y::integer, p.m::integer, 1)
end;

-- Date from qf_ymd parts; NULL when any part is missing or the date does not exist (2020-02-30).
create or replace macro qf_date_of(p) as case
    when nullif(p.y, '') is not null and nullif(p.m, '') is not null and nullif(p.d, '') is not null
     and p.y::integer between 1900 and 2100
    then try(make_date(p.y::integer, p.m::integer, p.d::integer))
end;

-- Amounts: 1200, "1,200.00", "120元", "￥1,200", full-width digits.
create or replace macro qf_amount(h) as
    try_cast(regexp_replace(h, '[,\s元圆￥¥]|RMB|CNY', '', 'g') as decimal(14, 2));

create or replace macro qf_integer(h) as
    try_cast(regexp_replace(h, '[\s人户个名]', '', 'g') as integer);

-- Account numbers are identifiers: digits only, kept as text (16–19 digits lose precision in Excel too).
create or replace macro qf_account(t) as
    nullif(regexp_replace(qf_halfwidth(t), '[\s''‘’`"=\-]+', '', 'g'), '');

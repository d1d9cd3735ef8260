"""When two spellings of a name under one ID number are the same person (domain.md §8.1, §1.5): SQL macros
built once per warehouse, no Python per row.

* 繁简: the names differ only by traditional and simplified characters (張三 / 张三). The character table is
  zhconv's (its zh2Hans dictionary, single characters only), turned into one DuckDB translate() macro.
* 生僻字: the names have the same length and differ only where one side has a Han character a GBK system could
  not store — outside the basic CJK block U+4E00–U+9FA5 (䶮, 𠮷, a private-use 造字) — or a placeholder written in its place
  (? * □ ○ and their full-width forms): 王䶮 / 王岩, 王? / 王岩.

Any other difference (张三 / 张叁, 王五 / 张三) is not the same person: an identity conflict for R15.
"""

from __future__ import annotations

import functools

from .quoting import sql_str

# Characters written in place of one the system could not store.
PLACEHOLDERS = "?？*＊□■○〇●×"


@functools.cache
def traditional_pairs() -> tuple[str, str]:
    """(traditional characters, their simplified forms): zhconv's single-character conversions."""
    from zhconv import zhconv

    zhconv.loaddict()
    pairs = sorted((k, v) for k, v in zhconv.zhcdicts["zh2Hans"].items()
                   if len(k) == 1 and len(v) == 1 and k != v)
    return "".join(k for k, _ in pairs), "".join(v for _, v in pairs)


def name_macros_sql() -> str:
    trad, simp = traditional_pairs()
    ph = sql_str(PLACEHOLDERS)
    return f"""
-- A name in simplified characters (張三 → 张三).
create or replace macro qf_simplified(s) as translate(s, {sql_str(trad)}, {sql_str(simp)});

-- A character a GBK system may have replaced: a Han character outside U+4E00–U+9FA5 (extension A 3400–4DBF,
-- 9FA6–9FFF, the private-use area where offices put self-made characters, compatibility F900–FAFF, the
-- supplementary planes), or a placeholder written in its place.
create or replace macro qf_rare_char(c) as
    unicode(c) between 13312 and 19903 or unicode(c) between 40870 and 40959 or unicode(c) between 57344 and 64255
    or unicode(c) >= 131072 or contains({ph}, c);

-- How two spellings of one ID number's name are the same person: '' when equal, '繁简' when they differ only
-- by traditional/simplified characters, '生僻字' when they differ only where one side has a character outside
-- the basic CJK block or a placeholder; NULL when they are different names (or either is missing).
create or replace macro qf_name_match(a, b) as case
    when a is null or b is null then null
    when a = b then ''
    when qf_simplified(a) = qf_simplified(b) then '繁简'
    when length(a) = length(b)
         and list_bool_and(list_transform(range(1, length(a) + 1),
                 lambda i: qf_simplified(substr(a, i, 1)) = qf_simplified(substr(b, i, 1))
                      or qf_rare_char(substr(a, i, 1)) or qf_rare_char(substr(b, i, 1))))
         then '生僻字'
end;

-- The same person by name (see qf_name_match).
create or replace macro qf_same_name(a, b) as qf_name_match(a, b) is not null;

-- What an investigator reads about a name matched despite a difference in spelling.
create or replace macro qf_name_note(a, b) as case qf_name_match(a, b)
    when '繁简' then '姓名“' || a || '”与“' || b || '”仅有繁简体之别，视为同一人'
    when '生僻字' then '姓名“' || a || '”与“' || b || '”仅有生僻字（系统无法录入而以其他字或符号代替）之别，视为同一人'
end;
"""


def create_name_macros(con) -> None:
    con.execute(name_macros_sql())

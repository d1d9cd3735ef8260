"""The gazetteer of China's county-level divisions, current and historical, that R03 places a register's
迁往地 with: python-stdnum's table of division codes (stdnum/cn/loc.dat, GB/T 2260 as collected on
Wikipedia) read by DuckDB once per run, plus this city's townships (place_alias) and the wording of
destinations that name no place (省外, 县外: sources/regions.csv)."""

from __future__ import annotations

from pathlib import Path

from .quoting import sql_str

HERE = Path(__file__).parent


def loc_dat() -> Path:
    import stdnum

    return Path(stdnum.__file__).parent / "cn" / "loc.dat"


# Names a division code carries that are no place of their own (市辖区, 城区 …): never matched in a destination.
GENERIC = ("市辖区", "郊区", "市区", "城区", "市中区", "矿区", "县", "省直辖县级行政单位", "省直辖县级行政区划",
           "自治区直辖县级行政区划", "新区")

# A name's short form: the name without its level (浙江省 → 浙江, 萧山区 → 萧山, 延边朝鲜族自治州 → 延边).
SHORT_RE = (r"^(..+?)(?:(?:维吾尔|[^族]{1,4}?族)*自治(?:区|州|县|旗)|特别行政区|特別行政區|省|市|地区|盟|县|区|旗|林区|特区)$")

GAZETTEER_SQL = """
create or replace table gazetteer as
with lines as (
    select i as n, line
    from (select string_split(content, chr(10)) as ls from read_text({path})),
         unnest(ls) with ordinality as t(line, i)
), coded as (
    select n, line,
           regexp_extract(line, '^([0-9]{{2}}) province=', 1) as prov,
           regexp_extract(line, '^  ([0-9]{{4}}) county="(.*)"', 1) as sub,
           regexp_extract(line, '^  ([0-9]{{4}}) county="(.*)"', 2) as names
    from lines
), placed as (
    select n, last_value(nullif(prov, '') ignore nulls) over (order by n) as prov, sub, names
    from coded
), named as (
    select prov || sub as code, unnest(string_split(names, ',')) as item from placed where sub <> ''
), parsed as (
    select code,
           case when right(code, 4) = '0000' then 'province' when right(code, 2) = '00' then 'prefecture'
                else 'county' end as level,
           regexp_replace(item, '^\\[[0-9]*-[0-9]*\\]', '') as name,
           nullif(regexp_extract(item, '^\\[([0-9]*)-', 1), '')::integer as valid_from,
           nullif(regexp_extract(item, '^\\[[0-9]*-([0-9]*)\\]', 1), '')::integer as valid_to
    from named
)
select code, level, name, valid_from, valid_to, left(code, 2) as province_code,
       case when level <> 'province' then left(code, 4) || '00' end as prefecture_code,
       case when level = 'county' then code end as county_code
from parsed
where name <> '' and name not in ({generic});

-- Every name a destination may use for a place: the full names, their short forms (two characters at
-- least), and this city's townships with their aliases (place_alias). `is_short` names are believed only
-- when no 镇/乡/村/街/路 follows them (河南村 is a village, not 河南省).
create or replace table place_names as
with full_names as (
    select name as alias, false as is_short, code, level, province_code, prefecture_code, county_code,
           valid_to is null as is_current
    from gazetteer
), short_names as (
    select regexp_extract(name, '{short_re}', 1) as alias, true, code, level, province_code, prefecture_code,
           county_code, valid_to is null
    from gazetteer
    where regexp_matches(name, '{short_re}')
), townships as (
    select alias, alias <> name, code, 'township', '33', left(county_code, 4) || '00', county_code, true
    from place_alias where level = 'township' and not regexp_full_match(alias, '[0-9]+')
)
select distinct * from (select * from full_names union all select * from short_names union all select * from townships)
where length(alias) >= 2;

-- The wording of a destination that names no place: 省外 / 外省 (out of the province), 县外 / 市外 (out of the
-- county), 本县 / 县内 (inside it).
create or replace table place_words as
select * from read_csv({regions}, all_varchar=true, header=true);
"""


def create_gazetteer(con) -> None:
    """Tables gazetteer (one row per code and name it has carried), place_names (what a destination may
    call each) and place_words, built once per run."""
    path = sql_str(str(loc_dat()))
    regions = sql_str(str(HERE / "regions.csv"))
    generic = ", ".join(sql_str(g) for g in GENERIC)
    con.execute(GAZETTEER_SQL.format(path=path, generic=generic, short_re=SHORT_RE, regions=regions))

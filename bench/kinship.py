"""Kinship benchmark: build the kinship table (rules/kinship.sql) for a synthetic register of N people.

    .venv/bin/python bench/kinship.py [--people 2500000]

The register is generated inside DuckDB: clans of grandparents whose children have split off into
households of their own (linked by father/mother ID numbers) with spouses and children, as 户籍
extracts give them. Prints the build time, peak memory (RSS, DuckDB included) and the table's size.
Target on the 2-core machine: 2.5 million people in under 60 s and under 4 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGISTER_SQL = """
-- one clan: grandparents (household 0) and 2–3 children, each heading a household of their own with a
-- spouse and 1–2 children; every tenth clan keeps its youngest child in the grandparents' household
create or replace table persons as
with clans as (
    select c, 2 + (c % 2) as n_children, 1 + (c % 2) as n_grandchildren from range({clans}) t(c)
), grandparents as (
    select c, 'G' as role, 0 as child, 0 as grandchild from clans
    union all select c, 'W', 0, 0 from clans
), children as (
    select c, unnest(['C', 'S']) as role, unnest(range(1, n_children + 1)) as child, 0 as grandchild
    from clans
), grandchildren as (
    select c, 'K', child, unnest(range(1, n_grandchildren + 1)) as grandchild
    from clans, lateral (select unnest(range(1, clans.n_children + 1)) as child)
), everyone as (
    select * from grandparents union all select * from children union all select * from grandchildren
)
select printf('%012d%02d%02d%s', c, child, grandchild, role) as id_number,
       role || c as name,
       row_number() over ()::integer as row_no,
       case when role in ('G', 'W') or (c % 10 = 0 and child = 1 and role = 'C') then 'H' || c || '-0'
            else 'H' || c || '-' || child end as household_no,
       case role when 'G' then '户主' when 'W' then '妻' when 'S' then '妻'
                 when 'C' then case when c % 10 = 0 and child = 1 then '子' else '户主' end
                 else case when grandchild % 2 = 1 then '子' else '女' end end as relation,
       case when role = 'C' then printf('%012d%02d%02d%s', c, 0, 0, 'G')
            when role = 'K' then printf('%012d%02d%02d%s', c, child, 0, 'C') end as father_id_number,
       case when role = 'C' then printf('%012d%02d%02d%s', c, 0, 0, 'W')
            when role = 'K' then printf('%012d%02d%02d%s', c, child, 0, 'S') end as mother_id_number,
       case role when 'G' then printf('%012d%02d%02d%s', c, 0, 0, 'W') when 'W' then printf('%012d%02d%02d%s', c, 0, 0, 'G')
                 when 'C' then printf('%012d%02d%02d%s', c, child, 0, 'S')
                 when 'S' then printf('%012d%02d%02d%s', c, child, 0, 'C') end as spouse_id_number,
       '正常' as status, cast(null as varchar) as relation_class
from everyone
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=2_500_000)
    args = ap.parse_args()
    import duckdb

    from sources import reference, values

    clans = max(1, round(args.people / 8.5))   # people per clan, on average, in REGISTER_SQL
    with tempfile.TemporaryDirectory(dir=ROOT / "data" if (ROOT / "data").is_dir() else None) as tmp:
        con = duckdb.connect(str(Path(tmp) / "kin.duckdb"), config={"threads": 2, "memory_limit": "3GB",
                                                                    "temp_directory": str(Path(tmp) / "spill")})
        reference.create_reference_tables(con)
        values.create_value_tables(con)
        t0 = time.perf_counter()
        con.execute(REGISTER_SQL.format(clans=clans))
        people = con.execute("select count(*) from persons").fetchone()[0]
        t_register = time.perf_counter() - t0
        t0 = time.perf_counter()
        con.execute((ROOT / "rules" / "kinship.sql").read_text(encoding="utf-8"))
        t_kin = time.perf_counter() - t0
        edges, civil = con.execute("select count(*), count(*) filter (where scope = 'civil') from kinship").fetchone()
        housemates = con.execute("select count(*) from housemates").fetchone()[0]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        con.close()
    print(f"register: {people:,} people ({t_register:.1f} s to generate)")
    print(f"kinship:  {edges:,} edges ({civil:,} civil), {housemates:,} housemate pairs, built in {t_kin:.1f} s; "
          f"peak RSS {rss:,.0f} MB")
    print(f"target (2.5M people): < 60 s and < 4096 MB → {'met' if t_kin < 60 and rss < 4096 else 'MISSED'}"
          + ("" if people >= 2_400_000 else " (smaller register: scale before comparing)"))


if __name__ == "__main__":
    main()

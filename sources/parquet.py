"""The canonical tables as Parquet, the storage the two engines share (issue 23).

After loading, staging and validation (in DuckDB, file by file), each canonical table is written under
`<dir>/<table>/` partitioned by county and month — `p_county=<县>/p_month=<YYYY-MM>/*.parquet`, the
hive layout Spark (and DuckDB) read in parallel and prune by — with every column of the table kept in the
files, the lineage columns (source_file, sheet, row_no) among them, so a case found on either engine points
at the same file, sheet and row. The partition values are extra text columns (p_county, p_month): the
table's own county and month columns keep their types. A table without a county column is one partition
`p_county=_`; a table without a month one `p_month=_` (a county's register is not by month). The small
reference tables the rules read (place names, relation codes, standards) are one Parquet file each.
DuckDB's own run keeps working on its database file; this is written only for `--engine spark` or by
`qingfeng export-parquet`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# the month a canonical table's rows belong to, where it has one (the others are partitioned by county only)
MONTH_COLUMNS = {"payments": "entitlement_month", "low_income": "month"}
PARTITION_COLUMNS = ("p_county", "p_month")
NO_VALUE = "_"


def columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"describe {table}").fetchall()]


def partition_sql(con, table: str) -> str:
    """The select list that adds p_county and p_month to the table's own columns."""
    cols = columns(con, table)
    county = "coalesce(nullif(county, ''), '_')" if "county" in cols else f"'{NO_VALUE}'"
    month_col = MONTH_COLUMNS.get(table)
    month = (f"coalesce(strftime({month_col}, '%Y-%m'), '{NO_VALUE}')" if month_col in cols else f"'{NO_VALUE}'")
    return f"select *, {county} as p_county, {month} as p_month from {table}"


def write_table(con, table: str, out: Path, partitioned: bool) -> Path:
    """Write one table (replacing what an earlier run wrote) and return its folder or file."""
    target = out / table
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    if partitioned and con.execute(f"select count(*) from {table}").fetchone()[0]:
        con.execute(f"copy ({partition_sql(con, table)}) to '{target}' "
                    f"(format parquet, partition_by (p_county, p_month), write_partition_columns false)")
    else:
        target.mkdir(parents=True)
        con.execute(f"copy {table} to '{target / 'part-0.parquet'}' (format parquet)")
    return target


def export(con, out: Path, canonical: list[str], reference: list[str]) -> dict[str, Path]:
    """Write the canonical tables (partitioned) and the reference tables (one file each) under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = {t: write_table(con, t, out, partitioned=True) for t in canonical}
    written |= {t: write_table(con, t, out, partitioned=False) for t in reference}
    return written


def attach(con, folder: Path, table: str) -> None:
    """Make `table` a DuckDB view over its Parquet folder (the partition columns left out)."""
    con.execute(f"create or replace view {table} as select * exclude (p_county, p_month) "
                f"from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
                if any(folder.glob("p_county=*")) else
                f"create or replace view {table} as select * from read_parquet('{folder}/*.parquet')")

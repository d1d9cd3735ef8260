"""Workbook benchmark: 50,000 synthetic cases spread over every rule of the catalogue, remembered in the
case ledger and written as the investigators' workbook; prints seconds per step and peak memory. The
workbook is written in a fresh process that opens the prepared warehouse, so its peak RSS (DuckDB
included) is the writing's own.

    .venv/bin/python bench/workbook.py [--cases 50000] [--rules R01,R02] [--split-by county|township] [--mask]

Target on the 2-core machine: writing 50,000 cases in under 60 s and under 500 MB. Each rule's cases have
the rule's own evidence columns and types (from its SQL on empty tables), with realistic text lengths: an
evidence sentence of about 130 characters, source rows of about 150.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOWNSHIPS = ["天马街道", "紫港街道", "金川街道", "芳村镇", "球川镇", "辉埠镇", "招贤镇", "青石镇", "白石镇", "何家乡",
             "东案乡", "新昌乡", "同弓乡", "大桥头乡"]
NAMES = "['王建国', '李秀英', '张明', '刘华', '陈伟', '杨芳', '黄军', '赵丽', '吴志强', '周桂兰', '徐国', '汪春']"


def column_sql(name: str, typ: str) -> str:
    """A synthetic value for one evidence column, by its name and DuckDB type; row number i."""
    if typ == "VARCHAR":
        if name.endswith("id_number"):
            return ("'330822' || strftime(date '1940-01-01' + (i % 25000)::integer, '%Y%m%d') "
                    "|| lpad((i // 25000 % 1000)::varchar, 3, '0') || (i % 10)::varchar")
        if name.endswith(("account_no", "account_number")):
            return "'6217' || lpad((i * 7919 % 1000000000000)::varchar, 15, '0')"
        if name == "subject_name":
            return f"{NAMES}[i % 12 + 1]"
        if name == "county":
            return "case when i % 10 = 0 then '江山市' else '常山县' end"
        if name == "township":
            return f"{TOWNSHIPS}[i % {len(TOWNSHIPS)} + 1]"
        if name == "village":
            return "'第' || (i % 40 + 1) || '村'"
        if name == "programme":
            return "['困难残疾人生活补贴', '重度残疾人护理补贴', '最低生活保障', '城乡居民基本养老保险'][i % 4 + 1]"
        if name == "severity":
            return "['high', 'medium', 'low'][i % 3 + 1]"
        if name == "evidence":
            return (f"{NAMES}[i % 12 + 1] || '（330822' || lpad((i % 100000000)::varchar, 8, '0') || '1234）2020年3月15日死亡"
                    "（公安注销 2020-03-15死亡（公安_户籍注销人员_2020.xlsx 注销 第' || (i % 900 + 2) || '行））；"
                    "困难残疾人生活补贴在死亡后仍发放：所属期2020年4月至2020年12月共9个月，合计2430.00元，"
                    "至数据截止月（2020年12月）仍在发放。'")
        if name == "source_rows":
            return "repeat('残联_2020年困难残疾人生活补贴发放明细.xlsx 发放明细 第' || (i % 900 + 2) || '行；', 4)"
        return f"'{name}的说明文字' || (i % 97)"
    if typ == "DATE":
        return "date '2020-01-01' + (i % 365)::integer"
    if typ.startswith("DECIMAL") or typ in ("DOUBLE", "FLOAT"):
        return "(100 + (i * 13) % 5000)::decimal(14, 2)"
    if typ in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT"):
        return "(i % 12 + 1)"
    if typ == "BOOLEAN":
        return "(i % 2 = 0)"
    return "null"


def synthetic_rules(con, rules, cases: int):
    """Each rule gets an even share of the cases, in a table bench_<id>, and a copy of the rule that reads it."""
    out, share = [], -(-cases // len(rules))
    for k, rule in enumerate(rules):
        n = min(share, cases - k * share)
        types = {d[0]: str(d[1]) for d in
                 con.execute(f"select * from ({rule.sql}) limit 0", rule.bound_params()).description}
        cols = ", ".join(f"{column_sql(c, types[c])} as {c}" for c in rule.evidence)
        con.execute(f"create or replace table bench_{rule.id} as select {cols} from range({k * share}, {k * share + n}) t(i)")
        out.append(dataclasses.replace(rule, sql=f"select * from bench_{rule.id}"))
    return out


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's peak across exec)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(db: Path, cases: int, rule_ids: list[str] | None) -> dict:
    """A warehouse with `cases` synthetic cases, remembered over two nights (the second: all 未结)."""
    import duckdb

    from cases import ledger
    from rules import catalog, derived
    from sources import load, stage

    con = duckdb.connect(str(db), config={"threads": 2})
    load.create_tables(con)
    stage.stage_all(con)
    derived.derive(con)
    t0 = time.perf_counter()
    bench = synthetic_rules(con, catalog.select_rules(rule_ids), cases)
    counts = catalog.run_rules(con, bench)
    timings = {"cases": time.perf_counter() - t0}
    for night, as_of in ((1, dt.date(2021, 1, 15)), (2, dt.date(2021, 2, 15))):
        catalog.run_rules(con, bench)
        t0 = time.perf_counter()
        ledger.update(con, f"bench-{night}", as_of, bench)
        timings[f"ledger_{night}"] = time.perf_counter() - t0
    con.close()
    return {"cases": sum(counts.values()), "rules": len(bench), "timings": timings, "peak_mb": peak_mb()}


def write(db: Path, out: Path, rule_ids: list[str] | None, split_by: str | None, mask: bool) -> None:
    """In a fresh process: open the warehouse and write the workbook(s); prints seconds, size and peak RSS."""
    import duckdb

    from outputs import workbook
    from rules import catalog

    before = peak_mb()
    con = duckdb.connect(str(db), config={"threads": 2})
    bench = [dataclasses.replace(r, sql=f"select * from bench_{r.id}") for r in catalog.select_rules(rule_ids)]
    info = {"run_id": "bench-2", "as_of": "2021-02-15", "inbox": "bench"}
    t0 = time.perf_counter()
    paths = workbook.write_workbooks(con, out, bench, info, [], split_by, mask)
    seconds = time.perf_counter() - t0
    listed = con.execute("select count(*) from case_status where shown").fetchall()[0][0]
    con.close()
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(json.dumps({"seconds": seconds, "files": len(paths), "mb": size, "listed": listed,
                      "rss_before_mb": before, "peak_mb": peak_mb()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--rules", default=None, help="comma-separated rule ids (default: the whole catalogue)")
    ap.add_argument("--split-by", choices=["county", "township"], default=None)
    ap.add_argument("--mask", action="store_true")
    ap.add_argument("--write", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    rule_ids = args.rules.split(",") if args.rules else None
    if args.write:
        write(Path(args.write[0]), Path(args.write[1]), rule_ids, args.split_by, args.mask)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        prep = prepare(db, args.cases, rule_ids)
        cmd = [sys.executable, __file__, "--write", str(db), str(Path(tmp) / "out")]
        cmd += (["--rules", args.rules] if args.rules else []) + (["--split-by", args.split_by] if args.split_by else [])
        cmd += ["--mask"] if args.mask else []
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
    t = prep["timings"]
    print(f"cases: {prep['cases']:,} over {prep['rules']} rules; listed in the workbook: {res['listed']:,}")
    print(f"synthetic cases + run_rules: {t['cases']:.1f} s; ledger update: first night {t['ledger_1']:.1f} s, "
          f"second night {t['ledger_2']:.1f} s (peak RSS of that process {prep['peak_mb']:.0f} MB)")
    print(f"workbook write: {res['seconds']:.1f} s for {res['files']} file(s), {res['mb']:.1f} MB")
    print(f"workbook process peak RSS: {res['peak_mb']:.0f} MB (of which {res['rss_before_mb']:.0f} MB interpreter "
          f"and imports)")
    ok = res["seconds"] < 60 and res["peak_mb"] < 500
    print("target (write < 60 s, peak < 500 MB):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()

"""Parallel reading benchmark: the load (load_inbox: read every file, classify and insert its rows) with 1
and with 2 reader processes, on a bench city's inbox and on an inbox of many small payment workbooks; each
load in a fresh process, the runs alternated, the median judged. Prints the times and their ratio, and
checks that both loads made the same source_files and raw row counts.

    .venv/bin/python bench/parallel_load.py [--people 25000] [--books 48] [--book-rows 2000] [--runs 3] [--spark]
                                            [--only city|books]

The city is bench/generate.py's (data/bench/city_1 at 25,000 people, as bench/run.py names it): mostly
CSV, read by DuckDB on the load's connection whatever the workers; the workbooks are what the workers
read. `--spark` adds a load whose workbooks are read one Spark task per file on local[2]
(sources/spark_read.py; the session's start is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "data" / "bench"


def city(people: int, seed: int = 1) -> Path:
    label = f"{people / 25_000:g}"
    d = BENCH / f"city_{label}"
    if not (d / "planted.csv").exists():
        print(f"generating {d} ({people:,} people)…", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--people", str(people),
                        "--seed", str(seed), "--out", str(d)], check=True)
    return d / "inbox"


def many_books(books: int, rows: int) -> Path:
    """`books` payment workbooks of `rows` rows each (bench/loader.py's ledger rows, each book its own
    range of people, so none is a copy of another), written once."""
    from openpyxl import Workbook

    from bench.loader import HEADER, ROW_SQL, VERSION, _rows_connection

    d = BENCH / f"many_books_{books}x{rows}_{VERSION}" / "inbox"
    if d.is_dir() and len(list(d.iterdir())) == books:
        return d
    print(f"writing {books} workbooks of {rows:,} rows to {d} …", flush=True)
    d.mkdir(parents=True, exist_ok=True)
    con = _rows_connection()
    every = con.execute(ROW_SQL.format(n=books * rows)).fetchall()
    for b in range(books):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("发放明细")
        ws.append([f"常山县2020年残疾人两项补贴发放明细（第 {b + 1} 册）"])
        ws.append(HEADER)
        for r in every[b * rows:(b + 1) * rows]:
            ws.append([r[0], r[1], r[2], r[3], r[4], r[5], r[6], float(r[7]), r[8], r[9] or None])
        ws.append(["合计"])
        wb.save(d / f"残联_发放明细_{b + 1:03d}.xlsx")
    return d


def measure(inbox: str, workers: int, spark: bool) -> dict:
    """In this (fresh) process: load the inbox; the time excludes imports (and Spark's start)."""
    import duckdb

    from sources import load, read_worker

    reader = None
    if spark:
        from pyspark.sql import SparkSession

        from sources.spark_read import spark_reader

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        session = (SparkSession.builder.master("local[2]").appName("qingfeng-bench-parallel-load")
                   .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        session.sparkContext.parallelize([1], 1).count()
        reader = spark_reader(session)
    read_worker.configure(workers=workers)
    with tempfile.TemporaryDirectory(dir=BENCH) as work:
        con = duckdb.connect(str(Path(work) / "w.duckdb"), config={"threads": 2})
        busy = os.getloadavg()[0]
        t0, cpu0 = time.perf_counter(), _cpu()
        load.load_inbox(con, Path(inbox), Path(work) / "tmp", reader=reader)
        seconds = time.perf_counter() - t0
        read_worker.configure()             # the reader processes ended, so that their CPU time is counted
        cpu = _cpu() - cpu0
        files = con.execute("select status, count(*) from source_files group by all order by all").fetchall()
        raw = con.execute("select count(*) from raw_structural").fetchone()[0]
        raws = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in con.execute(
            "select table_name from duckdb_tables() where table_name like 'raw_%' order by 1").fetchall()}
        con.close()
    return {"load_s": round(seconds, 3), "cpu_s": round(cpu, 2), "load_avg": busy, "files": files, "raw": raws,
            "structural": raw}


def _cpu() -> float:
    """CPU seconds of this process and its ended children (the reader processes; not Spark's JVM)."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def run_one(inbox: Path, workers: int, spark: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", str(inbox), "--workers", str(workers)]
                         + (["--spark"] if spark else []),
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=25_000, help="the bench city's people (default 25,000: 1 %%)")
    ap.add_argument("--books", type=int, default=48, help="small workbooks in the second inbox (default 48)")
    ap.add_argument("--book-rows", type=int, default=2000, help="payment rows a workbook (default 2,000)")
    ap.add_argument("--runs", type=int, default=3, help="loads per inbox and number of workers (default 3)")
    ap.add_argument("--spark", action="store_true", help="also read the workbooks on Spark local[2]")
    ap.add_argument("--only", choices=["city", "books"], help="one of the two inboxes")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.workers, args.spark)))
        return 0
    BENCH.mkdir(parents=True, exist_ok=True)
    inboxes = {}
    if args.only != "books":
        inboxes[f"city {args.people:,} people"] = city(args.people)
    if args.only != "city":
        inboxes[f"{args.books} workbooks x {args.book_rows:,} rows"] = many_books(args.books, args.book_rows)
    ways = [("1 worker", 1, False), ("2 workers", 2, False)] + ([("Spark local[2]", 1, True)] if args.spark else [])
    print(f"machine: {os.cpu_count()} cores; {args.runs} runs each, alternated; load_inbox only (median, range)")
    ok = True
    for label, inbox in inboxes.items():
        files = list(inbox.iterdir())
        books = sum(p.suffix.lower() in (".xlsx", ".xls") for p in files)
        times: dict[str, list[float]] = {w: [] for w, _, _ in ways}
        cpu: dict[str, list[float]] = {w: [] for w, _, _ in ways}
        outputs, busy = {}, []
        for _ in range(args.runs):
            for way, workers, spark in ways:
                got = run_one(inbox, workers, spark)
                times[way].append(got["load_s"])
                cpu[way].append(got["cpu_s"])
                busy.append(got["load_avg"])
                outputs[way] = (got["files"], got["raw"], got["structural"])
        same = all(o == outputs["1 worker"] for o in outputs.values())
        ok &= same
        median = {w: statistics.median(t) for w, t in times.items()}
        print(f"\n{label}: {len(files)} files, {books} workbooks, "
              f"{sum(outputs['1 worker'][1].values()):,} raw rows; same tables: {'yes' if same else 'NO'}; "
              f"machine's load average before each run {min(busy):.1f}–{max(busy):.1f}")
        for way, t in times.items():
            ratio = median["1 worker"] / median[way]
            print(f"  {way:<15} {median[way]:7.2f} s  ({min(t):.2f}–{max(t):.2f})   1 worker / this: {ratio:.2f}×   "
                  f"CPU {statistics.median(cpu[way]):.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

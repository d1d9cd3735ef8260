"""DuckDB against Spark on the bench city: the nightly flow run twice per scale, `--engine duckdb` and
`--engine spark --master local[2]`, on the same inbox, in one invocation (issue 23).

    .venv/bin/python bench/spark.py                     # 1 % and 10 % of the 2.5-million-person city
    .venv/bin/python bench/spark.py --scales 1 --master 'local[2]'

Each run is `python -m flows.cli run --inbox … --out … --warehouse … --engine …` in a child process with its
own data folder (QINGFENG_DATA=data/bench/spark_<scale>_<engine>/, wiped first), as bench/run.py runs it.
Prints a Markdown table (scale, people, payment rows, total and rules-stage seconds of each engine from
run.json's timings_s, the ratio, Spark's validate + rules seconds per million payment rows: the stages whose
helper tables and rules run on Spark), the marginal cost per million payment rows from the smallest to the
largest scale against the fixed cost, and the Parquet Spark read: its bytes per row, measured by watching
the run's spark_dir/<run>/parquet folder while the run is in progress (the run removes it when it ends).

Parity, checked in the same invocation: the two engines' cases.parquet must hold the same set of (rule_id,
subject_id_number, period_from, period_to, months, amount_yuan) and run.json the same quarantined rows (in
total and by reason) — the inbox is the generated one plus a copied ledger with --damaged rows made unusable,
so that there is quarantine to compare. Prints PARITY OK or the differences; the exit status is 1 on a difference. Writes
data/bench/spark_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import BENCH, STAGES, Sampler, check_planted, city, mb  # noqa: E402

CASE_KEY = "rule_id, subject_id_number, period_from, period_to, months, amount_yuan"
SPARK_STAGES = ("validate", "rules")     # the stages whose helper tables and rules run on Spark


# ---- the Parquet Spark reads, measured while the run is in progress ----

def folder_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:                    # removed while we looked
                pass
    return total


class ParquetWatcher(threading.Thread):
    """The largest size seen of each table folder under <spark_dir>/<run>/parquet (and of steps/, the helper
    tables Spark keeps), every `every` seconds until stopped."""

    def __init__(self, spark_dir: Path, every: float = 2.0):
        super().__init__(daemon=True)
        self.spark_dir, self.every, self.done = spark_dir, every, threading.Event()
        self.tables: dict[str, int] = {}
        self.files: dict[str, int] = {}
        self.steps = 0

    def run(self):
        while not self.done.is_set():
            for run_dir in self.spark_dir.glob("*"):
                for table in (run_dir / "parquet").glob("*"):
                    size = folder_bytes(table)
                    if size >= self.tables.get(table.name, 0):
                        self.tables[table.name] = size
                        self.files[table.name] = sum(1 for p in table.rglob("*.parquet"))
                self.steps = max(self.steps, folder_bytes(run_dir / "steps"))
            self.done.wait(self.every)


# ---- one run ----

def run_flow(inbox: Path, work: Path, engine: str, master: str) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "out"
    cmd = [sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--out", str(out),
           "--warehouse", str(work / "warehouse.duckdb"), "--engine", engine]
    if engine == "spark":
        cmd += ["--master", master]
    env = dict(os.environ, QINGFENG_DATA=str(work))
    watcher = ParquetWatcher(work / "spark")
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler(proc.pid, every=0.5)
    sampler.start()
    watcher.start()
    output = proc.communicate()[0]
    wall = time.time() - t0
    for t in (sampler, watcher):
        t.done.set()
        t.join()
    (work / "flow.log").write_text(output, encoding="utf-8")
    if proc.returncode != 0:                   # reported, and the other runs go on
        cause = next((line.strip() for line in output.splitlines() if "Error" in line and ":" in line), "?")
        print(f"the {engine} run failed on {inbox} after {wall:.0f} s (exit {proc.returncode}; log "
              f"{work / 'flow.log'}): {cause[:300]}", flush=True)
        return {"engine": engine, "failed": cause, "wall_s": wall, "peak_rss": sampler.peak()}
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    r = {"engine": engine, "wall_s": wall, "peak_rss": sampler.peak(), "timings_s": info["timings_s"],
         "rows": info["rows"], "quarantine_by_reason": info["quarantine_by_reason"],
         "cases": sum(info["cases_per_rule"].values()), "versions": info["versions"], "out": str(out)}
    if engine == "spark":
        r["parquet"] = parquet_sizes(work / "warehouse.duckdb", watcher)
    return r


def parquet_sizes(warehouse: Path, watcher: ParquetWatcher) -> dict:
    """Bytes, files and rows of each table Spark read (rows counted in the run's DuckDB warehouse)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    known = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    tables = {}
    for t, size in sorted(watcher.tables.items()):
        rows = con.execute(f"select count(*) from {t}").fetchone()[0] if t in known else None
        tables[t] = {"bytes": size, "files": watcher.files.get(t, 0), "rows": rows}
    con.close()
    return {"tables": tables, "total_bytes": sum(v["bytes"] for v in tables.values()), "steps_bytes": watcher.steps}


# ---- rows to quarantine ----

DAMAGES = (("身份证号", lambda v: v[:-1] + ("0" if v[-1:] != "0" else "1")),     # check digit wrong
           ("发放金额", lambda v: "待核"), ("发放年月", lambda v: "2020-13"), ("身份证号", lambda v: ""))


def with_damaged_rows(inbox: Path, into: Path, rows: int) -> Path:
    """`into`: the generated inbox (hard links) and one more file, rows of a pension ledger copied with one
    value each made unusable (a wrong check digit, an amount 待核, month 2020-13, no ID): the generator writes
    clean files, and the quarantine counts of the two engines are compared on rows that are quarantined."""
    import csv

    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    for f in sorted(inbox.iterdir()):
        os.link(f, into / f.name)
    source = next(f for f in sorted(inbox.glob("人社_*城乡居民基本养老保险待遇发放*.csv")))
    with open(source, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        copied = [row for _, row in zip(range(rows), reader)]
    for i, row in enumerate(copied):
        column, damage = DAMAGES[i % len(DAMAGES)]
        j = header.index(column)
        row[j] = damage(row[j])
    with open(into / source.name.replace(".csv", "_补录.csv"), "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *copied])
    return into


# ---- parity ----

def parity(duck: dict, spark: dict) -> list[str]:
    """The differences between the two runs' cases and quarantine counts (empty: the same)."""
    problems = []
    con = duckdb.connect()
    a, b = (f"(select distinct {CASE_KEY} from read_parquet('{Path(r['out']) / 'cases.parquet'}'))" for r in (duck, spark))
    for name, x, y in (("only DuckDB", a, b), ("only Spark", b, a)):
        rows = con.execute(f"select * from {x} except select * from {y} order by all").fetchall()
        if rows:
            problems.append(f"{len(rows)} case(s) {name} found, e.g. {rows[:3]}")
    con.close()
    if duck["cases"] != spark["cases"]:
        problems.append(f"case count: DuckDB {duck['cases']}, Spark {spark['cases']}")
    if duck["rows"]["quarantined"] != spark["rows"]["quarantined"]:
        problems.append(f"rows quarantined: DuckDB {duck['rows']['quarantined']}, Spark {spark['rows']['quarantined']}")
    if duck["quarantine_by_reason"] != spark["quarantine_by_reason"]:
        problems.append(f"quarantine by reason: DuckDB {duck['quarantine_by_reason']}, "
                        f"Spark {spark['quarantine_by_reason']}")
    return problems


# ---- report ----

def on_spark(r: dict) -> float:
    return sum(r["timings_s"][s] for s in SPARK_STAGES)


def report(results: list[dict]) -> str:
    lines = ["| scale | people | payment rows | DuckDB total s | DuckDB rules s | Spark total s | Spark rules s | "
             "Spark / DuckDB (total) | Spark validate + rules s per M payment rows |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        d, s = r["duckdb"], r["spark"]
        if "failed" in d or "failed" in s:
            lines.append(f"| {r['scale']:g} % | {r['people']:,} | {r['payment_rows']:,} | "
                         + " | ".join("failed" if "failed" in x else f"{x['timings_s'][k]:.1f}"
                                      for x, k in ((d, "total"), (d, "rules"), (s, "total"), (s, "rules"))) + " | | |")
            continue
        lines.append(f"| {r['scale']:g} % | {r['people']:,} | {r['payment_rows']:,} | {d['timings_s']['total']:.1f} | "
                     f"{d['timings_s']['rules']:.1f} | {s['timings_s']['total']:.1f} | {s['timings_s']['rules']:.1f} | "
                     f"{s['timings_s']['total'] / d['timings_s']['total']:.1f}× | "
                     f"{on_spark(s) / r['payment_rows'] * 1e6:.0f} |")
    out = ["\n".join(lines), "", "Per stage (s; end to end is the child process's wall time, JVM and Prefect included):", "",
           "| scale | engine | " + " | ".join(STAGES) + " | total | end to end | peak RSS |",
           "|---|---|" + "---|" * (len(STAGES) + 3)]
    for r in results:
        for e in ("duckdb", "spark"):
            x = r[e]
            if "failed" in x:
                out.append(f"| {r['scale']:g} % | {e} | failed after {x['wall_s']:.0f} s: {x['failed'][:120]} |")
                continue
            out.append(f"| {r['scale']:g} % | {e} | " + " | ".join(f"{x['timings_s'][s]:.1f}" for s in STAGES)
                       + f" | {x['timings_s']['total']:.1f} | {x['wall_s']:.1f} | {mb(x['peak_rss'])} |")
    out.append("")
    done = [r for r in results if "failed" not in r["duckdb"] and "failed" not in r["spark"]]
    if len(done) > 1:
        lo, hi = done[0], done[-1]
        rows = (hi["payment_rows"] - lo["payment_rows"]) / 1e6
        for e, f in (("spark", on_spark), ("duckdb", on_spark)):
            marginal = (f(hi[e]) - f(lo[e])) / rows
            fixed = f(lo[e]) - marginal * lo["payment_rows"] / 1e6
            out.append(f"- {e}, validate + rules, {lo['scale']:g} % → {hi['scale']:g} %: marginal "
                       f"{marginal:.0f} s per million payment rows, fixed {fixed:.0f} s")
    for r in results:
        p = r["spark"].get("parquet")
        if p:
            rows = sum(v["rows"] or 0 for v in p["tables"].values())
            pay = p["tables"].get("payments", {})
            out.append(f"- {r['scale']:g} %: Parquet written for Spark {mb(p['total_bytes'])} in "
                       f"{sum(v['files'] for v in p['tables'].values()):,} files ({rows:,} rows in the tables "
                       f"counted: {p['total_bytes'] / max(rows, 1):.0f} B a row); payments {mb(pay.get('bytes', 0))}, "
                       f"{pay.get('files', 0)} files, {pay.get('bytes', 0) / max(pay.get('rows') or 1, 1):.0f} B a row; "
                       f"helper tables kept by Spark {mb(p['steps_bytes'])}")
        if r not in done:
            out.append(f"- {r['scale']:g} %: PARITY FAILED: " + "; ".join(r["parity"]))
            continue
        out.append(f"- {r['scale']:g} %: planted cases, DuckDB {r['duckdb']['planted']}, Spark {r['spark']['planted']}")
        out.append(f"- {r['scale']:g} %: " + ("PARITY OK" if not r["parity"] else "PARITY FAILED: " + "; ".join(r["parity"]))
                   + f" ({r['duckdb']['cases']} cases, {r['duckdb']['rows']['quarantined']} rows quarantined)")
    return "\n".join(out)


def machine() -> dict:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"cores": os.cpu_count(), "memory": f"{int(mem.split()[1]) / 2**20:.1f} GB",
            "python": platform.python_version(), "duckdb": duckdb.__version__, "java": java[0] if java else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="1,10", help="percentages of the city, comma separated")
    ap.add_argument("--master", default="local[2]", help="the Spark master of the Spark runs")
    ap.add_argument("--people", type=int, default=2_500_000, help="people at 100 %%")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--years", type=int, default=2, help="years of ledgers")
    ap.add_argument("--damaged", type=int, default=40, help="rows made unusable in a copied ledger (quarantined)")
    args = ap.parse_args(argv)
    info = machine()
    print(f"machine: {info}", flush=True)
    results = []
    for scale in [float(s) for s in args.scales.split(",")]:
        d = city(scale, args.people, args.seed, args.years)
        r = {"scale": scale, "people": int(round(args.people * scale / 100)),
             "payment_rows": json.loads((d / "summary.json").read_text())["stats"]["payment_rows"]}
        inbox = with_damaged_rows(d / "inbox", BENCH / f"spark_{scale:g}_inbox", args.damaged)
        for engine in ("duckdb", "spark"):
            print(f"{scale:g} %: {engine} on {inbox}…", flush=True)
            r[engine] = run_flow(inbox, BENCH / f"spark_{scale:g}_{engine}", engine, args.master)
            if "failed" not in r[engine]:
                r[engine]["planted"] = check_planted(d, r[engine]["out"])
        failed = [e for e in ("duckdb", "spark") if "failed" in r[e]]
        r["parity"] = [f"not checked: the {' and '.join(failed)} run failed"] if failed else parity(r["duckdb"], r["spark"])
        if not failed and r["duckdb"]["rows"]["quarantined"] < args.damaged:
            r["parity"].append(f"only {r['duckdb']['rows']['quarantined']} rows quarantined, {args.damaged} damaged")
        results.append(r)
        print(report([r]), flush=True)
        (BENCH / "spark_results.json").write_text(json.dumps({"machine": info, "results": results}, ensure_ascii=False,
                                                             indent=1, default=str), encoding="utf-8")
    spark_version = next((r["spark"]["versions"].get("spark") for r in results if "versions" in r["spark"]), None)
    print(f"\nmachine: {info}, Spark {spark_version} ({args.master})\n\n" + report(results))
    return 0 if not any(r["parity"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

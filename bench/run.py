"""The scale benchmark: the whole nightly flow on 1 %, 10 % and 100 % of a 2.5-million-person city, per stage
(wall time, rows per second, peak memory with DuckDB, seconds per million rows), the planted cases checked
against the answer key, and two comparisons measured in the same run:

- floor: the rules stage against bare DuckDB running the same rule SQL on the same tables written to Parquet
  (no Qingfeng: no catalogue, no case ids, no evidence check, no `cases` table);
- pandas: R01 and R04 against a straightforward pandas version (merge, filter, group by, as an analyst
  would write them) on the 10 % city, both starting from the tables in memory.

    .venv/bin/python bench/run.py                      # 1 %, 10 %, 100 % (generates the cities it lacks)
    .venv/bin/python bench/run.py --scales 1,10        # a quicker look
    .venv/bin/python bench/run.py --years 4            # about 28 million payment rows at 100 %

The flow runs as `python -m flows.cli run` in a child process with its own data folder
(data/bench/work_<scale>/, wiped first), exactly as the nightly job runs; memory is the resident set of
that process and its children (Prefect's ephemeral server), sampled every 0.1 s from /proc. Prints a
Markdown table (the one in the README) and writes data/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data" / "bench"
sys.path.insert(0, str(ROOT))

from flows import settings  # noqa: E402
from rules import catalog  # noqa: E402
from sources import assistance_words, names, values  # noqa: E402

STAGES = ["load", "validate", "rules", "ledger", "outputs"]


# ---- memory: resident set of a process tree, sampled from /proc ----

def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class Sampler(threading.Thread):
    """(time, RSS of the flow process, RSS of its tree) every `every` seconds until stopped."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.done = pid, every, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            self.samples.append((time.time(), _rss(self.pid), sum(_rss(p) for p in _tree(self.pid))))
            time.sleep(self.every)

    def peak(self, t0: float = 0, t1: float = float("inf"), tree: bool = True) -> int:
        """The largest sample in [t0, t1]; for a span shorter than the sampling interval, the sample just
        before it."""
        i = 2 if tree else 1
        vals = [s[i] for s in self.samples if t0 <= s[0] <= t1]
        if not vals:
            vals = [s[i] for s in self.samples if s[0] <= t0][-1:]
        return max(vals, default=0)


# ---- one scale ----

def city(scale: float, people: int, seed: int, years: int) -> Path:
    label = f"{scale:g}"
    d = BENCH / f"city_{label}" if years == 2 else BENCH / f"city_{label}_y{years}"
    if not (d / "planted.csv").exists():
        n = int(round(people * scale / 100))
        print(f"generating {d} ({n:,} people)…", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--people", str(n), "--seed", str(seed),
                        "--years", str(years), "--out", str(d)], check=True)
    return d


def run_flow(inbox: Path, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, QINGFENG_DATA=str(work))
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    output = proc.communicate()[0]
    wall = time.time() - t0
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        print(output[-4000:])
        raise SystemExit(f"the flow failed on {inbox} (exit {proc.returncode})")
    info = json.loads(next((work / "runs").glob("*/run.json")).read_text(encoding="utf-8"))
    stages = {}
    for s in STAGES:
        a, b = info["stage_spans"][s]
        stages[s] = {"s": info["timings_s"][s], "peak_rss": sampler.peak(a, b)}
    return {"wall_s": wall, "peak_rss": sampler.peak(), "peak_rss_flow": sampler.peak(tree=False),
            "stages": stages, "info": info, "run_dir": str(next((work / "runs").glob("*/run.json")).parent)}


def check_planted(city_dir: Path, run_dir: str) -> dict:
    from bench.world.key import compare

    r = compare(city_dir / "planted.csv", Path(run_dir) / "cases.csv")
    planted = sum(v["planted"] for v in r["per_rule"].values())
    return {"planted": planted, "missing": len(r["missing"]), "mismatch": len(r["mismatch"]),
            "trap_flagged": len(r["trap_flagged"]), "unplanted": len(r["unplanted"])}


# ---- the floor: bare DuckDB, the same rule SQL, the tables as Parquet ----

SKIP = re.compile(r"^(raw_|case_|cases$|ledger_runs$|ledger_secret$|quarantine$)")


def _connect(path=":memory:", read_only=False):
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"set threads = {settings.get('duckdb_threads')}")
    con.execute(f"set memory_limit = '{settings.get('duckdb_memory_limit')}'")
    (BENCH / "tmp").mkdir(parents=True, exist_ok=True)    # the bare rules spill as the flow does (R06, R18 at 100 %)
    con.execute(f"set temp_directory = '{BENCH / 'tmp'}'")
    return con


def floor(warehouse: Path, parquet: Path) -> dict:
    shutil.rmtree(parquet, ignore_errors=True)
    parquet.mkdir(parents=True)
    src = _connect(warehouse, read_only=True)
    # every table but the run's own bookkeeping; raw and quarantine tables only where a rule reads them
    said = " ".join(r.sql for r in catalog.catalog()) + " ".join(
        (ROOT / "rules" / n).read_text(encoding="utf-8") for n in ("derived.sql", "places.sql", "kinship.sql"))
    tables = [t for (t,) in src.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
              if not SKIP.match(t) or (not t.startswith(("case", "ledger_")) and re.search(rf"\b{t}\b", said))]
    views = src.execute("select sql from duckdb_views() where not internal and schema_name = 'main'").fetchall()
    t0 = time.perf_counter()
    for t in tables:
        src.execute(f"copy {t} to '{parquet / t}.parquet' (format parquet)")
    export_s = time.perf_counter() - t0
    as_of = src.execute("select qf_as_of()").fetchone()[0]
    src.close()
    con = _connect()
    con.execute((ROOT / "sources" / "macros.sql").read_text(encoding="utf-8"))
    con.execute(assistance_words.macros_sql())         # the household rules' vocabulary (qf_insured_alone …)
    con.execute(values.words_macros_sql())             # payment remarks' vocabulary
    names.create_name_macros(con)                      # name spellings (qf_same_name …)
    con.execute(f"create or replace macro qf_as_of() as date '{as_of.isoformat()}'")
    for t in tables:
        con.execute(f"create view {t} as select * from read_parquet('{parquet / t}.parquet')")
    for (sql,) in views:
        con.execute(sql)
    for name in ("derived.sql", "places.sql", "kinship.sql"):        # the table macros some rules call (not the tables)
        for s in con.extract_statements((ROOT / "rules" / name).read_text(encoding="utf-8")):
            if re.match(r"\s*(--[^\n]*\n\s*)*create or replace macro", s.query):
                con.execute(s.query)
    per_rule, t0 = {}, time.perf_counter()
    for rule in catalog.catalog():
        t1 = time.perf_counter()
        con.execute(f"create temp table bare_{rule.id} as {rule.sql}", rule.bound_params())
        per_rule[rule.id] = time.perf_counter() - t1
    total = time.perf_counter() - t0
    con.close()
    return {"s": total, "per_rule_s": per_rule, "export_s": export_s}


# ---- pandas: R01 and R04 as an analyst would write them ----

def pandas_r01_r04(warehouse: Path) -> dict:
    """R01 and R04 in pandas, timed from DataFrames in memory, against the same two rules in DuckDB on the
    same warehouse, timed with the derived tables they read (deaths, paid_months, payees, …) rebuilt. Both
    give the same cases with the same evidence columns an investigator needs: period, months, amount, the
    death date and its records, the payee's name and place, and the source rows."""
    import pandas as pd

    con = _connect(warehouse, read_only=True)
    t0 = time.perf_counter()
    pay = con.execute("""select id_number, name, name_norm, programme, sub_type, entitlement_month, amount_yuan::double
                         as amount_yuan, remark, county, township, village, source_file, sheet, row_no
                         from payments""").df()
    dr = con.execute("""select id_number, name, name_norm, death_on, cremation_on, dereg_on, source, source_file,
                        sheet, row_no from death_records""").df()
    reg = con.execute("select id_number, name_norm from persons").df()
    read_s = time.perf_counter() - t0
    con.close()
    # the analyst's R04: a 补发 (sources/payment_words.yaml) or a legitimate extra row (R04's extra_words) is no
    # duplicate. The pandas R01 and R04 are the rules as an analyst first writes them (person-level, every
    # programme); the catalogue's do more (household 低保, one-off programmes, corrections), so their case
    # counts differ and are printed side by side: this compares the cost of the work, not its findings.
    words = "|".join([w.replace("%", ".*") for w in values.payment_words()["supplement"]]
                     + [catalog.select_rules(["R04"])[0].bound_params()["extra_words"]])

    t0 = time.perf_counter()
    pay["entitlement_month"] = pd.to_datetime(pay.entitlement_month)
    pay["where"] = pay.source_file + " 第" + pay.row_no.astype(str) + "行"
    last = pay.sort_values("entitlement_month").groupby(["id_number", "programme"]).last()[
        ["name", "county", "township", "village"]]
    window = pay.groupby("programme").entitlement_month.max().rename("last_month")
    # R01: the person's name (register first, else the ledgers); death records under that name; earliest date
    known = reg.groupby("id_number").name_norm.first()
    known = known.combine_first(pay.groupby("id_number").name_norm.first()).rename("known").reset_index()
    d = dr.merge(known, on="id_number", how="left")
    d = d[d.known.isna() | (d.known == d.name_norm)].copy()
    d["date"] = d.death_on.fillna(d.cremation_on).fillna(d.dereg_on)
    d["record"] = d.source + " " + d.date.astype(str) + "（" + d.source_file + " 第" + d.row_no.astype(str) + "行）"
    deaths = d.sort_values("date").groupby("id_number").agg(
        death_on=("death_on", "min"), cremation_on=("cremation_on", "min"), dereg_on=("dereg_on", "min"),
        records=("record", lambda s: "；".join(s)))
    deaths["death_on"] = pd.to_datetime(deaths.death_on.fillna(deaths.cremation_on).fillna(deaths.dereg_on))
    deaths["death_month"] = deaths.death_on.dt.to_period("M").dt.to_timestamp()
    monthly = pay.groupby(["id_number", "programme", "entitlement_month"], as_index=False).amount_yuan.sum()
    m = monthly.merge(deaths[["death_on", "death_month", "records"]].reset_index(), on="id_number")
    over = m[(m.entitlement_month > m.death_month) & (m.amount_yuan > 0)]
    r01 = over.groupby(["id_number", "programme"]).agg(
        death_on=("death_on", "first"), records=("records", "first"), period_from=("entitlement_month", "min"),
        period_to=("entitlement_month", "max"), months=("entitlement_month", "count"), amount_yuan=("amount_yuan", "sum"))
    rows = pay.merge(over[["id_number", "programme", "entitlement_month"]], on=["id_number", "programme", "entitlement_month"])
    r01 = r01.join(rows.groupby(["id_number", "programme"])["where"].agg(lambda s: "；".join(s)).rename("source_rows"))
    r01 = r01.join(last).join(window, on="programme")
    r01["is_ongoing"] = r01.period_to == r01.last_month
    # R04: more than one positive payment for one person, programme, sub-type and month, none a 补发
    p = pay.assign(sub_type=pay.sub_type.fillna(""), positive=pay.amount_yuan > 0,
                   supplement=pay.remark.fillna("").str.contains(words, regex=True))
    g = p.groupby(["id_number", "programme", "sub_type", "entitlement_month"]).agg(
        payments=("positive", "sum"), net=("amount_yuan", "sum"), largest=("amount_yuan", "max"),
        supplement=("supplement", "any")).reset_index()
    dup = g[(g.payments > 1) & ~g.supplement & (g.net > g.largest)].assign(excess=lambda x: x.net - x.largest)
    r04 = dup.groupby(["id_number", "programme"]).agg(
        period_from=("entitlement_month", "min"), period_to=("entitlement_month", "max"),
        months=("entitlement_month", "nunique"), amount_yuan=("excess", "sum"))
    rows = p.merge(dup[["id_number", "programme", "sub_type", "entitlement_month"]],
                   on=["id_number", "programme", "sub_type", "entitlement_month"])
    r04 = r04.join(rows.groupby(["id_number", "programme"]).agg(
        payers=("source_file", lambda s: "；".join(sorted(set(s)))), source_rows=("where", lambda s: "；".join(s))))
    r04 = r04.join(last)
    pandas_s = time.perf_counter() - t0

    # the same two rules in DuckDB, with the derived tables they read rebuilt in the same timing
    scratch = warehouse.with_name("pandas_compare.duckdb")
    shutil.copy(warehouse, scratch)
    con = _connect(scratch)
    derived = (ROOT / "rules" / "derived.sql").read_text(encoding="utf-8")
    needed = ("known_names", "deaths", "undated_death_records", "paid_months", "programme_windows", "payees")
    statements = [s.query for s in con.extract_statements(derived)
                  if re.search(rf"create or replace table ({'|'.join(needed)}) as", s.query)]
    t0 = time.perf_counter()
    for s in statements:
        con.execute(s)
    counts = {r.id: catalog.run_rule(con, r) for r in catalog.select_rules(["R01", "R04"])}
    duck_s = time.perf_counter() - t0
    # as the flow runs them: the derived tables are built once for all fourteen rules
    t0 = time.perf_counter()
    for r in catalog.select_rules(["R01", "R04"]):
        catalog.run_rule(con, r)
    rules_only_s = time.perf_counter() - t0
    # the same, with the derived tables held in memory as the pandas version holds its DataFrames (temp
    # tables; the flow persists them in the warehouse for the screening and later runs, which costs writes)
    for name in needed:
        con.execute(f"drop table {name}")
    t0 = time.perf_counter()
    for s in statements:
        con.execute(s.replace("create or replace table", "create or replace temp table", 1))
    memory_counts = {r.id: catalog.run_rule(con, r) for r in catalog.select_rules(["R01", "R04"])}
    duck_memory_s = time.perf_counter() - t0
    assert memory_counts == counts, (memory_counts, counts)
    con.close()
    scratch.unlink()
    return {"pandas_s": pandas_s, "duckdb_s": duck_s, "duckdb_memory_s": duck_memory_s,
            "duckdb_rules_only_s": rules_only_s, "pandas_read_s": read_s, "payment_rows": len(pay),
            "pandas_cases": {"R01": len(r01), "R04": len(r04)}, "duckdb_cases": counts}


# ---- report ----

def mb(n: int) -> str:
    return f"{n / 2**30:.2f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def report(results: list[dict]) -> str:
    lines = ["| scale | input rows | payment rows | stage | wall s | rows/s | peak RSS | s per M rows |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows = r["rows"]
        for s in STAGES + ["total", "end to end"]:
            if s == "total":
                secs, peak = sum(r["stages"][x]["s"] for x in STAGES), max(r["stages"][x]["peak_rss"] for x in STAGES)
            elif s == "end to end":
                secs, peak = r["wall_s"], r["peak_rss"]
            else:
                secs, peak = r["stages"][s]["s"], r["stages"][s]["peak_rss"]
            lines.append(f"| {r['scale']:g} % | {rows:,} | {r['payment_rows']:,} | {s} | {secs:,.1f} | "
                         f"{rows / secs:,.0f} | {mb(peak)} | {secs / rows * 1e6:.2f} |")
    out = ["\n".join(lines), ""]
    by = {r["scale"]: r for r in results}
    if 10 in by and 100 in by:
        c10 = by[10]["wall_s"] / by[10]["rows"]
        c100 = by[100]["wall_s"] / by[100]["rows"]
        s10 = sum(by[10]["stages"][x]["s"] for x in STAGES) / by[10]["rows"]
        s100 = sum(by[100]["stages"][x]["s"] for x in STAGES) / by[100]["rows"]
        out.append(f"- cost per million rows, 100 % against 10 %: {c100 / c10:.2f}× end to end, "
                   f"{s100 / s10:.2f}× over the stages (target ≤ 1.3×)")
    for r in results:
        if "floor" in r:
            f = r["floor"]
            out.append(f"- {r['scale']:g} %: rules stage {r['stages']['rules']['s']:.1f} s, bare DuckDB on Parquet "
                       f"{f['s']:.1f} s → overhead {r['stages']['rules']['s'] / f['s']:.2f}× (target ≤ 1.5×)")
        if "pandas" in r:
            p = r["pandas"]
            out.append(f"- {r['scale']:g} %: R01 + R04 on {p['payment_rows']:,} payment rows: pandas {p['pandas_s']:.1f} s; "
                       f"DuckDB {p['duckdb_s']:.2f} s rebuilding the derived tables they read in the warehouse → "
                       f"{p['pandas_s'] / p['duckdb_s']:.1f}×, {p['duckdb_memory_s']:.2f} s building them in memory → "
                       f"{p['pandas_s'] / p['duckdb_memory_s']:.1f}×, {p['duckdb_rules_only_s']:.2f} s on the flow's derived "
                       f"tables → {p['pandas_s'] / p['duckdb_rules_only_s']:.1f}× (target ≥ 10×); cases pandas "
                       f"{p['pandas_cases']}, DuckDB {p['duckdb_cases']}")
        c = r["planted"]
        out.append(f"- {r['scale']:g} %: planted cases {c['planted']}: missing {c['missing']}, mismatched "
                   f"{c['mismatch']}, traps flagged {c['trap_flagged']}, unplanted {c['unplanted']}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="1,10,100", help="percentages of the city, comma separated")
    ap.add_argument("--people", type=int, default=2_500_000, help="people at 100 %%")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--years", type=int, default=2, help="years of ledgers (4 gives about 28 million payment rows)")
    ap.add_argument("--no-floor", action="store_true", help="skip the bare-DuckDB comparison")
    ap.add_argument("--pandas-scale", type=float, default=10, help="scale of the pandas comparison (0: skip)")
    args = ap.parse_args(argv)
    results, ok = [], True
    for scale in [float(s) for s in args.scales.split(",")]:
        d = city(scale, args.people, args.seed, args.years)
        work = BENCH / f"work_{scale:g}"
        print(f"{scale:g} %: running the nightly flow on {d / 'inbox'}…", flush=True)
        r = run_flow(d / "inbox", work)
        info = r.pop("info")
        r.update(scale=scale, rows=info["rows"]["read"], payment_rows=json.loads((d / "summary.json").read_text())
                 ["stats"]["payment_rows"], cases=sum(info["cases_per_rule"].values()),
                 planted=check_planted(d, r["run_dir"]))
        ok &= not any(r["planted"][k] for k in ("missing", "mismatch", "trap_flagged", "unplanted"))
        wh = work / "warehouse.duckdb"
        if not args.no_floor:
            r["floor"] = floor(wh, work / "parquet")
        if scale == args.pandas_scale:
            r["pandas"] = pandas_r01_r04(wh)
        results.append(r)
        print(report([r]), flush=True)
        shutil.rmtree(work / "parquet", ignore_errors=True)
    text = report(results)
    print("\n" + text)
    (BENCH / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

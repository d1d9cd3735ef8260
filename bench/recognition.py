"""How well header recognition generalises: leave-one-synonym-out on the sample, and the sample reworded
by other offices (bench/world/dialects.py). See docs/recognition.md.

    .venv/bin/python bench/recognition.py [--dialects N] [--seed 1] [--keep DIR]

Leave-one-synonym-out: for each kind, each of its columns and each synonym of that column that occurs in
a header of a sample sheet of that kind, the declarations are written to a temporary folder without that
synonym and the sample sheets are recognised again (sources.declarations.kinds_from): those of the kind,
the unrecognised ones, and any other holding the synonym in a cell of its first rows. Each sheet whose
header holds the synonym counts as one trial: pass (same kind, same mapping), partial (same kind, some
column no longer mapped, the others where they were), misplaced (same kind, some column mapped to another
cell), refused (no kind), or wrong kind. Any other sample sheet that changes kind meanwhile counts as
wrong kind too. The "deciding" rate counts only the trials whose synonym is the one that decided the
cell's mapping (in the others a better synonym is still there).

--dialects N also writes N offices' versions of the sample and loads each, and the original, with the real
pipeline (`qingfeng run`, a fresh warehouse each); per office it prints the sheets loaded as their true
kind (with the true mapping, partly mapped, or with a column misplaced), refused with their reason, loaded
as a WRONG kind, and whether the cases
(rule_id, subject_id_number, period_from, period_to, amount_yuan) equal the original's. The first
"office" is the control (bench/world/dialects.py): the sample's wordings with everything else changed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_INBOX = ROOT / "data" / "sample" / "inbox"
AS_OF = "2021-01-15"          # the sample's date, as in tests/conftest.py
# pass: same kind and mapping; partial: same kind, some columns no longer mapped, the others where they were;
# misplaced: same kind, some column mapped to another cell (its values would be read from the wrong column)
OUTCOMES = ("pass", "partial", "misplaced", "refused", "wrong_kind")


def mapping_outcome(got: dict[str, int], true: dict[str, int]) -> str:
    """pass, partial or misplaced (see OUTCOMES) for a sheet recognised as its true kind."""
    # misplaced: a column read from a cell the truth gives another column, or from another cell than its own;
    # a cell the truth leaves unmapped (an office's extra 备注2 read as the remark) misleads nobody
    owner = {j: c for c, j in true.items()}
    if any(owner.get(j, c) != c or true.get(c, j) != j for c, j in got.items()):
        return "misplaced"
    return "pass" if all(got.get(c) == j for c, j in true.items()) else "partial"
DIALECT_OUTCOMES = ("true_kind", "true_kind_partial", "true_kind_misplaced", "refused", "non_data_refused")
CASE_COLUMNS = ("rule_id", "subject_id_number", "period_from", "period_to", "amount_yuan")


@dataclass
class SampleSheet:
    file: str
    sheet: str
    preview: list[list[str]]
    kind: str | None                      # as recognised with the project's declarations
    mapping: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)


def sample_sheets(inbox: Path = SAMPLE_INBOX) -> list[SampleSheet]:
    """The previews of every readable sheet of the inbox, read once, with today's recognition."""
    from sources.recognise import detect_layout

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, sheets in dialects_module().readable_sheets(inbox, Path(tmp)):
            for s in sheets:
                lay = detect_layout(s.preview, s.name, path.name)
                out.append(SampleSheet(path.name, s.name, s.preview, lay and lay.kind.kind,
                                       dict(lay.mapping) if lay else {},
                                       dialects_module().header_cells(lay, s.preview) if lay else []))
    return out


def _strip_note(h: str) -> str:
    return re.sub(r"\([^)]*\)$", "", h) if h.endswith(")") else h


def synonyms_in_use(sheets: list[SampleSheet]) -> dict[tuple[str, str, str], dict[int, bool]]:
    """(kind, column, synonym) → {index of a sheet of that kind whose header cell for that column is the
    synonym, is it but for a trailing (元)-style note, or ends with it: whether it is the deciding synonym
    (the cell's best match: exact before unnoted before ending, then the earlier synonym)}."""
    from sources.declarations import kinds, norm_header

    by_kind = {k.kind: k for k in kinds()}
    out: dict[tuple[str, str, str], dict[int, bool]] = {}
    for i, s in enumerate(sheets):
        if s.kind is None:
            continue
        for column, j in s.mapping.items():
            cell = norm_header(s.header[j])
            bare = _strip_note(cell)
            found = []
            for rank, syn in enumerate(by_kind[s.kind].columns[column].synonyms):
                stage = 0 if syn == cell else 1 if syn == bare else 2 if len(syn) >= 2 and bare.endswith(syn) else None
                if stage is not None:
                    found.append(((stage, rank), syn))
            for order, syn in found:
                out.setdefault((s.kind, column, syn), {})[i] = order == min(found)[0]
    return out


def declarations_without(folder: Path, kind: str, column: str, synonym: str) -> None:
    """Write sources/kinds/*.yaml to `folder`, the synonym left out of kind's column."""
    import yaml

    from sources.declarations import KINDS_DIR, norm_header, read_yaml

    for path in sorted(Path(KINDS_DIR).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        d = read_yaml(text)
        if d["kind"] == kind:
            col = d["columns"][column]
            col["synonyms"] = [s for s in col.get("synonyms", []) if norm_header(s) != synonym]
            text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
        (folder / path.name).write_text(text, encoding="utf-8")


def leave_one_out(sheets: list[SampleSheet]) -> list[dict]:
    """One row per trial: kind, column, synonym, file, sheet, outcome (and what it became); plus a row
    with outcome wrong_kind for every other sheet that changed kind."""
    from sources.declarations import kinds_from, norm_header
    from sources.layout import SEARCH_ROWS
    from sources.recognise import detect_layout

    # a sheet none of whose searched cells contains the synonym cannot see it go (synonyms are matched in
    # header cells): only the sheets of the kind, the unrecognised ones and those holding it are run again
    texts = [" ".join(norm_header(c) for row in s.preview[:SEARCH_ROWS] for c in row) for s in sheets]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for t, ((kind, column, syn), affected) in enumerate(sorted(synonyms_in_use(sheets).items())):
            folder = Path(tmp) / str(t)
            folder.mkdir()
            declarations_without(folder, kind, column, syn)
            with kinds_from(folder):
                for i, s in enumerate(sheets):
                    if s.kind != kind and s.kind is not None and syn not in texts[i]:
                        continue
                    lay = detect_layout(s.preview, s.sheet, s.file)
                    got_kind = lay.kind.kind if lay else None
                    got_map = dict(lay.mapping) if lay else {}
                    if i in affected:
                        outcome = ("refused" if got_kind is None else "wrong_kind" if got_kind != s.kind
                                   else mapping_outcome(got_map, s.mapping))
                    elif got_kind != s.kind and got_kind is not None:
                        outcome = "wrong_kind"
                    else:
                        continue
                    rows.append({"kind": kind, "column": column, "synonym": syn, "file": s.file, "sheet": s.sheet,
                                 "deciding": affected.get(i, False),
                                 "true_kind": s.kind, "outcome": outcome, "got_kind": got_kind,
                                 "changed": sorted(c for c in set(got_map) | set(s.mapping)
                                                   if got_map.get(c) != s.mapping.get(c))})
    return rows


def loo_table(rows: list[dict]) -> tuple[list[dict], dict]:
    """Per kind: synonyms tried, trials, counts per outcome and the pass rate; and the overall line."""
    def line(kind: str, rs: list[dict]) -> dict:
        c = Counter(r["outcome"] for r in rs)
        deciding = [r for r in rs if r["deciding"]]
        return {"kind": kind, "synonyms": len({(r["kind"], r["column"], r["synonym"]) for r in rs}),
                "trials": len(rs), **{o: c[o] for o in OUTCOMES},
                "pass_rate": c["pass"] / len(rs) if rs else 1.0,
                "deciding_trials": len(deciding),
                "deciding_pass_rate": (sum(r["outcome"] == "pass" for r in deciding) / len(deciding)
                                       if deciding else 1.0)}

    kinds = sorted({r["kind"] for r in rows})
    return [line(k, [r for r in rows if r["kind"] == k]) for k in kinds], line("overall", rows)


def print_loo(rows: list[dict]) -> None:
    table, overall = loo_table(rows)
    print("留一同义词测试（每次从声明中删去一个样例表头实际用到的同义词，重新识别样例工作表）")
    print(f"{'kind':<16}{'synonyms':>9}{'trials':>7}{'pass':>6}{'partial':>8}{'misplaced':>10}{'refused':>8}"
          f"{'wrong_kind':>11}{'pass_rate':>10}{'deciding':>10}{'its rate':>9}")
    for t in [*table, overall]:
        print(f"{t['kind']:<16}{t['synonyms']:>9}{t['trials']:>7}{t['pass']:>6}{t['partial']:>8}{t['misplaced']:>10}"
              f"{t['refused']:>8}{t['wrong_kind']:>11}{t['pass_rate']:>10.1%}{t['deciding_trials']:>10}"
              f"{t['deciding_pass_rate']:>9.1%}")
    print("（deciding：删去的正是该表头单元格的最佳匹配同义词的试验；其余试验中还有更好的同义词在）")
    for r in rows:
        if r["outcome"] != "pass":
            what = {"refused": "未识别", "wrong_kind": f"识别为 {r['got_kind']}",
                    "partial": "不再映射：" + "、".join(r["changed"]),
                    "misplaced": "映射到别的列：" + "、".join(r["changed"])}[r["outcome"]]
            print(f"  删去 {r['kind']}.{r['column']} 的「{r['synonym']}」：{r['file']} {r['sheet']} {what}")


# ---------------------------------------------------------------------------------------------
# Dialects through the real pipeline


def run_pipeline(inbox: Path, data_dir: Path, timeout: int = 900) -> Path:
    """`qingfeng run` on the inbox with its own data folder (a fresh warehouse); returns the run folder."""
    out = data_dir / "run"
    env = dict(os.environ, QINGFENG_DATA=str(data_dir))
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--out", str(out),
                           "--as-of", AS_OF], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"qingfeng run 失败（{inbox}）：\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return out


def loaded_sheets(warehouse: Path) -> list[dict]:
    """What the warehouse says of each sheet: file, sheet, kind, status, reason, mapping."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute("""select f.file_name, coalesce(s.sheet, '') as sheet, s.kind, s.status,
                                    coalesce(s.reason, f.reason) as reason, s.mapping
                             from source_files f left join source_sheets s using (file_id) order by all""")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def load_sheets_in_process(inbox: Path) -> list[dict]:
    """The loader alone (sources.load.load_inbox, the real one) on a fresh in-memory warehouse: what it
    makes of each sheet, without staging and rules (seconds instead of a whole run)."""
    import duckdb

    from sources import load

    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        load.load_inbox(con, inbox, Path(tmp))
        path = Path(tmp) / "sheets.duckdb"
        con.execute("attach ? as out", [str(path)])
        con.execute("create table out.source_files as select * from source_files")
        con.execute("create table out.source_sheets as select * from source_sheets")
        con.execute("detach out")
        con.close()
        return loaded_sheets(path)


def canonical_rows(inbox: Path) -> dict[str, list[tuple]]:
    """The real loader and staging (no validation, no rules) on a fresh in-memory warehouse: every canonical
    table's rows without where they came from (file, sheet, row), and the quarantine's (kind, reason,
    column) per row; sorted, so that two inboxes holding the same records compare equal."""
    import duckdb

    from sources import load, stage
    from sources.declarations import kinds

    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            load.load_inbox(con, inbox, Path(tmp))
            stage.stage_all(con)
        out = {k.table: con.execute(f"select * exclude (file_id, sheet, row_no, source_file, warnings) "
                                    f"from {k.table} order by all").fetchall() for k in kinds()}
        out["quarantine"] = con.execute("select kind, reason, reason_column from quarantine order by all").fetchall()
        return out
    finally:
        con.close()


def judge(key: dict, sheets: list[dict]) -> list[dict]:
    """Each sheet of the answer key with what the loader did: true_kind (with the true mapping),
    true_kind_partial or true_kind_misplaced (see OUTCOMES), refused (with its reason), or wrong_kind."""
    got = {(r["file_name"], r["sheet"]): r for r in sheets}
    out = []
    for file_name, f in key["files"].items():
        for s in f["sheets"]:
            r = got.get((file_name, s["sheet"])) or {"kind": None, "status": "missing", "reason": "未见于 source_sheets"}
            loaded = r["kind"] is not None and r["status"] in ("loaded", "empty")
            if loaded and r["kind"] == s["kind"]:
                mapping = json.loads(r["mapping"]) if isinstance(r["mapping"], str) else (r["mapping"] or {})
                outcome = {"pass": "true_kind", "partial": "true_kind_partial",
                           "misplaced": "true_kind_misplaced"}[mapping_outcome(mapping, s["mapping"])]
            elif loaded:
                outcome = "wrong_kind"
            else:
                outcome = "refused"
            out.append({"file": file_name, "source": f["source"], "sheet": s["sheet"], "true_kind": s["kind"],
                        "got_kind": r["kind"], "status": r["status"], "reason": r["reason"], "outcome": outcome})
    return out


def read_cases(run_dir: Path, name: str = "cases.csv") -> list[tuple]:
    """The cases of a run as (rule_id, subject_id_number, period_from, period_to, amount_yuan), sorted."""
    with open(run_dir / name, encoding="utf-8-sig", newline="") as f:
        return sorted(tuple(row[c] for c in CASE_COLUMNS) for row in csv.DictReader(f))


def dialects_module():
    """The offices' dialects of the sample (bench/world/dialects.py)."""
    from bench.world import dialects

    return dialects


def dialect_report(n: int, seed: int, keep: Path | None) -> list[dict]:
    """Generate N offices, run the pipeline on each and on the original; one summary per office."""
    dialects = dialects_module()
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="qf_dialects_"))
    try:
        t0 = time.perf_counter()
        original = read_cases(run_pipeline(SAMPLE_INBOX, root / "original_data"))
        print(f"原始样例：{len(original)} 条线索（{time.perf_counter() - t0:.0f} 秒）")
        summaries = []
        for office, key in dialects.write_offices(SAMPLE_INBOX, root, n, seed, control=True):
            t0 = time.perf_counter()
            data = root / office / "data"
            run = run_pipeline(root / office / "inbox", data)
            judged = judge(key, loaded_sheets(data / "warehouse.duckdb"))
            cases = read_cases(run)
            c = Counter((j["outcome"] if j["true_kind"] else "non_data_" + j["outcome"]) for j in judged)
            missing, extra = Counter(original) - Counter(cases), Counter(cases) - Counter(original)
            summaries.append({"office": office, "format": key["format"], "encoding": key["encoding"],
                              "data_sheets": sum(1 for j in judged if j["true_kind"]),
                              **{o: c[o] for o in DIALECT_OUTCOMES},
                              "wrong_kind": c["wrong_kind"] + c["non_data_wrong_kind"],
                              "held_out_headers": sum(h["held_out"] for f in key["files"].values()
                                                      for s in f["sheets"] for h in s.get("headers", {}).values()),
                              "headers": sum(len(s.get("headers", {})) for f in key["files"].values()
                                             for s in f["sheets"]),
                              "cases": len(cases), "original_cases": len(original),
                              "cases_equal": not missing and not extra,
                              "cases_missing": sum(missing.values()), "cases_extra": sum(extra.values()),
                              "judged": judged, "seconds": round(time.perf_counter() - t0, 1)})
        return summaries
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def print_dialects(summaries: list[dict]) -> None:
    print("\n各办公室方言版样例（真实流水线 qingfeng run，每个办公室一个新仓库）")
    print(f"{'office':<11}{'format':<10}{'data sheets':>12}{'true kind':>10}{'exact':>6}{'partial':>8}{'misplaced':>10}"
          f"{'refused':>8}{'WRONG':>6}{'reworded':>9}{'cases':>7}  cases equal the original's")
    for s in summaries:
        fmt = s["format"] + ("" if s["format"] == "xlsx" else "/" + s["encoding"])
        true = s["true_kind"] + s["true_kind_partial"] + s["true_kind_misplaced"]
        equal = "yes" if s["cases_equal"] else f"no ({s['cases_missing']} missing, {s['cases_extra']} extra)"
        print(f"{s['office']:<11}{fmt:<10}{s['data_sheets']:>12}{true:>10}{s['true_kind']:>6}"
              f"{s['true_kind_partial']:>8}{s['true_kind_misplaced']:>10}{s['refused']:>8}{s['wrong_kind']:>6}"
              f"{s['held_out_headers']:>4}/{s['headers']:<4}{s['cases']:>7}  {equal}")
        for j in s["judged"]:
            if j["outcome"] == "true_kind" or (j["outcome"] == "refused" and not j["true_kind"]):
                continue
            note = {"refused": f"拒识（应为 {j['true_kind']}）：{j['reason']}",
                    "wrong_kind": f"错识为 {j['got_kind']}（应为 {j['true_kind'] or '拒识'}）",
                    "true_kind_partial": "类型正确，部分列未映射",
                    "true_kind_misplaced": "类型正确，有列映射到别的列"}[j["outcome"]]
            print(f"    {j['file']}{' ' + j['sheet'] if j['sheet'] else ''}（原 {j['source']}）：{note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dialects", type=int, default=0, help="also run N offices' dialects through the pipeline")
    ap.add_argument("--seed", type=int, default=1, help="seed of the dialects")
    ap.add_argument("--keep", type=Path, default=None, help="write the dialects and runs here and keep them")
    ap.add_argument("--json", type=Path, default=None, help="write every result to this JSON file")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    sheets = sample_sheets()
    rows = leave_one_out(sheets)
    print_loo(rows)
    print(f"（{len(sheets)} 个样例工作表，{time.perf_counter() - t0:.1f} 秒）")
    table, overall = loo_table(rows)
    result = {"leave_one_out": {"per_kind": table, "overall": overall, "trials": rows}}
    if args.dialects:
        summaries = dialect_report(args.dialects, args.seed, args.keep)
        print_dialects(summaries)
        result["dialects"] = summaries
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

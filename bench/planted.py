"""Precision and recall of the rules on planted cases: a run's cases.csv against an answer key (the sample's
data/sample/planted.csv, or a synthetic city's planted.csv from bench/generate.py).

    .venv/bin/python bench/planted.py                       # runs `qingfeng run` on data/sample/inbox first
    .venv/bin/python bench/planted.py --run data/runs/<id>  # an existing run of the sample
    .venv/bin/python bench/planted.py --run DIR --planted data/bench/city_1/planted.csv

The answer key has one row per planted subject: `expect=flag`, a case the rule must find (for that ID number
and, where given, that programme), or `expect=none`, a trap the rule must not flag. Per rule: found = planted
flags with a case; missed = planted flags without one; false = cases that answer no planted flag (a flagged
trap, or a case nobody planted); precision = found / (found + false), recall = found / (found + missed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
sys.path.insert(0, str(ROOT))

from bench.world import key  # noqa: E402  (the answer key's reader and matching, one for every world)


def measure(cases_csv: Path, planted_csv: Path) -> dict:
    """Per rule (and 'all'): planted, found, missed, traps, traps_flagged, false, precision, recall."""
    cases, planted = key.read(cases_csv), key.read(planted_csv)
    rules = sorted({p["rule_id"] for p in planted} | {c["rule_id"] for c in cases})
    out = {}
    for rule in rules + ["all"]:
        ps = [p for p in planted if rule in ("all", p["rule_id"])]
        cs = [c for c in cases if rule in ("all", c["rule_id"])]
        flags = [p for p in ps if p["expect"] == "flag"]
        traps = [p for p in ps if p["expect"] != "flag"]
        found = sum(1 for p in flags if any(key.answers(c, p) for c in cs))
        false = sum(1 for c in cs if not any(key.answers(c, p) for p in flags))
        flagged_traps = [p for p in traps if any(key.answers(c, p) for c in cs)]
        out[rule] = {"planted": len(flags), "found": found, "missed": len(flags) - found, "traps": len(traps),
                     "traps_flagged": len(flagged_traps), "false": false,
                     "precision": round(found / (found + false), 3) if found + false else None,
                     "recall": round(found / len(flags), 3) if flags else None}
    return out


def table(result: dict) -> str:
    head = f"{'rule':<5} {'planted':>7} {'found':>6} {'missed':>6} {'traps':>6} {'trapped':>8} {'false':>6} " \
           f"{'precision':>9} {'recall':>7}"
    lines = [head]

    def fmt(v):
        return "-" if v is None else f"{v:.3f}"

    for rule, r in result.items():
        lines.append(f"{rule:<5} {r['planted']:>7} {r['found']:>6} {r['missed']:>6} {r['traps']:>6} "
                     f"{r['traps_flagged']:>8} {r['false']:>6} {fmt(r['precision']):>9} {fmt(r['recall']):>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, help="a run folder (with cases.csv); default: run the sample now")
    ap.add_argument("--planted", type=Path, default=SAMPLE / "planted.csv", help="the answer key")
    args = ap.parse_args(argv)
    run = args.run
    if run is None:
        sys.path.insert(0, str(ROOT / "bench"))
        from recognition import run_pipeline

        run = run_pipeline(SAMPLE / "inbox", Path(tempfile.mkdtemp(prefix="qf_planted_")))
    result = measure(run / "cases.csv", args.planted)
    print(f"cases: {run / 'cases.csv'}\nanswer key: {args.planted}\n")
    print(table(result))
    a = result["all"]
    return 0 if not a["traps_flagged"] and (a["precision"] or 0) >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())

"""The answer key of a synthetic world, one format at every size.

planted.csv: one row per planted subject. expect=flag: a case the rule must find for that ID number (and,
where given, that programme), with the months, amount and period it must report where the key gives them;
expect=none: a trap the rule must not flag. planted_rows.csv (the sample only): every input row the loader
must treat specially, by file, sheet and row number as Excel shows it (CSV: line number)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PLANTED_COLUMNS = ["rule_id", "expect", "subject_id_number", "subject_name", "programme", "months", "amount_yuan",
                   "period_from", "period_to", "note"]
PLANTED_ROWS_COLUMNS = ["file", "sheet", "row_no", "expect", "reason", "column", "expected", "note"]


def planted_row(rule: str, expect: str, id_number: str, name: str, programme: str, note: str,
                months: int | None = None, amount: float | None = None, period_from: dt.date | None = None,
                period_to: dt.date | None = None) -> dict:
    """One line of planted.csv; months and amount None leave them empty (only the case counts)."""
    return {"rule_id": rule, "expect": expect, "subject_id_number": id_number, "subject_name": name,
            "programme": programme, "months": "" if months is None else months,
            "amount_yuan": "" if amount is None else f"{amount:.2f}",
            "period_from": period_from.isoformat() if period_from else "",
            "period_to": period_to.isoformat() if period_to else "", "note": note}


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def write_planted(rows: list[dict], path: Path) -> list[dict]:
    """planted.csv, in the order rule, expect, subject, programme; returns the rows in that order."""
    rows = sorted(rows, key=lambda r: (r["rule_id"], r["expect"], r["subject_id_number"], r["programme"]))
    _write(path, PLANTED_COLUMNS, rows)
    return rows


@dataclass
class Mark:
    """What the loader must do with one deliberately special input row: a line of planted_rows.csv."""
    expect: str           # loaded | quarantined | structural | total_mismatch
    reason: str           # NORMALISED | RECOVERED | a quarantine reason code | title/header/total/footer/blank
    note: str
    column: str = ""      # the canonical column at issue
    expected: str = ""    # the value the loader must produce (loaded rows); the true sum (total_mismatch)

    def row(self, file: str, sheet: str, row_no: int) -> dict:
        return {"file": file, "sheet": sheet, "row_no": row_no, "expect": self.expect, "reason": self.reason,
                "column": self.column, "expected": self.expected, "note": self.note}


def write_planted_rows(rows: list[dict], path: Path) -> None:
    _write(path, PLANTED_ROWS_COLUMNS, sorted(rows, key=lambda r: (r["file"], r["sheet"], r["row_no"])))


def read(path: Path) -> list[dict]:
    """An answer key (or a run's cases.csv) as rows of strings."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def answers(case: dict, planted: dict) -> bool:
    """Whether a case (a row of a run's cases.csv) is the one a planted row means: the same rule and subject,
    and the same programme where the key names one."""
    return (case["rule_id"] == planted["rule_id"] and case["subject_id_number"] == planted["subject_id_number"]
            and (not planted.get("programme") or case["programme"] == planted["programme"]))


def compare(planted_csv: Path, cases_csv: Path) -> dict:
    """Every planted flag found once (months, amount and period equal where the key gives them), no trap
    flagged by its rule for that subject (and programme), and the cases nobody planted, per rule."""
    planted, cases = read(planted_csv), read(cases_csv)
    by_subject: dict = {}
    for c in cases:
        by_subject.setdefault((c["rule_id"], c["subject_id_number"]), []).append(c)
    out = {"missing": [], "mismatch": [], "trap_flagged": [], "unplanted": [], "per_rule": {}}
    flags = set()
    for p in planted:
        hits = [c for c in by_subject.get((p["rule_id"], p["subject_id_number"]), []) if answers(c, p)]
        stat = out["per_rule"].setdefault(p["rule_id"], Counter())
        if p["expect"] == "flag":
            flags.add((p["rule_id"], p["subject_id_number"]))
            stat["planted"] += 1
            if len(hits) != 1:
                out["missing"].append((p, hits))
                continue
            c = hits[0]
            bad = []
            if p["months"] and int(c["months"] or 0) != int(p["months"]):
                bad.append(f"months {c['months']} ≠ {p['months']}")
            if p["amount_yuan"] and Decimal(c["amount_yuan"] or 0) != Decimal(p["amount_yuan"]):
                bad.append(f"amount {c['amount_yuan']} ≠ {p['amount_yuan']}")
            if p["period_from"] and (c["period_from"], c["period_to"]) != (p["period_from"], p["period_to"]):
                bad.append(f"period {c['period_from']}…{c['period_to']} ≠ {p['period_from']}…{p['period_to']}")
            if bad:
                out["mismatch"].append((p, c, bad))
            else:
                stat["found"] += 1
        else:
            stat["traps"] += 1
            if hits:
                out["trap_flagged"].append((p, hits))
            else:
                stat["traps_clean"] += 1
    for c in cases:
        if (c["rule_id"], c["subject_id_number"]) not in flags:
            out["unplanted"].append(c)
            out["per_rule"].setdefault(c["rule_id"], Counter())["unplanted"] += 1
    return out


def print_comparison(res: dict) -> bool:
    print("rule  planted  found  traps  traps clean  unplanted")
    for rule, s in sorted(res["per_rule"].items()):
        print(f"{rule}   {s['planted']:7}  {s['found']:5}  {s['traps']:5}  {s['traps_clean']:11}  {s['unplanted']:9}")
    for p, hits in res["missing"][:20]:
        print(f"MISSING {p['rule_id']} {p['subject_id_number']} {p['programme']} ({p['note']}): {len(hits)} hits")
    for p, _c, bad in res["mismatch"][:20]:
        print(f"MISMATCH {p['rule_id']} {p['subject_id_number']} {p['programme']}: {'; '.join(bad)} ({p['note']})")
    for p, hits in res["trap_flagged"][:20]:
        print(f"TRAP FLAGGED {p['rule_id']} {p['subject_id_number']} {p['programme']} ({p['note']}): {hits[0]['evidence']}")
    for c in res["unplanted"][:30]:
        print(f"UNPLANTED {c['rule_id']} {c['subject_id_number']} {c['programme']}: {c['evidence']}")
    return not (res["missing"] or res["mismatch"] or res["trap_flagged"] or res["unplanted"])


# ---- command line --------------------------------------------------------------------------------------

"""Does header recognition generalise beyond the sample's own wordings (issue 16)? Leave-one-synonym-out
over the sample, and the sample rewritten by other offices (bench/world/dialects.py) through the real loader
and the real pipeline. bench/recognition.py prints the same measurements; docs/recognition.md has today's."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

sys.path.insert(0, str(ROOT / "bench"))
import recognition  # noqa: E402

# Measured on 2026-12-07 (docs/recognition.md): with header words alone 167 of 288 trials passed (58.0 %) and
# 8 loaded a wrong kind; with recognition by evidence 261 pass (90.6 %), none a wrong kind, 2 refused.
# Raise the rate as recognition improves; a wrong kind is never allowed.
LOO_MIN_PASS_RATE = 0.9
# seed 1, offices office_01 and office_02: every sheet its true kind, the original's cases
DIALECT_SEED = 1
DIALECT_OFFICES = 2


@pytest.fixture(scope="module")
def loo_rows() -> list[dict]:
    return recognition.leave_one_out(recognition.sample_sheets())


@pytest.fixture(scope="module")
def offices(tmp_path_factory) -> tuple[Path, list[tuple[str, dict]]]:
    root = tmp_path_factory.mktemp("dialects")
    dialects = recognition.dialects_module()
    return root, dialects.write_offices(SAMPLE / "inbox", root, DIALECT_OFFICES, DIALECT_SEED)


@pytest.fixture(scope="module")
def judged(offices) -> dict[str, list[dict]]:
    """What the real loader makes of each office's sheets, judged against the answer key."""
    root, done = offices
    return {office: recognition.judge(key, recognition.load_sheets_in_process(root / office / "inbox"))
            for office, key in done}


def test_kinds_from_reads_another_folder_and_restores(tmp_path):
    from sources import declarations, evidence, layout, recognise

    def cached():
        return [f for m in (layout, evidence) for f in vars(m).values() if callable(getattr(f, "cache_info", None))]

    recognition.declarations_without(tmp_path, "payments", "id_number", "身份证号")
    preview = [["姓名", "身份证号", "所属期", "发放金额"], ["吴根", "330822196105238564", "2020-03", "270"]]
    before = recognise.detect_layout(preview, "", "x.csv")
    assert before.kind.kind == "payments" and before.mapping["id_number"] == 1
    with declarations.kinds_from(tmp_path):
        assert all(f.cache_info().currsize == 0 for f in cached())      # no mapping of the other declarations
        assert "身份证号" not in declarations.kind("payments").columns["id_number"].synonyms
        assert "身份证号" in declarations.kind("death_records").columns["id_number"].synonyms
        recognise.detect_layout(preview, "", "x.csv")
    assert all(f.cache_info().currsize == 0 for f in cached())
    assert "身份证号" in declarations.kind("payments").columns["id_number"].synonyms
    after = recognise.detect_layout(preview, "", "x.csv")
    assert (after.kind.kind, after.mapping) == (before.kind.kind, before.mapping)


def test_leave_one_synonym_out_rate(loo_rows):
    table, overall = recognition.loo_table(loo_rows)
    assert {t["kind"] for t in table} >= {"payments", "persons", "death_records"}
    assert overall["pass_rate"] >= LOO_MIN_PASS_RATE, table
    assert overall["wrong_kind"] == 0, [r for r in loo_rows if r["outcome"] == "wrong_kind"]


def test_dialects_are_reworded_neutral_and_deterministic(offices, tmp_path):
    root, done = offices
    for office, key in done:
        files = sorted((root / office / "inbox").iterdir())
        assert [f.name for f in files] == sorted(key["files"])
        assert all(f.name.startswith("报送材料_") for f in files)
        headers = [h for f in key["files"].values() for s in f["sheets"] for h in s.get("headers", {}).values()]
        assert sum(h["held_out"] for h in headers) >= len(headers) // 5   # many wordings the declarations lack
        assert {s["kind"] for f in key["files"].values() for s in f["sheets"]} >= {"payments", "death_records", None}
    again = recognition.dialects_module().write_offices(SAMPLE / "inbox", tmp_path, 1, DIALECT_SEED)
    assert again[0][1] == done[0][1]
    csvs = sorted((root / done[0][0] / "inbox").glob("*.csv"))
    assert all(f.read_bytes() == (tmp_path / done[0][0] / "inbox" / f.name).read_bytes() for f in csvs)


def test_dialect_sheets_loaded_as_true_kind_or_refused(judged):
    wrong = [j for js in judged.values() for j in js if j["outcome"] == "wrong_kind"]
    assert wrong == [], json.dumps(wrong, ensure_ascii=False)
    for js in judged.values():
        assert all(j["reason"] for j in js if j["outcome"] == "refused"), js     # refused with a named reason
        assert any(j["outcome"] == "true_kind" for j in js)


def test_control_office_loads_the_same_records(tmp_path):
    """The generator keeps every record: with the sample's own wordings (columns shuffled, extra columns,
    its own title, neutral names, GBK CSV) the canonical tables and the quarantine equal the sample's."""
    (office, key), = recognition.dialects_module().write_offices(SAMPLE / "inbox", tmp_path, 0, DIALECT_SEED,
                                                                 control=True)
    judged = recognition.judge(key, recognition.load_sheets_in_process(tmp_path / office / "inbox"))
    assert all(j["outcome"] == ("true_kind" if j["true_kind"] else "refused") for j in judged), judged
    got = recognition.canonical_rows(tmp_path / office / "inbox")
    want = recognition.canonical_rows(SAMPLE / "inbox")
    assert sum(map(len, want.values())) > 1000
    for table in want:
        assert got[table] == want[table], table


def golden_cases() -> list[tuple]:
    """The original sample's cases: tests/golden/sample_cases.csv (what test_e2e checks a real run against)."""
    return recognition.read_cases(ROOT / "tests" / "golden", "sample_cases.csv")


# How many of the original's cases an office's wording may move to 待补数据 (a column the loader could not
# name: office_01 writes 初登日期 for 初次登记日期, so R08 and R16 cannot tell since when a car was held;
# measured on the sample of this commit: 4 in office_01, 0 in office_02). Lower it as recognition improves.
MOVED_MAX = 4


def test_dialect_cases_equal_original(offices, tmp_path):
    """Each office's files give the original's cases and no other: nothing invented by a misread column; a case
    its wording hid from the loader is 待补数据 for the same rule and person (never lost in silence), and at
    most MOVED_MAX of them."""
    root, done = offices
    original = set(golden_cases())
    assert original
    for office, _ in done:
        run = recognition.run_pipeline(root / office / "inbox", tmp_path / office)
        got = set(recognition.read_cases(run))
        assert not got - original, (office, "invented", sorted(got - original))
        moved = original - got
        with open(run / "needs_data.csv", encoding="utf-8-sig", newline="") as f:
            pending = {(r["规则编号"], r["身份证号"]) for r in csv.DictReader(f)}
        assert {(c[0], c[1]) for c in moved} <= pending, (office, "lost", sorted(moved))
        assert len(moved) <= MOVED_MAX, (office, sorted(moved))

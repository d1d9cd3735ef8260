"""End to end: the real `qingfeng run` (Prefect flow, DuckDB file, openpyxl) on the sample inbox."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
from conftest import AS_OF, SAMPLE, run_cli

GOLDEN = Path(__file__).parent / "golden" / "sample_cases.csv"


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def planted(rule_id: str | None = None) -> list[dict]:
    rows = read_csv(SAMPLE / "planted.csv")
    return [r for r in rows if rule_id is None or r["rule_id"] == rule_id]


def test_a_run_writes_every_output(sample_run):
    names = {p.name for p in sample_run.iterdir()}
    assert {"cases.csv", "cases.parquet", "quarantine.csv", "run.json", f"线索清单_{AS_OF}.xlsx"} <= names
    assert not [n for n in names if n.endswith(".part")]


def test_planted_cases_are_found_with_their_months_and_amounts(sample_run):
    """planted.csv: every flag is found with its months, amount and period where the answer key gives
    them (empty fields are not checked); no trap is flagged by its rule for that person (and programme,
    where given)."""
    cases = read_csv(sample_run / "cases.csv")
    for p in planted():
        hits = [c for c in cases if c["rule_id"] == p["rule_id"] and c["subject_id_number"] == p["subject_id_number"]
                and (not p["programme"] or c["programme"] == p["programme"])]
        if p["expect"] == "flag":
            assert len(hits) == 1, f"planted {p} not found"
            c = hits[0]
            if p["months"]:
                assert int(c["months"]) == int(p["months"]), (c, p)
            if p["amount_yuan"]:
                assert Decimal(c["amount_yuan"]) == Decimal(p["amount_yuan"]), (c, p)
            if p["period_from"]:
                assert c["period_from"] == p["period_from"] and c["period_to"] == p["period_to"], (c, p)
            assert p["subject_name"] in c["evidence"] or p["subject_id_number"] in c["evidence"]
        else:
            assert not hits, f"trap {p['note']} was flagged: {hits}"


def test_every_case_is_planted(sample_run):
    """The sample holds no case nobody planted: an unexpected case is a false positive or a sample bug."""
    flags = {(p["rule_id"], p["subject_id_number"]) for p in planted() if p["expect"] == "flag"}
    extra = [c for c in read_csv(sample_run / "cases.csv") if (c["rule_id"], c["subject_id_number"]) not in flags]
    assert not extra, [(c["rule_id"], c["subject_name"], c["evidence"]) for c in extra]


def test_cases_match_the_golden_file(sample_run):
    """tests/golden/sample_cases.csv is written by tests/regenerate_golden.py, never by hand."""
    assert read_csv(sample_run / "cases.csv") == read_csv(GOLDEN)


def test_run_json_accounts_for_every_row_of_every_file(sample_run_info):
    info = sample_run_info
    assert info["rows"]["reconciles"] is True
    assert info["rows"]["read"] == info["rows"]["loaded"] + info["rows"]["quarantined"] + info["rows"]["structural"]
    by_name = {f["file"]: f for f in info["files"]}
    assert set(by_name) == {p.name for p in (SAMPLE / "inbox").iterdir()}
    for f in info["files"]:
        assert len(f["sha256"]) == 64
        assert f["read"] == f["loaded"] + f["quarantined"] + f["structural"], f
    for rule_id, n in info["cases_per_rule"].items():
        assert n == len([p for p in planted(rule_id) if p["expect"] == "flag"]), rule_id
    assert set(info["timings_s"]) >= {"load", "validate", "rules", "outputs", "total"}
    assert {"file": "会议纪要_2021年1月.xlsx", "sheet": "Sheet1", "status": "unrecognised"}.items() <= \
        info["unrecognised"][0].items()


def test_workbook_has_text_ids_a_summary_and_a_sheet_per_rule(sample_run):
    wb = openpyxl.load_workbook(sample_run / f"线索清单_{AS_OF}.xlsx")
    assert wb.sheetnames[0] == "汇总"
    assert "R01 死亡后继续发放" in wb.sheetnames and "数据质量" in wb.sheetnames and "说明" in wb.sheetnames
    ws = wb["R01 死亡后继续发放"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["线索编号", "身份证号", "姓名"]
    assert ws.freeze_panes == "D2"     # 线索编号, 身份证号, 姓名 stay in view
    ids = [row[1] for row in ws.iter_rows(min_row=2)]
    assert ids and all(c.data_type == "s" and isinstance(c.value, str) and len(c.value) == 18 for c in ids)
    summary = [[c.value for c in row] for row in wb["汇总"].iter_rows()]
    assert any(r[0] == "R01" and r[2] == len(ids) for r in summary)
    assert any(r[0] == "会议纪要_2021年1月.xlsx" for r in summary), "the unrecognised file must be on the summary"


def test_an_unseen_inbox_with_other_file_names_works(tmp_path):
    """Kinds are recognised by header rows, not file names; an unknown file is reported, not skipped."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    renames = {"残联_2020年困难残疾人生活补贴发放明细.xlsx": "a1.xlsx", "公安_户籍注销人员_2020.xlsx": "b2.xlsx",
               "公安_户籍人口_常山县.xlsx": "c3.xlsx", "卫健_死亡医学证明_2020.csv": "d4.csv"}
    for src, dst in renames.items():
        shutil.copyfile(SAMPLE / "inbox" / src, inbox / dst)
    (inbox / "notes.csv").write_text("备忘,日期\n记得开会,2021-01-08\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli(["run", "--inbox", str(inbox), "--out", str(out), "--as-of", AS_OF], tmp_path / "data")
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {f["file"]: f["status"] for f in info["files"]}
    assert status == {"a1.xlsx": "loaded", "b2.xlsx": "loaded", "c3.xlsx": "loaded", "d4.csv": "loaded",
                      "notes.csv": "unrecognised"}
    assert [u["file"] for u in info["unrecognised"]] == ["notes.csv"]
    assert "notes.csv" in proc.stdout
    cases = [c for c in read_csv(out / "cases.csv") if c["rule_id"] == "R01"]
    expected = {p["subject_id_number"] for p in planted("R01") if p["expect"] == "flag"
                and p["programme"] == "困难残疾人生活补贴"}
    assert {c["subject_id_number"] for c in cases} == expected


def test_duckdb_settings_come_from_the_environment_and_are_recorded(sample_run_info, tmp_path):
    """The defaults (flows/settings.py) are what a run uses; QINGFENG_<SETTING> overrides one, and run.json
    says what the run had. A small memory limit makes DuckDB spill to the temp folder, not fail."""
    assert sample_run_info["duckdb_settings"] == {"threads": 2, "memory_limit": "3.7 GiB"}   # 4GB
    out = tmp_path / "run"
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(out), "--as-of", AS_OF, "--rules", "R01"],
                   tmp_path, env={"QINGFENG_DUCKDB_MEMORY_LIMIT": "200MB", "QINGFENG_DUCKDB_THREADS": "1"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["duckdb_settings"] == {"threads": 1, "memory_limit": "190.7 MiB"}
    assert info["cases_per_rule"]["R01"] == sample_run_info["cases_per_rule"]["R01"]


def test_precision_and_recall_on_the_planted_cases(sample_run):
    """bench/planted.py's measure on the sample (issue 17): no trap flagged, every planted flag found, and
    precision at least 0.9 overall and per rule."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from planted import measure

    result = measure(sample_run / "cases.csv", SAMPLE / "planted.csv")
    assert result["all"]["traps_flagged"] == 0, result
    assert result["all"]["recall"] == 1.0, result
    for rule, r in result.items():
        assert r["precision"] is None or r["precision"] >= 0.9, (rule, r)


def test_the_run_summary_shows_cases_by_rule_and_county_and_links_the_workbooks(sample_run_info):
    """The Prefect artifact on the run's page (outputs/runinfo.summary_markdown): a rule × county table with 未检查
    where a county lacked the rule's inputs, and a link to every workbook."""
    from outputs.runinfo import summary_markdown

    text = summary_markdown(sample_run_info)
    assert "| 规则 | 常山县 | 江山市 |" in text
    r16 = len([p for p in planted("R16") if p["expect"] == "flag"])    # the answer key's R16 cases, all in 常山县
    assert f"| R16 | {r16} | 未检查 |" in text       # 江山市 sent no 危房改造 list
    links = [line for line in text.splitlines() if line.startswith("- [") and "](file://" in line]
    assert len(links) == len(sample_run_info["workbooks"]) >= 1

"""Each rule's flags and traps (tests/rules/<id>.yaml) on a real DuckDB, and meta-tests that keep the
catalogue honest: complete headers, evidence = the query's columns, cases and traps for every rule."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest
import yaml
from conftest import empty_warehouse, fetch_dicts, insert_rows

from rules import catalog, derived

CASE_DIR = Path(__file__).parent / "rules"
TABLES = ("persons", "payments", "death_records", "cadres", "payroll", "kin_filings", "vehicles", "businesses",
          "projects", "compensation_agreements", "compensation_payouts", "prison_terms",
          "housing_aid", "disability_certs", "low_income", "std_settings")


def _case_files():
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CASE_DIR.glob("R*.yaml"))}


def pytest_generate_tests(metafunc):
    if "rule_case" in metafunc.fixturenames:
        cases = [(doc["rule"], c) for doc in _case_files().values() for c in doc["cases"]]
        metafunc.parametrize("rule_case", cases, ids=[c["id"] for _, c in cases])


def _same(actual, expected) -> bool:
    if isinstance(actual, decimal.Decimal):
        return actual == decimal.Decimal(str(expected))
    if isinstance(actual, dt.date) and not isinstance(expected, dt.date):
        return actual.isoformat() == str(expected)
    if isinstance(actual, str):
        return actual == str(expected)   # YAML reads an all-digit ID number as an int
    return actual == expected


def run_case(rule_id: str, case: dict) -> list[dict]:
    con = empty_warehouse()
    for table in TABLES:
        if case.get(table):
            insert_rows(con, table, case[table])
    derived.derive(con)
    rule = catalog.select_rules([rule_id])[0]
    params = case.get("params")
    catalog.run_rule(con, rule, params)
    catalog.run_needs(con, rule, params)
    needs = fetch_dicts(con, f"select * from needs_{rule_id}")
    if "unchecked" in case:     # the subjects the rule could not check (its header's `unchecked:` table)
        table = rule.header["unchecked"]["table"]
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == case["unchecked"], case["id"]
    return fetch_dicts(con, f"select * from case_{rule_id}"), needs


def assert_rows(what: str, got: list[dict], expected: list[dict]) -> None:
    """`got` has exactly as many rows as `expected`, and each expected row (a subset of columns) matches one."""
    assert len(got) == len(expected), f"{what}: expected {len(expected)} row(s), got {got}"
    for exp in expected:
        matches = [g for g in got if all(_same(g[k], v) for k, v in exp.items())]
        assert matches, f"{what}: no row matches {exp}; got {got}"


def test_rule_case(rule_case):
    rule_id, case = rule_case
    got, needs = run_case(rule_id, case)
    assert_rows(f"{case['id']} cases", got, case["expect"])
    assert_rows(f"{case['id']} 待补数据", needs, case.get("needs") or [])
    # words the cases' facts and evidence must say (every case of the test), or must not
    for col in ("facts", "evidence"):
        for word in case.get(f"{col}_contain") or []:
            assert got and all(word in (g[col] or "") for g in got), f"{case['id']}: {col} lacks {word!r}: {got}"
        for word in case.get(f"{col}_lack") or []:
            assert not any(word in (g[col] or "") for g in got), f"{case['id']}: {col} says {word!r}: {got}"


# ---- the catalogue ------------------------------------------------------------------------------

def test_every_rule_has_a_complete_header():
    rules = catalog.catalog()
    assert rules, "the catalogue is empty"
    for r in rules:
        for f in ("id", "title", "name_zh", "severity", "rationale", "basis", "verify", "subject", "case_key", "evidence"):
            assert r.header.get(f), f"{r.path.name}: header field {f} is empty"
        assert set(r.header["case_key"]) <= set(r.evidence), f"{r.path.name}: case_key must be evidence columns"


def test_evidence_equals_the_query_columns():
    con = empty_warehouse()
    derived.derive(con)
    for r in catalog.catalog():
        cols = [d[0] for d in con.execute(f"select * from ({r.sql}) limit 0", r.bound_params()).description]
        assert cols == r.evidence, f"{r.path.name}: query returns {cols}"
        if r.needs_sql:
            cols = [d[0] for d in con.execute(f"select * from ({r.needs_sql}) limit 0",
                                               r.bound_params(None, r.needs_sql)).description]
            assert tuple(cols) == catalog.NEEDS_COLUMNS, f"{r.path.name}: needs_data query returns {cols}"


def test_every_rule_has_cases_that_flag_and_traps_that_do_not():
    files = _case_files()
    for r in catalog.catalog():
        doc = files.get(r.id)
        assert doc, f"no tests/rules/{r.id}.yaml"
        assert any(c["expect"] for c in doc["cases"]), f"{r.id}: no case that must flag"
        assert any(not c["expect"] for c in doc["cases"]), f"{r.id}: no trap that must not flag"


def test_every_rule_has_a_label_for_each_evidence_column():
    from outputs import workbook

    for r in catalog.catalog():
        own = r.header.get("labels") or {}
        missing = [c for c in r.evidence if c not in own and c not in workbook.labels()]
        assert not missing, f"{r.id}: no Chinese label for {missing} (cases/labels.yaml)"


def test_rule_ids_are_unique_and_match_file_names():
    ids = [r.id for r in catalog.catalog()]
    assert len(ids) == len(set(ids))
    for r in catalog.catalog():
        assert r.path.name.startswith(r.id + "_")


def test_a_broken_header_is_refused(tmp_path):
    bad = tmp_path / "R99_bad.sql"
    bad.write_text("/*\nid: R99\ntitle: x\n*/\nselect 1", encoding="utf-8")
    with pytest.raises(catalog.RuleError, match="header lacks"):
        catalog.parse_rule(bad)


def test_a_rule_lists_what_it_could_not_decide_apart_from_its_cases(tmp_path):
    """The query after `-- needs_data` is the rule's 待补数据: its tables count as the rule's inputs, its
    columns are fixed, and run_rules gathers its rows into needs_data (never into cases)."""
    r01 = next((CASE_DIR.parent.parent / "rules").glob("R01_*.sql"))
    sql = r01.read_text(encoding="utf-8").split("\n-- needs_data\n")[0]   # R01 without its own
    needs = ("\n-- needs_data\nselect id_number as subject_id_number, name as subject_name, NULL as county, "
             "NULL as township, NULL as village, '死亡日期（无法识别）' as missing, '是否死亡后仍发放' as decides, "
             "source_file, sheet, row_no from death_records where death_on is null")
    path = tmp_path / "R01_copy.sql"
    path.write_text(sql + needs, encoding="utf-8")
    rule = catalog.parse_rule(path)
    assert rule.needs_sql.startswith("select id_number") and "needs_data" not in rule.sql
    con = empty_warehouse()
    insert_rows(con, "death_records", "id_number,name,source,dereg_on\n11010519491231002X,张三,公安注销,2020-02-02")
    derived.derive(con)
    assert catalog.run_rules(con, [rule]) == {"R01": 0}
    assert fetch_dicts(con, "select rule_id, subject_name, missing from needs_data") == [
        {"rule_id": "R01", "subject_name": "张三", "missing": "死亡日期（无法识别）"}]
    path.write_text(sql + needs.replace(", source_file, sheet", ", sheet"), encoding="utf-8")
    with pytest.raises(catalog.RuleError, match="needs_data query returns"):
        catalog.run_needs(con, catalog.parse_rule(path))


def test_every_case_says_what_decided_it_and_what_was_missing(tmp_path):
    """Issue 17: `facts` (认定依据与缺失信息) is a case column of every rule, just before the evidence, and
    a rule without it is refused."""
    for r in catalog.catalog():
        assert r.evidence[r.evidence.index("evidence") - 1] == "facts", r.id
    src = next((CASE_DIR.parent.parent / "rules").glob("R04_*.sql")).read_text(encoding="utf-8")
    bad = tmp_path / "R04_copy.sql"
    bad.write_text(src.replace(" facts,", "", 1), encoding="utf-8")
    with pytest.raises(catalog.RuleError, match="facts"):
        catalog.parse_rule(bad)
    got, _ = run_case("R04", next(c for c in _case_files()["R04"]["cases"] if c["expect"]))
    assert all(g["facts"].startswith("据以认定") for g in got), got

"""Each rule's flags and traps (tests/rules/<id>.yaml) on a real DuckDB, and meta-tests that keep the
catalogue honest: complete headers, evidence = the query's columns, cases and traps for every rule."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest
import yaml

from conftest import empty_warehouse, fetch_dicts, insert_rows
from rules import catalog
from sources import validate

CASE_DIR = Path(__file__).parent / "rules"
TABLES = ("persons", "payments", "death_records", "cadres", "payroll", "kin_filings", "vehicles", "businesses",
          "projects", "compensation_agreements", "compensation_payouts")


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
    validate.derive(con)
    rule = catalog.select_rules([rule_id])[0]
    params = case.get("params")
    catalog.run_rule(con, rule, params)
    return fetch_dicts(con, f"select * from case_{rule_id}")


def test_rule_case(rule_case):
    rule_id, case = rule_case
    got = run_case(rule_id, case)
    expected = case["expect"]
    assert len(got) == len(expected), f"{case['id']}: expected {len(expected)} case(s), got {got}"
    for exp in expected:
        matches = [g for g in got if all(_same(g[k], v) for k, v in exp.items())]
        assert matches, f"{case['id']}: no case matches {exp}; got {got}"
    # words the cases' facts and evidence must say (every case of the test)
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
    validate.derive(con)
    for r in catalog.catalog():
        cols = [d[0] for d in con.execute(f"select * from ({r.sql}) limit 0", r.bound_params()).description]
        assert cols == r.evidence, f"{r.path.name}: query returns {cols}"


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
        assert not missing, f"{r.id}: no Chinese label for {missing} (outputs/labels.yaml)"


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

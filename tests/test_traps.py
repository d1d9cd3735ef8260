"""The trap catalogue (tests/traps/<ID>.yaml, tests/traps_catalogue.py): each trap is a small inbox worded as a
department words its files, run through the real loader (read → recognise → stage → derive; Great Expectations
is left out for speed: it only quarantines more) and then the one rule. Every file must load, so that a trap
never "passes" because its file was refused; the rule's cases and 待补数据 must be what the trap says.

And every Traps bullet of domain.md §8.2 (the rules built of R01–R18) is answered: by a trap here or by a decision in the rule's
header. The count is printed at the end of the test session (conftest.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest
import traps_catalogue
from conftest import fetch_dicts
from test_rules import assert_rows

from rules import catalog, derived
from sources import load, stage

AS_OF = dt.date(2021, 1, 15)
NUMBER = re.compile(r"-?[0-9]{1,12}(\.[0-9]+)?")


def _traps():
    return [(doc["rule"], t) for doc in traps_catalogue.trap_files().values() for t in doc.get("traps") or []]


def pytest_generate_tests(metafunc):
    if "trap" in metafunc.fixturenames:
        traps = _traps()
        metafunc.parametrize("trap", traps, ids=[t["id"] for _, t in traps])


def write_inbox(inbox: Path, files: dict[str, str]) -> None:
    """Each file as the trap gives it: CSV text written as UTF-8 (or GBK for a name ending .gbk.csv), or
    for a name ending .xlsx a workbook of the CSV's rows (numbers of up to 12 digits as numbers, as a
    clerk's sheet holds them; longer ones, ID numbers and accounts, as text)."""
    inbox.mkdir(parents=True)
    for name, text in files.items():
        if name.endswith(".xlsx"):
            wb = openpyxl.Workbook()
            for row in csv.reader(io.StringIO(text.strip("\n"))):
                wb.active.append([float(v) if NUMBER.fullmatch(v) and "." in v else int(v) if NUMBER.fullmatch(v)
                                  else (v or None) for v in row])
            wb.save(inbox / name)
        elif name.endswith(".gbk.csv"):
            (inbox / name.replace(".gbk.csv", ".csv")).write_bytes(text.encode("gbk"))
        else:
            (inbox / name).write_text(text, encoding="utf-8")


def run_trap(rule_id: str, trap: dict, tmp: Path):
    inbox = tmp / "inbox"
    write_inbox(inbox, trap["files"])
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp / "scratch")
    as_of = trap.get("as_of") or AS_OF
    stage.stage_all(con, as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)))
    for key, value in (trap.get("settings") or {}).items():   # std_settings as an analyst would set them
        con.execute("insert into std_settings values ('trap', ?, ?)", [key, str(value).lower()])
    derived.derive(con)
    rule = catalog.select_rules([rule_id])[0]
    catalog.run_rule(con, rule, trap.get("params"))
    catalog.run_needs(con, rule, trap.get("params"))
    return con, rule


def test_trap(trap, tmp_path):
    rule_id, t = trap
    con, rule = run_trap(rule_id, t, tmp_path)
    sheets = fetch_dicts(con, """select f.file_name, f.status as file_status, coalesce(s.reason, f.reason) as reason,
                                        s.kind, s.status from source_files f left join source_sheets s using (file_id)""")
    unused = [s for s in sheets if s["status"] not in ("loaded",)]
    assert not unused, f"{t['id']}: files the loader did not use (the trap would prove nothing): {unused}"
    held = fetch_dicts(con, "select kind, sheet, row_no, reason, reason_column from quarantine")
    assert len(held) == t.get("quarantined", 0), f"{t['id']}: rows quarantined: {held}"
    for name, kind in (t.get("kinds") or {}).items():
        assert {s["kind"] for s in sheets if s["file_name"] == name} == {kind}, f"{t['id']}: {name} not read as {kind}"
    cases = fetch_dicts(con, f"select * from case_{rule_id}")
    needs = fetch_dicts(con, f"select * from needs_{rule_id}")
    assert_rows(f"{t['id']} cases", cases, t.get("expect") or [])
    assert_rows(f"{t['id']} 待补数据", needs, t.get("needs") or [])


def test_trap_ids_are_unique_and_files_name_their_rule():
    ids = [t["id"] for _, t in _traps()]
    assert len(ids) == len(set(ids)), "duplicate trap ids"
    for stem, doc in traps_catalogue.trap_files().items():
        assert doc["rule"] == stem, f"tests/traps/{stem}.yaml is for rule {doc['rule']}"
        for t in doc.get("traps") or []:
            assert t["id"].startswith(stem + "_") and t.get("bullet") and t.get("files"), t.get("id")


def test_every_traps_bullet_of_the_domain_is_answered():
    """Each Traps bullet of domain.md §8.2 for the rules built of R01–R18: a trap inbox, or a decision in the rule's header."""
    rules = catalog.catalog()
    cov = traps_catalogue.coverage(rules)
    errors = [e for c in cov.values() for e in c["errors"]]
    assert not errors, "\n".join(errors)
    answered, total, missing = traps_catalogue.summary(rules)
    assert total >= 40, f"only {total} bullets found in domain.md §8.2: the parser lost some"
    assert not missing, f"{len(missing)} of {total} Traps bullets unanswered:\n" + "\n".join(missing)


@pytest.mark.skipif(not traps_catalogue.SHARED_DOMAIN.exists(), reason="domain.md is not beside this checkout")
def test_the_copy_of_the_rule_catalogue_equals_domain_md():
    """tests/domain_8_2.md (read where ../shared/reference/domain.md is absent, e.g. a clone elsewhere) is
    domain.md's §8.2 as it is now: `python tests/traps_catalogue.py --copy` refreshes it."""
    text = traps_catalogue.SHARED_DOMAIN.read_text(encoding="utf-8")
    assert traps_catalogue.DOMAIN_COPY.read_text(encoding="utf-8") == traps_catalogue.section_8_2(text)


def test_the_bullet_parser_reads_indented_and_inline_lists(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("### 8.2 The rules\n\n#### R01 x\n* **Traps:**\n  * arrears;\n  * a typo.\n* **Evidence:** y\n\n"
                   "#### R03 z\n* **Traps:** one member stayed; a move (still eligible; tier); back.\n", encoding="utf-8")
    assert traps_catalogue.domain_traps(doc) == {"R01": ["arrears", "a typo"],
                                                 "R03": ["one member stayed", "a move (still eligible; tier)", "back"]}

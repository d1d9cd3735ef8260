"""The committed sample is what its generator writes (same cell values), and covers what the issues ask."""

from __future__ import annotations

import csv
import importlib.util
import sys

import openpyxl

from conftest import SAMPLE


def load_generator():
    spec = importlib.util.spec_from_file_location("qingfeng_sample_generate", SAMPLE / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["qingfeng_sample_generate"] = mod   # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


def cell_values(path):
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    return path.read_bytes()


def test_generator_reproduces_the_committed_sample(tmp_path):
    load_generator().generate(tmp_path)
    committed = sorted(p.name for p in (SAMPLE / "inbox").iterdir())
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == committed
    for name in committed:
        assert cell_values(tmp_path / "inbox" / name) == cell_values(SAMPLE / "inbox" / name), name
    assert (tmp_path / "planted.csv").read_text(encoding="utf-8") == (SAMPLE / "planted.csv").read_text(encoding="utf-8")


def test_sample_has_the_formats_departments_send():
    inbox = SAMPLE / "inbox"
    suffixes = {p.suffix for p in inbox.iterdir()}
    assert {".xlsx", ".csv"} <= suffixes
    gbk = [p for p in inbox.glob("*.csv") if not _is_utf8(p.read_bytes())]
    assert gbk, "at least one GBK-encoded CSV"
    titled = openpyxl.load_workbook(inbox / "残联_2020年困难残疾人生活补贴发放明细.xlsx").active
    assert "花名册" in titled["A1"].value
    assert any(str(row[0].value).startswith("合计") for row in titled.iter_rows())


def test_sample_plants_cases_and_traps_for_every_rule():
    rows = list(csv.DictReader(open(SAMPLE / "planted.csv", encoding="utf-8")))
    from rules import catalog

    for r in catalog.catalog():
        assert any(p["rule_id"] == r.id and p["expect"] == "flag" for p in rows), r.id
        assert any(p["rule_id"] == r.id and p["expect"] == "none" for p in rows), r.id


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False

"""What people open is safe, whatever a department wrote: no CSV or workbook cell of a run starts a formula
(OWASP CSV injection), no control character reaches an output or stops a writer, a township name too long for
the file system still gets its own workbook, and amounts are read as departments write them, the ambiguous
ones quarantined. One real `qingfeng run` (Prefect, DuckDB file, openpyxl) on a small hostile inbox, and the
macros on literal values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import AS_OF, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from outputs import cells, tables, workbook

# What a spreadsheet may read as a formula at the start of a cell, and what may start one anyway.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")       # what an xlsx cannot hold (openpyxl refuses it)

from hostile_corpus import (  # noqa: E402
    AMOUNT_IDS,
    AMOUNTS_READ,
    AMOUNTS_REFUSED,
    DDE,
    HOSTILE,
    HYPERLINK,
    LONG_TOWNSHIP,
    with_check,
    write_csv,
)


@pytest.fixture(scope="module")
def hostile_run(hostile_night) -> Path:
    """The one real run on the hostile inbox (conftest.hostile_night: the sample, tests/hostile_corpus.py's
    files and formula_inbox's, split by township); returns its folder (the warehouse beside it)."""
    assert hostile_night.proc.returncode == 0, hostile_night.proc.stdout[-3000:] + hostile_night.proc.stderr[-5000:]
    return hostile_night.out


def csv_cells(path: Path) -> list[list[str]]:
    csv.field_size_limit(sys.maxsize)     # a hostile cell of megabytes is kept whole in quarantine.csv
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def workbook_cells(path: Path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from ((ws.title, c) for c in row)


# ---- the run: it completes, and nothing it writes opens with a formula or a control character ----------------

def test_the_hostile_run_completes_and_writes_every_output(hostile_run):
    names = {p.name for p in hostile_run.iterdir()}
    assert {"cases.csv", "cases.parquet", "quarantine.csv", "needs_data.csv", "run.json",
            f"线索清单_{AS_OF}.xlsx"} <= names
    info = json.loads((hostile_run / "run.json").read_text(encoding="utf-8"))
    assert info["rows"]["reconciles"] is True
    assert info["cases_per_rule"]["R01"] >= len(HOSTILE)       # every hostile payee was listed, none lost


def test_no_csv_cell_starts_a_formula_or_holds_a_control_character(hostile_run):
    seen = set()
    paths = sorted(hostile_run.rglob("*.csv"))
    assert {p.name for p in paths} >= {"cases.csv", "quarantine.csv", "needs_data.csv"}
    for path in paths:
        for n, row in enumerate(csv_cells(path), start=1):
            for value in row:
                assert not CONTROL.search(value), (path.name, n, value)
                if value.startswith(FORMULA_START):
                    assert PLAIN_NUMBER.fullmatch(value), (path.name, n, value)
                seen.add(value)
    # the hostile text is there, neutralised (the test cannot pass by losing it)
    assert {"'" + HYPERLINK, "'" + DDE, "'+1+1", "'@SUM(1)", "'-2+3"} <= seen
    # the file name, in quarantine.csv (in its subfolder; its control character shown as ␁)
    assert any("=cmd|' C calc'!A0 低保" in v and v.endswith("补充.csv") for v in seen)


def test_csv_plain_numbers_keep_their_sign(hostile_run):
    """A month typed as -300.00 and an amount typed as -2+3 are both quarantined: in quarantine.csv the plain
    number stays as it is, the expression is quoted."""
    rows = csv_cells(hostile_run / "quarantine.csv")
    head = rows[0]
    values = {(r[head.index("原因代码")], r[head.index("单元格内容")]) for r in rows[1:]}
    assert {("BAD_MONTH", "-300.00"), ("BAD_AMOUNT", "'-2+3")} <= values


def test_parquet_keeps_the_raw_values_for_machines(hostile_run):
    villages = {r[0] for r in duckdb.sql(f"select village from read_parquet('{hostile_run / 'cases.parquet'}')").fetchall()}
    assert {HYPERLINK, DDE, "+1+1"} <= villages


def test_every_workbook_opens_without_a_formula_or_control_character(hostile_run):
    paths = sorted(hostile_run.rglob("*.xlsx"))
    assert len(paths) >= 3                  # the run's, and one per township (天马街道, the long one, the sample's)
    seen = set()
    for path in paths:
        for title, c in workbook_cells(path):
            assert c.data_type != "f", (path.name, title, c.coordinate, c.value)
            if isinstance(c.value, str):
                assert not c.value.startswith("="), (path.name, title, c.coordinate, c.value)
                assert not CONTROL.search(c.value), (path.name, title, c.coordinate, c.value)
                seen.add(c.value)
        assert not any(CONTROL.search(t) for t in openpyxl.load_workbook(path).sheetnames)
    assert {"'" + HYPERLINK, "'" + DDE, "'+1+1", "'@SUM(1)"} <= seen
    assert "张三" in seen and "赵六" in seen                       # control characters gone, the name kept


def test_a_township_too_long_for_a_file_name_gets_a_short_name_and_keeps_its_own(hostile_run):
    split = sorted((hostile_run / "按乡镇").iterdir())
    long_one = next(p for p in split if "长长长" in p.name)
    assert len(long_one.name.encode("utf-8")) <= 200
    assert re.fullmatch(rf"线索清单_{AS_OF}_常山县_长+_[0-9a-f]{{8}}\.xlsx", long_one.name)
    wb = openpyxl.load_workbook(long_one)
    scope = next(r[1].value for r in wb["汇总"].iter_rows() if r[0].value == "范围")
    assert scope == f"常山县 {LONG_TOWNSHIP}"                       # the full name, inside
    assert LONG_TOWNSHIP in wb.properties.title
    cases = [c.value for _, c in workbook_cells(long_one) if c.value == "'" + HYPERLINK]
    assert cases, "the long township's case is in its workbook"


def test_screening_a_hostile_list_writes_a_safe_workbook(hostile_run, tmp_path):
    """`qingfeng screen` (in process) of a list whose payees are formulas and control characters, none of them
    in the register: every row is held, and the workbook of held rows opens clean."""
    from flows.screening import screen_now

    listing = tmp_path / "拟发放\x1f名单.csv"
    write_csv(listing, ["姓名", "身份证号", "补贴类型", "所属期", "发放金额"],
              [[name, with_check(f"33082219700101{i:03d}"), "低保", "2021-01", "750"] for i, name in enumerate(HOSTILE)])
    summary = screen_now(str(listing), str(tmp_path / "out"), AS_OF, str(hostile_run.parent / "warehouse.duckdb"))
    assert summary["held"] == len(HOSTILE), summary
    values = set()
    for title, c in workbook_cells(tmp_path / "out" / summary["workbook"]):
        assert c.data_type != "f", (title, c.coordinate, c.value)
        if isinstance(c.value, str):
            assert not c.value.startswith("=") and not CONTROL.search(c.value), (c.coordinate, c.value)
            values.add(c.value)
    assert {"'" + HYPERLINK, "'+1+1", "'@SUM(1)", "'-2+3"} <= values
    assert not CONTROL.search((tmp_path / "out" / "screen.json").read_text(encoding="utf-8"))


# ---- amounts as departments write them ------------------------------------------------------------------------

def test_amount_forms_are_read_and_ambiguous_ones_quarantined(hostile_run):
    con = duckdb.connect(str(hostile_run.parent / "warehouse.duckdb"), read_only=True)
    got = dict(con.execute("select id_number, amount_yuan from payments where entitlement_month = date '2020-05-01'")
               .fetchall())
    con.close()
    assert {a: got.get(AMOUNT_IDS[a]) for a in AMOUNTS_READ} == AMOUNTS_READ
    assert not [a for a in AMOUNTS_REFUSED if AMOUNT_IDS[a] in got]
    rows = csv_cells(hostile_run / "quarantine.csv")
    head = rows[0]
    quarantined = {r[head.index("单元格内容")]: r for r in rows[1:] if r[head.index("原因代码")] == "BAD_AMOUNT"}
    assert set(AMOUNTS_REFUSED) | {"7 50"} <= set(quarantined)
    assert all(quarantined[a][head.index("隔离原因")] for a in AMOUNTS_REFUSED)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute((ROOT / "sources" / "macros.sql").read_text(encoding="utf-8"))
    c.execute(tables.CSV_TEXT_MACRO)
    return c


@pytest.mark.parametrize("text,amount", [
    *AMOUNTS_READ.items(), ("1200 元", Decimal("1200.00")), ("RMB 1,200", Decimal("1200.00")),
    ("-1,234.56元", Decimal("-1234.56")), ("270.000", Decimal("270.00")), (".5", Decimal("0.50")),
    ("0.30000000000000004", Decimal("0.30")),        # a float a spreadsheet computed: noise, not a third decimal
    ("1_000", None), ("2 70", None), ("2\u300070", None), ("1 200", None), ("270.004", None), ("1,234.567", None),
    ("12,00", None), ("1,2345", None), ("1e3", None), ("1.2.3", None), ("9999999999999", None),
])
def test_amounts_read_and_refused(con, text, amount):
    assert con.execute("select qf_amount(qf_narrow(qf_text(?)))", [text]).fetchone()[0] == amount


# ---- the pieces, on literal values ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,safe", [
    (HYPERLINK, "'" + HYPERLINK), (DDE, "'" + DDE), ("+1+1", "'+1+1"), ("@SUM(1)", "'@SUM(1)"), ("-2+3", "'-2+3"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"), ("-", "'-"), ("-1e5", "'-1e5"),
    ("-300.00", "-300.00"), ("+5", "+5"), ("-.5", "-.5"), ("300", "300"), ("张三", "张三"), ("", ""), (None, None),
    ("\x01=cmd", "'=cmd"), ("张\x00三\x1b\x1f", "张三"), ("a\tb\nc", "a\tb\nc"), ("'=x", "'=x"),
])
def test_csv_text_macro(con, text, safe):
    assert con.execute("select qf_csv_text(?)", [text]).fetchone()[0] == safe


def test_csv_text_is_applied_to_every_text_column_and_keeps_the_order(con, tmp_path):
    con.execute("create or replace table t as select * from (values (2, '=b', -1.5::decimal(4, 1)), (1, '+a', 2.0)) "
                "v(n, s, d)")
    sql = tables.for_people(con, 'select n, s as "列 ""s""", d from t order by n')
    assert con.execute(sql).fetchall() == [(1, "'+a", Decimal("2.0")), (2, "'=b", Decimal("-1.5"))]


def test_a_cell_with_control_characters_or_a_formula_is_written_as_text(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(cells.safe_sheet_title("R01\x00 [死亡]/后:发放*?" + "长" * 40))
    ws.append([cells._styled(ws, "\x00=cmd|' /C calc'!A0\x1b"), cells.cell_value("王\x1f五"), 1])
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert back.sheetnames == ["R01 死亡后发放" + "长" * 22]          # 31 characters
    assert [c.value for c in next(back.active.iter_rows())] == ["'=cmd|' /C calc'!A0", "王五", 1]


@pytest.mark.parametrize("title,safe", [("'引号'", "引号"), ("[]:*?/\\", "Sheet"), ("\x01", "Sheet"),
                                        ("汇总", "汇总"), ("a" * 40, "a" * 31)])
def test_sheet_titles_excel_accepts(title, safe):
    assert cells.safe_sheet_title(title) == safe


def test_file_names_from_data_are_short_and_distinct():
    assert cells.file_name_part("天马街道") == "天马街道"
    names = [cells.file_name_part(t) for t in (LONG_TOWNSHIP, LONG_TOWNSHIP + "二", "a/b", "ab", "a\\b", "..", "a\u202eb")]
    assert len(set(names)) == len(names)
    assert all(not re.search(r'[\\/:*?"<>|\x00-\x1f\u202e]', n) and len(n) <= 49 for n in names), names
    assert names[3] == "ab" and names[2].startswith("ab_")
    name = workbook.workbook_name(dt.date(2021, 1, 15), cells.Part("常" * 100, LONG_TOWNSHIP), mask=True)
    assert len(name.encode("utf-8")) < 200 and name.endswith("_脱敏.xlsx")


def test_inspect_on_the_terminal_carries_no_control_sequence():
    from outputs import inspect_text

    text = inspect_text.render([{"file": "低保\x1b]0;标题\x07.csv", "status": "unreadable", "reason": "\x1b[31m无法读取\x9b2J",
                                 "sheets": []}])
    assert text == "■ 低保]0;标题.csv  [无法读取]  [31m无法读取2J\n"


# Any text: every Unicode character but lone surrogates (no UTF-8 file can hold one), and the hostile ones.
ANY_TEXT = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
                     st.tuples(st.sampled_from([*HOSTILE, *FORMULA_START, "\x00", "\x1b", "\x7f"]), st.text(max_size=8))
                     .map("".join))


@given(st.lists(ANY_TEXT, min_size=1, max_size=30))
@settings(max_examples=40, deadline=None)
def test_any_text_is_written_safely_to_a_csv_and_a_workbook(con, texts):
    """Whatever the text, the CSV macro's result and a workbook cell made by cell_value never start a formula
    (unless a plain number) and hold no control character; the workbook saves and opens with every cell text."""
    for text, safe in zip(texts, con.execute("select list_transform(?, lambda t: qf_csv_text(t))", [texts]).fetchone()[0]):
        assert not CONTROL.search(safe), (text, safe)
        assert not safe.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(safe), (text, safe)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(cells.safe_sheet_title(texts[0]))
    ws.append([cells._styled(ws, t) for t in texts])
    buf = io.BytesIO()
    wb.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert len(back.sheetnames[0]) <= 31 and not CONTROL.search(back.sheetnames[0])
    for c in next(back.active.iter_rows(), []):
        assert c.data_type != "f" and not CONTROL.search(str(c.value or "")), c.value
        assert not str(c.value or "").startswith("="), c.value


def test_a_text_longer_than_a_cell_holds_is_cut_and_marked():
    v = cells.cell_value("=" + "长" * 40000)
    assert len(v) == cells.CELL_MAX and v.startswith("'=长") and v.endswith("长…")


@pytest.mark.parametrize("raw,amount", [
    ("1,234.5元", Decimal("1234.50")), ("¥1,234", Decimal("1234.00")), (" 300 ", Decimal("300.00")), (720, Decimal("720.00")),
    (0.30000000000000004, Decimal("0.30")), ("2 70", None), ("1_000", None), ("12,00", None), ("1e3", None),
    ("12.345", None),
])
def test_returned_feedback_amounts_are_read_as_staging_reads_them(raw, amount):
    from cases.feedback import _amount

    if amount is None:
        with pytest.raises(ValueError):
            _amount(raw)
    else:
        assert _amount(raw) == amount

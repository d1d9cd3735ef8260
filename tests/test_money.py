"""Money by meaning (cases/money.py), 按人汇总 (outputs/person_sheet.py), 原始数据 and its links
(outputs/evidence_sheet.py), 核查单 (outputs/check_form.py).

A small world runs the real R01, R02, R04 and R14 on literal rows and writes the real workbook; the links to
原始数据 are checked on the sample run, whose rows come from real files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil

import duckdb
import openpyxl
import pytest
from conftest import SAMPLE, empty_warehouse, insert_rows

from cases import ledger, money
from outputs import check_form, workbook
from rules import catalog, derived

RULES = catalog.select_rules(["R01", "R02", "R04", "R14"])
ZHANG, LI, WANG = "11010519491231002X", "440524188001010014", "330822196201024224"
CARE, LIVING = "重度残疾人护理补贴", "困难残疾人生活补贴"
SHARED = "6217000011112222"


def rows(id_number, name, programme, months, amount, account, place="常山县,球川镇,东坑村"):
    return [f"{id_number},{name},{programme},2020-{m:02d}-01,{amount},{account},{place}" for m in months]


# 张三 dies on 2020-07-08: 生活补贴 stops with July, 护理补贴 goes on to October (R01 and R02 both hold August to
# October), paid twice for September (R04 holds September's second payment); his money goes to an account
# 王五, of another household and no relative, is paid into too (R14 lists both). 李四 lives and is paid to
# December on his own account, so every list reaches December.
PAYMENTS = "\n".join([
    "id_number,name,programme,entitlement_month,amount_yuan,account_no,county,township,village",
    *rows(ZHANG, "张三", LIVING, range(1, 8), 270, SHARED),
    *rows(ZHANG, "张三", CARE, range(1, 11), 180, SHARED),
    *rows(ZHANG, "张三", CARE, [9], 180, SHARED),
    *rows(LI, "李四", LIVING, range(1, 13), 270, "6217000099998888"),
    *rows(LI, "李四", CARE, range(1, 13), 180, "6217000099998888"),
    *rows(WANG, "王五", LIVING, range(1, 13), 270, SHARED, "常山县,天马街道,和平社区"),
])
PERSONS = f"""id_number,name,household_no,relation,township,village
{ZHANG},张三,1001,户主,球川镇,东坑村
{LI},李四,1002,户主,球川镇,东坑村
{WANG},王五,1003,户主,天马街道,和平社区
"""
DEATHS = f"id_number,name,source,death_on\n{ZHANG},张三,公安注销,2020-07-08\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    con = empty_warehouse()
    insert_rows(con, "payments", PAYMENTS)
    insert_rows(con, "persons", PERSONS)
    insert_rows(con, "death_records", DEATHS)
    derived.derive(con)
    catalog.run_rules(con, RULES)
    ledger.update(con, "test-money-1", dt.date(2021, 1, 15), RULES)
    path = tmp_path_factory.mktemp("money") / "线索清单_2021-01-15.xlsx"
    workbook.write_workbook(con, path, RULES, {"run_id": "test-money-1", "as_of": "2021-01-15", "inbox": "test"}, [])
    yield con, openpyxl.load_workbook(path)
    con.close()


def amounts(con) -> dict[str, tuple]:
    return {r: (float(a), n) for r, a, n in con.execute(
        "select rule_id, sum(amount_yuan), count(*) from cases group by all").fetchall()}


def test_the_world_gives_the_cases_the_tests_rely_on(world):
    con, _ = world
    assert amounts(con) == {"R01": (720.0, 1), "R02": (720.0, 1), "R04": (180.0, 1), "R14": (pytest.approx(7110.0), 2)}


def test_a_person_in_r01_r02_and_r04_for_the_same_months_counts_once(world):
    """August to October of 护理补贴 (720 yuan, September paid twice) are held by R01, R02 and R04's excess:
    1620 yuan by rule, 720 paid that should not have been."""
    con, _ = world
    by_rule = dict(con.execute(money.overpaid_sql(["c.rule_id"])).fetchall())
    assert {r: float(v) for r, v in by_rule.items()} == {"R01": 720.0, "R02": 720.0, "R04": 180.0}
    assert float(con.execute(money.overpaid_sql([])).fetchone()[0]) == 720.0
    months = con.execute("select distinct split_part(cell, '|', 3) from overpaid_cells order by 1").fetchall()
    assert [m[0] for m in months] == ["2020-08", "2020-09", "2020-10"]


def test_an_account_shared_by_two_counts_once_and_adds_no_overpaid_money(world):
    """R14's amounts are money at stake (header amount_kind: at_stake): 张三's months in the shared account are
    counted once, through R01; 王五's living allowance is not overpaid money."""
    con, _ = world
    assert catalog.select_rules(["R14"])[0].amount_kind == "at_stake"
    per_person = dict(con.execute(money.overpaid_sql(["c.subject_id_number"])).fetchall())
    assert {k: float(v) for k, v in per_person.items()} == {ZHANG: 720.0}


def test_every_rule_says_what_its_amount_is():
    kinds = {r.id: r.header.get("amount_kind") for r in catalog.catalog()}
    assert set(kinds.values()) == set(catalog.AMOUNT_KINDS), kinds
    assert {k for k, v in kinds.items() if v == "at_stake"} >= {"R07", "R08", "R09", "R10", "R11", "R12", "R14"}


def test_summary_totals_what_adds_up_and_keeps_the_value_at_stake(world):
    con, book = world
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    header = next(r for r in summary if r[0] == "规则编号")
    owed, at_stake = header.index("多发/应追回金额（元）"), header.index("涉及金额（元）")
    lines = {r[0]: r for r in summary if r[0] in {"R01", "R02", "R04", "R14"}}
    assert {k: (v[owed], v[at_stake]) for k, v in lines.items()} == {
        "R01": (720, 720), "R02": (720, 720), "R04": (180, 180), "R14": (0, pytest.approx(7110))}
    total = next(r for r in summary if r[0] == "合计")
    assert total[owed] == 720 and total[at_stake] == "不相加"
    start = [s[0] for s in summary].index("县（市、区）")
    assert summary[start][10] == "多发/应追回金额（元）"
    places = summary[start + 1:start + 1 + [s[0] for s in summary[start + 1:]].index(None)]
    assert {(s[1], s[10]) for s in places} == {("球川镇", 720), ("天马街道", 0)}


def test_explanations_define_both_amounts(world):
    _, book = world
    names = [r[0] for r in book["说明"].iter_rows(values_only=True)]
    assert "金额" in names and "多发/应追回金额" in names and "涉及金额" in names


def test_persons_sheet_one_row_each_sorted_by_money_to_recover(world):
    _, book = world
    ws = book["按人汇总"]
    head = [c.value for c in ws[1]]
    people = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert [p["身份证号"] for p in people] == [ZHANG, WANG]
    zhang = people[0]
    assert zhang["线索数"] == 4 and zhang["多发/应追回金额（元，去重）"] == 720
    assert [r.split(" ")[0] for r in zhang["涉及规则"].split("；")] == ["R01", "R02", "R04", "R14"]
    assert zhang["涉及金额（元，按规则，不相加）"] == "R01 720.00；R02 720.00；R04 180.00；R14 3870.00"
    assert people[1]["多发/应追回金额（元，去重）"] == 0 and people[1]["线索数"] == 1
    villages = [[c.value for c in r] for r in book["按村汇总"].iter_rows(min_row=2)]
    assert [v[1:] for v in villages if v[2] == "球川镇小计"] == [["球川镇", "球川镇小计", 1, 4, 720]]


def test_check_forms_one_page_per_case_set_up_for_printing(world):
    con, book = world
    ws = book["核查单"]
    n = con.execute("select count(*) from cases").fetchone()[0]
    assert len(ws.row_breaks.brk) == n
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddHeader.center.text == "内部资料·注意保密" and "&P" in ws.oddFooter.center.text
    labels = [c.value for c in ws["A"] if c.value]
    for needed in ("核查要点", "核查情况（现场核实、调取材料）", "核查结论", "核查人（签名）", "审核人（签名）"):
        assert labels.count(needed) == n, needed
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("死亡证明" in t for t in texts), "R01's checks (verify) are on its form"


def test_masked_the_new_sheets_show_aliases_never_a_plain_case_id(sample_run, tmp_path):
    """A plain case id hashes the ID number: masked, 按人汇总, 原始数据 and 核查单 show the keyed alias."""
    shutil.copyfile(sample_run.parent / "warehouse.duckdb", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    info = json.loads((sample_run / "run.json").read_text(encoding="utf-8"))
    path = workbook.write_workbooks(con, tmp_path, catalog.catalog(), info, [], mask=True)[0]
    plain = {r[0] for r in con.execute("select case_id from cases").fetchall()}
    con.close()
    book = openpyxl.load_workbook(path)
    for title in ("按人汇总", "原始数据", "核查单"):
        texts = " ".join(str(c.value) for row in book[title].iter_rows() for c in row if c.value)
        assert "-M" in texts and not any(p in texts for p in plain), title
    ws = book["R01 死亡后继续发放"]
    first = ws.cell(2, 1).value
    link = next(c for c in ws[2] if c.hyperlink).hyperlink.location
    assert book["原始数据"].cell(int(link.split("!A")[1]), 1).value == first


# ---- 原始数据 on the sample run: real files, real rows ------------------------------------------------------

REF = re.compile(r"^(?P<file>\S+)(?: (?P<sheet>\S+))? 第(?P<row>\d+)行$")


@pytest.fixture(scope="module")
def sample_book(sample_run):
    return openpyxl.load_workbook(next(sample_run.glob("线索清单_*.xlsx")))


def evidence_blocks(book) -> dict[int, list[tuple]]:
    """{row of a case's title on 原始数据: [(file, sheet, row, cells) of its cited rows]}."""
    blocks, current = {}, None
    for r in book["原始数据"].iter_rows(min_row=2):
        values = [c.value for c in r]
        if not any(v is not None for v in values):
            current = None
        elif current is None:
            current = r[0].row
            blocks[current] = []
        elif values[0] != "（表头）":
            blocks[current].append((values[1], values[2] or "", values[3], values[4:]))
    return blocks


def test_each_case_links_to_exactly_the_rows_it_cites(sample_book):
    blocks = evidence_blocks(sample_book)
    checked = 0
    for ws in sample_book.worksheets:
        if not re.match(r"R\d\d ", ws.title):
            continue
        head = [c.value for c in ws[1]]
        col = head.index("原始数据位置（文件 工作表 行）")
        for row in ws.iter_rows(min_row=2):
            cell = row[col]
            assert cell.hyperlink is not None, (ws.title, row[0].value)
            assert not cell.hyperlink.target, "an internal location, never an external target"
            sheet, target = cell.hyperlink.location.split("!A")
            assert sheet == "'原始数据'"
            title = sample_book["原始数据"].cell(int(target), 1).value
            assert title == row[0].value, "the link lands on the case's own block"
            cited = [m.groupdict() for m in map(REF.match, cell.value.split("；"))]
            shown = [(f, s, r) for f, s, r, _ in blocks[int(target)]]     # grouped by file and sheet
            assert len(shown) == len(set(shown))
            assert set(shown) == {(c["file"], c["sheet"] or "", int(c["row"])) for c in cited}, row[0].value
            checked += 1
    assert checked >= 40


def test_the_cited_rows_are_the_source_files_rows_as_read(sample_book):
    """A CSV row on 原始数据 is the file's line, cell by cell, as text."""
    blocks = evidence_blocks(sample_book)
    compared = 0
    for block in blocks.values():
        for file, _sheet, row_no, cells in block:
            if not file.endswith(".csv"):
                continue
            path = next(SAMPLE.rglob(file))
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            lines = list(csv.reader(text.splitlines()))
            expected = [v or None for v in lines[row_no - 1]]
            assert [c for c in cells[:len(expected)]] == expected, (file, row_no)
            compared += 1
    assert compared >= 10


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_check_forms_print_to_pdf_through_libreoffice(sample_run, tmp_path):
    pdf = check_form.export_pdf(next(sample_run.glob("线索清单_*.xlsx")), tmp_path)
    assert pdf and pdf.name == "核查单_2021-01-15.pdf" and pdf.read_bytes().startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    cases = len(openpyxl.load_workbook(next(sample_run.glob("线索清单_*.xlsx")))["核查单"].row_breaks.brk)
    assert pages == cases, "one page per form"



"""The investigators' workbook, read back with openpyxl: sheets, columns, drop-down lists, number formats,
text IDs, layout, masking, splitting; and LibreOffice opening it (converted headless to PDF)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time

import duckdb
import openpyxl
import pytest
from conftest import AS_OF, ROOT
from openpyxl.worksheet.cell_range import CellRange

from cases import feedback, outcomes
from flows.cli import build_parser
from outputs import workbook
from rules import catalog
from sources import accounting

LISTS = {      # the default lists (cases/outcomes.yaml); a rule family may offer others (lists_of)
    "核查结论": ["属实", "部分属实", "不属实", "无法核实"],
    "不属实原因": ["数据错误", "重名或重号", "政策允许"],
    "问题性质": ["工作失误", "审核把关不严", "虚报冒领", "隐瞒收入/财产", "优亲厚友", "截留私分", "贪污侵占", "其他"],
    "整改措施": ["停发", "清退", "追回", "调减保障人数", "补发", "制度完善"],
}
FEEDBACK = ["核查结论", "不属实原因", "问题性质", "整改措施", "应追回金额", "已追回金额", "未追回原因", "核查人", "核查日期",
            "备注"]


def lists_of(rule_id: str) -> dict[str, list[str]]:
    return {workbook.label(f.column): list(outcomes.choices_for(f.column, rule_id)) for f in feedback.FIELDS
            if f.choices}
STATUS = ["线索状态", "首次发现", "未结天数", "变化情况"]
ID_LIKE = re.compile(r"(?<![0-9])\d{15,19}|\d{17}[Xx]")


@pytest.fixture()
def warehouse(sample_run, tmp_path):
    """A copy of the sample run's warehouse, to write more workbooks from."""
    shutil.copyfile(sample_run.parent / "warehouse.duckdb", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    info = json.loads((sample_run / "run.json").read_text(encoding="utf-8"))
    yield con, info, accounting.accounting(con)
    con.close()


def rows_of(ws) -> list[dict]:
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_sheets_summary_rules_quality_explanations(book, rules):
    assert book.sheetnames == ["汇总", "按人汇总", "按村汇总", *[workbook.sheet_title(r) for r in rules], "原始数据", "核查单",
                               "数据质量", "说明"]


def test_a_rule_sheet_is_case_id_evidence_status_then_feedback(book, rules):
    for r in rules:
        header = [c.value for c in book[workbook.sheet_title(r)][1]]
        evidence = [workbook.label(c, r.header.get("labels")) for c in r.evidence]
        assert header == ["线索编号", *map(workbook.reader_text, evidence), *STATUS, *FEEDBACK], r.id
        assert not [h for h in header if re.fullmatch(r"[a-z_]+", h)], f"{r.id}: a column without a Chinese label"


def test_feedback_columns_have_drop_down_lists_and_checks(book, rules):
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        n = ws.max_row - 1
        if n == 0:
            assert not ws.data_validations.dataValidation
            continue
        header = [c.value for c in ws[1]]
        letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
        by_column = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        by_range = {h: by_column[CellRange(f"{c}2:{c}{n + 1}").coord] for h, c in letter.items()
                    if CellRange(f"{c}2:{c}{n + 1}").coord in by_column}
        for name, choices in lists_of(r.id).items():
            dv = by_range[name]
            assert dv.type == "list" and dv.formula1 == '"' + ",".join(choices) + '"', name
            assert dv.showErrorMessage and not dv.showDropDown      # openpyxl's showDropDown=True hides the arrow
        assert by_range["整改措施"].errorStyle == "warning"
        assert by_range["核查结论"].errorStyle in (None, "stop")
        for name in ("应追回金额", "已追回金额"):
            dv = by_range[name]
            assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            assert ws.column_dimensions[letter[name]].number_format == "#,##0.00"
        assert by_range["核查日期"].type == "date"
        assert ws.column_dimensions[letter["核查日期"]].number_format == "yyyy-mm-dd"


def test_the_feedback_lists_are_the_ones_the_import_checks():
    assert {workbook.label(f.column): list(f.choices) for f in feedback.FIELDS if f.choices} == LISTS
    assert [workbook.label(f.column) for f in feedback.FIELDS] == FEEDBACK


def test_lists_per_rule_family(rules):
    """不属实原因 never offers 已整改; 死亡信息有误 only where the rule reads death records, never on R11/R12;
    问题性质 offers 隐瞒收入/财产 and 审核把关不严 on the benefit rules; every family names real rules."""
    assert outcomes.family_rules() <= {r.id for r in rules}
    for r in rules:
        lists = lists_of(r.id)
        assert "已整改" not in lists["不属实原因"], r.id
        assert set(lists["核查结论"]) == set(LISTS["核查结论"]), r.id
    assert "死亡信息有误" in lists_of("R01")["不属实原因"]
    for rule_id in ("R11", "R12", "R07"):
        assert "死亡信息有误" not in lists_of(rule_id)["不属实原因"], rule_id
    assert {"隐瞒收入/财产", "审核把关不严"} <= set(lists_of("R08")["问题性质"])
    assert "隐瞒收入/财产" not in lists_of("R11")["问题性质"] and "调减保障人数" not in lists_of("R12")["整改措施"]
    assert outcomes.prefills_to_recover("R01") and not outcomes.prefills_to_recover("R11")


def test_the_import_checks_a_value_against_its_rule_familys_list():
    today = dt.date(2021, 12, 31)
    field = outcomes.FIELD_BY_COLUMN["false_reason"]
    assert feedback._parse(field, "死亡信息有误", today, "R01") == "死亡信息有误"
    with pytest.raises(ValueError, match="不在可选值中"):
        feedback._parse(field, "死亡信息有误", today, "R11")
    with pytest.raises(ValueError, match="不在可选值中"):
        feedback._parse(field, "已整改", today, "R01")


def test_ids_are_text_amounts_have_two_decimals_dates_are_dates(book, rules):
    seen = 0
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        labels = {workbook.label(c, r.header.get("labels")): c for c in ["case_id", *r.evidence]}
        for row in rows_of(ws):
            for head, cell in row.items():
                column = labels.get(head)
                if cell.value is None or column is None:
                    continue
                seen += 1
                if workbook.is_id_column(column):
                    assert cell.data_type == "s" and cell.number_format == "@", (r.id, head, cell.value)
                    if column.endswith("id_number"):
                        assert len(cell.value) == 18, cell.value
                elif column.endswith("_yuan"):
                    assert isinstance(cell.value, (int, float)) and cell.number_format == "#,##0.00", (r.id, head)
                elif column in ("period_from", "period_to") or column.endswith("_month"):
                    assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm", (r.id, head)
                elif column.endswith("_on"):
                    assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm-dd", (r.id, head)
                elif column == "severity":
                    assert cell.value in ("高", "中", "低")
            assert row["线索状态"].value == "新增" and row["首次发现"].value == dt.datetime(2021, 1, 15)
            assert row["未结天数"].value == 0
    assert seen > 100


def test_no_cell_can_start_a_formula(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), (ws.title, c.coordinate, c.value)


def test_source_text_that_looks_like_a_formula_is_neutralised(warehouse, tmp_path):
    con, info, accounting = warehouse
    con.execute("""update case_R01 set subject_name = '=HYPERLINK("http://example.com","点我")', village = '+86 570',
                   source_rows = '-1', evidence = '@SUM(A1)' where case_id = (select min(case_id) from case_R01)""")
    r01 = catalog.select_rules(["R01"])
    path = tmp_path / "x.xlsx"
    workbook.write_workbook(con, path, r01, info, accounting)
    ws = openpyxl.load_workbook(path)[workbook.sheet_title(r01[0])]
    values = {c.value for row in ws.iter_rows(min_row=2) for c in row if c.data_type == "s"}
    assert {"'=HYPERLINK(\"http://example.com\",\"点我\")", "'+86 570", "'-1", "'@SUM(A1)"} <= values
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_layout_frozen_header_filter_print_titles_landscape_widths(book, rules):
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        last = openpyxl.utils.get_column_letter(ws.max_column)
        header = [c.value for c in ws[1]]
        frozen = "D2" if header[:3] == ["线索编号", "身份证号", "姓名"] else workbook.frozen_cell(
            ["case_id", *r.evidence])
        assert ws.freeze_panes == frozen, (r.id, header[:4])
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"
        assert ws.print_title_rows in ("1:1", "$1:$1")
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (8, 9)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.page_setup.fitToWidth in (1, "1", None), "one page wide: the feedback beside its case"
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, ws.max_column + 1)]
        assert all(5 <= w <= 50 for w in widths), (r.id, widths)
        assert ws.row_dimensions[1].height, "the header row is tall enough for its wrapped labels"
    for name in ("汇总", "数据质量", "说明"):
        assert book[name].page_setup.orientation == "landscape"


def test_summary_counts_match_the_sheets_and_has_a_chart(book, rules):
    ws = book["汇总"]
    summary = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in summary if r[0] == "规则编号")
    assert header == ["规则编号", "问题类型", "列出线索", "新增", "未结", "重新出现", "已消失", "高", "中", "低",
                      "多发/应追回金额（元）", "涉及金额（元）", "已结（不再列出）", "未检查（县：原因）"]
    total_rows = 0
    for r in rules:
        line = next(s for s in summary if s[0] == r.id)
        n = book[workbook.sheet_title(r)].max_row - 1
        total_rows += n
        assert line[2] == n == sum(line[3:7]) == sum(line[7:10]), r.id
        amount = workbook.label("amount_yuan", r.header.get("labels"))
        amounts = [row[amount].value for row in rows_of(book[workbook.sheet_title(r)])]
        assert line[11] == pytest.approx(sum(a for a in amounts if a))
    assert next(s for s in summary if s[0] == "合计")[2] == total_rows
    start = [s[0] for s in summary].index("县（市、区）") + 1
    townships = summary[start:start + [s[0] for s in summary[start:]].index(None)]
    assert townships and sum(s[2] for s in townships) == total_rows
    assert next(s for s in summary if s[0] == "上次运行")[1].startswith("无")
    assert len(ws._charts) == 1


def test_quality_and_explanations(book, rules):
    quality = [[c.value for c in row] for row in book["数据质量"].iter_rows()]
    assert any(r[0] == "会议纪要_2021年1月.xlsx" for r in quality)
    numbered = ("一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十、")
    titles = [str(r[0]) for r in quality if r[0] and str(r[0])[:2] in numbered]
    assert [t.split("（")[0] for t in titles] == ["一、警报", "二、须核实的隔离行与合计不符", "三、未检查的规则", "四、待补数据",
                                                  "五、数据覆盖", "六、每个文件的行数核对", "七、隔离原因汇总", "八、警告",
                                                  "九、数据校验未通过的检查", "十、合计/小计行核对"]
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    for r in rules:
        assert r.name_zh in text and r.header["verify"].split()[0] in text
    for status in ("新增", "未结", "重新出现", "已结", "已消失"):
        assert status in text


@pytest.mark.parametrize("value, masked", [
    ("330822196201024224", "330822********4224"), ("33082219620102422X", "330822********422X"),
    ("330822620102422", "330822*****2422"), ("6228480402564890018", "622848*********0018"), ("1234", "****"),
])
def test_mask_keeps_the_region_and_the_last_four(value, masked):
    assert workbook.mask_id(value) == masked
    assert workbook.mask_text(f"李兰海（{value}）死亡") == (f"李兰海（{masked}）死亡" if len(value) >= 15 else
                                                          f"李兰海（{value}）死亡")


def test_a_masked_workbook_shows_no_whole_id_or_account_number(warehouse, tmp_path):
    con, info, accounting = warehouse
    paths = workbook.write_workbooks(con, tmp_path, catalog.catalog(), info, accounting, mask=True)
    assert [p.name for p in paths] == [f"线索清单_{AS_OF}_脱敏.xlsx"]
    book = openpyxl.load_workbook(paths[0])
    leaks = [(ws.title, c.coordinate, c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and ID_LIKE.search(c.value)]
    assert not leaks
    ws = book["R01 死亡后继续发放"]
    ids = [row["身份证号"].value for row in rows_of(ws)]
    assert ids and all(re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", i) for i in ids)
    assert all("********" in row["疑点描述"].value for row in rows_of(ws))
    assert book["汇总"]["B7"].value.startswith("已脱敏")
    # the plain case id is an unkeyed hash of the ID number: masked workbooks show a keyed alias instead
    case_ids = [row["线索编号"].value for row in rows_of(ws)]
    assert all(re.fullmatch(r"R01-M[0-9a-f]{9}", c) for c in case_ids)
    plain = {r[0] for r in con.execute("select case_id from case_R01").fetchall()}
    assert not plain & set(case_ids)


@pytest.mark.parametrize("split_by, folder", [("county", "按县"), ("township", "按乡镇")])
def test_split_workbooks_hold_only_their_own_cases(warehouse, tmp_path, split_by, folder):
    con, info, accounting = warehouse
    rules = catalog.catalog()
    paths = workbook.write_workbooks(con, tmp_path, rules, info, accounting, split_by=split_by)
    assert paths[0] == tmp_path / f"线索清单_{AS_OF}.xlsx", "the whole-run workbook is always written"
    assert all(p.parent == tmp_path / folder for p in paths[1:]) and len(paths) > 1
    whole = {c.value for r in rules for c in list(openpyxl.load_workbook(paths[0])[workbook.sheet_title(r)].columns)[0][1:]}
    union = []
    for path in paths[1:]:
        book = openpyxl.load_workbook(path)
        place = path.stem.removeprefix(f"线索清单_{AS_OF}_").split("_")
        assert book["汇总"]["B6"].value == " ".join(place)
        for r in rules:
            for row in rows_of(book[workbook.sheet_title(r)]):
                union.append(row["线索编号"].value)
                here = [row[workbook.label("county")].value or "地区不明"]
                if split_by == "township":
                    here.append(row[workbook.label("township")].value or "地区不明")
                assert here == place, (path.name, row["线索编号"].value)
    assert sorted(union) == sorted(whole)


def test_the_command_takes_split_by_and_mask():
    args = build_parser().parse_args(["run", "--split-by", "township", "--mask"])
    assert (args.split_by, args.mask) == ("township", True)
    assert build_parser().parse_args(["feedback", "import", "a.xlsx", "b.xlsx"]).files == ["a.xlsx", "b.xlsx"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--split-by", "village"])


def test_libreoffice_opens_the_workbook_and_converts_it_to_pdf(sample_run, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui")
    src = tmp_path / "book.xlsx"
    shutil.copyfile(sample_run / f"线索清单_{AS_OF}.xlsx", src)
    t0 = time.perf_counter()
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                          capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - t0
    pdf = tmp_path / "book.pdf"
    assert proc.returncode == 0 and pdf.is_file(), proc.stdout + proc.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") > 3
    print(f"LibreOffice converted the sample workbook to PDF in {seconds:.1f} s")
    if shutil.which("pdftotext"):
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                               text=True).stdout
        assert "问题线索清单" in first and "R01" in first


def test_the_readme_shows_the_committed_pictures():
    """The README shows the workbook; every picture in docs/ is shown by the README or a docs page, and every
    picture they show is committed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"\]\((docs/[^)]+\.png)\)", readme)
    shown = {(ROOT / p).resolve() for p in re.findall(r"\]\((docs/[^)]+\.png)\)", readme)}
    for page in (ROOT / "docs").glob("*.md"):
        shown |= {(page.parent / p).resolve() for p in re.findall(r"\]\(([^)]+\.png)\)", page.read_text(encoding="utf-8"))}
    for p in shown:
        assert p.is_file() and p.stat().st_size > 10_000, p
    assert {p.resolve() for p in (ROOT / "docs").glob("*.png")} <= shown

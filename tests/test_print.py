"""The workbook as a case officer reads it on screen and on paper: print setup (orientation, one page wide at
a readable scale, header and footer, print titles, borders), frozen panes, wrapped long text, no internal
English on any sheet, quarantine.csv opening as Chinese, and the 核查基准日 a run uses when none is given.
Read back from the sample run's real files (openpyxl, csv, LibreOffice where installed)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess

import openpyxl
import pytest
from conftest import AS_OF, SAMPLE, run_cli
from openpyxl.utils import get_column_letter

from flows.parameters import RunParameters, as_of_from_ledgers, month_end
from outputs import cells, workbook

# What a reader must never see: library, table, parameter and file names of the code (outputs/reader_words.yaml)
FORBIDDEN = ("Great Expectations", "persons", "payments", "civil", "avoidance", "sources/", "tests/", ".yaml",
             "params", "run.json", "scope", "_words", "_months")
CJK = re.compile(r"[\u4e00-\u9fff]")


def widths(ws) -> list[float]:
    return [ws.column_dimensions[get_column_letter(i)].width for i in range(1, ws.max_column + 1)]


def test_every_sheet_has_the_confidentiality_header_and_page_numbers(book):
    for ws in book.worksheets:
        assert ws.oddHeader.center.text == "内部资料·注意保密", ws.title
        assert ws.oddFooter.center.text == "第 &P 页 / 共 &N 页", ws.title
        # 核查单 is a one-page form per case: A4 portrait; every table prints landscape
        assert ws.page_setup.orientation == ("portrait" if ws.title == "核查单" else "landscape"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0, ws.title


def test_a_case_sheet_prints_one_page_wide_at_a_readable_scale_with_its_header_on_every_page(book, rules):
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        header = [c.value for c in ws[1]]
        assert "核查结论" in header and "备注" in header, "the feedback columns are inside the printed width"
        assert ws.print_title_rows in ("1:1", "$1:$1") and not ws.print_title_cols
        assert ws.print_area.endswith(f"$A$1:${get_column_letter(ws.max_column)}${ws.max_row}"), ws.print_area
        paper = int(ws.page_setup.paperSize)
        assert paper in (cells.A4, cells.A3)
        scale = cells.print_scale(sum(widths(ws)), paper)
        assert scale > 0.5, (r.id, paper, sum(widths(ws)), round(scale, 2))   # aimed at READABLE_SCALE: never half
        if sum(widths(ws)) <= cells.readable_width(cells.A4):
            assert paper == cells.A4, "A3 only where A4 would print too small"


def test_the_first_columns_stay_in_view_with_the_header(book, rules):
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        header = [c.value for c in ws[1]]
        assert header[0] == "线索编号" and header[1].endswith("身份证号") and header[2].endswith("姓名"), header[:3]
        assert ws.freeze_panes == "D2", r.id


def test_case_cells_have_borders_and_long_text_wraps_without_cutting_numbers(book, rules):
    for r in rules:
        ws = book[workbook.sheet_title(r)]
        header = [c.value for c in ws[1]]
        for c in ws[1]:
            assert c.border.left.style == "thin" and c.border.bottom.style == "thin", (r.id, c.coordinate)
        if ws.max_row < 2:
            continue
        row = {h: c for h, c in zip(header, ws[2])}
        assert all(c.border.top.style == "thin" for c in ws[2]), r.id
        assert ws["B2"].alignment.wrap_text is not True, "an ID number is never broken over lines"
        where = next(h for h in header if h.startswith("原始数据位置"))
        assert row[where].alignment.wrap_text, (r.id, "原始数据位置 wraps: never cut off mid-number")
        assert row["疑点描述"].alignment.wrap_text, r.id


def test_no_internal_english_on_any_sheet(book, sample_run):
    books = [openpyxl.load_workbook(p) for p in sorted(sample_run.rglob("线索清单_*.xlsx"))]
    assert books
    found = set()
    for b in books:
        for ws in b.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str):
                        found |= {(ws.title, c.coordinate, w) for w in FORBIDDEN if w.lower() in c.value.lower()}
    assert not found, sorted(found)[:20]
    assert "英文名" not in [c.value for c in book["说明"][1]]


def test_reason_codes_follow_their_chinese_meaning(book):
    rows = [[c.value for c in r] for r in book["数据质量"].iter_rows()]
    reasons = rows.index(["原因", "代码", "行数", *[None] * (len(rows[0]) - 3)])
    first = rows[reasons + 1]
    assert CJK.search(first[0]) and re.fullmatch(r"[A-Z_]+", first[1]), first
    warnings = next(i for i, r in enumerate(rows) if r[:2] == ["说明", "代码"])
    assert CJK.search(rows[warnings + 1][0])


def test_quarantine_leads_are_listed_and_highlighted(book):
    ws = book["数据质量"]
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if str(r[0].value or "").startswith("二、须核实的隔离行"))
    leads = []
    for r in rows[start + 2:]:
        if r[0].value is None:
            break
        leads.append(r)
    text = [" ".join(str(c.value) for c in r if c.value is not None) for r in leads]
    assert any("身份证号为空" in t and "护理补贴2020年度.xlsx" in t for t in text), text
    assert any("合计与明细不符" in t and "民政局_救助资金发放表_第2批.xls" in t for t in text), text
    assert all(r[0].fill.fgColor.rgb.endswith(cells.ALERT_FILL.fgColor.rgb[-6:]) for r in leads)


def test_quarantine_csv_opens_as_chinese(sample_run):
    raw = (sample_run / "quarantine.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel and WPS need the BOM to read UTF-8"
    with open(sample_run / "quarantine.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["数据类型", "文件", "工作表", "行号", "隔离原因", "原因代码", "列", "单元格内容", "详情", "整行内容"]
    assert len(rows) > 1 and all(CJK.search(r[0]) and CJK.search(r[4]) for r in rows[1:])


def test_dates_say_what_they_are(book):
    summary = {r[0].value: r[1].value for r in book["汇总"].iter_rows(max_row=8) if r[0].value}
    assert summary["核查基准日"].startswith(AS_OF) and "运行时指定" in summary["核查基准日"]
    assert summary["数据截止（最后台账月份）"] == "2020年12月"
    assert "数据截止" not in summary


def test_as_of_defaults_to_the_end_of_the_newest_ledger_month():
    assert month_end(dt.date(2020, 12, 1)) == dt.date(2020, 12, 31)
    assert month_end(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)
    today = dt.date(2026, 12, 7)
    assert as_of_from_ledgers("2020-12-01", today) == (dt.date(2020, 12, 31), "ledgers")
    assert as_of_from_ledgers(dt.date(2021, 3, 1), today) == (dt.date(2021, 3, 31), "ledgers")
    assert as_of_from_ledgers(None, today) == (today, "today")
    params = RunParameters.parse(str(SAMPLE / "inbox"), "", "", [], [], [], "", "", "", "", False, 0)
    assert params.as_of is None, "left empty, the date comes from the ledgers, not the calendar"


def test_a_run_without_as_of_uses_the_ledgers_last_month_and_says_so(tmp_path):
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(tmp_path / "run"), "--rules", "R01"],
                   tmp_path / "data")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    info = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert (info["as_of"], info["as_of_from"]) == ("2020-12-31", "ledgers")
    assert "核查基准日 2020-12-31（默认：最后台账月份的月末）" in proc.stdout + proc.stderr
    ws = openpyxl.load_workbook(tmp_path / "run" / "线索清单_2020-12-31.xlsx")["汇总"]
    assert any(r[0].value == "核查基准日" and "默认：最后台账月份的月末" in r[1].value for r in ws.iter_rows(max_row=8))


def test_libreoffice_prints_the_header_footer_and_feedback_on_the_case_page(sample_run, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) and pdftotext are needed; .ci/run installs them")
    wb = openpyxl.load_workbook(sample_run / f"线索清单_{AS_OF}.xlsx")
    for name in wb.sheetnames:
        if name != "R01 死亡后继续发放":
            del wb[name]
    src = tmp_path / "r01.xlsx"
    wb.save(src)
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and (tmp_path / "r01.pdf").is_file(), proc.stdout + proc.stderr
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "r01.pdf"), "-"], capture_output=True,
                           text=True).stdout
    assert "内部资料·注意保密" in first and re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", first), first[-300:]
    assert "线索编号" in first and "核查结论" in first and "备注" in first, "the feedback prints beside its case"

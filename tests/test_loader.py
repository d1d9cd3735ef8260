"""The loader on the committed sample inbox: every file recognised by its header, every row accounted for."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import openpyxl
import pytest

from conftest import SAMPLE, fetch_dicts
from sources import layout, load, stage, validate

INBOX = SAMPLE / "inbox"

EXPECTED_FILES = {
    "残联_2020年困难残疾人生活补贴发放明细.xlsx": ("loaded", "payments", None),
    "护理补贴2020年度.xlsx": ("loaded", "payments", None),
    "民政_最低生活保障_2020.csv": ("loaded", "payments", None),
    "人社_城乡居民养老金发放_2020.csv": ("loaded", "payments", None),
    "公安_户籍人口_常山县.xlsx": ("loaded", "households", None),
    "公安_户籍注销人员_2020.xlsx": ("loaded", "deaths", "公安注销"),
    "民政_火化信息_2020.csv": ("loaded", "deaths", "民政火化"),
    "卫健_死亡医学证明_2020.csv": ("loaded", "deaths", "卫健死亡证明"),
    "会议纪要_2021年1月.xlsx": ("unrecognised", None, None),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = duckdb.connect()
    load.load_inbox(c, INBOX, tmp_path_factory.mktemp("transcode"))
    stage.stage_all(c)
    return c


@pytest.fixture(scope="module")
def accounting(con):
    return validate.accounting(con)


def test_every_sample_file_is_recognised_by_its_header(con):
    files = {r["file_name"]: r for r in fetch_dicts(con, "select * from source_files")}
    assert set(files) == set(EXPECTED_FILES)
    for name, (status, kind, variant) in EXPECTED_FILES.items():
        assert files[name]["status"] == status, name
        sheets = fetch_dicts(con, "select * from source_sheets where file_id = ?", [files[name]["file_id"]])
        for s in sheets:
            assert s["kind"] == kind, (name, s["sheet"])
            assert s["variant"] == variant, (name, s["sheet"])


def test_every_row_is_loaded_quarantined_or_structural(accounting):
    for a in accounting:
        assert a["reconciles"], a
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_structural"], a


def test_rows_read_match_the_files(accounting):
    """Rows read equal the rows in the file: lines of a CSV, rows of each sheet."""
    by_file: dict[str, int] = {}
    for a in accounting:
        by_file[a["file_name"]] = by_file.get(a["file_name"], 0) + a["rows_read"]
    for name, n in by_file.items():
        path = INBOX / name
        if path.suffix == ".csv":
            expected = len(path.read_bytes().splitlines())
        else:
            wb = openpyxl.load_workbook(path, read_only=True)
            expected = sum(ws.max_row for ws in wb.worksheets)
        assert n == expected, name


def test_title_total_and_footer_rows_are_structural(accounting):
    living = next(a for a in accounting if a["file_name"].startswith("残联"))
    assert living["rows_title_header"] == 3          # title, 单位/制表日期 row, header
    assert living["rows_total"] == 1                  # 合计
    assert living["rows_footer_note"] == 1            # 制表人/审核人
    care = [a for a in accounting if a["file_name"].startswith("护理补贴")]
    assert len(care) == 2                             # one sheet per 乡镇
    for a in care:
        assert a["rows_title_header"] == 3            # title + a two-row header
        assert a["rows_total"] == 1                   # 小计


def test_loaded_rows_equal_the_generated_rows(con):
    planted_people = {r["subject_id_number"] for r in csv.DictReader(open(SAMPLE / "planted.csv", encoding="utf-8"))}
    n_pay = con.execute("select count(*) from payments").fetchone()[0]
    assert n_pay > 1000
    assert con.execute("select count(*) from payments where programme is null or entitlement_month is null "
                       "or amount_yuan is null").fetchone()[0] == 0
    ids = {r[0] for r in con.execute("select distinct id_number from payments").fetchall()}
    assert planted_people <= ids


def test_programme_comes_from_the_title_when_there_is_no_column(con):
    rows = con.execute("select distinct programme from payments where source_file like '护理补贴%'").fetchall()
    assert rows == [("重度残疾人护理补贴",)]


def test_gbk_csv_with_amounts_in_yuan(con):
    enc = con.execute("select encoding from source_files where file_name like '民政_最低%'").fetchone()[0]
    assert enc == "gb18030"
    amounts = {r[0] for r in con.execute("select distinct amount_yuan from payments where programme = '最低生活保障'").fetchall()}
    assert amounts and all(a > 0 for a in amounts)


def test_death_records_take_their_office_from_their_columns(con):
    got = dict(con.execute("select source, count(*) from death_records group by source").fetchall())
    assert set(got) == {"公安注销", "民政火化", "卫健死亡证明"}


def test_lineage_points_at_the_original_cell(con):
    """A loaded row's file, sheet and row number lead back to the same ID in the original workbook."""
    row = fetch_dicts(con, "select source_file, sheet, row_no, id_number from payments "
                           "where source_file like '护理补贴%' order by row_no desc limit 1")[0]
    ws = openpyxl.load_workbook(INBOX / row["source_file"], read_only=True)[row["sheet"]]
    cells = next(ws.iter_rows(min_row=row["row_no"], max_row=row["row_no"], values_only=True))
    assert row["id_number"] in [str(c) for c in cells]


def test_pension_ledger_without_places_takes_them_from_the_register(con):
    n = con.execute("select count(*) from payments where programme = '城乡居民基本养老保险' and township is null").fetchone()[0]
    assert n == 0


# ---- layouts on literal grids -----------------------------------------------------------------

def test_header_below_title_rows_is_found():
    grid = [["某县2020年3月低保发放名册"], ["单位：民政局", "", "制表日期：2020-04-01"],
            ["序号", "姓名", "身份证号", "金额（元）"], ["1", "张三", "11010519491231002X", "500"]]
    lay = layout.detect_layout(grid, "Sheet1", "x.xlsx")
    assert lay.kind.kind == "payments" and lay.header_row == 3
    assert lay.mapping == {"name": 1, "id_number": 2, "amount_yuan": 3}
    assert lay.hints["month"] == "2020-03" and lay.hints["programme"] == "低保"


def test_two_row_merged_header_is_combined():
    grid = [["序号", "姓名", "身份证号", "发放情况", "发放情况"], ["序号", "姓名", "身份证号", "所属期", "金额"],
            ["1", "张三", "11010519491231002X", "2020-03", "500"]]
    lay = layout.detect_layout(grid, "天马街道", "护理补贴.xlsx")
    assert lay.header_rows == 2 and lay.header_row == 2
    assert lay.mapping["entitlement_month"] == 3 and lay.mapping["amount_yuan"] == 4
    assert lay.hints["township"] == "天马街道"


def test_header_cells_with_spaces_line_breaks_and_full_width_brackets():
    grid = [["姓 名", "身份证\n号码", "金额（元）", "所属期"], ["张三", "11010519491231002X", "500", "2020-03"]]
    lay = layout.detect_layout(grid, "", "a.csv")
    assert set(lay.mapping) == {"name", "id_number", "amount_yuan", "entitlement_month"}


def test_a_sheet_without_known_headers_is_not_recognised():
    assert layout.detect_layout([["时间", "地点"], ["2021-01-08", "村委会"]], "Sheet1", "纪要.xlsx") is None

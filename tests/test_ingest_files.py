"""The loader on files built by the test: every layout, ID corruption, format and unreadable case."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import fetch_dicts

from sources import accounting, load, stage

GOOD_IDS = ["11010519491231002X", "440524188001010014", "110105194912310046"]


def run_loader(inbox: Path, tmp: Path):
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp / "transcode")
    stage.stage_all(con)
    return con


def xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", merges=(), extra_sheets=()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    for name, more in extra_sheets:
        ws2 = wb.create_sheet(name)
        for r in more:
            ws2.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def statuses(con) -> dict:
    return {r["file_name"]: (r["status"], r["reason"]) for r in fetch_dicts(con, "select * from source_files")}


# ---- unreadable files: reported by name with the reason; the run goes on ------------------------

def test_unreadable_files_are_reported_and_the_rest_loads(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(inbox / "good.xlsx", [["姓名", "身份证号", "金额", "所属期", "补贴类型"], ["张三", GOOD_IDS[0], 100, "2020-01", "低保"]])
    good = (inbox / "good.xlsx").read_bytes()
    (inbox / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    with zipfile.ZipFile(inbox / "not_a_workbook.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    from msoffcrypto.format.ooxml import OOXMLFile
    with open(inbox / "good.xlsx", "rb") as f, open(inbox / "locked.xlsx", "wb") as out:
        OOXMLFile(f).encrypt("secret", out)
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / "binary.csv").write_bytes(bytes(range(128, 256)) * 20)
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.4")
    xlsx(inbox / "blank_sheets.xlsx", [], extra_sheets=[("Sheet2", [])])
    con = run_loader(inbox, tmp_path)
    st = statuses(con)
    assert st["good.xlsx"][0] == "loaded"
    assert st["truncated.xlsx"][0] == "unreadable" and "损坏" in st["truncated.xlsx"][1]
    assert st["not_a_workbook.xlsx"][0] == "unreadable"
    assert st["locked.xlsx"] == ("unreadable", "文件有密码保护，无法读取（请去除密码后重新报送）")
    assert st["empty.csv"][0] == "unreadable" and "为空" in st["empty.csv"][1]
    assert st["binary.csv"][0] == "unreadable" and "编码" in st["binary.csv"][1]
    assert st["scan.pdf"][0] == "unreadable" and ".pdf" in st["scan.pdf"][1]
    assert st["blank_sheets.xlsx"][0] == "empty"
    assert con.execute("select count(*) from payments").fetchone()[0] == 1


def test_unrecognised_headers_are_reported_with_their_rows_counted(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "memo.csv", [["议题", "时间"], ["修路", "2021-01-08"]], "utf-8")
    con = run_loader(inbox, tmp_path)
    assert statuses(con)["memo.csv"][0] == "unrecognised"
    acc = accounting.accounting(con)
    assert acc[0]["rows_read"] == 2 and acc[0]["reconciles"]


# ---- layouts ------------------------------------------------------------------------------------

def test_title_unit_header_total_footer_and_blank_rows(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["常山县2020年3月最低生活保障金发放表"], ["单位：民政局", None, None, "制表日期：2020年4月1日"],
            ["序号", "姓名", "身份证号", "金额（元）"],
            [1, "张三", GOOD_IDS[0], 500], [None, None, None, None], [2, "李四", GOOD_IDS[1], 300],
            ["合　计", None, None, 800], ["制表人：王某", None, "审核人：李某"], [None]]
    xlsx(inbox / "a.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    pays = fetch_dicts(con, "select * from payments order by row_no")
    assert [(p["row_no"], p["programme"], p["entitlement_month"]) for p in pays] == [
        (4, "最低生活保障", dt.date(2020, 3, 1)), (6, "最低生活保障", dt.date(2020, 3, 1))]
    kinds = dict(con.execute("select row_kind, count(*) from raw_structural group by all").fetchall())
    assert kinds == {"title": 2, "header": 1, "blank": 1, "total": 1, "footer": 1}
    assert accounting.accounting(con)[0]["reconciles"]
    tot = fetch_dicts(con, "select * from total_checks")
    assert len(tot) == 1 and tot[0]["matches"] and tot[0]["stated_yuan"] == 800


def test_the_date_a_list_was_made_is_not_its_month(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(inbox / "a.xlsx", [["低保发放名册", None, "制表日期：2021年1月5日"], ["姓名", "身份证号", "金额"],
                            ["张三", GOOD_IDS[0], 500]])
    con = run_loader(inbox, tmp_path)
    assert con.execute("select reason from quarantine").fetchall() == [("MISSING_MONTH",)]


def test_a_total_that_disagrees_with_its_rows_is_reported(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["姓名", "身份证号", "金额", "所属期", "补贴类型"], ["张三", GOOD_IDS[0], 500, "2020-03", "低保"],
            ["小计", None, 500], ["李四", GOOD_IDS[1], 300, "2020-03", "低保"], ["小计", None, 300],
            ["合计", None, 900]]
    xlsx(inbox / "t.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    got = [(r["label"], r["stated_yuan"], r["matches"]) for r in fetch_dicts(con, "select * from total_checks order by row_no")]
    assert [(g[0], int(g[1]), g[2]) for g in got] == [("小计", 500, True), ("小计", 300, True), ("合计", 900, False)]


def test_sheets_per_township_with_restarting_numbers_and_an_empty_sheet(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    head = ["序号", "姓名", "身份证号", "发放金额", "所属期"]
    xlsx(inbox / "护理补贴.xlsx", [head, [1, "张三", GOOD_IDS[0], 180, "2020-01"]], sheet="天马街道",
         extra_sheets=[("球川镇", [head, [1, "李四", GOOD_IDS[1], 180, "2020-01"]]), ("空表", [])])
    con = run_loader(inbox, tmp_path)
    rows = fetch_dicts(con, "select sheet, township, programme from payments order by sheet")
    assert [(r["sheet"], r["township"], r["programme"]) for r in rows] == [
        ("天马街道", "天马街道", "重度残疾人护理补贴"), ("球川镇", "球川镇", "重度残疾人护理补贴")]
    sheets = {r["sheet"]: r["status"] for r in fetch_dicts(con, "select * from source_sheets")}
    assert sheets["空表"] == "empty"


def test_programme_from_sheet_name_and_from_file_name(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    head = ["姓名", "身份证号", "金额", "所属期"]
    xlsx(inbox / "data.xlsx", [head, ["张三", GOOD_IDS[0], 300, "2020-01"]], sheet="特困供养")
    write_csv(inbox / "城乡居民养老金_2020.csv", [head, ["李四", GOOD_IDS[1], 245, "2020-01"]], "utf-8")
    con = run_loader(inbox, tmp_path)
    got = dict(con.execute("select name, programme from payments").fetchall())
    assert got == {"张三": "特困人员供养", "李四": "城乡居民基本养老保险"}


def test_two_row_merged_header(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["低保发放表"], ["序号", "姓名", "身份证号", "发放情况", None], [None, None, None, "所属期", "金额"],
            [1, "张三", GOOD_IDS[0], "2020年3月", "1,200.00"]]
    xlsx(inbox / "m.xlsx", rows, merges=["A1:E1", "A2:A3", "B2:B3", "C2:C3", "D2:E2"])
    con = run_loader(inbox, tmp_path)
    p = fetch_dicts(con, "select * from payments")[0]
    assert (p["entitlement_month"], float(p["amount_yuan"]), p["row_no"]) == (dt.date(2020, 3, 1), 1200.0, 4)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "刘䶮" if encoding == "gb18030" else "张三"
    write_csv(inbox / "x.csv", [["低保发放名册"], ["姓名", "身份证号", "金额", "所属期", "补贴类型"],
                                [name, GOOD_IDS[0], "120元", "202003", "低保"]], encoding)
    con = run_loader(inbox, tmp_path)
    assert con.execute("select name, amount_yuan from payments").fetchall() == [(name, 120)]
    assert fetch_dicts(con, "select * from source_files")[0]["encoding"] == {"gbk": "gb18030"}.get(encoding, encoding)


def test_csv_quoted_fields_and_a_stray_quote(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "q.csv").write_text('姓名,身份证号,金额,所属期,备注,补贴类型\n'
                                 f'"张三",{GOOD_IDS[0]},"1,200.00",2020-03,"说""明",低保\n'
                                 f'李"四,{GOOD_IDS[1]},300,2020-03,无,低保\n', encoding="utf-8")
    con = run_loader(inbox, tmp_path)
    got = con.execute("select name, amount_yuan, remark from payments order by row_no").fetchall()
    assert got == [("张三", 1200, '说"明'), ('李"四', 300, "无")]


def test_month_formats_and_excel_date_cells(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["姓名", "身份证号", "金额", "所属期", "发放日期", "补贴类型"]]
    months = ["2020-03", "202003", "2020年3月", "2020.3", dt.date(2020, 3, 1)]
    paid = ["2020-03-05", "2020/3/5", "2020年3月5日", "20200305", dt.date(2020, 3, 5)]
    for i, (m, p) in enumerate(zip(months, paid)):
        rows.append([f"人{i}", GOOD_IDS[i % 3], 100, m, p, "生活补贴"])
    xlsx(inbox / "f.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    got = con.execute("select distinct entitlement_month, paid_on from payments").fetchall()
    assert got == [(dt.date(2020, 3, 1), dt.date(2020, 3, 5))]
    assert con.execute("select count(*) from payments").fetchone()[0] == 5


# ---- ID numbers ---------------------------------------------------------------------------------

def test_id_corruptions_are_normalised_or_quarantined_with_a_reason(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["姓名", "身份证号", "金额", "所属期", "补贴类型"]]
    variants = {
        "全角": "１１０１０５１９４９１２３１００２Ｘ", "小写x": "11010519491231002x", "乘号": "11010519491231002×",
        "空格": "110105 19491231 002X", "撇号": "'11010519491231002X", "零宽": "\u200b11010519491231002X",
        "旧号": "110105491231002", "校验错": "11010519491231003X", "缺号": "", "科学计数": "3.30802E+17",
    }
    for name, idt in variants.items():
        rows.append([name, idt, 100, "2020-01", "低保"])
    xlsx(inbox / "ids.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    loaded = dict(con.execute("select name, id_number from payments").fetchall())
    for name in ("全角", "小写x", "乘号", "空格", "撇号", "零宽", "旧号"):
        assert loaded[name] == "11010519491231002X", name
    reasons = dict(con.execute("select s.name, q.reason from quarantine q join stg_payments s using (file_id, sheet, row_no)").fetchall())
    assert reasons == {"校验错": "ID_CHECKSUM_FAIL", "缺号": "MISSING_ID", "科学计数": "ID_PRECISION_LOST"}


def test_numeric_id_cells_are_recovered_only_by_a_unique_register_match(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(inbox / "register.xlsx", [["户号", "姓名", "与户主关系", "公民身份号码"],
                                   ["001", "王五", "户主", "110105194912310046"],
                                   ["002", "赵六", "户主", "11010519491231010X"],
                                   ["003", "赵六", "户主", "110105194912310126"]])
    # numeric cells: Excel keeps 15 significant digits, so these IDs arrive damaged
    xlsx(inbox / "ledger.xlsx", [["姓名", "身份证号", "金额", "所属期", "补贴类型"],
                                 ["王五", 110105194912310046, 100, "2020-01", "低保"],    # unique → recovered
                                 ["赵六", 110105194912310126, 100, "2020-01", "低保"],    # two 赵六 share digits 1–14
                                 ["孙七", 110105194912310045, 100, "2020-01", "低保"]])   # not in the register
    con = run_loader(inbox, tmp_path)
    got = fetch_dicts(con, "select name, id_number, id_number_recovered from payments")
    assert got == [{"name": "王五", "id_number": "110105194912310046", "id_number_recovered": True}]
    q = dict(con.execute("select s.name, q.reason from quarantine q join stg_payments s using (file_id, sheet, row_no) "
                         "where q.kind = 'payments'").fetchall())
    assert q == {"赵六": "ID_PRECISION_LOST", "孙七": "ID_PRECISION_LOST"}


def test_names_are_unpadded_and_dots_unified(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(inbox / "n.xlsx", [["姓名", "身份证号", "金额", "所属期", "补贴类型"],
                            ["张　三", GOOD_IDS[0], 1, "2020-01", "低保"], ["买买提•艾力", GOOD_IDS[1], 1, "2020-01", "低保"]])
    con = run_loader(inbox, tmp_path)
    assert sorted(r[0] for r in con.execute("select name_norm from payments").fetchall()) == ["买买提·艾力", "张三"]


def test_xls_with_month_only_in_the_title(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    book = xlwt.Workbook()
    sh = book.add_sheet("低保")
    for r, row in enumerate([["常山县2020年10月最低生活保障金发放表"], ["姓名", "身份证号", "低保金"],
                             ["张三", GOOD_IDS[0], "750"]]):
        for c, v in enumerate(row):
            sh.write(r, c, v)
    book.save(str(inbox / "dibao.xls"))
    con = run_loader(inbox, tmp_path)
    assert con.execute("select programme, entitlement_month, row_no from payments").fetchall() == [
        ("最低生活保障", dt.date(2020, 10, 1), 3)]

"""The committed sample is what its generator writes (same cell values), and covers what the issues ask:
every format, layout and corruption the loader must handle, and a file of each source kind. These
tests read the files themselves (openpyxl, calamine, csv), never the loader: tests/test_loader.py checks
what the loader makes of them against data/sample/planted_rows.csv."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import re
import sys
from collections import Counter
from decimal import Decimal

import openpyxl
import pytest
import python_calamine
from conftest import SAMPLE

INBOX = SAMPLE / "inbox"
ID_HEADERS = ("身份证", "证件号码", "身份证明号码", "公民身份号码")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


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
    if path.suffix == ".xls":
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}
    return path.read_bytes()


def decode(b: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return b.decode(enc)
        except UnicodeDecodeError:
            continue
    raise AssertionError("neither UTF-8 nor GB18030")


def sheets() -> list[tuple[str, str, list[list]]]:
    """Every sheet of every inbox file as (file, sheet, rows); rows[i] is Excel row / CSV line i + 1.
    xlsx cells keep their types (numbers, datetimes); .xls and CSV cells are as calamine / csv give them."""
    out = []
    for path in sorted(INBOX.iterdir()):
        if path.suffix == ".xlsx":
            for ws in openpyxl.load_workbook(path).worksheets:
                out.append((path.name, ws.title, [[c.value for c in row] for row in ws.iter_rows()]))
        elif path.suffix == ".xls":
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            out.extend((path.name, n, wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)
        else:
            out.append((path.name, "", list(csv.reader(io.StringIO(decode(path.read_bytes()), newline="")))))
    return out


def text(v) -> str:
    return "" if v is None else str(v)


def is_blank(row) -> bool:
    return all(not text(v).strip() for v in row)


def header_at(rows) -> int | None:
    """Index of the header row: the first row with an ID-number heading."""
    for i, row in enumerate(rows[:30]):
        if any(isinstance(v, str) and any(h in v for h in ID_HEADERS) for v in row):
            return i
    return None


def columns(rows) -> tuple[list[str], int]:
    """Column names (a two-row header combined: 发放情况 over 所属期 → 发放情况所属期) and the first data row."""
    i = header_at(rows)
    names = [text(v) for v in rows[i]]
    below = rows[i + 1] if i + 1 < len(rows) else []
    if below and not text(below[0]).strip() and not any(re.search(r"\d{15}", text(v)) for v in below):
        names = [names[j] + text(below[j]) if j < len(below) else names[j] for j in range(len(names))]
        return names, i + 2
    return names, i + 1


def table(rows) -> list[dict]:
    """The rows below the header as {column name: value} (titles, totals and footers included)."""
    names, first = columns(rows)
    return [dict(zip(names, r)) for r in rows[first:]]


def values(rows, *heading_parts) -> list:
    """Every value below the header in columns whose name contains one of heading_parts."""
    return [v for r in table(rows) for k, v in r.items() if any(h in k for h in heading_parts) and v not in (None, "")]


@pytest.fixture(scope="module")
def inbox():
    return sheets()


@pytest.fixture(scope="module")
def planted_rows():
    return list(csv.DictReader(open(SAMPLE / "planted_rows.csv", encoding="utf-8")))


@pytest.fixture(scope="module")
def register(inbox):
    rows = next(r for f, _, r in inbox if f.startswith("公安_户籍人口"))
    return {text(r["公民身份号码"]): text(r["姓名"]) for r in table(rows)}


def is_ledger(rows) -> bool:
    """A payment ledger: an ID column and an amount column (not a compensation list)."""
    if header_at(rows) is None:
        return False
    names, _ = columns(rows)
    return any(("金额" in n or "低保金" in n) for n in names) and not any("协议" in n for n in names)


# ---- the committed files are the generator's --------------------------------------------------

def test_generator_reproduces_the_committed_sample(tmp_path):
    load_generator().generate(tmp_path)
    committed = sorted(p.name for p in INBOX.iterdir())
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == committed
    for name in committed:
        assert cell_values(tmp_path / "inbox" / name) == cell_values(INBOX / name), name
    for key in ("planted.csv", "planted_rows.csv"):
        assert (tmp_path / key).read_text(encoding="utf-8") == (SAMPLE / key).read_text(encoding="utf-8"), key


def _planted() -> list[dict]:
    with open(SAMPLE / "planted.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_sample_plants_cases_and_traps_for_every_rule():
    rows = _planted()
    from rules import catalog

    for r in catalog.catalog():
        assert any(p["rule_id"] == r.id and p["expect"] == "flag" for p in rows), r.id
        assert any(p["rule_id"] == r.id and p["expect"] == "none" for p in rows), r.id


def test_planted_people_are_in_the_register_or_the_ledgers(inbox, register):
    """Every planted case and trap is about someone the files name with that ID number and name: a person
    of the household register, or a payee of a ledger (a ghost, another county's pensioner, a number only
    the ledgers use)."""
    paid = set()
    for _, _, rows in inbox:
        if not is_ledger(rows):
            continue
        for r in table(rows):
            ids = {text(v).strip() for k, v in r.items() if any(h in k for h in ID_HEADERS)}
            names = {re.sub(r"\s", "", text(v)) for k, v in r.items() if "姓名" in k}
            paid |= {(i, n) for i in ids for n in names}
    for p in _planted():
        who = (p["subject_id_number"], p["subject_name"])
        assert register.get(who[0]) == who[1] or who in paid, p


def test_sample_is_small_three_villages_one_year(inbox, register):
    assert 250 <= len(register) <= 600
    reg = next(r for f, _, r in inbox if f.startswith("公安_户籍人口"))
    assert {(text(r["乡镇（街道）"]), text(r["村（社区）"])) for r in table(reg)} == {
        ("天马街道", "和平社区"), ("球川镇", "东坑村"), ("球川镇", "西坞村")}
    years = set()
    for _f, _, rows in inbox:
        if is_ledger(rows):
            for v in values(rows, "所属期", "年月", "所属月份"):
                m = re.match(r"(\d{4})", v.isoformat() if isinstance(v, dt.date) else text(v))
                if m:
                    years.add(m.group(1))
    assert years == {"2020"}


# ---- formats ------------------------------------------------------------------------------------

def test_sample_has_the_formats_departments_send():
    suffixes = {p.suffix for p in INBOX.iterdir()}
    assert {".xlsx", ".xls", ".csv"} <= suffixes
    csvs = {p.name: p.read_bytes() for p in INBOX.glob("*.csv")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csvs.values()), "a UTF-8 CSV with BOM"
    assert any(_is_utf8(b) and not b.startswith(b"\xef\xbb\xbf") for b in csvs.values()), "a UTF-8 CSV without BOM"
    assert any(not _is_utf8(b) and _decodes(b, "gbk") for b in csvs.values()), "a GBK-encoded CSV"
    gb18030 = [b for b in csvs.values() if not _is_utf8(b) and not _decodes(b, "gbk")]
    assert gb18030, "a GB18030 CSV that GBK cannot read"
    assert any("䶮" in b.decode("gb18030") for b in gb18030)
    titled = openpyxl.load_workbook(INBOX / "残联_2020年困难残疾人生活补贴发放明细.xlsx").active
    assert "花名册" in titled["A1"].value
    assert any(str(row[0].value).startswith("合计") for row in titled.iter_rows())


def test_legacy_xls_ledgers_give_the_month_only_in_the_title(inbox):
    xls = [(f, rows) for f, _, rows in inbox if f.endswith(".xls") and is_ledger(rows)]
    assert len(xls) >= 2
    months = []
    for f, rows in xls:
        names, _ = columns(rows)
        assert not any(w in n for n in names for w in ("所属", "年月", "月份")), f
        title = " ".join(text(v) for r in rows[:header_at(rows)] for v in r)
        m = re.search(r"(\d{4})年(\d{1,2})月", text(rows[0][0]))
        assert m and "最低生活保障" in title, f
        assert not re.search(r"\d{4}年\d{1,2}月|\d{6}|低保|最低生活", f), f"{f}: the month and programme only in the title"
        months.append((int(m.group(1)), int(m.group(2))))
    assert len(months) == len(set(months))


def test_dibao_months_are_split_across_files_without_overlap(inbox):
    by_file: dict[str, set] = {}
    for f, _, rows in inbox:
        if not is_ledger(rows):
            continue
        title = text(rows[0][0]) if rows and rows[0] else ""
        if f.endswith(".xls") and "最低生活保障" in title:
            m = re.search(r"(\d{4})年(\d{1,2})月", title)
            by_file[f] = {f"{int(m.group(1))}{int(m.group(2)):02d}"}
        elif "最低生活保障" in f:
            by_file[f] = {text(v) for v in values(rows, "所属年月")}
    months = [m for ms in by_file.values() for m in ms]
    assert len(by_file) >= 2 and len(months) == len(set(months)) == 12


# ---- layouts ------------------------------------------------------------------------------------

def test_layouts_title_unit_row_merged_header_sheets_per_township(inbox):
    wb = openpyxl.load_workbook(INBOX / "护理补贴2020年度.xlsx")
    assert len(wb.sheetnames) >= 2 and all(n.endswith(("镇", "街道", "乡")) for n in wb.sheetnames)
    for ws in wb.worksheets:
        merged = [m for m in ws.merged_cells.ranges]
        assert any(m.min_row == 2 and m.max_row == 3 for m in merged), "headings merged down over two rows"
        assert any(m.min_row == m.max_row == 2 and m.max_col > m.min_col for m in merged), "a heading over sub-headings"
        assert ws.cell(4, 1).value == 1, "序号 restarts on every sheet"
    unit_rows = [r for _, _, rows in inbox for r in rows[:3] if text(r[0] if r else "").startswith(("单位", "填报单位"))]
    assert any("制表日期" in " ".join(map(text, r)) or "填报日期" in " ".join(map(text, r)) for r in unit_rows)


def test_layouts_totals_footers_blank_rows_and_an_empty_sheet(inbox):
    firsts = Counter(text(r[0]).strip() for _, _, rows in inbox for r in rows if r)
    assert firsts["合计"] >= 2 and firsts["小计"] >= 2
    footers = [" ".join(map(text, r)) for _, _, rows in inbox for r in rows if r and text(r[0]).startswith(("制表人", "填表人"))]
    assert any("审核人" in f for f in footers)
    inside = at_end = False
    for _, _, rows in inbox:
        blank = [i for i, r in enumerate(rows) if is_blank(r)]
        inside |= any(0 < i < len(rows) - 1 and not is_blank(rows[i + 1]) for i in blank)
        at_end |= bool(rows) and is_blank(rows[-1]) and len(rows) > 1
    assert inside and at_end
    assert any(all(is_blank(r) for r in rows) for f, _, rows in inbox if f.endswith(".xlsx")), "an empty sheet"


def test_programme_is_given_by_column_title_sheet_or_only_file_name(inbox):
    import yaml

    progs = yaml.safe_load((SAMPLE.parents[1] / "sources" / "programmes.yaml").read_text(encoding="utf-8"))["programmes"]
    synonyms = [s for p in progs for s in p["synonyms"]]
    kinds = yaml.safe_load((SAMPLE.parents[1] / "sources" / "kinds" / "payments.yaml").read_text(encoding="utf-8"))
    prog_cols = kinds["columns"]["programme"]["synonyms"]

    def names(t: str) -> bool:
        return any(s in t for s in synonyms)

    found = set()
    for f, sheet, rows in inbox:
        if not is_ledger(rows):
            continue
        cols, _ = columns(rows)
        title = " ".join(text(v) for r in rows[:header_at(rows)] for v in r)
        if any(c in prog_cols for c in cols):
            found.add("column")
        elif names(title) and not names(sheet) and not names(f):
            found.add("title")
        elif names(sheet) and not names(title) and not names(f):
            found.add("sheet")
        elif names(f) and not names(title) and not names(sheet):
            found.add("file")
    assert found == {"column", "title", "sheet", "file"}


# ---- how months, dates, amounts, ID numbers and names are written -------------------------------

def test_months_dates_and_amounts_are_written_many_ways(inbox):
    months, dates, amounts = [], [], []
    for _f, _, rows in inbox:
        if header_at(rows) is None:
            continue
        months += values(rows, "所属期", "所属年月", "发放年月", "所属月份")
        dates += values(rows, "日期", "时间")
        amounts += values(rows, "金额", "低保金")
    texts = [text(m) for m in months if isinstance(m, str)]
    for pat in (r"\d{4}-\d{2}", r"\d{6}", r"\d{4}年\d{1,2}月", r"\d{4}\.\d{1,2}"):
        assert any(re.fullmatch(pat, t) for t in texts), pat
    assert any(isinstance(m, dt.datetime) for m in months), "months as Excel date cells"
    texts = [d for d in dates if isinstance(d, str)]
    for pat in (r"\d{4}-\d{2}-\d{2}", r"\d{4}/\d{1,2}/\d{1,2}", r"\d{4}年\d{1,2}月\d{1,2}日", r"\d{8}"):
        assert any(re.fullmatch(pat, t) for t in texts), pat
    assert any(re.fullmatch(r"\d{4}/\d/\d{1,2}", t) for t in texts), "unpadded 2020/3/5"
    assert any(isinstance(d, dt.datetime) for d in dates), "dates as Excel date cells"
    assert any(isinstance(a, (int, float)) for a in amounts)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d{2}", text(a)) for a in amounts), "1,200.00"
    assert any(re.fullmatch(r"\d+元", text(a)) for a in amounts), "120元"


def test_id_numbers_and_names_are_written_the_ways_clerks_write_them(inbox):
    ids, names = [], []
    for f, _, rows in inbox:
        if header_at(rows) is not None:
            ids += [(f, v) for v in values(rows, *ID_HEADERS)]
            names += [text(v) for v in values(rows, "姓名", "所有人", "收款人")]
    texts = [text(v) for _, v in ids if isinstance(v, str)]
    assert any(re.search("[０-９]", t) for t in texts), "full-width digits"
    assert any(re.fullmatch(r"\d{17}x", t) for t in texts), "lowercase x"
    assert any(t.endswith("×") for t in texts), "× for X"
    assert any(re.fullmatch(r"\d+( \d+)+", t) for t in texts), "spaces inside"
    assert any(t.startswith("'") for t in texts), "a leading apostrophe"
    assert any("\u200b" in t for t in texts), "a zero-width space"
    assert any(re.fullmatch(r"\d{15}", t) for t in texts), "a 15-digit legacy number"
    assert any(t.startswith("332427") for t in texts), "the historical county code"
    numeric = [(f, v) for f, v in ids if isinstance(v, (int, float))]
    assert numeric and all(f.endswith(".xlsx") and v >= 1e17 for f, v in numeric), "ID numbers in number cells of an xlsx"
    assert any(re.fullmatch(r"\w\u3000\w", n) for n in names), "a two-character name padded with U+3000"
    dots: dict[str, set] = {}
    for n in names:
        for dot in re.findall(r"[•·.]", n):
            dots.setdefault(re.sub(r"[•·.]", "", n), set()).add(dot)
    assert {"•", "·", "."} in dots.values(), "one minority name written with •, · and . in different files"
    assert any("䶮" in n for n in names)


# ---- planted_rows.csv: the loader's answer key --------------------------------------------------

def test_planted_rows_cover_every_case_the_loader_must_handle(planted_rows):
    by = Counter((r["expect"], r["reason"]) for r in planted_rows)
    for reason in ("ID_CHECKSUM_FAIL", "ID_PRECISION_LOST", "MISSING_ID", "BAD_MONTH", "BAD_AMOUNT"):
        assert by[("quarantined", reason)] >= 1, reason
    for reason in ("NORMALISED", "RECOVERED"):
        assert by[("loaded", reason)] >= 1, reason
    for reason in ("title", "header", "total", "footer", "blank"):
        assert by[("structural", reason)] >= 1, reason
    assert by[("total_mismatch", "total")] == 1
    assert {r["expect"] for r in planted_rows} == {"loaded", "quarantined", "structural", "total_mismatch"}
    assert all(r["expected"] for r in planted_rows if r["expect"] == "loaded")


def test_planted_rows_point_at_rows_that_are_what_they_say(inbox, planted_rows):
    grids = {(f, s): rows for f, s, rows in inbox}
    for r in planted_rows:
        row = grids[(r["file"], r["sheet"])][int(r["row_no"]) - 1]
        where = (r["file"], r["sheet"], r["row_no"], r["reason"])
        first = next((text(v).strip() for v in row if text(v).strip()), "")
        if r["reason"] == "blank":
            assert is_blank(row), where
        elif r["reason"] == "total":
            assert first in ("合计", "小计"), where
        elif r["reason"] == "footer":
            assert re.match("(制表|填表|审核)人", first), where
        elif r["reason"] in ("title", "header"):
            assert first, where
        else:
            assert sum(1 for v in row if text(v).strip()) >= 4, where
        if r["reason"] in ("RECOVERED", "ID_PRECISION_LOST"):
            assert any(isinstance(v, (int, float)) and v >= 1e17 for v in row), where
        if r["reason"] == "NORMALISED" and r["column"] == "id_number":
            assert any(r["expected"][:6] in re.sub(r"\D", "", text(v).translate(FULLWIDTH_DIGITS)) for v in row), where
    # every structural row of every recognised sheet is listed, so the loader's can be compared one to one
    listed = {(r["file"], r["sheet"], int(r["row_no"])) for r in planted_rows}
    for f, s, rows in inbox:
        if header_at(rows) is None:
            continue
        for i, row in enumerate(rows, 1):
            if is_blank(row) or (row and text(row[0]).strip() in ("合计", "小计")):
                assert (f, s, i) in listed, (f, s, i)



def test_totals_agree_with_their_rows_except_the_planted_one(inbox, planted_rows):
    """Each 合计/小计 equals the sum of the record rows since the header or the previous total (rows the
    loader quarantines included: their amounts are fine); only the planted total_mismatch is off, by 100."""
    grids = {(f, s): rows for f, s, rows in inbox}
    kind = {(r["file"], r["sheet"], int(r["row_no"])): r for r in planted_rows
            if r["expect"] in ("structural", "total_mismatch")}
    off = []
    for (f, s, n), r in kind.items():
        if r["reason"] != "total":
            continue
        rows = grids[(f, s)]
        start = max(i for i in range(1, n) if kind.get((f, s, i), {}).get("reason") in ("header", "total"))
        block = [rows[i - 1] for i in range(start + 1, n) if (f, s, i) not in kind]
        for j, stated in enumerate(rows[n - 1]):
            if j and _amount(stated) is not None:
                diff = _amount(stated) - sum(a for row in block if (a := _amount(row[j])) is not None)
                if diff:
                    off.append((f, diff, r["expect"]))
    mismatch = next(r["file"] for r in planted_rows if r["expect"] == "total_mismatch")
    assert off == [(mismatch, Decimal(100), "total_mismatch")]


def _amount(v) -> Decimal | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return Decimal(str(v)).quantize(Decimal("0.01"))
    t = re.sub(r"[,元\s]", "", text(v))
    return Decimal(t).quantize(Decimal("0.01")) if re.fullmatch(r"-?\d+(\.\d+)?", t) else None


def test_special_rows_are_ordinary_living_recipients_never_planted_ones(inbox, planted_rows):
    """The loader's damaged rows never touch a planted case, except R13's traps, whose point is the form
    of the ID number a ledger uses (a 15-digit legacy number the loader upgrades), and the 组织部 roster,
    which pads every two-character name (its layout, not a damaged record; R11 files its cases under cadres)."""
    planted = [p for p in _planted() if not (p["rule_id"] == "R13" and p["expect"] == "none")]
    planted_ids = {p["subject_id_number"] for p in planted}
    planted_names = {p["subject_name"] for p in planted}
    grids = {(f, s): rows for f, s, rows in inbox}
    roster = next(f for f, _, rows in inbox if any("任职开始日期" in text(v) for row in rows[:5] for v in row))
    for r in planted_rows:
        if r["file"] == roster and r["column"] == "name":
            continue
        if r["expect"] in ("loaded", "quarantined"):
            row = grids[(r["file"], r["sheet"])][int(r["row_no"]) - 1]
            assert r["expected"] not in planted_ids, r
            assert not {re.sub(r"\s", "", text(v)) for v in row} & planted_names, r


def test_damaged_numeric_ids_are_recoverable_only_when_registered(inbox, planted_rows, register):
    grids = {(f, s): rows for f, s, rows in inbox}
    prefixes = Counter((i[:14], n) for i, n in register.items())
    for r in planted_rows:
        if r["reason"] not in ("RECOVERED", "ID_PRECISION_LOST"):
            continue
        rows = grids[(r["file"], r["sheet"])]
        record = dict(zip(columns(rows)[0], rows[int(r["row_no"]) - 1]))
        number = next(v for k, v in record.items() if any(h in k for h in ID_HEADERS))
        name = next(text(v) for k, v in record.items() if "姓名" in k)
        assert isinstance(number, (int, float)) and number >= 1e17, r
        key = (f"{int(number):d}"[:14], name)
        if r["reason"] == "RECOVERED":
            assert prefixes[key] == 1 and register[r["expected"]] == name, r
        else:
            assert prefixes[key] == 0, r


# ---- the source kinds beyond payments ------------------------------------------------------------

def kind_file(inbox, *headings) -> list[dict]:
    """The records of the one sheet whose header row has all the headings."""
    hits = []
    for f, _, rows in inbox:
        for i, row in enumerate(rows[:10]):
            names = [text(v) for v in row]
            if all(any(h in n for n in names) for h in headings):
                hits.append((f, [dict(zip(names, r)) for r in rows[i + 1:]]))
                break
    assert len(hits) == 1, (headings, [f for f, _ in hits])
    return hits[0][1]


def test_every_new_source_kind_has_a_file_drawn_from_the_population(inbox, register):
    cadres = [r for r in kind_file(inbox, "职务", "任职开始日期") if r.get("身份证号码")]
    workers = [r for r in kind_file(inbox, "岗位", "上岗时间") if r.get("身份证号码")]
    payroll = [r for r in kind_file(inbox, "单位名称", "编制类型") if r.get("身份证号码")]
    kin = [r for r in kind_file(inbox, "备案日期") if r.get("申请人身份证号")]
    vehicles = kind_file(inbox, "号牌号码")
    businesses = kind_file(inbox, "统一社会信用代码", "人员角色")
    projects = [r for r in kind_file(inbox, "施工单位") if r.get("统一社会信用代码")]
    agreements = [r for r in kind_file(inbox, "协议编号", "应付金额") if r.get("协议编号")]
    payouts = [r for r in kind_file(inbox, "协议编号", "收款人") if r.get("协议编号")]

    def registered(i, name):
        return register.get(text(i)) == re.sub(r"[\s\u3000]", "", text(name)).replace("•", "·").replace(".", "·")

    assert cadres and all(registered(r["身份证号码"], r["姓名"]) for r in cadres)
    assert {"村党组织书记", "村民委员会主任", "村务监督委员会主任", "村报账员"} <= {r["职务"] for r in cadres}
    assert [r for r in cadres if "2019" in text(r["任职结束日期"])], "a cadre whose term ended in 2019"
    assert workers and all(registered(r["身份证号码"], r["姓名"]) for r in workers)
    assert payroll and all(registered(r["身份证号码"], r["姓名"]) for r in payroll)
    assert [r for r in payroll if isinstance(r["离职/退休日期"], dt.datetime) and r["离职/退休日期"].year == 2018]
    assert len(kin) >= 2 and all(registered(r["申请人身份证号"], r["申请人姓名"]) for r in kin)
    assert {text(r["关联干部身份证号"]) for r in kin} <= {text(r["身份证号码"]) for r in cadres + workers}
    assert all(registered(r["身份证明号码"], r["机动车所有人"]) for r in vehicles)
    assert {"正常", "注销", "转移", "报废"} <= {r["机动车状态"] for r in vehicles}
    assert any("残疾人专用" in r["车辆类型"] for r in vehicles)
    # everyone behind a business is registered here, but an investor from elsewhere (another area's ID number)
    assert all(registered(r["证件号码"], r["人员姓名"]) or not text(r["证件号码"]).startswith(("330822", "332427"))
               for r in businesses)
    assert {r["市场主体类型"] for r in businesses} == {"企业", "个体工商户", "农民专业合作社"}
    assert {r["登记状态"] for r in businesses} == {"存续", "注销", "吊销"}
    assert all(len(r["统一社会信用代码"]) == 18 for r in projects + businesses)
    assert {r["统一社会信用代码"] for r in projects} & {r["统一社会信用代码"] for r in businesses}
    assert all(registered(r["身份证号码"], r["承包方（户主）姓名"]) for r in agreements)
    paid = Counter()
    for r in payouts:
        paid[r["协议编号"]] += Decimal(str(r["发放金额"]))
    due = {r["协议编号"]: Decimal(str(r["应付金额（元）"])) for r in agreements}
    assert set(paid) <= set(due)
    # the instalments add up to what each agreement owes, except R12's planted shortfalls (the tower case, an
    # agreement nothing was paid on)
    short = {(text(r["身份证号码"]), r["项目名称"]) for r in agreements if paid[r["协议编号"]] < due[r["协议编号"]]}
    r12 = {(p["subject_id_number"], p["programme"]) for p in _planted() if p["rule_id"] == "R12" and p["expect"] == "flag"}
    assert short and short <= r12 and all(paid[n] <= due[n] for n in due)
    assert Counter(r["协议编号"] for r in payouts).most_common(1)[0][1] >= 2, "instalments"
    # some payouts go to someone else than the entitled person (a spouse, a cadre)
    assert [r for r in payouts if text(r["收款人身份证号"]) != text(r["被补偿人身份证号"])]


def test_ledgers_name_the_accounts_paid_into_and_the_dibao_insured_alone(inbox):
    """The 低保, pension and 生活补贴 ledgers carry the account each payment went to: one person, one card,
    except where R14 plants several payees on one account; the 低保 lists mark 重残单独施保 in 备注."""
    users: dict[str, set] = {}
    remarks = []
    with_accounts = set()
    for f, _, rows in inbox:
        if not is_ledger(rows):
            continue
        for r in table(rows):
            ids = [text(v).strip() for k, v in r.items()
                   if any(h in k for h in ID_HEADERS) and re.fullmatch(r"\d{17}[\dX]", text(v).strip())]
            accounts = [text(v).strip() for k, v in r.items() if ("账号" in k or "卡号" in k) and text(v).strip()]
            for a in accounts:
                with_accounts.add(f)
                users.setdefault(a, set()).update(ids)
            remarks += [text(v) for k, v in r.items() if "备注" in k and v]
    assert {"人社_城乡居民养老金发放_2020.csv", "残联_2020年困难残疾人生活补贴发放明细.xlsx",
            "民政_最低生活保障_2020年1-9月.csv"} <= with_accounts
    assert all(re.fullmatch(r"\d{16,19}", a) for a in users)
    assert 3 <= sum(1 for ids in users.values() if len(ids) > 1) <= 6, "a few accounts shared by R14's payees"
    assert any("单独施保" in r for r in remarks)


def test_the_unrecognised_file_is_kept(inbox):
    memo = [rows for f, _, rows in inbox if f.startswith("会议纪要")]
    assert memo and header_at(memo[0]) is None


def _is_utf8(b: bytes) -> bool:
    return _decodes(b, "utf-8")


def _decodes(b: bytes, encoding: str) -> bool:
    try:
        b.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False

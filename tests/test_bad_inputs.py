"""Hostile inbox files (tests/bad_inputs/, README.md there): each gives a clear message naming the file
(and sheet, row or column), the other files of the same inbox load as if it were not there, and every
row read is loaded, quarantined with a reason or counted as structural. Real files, a real DuckDB, real
Great Expectations; the expected outcomes are data (tests/bad_inputs/expected.yaml)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import ROOT, fetch_dicts, run_cli

from sources import accounting, gx, load, stage

BAD = ROOT / "tests" / "bad_inputs"
AS_OF = dt.date(2021, 1, 15)
EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
INPUT_SUFFIXES = {".xlsx", ".xls", ".csv"}
sys.path.insert(0, str(BAD))
import make  # noqa: E402  tests/bad_inputs/make.py


def inputs() -> list[Path]:
    return sorted(p for p in BAD.iterdir() if p.suffix in INPUT_SUFFIXES)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    box = tmp_path_factory.mktemp("hostile") / "inbox"
    box.mkdir()
    for p in inputs():
        shutil.copyfile(p, box / p.name)
    return box


@pytest.fixture(scope="module")
def loaded(inbox, tmp_path_factory):
    """All the hostile files and the controls loaded together, staged and validated; and how long it took."""
    con = duckdb.connect()
    t0 = time.perf_counter()
    load.load_inbox(con, inbox, tmp_path_factory.mktemp("transcode"))
    seconds = time.perf_counter() - t0
    stage.stage_all(con)
    gx.validate_tables(con, tmp_path_factory.mktemp("gx"), AS_OF)
    return con, accounting.accounting(con), seconds


def file_id(con, name: str) -> int:
    return con.execute("select file_id from source_files where file_name = ?", [name]).fetchone()[0]


# ---- the catalogue is complete ----------------------------------------------------------------------

def test_every_hostile_file_has_an_expected_outcome_and_a_line_in_the_readme():
    names = {p.name for p in inputs()}
    assert names == set(EXPECTED)
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    listed = {name for cell in re.findall(r"^\| ([^|]*) \|", readme, re.M) for name in re.findall(r"`([^`]+)`", cell)}
    assert names <= listed, names - listed


def test_the_committed_files_are_what_make_py_writes():
    """make.py is deterministic: the committed files are its output (zip parts compared unpacked, as
    zlib builds may compress differently)."""
    import zipfile

    for name, data in make.files().items():
        committed = (BAD / name).read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)) and zipfile.is_zipfile(io.BytesIO(committed)):
            a, b = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(committed))
            assert [(i.filename, a.read(i)) for i in a.infolist()] == [(i.filename, b.read(i)) for i in b.infolist()], name
        elif name != "password.xlsx":      # encrypted zip: the cipher text follows zlib's output
            assert data == committed, name


# ---- 1. a clear message naming the file (and sheet, row, column) --------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_has_its_expected_outcome_and_message(loaded, name):
    con, accounting, _ = loaded
    want = EXPECTED[name]
    f = fetch_dicts(con, "select * from source_files where file_name = ?", [name])[0]
    assert f["status"] == want["status"], (name, f["reason"])
    for part in want.get("reason") or []:
        assert part in (f["reason"] or ""), (name, part, f["reason"])
    if not want.get("reason") and f["status"] == "loaded":
        assert f["reason"] is None, (name, f["reason"])
    if "encoding" in want:
        assert f["encoding"] == want["encoding"], name
    sheets = {a["sheet"]: a for a in accounting if a["file_name"] == name and a["sheet"] is not None}
    for sheet, (status, part) in (want.get("sheets") or {}).items():
        assert sheets[sheet]["sheet_status"] == status, (name, sheet)
        assert (part or "") in (sheets[sheet]["sheet_reason"] or ""), (name, sheet, sheets[sheet]["sheet_reason"])
    rows = [a for a in accounting if a["file_name"] == name]
    assert sum(a["rows_loaded"] for a in rows) == want.get("loaded", 0), name
    assert sum(a["rows_structural"] for a in rows) == want.get("structural", 0), name
    quarantined = dict(con.execute("select reason, count(distinct (sheet, row_no)) from quarantine where file_id = ? "
                                   "group by reason", [f["file_id"]]).fetchall())
    assert quarantined == (want.get("quarantined") or {}), name


def test_quarantined_rows_show_what_was_in_the_cell(loaded):
    """Formulas without a saved result and error values reach the quarantine as their text, not as 金额为空."""
    con, _, _ = loaded
    got = dict(con.execute("""
        select r.row_no, qf_cells(r.cells, r.line, s.delimiter)[json_extract_string(s.mapping, '$.amount_yuan')::integer + 1]
        from quarantine q join raw_payments r using (file_id, sheet, row_no)
        join source_sheets s using (file_id, sheet) where q.file_id = ?""", [file_id(con, "formulas.xlsx")]).fetchall())
    assert got == {3: "=C3*D3", 4: "=C4*D4", 5: "#DIV/0!"}
    total = con.execute("select row_kind from raw_structural where file_id = ? and row_no = 7",
                        [file_id(con, "formulas.xlsx")]).fetchone()
    assert total == ("total",)


# ---- 2. nothing silently wrong in what loads ---------------------------------------------------------

def test_values_that_load_are_the_values_in_the_file(loaded):
    con, _, _ = loaded

    def rows(name: str, table: str = "payments", cols: str = "name, amount_yuan") -> list[tuple]:
        return con.execute(f"select {cols} from {table} where file_id = ? order by row_no", [file_id(con, name)]).fetchall()

    assert [r[0] for r in rows("two_encodings.csv")] == ["陈一", "陈二", "陈三", "陈四"]
    assert rows("two_encodings.csv", cols="programme")[-1] == ("特困人员供养",)
    assert rows("merged_records.xlsx", cols="name, township") == [("王甲", "球川镇"), ("王乙", "球川镇"), ("王丙", "球川镇")]
    assert con.execute("select list(row_no order by row_no) from raw_structural where file_id = ? and row_kind = 'merged'",
                       [file_id(con, "merged_records.xlsx")]).fetchone()[0] == [3, 5]
    assert [(n, float(a)) for n, a in rows("formulas.xlsx")] == [("赵甲", 540.0), ("赵戊", 270.0)]
    assert rows("long_cell.xlsx", cols="length(remark)") == [(32_767,)]
    assert rows("long_line.csv", cols="length(remark)") == [(200_000,), (None,)]
    assert [(n, float(a)) for n, a in rows("amounts.xlsx")] == [("吴甲", 300.0), ("吴甲", -300.0), ("吴乙", -300.0)]
    assert [(n, float(a)) for n, a in rows("stray_quote.csv")] == [
        ("褚一", 300.0), ('"褚二', 300.0), ('褚"三', 300.0), ("褚四", 1200.0), ("褚五", 300.0)]
    assert rows("future_months.csv", cols="entitlement_month") == [(dt.date(2020, 12, 1),), (dt.date(2021, 1, 1),)]
    assert rows("dates_before_1900.csv", "death_records", "name, death_on, dereg_on, warnings") == [
        ("冯甲", None, None, "BAD_DATE:death_on"), ("冯乙", None, dt.date(2020, 5, 1), "BAD_DATE:death_on"),
        ("冯丙", None, None, "BAD_DATE:death_on"), ("冯丁", dt.date(2020, 6, 1), None, None)]


def test_an_id_stored_as_a_number_is_recovered_when_exact_and_quarantined_otherwise(loaded):
    con, _, _ = loaded
    fid = file_id(con, "numeric_ids.xlsx")
    got = con.execute("select name, id_number, id_number_recovered from payments where file_id = ? order by row_no",
                      [fid]).fetchall()
    assert got == [("周甲", make.id_number(100), False),      # 15 digits fit in a number: exact, upgraded
                   ("钱七", make.id_number(40), True)]        # damaged, recovered from the register
    q = con.execute("select s.name, q.reason from quarantine q join stg_payments s using (file_id, sheet, row_no) "
                    "where q.file_id = ? order by q.row_no", [fid]).fetchall()
    assert q == [("周乙", "ID_PRECISION_LOST"), ("周丙", "ID_PRECISION_LOST")]


# ---- 3. every row accounted for, and the rest of the inbox unharmed ----------------------------------

def physical_rows(path: Path) -> int | None:
    """Lines of a CSV, or rows of a workbook's readable sheets as Excel shows them; None when unreadable."""
    import python_calamine

    want = EXPECTED[path.name]
    if want["status"] == "unreadable":
        return None
    if path.suffix == ".csv":
        return len(path.read_bytes().splitlines())
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))   # by content, not name
    skip = {s for s, (status, _) in (want.get("sheets") or {}).items() if status == "unreadable"}
    return sum(len(wb.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in wb.sheet_names if s not in skip)


def test_every_row_read_is_loaded_quarantined_or_structural(loaded, inbox):
    _, accounting, _ = loaded
    for a in accounting:
        assert a["reconciles"], a
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_structural"], a
    for p in inputs():
        if (n := physical_rows(p)) is not None:
            assert sum(a["rows_read"] for a in accounting if a["file_name"] == p.name) == n, p.name


def test_hostile_files_cost_nothing_to_the_others_and_little_time(loaded, inbox, tmp_path):
    """The controls load exactly as they do alone; the bombs are refused in well under a second each."""
    con, _, seconds = loaded
    alone = duckdb.connect()
    box = tmp_path / "inbox"
    box.mkdir()
    for name in ("good_payments.csv", "good_register.xlsx"):
        shutil.copyfile(inbox / name, box / name)
    load.load_inbox(alone, box, tmp_path / "transcode")
    stage.stage_all(alone)
    q = "select name, id_number, amount_yuan, entitlement_month from payments where source_file = 'good_payments.csv' order by row_no"
    assert con.execute(q).fetchall() == alone.execute(q).fetchall()
    assert seconds < 30, seconds


def test_the_nightly_run_completes_and_names_every_file_it_could_not_use(inbox, tmp_path):
    data = tmp_path / "data"
    proc = run_cli(["run", "--inbox", str(inbox), "--out", str(data / "run"), "--as-of", AS_OF.isoformat()], data)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    info = json.loads((data / "run" / "run.json").read_text(encoding="utf-8"))
    assert info["rows"]["reconciles"]
    files = {f["file"]: f for f in info["files"]}
    assert {n: f["status"] for n, f in files.items()} == {n: w["status"] for n, w in EXPECTED.items()}
    for name, want in EXPECTED.items():
        if want["status"] != "loaded":
            assert name in proc.stdout, name
    assert (data / "run" / "quarantine.csv").exists()


# ---- a multi-gigabyte CSV: streamed with bounded memory, every line accounted for --------------------

BIG_GB = float(os.environ.get("QF_BIG_CSV_GB", "2"))   # a smaller size for a quick local run
BIG_MEMORY_LIMIT = "1GB"
BIG_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from sources import accounting, load, stage, warehouse
work = Path(sys.argv[2])
t0 = time.perf_counter()
con = warehouse.connect(work / "warehouse.duckdb", 2, sys.argv[3], work / "spill")
load.load_inbox(con, work / "inbox", work / "transcode")
t1 = time.perf_counter()
stage.stage_all(con)
t2 = time.perf_counter()
acc = accounting.accounting(con)
status = con.execute("select status, reason from source_files").fetchall()
reasons = dict(con.execute("select reason, count(*) from quarantine group by all").fetchall())
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"accounting": acc, "status": status, "reasons": reasons, "peak_kib": peak,
                  "load_s": t1 - t0, "stage_s": t2 - t1}, default=str))
"""


def write_big_csv(path: Path, gib: float) -> dict:
    """A header, then one block of 10,000 lines written again and again (fast: the disk is the limit).
    Each block: 9,995 payments with valid ID numbers, 3 with a wrong check character, 2 blank lines."""
    good, bad, blank = 9_995, 3, 2
    lines = []
    for i in range(good + bad):
        ident = make.id_number(i % 900, str(1930 + i % 60))
        if i >= good:
            ident = ident[:17] + ("0" if ident[17] != "0" else "1")
        lines.append(f"王{i % 97},{ident},{100 + i % 900}.00,2020-{1 + i % 12:02d},低保,天马街道,和平社区,{'长期发放' * 40}\n")
    lines[5000:5000] = ["\n"] * blank
    block = "".join(lines).encode("utf-8")
    head = "姓名,身份证号,金额,所属期,补贴类型,乡镇,村,备注\n".encode()
    n = int(gib * (1 << 30)) // len(block) + 1
    with open(path, "wb") as f:
        f.write(head)
        for _ in range(n):
            f.write(block)
    return {"blocks": n, "good": good, "bad": bad, "blank": blank, "lines": 1 + n * (good + bad + blank)}


def test_a_multi_gigabyte_csv_is_streamed_with_bounded_memory_and_every_line_accounted_for(tmp_path):
    (tmp_path / "inbox").mkdir()
    path = tmp_path / "inbox" / "发放明细_全市_2020.csv"
    t0 = time.perf_counter()
    shape = write_big_csv(path, BIG_GB)
    written_s = time.perf_counter() - t0
    size = path.stat().st_size
    assert size >= BIG_GB * (1 << 30)
    proc = subprocess.run([sys.executable, "-c", BIG_CHILD, str(ROOT), str(tmp_path), BIG_MEMORY_LIMIT],
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-5000:]
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["status"] == [["loaded", None]]
    (a,) = out["accounting"]
    n = shape["blocks"]
    assert a["rows_read"] == shape["lines"]                                 # every physical line is a row
    assert a["rows_loaded"] == n * shape["good"]
    assert a["rows_quarantined"] == n * shape["bad"] and out["reasons"] == {"ID_CHECKSUM_FAIL": n * shape["bad"]}
    assert a["rows_structural"] == 1 + n * shape["blank"] and a["reconciles"]
    # the file is never held in Python: the peak stays near DuckDB's memory limit, far below the file's size
    peak = out["peak_kib"] * 1024
    assert peak < 1.75 * (1 << 30), (peak, size)
    print(f"\n{size / (1 << 30):.2f} GiB, {shape['lines']:,} lines: written in {written_s:.0f} s, loaded in "
          f"{out['load_s']:.0f} s, staged in {out['stage_s']:.0f} s, peak RSS {peak / (1 << 20):.0f} MiB")


SHEET_XML = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}'
             '</sheetData></worksheet>')


def _sheet_part(tmp_path: Path, rows: str):
    import zipfile
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("sheet1.xml", SHEET_XML.format(rows=rows))
    z = zipfile.ZipFile(path)
    return z, z.getinfo("sheet1.xml")


@pytest.mark.parametrize("rows, quick", [
    # as Excel writes: every cell with r="…" first, columns within A–ZZ, rows as numbered
    ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="J1"><v>1</v></c></row>'
     '<row r="2"><c r="AB2"><v>2</v></c></row>', True),
    ('<row r="1"><c r="XFD1"><v>1</v></c></row>', False),                 # three letters: beyond ZZ
    ('<row r="1"><c r="A1"><v>1</v></c><c r="B1048576"><v>1</v></c></row>', False),   # a cell far below its row
    ('<row r="1"><c><v>1</v></c><c t="n"><v>2</v></c></row>', False),     # cells placed without r="…"
    ('<row r="1"><c t="n" r="A1"><v>1</v></c></row>', False),             # r="…" not first
    ('<row><c r="A1"><v>1</v></c></row>', False),                         # a row without r="…"
    ('<row r="x"><c r="A1"><v>1</v></c></row>', False),                   # a row numbered by no number
    # rows numbered with more digits further on: the bound grows with them (rows < 10^5)
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="12345"><c r="B12345"><v>1</v></c></row>', True),
    ('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', False),       # elements with a prefix
])
def test_the_quick_bomb_scan_vouches_only_for_sheets_written_the_usual_way(tmp_path, rows, quick):
    """The quick scan bounds a sheet's area from three searches; anything written otherwise goes to the
    exact scan, which is the one that measures (a far cell must never pass on the quick path)."""
    from sources import read_xlsx as read
    z, info = _sheet_part(tmp_path, rows)
    ext = read._scan_sheet_quick(z, info, "s")
    assert (ext is not None) == quick
    exact = read._scan_sheet_exact(z, info, "s")
    if ext is not None:
        assert ext.rows >= exact.rows and ext.cols >= exact.cols and ext.problem() is None
    far = read._scan_sheet_xml(z, info, "s")
    assert (far.rows, far.cols) == ((ext.rows, ext.cols) if quick else (exact.rows, exact.cols))


def test_a_csv_that_is_utf8_for_its_first_megabyte_and_gbk_after_is_read_line_by_line(tmp_path):
    """A CSV is read in place when its first megabyte is UTF-8; DuckDB finds a GBK line further on,
    and the file is then decoded line by line as any file of two encodings (nothing lost, named)."""
    head = ",".join(make.PAY_HEAD[:5]) + "\n"
    rows = [f"王{i},{make.id_number(i % 800)},300,2020-03,低保\n" for i in range(25_000)]
    gbk = f"李四,{make.id_number(300)},300,2020-03,低保\n".encode("gbk")
    box = tmp_path / "inbox"
    box.mkdir()
    (box / "late_gbk.csv").write_bytes((head + "".join(rows)).encode() + gbk)
    assert (box / "late_gbk.csv").stat().st_size > 1 << 20
    con = duckdb.connect()
    load.load_inbox(con, box, tmp_path / "tmp")
    stage.stage_all(con)
    encoding, reason = con.execute("select encoding, reason from source_files").fetchone()
    assert encoding == "utf-8+gb18030" and "第 25002 行按 GB18030" in reason
    names = [r[0] for r in con.execute("select name from payments order by row_no").fetchall()]
    assert len(names) == 25_001 and names[-1] == "李四" and names[0] == "王0"

"""The readers on files built here: CSV records whose quoted fields hold line breaks (UTF-8, CRLF, GBK),
stray and unclosed quotes, a small .xls whose workbook stream lives in the compound file's mini stream,
a minimal .xlsx (no shared strings, styles or <dimension>) and one whose <dimension> lies."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import olefile
import pytest
import xlwt

from sources import load
from sources.read import read_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.world.ids import check_char  # noqa: E402  (the synthetic world's ID numbers: bench/world/ids.py)

HEADER = ["身份证号", "姓名", "金额", "月份", "备注"]
REMARK = "原卡号注销\n改发至新卡\n（2020年4月补办）"      # two line breaks


def id_number(i: int) -> str:
    body = f"330822{19500101 + i % 28:08d}{i % 1000:03d}"
    return body + check_char(body)


def ledger(n: int = 100, remark_at: int = 50) -> list[list[str]]:
    """The header and n records; the record numbered `remark_at` (1-based) has the multi-line remark."""
    return [HEADER] + [[id_number(i), f"王{i}", "300.00", "2020-03", REMARK if i == remark_at else ""]
                       for i in range(1, n + 1)]


def csv_text(rows: list[list[str]], newline: str = "\n") -> str:
    def field(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in '",\n') else v
    return "".join(",".join(field(v.replace("\n", newline)) for v in r) + newline for r in rows)


def load_inbox(tmp_path: Path, name: str, data: bytes):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(data)
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp_path / "transcode")
    return con


def payments(con) -> list[tuple]:
    """(row_no, cells) of raw_payments, the cells as the grid gives them."""
    return con.execute("""
        select r.row_no, qf_cells(r.cells, r.line, s.delimiter) from raw_payments r
        join source_sheets s using (file_id, sheet) order by r.row_no""").fetchall()


def file_outcome(con) -> tuple:
    return con.execute("select status, encoding, reason from source_files").fetchone()


# ---- CSV: a quoted field with line breaks is one record -------------------------------------------

@pytest.mark.parametrize("encoding, newline", [("utf-8", "\n"), ("utf-8", "\r\n"), ("gbk", "\n")])
def test_a_remark_with_line_breaks_is_one_record_numbered_by_its_first_line(tmp_path, encoding, newline):
    rows = ledger()
    con = load_inbox(tmp_path, "民政_最低生活保障_发放.csv", csv_text(rows, newline).encode(encoding))
    status, enc, reason = file_outcome(con)
    assert (status, reason) == ("loaded", None)
    assert enc == ("gb18030" if encoding == "gbk" else encoding)
    got = payments(con)
    assert len(got) == 100                       # every record, none cut at the line breaks
    # the header is line 1, record i on line i + 1 up to the multi-line one (line 51, running to 53),
    # the records after it two lines further down: a row number is where the record starts
    assert [r for r, _ in got] == list(range(2, 52)) + list(range(54, 104))
    by_row = dict(got)
    assert by_row[51] == rows[50]                # the remark intact: its line breaks read as "\n"
    assert by_row[54] == rows[51] and by_row[103] == rows[100]
    assert con.execute("select count(*) from raw_structural").fetchone()[0] == 1   # the header only


def test_a_header_cell_with_a_line_break_is_one_header(tmp_path):
    rows = [["身份证号", "姓名", "金额\n（元）", "月份"]] + [r[:4] for r in ledger(5)[1:]]
    con = load_inbox(tmp_path, "低保发放.csv", csv_text(rows).encode())
    assert con.execute("select header_row, header from source_sheets").fetchone() == (1, rows[0])
    assert [r for r, _ in payments(con)] == [3, 4, 5, 6, 7]


def test_a_stray_quote_swallows_nothing_and_an_unclosed_one_is_named(tmp_path):
    rows = ledger(6, remark_at=5)
    lines = csv_text(rows).splitlines(keepends=True)       # the remark's record is lines 6–8
    lines[2] = '"' + lines[2]                               # line 3: a quote opened, never closed
    lines.append(f'{id_number(7)},"王7,300.00,2020-03,\n')  # line 10: a quote still open at the end
    lines.append(f"{id_number(8)},王8,300.00,2020-03,\n")
    con = load_inbox(tmp_path, "低保发放.csv", "".join(lines).encode())
    got = payments(con)
    assert [r for r, _ in got] == [2, 3, 4, 5, 6, 9, 10, 11]
    assert dict(got)[6][4] == REMARK                         # the real multi-line field still joined
    assert dict(got)[10][1] == '"王7'                         # the open quote kept in its field
    reason = con.execute("select reason from source_sheets").fetchone()[0]    # the sheet's notes
    assert "第 3、10 行的引号不成对" in reason
    assert "第 10 行的引号直到文件末尾也没有闭合" in reason


@pytest.mark.parametrize("text", [
    'a,b\n1,"x\ny"\n',
    'a,b\n"1\n2","x\n\ny"\n3,4\n',                  # two multi-line fields in one record, a blank line inside
    'a,b\n"1,2\n3,4\n',                             # unclosed at the end
    'a,b\n"1,2\n3"4,5\n6,"7\n8"\n',                 # a stray, then a real one
    'a,b\n1,"x""\ny"""\n',                           # doubled quotes around the line break
    'a;b\n1;"x\ny";"z"\n',
])
def test_the_preview_and_the_grid_join_the_same_lines(tmp_path, text):
    """The preview (Python) and the grid (DuckDB SQL) apply one rule, in two implementations."""
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    sheet = read_file(path, tmp_path).sheets[0]
    con = duckdb.connect()
    con.execute((load.HERE / "macros.sql").read_text(encoding="utf-8"))
    sheet.load(con, "g")
    grid = dict(con.execute("select row_no, qf_cells(cells, line, ?) from g", [sheet.delimiter]).fetchall())
    preview = {i + 1: row for i, row in enumerate(sheet.preview) if i + 1 in grid}
    assert preview == grid
    assert all(row == [] for i, row in enumerate(sheet.preview) if i + 1 not in grid)


# ---- Excel: a small .xls in the mini stream, a minimal .xlsx, a lying <dimension> -----------------

END, FREE, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF


def mini_stream_cfb(name: str, stream: bytes) -> bytes:
    """A compound file (version 3) of one stream under 4,096 bytes, held in the mini stream as Excel and
    WPS write small workbooks (xlwt pads every stream to 4,096 bytes, so it never writes one)."""
    assert len(stream) < 4096
    n_mini = -(-len(stream) // 64)
    ministream = stream.ljust(n_mini * 64, b"\0")
    n_sectors = -(-len(ministream) // 512)
    # sector 0: the FAT, 1: the directory, 2: the mini FAT, 3…: the mini stream
    fat = [0xFFFFFFFD, END, END] + [4 + i for i in range(n_sectors - 1)] + [END]
    minifat = [i + 1 for i in range(n_mini - 1)] + [END]
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<5H", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<9I", header, 0x28, 0, 1, 1, 0, 4096, 2, 1, END, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *[FREE] * 108)

    def entry(entry_name: str, typ: int, child: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = (entry_name + "\0").encode("utf-16-le") if entry_name else b""
        e[:len(raw)] = raw
        struct.pack_into("<HBB3I", e, 64, len(raw), typ, 1, NOSTREAM, NOSTREAM, child)
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    directory = (entry("Root Entry", 5, 1, 3, len(ministream)) + entry(name, 2, NOSTREAM, 0, len(stream))
                 + entry("", 0, NOSTREAM, END, 0) * 2)
    return (bytes(header) + struct.pack("<128I", *fat, *[FREE] * (128 - len(fat))) + directory
            + struct.pack("<128I", *minifat, *[FREE] * (128 - len(minifat))) + ministream.ljust(n_sectors * 512, b"\0"))


def biff_stream(rows: list[list[str]]) -> bytes:
    """The Workbook stream xlwt writes for the rows, without the padding after its last record."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("发放")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.write(i, j, v)
    data = wb.get_biff_data()
    i = 0
    while i + 4 <= len(data):
        rt, ln = struct.unpack_from("<HH", data, i)
        i += 4 + ln
        if rt == 0x000A and not data[i:].strip(b"\0"):     # the last EOF record
            return data[:i]
    return data


def test_a_small_xls_in_the_mini_stream_is_read(tmp_path):
    rows = [r[:4] for r in ledger(5)]
    data = mini_stream_cfb("Workbook", biff_stream(rows))
    (tmp_path / "check.xls").write_bytes(data)
    with olefile.OleFileIO(str(tmp_path / "check.xls")) as ole:       # the file is what the test means
        assert ole.get_size("Workbook") < ole.minisectorcutoff == 4096
    con = load_inbox(tmp_path, "民政_低保发放.xls", data)
    assert file_outcome(con)[0] == "loaded"
    assert payments(con) == [(i + 1, rows[i]) for i in range(1, 6)]


def column(j: int) -> str:
    out, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def minimal_xlsx(rows: list[list[str]], dimension: str | None = None) -> bytes:
    """Only [Content_Types].xml, the package and workbook relationships, xl/workbook.xml and one sheet
    of inline strings: no sharedStrings, styles or docProps, and <dimension> only when given."""
    ns = 'xmlns="http://schemas.openxmlformats.org/'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": f'<Types {ns}package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '</Types>',
        "_rels/.rels": f'<Relationships {ns}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns}spreadsheetml/2006/main" xmlns:r="{rel}">'
        '<sheets><sheet name="发放" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships {ns}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
        + "".join(f'<row r="{i}">' + "".join(f'<c r="{column(j)}{i}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                                             for j, v in enumerate(row)) + "</row>"
                  for i, row in enumerate(rows, start=1))
        + "</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
    return buf.getvalue()


def test_a_minimal_xlsx_is_read(tmp_path):
    rows = [r[:4] for r in ledger(5)]
    data = minimal_xlsx(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any("sharedStrings" in n or "styles" in n or "docProps" in n for n in z.namelist())
    con = load_inbox(tmp_path, "民政_低保发放.xlsx", data)
    assert file_outcome(con)[0] == "loaded"
    assert payments(con) == [(i + 1, rows[i]) for i in range(1, 6)]


def test_a_dimension_that_lies_is_not_believed(tmp_path):
    header = HEADER + ["乡镇", "村", "银行卡号"]                 # to column H
    rows = [header] + [[id_number(i), f"王{i}", "300.00", "2020-03", "", "球川镇", f"村{i}", f"6217{i:012d}"]
                       for i in range(1, 50)]                   # to row 50
    con = load_inbox(tmp_path, "民政_低保发放.xlsx", minimal_xlsx(rows, dimension="A1"))
    assert file_outcome(con)[0] == "loaded"
    got = payments(con)
    assert [r for r, _ in got] == list(range(2, 51))
    assert got[-1] == (50, rows[49])

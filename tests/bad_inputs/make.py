"""Write the hostile inbox files of tests/bad_inputs/ (see README.md there for what each one is).

    python tests/bad_inputs/make.py [--out tests/bad_inputs]

Deterministic: workbooks are written as XML by hand (openpyxl stamps the time and cannot write formula
results, error values, cells without references or a sheet that reaches column XFD), zipped with a fixed
date; the password-protected workbook is encrypted with a fixed salt. The multi-gigabyte CSV is not
here: tests/test_bad_inputs.py writes it into a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import struct
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.world.ids import check_char  # noqa: E402  (the synthetic world's ID numbers: bench/world/ids.py)

HERE = Path(__file__).parent
DATE = (2021, 1, 15, 9, 0, 0)
PAY_HEAD = ["姓名", "身份证号", "金额", "所属期", "补贴类型", "备注"]


def id_number(i: int, born: str = "1950") -> str:
    """A well-formed made-up ID number of 常山县 (330822): birth date, sequence, GB 11643 check character."""
    body = f"330822{born}{1 + i % 12:02d}{1 + i % 28:02d}{100 + i:03d}"
    return body + check_char(body)


class Raw(str):
    """A cell given as its XML (formulas, error values, numbers written exactly as a tool would)."""


# ---- a minimal .xlsx writer --------------------------------------------------------------------

def col_letter(j: int) -> str:
    out, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_xml(ref: str, v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, Raw):
        return v.replace("{ref}", ref)
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


def sheet_xml(rows: list[list], merges=(), dimension: str | None = None, extra: str = "") -> str:
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{col_letter(j)}{i}", v) for j, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merge = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
             + "</mergeCells>") if merges else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'{dim}<sheetData>{"".join(body)}{extra}</sheetData>{merge}</worksheet>')


def zip_bytes(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def xlsx(sheets: list[tuple[str, str]], shared_strings: str | None = None) -> bytes:
    """A workbook from (sheet name, sheet XML) pairs."""
    ns = "http://schemas.openxmlformats.org/"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(sheets) + 1))
    if shared_strings is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{ns}officeDocument/2006/relationships/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    if shared_strings is not None:
        rels += (f'<Relationship Id="rId{len(sheets) + 1}" Type="{ns}officeDocument/2006/relationships/'
                 'sharedStrings" Target="sharedStrings.xml"/>')
    names = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, (n, _) in enumerate(sheets, start=1))
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{ns}package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}spreadsheetml/2006/main" '
            f'xmlns:r="{ns}officeDocument/2006/relationships"><sheets>{names}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}package/2006/relationships">'
            f"{rels}</Relationships>"),
    }
    for i, (_, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return zip_bytes(parts)


def payments(n: int = 3, first: int = 0) -> list[list]:
    return [PAY_HEAD] + [[f"张{'一二三四五六七八九十'[i % 10]}", id_number(first + i), 300, "2020-03", "低保", ""]
                         for i in range(n)]


# ---- the files -----------------------------------------------------------------------------------

def files() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    good = xlsx([("Sheet1", sheet_xml(payments(3)))])

    # controls: ordinary files in the same inbox, which must load as if nothing else were there
    out["good_payments.csv"] = "\n".join(",".join(map(str, r)) for r in payments(3, first=10)).encode() + b"\n"
    out["good_register.xlsx"] = xlsx([("户籍", sheet_xml([
        ["户号", "姓名", "与户主关系", "公民身份号码"],
        ["001", "钱七", "户主", id_number(40)],
        ["002", "孙八", "户主", id_number(41)]]))])

    # broken containers
    out["truncated.xlsx"] = good[: len(good) // 2]
    out["not_a_workbook.xlsx"] = zip_bytes({"readme.txt": "这是一个压缩包，不是工作簿。\n"})
    out["password.xlsx"] = encrypted(good, "secret")
    out["html_as.xls"] = ("<html><head><meta charset=\"utf-8\"></head><body><table>"
                          "<tr><td>姓名</td><td>身份证号</td><td>金额</td></tr>"
                          f"<tr><td>张三</td><td>{id_number(1)}</td><td>300</td></tr></table></body></html>").encode()
    out["xlsx_named.xls"] = good
    out["truncated.xls"] = xls_with_dimensions(payments(3, first=5), rows=4, cols=6)[:4096]   # calamine panics on it

    # decompression bombs: a few KB that would make calamine allocate gigabytes (and abort the process)
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    out["bomb_far_cell.xlsx"] = xlsx([("Sheet1", sheet_xml(payments(2), extra=far))])
    out["bomb_second_sheet.xlsx"] = xlsx([("发放", sheet_xml(payments(2, first=20))), ("附表", sheet_xml([["x"]], extra=far))])
    wide = "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>" + "<row/>" * 5_000
    out["bomb_no_refs.xlsx"] = xlsx([("Sheet1", sheet_xml([], extra=wide))])
    out["bomb_shared_strings.xlsx"] = xlsx(
        [("Sheet1", sheet_xml([[Raw('<c r="{ref}" t="s"><v>0</v></c>')]]))],
        shared_strings=('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
                        'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4294967295">'
                        "<si><t>姓名</t></si></sst>"))
    out["bomb_dimensions.xls"] = xls_with_dimensions(payments(2, first=30), rows=0xFFFFFFFF, cols=0xFFFF)
    out["big_dimension_only.xlsx"] = xlsx([("Sheet1", sheet_xml(payments(2, first=35), dimension="A1:XFD1048576"))])

    # layouts
    out["header_only.xlsx"] = xlsx([("Sheet1", sheet_xml([PAY_HEAD]))])
    out["header_only.csv"] = (",".join(PAY_HEAD) + "\n").encode()
    rows = payments(3, first=50)
    out["header_repeated.xlsx"] = xlsx([("Sheet1", sheet_xml(rows + [PAY_HEAD] + payments(2, first=53)[1:]))])
    titled = [["常山县2020年3月低保发放表"]] + payments(2, first=60)
    out["all_merged.xlsx"] = xlsx([("Sheet1", sheet_xml(titled, merges=["A1:XFD1048576"]))])
    head = ["乡镇", *PAY_HEAD]
    recs = [head]
    merges = ["A2:A7"]
    for k in range(3):       # each record drawn over two rows, every column merged down
        recs += [["球川镇" if k == 0 else None, f"王{'甲乙丙'[k]}", id_number(70 + k), 300, "2020-03", "低保", "两行合并"],
                 [None] * 7]
        r = 2 + 2 * k
        merges += [f"{col_letter(j)}{r}:{col_letter(j)}{r + 1}" for j in range(1, 7)]
    out["merged_records.xlsx"] = xlsx([("Sheet1", sheet_xml(recs, merges=merges))])

    # cells
    fhead = ["姓名", "身份证号", "标准", "月数", "金额", "所属期", "补贴类型"]
    out["formulas.xlsx"] = xlsx([("Sheet1", sheet_xml([
        fhead,
        ["赵甲", id_number(80), 270, 2, Raw('<c r="{ref}"><f>C2*D2</f><v>540</v></c>'), "2020-03", "低保"],
        ["赵乙", id_number(81), 270, 1, Raw('<c r="{ref}"><f>C3*D3</f></c>'), "2020-03", "低保"],
        ["赵丙", id_number(82), 270, 1, Raw('<c r="{ref}"><f>C4*D4</f><v></v></c>'), "2020-03", "低保"],
        ["赵丁", id_number(83), 270, 0, Raw('<c r="{ref}" t="e"><f>C5/D5</f><v>#DIV/0!</v></c>'), "2020-03", "低保"],
        [Raw('<c r="{ref}" t="str"><f>"赵"&amp;"戊"</f><v>赵戊</v></c>'), id_number(84), 270, 1,
         Raw('<c r="{ref}"><f>C6*D6</f><v>270</v></c>'), "2020-03", "低保"],
        ["合计", None, None, None, Raw('<c r="{ref}"><f>SUM(E2:E6)</f></c>')]]))])
    out["long_cell.xlsx"] = xlsx([("Sheet1", sheet_xml([
        PAY_HEAD,
        ["孙甲", id_number(90), 300, "2020-03", "低保", "长" * 32_767],
        ["孙乙", "1" * 32_767, 300, "2020-03", "低保", ""]]))])
    old15 = id_number(100)[:6] + id_number(100)[8:17]      # the same person's 15-digit number (before 1999)
    out["numeric_ids.xlsx"] = xlsx([("Sheet1", sheet_xml([
        PAY_HEAD,
        ["周甲", int(old15), 300, "2020-03", "低保", "15 位旧号存为数值：精确，升位后入库"],
        ["钱七", int(id_number(40)), 300, "2020-03", "低保", "18 位存为数值，户籍中有唯一对应：恢复"],
        ["周乙", Raw('<c r="{ref}"><v>3.30802195001011E+17</v></c>'), 300, "2020-03", "低保", "Excel 的 15 位有效数字"],
        ["周丙", int(id_number(101)), 300, "2020-03", "低保", "18 位存为数值，户籍中没有：隔离"]]))])
    out["amounts.xlsx"] = xlsx([("Sheet1", sheet_xml([
        PAY_HEAD,
        ["吴甲", id_number(110), 300, "2020-03", "低保", ""],
        ["吴甲", id_number(110), -300, "2020-03", "低保", "冲正"],
        ["吴乙", id_number(111), -300, "2020-03", "低保", ""],
        ["吴丙", id_number(112), 25000, "2020-03", "低保", ""],
        ["吴丁", id_number(113), -50000, "2020-03", "低保", ""],
        ["吴戊", id_number(114), 1e12, "2020-03", "低保", ""],
        ["吴己", id_number(115), "三百元", "2020-03", "低保", ""]]))])

    # CSV
    def csv_line(*cells) -> str:
        return ",".join(cells) + "\n"
    months = [("2020-12", 120), ("2021-01", 121), ("2021-02", 122), ("2150-01", 123), ("1999-12", 124)]
    out["future_months.csv"] = (csv_line(*PAY_HEAD[:5]) + "".join(
        csv_line(f"郑{'甲乙丙丁戊'[k]}", id_number(i), "300", m, "低保") for k, (m, i) in enumerate(months))).encode()
    out["dates_before_1900.csv"] = (
        csv_line("姓名", "公民身份号码", "死亡日期", "注销日期", "注销原因")
        + csv_line("冯甲", id_number(130, "1930"), "1899-12-31", "", "死亡")
        + csv_line("冯乙", id_number(131, "1930"), "1899-12-31", "2020-05-01", "死亡")
        + csv_line("冯丙", id_number(132, "1930"), "0099-05-01", "", "死亡")
        + csv_line("冯丁", id_number(133, "1930"), "2020-06-01", "", "死亡")).encode()
    out["two_encodings.csv"] = b"".join([
        csv_line(*PAY_HEAD[:5]).encode("utf-8"),
        csv_line("陈一", id_number(140), "300", "2020-03", "低保").encode("utf-8"),
        csv_line("陈二", id_number(141), "300", "2020-03", "低保").encode("gbk"),
        csv_line("陈三", id_number(142), "300", "2020-03", "低保").encode("utf-8"),
        csv_line("陈四", id_number(143), "300", "2020-03", "特困供养").encode("gbk")])
    out["stray_quote.csv"] = "".join([
        csv_line(*PAY_HEAD[:5]),
        csv_line("褚一", id_number(150), "300", "2020-03", "低保"),
        csv_line('"褚二', id_number(151), "300", "2020-03", "低保"),
        csv_line('褚"三', id_number(152), "300", "2020-03", "低保"),
        csv_line("褚四", id_number(153), '"1,200.00"', "2020-03", "低保"),
        csv_line("褚五", id_number(154), "300", "2020-03", "低保")]).encode()
    out["long_line.csv"] = (csv_line(*PAY_HEAD)
                            + csv_line("卫一", id_number(160), "300", "2020-03", "低保", "长" * 200_000)
                            + csv_line("卫二", id_number(161), "300", "2020-03", "低保", "")).encode()
    out["cut_character.csv"] = "中".encode()[:1]   # found by tests/test_fuzz_readers.py
    return out


def encrypted(workbook: bytes, password: str) -> bytes:
    """The workbook encrypted as Excel does ("Agile" encryption in an OLE compound file); the salts and
    keys come from a hash of the password, so the bytes are the same on every run."""
    import datetime as dt

    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    counter = [0]

    def fixed_random(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha512(f"{password}:{counter[0]}".encode()).digest()[:n]

    class FixedTime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(*DATE)

    saved = ecma376_agile._random_buffer, ecma376_encrypted.datetime
    ecma376_agile._random_buffer, ecma376_encrypted.datetime = fixed_random, FixedTime
    try:
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(workbook)).encrypt(password, out)
        return out.getvalue()
    finally:
        ecma376_agile._random_buffer, ecma376_encrypted.datetime = saved


def xls_with_dimensions(table: list[list], rows: int, cols: int) -> bytes:
    """An .xls whose DIMENSIONS record declares rows × columns: calamine reserves that area as it opens
    the file, whatever cells there are."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    data = bytearray(buf.getvalue())
    # DIMENSIONS (0x0200, 14 bytes in BIFF8): first row, last row + 1 (u32), first column, last column + 1 (u16)
    pos = data.find(struct.pack("<HH", 0x0200, 14))
    assert pos > 0
    struct.pack_into("<IIHH", data, pos + 4, 0, rows, 0, cols)
    return bytes(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    for name, data in files().items():
        (args.out / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()

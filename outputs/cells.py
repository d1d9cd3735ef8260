"""What every sheet of the investigators' workbooks shares: cell styles, masking, page setup, widths,
titled tables, and which cases a workbook holds (Part)."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from sources.declarations import read_yaml

HERE = Path(__file__).parent

FORMULA_START = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")       # evidence
ALERT_FILL = PatternFill("solid", fgColor="F8CBAD")        # what must not pass unnoticed
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)   # every cell of a case table, printed too
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_HEIGHT = 15         # points per line of 11-point text; rows with wrapped text get their height set
AMOUNT_FORMAT = "#,##0.00"
# 15–19 digits (an 18-digit ID may end in X): ID numbers, 15-digit legacy IDs and bank account numbers.
# an ID number (18), an old one (15), a bank account (15–19+), a 残疾人证号 (the ID and two more: 20–22)
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})([0-9Xx]{5,22}?)([0-9Xx]{4})(?![0-9A-Za-z])")
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
STATUS_ZH = {"loaded": "已入库", "partly": "部分入库", "unrecognised": "表头未识别", "ambiguous": "类型无法确定",
             "unreadable": "无法读取", "empty": "空文件", "skipped": "未读取", "duplicate": "重复文件（未再读取）"}


def clean_text(value: str) -> str:
    """Without the control characters an xlsx cannot hold (C0 except tab, newline and CR: openpyxl's
    ILLEGAL_CHARACTERS_RE, which would raise IllegalCharacterError). The readers clean text at the edge;
    this is the belt for what reaches a writer anyway (old warehouse rows, text derived from file names)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def safe_text(value: str) -> str:
    """Source text without control characters (clean_text); text that would start a formula (=, +, -, @)
    gets a leading apostrophe (OWASP CSV/Excel injection advice); the cell is stored as text either way."""
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value


CELL_MAX = 32767          # characters Excel holds in one cell; a longer text makes it "repair" the file


def cell_value(value):
    """What a workbook cell may hold: text made safe (safe_text) and cut to what Excel holds (the cut marked
    with …), anything else as it is."""
    if not isinstance(value, str):
        return value
    value = safe_text(value)
    return value if len(value) <= CELL_MAX else value[:CELL_MAX - 1] + "…"


SHEET_TITLE_MAX = 31                             # Excel's limit; openpyxl warns, Excel refuses the file
SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")


def safe_sheet_title(title: str, fallback: str = "Sheet") -> str:
    """A sheet title Excel accepts: no control characters, none of \\ / * ? : [ ], not starting or ending
    with an apostrophe, at most 31 characters, never empty."""
    t = SHEET_TITLE_BAD.sub("", clean_text(title)).strip().strip("'").strip()
    return t[:SHEET_TITLE_MAX].rstrip().strip("'") or fallback


FILE_PART_MAX = 40       # characters of data in an output file name (a CJK character is 3 bytes of the 255)
FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|]')     # separators, and what Windows refuses in a name


def file_name_part(text: str, limit: int = FILE_PART_MAX) -> str:
    """Text from the data (a county or township) as part of a file name: without path separators, control,
    format and line-separator characters (bidi overrides, zero-width) or what Windows refuses; cut to
    `limit` characters. Whenever anything was removed or cut, a short hash of the full text is appended
    (_1a2b3c4d), so two texts never share a file name; the workbook itself keeps the full text."""
    kept = "".join(ch for ch in FILE_NAME_BAD.sub("", text)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")).strip(" .")
    if kept == text and len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{kept[:limit].rstrip(' .')}_{digest}"


def mask_id(value: str) -> str:
    """330822196201024224 → 330822********4224: the region and the last four stay, the birth date goes."""
    n = len(value)
    if n > 10:
        return value[:6] + "*" * (n - 10) + value[-4:]
    return "*" * max(n - 4, 0) + value[-4:] if n > 4 else "*" * n


def mask_text(text: str) -> str:
    """Every ID or account number inside a sentence, masked as mask_id does."""
    return LONG_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def _display_width(text: str) -> int:
    """Width in columns: a CJK character (three bytes in UTF-8) counts two, as in the SQL that measures columns."""
    return (len(text) + len(text.encode("utf-8"))) // 2


def _lines(text, width: float) -> int:
    """How many lines `text` wraps to in a column `width` wide (with a tenth to spare: CJK glyphs are a
    little wider than two digits, and lines break at punctuation)."""
    return -(-_display_width(str(text)) * 11 // (10 * max(1, int(width) - 2))) if text else 1


@dataclass(frozen=True)
class Part:
    """Which cases a workbook holds: all, one county, or one township of a county ('' = 地区不明)."""
    county: str | None = None
    township: str | None = None

    @property
    def name(self) -> str:
        parts = [p if p else "地区不明" for p in (self.county, self.township) if p is not None]
        return "_".join(parts) if parts else "全部"

    def where(self, alias: str = "s") -> tuple[str, list]:
        sql, params = [], []
        for col, value in (("county", self.county), ("township", self.township)):
            if value is not None:
                sql.append(f"coalesce({alias}.{col}, '') = ?")
                params.append(value)
        return (" and ".join(sql) or "true"), params

ALL = Part()


PAGE_HEADER = "内部资料·注意保密"        # on every printed page: the pages are full of ID numbers
PAGE_FOOTER = "第 &P 页 / 共 &N 页"      # &P, &N: the page and the page count (Excel's header codes)


A4, A3 = 9, 8                        # openpyxl's paperSize codes
# Column-width units across a landscape page (between the margins below) printed at 100 %: a unit is about
# 1.93 mm (7 pixels of 11-point text and the cell padding).
PAGE_UNITS = {A4: 146, A3: 210}
READABLE_SCALE = 0.55                # 11-point text printed at 6 points: the least that reads on paper


def readable_width(paper: int) -> int:
    """The widest sheet (column-width units) that prints one page wide on `paper` at READABLE_SCALE or more."""
    return int(PAGE_UNITS[paper] / READABLE_SCALE)


def paper_for(width: float) -> int:
    """A4 when a sheet `width` units wide prints one page wide on it at a readable scale, else A3."""
    return A4 if width <= readable_width(A4) else A3


def print_scale(width: float, paper: int) -> float:
    """The scale a sheet `width` units wide prints at, fitted to one page wide on `paper`."""
    return min(1.0, PAGE_UNITS[paper] / width) if width else 1.0


def _page_setup(ws, paper: int = A4) -> None:
    """Landscape, fit to one page wide (as many pages long as it takes), 内部资料·注意保密 at the top of
    every page and 第 x 页 / 共 y 页 at the bottom. Call before the first row: write-only sheets write their
    properties then. One page wide keeps a case and its 核查反馈 columns on one sheet of paper; the case
    sheets narrow their columns (outputs/workbook.py, _fit_to_page) and take A3 where A4 would print them
    smaller than READABLE_SCALE (`paper_for`)."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddHeader.center.text = PAGE_HEADER
    ws.oddFooter.center.text = PAGE_FOOTER


def _print_area(ws, columns: int, rows: int) -> None:
    if columns and rows:
        ws.print_area = f"A1:{get_column_letter(columns)}{rows}"

def _styled(ws, value, font=None, fill=None, number_format=None, alignment=None):
    """A write-only cell; text is made safe (safe_text) here, the one place most cells are made."""
    c = WriteOnlyCell(ws, value=cell_value(value))
    if font:
        c.font = font
    if fill:
        c.fill = fill
    if number_format:
        c.number_format = number_format
    if alignment:
        c.alignment = alignment
    return c


def _block(ws, title: str, headers: list[str], rows: list[list], mask: bool = False, fill=None) -> int:
    """A titled table inside a sheet, followed by a blank row; returns the number of rows written. With
    `fill`, every cell of its rows is highlighted."""
    ws.append([_styled(ws, title, Font(bold=True, size=12))])
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL, alignment=Alignment(wrap_text=True)) for h in headers])

    def cell(v):
        if isinstance(v, str):
            v = safe_text(mask_text(v) if mask else v)       # made safe here: the wrap test below measures it
        elif v is True or v is False:
            v = "是" if v else "否"
        return _styled(ws, v, fill=fill, alignment=WRAP if isinstance(v, str) and len(v) > 30 else None)

    rows = rows or [["无"]]
    for r in rows:
        ws.append([cell(v) for v in r])
    ws.append([])
    return len(rows) + 3


@functools.cache
def _reader_words() -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in read_yaml((HERE / "reader_words.yaml").read_text(encoding="utf-8")))


def reader_text(text):
    """Text written for developers (a rule header's rationale, checks, decisions) as a reader should see it:
    internal names (file paths, parameter and table names) replaced by Chinese (outputs/reader_words.yaml)."""
    if not isinstance(text, str):
        return text
    for internal, shown in _reader_words():
        text = text.replace(internal, shown)
    return text

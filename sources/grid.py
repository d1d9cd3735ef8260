"""Read department files as text grids: every sheet becomes rows of cell texts with their row numbers.

Nothing is typed here. A grid row is (row_no, cells, lossy, merged, padded, line): the 1-based row number an
investigator sees in Excel (or the line of a CSV where the record starts), the cell texts, the positions of cells that
were numeric with more than 15 significant digits (Excel keeps 15, so an ID or account number stored as
a number is damaged beyond repair, domain.md §1.5), and whether the row was blank and only repeats,
through merged cells, the record of a row above; and whether a cell may start or end with whitespace
(staging trims only such rows: most have none); and the row as one string where its cells are that
string split at the sheet's delimiter (a CSV line without quotes; a workbook row's cells joined by U+001F):
it is stored instead of the list of cells (sources/macros.sql, qf_cells).

Hostile files are refused before anything is materialised: calamine holds a sheet's used area densely
(32 bytes a cell, empty or not) and aborts the whole process when it cannot allocate it, so the zip
directory and the sheet XML of an .xlsx, or the BIFF records of an .xls, are checked first against the
limits below. A file that cannot be read raises UnreadableFile; a sheet that cannot be read comes back
with its `error`; what was odd but handled (mixed encodings, unbalanced quotes, formulas without a saved
result, a wrong extension) is written in `notes`. Every message is for people.

Workbooks are read in a child process (sources/read_worker.py) with a memory and a time limit, so that
whatever the checks miss (calamine's abort, an allocation failure, a hang) costs that file only. Control
characters are removed from every cell and sheet name, and counted in the notes (CONTROL_CHARS below).

This module holds what the readers share (the limits, Sheet, ReadResult, cell texts); the readers are
sources/read_workbook.py (calamine, cells to the grid), sources/read_xlsx.py and sources/read_xls.py (the
checks before calamine opens a file), sources/read_worker.py (the child process) and sources/read_csv.py
(+ read_csv_records.py); sources/read.py chooses one by the file's type.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
# calamine reads these too, but their size cannot be checked before it materialises them
UNCHECKED_SUFFIXES = {".xlsb", ".ods"}
PREVIEW_ROWS = 40

# Limits on what a file may make us hold (a legitimate list stays far below them).
MAX_SHEET_CELLS = 30_000_000          # rows × columns of a sheet's used area: ~1 GB in calamine, a few in Python
MAX_UNCOMPRESSED_BYTES = 2 << 30      # all parts of an .xlsx unpacked (2 GiB), or an .xls file
MAX_MERGED_RANGES = 1_000_000         # merged ranges of one sheet
MAX_CSV_LINE_BYTES = 8 << 20          # one CSV line (DuckDB's default is 2 MB)
CSV_BUFFER_BYTES = 4 * MAX_CSV_LINE_BYTES  # DuckDB's default buffer is 16 lines' worth: 128 MB per thread
                                          # here, 1 GB at 64 MB lines, which alone fails a 1 GB memory limit
MAX_FORMULA_CELLS = 100_000           # formula cells without a saved result replaced by their formula text
LISTED = 10                           # row numbers a message lists before "等 N 行"

PASSWORD_MESSAGE = "文件有密码保护，无法读取（请去除密码后重新报送）"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


NO_KIND = {"row_kind": "NULL::varchar"}   # a grid's derived columns when the caller gives none


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why, for people."""


@dataclass
class Sheet:
    """One sheet of a workbook, or the single table of a CSV file."""

    name: str
    preview: list[list[str]]              # the first PREVIEW_ROWS rows, as text, merges filled in
    load: object = field(repr=False)      # load(con, table[, derived]): create `table` as the full grid in
                                          # DuckDB (row_no, cells, lossy, merged, padded, line), with a column
                                          # per entry of `derived` {name: SQL over the row's cells} (row_kind,
                                          # …); `cells` is NULL where `line` gives them: qf_cells(cells, line,
                                          # delimiter)
    error: str | None = None              # why the sheet cannot be read (then `load` is None)
    delimiter: str | None = None          # the grid's `line` split at it gives the cells (a CSV's delimiter,
                                          # U+001F for a workbook sheet; None when no row has a line)
    notes: list[str] = field(default_factory=list)   # what was odd but handled; `load` may add to it


@dataclass
class ReadResult:
    path: Path
    format: str                           # xlsx | xls | csv
    encoding: str | None
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)


def rows_text(rows: list[int], total: int | None = None) -> str:
    """第 3、5、9 行 (the first LISTED of them, then 等 N 行)."""
    total = len(rows) if total is None else total
    shown = "、".join(str(r) for r in rows[:LISTED])
    return f"第 {shown} 行" + (f"等 {total} 行" if total > min(len(rows), LISTED) else "")


def column_letter(j: int) -> str:
    """0-based column index → A, B, …, Z, AA, …"""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _fatal(exc: BaseException) -> bool:
    """Exceptions that must stop the run rather than be reported as an unreadable file."""
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError))


# ---------------------------------------------------------------------------------------------
# Workbooks (.xlsx, .xls) through calamine: typed cells are rendered to text here, once.

def cell_text(value) -> tuple[str, bool]:
    """Text of one spreadsheet cell and whether it lost precision (numeric with > 15 digits)."""
    if value is None or value == "":
        return "", False
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return "", False
        if abs(value) >= 1e21:                # 1e+300, not three hundred digits (kept as text, marked)
            return repr(float(value)), True
        if float(value).is_integer():
            return str(int(value)), abs(value) >= 1e15
        return repr(float(value)), abs(value) >= 1e15
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), False
        return value.isoformat(sep=" "), False
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(), False
    if isinstance(value, dt.timedelta):
        return str(value), False
    return str(value), False


# Control characters removed from every value and name as a file is read (Excel's _xHHHH_ escapes, e.g.
# _x000B_ for a vertical tab, are decoded by calamine first): C0 but tab, line feed and carriage return
# (CR is read as today: qf_text trims it, a CSV line end drops it), and DEL. No writer can then fail on
# them (openpyxl refuses C0 controls), and no invisible byte tells two equal names apart.
CONTROL_CHARS = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]"     # RE2 and Python re alike
CONTROL_RE = re.compile(CONTROL_CHARS)
CONTROL_BYTES_RE = re.compile(CONTROL_CHARS.encode())


def clean_text(text: str) -> tuple[str, int]:
    """The text without control characters, and how many were removed."""
    return CONTROL_RE.subn("", text)


def _codepoint(text: str) -> str:
    """U+001F: the first control character of `text`."""
    m = CONTROL_RE.search(text)
    return f"U+{ord(m.group()):04X}" if m else ""


@dataclass
class Controls:
    """Control characters removed from a sheet's cells: how many cells, the first few places, which."""

    cells: int = 0
    places: list = field(default_factory=list)      # (1-based row, 0-based column)
    chars: set = field(default_factory=set)

    def add(self, row: int, col: int, text: str) -> None:
        self.cells += 1
        if len(self.places) < 3:
            self.places.append((row, col))
        if len(self.chars) < 3:
            self.chars.update(f"U+{ord(c):04X}" for c in CONTROL_RE.findall(text)[:3])

    def note(self, sheet: str | None) -> str | None:
        if not self.cells:
            return None
        where = "、".join(f"第{r}行{column_letter(c)}列" if c is not None else f"第{r}行" for r, c in self.places)
        what = f"工作表“{sheet}”" if sheet else "文件"
        more = f"等 {self.cells} 个单元格" if self.cells > len(self.places) else ""
        return f"{what}{where}{more}含控制字符（如 {'、'.join(sorted(self.chars))}），已删除"


def _derived(derived: dict[str, str]) -> str:
    """The select list of a grid's derived columns (computed over the row's cells as the grid is made)."""
    return ", ".join(f"{sql} as {name}" for name, sql in derived.items())


# Checking a workbook before calamine opens it (sources/read_xlsx.py, sources/read_xls.py) gives
# each sheet's extent.

@dataclass
class Extent:
    """What a sheet would make calamine hold: its used area (an upper bound) and merged ranges; and the
    formula cells without a saved result, by 0-based (row, column)."""

    name: str
    rows: int = 0
    cols: int = 0
    merges: int = 0
    formulas: dict = field(default_factory=dict)
    n_formulas: int = 0
    errors: dict = field(default_factory=dict)      # cells holding an error value (#N/A, #DIV/0!)
    n_errors: int = 0
    error: str | None = None                        # why the sheet's XML cannot be checked (malformed)

    def problem(self, what: str = "此表") -> str | None:
        if self.error:
            return self.error
        if self.rows * self.cols > MAX_SHEET_CELLS:
            return (f"数据区域达 {self.rows:,} 行 × {self.cols:,} 列（{self.rows * self.cols:,} 个单元格），超过读取上限 "
                    f"MAX_SHEET_CELLS = {MAX_SHEET_CELLS:,}（sources/read.py）：为免耗尽内存未读取{what}。可能是构造的"
                    "“压缩炸弹”，也可能是远处有零星内容的单元格；请删除多余的行列后重新报送")
        if self.merges > MAX_MERGED_RANGES:
            return (f"有 {self.merges:,} 个合并单元格区域，超过读取上限 MAX_MERGED_RANGES = {MAX_MERGED_RANGES:,}"
                    f"（sources/read.py），为免耗尽内存未读取{what}")
        return None


CHUNK = 1 << 22

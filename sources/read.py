"""Read department files as text grids: every sheet becomes rows of cell texts with their row numbers.

Nothing is typed here. A grid row is (row_no, cells, lossy, merged, padded, line): the 1-based row number an
investigator sees in Excel (or the line number of a CSV), the cell texts, the positions of cells that
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
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import html
import io
import operator
import os
import posixpath
import re
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

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


def read_file(path: Path, tmpdir: Path) -> ReadResult:
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_workbook(path, tmpdir)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, tmpdir)
    if suffix in UNCHECKED_SUFFIXES:
        raise UnreadableFile(f"不读取 {suffix} 文件（无法在读取前核查其表格大小）：请另存为 .xlsx 后重新报送")
    raise UnreadableFile(f"不支持的文件类型 {suffix or '(无扩展名)'}：只读取 .xlsx/.xls/.csv")


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


def _sniff(path: Path) -> str:
    """zip | cfb | html | xml | text | other, from the first bytes."""
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(CFB_MAGIC):
        return "cfb"
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) or b"<table" in text:
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    if head and b"\x00" not in head:
        for enc in ("utf-8", "gb18030"):
            try:
                head.decode(enc)
                return "text"
            except UnicodeDecodeError as exc:
                if exc.start >= len(head) - 4:      # a character cut by the 512-byte window
                    return "text"
    return "other"


def _not_a_workbook(path: Path, kind: str) -> str:
    if path.stat().st_size == 0:
        return "文件为空（0 字节）"
    return {
        "html": "内容是网页（HTML）表格，不是 Excel 工作簿（常见于业务系统的“导出 Excel”）：请用 Excel 打开后另存为 .xlsx 再报送",
        "xml": "内容是 XML（可能是 Excel 2003 XML 表格），不是 .xlsx/.xls 工作簿：请用 Excel 打开后另存为 .xlsx 再报送",
        "text": "内容是文本（可能是改了扩展名的 CSV），不是 Excel 工作簿：请把扩展名改为 .csv，或另存为 .xlsx 再报送",
    }.get(kind, "不是 Excel 工作簿：文件开头既不是 .xlsx 的 zip 格式，也不是 .xls 的复合文档格式，可能已损坏或是其他类型的文件")


def _alias(path: Path, tmpdir: Path, suffix: str) -> Path:
    """The same file under the extension its content has (calamine picks the reader by extension)."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    alias = Path(tempfile.mkdtemp(dir=tmpdir)) / ("workbook" + suffix)
    try:
        alias.symlink_to(path.resolve())
    except OSError:
        import shutil
        shutil.copyfile(path, alias)
    return alias


def _read_workbook(path: Path, tmpdir: Path) -> ReadResult:
    import python_calamine as pc

    kind = _sniff(path)
    fmt = "xls" if path.suffix.lower() == ".xls" else "xlsx"
    source, notes = path, []
    if kind == "zip":
        extents = _scan_xlsx(path)
        if fmt == "xls":
            notes.append("扩展名是 .xls，内容却是 .xlsx 工作簿：已按 .xlsx 读取")
            source, fmt = _alias(path, tmpdir, ".xlsx"), "xlsx"
    elif kind == "cfb":
        extents = _scan_xls(path)
        # calamine reads every sheet of an .xls when it opens the file: one sheet too large refuses them all
        for name, ext in extents.items():
            if isinstance(name, str) and ext.problem("此文件"):
                raise UnreadableFile(f"工作表“{name}”的" + ext.problem("此文件"))
        if fmt != "xls":
            notes.append(f"扩展名是 {path.suffix}，内容却是 Excel 97-2003（.xls）工作簿：已按 .xls 读取")
            source, fmt = _alias(path, tmpdir, ".xls"), "xls"
    else:
        raise UnreadableFile(_not_a_workbook(path, kind))
    try:
        wb = pc.CalamineWorkbook.from_path(str(source))
        metas = list(wb.sheets_metadata)
    except pc.PasswordError:
        raise UnreadableFile(PASSWORD_MESSAGE) from None
    except BaseException as exc:  # calamine raises several types for corrupt files (and pyo3 panics)
        if _fatal(exc):
            raise
        raise UnreadableFile(f"文件已损坏或不是有效的 Excel 文件：{type(exc).__name__}: {exc}") from None
    sheets = []
    for i, meta in enumerate(metas):
        if str(meta.typ).endswith("ChartSheet"):
            continue
        ext = extents.get(meta.name) or extents.get(i)
        if ext is None:
            sheets.append(Sheet(meta.name, [], None, error="无法在读取前核查此表的大小（工作簿目录与内容不符），为安全起见未读取"))
            continue
        if ext.problem():
            sheets.append(Sheet(meta.name, [], None, error=ext.problem()))
            continue
        try:
            sh = wb.get_sheet_by_name(meta.name)
            values = sh.to_python(skip_empty_area=False)
            merged = getattr(sh, "merged_cell_ranges", None) or []
            sheets.append(_workbook_sheet(meta.name, values, merged, ext))
        except UnreadableFile as exc:
            sheets.append(Sheet(meta.name, [], None, error=str(exc)))
        except BaseException as exc:
            if _fatal(exc):
                raise
            sheets.append(Sheet(meta.name, [], None, error=f"工作表无法读取：{type(exc).__name__}: {exc}"))
    return ReadResult(path, fmt, None, sheets, notes)


def _workbook_sheet(name: str, values: list[list], merged, ext: Extent | None = None) -> Sheet:
    """Cells to text column by column: a column of strings goes to Arrow as it is; only cells of other
    types (numbers, dates) are rendered one by one. Lossy numeric cells are marked per column."""
    import pyarrow.compute as pc

    notes = []
    if ext and ext.formulas:
        first = _put_texts(values, ext.formulas)
        notes.append(f"{ext.n_formulas} 个公式单元格没有保存计算结果{first}（文件多为程序生成、未在 Excel 中重新计算）："
                     "按公式文本读入，所在行的金额、日期等因此无法识别时会被隔离；请在 Excel 中打开并保存后重新报送")
    if ext and ext.errors:
        first = _put_texts(values, ext.errors)
        notes.append(f"{ext.n_errors} 个单元格是公式的错误值{first}：按错误值文本读入，所在行的金额、日期等因此无法识别时会被隔离")
    if len(merged) > MAX_MERGED_RANGES:
        raise UnreadableFile(f"有 {len(merged):,} 个合并单元格区域，超过读取上限 MAX_MERGED_RANGES = "
                             f"{MAX_MERGED_RANGES:,}（sources/read.py），为免耗尽内存未读取此表")
    copies = _fill_merges(values, merged)
    width = max((len(r) for r in values), default=0)
    rows = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in values]
    data: dict[str, pa.Array] = {"row_no": pa.array(range(1, len(rows) + 1), pa.int32())}
    lossy_cols = []
    for j in range(width):
        col = list(map(operator.itemgetter(j), rows))   # a list: pyarrow converts a tuple ten times slower
        try:                                             # a column of strings only, checked by pyarrow
            data[f"c{j}"] = pa.array(col, pa.string())
            continue
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            types = set(map(type, col))
        flags = None
        if types <= {str, float}:
            data[f"c{j}"], flags = _float_text(col)
        else:
            data[f"c{j}"] = pa.array([v if type(v) is str else cell_text(v)[0] for v in col], pa.string())
            if float in types or int in types:
                flags = pa.array([type(v) in (float, int) and abs(v) >= 1e15 for v in col], pa.bool_())
        if flags is not None and pc.any(flags).as_py():
            data[f"l{j}"] = flags
            lossy_cols.append(j)
    if copies:
        data["merged"] = pa.array([i in copies for i in range(len(rows))], pa.bool_())
    texts = [data[f"c{j}"] for j in range(width)]
    data["padded"] = _padded(texts, len(rows))
    delimiter = _joined_lines(texts, data)
    table = pa.table(data)
    preview = [[cell_text(v)[0] for v in r] for r in rows[:PREVIEW_ROWS]]

    def load(con, target: str, derived: dict[str, str] = NO_KIND) -> None:
        cells = "[" + ", ".join(f"c{j}" for j in range(width)) + "]" if width else "[]::varchar[]"
        lossy = ("list_filter([" + ", ".join(f"case when l{j} then {j} end" for j in lossy_cols)
                 + "], lambda x: x is not null)") if lossy_cols else "null::integer[]"
        con.register("_grid_arrow", table)
        keep = "* replace (NULL::varchar[] as cells)" if delimiter else "*"   # the line gives the cells
        con.execute(f"create or replace temp table {target} as select {keep}, {_derived(derived)} from ("
                    f"select row_no, {cells}::varchar[] as cells, {lossy} as lossy, "
                    f"{'merged' if copies else 'false'} as merged, padded, "
                    f"{'line' if delimiter else 'NULL::varchar as line'} from _grid_arrow)")
        con.unregister("_grid_arrow")

    return Sheet(name, preview, load, notes=notes, delimiter=delimiter)


def _derived(derived: dict[str, str]) -> str:
    """The select list of a grid's derived columns (computed over the row's cells as the grid is made)."""
    return ", ".join(f"{sql} as {name}" for name, sql in derived.items())


UNIT_SEPARATOR = "\x1f"


def _joined_lines(texts: list[pa.Array], data: dict) -> str | None:
    """Each row's cells joined by U+001F as data["line"] (stored in place of the list of cells: far less
    to write), unless a cell holds that character; returns the separator, or None when not joined."""
    import pyarrow.compute as pc

    if not texts or any(pc.any(pc.match_substring(t, UNIT_SEPARATOR)).as_py() for t in texts):
        return None
    data["line"] = pc.binary_join_element_wise(*texts, UNIT_SEPARATOR)
    return UNIT_SEPARATOR


# The whitespace qf_text trims (sources/macros.sql, qf_ws): ASCII blanks, U+3000, NBSP, zero-width, BOM.
WHITESPACE = " \t\n\r\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"


def _padded(columns: list[pa.Array], n: int) -> pa.Array:
    """Per row: does any cell start or end with whitespace? (Arrow compute, column by column.)"""
    import pyarrow.compute as pc

    out = pa.array([False] * n, pa.bool_())
    for col in columns:
        out = pc.or_(out, pc.fill_null(pc.not_equal(pc.utf8_trim(col, WHITESPACE), col), False))
    return out


def _float_text(col) -> tuple[pa.Array, pa.Array]:
    """A column of numbers (and text): the same text as cell_text, computed by Arrow for the whole column,
    and which cells are numbers of 15 digits or more (lossy)."""
    import pyarrow.compute as pc

    nums = pa.array([v if type(v) is float else None for v in col], pa.float64())
    texts = pa.array([v if type(v) is str else None for v in col], pa.string())
    finite = pc.is_finite(nums)
    whole = pc.and_(finite, pc.equal(pc.floor(nums), nums))
    as_int = pc.cast(pc.cast(pc.if_else(whole, nums, 0.0), pa.int64()), pa.string())
    as_float = pc.cast(nums, pa.string())
    number = pc.if_else(whole, as_int, pc.if_else(finite, as_float, ""))
    return pc.if_else(pc.is_null(nums), texts, number), pc.fill_null(pc.greater_equal(pc.abs(nums), 1e15), False)


def _has_text(v) -> bool:
    return v is not None and v != "" and not (isinstance(v, str) and not v.strip())


def _fill_merges(rows: list[list], merged) -> set[int]:
    """A merged range means its top-left value for every cell it covers (e.g. 乡镇 merged down a block).
    Ranges are clipped to the sheet's used area (a range over a whole sheet costs no more than the sheet)
    and their total area is bounded, so overlapping ranges cannot multiply the work. Returns the 0-based
    rows that were blank and got all their text from ranges begun in a row above: a record drawn over two
    rows, which must not be read twice."""
    if not merged:
        return set()
    n, width = len(rows), max((len(r) for r in rows), default=0)
    ranges, work = [], 0
    for (r1, c1), (r2, c2) in merged:
        if r1 >= n or c1 >= width or r2 < r1 or c2 < c1:
            continue
        r2, c2 = min(r2, n - 1), min(c2, width - 1)
        work += (r2 - r1 + 1) * (c2 - c1 + 1)
        if work > MAX_SHEET_CELLS:
            raise UnreadableFile(f"合并单元格区域互相重叠，覆盖的单元格超过读取上限 MAX_SHEET_CELLS = {MAX_SHEET_CELLS:,}"
                                 "（sources/read.py），为免耗尽内存未读取此表")
        ranges.append((r1, c1, r2, c2))
    below = {r for r1, c1, r2, c2 in ranges if r2 > r1 and c1 < len(rows[r1]) and _has_text(rows[r1][c1])
             for r in range(r1 + 1, r2 + 1)}
    copies = {r for r in below if not any(_has_text(v) for v in rows[r])}
    for r1, c1, r2, c2 in ranges:
        top = rows[r1][c1] if c1 < len(rows[r1]) else ""
        for r in range(r1, r2 + 1):
            row = rows[r]
            if len(row) <= c2:
                row.extend([""] * (c2 + 1 - len(row)))
            row[c1:c2 + 1] = [top] * (c2 - c1 + 1)
    return copies


def _put_texts(values: list[list], texts: dict) -> str:
    """Formula cells without a saved result, and error values, read as their text where calamine gives
    an empty cell (an empty amount would read as 金额为空); returns where the first one is."""
    first = None
    for (r, c), text in sorted(texts.items()):
        if r < len(values) and c < len(values[r]) and not _has_text(values[r][c]):
            values[r][c] = text
            first = first or (r, c, text)
    return f"，如第 {first[0] + 1} 行 {column_letter(first[1])} 列 {first[2]}" if first else ""


# ---------------------------------------------------------------------------------------------
# Checking an .xlsx before calamine opens it: the zip directory, then each sheet's XML, streamed.

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

    def problem(self, what: str = "此表") -> str | None:
        if self.rows * self.cols > MAX_SHEET_CELLS:
            return (f"数据区域达 {self.rows:,} 行 × {self.cols:,} 列（{self.rows * self.cols:,} 个单元格），超过读取上限 "
                    f"MAX_SHEET_CELLS = {MAX_SHEET_CELLS:,}（sources/read.py）：为免耗尽内存未读取{what}。可能是构造的"
                    "“压缩炸弹”，也可能是远处有零星内容的单元格；请删除多余的行列后重新报送")
        if self.merges > MAX_MERGED_RANGES:
            return (f"有 {self.merges:,} 个合并单元格区域，超过读取上限 MAX_MERGED_RANGES = {MAX_MERGED_RANGES:,}"
                    f"（sources/read.py），为免耗尽内存未读取{what}")
        return None


CHUNK = 1 << 22
def _patterns(p: bytes) -> dict:
    """The scanner's regular expressions for elements written plainly (<c …>) or with a namespace prefix
    (<x:c …>); the plain ones start with a literal, which the regex engine finds fast."""
    return {
        "row": re.compile(rb"<" + p + rb"row\b([^>]*)>"),
        "row_start": re.compile(rb"<" + p + rb"row\b[^>]*>"),
        "row_r": re.compile(rb"<" + p + rb"row\b[^>]*?\sr=\"([0-9]+)\""),
        "cell": re.compile(rb"<" + p + rb"c[\s/>]"),
        "ref": re.compile(rb"<" + p + rb"c\s[^>]*?\br=\"([A-Za-z]+)([0-9]+)\""),
        "ref_col": re.compile(rb"<" + p + rb"c r=\"([A-Za-z]+)"),            # the usual order: r first
        "ref_row": re.compile(rb"<" + p + rb"c r=\"[A-Za-z]+([0-9]+)"),
        "formula": re.compile(                                            # a formula without a saved result
            rb"<" + p + rb"c\b([^>]*?)(?<!/)>\s*<" + p + rb"f\b[^>]*?(?:/>|>([^<]*)</" + p + rb"f>)\s*"
            rb"(?:<" + p + rb"v\s*/>|<" + p + rb"v>\s*</" + p + rb"v>)?\s*</" + p + rb"c>"),
        "error": re.compile(                                              # a cell holding an error value
            rb"<" + p + rb"c\b([^>]*?\bt=\"e\"[^>]*?)(?<!/)>\s*(?:<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + rb"f>)\s*)?"
            rb"<" + p + rb"v>([^<]*)</" + p + rb"v>"),
    }


_PLAIN, _PREFIXED = _patterns(b""), _patterns(rb"(?:\w+:)?")
_R_ATTR = re.compile(rb"\sr=\"([0-9]+)\"")
_CELL_REF_ATTR = re.compile(rb"\br=\"([A-Za-z]+)([0-9]+)\"")
_SI_TAG = re.compile(rb"<(?:\w+:)?si[\s/>]")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile("文件不完整（已损坏）：开头是 .xlsx（zip）格式，却找不到压缩包末尾的目录，多为下载、拷贝或传输中被截断；"
                             "请重新报送完整的文件") from None
    except Exception as exc:
        raise UnreadableFile(f"文件已损坏，压缩包目录无法读取：{type(exc).__name__}: {exc}") from None


def _scan_xlsx(path: Path) -> dict[str, Extent]:
    """Every sheet's extent by name, after the zip directory's checks; raises UnreadableFile."""
    with _open_zip(path) as z:
        try:
            infos = z.infolist()
            parts = {i.filename.lower(): i for i in infos}
            if len(parts) < len(infos):     # which of two same-named parts calamine reads is not ours to guess
                raise UnreadableFile("文件已损坏或经过篡改：压缩包内有重名的部件")
            if "xl/workbook.xml" not in parts:
                what = ("（像是 Word 文档）" if "word/document.xml" in parts else
                        "（像是 .xlsb 二进制工作簿，请另存为 .xlsx）" if "xl/workbook.bin" in parts else
                        "（像是 OpenDocument/WPS 文件）" if "content.xml" in parts else "")
                raise UnreadableFile(f"是 zip 压缩包，但不是 Excel 工作簿{what}：包内没有 xl/workbook.xml")
            if any(i.flag_bits & 1 for i in infos):
                raise UnreadableFile(PASSWORD_MESSAGE)
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise UnreadableFile(
                    f"解压后共 {total:,} 字节（文件本身 {path.stat().st_size:,} 字节），超过读取上限 MAX_UNCOMPRESSED_BYTES = "
                    f"{MAX_UNCOMPRESSED_BYTES:,} 字节（sources/read.py）：疑似“压缩炸弹”，为免耗尽内存未读取")
            for name, info in parts.items():
                if name.endswith("sharedstrings.xml"):   # calamine reserves room for the count it declares
                    head = _read_small_part(z, info, 4096)
                    declared = re.search(rb"\buniqueCount=\"([0-9]+)\"", head)
                    n = max(int(declared.group(1)) if declared else 0, _count_in_part(z, info, _SI_TAG))
                    if n > MAX_SHEET_CELLS:
                        raise UnreadableFile(f"共享字符串表有（或声明有）{n:,} 项，超过读取上限 MAX_SHEET_CELLS = "
                                             f"{MAX_SHEET_CELLS:,}（sources/read.py）：疑似“压缩炸弹”，为免耗尽内存未读取")
            out = {}
            for name, part in _sheet_parts(z, parts):
                out[name] = _scan_sheet_xml(z, parts[part], name)
            return out
        except UnreadableFile:
            raise
        except Exception as exc:   # a part that does not unpack (CRC, truncated stream, bad header)
            raise UnreadableFile(f"文件已损坏，无法解压：{type(exc).__name__}: {exc}") from None


def _read_small_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = 64 << 20) -> bytes:
    with z.open(info) as f:
        return f.read(limit)


def _sheet_parts(z: zipfile.ZipFile, parts: dict) -> list[tuple[str, str]]:
    """(sheet name, lower-case part name) from xl/workbook.xml and its relationships."""
    wb = _read_small_part(z, parts["xl/workbook.xml"])
    rels_info = parts.get("xl/_rels/workbook.xml.rels")
    rels = _read_small_part(z, rels_info) if rels_info else b""
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        rid = re.search(rb"\bId=\"([^\"]*)\"", m.group(1))
        target = re.search(rb"\bTarget=\"([^\"]*)\"", m.group(1))
        if rid and target:
            t = html.unescape(target.group(1).decode("utf-8", "replace"))
            t = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
            targets[rid.group(1)] = t.lower()
    out = []
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)>", wb):
        name = re.search(rb"\bname=\"([^\"]*)\"", m.group(1))
        rid = re.search(rb"\b\w+:id=\"([^\"]*)\"", m.group(1))
        if name and rid and targets.get(rid.group(1)) in parts:
            out.append((html.unescape(name.group(1).decode("utf-8", "replace")), targets[rid.group(1)]))
    return out


def _chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo, boundary):
    """The part's bytes in pieces cut just before a tag, at the last `boundary` (a row) when there is one,
    so a row's cells are never split between pieces."""
    carry = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                if carry:
                    yield carry
                return
            buf = carry + chunk
            cut = boundary(buf)
            if cut <= 0 and len(buf) > 4 * CHUNK:
                cut = buf.rfind(b"<")
            if cut <= 0:
                carry = buf if len(buf) <= 4 * CHUNK else b""
                if not carry:
                    yield buf
                continue
            carry = buf[cut:]
            yield buf[:cut]


def _row_boundary(buf: bytes) -> int:
    cut = max(buf.rfind(b"<row"), buf.rfind(b":row"))
    return buf.rfind(b"<", 0, cut + 1) if cut > 0 else cut


def _count_in_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, tag) -> int:
    return sum(len(tag.findall(buf)) for buf in _chunks(z, info, lambda b: b.rfind(b"<")))


# The quick scan: cells written as Excel and most programs write them (<c r="B7" …>, no prefix).
_PREFIX_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")
_WIDE_COL = re.compile(rb"<c r=\"([A-Za-z]{2})[0-9]")            # a column from AA to ZZ


@functools.lru_cache(maxsize=16)
def _unusual_row(digits: int) -> re.Pattern:
    """A row tag without r="<number>" (group 1 empty), or whose number has more than `digits` digits
    (group 1: the number; rows < 10^digits bounds the sheet's rows)."""
    return re.compile(rb"<row(?=[\s/>])(?![^>]*?\sr=\"[0-9]{1,%d}\")(?:[^>]*?\sr=\"([0-9]+)\")?" % digits
                      if digits else rb"<row(?=[\s/>])(?:[^>]*?\sr=\"([0-9]+)\")?")


@functools.lru_cache(maxsize=16)
def _odd_cell(digits: int) -> re.Pattern:
    """A cell without r="…" first, or whose reference has 3 letters or more than `digits` digits."""
    return re.compile(rb"<c(?=[\s/>])(?! r=\"[A-Za-z]{1,2}[0-9]{1,%d}\")" % digits)


@functools.lru_cache(maxsize=16)
def _odd_or_wide_cell(digits: int) -> re.Pattern:
    """A cell that is odd (above) or in a column beyond Z."""
    return re.compile(rb"<c(?=[\s/>])(?! r=\"[A-Za-z][0-9]{1,%d}\")" % digits)


def _scan_sheet_xml(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Extent:
    """The quick scan where it can vouch for the sheet, else the exact one."""
    return _scan_sheet_quick(z, info, name) or _scan_sheet_exact(z, info, name)


def _scan_sheet_quick(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Extent | None:
    """Bounds instead of exact extents, from three searches that find nothing in a usual sheet: every
    cell has r="…" first; no column reference beyond Z (else the widest is taken); no cell's row number
    has more digits than the largest <row r="…">, so rows < 10^digits. None when a piece is written
    otherwise, or when the bounds alone would exceed MAX_SHEET_CELLS (the exact scan then decides).
    Formula cells without a result and error values are collected as in the exact scan."""
    ext, digits, cols = Extent(name), 0, 26
    for buf in _chunks(z, info, _row_boundary):
        if b":" in buf and _PREFIX_TAG.search(buf):
            return None
        # a row without r="<number>", or with more digits than seen so far: one search that finds nothing
        # once the number of digits is known
        while m := _unusual_row(digits).search(buf):
            if not m.group(1):
                return None
            digits = len(m.group(1))
        # one search for the usual sheet (columns A–Z); where it finds a cell, the two that tell why
        if _odd_or_wide_cell(max(digits, 1)).search(buf):
            if _odd_cell(max(digits, 1)).search(buf):
                return None
            if _WIDE_COL.search(buf):
                cols = max(cols, max(map(_column_number, set(_WIDE_COL.findall(buf)))))
        ext.merges += buf.count(b"mergeCell ")
        _formulas_and_errors(buf, _PLAIN, ext)
        if (10 ** digits - 1) * cols > MAX_SHEET_CELLS or ext.merges > MAX_MERGED_RANGES:
            return None
    ext.rows, ext.cols = 10 ** digits - 1 if digits else 0, cols
    return ext


def _formulas_and_errors(buf: bytes, rx: dict, ext: Extent) -> None:
    if b"f" in buf and (b"f>" in buf or b"f/>" in buf):     # one byte is found far faster than two
        for m in rx["formula"].finditer(buf):
            ref = _CELL_REF_ATTR.search(m.group(1))
            if ref:
                ext.n_formulas += 1
                if len(ext.formulas) < MAX_FORMULA_CELLS:
                    text = html.unescape(m.group(2).decode("utf-8", "replace")) if m.group(2) else "（共享公式）"
                    ext.formulas[(int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1)] = "=" + text
    if b't="e"' in buf:
        for m in rx["error"].finditer(buf):
            ref = _CELL_REF_ATTR.search(m.group(1))
            if ref:
                ext.n_errors += 1
                if len(ext.errors) < MAX_FORMULA_CELLS:
                    ext.errors[(int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1)] = \
                        html.unescape(m.group(2).decode("utf-8", "replace"))


def _scan_sheet_exact(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Extent:
    """An upper bound of the area calamine would allocate: the largest row and column of any cell (with
    a reference, or placed after the one before it), whatever the <dimension> element claims."""
    ext = Extent(name)
    row = ref_cols = 0
    for buf in _chunks(z, info, _row_boundary):
        rx = _PREFIXED if (b":row" in buf or b":c" in buf) else _PLAIN
        row_attrs = rx["row"].findall(buf)
        numbered = rx["row_r"].findall(buf)
        if numbered and len(numbered) == len(row_attrs):
            row = int(numbered[-1])
            ext.rows = max(ext.rows, max(map(int, numbered)))
        else:
            for attrs in row_attrs:       # rows without r="…" follow the row before them
                m = _R_ATTR.search(attrs)
                row = int(m.group(1)) if m else row + 1
                ext.rows = max(ext.rows, row)
        n_cells = len(rx["cell"].findall(buf))
        letters = rx["ref_col"].findall(buf)
        if len(letters) == n_cells:        # every cell has r="…" first (as Excel writes): two quick passes
            n_refs, letters, numbers = n_cells, set(letters), set(rx["ref_row"].findall(buf))
        else:
            refs = rx["ref"].findall(buf)
            n_refs, letters, numbers = len(refs), {c for c, _ in refs}, {r for _, r in refs}
        if letters:
            ref_cols = max(ref_cols, max(map(_column_number, letters)))
            ext.rows = max(ext.rows, max(map(int, numbers)))
        ext.cols = max(ext.cols, ref_cols)
        if n_cells > n_refs:               # cells without r="…" follow the cell before them
            widest = max(len(rx["cell"].findall(seg)) for seg in rx["row_start"].split(buf))
            ext.cols = max(ext.cols, ref_cols + widest)
            ext.rows = max(ext.rows, row, 1)
        ext.merges += buf.count(b"mergeCell ")
        _formulas_and_errors(buf, rx, ext)
        if ext.problem():
            break
    return ext


# ---------------------------------------------------------------------------------------------
# Checking an .xls: just enough of the compound file format (MS-CFB) to find the workbook stream,
# then the row and column of every cell record (BIFF8, and BIFF5's "Book" stream).

ENDOFCHAIN = 0xFFFFFFFE
# cell records: NUMBER, LABELSST, LABEL, RK, BOOLERR, FORMULA, RSTRING, BLANK; MULRK and MULBLANK span columns
BIFF_CELLS = {0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x0006, 0x0406, 0x00D6, 0x0201}
BIFF_MULRK, BIFF_MULBLANK, BIFF_DIMENSIONS = 0x00BD, 0x00BE, 0x0200


class _Cfb:
    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != CFB_MAGIC:
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.size = 1 << shift
        self.v3 = shift == 9
        n_fat, first_dir, _, self.cutoff, first_minifat, _, first_difat, _ = struct.unpack_from("<8I", data, 0x2C)
        self.n_sectors = (len(data) - self.size + self.size - 1) // self.size
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        for sec in self._walk(first_difat, lambda s: struct.unpack_from("<I", self._sector(s), self.size - 4)[0]):
            difat.extend(struct.unpack_from(f"<{self.size // 4 - 1}I", self._sector(sec)))
        fat_sectors = [s for s in difat[:n_fat] if s < self.n_sectors][:self.n_sectors * 4 // self.size + 1]
        fat = b"".join(self._sector(s) for s in fat_sectors)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)
        directory = self._stream(first_dir, None, self.fat, self._sector)
        self.entries = {}
        for off in range(0, len(directory) - 127, 128):
            e = directory[off:off + 128]
            n = min(struct.unpack_from("<H", e, 64)[0], 64)
            name = e[:max(n - 2, 0)].decode("utf-16-le", "replace")
            typ, start, size = e[66], struct.unpack_from("<I", e, 116)[0], struct.unpack_from("<Q", e, 120)[0]
            if self.v3:
                size &= 0xFFFFFFFF
            if off == 0:
                self.root = (start, size)
            elif typ == 2:
                self.entries.setdefault(name.lower(), (start, size))
        minifat = self._stream(first_minifat, None, self.fat, self._sector)
        self.minifat = struct.unpack(f"<{len(minifat) // 4}I", minifat)
        self._ministream = None

    def _sector(self, i: int) -> bytes:
        off = (i + 1) * self.size
        if i >= self.n_sectors or off >= len(self.data):
            raise ValueError("sector beyond the end of the file")
        return self.data[off:off + self.size].ljust(self.size, b"\0")

    def _walk(self, start: int, nxt):
        seen = set()
        while start < ENDOFCHAIN - 4 and start not in seen and len(seen) <= self.n_sectors:
            seen.add(start)
            yield start
            start = nxt(start)

    def _stream(self, start: int, size: int | None, table, read) -> bytes:
        out, total = [], 0
        for sec in self._walk(start, lambda s: table[s] if s < len(table) else ENDOFCHAIN):
            out.append(read(sec))
            total += len(out[-1])
            if size is not None and total >= size:
                break
        data = b"".join(out)
        return data if size is None else data[:size]

    def has(self, name: str) -> bool:
        return name.lower() in self.entries

    def read(self, name: str) -> bytes:
        start, size = self.entries[name.lower()]
        size = min(size, len(self.data))
        if size >= self.cutoff:
            return self._stream(start, size, self.fat, self._sector)
        if self._ministream is None:
            self._ministream = self._stream(self.root[0], min(self.root[1], len(self.data)), self.fat, self._sector)
        mini = self._ministream

        def mini_sector(i: int) -> bytes:
            if (i + 1) * 64 > len(mini):
                raise ValueError("mini sector beyond the mini stream")
            return mini[i * 64:(i + 1) * 64]
        return self._stream(start, size, self.minifat, mini_sector)


def _scan_xls(path: Path) -> dict:
    """Every sheet's extent by name and by position; raises UnreadableFile."""
    size = path.stat().st_size
    if size > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(f"文件有 {size:,} 字节，超过读取上限 MAX_UNCOMPRESSED_BYTES = {MAX_UNCOMPRESSED_BYTES:,} 字节"
                             "（sources/read.py）")
    try:
        cfb = _Cfb(path.read_bytes())
        if cfb.has("EncryptionInfo") or cfb.has("EncryptedPackage"):
            raise UnreadableFile(PASSWORD_MESSAGE)
        stream = "Workbook" if cfb.has("Workbook") else "Book" if cfb.has("Book") else None
        if stream is None:
            raise UnreadableFile("是 Office 复合文档，但不是 Excel 工作簿（没有 Workbook 数据流），可能是 Word 等其他文档")
        data = cfb.read(stream)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(f"文件已损坏或不完整（多为传输中被截断）：.xls 的复合文档结构无法读取（{exc}）") from None
    return _biff_extents(data)


def _biff_records(data: bytes, start: int):
    """(type, body offset, length) from `start` to the EOF record (or the end of the stream)."""
    i, n = start, len(data)
    while 0 <= i and i + 4 <= n:
        rt, ln = struct.unpack_from("<HH", data, i)
        yield rt, i + 4, min(ln, n - i - 4)
        if rt == 0x000A:
            return
        i += 4 + ln


def _biff_extents(data: bytes) -> dict:
    sheets, codepage, biff8 = [], "cp1252", True
    for rt, body, ln in _biff_records(data, 0):
        if rt == 0x0809 and ln >= 2:          # BOF: 0x0600 is BIFF8, 0x0500 BIFF5
            biff8 = struct.unpack_from("<H", data, body)[0] >= 0x0600
        elif rt == 0x002F:                    # FILEPASS: encrypted; calamine reports the password
            return _AnyExtent()
        elif rt == 0x0042 and ln >= 2:        # CODEPAGE (BIFF5 sheet names)
            codepage = {936: "gbk", 1200: "utf-16-le"}.get(struct.unpack_from("<H", data, body)[0], "cp1252")
        elif rt == 0x0085 and ln >= 7:        # BOUNDSHEET: where a sheet's records start, and its name
            pos, cch = struct.unpack_from("<I", data, body)[0], data[body + 6]
            if not biff8:
                name = data[body + 7:body + 7 + cch].decode(codepage, "replace")
            elif ln >= 8 and data[body + 7] & 1:
                name = data[body + 8:body + 8 + 2 * cch].decode("utf-16-le", "replace")
            else:
                name = data[body + 8:body + 8 + cch].decode("latin-1")
            sheets.append((name, pos))
    out = {}
    for i, (name, pos) in enumerate(sheets):
        ext = Extent(name)
        for rt, body, ln in _biff_records(data, pos):
            if rt == BIFF_DIMENSIONS and ln >= 10:    # calamine reserves the area the record declares
                r, c = struct.unpack_from("<xxxxIxxH" if biff8 and ln >= 14 else "<xxHxxH", data, body)
                ext.rows, ext.cols = max(ext.rows, r), max(ext.cols, c)
                continue
            if ln < 4 or not (rt in BIFF_CELLS or rt in (BIFF_MULRK, BIFF_MULBLANK)):
                continue
            r, c = struct.unpack_from("<HH", data, body)
            if rt == BIFF_MULRK:
                c += max((ln - 6) // 6, 1) - 1
            elif rt == BIFF_MULBLANK:
                c += max((ln - 6) // 2, 1) - 1
            ext.rows, ext.cols = max(ext.rows, r + 1), max(ext.cols, c + 1)
        out.setdefault(name, ext)
        out[i] = ext
    return out


class _AnyExtent(dict):
    """An encrypted .xls: nothing to check (calamine stops at the password)."""

    def get(self, key, default=None):
        return Extent(str(key))


# ---------------------------------------------------------------------------------------------
# CSV: encodings are detected, non-UTF-8 files transcoded to a UTF-8 copy (line by line when a file
# mixes UTF-8 and GB18030 lines), then DuckDB reads the lines (blank lines kept, so line numbers stay
# true) and splits them in SQL.

DELIMITERS = [",", "\t", ";", "|"]
BY_LINE = "by-line"

# A line of UTF-8 Chinese text: ASCII, · ×, general punctuation, CJK (U+3000–U+9FFF), full-width forms
# and CJK extension B, with at least one CJK character. GBK bytes almost never read as such a line.
_NO_CJK = rb"(?:[\x00-\x09\x0b-\x7f]|\xc2\xb7|\xc3\x97|\xe2[\x80-\x81][\x80-\xbf]|\xef[\xbc-\xbf][\x80-\xbf]|\xf0[\xa0-\xaa][\x80-\xbf]{2})"
_ANY = rb"(?:" + _NO_CJK + rb"|[\xe3-\xe9][\x80-\xbf]{2})"
_UTF8_LINE = re.compile(rb"^" + _NO_CJK + rb"*+[\xe3-\xe9][\x80-\xbf]{2}" + _ANY + rb"*+\r?$", re.M)


def _decodes(path: Path, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                dec.decode(chunk)
            dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def _has_utf8_lines(path: Path) -> bool:
    with open(path, "rb") as f:
        carry = b""
        while chunk := f.read(CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"\n") + 1
            carry, buf = (buf[cut:], buf[:cut]) if cut else (buf, b"")
            if len(carry) > 4 * CHUNK:
                carry, buf = b"", carry
            if _UTF8_LINE.search(buf):
                return True
        return bool(carry and _UTF8_LINE.search(carry))


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16 or gb18030 (a superset of GBK and GB2312); `by-line` when no one
    encoding reads the whole file (lines of UTF-8 and of GBK mixed, or a few broken lines)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom = head.startswith(codecs.BOM_UTF8)
    if _decodes(path, "utf-8-sig" if bom else "utf-8"):
        return "utf-8-sig" if bom else "utf-8"
    if bom or _has_utf8_lines(path):
        return BY_LINE
    if _decodes(path, "gb18030"):
        return "gb18030"
    return BY_LINE


def _utf8_copy(path: Path, encoding: str, tmpdir: Path) -> Path:
    if encoding == "utf-8":
        return path
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK):
                dst.write(dec.decode(chunk))
            dst.write(dec.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        os.unlink(name)
        raise UnreadableFile(f"按 {encoding} 解码失败（{exc.reason}）：文件编码与其开头的标记不符，或文件已损坏") from None
    return Path(name)


def _utf8_by_line(path: Path, tmpdir: Path) -> tuple[Path, str, list[str]]:
    """Each line in the encoding it reads in: UTF-8 first (when it reads as Chinese text), then GB18030,
    then UTF-8 of any text; bytes neither can read become U+FFFD. The notes list the lines."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    n_utf8, gb, bad = 0, [], []
    with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        # a line longer than DuckDB will take is cut here too (the file is refused for it later)
        for i, line in enumerate(iter(lambda: src.readline(MAX_CSV_LINE_BYTES + 1), b""), start=1):
            if i == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[3:]
            if line.isascii():
                dst.write(line.decode("ascii"))
                continue
            body = line[:-1] if line.endswith(b"\n") else line
            text = None
            if _UTF8_LINE.fullmatch(body):
                text = line.decode("utf-8")
                n_utf8 += 1
            else:
                for enc in ("gb18030", "utf-8"):
                    try:
                        text = line.decode(enc)
                    except UnicodeDecodeError:
                        continue
                    if enc == "gb18030":
                        gb.append(i)
                    else:
                        n_utf8 += 1
                    break
            if text is None:
                text = line.decode("gb18030", errors="replace")
                bad.append(i)
            dst.write(text)
    if len(bad) > n_utf8 + len(gb):
        os.unlink(name)
        raise UnreadableFile("无法识别文件编码（不是 UTF-8，也不是 GBK/GB18030）")
    notes = []
    if n_utf8 and gb:
        notes.append(f"文件混用两种编码：{rows_text(gb)}按 GB18030（GBK）解码，其余含中文的 {n_utf8} 行按 UTF-8 解码；"
                     "已逐行识别，请核对这些行的文字")
    if bad:
        notes.append(f"{rows_text(bad)}含既不是 UTF-8 也不是 GB18030 的字节，已替换为“�”后读入，请核对这些行")
    label = "utf-8+gb18030" if n_utf8 and gb else "gb18030" if gb else "utf-8"
    return Path(name), label, notes


def _head_lines(path: Path, n: int, limit: int = 1 << 20) -> list[str]:
    """The first n lines, each cut at `limit` characters (a file without line breaks is not read whole)."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        while len(out) < n:
            line = f.readline(limit)
            if not line:
                break
            if not line.endswith(("\n", "\r")):
                while (rest := f.readline(limit)) and not rest.endswith(("\n", "\r")):
                    pass
            out.append(line.rstrip("\r\n"))
    return out


def sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", -1
    for d in DELIMITERS:
        counts = [ln.count(d) for ln in lines if ln.strip()]
        if not counts:
            continue
        # the header and data rows share one field count; title rows have none
        score = max(counts.count(c) * c for c in set(counts))
        if score > best_score:
            best, best_score = d, score
    return best


def _preview_fields(line: str, delim: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delim), [])
    except csv.Error:                       # a field longer than the csv module's limit, a NUL byte
        return line.split(delim)


def split_quoted_sql(column: str, delim: str) -> str:
    """SQL that splits a CSV line with quotes into its fields, by a regex that keeps a stray quote inside
    its field instead of swallowing the following lines (as a strict CSV parser would)."""
    d = delim.replace("'", "''")
    rd = "\\t" if delim == "\t" else "\\" + delim if delim in "|" else delim
    field = f'("(?:[^"]|"")*"|[^{rd}]*){rd}'
    unquote = ("lambda f: case when length(f) >= 2 and f[1] = '\"' and f[-1] = '\"' "
               "then replace(f[2:length(f) - 1], '\"\"', '\"') else f end")
    return f"list_transform(regexp_extract_all({column} || '{d}', '{field}', 1), {unquote})"


def _native_split(con, target: str, path_sql: str, delim_sql: str, width: int) -> bool:
    """Quoted lines through DuckDB's own CSV parser, which is fast. Its records are matched to our
    lines by order; that is only sound when every non-empty line is exactly one record, so any
    disagreement (a quoted line break, a stray quote, more fields than expected) returns False
    and the caller splits the quoted lines by regex instead."""
    import duckdb

    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
    try:
        con.execute(
            f"create or replace temp table _csv_native as select * from read_csv('{path_sql}', columns={cols}, "
            f"header=false, delim='{delim_sql}', quote='\"', escape='\"', auto_detect=false, "
            f"null_padding=true, strict_mode=true, max_line_size={MAX_CSV_LINE_BYTES}, buffer_size={CSV_BUFFER_BYTES})")
    except duckdb.Error:
        return False
    records = con.execute("select count(*) from _csv_native").fetchone()[0]
    lines = con.execute("select count(*) from _csv_lines where line is not null").fetchone()[0]
    if records != lines:
        con.execute("drop table _csv_native")
        return False
    values = ", ".join(f"n.c{i}" for i in range(1, width + 1))
    con.execute(f"""
        update {target} t set cells = list_slice([{values}], 1,
                    {width} - coalesce(list_position(list_reverse(list_transform([{values}], lambda v: v is not null)), true) - 1, {width}))
        from (select rowid + 1 as k, * from _csv_native) n,
             (select rowid + 1 as row_no, row_number() over (order by rowid) as k from _csv_lines where line is not null) l
        where n.k = l.k and t.row_no = l.row_no and t.quoted
    """)
    con.execute("drop table _csv_native")
    return True


def _utf8_head(path: Path) -> str | None:
    """utf-8 or utf-8-sig when the first megabyte reads as UTF-8 (a character cut at its end allowed),
    else None. DuckDB checks the rest as it reads the lines, and skips the byte order mark."""
    with open(path, "rb") as f:
        head = f.read(1 << 20)
        whole = not f.read(1)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return None
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _utf8_file(path: Path, tmpdir: Path) -> tuple[Path, str, list[str]]:
    """The file in UTF-8 (itself, or a transcoded copy), its encoding and what was odd about it."""
    encoding = detect_encoding(path)
    if encoding == BY_LINE:
        return _utf8_by_line(path, tmpdir)
    return _utf8_copy(path, encoding, tmpdir), encoding, []


def _read_csv(path: Path, tmpdir: Path) -> ReadResult:
    import duckdb

    if path.stat().st_size == 0:
        raise UnreadableFile("文件为空（0 字节）")
    # Most files are UTF-8: they are read in place, and only a file that turns out not to be (DuckDB
    # finds the first bad byte as it reads) is detected and transcoded in full, then read again.
    encoding = _utf8_head(path)
    utf8, notes = path, []
    try:
        head = _head_lines(utf8, PREVIEW_ROWS) if encoding else None
    except UnicodeDecodeError:      # the first lines run past the first megabyte, into bytes that are not UTF-8
        encoding = None
    if encoding is None:
        utf8, encoding, notes = _utf8_file(path, tmpdir)
        head = _head_lines(utf8, PREVIEW_ROWS)
    delim = sniff_delimiter(head)
    preview = [_preview_fields(ln, delim) for ln in head]
    d = delim.replace("'", "''")
    width = max((len(r) for r in preview), default=1) + 16
    sheet = Sheet("", preview, None, delimiter=delim)
    result = ReadResult(path, "csv", encoding, [sheet], notes)

    def load(con, target: str, derived: dict[str, str] = NO_KIND) -> None:
        source = utf8
        try:
            try:
                _load_csv_lines(con, target, str(source).replace("'", "''"), d, delim, width, sheet.notes, derived)
            except duckdb.Error as exc:
                if source != path or "Invalid unicode" not in str(exc):
                    raise
                source, result.encoding, more = _utf8_file(path, tmpdir)
                result.notes.extend(more)
                _load_csv_lines(con, target, str(source).replace("'", "''"), d, delim, width, sheet.notes, derived)
        except duckdb.Error as exc:
            raise UnreadableFile(_csv_error(str(exc))) from None

    sheet.load = load
    return result


def _csv_error(text: str) -> str:
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"第 {line.group(1)} 行" if line else ""
    if "Maximum line size" in text:
        return (f"{where or '有一行'}超过 {MAX_CSV_LINE_BYTES:,} 字节，超过读取上限 MAX_CSV_LINE_BYTES（sources/read.py）："
                "多为缺少换行符或已损坏的文件")
    detail = next((ln for ln in text.splitlines()[1:] if ln.strip() and not ln.startswith("Original Line")), "")
    return f"CSV 文件{where}无法读取：{text.splitlines()[0]} {detail}".strip()


def _load_csv_lines(con, target: str, quoted: str, d: str, delim: str, width: int, notes: list[str],
                    derived: dict[str, str] = NO_KIND) -> None:
    con.execute(
        f"create or replace temp table _csv_lines as select line from read_csv('{quoted}', "
        "columns={'line': 'VARCHAR'}, header=false, delim='\\x01', quote='', escape='', "
        f"auto_detect=false, strict_mode=false, max_line_size={MAX_CSV_LINE_BYTES}, "
        f"buffer_size={CSV_BUFFER_BYTES})"
    )
    # plain lines split by string_split (fast) to classify them, and kept as their line only (the grid's
    # contract: cells NULL where the line split at the delimiter gives them); the few lines with quotes
    # are split by DuckDB's CSV parser or a regex
    con.execute(
        f"create or replace temp table {target} as select * replace (case when line is null then cells end as cells), "
        f"{_derived(derived)} from ("
        f"select (rowid + 1)::integer as row_no, coalesce(string_split(line, '{d}'), []::varchar[]) as cells, "
        "null::integer[] as lossy, false as merged, coalesce(qf_has_ws(line), false) as padded, "
        "contains(line, '\"') as quoted, case when not contains(line, '\"') then line end as line from _csv_lines)"
    )
    if con.execute(f"select count(*) from {target} where quoted").fetchone()[0]:
        if not _native_split(con, target, quoted, d, width):
            con.execute(f"update {target} t set cells = {split_quoted_sql('l.line', delim)} "
                        f"from (select rowid + 1 as row_no, line from _csv_lines) l "
                        f"where t.quoted and l.row_no = t.row_no")
        if derived != NO_KIND:
            sets = ", ".join(f"{name} = {sql}" for name, sql in derived.items())
            con.execute(f"update {target} set {sets} where quoted")
        # a quote left open would swallow the lines after it in a strict CSV reader; here every line
        # stays a row, and the lines are named so a record cut in two by a quoted line break is found
        n, rows = con.execute("""
            select count(*), coalesce(list(row_no order by row_no)[1:10], [])
            from (select rowid + 1 as row_no, line from _csv_lines where contains(line, '"'))
            where (length(line) - length(replace(line, '"', ''))) % 2 = 1""").fetchone()
        if n:
            notes.append(f"{rows_text(rows, n)}的引号不成对（多余的引号，或引号内的换行把一条记录分成了两行）："
                         "已按物理行读取、按分隔符拆分，请核对这些行")
    con.execute(f"alter table {target} drop column quoted")
    con.execute("drop table _csv_lines")

"""Read department files as text grids: every sheet becomes rows of cell texts with their row numbers.

Nothing is typed here. A grid row is (row_no, cells, lossy): the 1-based row number an investigator
sees in Excel (or the line number of a CSV), the cell texts, and the positions of cells that were
numeric with more than 15 significant digits (Excel keeps 15, so an ID or account number stored
as a number is damaged beyond repair, domain.md §1.5).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PREVIEW_ROWS = 40


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why, for people."""


@dataclass
class Sheet:
    """One sheet of a workbook, or the single table of a CSV file."""

    name: str
    preview: list[list[str]]              # the first PREVIEW_ROWS rows, as text, merges filled in
    load: object = field(repr=False)      # load(con, table): create `table` as the full grid in DuckDB


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
        return _read_workbook(path)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, tmpdir)
    raise UnreadableFile(f"不支持的文件类型 {suffix or '(无扩展名)'}：只读取 .xlsx/.xls/.csv")


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


def _read_workbook(path: Path) -> ReadResult:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableFile("文件有密码保护，无法读取（请去除密码后重新报送）") from None
    except Exception as exc:  # calamine raises several types for corrupt files
        raise UnreadableFile(f"文件已损坏或不是有效的 Excel 文件：{type(exc).__name__}: {exc}") from None
    fmt = "xls" if path.suffix.lower() == ".xls" else "xlsx"
    sheets = []
    for meta in wb.sheets_metadata:
        if str(meta.typ).endswith("ChartSheet"):
            continue
        try:
            sh = wb.get_sheet_by_name(meta.name)
            values = sh.to_python(skip_empty_area=False)
            merged = getattr(sh, "merged_cell_ranges", None) or []
        except Exception as exc:
            raise UnreadableFile(f"工作表“{meta.name}”无法读取：{type(exc).__name__}: {exc}") from None
        sheets.append(_workbook_sheet(meta.name, values, merged))
    return ReadResult(path, fmt, None, sheets)


def _workbook_sheet(name: str, values: list[list], merged) -> Sheet:
    """Cells to text column by column: a column of strings goes to Arrow as it is; only cells of other
    types (numbers, dates) are rendered one by one. Lossy numeric cells are marked per column."""
    _fill_merges(values, merged)
    width = max((len(r) for r in values), default=0)
    rows = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in values]
    data: dict[str, pa.Array] = {"row_no": pa.array(range(1, len(rows) + 1), pa.int32())}
    lossy_cols = []
    for j, col in enumerate(zip(*rows)):
        types = set(map(type, col))
        if types <= {str}:
            data[f"c{j}"] = pa.array(col, pa.string())
            continue
        if types <= {str, float}:
            data[f"c{j}"] = _float_text(col)
        else:
            data[f"c{j}"] = pa.array([v if type(v) is str else cell_text(v)[0] for v in col], pa.string())
        if float in types or int in types:
            flags = [type(v) in (float, int) and abs(v) >= 1e15 for v in col]
            if any(flags):
                data[f"l{j}"] = pa.array(flags, pa.bool_())
                lossy_cols.append(j)
    table = pa.table(data)
    preview = [[cell_text(v)[0] for v in r] for r in rows[:PREVIEW_ROWS]]

    def load(con, target: str) -> None:
        cells = "[" + ", ".join(f"c{j}" for j in range(width)) + "]" if width else "[]::varchar[]"
        lossy = ("list_filter([" + ", ".join(f"case when l{j} then {j} end" for j in lossy_cols)
                 + "], lambda x: x is not null)") if lossy_cols else "null::integer[]"
        con.register("_grid_arrow", table)
        con.execute(f"create or replace temp table {target} as "
                    f"select row_no, {cells}::varchar[] as cells, {lossy} as lossy from _grid_arrow")
        con.unregister("_grid_arrow")

    return Sheet(name, preview, load)


def _float_text(col) -> pa.Array:
    """A column of numbers (and text): the same text as cell_text, computed by Arrow for the whole column."""
    import pyarrow.compute as pc

    nums = pa.array([v if type(v) is float else None for v in col], pa.float64())
    texts = pa.array([v if type(v) is str else None for v in col], pa.string())
    finite = pc.is_finite(nums)
    whole = pc.and_(finite, pc.equal(pc.floor(nums), nums))
    as_int = pc.cast(pc.cast(pc.if_else(whole, nums, 0.0), pa.int64()), pa.string())
    as_float = pc.cast(nums, pa.string())
    number = pc.if_else(whole, as_int, pc.if_else(finite, as_float, ""))
    return pc.if_else(pc.is_null(nums), texts, number)


def _fill_merges(rows: list[list], merged) -> None:
    """A merged range means its top-left value for every cell it covers (e.g. 乡镇 merged down a block)."""
    for (r1, c1), (r2, c2) in merged:
        if r1 >= len(rows):
            continue
        top = rows[r1][c1] if c1 < len(rows[r1]) else ""
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c2:
                row.extend([""] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                row[c] = top


# ---------------------------------------------------------------------------------------------
# CSV: encodings are detected, non-UTF-8 files transcoded to a UTF-8 copy, then DuckDB reads the
# lines (blank lines kept, so line numbers stay true) and splits them in SQL.

DELIMITERS = [",", "\t", ";", "|"]
CHUNK = 1 << 22


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16 or gb18030 (a superset of GBK and GB2312)."""
    with open(path, "rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
    for enc in ("utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    dec.decode(chunk)
                dec.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文件编码（不是 UTF-8，也不是 GBK/GB18030）")


def _utf8_copy(path: Path, encoding: str, tmpdir: Path) -> Path:
    if encoding == "utf-8":
        return path
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    dec = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(dec.decode(chunk))
        dst.write(dec.decode(b"", final=True))
    return Path(name)


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
            "null_padding=true, strict_mode=true)")
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


def _read_csv(path: Path, tmpdir: Path) -> ReadResult:
    if path.stat().st_size == 0:
        raise UnreadableFile("文件为空（0 字节）")
    encoding = detect_encoding(path)
    utf8 = _utf8_copy(path, encoding, tmpdir)
    with open(utf8, encoding="utf-8-sig", newline="") as f:
        head = [ln.rstrip("\r\n") for _, ln in zip(range(PREVIEW_ROWS), f)]
    delim = sniff_delimiter(head)
    preview = [next(csv.reader(io.StringIO(ln), delimiter=delim), []) for ln in head]
    quoted = str(utf8).replace("'", "''")
    d = delim.replace("'", "''")
    width = max((len(r) for r in preview), default=1) + 16

    def load(con, target: str) -> None:
        con.execute(
            f"create or replace temp table _csv_lines as select line from read_csv('{quoted}', "
            "columns={'line': 'VARCHAR'}, header=false, delim='\\x01', quote='', escape='', "
            "auto_detect=false, strict_mode=false)"
        )
        # plain lines split by string_split (fast); the few lines with quotes are re-split by a regex
        con.execute(
            f"create or replace temp table {target} as select (rowid + 1)::integer as row_no, "
            f"coalesce(string_split(line, '{d}'), []::varchar[]) as cells, null::integer[] as lossy, "
            "contains(line, '\"') as quoted from _csv_lines"
        )
        if con.execute(f"select count(*) from {target} where quoted").fetchone()[0]:
            if not _native_split(con, target, quoted, d, width):
                con.execute(f"update {target} t set cells = {split_quoted_sql('l.line', delim)} "
                            f"from (select rowid + 1 as row_no, line from _csv_lines) l "
                            f"where t.quoted and l.row_no = t.row_no")
        con.execute(f"alter table {target} drop column quoted")
        con.execute("drop table _csv_lines")

    return ReadResult(path, "csv", encoding, [Sheet("", preview, load)])

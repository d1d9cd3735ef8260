"""Workbooks (.xlsx, .xls) through calamine: what the file is, then every sheet's cells rendered to text,
column by column, into the grid (sources/read.py says what a grid is)."""

from __future__ import annotations

import codecs
import operator
import shutil
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pyarrow as pa

from .grid import (
    CFB_MAGIC,
    CONTROL_CHARS,
    MAX_MERGED_RANGES,
    MAX_SHEET_CELLS,
    NO_KIND,
    PASSWORD_MESSAGE,
    PREVIEW_ROWS,
    Controls,
    Extent,
    ReadResult,
    Sheet,
    UnreadableFile,
    _codepoint,
    _derived,
    _fatal,
    cell_text,
    clean_text,
    column_letter,
)
from .read_xls import _scan_xls
from .read_xlsx import _scan_xlsx


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
    """The workbook read here, in this process (sources/read_worker.py runs it in a child process, where a
    native abort or an allocation failure costs the file and not the run). Picklable: every sheet's `load`
    is an _ArrowGrid."""
    import python_calamine as pc

    kind = _sniff(path)
    fmt = "xls" if path.suffix.lower() == ".xls" else "xlsx"
    source, notes = path, []
    order: list[str] | None = None      # the sheets' names in the workbook's order, as calamine will see them
    raw_order: list[str] | None = None  # … as the workbook names them
    if kind == "zip":
        extents, order = _scan_xlsx(path)
        raw_order = order
        if order and len(set(order)) < len(order):
            # calamine finds a sheet by its name, so of two sheets of one name it reads the first twice: read
            # a copy whose workbook names them apart
            unique = unique_names(order)
            source = _renamed_copy(path, tmpdir, order, unique)
            order = unique
            fmt = "xlsx"
        elif fmt == "xls":
            source = _alias(path, tmpdir, ".xlsx")
        if path.suffix.lower() == ".xls":
            notes.append("扩展名是 .xls，内容却是 .xlsx 工作簿：已按 .xlsx 读取")
            fmt = "xlsx"
    elif kind == "cfb":
        extents = _scan_xls(path)
        # calamine reads every sheet of an .xls when it opens the file: one sheet too large refuses them all
        for name, ext in extents.items():
            if isinstance(name, str) and ext.problem("此文件"):
                raise UnreadableFile(f"工作表“{clean_text(name)[0]}”的" + ext.problem("此文件"))
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
        raise UnreadableFile(f"文件已损坏或不是有效的 Excel 文件，读取程序无法打开（{type(exc).__name__}: {exc}）") from None
    by_index = order is not None and [m.name for m in metas] == order
    raws = raw_order if by_index else [m.name for m in metas]
    shown = unique_names([clean_text(r)[0] for r in raws])
    seen: set[str] = set()
    sheets = []
    for i, meta in enumerate(metas):
        if str(meta.typ).endswith("ChartSheet"):
            continue
        name = shown[i]
        if name != raws[i]:        # a file's notes: they name the sheet, and are shown whatever becomes of it
            notes.append(_renamed_note(raws[i], name))
        if meta.name in seen:      # an .xls (or a workbook whose names we could not tell apart) read by name
            sheets.append(Sheet(name, [], None,
                                error=f"与前面的工作表同名（“{clean_text(meta.name)[0]}”），读取程序无法区分两者，未读取此表；"
                                      "请在 Excel 中给工作表改名后重新报送"))
            continue
        seen.add(meta.name)
        if by_index:
            ext = extents.get(i)
        elif order is not None:       # an .xlsx whose sheet list calamine reads otherwise: by a name, if unique
            ext = extents.get(meta.name) if order.count(meta.name) == 1 else None
        else:
            ext = extents.get(meta.name) or extents.get(i)
        if ext is None:
            sheets.append(Sheet(name, [], None, error="无法在读取前核查此表的大小（工作簿目录与内容不符），为安全起见未读取"))
            continue
        if ext.problem():
            sheets.append(Sheet(name, [], None, error=ext.problem()))
            continue
        try:
            sh = wb.get_sheet_by_name(meta.name)
            values = sh.to_python(skip_empty_area=False)
            merged = getattr(sh, "merged_cell_ranges", None) or []
            sheets.append(_workbook_sheet(name, values, merged, ext, notes))
        except UnreadableFile as exc:
            sheets.append(Sheet(name, [], None, error=str(exc)))
        except BaseException as exc:
            if _fatal(exc):
                raise
            sheets.append(Sheet(name, [], None, error=f"此表无法读取：读取程序出错（{type(exc).__name__}: {exc}）"))
    return ReadResult(path, fmt, None, sheets, notes)


def _renamed_note(raw: str, name: str) -> str:
    cleaned = clean_text(raw)[0]
    notes = []
    if cleaned != raw:
        notes.append(f"工作表名称含控制字符（如 {_codepoint(raw)}），已删除")
    if name != cleaned:
        notes.append(f"工作簿中有多个名为“{cleaned}”的工作表，此表是其中第 2 个或更后的一个")
    return "，".join(notes) + f"：此表记为“{name}”"


def unique_names(names: list[str]) -> list[str]:
    """Names made distinct in order: the second “名单” becomes “名单（2）” (downstream keys are file and sheet)."""
    out, used = [], set()
    for n in names:
        name, k = n, 1
        while name in used or (name != n and name in names):
            k += 1
            name = f"{n}（{k}）"
        used.add(name)
        out.append(name)
    return out


def _renamed_copy(path: Path, tmpdir: Path, old: list[str], new: list[str]) -> Path:
    """A copy of the .xlsx whose xl/workbook.xml gives its sheets the names `new` (in order)."""
    import zipfile

    from .read_xlsx import sheet_name_spans

    tmpdir.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(dir=tmpdir)) / "workbook.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.lower() == "xl/workbook.xml":
                xml = src.read(info)
                for span, name, before in reversed(list(zip(sheet_name_spans(xml), new, old))):
                    if span and name != before:
                        xml = xml[:span[0]] + xml_escape(name, {'"': "&quot;", "'": "&apos;"}).encode() + xml[span[1]:]
                dst.writestr(info.filename, xml)
            else:
                with src.open(info) as f, dst.open(info.filename, "w", force_zip64=True) as g:
                    shutil.copyfileobj(f, g, 1 << 20)
    return target


def _workbook_sheet(name: str, values: list[list], merged, ext: Extent | None = None,
                    file_notes: list[str] | None = None) -> Sheet:
    """Cells to text column by column: a column of strings goes to Arrow as it is; only cells of other
    types (numbers, dates) are rendered one by one. Lossy numeric cells are marked per column. Control
    characters are removed (Arrow compute over a column, and only where a column has any), and counted
    in `file_notes` (the sheet's own notes when not given)."""
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
    lossy_cols, controls = [], Controls()
    for j in range(width):
        col = list(map(operator.itemgetter(j), rows))   # a list: pyarrow converts a tuple ten times slower
        text, flags = _column_text(col)
        data[f"c{j}"] = _without_controls(text, j, controls)
        if flags is not None and pc.any(flags).as_py():
            data[f"l{j}"] = flags
            lossy_cols.append(j)
    if controls.cells:
        (notes if file_notes is None else file_notes).append(controls.note(name))
    if copies:
        data["merged"] = pa.array([i in copies for i in range(len(rows))], pa.bool_())
    texts = [data[f"c{j}"] for j in range(width)]
    data["padded"] = _padded(texts, len(rows))
    delimiter = _joined_lines(texts, data)
    preview = [[clean_text(cell_text(v)[0])[0] for v in r] for r in rows[:PREVIEW_ROWS]]
    grid = _ArrowGrid(pa.table(data), width, lossy_cols, bool(copies), delimiter)
    return Sheet(name, preview, grid, notes=notes, delimiter=delimiter)


class _ArrowGrid:
    """A workbook sheet's grid as an Arrow table, and how to load it (Sheet.load): picklable, so a sheet
    read in the reader's child process comes back whole."""

    def __init__(self, table: pa.Table, width: int, lossy_cols: list[int], merged: bool, delimiter: str | None):
        self.table, self.width, self.lossy_cols, self.merged, self.delimiter = table, width, lossy_cols, merged, delimiter

    def __call__(self, con, target: str, derived: dict[str, str] = NO_KIND) -> None:
        width, lossy_cols = self.width, self.lossy_cols
        cells = "[" + ", ".join(f"c{j}" for j in range(width)) + "]" if width else "[]::varchar[]"
        lossy = ("list_filter([" + ", ".join(f"case when l{j} then {j} end" for j in lossy_cols)
                 + "], lambda x: x is not null)") if lossy_cols else "null::integer[]"
        con.register("_grid_arrow", self.table)
        keep = "* replace (NULL::varchar[] as cells)" if self.delimiter else "*"   # the line gives the cells
        try:
            con.execute(f"create or replace temp table {target} as select {keep}, {_derived(derived)} from ("
                        f"select row_no, {cells}::varchar[] as cells, {lossy} as lossy, "
                        f"{'merged' if self.merged else 'false'} as merged, padded, "
                        f"{'line' if self.delimiter else 'NULL::varchar as line'} from _grid_arrow)")
        finally:
            con.unregister("_grid_arrow")


def _column_text(col: list) -> tuple[pa.Array, pa.Array | None]:
    """A column's cells as text, and which are numbers of 15 digits or more (lossy; None when none can be).
    One odd cell never costs the column: what Arrow cannot take at once is rendered cell by cell."""
    try:                                             # a column of strings only, checked by pyarrow
        return pa.array(col, pa.string()), None
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        types = set(map(type, col))
    if types <= {str, float}:
        try:
            return _float_text(col)
        except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError, ValueError):
            pass
    texts, flags = zip(*map(_safe_cell_text, col)) if col else ((), ())
    return pa.array(texts, pa.string()), pa.array(flags, pa.bool_()) if any(flags) else None


def _safe_cell_text(v) -> tuple[str, bool]:
    if type(v) is str:
        return v, False
    try:
        return cell_text(v)
    except Exception:          # a value no rule renders (a date out of range, …): kept as what Python says
        try:
            return str(v), False
        except Exception:
            return "", False


def _without_controls(text: pa.Array, j: int, controls: Controls) -> pa.Array:
    import pyarrow.compute as pc

    hit = pc.fill_null(pc.match_substring_regex(text, CONTROL_CHARS), False)
    if not pc.any(hit).as_py():
        return text
    for i in pc.indices_nonzero(hit).to_pylist():
        controls.add(i + 1, j, text[i].as_py())
    return pc.replace_substring_regex(text, CONTROL_CHARS, "")


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
    # whole numbers below 2^53 are exact in int64; a larger one (a 19-digit card number held as a float,
    # 1e20 in a remark) is rendered by cell_text, one by one: Arrow cannot cast it, and it is lossy anyway
    small = pc.and_(whole, pc.less(pc.abs(nums), float(2 ** 53)))
    as_int = pc.cast(pc.cast(pc.if_else(small, nums, 0.0), pa.int64()), pa.string())
    as_float = pc.cast(nums, pa.string())
    number = pc.if_else(small, as_int, pc.if_else(finite, as_float, ""))
    large = pc.fill_null(pc.and_(finite, pc.invert(small)), False)
    if pc.any(large).as_py():
        big = set(pc.indices_nonzero(large).to_pylist())
        number = pa.array([cell_text(col[i])[0] if i in big else t for i, t in enumerate(number.to_pylist())], pa.string())
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

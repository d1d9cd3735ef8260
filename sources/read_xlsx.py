"""Checking an .xlsx before calamine opens it: the zip directory, then each sheet's XML, streamed."""

from __future__ import annotations

import functools
import html
import posixpath
import re
import zipfile
from pathlib import Path

from .grid import (CHUNK, MAX_FORMULA_CELLS, MAX_MERGED_RANGES, MAX_SHEET_CELLS, MAX_UNCOMPRESSED_BYTES,
                   PASSWORD_MESSAGE, Extent, UnreadableFile, _column_number)


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

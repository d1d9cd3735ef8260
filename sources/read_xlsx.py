"""Checking an .xlsx before calamine opens it: the zip directory, then each sheet's XML, streamed."""

from __future__ import annotations

import functools
import html
import posixpath
import re
import zipfile
from pathlib import Path
from xml.parsers import expat

from .grid import (
    CHUNK,
    CONTROL_BYTES_RE,
    MAX_FORMULA_CELLS,
    MAX_MERGED_RANGES,
    MAX_SHEET_CELLS,
    MAX_UNCOMPRESSED_BYTES,
    PASSWORD_MESSAGE,
    Extent,
    UnreadableFile,
    _column_number,
)


def _patterns(p: bytes) -> dict:
    """The quick scan's regular expressions for formula cells without a saved result and error values,
    for elements written plainly (<c …>; the exact scan parses the XML instead)."""
    return {
        "formula": re.compile(                                            # a formula without a saved result
            rb"<" + p + rb"c\b([^>]*?)(?<!/)>\s*<" + p + rb"f\b[^>]*?(?:/>|>([^<]*)</" + p + rb"f>)\s*"
            rb"(?:<" + p + rb"v\s*/>|<" + p + rb"v>\s*</" + p + rb"v>)?\s*</" + p + rb"c>"),
        "error": re.compile(                                              # a cell holding an error value
            rb"<" + p + rb"c\b([^>]*?\bt=\"e\"[^>]*?)(?<!/)>\s*(?:<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + rb"f>)\s*)?"
            rb"<" + p + rb"v>([^<]*)</" + p + rb"v>"),
    }


_PLAIN = _patterns(b"")
_CELL_REF_ATTR = re.compile(rb"\br=\"([A-Za-z]+)([0-9]+)\"")
_SI_TAG = re.compile(rb"<(?:\w+:)?si[\s/>]")
_UNIQUE_COUNT = re.compile(rb"\b(?:uniqueCount|count)\s*=\s*[\"']\s*([0-9]+)")   # any quote, spaces around =


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile("文件不完整（已损坏）：开头是 .xlsx（zip）格式，却找不到压缩包末尾的目录，多为下载、拷贝或传输中被截断；"
                             "请重新报送完整的文件") from None
    except Exception as exc:
        raise UnreadableFile(f"文件已损坏，压缩包目录无法读取：{type(exc).__name__}: {exc}") from None


def _scan_xlsx(path: Path) -> tuple[dict, list[str]]:
    """Every sheet's extent by position in the workbook (and by name, the first of a name), and the names
    in order, after the zip directory's checks; raises UnreadableFile."""
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
                    tag = head[:head.find(b">", head.find(b"sst")) + 1]    # the <sst …> tag's counts
                    declared = max(map(int, _UNIQUE_COUNT.findall(tag)), default=0)
                    n = max(declared, _count_in_part(z, info, _SI_TAG))
                    if n > MAX_SHEET_CELLS:
                        raise UnreadableFile(f"共享字符串表有（或声明有）{n:,} 项，超过读取上限 MAX_SHEET_CELLS = "
                                             f"{MAX_SHEET_CELLS:,}（sources/read.py）：疑似“压缩炸弹”，为免耗尽内存未读取")
            out: dict = {}
            order = _sheet_parts(z, parts)
            for i, (name, part) in enumerate(order):
                if part is None:
                    continue
                out[i] = _scan_sheet_xml(z, parts[part], name)
                out.setdefault(name, out[i])
            return out, [name for name, _ in order]
        except UnreadableFile:
            raise
        except Exception as exc:   # a part that does not unpack (CRC, truncated stream, bad header)
            raise UnreadableFile(f"文件已损坏，无法解压：{type(exc).__name__}: {exc}") from None


def _read_small_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = 64 << 20) -> bytes:
    with z.open(info) as f:
        return f.read(limit)


def _sheet_parts(z: zipfile.ZipFile, parts: dict) -> list[tuple[str, str | None]]:
    """(sheet name, lower-case part name or None) of every <sheet> of xl/workbook.xml, in its order (the
    order calamine lists them in), through its relationships; parsed as XML, so any attribute style reads."""
    targets = {}
    rels_info = parts.get("xl/_rels/workbook.xml.rels")
    for attrs in _elements(_read_small_part(z, rels_info) if rels_info else b"", "Relationship"):
        rid, target = attrs.get("Id"), attrs.get("Target")
        if rid is not None and target is not None:
            t = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rid] = t.lower()
    out = []
    for attrs in _elements(_read_small_part(z, parts["xl/workbook.xml"]), "sheet"):
        rid = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "id" and ":" in k), None)
        part = targets.get(rid)
        out.append((attrs.get("name", ""), part if part in parts else None))
    return out


def sheet_name_spans(xml: bytes) -> list[tuple[int, int] | None]:
    """The byte span of each <sheet>'s name value in xl/workbook.xml, in order (to give sheets new names)."""
    spans = []
    parser = _parser()

    def start(tag, attrs):
        if tag.rpartition(":")[2] == "sheet":
            at = parser.CurrentByteIndex
            m = _NAME_ATTR.search(xml, at, xml.index(b">", at))
            spans.append(m.span(2) if m else None)

    parser.StartElementHandler = start
    parser.Parse(CONTROL_BYTES_RE.sub(b"?", xml), True)     # the same length: the spans hold
    return spans


_NAME_ATTR = re.compile(rb"\sname\s*=\s*([\"'])(.*?)\1", re.S)


def _elements(xml: bytes, local: str) -> list[dict]:
    """The attributes of every element named `local` (with or without a prefix) in a small part."""
    found = []

    def start(tag, attrs):
        if tag.rpartition(":")[2] == local:
            found.append(attrs)

    parser = _parser()
    parser.StartElementHandler = start
    try:
        # a control character is not well-formed XML, yet calamine reads a sheet name holding one (it is
        # removed from the name later, with a note): parsed as a private-use character, then put back
        parser.Parse(CONTROL_BYTES_RE.sub(lambda m: b"&#x%X;" % (0xE000 + m.group()[0]), xml), True)
    except expat.ExpatError as exc:
        raise UnreadableFile(f"文件已损坏：工作簿目录的 XML 格式错误（{expat.ErrorString(exc.code)}，第 {exc.lineno} 行）") from None
    return [{k: _PRIVATE_CONTROLS.sub(lambda m: chr(ord(m.group()) - 0xE000), v) for k, v in a.items()} for a in found]


_PRIVATE_CONTROLS = re.compile("[\ue000-\ue01f\ue07f]")


def _parser():
    """An expat parser that refuses a DTD (a workbook has none; a DTD is how entity bombs are built)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def doctype(*_):
        raise UnreadableFile("文件已损坏或经过篡改：工作簿的 XML 部件含有文档类型声明（DTD），正常的 Excel 文件没有")
    parser.StartDoctypeDeclHandler = doctype
    return parser


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


# The rest of a usual cell's tag after its reference: attributes written name="value", one space before
# each, none of them r again (calamine takes the last r="…" of a tag). A tag written any other way —
# single quotes, spaces or line breaks around `=`, a second r — is odd, and the exact scan reads it.
_USUAL_TAIL = rb'(?: (?!r=)[A-Za-z_][\w:.-]*="[^"<>]*")* ?/?>'


@functools.lru_cache(maxsize=16)
def _odd_cell(digits: int) -> re.Pattern:
    """A cell without r="…" first, or whose reference has 3 letters or more than `digits` digits, or whose
    tag is not written the usual way."""
    return re.compile(rb"<c(?=[\s/>])(?! r=\"[A-Za-z]{1,2}[0-9]{1,%d}\"%s)" % (digits, _USUAL_TAIL))


@functools.lru_cache(maxsize=16)
def _odd_or_wide_cell(digits: int) -> re.Pattern:
    """A cell that is odd (above) or in a column beyond Z."""
    return re.compile(rb"<c(?=[\s/>])(?! r=\"[A-Za-z][0-9]{1,%d}\"%s)" % (digits, _USUAL_TAIL))


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


class _Stop(Exception):
    """The sheet is already too large: the exact scan stops reading it."""


_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,9})")


def _scan_sheet_exact(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Extent:
    """An upper bound of the area calamine would allocate: the largest row and column of any cell (by its
    reference, or placed after the one before it) and of any row, whatever the <dimension> element claims.
    The sheet is parsed as XML (expat, streamed), so a reference reads the same whatever its quotes, the
    spaces around its `=`, an entity in it or an element's prefix; the scan stops once the sheet is too
    large. Formula cells without a saved result and error values are collected on the way."""
    ext = Extent(name)
    row = col = 0
    cell: dict = {}
    text: list[str] | None = None

    def start(tag, attrs):
        nonlocal row, col, text
        local = tag.rpartition(":")[2]
        if local == "c":
            ref = _REF.fullmatch(attrs.get("r", ""))
            if ref:
                col, r = _column_number(ref.group(1).encode()), int(ref.group(2))
                ext.rows = max(ext.rows, r)
                cell.update(ref=(r - 1, col - 1))
            else:
                col += 1
                ext.rows = max(ext.rows, row, 1)
                cell.update(ref=(max(row, 1) - 1, col - 1))
            ext.cols = max(ext.cols, col)
            cell.update(t=attrs.get("t"), f=None, v=None)
            if ext.rows * ext.cols > MAX_SHEET_CELLS:
                raise _Stop
        elif local == "row":
            r = attrs.get("r", "").strip()
            row = int(r) if r.isdigit() and len(r) < 10 else row + 1
            col = 0
            ext.rows = max(ext.rows, row)
        elif local in ("f", "v") and cell:
            text = []
            cell[local] = text
        elif local == "mergeCell":
            ext.merges += 1
            if ext.merges > MAX_MERGED_RANGES:
                raise _Stop

    def end(tag):
        nonlocal text
        local = tag.rpartition(":")[2]
        if local in ("f", "v"):
            text = None
        elif local == "c" and cell:
            f, v = cell.get("f"), cell.get("v")
            value = "".join(v) if v is not None else ""
            if f is not None and not value.strip():
                ext.n_formulas += 1
                if len(ext.formulas) < MAX_FORMULA_CELLS:
                    ext.formulas[cell["ref"]] = "=" + ("".join(f) or "（共享公式）")
            elif cell.get("t") == "e" and value:
                ext.n_errors += 1
                if len(ext.errors) < MAX_FORMULA_CELLS:
                    ext.errors[cell["ref"]] = value
            cell.clear()

    def chars(data):
        if text is not None:
            text.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        with z.open(info) as f:
            while chunk := f.read(CHUNK):
                parser.Parse(CONTROL_BYTES_RE.sub(b" ", chunk), False)     # as calamine, which reads them
            parser.Parse(b"", True)
    except _Stop:
        pass
    except expat.ExpatError as exc:
        ext.error = (f"此表的 XML 格式错误（{expat.ErrorString(exc.code)}，在其 XML 第 {exc.lineno} 行第 {exc.offset + 1} 列）："
                     "文件已损坏或经过篡改，未读取此表")
    return ext

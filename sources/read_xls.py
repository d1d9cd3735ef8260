"""Checking an .xls before calamine opens it: the workbook stream, from the compound file (MS-CFB) as the
olefile package reads it (streams under 4 KB in the mini stream too), then the row and column of every
cell record (BIFF8, and BIFF5's "Book" stream) and the area each sheet's DIMENSIONS record declares:
calamine reserves that area when it opens the file, so a declared area is a limit to check, never a
bound on what is read."""

from __future__ import annotations

import struct
from pathlib import Path

from .grid import MAX_UNCOMPRESSED_BYTES, PASSWORD_MESSAGE, Extent, UnreadableFile

# cell records: NUMBER, LABELSST, LABEL, RK, BOOLERR, FORMULA, RSTRING, BLANK; MULRK and MULBLANK span columns
BIFF_CELLS = {0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x0006, 0x0406, 0x00D6, 0x0201}
BIFF_MULRK, BIFF_MULBLANK, BIFF_DIMENSIONS = 0x00BD, 0x00BE, 0x0200


def _scan_xls(path: Path) -> dict:
    """Every sheet's extent by name and by position; raises UnreadableFile."""
    size = path.stat().st_size
    if size > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(f"文件有 {size:,} 字节，超过读取上限 MAX_UNCOMPRESSED_BYTES = {MAX_UNCOMPRESSED_BYTES:,} 字节"
                             "（sources/read.py）")
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            def has(name: str) -> bool:     # olefile finds names whatever their case, as Excel does
                return ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM
            if has("EncryptionInfo") or has("EncryptedPackage"):
                raise UnreadableFile(PASSWORD_MESSAGE)
            stream = "Workbook" if has("Workbook") else "Book" if has("Book") else None
            if stream is None:
                raise UnreadableFile("是 Office 复合文档，但不是 Excel 工作簿（没有 Workbook 数据流），可能是 Word 等其他文档")
            with ole.openstream(stream) as f:
                data = f.read()
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

"""Checking an .xls: just enough of the compound file format (MS-CFB) to find the workbook stream,
then the row and column of every cell record (BIFF8, and BIFF5's "Book" stream)."""

from __future__ import annotations

import struct
from pathlib import Path

from .read import CFB_MAGIC, MAX_UNCOMPRESSED_BYTES, PASSWORD_MESSAGE, Extent, UnreadableFile


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

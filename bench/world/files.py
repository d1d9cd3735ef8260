"""The departments' files of a synthetic world, written the way departments write them.

A sheet is a Grid: its rows as typed, title rows, a (merged) header, records, 合计 rows, footers and blank
rows, each special row with its line of the answer key (planted_rows.csv). One writer per format: xlsx
(openpyxl), legacy .xls (xlwt), CSV in any encoding (UTF-8, UTF-8 with BOM, GBK, GB18030); and, for the
city's big tables, a CSV streamed from a DuckDB COPY below its title and header lines. Every writer is
byte-reproducible: the same rows give the same bytes."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

from bench.world.key import Mark

FIXED_TIME = dt.datetime(2021, 1, 15, 9, 0, 0)   # the files' saved-at stamp (the data are as of 2021-01-15)


class Grid:
    """The rows of one sheet (or one CSV file) as written, with the answer-key line of every special row."""

    def __init__(self, file: str, sheet: str = "", merges=(), widths=None, formats=None):
        self.file, self.sheet = file, sheet
        self.merges, self.widths, self.formats = list(merges), widths or {}, formats or {}
        self.rows: list[list] = []
        self.key: list[dict] = []

    def add(self, cells: list, mark: Mark | None = None) -> int:
        self.rows.append(list(cells))
        if mark:
            self.key.append(mark.row(self.file, self.sheet, len(self.rows)))
        return len(self.rows)

    def structural(self, kind: str, cells: list, note: str = "") -> int:
        return self.add(cells, Mark("structural", kind, note))

    def title(self, *cells, note: str = "") -> int:
        return self.structural("title", list(cells), note)

    def header(self, *cells, note: str = "") -> int:
        return self.structural("header", list(cells), note)

    def blank(self, n: int, note: str = "", space: bool = False) -> int:
        """A row with nothing in it (space=True: cells holding a space, as left behind by 'clearing')."""
        return self.structural("blank", [" "] * n if space else [None] * n, note)

    def footer(self, *cells, note: str = "") -> int:
        return self.structural("footer", list(cells), note)

    def total(self, cells: list, stated: float, true: float, note: str) -> int:
        if round(stated - true, 2):
            return self.add(cells, Mark("total_mismatch", "total", f"{note}；写的是 {stated:,.2f}，各行相加为 {true:,.2f}",
                                        "amount_yuan", f"{true:.2f}"))
        return self.structural("total", cells, note)


def write_xlsx(path: Path, grids: list[Grid]) -> list[dict]:
    """One workbook, a sheet per grid (the first cell in a bold, centred title font); returns the grids'
    answer-key lines."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    key = []
    for g in grids:
        ws = wb.create_sheet(g.sheet)
        for r in g.rows:
            ws.append(r)
        for rng in g.merges:
            ws.merge_cells(rng)
        for col, w in g.widths.items():
            ws.column_dimensions[col].width = w
        for col, fmt in g.formats.items():
            for cell in ws[col]:
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    cell.number_format = fmt
        if g.rows:
            ws["A1"].font = Font(bold=True, size=14)
            ws["A1"].alignment = Alignment(horizontal="center")
        key.extend(g.key)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.save(path)
    freeze_zip(path)
    return key


def freeze_zip(path: Path) -> None:
    """openpyxl stamps the save time into docProps/core.xml and each zip entry: restamp both, so that the
    same rows give the same bytes (and the same SHA-256 in run.json)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [(i, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, d) if i.filename == "docProps/core.xml"
                else d) for i, d in entries]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            frozen = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            frozen.compress_type = zipfile.ZIP_DEFLATED
            frozen.external_attr = info.external_attr
            z.writestr(frozen, data)


def write_xls(path: Path, grids: list[Grid]) -> list[dict]:
    """Legacy Excel 97–2003 (.xls), as older county systems still export; merged cells bold and centred."""
    import xlwt
    from openpyxl.utils import range_boundaries

    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on, height 280; align: horiz center")
    key = []
    for g in grids:
        ws = wb.add_sheet(g.sheet)
        merged = {}
        for rng in g.merges:
            c1, r1, c2, r2 = range_boundaries(rng)
            merged[(r1 - 1, c1 - 1)] = (r2 - 1, c2 - 1)
        for r, row in enumerate(g.rows):
            for c, v in enumerate(row):
                if (r, c) in merged:
                    ws.write_merge(r, merged[(r, c)][0], c, merged[(r, c)][1], v, bold)
                elif v is not None:
                    ws.write(r, c, v)
        for col, w in g.widths.items():
            ws.col(ord(col) - ord("A")).width = int(w * 256)
        key.extend(g.key)
    wb.save(str(path))
    return key


def write_csv(path: Path, g: Grid, encoding: str) -> list[dict]:
    """A grid as CSV (CRLF line ends, as Excel and the departments' systems export)."""
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(g.rows)
    return g.key


def write_copied_csv(path: Path, copied: Path, header: list[str], encoding: str = "utf-8", title: str | None = None,
                     total: str | None = None) -> None:
    """A big table as CSV: `copied` (UTF-8 CSV rows without a header, as DuckDB's COPY writes them) below an
    optional title line and the header, an optional total line last; transcoded on the way (utf-8-sig: with
    a BOM; GBK: every character the city uses is in GBK). `copied` is removed."""
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    with open(path, "wb") as out:
        if encoding == "utf-8-sig":
            out.write(codecs.BOM_UTF8)
        if title:
            out.write((title + "\n").encode(enc))
        out.write((",".join(header) + "\n").encode(enc))
        with open(copied, "rb") as src:
            if enc == "utf-8":
                shutil.copyfileobj(src, out, 1 << 22)
            else:
                dec = codecs.getincrementaldecoder("utf-8")()
                while chunk := src.read(1 << 22):
                    out.write(dec.decode(chunk).encode(enc))
                out.write(dec.decode(b"", final=True).encode(enc))
        if total:
            out.write((total + "\n").encode(enc))
    copied.unlink()

"""Read a department file as text grids (sources/grid.py says what a grid is): the reader is chosen by the
file's type; a file that cannot be read raises UnreadableFile with the reason, for people."""

from __future__ import annotations

from pathlib import Path

from .grid import CSV_SUFFIXES, NO_KIND, SPREADSHEET_SUFFIXES, UNCHECKED_SUFFIXES, ReadResult, Sheet, UnreadableFile  # noqa: F401
from .read_csv import _read_csv
from .read_worker import read_isolated


def read_file(path: Path, tmpdir: Path) -> ReadResult:
    """A workbook is read in the reader's child process (sources/read_worker.py): whatever happens there
    costs that file only. A CSV is read by DuckDB when its sheet is loaded."""
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_isolated(path, tmpdir)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, tmpdir)
    if suffix in UNCHECKED_SUFFIXES:
        raise UnreadableFile(f"不读取 {suffix} 文件（无法在读取前核查其表格大小）：请另存为 .xlsx 后重新报送")
    raise UnreadableFile(f"不支持的文件类型 {suffix or '(无扩展名)'}：只读取 .xlsx/.xls/.csv")

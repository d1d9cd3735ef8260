"""Load every file of an inbox into DuckDB: raw_<kind> tables of text with lineage, the structural rows
(titles, headers, totals, footers, blanks) beside them, and one record per file and per sheet.

Every row of every readable sheet ends in exactly one of: raw_<kind> (then staged, and loaded or
quarantined) or raw_structural. Files and sheets that cannot be used are recorded with the reason.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import wide
from .declarations import kinds
from .inbox import Entry, clean_name, os_error, scan_inbox, sha256
from .layout import Layout
from .quoting import sql_str
from .read import NO_KIND, SPREADSHEET_SUFFIXES, ReadResult, UnreadableFile, read_file
from .read_worker import read_many
from .recognise import recognise

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

TOTAL_RE = r"(本页|本月|本表|全部|总)?(合计|小计|总计|累计|共计)([:：(（].*)?|(合计|小计|总计)[^0-9]{0,12}"
FOOTER_RE = (r"(制表|审核|填报|填表|复核|审批|制单|经办|打印|分管|主管|单位负责|负责人|部门负责|领导签字|盖章|"
             r"注[:：]|说明[:：]|备注[:：]|以下空白|此页无正文).*")
# reader(paths, tmpdir): (path, its ReadResult or the exception that refused it) for each of the workbooks
# `paths`, in that order (sources/read_worker.py read_many; sources/spark_read.py read_files_on_spark)
Reader = Callable[[Iterable[Path], Path], Iterable[tuple[Path, "ReadResult | Exception"]]]
WS = r"[\s\x{3000}\x{00A0}\x{200B}-\x{200D}\x{FEFF}]+"


def create_tables(con) -> None:
    con.execute("""
        create or replace table source_files (
            file_id integer primary key, file_name varchar, path varchar, sha256 varchar, size_bytes bigint,
            format varchar, encoding varchar, status varchar, reason varchar, skip_code varchar);
        create or replace table source_sheets (
            file_id integer, sheet varchar, kind varchar, variant varchar, status varchar, reason varchar,
            header_row integer, header varchar[], mapping json, title varchar, hints json,
            rows_read integer, rows_title integer, rows_header integer, rows_blank integer,
            rows_total integer, rows_footer integer, rows_note integer, rows_data integer, delimiter varchar,
            mapped_by json, score double, margin double, candidates json, mapping_file varchar);
        create or replace table raw_structural (
            file_id integer, sheet varchar, row_no integer, row_kind varchar, cells varchar[]);
        create or replace table programme_texts (kind varchar, text varchar);
        create or replace table total_checks (
            file_id integer, sheet varchar, row_no integer, label varchar, column_header varchar,
            stated_yuan decimal(18, 2), segment_sum_yuan decimal(18, 2), sum_above_yuan decimal(18, 2),
            matches boolean);
    """)
    con.execute((HERE / "macros.sql").read_text(encoding="utf-8"))
    for k in kinds():
        # the rows as received: every cell as text, or only the `line` where the cells are that line split
        # at the sheet's delimiter (a plain CSV line; a workbook row joined by U+001F): far less to write,
        # and qf_cells(cells, line, source_sheets.delimiter) gives the cells;
        # `lossy` lists the 0-based positions of numeric cells with more than 15 digits; `padded`: a cell
        # may start or end with whitespace (else staging need not trim the row's cells). Staging maps
        # cells to columns through source_sheets.mapping.
        con.execute(f"create or replace table {k.raw_table} (file_id integer, sheet varchar, row_no integer, "
                    "cells varchar[], lossy integer[], padded boolean, line varchar)")


def load_inbox(con, inbox: Path, tmpdir: Path, overrides: list[dict] | None = None, reader: Reader | None = None
               ) -> None:
    """Read every file of `inbox` into the raw tables (replacing what the last run loaded). `overrides`: the
    analyst's mapping file entries (sources/mappings.py), which fix the kind of sheets they match. `reader`
    reads the workbooks (default: sources/read_worker.py's read_many, READ_WORKERS processes reading ahead;
    sources/spark_read.py's read_files_on_spark reads them one task per file on Spark)."""
    create_tables(con)
    tmpdir.mkdir(parents=True, exist_ok=True)
    # The raw tables are written once and read twice (staging, and the quarantine's raw text): ZSTD writes
    # them about a third faster than DuckDB's default (DICT_FSST), for about 1.8× the disk (measured on
    # bench/loader.py's ledger). The tables the rules read keep the default compression.
    before = con.execute("select current_setting('force_compression')").fetchone()[0]
    con.execute("pragma force_compression='zstd'")
    try:
        _load_files(con, inbox, tmpdir, overrides, reader or read_many)
    finally:
        con.execute("pragma force_compression=$before", {"before": before})


def _load_files(con, inbox: Path, tmpdir: Path, overrides: list[dict] | None, reader: Reader) -> None:
    """Each file in the inbox's order: file_id, source_sheets and the raw rows do not depend on how many
    workbooks were read at once, or where. The reader reads the workbooks to be loaded ahead of this loop
    (drawing them from the same plan); a CSV is read here, by DuckDB, as its sheet is loaded."""
    from concurrent.futures import ThreadPoolExecutor

    entries = scan_inbox(inbox)
    # Every file is hashed before it is read, so that a second copy of a file (the same content under another
    # name) is reported and not read at all. The hashes run ahead in a thread (hashlib releases the GIL) while
    # DuckDB reads the files before them: only the first file waits for its hash.
    hasher = ThreadPoolExecutor(1)
    reads = None
    try:
        digests = {i: hasher.submit(sha256, e.path) for i, e in enumerate(entries) if e.status is None}
        plan, ahead = itertools.tee(_plan(entries, digests))
        reads = iter(reader((e.path for _, e, _ in ahead if _read_ahead(e)), tmpdir))
        for i, e, digest in plan:
            if e.status is None:
                read = None
                if _read_ahead(e):
                    path, read = next(reads)
                    assert path == e.path, f"the reader answered for {path}, not {e.path}"
                _load_file(con, i + 1, e, digest, tmpdir, overrides, read)
            else:
                reason = "；".join([e.reason, *e.notes])
                log.warning("%s: %s (%s)", e.name, e.status, reason)
                con.execute("insert into source_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [i + 1, e.name, clean_name(str(e.path))[0], digest, e.size,
                             e.path.suffix.lower().lstrip(".") if e.kind == "file" else e.kind, None, e.status,
                             reason, e.code])
    finally:
        if hasattr(reads, "close"):
            reads.close()               # reads still in flight end
        hasher.shutdown(wait=True, cancel_futures=True)


def _plan(entries: list[Entry], digests: dict) -> Iterator[tuple[int, Entry, str | None]]:
    """(index, entry, content hash) of each file in order, its status decided: a duplicate of a file before
    it, or gone since the inbox was listed, is not read."""
    first: dict[str, str] = {}          # content hash → the name of the file read for it
    for i, e in enumerate(entries):
        digest = None
        if e.status is None:
            try:
                digest = digests.pop(i).result()
            except OSError as exc:      # gone, or its permission changed, since the inbox was listed
                e.status, e.code, e.reason = "skipped", "UNLISTABLE", f"无法读取（{os_error(exc)}）：未读取"
        if e.status is None and e.size and digest in first:
            e.status, e.code = "duplicate", "DUPLICATE"
            e.reason = f"与“{first[digest]}”内容完全相同（同一文件的另一个名称）：只读取一次"
        if e.status is None:
            first.setdefault(digest, e.name)
        yield i, e, digest


def _read_ahead(entry: Entry) -> bool:
    """A workbook to load: the reader's (a CSV is read by DuckDB on the load's connection, and other files
    are refused at once)."""
    return entry.status is None and entry.path.suffix.lower() in SPREADSHEET_SUFFIXES


def _load_file(con, file_id: int, entry: Entry, digest: str, tmpdir: Path, overrides: list[dict] | None,
               read: ReadResult | Exception | None = None) -> None:
    """Read one file (or take the reader's `read` of it) into the raw tables and record it in source_files
    with its status and reason."""
    path, rel = entry.path, entry.name
    fmt = path.suffix.lower().lstrip(".")
    status, reason, encoding, notes = "loaded", None, None, []
    try:
        if isinstance(read, Exception):
            raise read
        result = read or read_file(path, tmpdir)
        encoding, notes = result.encoding, result.notes
        status, reason = _file_status([_load_sheet(con, file_id, Path(rel).name, sheet, overrides)
                                      for sheet in result.sheets])
        con.execute("drop table if exists _grid")   # its memory serves the next file, or staging
        encoding = result.encoding      # a CSV read as UTF-8 that turns out not to be is detected again
    except UnreadableFile as exc:
        status, reason = "unreadable", str(exc)
        _forget_file(con, file_id)
    except Exception as exc:   # a reader bug must cost this file, not the run
        log.exception("%s: unexpected error while reading", rel)
        status, reason = "unreadable", f"读取时出现程序错误（{type(exc).__name__}: {exc}），请把此文件转交系统维护人员"
        _forget_file(con, file_id)
    reason = "；".join([r for r in (reason, *notes, *entry.notes) if r]) or None
    if status != "loaded" or reason:
        log.warning("%s: %s (%s)", rel, status, reason)
    con.execute("insert into source_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [file_id, rel, clean_name(str(path))[0], digest, entry.size, fmt, encoding, status, reason, None])


def _file_status(sheets: list[tuple[str, str | None]]) -> tuple[str, str | None]:
    """A file's status and reason from its sheets' (status, reason); a file of one sheet takes its reason."""
    status = [s for s, _ in sheets]
    only = sheets[0][1] if len(sheets) == 1 else None
    if not status:
        return "empty", "工作簿中没有工作表"
    if all(s == "empty" for s in status):
        return "empty", only if only and only != "工作表为空" else "文件中没有数据"
    if not any(s == "loaded" for s in status):
        if all(s in ("unreadable", "empty") for s in status):
            return "unreadable", only or "没有一个工作表能够读取"
        if any(s == "ambiguous" for s in status):
            return "ambiguous", only or "工作表的数据类型无法确定（见各工作表的原因）"
        return "unrecognised", only or "没有一个工作表的表头能识别为已知数据类型"
    if any(s in ("unrecognised", "ambiguous") for s in status):
        return "partly", "部分工作表的表头未能识别"
    if any(s == "unreadable" for s in status):
        return "partly", "部分工作表无法读取"
    return "loaded", None


def _forget_file(con, file_id: int) -> None:
    """A file that failed part way loads nothing: every row is either in the tables or in its reason."""
    for table in ["source_sheets", "raw_structural", "total_checks", *(k.raw_table for k in kinds())]:
        con.execute(f"delete from {table} where file_id = ?", [file_id])


def _load_sheet(con, file_id: int, file_name: str, sheet, overrides: list[dict] | None = None) -> tuple[str, str | None]:
    """Load one sheet; its status (loaded | empty | unrecognised | ambiguous | unreadable) and reason."""
    if sheet.error:
        con.execute("insert into source_sheets (file_id, sheet, status, reason, rows_read) values (?, ?, 'unreadable', ?, 0)",
                    [file_id, sheet.name, sheet.error])
        return "unreadable", sheet.error
    found = recognise(sheet.preview, sheet.name, file_name, overrides)
    layout = found.layout
    candidates = json.dumps(found.candidates, ensure_ascii=False)
    blank = f"len(list_filter(cells, lambda c: nullif(regexp_replace(c, '{WS}', '', 'g'), '') is not null)) = 0"
    # the rows are classified, and the cell of the programme column picked, as the grid is made (a second
    # copy of the grid costs more than the rest)
    derived = {"row_kind": _row_kind_sql(layout, blank), **_programme_cell(layout)} if layout else NO_KIND
    sheet.load(con, "_grid", derived)
    cells = _cells(sheet.delimiter)
    n_read = con.execute("select count(*) from _grid").fetchone()[0]
    if layout is None:
        n_blank = con.execute(f"select count(*) filter (where {blank}) from (select {cells} as cells from _grid)").fetchone()[0]
        empty = n_read == n_blank
        status = "empty" if empty else found.status
        reason = "工作表为空" if empty else found.reason
        con.execute("insert into source_sheets (file_id, sheet, status, reason, rows_read, rows_blank, margin, candidates) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [file_id, sheet.name, status, reason, n_read, n_blank, found.margin, candidates])
        con.execute(f"insert into raw_structural select ?, ?, row_no, ?, {cells} from _grid",
                    [file_id, sheet.name, "blank" if empty else "unrecognised"])
        return status, reason
    _programme_texts(con, layout)
    outcomes = [_load_part(con, file_id, file_name, sheet, name, part, column, found, candidates, n_read, cells)
                for name, part, column in _parts(sheet.name, layout)]
    if len(outcomes) == 1:
        return outcomes[0]
    return ("loaded", None) if any(s == "loaded" for s, _ in outcomes) else outcomes[0]


def _parts(sheet_name: str, layout: Layout) -> list[tuple[str, Layout, int | None]]:
    """(name, layout, wide column) of what a sheet is loaded as: itself, or one part per column of a wide
    roster (sources/wide.py), each with that column as its value and its month or programme as a hint."""
    if not layout.wide:
        return [(sheet_name, layout, None)]
    value, fills = dict(layout.kind.wide)["value"], dict(layout.kind.wide)
    parts = []
    for w in layout.wide:
        col = layout.kind.columns[fills[w.what]]
        part = dataclasses.replace(layout, mapping={**layout.mapping, value: w.index},
                                   hints={**layout.hints, (col.hint_key or col.name): w.value})
        parts.append((wide.sheet_name(sheet_name, w), part, w.index))
    return parts


def _load_part(con, file_id: int, file_name: str, sheet, name: str, layout: Layout, column: int | None, found,
               candidates: str, n_read: int, cells: str) -> tuple[str, str | None]:
    """Insert the rows of a sheet (or of one wide column of it, whose blank cells are months or programmes
    not paid: blank rows of that part) and record it in source_sheets."""
    kind_sql = "row_kind"
    if column is not None:
        kind_sql = (f"case when row_kind = 'data' and coalesce(regexp_replace(({cells})[{column + 1}], '{WS}', '', 'g'), "
                    f"'') = '' then 'blank' else row_kind end")
    _insert_rows(con, file_id, name, layout, cells, kind_sql)
    counts = dict(con.execute(f"select {kind_sql} as k, count(*) from _grid group by all").fetchall())
    status, reason = "loaded", "；".join([*filter(None, [found.reason]), *sheet.notes]) or None
    if column is not None:
        reason = "；".join(filter(None, [f"宽表：第 {column + 1} 列「{layout.header[column]}」的金额", reason]))
    if not counts.get("data"):
        empty = (f"宽表第 {column + 1} 列「{layout.header[column]}」没有金额（未发放）" if column is not None
                 else f"只有表头（第 {layout.header_row} 行），没有数据行")
        status, reason = "empty", "；".join([empty, *sheet.notes])
    if reason:
        log.warning("%s %s: %s", file_name, name, reason)
    con.execute(
        "insert into source_sheets values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_id, name, layout.kind.kind, layout.variant, status, reason, layout.header_row, layout.header,
         json.dumps(layout.mapping), layout.title, json.dumps(layout.hints, ensure_ascii=False), n_read,
         counts.get("title", 0), counts.get("header", 0), counts.get("blank", 0),
         counts.get("total", 0), counts.get("footer", 0), counts.get("note", 0), counts.get("data", 0),
         sheet.delimiter, json.dumps(layout.mapped_by, ensure_ascii=False), layout.score, layout.margin, candidates,
         layout.mapping_file],
    )
    return status, reason


def _row_kind_sql(layout: Layout, blank: str) -> str:
    """SQL tagging a grid row: title | header | merged | blank | total | footer | note | data."""
    def cell(j: int) -> str:
        return f"coalesce(regexp_replace(cells[{j + 1}], '{WS}', '', 'g'), '')"

    key = layout.mapping[layout.kind.key]
    keyed = [layout.mapping[c] for c in (layout.kind.key, "name") if c in layout.mapping]
    header_norm = [_norm(layout.header[j]) if j < len(layout.header) else "" for j in keyed]
    repeat = " and ".join(f"{cell(j)} = {sql_str(h)}" for j, h in zip(keyed, header_norm)) or "false"
    first_cells = "list_filter(cells[1:4], lambda c: nullif(trim(c), '') is not null)"
    nonempty = "list_filter(cells, lambda c: nullif(trim(c), '') is not null)"
    # 15 digits in a row (one cheap regex) is the usual case; else count the digits among other characters
    fast_data = (f"regexp_matches(cells[{key + 1}], '[0-9]{{15}}') then 'data' "
                 f"when length(regexp_replace(coalesce(cells[{key + 1}], ''), '[^0-9]', '', 'g')) >= 15"
                 if layout.kind.columns[layout.kind.key].type == "id" else "false")
    return f"""
        case
            when row_no <= {layout.header_row - layout.header_rows} then 'title'
            when row_no <= {layout.header_row} then 'header'
            -- a blank row that only repeats, through merged cells, the record above it
            when merged then 'merged'
            -- most rows are records whose key holds an ID number: decide them before the costly checks
            when {fast_data} then 'data'
            when {blank} then 'blank'
            when {repeat} then 'header'
            when len(list_filter({first_cells},
                     lambda c: regexp_full_match(regexp_replace(c, '{WS}', '', 'g'), '{TOTAL_RE}'))) > 0 then 'total'
            when regexp_full_match(regexp_replace(coalesce({first_cells}[1], ''), '{WS}', '', 'g'), '{FOOTER_RE}')
                 then 'footer'
            when len({nonempty}) = 1 and {cell(key)} = ''
                 and not regexp_full_match(trim({nonempty}[1]), '[0-9.,\\-]+') then 'note'
            else 'data' end"""


def _norm(text: str) -> str:
    import re
    return re.sub(r"[\s\u3000\u00a0\u200b-\u200d\ufeff]+", "", text or "")


def _cells(delimiter: str | None) -> str:
    """SQL for a grid row's cells (the grid keeps only the line where it splits at the delimiter)."""
    return f"qf_cells(cells, line, {sql_str(delimiter)})" if delimiter else "cells"


def _programme_cell(layout: Layout) -> dict[str, str]:
    """The grid's column `programme_text`: the cell of the sheet's programme column, if it has one."""
    for c in layout.kind.columns.values():
        if c.type == "programme" and c.name in layout.mapping:
            return {"programme_text": f"cells[{layout.mapping[c.name] + 1}]"}
    return {}


def _programme_texts(con, layout: Layout) -> None:
    """The distinct texts of the sheet's programme column (cleaned as staging cleans them): staging maps
    each to a canonical programme once (sources/stage.py, programme_map_sql), while the rows are at hand."""
    if _programme_cell(layout):
        con.execute("insert into programme_texts select distinct ?, qf_text(t) from "
                    "(select distinct programme_text as t from _grid where row_kind = 'data')", [layout.kind.kind])


def _insert_rows(con, file_id: int, sheet_name: str, layout: Layout, cells: str, kind_sql: str = "row_kind") -> None:
    con.execute(f"""
        insert into {layout.kind.raw_table}
        select {file_id}, $sheet, row_no, case when line is null then cells end, lossy, padded, line
        from _grid where {kind_sql} = 'data'
    """, {"sheet": sheet_name})
    con.execute(f"""
        insert into raw_structural
        select {file_id}, $sheet, row_no, {kind_sql}, {cells} from _grid where {kind_sql} <> 'data'
    """, {"sheet": sheet_name})

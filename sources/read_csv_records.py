"""Which physical lines of a CSV make one record: a quoted field may hold line breaks (RFC 4180), and a
stray quote must not swallow the lines after it.

A line's quotes are counted: where every line has an even number, every line is one record (the usual
file, read without any of this). A line with an odd number either opens a quoted field that runs on to a
later line, or closes one, or holds a stray quote. Lines are joined into one record only when the file
is well-formed CSV there: the opening line is whole fields and then a quote at the start of a field that
runs to the end of the line (OPENER); every line in between holds no quote but doubled ones (MIDDLE; it
may also close the field and open another one); the next line with an odd number of quotes closes the
field and continues with whole fields (CLOSER). Read greedily from the top, an opening line joins with
its closing line; otherwise the opening line holds a stray quote, stays one physical row and is named
(as are all lines with an odd number of quotes that are not part of a record), and reading resumes at the
next line. So `"褚二,…` followed by `褚"三,…` is two rows (tests/bad_inputs/stray_quote.csv), and a quote
left open at the end of the file swallows nothing: its line and every line after it stay rows, and a
note says so (文件末尾). A record may span at most MAX_RECORD_LINES lines and MAX_CSV_LINE_BYTES bytes:
a longer one is not a remark but a stray quote far from its partner.

The record's row_no is the physical line where it starts, what an investigator finds in a text editor;
the lines it continues on have no row of their own. A line break inside a field is read as "\n", also in
a file with CRLF line ends (DuckDB reads lines without their line end).
"""

from __future__ import annotations

import csv
import io
import re

from .grid import MAX_CSV_LINE_BYTES, rows_text
from .quoting import sql_str

MAX_RECORD_LINES = 100      # physical lines one record may span (a remark of many lines stays far below)


def quote_patterns(delim: str) -> tuple[str, str, str]:
    """OPENER, MIDDLE and CLOSER (see above) as regular expressions both Python's re and DuckDB's RE2 read
    (whole-line matches)."""
    d = f"\\x{ord(delim):02x}"
    inside = '(?:[^"]|"")*'                       # the text of a quoted field (doubled quotes allowed)
    fld = f'(?:"{inside}"|[^"{d}]*)'              # a whole field: quoted, or without any quote
    opener = f'(?:{fld}{d})*"{inside}'
    middle = f'{inside}(?:"(?:{d}{fld})*{d}"{inside})?'
    closer = f'{inside}"(?:{d}{fld})*'
    return opener, middle, closer


def _quotes(line: str | None) -> int:
    return line.count('"') if line else 0


def records_in(lines: list[str | None], delim: str) -> tuple[list[tuple[int, int]], list[int]]:
    """The records of more than one line, as 0-based (first, last) line indices, and the lines whose odd
    number of quotes belongs to no record (0-based). The preview's version of records_sql (same rule)."""
    opener, middle, closer = (re.compile(p) for p in quote_patterns(delim))
    records, strays, i, n = [], [], 0, len(lines)
    while i < n:
        if _quotes(lines[i]) % 2 == 0:
            i += 1
            continue
        j = i + 1
        while j < n and _quotes(lines[j]) % 2 == 0 and middle.fullmatch(lines[j] or ""):
            j += 1
        ok = (opener.fullmatch(lines[i]) and j < n and _quotes(lines[j]) % 2 == 1 and closer.fullmatch(lines[j])
              and j - i < MAX_RECORD_LINES and sum(len(x or "") + 1 for x in lines[i:j + 1]) <= MAX_CSV_LINE_BYTES)
        if ok:
            records.append((i, j))
            i = j + 1
        else:
            strays.append(i)
            i += 1
    return records, strays


def preview_rows(lines: list[str], delim: str, n: int) -> list[list[str]]:
    """The first n lines as rows of fields, a list entry per physical line: a record of several lines is
    at its first line, and the lines it continues on are empty rows (so that an index is a line number)."""
    records, strays = records_in(lines, delim)
    out = [_fields(line, delim) for line in lines[:n]]
    for i in strays:        # as the grid splits them (split_quoted_sql): the stray quote kept in its field
        if i < n:
            out[i] = _stray_fields(lines[i], delim)
    for first, last in records:
        if first < n:
            out[first] = _fields("\n".join(x or "" for x in lines[first:last + 1]), delim)
            out[first + 1:last + 1] = [[] for _ in range(min(last, n - 1) - first)]
    return out[:n]


def _stray_fields(line: str, delim: str) -> list[str]:
    d = re.escape(delim)
    fields = re.findall(f'("(?:[^"]|"")*"|[^{d}]*){d}', line + delim)
    return [f[1:-1].replace('""', '"') if len(f) >= 2 and f[0] == f[-1] == '"' else f for f in fields]


def _fields(text: str, delim: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
    except csv.Error:                       # a field longer than the csv module's limit, a NUL byte
        return text.split(delim)


def records_sql(con, delim: str) -> None:
    """_csv_records (first_row, last_row): the records of more than one line, by 1-based line number, and
    _csv_strays (row_no): the lines whose odd number of quotes belongs to no record, from _csv_lines."""
    opener, middle, closer = (sql_str(p) for p in quote_patterns(delim))
    nq = "(length(line) - length(replace(line, '\"', '')))"
    # the lines that matter: every line with an odd number of quotes, and the lines with an even number
    # that cannot lie inside a quoted field; a record runs from an opener to the next of these
    con.execute(f"""
        create or replace temp table _csv_marks as
        select row_no, odd, odd and regexp_full_match(line, {opener}) as opens,
               odd and regexp_full_match(line, {closer}) as closes, upto - length(line) - 1 as before, upto
        from (select (rowid + 1)::integer as row_no, line, {nq} % 2 = 1 as odd,
                     sum(coalesce(length(line), 0) + 1) over (order by rowid) as upto
              from _csv_lines)
        where contains(line, '"') and (odd or not regexp_full_match(line, {middle}))""")
    # an opener joins the next mark when that closes it; greedily from the top: in a run of consecutive
    # odd lines each of which could open a record closed by the next, the 1st, 3rd, … do (the 2nd is the
    # 1st one's closing line)
    con.execute(f"""
        create or replace temp table _csv_records as
        with m as (
            select *, lead(row_no) over w as next_row, lead(odd) over w as next_odd,
                   lead(closes) over w as next_closes, lead(upto) over w as next_upto
            from _csv_marks window w as (order by row_no)),
        c as (
            select row_no, next_row, row_number() over (order by row_no) as k,
                   coalesce(opens and next_odd and next_closes and next_row - row_no < {MAX_RECORD_LINES}
                            and next_upto - before <= {MAX_CSV_LINE_BYTES}, false) as cand
            from m where odd),
        r as (
            select *, k - max(case when not cand then k else 0 end) over (order by k) as pos from c)
        select row_no as first_row, next_row as last_row from r where cand and pos % 2 = 1""")
    con.execute("""
        create or replace temp table _csv_strays as
        select row_no from _csv_marks m where odd
          and not exists (select 1 from _csv_records r where m.row_no in (r.first_row, r.last_row))""")


def stray_notes(con) -> list[str]:
    """What to tell people about the lines of _csv_strays."""
    n, rows, last = con.execute("""
        select count(*), coalesce(list(row_no order by row_no)[1:10], []), max(row_no) from _csv_strays""").fetchone()
    if not n:
        return []
    notes = [f"{rows_text(rows, n)}的引号不成对（多余的引号，或引号内的换行把一条记录分成了两行）："
             "已按物理行读取、按分隔符拆分，请核对这些行"]
    opens_at_end = con.execute(f"""
        select opens and not exists (select 1 from _csv_marks where odd and row_no > {last})
        from _csv_marks where row_no = {last}""").fetchone()[0]
    if opens_at_end:
        notes.append(f"第 {last} 行的引号直到文件末尾也没有闭合（文件可能被截断）：该行及其后各行均已按物理行读取，"
                     "请核对文件是否完整")
    return notes


def join_records(con, target: str, delim: str, notes: list[str]) -> int:
    """Records of several lines (above) become one row of `target` at the line where
    they start, their text in _csv_joined (row_no, line); the lines they continue on are deleted from
    `target` and listed in _csv_cont (row_no). The lines whose quotes belong to no record are named in
    `notes`: each stays a row of its own, split at the delimiter. Returns the number of records joined."""
    con.execute("create or replace temp table _csv_cont (row_no integer)")
    odd = con.execute("""select count(*) from _csv_lines where contains(line, '"')
                         and (length(line) - length(replace(line, '"', ''))) % 2 = 1""").fetchone()[0]
    if not odd:         # every line one record: the usual file
        return 0
    records_sql(con, delim)
    notes.extend(stray_notes(con))
    n = con.execute("select count(*) from _csv_records").fetchone()[0]
    if n:
        con.execute("""
            create or replace temp table _csv_joined as
            select r.first_row as row_no, string_agg(coalesce(l.line, ''), chr(10) order by l.row_no) as line
            from _csv_records r join (select (rowid + 1)::integer as row_no, line from _csv_lines) l
              on l.row_no between r.first_row and r.last_row
            group by r.first_row""")
        con.execute("""insert into _csv_cont select unnest(range(first_row + 1, last_row + 1)) from _csv_records""")
        con.execute(f"delete from {target} where row_no in (select row_no from _csv_cont)")
    for table in ("_csv_marks", "_csv_records", "_csv_strays"):
        con.execute(f"drop table {table}")
    return n

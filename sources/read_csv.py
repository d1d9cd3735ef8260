"""CSV: encodings are detected, non-UTF-8 files transcoded to a UTF-8 copy (line by line when a file
mixes UTF-8 and GB18030 lines), then DuckDB reads the lines (blank lines kept, so line numbers stay
true) and splits them in SQL. A quoted field may hold line breaks: the lines of such a record are one
row, numbered by the line where it starts (sources/read_csv_records.py says when lines are joined)."""

from __future__ import annotations

import codecs
import os
import re
import tempfile
from pathlib import Path

from .grid import (
    CHUNK,
    CONTROL_BYTES_RE,
    CSV_BUFFER_BYTES,
    MAX_CSV_LINE_BYTES,
    NO_KIND,
    PREVIEW_ROWS,
    Controls,
    ReadResult,
    Sheet,
    UnreadableFile,
    _derived,
    rows_text,
)
from .quoting import sql_str
from .read_csv_records import MAX_RECORD_LINES, join_records, preview_rows

DELIMITERS = [",", "\t", ";", "|"]
BY_LINE = "by-line"

# A line of UTF-8 Chinese text: ASCII, · ×, general punctuation, CJK (U+3000–U+9FFF), full-width forms
# and CJK extension B, with at least one CJK character. GBK bytes almost never read as such a line.
_NO_CJK = rb"(?:[\x00-\x09\x0b-\x7f]|\xc2\xb7|\xc3\x97|\xe2[\x80-\x81][\x80-\xbf]|\xef[\xbc-\xbf][\x80-\xbf]|\xf0[\xa0-\xaa][\x80-\xbf]{2})"
_ANY = rb"(?:" + _NO_CJK + rb"|[\xe3-\xe9][\x80-\xbf]{2})"
_UTF8_LINE = re.compile(rb"^" + _NO_CJK + rb"*+[\xe3-\xe9][\x80-\xbf]{2}" + _ANY + rb"*+\r?$", re.M)


def _decodes(path: Path, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                dec.decode(chunk)
            dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def _has_utf8_lines(path: Path) -> bool:
    with open(path, "rb") as f:
        carry = b""
        while chunk := f.read(CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"\n") + 1
            carry, buf = (buf[cut:], buf[:cut]) if cut else (buf, b"")
            if len(carry) > 4 * CHUNK:
                carry, buf = b"", carry
            if _UTF8_LINE.search(buf):
                return True
        return bool(carry and _UTF8_LINE.search(carry))


def _wide(head: bytes) -> str | None:
    """utf-32 / utf-16 (with a byte order mark), or utf-32-le/-be, utf-16-le/-be recognised by where the
    zero bytes fall (ASCII digits and commas in UTF-16 have one beside them), or None."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = head[:4096]
    if head.count(0) < len(head) // 8:
        return None

    def zeros(size: int) -> list[float]:
        n = len(head) - len(head) % size
        return [head[i:n:size].count(0) / max(n // size, 1) for i in range(size)]

    z4, z2 = zeros(4), zeros(2)
    for enc, ok in (("utf-32-le", z4[2] > 0.99 and z4[3] > 0.99 and z4[0] < 0.5),
                    ("utf-32-be", z4[0] > 0.99 and z4[1] > 0.99 and z4[3] < 0.5),
                    ("utf-16-le", z2[1] > 0.2 and z2[0] < 0.1),
                    ("utf-16-be", z2[0] > 0.2 and z2[1] < 0.1)):
        if ok:
            size = 4 if "32" in enc else 2
            try:
                head[:len(head) - len(head) % size].decode(enc)
            except UnicodeDecodeError:
                continue
            return enc
    return None


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16, utf-32 (BOM-less UTF-16/32 too) or gb18030 (a superset of GBK and
    GB2312); `by-line` when no one encoding reads the whole file (lines of UTF-8 and of GBK mixed, or a
    few broken lines)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if wide := _wide(head):
        return wide
    bom = head.startswith(codecs.BOM_UTF8)
    if _decodes(path, "utf-8-sig" if bom else "utf-8"):
        return "utf-8-sig" if bom else "utf-8"
    if bom or _has_utf8_lines(path):
        return BY_LINE
    if _decodes(path, "gb18030"):
        return "gb18030"
    return BY_LINE


def _utf8_copy(path: Path, encoding: str, tmpdir: Path) -> Path:
    if encoding == "utf-8":
        return path
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK):
                dst.write(dec.decode(chunk))
            dst.write(dec.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        os.unlink(name)
        raise UnreadableFile(f"按 {encoding} 解码失败（{exc.reason}）：文件编码与其开头的标记不符，或文件已损坏") from None
    return Path(name)


def _utf8_by_line(path: Path, tmpdir: Path) -> tuple[Path, str, list[str]]:
    """Each line in the encoding it reads in: UTF-8 first (when it reads as Chinese text), then GB18030,
    then UTF-8 of any text; bytes neither can read become U+FFFD. The notes list the lines."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    n_utf8, gb, bad = 0, [], []
    with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        # a line longer than DuckDB will take is cut here too (the file is refused for it later)
        for i, line in enumerate(iter(lambda: src.readline(MAX_CSV_LINE_BYTES + 1), b""), start=1):
            if i == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[3:]
            if line.isascii():
                dst.write(line.decode("ascii"))
                continue
            body = line[:-1] if line.endswith(b"\n") else line
            text = None
            if _UTF8_LINE.fullmatch(body):
                text = line.decode("utf-8")
                n_utf8 += 1
            else:
                for enc in ("gb18030", "utf-8"):
                    try:
                        text = line.decode(enc)
                    except UnicodeDecodeError:
                        continue
                    if enc == "gb18030":
                        gb.append(i)
                    else:
                        n_utf8 += 1
                    break
            if text is None:
                text = line.decode("gb18030", errors="replace")
                bad.append(i)
            dst.write(text)
    if len(bad) > n_utf8 + len(gb):
        os.unlink(name)
        raise UnreadableFile("无法识别文件编码（不是 UTF-8，也不是 GBK/GB18030）")
    notes = []
    if n_utf8 and gb:
        notes.append(f"文件混用两种编码：{rows_text(gb)}按 GB18030（GBK）解码，其余含中文的 {n_utf8} 行按 UTF-8 解码；"
                     "已逐行识别，请核对这些行的文字")
    if bad:
        notes.append(f"{rows_text(bad)}含既不是 UTF-8 也不是 GB18030 的字节，已替换为“�”后读入，请核对这些行")
    label = "utf-8+gb18030" if n_utf8 and gb else "gb18030" if gb else "utf-8"
    return Path(name), label, notes


def _head_lines(path: Path, n: int, limit: int = 1 << 20) -> list[str]:
    """The first n lines, each cut at `limit` characters (a file without line breaks is not read whole)."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        while len(out) < n:
            line = f.readline(limit)
            if not line:
                break
            if not line.endswith(("\n", "\r")):
                while (rest := f.readline(limit)) and not rest.endswith(("\n", "\r")):
                    pass
            out.append(line.rstrip("\r\n"))
    return out


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
    rd = "\\t" if delim == "\t" else "\\" + delim if delim in "|" else delim
    field = f'("(?:[^"]|"")*"|[^{rd}]*){rd}'
    unquote = ("lambda f: case when length(f) >= 2 and f[1] = '\"' and f[-1] = '\"' "
               "then replace(f[2:length(f) - 1], '\"\"', '\"') else f end")
    return f"list_transform(regexp_extract_all({column} || {sql_str(delim)}, {sql_str(field)}, 1), {unquote})"


def _native_split(con, target: str, path: str, delim: str, width: int) -> bool:
    """Quoted lines through DuckDB's own CSV parser, which is fast. Its records are matched to our
    lines by order (a record of several lines at its first line, _csv_cont); that is only sound when
    each non-empty line begins exactly one record, so any disagreement (a stray quote, more fields
    than expected) returns False and the caller splits the quoted lines by regex instead."""
    import duckdb

    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
    try:
        con.execute(
            f"create or replace temp table _csv_native as select * from read_csv($path, columns={cols}, "
            "header=false, delim=$delim, quote='\"', escape='\"', auto_detect=false, "
            f"null_padding=true, strict_mode=true, max_line_size={MAX_CSV_LINE_BYTES}, buffer_size={CSV_BUFFER_BYTES})",
            {"path": path, "delim": delim})
    except duckdb.Error:
        return False
    records = con.execute("select count(*) from _csv_native").fetchone()[0]
    lines = con.execute("select count(*) from (select rowid + 1 as row_no, line from _csv_lines) "
                        "where line is not null and row_no not in (select row_no from _csv_cont)").fetchone()[0]
    if records != lines:
        con.execute("drop table _csv_native")
        return False
    values = ", ".join(f"n.c{i}" for i in range(1, width + 1))
    con.execute(f"""
        update {target} t set cells = list_slice([{values}], 1,
                    {width} - coalesce(list_position(list_reverse(list_transform([{values}], lambda v: v is not null)), true) - 1, {width}))
        from (select rowid + 1 as k, * from _csv_native) n,
             (select row_no, row_number() over (order by row_no) as k
              from (select rowid + 1 as row_no, line from _csv_lines)
              where line is not null and row_no not in (select row_no from _csv_cont)) l
        where n.k = l.k and t.row_no = l.row_no and t.quoted
    """)
    con.execute("drop table _csv_native")
    return True


def _utf8_head(path: Path) -> str | None:
    """utf-8 or utf-8-sig when the first megabyte reads as UTF-8 (a character cut at its end allowed),
    else None. DuckDB checks the rest as it reads the lines, and skips the byte order mark."""
    with open(path, "rb") as f:
        head = f.read(1 << 20)
        whole = not f.read(1)
    if _wide(head):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return None
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _utf8_file(path: Path, tmpdir: Path) -> tuple[Path, str, list[str]]:
    """The file in UTF-8 (itself, or a transcoded copy), its encoding and what was odd about it."""
    encoding = detect_encoding(path)
    if encoding == BY_LINE:
        return _utf8_by_line(path, tmpdir)
    return _utf8_copy(path, encoding, tmpdir), encoding, []


def _read_csv(path: Path, tmpdir: Path) -> ReadResult:
    import duckdb

    if path.stat().st_size == 0:
        raise UnreadableFile("文件为空（0 字节）")
    # Most files are UTF-8: they are read in place, and only a file that turns out not to be (DuckDB
    # finds the first bad byte as it reads) is detected and transcoded in full, then read again.
    encoding = _utf8_head(path)
    utf8, notes = path, []
    try:
        head = _head_lines(utf8, PREVIEW_ROWS + MAX_RECORD_LINES) if encoding else None
    except UnicodeDecodeError:      # the first lines run past the first megabyte, into bytes that are not UTF-8
        encoding = None
    if encoding is None:
        utf8, encoding, notes = _utf8_file(path, tmpdir)
        head = _head_lines(utf8, PREVIEW_ROWS + MAX_RECORD_LINES)
    delim = sniff_delimiter(head[:PREVIEW_ROWS])
    transcoded = utf8 != path
    utf8, controls = _without_controls(utf8, tmpdir, delim)
    if controls.cells:
        notes.append(controls.note(None))
        head = _head_lines(utf8, PREVIEW_ROWS + MAX_RECORD_LINES)
    # a row per physical line: a record of several lines at its first (sources/read_csv_records.py)
    preview = preview_rows(head, delim, PREVIEW_ROWS)
    width = max((len(r) for r in preview), default=1) + 16
    sheet = Sheet("", preview, None, delimiter=delim)
    result = ReadResult(path, "csv", encoding, [sheet], notes)

    def load(con, target: str, derived: dict[str, str] = NO_KIND) -> None:
        source = utf8
        try:
            try:
                _load_csv_lines(con, target, str(source), delim, width, sheet.notes, derived)
            except duckdb.Error as exc:
                if transcoded or "Invalid unicode" not in str(exc):
                    raise
                source, result.encoding, more = _utf8_file(utf8, tmpdir)
                result.notes.extend(more)
                _load_csv_lines(con, target, str(source), delim, width, sheet.notes, derived)
        except duckdb.Error as exc:
            raise UnreadableFile(_csv_error(str(exc), source)) from None

    sheet.load = load
    return result


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _without_controls(src: Path, tmpdir: Path, delim: str) -> tuple[Path, Controls]:
    """The file without control characters (a copy, made only when it has any: one quick pass finds
    none in the usual file), and where they were. Bytes, so UTF-8 and GB18030 alike (neither uses a
    byte below 0x40 inside a character); the column is the number of delimiters before it on its line."""
    controls = Controls()
    with open(src, "rb") as f:
        while chunk := f.read(CHUNK):
            if len(chunk.translate(None, _CONTROL_BYTES)) != len(chunk):
                break
        else:
            return src, controls
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    line_no, carry = 1, b""
    with open(src, "rb") as f, os.fdopen(fd, "wb") as dst:
        while True:
            chunk = f.read(CHUNK)
            buf = carry + chunk
            cut = buf.rfind(b"\n") + 1 if chunk else len(buf)
            if chunk and not cut and len(buf) <= 4 * CHUNK:
                carry = buf
                continue
            cut = cut or len(buf)
            buf, carry = buf[:cut], buf[cut:]
            if len(buf.translate(None, _CONTROL_BYTES)) != len(buf):
                seen_at = (0, None)
                for m in CONTROL_BYTES_RE.finditer(buf):
                    start = buf.rfind(b"\n", 0, m.start()) + 1
                    row = line_no + buf.count(b"\n", 0, m.start())
                    col = buf[start:m.start()].decode("utf-8", "replace").count(delim)
                    if (row, col) != seen_at:
                        controls.add(row, col, m.group().decode("latin-1"))
                        seen_at = (row, col)
                dst.write(CONTROL_BYTES_RE.sub(b"", buf))
            else:
                dst.write(buf)
            line_no += buf.count(b"\n")
            if not chunk:
                break
    return Path(name), controls


def _long_line(path: Path) -> tuple[int, int] | None:
    """The first line longer than MAX_CSV_LINE_BYTES: (line number, bytes at least)."""
    with open(path, "rb") as f:
        for i, line in enumerate(iter(lambda: f.readline(MAX_CSV_LINE_BYTES + 1), b""), start=1):
            if len(line) > MAX_CSV_LINE_BYTES:
                n = len(line)
                while not line.endswith(b"\n") and (line := f.readline(CHUNK)):
                    n += len(line)
                return i, n
    return None


def _csv_error(text: str, path: Path | None = None) -> str:
    """DuckDB's error, in people's words: what is wrong and on which line (DuckDB's own text after it)."""
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"第 {line.group(1)} 行" if line else ""
    long = _long_line(path) if path is not None and ("Maximum line size" in text or "Parallel CSV Reader" in text) else None
    if long:
        return (f"第 {long[0]} 行有 {long[1]:,} 字节，超过一行的读取上限 MAX_CSV_LINE_BYTES = {MAX_CSV_LINE_BYTES:,} 字节"
                "（sources/read.py）：多为缺少换行符或已损坏的文件，未读取此文件")
    if "Maximum line size" in text or "Parallel CSV Reader" in text:
        return (f"{where or '有一行'}超过 {MAX_CSV_LINE_BYTES:,} 字节，超过读取上限 MAX_CSV_LINE_BYTES（sources/read.py）："
                "多为缺少换行符或已损坏的文件")
    detail = next((ln for ln in text.splitlines()[1:] if ln.strip() and not ln.startswith("Original Line")), "")
    raw = f"{text.splitlines()[0] if text else ''} {detail}".strip()
    return f"CSV 文件{where or '中有内容'}无法按文本行读取，文件可能已损坏（读取程序的原话：{raw[:300]}）"


def _load_csv_lines(con, target: str, path: str, delim: str, width: int, notes: list[str],
                    derived: dict[str, str] = NO_KIND) -> None:
    con.execute(
        "create or replace temp table _csv_lines as select line from read_csv($path, "
        "columns={'line': 'VARCHAR'}, header=false, delim='\\x01', quote='', escape='', "
        f"auto_detect=false, strict_mode=false, max_line_size={MAX_CSV_LINE_BYTES}, "
        f"buffer_size={CSV_BUFFER_BYTES})", {"path": path}
    )
    # plain lines split by string_split (fast) to classify them, and kept as their line only (the grid's
    # contract: cells NULL where the line split at the delimiter gives them); the few lines with quotes
    # are split by DuckDB's CSV parser or a regex
    con.execute(
        f"create or replace temp table {target} as select * replace (case when line is null then cells end as cells), "
        f"{_derived(derived)} from ("
        "select (rowid + 1)::integer as row_no, coalesce(string_split(line, $delim), []::varchar[]) as cells, "
        "null::integer[] as lossy, false as merged, coalesce(qf_has_ws(line), false) as padded, "
        "contains(line, '\"') as quoted, case when not contains(line, '\"') then line end as line from _csv_lines)",
        {"delim": delim})
    if con.execute(f"select count(*) from {target} where quoted").fetchone()[0]:
        joined = join_records(con, target, delim, notes)
        if not _native_split(con, target, path, delim, width):
            con.execute(f"update {target} t set cells = {split_quoted_sql('l.line', delim)} "
                        f"from (select rowid + 1 as row_no, line from _csv_lines) l "
                        f"where t.quoted and l.row_no = t.row_no")
        if joined:      # by regex also after DuckDB's parser, which keeps a CRLF inside a field as it is
            con.execute(f"update {target} t set cells = {split_quoted_sql('j.line', delim)}, "
                        f"padded = coalesce(qf_has_ws(j.line), false) from _csv_joined j where t.row_no = j.row_no")
            con.execute("drop table _csv_joined")
        if derived != NO_KIND:
            sets = ", ".join(f"{name} = {sql}" for name, sql in derived.items())
            con.execute(f"update {target} set {sets} where quoted")
        con.execute("drop table _csv_cont")
    con.execute(f"alter table {target} drop column quoted")
    con.execute("drop table _csv_lines")


"""Machine-readable outputs of a run: cases.csv, cases.parquet, quarantine.csv and needs_data.csv (待补数据),
written by DuckDB.

Every output file of a run (these, the workbooks, run.json, a screening's files) is written to a temporary
name beside its final name and renamed into place when complete (`atomic_path`): a run killed at any moment
never leaves a half-written file under a final name. run.json is written last: a run folder without it
holds an unfinished run.

The CSV files are for people too (they open them in Excel or WPS): every text value in them passes through
the SQL macro qf_csv_text in the COPY's select (`for_people`): control characters an xlsx cannot hold are
removed, and a text that begins with =, +, -, @, tab or CR (or a full-width ＝＋－＠) gets a leading apostrophe,
so that no spreadsheet reads it as a formula (OWASP, CSV injection), except a plain number: an optional sign,
digits and at most one decimal point (-300.00, +5, -.5). cases.parquet keeps the raw values, for machines.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

CASE_COLUMNS = ("case_id, rule_id, rule_name, severity, subject_id_number, subject_name, county, township, "
                "village, programme, period_from, period_to, months, amount_yuan, evidence, status")
PART = ".part"


@contextmanager
def atomic_path(final: Path):
    """A temporary path beside `final` (hidden, ending in .part) for the block to write; when the block
    completes the file is flushed to disk and renamed to `final` (an atomic replace), else removed. A
    killed process may leave the temporary file behind: `remove_parts` clears it on the next run."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=PART, dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def remove_parts(folder: Path) -> None:
    """Temporary files (`atomic_path`) a killed run left in `folder` and its subfolders one level down."""
    if not folder.is_dir():
        return
    for d in (folder, *(p for p in folder.iterdir() if p.is_dir())):
        for p in d.glob(f".*{PART}"):
            p.unlink(missing_ok=True)


# Text for a spreadsheet: no control characters, no formula (see the module's docstring).
CSV_TEXT_MACRO = r"""
create or replace temp macro qf_csv_text(s) as list_transform(
    [regexp_replace(s, '[\x00-\x08\x0B\x0C\x0E-\x1F]', '', 'g')], lambda t: case
        when t = '' or not contains('=+-@' || chr(9) || chr(13) || '＝＋－＠', left(t, 1)) then t
        when regexp_full_match(t, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)') then t      -- a plain number
        else chr(39) || t                                                           -- an apostrophe
    end)[1];
"""
TEXT_TYPES = ("VARCHAR", "JSON")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def for_people(con, sql: str) -> str:
    """`sql` with every text column passed through qf_csv_text (other types as they are), for a CSV that
    people open in a spreadsheet."""
    con.execute(CSV_TEXT_MACRO)
    columns = con.execute(f"describe {sql}").fetchall()
    select = ", ".join(f"qf_csv_text({_quoted(name)}) as {_quoted(name)}" if typ in TEXT_TYPES else _quoted(name)
                       for name, typ, *_ in columns)
    return f"select {select} from ({sql})"


def write_cases(con, out: Path) -> None:
    """cases.csv (UTF-8, no BOM: for machines; people read the workbook) and cases.parquet (with details).
    The file name is a bound parameter, as every path that reaches SQL."""
    with atomic_path(out / "cases.csv") as tmp:
        people = for_people(con, f"select {CASE_COLUMNS} from cases order by rule_id, case_id")
        con.execute(f"copy ({people}) to $path (format csv, header, delimiter ',', use_tmp_file false)", {"path": str(tmp)})
    with atomic_path(out / "cases.parquet") as tmp:
        con.execute(f"copy (select {CASE_COLUMNS}, details from cases order by rule_id, case_id) "
                    "to $path (format parquet, use_tmp_file false)", {"path": str(tmp)})


QUARANTINE_SQL = """
with raw as ({raw_union})
select q.kind, f.file_name as source_file, q.sheet, q.row_no, q.reason, rc.text_zh as reason_text,
       s.header[json_extract_string(s.mapping, '$.' || q.reason_column)::integer + 1] as column_header,
       qf_cells(raw.cells, raw.line, s.delimiter)[json_extract_string(s.mapping, '$.' || q.reason_column)::integer + 1] as value,
       q.detail,
       array_to_string(list_transform(range(1, len(qf_cells(raw.cells, raw.line, s.delimiter)) + 1),
           lambda i: coalesce(nullif(s.header[i], ''), '列' || i) || '='
                     || coalesce(qf_cells(raw.cells, raw.line, s.delimiter)[i], '')), ' | ') as raw_values
from quarantine q
join source_files f on f.file_id = q.file_id
join source_sheets s on s.file_id = q.file_id and s.sheet = q.sheet
left join raw on raw.kind = q.kind and raw.file_id = q.file_id and raw.sheet = q.sheet and raw.row_no = q.row_no
left join reason_codes rc on rc.code = q.reason
order by f.file_name, q.sheet, q.row_no, q.reason
"""


def quarantine_sql(kinds) -> str:
    raw_union = " union all ".join(
        f"select '{k.kind}' as kind, file_id, sheet, row_no, cells, line from {k.raw_table}" for k in kinds)
    return QUARANTINE_SQL.format(raw_union=raw_union)


QUARANTINE_HEADERS = (("kind_zh", "数据类型"), ("source_file", "文件"), ("sheet", "工作表"), ("row_no", "行号"),
                      ("reason_text", "隔离原因"), ("reason", "原因代码"), ("column_header", "列"),
                      ("value", "单元格内容"), ("detail", "详情"), ("raw_values", "整行内容"))
BOM = b"\xef\xbb\xbf"      # UTF-8 with a BOM: Excel and WPS open the file as Chinese, not as GBK mojibake


def write_quarantine(con, out: Path, kinds) -> None:
    """quarantine.csv: every quarantined row as read, why, and where (Chinese headers, UTF-8 with a BOM: it is
    for the clerks who correct the source files)."""
    con.execute("create or replace temp table _kind_names (kind varchar, kind_zh varchar)")
    con.executemany("insert into _kind_names values (?, ?)", [(k.kind, k.name_zh) for k in kinds])
    cols = ", ".join(f'{c} as "{zh}"' for c, zh in QUARANTINE_HEADERS)
    sql = (f"select {cols} from ({quarantine_sql(kinds)}) q left join _kind_names using (kind) "
           "order by q.source_file, q.sheet, q.row_no, q.reason")
    with atomic_path(out / "quarantine.csv") as tmp:
        con.execute(f"copy ({for_people(con, sql)}) to $path (format csv, header, delimiter ',', use_tmp_file false)",
                    {"path": str(tmp)})
        tmp.write_bytes(BOM + tmp.read_bytes())


NEEDS_HEADERS = (("rule_id", "规则编号"), ("rule_name", "问题类型"), ("subject_id_number", "身份证号"),
                 ("subject_name", "姓名"), ("county", "县（市、区）"), ("township", "乡镇（街道）"), ("village", "村（社区）"),
                 ("missing", "缺少的数据"), ("decides", "无法判断的事项"), ("source_file", "文件"), ("sheet", "工作表"),
                 ("row_no", "行号"))


def write_needs_data(con, out: Path) -> None:
    """needs_data.csv: what the rules could not decide for want of a value (Chinese headers, UTF-8 with a BOM
    so that Excel opens it as Chinese: it is for the clerks who supply the missing values)."""
    cols = ", ".join(f'{c} as "{zh}"' for c, zh in NEEDS_HEADERS)
    with atomic_path(out / "needs_data.csv") as tmp:
        people = for_people(con, f"select {cols} from needs_data order by rule_id, source_file, sheet, row_no")
        con.execute(f"copy ({people}) to $path (format csv, header, delimiter ',', use_tmp_file false)", {"path": str(tmp)})
        tmp.write_bytes(BOM + tmp.read_bytes())

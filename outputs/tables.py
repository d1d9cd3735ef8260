"""Machine-readable outputs of a run: cases.csv, cases.parquet and quarantine.csv, written by DuckDB."""

from __future__ import annotations

from pathlib import Path

CASE_COLUMNS = ("case_id, rule_id, rule_name, severity, subject_id_number, subject_name, county, township, "
                "village, programme, period_from, period_to, months, amount_yuan, evidence, status")


def _path(p: Path) -> str:
    return str(p).replace("'", "''")


def write_cases(con, out: Path) -> None:
    """cases.csv (UTF-8, no BOM: for machines; people read the workbook) and cases.parquet (with details)."""
    con.execute(f"copy (select {CASE_COLUMNS} from cases order by rule_id, case_id) "
                f"to '{_path(out / 'cases.csv')}' (header, delimiter ',')")
    con.execute(f"copy (select {CASE_COLUMNS}, details from cases order by rule_id, case_id) "
                f"to '{_path(out / 'cases.parquet')}' (format parquet)")


QUARANTINE_SQL = """
with raw as ({raw_union})
select q.kind, f.file_name as source_file, q.sheet, q.row_no, q.reason, rc.text_zh as reason_text,
       s.header[json_extract_string(s.mapping, '$.' || q.reason_column)::integer + 1] as column_header,
       raw.cells[json_extract_string(s.mapping, '$.' || q.reason_column)::integer + 1] as value,
       q.detail,
       array_to_string(list_transform(range(1, len(raw.cells) + 1),
           lambda i: coalesce(nullif(s.header[i], ''), '列' || i) || '=' || coalesce(raw.cells[i], '')), ' | ') as raw_values
from quarantine q
join source_files f on f.file_id = q.file_id
join source_sheets s on s.file_id = q.file_id and s.sheet = q.sheet
left join raw on raw.kind = q.kind and raw.file_id = q.file_id and raw.sheet = q.sheet and raw.row_no = q.row_no
left join reason_codes rc on rc.code = q.reason
order by f.file_name, q.sheet, q.row_no, q.reason
"""


def quarantine_sql(kinds) -> str:
    raw_union = " union all ".join(
        f"select '{k.kind}' as kind, file_id, sheet, row_no, cells from {k.raw_table}" for k in kinds)
    return QUARANTINE_SQL.format(raw_union=raw_union)


def write_quarantine(con, out: Path, kinds) -> None:
    con.execute(f"copy ({quarantine_sql(kinds)}) to '{_path(out / 'quarantine.csv')}' (header, delimiter ',')")

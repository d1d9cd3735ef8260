"""Row accounting: for every file and sheet, rows read = loaded + quarantined + structural; and every 合计/小计
row compared with the rows it sums. (Validation itself, Great Expectations, is sources/gx.py.)"""

from __future__ import annotations

from . import values
from .declarations import kinds


def accounting(con) -> list[dict]:
    cur = con.execute(accounting_sql())
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def total_checks(con) -> list[dict]:
    """Every 合计/小计 row compared with the rows it sums (mismatches have matches = false)."""
    cur = con.execute("""
        select f.file_name as file, t.sheet, t.row_no, t.label, t.column_header, t.stated_yuan,
               t.segment_sum_yuan, t.sum_above_yuan, t.matches
        from total_checks t join source_files f using (file_id) order by f.file_name, t.sheet, t.row_no""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def accounting_sql() -> str:
    """Per file and sheet: rows read = loaded + quarantined + structural (titles, headers, totals, …)."""
    # a row covering several months counts once, however many months it was expanded into (values.py)
    loaded = " union all ".join(f"select file_id, sheet from {k.table}"
                                + (" where coalesce(span_part, 1) = 1" if values.month_spans(k.kind) else "")
                                for k in kinds())
    kind_zh = "case s.kind " + " ".join(f"when '{k.kind}' then '{k.name_zh}'" for k in kinds()) + " end"
    return f"""
with loaded as (select file_id, sheet, count(*) as n from ({loaded}) group by all),
     quarantined as (select file_id, sheet, count(distinct row_no) as n from quarantine group by all)
select f.file_id, f.file_name, f.format, f.encoding, f.status as file_status, f.reason as file_reason,
       s.sheet, s.kind, {kind_zh} as kind_zh, s.variant, s.status as sheet_status, s.reason as sheet_reason, s.header_row,
       coalesce(s.rows_read, 0) as rows_read,
       coalesce(l.n, 0) as rows_loaded,
       coalesce(q.n, 0) as rows_quarantined,
       coalesce(s.rows_read, 0) - coalesce(s.rows_data, 0) as rows_structural,
       coalesce(s.rows_title, 0) + coalesce(s.rows_header, 0) as rows_title_header,
       coalesce(s.rows_blank, 0) as rows_blank, coalesce(s.rows_total, 0) as rows_total,
       coalesce(s.rows_footer, 0) + coalesce(s.rows_note, 0) as rows_footer_note,
       coalesce(s.rows_data, 0) = coalesce(l.n, 0) + coalesce(q.n, 0) as reconciles
from source_files f
left join source_sheets s using (file_id)
left join loaded l using (file_id, sheet)
left join quarantined q using (file_id, sheet)
order by f.file_name, s.sheet
"""

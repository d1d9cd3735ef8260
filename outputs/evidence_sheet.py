"""The 原始数据 sheet: the source rows each listed case cites (its 原始数据位置), as read, so the evidence
travels with the case; and the link from a case row's 原始数据位置 to its block there.

A case's 原始数据位置 lists qf_row_ref(file, sheet, row) texts (sources/macros.sql), joined by '；'. Each is
matched back to its file and sheet (source_files, source_sheets) and its row in the raw table of its kind,
read as text as it arrived (qf_cells). The sheet holds one block per case: a title row (the link's target),
then for each file and sheet the case cites, that sheet's header row and the cited rows, each with file,
sheet and row number. Every cell a department sent is written as text made safe (cells.cell_value: no
formula, no control character); the links are internal (a location on this workbook, never a target).
"""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from cases import ledger
from sources.declarations import kinds

from .cells import HEADER_FILL, HEADER_FONT, WRAP, Part, _page_setup, _styled, mask_id, mask_text, paper_for

TITLE = "原始数据"
MAX_ROWS = 200            # cited rows shown per case (a case citing more says so on its title row)
MAX_CELLS = 40            # columns of a source row shown
CASE_FILL = PatternFill("solid", fgColor="FCE4D6")
LINK_FONT = Font(color="0563C1", underline="single")
LEAD = ("线索编号", "文件", "工作表", "行号")
WIDTHS = (16, 30, 12, 7)


def cited_sql(where: str, mask: bool) -> str:
    """The sheet's lines in order: (line, kind, case_id, shown_id, title, file_name, sheet, row_no, cells),
    kind 'case' (a case's title row), 'head' (a cited sheet's header) or 'row' (a cited row); `line` is the
    row number on 原始数据 (row 1 is the sheet's header)."""
    raws = " union all ".join(
        f"select x.file_id, x.sheet, x.row_no, qf_cells(x.cells, x.line, s.delimiter) as cells from {k.raw_table} x "
        f"join source_sheets s using (file_id, sheet) semi join located l using (file_id, sheet, row_no)"
        for k in kinds())
    shown = ledger.alias_sql("c.case_id") if mask else "c.case_id"
    return f"""
        with listed as (
            select c.case_id, {shown} as shown_id, c.rule_id, c.subject_name, c.rule_name,
                   json_extract_string(c.details, '$.source_rows') as source_rows
            from cases c join case_status s using (case_id) where s.shown and {where}
        ), refs as (
            -- qf_row_ref's text split again: 'file[ sheet]' and the row number (an equality join below)
            select case_id, ord, regexp_extract(trim(ref), '^(.*) 第([0-9]+)行$', 1) as place,
                   try_cast(regexp_extract(trim(ref), '^(.*) 第([0-9]+)行$', 2) as integer) as row_no
            from (select case_id, unnest(string_split(source_rows, '；')) as ref,
                         generate_subscripts(string_split(source_rows, '；'), 1) as ord
                  from listed where source_rows is not null)
        ), prefixes as (
            select s.file_id, f.file_name, s.sheet, s.header, s.header_row,
                   f.file_name || case when s.sheet <> '' then ' ' || s.sheet else '' end as place
            from source_sheets s join source_files f using (file_id) where s.status in ('loaded', 'partly')
        ), matched as (
            select r.case_id, r.ord, p.file_id, p.file_name, p.sheet, r.row_no
            from refs r join prefixes p using (place)
            qualify row_number() over (partition by r.case_id, r.ord order by p.file_id) = 1
        ), located as (
            select case_id, min(ord) as ord, file_id, file_name, sheet, row_no from matched
            where row_no is not null group by case_id, file_id, file_name, sheet, row_no
            qualify row_number() over (partition by case_id order by min(ord)) <= {MAX_ROWS}
        ), raw as ({raws}), grouped as (
            select l.*, min(l.ord) over (partition by l.case_id, l.file_id, l.sheet) as group_ord,
                   row_number() over (partition by l.case_id, l.file_id, l.sheet order by l.ord) as n_in_group,
                   r.cells
            from located l left join raw r using (file_id, sheet, row_no)
        ), lines as (
            select case_id, 0 as group_ord, 0 as n, 'case' as kind, null::integer as file_id,
                   null as file_name, null as sheet, null::integer as row_no, null::varchar[] as cells
            from listed where case_id in (select case_id from located)
            union all
            select g.case_id, g.group_ord, 0, 'head', g.file_id, g.file_name, g.sheet, p.header_row, p.header
            from grouped g join prefixes p using (file_id, sheet) where g.n_in_group = 1
            union all
            select case_id, group_ord, n_in_group, 'row', file_id, file_name, sheet, row_no, cells from grouped
        ), ordered as (
            select l.*, t.rule_id, t.shown_id,
                   t.shown_id || '  ' || coalesce(t.subject_name, '') || '（' || t.rule_id || ' ' || t.rule_name || '）'
                       || case when (select count(*) from refs r where r.case_id = l.case_id) > {MAX_ROWS}
                               then '；引用行较多，此处只列前{MAX_ROWS}行' else '' end as title
            from lines l join listed t using (case_id)
        )
        select 1 + row_number() over (order by rule_id, case_id, group_ord, kind <> 'case', kind <> 'head', n)
                   + dense_rank() over (order by rule_id, case_id) - 1 as line,
               kind, case_id, shown_id, title, file_name, sheet, row_no, cells
        from ordered order by line"""


def evidence_layout(con, part: Part, mask: bool) -> dict[str, int]:
    """Lay 原始数据 out (temp table evidence_lines, which write_evidence writes) and return {case id as the rule
    sheets show it: the row of its block's title on 原始数据}."""
    where, params = part.where("s")
    sql = cited_sql(where, mask)
    con.execute(f"create or replace temp table evidence_lines as {sql}", params * sql.count(where))
    return dict(con.execute("select shown_id, line from evidence_lines where kind = 'case'").fetchall())


def link(cell, row: int):
    """Make `cell` an internal link to row `row` of 原始数据 (a location, never an external target)."""
    if cell is not None:
        cell.hyperlink = Hyperlink(ref="", location=f"'{TITLE}'!A{row}", tooltip="查看原始数据")
        cell.font = LINK_FONT
    return cell


def write_evidence(wb, con, mask: bool) -> None:
    """The 原始数据 sheet as evidence_layout laid it out (see the module's docstring); a blank row between cases."""
    ws = wb.create_sheet(TITLE)
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for i in range(len(WIDTHS) + 1, len(WIDTHS) + MAX_CELLS + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.freeze_panes = "B2"
    # one page wide as every sheet (the case and what it cites on one sheet of paper); A3 when A4 would
    # print it below a readable scale
    _page_setup(ws, paper_for(sum(WIDTHS) + 14 * MAX_CELLS))
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL) for h in
               (*LEAD, "原始行内容（按原表各列，原样照录；身份证号等按文本）")])
    cur = con.execute("select * from evidence_lines order by line")
    last = 1
    text = (lambda v: mask_text(v)) if mask else (lambda v: v)     # noqa: E731
    while batch := cur.fetchmany(2000):
        for line, kind, _case_id, shown_id, title, file_name, sheet, row_no, cells in batch:
            while last < line - 1:          # the blank row before each case
                ws.append([])
                last += 1
            if kind == "case":
                ws.append([_styled(ws, shown_id, Font(bold=True), CASE_FILL),
                           _styled(ws, text(title), Font(bold=True), CASE_FILL)])
            elif kind == "head":
                ws.append([_styled(ws, "（表头）", HEADER_FONT, HEADER_FILL), _styled(ws, file_name, fill=HEADER_FILL),
                           _styled(ws, sheet or "", fill=HEADER_FILL), _styled(ws, row_no, fill=HEADER_FILL),
                           *(_styled(ws, text(c) if c else c, HEADER_FONT, HEADER_FILL, "@", WRAP)
                             for c in (cells or [])[:MAX_CELLS])])
            else:
                ws.append([_styled(ws, shown_id), _styled(ws, file_name), _styled(ws, sheet or ""), _styled(ws, row_no),
                           *(_styled(ws, _cell_text(c, mask), number_format="@",
                                     alignment=WRAP if c and len(c) > 14 else None)
                             for c in (cells or ["（该行未能找到：文件已不在本次数据中）"])[:MAX_CELLS])])
            last = line
    ws.print_title_rows = "1:1"


def _cell_text(value, mask: bool):
    """A source cell as text (never a formula: _styled makes it safe), masked with `mask`."""
    if value is None or value == "":
        return None
    if mask:
        v = mask_text(value)
        return mask_id(v) if v == value and value.isdigit() and len(value) >= 15 else v
    return value


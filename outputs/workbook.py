"""The investigators' workbook (线索清单): 汇总, one sheet per rule, 数据质量 and 说明.

Written with openpyxl in write-only mode: rows stream from DuckDB to the file (memory stays flat), so
column widths are measured in SQL before the first row. A rule sheet lists case_id, the rule's evidence
columns, the case's status (cases/ledger.py) and then the verification (核查反馈) columns with drop-down
lists (cases/outcomes.py). ID and account numbers are text cells; amounts have two decimals; dates are
dates; no cell taken from source data can start a formula.

One workbook per run; with `split_by` also one per county or township (in 按县/ or 按乡镇/), so each office
receives only its own cases. With `mask`, ID and account numbers are masked everywhere in every workbook
(330822********123X), in evidence sentences too, 线索编号 is the ledger's keyed alias (R01-M…, see
cases/ledger.py), and the file names end in _脱敏.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cases import feedback, ledger, money, outcomes
from cases.labels import label, labels  # noqa: F401 (labels: the table, for tests)
from sources import warehouse

from .cells import (  # noqa: F401
    A3,
    A4,
    ALL,
    AMOUNT_FORMAT,
    BORDER,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    SEVERITY_ZH,
    TOP,
    WRAP,
    Part,
    _display_width,
    _lines,
    _page_setup,
    _print_area,
    _styled,
    cell_value,
    clean_text,
    file_name_part,
    mask_id,
    mask_text,
    paper_for,
    readable_width,
    reader_text,
    safe_sheet_title,
    safe_text,
)
from .check_form import write_check_forms
from .evidence_sheet import evidence_layout, link, write_evidence
from .explanations_sheet import write_explanations
from .person_sheet import write_persons
from .quality_sheet import write_quality
from .summary_sheet import write_summary
from .tables import atomic_path

TEXT_COLUMNS = {"case_id", "subject_id_number", "account_no", "id_number"}
MONTH_COLUMNS = {"period_from", "period_to"}
STATUS_FILL = PatternFill("solid", fgColor="E2EFDA")       # case memory
FEEDBACK_HEAD_FILL = PatternFill("solid", fgColor="FFE699")  # to be filled in
FEEDBACK_FILL = PatternFill("solid", fgColor="FFF9E5")
MAX_WIDTH = 50           # the evidence sentence; other long text wraps at LONG_TEXT_WIDTH
LONG_TEXT_WIDTH = 30
# A case sheet prints one page wide (cells.py, _page_setup), the feedback columns beside their case: its
# text columns are narrowed (long text wraps, `_fit_to_page`) to what prints readably on A4, else on A3.
MIN_TEXT_WIDTH = 8       # text is narrowed to this at the least (4 Chinese characters a line), except:
MIN_WIDTHS = {"evidence": 28, "facts": 20, "source_rows": 24}   # long text: narrower makes rows pages tall
FROZEN = ("case_id", "subject_id_number", "subject_name")   # stay in view while scrolling right to the feedback
MAX_LINES = 26           # a row is at most 409 points high (Excel's limit): longer text is read in the cell
# The feedback and status columns' widths: narrow, their headers wrap
FIXED_WIDTHS = {"conclusion": 9, "false_reason": 9, "nature": 9, "measures": 9, "to_recover_yuan": 11,
                "recovered_yuan": 11, "unrecovered_reason": 10, "verifier": 7, "verified_on": 11, "note": 10,
                "status": 7, "first_seen_on": 11, "open_days": 5, "changes": 14}
RULE_TEXT = {"evidence", "facts", "changes"}   # written by the rules: internal names shown in Chinese (reader_text)
STATUS_COLUMNS = ["status", "first_seen_on", "open_days", "changes"]
FEEDBACK_COLUMNS = [f.column for f in outcomes.FIELDS]
STATUS_ORDER = {s: i for i, s in enumerate(ledger.STATUSES)}      # the order of a rule sheet's rows


def is_id_column(column: str) -> bool:
    """ID and account numbers: text cells, masked with --mask."""
    return column in TEXT_COLUMNS or column.endswith(("id_number", "account_no", "account_number"))


SPLIT_FOLDERS = {"county": "按县", "township": "按乡镇"}


def workbook_name(as_of: dt.date | str, part: Part = ALL, mask: bool = False) -> str:
    """线索清单_<as-of>[_<county>[_<township>]][_脱敏].xlsx. A county or township name from the data is made fit
    for a file name (file_name_part: no separators or control characters, at most 40 characters, else cut and
    followed by a short hash); the workbook keeps the full name (汇总's 范围 row, its properties)."""
    suffix = "" if part == ALL else "_" + file_name_part(part.name)
    return f"线索清单_{as_of}{suffix}{'_脱敏' if mask else ''}.xlsx"


def parts(con, split_by: str) -> list[Part]:
    """The counties or townships that have listed cases in this run."""
    if split_by not in SPLIT_FOLDERS:
        raise ValueError(f"split_by must be one of {', '.join(SPLIT_FOLDERS)}")
    if split_by == "county":
        rows = con.execute("select distinct coalesce(county, '') from case_status where shown order by 1").fetchall()
        return [Part(r[0]) for r in rows]
    rows = con.execute("select distinct coalesce(county, ''), coalesce(township, '') from case_status "
                       "where shown order by 1, 2").fetchall()
    return [Part(c, t) for c, t in rows]


def write_workbooks(con, out: Path, rules, run: dict, accounting: list[dict], split_by: str | None = None,
                    mask: bool = False) -> list[Path]:
    """The run's workbook (always), and with split_by one per county or township; returns their paths."""
    paths = [out / workbook_name(run["as_of"], ALL, mask)]
    write_workbook(con, paths[0], rules, run, accounting, ALL, mask)
    if split_by:
        for part in parts(con, split_by):
            path = out / SPLIT_FOLDERS[split_by] / workbook_name(run["as_of"], part, mask)
            write_workbook(con, path, rules, run, accounting, part, mask)
            paths.append(path)
    return paths


def write_workbook(con, path: Path, rules, run: dict, accounting: list[dict], part: Part = ALL,
                   mask: bool = False) -> None:
    """Write one workbook to a temporary name in the same folder, then rename it into place."""
    wb = Workbook(write_only=True)
    wb.custom_doc_props.append(StringProperty(name=feedback.RUN_ID_PROPERTY, value=run["run_id"]))
    wb.custom_doc_props.append(StringProperty(name="qingfeng_scope", value=clean_text(part.name)))
    wb.custom_doc_props.append(StringProperty(name="qingfeng_masked", value="yes" if mask else "no"))
    wb.properties.title = clean_text(f"线索清单 {run['as_of']} {'全部' if part == ALL else part.name.replace('_', ' ')}")
    money.build(con, rules)
    write_summary(wb, con, rules, run, accounting, part, mask)
    write_persons(wb, con, part, mask)
    links = evidence_layout(con, part, mask)
    for rule in rules:
        _rule_sheet(wb, con, rule, part, mask, links)
    write_evidence(wb, con, mask)
    write_check_forms(wb, con, rules, part, mask)
    write_quality(wb, con, run, accounting, mask)
    write_explanations(wb, rules)
    with atomic_path(path) as tmp:
        wb.save(tmp)
        warehouse.pause_point("workbook")     # test hook (tests/test_crash.py); a no-op otherwise

# --- one sheet per rule -----------------------------------------------------------------------------------


def sheet_title(rule) -> str:
    return safe_sheet_title(f"{rule.id} {rule.name_zh}", rule.id)


def case_rows_sql(con, rule, part: Part = ALL, mask: bool = False) -> tuple[str, list, list[str]]:
    """This run's listed cases of one rule (current and just-gone), with status and prefilled feedback.
    Masked, the case id is the ledger's keyed alias (the plain one would give the masked ID number away)."""
    types = {name: typ for name, typ, *_ in con.execute(f"describe case_{rule.id}").fetchall()}
    source = f"select * from case_{rule.id} union all by name {ledger.gone_cases_sql(rule, types)}"
    columns = ["case_id", *rule.evidence, *STATUS_COLUMNS, *FEEDBACK_COLUMNS]
    where, params = part.where("s")
    order = " ".join(f"when '{s}' then {i}" for s, i in STATUS_ORDER.items())
    sql = f"""
        select {ledger.alias_sql('e.case_id') if mask else 'e.case_id'} as case_id,
               {', '.join('e.' + c for c in rule.evidence)},
               s.status, s.first_seen_on, s.open_days,
               case when s.status = '{ledger.GONE}'
                    then '本次数据中已不存在，最后出现于' || strftime(s.last_seen_on, '%Y-%m-%d') || coalesce('；' || s.changes, '')
                    else s.changes end as changes,
               {', '.join(_feedback_sql(rule, c) for c in FEEDBACK_COLUMNS)}
        from ({source}) e join case_status s using (case_id)
        where s.shown and {where}
        order by case s.status {order} end, case s.severity when 'high' then 0 when 'medium' then 1 else 2 end,
                 s.amount_yuan desc nulls last, e.case_id"""
    return sql, params, columns


def _feedback_sql(rule, column: str) -> str:
    """A feedback column as listed: the decision in force (cases/ledger.py); 应追回金额 starts from the case's
    amount where that amount is money paid out wrongly (cases/outcomes.py, prefills_to_recover)."""
    if column == "to_recover_yuan" and outcomes.prefills_to_recover(rule.id) and "amount_yuan" in rule.evidence:
        return "coalesce(s.to_recover_yuan, e.amount_yuan) as to_recover_yuan"
    return f"s.{column}"


def _widths(con, sql: str, params: list, columns: list[str], headers: list[str], types: dict) -> list[int]:
    """Display widths (a CJK character counts two) measured in SQL, so rows can stream; then narrowed to fit
    one printed page (`_fit_to_page`)."""
    exprs = []
    for c in columns:
        if types.get(c, "VARCHAR") == "VARCHAR":
            exprs.append(f"max((length({c}) + strlen({c})) // 2)")
        else:
            exprs.append(f"max(length(cast({c} as varchar)))")
    measured = con.execute(f"select {', '.join(exprs)} from ({sql})", params).fetchall()[0] if exprs else []
    widths = []
    for c, h, m in zip(columns, headers, measured):
        if c in FIXED_WIDTHS:
            widths.append(FIXED_WIDTHS[c])
            continue
        fixed = {"DATE": 11, "BOOLEAN": 4}.get(types.get(c, ""), None)
        spare = 3 if c.endswith("_yuan") or types.get(c, "").startswith("DECIMAL") else 2   # 1,234.00: the comma
        w = max(_display_width(h) // 4 + 2, fixed or (m or 0) + spare, 6)     # the header wraps over up to 4 lines
        widths.append(min(MAX_WIDTH if c == "evidence" else LONG_TEXT_WIDTH, w))
    return _fit_to_page(columns, widths, types)


def _wraps(column: str, typ: str) -> bool:
    """Text wraps in its column; ID and account numbers (never cut mid-number) and short lists do not."""
    return typ == "VARCHAR" and not is_id_column(column) and column not in ("status", "conclusion")


def _fit_to_page(columns: list[str], widths: list[int], types: dict) -> list[int]:
    """Narrow the widest wrapping text column, one unit at a time, until the sheet prints readably one page
    wide on A4 (cells.py, readable_width), else on A3, or every such column is at its least (MIN_TEXT_WIDTH,
    MIN_WIDTHS)."""
    floor = [MIN_WIDTHS.get(c, MIN_TEXT_WIDTH) for c in columns]
    can = [i for i, c in enumerate(columns) if _wraps(c, types.get(c, "VARCHAR")) and c not in FIXED_WIDTHS]
    least = sum(floor[i] if i in can else w for i, w in enumerate(widths))
    target = readable_width(A4 if least <= readable_width(A4) else A3)
    widths = list(widths)
    while sum(widths) > target:
        left = [i for i in can if widths[i] > floor[i]]
        if not left:
            break
        widths[max(left, key=lambda i: (widths[i], -i))] -= 1     # the widest first: rows grow evenly
    return widths


def frozen_cell(columns: list[str]) -> str:
    """The freeze-pane cell: below the header, right of the leading 线索编号, ID number and name columns (身份证号
    and 姓名, or R11's 干部身份证号 and 干部姓名): whom the row is about stays in view."""
    lead = 0
    while lead < min(3, len(columns)) and (columns[lead] in FROZEN or is_id_column(columns[lead])
                                           or columns[lead].endswith("_name")):
        lead += 1
    return f"{get_column_letter(max(lead, 1) + 1)}2"


class CaseSheet:
    """A rule sheet streamed row by row: each column has one cell style, made once and copied."""

    def __init__(self, wb, title: str, columns: list[str], headers: list[str], widths: list[int], types: dict,
                 mask: bool, rule_id: str | None = None):
        self.ws = ws = wb.create_sheet(title=title)
        self.columns, self.mask, self.n, self.links = columns, mask, 0, {}
        self.rule_id = rule_id              # its family's drop-down lists (cases/outcomes.yaml)
        for i, (c, w) in enumerate(zip(columns, widths), start=1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width = w
            if c in FEEDBACK_COLUMNS:           # empty feedback cells take the column's style when typed into
                dim.fill = FEEDBACK_FILL
                dim.number_format = _feedback_format(c)
        ws.freeze_panes = frozen_cell(columns)
        _page_setup(ws, paper_for(sum(widths)))
        ws.row_dimensions[1].height = LINE_HEIGHT * min(4, max(_lines(h, w) for h, w in zip(headers, widths))) + 3
        ws.append([self._header(c, h) for c, h in zip(columns, headers)])
        self.convert = [self._converter(c, types.get(c, ""), w) for c, w in zip(columns, widths)]
        self.wrapped = [(i, w) for i, (c, w) in enumerate(zip(columns, widths)) if _wraps(c, types.get(c, "VARCHAR"))]

    def _header(self, column: str, text: str):
        fill = FEEDBACK_HEAD_FILL if column in FEEDBACK_COLUMNS else STATUS_FILL if column in STATUS_COLUMNS \
            else HEADER_FILL
        c = _styled(self.ws, text, HEADER_FONT, fill, alignment=Alignment(wrap_text=True, vertical="center"))
        c.border = BORDER
        return c

    def _template(self, number_format=None, alignment=None, fill=None):
        c = WriteOnlyCell(self.ws)
        c.border = BORDER             # a printed grid
        if number_format:
            c.number_format = number_format
        if alignment:
            c.alignment = alignment
        if fill:
            c.fill = fill
        return c._style

    def _converter(self, column: str, typ: str, width: int):
        """value → a cell styled from the column's template (every cell is top-aligned: rows are tall)."""
        ws, mask = self.ws, self.mask
        fill = FEEDBACK_FILL if column in FEEDBACK_COLUMNS else None

        def styled(style, value):
            c = WriteOnlyCell(ws, cell_value(value))     # every text made safe here (safe_text)
            c._style = style          # shared, never changed: the writer only reads it
            return c

        if is_id_column(column):
            style = self._template("@", TOP)
            hide = mask and column != "case_id"      # masked, the case id is already an alias
            return lambda v: styled(style, None if v is None else mask_id(str(v)) if hide else str(v))
        if column in MONTH_COLUMNS or column.endswith("_month"):
            style = self._template("yyyy-mm", TOP)
            return lambda v: styled(style, v)
        if typ == "DATE" or column.endswith("_on"):
            style = self._template("yyyy-mm-dd", TOP, fill)
            return lambda v: styled(style, v)
        if typ.startswith("DECIMAL") or column.endswith("_yuan"):
            style = self._template(AMOUNT_FORMAT, TOP, fill)
            return lambda v: styled(style, None if v is None else float(v))
        if column == "severity":
            style = self._template(None, TOP)
            return lambda v: styled(style, SEVERITY_ZH.get(v, v))
        if typ == "BOOLEAN":
            style = self._template(None, TOP)
            return lambda v: styled(style, None if v is None else ("是" if v else "否"))
        if typ in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "DOUBLE"):
            style = self._template(None, TOP, fill)
            return lambda v: styled(style, v)
        style = self._template(None, WRAP if _wraps(column, typ or "VARCHAR") else TOP, fill)

        def text(v):
            if v is None:
                return styled(style, None)
            if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
                return styled(style, v)
            s = reader_text(str(v)) if column in RULE_TEXT else str(v)
            return styled(style, mask_text(s) if mask else s)
        return text

    def add(self, row) -> None:
        """Append one case. Rows with wrapped text get an explicit height: LibreOffice does not fit row
        heights when it opens an xlsx file, and Excel then shows the same."""
        lines = min(MAX_LINES, max([1, *(_lines(row[i], w) for i, w in self.wrapped if row[i])]))
        idx = self.n + 2
        if lines > 1:
            self.ws.row_dimensions[idx].height = LINE_HEIGHT * lines + 2
        cells = [f(v) for f, v in zip(self.convert, row)]
        if row[0] in self.links:                  # 原始数据位置 → its rows on 原始数据
            link(cells[self.columns.index("source_rows")], self.links[row[0]])
        self.ws.append(cells)
        if lines > 1:
            del self.ws.row_dimensions[idx]       # written; keep memory flat
        self.n += 1

    def close(self) -> None:
        ws, last = self.ws, get_column_letter(len(self.columns))
        ws.auto_filter.ref = f"A1:{last}{self.n + 1}"
        ws.print_title_rows = "1:1"          # the header on every printed page (one page wide: no title columns)
        _print_area(ws, len(self.columns), self.n + 1)
        if self.n:
            _validations(ws, self.columns, self.n, self.rule_id)


def _feedback_format(column: str) -> str:
    kind = outcomes.FIELD_BY_COLUMN[column].kind
    return {"amount": AMOUNT_FORMAT, "date": "yyyy-mm-dd"}.get(kind, "General")


def _validations(ws, columns: list[str], n: int, rule_id: str | None = None) -> None:
    """Drop-down lists (the rule family's, cases/outcomes.yaml) and checks on the feedback columns (rows 2 … n+1)."""
    for f in outcomes.FIELDS:
        letter = get_column_letter(columns.index(f.column) + 1)
        title = label(f.column)
        if f.kind in ("choice", "choices"):
            choices = outcomes.choices_for(f.column, rule_id)
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            if f.kind == "choices":     # several measures are typed as 停发、追回: warn, do not refuse
                dv.errorStyle = "warning"
                dv.error = f"请从列表选择；多项用“、”分隔：{'、'.join(choices)}"
            else:
                dv.error = f"请从下拉列表中选择：{'、'.join(choices)}"
        elif f.kind == "amount":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = "请填写不小于 0 的金额（元）"
        elif f.kind == "date":
            dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True)
            dv.error = "请填写日期，如 2021-01-20"
        else:
            if not f.prompt:
                continue
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="200", allow_blank=True)
            dv.error = "不超过 200 字"
        dv.errorTitle, dv.showErrorMessage = title, True
        if f.prompt:
            dv.promptTitle, dv.prompt, dv.showInputMessage = title, f.prompt, True
        dv.add(f"{letter}2:{letter}{n + 1}")
        ws.data_validations.append(dv)


def _rule_sheet(wb, con, rule, part: Part, mask: bool, links: dict | None = None) -> None:
    sql, params, columns = case_rows_sql(con, rule, part, mask)
    rule_labels = rule.header.get("labels") or {}
    headers = [reader_text(label(c, rule_labels)) for c in columns]
    types = {d[0]: str(d[1]) for d in con.execute(f"select * from ({sql}) limit 0", params).description}
    widths = _widths(con, sql, params, columns, headers, types)
    w = CaseSheet(wb, sheet_title(rule), columns, headers, widths, types, mask, rule.id)
    w.links = links if "source_rows" in columns else {}
    cur = con.execute(sql, params)
    while batch := cur.fetchmany(2000):
        for row in batch:
            w.add(row)
    w.close()

"""The investigators' workbook (线索清单): 汇总, one sheet per rule, 数据质量 and 说明.

Written with openpyxl in write-only mode: rows stream from DuckDB to the file (memory stays flat), so
column widths are measured in SQL before the first row. A rule sheet lists case_id, the rule's evidence
columns, the case's status (rules/ledger.py) and then the verification (核查反馈) columns with drop-down
lists (outputs/feedback.py). ID and account numbers are text cells; amounts have two decimals; dates are
dates; no cell taken from source data can start a formula.

One workbook per run; with `split_by` also one per county or township (in 按县/ or 按乡镇/), so each office
receives only its own cases. With `mask`, ID and account numbers are masked everywhere in every workbook
(330822********123X), in evidence sentences too, 线索编号 is the ledger's keyed alias (R01-M…, see
rules/ledger.py), and the file names end in _脱敏.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from rules import ledger
from sources import warehouse
from sources.declarations import read_yaml

from . import feedback
from .tables import atomic_path

HERE = Path(__file__).parent
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
TEXT_COLUMNS = {"case_id", "subject_id_number", "account_no", "id_number"}
MONTH_COLUMNS = {"period_from", "period_to"}
FORMULA_START = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")       # evidence
STATUS_FILL = PatternFill("solid", fgColor="E2EFDA")       # case memory
FEEDBACK_HEAD_FILL = PatternFill("solid", fgColor="FFE699")  # to be filled in
FEEDBACK_FILL = PatternFill("solid", fgColor="FFF9E5")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
MAX_WIDTH = 50           # the evidence sentence; other long text wraps at LONG_TEXT_WIDTH
LONG_TEXT_WIDTH = 30
NO_WRAP = {"source_rows"}   # file-and-row lists can run to hundreds of characters: one line, read in the cell
PAGE_WIDTH = 230         # column-width units on one landscape A4 page at about two thirds scale
LINE_HEIGHT = 15         # points per line of 11-point text; rows with wrapped text get their height set
AMOUNT_FORMAT = "#,##0.00"
STATUS_COLUMNS = ["status", "first_seen_on", "open_days", "changes"]
FEEDBACK_COLUMNS = [f.column for f in feedback.FIELDS]
STATUS_ORDER = {s: i for i, s in enumerate(ledger.STATUSES)}      # the order of a rule sheet's rows
LISTED = (ledger.NEW, ledger.OPEN, ledger.RERAISED, ledger.GONE)  # the summary's columns
# 15–19 digits (an 18-digit ID may end in X): ID numbers, 15-digit legacy IDs and bank account numbers.
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5,9})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


@functools.cache
def labels() -> dict[str, str]:
    return read_yaml((HERE / "labels.yaml").read_text(encoding="utf-8"))


def label(column: str, rule_labels: dict | None = None) -> str:
    return (rule_labels or {}).get(column) or labels().get(column, column)


def safe_text(value: str) -> str:
    """Source text that would start a formula (=, +, -, @) gets a leading apostrophe (OWASP CSV/Excel
    injection advice); the cell is stored as text either way."""
    return "'" + value if value.startswith(FORMULA_START) else value


def is_id_column(column: str) -> bool:
    """ID and account numbers: text cells, masked with --mask."""
    return column in TEXT_COLUMNS or column.endswith(("id_number", "account_no", "account_number"))


def mask_id(value: str) -> str:
    """330822196201024224 → 330822********4224: the region and the last four stay, the birth date goes."""
    n = len(value)
    if n > 10:
        return value[:6] + "*" * (n - 10) + value[-4:]
    return "*" * max(n - 4, 0) + value[-4:] if n > 4 else "*" * n


def mask_text(text: str) -> str:
    """Every ID or account number inside a sentence, masked as mask_id does."""
    return LONG_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def _display_width(text: str) -> int:
    """Width in columns: a CJK character (three bytes in UTF-8) counts two, as in the SQL that measures columns."""
    return (len(text) + len(text.encode("utf-8"))) // 2


def _lines(text, width: float) -> int:
    """How many lines `text` wraps to in a column `width` wide (with a tenth to spare: CJK glyphs are a
    little wider than two digits, and lines break at punctuation)."""
    return -(-_display_width(str(text)) * 11 // (10 * max(1, int(width) - 2))) if text else 1


@dataclass(frozen=True)
class Scope:
    """Which cases a workbook holds: all, one county, or one township of a county ('' = 地区不明)."""
    county: str | None = None
    township: str | None = None

    @property
    def name(self) -> str:
        parts = [p if p else "地区不明" for p in (self.county, self.township) if p is not None]
        return "_".join(parts) if parts else "全部"

    def where(self, alias: str = "s") -> tuple[str, list]:
        sql, params = [], []
        for col, value in (("county", self.county), ("township", self.township)):
            if value is not None:
                sql.append(f"coalesce({alias}.{col}, '') = ?")
                params.append(value)
        return (" and ".join(sql) or "true"), params


ALL = Scope()
SPLIT_FOLDERS = {"county": "按县", "township": "按乡镇"}


def workbook_name(as_of: dt.date | str, scope: Scope = ALL, mask: bool = False) -> str:
    suffix = "" if scope == ALL else "_" + re.sub(r'[\\/:*?"<>|]', "", scope.name)
    return f"线索清单_{as_of}{suffix}{'_脱敏' if mask else ''}.xlsx"


def scopes(con, split_by: str) -> list[Scope]:
    """The counties or townships that have listed cases in this run."""
    if split_by not in SPLIT_FOLDERS:
        raise ValueError(f"split_by must be one of {', '.join(SPLIT_FOLDERS)}")
    if split_by == "county":
        rows = con.execute("select distinct coalesce(county, '') from case_status where shown order by 1").fetchall()
        return [Scope(r[0]) for r in rows]
    rows = con.execute("select distinct coalesce(county, ''), coalesce(township, '') from case_status "
                       "where shown order by 1, 2").fetchall()
    return [Scope(c, t) for c, t in rows]


def write_workbooks(con, out: Path, rules, run: dict, accounting: list[dict], split_by: str | None = None,
                    mask: bool = False) -> list[Path]:
    """The run's workbook (always), and with split_by one per county or township; returns their paths."""
    paths = [out / workbook_name(run["as_of"], ALL, mask)]
    write_workbook(con, paths[0], rules, run, accounting, ALL, mask)
    if split_by:
        for scope in scopes(con, split_by):
            path = out / SPLIT_FOLDERS[split_by] / workbook_name(run["as_of"], scope, mask)
            write_workbook(con, path, rules, run, accounting, scope, mask)
            paths.append(path)
    return paths


def write_workbook(con, path: Path, rules, run: dict, accounting: list[dict], scope: Scope = ALL,
                   mask: bool = False) -> None:
    """Write one workbook to a temporary name in the same folder, then rename it into place."""
    wb = Workbook(write_only=True)
    wb.custom_doc_props.append(StringProperty(name=feedback.RUN_ID_PROPERTY, value=run["run_id"]))
    wb.custom_doc_props.append(StringProperty(name="qingfeng_scope", value=scope.name))
    wb.custom_doc_props.append(StringProperty(name="qingfeng_masked", value="yes" if mask else "no"))
    _summary(wb, con, rules, run, accounting, scope, mask)
    for rule in rules:
        _rule_sheet(wb, con, rule, scope, mask)
    _quality(wb, con, run, accounting, mask)
    _explanations(wb, rules)
    with atomic_path(path) as tmp:
        wb.save(tmp)
        warehouse.pause_point("workbook")     # test hook (tests/test_crash.py); a no-op otherwise


def _page_setup(ws, pages_wide: int = 1) -> None:
    """Landscape A4, `pages_wide` pages wide. Call before the first row: write-only sheets write their
    properties then."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9       # A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def _print_area(ws, columns: int, rows: int) -> None:
    if columns and rows:
        ws.print_area = f"A1:{get_column_letter(columns)}{rows}"


# --- 汇总 -------------------------------------------------------------------------------------------------


def _styled(ws, value, font=None, fill=None, number_format=None, alignment=None):
    c = WriteOnlyCell(ws, value=value)
    if font:
        c.font = font
    if fill:
        c.fill = fill
    if number_format:
        c.number_format = number_format
    if alignment:
        c.alignment = alignment
    return c


def _summary(wb, con, rules, run: dict, accounting: list[dict], scope: Scope, mask: bool) -> None:
    """Counts and amounts per rule and per township, by status; a chart; the files that could not be used."""
    ws = wb.create_sheet("汇总")
    widths = (14, 40, 10, 8, 8, 10, 8, 6, 6, 6, 16, 17)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _page_setup(ws)
    bold = lambda v: _styled(ws, v, HEADER_FONT)  # noqa: E731
    centred = Alignment(wrap_text=True, horizontal="center")
    head = lambda vs: [_styled(ws, v, HEADER_FONT, HEADER_FILL, alignment=centred) for v in vs]  # noqa: E731
    amount = lambda v: _styled(ws, float(v or 0), number_format=AMOUNT_FORMAT)  # noqa: E731
    stamp = ledger.run_stamp(con, run["run_id"])
    prev = ledger.previous_run(con, stamp.seq) if stamp else None
    rows = 0

    def put(row):
        nonlocal rows
        ws.append(row)
        rows += 1

    put([_styled(ws, f"清风 问题线索清单（{run['as_of']}）", Font(bold=True, size=14))])
    put(["运行编号", run["run_id"]])
    put(["数据截止", run["as_of"]])
    put(["上次运行", f"{prev.as_of}（{prev.run_id}）" if prev else "无（首次运行，全部线索均为新增）"])
    put(["范围", "全部线索" if scope == ALL else scope.name.replace("_", " ")])
    put(["身份证号、账号", "已脱敏（中间数位以 * 代替）" if mask else "完整显示，注意保密"])
    put(["数据目录", run["inbox"]])
    put([])
    put([])
    put([])
    put(["填写说明", "核查后在每条线索末尾黄色的“核查反馈”列中填写（下拉选择）并交回；结论为不属实或已整改完毕的线索"
                  "以后不再列出，除非数据出现新的变化。详见“说明”表。"])
    put([])

    where, params = scope.where()
    statuses = ", ".join(f"count(*) filter (where shown and status = '{s}')" for s in LISTED)
    counts = f"""count(*) filter (where shown), {statuses},
               count(*) filter (where shown and severity = 'high'), count(*) filter (where shown and severity = 'medium'),
               count(*) filter (where shown and severity = 'low'), coalesce(sum(amount_yuan) filter (where shown), 0),
               count(*) filter (where status = '{ledger.CLOSED}')"""
    stats = {r[0]: r[1:] for r in con.execute(
        f"select rule_id, {counts} from case_status s where {where} group by rule_id", params).fetchall()}
    columns = ["列出线索", *LISTED, "高", "中", "低", "涉及金额（元）", "已结（不再列出）"]
    put([bold("一、各规则线索数（列出 = 新增 + 未结 + 重新出现 + 已消失；已结的不再列出）")])
    put(head(["规则编号", "问题类型", *columns]))
    first = rows
    totals = [0] * 10
    for rule in rules:
        s = stats.get(rule.id, (0,) * 10)
        totals = [a + b for a, b in zip(totals, s)]
        put([rule.id, rule.name_zh, *s[:8], amount(s[8]), s[9]])
    last = rows
    put([bold("合计"), "", *totals[:8], amount(totals[8]), totals[9]])
    put([])

    put([bold("二、各县（市、区）、乡镇（街道）线索数")])
    put(head(["县（市、区）", "乡镇（街道）", *columns]))
    for county, township, *s in con.execute(f"""
        select coalesce(county, '地区不明'), coalesce(township, '地区不明'), {counts}
        from case_status s where {where} group by all having count(*) filter (where shown) > 0
        order by 1, 2""", params).fetchall():
        put([county, township, *s[:8], amount(s[8]), s[9]])
    put([])

    problems = [a for a in accounting if a["file_status"] != "loaded" or (a["sheet_status"] or "loaded") != "loaded"]
    put([bold("三、未能使用的文件或工作表（详见“数据质量”）")])
    if not problems:
        put(["无：所有文件均已识别并入库"])
    else:
        put(head(["文件", "", "工作表", "状态", "行数", "原因", *[""] * 6]))
        ws.merged_cells.add(CellRange(f"A{rows}:B{rows}"))
        ws.merged_cells.add(CellRange(f"F{rows}:L{rows}"))
        for a in problems:
            reason = a["sheet_reason"] or a["file_reason"] or ""
            ws.row_dimensions[rows + 1].height = LINE_HEIGHT * _lines(reason, sum(widths[5:])) + 2
            put([a["file_name"], None, a["sheet"], STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["file_status"]),
                 a["rows_read"], _styled(ws, reason, alignment=WRAP)])
            ws.merged_cells.add(CellRange(f"A{rows}:B{rows}"))
            ws.merged_cells.add(CellRange(f"F{rows}:L{rows}"))
    if rules:
        ws.add_chart(_status_chart(ws, first, last, max([1, *(stats.get(r.id, (0,))[0] for r in rules)])),
                     "D2")
    _print_area(ws, len(widths), rows)


def _status_chart(ws, header_row: int, last_row: int, largest: int) -> BarChart:
    """Listed cases per rule, stacked by status (新增, 未结, 重新出现, 已消失)."""
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "各规则列出的线索"
    chart.style = 10
    chart.add_data(Reference(ws, min_col=4, max_col=3 + len(LISTED), min_row=header_row, max_row=last_row),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    for series, colour in zip(chart.series, ("4472C4", "A5A5A5", "ED7D31", "D9D9D9")):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    step = next(u for u in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 10**9) if largest / u <= 6)
    chart.y_axis.majorUnit = step
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = chart.x_axis.delete = False
    chart.legend.position = "r"
    chart.height, chart.width = 4.6, 15.5
    return chart


STATUS_ZH = {"loaded": "已入库", "partly": "部分入库", "unrecognised": "表头未识别", "ambiguous": "类型无法确定",
             "unreadable": "无法读取",
             "empty": "空文件"}


# --- one sheet per rule -----------------------------------------------------------------------------------


def sheet_title(rule) -> str:
    title = f"{rule.id} {rule.name_zh}"
    for ch in '[]:*?/\\':
        title = title.replace(ch, "")
    return title[:31]


def case_rows_sql(con, rule, scope: Scope = ALL, mask: bool = False) -> tuple[str, list, list[str]]:
    """This run's listed cases of one rule (current and just-gone), with status and prefilled feedback.
    Masked, the case id is the ledger's keyed alias (the plain one would give the masked ID number away)."""
    types = {name: typ for name, typ, *_ in con.execute(f"describe case_{rule.id}").fetchall()}
    source = f"select * from case_{rule.id} union all by name {ledger.gone_cases_sql(rule, types)}"
    columns = ["case_id", *rule.evidence, *STATUS_COLUMNS, *FEEDBACK_COLUMNS]
    where, params = scope.where("s")
    order = " ".join(f"when '{s}' then {i}" for s, i in STATUS_ORDER.items())
    sql = f"""
        select {ledger.alias_sql('e.case_id') if mask else 'e.case_id'} as case_id,
               {', '.join('e.' + c for c in rule.evidence)},
               s.status, s.first_seen_on, s.open_days,
               case when s.status = '{ledger.GONE}'
                    then '本次数据中已不存在，最后出现于' || strftime(s.last_seen_on, '%Y-%m-%d') || coalesce('；' || s.changes, '')
                    else s.changes end as changes,
               {', '.join('s.' + c for c in FEEDBACK_COLUMNS)}
        from ({source}) e join case_status s using (case_id)
        where s.shown and {where}
        order by case s.status {order} end, case s.severity when 'high' then 0 when 'medium' then 1 else 2 end,
                 s.amount_yuan desc nulls last, e.case_id"""
    return sql, params, columns


def _widths(con, sql: str, params: list, columns: list[str], headers: list[str], types: dict) -> list[int]:
    """Display widths (a CJK character counts two) measured in SQL, so rows can stream."""
    exprs = []
    for c in columns:
        if types.get(c, "VARCHAR") == "VARCHAR":
            exprs.append(f"max((length({c}) + strlen({c})) // 2)")
        else:
            exprs.append(f"max(length(cast({c} as varchar)))")
    measured = con.execute(f"select {', '.join(exprs)} from ({sql})", params).fetchall()[0] if exprs else []
    widths = []
    for c, h, m in zip(columns, headers, measured):
        fixed = {"DATE": 11, "BOOLEAN": 4}.get(types.get(c, ""), None)
        w = max(_display_width(h) // 2 + 2, fixed or (m or 0) + 2, 6)
        if c in FEEDBACK_COLUMNS:
            w = max(w, 12 if c not in ("note", "measures") else 18)
        if c == "changes":
            w = max(w, 20)
        widths.append(min(MAX_WIDTH if c == "evidence" else LONG_TEXT_WIDTH, w))
    return widths


class CaseSheet:
    """A rule sheet streamed row by row: each column has one cell style, made once and copied."""

    def __init__(self, wb, title: str, columns: list[str], headers: list[str], widths: list[int], types: dict,
                 mask: bool):
        self.ws = ws = wb.create_sheet(title=title)
        self.columns, self.mask, self.n = columns, mask, 0
        for i, (c, w) in enumerate(zip(columns, widths), start=1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width = w
            if c in FEEDBACK_COLUMNS:           # empty feedback cells take the column's style when typed into
                dim.fill = FEEDBACK_FILL
                dim.number_format = _feedback_format(c)
        ws.freeze_panes = "A2"
        _page_setup(ws, pages_wide=max(1, -(-sum(widths) // PAGE_WIDTH)))
        ws.row_dimensions[1].height = LINE_HEIGHT * min(4, max(_lines(h, w) for h, w in zip(headers, widths))) + 3
        ws.append([self._header(c, h) for c, h in zip(columns, headers)])
        self.convert = [self._converter(c, types.get(c, ""), w) for c, w in zip(columns, widths)]
        self.wrapped = [(i, w) for i, (c, w) in enumerate(zip(columns, widths))
                        if w >= LONG_TEXT_WIDTH and c not in NO_WRAP and types.get(c, "VARCHAR") == "VARCHAR"]

    def _header(self, column: str, text: str):
        fill = FEEDBACK_HEAD_FILL if column in FEEDBACK_COLUMNS else STATUS_FILL if column in STATUS_COLUMNS \
            else HEADER_FILL
        return _styled(self.ws, text, HEADER_FONT, fill, alignment=Alignment(wrap_text=True, vertical="center"))

    def _template(self, number_format=None, alignment=None, fill=None):
        c = WriteOnlyCell(self.ws)
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
            if value is None:
                return None
            c = WriteOnlyCell(ws, value)
            c._style = style          # shared, never changed: the writer only reads it
            return c

        if is_id_column(column):
            style = self._template("@", TOP)
            hide = mask and column != "case_id"      # masked, the case id is already an alias
            return lambda v: styled(style, None if v is None else mask_id(str(v)) if hide else safe_text(str(v)))
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
        wrap = width >= LONG_TEXT_WIDTH and column not in NO_WRAP
        style = self._template(None, WRAP if wrap else TOP, fill)

        def text(v):
            if v is None:
                return None
            if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
                return styled(style, v)
            s = str(v)
            return styled(style, safe_text(mask_text(s) if mask else s))
        return text

    def add(self, row) -> None:
        """Append one case. Rows with wrapped text get an explicit height: LibreOffice does not fit row
        heights when it opens an xlsx file, and Excel then shows the same."""
        lines = max([1, *(_lines(row[i], w) for i, w in self.wrapped if row[i])])
        idx = self.n + 2
        if lines > 1:
            self.ws.row_dimensions[idx].height = LINE_HEIGHT * lines + 2
        self.ws.append([f(v) for f, v in zip(self.convert, row)])
        if lines > 1:
            del self.ws.row_dimensions[idx]       # written; keep memory flat
        self.n += 1

    def close(self) -> None:
        ws, last = self.ws, get_column_letter(len(self.columns))
        ws.auto_filter.ref = f"A1:{last}{self.n + 1}"
        ws.print_title_rows = "1:1"
        ws.print_title_cols = "A:A"          # the case id on every page of a sheet printed several pages wide
        _print_area(ws, len(self.columns), self.n + 1)
        if self.n:
            _validations(ws, self.columns, self.n)


def _feedback_format(column: str) -> str:
    kind = feedback.FIELD_BY_COLUMN[column].kind
    return {"amount": AMOUNT_FORMAT, "date": "yyyy-mm-dd"}.get(kind, "General")


def _validations(ws, columns: list[str], n: int) -> None:
    """Drop-down lists and checks on the feedback columns (rows 2 … n+1)."""
    for f in feedback.FIELDS:
        letter = get_column_letter(columns.index(f.column) + 1)
        title = label(f.column)
        if f.kind in ("choice", "choices"):
            dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=True)
            if f.kind == "choices":     # several measures are typed as 停发、追回: warn, do not refuse
                dv.errorStyle = "warning"
                dv.error = f"请从列表选择；多项用“、”分隔：{'、'.join(f.choices)}"
            else:
                dv.error = f"请从下拉列表中选择：{'、'.join(f.choices)}"
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


def _rule_sheet(wb, con, rule, scope: Scope, mask: bool) -> None:
    sql, params, columns = case_rows_sql(con, rule, scope, mask)
    rule_labels = rule.header.get("labels") or {}
    headers = [label(c, rule_labels) for c in columns]
    types = {d[0]: str(d[1]) for d in con.execute(f"select * from ({sql}) limit 0", params).description}
    widths = _widths(con, sql, params, columns, headers, types)
    w = CaseSheet(wb, sheet_title(rule), columns, headers, widths, types, mask)
    cur = con.execute(sql, params)
    while batch := cur.fetchmany(2000):
        for row in batch:
            w.add(row)
    w.close()


# --- 数据质量 and 说明 ---------------------------------------------------------------------------------------


QUALITY_COLUMNS = [
    ("file_name", "文件"), ("sheet", "工作表"), ("kind", "数据类型"), ("variant", "来源"), ("sheet_status", "状态"),
    ("rows_read", "读入行数"), ("rows_loaded", "入库"), ("rows_quarantined", "隔离"), ("rows_structural", "结构行"),
    ("rows_title_header", "其中标题/表头"), ("rows_blank", "其中空行"), ("rows_total", "其中合计"),
    ("rows_footer_note", "其中表尾/备注"), ("reconciles", "行数核对一致"), ("reason", "说明"),
]
ACTION_ZH = {"quarantine": "隔离", "warn": "警告", "blocking": "阻断"}


def _block(ws, title: str, headers: list[str], rows: list[list], mask: bool = False) -> int:
    """A titled table inside a sheet, followed by a blank row; returns the number of rows written."""
    ws.append([_styled(ws, title, Font(bold=True, size=12))])
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL, alignment=Alignment(wrap_text=True)) for h in headers])

    def cell(v):
        if isinstance(v, str):
            return WriteOnlyCell(ws, value=safe_text(mask_text(v) if mask else v))
        return WriteOnlyCell(ws, value="是" if v is True else "否" if v is False else v)

    rows = rows or [["无"]]
    for r in rows:
        ws.append([cell(v) for v in r])
    ws.append([])
    return len(rows) + 3


def _quality(wb, con, run: dict, accounting: list[dict], mask: bool) -> None:
    """数据质量: what came of every row of every file, why rows were quarantined, what the validation
    warned about, and which 合计 rows disagree with their rows."""
    ws = wb.create_sheet("数据质量")
    for col, width in zip("ABCDEFGHIJKLMNO", (34, 14, 14, 14, 12, 10, 10, 10, 10, 12, 10, 10, 12, 12, 40)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    _page_setup(ws)
    rows = []
    for a in accounting:
        a = dict(a, kind=a["kind_zh"], sheet=a["sheet"] or ("(CSV)" if a["format"] == "csv" else a["sheet"]),
                 sheet_status=STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["sheet_status"]),
                 reason=a["sheet_reason"] or a["file_reason"])
        rows.append([a.get(c) for c, _ in QUALITY_COLUMNS])
    n = _block(ws, "一、每个文件的行数核对（读入 = 入库 + 隔离 + 结构行）", [h for _, h in QUALITY_COLUMNS], rows, mask)
    reasons = con.execute("""
        select q.reason, any_value(rc.text_zh), count(distinct (q.file_id, q.sheet, q.row_no))
        from quarantine q left join reason_codes rc on rc.code = q.reason group by q.reason order by 3 desc, 1""").fetchall()
    n += _block(ws, "二、隔离原因汇总（逐行明细见 quarantine.csv）", ["原因代码", "说明", "行数"], [list(r) for r in reasons])
    warnings = (run.get("validation") or {}).get("warnings", [])
    n += _block(ws, "三、数据校验（Great Expectations）未通过的检查", ["数据表", "检查内容", "不符行数", "处理", "隔离原因代码"],
                [[w["table"], w["description"], w["unexpected_count"], ACTION_ZH.get(w["action"], w["action"]),
                  w.get("reason")] for w in warnings], mask)
    totals = run.get("total_checks") or []
    n += _block(ws, "四、合计/小计行核对（表中所列合计与明细行之和不符的须核实）",
                ["文件", "工作表", "行号", "合计行", "金额列", "表列合计", "本段明细之和", "以上全部明细之和", "一致"],
                [[t["file"], t["sheet"], t["row_no"], t["label"], t["column_header"], _num(t["stated_yuan"]),
                  _num(t["segment_sum_yuan"]), _num(t["sum_above_yuan"]), t["matches"]]
                 for t in sorted(totals, key=lambda t: (t["matches"], t["file"], t["sheet"] or "", t["row_no"]))], mask)
    _print_area(ws, len(QUALITY_COLUMNS), n)


def _num(v):
    return float(v) if v is not None else None


STATUS_HELP = [
    (ledger.NEW, "本次运行第一次发现的线索。"),
    (ledger.OPEN, "以前已列出、尚未办结的线索；“未结天数”为本轮发现（或重新出现）至数据截止日的天数。"
                  "已填写但未办结的核查反馈（如“无法核实”、属实但未整改完毕）会预先填在反馈列中。"),
    (ledger.RERAISED, "曾核查为不属实或已整改完毕，但此后数据有实质变化（新的发放月份、金额增加、新的死亡信息来源等），"
                      "或曾“已消失”后再次出现；“变化情况”列写明上次核查结论和变化内容，请重新核查。"),
    (ledger.GONE, "尚未办结，但本次数据中已不再出现（如已停发、数据已更正）；只在消失当次列出一次，系统仍保留记录。"),
    (ledger.CLOSED, "核查结论为“不属实”，或“属实/部分属实”且已填写整改措施、已追回金额不少于应追回金额的线索；"
                    "不再列出，除非数据出现实质变化（此时显示为“重新出现”）。"),
]
FEEDBACK_HELP = [
    ("核查结论", "必填（填写任何反馈时）。属实、部分属实、不属实、无法核实（暂存待查，线索保持未结）。"),
    ("不属实原因", "结论为“不属实”时必选：数据错误、死亡信息有误、重名或重号、政策允许、已整改。"),
    ("问题性质", "结论为“属实”或“部分属实”时选择：工作失误、虚报冒领、优亲厚友、截留私分、贪污侵占、其他。"),
    ("整改措施", "停发、清退、追回、调减保障人数、补发、制度完善；多项用“、”分隔，如“停发、追回”。"),
    ("应追回金额、已追回金额", "单位元，两位小数；已追回金额不能大于应追回金额。"),
    ("核查人、核查日期", "必填。同一线索有多次反馈的，以核查日期最新的为准。"),
    ("备注", "其他需要说明的情况。"),
    ("交回与导入", "请勿修改线索编号、表头和“汇总”表；可只填部分线索。系统逐项检查填写内容，"
                 "填写有误的行会列明工作表、行号和列名，不予导入，更正后可再次交回。"),
]


def _explanations(wb, rules) -> None:
    ws = wb.create_sheet("说明")
    for col, width in zip("ABCDEFG", (10, 22, 30, 10, 60, 40, 50)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _page_setup(ws)
    head = ["规则编号", "中文名", "英文名", "最高风险等级", "规则说明", "政策依据", "核查要点"]
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL) for h in head])
    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(head) + 1)]
    for n, r in enumerate(rules, start=2):
        values = [r.id, r.name_zh, r.title, SEVERITY_ZH[r.severity], r.header.get("rationale"), r.header.get("basis"),
                  r.header.get("verify")]
        values = [v.strip() if isinstance(v, str) else v for v in values]
        ws.row_dimensions[n].height = LINE_HEIGHT * max(_lines(v, w) for v, w in zip(values, widths)) + 2
        ws.append([_styled(ws, v, alignment=WRAP) for v in values])
    ws.append([])
    n = len(rules) + 2
    span = sum(ws.column_dimensions[c].width for c in "BCDEFG")
    for title, items in (("线索状态", STATUS_HELP), ("核查反馈的填写", FEEDBACK_HELP)):
        ws.append([_styled(ws, title, Font(bold=True, size=12))])
        n += 1
        for name, text in items:
            n += 1
            lines = -(-_display_width(text) // int(span * 0.9))
            ws.row_dimensions[n].height = 16 * lines + 2     # merged cells do not grow to fit their text
            ws.merged_cells.add(CellRange(f"B{n}:G{n}"))
            ws.append([_styled(ws, name, HEADER_FONT, alignment=WRAP), _styled(ws, text, alignment=WRAP)])
        ws.append([])
        n += 1
    ws.print_title_rows = "1:1"
    _print_area(ws, len(head), n)

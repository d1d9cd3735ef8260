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
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation

from cases import feedback, ledger, money, outcomes
from cases.labels import label, labels  # noqa: F401 (labels: the table, for tests)
from sources import warehouse

from .cells import (  # noqa: F401
    ALL,
    AMOUNT_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
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
    safe_sheet_title,
    safe_text,
)
from .check_form import write_check_forms
from .evidence_sheet import evidence_layout, link, write_evidence
from .person_sheet import write_persons
from .quality_sheet import write_quality
from .summary_sheet import write_summary
from .tables import atomic_path

SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
TEXT_COLUMNS = {"case_id", "subject_id_number", "account_no", "id_number"}
MONTH_COLUMNS = {"period_from", "period_to"}
STATUS_FILL = PatternFill("solid", fgColor="E2EFDA")       # case memory
FEEDBACK_HEAD_FILL = PatternFill("solid", fgColor="FFE699")  # to be filled in
FEEDBACK_FILL = PatternFill("solid", fgColor="FFF9E5")
MAX_WIDTH = 50           # the evidence sentence; other long text wraps at LONG_TEXT_WIDTH
LONG_TEXT_WIDTH = 30
NO_WRAP = {"source_rows"}   # file-and-row lists can run to hundreds of characters: one line, read in the cell
PAGE_WIDTH = 230         # column-width units on one landscape A4 page at about two thirds scale
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
    _explanations(wb, rules)
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
        self.columns, self.mask, self.n, self.links = columns, mask, 0, {}
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
        wrap = width >= LONG_TEXT_WIDTH and column not in NO_WRAP
        style = self._template(None, WRAP if wrap else TOP, fill)

        def text(v):
            if v is None:
                return None
            if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
                return styled(style, v)
            s = str(v)
            return styled(style, mask_text(s) if mask else s)
        return text

    def add(self, row) -> None:
        """Append one case. Rows with wrapped text get an explicit height: LibreOffice does not fit row
        heights when it opens an xlsx file, and Excel then shows the same."""
        lines = max([1, *(_lines(row[i], w) for i, w in self.wrapped if row[i])])
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
        ws.print_title_rows = "1:1"
        ws.print_title_cols = "A:A"          # the case id on every page of a sheet printed several pages wide
        _print_area(ws, len(self.columns), self.n + 1)
        if self.n:
            _validations(ws, self.columns, self.n)


def _feedback_format(column: str) -> str:
    kind = outcomes.FIELD_BY_COLUMN[column].kind
    return {"amount": AMOUNT_FORMAT, "date": "yyyy-mm-dd"}.get(kind, "General")


def _validations(ws, columns: list[str], n: int) -> None:
    """Drop-down lists and checks on the feedback columns (rows 2 … n+1)."""
    for f in outcomes.FIELDS:
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


def _rule_sheet(wb, con, rule, part: Part, mask: bool, links: dict | None = None) -> None:
    sql, params, columns = case_rows_sql(con, rule, part, mask)
    rule_labels = rule.header.get("labels") or {}
    headers = [label(c, rule_labels) for c in columns]
    types = {d[0]: str(d[1]) for d in con.execute(f"select * from ({sql}) limit 0", params).description}
    widths = _widths(con, sql, params, columns, headers, types)
    w = CaseSheet(wb, sheet_title(rule), columns, headers, widths, types, mask)
    w.links = links if "source_rows" in columns else {}
    cur = con.execute(sql, params)
    while batch := cur.fetchmany(2000):
        for row in batch:
            w.add(row)
    w.close()

# --- 说明 -------------------------------------------------------------------------------------------------


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


def _undecidable(rule) -> str | None:
    """The rule header's trap decisions (`traps:`): what the data cannot tell, and what the investigator
    must rule out in person."""
    items = [str(d.get("decision") or "").strip() for d in rule.header.get("traps") or []]
    return "\n".join(f"{i}. {t}" for i, t in enumerate((t for t in items if t), start=1)) or None


def _explanations(wb, rules) -> None:
    ws = wb.create_sheet("说明")
    for col, width in zip("ABCDEFGH", (10, 22, 30, 10, 60, 40, 50, 50)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _page_setup(ws)
    head = ["规则编号", "中文名", "英文名", "最高风险等级", "规则说明", "政策依据", "核查要点", "数据无法判断、须人工排除的情形"]
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL) for h in head])
    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(head) + 1)]
    for n, r in enumerate(rules, start=2):
        values = [r.id, r.name_zh, r.title, SEVERITY_ZH[r.severity], r.header.get("rationale"), r.header.get("basis"),
                  r.header.get("verify"), _undecidable(r)]
        values = [v.strip() if isinstance(v, str) else v for v in values]
        ws.row_dimensions[n].height = LINE_HEIGHT * max(_lines(v, w) for v, w in zip(values, widths)) + 2
        ws.append([_styled(ws, v, alignment=WRAP) for v in values])
    ws.append([])
    n = len(rules) + 2
    span = sum(ws.column_dimensions[c].width for c in "BCDEFGH")
    for title, items in (("线索状态", STATUS_HELP), ("核查反馈的填写", FEEDBACK_HELP), ("金额", money.HELP)):
        ws.append([_styled(ws, title, Font(bold=True, size=12))])
        n += 1
        for name, text in items:
            n += 1
            lines = -(-_display_width(text) // int(span * 0.9))
            ws.row_dimensions[n].height = 16 * lines + 2     # merged cells do not grow to fit their text
            ws.merged_cells.add(CellRange(f"B{n}:H{n}"))
            ws.append([_styled(ws, name, HEADER_FONT, alignment=WRAP), _styled(ws, text, alignment=WRAP)])
        ws.append([])
        n += 1
    ws.print_title_rows = "1:1"
    _print_area(ws, len(head), n)

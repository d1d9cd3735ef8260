"""The investigators' workbook (线索清单): a summary, one sheet per rule, data quality, and explanations.

Written with openpyxl in write-only mode (rows stream out; memory stays flat). ID and account numbers
are text cells, never numbers; no cell taken from source data can start a formula.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import os
import tempfile
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HERE = Path(__file__).parent
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
TEXT_COLUMNS = {"case_id", "subject_id_number", "account_no", "id_number"}
MONTH_COLUMNS = {"period_from", "period_to", "data_last_month"}
FORMULA_START = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60


@functools.cache
def labels() -> dict[str, str]:
    return yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))


def label(column: str, rule_labels: dict | None = None) -> str:
    return (rule_labels or {}).get(column) or labels().get(column, column)


def safe_text(value: str) -> str:
    """Source text that would start a formula (=, +, -, @) gets a leading apostrophe (OWASP CSV/Excel
    injection advice); the cell is stored as text either way."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class SheetWriter:
    """Rows into a write-only sheet, typed by column name, with widths measured as rows go by."""

    def __init__(self, wb: Workbook, title: str, columns: list[str], headers: list[str]):
        self.ws = wb.create_sheet(title=title)
        self.columns = columns
        self.widths = [_display_width(h) + 2 for h in headers]
        self.headers = headers
        self.rows: list[list] = []

    def cell(self, column: str, value):
        ws = self.ws
        if value is None:
            return WriteOnlyCell(ws, value=None)
        if isinstance(value, bool):
            return WriteOnlyCell(ws, value="是" if value else "否")
        if column == "severity":
            return WriteOnlyCell(ws, value=SEVERITY_ZH.get(value, value))
        if column in MONTH_COLUMNS and isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "yyyy-mm"
            return c
        if isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "yyyy-mm-dd"
            return c
        if isinstance(value, (decimal.Decimal, float)):
            c = WriteOnlyCell(ws, value=float(value))
            c.number_format = "#,##0.00"
            return c
        if isinstance(value, int):
            return WriteOnlyCell(ws, value=value)
        text = safe_text(str(value))
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"
        if column in TEXT_COLUMNS:
            c.number_format = "@"
        if len(text) > 40:
            c.alignment = WRAP
        return c

    def add(self, values) -> None:
        self.rows.append([self.cell(c, v) for c, v in zip(self.columns, values)])
        for i, v in enumerate(values):
            if v is not None:
                self.widths[i] = max(self.widths[i], min(MAX_WIDTH, _display_width(str(v)) + 2))

    def close(self) -> None:
        ws = self.ws
        for i, w in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "A2"
        if self.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{len(self.rows) + 1}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        header = []
        for h in self.headers:
            c = WriteOnlyCell(ws, value=h)
            c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
            header.append(c)
        ws.append(header)
        for row in self.rows:
            ws.append(row)


def sheet_title(rule) -> str:
    title = f"{rule.id} {rule.name_zh}"
    for ch in '[]:*?/\\':
        title = title.replace(ch, "")
    return title[:31]


def write_workbook(con, path: Path, rules, run: dict, accounting: list[dict]) -> None:
    """Write the workbook to a temporary name in the same folder, then rename it into place."""
    wb = Workbook(write_only=True)
    _summary(wb, con, rules, run, accounting)
    for rule in rules:
        _rule_sheet(wb, con, rule)
    _quality(wb, con, run, accounting)
    _explanations(wb, rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _summary(wb, con, rules, run: dict, accounting: list[dict]) -> None:
    ws = wb.create_sheet("汇总")
    bold = lambda v: _styled(ws, v, HEADER_FONT)  # noqa: E731
    ws.append([bold(f"清风 问题线索清单（{run['as_of']}）")])
    ws.append(["运行编号", run["run_id"]])
    ws.append(["数据目录", run["inbox"]])
    ws.append(["数据截止", run["as_of"]])
    ws.append([])
    ws.append([bold(h) for h in ("规则编号", "问题类型", "线索数", "高", "中", "低", "涉及金额（元）")])
    stats = {r[0]: r[1:] for r in con.execute("""
        select rule_id, count(*), count(*) filter (where severity = 'high'), count(*) filter (where severity = 'medium'),
               count(*) filter (where severity = 'low'), coalesce(sum(amount_yuan), 0)
        from cases group by rule_id""").fetchall()}
    for rule in rules:
        n, hi, me, lo, amount = stats.get(rule.id, (0, 0, 0, 0, 0))
        amt = WriteOnlyCell(ws, value=float(amount))
        amt.number_format = "#,##0.00"
        ws.append([rule.id, rule.name_zh, n, hi, me, lo, amt])
    ws.append([])
    problems = [a for a in accounting if a["file_status"] != "loaded" or (a["sheet_status"] or "loaded") != "loaded"]
    ws.append([bold("未能使用的文件或工作表（详见“数据质量”）")])
    if not problems:
        ws.append(["无：所有文件均已识别并入库"])
    else:
        ws.append([bold(h) for h in ("文件", "工作表", "状态", "原因", "行数")])
        for a in problems:
            ws.append([a["file_name"], a["sheet"], STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["file_status"]),
                       a["sheet_reason"] or a["file_reason"], a["rows_read"]])
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40
    for col in "CDEFG":
        ws.column_dimensions[col].width = 16


STATUS_ZH = {"loaded": "已入库", "partly": "部分入库", "unrecognised": "表头未识别", "unreadable": "无法读取",
             "empty": "空文件"}


def _styled(ws, value, font):
    c = WriteOnlyCell(ws, value=value)
    c.font = font
    return c


def _rule_sheet(wb, con, rule) -> None:
    columns = ["case_id", *rule.evidence]
    rule_labels = rule.header.get("labels") or {}
    w = SheetWriter(wb, sheet_title(rule), columns, [label(c, rule_labels) for c in columns])
    cur = con.execute(f"select {', '.join(columns)} from case_{rule.id} order by case_id")
    while batch := cur.fetchmany(5000):
        for row in batch:
            w.add(row)
    w.close()


QUALITY_COLUMNS = [
    ("file_name", "文件"), ("sheet", "工作表"), ("kind", "数据类型"), ("variant", "来源"), ("sheet_status", "状态"),
    ("rows_read", "读入行数"), ("rows_loaded", "入库"), ("rows_quarantined", "隔离"), ("rows_structural", "结构行"),
    ("rows_title_header", "其中标题/表头"), ("rows_blank", "其中空行"), ("rows_total", "其中合计"),
    ("rows_footer_note", "其中表尾/备注"), ("reconciles", "行数核对一致"), ("reason", "说明"),
]
ACTION_ZH = {"quarantine": "隔离", "warn": "警告", "blocking": "阻断"}


def _block(ws, title: str, headers: list[str], rows: list[list]) -> None:
    """A titled table inside a sheet, followed by a blank row."""
    ws.append([_styled(ws, title, Font(bold=True, size=12))])
    header = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        header.append(c)
    ws.append(header)
    for r in rows or [["无"]]:
        ws.append([WriteOnlyCell(ws, value=safe_text(v) if isinstance(v, str) else
                                 ("是" if v is True else "否" if v is False else v)) for v in r])
    ws.append([])


def _quality(wb, con, run: dict, accounting: list[dict]) -> None:
    """数据质量: what came of every row of every file, why rows were quarantined, what the validation
    warned about, and which 合计 rows disagree with their rows."""
    ws = wb.create_sheet("数据质量")
    rows = []
    for a in accounting:
        a = dict(a, kind=a["kind_zh"], sheet=a["sheet"] or ("(CSV)" if a["format"] == "csv" else a["sheet"]),
                 sheet_status=STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["sheet_status"]),
                 reason=a["sheet_reason"] or a["file_reason"])
        rows.append([a.get(c) for c, _ in QUALITY_COLUMNS])
    _block(ws, "一、每个文件的行数核对（读入 = 入库 + 隔离 + 结构行）", [h for _, h in QUALITY_COLUMNS], rows)
    reasons = con.execute("""
        select q.reason, any_value(rc.text_zh), count(distinct (q.file_id, q.sheet, q.row_no))
        from quarantine q left join reason_codes rc on rc.code = q.reason group by q.reason order by 3 desc""").fetchall()
    _block(ws, "二、隔离原因汇总（逐行明细见 quarantine.csv）", ["原因代码", "说明", "行数"], [list(r) for r in reasons])
    warnings = (run.get("validation") or {}).get("warnings", [])
    _block(ws, "三、数据校验（Great Expectations）未通过的检查", ["数据表", "检查内容", "不符行数", "处理", "隔离原因代码"],
           [[w["table"], w["description"], w["unexpected_count"], ACTION_ZH.get(w["action"], w["action"]), w.get("reason")]
            for w in warnings])
    totals = run.get("total_checks") or []
    _block(ws, "四、合计/小计行核对（表中所列合计与明细行之和不符的须核实）",
           ["文件", "工作表", "行号", "合计行", "金额列", "表列合计", "本段明细之和", "以上全部明细之和", "一致"],
           [[t["file"], t["sheet"], t["row_no"], t["label"], t["column_header"], _num(t["stated_yuan"]),
             _num(t["segment_sum_yuan"]), _num(t["sum_above_yuan"]), t["matches"]]
            for t in sorted(totals, key=lambda t: t["matches"])])
    for col, width in zip("ABCDEFGHIJKLMNO", (34, 14, 14, 14, 12, 10, 10, 10, 10, 12, 10, 10, 12, 12, 40)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"


def _num(v):
    return float(v) if v is not None else None


def _explanations(wb, rules) -> None:
    cols = ["id", "name_zh", "title", "severity", "rationale", "basis", "verify"]
    heads = ["规则编号", "中文名", "英文名", "最高风险等级", "规则说明", "政策依据", "核查要点"]
    w = SheetWriter(wb, "说明", cols, heads)
    for r in rules:
        w.add([r.header.get(c) if c != "severity" else SEVERITY_ZH[r.severity] for c in cols])
    w.close()

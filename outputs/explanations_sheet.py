"""The 说明 sheet: per rule its name, severity, rationale, policy basis, checks and what the data cannot decide
(the rule headers, internal names shown in Chinese: cells.reader_text); then the case statuses and how to fill
in the 核查反馈 columns (the lists from cases/outcomes.yaml)."""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from cases import ledger, money, outcomes

from .cells import (
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    SEVERITY_ZH,
    WRAP,
    _display_width,
    _lines,
    _page_setup,
    _print_area,
    _styled,
    reader_text,
)

STATUS_HELP = [
    (ledger.NEW, "本次运行第一次发现的线索。"),
    (ledger.OPEN, "以前已列出、尚未办结的线索；“未结天数”为本轮发现（或重新出现）至核查基准日的天数。"
                  "已填写但未办结的核查反馈（如“无法核实”、属实但未整改完毕）会预先填在反馈列中。"),
    (ledger.RERAISED, "曾核查为不属实或已整改完毕，但此后数据有实质变化（新的发放月份、金额增加、新的死亡信息来源等），"
                      "或曾“已消失”后再次出现；“变化情况”列写明上次核查结论和变化内容，请重新核查。"),
    (ledger.GONE, "尚未办结，但本次数据中已不再出现（如已停发、数据已更正）；只在消失当次列出一次，系统仍保留记录。"),
    (ledger.CLOSED, "核查结论为“不属实”，或“属实/部分属实”且已填写整改措施、已追回金额不少于应追回金额的线索；"
                    "不再列出，除非数据出现实质变化（此时显示为“重新出现”）。"),
]
FEEDBACK_HELP = [
    ("核查结论", "必填（填写任何反馈时）。属实、部分属实、不属实、无法核实（暂存待查，线索保持未结）。"),
    ("不属实原因", f"结论为“不属实”时必选：{'、'.join(outcomes.choices_for('false_reason'))}；读取死亡信息的规则"
                  f"另有“死亡信息有误”（各规则的下拉列表不同）。已整改的问题是属实的：请选“属实”，填写整改措施和金额。"),
    ("问题性质", f"结论为“属实”或“部分属实”时选择：{'、'.join(outcomes.choices_for('nature'))}。"),
    ("整改措施", f"{'、'.join(outcomes.choices_for('measures'))}；多项用“、”分隔，如“停发、追回”。"),
    ("应追回金额、已追回金额、未追回原因",
     "单位元，两位小数。结论为“属实”或“部分属实”时必填应追回金额（已按规则算出的多发金额预填，可修改；无须追回的填 0），"
     "并填写已追回金额（尚未追回的填 0）或未追回原因，否则不予导入、线索保持未结。已追回金额不能大于应追回金额；"
     "填写了整改措施且已追回金额不少于应追回金额的，线索办结。"),
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


def write_explanations(wb, rules) -> None:
    """说明: the rules, the statuses, how to fill in."""
    ws = wb.create_sheet("说明")
    for col, width in zip("ABCDEFG", (10, 22, 10, 60, 40, 50, 50)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _page_setup(ws)
    head = ["规则编号", "问题类型", "最高风险等级", "规则说明", "政策依据", "核查要点", "数据无法判断、须人工排除的情形"]
    ws.append([_styled(ws, h, HEADER_FONT, HEADER_FILL) for h in head])
    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(head) + 1)]
    for n, r in enumerate(rules, start=2):
        values = [r.id, r.name_zh, SEVERITY_ZH[r.severity], r.header.get("rationale"), r.header.get("basis"),
                  r.header.get("verify"), _undecidable(r)]
        values = [reader_text(v.strip()) if isinstance(v, str) else v for v in values]
        ws.row_dimensions[n].height = LINE_HEIGHT * max(_lines(v, w) for v, w in zip(values, widths)) + 2
        ws.append([_styled(ws, v, alignment=WRAP) for v in values])
    ws.append([])
    n = len(rules) + 2
    span = sum(ws.column_dimensions[c].width for c in "BCDEFG")
    for title, items in (("线索状态", STATUS_HELP), ("核查反馈的填写", FEEDBACK_HELP), ("金额", money.HELP)):
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

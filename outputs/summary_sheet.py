"""The 汇总 sheet: counts and amounts per rule and per township by status, where a rule could not be
checked (未检查) and why, a chart, and the files that could not be used."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from cases import ledger, money

from .cells import (
    ALERT_FILL,
    ALL,
    AMOUNT_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    STATUS_ZH,
    WRAP,
    Part,
    _lines,
    _page_setup,
    _print_area,
    _styled,
    cell_value,
)
from .runinfo import dates_zh

LISTED = (ledger.NEW, ledger.OPEN, ledger.RERAISED, ledger.GONE)  # the summary's columns


def write_summary(wb, con, rules, run: dict, accounting: list[dict], part: Part, mask: bool) -> None:
    """Counts and amounts per rule and per township, by status; a chart; the files that could not be used."""
    ws = wb.create_sheet("汇总")
    widths = (22, 34, 10, 8, 8, 10, 8, 6, 6, 6, 16, 16, 17, 40)   # A: the labels above (数据截止（最后台账月份）)
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
        ws.append([cell_value(v) for v in row])     # file and sheet names, the inbox path: text made safe
        rows += 1

    put([_styled(ws, f"清风 问题线索清单（核查基准日 {run['as_of']}）", Font(bold=True, size=14))])
    put(["运行编号", run["run_id"]])
    for name, value in dates_zh(run):
        put([name, value])
    put(["上次运行", f"{prev.as_of}（{prev.run_id}）" if prev else "无（首次运行，全部线索均为新增）"])
    put(["范围", "全部线索" if part == ALL else part.name.replace("_", " ")])
    put(["身份证号、账号", "已脱敏（中间数位以 * 代替）" if mask else "完整显示，注意保密"])
    put(["数据目录", run["inbox"]])
    alerts = run.get("alerts") or []
    put([_styled(ws, "警报", HEADER_FONT, ALERT_FILL if alerts else None),
         _styled(ws, f"{len(alerts)} 条，见“数据质量”表第一部分" if alerts else "无", fill=ALERT_FILL if alerts else None)])
    put([])
    put([])
    put(["填写说明", "核查后在每条线索末尾黄色的“核查反馈”列中填写（下拉选择）并交回；结论为不属实或已整改完毕的线索"
                  "以后不再列出，除非数据出现新的变化。详见“说明”表。"])
    put([])

    where, params = part.where()
    statuses = ", ".join(f"count(*) filter (where shown and status = '{s}')" for s in LISTED)
    counts = f"""count(*) filter (where shown), {statuses},
               count(*) filter (where shown and severity = 'high'), count(*) filter (where shown and severity = 'medium'),
               count(*) filter (where shown and severity = 'low'), coalesce(sum(amount_yuan) filter (where shown), 0),
               count(*) filter (where status = '{ledger.CLOSED}')"""
    stats = {r[0]: r[1:] for r in con.execute(
        f"select rule_id, {counts} from case_status s where {where} group by rule_id", params).fetchall()}
    columns = ["列出线索", *LISTED, "高", "中", "低", "多发/应追回金额（元）", "涉及金额（元）", "已结（不再列出）"]
    overpaid = dict(con.execute(money.overpaid_sql(["s.rule_id"], f"s.shown and {where}"), params).fetchall())
    checks = {c["rule"]: c for c in run.get("rule_checks") or []}
    put([bold("一、各规则线索数（列出 = 新增 + 未结 + 重新出现 + 已消失；已结的不再列出；所需数据缺失的县为“未检查”）")])
    ws.row_dimensions[rows + 1].height = 2 * LINE_HEIGHT + 2    # headers wrap (多发/应追回金额（元）): two lines
    put(head(["规则编号", "问题类型", *columns, "未检查（县：原因）"]))
    first = rows
    totals = [0] * 10
    for rule in rules:
        s = stats.get(rule.id, (0,) * 10)
        totals = [a + b for a, b in zip(totals, s)]
        check = checks.get(rule.id) or {}
        listed = "未检查" if check.get("status") == "unchecked" and not s[0] else s[0]
        unchecked = _styled(ws, check["unchecked"], fill=ALERT_FILL, alignment=WRAP) if check.get("unchecked") else None
        if unchecked:
            ws.row_dimensions[rows + 1].height = LINE_HEIGHT * _lines(check["unchecked"], widths[-1]) + 2
        put([rule.id, rule.name_zh, listed, *s[1:8], amount(overpaid.get(rule.id)), amount(s[8]), s[9], unchecked])
    last = rows
    dedup = con.execute(money.overpaid_sql([], f"s.shown and {where}"), params).fetchone()[0]
    put([bold("合计"), "", *totals[:8], amount(dedup), "不相加", totals[9]])
    put(["", f"多发/应追回金额合计已去重：同一人同一项目同一所属期被几条规则认定的只计一次（各规则相加为"
             f"{sum(overpaid.values(), 0):,.2f}元）。涉及金额是各规则认定的涉案价值（合同金额、待核实的全年待遇、"
             f"少付的补偿款等），含义不同，不相加。详见“说明”。"])
    put([])

    put([bold("二、各县（市、区）、乡镇（街道）线索数")])
    ws.row_dimensions[rows + 1].height = 2 * LINE_HEIGHT + 2
    put(head(["县（市、区）", "乡镇（街道）", *columns[:8], columns[8], columns[10]]))
    by_place = {(c, t): v for c, t, v in con.execute(money.overpaid_sql(
        ["coalesce(s.county, '地区不明')", "coalesce(s.township, '地区不明')"], f"s.shown and {where}"), params).fetchall()}
    for county, township, *s in con.execute(f"""
        select coalesce(county, '地区不明'), coalesce(township, '地区不明'), {counts}
        from case_status s where {where} group by all having count(*) filter (where shown) > 0
        order by 1, 2""", params).fetchall():
        put([county, township, *s[:8], amount(by_place.get((county, township))), s[9]])
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


"""The 数据质量 sheet: the alerts first (highlighted), then where rules were not checked, what they could not
decide for want of a value (待补数据), what the data
covers, every file's rows, the quarantine by reason, the warnings with file, sheet and row, the failed
validations and the 合计 checks."""

from __future__ import annotations

from cases.labels import label
from rules.coverage import STATUS_ZH as STATUS_ZH_CHECK
from sources.declarations import kinds

from .cells import ALERT_FILL, SEVERITY_ZH, STATUS_ZH, _block, _page_setup, _print_area
from .tables import quarantine_sql

QUALITY_COLUMNS = [
    ("file_name", "文件"), ("sheet", "工作表"), ("kind", "数据类型"), ("variant", "来源"), ("sheet_status", "状态"),
    ("rows_read", "读入行数"), ("rows_loaded", "入库"), ("rows_quarantined", "隔离"), ("rows_structural", "结构行"),
    ("rows_title_header", "其中标题/表头"), ("rows_blank", "其中空行"), ("rows_total", "其中合计"),
    ("rows_footer_note", "其中表尾/备注"), ("reconciles", "行数核对一致"), ("reason", "说明"),
]
ACTION_ZH = {"quarantine": "隔离", "warn": "警告", "blocking": "阻断"}
NUMERALS = "一二三四五六七八九十"
# Quarantined rows that are leads, not just bad data: money paid with no usable ID number (to whom?).
LEAD_REASONS = ("MISSING_ID", "ID_PRECISION_LOST", "ID_CHECKSUM_FAIL", "ID_BAD_FORMAT", "ID_TRUNCATED")
LEAD_TABLES = ("payments", "compensation_payouts")


def table_zh(table: str) -> str:
    """A canonical table's Chinese name (the source kind's name_zh): 发放明细, not payments."""
    return next((k.name_zh for k in kinds() if k.table == table), table)


def code_zh(code: str | None) -> str | None:
    """A warning code's qualifier in Chinese: VALUE_FROM_CONTEXT:county → the code, the column's label."""
    if not code or ":" not in code:
        return code
    head, _, tail = code.partition(":")
    table, _, column = tail.rpartition(".")
    return f"{head}（{'、'.join(p for p in (table_zh(table) if table else None, label(column)) if p)}）"


def write_quality(wb, con, run: dict, accounting: list[dict], mask: bool) -> None:
    """数据质量: the alerts first (highlighted), where rules could not be checked, what the data covers, what
    came of every row of every file, why rows were quarantined, the warnings, what the validation warned
    about, and which 合计 rows disagree with their rows."""
    ws = wb.create_sheet("数据质量")
    for col, width in zip("ABCDEFGHIJKLMNO", (34, 14, 14, 14, 12, 10, 10, 10, 10, 12, 10, 10, 12, 12, 40)):
        ws.column_dimensions[col].width = width
    _page_setup(ws)
    numbered = iter(NUMERALS)

    def block(title, headers, rows, mask=False, fill=None) -> int:
        return _block(ws, f"{next(numbered)}、{title}", headers, rows, mask, fill=fill)

    alerts = run.get("alerts") or []
    n = block(f"警报（{len(alerts)} 条）：未能使用的文件或工作表、隔离比例过高的文件、规则缺少的数据",
              ["类型", "严重程度", "说明", "文件", "工作表", "县（市、区）", "数据类型", "规则"],
              [[a["type_zh"], SEVERITY_ZH.get(a["severity"], a["severity"]), a["message"], a["file"], a["sheet"],
                a["county"], a.get("kind_zh") or table_zh(a["kind"] or ""), a["rule"]] for a in alerts], mask,
              fill=ALERT_FILL if alerts else None)
    leads = quarantine_leads(con)
    mismatched = [t for t in run.get("total_checks") or [] if t["matches"] is False]
    n += block(f"须核实的隔离行与合计不符（{len(leads) + len(mismatched)} 处）：钱发了却没有可用的身份证号、"
               "表列合计与明细之和不符，可能是线索，请核对原表",
               ["问题", "数据类型", "文件", "工作表", "行号", "列", "单元格内容", "整行内容"],
               [*leads, *[["合计与明细不符：表列合计 " + _yuan(t["stated_yuan"]) + " 元，本段明细之和 "
                           + _yuan(t["segment_sum_yuan"]) + " 元", "合计行", t["file"], t["sheet"], t["row_no"],
                           t["column_header"], t["label"], None] for t in mismatched]], mask,
               fill=ALERT_FILL if leads or mismatched else None)
    checks = [c for c in run.get("rule_checks") or [] if c["status"] != "checked"]
    n += block("未检查的规则（所需数据缺失的县，不能说“没有线索”）",
               ["规则编号", "问题类型", "检查情况", "未检查的县及原因", "已检查的县及线索数"],
               [[c["rule"], c["name_zh"], STATUS_ZH_CHECK[c["status"]], c["unchecked"],
                 "，".join(f"{e['county']} {e['cases']} 条" for e in c["counties"] if e["checked"]) or "无"]
                for c in checks])
    needs = con.execute("select rule_id, rule_name, subject_name, subject_id_number, county, township, village, "
                        "missing, decides, source_file, sheet, row_no from needs_data "
                        "order by rule_id, source_file, sheet, row_no").fetchall()
    n += block(f"待补数据（{len(needs)} 条）：规则缺少所需的值、无法判断的人员，不是线索，也不是“没有问题”；"
               "请补齐后重新运行（另见 needs_data.csv）",
               ["规则编号", "问题类型", "姓名", "身份证号", "县（市、区）", "乡镇（街道）", "村（社区）", "缺少的数据",
                "无法判断的事项", "文件", "工作表", "行号"], [list(r) for r in needs], mask)
    n += block("数据覆盖（各县、乡镇每类数据的所属期或日期范围、行数）",
               ["数据类型", "县（市、区）", "乡镇（街道）", "起始所属期", "截止所属期", "月数", "起始日期", "截止日期",
                "日期列", "行数"],
               [[c["kind_zh"], _place(c, "county"), _place(c, "township"), _month(c["first_month"]),
                 _month(c["last_month"]), c["months"], _day(c["first_date"]), _day(c["last_date"]),
                 label(c["date_column"]) if c["date_column"] else None, c["rows"] or "无数据"]
                for c in run.get("coverage") or []])
    rows = []
    for a in accounting:
        a = dict(a, kind=a["kind_zh"], sheet=a["sheet"] or ("（CSV 文件）" if a["format"] == "csv" else a["sheet"]),
                 sheet_status=STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["sheet_status"]),
                 reason=a["sheet_reason"] or a["file_reason"])
        rows.append([a.get(c) for c, _ in QUALITY_COLUMNS])
    n += block("每个文件的行数核对（读入 = 入库 + 隔离 + 结构行）", [h for _, h in QUALITY_COLUMNS], rows, mask)
    reasons = con.execute("""
        select any_value(rc.text_zh), q.reason, count(distinct (q.file_id, q.sheet, q.row_no))
        from quarantine q left join reason_codes rc on rc.code = q.reason group by q.reason order by 3 desc, 2""").fetchall()
    n += block("隔离原因汇总（逐行明细见 quarantine.csv）", ["原因", "代码", "行数"], [list(r) for r in reasons])
    n += block("警告（数据已入库，但有一处需要知道；每类列出前几处）",
               ["说明", "代码", "数量", "单位", "文件", "工作表", "行号", "列", "详情"],
               [[*([w["meaning"], code_zh(w["code"]), w["count"], w["unit"]] if i == 0 else [None] * 4),
                 e.get("file"), e.get("sheet"), e.get("row"), e.get("column"), e.get("detail")]
                for w in run.get("warnings") or [] for i, e in enumerate(w["examples"] or [{}])], mask)
    warnings = (run.get("validation") or {}).get("warnings", [])
    n += block("数据校验未通过的检查", ["数据类型", "检查内容", "不符行数", "处理", "隔离原因代码"],
               [[table_zh(w["table"]), w["description"], w["unexpected_count"], ACTION_ZH.get(w["action"], w["action"]),
                 w.get("reason")] for w in warnings], mask)
    totals = run.get("total_checks") or []
    n += block("合计/小计行核对（表中所列合计与明细行之和不符的须核实）",
               ["文件", "工作表", "行号", "合计行", "金额列", "表列合计", "本段明细之和", "以上全部明细之和", "一致"],
               [[t["file"], t["sheet"], t["row_no"], t["label"], t["column_header"], _num(t["stated_yuan"]),
                 _num(t["segment_sum_yuan"]), _num(t["sum_above_yuan"]), t["matches"]]
                for t in sorted(totals, key=lambda t: (t["matches"], t["file"], t["sheet"] or "", t["row_no"]))], mask)
    _print_area(ws, len(QUALITY_COLUMNS), n)


def quarantine_leads(con) -> list[list]:
    """Quarantined payment rows without a usable ID number (LEAD_REASONS): what, where, the row as read."""
    lead_kinds = [k for k in kinds() if k.table in LEAD_TABLES]
    if not lead_kinds:
        return []
    rows = con.execute(f"""
        select reason_text, kind, source_file, sheet, row_no, column_header, value, raw_values
        from ({quarantine_sql(lead_kinds)}) where list_contains($reasons, reason)""",
                       {"reasons": list(LEAD_REASONS)}).fetchall()
    names = {k.kind: k.name_zh for k in lead_kinds}
    return [["发放记录没有可用的身份证号：" + (text or ""), names.get(kind, kind), *rest] for text, kind, *rest in rows]


def _yuan(v) -> str:
    return f"{float(v):,.2f}" if v is not None else "（空）"


def _month(v):
    """A month for people: 2020-03 (run.json may hold it as a date or as text)."""
    return str(v)[:7] if v else None


def _day(v):
    return str(v)[:10] if v else None


def _place(c: dict, level: str):
    """A coverage row's county or township: 不分县/不分乡镇 when the kind has no such column, 未能确定 when
    its rows do not say."""
    if c[level]:
        return c[level]
    if not c["rows"]:
        return None
    return "未能确定" if c[f"has_{level}"] else {"county": "不分县", "township": "不分乡镇"}[level]


def _num(v):
    return float(v) if v is not None else None


"""The 数据质量 sheet: the alerts first (highlighted), then where rules were not checked, what they could not
decide for want of a value (待补数据), what the data
covers, every file's rows, the quarantine by reason, the warnings with file, sheet and row, the failed
validations and the 合计 checks."""

from __future__ import annotations

from cases.labels import label
from rules.coverage import STATUS_ZH as STATUS_ZH_CHECK

from .cells import ALERT_FILL, STATUS_ZH, _block, _page_setup, _print_area

SEVERITY_ZH = {"high": "高", "medium": "中"}

QUALITY_COLUMNS = [
    ("file_name", "文件"), ("sheet", "工作表"), ("kind", "数据类型"), ("variant", "来源"), ("sheet_status", "状态"),
    ("rows_read", "读入行数"), ("rows_loaded", "入库"), ("rows_quarantined", "隔离"), ("rows_structural", "结构行"),
    ("rows_title_header", "其中标题/表头"), ("rows_blank", "其中空行"), ("rows_total", "其中合计"),
    ("rows_footer_note", "其中表尾/备注"), ("reconciles", "行数核对一致"), ("reason", "说明"),
]
ACTION_ZH = {"quarantine": "隔离", "warn": "警告", "blocking": "阻断"}


def write_quality(wb, con, run: dict, accounting: list[dict], mask: bool) -> None:
    """数据质量: the alerts first (highlighted), where rules could not be checked, what the data covers, what
    came of every row of every file, why rows were quarantined, the warnings, what the validation warned
    about, and which 合计 rows disagree with their rows."""
    ws = wb.create_sheet("数据质量")
    for col, width in zip("ABCDEFGHIJKLMNO", (34, 14, 14, 14, 12, 10, 10, 10, 10, 12, 10, 10, 12, 12, 40)):
        ws.column_dimensions[col].width = width
    _page_setup(ws)
    alerts = run.get("alerts") or []
    n = _block(ws, f"一、警报（{len(alerts)} 条）：未能使用的文件或工作表、隔离比例过高的文件、规则缺少的数据",
               ["类型", "严重程度", "说明", "文件", "工作表", "县（市、区）", "数据类型", "规则"],
               [[a["type_zh"], SEVERITY_ZH.get(a["severity"], a["severity"]), a["message"], a["file"], a["sheet"],
                 a["county"], a.get("kind_zh") or a["kind"], a["rule"]] for a in alerts], mask,
               fill=ALERT_FILL if alerts else None)
    checks = [c for c in run.get("rule_checks") or [] if c["status"] != "checked"]
    n += _block(ws, "二、未检查的规则（所需数据缺失的县，不能说“没有线索”）",
                ["规则编号", "问题类型", "检查情况", "未检查的县及原因", "已检查的县及线索数"],
                [[c["rule"], c["name_zh"], STATUS_ZH_CHECK[c["status"]], c["unchecked"],
                  "，".join(f"{e['county']} {e['cases']} 条" for e in c["counties"] if e["checked"]) or "无"]
                 for c in checks])
    needs = con.execute("select rule_id, rule_name, subject_name, subject_id_number, county, township, village, "
                        "missing, decides, source_file, sheet, row_no from needs_data "
                        "order by rule_id, source_file, sheet, row_no").fetchall()
    n += _block(ws, f"三、待补数据（{len(needs)} 条）：规则缺少所需的值、无法判断的人员，不是线索，也不是“没有问题”；"
                    "请补齐后重新运行（另见 needs_data.csv）",
                ["规则编号", "问题类型", "姓名", "身份证号", "县（市、区）", "乡镇（街道）", "村（社区）", "缺少的数据",
                 "无法判断的事项", "文件", "工作表", "行号"], [list(r) for r in needs], mask)
    n += _block(ws, "四、数据覆盖（各县、乡镇每类数据的所属期或日期范围、行数）",
                ["数据类型", "县（市、区）", "乡镇（街道）", "起始所属期", "截止所属期", "月数", "起始日期", "截止日期",
                 "日期列", "行数"],
                [[c["kind_zh"], _place(c, "county"), _place(c, "township"), _month(c["first_month"]),
                  _month(c["last_month"]), c["months"], _day(c["first_date"]), _day(c["last_date"]),
                  label(c["date_column"]) if c["date_column"] else None, c["rows"] or "无数据"]
                 for c in run.get("coverage") or []])
    rows = []
    for a in accounting:
        a = dict(a, kind=a["kind_zh"], sheet=a["sheet"] or ("(CSV)" if a["format"] == "csv" else a["sheet"]),
                 sheet_status=STATUS_ZH.get(a["sheet_status"] or a["file_status"], a["sheet_status"]),
                 reason=a["sheet_reason"] or a["file_reason"])
        rows.append([a.get(c) for c, _ in QUALITY_COLUMNS])
    n += _block(ws, "五、每个文件的行数核对（读入 = 入库 + 隔离 + 结构行）", [h for _, h in QUALITY_COLUMNS], rows, mask)
    reasons = con.execute("""
        select q.reason, any_value(rc.text_zh), count(distinct (q.file_id, q.sheet, q.row_no))
        from quarantine q left join reason_codes rc on rc.code = q.reason group by q.reason order by 3 desc, 1""").fetchall()
    n += _block(ws, "六、隔离原因汇总（逐行明细见 quarantine.csv）", ["原因代码", "说明", "行数"], [list(r) for r in reasons])
    n += _block(ws, "七、警告（数据已入库，但有一处需要知道；每类列出前几处）",
                ["代码", "说明", "数量", "单位", "文件", "工作表", "行号", "列", "详情"],
                [[*([w["code"], w["meaning"], w["count"], w["unit"]] if i == 0 else [None] * 4),
                  e.get("file"), e.get("sheet"), e.get("row"), e.get("column"), e.get("detail")]
                 for w in run.get("warnings") or [] for i, e in enumerate(w["examples"] or [{}])], mask)
    warnings = (run.get("validation") or {}).get("warnings", [])
    n += _block(ws, "八、数据校验（Great Expectations）未通过的检查", ["数据表", "检查内容", "不符行数", "处理", "隔离原因代码"],
                [[w["table"], w["description"], w["unexpected_count"], ACTION_ZH.get(w["action"], w["action"]),
                  w.get("reason")] for w in warnings], mask)
    totals = run.get("total_checks") or []
    n += _block(ws, "九、合计/小计行核对（表中所列合计与明细行之和不符的须核实）",
                ["文件", "工作表", "行号", "合计行", "金额列", "表列合计", "本段明细之和", "以上全部明细之和", "一致"],
                [[t["file"], t["sheet"], t["row_no"], t["label"], t["column_header"], _num(t["stated_yuan"]),
                  _num(t["segment_sum_yuan"]), _num(t["sum_above_yuan"]), t["matches"]]
                 for t in sorted(totals, key=lambda t: (t["matches"], t["file"], t["sheet"] or "", t["row_no"]))], mask)
    _print_area(ws, len(QUALITY_COLUMNS), n)


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


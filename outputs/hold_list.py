"""What a screening writes: 暂缓发放清单_<date>.xlsx (the rows to hold, with their reasons) and screen.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from .tables import atomic_path
from .workbook import HEADER_FILL, HEADER_FONT, _page_setup, cell_value

COLUMNS = [("row_no", "原表行号", 9), ("name", "姓名", 10), ("id_number", "身份证号", 21), ("programme", "项目", 18),
           ("entitlement_month", "所属期", 10), ("amount_yuan", "金额（元）", 11), ("check_names", "暂缓原因", 14),
           ("reasons", "具体情况", 70)]


def write(result, out: Path, as_of: dt.date) -> dict:
    """Write the workbook and screen.json into `out`; return the summary (also printed by the CLI)."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {"list": result.list_file, "rows": result.rows, "held": len(result.held), "by_check": result.by_check,
               "unreadable": result.unreadable, "as_of": as_of.isoformat(),
               "workbook": f"暂缓发放清单_{as_of.isoformat()}.xlsx", "out": str(out),
               "warehouse_run": getattr(result, "snapshot", None)}     # the run whose published data was read
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("暂缓发放")
    _page_setup(ws)
    ws.freeze_panes = "A4"
    for col, (_, _, width) in zip("ABCDEFGH", COLUMNS):
        ws.column_dimensions[col].width = width
    title = WriteOnlyCell(ws, value=cell_value(f"拟发放名单“{result.list_file}”筛查结果（{as_of.isoformat()}）"))
    title.font = Font(bold=True, size=13)
    ws.append([title])
    ws.append([cell_value(result.unreadable) or f"共 {result.rows} 行，应暂缓发放 {len(result.held)} 行（见下表）；其余各行未发现问题。"])
    header = []
    for _, text, _ in COLUMNS:
        c = WriteOnlyCell(ws, value=text)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        header.append(c)
    ws.append(header)
    for h in result.held:
        row = []
        for col, _, _ in COLUMNS:
            v = h.get(col)
            c = WriteOnlyCell(ws, value=cell_value(v))       # text without control characters or formulas
            if col == "id_number":
                c.data_type, c.number_format = "s", "@"
            elif col == "entitlement_month" and v is not None:
                c.number_format = "yyyy-mm"
            elif col == "amount_yuan" and v is not None:
                c.value, c.number_format = float(v), "#,##0.00"
            elif col == "reasons":
                c.alignment = Alignment(wrap_text=True, vertical="top")
            row.append(c)
        ws.append(row)
    ws.auto_filter.ref = f"A3:H{len(result.held) + 3}"
    ws.print_title_rows = "3:3"
    with atomic_path(out / summary["workbook"]) as tmp:
        wb.save(tmp)
    with atomic_path(out / "screen.json") as tmp:
        tmp.write_text(json.dumps(dict(summary, held_rows=result.held), ensure_ascii=False, indent=1, default=str),
                       encoding="utf-8")
    return summary


HELD_IN_ARTIFACT = 200     # rows shown on the screening's page in the console; the workbook has them all


def held_markdown(result, summary: dict) -> str:
    """The held rows as a Markdown table (the screening's artifact in the console): who, what, why. Cell text
    is cleaned of control characters and of the characters that would break the table."""
    def cell(v) -> str:
        text = "" if v is None else str(cell_value(v))
        return " ".join(text.replace("|", "｜").split())
    lines = [f"# 发放前筛查：{cell(result.list_file)}", "",
             summary.get("unreadable") and f"名单无法筛查：{cell(summary['unreadable'])}"
             or f"共 {result.rows} 行，应暂缓发放 **{len(result.held)}** 行；"
                f"清单：{cell(summary['workbook'])}（{cell(summary['out'])}）", ""]
    if result.held:
        lines += ["| " + " | ".join(text for _, text, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(cell(h.get(col)) for col, _, _ in COLUMNS) + " |" for h in result.held[:HELD_IN_ARTIFACT]]
        if len(result.held) > HELD_IN_ARTIFACT:
            lines += ["", f"（另有 {len(result.held) - HELD_IN_ARTIFACT} 行见清单）"]
    return "\n".join(lines)

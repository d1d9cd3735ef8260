"""`qingfeng inspect` on the terminal: a Chinese, readable preview of what a run would make of each sheet."""

from __future__ import annotations

import re

STATUS_ZH = {"loaded": "可入库", "empty": "空表", "unrecognised": "无法识别", "ambiguous": "类型无法确定",
             "unreadable": "无法读取", "partly": "部分可入库"}
BY_ZH = {"header": "按表头", "content": "按内容", "mapping file": "按映射文件", None: "未对应"}
# Control characters a terminal acts on (ESC starts colour, cursor and title sequences; C1 0x9b is CSI): a
# cell or a file name must not rewrite the screen. Tab and newline stay.
TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render(report: list[dict]) -> str:
    out: list[str] = []
    for f in report:
        out.append(f"■ {f['file']}  [{STATUS_ZH.get(f['status'], f['status'])}]" + (f"  {f['reason']}" if f["reason"] else ""))
        for s in f["sheets"]:
            out.extend(_sheet(s))
        out.append("")
    return TERMINAL_UNSAFE.sub("", "\n".join(out))


def _sheet(s: dict) -> list[str]:
    name = s["sheet"] or "（CSV）"
    lines = [f"  工作表 {name}：{STATUS_ZH.get(s['status'], s['status'])}"]
    if s.get("kind_zh"):
        margin = "无其他候选" if s["margin"] is None else f"领先第二名 {s['margin']:.1f} 分"
        lines[0] += f" → {s['kind_zh']}（{s['kind']}），表头在第 {s['header_row']} 行，{margin}"
        if s.get("mapping_file"):
            lines[0] += f"，{s['mapping_file']}"
    if s["reason"]:
        lines.append(f"    原因：{s['reason']}")
    for c in s["candidates"][:2]:
        if s["status"] != "loaded":
            lines.append(f"    候选 {c['name_zh']}（{c['kind']}）{c['score']:.1f} 分："
                         + "；".join(c["decided_by"][:6]) + ("；问题：" + "；".join(c["problems"]) if c["problems"] else ""))
    if s["columns"]:
        lines.append("    列对应：")
        for c in s["columns"]:
            target = c["maps_to"] or "—"
            lines.append(f"      {_col(c['column'])} {c['header'] or '（空）'} → {target}（{BY_ZH.get(c['by'], c['by'])}）")
    if s["rows"]:
        lines.append(f"    读入后的前 {len(s['rows'])} 行：")
        keys = list(s["rows"][0])
        lines.append("      " + " | ".join(keys))
        for r in s["rows"]:
            lines.append("      " + " | ".join("" if r[k] is None else str(r[k]) for k in keys))
    if s["quarantine"]:
        lines.append("    将被隔离的行：")
        for q in s["quarantine"]:
            rows = "、".join(map(str, q["first_rows"]))
            lines.append(f"      {q['reason_zh']}（{q['reason']}，列 {q['column'] or '—'}）：{q['rows']} 行，如第 {rows} 行")
    elif s["status"] == "loaded":
        lines.append("    没有会被隔离的行（不含入库后的数据校验）")
    return lines


def _col(j: int) -> str:
    out, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out + "列"

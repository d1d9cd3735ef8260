"""Runs on the terminal, in Chinese: `qingfeng runs` (the runs index as a table, times in Beijing time), the
summary `qingfeng run` prints when a run completes, and which run's data a reader used."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from sources.inbox import STATUS_ZH as SKIPPED_ZH

from .cells import STATUS_ZH

RUN_STATUS_ZH = {"completed": "完成", "failed": "失败", "blocked": "校验未通过", "refused": "已拒绝（未开始）",
                 "skipped": "已跳过", "cancelled": "已取消", "running": "运行中", "interrupted": "中断"}
INTERRUPTED = "运行中断：没有结束记录（进程被强制结束、断电或内存不足被系统终止）；它留下的快照由下一次运行清理"


def with_state_now(runs: list[dict], holder: dict | None, shown_run: dict | None) -> list[dict]:
    """The runs of the index as they stand now: the run holding the warehouse as 运行中 (listed first when its
    line is not among them), a run that started and never ended otherwise as 中断, and which is published."""
    if holder and holder.get("run_id") and not any(r["run_id"] == holder["run_id"] for r in runs):
        runs.insert(0, {"run_id": holder["run_id"], "status": "running", "started_at": holder.get("started_at")})
    for r in runs:      # started, never ended, and not the run holding the warehouse: killed outright
        if r["status"] == "running" and not (holder and holder.get("run_id") == r["run_id"]):
            r["status"] = "interrupted"
            r["reason"] = INTERRUPTED
    for r in runs:
        r["published"] = bool(shown_run) and r["run_id"] == shown_run["run_id"]
    return runs


def beijing(stamp: str | None, zone: str) -> str | None:
    """A run's time (this machine's local time, as recorded) in the schedule's zone, Asia/Shanghai."""
    if not stamp:
        return stamp
    try:
        return dt.datetime.fromisoformat(stamp).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def runs_table(runs: list[dict], shown_run: dict | None, zone: str) -> list[str]:
    """The lines `qingfeng runs` prints: the published run, a header, one tab-separated line per run."""
    if not runs:
        return ["还没有运行记录"]
    lines = []
    if shown_run:
        lines.append(f"已发布（筛查和反馈导入使用）：运行 {shown_run['run_id']}，数据截止 {shown_run.get('as_of')}")
    lines.append("运行编号\t状态\t开始（北京时间）\t结束（北京时间）\t数据截止\t读入行数\t线索\t提示\t参数\t原因\t输出目录")
    for r in runs:
        params = {k: v for k, v in (r.get("parameters") or {}).items() if v not in (None, [], False, "")}
        status = RUN_STATUS_ZH.get(r["status"], r["status"]) + ("（已发布）" if r["published"] else "")
        shown = [r["run_id"], status, beijing(r.get("started_at"), zone), beijing(r.get("finished_at"), zone),
                 r.get("as_of"), r.get("rows"), r.get("cases"), r.get("alerts"),
                 json.dumps(params, ensure_ascii=False) if params else "", r.get("reason"), r.get("out")]
        lines.append("\t".join("" if v is None else str(v).replace("\t", " ").replace("\n", " ") for v in shown))
    return lines


def used_run(run: dict | None) -> str:
    """Which run's published data a reader used (screen, feedback import)."""
    if not run:
        return "依据的数据仓库没有记录运行编号（尚无完成的运行）"
    return (f"依据运行 {run['run_id']} 发布的数据（数据截止 {run.get('as_of') or '?'}，"
            f"{run.get('finished_at') or '?'} 完成）/ data of run {run['run_id']}")


def run_summary(info: dict) -> list[str]:
    """A completed run's lines: alerts first, then the row accounting, then each rule: its cases, or where it
    was not checked."""
    rows = info["rows"]
    lines = [f"\n运行 {info['run_id']} 完成，输出目录：{info['out']}"]
    alerts = info.get("alerts", [])
    if alerts:
        lines.append(f"！！ 警报 {len(alerts)} 条（详见线索清单“数据质量”表）：")
        lines += [f"！！ [{a['type_zh']}] {a['message']}" for a in alerts]
    lines.append(f"行数：读入 {rows['read']} = 入库 {rows['loaded']} + 隔离 {rows['quarantined']} + 结构行 "
                 f"{rows['structural']}  → {'核对一致' if rows['reconciles'] else '核对不一致！'}")
    for u in info["unrecognised"]:
        status = (STATUS_ZH | SKIPPED_ZH).get(u["status"], u["status"])
        lines.append(f"未使用：{u['file']} {u['sheet'] or ''} [{status}] {u['reason']}")
    lines += [f"警告：{w['meaning']}：{w['count']} {w['unit']}" for w in info.get("warnings", [])]
    checks = {c["rule"]: c for c in info.get("rule_checks", [])}
    for rule_id, n in info["cases_per_rule"].items():
        lines.append(_rule_line(rule_id, n, info.get("cases_by_status", {}).get(rule_id, {}), checks.get(rule_id)))
    lines += [f"线索清单：{path}" for path in info.get("workbooks", [])]
    return lines


def _rule_line(rule_id: str, n: int, by_status: dict, check: dict | None) -> str:
    """R04: 2 条线索（新增 2）; R03: 2 条线索（新增 2；常山县 2）；未检查（江山市：缺少 户籍）; R11: 未检查（…）."""
    if check and check["status"] == "unchecked" and not n:
        return f"{rule_id}: 未检查（{check['unchecked']}）"
    detail = ["，".join(f"{s} {k}" for s, k in by_status.items())] if by_status else []
    if check and check["status"] != "checked":
        detail.append("，".join(f"{e['county']} {e['cases']}" for e in check["counties"] if e["checked"]))
    line = f"{rule_id}: {n} 条线索" + (f"（{'；'.join(d for d in detail if d)}）" if any(detail) else "")
    if check and check["status"] != "checked":
        line += f"；未检查（{check['unchecked']}）"
    return line

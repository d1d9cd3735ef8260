"""run.json: what ran, on which files, what came of every row, the cases per rule and the timings."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .tables import atomic_path


def file_records(con, accounting: list[dict]) -> list[dict]:
    files = {}
    for row in con.execute("select file_id, file_name, sha256, size_bytes, format, encoding, status, reason "
                           "from source_files order by file_name").fetchall():
        fid, name, sha, size, fmt, enc, status, reason = row
        files[fid] = {"file": name, "sha256": sha, "size_bytes": size, "format": fmt, "encoding": enc,
                      "status": status, "reason": reason, "sheets": [],
                      "read": 0, "loaded": 0, "quarantined": 0, "structural": 0}
    for a in accounting:
        f = files[a["file_id"]]
        if a["sheet"] is None:
            continue
        f["sheets"].append({
            "sheet": a["sheet"], "kind": a["kind"], "source": a["variant"], "status": a["sheet_status"],
            "reason": a["sheet_reason"], "header_row": a["header_row"], "read": a["rows_read"],
            "loaded": a["rows_loaded"], "quarantined": a["rows_quarantined"], "structural": a["rows_structural"],
            "reconciles": a["reconciles"]})
        for k in ("read", "loaded", "quarantined", "structural"):
            f[k] += a[f"rows_{k}"]
    for f in files.values():
        f["reconciles"] = f["read"] == f["loaded"] + f["quarantined"] + f["structural"] and all(
            s["reconciles"] for s in f["sheets"])
    return list(files.values())


def write_run_json(path: Path, info: dict) -> None:
    """run.json, written last: its presence says the run completed."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def append_to_index(index: Path, info: dict) -> None:
    """One line per run in data/runs/index.jsonl, what `qingfeng runs` lists: appended by a single write, so
    a killed process leaves a whole line or none."""
    index.parent.mkdir(parents=True, exist_ok=True)
    line = {k: info.get(k) for k in ("run_id", "started_at", "finished_at", "as_of", "inbox", "out")}
    line["cases"] = sum(info.get("cases_per_rule", {}).values())
    line["rules"] = info.get("parameters", {}).get("rules")
    line["rows"] = info.get("rows", {}).get("read")
    line["reconciles"] = info.get("rows", {}).get("reconciles")
    fd = os.open(index, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        cut = size > 0 and os.pread(fd, 1, size - 1) != b"\n"      # a line cut short stays on its own
        os.write(fd, ("\n" if cut else "").encode() + (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def recent_runs(index: Path, n: int = 20) -> list[dict]:
    """The last `n` runs, newest first (a line that is not JSON, e.g. cut short by a full disk, is skipped)."""
    if not index.exists():
        return []
    runs = []
    for line in index.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except ValueError:
            continue
    return runs[-n:][::-1]


def summary_markdown(info: dict) -> str:
    """The run's summary table in Markdown (the Prefect artifact)."""
    rows = info["rows"]
    lines = [f"# 清风运行 {info['run_id']}", "",
             f"数据截止 {info['as_of']}；读入 {rows['read']} 行 = 入库 {rows['loaded']} + 隔离 {rows['quarantined']} + "
             f"结构行 {rows['structural']}（{'核对一致' if rows['reconciles'] else '核对不一致'}）", "",
             "| 规则 | 线索 | 新增 | 未结 | 重新出现 | 已消失 |", "|---|---:|---:|---:|---:|---:|"]
    for rule_id, n in info.get("cases_per_rule", {}).items():
        st = info.get("cases_by_status", {}).get(rule_id, {})
        lines.append(f"| {rule_id} | {n} | {st.get('新增', 0)} | {st.get('未结', 0)} | {st.get('重新出现', 0)} | "
                     f"{st.get('已消失', 0)} |")
    if info.get("unrecognised"):
        lines += ["", "未能使用的文件：" + "；".join(f"{u['file']} {u['sheet'] or ''}（{u['reason']}）"
                                          for u in info["unrecognised"])]
    lines += ["", f"输出目录：{info['out']}"]
    return "\n".join(lines)

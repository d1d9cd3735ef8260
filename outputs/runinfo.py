"""run.json: what ran, on which files, what came of every row, the cases per rule and the timings."""

from __future__ import annotations

import json
from pathlib import Path


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
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)

"""run.json: what ran, on which files, what came of every row, the cases per rule and the timings."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .cells import STATUS_ZH
from .tables import atomic_path


def file_records(con, accounting: list[dict]) -> list[dict]:
    files = {}
    for row in con.execute("select file_id, file_name, sha256, size_bytes, format, encoding, status, reason, "
                           "skip_code from source_files order by file_name").fetchall():
        fid, name, sha, size, fmt, enc, status, reason, skip_code = row
        files[fid] = {"file": name, "sha256": sha, "size_bytes": size, "format": fmt, "encoding": enc,
                      "status": status, "reason": reason, "skip_code": skip_code, "sheets": [],
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


def run_record(run_id: str, status: str, deployment: str | None, started_at: str, as_of: str | None,
               inbox: str | None, out: str | None, parameters: dict, finished_at: str | None = None,
               reason: str | None = None) -> dict:
    """The keys every record of a run starts with, whatever its end (running, completed, refused, failed…):
    the runs index's line and run.json are built on it."""
    record = {"run_id": run_id, "status": status, "deployment": deployment, "started_at": started_at,
              "finished_at": finished_at, "as_of": as_of, "inbox": inbox, "out": out, "parameters": parameters}
    if reason is not None:
        record["reason"] = reason
    return record


def unusable(files: list[dict]) -> list[dict]:
    """The files and sheets not loaded (unrecognised, ambiguous, unreadable…), each with its reason."""
    return ([{"file": f["file"], "sheet": s["sheet"], "status": s["status"], "reason": s["reason"]}
             for f in files for s in f["sheets"] if s["status"] != "loaded"]
            + [{"file": f["file"], "sheet": None, "status": f["status"], "reason": f["reason"]}
               for f in files if not f["sheets"]])


def skipped(con) -> list[dict]:
    """The inbox entries not read, each with what it is, why (a code of sources/load.py SKIP_CODES) and the
    reason for people."""
    cur = con.execute("select file_name as file, format as entry, status, skip_code as code, reason "
                      "from source_files where status in ('skipped', 'duplicate') order by file_name")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def quarantine_by_reason(con) -> dict[str, int]:
    return dict(con.execute("select reason, count(*) from quarantine group by reason order by reason").fetchall())


def duckdb_settings(con) -> dict:
    return dict(zip(("threads", "memory_limit"), con.execute(
        "select current_setting('threads'), current_setting('memory_limit')").fetchone()))


def validation_summary(report: dict) -> dict:
    keep = ("table", "expectation", "columns", "description", "action", "unexpected_count", "quarantined", "reason")
    return {"blocked": report["blocked"], "seconds": report["seconds"], "data_docs": report["data_docs"],
            "expectations": len(report["expectations"]),
            "warnings": [{k: w.get(k) for k in keep} for w in report["warnings"]]}


def write_run_json(path: Path, info: dict) -> None:
    """run.json, written last: its presence says the run completed."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def append_to_index(index: Path, info: dict) -> None:
    """One line per run in data/runs/index.jsonl, what `qingfeng runs` lists: appended by a single write, so
    a killed process leaves a whole line or none."""
    index.parent.mkdir(parents=True, exist_ok=True)
    line = {k: info.get(k) for k in ("run_id", "status", "deployment", "started_at", "finished_at", "as_of", "inbox",
                                     "out", "reason", "parameters")}
    line["cases"] = sum(info.get("cases_per_rule", {}).values()) if "cases_per_rule" in info else None
    line["rules"] = (info.get("parameters") or {}).get("rules")
    line["rows"] = (info.get("rows") or {}).get("read")
    line["reconciles"] = (info.get("rows") or {}).get("reconciles")
    line["alerts"] = len(info.get("alerts") or []) if "alerts" in info else None
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
    runs: dict[str, dict] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        try:
            run = json.loads(line)
        except ValueError:
            continue
        run.setdefault("status", "completed")    # (lines written before runs had a status)
        # a run's "running" line, written when it starts, is replaced by the line of its end (if it had one)
        runs.pop(run.get("run_id"), None)
        runs[run.get("run_id")] = run
    return list(runs.values())[-n:][::-1]


LEDGER_KINDS = ("payments",)        # the monthly payment ledgers (发放明细): their newest month is 数据截止


def last_ledger_month(coverage: list[dict]):
    """数据截止（最后台账月份）: the newest entitlement month of the payment ledgers (a date or its text, as
    the coverage holds it), None when there are none."""
    months = [str(c["last_month"])[:10] for c in coverage if c["kind"] in LEDGER_KINDS and c["last_month"]]
    return max(months, default=None)


AS_OF_FROM_ZH = {"given": "运行时指定", "ledgers": "默认：最后台账月份的月末", "today": "默认：运行当天（收件目录中没有发放台账）"}


def dates_zh(info: dict) -> list[tuple[str, str]]:
    """The run's dates, each label saying what it is: 核查基准日 (what the rules compare against: --as-of) and
    数据截止（最后台账月份）."""
    last = last_ledger_month(info.get("coverage") or [])
    how = AS_OF_FROM_ZH.get(info.get("as_of_from") or "given", "")
    return [("核查基准日", f"{info['as_of']}（{how}）" if how else str(info["as_of"])),
            ("数据截止（最后台账月份）", f"{last[:4]}年{int(last[5:7])}月" if last else "无发放台账")]


def summary_markdown(info: dict) -> str:
    """The run's summary table in Markdown (the Prefect artifact)."""
    rows = info["rows"]
    alerts = info.get("alerts") or []
    lines = [f"# 清风运行 {info['run_id']}", ""]
    if alerts:
        lines += [f"**警报 {len(alerts)} 条**", "", *(f"- [{a['type_zh']}] {a['message']}" for a in alerts), ""]
    lines += [
             "；".join(f"{k} {v}" for k, v in dates_zh(info))
             + f"；读入 {rows['read']} 行 = 入库 {rows['loaded']} + 隔离 {rows['quarantined']} + "
             f"结构行 {rows['structural']}（{'核对一致' if rows['reconciles'] else '核对不一致'}）", "",
             "| 规则 | 线索 | 新增 | 未结 | 重新出现 | 已消失 | 未检查 |", "|---|---:|---:|---:|---:|---:|---|"]
    checks = {c["rule"]: c for c in info.get("rule_checks") or []}
    for rule_id, n in info.get("cases_per_rule", {}).items():
        st = info.get("cases_by_status", {}).get(rule_id, {})
        check = checks.get(rule_id) or {}
        shown = "未检查" if check.get("status") == "unchecked" and not n else n
        lines.append(f"| {rule_id} | {shown} | {st.get('新增', 0)} | {st.get('未结', 0)} | {st.get('重新出现', 0)} | "
                     f"{st.get('已消失', 0)} | {check.get('unchecked') or ''} |")
    counties = sorted({e["county"] for c in checks.values() for e in c.get("counties") or []})
    if len(counties) > 1:            # the cases of each rule by county (未检查 where the county lacked its inputs)
        lines += ["", "| 规则 | " + " | ".join(counties) + " |", "|---|" + "---:|" * len(counties)]
        for rule_id, c in checks.items():
            by = {e["county"]: (e["cases"] if e["checked"] else "未检查") for e in c.get("counties") or []}
            lines.append(f"| {rule_id} | " + " | ".join(str(by.get(k, "")) for k in counties) + " |")
    needs = info.get("needs_data") or {}
    if needs.get("count"):
        lines += ["", f"待补数据 {needs['count']} 条（规则缺少所需的值而无法判断，见数据质量表、needs_data.csv）："
                  + "；".join(f"{r} {n} 条" for r, n in needs["by_rule"].items())]
    if info.get("unrecognised"):
        lines += ["", "未能使用的文件：" + "；".join(f"{u['file']} {u['sheet'] or ''}（{u['reason']}）"
                                          for u in info["unrecognised"])]
    books = info.get("workbooks") or []
    if books:                        # links to the workbooks on the server (open them from its file share)
        out = Path(info["out"]).absolute()
        lines += ["", "线索清单：", *(f"- [{b}]({(out / b).as_uri()})" for b in books)]
    lines += ["", f"输出目录：{info['out']}"]
    return "\n".join(lines)


# --- 待补数据: what the rules could not decide for want of a value --------------------------------------

NEEDS_ROWS_IN_JSON = 1000     # run.json lists this many rows; needs_data.csv and 数据质量 list them all


def needs_data(con) -> dict:
    """The rows the rules could not decide (table needs_data, rules/catalog.py): how many per rule and
    per missing value, and the first rows with file, sheet and row."""
    cur = con.execute("select * from needs_data order by rule_id, source_file, sheet, row_no")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchmany(NEEDS_ROWS_IN_JSON)]
    by_rule = dict(con.execute("select rule_id, count(*) from needs_data group by all order by 1").fetchall())
    by_missing = [{"rule": r, "missing": m, "rows": n} for r, m, n in con.execute(
        "select rule_id, missing, count(*) from needs_data group by all order by 1, 3 desc, 2").fetchall()]
    return {"count": sum(by_rule.values()), "by_rule": by_rule, "by_missing": by_missing, "rows": rows,
            "rows_listed": len(rows)}


# --- alerts: what must not pass unnoticed --------------------------------------------------------------------

OK_STATUSES = ("loaded", "empty")
QUIET_SKIPS = ("LOCK_FILE", "HIDDEN")    # listed in run.json and on 数据质量, but no alert: expected in any folder
QUARANTINE_ALERT_SHARE = 0.2      # a file with this share of its records quarantined or more is an alert
ALERT_TYPE_ZH = {"file_unusable": "文件未能使用", "sheet_unusable": "工作表未能使用",
                 "quarantine_share": "隔离比例过高", "input_missing": "规则缺少数据"}
SEVERITY_ORDER = {"high": 0, "medium": 1}


def _alert(type_: str, severity: str, message: str, **fields) -> dict:
    base = {"type": type_, "type_zh": ALERT_TYPE_ZH[type_], "severity": severity, "message": message,
            "file": None, "sheet": None, "county": None, "kind": None, "rule": None}
    return {**base, **fields}


def alerts(con, files: list[dict], rule_checks: list[dict]) -> list[dict]:
    """Every file or sheet not loaded (any status but loaded or empty), every file with 20 % or more of its
    records quarantined, every kind a rule needs that a county (or the run's months) lacks."""
    out = []
    for f in files:
        raised = False
        for s in f["sheets"]:
            if s["status"] not in OK_STATUSES:
                raised = True
                st = STATUS_ZH.get(s["status"], s["status"])
                out.append(_alert("sheet_unusable", "high",
                                  f"文件“{f['file']}”的工作表“{s['sheet']}”{st}，其中 {s['read']} 行未使用：{s['reason'] or ''}",
                                  file=f["file"], sheet=s["sheet"], kind=s["kind"], status=s["status"],
                                  reason=s["reason"], rows=s["read"]))
        if f.get("skip_code") in QUIET_SKIPS:
            continue
        if f["status"] not in OK_STATUSES and not raised:
            st = STATUS_ZH.get(f["status"], f["status"])
            # a link out of the inbox is refused for safety: high; other entries not read and duplicates: medium
            severity = ("medium" if f["status"] == "partly" or (f["status"] in ("skipped", "duplicate")
                                                               and f.get("skip_code") != "LINK_OUTSIDE") else "high")
            out.append(_alert("file_unusable", severity,
                              f"文件“{f['file']}”{st}：{f['reason'] or ''}", file=f["file"], status=f["status"],
                              reason=f["reason"], rows=f["read"]))
    reasons = {}
    for name, reason, text, n in con.execute("""
            select f.file_name, q.reason, any_value(rc.text_zh), count(distinct (q.sheet, q.row_no))
            from quarantine q join source_files f using (file_id) left join reason_codes rc on rc.code = q.reason
            group by all order by 4 desc, 2""").fetchall():
        reasons.setdefault(name, []).append(f"{text or reason} {n} 行")
    for f in files:
        records = f["loaded"] + f["quarantined"]
        if records and f["quarantined"] / records >= QUARANTINE_ALERT_SHARE:
            share = f["quarantined"] / records
            out.append(_alert("quarantine_share", "high" if share >= 0.5 else "medium",
                              f"文件“{f['file']}”的 {records} 行数据中有 {f['quarantined']} 行被隔离（{share:.0%}，"
                              f"达到 {QUARANTINE_ALERT_SHARE:.0%}）：{'；'.join(reasons.get(f['file'], [])[:3])}。"
                              f"请核对原表（逐行明细见 quarantine.csv）",
                              file=f["file"], rows=records, quarantined=f["quarantined"], share=round(share, 4)))
    missing: dict[tuple, dict] = {}
    for check in rule_checks:       # one alert per table and county; a table without counties, one for all
        for e in check["counties"]:
            for m in e.get("missing", []):
                a = missing.setdefault((m["table"], None if m["city_wide"] else e["county"]), {"m": m, "rules": []})
                if check["rule"] not in a["rules"]:
                    a["rules"].append(check["rule"])
    for (table, county), a in missing.items():
        rules, where = a["rules"], county or "全市"
        out.append(_alert("input_missing", "high",
                          f"{where}：缺少 {a['m']['text']}，规则 {'、'.join(rules)} 在{where}未检查",
                          county=county, kind=a["m"]["kind"], kind_zh=a["m"]["kind_zh"], table=table,
                          rule="、".join(rules), rules=rules))
    return sorted(out, key=lambda a: SEVERITY_ORDER.get(a["severity"], 9))


# --- warnings: what a stage noticed and handled --------------------------------------------------------------

WARNING_ZH = {
    "BAD_DATE": "日期无法识别（非必填项）：已按空值入库",
    "BAD_MONTH": "年月无法识别（非必填项）：已按空值入库",
    "BAD_AMOUNT": "金额无法识别（非必填项）：已按空值入库",
    "BAD_INTEGER": "整数（如保障人数）无法识别：已按空值入库",
    "ACCOUNT_PRECISION_LOST": "账号经过数值格式单元格，后几位已丢失：已作废（按空值入库）",
    "ID_INVALID": "身份证号（非必填项，如配偶、父母、干部的号码）无效：已按空值入库",
    "ID_UPGRADED": "15 位旧身份证号已升为 18 位（补世纪和校验位）",
    "ID_RECOVERED": "身份证号经过数值格式单元格丢了末几位，已按户籍（前 14 位和姓名唯一对应）还原",
    "VALUE_FROM_CONTEXT": "表中没有此列：取自标题、工作表名或文件名，整表各行相同",
    "READ_NOTE": "读取时发现并已处理的情况（文件格式、编码、公式等）",
    "GX_WARN": "数据校验（警告级）未通过：行保留",
}
EXAMPLES = 5


def warnings(con, accounting: list[dict], validation: dict | None) -> list[dict]:
    """Every warning of the run by code: its meaning, how many rows (or sheets) and the first few places."""
    from cases.labels import label
    from sources.declarations import kinds

    found: dict[str, dict] = {}

    def add(code: str, meaning: str, count: int, unit: str, examples: list[dict]) -> None:
        if count:
            w = found.setdefault(code, {"code": code, "meaning": meaning, "count": 0, "unit": unit, "examples": []})
            w["count"] += count
            w["examples"] = (w["examples"] + examples)[:EXAMPLES]

    parts = []
    for k in kinds():
        cols = {r[0] for r in con.execute(f"describe {k.table}").fetchall()}
        parts.append(f"select unnest(string_split(warnings, ',')) as w, source_file, sheet, row_no "
                     f"from {k.table} where warnings is not null")
        for flag, code in (("id_number_upgraded", "ID_UPGRADED"), ("id_number_recovered", "ID_RECOVERED")):
            if flag in cols:
                parts.append(f"select '{code}:id_number', source_file, sheet, row_no from {k.table} where {flag}")
    rows = con.execute(f"""
        with w as ({' union all '.join(parts)}),
        ranked as (select *, row_number() over (partition by w order by source_file, sheet, row_no) as i from w)
        select w, count(*), list({{'file': source_file, 'sheet': sheet, 'row': row_no}} order by i)
                               filter (where i <= {EXAMPLES})
        from ranked group by w order by 1""").fetchall()
    for w, n, ex in rows:
        code, _, column = w.partition(":")
        add(f"{code}:{column}" if column else code,
            f"{WARNING_ZH.get(code, code)}（列：{label(column)}）" if column else WARNING_ZH.get(code, code), n, "行",
            [dict(e, column=label(column)) for e in ex])
    by_kind = {k.kind: k for k in kinds()}
    for a in accounting:
        if a["sheet_status"] == "loaded":
            k, (mapped, hints) = by_kind[a["kind"]], _sheet_columns(con, a["file_id"], a["sheet"])
            for c in k.columns.values():
                if c.hint_key and hints.get(c.hint_key) and c.name not in mapped:
                    add(f"VALUE_FROM_CONTEXT:{c.name}", f"{WARNING_ZH['VALUE_FROM_CONTEXT']}（列：{label(c.name)}）",
                        a["rows_loaded"] + a["rows_quarantined"], "行",
                        [{"file": a["file_name"], "sheet": a["sheet"], "row": None, "column": label(c.name),
                          "detail": f"取值“{hints[c.hint_key]}”"}])
        note = a["sheet_reason"] if a["sheet_status"] == "loaded" else None
        if note:
            add("READ_NOTE", WARNING_ZH["READ_NOTE"], 1, "处",
                [{"file": a["file_name"], "sheet": a["sheet"], "row": None, "detail": note}])
    files = {a["file_id"]: a["file_name"] for a in accounting}
    noted = {}
    for a in accounting:
        if a["file_status"] == "loaded" and a["file_reason"] and a["file_id"] not in noted:
            noted[a["file_id"]] = True
            add("READ_NOTE", WARNING_ZH["READ_NOTE"], 1, "处",
                [{"file": a["file_name"], "sheet": None, "row": None, "detail": a["file_reason"]}])
    for e in (validation or {}).get("warnings", []):
        if e["action"] == "warn":
            add(f"GX_WARN:{e['table']}.{','.join(e['columns'])}", f"{WARNING_ZH['GX_WARN']}：{e['description']}",
                e["unexpected_count"], "行",
                [{"file": files.get(x.get("file_id")), "sheet": x.get("sheet"), "row": x.get("row_no")}
                 for x in e.get("examples", [])])
    return sorted(found.values(), key=lambda w: (-w["count"], w["code"]))


def _sheet_columns(con, file_id: int, sheet: str) -> tuple[set[str], dict]:
    mapping, hints = con.execute("select mapping, hints from source_sheets where file_id = ? and sheet = ?",
                                 [file_id, sheet]).fetchone()
    return set(json.loads(mapping or "{}")), json.loads(hints or "{}")

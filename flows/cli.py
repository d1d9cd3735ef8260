"""The `qingfeng` command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from . import settings


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"需要 YYYY-MM-DD 格式的日期，收到 {text!r}") from None


def _rule_list(text: str) -> list[str]:
    return [r.strip().upper() for r in text.split(",") if r.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qingfeng", description="清风：补贴数据夜间比对")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly reconciliation flow once, in-process (no Prefect server)")
    run.add_argument("--inbox", default=str(settings.get("inbox")), help="folder of department files (%(default)s)")
    run.add_argument("--out", default=None, help="output folder (default: data/runs/<run id>/)")
    run.add_argument("--as-of", type=_date, default=None, help="reference date YYYY-MM-DD (default: today)")
    run.add_argument("--rules", type=_rule_list, default=None, help="comma-separated rule ids (default: all)")
    run.add_argument("--warehouse", default=None, help="DuckDB file (default: data/warehouse.duckdb)")
    run.add_argument("--split-by", choices=["county", "township"], default=None,
                     help="also write one workbook per county or township (in 按县/ or 按乡镇/)")
    run.add_argument("--mask", action="store_true",
                     help="mask ID and account numbers in the workbooks (330822********123X), for wider distribution")

    fb = sub.add_parser("feedback", help="read investigators' filled-in workbooks back into the case ledger")
    fb_sub = fb.add_subparsers(dest="feedback_command", required=True)
    imp = fb_sub.add_parser("import", help="import the 核查反馈 columns of one or more returned workbooks")
    imp.add_argument("files", nargs="+", help="returned workbooks (.xlsx), any number, any split")
    imp.add_argument("--warehouse", default=None, help="DuckDB file (default: data/warehouse.duckdb)")

    rules = sub.add_parser("rules", help="list the rule catalogue, or show one rule")
    rules_sub = rules.add_subparsers(dest="rules_command")
    show = rules_sub.add_parser("show", help="print a rule's header and SQL")
    show.add_argument("rule_id")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from .nightly import nightly_reconciliation

        info = nightly_reconciliation(inbox=args.inbox, out=args.out, as_of=args.as_of, rules=args.rules,
                                      warehouse_path=args.warehouse, split_by=args.split_by, mask=args.mask)
        _print_summary(info)
        return 0
    if args.command == "rules":
        return _rules(args)
    if args.command == "feedback":
        return _feedback_import(args)
    return 2


def _print_summary(info: dict) -> None:
    rows = info["rows"]
    print(f"\n运行 {info['run_id']} 完成，输出目录：{info['out']}")
    print(f"行数：读入 {rows['read']} = 入库 {rows['loaded']} + 隔离 {rows['quarantined']} + 结构行 {rows['structural']}"
          f"  → {'核对一致' if rows['reconciles'] else '核对不一致！'}")
    for u in info["unrecognised"]:
        print(f"未使用：{u['file']} {u['sheet'] or ''} [{u['status']}] {u['reason']}")
    for rule_id, n in info["cases_per_rule"].items():
        by_status = info.get("cases_by_status", {}).get(rule_id, {})
        detail = "，".join(f"{s} {k}" for s, k in by_status.items())
        print(f"{rule_id}: {n} 条线索" + (f"（{detail}）" if detail else ""))
    for path in info.get("workbooks", []):
        print(f"线索清单：{path}")


def _feedback_import(args) -> int:
    """Exit 0 when every filled-in row was imported, 1 when some rows were refused (the others are imported)."""
    from pathlib import Path

    import duckdb

    from outputs import feedback
    from sources import warehouse

    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"找不到文件：{'、'.join(missing)}", file=sys.stderr)
        return 2
    wh = Path(args.warehouse) if args.warehouse else Path(settings.get("warehouse"))
    if not wh.is_file():
        print(f"找不到数据仓库 {wh}：请先运行 qingfeng run（或用 --warehouse / QINGFENG_DATA 指定）", file=sys.stderr)
        return 2
    holder = {"run_id": "feedback import", "started_at": dt.datetime.now().isoformat(timespec="seconds")}
    try:
        with warehouse.writer_lock(wh, holder):
            con = warehouse.connect(wh, settings.get("duckdb_threads"), settings.get("duckdb_memory_limit"))
            try:
                report = feedback.import_files(con, [Path(f) for f in args.files])
            finally:
                con.close()
    except warehouse.WarehouseBusy as e:
        print(str(e), file=sys.stderr)
        return 2
    except duckdb.IOException as e:         # DuckDB's own file lock: a run is writing the warehouse
        print(f"数据仓库 {wh} 正在被其他进程使用，请待运行结束后再导入：{e}", file=sys.stderr)
        return 2
    for p in report.problems:
        print(f"未导入：{p}")
    detail = "，".join(f"{k} {n}" for k, n in sorted(report.by_conclusion.items()))
    print(f"读入 {len(report.files)} 个文件：导入 {report.imported} 条核查反馈" + (f"（{detail}）" if detail else "")
          + f"，其中 {report.closing} 条办结（下次运行起不再列出）；已导入过 {report.already} 条，重复 {report.duplicates} 条；"
          f"有误未导入 {len({(p.file, p.sheet, p.row) for p in report.problems})} 行")
    return 1 if report.problems else 0


def _rules(args) -> int:
    from rules import catalog

    if args.rules_command == "show":
        rule = next((r for r in catalog.catalog() if r.id == args.rule_id.upper()), None)
        if rule is None:
            print(f"没有规则 {args.rule_id}", file=sys.stderr)
            return 2
        print(rule.text)
        return 0
    for r in catalog.catalog():
        print(f"{r.id}\t{r.name_zh}\t{r.severity}\t{r.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
                                      warehouse_path=args.warehouse)
        _print_summary(info)
        return 0
    if args.command == "rules":
        return _rules(args)
    return 2


def _print_summary(info: dict) -> None:
    rows = info["rows"]
    print(f"\n运行 {info['run_id']} 完成，输出目录：{info['out']}")
    print(f"行数：读入 {rows['read']} = 入库 {rows['loaded']} + 隔离 {rows['quarantined']} + 结构行 {rows['structural']}"
          f"  → {'核对一致' if rows['reconciles'] else '核对不一致！'}")
    for u in info["unrecognised"]:
        print(f"未使用：{u['file']} {u['sheet'] or ''} [{u['status']}] {u['reason']}")
    for rule_id, n in info["cases_per_rule"].items():
        print(f"{rule_id}: {n} 条线索")


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

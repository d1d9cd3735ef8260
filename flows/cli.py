"""The `qingfeng` command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import settings
from .cli_zh import ChineseHelp, ChineseParser


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"需要 YYYY-MM-DD 格式的日期，收到 {text!r}") from None


def _rule_list(text: str) -> list[str]:
    from rules import catalog

    ids = [r.strip().upper() for r in text.replace("，", ",").split(",") if r.strip()]
    known = {r.id for r in catalog.catalog()}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"没有规则 {'、'.join(map(repr, unknown))}；已有规则：{','.join(sorted(known))}")
    return ids


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]


def _month(text: str) -> str:
    """YYYY-MM (or a date in it); anything more is refused, not cut off."""
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else text + "-01").isoformat()[:7]
    except ValueError:
        raise argparse.ArgumentTypeError(f"需要 YYYY-MM 格式的所属期，收到 {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    raw = ChineseHelp
    p = ChineseParser(prog="qingfeng", description="清风：补贴数据夜间比对。各命令的说明：qingfeng <命令> --help",
                                epilog="例：\n  qingfeng run\n  qingfeng run --help", formatter_class=raw)
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    run = sub.add_parser(
        "run", help="运行一次夜间比对（在本进程内，无需 Prefect 服务器）", formatter_class=raw,
        description="运行一次夜间比对：读取收件目录中的部门文件，校验，运行规则，写出线索清单（xlsx）、cases.csv、"
                    "quarantine.csv、needs_data.csv 和 run.json。\n退出码：0 完成；2 参数或路径不可用；"
                    "3 数据仓库被占用超过 --wait 秒；4 阻断性校验未通过；5 运行失败。",
        epilog="例：\n"
               "  qingfeng run\n"
               "  qingfeng run --inbox data/sample/inbox --as-of 2021-01-15 --rules R01,R02\n"
               "  qingfeng run --rules R01,R02 --county 330822 --from 2020-01 --to 2020-09\n"
               "  qingfeng run --township 球川镇 --split-by township --mask")
    run.add_argument("--inbox", default=str(settings.get("inbox")), metavar="DIR", help="部门文件所在的收件目录（默认 %(default)s）")
    run.add_argument("--out", default=None, metavar="DIR", help="输出目录（默认 data/runs/<运行编号>/；不能在收件目录内）")
    run.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="核查基准日（默认：发放台账最后所属月份的月末）")
    run.add_argument("--rules", type=_rule_list, default=None, metavar="R01,R02", help="只运行这些规则，逗号分隔，如 R01,R02（默认全部）")
    run.add_argument("--warehouse", default=None, metavar="FILE", help="DuckDB 数据仓库文件（默认 data/warehouse.duckdb）")
    run.add_argument("--split-by", choices=["county", "township"], default=None,
                     help="另按县（county）或乡镇（township）各写一本线索清单（在 按县/ 或 按乡镇/ 下）")
    run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                     help="计算引擎：duckdb（本机，默认）；spark（同一套规则在 Spark 上运行，见 docs/scale.md）")
    run.add_argument("--master", default="local[2]", metavar="URL",
                     help="spark 引擎的地址：local[2]（默认）、spark://主机:7077 或 sc://主机:15002（Spark Connect）")
    run.add_argument("--mask", action="store_true",
                     help="线索清单中的身份证号和账号脱敏（330822********123X），便于扩大分发")
    run.add_argument("--county", type=_list, default=None, dest="counties", metavar="县,…",
                     help="只列出这些县的线索（代码或名称，逗号分隔），如 330822")
    run.add_argument("--township", type=_list, default=None, dest="townships", metavar="乡镇,…",
                     help="只列出这些乡镇的线索（代码或名称，逗号分隔）")
    run.add_argument("--from", type=_month, default=None, dest="month_from", metavar="YYYY-MM", help="起始所属期 YYYY-MM")
    run.add_argument("--to", type=_month, default=None, dest="month_to", metavar="YYYY-MM", help="截止所属期 YYYY-MM")
    run.add_argument("--wait", type=int, default=settings.get("lock_wait_s"), metavar="秒",
                     help="其他运行占用数据仓库时最多等待的秒数（默认 %(default)s）")

    scr = sub.add_parser(
        "screen", help="发放前筛查：拟发放名单中哪些行应暂缓发放，为什么", formatter_class=raw,
        description="发放前筛查：用最近一次完整运行发布的数据仓库核对拟发放名单，写出暂缓发放清单和 screen.json。\n"
                    "退出码：0 无须暂缓；1 有行须暂缓；2 名单或 --out 不可用；3 数据仓库被占用；"
                    "5 筛查失败（名单未经筛查，不得据此发放）。",
        epilog="例：\n  qingfeng screen 2021年1月低保拟发放名单.xlsx --as-of 2021-01-15")
    scr.add_argument("list_file", metavar="LIST", help="拟发放名单（.xlsx、.xls 或 .csv），按实际发放的样子")
    scr.add_argument("--out", default=None, metavar="DIR", help="输出目录（默认 data/screens/<编号>/）")
    scr.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="基准日期 YYYY-MM-DD（默认今天）")
    scr.add_argument("--warehouse", default=None, metavar="FILE", help="DuckDB 数据仓库文件（默认 data/warehouse.duckdb）")

    runs = sub.add_parser("runs", help="列出最近的运行", formatter_class=raw,
                          description="列出最近的运行：状态、时间（北京时间）、参数、线索数、原因。",
                          epilog="例：\n  qingfeng runs\n  qingfeng runs -n 5 --json")
    runs.add_argument("-n", type=int, default=20, help="列出几次（默认 %(default)s）")
    runs.add_argument("--json", action="store_true", help="以 JSON 列表输出，供程序读取")

    server = sub.add_parser(
        "server", help="启动 Prefect 服务器（界面、接口、调度），默认只监听 127.0.0.1", formatter_class=raw,
        description="启动 Prefect 服务器（界面、接口、调度），使用项目自己的 Prefect 目录（data/prefect/）。",
        epilog="例：\n  qingfeng server\n  PREFECT_SERVER_API_AUTH_STRING=user:password qingfeng server --host 0.0.0.0")
    server.add_argument("--port", type=int, default=settings.get("prefect_port"), help="端口（默认 %(default)s）")
    server.add_argument("--host", default="127.0.0.1",
                        help="监听地址（默认 %(default)s）；其他地址须设置 PREFECT_SERVER_API_AUTH_STRING=user:password")
    serve = sub.add_parser(
        "serve", help="向 Prefect 服务器提供部署（夜间、临时运行、筛查）并执行其运行；须保持运行", formatter_class=raw,
        description="等待 Prefect 服务器就绪，注册三个部署（夜间比对、临时运行、发放前筛查）并执行它们的运行；"
                    "启动时补跑错过的夜间运行。",
        epilog="例：\n  qingfeng serve\n  qingfeng serve --port 4300")
    serve.add_argument("--port", type=int, default=settings.get("prefect_port"), help="服务器的端口（默认 %(default)s）")

    fb = sub.add_parser("feedback", help="把核查人员填好的线索清单读回线索台账", formatter_class=raw,
                        description="把核查人员填好的线索清单（核查反馈各列）读回线索台账。",
                        epilog="例：\n  qingfeng feedback import 线索清单_2021-01-15.xlsx")
    fb_sub = fb.add_subparsers(dest="feedback_command", required=True, title="命令", metavar="命令")
    imp = fb_sub.add_parser(
        "import", help="导入一本或多本退回的线索清单的核查反馈", formatter_class=raw,
        description="导入退回的线索清单（整本或拆分的，任意本数）的核查反馈。有行被拒绝时退出码为 1，"
                    "并指出文件、工作表、行和列。",
        epilog="例：\n  qingfeng feedback import 线索清单_2021-01-15.xlsx\n"
               "  qingfeng feedback import 按乡镇/*.xlsx --warehouse data/warehouse.duckdb")
    imp.add_argument("files", nargs="+", metavar="FILE.xlsx", help="退回的线索清单（.xlsx），任意本数，可以是拆分的")
    imp.add_argument("--warehouse", default=None, metavar="FILE", help="DuckDB 数据仓库文件（默认 data/warehouse.duckdb）")

    ins = sub.add_parser(
        "inspect", help="预览文件将如何读取（不装载）：类型、列映射、前几行、隔离；--accept 固定此类文件的映射",
        formatter_class=raw,
        description="预览收件目录或单个文件将如何读取，不装载：识别出的类型、列映射、前几行、将被隔离的行。"
                    "\n--accept 把该文件各工作表的类型和列映射写入映射文件，以后同类文件按此读取。",
        epilog="例：\n  qingfeng inspect data/sample/inbox\n"
               "  qingfeng inspect 低保台账.xlsx --accept --kind payments --column entitlement_month=资金所属期")
    ins.add_argument("path", metavar="PATH", help="收件目录或单个文件")
    ins.add_argument("--json", action="store_true", help="以 JSON 输出，供程序读取")
    ins.add_argument("--rows", type=int, default=5, help="每个工作表显示的行数（默认 %(default)s）")
    ins.add_argument("--accept", action="store_true",
                     help="把该文件各工作表的类型和列映射写入映射文件（只限一个文件）")
    ins.add_argument("--kind", default=None, metavar="KIND", help="与 --accept 同用：要固定的类型（默认识别出的类型）")
    ins.add_argument("--column", action="append", default=[], metavar="COLUMN=表头",
                     help="与 --accept 同用：把一个标准列映射到某个表头文字（可重复）")
    ins.add_argument("--file-pattern", default=None, metavar="PATTERN", help="与 --accept 同用：只适用于文件名匹配的文件，如 '*低保*'")
    ins.add_argument("--mappings", default=None, metavar="FILE", help="映射文件（默认 data/mappings.yaml）")

    rules = sub.add_parser("rules", help="列出规则目录，或显示一条规则", formatter_class=raw,
                           description="列出规则目录（编号、中文名、严重程度、标题），或显示一条规则的头部和 SQL。",
                           epilog="例：\n  qingfeng rules\n  qingfeng rules show R01")
    rules_sub = rules.add_subparsers(dest="rules_command", title="命令", metavar="命令")
    show = rules_sub.add_parser("show", help="显示一条规则的头部和 SQL", formatter_class=raw,
                                description="显示一条规则的 YAML 头部（说明、依据、核查要点、参数）和 SQL。",
                                epilog="例：\n  qingfeng rules show R01")
    show.add_argument("rule_id", help="规则编号，如 R01")
    return p


# Exit codes of `run` and `screen` (argparse's own usage errors exit 2 too):
# 0 done; 1 (screen) rows to hold; 2 an argument, a path or the list cannot be used; 3 another run held the
# warehouse too long; 4 (run) a blocking validation failed; 5 failed: a program error or the run was killed.
FAILED = 5


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"run": _run, "screen": _screen, "runs": _runs, "server": _server, "serve": _serve,
                "rules": _rules, "feedback": _feedback_import, "inspect": _inspect}
    return handlers[args.command](args) if args.command in handlers else 2


def _inspect(args) -> int:
    """Exit 0 when every sheet would load, 1 when some would not (or were refused), 2 on a bad argument."""
    import json

    from outputs import inspect_text
    from sources import inspect, mappings

    path = Path(args.path)
    mapping_file = Path(args.mappings) if args.mappings else settings.get("mappings")
    if not path.exists():
        print(f"找不到 {path}", file=sys.stderr)
        return 2
    if not path.is_dir() and not path.is_file():     # a pipe would make the copy wait forever
        print(f"{path} 不是普通文件或目录（是管道、套接字或设备）：不能预览", file=sys.stderr)
        return 2
    try:
        overrides = mappings.read_mappings(mapping_file)
    except mappings.MappingFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    report = inspect.inspect_path(path, overrides, rows=args.rows)
    if args.accept:
        if not path.is_file():
            print("--accept 只能用于单个文件", file=sys.stderr)
            return 2
        try:
            entries = inspect.accepted_entries(report, args.kind, args.column, args.file_pattern)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        mappings.write_mappings(mapping_file, entries)
        report = inspect.inspect_path(path, mappings.read_mappings(mapping_file), rows=args.rows)
        print(f"已写入映射文件 {mapping_file}：{len(entries)} 条", file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else inspect_text.render(report))
    ok = all(s["status"] in ("loaded", "empty") for f in report for s in f["sheets"]) and all(
        f["status"] in ("loaded", "empty") for f in report)
    return 0 if ok else 1


def _run(args) -> int:
    """Exit 0 when the run completed, 2 when an argument or a folder cannot be used, 3 when another run held the
    warehouse for longer than --wait, 4 when a blocking validation failed, 5 when the run failed."""
    from sources import mappings

    from . import supervise
    from .paths import PathRefused, check_paths

    if not Path(args.inbox).is_dir():
        print(f"收件目录不存在：{args.inbox}", file=sys.stderr)
        return 2
    try:                 # a malformed mapping file or an unusable output folder is named before anything is touched
        mappings.read_mappings(settings.get("mappings"))
        check_paths(Path(args.inbox), Path(args.out) if args.out else None,
                    Path(args.warehouse) if args.warehouse else None)
    except (mappings.MappingFileError, PathRefused) as e:
        print(str(e), file=sys.stderr)
        return 2
    supervise.exit_on_sigterm()      # SIGTERM: `finally` and atexit run, Prefect's server is stopped
    supervise.start_watchdog()       # whatever ends this process, the helpers it started are ended
    from sources import gx

    from .console import SPLIT_LABEL
    from .nightly import nightly_reconciliation

    state = nightly_reconciliation(inbox=args.inbox, out=args.out or "", as_of=args.as_of or "", rules=args.rules or [],
                                   counties=args.counties or [], townships=args.townships or [],
                                   month_from=args.month_from or "", month_to=args.month_to or "",
                                   warehouse_path=args.warehouse or "", split_by=SPLIT_LABEL[args.split_by],
                                   mask=args.mask, wait_s=args.wait, engine=args.engine,
                                   spark_master=args.master, return_state=True)
    if state.name == "Refused":         # could not start: one sentence, nothing written but the runs index
        refusal = state.result(raise_on_failure=False)
        print(refusal["reason"], file=sys.stderr)
        return refusal["exit"]
    if state.name == "Skipped":
        print(state.message)
        return 0
    info = state.result(raise_on_failure=False)
    if isinstance(info, gx.ValidationBlocked):   # the message names the table, the check and the validation folder
        print(f"运行已停止：数据校验未通过。{info}", file=sys.stderr)
        return 4
    if isinstance(info, PathRefused):
        print(str(info), file=sys.stderr)
        return 2
    if isinstance(info, BaseException) or not state.is_completed():   # Prefect has logged the traceback
        print(f"运行失败（程序错误，本次没有生成线索清单，案件台账未更新）：{type(info).__name__}: {info}\n"
              "请把以上输出转交系统维护人员；修复后重新运行即可（运行目录中的 run.json 和 run.log 记录了原因）。",
              file=sys.stderr)
        return FAILED
    from outputs.runs_text import run_summary

    print("\n".join(run_summary(info)))
    return 0


def _screen(args) -> int:
    """In-process, without Prefect (seconds). Exit 0 when no row needs holding, 1 when some rows are to be
    held, 2 when the list or the output folder cannot be used, 3 when a run held the warehouse too long, 5 when
    the screening failed (a program error: never 1, which would read as "rows held")."""
    try:
        return _screen_list(args)
    except Exception as e:
        import traceback

        traceback.print_exc(file=sys.stderr)       # for maintainers, above the sentence for people
        print(f"筛查失败（程序错误，名单未筛查，不能据此发放）：{type(e).__name__}: {e}\n"
              f"请把以上输出转交系统维护人员。", file=sys.stderr)
        return FAILED


def _screen_list(args) -> int:
    from rules.screening import checks
    from sources import warehouse

    from .paths import PathRefused
    from .screening import screen_now

    try:
        summary = screen_now(args.list_file, args.out, args.as_of, args.warehouse)
    except (FileNotFoundError, PathRefused) as e:
        print(str(e), file=sys.stderr)
        return 2
    except warehouse.WarehouseBusy as e:
        print(str(e), file=sys.stderr)
        return 3
    if summary["unreadable"]:
        print(f"名单无法筛查：{summary['unreadable']}", file=sys.stderr)
        return 2
    names = {c.id: c.name_zh for c in checks()} | {"S00": "数据不合格"}     # the S*.sql headers
    detail = "，".join(f"{names.get(k, k)} {n}" for k, n in sorted(summary["by_check"].items()))
    from outputs.inspect_text import TERMINAL_UNSAFE  # a list's name must not rewrite the terminal
    print(f"名单 {TERMINAL_UNSAFE.sub('', str(summary['list']))}：共 {summary['rows']} 行，应暂缓发放 {summary['held']} 行"
          + (f"（{detail}）" if detail else "") + f"；清单：{Path(summary['out']) / summary['workbook']}")
    from outputs.runs_text import used_run

    print(used_run(summary.get("warehouse_run")))
    return 1 if summary["held"] else 0


def _runs(args) -> int:
    """Every run of the runs index, newest first (completed, failed, blocked, refused, skipped, cancelled), with
    the one holding the warehouse now as 运行中: status, times, parameters, counts, reason, folder."""
    import json

    from outputs import runinfo, runs_text
    from sources import warehouse

    shown_run = warehouse.published_run(Path(settings.get("warehouse")))    # what readers see now
    runs = runs_text.with_state_now(runinfo.recent_runs(Path(settings.get("runs_index")), args.n),
                                    warehouse.lock_holder(Path(settings.get("warehouse"))), shown_run)
    if args.json:
        print(json.dumps(runs, ensure_ascii=False, indent=1))
        return 0
    print("\n".join(runs_text.runs_table(runs, shown_run, settings.get("timezone"))))
    return 0


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _server(args) -> int:
    """Replace this process by the Prefect server with the project's Prefect home: on loopback by default; on any
    other address only with basic authentication (Prefect's server.api.auth_string), else refused."""
    import os

    if args.host not in LOOPBACK and not os.environ.get("PREFECT_SERVER_API_AUTH_STRING"):
        print(f"拒绝在 {args.host} 上启动服务器：除本机（127.0.0.1）以外的地址必须设置基本认证，"
              "即环境变量 PREFECT_SERVER_API_AUTH_STRING=用户名:密码（serve 和浏览器使用同一组，serve 用 "
              "PREFECT_API_AUTH_STRING）", file=sys.stderr)
        return 2
    env = dict(os.environ, PREFECT_SERVER_API_HOST=args.host)
    if args.host in LOOPBACK:        # (elsewhere the UI reaches the API at the address the browser used)
        env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{args.port}/api"
    os.execvpe(sys.executable, [sys.executable, "-m", "prefect", "server", "start", "--host", args.host,
                                "--port", str(args.port), "--analytics-off"], env)


def _serve(args) -> int:
    import os

    from . import deployments

    url = os.environ["PREFECT_API_URL"] = deployments.api_url(args.port)
    print(f"等待 Prefect 服务器就绪：{url}/health", flush=True)
    if not deployments.wait_for_api(url):
        print(f"Prefect 服务器在 3 分钟内没有就绪（{url}/health 无应答）：请先启动 qingfeng server，或检查端口 --port",
              file=sys.stderr)
        return 2
    deployments.serve()
    return 0


def _feedback_import(args) -> int:
    """Exit 0 when every filled-in row was imported, 1 when some rows were refused (the others are imported)."""
    from pathlib import Path

    import duckdb

    from cases import feedback
    from outputs import runs_text
    from sources import warehouse

    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"找不到文件：{'、'.join(missing)}", file=sys.stderr)
        return 2
    wh = Path(args.warehouse) if args.warehouse else Path(settings.get("warehouse"))
    if warehouse.published(wh) is None:
        print(f"找不到数据仓库 {wh}：请先运行 qingfeng run（或用 --warehouse / QINGFENG_DATA 指定）", file=sys.stderr)
        return 2
    holder = {"run_id": "feedback import", "started_at": dt.datetime.now().isoformat(timespec="seconds")}
    try:
        with warehouse.writer_lock(wh, holder):     # no run publishes meanwhile: the decisions go to the published
            snapshot = warehouse.published(wh)       # snapshot, and the next run carries them over
            con = warehouse.connect_when_free(snapshot, threads=settings.get("duckdb_threads"),   # (a screening
                                              memory_limit=settings.get("duckdb_memory_limit"))  # may be reading)
            try:
                used = warehouse.snapshot_run(con)
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
    print(runs_text.used_run(used))
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

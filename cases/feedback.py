"""Reading investigators' verification feedback (核查反馈, the columns cases/outcomes.py declares) from filled-in
workbooks back into the case ledger (`qingfeng feedback import FILE.xlsx...`).

A workbook is matched to its run by the run id it carries (a document property, else the 汇总 sheet's
运行编号 row); rows are matched by 线索编号. Every value is checked against its list (or as an amount or a
date) and against the other values of its row; a row with any bad value is reported with file, sheet, row
and column and not imported, the other rows are. Importing the same workbook twice records nothing new.

What a decision does: cases/outcomes.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from . import ledger
from .labels import label
from .outcomes import (
    FALSE,
    FIELD_BY_COLUMN,
    FIELDS,
    PARTLY,
    TRUE,
    UNVERIFIABLE,
    Field,
    choices_for,
    closes,
    money_problem,
)

RUN_ID_PROPERTY = "qingfeng_run_id"
CASE_ID_LABEL_COLUMN = "case_id"
PREFILLED = {"to_recover_yuan"}        # the workbook fills it from the rule's amount: alone, it is no decision

MASKED_ID = re.compile(r"R\d+-M[0-9a-f]{9}")
MEASURE_SPLIT = re.compile(r"[、,，;；/\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
EARLIEST = dt.date(2000, 1, 1)


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None          # the column's label, with its letter
    value: object
    message: str

    def __str__(self) -> str:
        where = " › ".join(p for p in (self.file, self.sheet, f"第{self.row}行" if self.row else None, self.column) if p)
        shown = f"“{self.value}”：" if self.value not in (None, "") else ""
        return f"{where}：{shown}{self.message}"


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    imported: int = 0
    already: int = 0            # identical to a decision already recorded (a workbook imported again)
    duplicates: int = 0         # the same decision twice in this import (e.g. the whole-run and a split workbook)
    closing: int = 0            # imported decisions that close their case
    problems: list[Problem] = field(default_factory=list)
    by_conclusion: dict[str, int] = field(default_factory=dict)


@dataclass
class Row:
    file: str
    sheet: str
    row: int
    run_seq: int
    run_id: str
    case_id: str
    values: dict
    letters: dict               # column → "K列（核查结论）"
    problems: list[Problem] = field(default_factory=list)

    @property
    def rule_id(self) -> str:
        """The rule a case id (plain or masked) belongs to: R01-… → R01; its lists are that rule family's."""
        return self.case_id.split("-", 1)[0]

    def problem(self, column: str | None, value, message: str) -> None:
        self.problems.append(Problem(self.file, self.sheet, self.row, self.letters.get(column), value, message))


def import_files(con, paths: list[Path], today: dt.date | None = None) -> Report:
    """Read filled-in workbooks and record every valid decision in `case_feedback`."""

    ledger.ensure_schema(con)
    today = today or dt.date.today()
    report = Report()
    rows: list[Row] = []
    for path in map(Path, paths):
        report.files.append(path.name)
        rows += _read_workbook(con, path, report, label)
    for r in rows:
        _check_row(r, today)
    _check_against_ledger(con, [r for r in rows if r.case_id])
    _check_conflicts(rows)
    good = [r for r in rows if not r.problems]
    good = _drop_duplicates(good, report)
    good = _drop_recorded(con, good, report)
    _insert(con, good)
    report.imported = len(good)
    report.closing = sum(1 for r in good if r.values["closes"])
    for r in good:
        report.by_conclusion[r.values["conclusion"]] = report.by_conclusion.get(r.values["conclusion"], 0) + 1
    report.problems += [p for r in rows for p in r.problems]
    return report


def _run_id(wb) -> str | None:
    for prop in wb.custom_doc_props:
        if prop.name == RUN_ID_PROPERTY and prop.value:
            return str(prop.value).strip()
    if "汇总" in wb.sheetnames:
        for row in wb["汇总"].iter_rows(max_row=20, max_col=2, values_only=True):
            if row and row[0] == "运行编号" and row[1]:
                return str(row[1]).strip()
    return None


def _read_workbook(con, path: Path, report: Report, label) -> list[Row]:
    name = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported, never fatal
        report.problems.append(Problem(name, None, None, None, None, f"无法打开：{e}"))
        return []
    try:
        run_id = _run_id(wb)
        if not run_id:
            report.problems.append(Problem(name, None, None, None, None,
                                           "找不到运行编号：不是清风生成的线索清单，或“汇总”表被改动"))
            return []
        stamp = ledger.run_stamp(con, run_id)
        if stamp is None:
            report.problems.append(Problem(name, None, None, None, run_id,
                                           "这个运行编号不在本系统的线索台账中（清单来自其他系统或台账已重建）"))
            return []
        labels = {label(c): c for c in (CASE_ID_LABEL_COLUMN, *FIELD_BY_COLUMN)}
        rows = []
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header = next(it, None) or ()
            cols = {labels[h.strip()]: i for i, h in enumerate(header) if isinstance(h, str) and h.strip() in labels}
            if CASE_ID_LABEL_COLUMN not in cols or "conclusion" not in cols:
                continue                      # not a case sheet (汇总, 数据质量, 说明)
            letters = {c: f"{get_column_letter(i + 1)}列（{label(c)}）" for c, i in cols.items()}
            for row_no, values in enumerate(it, start=2):
                got = {c: (values[i] if i < len(values) else None) for c, i in cols.items()}
                if all(_blank(got.get(c)) for c in FIELD_BY_COLUMN if c not in PREFILLED):
                    continue                  # untouched (应追回金额 alone is prefilled by the workbook)
                case_id = got.pop(CASE_ID_LABEL_COLUMN)
                r = Row(name, ws.title, row_no, stamp.seq, stamp.run_id, str(case_id or "").strip(), got, letters)
                if not r.case_id:
                    r.problem(CASE_ID_LABEL_COLUMN, None, "这一行填写了核查反馈，但没有线索编号")
                rows.append(r)
        return rows
    finally:
        wb.close()


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _check_row(r: Row, today: dt.date) -> None:
    """Parse every value of a row against its field; then the rules between values."""
    parsed = {}
    for f in FIELDS:
        raw = r.values.get(f.column)
        if _blank(raw):
            parsed[f.column] = None
            continue
        try:
            parsed[f.column] = _parse(f, raw, today, r.rule_id)
        except ValueError as e:
            r.problem(f.column, raw, str(e))
            parsed[f.column] = None
    v = parsed
    concl = v["conclusion"]
    if concl is None and not any(p.column == r.letters.get("conclusion") for p in r.problems):
        r.problem("conclusion", None, "填写了核查反馈，但没有选择核查结论")
    if concl is not None:
        if v["verifier"] is None:
            r.problem("verifier", None, "请填写核查人")
        if v["verified_on"] is None and _blank(r.values.get("verified_on")):
            r.problem("verified_on", None, "请填写核查日期")
    if concl == FALSE and v["false_reason"] is None and _blank(r.values.get("false_reason")):
        r.problem("false_reason", None, "结论为“不属实”时须选择不属实原因")
    if v["false_reason"] and concl not in (FALSE, None):
        r.problem("false_reason", v["false_reason"], f"只有结论为“不属实”时才填写不属实原因（本行结论为“{concl}”）")
    if v["nature"] and concl in (FALSE, UNVERIFIABLE):
        r.problem("nature", v["nature"], f"问题性质只在结论为“属实”或“部分属实”时填写（本行结论为“{concl}”）")
    if concl not in (TRUE, PARTLY) and not any(p.column == r.letters.get("to_recover_yuan") for p in r.problems):
        v["to_recover_yuan"] = None       # prefilled by the workbook: only a confirmed case has money to recover
    if v["to_recover_yuan"] is not None and v["recovered_yuan"] is not None and v["recovered_yuan"] > v["to_recover_yuan"]:
        r.problem("recovered_yuan", r.values.get("recovered_yuan"), "已追回金额大于应追回金额")
    elif not r.problems:
        money = money_problem(concl, v["measures"], v["to_recover_yuan"], v["recovered_yuan"], v["unrecovered_reason"])
        if money:
            r.problem(money[0], None, money[1])
    v["closes"] = closes(concl, v["measures"], v["to_recover_yuan"], v["recovered_yuan"])
    r.values = v


def _parse(f: Field, raw, today: dt.date, rule_id: str | None = None):
    """A value of field `f` on a sheet of rule `rule_id` (its family's lists, cases/outcomes.yaml)."""
    choices = choices_for(f.column, rule_id) if f.kind in ("choice", "choices") else ()
    if f.kind == "choice":
        text = str(raw).strip()
        if text not in choices:
            raise ValueError(f"不在可选值中（{'/'.join(choices)}）")
        return text
    if f.kind == "choices":
        parts = [p for p in MEASURE_SPLIT.split(str(raw).strip()) if p]
        bad = [p for p in parts if p not in choices]
        if bad:
            raise ValueError(f"“{'、'.join(bad)}”不在可选值中（{'/'.join(choices)}；多项用“、”分隔）")
        return "、".join(c for c in choices if c in parts)
    if f.kind == "amount":
        return _amount(raw)
    if f.kind == "date":
        return _date(raw, today)
    text = str(raw).strip()
    if len(text) > 2000:
        raise ValueError("内容过长（超过 2000 字）")
    return text


# An amount typed as text, read as staging reads one (sources/macros.sql, qf_amount): digits with at most one
# point, or commas grouping digits by three; 2 70, 1_000 and 12,00 could mean two amounts and are refused.
AMOUNT_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)|[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def _amount(raw) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("不是金额")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError("不是金额")
        d = Decimal(repr(raw))
        if abs(d - d.quantize(Decimal("0.01"))) < Decimal("0.000001"):     # a computed cell: 0.30000000000000004
            d = d.quantize(Decimal("0.01"))
    else:
        text = re.sub(r"^(?:[￥¥]|RMB)|元$", "", str(raw).strip()).strip().replace("，", ",")
        if not AMOUNT_TEXT.fullmatch(text):
            raise ValueError("不是金额（应为数字，如 1234.50 或 1,234.50；数字中间不能有空格）")
        d = Decimal(text.replace(",", ""))
    if not d.is_finite() or d < 0:
        raise ValueError("金额不能为负数")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError("金额最多两位小数")
    if d >= Decimal("1e12"):
        raise ValueError("金额过大")
    return d.quantize(Decimal("0.01"))


def _date(raw, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        d = raw.date()
    elif isinstance(raw, dt.date):
        d = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and 36526 <= raw < 73051:
        d = from_excel(raw).date()          # an Excel serial date in a cell not formatted as a date
    else:
        text = str(raw).strip()
        for fmt in DATE_FORMATS:
            try:
                d = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError("不是日期（应为 2021-01-20 这样的日期）")
    if d > today:
        raise ValueError(f"核查日期晚于今天（{today:%Y-%m-%d}）")
    if d < EARLIEST:
        raise ValueError("核查日期早于 2000 年")
    return d


def _check_against_ledger(con, rows: list[Row]) -> None:
    """Every case id must be in the ledger and in the run its workbook came from; a masked workbook's
    alias (R01-M…) stands for its case id."""
    if not rows:
        return
    aliases = ledger.resolve_aliases(con, [r.case_id for r in rows if MASKED_ID.fullmatch(r.case_id)])
    for r in rows:
        r.case_id = aliases.get(r.case_id, r.case_id)
    con.register("_fb_ids", pa.table({"i": list(range(len(rows))), "case_id": [r.case_id for r in rows],
                                      "run_seq": [r.run_seq for r in rows]}))
    try:
        found = con.execute("""
            select i, l.case_id is not null,
                   (select max(f.run_seq) from case_facts f where f.case_id = b.case_id and f.run_seq <= b.run_seq)
            from _fb_ids b left join case_ledger l using (case_id)""").fetchall()
    finally:
        con.unregister("_fb_ids")
    for i, known, facts_seq in found:
        r = rows[i]
        if not known:
            r.problem(CASE_ID_LABEL_COLUMN, r.case_id, "系统中没有这个线索编号")
        elif facts_seq is None:
            r.problem(CASE_ID_LABEL_COLUMN, r.case_id, "这个线索不在这份清单所属的运行中")
        else:
            r.values["facts_seq"] = facts_seq


def _key(r: Row) -> tuple:
    return tuple(r.values.get(c) for c in ledger.FEEDBACK_VALUE_COLUMNS)


def _check_conflicts(rows: list[Row]) -> None:
    """The same case with different decisions on the same 核查日期 in this import: neither can win."""
    by_case: dict[tuple, list[Row]] = {}
    for r in rows:
        if not r.problems:
            by_case.setdefault((r.case_id, r.values.get("verified_on")), []).append(r)
    for group in by_case.values():
        if len({_key(r) for r in group}) > 1:
            for r in group:
                others = "；".join(f"{o.file} {o.sheet} 第{o.row}行" for o in group if o is not r)
                r.problem("conclusion", r.values.get("conclusion"),
                          f"同一线索在 {others} 的反馈不同而核查日期相同，无法判断以哪一份为准，均未导入")


def _drop_duplicates(rows: list[Row], report: Report) -> list[Row]:
    seen, out = set(), []
    for r in rows:
        k = (r.case_id, _key(r))
        if k in seen:
            report.duplicates += 1
            continue
        seen.add(k)
        out.append(r)
    return out


def _drop_recorded(con, rows: list[Row], report: Report) -> list[Row]:
    """Decisions already in the ledger with the same values (a workbook imported again) are not recorded twice."""
    if not rows:
        return rows
    cols = ledger.FEEDBACK_VALUE_COLUMNS
    con.register("_fb_new", _arrow(rows))
    try:
        match = " and ".join(f"f.{c} is not distinct from n.{c}" for c in cols)
        recorded = {i for (i,) in con.execute(
            f"select n.i from _fb_new n where exists (select 1 from case_feedback f where f.case_id = n.case_id and {match})"
        ).fetchall()}
    finally:
        con.unregister("_fb_new")
    report.already += len(recorded)
    return [r for i, r in enumerate(rows) if i not in recorded]


def _arrow(rows: list[Row]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"i": i, "case_id": r.case_id, **{c: r.values.get(c) for c in ledger.FEEDBACK_VALUE_COLUMNS},
          "closes": r.values["closes"], "run_id": r.run_id, "facts_seq": r.values.get("facts_seq"),
          "source_file": r.file, "sheet": r.sheet, "row_no": r.row} for i, r in enumerate(rows)],
        schema=pa.schema([("i", pa.int64()), ("case_id", pa.string()), ("conclusion", pa.string()),
                          ("false_reason", pa.string()), ("nature", pa.string()), ("measures", pa.string()),
                          ("to_recover_yuan", pa.decimal128(14, 2)), ("recovered_yuan", pa.decimal128(14, 2)),
                          ("unrecovered_reason", pa.string()), ("verifier", pa.string()), ("verified_on", pa.date32()),
                          ("note", pa.string()),
                          ("closes", pa.bool_()), ("run_id", pa.string()), ("facts_seq", pa.int32()),
                          ("source_file", pa.string()), ("sheet", pa.string()), ("row_no", pa.int32())]))


def _insert(con, rows: list[Row]) -> None:
    if not rows:
        return
    con.register("_fb_new", _arrow(rows))
    try:
        con.execute("""
            insert into case_feedback by name
            select (select coalesce(max(feedback_id), 0) from case_feedback) + i + 1 as feedback_id,
                   * exclude (i), current_timestamp as imported_at
            from _fb_new order by i""")
    finally:
        con.unregister("_fb_new")

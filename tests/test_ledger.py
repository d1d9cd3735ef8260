"""Case memory across runs (cases/ledger.py) and feedback import (cases/feedback.py).

Each test runs the real R01 on literal rows in an in-memory warehouse, once per "night", writes the real
workbook, fills in its 核查反馈 columns with openpyxl as an investigator would, imports it, and runs again.
The last test does the same through the `qingfeng` command on the sample inbox."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import openpyxl.packaging.custom
import pytest
from conftest import AS_OF, SAMPLE, empty_warehouse, insert_rows, run_cli

from cases import feedback, ledger
from outputs import workbook
from rules import catalog, derived

R01 = catalog.select_rules(["R01"])[0]
SHEET = workbook.sheet_title(R01)
TODAY = dt.date(2021, 12, 31)

ZHANG, LI, WANG, ZHAO = "11010519491231002X", "440524188001010014", "330822196201024224", "330822195106057322"
CARE, LIVING = "重度残疾人护理补贴", "困难残疾人生活补贴"


def paid(id_number: str, name: str, programme: str, months: range, amount: int = 180, year: int = 2020) -> str:
    """Payment rows for `months` of `year` (a month past 12 runs into the next year)."""
    rows = []
    for m in months:
        y, mm = year + (m - 1) // 12, (m - 1) % 12 + 1
        rows.append(f"{id_number},{name},{programme},{y}-{mm:02d}-01,{amount}")
    return "\n".join(rows)


PAYMENTS = "id_number,name,programme,entitlement_month,amount_yuan"
DEATHS = "id_number,name,source,death_on,source_file,row_no"
# Three dead recipients; 李四 lives and is paid to the last month, so each programme's data window reaches it.
BASE = [paid(ZHANG, "张三", CARE, range(1, 7)), paid(LI, "李四", CARE, range(1, 13)),
        paid(WANG, "王五", LIVING, range(1, 10), 270), paid(LI, "李四", LIVING, range(1, 13), 270),
        paid(ZHAO, "赵六", CARE, range(1, 13))]
DEATH_ROWS = [f"{ZHANG},张三,公安注销,2020-02-20,公安_户籍注销人员_2020.xlsx,5",
              f"{WANG},王五,公安注销,2020-03-10,公安_户籍注销人员_2020.xlsx,6",
              f"{ZHAO},赵六,民政火化,2020-08-05,民政_火化信息_2020.csv,7"]


class Warehouse:
    """An in-memory warehouse that runs R01 night after night and remembers its cases."""

    def __init__(self, tmp_path: Path):
        self.con = empty_warehouse()
        self.tmp = tmp_path
        self.nights = 0
        self.run_id = None
        self.as_of = None

    def night(self, as_of: str, payments: list[str] = BASE, deaths: list[str] = DEATH_ROWS) -> dict[str, str]:
        """One run; returns {case_id: status} for every case of R01 the ledger knows."""
        con = self.con
        self.nights += 1
        self.run_id, self.as_of = f"test-run-{self.nights}", dt.date.fromisoformat(as_of)
        con.execute("delete from payments")
        con.execute("delete from death_records")
        insert_rows(con, "payments", "\n".join([PAYMENTS, *payments]))
        insert_rows(con, "death_records", "\n".join([DEATHS, *deaths]))
        derived.derive(con)
        catalog.run_rules(con, [R01])
        ledger.update(con, self.run_id, self.as_of, [R01])
        return dict(con.execute("select case_id, status from case_status order by case_id").fetchall())

    def case(self, id_number: str, programme: str) -> str:
        rows = self.con.execute("select case_id from case_ledger where subject_id_number = ? and programme = ?",
                                [id_number, programme]).fetchall()
        assert rows, (id_number, programme)
        return rows[0][0]

    def workbook(self, name: str | None = None, scope=workbook.ALL, mask=False) -> Path:
        path = self.tmp / (name or f"night{self.nights}.xlsx")
        info = {"run_id": self.run_id, "as_of": self.as_of.isoformat(), "inbox": "test"}
        workbook.write_workbook(self.con, path, [R01], info, [], scope, mask)
        return path

    def status(self, case_id: str) -> dict:
        cur = self.con.execute("select * from case_status where case_id = ?", [case_id])
        cols = [d[0] for d in cur.description]
        return dict(zip(cols, cur.fetchall()[0]))


def listed(path: Path) -> dict[str, dict]:
    """The R01 sheet of a written workbook: {线索编号: {label: value}}."""
    ws = openpyxl.load_workbook(path)[SHEET]
    rows = list(ws.iter_rows(values_only=True))
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}


def decide(path: Path, decisions: dict[str, dict], out: Path | None = None) -> Path:
    """Fill in 核查反馈 cells as an investigator would (by column label) and save the workbook."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    col = {c.value: c.column for c in ws[1]}
    row = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for case_id, values in decisions.items():
        for label, value in values.items():
            ws.cell(row[case_id], col[label]).value = value
    out = out or path.with_name(path.stem + "_已填.xlsx")
    wb.save(out)
    return out


def false_(on=dt.date(2021, 1, 20), reason="数据错误", who="张核查"):
    return {"核查结论": "不属实", "不属实原因": reason, "核查人": who, "核查日期": on}


def imported(w: Warehouse, *paths: Path) -> feedback.Report:
    return feedback.import_files(w.con, list(paths), today=TODAY)


# ---- statuses -------------------------------------------------------------------------------------------


def test_a_new_case_is_open_on_the_next_run_and_shows_how_long(tmp_path):
    w = Warehouse(tmp_path)
    first = w.night("2021-01-15")
    assert set(first.values()) == {ledger.NEW} and len(first) == 3
    second = w.night("2021-02-15")
    assert set(second.values()) == {ledger.OPEN}
    rows = listed(w.workbook())
    assert {r["线索状态"] for r in rows.values()} == {"未结"}
    assert {r["未结天数"] for r in rows.values()} == {31}
    assert {r["首次发现"] for r in rows.values()} == {dt.datetime(2021, 1, 15)}


def test_a_case_decided_false_stays_hidden_until_a_later_month_is_paid(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    report = imported(w, decide(w.workbook(), {zhang: false_()}))
    assert (report.imported, report.closing, report.problems) == (1, 1, [])

    assert w.night("2021-02-15")[zhang] == ledger.CLOSED
    assert zhang not in listed(w.workbook())
    assert w.con.execute("select status from cases where case_id = ?", [zhang]).fetchall() == [(ledger.CLOSED,)]
    # a correction lowers the amount: not material
    fewer = [paid(ZHANG, "张三", CARE, range(1, 7)), f"{ZHANG},张三,{CARE},2020-06-01,-180", *BASE[1:]]
    assert w.night("2021-03-15", fewer)[zhang] == ledger.CLOSED

    later = [paid(ZHANG, "张三", CARE, range(1, 8)), *BASE[1:]]
    assert w.night("2021-04-15", later)[zhang] == ledger.RERAISED
    row = listed(w.workbook())[zhang]
    assert row["线索状态"] == "重新出现" and row["未结天数"] == 0
    assert row["变化情况"].startswith("2021-01-20 张核查核查为不属实（数据错误）；此后")
    assert "又有发放：所属期至2020年7月（核查时至2020年6月）" in row["变化情况"]
    assert "金额增加：720.00元 → 900.00元" in row["变化情况"]
    assert row["核查结论"] is None, "a re-raised case is decided afresh"

    assert w.night("2021-05-15", later)[zhang] == ledger.OPEN
    row = listed(w.workbook())[zhang]
    assert row["未结天数"] == 30 and "又有发放" in row["变化情况"]


def test_a_new_death_source_reraises_a_closed_case_but_a_moved_row_does_not(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    imported(w, decide(w.workbook(), {zhang: false_(reason="死亡信息有误")}))
    moved = [f"{ZHANG},张三,公安注销,2020-02-20,公安_户籍注销人员_2021.xlsx,9", DEATH_ROWS[1]]
    assert w.night("2021-02-15", deaths=moved)[zhang] == ledger.CLOSED
    more = [*moved, f"{ZHANG},张三,民政火化,2020-02-21,民政_火化信息_2020.csv,3"]
    assert w.night("2021-03-15", deaths=more)[zhang] == ledger.RERAISED
    assert "死亡信息来源新增：民政火化 2020-02-21" in w.status(zhang)["changes"]


def test_true_with_rectification_closes_only_when_the_money_is_back(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    part = {"核查结论": "属实", "问题性质": "虚报冒领", "整改措施": "停发、追回", "应追回金额": 720,
            "已追回金额": 360, "核查人": "李核查", "核查日期": dt.date(2021, 1, 25)}
    assert imported(w, decide(w.workbook(), {zhang: part})).closing == 0
    w.night("2021-02-15")
    row = listed(w.workbook())[zhang]
    assert row["线索状态"] == "未结"
    assert (row["核查结论"], row["整改措施"], row["已追回金额"], row["核查人"]) == ("属实", "停发、追回", 360, "李核查")
    done = dict(part, 已追回金额=720, 核查日期=dt.date(2021, 2, 20))
    report = imported(w, decide(w.workbook(), {zhang: done}))
    assert (report.imported, report.closing) == (1, 1)
    assert w.night("2021-03-15")[zhang] == ledger.CLOSED


def test_unverifiable_stays_open_with_the_decision_prefilled(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhao = w.case(ZHAO, CARE)
    path = decide(w.workbook(), {zhao: {"核查结论": "无法核实", "核查人": "王核查", "核查日期": "2021/1/22",
                                      "备注": "家属外出务工"}})
    assert imported(w, path).imported == 1
    assert w.night("2021-02-15")[zhao] == ledger.OPEN
    row = listed(w.workbook())[zhao]
    assert (row["核查结论"], row["核查日期"], row["备注"]) == ("无法核实", dt.datetime(2021, 1, 22), "家属外出务工")
    # returned unchanged, the prefilled decision is not recorded twice
    report = imported(w, decide(w.workbook(), {}))
    assert (report.imported, report.already) == (0, 1)


def test_a_case_whose_facts_are_gone_is_listed_once_then_remembered(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    wang = w.case(WANG, LIVING)
    without = [b for b in BASE if WANG not in b]
    assert w.night("2021-02-15", without)[wang] == ledger.GONE
    row = listed(w.workbook())[wang]
    assert row["线索状态"] == "已消失" and row["变化情况"] == "本次数据中已不存在，最后出现于2021-01-15"
    assert row["姓名"] == "王五" and row["涉及金额（元）"] == 1620, "its last evidence is shown"
    assert w.night("2021-03-15", without)[wang] == ledger.GONE
    assert wang not in listed(w.workbook())
    assert w.con.execute("select count(*) from case_ledger where case_id = ?", [wang]).fetchall() == [(1,)]
    assert w.night("2021-04-15")[wang] == ledger.RERAISED
    assert w.status(wang)["changes"] == "此前已消失（最后出现于2021-01-15），本次再次出现"
    assert w.status(wang)["open_days"] == 90, "it was never closed: days count from when it was first seen"


def test_a_gone_case_can_still_be_decided(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    wang = w.case(WANG, LIVING)
    without = [b for b in BASE if WANG not in b]
    w.night("2021-02-15", without)
    assert imported(w, decide(w.workbook(), {wang: false_()})).imported == 1
    assert w.night("2021-03-15", without)[wang] == ledger.CLOSED
    assert w.night("2021-04-15")[wang] == ledger.CLOSED, "back with the facts it was decided on"


def test_rules_that_did_not_run_keep_their_cases(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    r02 = catalog.select_rules(["R02"])
    catalog.run_rules(w.con, r02)
    ledger.update(w.con, "r02-only", dt.date(2021, 2, 15), r02)
    assert set(w.con.execute("select status from case_ledger where rule_id = 'R01'").fetchall()) == {(ledger.NEW,)}


def test_material_columns_are_evidence_columns():
    for r in catalog.catalog():
        assert set(r.header.get("material") or []) <= set(r.evidence), r.id


# ---- importing feedback ---------------------------------------------------------------------------------


def test_the_decision_in_force_is_the_latest_and_an_older_workbook_never_overrides_it(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhao = w.case(ZHAO, CARE)
    january = decide(w.workbook(), {zhao: {"核查结论": "无法核实", "核查人": "王核查", "核查日期": dt.date(2021, 1, 20)}})
    assert imported(w, january).imported == 1
    w.night("2021-02-15")
    february = decide(w.workbook(), {zhao: false_(on=dt.date(2021, 2, 20))})
    assert imported(w, february).imported == 1
    report = imported(w, january)
    assert (report.imported, report.already) == (0, 1)
    edited = decide(january, {zhao: {"核查结论": "属实", "已追回金额": 0, "核查日期": dt.date(2021, 1, 18)}},
                    tmp_path / "edited.xlsx")
    assert imported(w, edited).imported == 1, "recorded in the history ..."
    assert w.night("2021-03-15")[zhao] == ledger.CLOSED, "... but the later decision stays in force"
    history = w.con.execute("select conclusion, verified_on, source_file from case_feedback where case_id = ? "
                            "order by feedback_id", [zhao]).fetchall()
    assert [h[0] for h in history] == ["无法核实", "不属实", "属实"]


def test_bad_values_are_reported_with_sheet_row_and_column_and_not_imported(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang, zhao, wang = w.case(ZHANG, CARE), w.case(ZHAO, CARE), w.case(WANG, LIVING)
    path = decide(w.workbook(), {
        zhang: {"核查结论": "属是", "核查人": "甲", "核查日期": dt.date(2021, 1, 20)},
        zhao: {"核查结论": "不属实", "不属实原因": "政策允许", "整改措施": "停发、开除", "应追回金额": "12.345",
             "核查人": "乙", "核查日期": "2021-13-01"},
        wang: false_(),
    })
    report = imported(w, path)
    assert report.imported == 1 and report.closing == 1
    got = {(p.row, p.column, p.message) for p in report.problems}
    rows = listed(path)
    header = list(next(iter(rows.values())))
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    row_of = {c: i for i, c in enumerate(rows, start=2)}
    assert (row_of[zhang], f"{letter['核查结论']}列（核查结论）", "不在可选值中（属实/部分属实/不属实/无法核实）") in got
    li_problems = {(c, m) for r, c, m in got if r == row_of[zhao]}
    assert {c for c, _ in li_problems} == {f"{letter[h]}列（{h}）" for h in ("整改措施", "应追回金额", "核查日期")}
    assert all(p.file == path.name and p.sheet == SHEET for p in report.problems)
    assert "“开除”不在可选值中" in str(next(p for p in report.problems if "整改措施" in p.column))
    recorded = w.con.execute("select case_id from case_feedback").fetchall()
    assert recorded == [(wang,)]


@pytest.mark.parametrize("values, column, message", [
    ({"核查结论": "不属实", "核查人": "甲", "核查日期": dt.date(2021, 1, 20)}, "不属实原因", "须选择不属实原因"),
    ({"核查结论": "属实", "不属实原因": "数据错误", "核查人": "甲", "核查日期": dt.date(2021, 1, 20)}, "不属实原因",
     "只有结论为“不属实”时才填写"),
    ({"核查结论": "无法核实", "问题性质": "虚报冒领", "核查人": "甲", "核查日期": dt.date(2021, 1, 20)}, "问题性质",
     "问题性质只在结论为“属实”或“部分属实”时填写"),
    ({"核查结论": "属实", "应追回金额": 100, "已追回金额": 200, "核查人": "甲", "核查日期": dt.date(2021, 1, 20)},
     "已追回金额", "已追回金额大于应追回金额"),
    ({"核查结论": "属实", "核查日期": dt.date(2021, 1, 20)}, "核查人", "请填写核查人"),
    ({"核查结论": "属实", "核查人": "甲"}, "核查日期", "请填写核查日期"),
    ({"核查结论": "属实", "核查人": "甲", "核查日期": dt.date(2022, 6, 1)}, "核查日期", "核查日期晚于今天"),
    ({"备注": "已走访"}, "核查结论", "没有选择核查结论"),
    ({"核查结论": "属实", "核查人": "甲", "核查日期": dt.date(2021, 1, 20), "应追回金额": -5}, "应追回金额", "不能为负数"),
], ids=["false_needs_reason", "reason_only_when_false", "nature_only_when_true", "recovered_over_due",
        "who", "when", "future", "no_conclusion", "negative"])
def test_each_rule_between_values_is_checked(tmp_path, values, column, message):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    report = imported(w, decide(w.workbook(), {w.case(ZHANG, CARE): values}))
    assert report.imported == 0
    assert any(p.column.endswith(f"（{column}）") and message in p.message for p in report.problems), report.problems


# ---- closing needs the money ------------------------------------------------------------------------------


def test_the_amount_to_recover_is_prefilled_and_alone_is_no_decision(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    rows = listed(w.workbook())
    assert {c: r["应追回金额"] for c, r in rows.items()} == {c: r["涉及金额（元）"] for c, r in rows.items()}
    assert all(r["已追回金额"] is None and r["未追回原因"] is None for r in rows.values())
    report = imported(w, decide(w.workbook(), {}))
    assert (report.imported, report.problems) == (0, []), "a workbook returned untouched records nothing"


CLOSING = {"核查结论": "属实", "问题性质": "虚报冒领", "整改措施": "停发", "核查人": "李核查", "核查日期": dt.date(2021, 1, 25)}


@pytest.mark.parametrize("values, column, message", [
    ({}, "已追回金额", "应追回 720.00 元，填写了整改措施（办结），但没有填写已追回金额，也没有填写未追回原因"),
    ({"应追回金额": None}, "应追回金额", "填写了整改措施（办结），但没有填写应追回金额"),
], ids=["nothing_recovered_nor_explained", "amount_cleared"])
def test_a_closing_that_leaves_money_unaccounted_for_is_refused_and_the_case_stays_open(tmp_path, values, column,
                                                                                         message):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    path = decide(w.workbook(), {zhang: {**CLOSING, **values}})
    report = imported(w, path)
    assert (report.imported, report.closing) == (0, 0)
    [problem] = report.problems
    row = list(listed(path)).index(zhang) + 2
    assert (problem.file, problem.sheet, problem.row) == (path.name, SHEET, row)
    assert problem.column.endswith(f"（{column}）") and message in problem.message and "线索保持未结" in problem.message
    assert f"{path.name} › {SHEET} › 第{row}行" in str(problem), "the message names file, sheet and row"
    assert w.night("2021-02-15")[zhang] == ledger.OPEN
    assert listed(w.workbook())[zhang]["核查结论"] is None, "nothing was recorded"


def test_money_explained_but_not_recovered_is_recorded_and_keeps_the_case_open(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    report = imported(w, decide(w.workbook(), {zhang: {**CLOSING, "未追回原因": "当事人家属分期退还"}}))
    assert (report.imported, report.closing, report.problems) == (1, 0, [])
    assert w.night("2021-02-15")[zhang] == ledger.OPEN
    row = listed(w.workbook())[zhang]
    assert (row["应追回金额"], row["未追回原因"]) == (720, "当事人家属分期退还")
    report = imported(w, decide(w.workbook(), {zhang: {"已追回金额": 720, "核查日期": dt.date(2021, 2, 20)}}))
    assert (report.imported, report.closing) == (1, 1)
    assert w.night("2021-03-15")[zhang] == ledger.CLOSED


def test_values_are_read_as_investigators_type_them(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    values = {"核查结论": " 部分属实 ", "问题性质": "工作失误", "整改措施": "追回，停发", "应追回金额": "1,234.5元",
              "已追回金额": 0, "核查人": "甲", "核查日期": "2021年1月20日"}
    assert imported(w, decide(w.workbook(), {zhang: values})).problems == []
    got = w.con.execute("select conclusion, measures, to_recover_yuan, recovered_yuan, verified_on, closes "
                        "from case_feedback").fetchall()
    assert got == [("部分属实", "停发、追回", Decimal("1234.50"), Decimal("0.00"), dt.date(2021, 1, 20), False)]


def test_conflicting_decisions_on_the_same_day_are_both_refused(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    base = w.workbook()
    a = decide(base, {zhang: false_()}, tmp_path / "a.xlsx")
    b = decide(base, {zhang: {"核查结论": "属实", "已追回金额": 0, "核查人": "乙", "核查日期": dt.date(2021, 1, 20)}},
               tmp_path / "b.xlsx")
    report = imported(w, a, b)
    assert report.imported == 0 and len(report.problems) == 2
    assert "b.xlsx" in report.problems[0].message and "a.xlsx" in report.problems[1].message


def test_the_whole_workbook_and_a_split_one_import_the_same_decision_once(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    whole = decide(w.workbook(), {zhang: false_()})
    county = decide(w.workbook("split.xlsx", scope=workbook.Part("")), {zhang: false_()})
    report = imported(w, whole, county)
    assert (report.imported, report.duplicates) == (1, 1)


def test_a_masked_workbook_imports_through_its_aliases(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    zhang = w.case(ZHANG, CARE)
    masked = w.workbook("masked.xlsx", mask=True)
    alias = next(c for c, r in listed(masked).items() if r["姓名"] == "张三")
    assert alias != zhang and alias.startswith("R01-M")
    assert listed(w.workbook("again.xlsx", mask=True)).keys() == listed(masked).keys(), "stable within a warehouse"
    report = imported(w, decide(masked, {alias: false_()}))
    assert (report.imported, report.problems) == (1, [])
    assert w.night("2021-02-15")[zhang] == ledger.CLOSED


def test_a_workbook_from_another_warehouse_or_not_from_qingfeng_is_refused(tmp_path):
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    other = Warehouse(tmp_path / "other")
    (tmp_path / "other").mkdir()
    other.night("2021-01-15")
    other.run_id = "elsewhere"
    theirs = decide(other.workbook(), {other.case(ZHANG, CARE): false_()})
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    report = imported(w, theirs, plain)
    assert report.imported == 0
    assert [p.message for p in report.problems] == [
        "这个运行编号不在本系统的线索台账中（清单来自其他系统或台账已重建）",
        "找不到运行编号：不是清风生成的线索清单，或“汇总”表被改动"]


def test_the_run_id_is_also_found_on_the_summary_sheet(tmp_path):
    """Some spreadsheet programs drop custom document properties; the 汇总 sheet's 运行编号 row is the fallback."""
    w = Warehouse(tmp_path)
    w.night("2021-01-15")
    path = decide(w.workbook(), {w.case(ZHANG, CARE): false_()})
    wb = openpyxl.load_workbook(path)
    wb.custom_doc_props = openpyxl.packaging.custom.CustomPropertyList()
    wb.save(path)
    assert imported(w, path).imported == 1


# ---- the whole round trip, as users run it --------------------------------------------------------------


def _cases_csv(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return {r["case_id"]: r for r in csv.DictReader(f)}


def test_round_trip_write_fill_import_rerun(tmp_path):
    """qingfeng run → fill in the workbook → qingfeng feedback import → qingfeng run on next month's inbox:
    closed cases stay hidden, changed ones come back as 重新出现, vanished ones show as 已消失."""
    data = tmp_path / "data"
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(tmp_path / "run1"), "--as-of", AS_OF,
                    "--split-by", "township"], data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = _cases_csv(tmp_path / "run1" / "cases.csv")
    assert {c["status"] for c in first.values()} == {"新增"}
    # the subjects come from the answer key (data/sample/planted.csv): R01's planted cases, each found once
    by_subject = {(c["rule_id"], c["subject_id_number"], c["programme"]): cid for cid, c in first.items()}
    with open(SAMPLE / "planted.csv", encoding="utf-8", newline="") as f:
        planted = [p for p in csv.DictReader(f) if p["rule_id"] == "R01" and p["expect"] == "flag"]
    r01 = [first[by_subject[("R01", p["subject_id_number"], p["programme"])]] for p in planted]
    tianma = [c for c in r01 if c["township"] == "天马街道"]
    pension = next(c for c in tianma if c["programme"] == "城乡居民基本养老保险" and c["period_to"] == "2020-12-01")
    cremated = next(c for c in tianma if c is not pension and "卫健死亡证明" not in c["evidence"])
    unchanged = next(c for c in tianma if c not in (pension, cremated))
    low = next(c for c in r01 if c["programme"] == "最低生活保障" and c["period_to"] <= "2020-09-01")
    died = re.search(r"(\d{4})年(\d+)月(\d+)日死亡", cremated["evidence"]).groups()
    death_on = dt.date(*map(int, died))
    pension_row = (f"{pension['subject_name']},{pension['subject_id_number']},常山县,城乡居民基本养老保险,2021.1,"
                   f"{Decimal(pension['amount_yuan']) / int(pension['months']):.2f},正常,\r\n")
    death_row = (f"{cremated['subject_name']},{cremated['subject_id_number']},{death_on:%Y%m%d},家中,疾病,常山县人民医院,"
                 f"{death_on + dt.timedelta(days=1):%Y%m%d}\r\n")
    pension, cremated, unchanged, low = (c["case_id"] for c in (pension, cremated, unchanged, low))

    whole = tmp_path / "run1" / f"线索清单_{AS_OF}.xlsx"
    filled = decide(whole, {pension: false_(), unchanged: false_(reason="死亡信息有误"),
                            cremated: {"核查结论": "属实", "问题性质": "工作失误", "整改措施": "停发、追回",
                                       "应追回金额": 2430, "已追回金额": 2430, "核查人": "李核查",
                                       "核查日期": dt.date(2021, 1, 25)}})
    township = next((tmp_path / "run1" / "按乡镇").glob("*天马街道*.xlsx"))
    assert listed(township).keys() >= {pension, cremated, unchanged}
    proc = run_cli(["feedback", "import", str(filled), str(township)], data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "导入 3 条核查反馈" in proc.stdout
    run1 = json.loads((tmp_path / "run1" / "run.json").read_text(encoding="utf-8"))["run_id"]
    assert f"依据运行 {run1} 发布的数据" in proc.stdout, "the import names the published run it wrote to"

    inbox2 = tmp_path / "inbox2"
    shutil.copytree(SAMPLE / "inbox", inbox2)
    (inbox2 / "民政_最低生活保障_2020年1-9月.csv").unlink()
    with open(inbox2 / "人社_城乡居民养老金发放_2020.csv", "a", encoding="utf-8") as f:
        f.write(pension_row)
    with open(inbox2 / "卫健_死亡医学证明_2020.csv", "a", encoding="utf-8") as f:
        f.write(death_row)
    proc = run_cli(["run", "--inbox", str(inbox2), "--out", str(tmp_path / "run2"), "--as-of", "2021-02-15"], data)
    assert proc.returncode == 0, proc.stderr[-3000:]

    rows = listed(tmp_path / "run2" / "线索清单_2021-02-15.xlsx")
    assert unchanged not in rows
    assert rows[pension]["线索状态"] == "重新出现" and "所属期至2021年1月" in rows[pension]["变化情况"]
    assert rows[cremated]["线索状态"] == "重新出现" and "死亡信息来源新增：卫健死亡证明" in rows[cremated]["变化情况"]
    assert rows[low]["线索状态"] == "已消失"
    assert {r["线索状态"] for c, r in rows.items() if c not in (pension, cremated, low)} == {"未结"}
    second = _cases_csv(tmp_path / "run2" / "cases.csv")
    assert second[unchanged]["status"] == "已结" and low not in second
    summary = [[c.value for c in r] for r in openpyxl.load_workbook(
        tmp_path / "run2" / "线索清单_2021-02-15.xlsx")["汇总"].iter_rows()]
    r01 = next(r for r in summary if r[0] == "R01")
    assert r01[2] == len(rows) and r01[5] == 2 and r01[6] == 1 and r01[12] == 1

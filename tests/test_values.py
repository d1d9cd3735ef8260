"""Values as departments write them (issue 16): month and date forms, a month typed into a numeric cell,
the month taken from the pay date, rows covering several months, the remark vocabulary, and the
division and birth date of ID numbers; macros on literals, then small inboxes loaded end to end."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import fetch_dicts
from test_ingest_files import GOOD_IDS, write_csv

from rules import derived
from sources import accounting, load, stage, values
from sources.stage import HERE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.world.ids import check_char  # noqa: E402  (the synthetic world's ID numbers: bench/world/ids.py)

D = dt.date


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute((HERE / "macros.sql").read_text(encoding="utf-8"))
    values.create_value_tables(c, D(2021, 1, 15))
    return c


# ---- month and date forms -------------------------------------------------------------------------

@pytest.mark.parametrize("text,month,date", [
    ("2020.03", D(2020, 3, 1), None),
    ("2020.3", D(2020, 3, 1), None),
    ("2020年3月份", D(2020, 3, 1), None),
    ("２０２０年３月份", D(2020, 3, 1), None),
    ("2020年04月30日 23时50分", D(2020, 4, 1), D(2020, 4, 30)),
    ("2020/04/30 23:50", D(2020, 4, 1), D(2020, 4, 30)),
    ("43951", D(2020, 4, 1), D(2020, 4, 30)),          # Excel serial number as text
    ("43951.98", D(2020, 4, 1), D(2020, 4, 30)),       # … with the time of day
    ("2020年13月份", None, None),
])
def test_month_and_date_forms(con, text, month, date):
    got = con.execute("select qf_plausible(qf_month_raw(h)), qf_plausible(qf_date_raw(h)) "
                      "from (select qf_narrow(qf_text(?)) as h)", [text]).fetchone()
    assert got == (month, date)


@pytest.mark.parametrize("text,first,n", [
    ("2020年1-3月", D(2020, 1, 1), 3), ("2020年1月至3月", D(2020, 1, 1), 3), ("2020.01-2020.03", D(2020, 1, 1), 3),
    ("202001-202003", D(2020, 1, 1), 3), ("2020年1月-2020年3月", D(2020, 1, 1), 3), ("2020年1-3月份", D(2020, 1, 1), 3),
    ("2020年11月-2021年2月", D(2020, 11, 1), 4), ("2020年第一季度", D(2020, 1, 1), 3), ("2020年三季度", D(2020, 7, 1), 3),
    ("2020Q4", D(2020, 10, 1), 3), ("2020年下半年", D(2020, 7, 1), 6),
    ("2020年3-1月", None, None), ("2020年1-13月", None, None), ("2019年1月-2020年3月", None, None),  # backwards, no month, > 12
])
def test_month_spans(con, text, first, n):
    got = con.execute("select qf_month_span(qf_narrow(?))", [text]).fetchone()[0]
    assert got == ({"first": first, "n": n} if first else None)


@pytest.mark.parametrize("remark,base,first,n", [
    ("补发7-9月", D(2020, 10, 1), D(2020, 7, 1), 3),
    ("补发11-12月", D(2021, 1, 1), D(2020, 11, 1), 2),        # months after the base month: the year before
    ("补发11-2月", D(2021, 3, 1), D(2020, 11, 1), 4),
    ("2020年1-3月提标补发差额", D(2020, 6, 1), D(2020, 1, 1), 3),
    ("按季发放", D(2020, 5, 1), D(2020, 4, 1), 3),
    ("补发6月", D(2020, 9, 1), None, None),                    # one month: the row's own 所属期 stands
    ("补发", D(2020, 9, 1), None, None),
    ("2020-01-05发放", D(2020, 1, 1), None, None),
])
def test_remark_spans(con, remark, base, first, n):
    got = con.execute("select qf_remark_span(?, ?::date)", [remark, base]).fetchone()[0]
    assert got == ({"first": first, "n": n} if first else None)


@pytest.mark.parametrize("remark,kind", [
    ("补发3月", "supplement"), ("提标补发差额", "supplement"), ("补差", "supplement"), ("补3月", "supplement"),
    ("退回", "correction"), ("冲销补发", "correction"), ("正常发放", None), (None, None),
])
def test_remark_vocabulary(con, remark, kind):
    assert con.execute("select qf_payment_kind(?)", [remark]).fetchone()[0] == kind


def test_the_vocabulary_is_one_file_read_in_one_place():
    words = values.payment_words()
    assert {"supplement", "correction", "quarterly"} <= set(words) and "提标补发差额" in words["supplement"]
    assert "like '%补" not in (HERE / "canonical.sql").read_text(encoding="utf-8")   # no phrase hard-coded


# ---- ID numbers: division and birth date -----------------------------------------------------------

def id_problem(con, text):
    return con.execute("select qf_id_problem(t, id18, false, qf_id_check_ok(id18)) from "
                       "(select t, qf_id18(t) id18 from (select qf_id_text(?) t))", [text]).fetchone()[0]


def with_check(body17: str) -> str:
    return body17 + check_char(body17)


@pytest.mark.parametrize("body,problem", [
    ("33082219500101001", None),
    ("99082219500101001", "ID_BAD_DIVISION"),       # no province 99
    ("19082219500101001", "ID_BAD_DIVISION"),       # nor 19
    ("33082220210114001", None),                    # born the day before the as-of date
    ("33082220210116001", "ID_BAD_BIRTHDATE"),      # after the as-of date (2021-01-15), although before today
])
def test_id_province_and_birth_date_against_as_of(con, body, problem):
    assert id_problem(con, with_check(body)) == problem


def test_division_table_holds_current_and_historical_codes(con):
    codes = {r[0] for r in con.execute("select code from id_divisions").fetchall()}
    assert {"330822", "332427", "339006", "110105", "440524"} <= codes   # 332427 and 339006 are withdrawn
    assert "330899" not in codes and len(codes) > 3000


# ---- small inboxes, end to end ---------------------------------------------------------------------

def run(tmp_path: Path, rows: list[list], as_of: dt.date | None = None, name: str = "a.csv"):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    write_csv(inbox / name, rows, "utf-8")
    c = duckdb.connect()
    load.load_inbox(c, inbox, tmp_path / "transcode")
    stage.stage_all(c, as_of)
    return c


HEADER = ["姓名", "身份证号", "金额", "所属期", "补贴类型", "发放日期", "备注"]


def pay(month, amount=300, paid_on=None, remark=None, i=0):
    return ["张三", GOOD_IDS[i % 3], amount, month, "低保", paid_on, remark]


def months(c) -> list:
    return [r[0] for r in c.execute("select entitlement_month from payments order by row_no").fetchall()]


def test_a_month_cut_short_between_september_and_november_is_october(tmp_path):
    c = run(tmp_path, [HEADER, pay("2020.9"), pay("2020.1"), pay("2020.11"), pay("2020.12")])
    assert months(c) == [D(2020, 9, 1), D(2020, 10, 1), D(2020, 11, 1), D(2020, 12, 1)]
    assert c.execute("select warnings from payments where row_no = 3").fetchone()[0] == "MONTH_FROM_SHEET:entitlement_month"


def test_a_sheet_of_january_to_september_keeps_january(tmp_path):
    c = run(tmp_path, [HEADER, pay("2020.1")] + [pay(f"2020.{m}") for m in range(2, 10)])
    assert months(c) == [D(2020, m, 1) for m in range(1, 10)]


def test_a_month_that_cannot_be_decided_is_quarantined(tmp_path):
    # a whole year as numbers: January and October both read 2020.1
    rows = [HEADER] + [pay(f"2020.{m}") for m in range(1, 10)] + [pay("2020.1"), pay("2020.11"), pay("2020.12")]
    c = run(tmp_path, rows)
    q = fetch_dicts(c, "select row_no, reason, reason_column from quarantine order by row_no")
    assert q == [{"row_no": 2, "reason": "AMBIGUOUS_MONTH", "reason_column": "entitlement_month"},
                 {"row_no": 11, "reason": "AMBIGUOUS_MONTH", "reason_column": "entitlement_month"}]
    assert c.execute("select text_zh from reason_codes where code = 'AMBIGUOUS_MONTH'").fetchone()[0].startswith("所属期")
    assert accounting.accounting(c)[0]["reconciles"]
    # a sheet with nothing but 2020.1 is not decided either
    c = run(tmp_path / "b", [HEADER, pay("2020.1")]) if (tmp_path / "b").mkdir() is None else None
    assert c.execute("select reason from quarantine").fetchall() == [("AMBIGUOUS_MONTH",)]


def test_an_unreadable_month_taken_from_the_pay_date_is_a_warning(tmp_path):
    c = run(tmp_path, [HEADER, pay("三月", paid_on="2020-03-10"), pay(None, paid_on="2020-04-10"),
                       pay("2020-05", paid_on="2020-05-10")])
    got = c.execute("select entitlement_month, warnings from payments order by row_no").fetchall()
    assert got == [(D(2020, 3, 1), "MONTH_FROM_DATE:entitlement_month"), (D(2020, 4, 1), None), (D(2020, 5, 1), None)]


def test_a_row_covering_several_months_becomes_one_row_per_month(tmp_path):
    c = run(tmp_path, [HEADER, pay("2020年1-3月", amount=100), pay("2020-10", amount=810, remark="补发7-9月"),
                       pay("2020年第二季度", amount="-100.01", remark="冲销"), pay("2020-11", amount=300)])
    before = c.execute("select count(*) from payments").fetchone()[0]
    acc = accounting.accounting(c)[0]
    derived.derive(c)
    derived.derive(c)   # twice: nothing more to expand
    got = c.execute("select row_no, entitlement_month, amount_yuan, span_part, span_months, payment_kind, is_arrears "
                    "from payments order by row_no, entitlement_month").fetchall()
    assert before == 4 and acc["rows_loaded"] == 4 and acc["reconciles"]
    assert got == [
        (2, D(2020, 1, 1), Decimal("33.33"), 1, 3, None, False), (2, D(2020, 2, 1), Decimal("33.33"), 2, 3, None, False),
        (2, D(2020, 3, 1), Decimal("33.34"), 3, 3, None, False),
        (3, D(2020, 7, 1), Decimal("270.00"), 1, 3, "supplement", True), (3, D(2020, 8, 1), Decimal("270.00"), 2, 3, "supplement", True),
        (3, D(2020, 9, 1), Decimal("270.00"), 3, 3, "supplement", True),
        (4, D(2020, 4, 1), Decimal("-33.33"), 1, 3, "correction", False), (4, D(2020, 5, 1), Decimal("-33.33"), 2, 3, "correction", False),
        (4, D(2020, 6, 1), Decimal("-33.35"), 3, 3, "correction", False),
        (5, D(2020, 11, 1), Decimal("300.00"), None, None, None, False)]
    # one row read is still one row loaded, however many months it was expanded into
    after = accounting.accounting(c)[0]
    assert after["rows_loaded"] == 4 and after["reconciles"]


def test_an_id_of_no_division_is_quarantined_with_its_own_reason(tmp_path):
    bad = with_check("99082219500101001")
    late = with_check("33082220210116001")
    c = run(tmp_path, [HEADER, pay("2020-01"), ["李四", bad, 300, "2020-01", "低保", None, None],
                       ["王五", late, 300, "2020-01", "低保", None, None]], as_of=D(2021, 1, 15))
    assert dict(c.execute("select row_no, reason from quarantine").fetchall()) == {3: "ID_BAD_DIVISION", 4: "ID_BAD_BIRTHDATE"}
    assert "行政区划" in c.execute("select text_zh from reason_codes where code = 'ID_BAD_DIVISION'").fetchone()[0]
    # without the run's as-of date the check is against today, and the later birth date passes
    c = run(tmp_path / "today", [HEADER, ["王五", late, 300, "2020-01", "低保", None, None]]) \
        if (tmp_path / "today").mkdir() is None else None
    assert c.execute("select count(*) from quarantine").fetchone()[0] == 0


# ---- dates given to the month only (issue 17: unknown is not guilty) -------------------------------

def test_a_date_given_to_the_month_loads_as_that_month_and_an_unreadable_one_is_not_empty(tmp_path):
    """任职结束日期 2020.03 is the end of a term in March 2020, not "still in office"; 2020.1 (maybe 2020.10)
    and 2021-13-01 stay unreadable, and the rules can tell them from a cell left empty."""
    c = run(tmp_path, [["姓名", "身份证号码", "职务", "任职开始日期", "任职结束日期"],
                       ["张三", GOOD_IDS[0], "村主任", "2018年3月", "2020.03"],
                       ["李四", GOOD_IDS[1], "村支书", "2018-03-05", "2020.1"],
                       ["王五", GOOD_IDS[2], "村会计", "201803", "2021-13-01"],
                       ["赵六", "330822195106057322", "村会计", "2018-03-05", ""]], name="村干部花名册.csv")
    got = {r["name"]: r for r in fetch_dicts(c, """
        select name, term_start_on, term_end_on, qf_month_only(warnings, 'term_start_on') as start_month_only,
               qf_month_only(warnings, 'term_end_on') as end_month_only,
               qf_unreadable(warnings, 'term_end_on') as end_unreadable from cadres""")}
    assert (got["张三"]["term_start_on"], got["张三"]["term_end_on"]) == (D(2018, 3, 1), D(2020, 3, 1))
    assert got["张三"]["start_month_only"] and got["张三"]["end_month_only"] and not got["张三"]["end_unreadable"]
    assert got["李四"]["term_end_on"] is None and got["李四"]["end_unreadable"]
    assert not got["李四"]["start_month_only"]
    assert got["王五"]["term_start_on"] == D(2018, 3, 1) and got["王五"]["end_unreadable"]
    assert got["赵六"]["term_end_on"] is None and not got["赵六"]["end_unreadable"]


def test_a_death_record_whose_date_cannot_be_read_is_kept_and_asks_for_the_date(tmp_path):
    """A 注销日期 in a form the loader does not know is neither dropped nor a death date: the record loads
    (warned BAD_DATE), R01 flags nothing and lists the payee on 待补数据 with file, sheet and row."""
    from rules import catalog

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "户籍注销人员名单.csv", [["姓名", "公民身份号码", "注销日期", "注销原因"],
                                          ["张三", GOOD_IDS[0], "二〇二〇年三月", "死亡"]], "utf-8")
    write_csv(inbox / "2020年残疾人生活补贴发放表.csv", [["姓名", "身份证号", "所属期", "金额"],
                                                ["张三", GOOD_IDS[0], "2020-05", "270"],
                                                ["张三", GOOD_IDS[0], "2020-06", "270"]], "utf-8")
    c = duckdb.connect()
    load.load_inbox(c, inbox, tmp_path / "transcode")
    stage.stage_all(c, D(2021, 1, 15))
    derived.derive(c)
    assert c.execute("select count(*), any_value(warnings) from death_records").fetchone() == (1, "BAD_DATE:dereg_on")
    rule = catalog.select_rules(["R01"])[0]
    assert catalog.run_rule(c, rule) == 0 and catalog.run_needs(c, rule) == 1
    need = fetch_dicts(c, "select missing, source_file, row_no from needs_R01")[0]
    assert need == {"missing": "注销日期（无法识别）", "source_file": "户籍注销人员名单.csv", "row_no": 2}


def test_a_pay_date_before_september_decides_january_row_by_row(tmp_path):
    # a whole year as numbers, with the pay dates: January's rows were paid in January, October's in October
    rows = ([HEADER] + [pay(f"2020.{m}", paid_on=f"2020-{m:02d}-05") for m in range(1, 10)]
            + [pay("2020.1", paid_on="2020-10-05"), pay("2020.11", paid_on="2020-11-05"), pay("2020.1", paid_on=None)])
    c = run(tmp_path, rows)
    assert months(c)[0] == D(2020, 1, 1)
    assert c.execute("select warnings from payments where row_no = 2").fetchone()[0] == "MONTH_FROM_PAY_DATE:entitlement_month"
    # paid in October: could be October, or January's arrears; with no pay date: nothing decides either
    q = fetch_dicts(c, "select row_no, reason from quarantine order by row_no")
    assert q == [{"row_no": 11, "reason": "AMBIGUOUS_MONTH"}, {"row_no": 13, "reason": "AMBIGUOUS_MONTH"}]


def test_two_years_as_text_decide_both_januaries(tmp_path):
    # 2019.1 … 2020.12 written as text (2019.10 keeps its zero): each year's 2019.1 / 2020.1 is January once the
    # other year's January is decided (the run of months is judged over the whole sheet)
    rows = [HEADER] + [pay(f"{y}.{m}") for y in (2019, 2020) for m in range(1, 13)]
    c = run(tmp_path, rows)
    assert months(c) == [D(y, m, 1) for y in (2019, 2020) for m in range(1, 13)]
    assert c.execute("select count(*) from quarantine").fetchone()[0] == 0

"""The staging macros on literal values: ID numbers, months, dates, amounts, names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from sources.stage import HERE


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute((HERE / "macros.sql").read_text(encoding="utf-8"))
    return c


def id_result(con, text, lossy=False):
    return con.execute("select id18, qf_id_problem(t, id18, ?, qf_id_check_ok(id18)) from (select t, qf_id18(t) id18 "
                       "from (select qf_id_text(?) t))", [lossy, text]).fetchone()


@pytest.mark.parametrize("text,expected", [
    ("11010519491231002X", "11010519491231002X"),            # the standard's worked example
    ("440524188001010014", "440524188001010014"),
    ("11010519491231002x", "11010519491231002X"),            # lowercase x
    ("11010519491231002×", "11010519491231002X"),            # multiplication sign from an IME
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
    ("'11010519491231002X", "11010519491231002X"),           # text-forcing apostrophe
    (" 1101 0519 4912 3100 2X\u3000", "11010519491231002X"),  # spaces, ideographic space
    ("\u200b11010519491231002X\ufeff", "11010519491231002X"),  # zero-width characters
    ('="11010519491231002X"', "11010519491231002X"),         # Excel text formula wrapper
    ("110105491231002", "11010519491231002X"),               # 15-digit legacy number upgraded
    ("11010519491231002X.0", "11010519491231002X"),          # float rendering that still checks
    ("332427194105051030", "332427194105051030"),            # historical county code stays valid
])
def test_id_normalises(con, text, expected):
    assert id_result(con, text) == (expected, None)


@pytest.mark.parametrize("text,lossy,reason", [
    ("", False, "MISSING_ID"),
    (None, False, "MISSING_ID"),
    ("3.30802E+17", False, "ID_PRECISION_LOST"),
    ("330802195001011000", False, "ID_PRECISION_LOST"),      # 18 digits ending 000, check fails
    ("11010519491231002X", True, "ID_PRECISION_LOST"),       # came through a numeric cell
    ("1101051949123100", False, "ID_TRUNCATED"),
    ("11010519491231002", False, "ID_TRUNCATED"),
    ("11010519491231002Y", False, "ID_BAD_FORMAT"),
    ("11010519491231003X", False, "ID_CHECKSUM_FAIL"),       # one digit typed wrong
    ("11010519491321002X", False, "ID_CHECKSUM_FAIL"),       # two digits swapped
    ("110105194913310021", False, "ID_BAD_BIRTHDATE"),       # month 13, valid check character
])
def test_id_problems(con, text, lossy, reason):
    assert id_result(con, text, lossy)[1] == reason


@pytest.mark.parametrize("text,month,date", [
    ("2020-03", dt.date(2020, 3, 1), None),
    ("202003", dt.date(2020, 3, 1), None),
    ("2020年3月", dt.date(2020, 3, 1), None),
    ("2020.3", dt.date(2020, 3, 1), None),
    ("2020/3/5", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),
    ("2020年3月5日", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),
    ("20200305", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),
    ("2020-03-05", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),
    ("2020-03-05 00:00:00", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),
    ("43895", dt.date(2020, 3, 1), dt.date(2020, 3, 5)),     # Excel serial date
    ("２０２０年３月", dt.date(2020, 3, 1), None),
    ("2020-13", None, None),
    ("2020-02-30", None, None),                               # no such day: not a month either
    ("1899-12-01", None, None),                               # before 1900
    ("三月", None, None),
])
def test_months_and_dates(con, text, month, date):
    got = con.execute("select qf_plausible(qf_month_raw(h)), qf_plausible(qf_date_raw(h)) "
                      "from (select qf_halfwidth(qf_text(?)) as h)", [text]).fetchone()
    assert got == (month, date)


@pytest.mark.parametrize("text,amount", [
    ("1200", Decimal("1200.00")), ("1,200.00", Decimal("1200.00")), ("120元", Decimal("120.00")),
    ("￥1,200.5", Decimal("1200.50")), ("-245", Decimal("-245.00")), ("１２０", Decimal("120.00")),
    ("abc", None), ("", None),
])
def test_amounts(con, text, amount):
    assert con.execute("select qf_amount(qf_halfwidth(qf_text(?)))", [text]).fetchone()[0] == amount


@pytest.mark.parametrize("text,norm", [("张　三", "张三"), (" 张三 ", "张三"), ("买买提•艾力", "买买提·艾力"),
                                       ("买买提.艾力", "买买提·艾力"), ("", None)])
def test_names(con, text, norm):
    assert con.execute("select qf_name(?)", [text]).fetchone()[0] == norm

"""Property-based tests (hypothesis) of the parsing macros: ID numbers, months, dates and amounts, against
an independent Python implementation of GB 11643-1999 and of the formats departments write."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources.stage import HERE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.world.ids import FULLWIDTH, check_char  # noqa: E402  (the synthetic world's, not the loader's)

PROFILE = settings(max_examples=25, deadline=None)   # each example is a batch of up to 40 values
BATCH = dict(min_size=1, max_size=40)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute((HERE / "macros.sql").read_text(encoding="utf-8"))
    return c


def normalise(con, texts: list[str], lossy: bool = False) -> list[tuple]:
    """(id18, problem) for each text, in one query: the macros are compiled once per batch, not per value."""
    return con.execute("""
        select id18, qf_id_problem(t, id18, ?, qf_id_check_ok(id18)) from (
            select i, t, qf_id18(t) as id18 from (
                select i, qf_id_text(l[i]) as t from (select ?::varchar[] as l), range(1, len(l) + 1) r(i)))
        order by i""", [lossy, texts]).fetchall()


def evaluate(con, expr: str, texts: list[str]) -> list:
    """expr over each text (as column h), in one query."""
    return [r[0] for r in con.execute(f"select {expr} from (select i, l[i] as h from (select ?::varchar[] as l), "
                                      f"range(1, len(l) + 1) r(i)) order by i", [texts]).fetchall()]


areas = st.sampled_from(["330822", "330802", "332427", "110105", "440524", "339006"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2019, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def ids(draw):
    body = f"{draw(areas)}{draw(births):%Y%m%d}{draw(sequences):03d}"
    return body + check_char(body)


@given(st.lists(ids(), **BATCH))
@PROFILE
def test_a_valid_number_is_accepted_unchanged(con, numbers):
    assert normalise(con, numbers) == [(n, None) for n in numbers]


@given(st.lists(st.tuples(ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9)), **BATCH))
@PROFILE
def test_any_single_digit_typo_fails_the_check_character(con, cases):
    typos = [n[:pos] + str((int(n[pos]) + delta) % 10) + n[pos + 1:] for n, pos, delta in cases]
    # an 18-digit number ending 000 that fails its check is taken for one zero-filled by Excel
    expected = ["ID_PRECISION_LOST" if t.endswith("000") else "ID_CHECKSUM_FAIL" for t in typos]
    assert [p for _, p in normalise(con, typos)] == expected


@given(st.lists(st.tuples(ids(), st.integers(min_value=0, max_value=15)), **BATCH))
@PROFILE
def test_any_adjacent_swap_of_different_digits_fails(con, cases):
    swaps = [n[:p] + n[p + 1] + n[p] + n[p + 2:] for n, p in cases if n[p] != n[p + 1]]
    expected = ["ID_PRECISION_LOST" if t.endswith("000") else "ID_CHECKSUM_FAIL" for t in swaps]
    assert [p for _, p in normalise(con, swaps)] == expected


@given(st.lists(st.tuples(areas, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences),
                **BATCH))
@PROFILE
def test_fifteen_digits_upgrade_to_eighteen_and_back(con, cases):
    legacy = [f"{a}{b:%y%m%d}{q:03d}" for a, b, q in cases]
    for (area, birth, seq), old, (id18, problem) in zip(cases, legacy, normalise(con, legacy)):
        assert problem is None
        assert id18[:17] == f"{area}{birth:%Y%m%d}{seq:03d}" and id18[17] == check_char(id18[:17])
        assert id18[:6] + id18[8:17] == old                     # the round trip: drop 19 and the check


VARIANTS = {
    "full": lambda n: n.translate(FULLWIDTH),
    "lower": str.lower,
    "spaces": lambda n: f" {n[:6]} {n[6:14]} {n[14:]} ",
    "apostrophe": lambda n: "'" + n,
    "zero_width": lambda n: "\u200b" + n + "\ufeff",
    "ideographic": lambda n: "\u3000" + n + "\u3000",
    "formula": lambda n: f'="{n}"',
}


@given(st.lists(st.tuples(ids(), st.sampled_from(sorted(VARIANTS))), **BATCH))
@PROFILE
def test_typing_variants_normalise_to_the_number(con, cases):
    assert normalise(con, [VARIANTS[v](n) for n, v in cases]) == [(n, None) for n, _ in cases]


@given(st.lists(ids().filter(lambda n: not n.endswith("X")), **BATCH))
@PROFILE
def test_a_number_through_a_numeric_cell_is_never_accepted(con, numbers):
    got = normalise(con, [str(int(float(n))) for n in numbers], lossy=True)
    assert [p for _, p in got] == ["ID_PRECISION_LOST"] * len(numbers)


months = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 1)).map(lambda d: d.replace(day=1))


MONTH_FORMATS = ["{y}-{m:02d}", "{y}{m:02d}", "{y}年{m}月", "{y}.{m}", "{y}/{m}", "{y}-{m}", "{y}年{m:02d}月",
                 "{y}-{m:02d}-01", "{y}/{m}/1"]


@given(st.lists(st.tuples(months, st.sampled_from(MONTH_FORMATS)), **BATCH))
@PROFILE
def test_every_month_format_parses_back(con, cases):
    texts = [f.format(y=m.year, m=m.month) for m, f in cases]
    assert evaluate(con, "qf_plausible(qf_month_raw(qf_narrow(qf_text(h))))", texts) == [m for m, _ in cases], texts


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


DATE_FORMATS = ["{d:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}",
                "{d.year}.{d.month}.{d.day}", "{d:%Y-%m-%d} 00:00:00"]


@given(st.lists(st.tuples(dates, st.sampled_from(DATE_FORMATS)), **BATCH))
@PROFILE
def test_every_date_format_parses_back(con, cases):
    texts = [f.format(d=d) for d, f in cases]
    assert evaluate(con, "qf_plausible(qf_date_raw(qf_narrow(qf_text(h))))", texts) == [d for d, _ in cases], texts


@given(st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2049, 12, 31)), **BATCH))
@PROFILE
def test_excel_serial_dates_parse_back(con, days):
    serials = [str((d - dt.date(1899, 12, 30)).days) for d in days]
    assert evaluate(con, "qf_date_raw(h)", serials) == days


AMOUNT_FORMATS = {
    "plain": str, "grouped": lambda a: f"{a:,.2f}", "yuan": lambda a: f"{a:,.2f}元", "rmb_sign": lambda a: f"￥{a:,.2f}",
    "full": lambda a: str(a).translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－")),
    "spaces": lambda a: f" {a} ",
}
amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(amounts, st.sampled_from(sorted(AMOUNT_FORMATS))), **BATCH))
@PROFILE
def test_every_amount_format_parses_back(con, cases):
    texts = [AMOUNT_FORMATS[f](a) for a, f in cases]
    assert evaluate(con, "qf_amount(qf_narrow(qf_text(h)))", texts) == [a for a, _ in cases], texts


PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
             61, 62, 63, 64, 65, 71, 81, 82}


@given(st.lists(st.tuples(ids(), st.integers(min_value=10, max_value=99)), **BATCH))
@PROFILE
def test_a_checked_number_outside_every_province_is_refused(con, cases):
    numbers = []
    for n, province in cases:
        body = f"{province:02d}{n[2:17]}"
        numbers.append(body + check_char(body))
    expected = [None if int(n[:2]) in PROVINCES else "ID_BAD_DIVISION" for n in numbers]
    assert [p for _, p in normalise(con, numbers)] == expected

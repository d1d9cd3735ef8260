"""民生资金监督指数, 一图一表一指数 (cases/index.py, outputs/index_report.py, outputs/index_charts.py).

A tiny warehouse in real DuckDB: three townships with their payments, cases remembered by the real case ledger over
two monthly runs (2020-12 and 2021-01), verification decisions between them. Every number is checked against the
hand computation written beside it; the configuration (weights, bands) is a file the test writes, and changing it
changes the index and the colours. The HTML report is rendered by headless Chromium.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import warnings
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pytest
from conftest import AS_OF, SAMPLE, run_cli
from matplotlib.figure import Figure
from PIL import Image

from cases import index, ledger, outcomes
from outputs import index_charts, index_report
from rules import catalog
from sources import warehouse

RULES = [SimpleNamespace(id=r, header={}) for r in ("R01", "R04", "R10")]   # what the ledger reads of a rule
DEC, JAN = dt.date(2020, 12, 31), dt.date(2021, 1, 31)

CONFIG = """
title: 民生资金监督指数
window_months: 12
indicators:
  - {id: death, name_zh: 死亡后仍发放（件/千人）, measure: cases_per_1000_recipients, rules: [R01], weight: 2,
     direction: higher_is_worse, normalise: {method: fixed, best: 0, worst: 500}}
  - {id: overpaid, name_zh: 每万元多发（元）, measure: overpaid_per_10000_yuan, rules: [R01, R04], weight: 1,
     direction: higher_is_worse, normalise: {method: fixed, best: 0, worst: 2000}}
  - {id: overdue, name_zh: 超期未反馈（件）, measure: overdue_cases, overdue_days: 30, weight: 1,
     direction: higher_is_worse, normalise: {method: fixed, best: 0, worst: 2}}
  - {id: confirmed, name_zh: 属实率（%）, measure: confirmed_share, weight: 1,
     direction: higher_is_worse, normalise: {method: fixed, best: 0, worst: 100}}
  - {id: recovery, name_zh: 追回率（%）, measure: recovery_rate, weight: 1,
     direction: higher_is_better, normalise: {method: fixed, best: 100, worst: 0}}
  - {id: repeat, name_zh: 重复发生（件）, measure: repeat_cases, weight: 1,
     direction: higher_is_worse, normalise: {method: fixed, best: 0, worst: 2}}
bands:
  - {colour: 绿, min: 80, rgb: "2E9E44"}
  - {colour: 黄, min: 60, rgb: "E6B800"}
  - {colour: 橙, min: 40, rgb: "F07F12"}
  - {colour: 红, min: 0, rgb: "D7261E"}
fonts: [Noto Sans CJK SC, WenQuanYi Zen Hei]
"""

TIANMA, QIUCHUAN, SHUANGTA = ("常山县", "天马街道"), ("常山县", "球川镇"), ("江山市", "双塔街道")


def world() -> duckdb.DuckDBPyConnection:
    """Payments: 天马街道 4 recipients × 12 months × 250 元 = 12,000 元 (and one more person paid only in 2019-12,
    outside the 12-month window); 球川镇 2 × 10 months × 500 元 = 10,000 元; 双塔街道 5 × one month × 200 元 = 1,000 元."""
    con = duckdb.connect()
    con.execute("create table payments (county varchar, township varchar, id_number varchar, "
                "entitlement_month date, amount_yuan decimal(14, 2))")
    rows = [(*TIANMA, f"A{p}", dt.date(2020, m, 1), 250) for p in range(1, 5) for m in range(1, 13)]
    rows += [(*TIANMA, "A5", dt.date(2019, 12, 1), 250)]
    rows += [(*QIUCHUAN, f"B{p}", dt.date(2020, m, 1), 500) for p in range(1, 3) for m in range(3, 13)]
    rows += [(*SHUANGTA, f"D{p}", dt.date(2020, 12, 1), 200) for p in range(1, 6)]
    con.executemany("insert into payments values (?, ?, ?, ?, ?)", rows)
    return con


def case(case_id, rule_id, place, subject, amount) -> tuple:
    return (case_id, rule_id, subject, place[0], place[1], "最低生活保障", Decimal(amount))


def night(con, as_of: dt.date, cases: list[tuple], config: Path):
    """One run: the rules' cases, the real ledger update, then the index of the month."""
    con.execute(catalog.CASES_DDL)
    for c in cases:
        con.execute("insert into cases (case_id, rule_id, subject_id_number, county, township, programme, amount_yuan, "
                    "period_to) values (?, ?, ?, ?, ?, ?, ?, date '2020-12-01')", list(c))
    for r in RULES:
        con.execute(f"create or replace table case_{r.id} as select case_id from cases where rule_id = '{r.id}'")
    ledger.update(con, f"run-{as_of}", as_of, RULES)
    return index.update(con, f"run-{as_of}", as_of, RULES, None, config)


def decide(con, case_id: str, conclusion: str, to_recover=None, recovered=None, measures=None, reason=None):
    """A verification decision as `qingfeng feedback import` records it (on the facts of the first run)."""
    n = con.execute("select count(*) from case_feedback").fetchone()[0]
    closes = outcomes.closes(conclusion, measures, to_recover, recovered)
    con.execute("insert into case_feedback (feedback_id, case_id, conclusion, false_reason, measures, to_recover_yuan, "
                "recovered_yuan, verifier, verified_on, closes, run_id, facts_seq) "
                "values (?, ?, ?, ?, ?, ?, ?, '张三', date '2021-01-10', ?, 'run-2020-12-31', 1)",
                [n + 1, case_id, conclusion, reason, measures, to_recover, recovered, closes])


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "index.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def two_months(config: Path):
    """December: c1 (R01, 天马 A1, 600 元), c2 (R04, 天马 A1, 400 元), c3 (R10, 球川), c4 (R01, 球川 B2, 300 元).
    Decisions: c2 属实, 400 of 400 recovered (closes); c3 不属实 (closes); c4 属实, 100 of 300 recovered (open).
    January: c1 again (no decision, 31 days open: overdue), c2 again with 500 元 (重新出现), c4 again, c3 no more,
    c5 new (R01, 双塔 D1, 200 元)."""
    con = world()
    dec = night(con, DEC, [case("c1", "R01", TIANMA, "A1", 600), case("c2", "R04", TIANMA, "A1", 400),
                           case("c3", "R10", QIUCHUAN, "B1", 1000), case("c4", "R01", QIUCHUAN, "B2", 300)], config)
    decide(con, "c2", outcomes.TRUE, Decimal(400), Decimal(400), "停发、追回")
    decide(con, "c3", outcomes.FALSE, reason="数据错误")
    decide(con, "c4", outcomes.TRUE, Decimal(300), Decimal(100), "停发、追回")
    jan = night(con, JAN, [case("c1", "R01", TIANMA, "A1", 600), case("c2", "R04", TIANMA, "A1", 500),
                           case("c4", "R01", QIUCHUAN, "B2", 300), case("c5", "R01", SHUANGTA, "D1", 200)], config)
    return con, dec, jan


def by_town(con, month: dt.date) -> dict:
    return {(r["county"], r["township"]): r for r in index.month_table(con, month)}


def test_the_index_matches_the_hand_computation(config):
    con, dec, jan = two_months(config)
    assert (dec.month, jan.month) == (dt.date(2020, 12, 1), dt.date(2021, 1, 1))
    got = by_town(con, jan.month)
    t, q, s = got[TIANMA], got[QIUCHUAN], got[SHUANGTA]
    assert (t["recipients"], q["recipients"], s["recipients"]) == (4, 2, 5)       # A5 was paid outside the window
    assert (t["paid_yuan"], q["paid_yuan"], s["paid_yuan"]) == (12000, 10000, 1000)
    value = {town: {k: v["value"] for k, v in r["values"].items()} for town, r in got.items()}
    score = {town: {k: v["score"] for k, v in r["values"].items()} for town, r in got.items()}
    # 天马: c1 open R01 → 1000 × 1/4 = 250 → 50 分; c1 600 and c2 500 on the same person and programme count once:
    # 600 × 10000 / 12000 = 500 → 75 分; c1 overdue (31 days, no decision) → 1 → 50 分; c2 属实 → 100% → 0 分;
    # 400/400 recovered → 100%; c2 came back → 1 → 50 分.
    assert value[TIANMA] == pytest.approx({"death": 250, "overpaid": 500, "overdue": 1, "confirmed": 100,
                                           "recovery": 100, "repeat": 1})
    assert score[TIANMA] == pytest.approx({"death": 50, "overpaid": 75, "overdue": 50, "confirmed": 0,
                                           "recovery": 100, "repeat": 50})
    # 球川: c4 → 500 → 0 分; 300 × 10000 / 10000 = 300 → 85 分; c4 has a decision → not overdue; c3 不属实 and c4 属实
    # → 50%; recovery counts c4 only: 100/300.
    assert value[QIUCHUAN] == pytest.approx({"death": 500, "overpaid": 300, "overdue": 0, "confirmed": 50,
                                             "recovery": 100 / 3, "repeat": 0})
    assert score[QIUCHUAN]["recovery"] == pytest.approx(100 / 3)
    # 双塔: c5 → 200 → 60 分; 200 × 10000 / 1000 = 2000 → 0 分; nothing decided: no 属实率, no 追回率.
    assert value[SHUANGTA] == pytest.approx({"death": 200, "overpaid": 2000, "overdue": 0, "confirmed": None,
                                             "recovery": None, "repeat": 0})
    # the index: weights 2,1,1,1,1,1; indicators without a value left out
    assert t["score"] == round((2 * 50 + 75 + 50 + 0 + 100 + 50) / 7, 1) == 53.6
    assert q["score"] == round((2 * 0 + 85 + 100 + 50 + 100 / 3 + 100) / 7, 1) == 52.6
    assert s["score"] == round((2 * 60 + 0 + 100 + 100) / 5, 1) == 64.0
    assert (t["colour"], q["colour"], s["colour"]) == ("橙", "橙", "黄")
    assert [(r["rank"], r["township"]) for r in index.month_table(con, jan.month)] == [
        (1, "双塔街道"), (2, "天马街道"), (3, "球川镇")]


def test_history_accumulates_and_the_month_on_month_change_is_right(config):
    con, dec, jan = two_months(config)
    december = by_town(con, dec.month)
    # December: 天马 (2×50 + 75 + 100 + 100) / 5 = 75.0; 球川 (0 + 85 + 100 + 100) / 5 = 57.0; 双塔 no case: 100
    assert {k: (r["score"], r["colour"], r["previous"]) for k, r in december.items()} == {
        TIANMA: (75.0, "黄", None), QIUCHUAN: (57.0, "橙", None), SHUANGTA: (100.0, "绿", None)}
    january = by_town(con, jan.month)
    assert {k: (r["previous"], r["change"]) for k, r in january.items()} == {
        TIANMA: (75.0, -21.4), QIUCHUAN: (57.0, -4.4), SHUANGTA: (100.0, -36.0)}
    trend = index.history(con, jan.month)
    assert [(h["month"], h["township"], h["score"]) for h in trend if h["township"] == "天马街道"] == [
        (dt.date(2020, 12, 1), "天马街道", 75.0), (dt.date(2021, 1, 1), "天马街道", 53.6)]
    # January run again: its rows are replaced, December's kept
    index.update(con, "again", JAN, RULES, None, config)
    counts = con.execute("select month, count(*), count(distinct run_id) from index_scores group by month "
                         "order by month").fetchall()
    assert counts == [(dt.date(2020, 12, 1), 3, 1), (dt.date(2021, 1, 1), 3, 1)]
    assert con.execute("select count(*) from index_values where month = '2021-01-01'").fetchone()[0] == 3 * 6
    assert by_town(con, jan.month)[TIANMA]["score"] == 53.6


def test_changing_the_configuration_changes_the_index_and_the_colours(config, tmp_path):
    con, _, jan = two_months(config)
    before = {k: (r["score"], r["colour"]) for k, r in by_town(con, jan.month).items()}
    # thresholds: 黄 from 60 down to 50 → 天马 53.6 and 球川 52.6 turn 黄
    bands = tmp_path / "bands.yaml"
    bands.write_text(CONFIG.replace("{colour: 黄, min: 60", "{colour: 黄, min: 50"), encoding="utf-8")
    index.update(con, "bands", JAN, RULES, None, bands)
    after = {k: (r["score"], r["colour"]) for k, r in by_town(con, jan.month).items()}
    assert after == {TIANMA: (53.6, "黄"), QIUCHUAN: (52.6, "黄"), SHUANGTA: (64.0, "黄")} != before
    # weights: death weighs 6 instead of 2 → 天马 (6×50 + 275)/11 = 52.3, 球川 (0 + 368.33)/11 = 33.5 → 红,
    # 双塔 (6×60 + 200)/9 = 62.2
    weights = tmp_path / "weights.yaml"
    weights.write_text(CONFIG.replace("rules: [R01], weight: 2", "rules: [R01], weight: 6"), encoding="utf-8")
    index.update(con, "weights", JAN, RULES, None, weights)
    after = {k: (r["score"], r["colour"]) for k, r in by_town(con, jan.month).items()}
    assert after == {TIANMA: (52.3, "橙"), QIUCHUAN: (33.5, "红"), SHUANGTA: (62.2, "黄")}


def test_relative_normalisation_scores_the_best_township_100_and_the_worst_0(config, tmp_path):
    path = tmp_path / "relative.yaml"
    path.write_text(CONFIG.replace("normalise: {method: fixed, best: 0, worst: 500}", "normalise: {method: relative}"),
                    encoding="utf-8")
    con, _, jan = two_months(path)
    death = {k: r["values"]["death"]["score"] for k, r in by_town(con, jan.month).items()}
    # values 250 (天马), 500 (球川), 200 (双塔): (v - 500) / (200 - 500)
    assert death == pytest.approx({TIANMA: 100 * 250 / 300, QIUCHUAN: 0, SHUANGTA: 100})


@pytest.mark.parametrize("edit, message", [
    (("weight: 2", "weight: -2"), "weight 应为正数"),
    (("best: 0, worst: 500", "best: 500, worst: 0"), "矛盾"),
    (("measure: repeat_cases", "measure: repeats"), "measure 应为"),
    (("{colour: 红, min: 0", "{colour: 红, min: 10"), "最后一档的 min 应为 0"),
    (("{colour: 黄, min: 60", "{colour: 黄, min: 90"), "逐档递减"),
    (("direction: higher_is_better", "direction: up"), "direction 应为"),
])
def test_a_wrong_configuration_is_refused_with_its_file_named(tmp_path, edit, message):
    path = tmp_path / "office.yaml"
    assert edit[0] in CONFIG
    path.write_text(CONFIG.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(index.IndexConfigError, match=message) as e:
        index.read_config(path)
    assert str(path) in str(e.value)


def test_the_default_configuration_reads_and_a_partial_run_writes_nothing(config):
    default = index.read_config(None)
    assert default.path.name == "index.yaml" and [b.colour for b in default.bands] == ["绿", "黄", "橙", "红"]
    assert default.rules() <= {r.id for r in catalog.catalog()}
    con = world()
    some = [SimpleNamespace(id="R01", header={})]
    assert "R04" in index.applies(index.read_config(config), ["R01"])
    assert index.update(con, "partial", JAN, some, None, config) is None
    assert index.applies(index.read_config(config), ["R01", "R04"], catalog.Scope(townships=("天马街道",)))
    assert index_report.write(con, Path("/nonexistent"), None) == []


def test_the_kept_months_are_carried_into_the_next_runs_snapshot(config, tmp_path):
    """Each run builds a new warehouse file (sources/warehouse.py): the index's months go with the ledger."""
    assert set(index.TABLES) <= set(warehouse.CARRIED_TABLES)
    wh = tmp_path / "warehouse.duckdb"
    con, snapshot = warehouse.begin_snapshot(wh, "first")
    con.execute("create table payments as select * from (values ('常山县', '天马街道', 'A1', date '2020-12-01', "
                "100.00::decimal(14, 2))) t(county, township, id_number, entitlement_month, amount_yuan)")
    night(con, DEC, [case("c1", "R01", TIANMA, "A1", 600)], config)
    con.close()
    warehouse.publish(wh, snapshot)
    con, _ = warehouse.begin_snapshot(wh, "second")
    assert con.execute("select month, township, score from index_scores").fetchall() == [
        (dt.date(2020, 12, 1), "天马街道", round((2 * 0 + 0 + 100 + 100) / 5, 1))]
    con.close()


def test_the_sample_run_writes_the_report_and_keeps_the_month(sample_run):
    month = f"{dt.date.fromisoformat(AS_OF):%Y-%m}"
    names = {p.name for p in sample_run.iterdir()}
    assert {f"监督指数_{month}.csv", f"监督指数_{month}.xlsx", f"监督指数_{month}.html", f"监督指数排名_{month}.png",
            f"监督指数走势_{month}.png"} <= names
    rows = list(csv.DictReader((sample_run / f"监督指数_{month}.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {"天马街道", "球川镇"} <= {r["乡镇（街道）"] for r in rows}
    assert all(r["颜色"] in ("绿", "黄", "橙", "红") for r in rows)
    con = duckdb.connect(str(sample_run.parent / "warehouse.duckdb"), read_only=True)
    try:
        kept = con.execute("select count(*), min(month) from index_scores").fetchone()
    finally:
        con.close()
    assert kept == (len(rows), dt.date.fromisoformat(AS_OF).replace(day=1))
    assert not EXTERNAL.search((sample_run / f"监督指数_{month}.html").read_text(encoding="utf-8"))


def test_a_run_with_a_wrong_index_configuration_is_refused_before_it_starts(tmp_path):
    bad = tmp_path / "office.yaml"
    bad.write_text(CONFIG.replace("weight: 2", "weight: 0"), encoding="utf-8")
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(tmp_path / "out"), "--as-of", AS_OF],
                   tmp_path / "data", env={"QINGFENG_INDEX_CONFIG": str(bad)})
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "office.yaml" in proc.stdout + proc.stderr and "weight 应为正数" in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


# --- 一表, 一图 and the HTML report -------------------------------------------------------------------------------

@pytest.fixture
def report(config, tmp_path):
    con, _, jan = two_months(config)
    out = tmp_path / "out"
    out.mkdir()
    return index_report.write(con, out, jan), jan


def test_the_table_is_a_chinese_csv_with_the_change(report):
    paths, _ = report
    csv_path = next(p for p in paths if p.suffix == ".csv")
    assert csv_path.name == "监督指数_2021-01.csv"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0])[:5] == ["排名", "县（市、区）", "乡镇（街道）", "发放对象（人）", "发放金额（元）"]
    tianma = next(r for r in rows if r["乡镇（街道）"] == "天马街道")
    assert (tianma["指数"], tianma["颜色"], tianma["上月指数"], tianma["环比变化"]) == ("53.6", "橙", "75.0", "-21.4")
    assert tianma["每万元多发（元）"] == "500.0" and tianma["属实率（%）"] == "100.0"
    shuangta = next(r for r in rows if r["乡镇（街道）"] == "双塔街道")
    assert shuangta["属实率（%）"] == "" and shuangta["排名"] == "1"


def test_the_workbook_holds_the_table_in_colour_and_both_charts(report):
    paths, jan = report
    wb = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    assert wb.sheetnames == ["指数", "指标说明", "图表"]
    ws = wb["指数"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[2].value == "天马街道")
    score = row[header.index("指数")]
    assert score.value == 53.6 and score.fill.fgColor.rgb.endswith("F07F12")          # 橙
    assert row[header.index("环比变化")].value == -21.4
    assert len(wb["图表"]._images) == 2
    assert any("越高越好" in (c.value or "") for r in wb["指标说明"].iter_rows() for c in r if isinstance(c.value, str))


def test_chinese_renders_in_the_charts(report, config):
    """The charts are drawn in a CJK font that has every character they show: matplotlib warns of a missing
    glyph (an empty box), and no warning comes; the same text in a Latin-only font does warn."""
    _, jan = report
    name, path = index_charts.cjk_font(index.read_config(config).fonts)
    assert index_charts._covers(path, index_charts.PROBE + "天马街道球川镇双塔街道常山县江山市")
    con, _, _ = two_months(config)
    rows = index.month_table(con, jan.month)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = index_charts.ranking_png(rows, jan.config, jan.month)
        index_charts.trend_png(index.history(con, jan.month), jan.config, jan.month)
    assert not [w for w in caught if "missing from font" in str(w.message)], [str(w.message) for w in caught]
    assert png.startswith(b"\x89PNG")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure()
        fig.text(0.5, 0.5, "天马街道", family="DejaVu Sans")
        fig.savefig(io.BytesIO(), format="png")
    assert [w for w in caught if "missing from font" in str(w.message)], "the check would not see an empty box"


def test_no_cjk_font_stops_the_charts_with_a_message(monkeypatch, config):
    from matplotlib import font_manager

    latin = [e for e in font_manager.fontManager.ttflist if e.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    index_charts.cjk_font.cache_clear()
    try:
        with pytest.raises(index_charts.ChartFontError, match="fonts-noto-cjk"):
            index_charts.cjk_font(("Noto Sans CJK SC",))
    finally:
        index_charts.cjk_font.cache_clear()


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*(?!["']?(?:data:|\#))|url\(\s*(?!["']?data:)|@import|https?://|//[a-z0-9.-]+\.""",
                      re.I)


def test_the_html_report_is_self_contained(report):
    paths, _ = report
    text = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(text), EXTERNAL.search(text).group(0)
    assert text.count('src="data:image/png;base64,') == 2
    assert "天马街道" in text and "53.6" in text and "−21.4" not in text and "-21.4" in text
    assert EXTERNAL.search('<img src="https://example.org/a.png">')          # the check sees what it forbids


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not CHROMIUM, reason="headless Chromium is not installed (.ci/run installs it)")
def test_headless_chromium_renders_the_report(report, tmp_path):
    """The page opens offline in a browser: the screenshot is not blank and shows the bands' colours."""
    paths, jan = report
    page = next(p for p in paths if p.suffix == ".html")
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1200,1600", "--hide-scrollbars",
                    f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120)
    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 1600)
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "blank page"
    counts = {rgb: n for n, rgb in colours}
    for band in ("橙", "黄"):
        rgb = tuple(int(jan.config.band(band).rgb[i:i + 2], 16) for i in (0, 2, 4))
        assert counts.get(rgb, 0) > 100, f"no {band} on the page"

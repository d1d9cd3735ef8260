"""民生资金监督指数 (the 一指数 of 一图一表一指数): a monthly score from 0 to 100 and a colour per township, built
from what the case ledger knows — outstanding cases per 1,000 recipients by rule family, suspected overpaid yuan
per 10,000 yuan paid, cases overdue for a verification decision, the share verified as true, the recovery rate,
cases that came back.

Indicators, their rules, weights, directions, normalisation and the colour bands are configuration
(cases/index.yaml, or an office's own file: the setting `index_config`); docs/index.md explains them. The
computation is DuckDB SQL over whole tables (cases/index.sql). The warehouse keeps every month (created if
missing, never replaced, so the trend accumulates across runs):

- `index_values`  one row per township, month and indicator: raw value, score 0–100, weight;
- `index_scores`  one row per township and month: the index and its colour, recipients and amount paid.

A run replaces the rows of its report month (the month of its as-of date): rerunning a month changes no other.
Only a run that sees everything the index needs writes it: every rule the indicators name, and no scope (a run
of some townships, months or rules would replace the month with a partial picture).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import yaml

from sources.declarations import read_yaml

from . import ledger
from .outcomes import FALSE, PARTLY, TRUE

HERE = Path(__file__).parent
DEFAULT_CONFIG = HERE / "index.yaml"
MEASURES = {
    "cases_per_1000_recipients": "未结线索数 ÷ 发放对象人数 × 1000",
    "overpaid_per_10000_yuan": "未结线索的疑似多发金额（同一人同一项目取最大值）÷ 发放金额 × 10000",
    "overdue_cases": "首次发现后超过 overdue_days 天仍无核查结论的未结线索数",
    "confirmed_share": "核查结论为属实或部分属实的线索 ÷ 有属实、部分属实或不属实结论的线索 × 100",
    "recovery_rate": "已追回金额 ÷ 应追回金额 × 100（属实、部分属实且应追回金额大于 0 的线索）",
    "repeat_cases": "本次重新出现的线索数（已结或已消失后又出现）",
}
DIRECTIONS = {"higher_is_worse": True, "higher_is_better": False}
METHODS = ("fixed", "relative")
STEP_RE = re.compile(r"^-- step: (\w+)\s*$", re.M)
PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

TABLES = ("index_values", "index_scores")    # carried from run to run (sources/warehouse.py, CARRIED_TABLES)
SCHEMA = """
create table if not exists index_values (
    month date, county varchar, township varchar, indicator varchar, ord integer, name_zh varchar,
    value double, score double, weight double, run_id varchar, computed_at timestamp);
create table if not exists index_scores (
    month date, county varchar, township varchar, score double, colour varchar, recipients bigint,
    paid_yuan decimal(18, 2), run_id varchar, config_sha varchar, computed_at timestamp);
"""


class IndexConfigError(Exception):
    pass


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    measure: str
    rules: tuple[str, ...]
    weight: float
    higher_is_worse: bool
    method: str
    best: float | None
    worst: float | None
    overdue_days: int


@dataclass(frozen=True)
class Band:
    colour: str
    min: float
    rgb: str


@dataclass(frozen=True)
class IndexConfig:
    title: str
    unit: str
    window_months: int
    open_statuses: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    fonts: tuple[str, ...]
    path: Path
    sha: str                     # of the file's bytes: which configuration computed a month (index_scores)

    def rules(self) -> set[str]:
        return {r for i in self.indicators for r in i.rules}

    def band(self, colour: str | None) -> Band | None:
        return next((b for b in self.bands if b.colour == colour), None)


@dataclass(frozen=True)
class IndexMonth:
    """What one run computed: the report month and the configuration it used."""

    month: dt.date
    config: IndexConfig
    run_id: str


def read_config(path: Path | str | None = None) -> IndexConfig:
    """The index's configuration: `path` (an office's own file), else the default shipped with Qingfeng.
    Every mistake is refused with the file named."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        data = path.read_bytes()
        doc = read_yaml(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise IndexConfigError(f"{path}: 无法读取指数配置：{e}") from e
    except yaml.YAMLError as e:
        raise IndexConfigError(f"{path}: 指数配置不是有效的 YAML：{e}") from e

    def fail(message: str):
        raise IndexConfigError(f"{path}: {message}")

    if not isinstance(doc, dict) or not isinstance(doc.get("indicators"), list) or not doc["indicators"]:
        fail("需要 indicators（指标列表）")
    indicators, seen = [], set()
    for n, item in enumerate(doc["indicators"], start=1):
        indicators.append(_indicator(item, n, seen, fail))
    bands = []
    for n, item in enumerate(doc.get("bands") or [], start=1):
        if not isinstance(item, dict) or not item.get("colour") or not _number(item.get("min")):
            fail(f"bands 第{n}项需要 colour 和数值 min")
        rgb = str(item.get("rgb", "808080")).lstrip("#")
        if not re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
            fail(f"bands 第{n}项（{item['colour']}）的 rgb 应为六位十六进制颜色，如 2E9E44")
        bands.append(Band(str(item["colour"]), float(item["min"]), rgb.upper()))
    if not bands:
        fail("需要 bands（颜色分档）")
    if any(a.min <= b.min for a, b in zip(bands, bands[1:])):
        fail("bands 应从最好的一档排起，min 逐档递减")
    if bands[-1].min != 0:
        fail("bands 最后一档的 min 应为 0（每个指数都有颜色）")
    window = doc.get("window_months", 12)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        fail("window_months 应为正整数")
    statuses = tuple(doc.get("open_statuses") or ledger.OPEN_STATUSES)
    unknown = [s for s in statuses if s not in ledger.STATUSES]
    if unknown:
        fail(f"open_statuses 中的 {'、'.join(map(str, unknown))} 不是线索状态（{'、'.join(ledger.STATUSES)}）")
    return IndexConfig(str(doc.get("title") or "民生资金监督指数"), str(doc.get("unit") or "乡镇（街道）"), window,
                       statuses, tuple(indicators), tuple(bands), tuple(map(str, doc.get("fonts") or ())), path,
                       hashlib.sha256(data).hexdigest()[:12])


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _indicator(item, n: int, seen: set, fail) -> Indicator:
    if not isinstance(item, dict):
        fail(f"indicators 第{n}项应为一组键值")
    ident = str(item.get("id") or "")
    where = f"指标 {ident or f'第{n}项'}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", ident) or ident in seen:
        fail(f"{where}：id 应为小写英文、数字和下划线，且不重复")
    seen.add(ident)
    if item.get("measure") not in MEASURES:
        fail(f"{where}：measure 应为 {'、'.join(MEASURES)} 之一")
    if not _number(item.get("weight")) or item["weight"] <= 0:
        fail(f"{where}：weight 应为正数")
    if item.get("direction") not in DIRECTIONS:
        fail(f"{where}：direction 应为 higher_is_worse（越高越差）或 higher_is_better（越高越好）")
    worse = DIRECTIONS[item["direction"]]
    norm = item.get("normalise") or {"method": "relative"}
    method = norm.get("method") if isinstance(norm, dict) else None
    if method not in METHODS:
        fail(f"{where}：normalise.method 应为 fixed 或 relative")
    best = worst = None
    if method == "fixed":
        best, worst = norm.get("best"), norm.get("worst")
        if not (_number(best) and _number(worst)) or best == worst:
            fail(f"{where}：fixed 需要两个不同的数值 best（100 分）和 worst（0 分）")
        if (best < worst) != worse:
            fail(f"{where}：best={best}、worst={worst} 与 direction={item['direction']} 矛盾")
        best, worst = float(best), float(worst)
    rules = item.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, str) and re.fullmatch(r"[A-Z]\d{2}", r) for r in rules):
        fail(f"{where}：rules 应为规则编号列表，如 [R01, R02]")
    days = item.get("overdue_days", 30)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        fail(f"{where}：overdue_days 应为不小于 0 的整数")
    return Indicator(ident, str(item.get("name_zh") or ident), item["measure"], tuple(rules), float(item["weight"]),
                     worse, method, best, worst, days)


def ensure_schema(con) -> None:
    con.execute(SCHEMA)


def applies(config: IndexConfig, rule_ids, scope=None) -> str | None:
    """Why a run cannot write the index (a scoped run, or one without every rule the indicators name), or None."""
    if scope is not None and not scope.whole:
        return "本次运行限定了县、乡镇或所属期，未更新监督指数"
    missing = sorted(config.rules() - set(rule_ids))
    if missing:
        return f"本次运行未包含规则 {'、'.join(missing)}，未更新监督指数"
    return None


def report_month(as_of: dt.date) -> dt.date:
    return as_of.replace(day=1)


def update(con, run_id: str, as_of: dt.date, rules, scope=None, config_path: Path | str | None = None
           ) -> IndexMonth | None:
    """Compute the index of the run's report month and store it in place of that month's rows; None (nothing
    written) when the run cannot speak for the whole month (`applies`). Runs after the case ledger's update, in
    the run's transaction."""
    config = read_config(config_path)
    if applies(config, [r.id for r in rules], scope):
        return None
    month = report_month(as_of)
    compute(con, config, month)
    ensure_schema(con)
    params = {"month": month, "run_id": run_id}
    con.execute("delete from index_values where month = $month", {"month": month})
    con.execute("delete from index_scores where month = $month", {"month": month})
    con.execute("""
        insert into index_values
        select $month, county, township, indicator, ord, name_zh, value, score, weight, $run_id, current_timestamp
        from _index_scored""", params)
    con.execute("""
        insert into index_scores
        select $month, county, township, score, colour, recipients, paid_yuan, $run_id, $sha, current_timestamp
        from _index_month""", {**params, "sha": config.sha})
    return IndexMonth(month, config, run_id)


def compute(con, config: IndexConfig, month: dt.date) -> None:
    """The month's index into temp tables (_index_scored: per township and indicator; _index_month: per
    township), from the warehouse's payments and case ledger (cases/index.sql)."""
    ledger.ensure_schema(con)
    con.execute(f"create or replace temp table _index_decisions as {ledger.DECISIONS_SQL}")
    rows = [{**dataclasses.asdict(i), "indicator": i.id, "ord": n, "rules": list(i.rules)}
            for n, i in enumerate(config.indicators)]
    con.register("_index_indicators_in", pa.Table.from_pylist(rows, schema=pa.schema([
        ("indicator", pa.string()), ("ord", pa.int32()), ("name_zh", pa.string()), ("measure", pa.string()),
        ("rules", pa.list_(pa.string())), ("weight", pa.float64()), ("higher_is_worse", pa.bool_()),
        ("method", pa.string()), ("best", pa.float64()), ("worst", pa.float64()), ("overdue_days", pa.int32())])))
    con.register("_index_bands_in", pa.table({"colour": [b.colour for b in config.bands],
                                              "min_score": [b.min for b in config.bands]}))
    try:
        con.execute("create or replace temp table _index_indicators as select * from _index_indicators_in")
        con.execute("create or replace temp table _index_bands as select * from _index_bands_in")
    finally:
        con.unregister("_index_indicators_in")
        con.unregister("_index_bands_in")
    values = {"month": month, "window_months": config.window_months, "open_statuses": list(config.open_statuses),
              "reraised": ledger.RERAISED, "true": TRUE, "partly": PARTLY, "false": FALSE}
    text = (HERE / "index.sql").read_text(encoding="utf-8")
    for sql in STEP_RE.split(text)[2::2]:
        con.execute(sql, {k: values[k] for k in set(PARAM_RE.findall(sql))})


# --- reading the kept months back (outputs/index_report.py renders them) ------------------------------------

def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def indicators_of(con, month: dt.date) -> list[tuple[str, str]]:
    """(indicator, Chinese name) of a month as it was computed, in the configuration's order."""
    return con.execute("select indicator, any_value(name_zh) from index_values where month = $m "
                       "group by indicator order by min(ord)", {"m": month}).fetchall()


def month_table(con, month: dt.date) -> list[dict]:
    """一表: one row per township of the month, best index first: its rank, recipients, amount paid, each
    indicator's raw value and score, the index, colour, the previous month's index and the change."""
    ensure_schema(con)
    rows = con.execute("""
        select s.county, s.township, s.recipients, s.paid_yuan, s.score, s.colour, p.score as previous,
               round(s.score - p.score, 1) as change,
               rank() over (order by s.score desc nulls last) as rank,
               (select map(list(v.indicator), list({'value': v.value, 'score': v.score}))
                from index_values v where v.month = s.month and v.county is not distinct from s.county
                  and v.township = s.township) as values
        from index_scores s
        left join index_scores p on p.month = $prev and p.county is not distinct from s.county
                                 and p.township = s.township
        where s.month = $m
        order by s.score desc nulls last, s.county, s.township""",
                       {"m": month, "prev": previous_month(month)}).fetchall()
    keys = ("county", "township", "recipients", "paid_yuan", "score", "colour", "previous", "change", "rank", "values")
    return [dict(zip(keys, r)) for r in rows]


def history(con, last: dt.date, months: int = 12) -> list[dict]:
    """The index of every township in the `months` months up to `last` (for the trend chart), oldest first."""
    ensure_schema(con)
    first = last
    for _ in range(months - 1):
        first = previous_month(first)
    rows = con.execute("""
        select month, county, township, score, colour from index_scores
        where month between $first and $last order by month, county, township""",
                       {"first": first, "last": last}).fetchall()
    return [dict(zip(("month", "county", "township", "score", "colour"), r)) for r in rows]

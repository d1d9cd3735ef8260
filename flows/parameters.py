"""A run's parameters, parsed once at the edge: the flow's form (the console, the API, the schedule) and
`qingfeng run` hand the nightly flow text; `RunParameters.parse` turns it into one typed, frozen object
(dates as dates, the scope as a rules.catalog.Scope, paths as paths), and every step below gets that
object, never the text again. A value that cannot be parsed is refused here, with a sentence for people.

`as_of` (核查基准日) left empty is not today: it is the last day of the newest month of the payment ledgers
in the inbox (`as_of_from_ledgers`), so a run on old files compares them with their own time, not the
calendar's. Those months are known only once the ledgers are staged: the run stages them with today as the
latest plausible date (flows/nightly.py, `Run.latest`; validation keeps that bound too, so a death recorded
after the ledgers' last month is not taken for a typo), then resolves the date before the rules and the
ledger use it, and records which it used (run.json `as_of_from`, the 汇总 sheet, the log).

The records of a run (run.json, the runs index) keep the parameters as they were given (`given`): what was
asked is what an analyst looks for, and a refused run has nothing else to show.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from outputs.workbook import SPLIT_FOLDERS
from rules import catalog

from . import console, settings


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def parse_month(text: str | None) -> dt.date | None:
    """YYYY-MM (or YYYY-MM-DD) → the first day of that month; anything more is refused, not cut off."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else text + "-01").replace(day=1)
    except ValueError:
        raise ValueError(f"所属期应为 YYYY-MM 格式，收到 {text!r}") from None


def parse_day(text: str | None) -> dt.date | None:
    """YYYY-MM-DD → a date (None → None)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期应为 YYYY-MM-DD 格式，收到 {text!r}") from None


def month_end(month: dt.date) -> dt.date:
    """The last day of `month`'s month."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def as_of_from_ledgers(last_month, today: dt.date) -> tuple[dt.date, str]:
    """The default 核查基准日 and where it came from: the last day of the newest ledger month (`last_month`, a
    date or its ISO text, outputs/runinfo.py last_ledger_month) → 'ledgers'; today when the inbox has no
    ledger → 'today'."""
    if not last_month:
        return today, "today"
    return month_end(dt.date.fromisoformat(str(last_month)[:10])), "ledgers"


ENGINES = ("duckdb", "spark")
MASTER_RE = re.compile(r"local(\[(\d+|\*)\])?|spark://[\w.\-]+(:\d+)?(,[\w.\-]+(:\d+)?)*|sc://[\w.\-]+(:\d+)?(/.*)?|yarn|k8s://\S+")


def parse_engine(text: str | None) -> str:
    engine = (text or "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"计算引擎“{text}”不认识：应为 duckdb 或 spark")
    return engine


def parse_master(text: str) -> str:
    if not MASTER_RE.fullmatch(text.strip()):
        raise ValueError(f"Spark 地址“{text}”不认识：应为 local[2]、spark://主机:7077、sc://主机:15002、yarn 或 k8s://…")
    return text.strip()


def parse_split_by(text: str | None) -> str | None:
    """The workbook split from the form's label (按县（市、区）分册) or its code (county, township)."""
    if text in console.SPLIT:
        return console.SPLIT[text]
    if text not in (None, "", *SPLIT_FOLDERS):
        raise ValueError(f"分册方式应为 {' 或 '.join(SPLIT_FOLDERS)}，收到 {text!r}")
    return text or None


@dataclass(frozen=True)
class RunParameters:
    """What the analyst (or the schedule) asked of one nightly run."""

    inbox: Path
    out: Path | None                     # None: data/runs/<run id>
    as_of: dt.date | None                # None: from the ledgers (`as_of_from_ledgers`)
    rules: tuple[str, ...] | None        # None: every rule of the catalogue
    scope: catalog.Scope
    warehouse: Path                      # the published path
    split_by: str | None
    mask: bool
    wait_s: int
    engine: str = "duckdb"               # duckdb | spark (rules/spark.py)
    spark_master: str = "local[2]"

    @classmethod
    def parse(cls, inbox: str, out: str, as_of: str, rules: list[str], counties: list[str], townships: list[str],
              month_from: str, month_to: str, warehouse_path: str, split_by: str, mask: bool,
              wait_s: int, engine: str = "duckdb", spark_master: str = "local[2]") -> RunParameters:
        """The form's text as typed values (ValueError, with a sentence for people, when one cannot be)."""
        scope = catalog.Scope(tuple(console.county_values(counties or [])), tuple(townships or ()),
                              parse_month(month_from), parse_month(month_to))
        return cls(inbox=Path(inbox), out=Path(out) if out else None, as_of=parse_day(as_of),
                   rules=tuple(rules) if rules else None, scope=scope,
                   warehouse=Path(warehouse_path) if warehouse_path else Path(settings.get("warehouse")),
                   split_by=parse_split_by(split_by), mask=mask, wait_s=wait_s,
                   engine=parse_engine(engine), spark_master=parse_master(spark_master or "local[2]"))

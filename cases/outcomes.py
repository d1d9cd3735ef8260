"""What an investigator can decide about a case (核查反馈): the columns every case row of a workbook ends with,
their lists (per rule family, cases/outcomes.yaml) and checks, and whether a decision closes its case.

What a decision does (cases/ledger.py applies it on the next run):
    不属实 (any 不属实原因)                                                  → closes the case (已结);
    属实 / 部分属实 with 整改措施, 应追回金额 and 已追回金额 ≥ 应追回金额     → closes the case (整改完毕);
    属实 / 部分属实 otherwise, 无法核实 (暂存待查)                            → the case stays open (未结), listed
                                                                               with the decision prefilled.
Closing needs the money: a 属实 / 部分属实 decision must say how much is to be recovered (应追回金额, prefilled
from the rule's amount where that amount is money paid out wrongly: `prefills_to_recover`; 0 when nothing is)
and, when that is more than 0, how much was recovered so far (0 is an answer) or why not (未追回原因). The
import (cases/feedback.py) refuses a row that does not, a 办结 (属实 + 停发 …) among them, with a sentence
naming file, sheet and row; the case stays open. Money recorded but not all back, or explained but not
recovered, keeps the case open: a reason is not a recovery.
The decision in force is the one with the latest 核查日期 (on the same date, the latest import), so an
older workbook imported again never overrides a newer decision.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sources.declarations import read_yaml

TRUE, PARTLY, FALSE, UNVERIFIABLE = "属实", "部分属实", "不属实", "无法核实"
HERE = Path(__file__).parent
LIST_KINDS = ("choice", "choices")


@dataclass(frozen=True)
class Field:
    column: str                 # the case_feedback column
    kind: str                   # choice | choices (several, 、-separated) | amount | date | text
    prompt: str = ""            # the input message Excel shows on the cell

    @property
    def choices(self) -> tuple[str, ...]:
        """The default list (a rule family may offer another: `choices_for`)."""
        return choices_for(self.column) if self.kind in LIST_KINDS else ()


FIELDS = (
    Field("conclusion", "choice", "核查结论：属实、部分属实、不属实，或无法核实（暂存待查）"),
    Field("false_reason", "choice", "结论为“不属实”时必选：为什么不属实"),
    Field("nature", "choice", "结论为“属实”或“部分属实”时选择问题性质"),
    Field("measures", "choices", "可从列表选一项；多项用“、”分隔，如：停发、追回"),
    Field("to_recover_yuan", "amount", "结论为属实时必填：应追回金额（元），已按规则算出的金额预填，可修改；无须追回的填 0"),
    Field("recovered_yuan", "amount", "已追回金额（元），不大于应追回金额"),
    Field("unrecovered_reason", "text", "应追回的钱未全部追回时必填：未追回的原因（如：当事人已死亡、正在分期追缴）"),
    Field("verifier", "text", "填写核查反馈时必填：核查人姓名"),
    Field("verified_on", "date", "填写核查反馈时必填：核查日期，如 2021-01-20"),
    Field("note", "text"),
)
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}


@functools.cache
def _config() -> dict:
    config = read_yaml((HERE / "outcomes.yaml").read_text(encoding="utf-8"))
    lists = {f.column for f in FIELDS if f.kind in LIST_KINDS}
    if set(config["lists"]) != lists:
        raise ValueError(f"cases/outcomes.yaml: lists 应恰为 {sorted(lists)}")
    seen: dict[str, str] = {}
    for name, family in (config.get("families") or {}).items():
        for key in family:
            if key not in (*lists, "rules", "prefill_to_recover"):
                raise ValueError(f"cases/outcomes.yaml: 类别“{name}”中的 {key} 不是可设置的列表")
        for rule_id in family.get("rules") or []:
            if rule_id in seen:
                raise ValueError(f"cases/outcomes.yaml: {rule_id} 同时属于“{seen[rule_id]}”和“{name}”")
            seen[rule_id] = name
    return config


def family_of(rule_id: str | None) -> dict:
    """The rule's family in cases/outcomes.yaml ({} when it is in none: the default lists)."""
    for family in (_config().get("families") or {}).values():
        if rule_id in (family.get("rules") or []):
            return family
    return {}


def family_rules() -> set[str]:
    """Every rule id a family names (a test checks each is a rule of the catalogue)."""
    return {r for f in (_config().get("families") or {}).values() for r in f.get("rules") or []}


def choices_for(column: str, rule_id: str | None = None) -> tuple[str, ...]:
    """The list a feedback column offers on a rule's sheet (the default list without a rule)."""
    return tuple(family_of(rule_id).get(column) or _config()["lists"][column])


def prefills_to_recover(rule_id: str) -> bool:
    """Whether the rule's 涉及金额 is money paid out wrongly, so that 应追回金额 starts from it."""
    return bool(family_of(rule_id).get("prefill_to_recover", _config().get("prefill_to_recover", True)))


def money_problem(conclusion: str | None, measures: str | None, to_recover: Decimal | None,
                  recovered: Decimal | None, reason: str | None) -> tuple[str, str] | None:
    """What a 属实 / 部分属实 decision leaves unaccounted for, as (the column to point at, a sentence); None when
    the money is accounted for (see the module docstring)."""
    if conclusion not in (TRUE, PARTLY):
        return None
    closing = "填写了整改措施（办结），但" if measures else ""
    if to_recover is None:
        return ("to_recover_yuan", f"结论为“{conclusion}”，{closing}没有填写应追回金额：请填写（无须追回的填 0）；线索保持未结")
    if recovered is None and not reason and to_recover > 0:
        return ("recovered_yuan", f"结论为“{conclusion}”，应追回 {to_recover:,.2f} 元，{closing}没有填写已追回金额，"
                                  "也没有填写未追回原因；线索保持未结")
    return None


def closes(conclusion: str | None, measures: str | None, to_recover: Decimal | None,
           recovered: Decimal | None) -> bool:
    """Whether a decision closes its case (see the module docstring)."""
    if conclusion == FALSE:
        return True
    if conclusion in (TRUE, PARTLY) and measures and to_recover is not None:
        return (recovered or Decimal(0)) >= to_recover
    return False

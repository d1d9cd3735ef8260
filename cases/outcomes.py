"""What an investigator can decide about a case (核查反馈): the columns every case row of a workbook ends with,
their lists and checks, and whether a decision closes its case.

What a decision does (cases/ledger.py applies it on the next run):
    不属实 (any 不属实原因, 已整改 included)                        → closes the case (已结);
    属实 / 部分属实 with 整改措施 and 已追回金额 ≥ 应追回金额 (or none) → closes the case (整改完毕);
    属实 / 部分属实 otherwise, 无法核实 (暂存待查)                   → the case stays open (未结), listed with
                                                                       the decision prefilled.
The decision in force is the one with the latest 核查日期 (on the same date, the latest import), so an
older workbook imported again never overrides a newer decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

TRUE, PARTLY, FALSE, UNVERIFIABLE = "属实", "部分属实", "不属实", "无法核实"


@dataclass(frozen=True)
class Field:
    column: str                 # the case_feedback column
    kind: str                   # choice | choices (several, 、-separated) | amount | date | text
    choices: tuple[str, ...] = ()
    prompt: str = ""            # the input message Excel shows on the cell


FIELDS = (
    Field("conclusion", "choice", (TRUE, PARTLY, FALSE, UNVERIFIABLE), "核查结论：属实、部分属实、不属实，或无法核实（暂存待查）"),
    Field("false_reason", "choice", ("数据错误", "死亡信息有误", "重名或重号", "政策允许", "已整改"),
          "结论为“不属实”时必选：为什么不属实"),
    Field("nature", "choice", ("工作失误", "虚报冒领", "优亲厚友", "截留私分", "贪污侵占", "其他"),
          "结论为“属实”或“部分属实”时选择问题性质"),
    Field("measures", "choices", ("停发", "清退", "追回", "调减保障人数", "补发", "制度完善"),
          "可从列表选一项；多项用“、”分隔，如：停发、追回"),
    Field("to_recover_yuan", "amount", prompt="应追回金额（元），两位小数"),
    Field("recovered_yuan", "amount", prompt="已追回金额（元），不大于应追回金额"),
    Field("verifier", "text", prompt="填写核查反馈时必填：核查人姓名"),
    Field("verified_on", "date", prompt="填写核查反馈时必填：核查日期，如 2021-01-20"),
    Field("note", "text"),
)
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}


def closes(conclusion: str | None, measures: str | None, to_recover: Decimal | None,
           recovered: Decimal | None) -> bool:
    """Whether a decision closes its case (see the module docstring)."""
    if conclusion == FALSE:
        return True
    if conclusion in (TRUE, PARTLY) and measures:
        return to_recover is None or (recovered or Decimal(0)) >= to_recover
    return False

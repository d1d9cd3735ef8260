"""The Chinese labels of the columns investigators see: one table for the whole project (cases/labels.yaml),
a rule's own `labels:` for its columns, and the source kinds' first header synonym for the rest.

Why here, in cases/ and not in outputs/: the lowest rooms that need a column's label are the case ledger (its
change sentences, 金额增加：…, name the changed column and are stored with the case: cases/ledger.py,
describe_changes) and the feedback import (it finds the 核查反馈 columns of a returned workbook by their
headers: cases/feedback.py). The workbooks (outputs/) read the same table from here, so a header and the
sentence about it can never disagree.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sources.declarations import kinds, read_yaml

HERE = Path(__file__).parent


@functools.cache
def labels() -> dict[str, str]:
    return read_yaml((HERE / "labels.yaml").read_text(encoding="utf-8"))


def label(column: str, rule_labels: dict | None = None) -> str:
    """A column's Chinese label: the rule's, else cases/labels.yaml's, else the first header synonym a
    source kind declares for it."""
    return (rule_labels or {}).get(column) or labels().get(column) or _synonyms().get(column, column)


@functools.cache
def _synonyms() -> dict[str, str]:
    return {name: c.synonyms[0] for k in reversed(kinds()) for name, c in k.columns.items() if c.synonyms}

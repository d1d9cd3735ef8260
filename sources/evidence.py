"""What a header or a column says about a sheet's kind: how specific a header word is, how much a column's
values agree with what a kind expects there, and how close an unknown header is to a column's synonyms.
sources/recognise.py weighs these into a score per kind."""

from __future__ import annotations

import functools
import math
from collections import Counter

from .declarations import Kind, kinds, norm_header
from .layout import strip_paren
from .profile import ColumnProfile

# Content a column of this class may also show (a month column written as dates, a birth date as 年月).
ACCEPTS = {"id": ("id", "idlike"), "month": ("month", "date"), "date": ("date", "month"), "name": ("name",),
           "org": ("org", "text"),
           "code": ("code", "account", "amount")}

# Classes whose absence from a column contradicts a header that names them (free text such as a 编号 or a
# 单位 does not: its form varies too much).
STRONG = {"id", "month", "date", "amount", "plate", "credit", "account"}

# Header words that mark an ID column as someone other than the row's subject.
OTHER_PERSON = ("配偶", "父", "母", "子女", "监护", "代理", "代领", "收款", "领款", "干部", "关联", "经办", "联系人",
                "法定代表", "妻", "夫")


@functools.cache
def synonym_weight() -> dict[str, float]:
    """Synonym → 1 / the number of kinds that declare it (a word every kind uses says little)."""
    seen: dict[str, set[str]] = {}
    for k in kinds():
        for c in k.columns.values():
            for s in c.synonyms:
                seen.setdefault(s, set()).add(k.kind)
    return {s: 1.0 / len(ks) for s, ks in seen.items()}


@functools.cache
def class_weight() -> dict[str, float]:
    """Content class → 1 / the number of kinds with a column of that content."""
    seen: dict[str, set[str]] = {}
    for k in kinds():
        for c in k.columns.values():
            if c.content:
                seen.setdefault(c.content, set()).add(k.kind)
    return {cls: 1.0 / len(ks) for cls, ks in seen.items()}


def agrees(cls: str | None, p: ColumnProfile) -> float:
    return max((p.share(c) for c in ACCEPTS.get(cls, (cls,))), default=0.0) if cls else 0.0


def header_weight(cell: str) -> float:
    h = norm_header(cell)
    w = synonym_weight()
    if h in w:
        return w[h]
    # a header that ends with a synonym (领取人身份证号码), or carries a unit note
    hits = [w[s] for s in w if len(s) >= 2 and (h.endswith(s) or h.startswith(s + "("))]
    return max(hits, default=0.3)


def bigrams(text: str) -> frozenset[str]:
    t = strip_paren(norm_header(text))
    return frozenset(t[i:i + 2] for i in range(len(t) - 1))


@functools.cache
def bigram_weight() -> dict[str, float]:
    """Bigram → inverse document frequency over every column of every kind (日期 and 号码 say little)."""
    vocabularies = [v for k in kinds() for v in vocabulary(k).values()]
    df = Counter(b for v in vocabularies for b in v)
    return {b: math.log(1 + len(vocabularies) / n) for b, n in df.items()}


@functools.cache
def vocabulary(k: Kind) -> dict[str, frozenset[str]]:
    """Column → the bigrams of its synonyms."""
    return {c.name: frozenset().union(*map(bigrams, c.synonyms)) for c in k.columns.values() if c.synonyms}


def similarity(header: str, vocabulary: frozenset[str]) -> float:
    """The share of a header's words (bigrams, weighted by how rare they are) found among a column's synonyms;
    a bigram no synonym of any kind uses weighs as the rarest."""
    grams = bigrams(header)
    if not grams:
        return 0.0
    w = bigram_weight()
    rarest = max(w.values(), default=1.0)
    total = sum(w.get(b, rarest) for b in grams)
    return sum(w.get(b, rarest) for b in grams & vocabulary) / total


def fits(col, p: ColumnProfile) -> bool:
    """Do a column's values allow it to be `col` (a column with too few values to tell always does)?"""
    if not col.content or p.filled < 3:
        return True
    share = agrees(col.content, p)
    return share >= 0.5 if col.content in STRONG or col.content == "name" else share >= 0.2 or not p.best()[0]


def importance(k: Kind, column: str) -> float:
    """How much naming this column says about the kind: a required column most, a free-text one least
    (备注 is declared by one kind, but every kind of list has remarks)."""
    c = k.columns[column]
    if c.required or column == k.key:
        return 1.0
    return 0.8 if c.content else 0.4


def named_otherwise(header: str, column: str, elsewhere: dict[str, set[str]]) -> bool:
    """Is this header a declared name for some other column (出生年月 is not an entitlement month)?"""
    h = norm_header(header)
    return bool(h) and h in elsewhere and column not in elsewhere[h]


def count_like(p: ColumnProfile) -> bool:
    """序号 and 人数 columns hold small whole numbers, not amounts."""
    return p.shares.get("small", 0.0) >= 0.8 or p.shares.get("sequence", 0.0) >= 0.8

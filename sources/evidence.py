"""What a header or a column says about a sheet's kind: how specific a header word is, how much a column's
values agree with what a kind expects there, and how close an unknown header is to a column's synonyms.
sources/recognise.py weighs these into a score per kind."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

from .declarations import Kind, kinds, norm_header
from .layout import strip_paren
from .profile import ColumnProfile

# Content a column of this class may also show (a month column written as dates, a birth date as 年月).
ACCEPTS = {"id": ("id", "idlike"), "month": ("month", "date", "serial"), "date": ("date", "month", "serial"),
           "name": ("name",),
           "org": ("org", "text"),
           "code": ("code", "account", "amount")}

# Classes whose absence from a column contradicts a header that names them (free text such as a 编号 or a
# 单位 does not: its form varies too much).
STRONG = {"id", "month", "date", "amount", "plate", "credit", "account", "programme"}

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


@functools.lru_cache(maxsize=1 << 16)    # every candidate header asks again for the same cells
def header_weight(cell: str) -> float:
    """How specific a header is: its synonym's weight, or the best of the synonyms it ends with."""
    h = norm_header(cell)
    w = synonym_weight()
    if h in w:
        return w[h]
    # a header that ends with a synonym (领取人身份证号码), or carries a unit note
    hits = [w[s] for s in w if len(s) >= 2 and (h.endswith(s) or h.startswith(s + "("))]
    return max(hits, default=0.3)


_PUNCT = re.compile(r"[()（）\[\]【】、/\\,，.。;；\-_—~～·]")


# Words offices use interchangeably in headers, compared as one (变动时间 is 变动日期).
WORD_EQUIVALENTS = (("年月日", "日期"), ("时间", "日期"), ("编码", "编号"), ("号码", "号"), ("帐", "账"))


def bigrams(text: str) -> frozenset[str]:
    """A header's words, as its characters and its pairs of characters (brackets and punctuation dropped:
    镇(乡、街道) → 镇 乡 街 道 镇乡 乡街 街道; interchangeable words made one)."""
    t = _PUNCT.sub("", strip_paren(norm_header(text))) or _PUNCT.sub("", norm_header(text))
    for word, same in WORD_EQUIVALENTS:
        t = t.replace(word, same)
    return frozenset([*t, *(t[i:i + 2] for i in range(len(t) - 1))])


@functools.cache
def bigram_weight() -> dict[str, float]:
    """Character or pair → inverse document frequency over the synonyms of every kind (日期 and 号码 say
    little, 备 or 案 much)."""
    synonyms = {s for k in kinds() for c in k.columns.values() for s in c.synonyms}
    df = Counter(b for s in synonyms for b in bigrams(s))
    return {b: math.log(1 + len(synonyms) / n) for b, n in df.items()}


# Columns whose name means the same thing in every kind: their synonyms in any kind are theirs in all (村居 is
# a village in a project ledger too). A person's name or ID is not among them: whose it is differs by kind.
SHARED_COLUMNS = ("county", "township", "village", "address", "sex", "remark", "birth_on")


@functools.cache
def vocabulary(k: Kind) -> dict[str, tuple[frozenset[str], ...]]:
    """Column → the words of each of its synonyms (for a shared column, its synonyms in every kind)."""
    shared: dict[str, set[str]] = {}
    for other in kinds():
        for c in other.columns.values():
            if c.name in SHARED_COLUMNS:
                shared.setdefault(c.name, set()).update(c.synonyms)
    return {c.name: tuple(bigrams(s) for s in sorted(shared.get(c.name, set()) | set(c.synonyms)))
            for c in k.columns.values() if c.synonyms or c.name in shared}


def similarity(header: str, synonyms: tuple[frozenset[str], ...]) -> float:
    """How close a header is to the nearest of a column's synonyms: the weighted Dice coefficient of their
    characters and pairs of characters (报备日期 ~ 备案日期 0.6; 项目 ~ 项目名称 0.6, ~ 项目所在村 0.5). A word no
    synonym uses weighs as the rarest."""
    return _similarity(norm_header(header), synonyms)


@functools.lru_cache(maxsize=1 << 16)     # a sheet's headers are compared with every kind's columns
def _similarity(header: str, synonyms: tuple[frozenset[str], ...]) -> float:
    grams = bigrams(header)
    if not grams:
        return 0.0
    mine = _weight(grams)
    best = 0.0
    for s in synonyms:
        if shared := grams & s:             # (most pairs share nothing: 0, the floor)
            best = max(best, 2 * _weight(shared) / (mine + _synonym_weight(s)))
    return best


def _weight(grams: frozenset[str]) -> float:
    w = bigram_weight()
    rarest = _rarest()
    return sum(w.get(b, rarest) for b in grams)


_synonym_weight = functools.lru_cache(maxsize=1 << 14)(_weight)     # the synonyms' words: a few thousand


@functools.cache
def _rarest() -> float:
    return max(bigram_weight().values(), default=1.0)


def fits(col, p: ColumnProfile, strict: bool = False) -> bool:
    """Do a column's values allow it to be `col`? A column with too few values to tell does, unless `strict`
    and `col` holds values of a definite form (an empty 经办人 column is not taken for an ID column)."""
    if not col.content or p.filled < 3:
        return not (strict and col.content in STRONG and p.filled < 2)
    share = agrees(col.content, p)
    return share >= 0.5 if col.content in STRONG or col.content == "name" else share >= 0.2 or not p.best()[0]


def importance(k: Kind, column: str) -> float:
    """How much naming this column says about the kind: a required column most, a free-text one least
    (备注 is declared by one kind, but every kind of list has remarks). A column the sheet must have (the kind's
    `required` list) counts as required even where a row may lack its value (a filing whose date is unreadable)."""
    c = k.columns[column]
    if c.required or column == k.key or column in k.required:
        return 1.0
    return 0.8 if c.content else 0.4


def named_otherwise(header: str, column: str, elsewhere: dict[str, set[str]], k: Kind | None = None) -> bool:
    """Is this header a declared name for some other column (出生年月 is not an entitlement month)? With `k`:
    for another column of that kind, or for a shared column (乡镇, 村 …) it has. Whose name or ID a header
    means differs by kind (收款人 is a ledger's recipient but a compensation list's payee), so other kinds'
    person columns do not count."""
    h = norm_header(header)
    if not h:
        return False
    if k is None:
        others = elsewhere.get(h, set())
        return bool(others) and column not in others
    own = {c.name for c in k.columns.values() if h in c.synonyms}
    shared = {n for n in elsewhere.get(h, set()) if n in SHARED_COLUMNS and n in k.columns}
    return bool((own | shared) - {column}) and column not in own


def count_like(p: ColumnProfile) -> bool:
    """序号 and 人数 columns hold small whole numbers, not amounts."""
    return p.shares.get("small", 0.0) >= 0.8 or p.shares.get("sequence", 0.0) >= 0.8

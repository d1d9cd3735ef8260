"""Identifiers of the synthetic world: well-formed (valid check characters), made up.

The city computes the same check characters in SQL (bench/generate.py, MACROS: id_check, credit): their
weights come from here (ID_WEIGHTS, CREDIT_WEIGHTS)."""

from __future__ import annotations

import datetime as dt
import random

# GB 11643-1999: ISO 7064 MOD 11-2 over the 17-digit body
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")   # an ID number as typed with a CJK IME


def check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def id_number(area: str, birth: dt.date, seq: int) -> str:
    """An 18-character ID number: address code, birth date, sequence (odd for men), check character."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def id_check_sql(arg: str = "b") -> str:
    """The check character of a 17-character body `arg` as a DuckDB expression (the same as check_char)."""
    terms = " + ".join(f"({arg}[{i}]::int) * {w}" for i, w in enumerate(ID_WEIGHTS, 1))
    return f"substr('10X98765432', 1 + (({terms}) % 11)::integer, 1)"


# 统一社会信用代码 (GB 32100-2015): 登记管理部门 9 (市场监管) + 机构类别 (1 企业, 2 个体工商户, 3 农民专业合作社)
# + 6-digit division + 9-character body + a MOD 31 check character.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
CREDIT_CATEGORY = {"企业": "1", "个体工商户": "2", "农民专业合作社": "3"}


def credit_code(category: str, area: str, body9: str) -> str:
    s17 = "9" + category + area + body9
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(s17, CREDIT_WEIGHTS))
    return s17 + CREDIT_CHARS[(31 - total % 31) % 31]


def org_code(rng: random.Random) -> str:
    """A random 组织机构代码 (GB 11714: eight characters and its own check character), as the sample's
    businesses carry in the middle of their credit code."""
    body = "MA2" + "".join(rng.choice(CREDIT_CHARS) for _ in range(5))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c9 = 11 - sum(v * w for v, w in zip(values, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    return body + {10: "X", 11: "0"}.get(c9, str(c9))


def base_digits(index: int, chars: str, width: int) -> str:
    """index written in base len(chars) with `width` digits: a unique, reproducible body."""
    out, n = "", index
    for _ in range(width):
        out = chars[n % len(chars)] + out
        n //= len(chars)
    return out


def indexed_credit_code(category: str, area: str, index: int) -> str:
    """A credit code whose body is index in base 31 (the city: unique without a registry)."""
    return credit_code(category, area, base_digits(index, CREDIT_CHARS, 9))


PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no I, no O
PLATE_PREFIX = "浙H"                                  # 衢州


def plate(rng: random.Random, letters: bool = True) -> str:
    """A random 衢州 plate (letters=False: digits only, as motorcycles' here)."""
    chars = "ABCDEFGHJKLMNPQRSTUVWXYZ" if letters else ""
    return PLATE_PREFIX + "".join(rng.choice("0123456789" + chars) for _ in range(5))


def indexed_plate(index: int) -> str:
    return PLATE_PREFIX + base_digits(index, PLATE_CHARS, 5)


def bank_card(id_number: str) -> str:
    """The sample's 农商银行 card of a person (one card per person)."""
    return "6217" + id_number[6:14] + id_number[14:17] + "8"

"""People of the synthetic world: names (unique within a world), as the register spells them."""

from __future__ import annotations

import random


def unique_name(rng: random.Random, used: set, surnames: str, given: str, lengths=(1, 2),
                surname: str | None = None) -> str:
    """A surname (given, or drawn) and one or two given characters, not yet in `used` (then added)."""
    while True:
        n = (surname or rng.choice(surnames)) + "".join(rng.choice(given) for _ in range(rng.choice(lengths)))
        if n not in used:
            used.add(n)
            return n


TRADE_CHARACTERS = "兴旺绿源丰泰华盛鑫达"


def trade_name(i: int) -> str:
    """A shop's or company's 字号 that tells the i-th apart (兴, 旺, … 旺兴 …): a business name keeps the
    Chinese form departments write (…苗木专业合作社, …建筑工程有限公司), with no digits that would make it
    look unlike a business to the loader's recognition."""
    return "".join(TRADE_CHARACTERS[int(d)] for d in str(i))

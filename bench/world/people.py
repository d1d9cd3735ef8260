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

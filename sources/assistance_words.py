"""The vocabulary of the household rules (sources/assistance_words.yaml): 单独施保 and its many wordings,
the statuses that end a vehicle's ownership or a business's registration, who runs a business, who has
left public pay. Each category becomes a SQL macro qf_<category>(s) (does text s say it?), made the same
way as the payment-remark macros (sources/values.py), and the words are kept in table `assistance_words`
so that a run shows what it matched."""

from __future__ import annotations

import functools
from pathlib import Path

from .declarations import read_yaml
from .quoting import sql_str
from .warehouse import ref_table

HERE = Path(__file__).parent
CATEGORIES = ("insured_alone", "vehicle_ended", "business_ended", "business_operator", "business_stake",
              "business_member", "payroll_left", "payroll_not_staff")


@functools.cache
def assistance_words() -> dict[str, tuple[str, ...]]:
    """Category → words, from sources/assistance_words.yaml (every category present, maybe empty)."""
    d = read_yaml((HERE / "assistance_words.yaml").read_text(encoding="utf-8")) or {}
    unknown = set(d) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"assistance_words.yaml: unknown categories {sorted(unknown)}; known: {CATEGORIES}")
    return {c: tuple(str(w) for w in d.get(c) or ()) for c in CATEGORIES}


def _matches(words: tuple[str, ...]) -> str:
    """SQL: does text s contain any of the words (`%` in a word stands for any text)? As values._matches."""
    likes = " or ".join("s like " + sql_str(f"%{w}%") for w in words)
    return f"coalesce({likes}, false)" if words else "false"


def macros_sql() -> str:
    """qf_insured_alone(s), qf_vehicle_ended(s), … : true when text s contains one of the category's words
    (false for NULL text)."""
    return "\n".join(f"create or replace macro qf_{c}(s) as {_matches(w)};" for c, w in assistance_words().items())


def create(con) -> None:
    """The macros and the table assistance_words(category, word)."""
    con.execute(macros_sql())
    ref_table(con, "assistance_words", ["category", "word"],
              [(c, w) for c, words in assistance_words().items() for w in words])

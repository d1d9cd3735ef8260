"""The source declarations (sources/kinds/*.yaml, programmes.yaml, divisions.csv) as Python objects."""

from __future__ import annotations

import csv
import functools
import re
import sys
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).parent
KINDS_DIR = HERE / "kinds"     # the folder kinds() reads; kinds_from() points it elsewhere for a while
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's: about 7× faster when present


def read_yaml(text: str):
    """yaml.safe_load, with the C loader when PyYAML has it."""
    return yaml.load(text, Loader=_YAML_LOADER)
COLUMN_TYPES = {"id", "name", "text", "month", "date", "amount", "integer", "account", "programme"}
# The content a column of a type holds unless its declaration says `content:` (text columns say what text).
TYPE_CONTENT = {"id": "id", "name": "name", "month": "month", "date": "date", "amount": "amount",
                "account": "account", "programme": "programme"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    synonyms: tuple[str, ...]
    required: bool = False
    hint: str | None = None            # a sheet-level hint that fills the column when it is absent or empty
    else_month_of: str | None = None   # month column: fall back on the month of this date column
    title_values: tuple[tuple[str, str], ...] = ()  # keyword in the title/sheet/file name → value
    content: str | None = None         # what the column's cells hold (sources/profile.py CLASSES): evidence
                                       # that a sheet is of this kind, and a way to map a column by its values

    @property
    def hint_key(self) -> str | None:
        """The key of source_sheets.hints that fills this column, if any."""
        return self.hint or (self.name if self.title_values else None)


@dataclass(frozen=True)
class Variant:
    """A sub-source recognised by the columns a file has (e.g. which office sent a death record)."""
    source: str
    any_of: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    kind: str
    table: str
    name_zh: str
    keywords: tuple[str, ...]
    required: tuple[str, ...]
    require_any: tuple[str, ...]
    told_by: tuple[str, ...]           # recognition only: one of these columns, or a keyword in the title,
                                       # sheet or file name (a list of 姓名 and 身份证号 is any list of people)
    variants: tuple[Variant, ...]
    columns: dict[str, Column] = field(hash=False)
    key: str = "id_number"             # the column that is empty on footers and notes, never on records
    wide: tuple[tuple[str, str], ...] = ()   # a wide layout: ("value", amount column), ("month", month column),
                                             # ("programme", programme column) — see sources/wide.py

    @property
    def raw_table(self) -> str:
        return f"raw_{self.kind}"

    @property
    def stg_table(self) -> str:
        return f"stg_{self.kind}"


def norm_header(text: str) -> str:
    """Header cell text for matching: NFKC (full-width brackets and digits), no whitespace or line
    breaks, no required-field stars or trailing colons."""
    text = str(text or "")
    # recognition compares each header with every kind's synonyms: a header is normalised once (a hostile
    # cell a megabyte long is not kept)
    return _norm_header(text) if len(text) <= 200 else _normalise(text)


_HEADER_NOISE = re.compile(r"[\s\u3000\u200b-\u200d\ufeff*※:：]+")


def _normalise(text: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text))


_norm_header = functools.lru_cache(maxsize=1 << 16)(_normalise)


@functools.cache
def kinds() -> tuple[Kind, ...]:
    out = []
    for path in sorted(Path(KINDS_DIR).glob("*.yaml")):
        d = read_yaml(path.read_text(encoding="utf-8"))
        cols = {}
        for name, c in d["columns"].items():
            if c["type"] not in COLUMN_TYPES:
                raise ValueError(f"{path.name}: column {name} has unknown type {c['type']!r}")
            cols[name] = Column(
                name=name,
                type=c["type"],
                synonyms=tuple(norm_header(s) for s in c.get("synonyms", [])),
                required=bool(c.get("required", False)),
                hint=c.get("hint"),
                else_month_of=c.get("else_month_of"),
                title_values=tuple((c.get("title_values") or {}).items()),
                content=c.get("content", TYPE_CONTENT.get(c["type"])),
            )
        variants = tuple(
            Variant(v["source"], tuple(v.get("any_of", [])), tuple(v.get("keywords", [])))
            for v in d.get("variants", [])
        )
        out.append(Kind(
            kind=d["kind"], table=d["table"], name_zh=d["name_zh"],
            keywords=tuple(d.get("keywords", [])), required=tuple(d.get("required", [])),
            require_any=tuple(d.get("require_any", [])), told_by=tuple(d.get("told_by", [])),
            variants=variants, columns=cols,
            key=d.get("key", "id_number"), wide=tuple((d.get("wide") or {}).items()),
        ))
    # persons (the register) first: other kinds' damaged ID numbers are recovered against the register
    order = {"persons": 0, "payments": 1}
    return tuple(sorted(out, key=lambda k: (order.get(k.kind, 1), k.kind)))


@contextmanager
def kinds_from(folder: Path):
    """Read the kind declarations from `folder` (*.yaml as in sources/kinds/) inside the `with` block, e.g.
    to measure recognition with one header synonym left out (bench/recognition.py). Every cached function
    of the loaded sources.* modules is cleared on the way in and out (layout caches keyed on Kind).
    Not thread-safe: the whole process sees the other declarations meanwhile."""
    global KINDS_DIR
    before = KINDS_DIR
    KINDS_DIR = Path(folder)
    _clear_caches()
    try:
        yield
    finally:
        KINDS_DIR = before
        _clear_caches()


def _clear_caches() -> None:
    # (what a sheet's cells hold, sources/profile.py, does not depend on the kind declarations: kept)
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "sources" or name.startswith("sources.")) and name != "sources.profile":
            for obj in list(vars(module).values()):
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()


# A kind is named after the table it fills (docs/design.md, "A kind and its table share one name"). Until
# then the register was kind `households` (table persons) and the death records kind `deaths` (table
# death_records, beside the derived table deaths): an analyst's mapping file or `inspect --kind` that still
# says the old name is read as the new one, and the run says so (sources/mappings.py).
OLD_KIND_NAMES = {"households": "persons", "deaths": "death_records"}


def kind_name(name: str) -> str:
    """The kind's name today: an old name (OLD_KIND_NAMES) as the new one, any other name unchanged."""
    return OLD_KIND_NAMES.get(name, name)


def kind(name: str) -> Kind:
    """The kind of that name (an old name too)."""
    return next(k for k in kinds() if k.kind == kind_name(name))


@functools.cache
def programmes() -> tuple[dict, ...]:
    return tuple(read_yaml((HERE / "programmes.yaml").read_text(encoding="utf-8"))["programmes"])


@functools.cache
def programme_column_words() -> dict[str, str]:
    """Header word → programme, for a column of amounts headed by its programme (生活 | 护理 side by side):
    the programme's synonyms, its short name and its `column_words` (exact words, never searched inside text)."""
    out = {}
    for p in programmes():
        for w in [*p["synonyms"], p.get("short") or "", *(p.get("column_words") or [])]:
            if w:
                out[norm_header(w)] = p["name"]
    return out


def programme_synonyms() -> list[tuple[str, str, str | None]]:
    """(synonym, programme, sub_type) rows; a sub-type synonym names its programme too."""
    rows = []
    for p in programmes():
        for s in p["synonyms"]:
            rows.append((norm_header(s), p["name"], None))
        for sub, syns in (p.get("sub_types") or {}).items():
            for s in syns:
                rows.append((norm_header(s), p["name"], sub))
    return rows


@functools.cache
def divisions() -> tuple[dict, ...]:
    with open(HERE / "divisions.csv", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def place_aliases(name: str) -> list[str]:
    """常山县 → [常山县, 常山]; 天马街道 → [天马街道, 天马]: lists often drop the suffix."""
    out = [name]
    for suffix in ("街道", "办事处", "县", "市", "区", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            out.append(name[: -len(suffix)])
            break
    return out

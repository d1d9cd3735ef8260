"""A sheet's layout: its header row(s), the header cells mapped to a kind's columns by their synonyms, and
the hints its title, sheet name and file name give. Which kind and header win is decided by evidence in
sources/recognise.py.

A header is one row, or two rows when the upper one is merged over sub-headings (发放情况 over
所属期 | 金额). Rows above it are the title (its text gives hints: the programme, the month, the county).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .declarations import Kind, divisions, kinds, norm_header, place_aliases, programme_synonyms

SEARCH_ROWS = 30


@dataclass
class Layout:
    kind: Kind
    header_row: int                  # 1-based number of the last header row
    header_rows: int                 # 1 or 2
    header: list[str]                # combined header text per column
    mapping: dict[str, int]          # canonical column -> 0-based column index
    title: str                       # text of the rows above the header
    variant: str | None = None       # e.g. the office a death record came from
    hints: dict[str, str] = field(default_factory=dict)
    mapped_by: dict[str, str] = field(default_factory=dict)   # column → header | content | mapping file
    score: float | None = None       # the recognition's evidence score (sources/recognise.py)
    margin: float | None = None      # its lead over the best other kind (None: no other kind fitted)
    mapping_file: str | None = None  # the mapping file entry that fixed it, if one did
    wide: list = field(default_factory=list)   # wide.WideColumn: the sheet is read once per column (sources/wide.py)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1


def strip_paren(h: str) -> str:
    return re.sub(r"\([^)]*\)$", "", h) if h.endswith(")") else h


@functools.cache
def _synonyms(kind: Kind) -> dict[str, list[tuple[str, int]]]:
    """synonym → [(column, rank of the synonym in that column's list)] for one kind."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name, col in kind.columns.items():
        for si, syn in enumerate(col.synonyms):
            out.setdefault(syn, []).append((name, si))
    return out


def map_header(kind: Kind, cells: list[str]) -> dict[str, int]:
    """Canonical column -> column index. Exact synonyms first, then without a trailing "(元)"-style
    note, then a header that ends with a synonym (领取人身份证号码); each header cell is used once and
    earlier synonyms win."""
    return dict(_map_header(kind, tuple(str(c) for c in cells)))


@functools.lru_cache(maxsize=65536)
def _map_header(kind: Kind, cells: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    normed = [norm_header(c) for c in cells]
    stripped = [strip_paren(h) for h in normed]
    syns = _synonyms(kind)
    exact = lambda j: syns.get(normed[j], [])  # noqa: E731     (column, rank of the synonym)
    unnoted = lambda j: syns.get(stripped[j], [])  # noqa: E731
    # the synonyms (of two characters or more) the header ends with: each of its endings up to the longest
    # synonym looked up (a hostile header cell may be a megabyte long)
    longest = max(map(len, syns), default=0)
    # (an ending matched by a longer synonym ranks first: 已支付金额 is 支付金额 before it is 金额)
    suffix = lambda j: [(name, -n, si) for n in range(2, min(len(stripped[j]), longest) + 1)  # noqa: E731
                        for name, si in syns.get(stripped[j][-n:], ())]
    assigned: dict[str, int] = {}
    used: set[int] = set()
    for matches in (exact, unnoted, suffix):
        candidates: dict[str, list[tuple]] = {}
        for j, h in enumerate(normed):
            if h and j not in used:
                for name, *rank in matches(j):
                    candidates.setdefault(name, []).append((*rank, j))
        # declaration order decides between columns wanting one cell (among endings, the longest match first)
        wants = sorted((min(c[0] for c in found) if matches is suffix else 0, order, name)
                       for order, name in enumerate(kind.columns) if name not in assigned
                       and (found := candidates.get(name)))
        for _, _, name in wants:
            free = [c for c in candidates[name] if c[-1] not in used]
            if free:
                assigned[name] = min(free)[-1]
                used.add(assigned[name])
    return tuple(assigned.items())


def _two_row_header(upper: list[str], lower: list[str]) -> list[str]:
    """Combine a merged upper heading with its sub-headings: the sub-heading when it is a heading in
    its own right, else upper+lower (合计 over 金额 → 合计金额 is rare; 金额 alone is usual)."""
    n = max(len(upper), len(lower))
    up = list(upper) + [""] * (n - len(upper))
    lo = list(lower) + [""] * (n - len(lower))
    out, parent = [], ""
    for u, lw in zip(up, lo):
        parent = u if u.strip() else (parent if lw.strip() else "")
        if lw.strip() and u.strip() == lw.strip():
            out.append(lw)           # merged vertically over both rows
        elif lw.strip():
            out.append(lw)
        else:
            out.append(parent)
    return out


def _with_parent(upper: list[str], lower: list[str]) -> list[str]:
    n = max(len(upper), len(lower))
    up = list(upper) + [""] * (n - len(upper))
    lo = list(lower) + [""] * (n - len(lower))
    out, parent = [], ""
    for u, lw in zip(up, lo):
        parent = u if u.strip() else parent
        out.append(parent + lw if lw.strip() and parent.strip() != lw.strip() else (lw or u))
    return out


@functools.cache
def synonym_columns() -> dict[str, set[str]]:
    """Normalised synonym → the canonical column names (of any kind) it names."""
    out: dict[str, set[str]] = {}
    for k in kinds():
        for name, col in k.columns.items():
            for s in col.synonyms:
                out.setdefault(s, set()).add(name)
    return out


def context_hints(layout: Layout, sheet_name: str, file_name: str) -> None:
    """Fill the layout's variant and hints from its title rows, the sheet name and the file name."""
    k = layout.kind
    layout.variant = _variant(k, layout.mapping, " ".join([layout.title, sheet_name, file_name]))
    layout.hints = hints(layout.title, sheet_name, file_name)
    context_text = " ".join([layout.title, sheet_name, file_name])
    for c in k.columns.values():
        for keyword, value in c.title_values:
            if keyword in context_text:
                layout.hints[c.name] = value
                break


def _variant(k: Kind, mapping: dict[str, int], context: str) -> str | None:
    for v in k.variants:
        if any(c in mapping for c in v.any_of):
            return v.source
    for v in k.variants:
        if any(w in context for w in v.keywords):
            return v.source
    return None


# ---------------------------------------------------------------------------------------------
# Hints: what the title rows, the sheet name or the file name say about every row of the sheet.

MONTH_PATTERNS = [
    re.compile(r"(20\d{2}|19\d{2})\s*年\s*(\d{1,2})\s*月"),
    re.compile(r"(20\d{2}|19\d{2})[-._/](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2}|19\d{2})(0[1-9]|1[0-2])(?!\d)"),
]


RANGE_AFTER = re.compile(r"\s*(份)?\s*[-－—~～至到]\s*(\d|[一二三四五六七八九十])")


def find_month(text: str) -> str | None:
    """The month a title, sheet or file name speaks of; None when it names a range (2020年1月-9月, 2020.01至2020.09):
    such a list covers several months, and its first is not the month of every row."""
    for pat in MONTH_PATTERNS:
        m = pat.search(text)
        if m and 1 <= int(m.group(2)) <= 12:
            if RANGE_AFTER.match(text, m.end()):
                return None
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def find_programme(text: str) -> str | None:
    """The longest programme or sub-type synonym in the text, returned as the text matched."""
    t = norm_header(text)
    hits = [s for s, _, _ in programme_synonyms() if s in t]
    return max(hits, key=len) if hits else None


def find_place(text: str, level: str) -> str | None:
    """A county or township name (current names, with or without 县/镇/街道) in the text."""
    best = None
    for alias, name in _place_names(level):
        if alias in text and (best is None or len(alias) > len(best[0])):
            best = (alias, name)
    return best[1] if best else None


@functools.cache
def _place_names(level: str) -> tuple[tuple[str, str], ...]:
    """(alias, current name) of every current division of that level, in the gazetteer's order."""
    return tuple((alias, d["name"]) for d in divisions() if d["level"] == level and not d["valid_to"]
                 for alias in place_aliases(d["name"]))


PAPERWORK_DATE = re.compile(r"(制表|填报|填表|打印|报送|导出|审核)(日期|时间)\s*[:：]?\s*[0-9０-９年月日./\-\s]*")


def hints(title: str, sheet_name: str, file_name: str) -> dict[str, str]:
    stem = re.sub(r"\.[A-Za-z]+$", "", file_name)
    title = PAPERWORK_DATE.sub(" ", title)   # 制表日期 is when the list was made, not the month it pays
    out: dict[str, str] = {}
    for source in (title, sheet_name, stem):
        if "programme" not in out and (p := find_programme(source)):
            out["programme"] = p
        if "month" not in out and (m := find_month(source)):
            out["month"] = m
        if "county" not in out and (c := find_place(source, "county")):
            out["county"] = c
    # a sheet per 乡镇 names its township; a title may name one too
    for source in (sheet_name, title):
        if t := find_place(source, "township"):
            out["township"] = t
            break
    return out

"""Recognise a sheet's kind and map its columns by evidence: header words and what the columns hold.

For every candidate header row (a row where some kind's header synonyms name two or more cells), and for
every kind, a candidate is scored:
- each column mapped by a header synonym weighs by how specific the synonym is (身份证号 is declared by
  every kind and says little; 号牌号码 by one and says much);
- a column whose values agree with what the kind expects there (ID numbers, months, relation words,
  plate numbers, credit codes …; sources/profile.py) adds its content evidence; a header-mapped column
  whose values plainly contradict it (a "关系" column of ID numbers) is not mapped;
- a required column no header names is mapped by its values when exactly one unnamed column holds them
  (`by content`); when two could be it (two unnamed ID columns), the candidate says so and is not used;
- the kind's words in the title, sheet name or file name add a little; a column that plainly holds
  something the kind has no place for (credit codes in a household register) takes a little away.
A kind is chosen only when its required columns are present and it wins by MARGIN over the best
candidate of any other kind; otherwise the sheet is not loaded and is reported with its two best
candidates, their scores and the columns that decided them.

An analyst's mapping file (data/mappings.yaml, written by `qingfeng inspect --accept`) fixes the kind and
columns for sheets whose header has a known fingerprint, before any scoring.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field

from .declarations import Kind, kinds, norm_header
from .evidence import (
    OTHER_PERSON,
    STRONG,
    agrees,
    class_weight,
    count_like,
    fits,
    header_weight,
    importance,
    named_otherwise,
    similarity,
    synonym_weight,
    vocabulary,
)
from .layout import (
    SEARCH_ROWS,
    Layout,
    _two_row_header,
    _with_parent,
    context_hints,
    hints,
    map_header,
    synonym_columns,
)
from .profile import ColumnProfile, label, profile_rows
from .wide import WideColumn, wide_columns

MARGIN = 1.0            # the winner's score must exceed every other kind's best by this much
SIMILAR = 0.5           # a header no synonym names is mapped to the column one of whose synonyms it is this close to
SIMILAR_LEAD = 0.15     # … and more than with any other column
TIE_LEAD = 0.05         # of two columns holding a required column's values, the one whose header is nearer by this
MIN_SCORE = 0.5         # and be at least this (姓名 | 身份证号 | 金额 and nothing else could be any list of money)
CONTENT_WEIGHT = 1.0    # a column whose values are what the kind expects there
KEYWORD_WEIGHT = 0.4    # per kind word in the title, sheet or file name (at most two count)
ALIEN_WEIGHT = 0.5      # a column that plainly holds what the kind has no place for
AGREE, CONTRADICT = 0.6, 0.2
# Classes precise enough to map a required column whose header is unknown.
# Classes whose values say by themselves which column they belong to: an optional column holding them is
# mapped by content when no header names it and it is the only such column.
DEFINITE = {"subtype", "plate", "credit", "relation", "cause", "programme", "account", "post"}
CONTENT_MAPPABLE = {"id", "month", "plate", "credit", "relation", "post", "amount", "date", "code", "org", "name",
                    *DEFINITE}


@dataclass
class Candidate:
    kind: Kind
    score: float
    header_index: int                 # 0-based row of the header's first row
    span: int
    cells: list[str]
    mapping: dict[str, int]
    mapped_by: dict[str, str]         # column → header | content | mapping file
    decided_by: list[str]             # what decided it, for people
    problems: list[str] = field(default_factory=list)   # why it cannot be used, when it cannot
    wide: list[WideColumn] = field(default_factory=list)  # a wide layout's value columns (sources/wide.py)

    @property
    def usable(self) -> bool:
        return not self.problems


@dataclass
class Recognition:
    layout: Layout | None
    status: str                       # recognised | ambiguous | unrecognised
    reason: str | None
    candidates: list[dict]            # the best candidate of each kind: the two that decided first, then the rest
    margin: float | None = None


def fingerprint(cells) -> str:
    """A header's fingerprint: its normalised non-empty cells, in order (the mapping file's key)."""
    text = "|".join(h for h in (norm_header(c) for c in cells) if h)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def candidate(k: Kind, cells: list[str], profiles: list[ColumnProfile], header_index: int, span: int,
              context: str, hinted: set[str] = frozenset()) -> Candidate | None:
    """Score kind `k` for this header and the columns' profiles (None: not even two columns named)."""
    mapping = map_header(k, cells)
    if len(mapping) < 2 and not (mapping and k.required and len(k.required) <= 2):
        return None
    mapped_by = {c: "header" for c in mapping}
    decided, problems = [], []
    score = 0.0
    width = len(cells)
    prof = lambda j: profiles[j] if j < len(profiles) else ColumnProfile(j, 0, {}, 1.0)  # noqa: E731
    for c, j in list(mapping.items()):
        cls = k.columns[c].content
        p = prof(j)
        share = agrees(cls, p)
        if cls and p.filled >= 3 and share < CONTRADICT and (cls in STRONG or p.best()[0]):
            del mapping[c], mapped_by[c]
            decided.append(f"「{cells[j]}」的内容不像{label(cls)}（{share:.0%}），不作为 {c}")
            continue
        score += header_weight(cells[j]) * importance(k, c)
        if cls and share >= AGREE:
            score += CONTENT_WEIGHT * class_weight().get(cls, 0.0)
    _subject_id(k, cells, mapping, mapped_by, prof, decided, problems)
    used = set(mapping.values())
    # a wide roster: amounts in a column per month or per programme
    wide = []
    if k.wide and (value := dict(k.wide)["value"]) not in mapping:
        wide = wide_columns(k, cells, [j for j in range(width) if j not in used],
                            lambda j: prof(j).share("amount") if prof(j).filled else None, context)
        if wide:
            mapping[value], mapped_by[value] = wide[0].index, "wide"
            used |= {w.index for w in wide}
            fills = dict(k.wide)[wide[0].what]
            hinted = set(hinted) | {k.columns[fills].hint_key or fills}
            score += 1.0 + CONTENT_WEIGHT * class_weight().get("amount", 0.0)
            decided.append(f"宽表：{len(wide)} 列金额按{'月份' if wide[0].what == 'month' else '项目'}展开（"
                           + "、".join(f"「{w.header}」" for w in wide[:4]) + ("…" if len(wide) > 4 else "") + "）")
    # headers no synonym names, by the words they share with one column's synonyms
    _similar_headers(k, cells, mapping, mapped_by, prof, decided, used)
    score += sum(0.5 * importance(k, c) for c, how in mapped_by.items() if how == "similar")
    used = set(mapping.values())
    # required (and key) columns no header names: by their values, when exactly one free column fits
    elsewhere = synonym_columns()
    # required columns first, then the optional ones whose values are the most specific evidence
    # (a column the sheet must have, the kind's `required` list, is required here even where a row may lack its value)
    order = sorted(k.columns.values(), key=lambda c: (not (c.required or c.name == k.key or c.name in k.required),
                                                     -class_weight().get(c.content, 0.0)))
    for c in order:
        if c.name in mapping or c.content not in CONTENT_MAPPABLE:
            continue
        if not (c.required or c.name == k.key or c.name in k.required) \
                and sum(o.content == c.content for o in k.columns.values()) > 1:
            continue                 # two optional columns expect such values: which one is not guessed
        # required and key columns; an optional one only when its values say what it is (城市低保 is a sub-type,
        # 浙H12345 a plate); one of several dates (死亡|注销|火化) is never guessed
        if not (c.required or c.name == k.key or c.name in k.required or c.content in DEFINITE):
            continue
        if c.type == "id" and c.name != "id_number":
            continue
        fits = [j for j in range(width) if j not in used and prof(j).filled >= 2
                and prof(j).share(c.content) >= 0.8 and not named_otherwise(cells[j], c.name, elsewhere)
                and not (c.content == "amount" and count_like(prof(j)))]
        if c.type == "id" and len(fits) > 1:
            fits = [j for j in fits if not any(w in norm_header(cells[j]) for w in OTHER_PERSON)]
        if len(fits) > 1:       # several hold such values: the one whose header is clearly nearest the column's
            near = sorted(((similarity(cells[j], vocabulary(k)[c.name]), j) for j in fits), reverse=True)
            if near[0][0] >= near[1][0] + TIE_LEAD:
                fits = [near[0][1]]
        if len(fits) == 1:
            j = fits[0]
            mapping[c.name], mapped_by[c.name] = j, "content"
            used.add(j)
            score += 0.5 + CONTENT_WEIGHT * class_weight().get(c.content, 0.0)
            decided.append(f"{c.name} ← 「{cells[j] or '（无表头）'}」（按内容：{label(c.content)}）")
        elif len(fits) > 1:
            named = "、".join(f"「{cells[j] or '（无表头）'}」" for j in fits)
            problems.append(f"{named} 都像{label(c.content)}，无法判断哪一列是 {c.name}")
    missing = [c for c in k.required if c not in mapping]
    if missing:
        problems.append("缺少必需列：" + "、".join(missing))
    if k.require_any and not any(c in mapping for c in k.require_any):
        problems.append("缺少以下任一列：" + "、".join(k.require_any))
    hits = sum(1 for w in k.keywords if w in context)
    if k.told_by and not hits and not any(c in mapping for c in k.told_by):
        problems.append(f"只有姓名、身份证号等通用列，标题、工作表名和文件名中也没有“{'、'.join(k.keywords[:3])}”等字样，"
                        f"不能认定为{k.name_zh}（需要以下任一列：{'、'.join(k.told_by)}）")
    # a field every row needs that neither a column nor the title gives (a 发放明细 without any month)
    for c in k.columns.values():
        if c.required and c.name not in mapping and c.name not in k.required:
            if c.hint_key and c.hint_key in hinted:
                continue
            weak = bool(c.else_month_of and c.else_month_of in mapping)
            score -= 0.5 if weak else 1.0
            decided.append(f"没有 {c.name} 列" + ("（只能取日期的月份）" if weak else "，标题和文件名中也没有"))
    # content the kind has no place for
    own = {c.content for c in k.columns.values() if c.content}
    for j in range(width):
        if j in used:
            continue
        cls, share = prof(j).best()
        if cls and cls not in own and cls not in ("account", "month"):
            score -= ALIEN_WEIGHT * class_weight().get(cls, 0.0)
            decided.append(f"「{cells[j]}」是{label(cls)}，{k.name_zh}没有这一列")
    # header words another kind declares and this one does not (协议编号 in a subsidy ledger)
    mine = {s for c in k.columns.values() for s in c.synonyms}
    for j in range(width):
        h = norm_header(cells[j])
        if j not in used and h in synonym_weight() and h not in mine:
            score -= ALIEN_WEIGHT * synonym_weight()[h]
            decided.append(f"「{cells[j]}」是其他数据类型的列名")
    score += KEYWORD_WEIGHT * min(hits, 2)
    top = sorted(mapping, key=lambda c: -header_weight(cells[mapping[c]]) * importance(k, c)
                 if mapped_by[c] == "header" else 1)
    decided[:0] = [f"{c} ← 「{cells[mapping[c]]}」" for c in top[:4] if mapped_by[c] == "header"]
    return Candidate(k, round(score, 2), header_index, span, list(cells), mapping, mapped_by, decided, problems, wide)


def _similar_headers(k: Kind, cells, mapping, mapped_by, prof, decided: list, taken: set[int]) -> None:
    """Map headers no synonym names to the column whose synonyms share most of their words (支付时间 → paid_on),
    when the lead over every other column is clear and the values do not contradict it."""
    elsewhere = synonym_columns()
    free = [j for j in range(len(cells)) if j not in taken and len(norm_header(cells[j])) >= 2]
    open_columns = [c for c in vocabulary(k) if c not in mapping]
    choice: dict[str, list[tuple[float, int]]] = {}
    for j in free:
        sims = sorted(((similarity(cells[j], vocabulary(k)[c]), c) for c in open_columns), reverse=True)
        if not sims or sims[0][0] < SIMILAR:
            continue
        # the columns it is about as close to, less those its values contradict (受助对象: a name, not an ID)
        close = [(sim, c) for sim, c in sims if sim >= max(SIMILAR, sims[0][0] - SIMILAR_LEAD)
                 # (a column with too few values to tell: only for a header all but equal to a synonym)
                 and fits(k.columns[c], prof(j), strict=sim < 0.9) and not named_otherwise(cells[j], c, elsewhere, k)
                 and not (c == "id_number" and any(w in norm_header(cells[j]) for w in OTHER_PERSON))]
        # values that say by themselves which column they are (城市低保: the sub-type) go to no other column
        held = [cls for cls in DEFINITE if prof(j).share(cls) >= 0.8
                and any(o.content == cls for o in k.columns.values())]
        close = [(sim, c) for sim, c in close if not held or k.columns[c].content in held]
        if len(close) > 1:        # as close to several: the one whose own kind of values the column holds
            close = _most_specific(k, close, prof(j))
        if len(close) != 1:
            continue
        sim, c = close[0]
        choice.setdefault(c, []).append((sim, j))
    for c, options in choice.items():
        options.sort(reverse=True)
        if len(options) > 1 and options[0][0] - options[1][0] < SIMILAR_LEAD:
            continue
        sim, j = options[0]
        mapping[c], mapped_by[c] = j, "similar"
        decided.append(f"{c} ← 「{cells[j]}」（表头相近 {sim:.0%}）")


def _most_specific(k: Kind, close: list[tuple[float, str]], p: ColumnProfile) -> list[tuple[float, str]]:
    """Of columns a header is about as close to, the one whose values are the most specific evidence
    (类别 over 城市低保 | 农村低保 is a sub-type, not a programme): share × how few kinds expect such values."""
    def evidence(c: str) -> float:
        cls = k.columns[c].content
        return agrees(cls, p) * class_weight().get(cls, 0.0) if cls else 0.0
    ranked = sorted(close, key=lambda sc: evidence(sc[1]), reverse=True)
    return ranked[:1] if evidence(ranked[0][1]) > evidence(ranked[1][1]) + 0.2 else ranked


def _subject_id(k: Kind, cells, mapping, mapped_by, prof, decided: list, problems: list) -> None:
    """The row's own ID column: a header that only ends with an ID synonym and names someone else
    (配偶身份证号, 父亲身份证号码) is not it; two headers that could both be it, holding ID numbers, cannot be
    told apart by their words or their position: the candidate says so and is not used."""
    c = k.columns.get("id_number")
    if c is None or c.type != "id":
        return
    def could_be(j: int) -> bool:
        h = norm_header(cells[j])
        return h in c.synonyms or (any(h.endswith(s) for s in c.synonyms if len(s) >= 3)
                                   and not any(w in h for w in OTHER_PERSON))
    j = mapping.get("id_number")
    if j is not None and mapped_by.get("id_number") == "header" and not could_be(j):
        del mapping["id_number"], mapped_by["id_number"]
        decided.append(f"「{cells[j]}」是他人的身份证号，不作为本人的")
    others = [i for i in range(len(cells)) if i not in mapping.values() and could_be(i)
              and prof(i).filled >= 1 and agrees("id", prof(i)) >= 0.5]
    if "id_number" in mapping and others and norm_header(cells[mapping["id_number"]]) not in c.synonyms:
        named = "、".join(f"「{cells[i]}」" for i in [mapping["id_number"], *others])
        problems.append(f"{named} 都可能是本人的身份证号，无法按表头文字或位置判断")


def _header_rows(rows: list[list[str]]):
    """(0-based index, span, combined cells) of every header-like row among the first SEARCH_ROWS."""
    for i, row in enumerate(rows[:SEARCH_ROWS]):
        if sum(1 for c in row if str(c).strip()) < 2:
            continue
        if not any(len(map_header(k, row)) >= 2 for k in kinds()):     # a header names two columns at least
            continue
        yield i, 1, list(row)
        if i + 1 < len(rows) and any(len(map_header(k, row)) >= 2 for k in kinds()):
            yield i, 2, _two_row_header(row, rows[i + 1])
            yield i, 2, _with_parent(row, rows[i + 1])


def recognise(preview: list[list[str]], sheet_name: str, file_name: str,
              overrides: list[dict] | None = None) -> Recognition:
    """The kind and column mapping of a sheet, or the reasons why it cannot be decided."""
    rows = [[str(c) for c in r] for r in preview]
    context_of = lambda i: " ".join([" ".join(" ".join(r) for r in rows[:max(i, 1)][:5]), sheet_name, file_name])  # noqa: E731
    profiles_at: dict[tuple[int, int], list[ColumnProfile]] = {}
    best: dict[str, Candidate] = {}
    for i, span, cells in _header_rows(rows):
        title = " ".join(str(c).strip() for r in rows[:i] for c in r if str(c).strip())
        hinted = set(hints(title, sheet_name, file_name))
        if (forced := _override(overrides, cells, i, span, file_name)) is not None:
            return _finish(forced, rows, sheet_name, file_name, [forced], None, forced.decided_by[0])
        key = (i + span, len(cells))
        if key not in profiles_at:
            profiles_at[key] = profile_rows(rows, len(cells), start=i + span)
        for k in kinds():
            cand = candidate(k, cells, profiles_at[key], i, span, context_of(i), hinted)
            if cand is None:
                continue
            old = best.get(k.kind)
            if old is None or _header_rank(cand) > _header_rank(old):
                best[k.kind] = cand
    ranked = sorted(best.values(), key=_rank, reverse=True)
    usable = [c for c in ranked if c.usable]
    if not usable:
        near = ranked[:2]
        reason = "前 30 行中没有找到可识别的表头" + (
            "；最接近的：" + "；".join(f"{c.kind.name_zh}（{c.score:.1f} 分，{'；'.join(c.problems)}）" for c in near)
            if near else "（需要含身份证号、姓名等列）")
        return Recognition(None, "unrecognised", reason, _listed(near, ranked))
    win = usable[0]
    others = [c for c in ranked if c.kind.kind != win.kind.kind and c.usable]
    margin = round(win.score - others[0].score, 2) if others else None
    if win.score < MIN_SCORE:    # no other kind fits, but the evidence for this one is thin too
        reason = (f"证据不足：最接近的是{win.kind.name_zh}（{win.score:.1f} 分，不足 {MIN_SCORE:.1f}）；依据："
                  + "，".join(win.decided_by[:6]) + "。请用 qingfeng inspect --accept 指定")
        return Recognition(None, "ambiguous", reason, _listed(ranked[:2], ranked), margin)
    if margin is not None and margin < MARGIN:
        two = [win, others[0]]
        reason = ("无法确定数据类型：" + " 与 ".join(f"{c.kind.name_zh}（{c.score:.1f} 分）" for c in two)
                  + f" 相差 {margin:.1f} 分，不足 {MARGIN:.1f}；依据：" + "；".join(
                      f"{c.kind.name_zh}：{'，'.join(c.decided_by[:5])}" for c in two)
                  + "。请用 qingfeng inspect --accept 指定")
        return Recognition(None, "ambiguous", reason, _listed(two, ranked), margin)
    return _finish(win, rows, sheet_name, file_name, ranked, margin, None)


def _header_rank(c: Candidate) -> tuple:
    # which header row of a kind: the most columns named, then the earliest row, then one row (a header
    # repeated further down, or a row of sub-headings, is not the header)
    return (c.usable, len(c.mapping), -c.header_index, -c.span, c.score)


def _rank(c: Candidate) -> tuple:
    # usable first, then the score, then more columns, the earliest header, one header row
    return (c.usable, c.score, len(c.mapping), -c.header_index, -c.span)


def _listed(shown: list[Candidate], ranked: list[Candidate]) -> list[dict]:
    """The candidates people are shown first (the two that decided), then every other kind's best, so that
    `inspect --accept --kind` can take any of them."""
    return [_describe(c) for c in [*shown, *(c for c in ranked if c not in shown)]]


def _describe(c: Candidate) -> dict:
    return {"kind": c.kind.kind, "name_zh": c.kind.name_zh, "score": c.score, "header_row": c.header_index + c.span,
            "fingerprint": fingerprint(c.cells), "wide": [w.__dict__ for w in c.wide],
            "columns": {name: {"column": c.mapping[name], "header": c.cells[c.mapping[name]], "by": c.mapped_by[name]}
                        for name in c.mapping},
            "decided_by": c.decided_by, "problems": c.problems}


def _finish(win: Candidate, rows, sheet_name: str, file_name: str, shown: list[Candidate], margin,
            forced) -> Recognition:
    i, span = win.header_index, win.span
    title = " ".join(str(c).strip() for r in rows[:i] for c in r if str(c).strip())
    layout = Layout(win.kind, header_row=i + span, header_rows=span, header=list(win.cells), mapping=win.mapping,
                    title=title)
    layout.mapped_by = dict(win.mapped_by)
    layout.score, layout.margin = win.score, margin
    layout.mapping_file = forced
    layout.wide = list(win.wide)
    context_hints(layout, sheet_name, file_name)
    reason = None if forced is None else "按" + forced + "识别"
    return Recognition(layout, "recognised", reason, _listed(shown[:2], shown), margin)


def _override(overrides: list[dict] | None, cells: list[str], i: int, span: int, file_name: str) -> Candidate | None:
    """The mapping file's entry for this header (and file name pattern), as a candidate."""
    if not overrides:
        return None
    fp = fingerprint(cells)
    for o in overrides:
        if o.get("fingerprint") != fp or (o.get("file") and not fnmatch.fnmatch(file_name, o["file"])):
            continue
        k = next((k for k in kinds() if k.kind == o["kind"]), None)
        if k is None:
            continue
        normed = [norm_header(c) for c in cells]
        mapping = {}
        for col, header in (o.get("columns") or {}).items():
            if col in k.columns and norm_header(header) in normed:
                mapping[col] = normed.index(norm_header(header))
        return Candidate(k, 0.0, i, span, list(cells), mapping, {c: "mapping file" for c in mapping},
                         [f"映射文件条目 {o.get('name') or fp}"])
    return None


def detect_layout(preview: list[list[str]], sheet_name: str, file_name: str) -> Layout | None:
    """The recognised layout of a sheet, or None (recognise() says why)."""
    return recognise(preview, sheet_name, file_name).layout

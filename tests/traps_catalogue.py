"""The trap catalogue (issue 17): every "Traps" bullet of domain.md §8.2 for the rules in rules/, and how each
is answered — by a department-style inbox in tests/traps/<ID>.yaml that the rule must not flag (run through
the real loader by tests/test_traps.py), or by a decision recorded in the rule's header (`traps:`) saying why
the data cannot tell and what the investigator is told instead.

A bullet is named in both places by a substring of its text, which must point at exactly one bullet.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# domain.md lives beside the project (../shared/reference/); a clean clone elsewhere has only the copy of its
# §8.2 kept in tests/domain_8_2.md (`python tests/traps_catalogue.py --copy` refreshes it; a test checks that
# the copy equals the reference wherever the reference is there)
SHARED_DOMAIN = ROOT.parent / "shared" / "reference" / "domain.md"
DOMAIN_COPY = Path(__file__).parent / "domain_8_2.md"
DOMAIN = SHARED_DOMAIN if SHARED_DOMAIN.exists() else DOMAIN_COPY
TRAP_DIR = Path(__file__).parent / "traps"
FIRST, LAST = 1, 18          # the rules whose traps the catalogue must cover (those of them in rules/)


def _split(text: str) -> list[str]:
    """An inline bullet list 'a; b (c; d); e.' → ['a', 'b (c; d)', 'e'] (semicolons inside brackets stay)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "(（"
        depth -= ch in ")）"
        if ch in ";；" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip().rstrip(".。").strip() for p in parts if p.strip().rstrip(".。").strip()]


def section_8_2(text: str) -> str:
    """domain.md's §8.2 (the rule catalogue), up to the next section of level 3 or higher."""
    start = text.index("### 8.2")
    m = re.search(r"^#{1,3} ", text[start + 7:], flags=re.M)
    return text[start:start + 7 + m.start()] if m else text[start:]


def domain_traps(path: Path = DOMAIN) -> dict[str, list[str]]:
    """Rule id → its Traps bullets, in domain.md's order: the indented bullets under `**Traps:**`, or the
    inline list after it."""
    text = section_8_2(path.read_text(encoding="utf-8"))
    start = 0
    out: dict[str, list[str]] = {}
    for block in re.split(r"^#### ", text[start:], flags=re.M)[1:]:
        rid = block.split()[0]
        lines = block.splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"\s*\*\s+\*\*Traps:\*\*\s*(.*)", line)
            if not m:
                continue
            if m.group(1).strip():
                out[rid] = _split(m.group(1))
            else:
                subs = []
                for nxt in lines[i + 1:]:
                    sm = re.match(r"\s{2,}\*\s+(.*)", nxt)
                    if not sm:
                        break
                    subs.append(sm.group(1).strip().rstrip(".。;；").strip())
                out[rid] = subs
    return out


def in_scope(rule_id: str) -> bool:
    return FIRST <= int(rule_id[1:]) <= LAST


def trap_files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(TRAP_DIR.glob("R*.yaml"))}


def bullet_of(bullets: list[str], needle: str) -> int | None:
    """The index of the one bullet containing `needle` (None when none or several do)."""
    hits = [i for i, b in enumerate(bullets) if needle in b]
    return hits[0] if len(hits) == 1 else None


def coverage(rules) -> dict[str, dict]:
    """Per rule in scope: its bullets, and for each how it is answered: 'tested' (trap ids), 'decided' (the
    header's decision), or nothing. Needles that match no bullet (or several) are listed as errors."""
    bullets, files = domain_traps(), trap_files()
    out = {}
    for rule in rules:
        if not in_scope(rule.id) or rule.id not in bullets:
            continue
        bs = bullets[rule.id]
        answers: list[dict] = [{"bullet": b, "tested": [], "decided": None} for b in bs]
        errors = []
        for trap in (files.get(rule.id) or {}).get("traps") or []:
            i = bullet_of(bs, trap.get("bullet", ""))
            if i is None:
                errors.append(f"tests/traps/{rule.id}.yaml {trap.get('id')}: bullet {trap.get('bullet')!r} "
                              f"names no single Traps bullet of {rule.id}")
            else:
                answers[i]["tested"].append(trap["id"])
        for d in rule.header.get("traps") or []:
            i = bullet_of(bs, d.get("bullet", ""))
            if i is None or not (d.get("decision") or "").strip():
                errors.append(f"{rule.path.name}: traps decision {d.get('bullet')!r} names no single bullet "
                              f"or has no decision text")
            else:
                answers[i]["decided"] = d["decision"]
        out[rule.id] = {"answers": answers, "errors": errors}
    return out


def summary(rules) -> tuple[int, int, list[str]]:
    """(bullets answered, bullets in all, the unanswered ones as 'R01: text')."""
    cov = coverage(rules)
    answered = [(rid, a) for rid, c in cov.items() for a in c["answers"]]
    missing = [f"{rid}: {a['bullet']}" for rid, a in answered if not (a["tested"] or a["decided"])]
    return len(answered) - len(missing), len(answered), missing


def markdown(rules) -> str:
    """The catalogue as a Markdown table (docs/traps.md is this output)."""
    lines = ["| rule | Traps bullet (domain.md §8.2) | answered by |", "|---|---|---|"]
    for rid, c in coverage(rules).items():
        for a in c["answers"]:
            how = ("trap inbox " + ", ".join(f"`{t}`" for t in a["tested"])) if a["tested"] else ""
            if a["decided"]:
                how += ("; " if how else "") + "decision: " + " ".join(a["decided"].split())
            lines.append(f"| {rid} | {a['bullet'].replace('|', '/')} | {how.replace('|', '/') or '**not answered**'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    from rules import catalog

    if sys.argv[1:] == ["--copy"]:
        DOMAIN_COPY.write_text(section_8_2(SHARED_DOMAIN.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(markdown(catalog.catalog()))

"""Reference tables the staging SQL and the rules join: programmes and their synonyms, reason codes,
administrative divisions and their aliases, county successors, relation codes; and the register's
ID prefixes that recover damaged numbers."""

from __future__ import annotations

from pathlib import Path

from .declarations import divisions, place_aliases, programme_synonyms, programmes
from .names import create_name_macros
from .reasons import CODE_TEXTS
from .standards import create_standard_tables
from .warehouse import ref_table

HERE = Path(__file__).parent


def create_reference_tables(con) -> None:
    """Programme synonyms, reason (and warning) codes and administrative divisions as tables the SQL can
    join (the vocabulary of payment remarks and the run's as-of date: sources/values.py)."""
    ref_table(con, "programme_synonyms", ["synonym", "programme", "sub_type"], programme_synonyms())
    ref_table(con, "reason_codes", ["code", "text_zh"], list(CODE_TEXTS.items()))
    con.execute("create or replace table divisions as select * from read_csv($path, all_varchar=true, header=true)",
                {"path": str(HERE / "divisions.csv")})
    ref_table(con, "place_alias", ["alias", "level", "code", "name", "county_code"], place_alias_rows())
    # type: periodic (paid month by month: R01, R02, R04) or one_off (丧葬补助金 …: legitimate after a death)
    ref_table(con, "programmes", ["programme", "short_name", "family", "move_scope", "type"],
              [(p["name"], p.get("short"), p.get("family"), p.get("move_scope", "none"), p.get("type", "periodic"))
               for p in programmes()])
    ref_table(con, "county_successors", ["old_code", "new_code"], county_successor_rows())
    con.execute("create or replace table regions as select * from read_csv($path, all_varchar=true, header=true)",
                {"path": str(HERE / "regions.csv")})
    con.execute("create or replace table relation_codes as select * from read_csv($path, all_varchar=true, header=true)",
                {"path": str(HERE / "gbt4761_relations.csv")})
    create_name_macros(con)
    con.execute("create or replace table relation_synonyms as select * from read_csv($path, all_varchar=true, header=true)",
                {"path": str(HERE / "relation_synonyms.csv")})
    # standards an analyst configures (sources/standards/*.yaml → std_<key>, std_settings)
    create_standard_tables(con)


REGISTER_PREFIX_SQL = """
-- Register IDs by digits 1–14 and name, kept only where that pair is unique: the only safe way to
-- recover an ID number damaged by a numeric Excel cell (domain.md §1.5).
create or replace table register_prefix as
select substr(id_number, 1, 14) as prefix14, name_norm, min(id_number) as id_number
from (select distinct id_number, name_norm from stg_persons where reason is null)
group by all
having count(distinct id_number) = 1
"""


def county_successor_rows() -> list[tuple]:
    """(old, new) county codes: an ID keeps the code of its first registration (332427 常山县 of 金华地区
    became 330822), so a historical code may stand for the same place as a current one."""
    import re

    pairs = set()
    for d in divisions():
        # only a county that no longer exists hands its code on: a current county's "successor" note is a
        # transfer of part of its land (柯城区 → 衢江区 in 2001), and a move between the two is a real move (R03)
        if d["level"] == "county" and d["valid_to"]:
            m = re.search(r"successor=([0-9;\[\]]*)", d["note"] or "")
            for new in re.findall(r"(\d{6})", m.group(1) if m else ""):
                pairs.add((d["code"], new))
    changed = True
    while changed:   # transitively: 330823 → 339006 → 330881
        extra = {(a, c) for a, b in pairs for b2, c in pairs if b == b2 and (a, c) not in pairs and a != c}
        pairs |= extra
        changed = bool(extra)
    return sorted(pairs)


def place_alias_rows() -> list[tuple]:
    """Names (with and without 县/镇/街道) and codes of current counties and townships; a name that is
    not unique within its level is left out rather than guessed."""
    rows = []
    for d in divisions():
        if d["level"] not in ("county", "township") or d["valid_to"]:
            continue
        county = d["code"] if d["level"] == "county" else d["parent_code"]
        for alias in {*place_aliases(d["name"]), d["code"]}:
            rows.append((alias, d["level"], d["code"], d["name"], county))
    seen: dict[tuple, int] = {}
    for r in rows:
        seen[(r[0], r[1])] = seen.get((r[0], r[1]), 0) + 1
    return [r for r in rows if seen[(r[0], r[1])] == 1]

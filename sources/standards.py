"""Standards as configuration (sources/standards/*.yaml): rates, thresholds and allowed values an analyst
edits without code, loaded into DuckDB for the rules to join and to cite.

Convention: every top-level key whose value is a list of mappings becomes the table std_<key> (one row per
item, one VARCHAR column per field in the order first seen, missing fields NULL, the file name in `file`);
every top-level scalar becomes a row (file, key, value) of std_settings. Values are text; the SQL casts.
Two files may not declare the same list key."""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).parent / "standards"


def _text(value) -> str | None:
    if value is None:
        return None
    return str(value)


def read_standards(root: Path = HERE) -> tuple[dict[str, tuple[list[str], list[tuple]]], list[tuple]]:
    """({table: (columns, rows)}, settings rows) from every YAML file under root."""
    tables: dict[str, tuple[list[str], list[tuple]]] = {}
    settings: list[tuple] = []
    for path in sorted(root.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            raise ValueError(f"{path.name}: a standards file is a mapping of keys")
        for key, value in doc.items():
            if isinstance(value, list):
                if not all(isinstance(v, dict) for v in value):
                    raise ValueError(f"{path.name}: {key}: every item is a mapping of fields")
                name = f"std_{key}"
                if name in tables:
                    raise ValueError(f"{path.name}: {key} is declared by another standards file too")
                cols: list[str] = []
                for item in value:
                    cols += [c for c in item if c not in cols]
                rows = [tuple([path.name] + [_text(item.get(c)) for c in cols]) for item in value]
                tables[name] = (["file"] + cols, rows)
            elif isinstance(value, dict):
                raise ValueError(f"{path.name}: {key}: write a list of mappings or a scalar")
            else:
                settings.append((path.name, str(key), _text(value)))
    return tables, settings


def create_standard_tables(con, root: Path = HERE) -> list[str]:
    """std_<key> tables and std_settings in con; returns the table names."""
    tables, settings = read_standards(root)
    for name, (cols, rows) in {**tables, "std_settings": (["file", "key", "value"], settings)}.items():
        col_sql = ", ".join(f'"{c}" varchar' for c in cols)
        con.execute(f"create or replace table {name} ({col_sql})")
        if rows:
            con.executemany(f"insert into {name} values ({', '.join('?' for _ in cols)})", rows)
    return sorted(tables) + ["std_settings"]

"""The analyst's mapping file: which kind and columns a sheet with a known header has, from then on.

`data/mappings.yaml` (beside the warehouse; never in sources/kinds/, which ships with the code) holds a list
of entries, each keyed by the fingerprint of a header row (sources/recognise.py `fingerprint`) and
optionally a file-name pattern (shell style: `*低保*.xlsx`):

    mappings:
      - name: 某县民政_低保台账                 # for people
        fingerprint: 3f2a9c0d1e7b5a44           # the header row this entry is for
        file: "*低保*"                          # optional: only files whose name matches
        kind: payments
        columns: {id_number: 户主身份证, entitlement_month: 资金所属期, amount_yuan: 本月发放}
        accepted_on: 2026-12-07

`qingfeng inspect --accept FILE` writes the entries for a file's sheets; a run records in run.json and in
source_sheets.mapping_file which entry decided each sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import yaml

from .declarations import OLD_KIND_NAMES, kind_name, kinds, read_yaml

log = logging.getLogger(__name__)


class MappingFileError(Exception):
    """The mapping file cannot be used; the message says where and why, for people."""


def read_mappings(path: Path) -> list[dict]:
    """The entries of the mapping file (none when it does not exist); a malformed entry is an error."""
    if not path.exists():
        return []
    try:
        data = read_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"映射文件 {path} 无法读取：{exc}") from exc
    entries = data.get("mappings") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise MappingFileError(f"映射文件 {path} 应以 mappings: 开头，下面是条目列表")
    known = {k.kind: k for k in kinds()}
    for n, e in enumerate(entries, start=1):
        if isinstance(e, dict) and e.get("kind") in OLD_KIND_NAMES:
            _say_old_name(path, n, e["kind"])
            e["kind"] = kind_name(e["kind"])
        if not isinstance(e, dict) or not e.get("fingerprint") or e.get("kind") not in known:
            raise MappingFileError(f"映射文件 {path} 第 {n} 条：需要 fingerprint 和 kind（可用：{'、'.join(known)}）")
        unknown = [c for c in (e.get("columns") or {}) if c not in known[e["kind"]].columns]
        if unknown:
            raise MappingFileError(f"映射文件 {path} 第 {n} 条：{e['kind']} 没有这些列：{'、'.join(unknown)}")
    return entries


def old_name_notes(path: Path) -> list[str]:
    """One note for each old kind name the mapping file still uses (each read as the new name), for run.json."""
    data = read_yaml(path.read_text(encoding="utf-8")) if path.exists() else None
    listed = data.get("mappings") if isinstance(data, dict) else None
    notes = []
    for old, new in OLD_KIND_NAMES.items():
        numbers = [str(n) for n, e in enumerate(listed or [], start=1) if isinstance(e, dict) and e.get("kind") == old]
        if numbers:
            notes.append(_old_name_text(path, numbers, old, new))
    return notes


def _old_name_text(path: Path, numbers: list[str], old: str, new: str) -> str:
    return (f"映射文件 {path} 第 {'、'.join(numbers)} 条的数据类型 {old} 是旧名，已按 {new} 读取"
            f"（类型与其表同名，见 docs/design.md；请把 kind: {old} 改为 kind: {new}）")


_said: set[tuple[str, str]] = set()


def _say_old_name(path: Path, n: int, old: str) -> None:
    """Log an old kind name once per process, file and name (a run reads the mapping file more than once)."""
    if (str(path), old) not in _said:
        _said.add((str(path), old))
        log.warning("%s", _old_name_text(path, [str(n)], old, OLD_KIND_NAMES[old]))


def entry(name: str, fingerprint: str, kind: str, columns: dict[str, str], file_pattern: str | None = None,
          today: dt.date | None = None) -> dict:
    e = {"name": name, "fingerprint": fingerprint, "kind": kind, "columns": columns,
         "accepted_on": (today or dt.date.today()).isoformat()}
    if file_pattern:
        e["file"] = file_pattern
    return e


def write_mappings(path: Path, new: list[dict]) -> list[dict]:
    """Add `new` entries to the file (an entry for the same fingerprint and file pattern is replaced); the
    entries already there are written back with today's kind names."""
    entries = read_mappings(path)
    keys = {(e["fingerprint"], e.get("file")) for e in new}
    entries = [e for e in entries if (e["fingerprint"], e.get("file")) not in keys] + new
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# 清风 映射文件：按表头指纹固定数据类型与列的对应（qingfeng inspect --accept 写入，可手工修改）\n")
    path.write_text(header + yaml.safe_dump({"mappings": entries}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return entries

"""The run's folders, checked before anything is loaded (light: the command checks them before Prefect is
imported or a process started)."""

from __future__ import annotations

import os
from pathlib import Path

from . import settings


class PathRefused(ValueError):
    """The run's folders cannot be used as given (the message says why, for people); nothing was touched."""


def _inside(path: Path, folder: Path) -> bool:
    """Is `path` the folder itself or under it (links resolved; neither need exist)?"""
    p, f = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([p, f]) == f


def check_paths(inbox: Path, out: Path | None, wh: Path | None = None) -> None:
    """Refuse, before anything is loaded, an output folder that is a file or cannot be made, and an output
    folder, warehouse or scratch folder inside the inbox (the next run would read this run's outputs as a
    department's files). The inbox inside the output folder is allowed: the walk never leaves the inbox."""
    out = Path(out) if out else Path(settings.get("runs_dir"))
    if out.exists() and not out.is_dir():
        raise PathRefused(f"输出目录“{out}”已存在，但它是一个文件而不是目录：请用 --out 指定一个目录（不存在时自动创建）")
    existing = next((p for p in (out, *out.absolute().parents) if p.exists()), None)
    if existing is not None and existing != out and not existing.is_dir():
        raise PathRefused(f"输出目录“{out}”无法创建：其上级“{existing}”是一个文件而不是目录")
    if existing is not None and existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise PathRefused(f"输出目录“{out}”无法写入：没有“{existing}”的写入权限")
    wh = Path(wh) if wh else Path(settings.get("warehouse"))
    for what, path in (("输出目录", out), ("数据仓库", wh), ("临时目录", Path(settings.get("duckdb_temp_dir")))):
        if _inside(path, inbox):
            raise PathRefused(f"{what}“{path}”位于收件目录“{inbox}”之内：下一次运行会把它当作部门报送的文件读入。"
                              f"请把{what}放到收件目录以外")

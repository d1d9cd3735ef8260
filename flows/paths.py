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


def run_roots() -> list[Path]:
    """The folders a run started from the console may use (setting run_roots; else the data folder and the
    inbox setting)."""
    given = [Path(r) for r in str(settings.get("run_roots") or "").split(os.pathsep) if r.strip()]
    return given or [settings.data_dir(), Path(settings.get("inbox"))]


def check_roots(paths: dict[str, Path | str | None]) -> None:
    """Refuse a path given as a console run's parameter outside the configured roots: anyone who can open the
    console must not make a run read, or write, any folder of the server."""
    roots = run_roots()
    for what, path in paths.items():
        if path is not None and str(path) != "" and not any(_inside(Path(path), r) for r in roots):
            raise PathRefused(f"{what}“{path}”不在允许的目录之内（{'、'.join(str(r) for r in roots)}）：从控制台启动的运行"
                              f"只能使用这些目录，请改用其下的路径；如确需其他目录，请管理员在设置 run_roots（环境变量 "
                              f"QINGFENG_RUN_ROOTS）中加入")

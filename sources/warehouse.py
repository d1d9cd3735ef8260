"""The DuckDB warehouse: one file, opened with settings chosen on purpose."""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect(path: Path | str, threads: int = 2, memory_limit: str = "6GB", temp_dir: Path | str | None = None):
    """Open (creating if needed) the warehouse. `memory_limit` bounds DuckDB's buffer manager; beyond it,
    joins and aggregates spill to `temp_dir` instead of failing."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = {"threads": threads, "memory_limit": memory_limit}
    if temp_dir is not None:
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_dir)
    return duckdb.connect(str(path), config=config)

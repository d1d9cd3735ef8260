"""Qingfeng's settings: the one table of names, defaults and help. Paths are relative to the working
directory (the repository root in the README's commands); QINGFENG_DATA moves the generated-data
folder elsewhere (tests use it), and QINGFENG_<NAME> overrides any other setting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = {s.name: s for s in [
    Setting("data_dir", "data", "folder for generated files (warehouse, runs, Prefect home); env QINGFENG_DATA"),
    Setting("inbox", "data/sample/inbox", "folder of department files to load"),
    Setting("warehouse", "{data_dir}/warehouse.duckdb", "the DuckDB warehouse file"),
    Setting("runs_dir", "{data_dir}/runs", "each run writes its outputs to <runs_dir>/<run id>/"),
    Setting("prefect_home", "{data_dir}/prefect", "Prefect's home (its SQLite database and settings)"),
    Setting("duckdb_threads", 2, "DuckDB worker threads (the target machine has 2 cores)"),
    Setting("duckdb_memory_limit", "4GB",
            "DuckDB memory limit; larger work spills to duckdb_temp_dir (4 GB keeps the run, Python and Prefect "
            "included, under 6 GB at 2.5 million people: bench/run.py)"),
    Setting("duckdb_temp_dir", "{data_dir}/tmp", "where DuckDB spills and CSV files are transcoded to UTF-8"),
    Setting("spark_driver_memory", "8g",
            "`--engine spark`: the Spark driver's memory, which on local[N] is all the memory Spark has (2g ran out "
            "at 10 % of the bench city: docs/scale.md)"),
    Setting("spark_dir", "{data_dir}/spark",
            "`--engine spark`: where the canonical tables are written as Parquet (by county and month) and Spark "
            "keeps its helper tables, one folder per run, removed when the run ends; on a cluster, a path every "
            "executor reads (HDFS, S3, a shared mount)"),
    Setting("prefect_startup_timeout_s", 120,
            "seconds to wait for Prefect's ephemeral server (measured 10–20 s on two busy cores; default 20)"),
    Setting("prefect_port", 4200, "port of `qingfeng server` on 127.0.0.1 (loopback only); --port overrides it"),
    Setting("nightly_cron", "0 2 * * *", "when the nightly deployment runs (cron)"),
    Setting("timezone", "Asia/Shanghai", "the time zone of the nightly schedule"),
    Setting("lock_wait_s", 600, "how long a run waits for another run to release the warehouse before giving up"),
    Setting("screens_dir", "{data_dir}/screens", "each screening writes its outputs to <screens_dir>/<screen id>/"),
    Setting("mappings", "{data_dir}/mappings.yaml",
            "the analysts' mapping file: kind and columns fixed for headers seen before (qingfeng inspect --accept)"),
    Setting("run_roots", "", "folders (separated by ':') under which a run started from the console (a deployment) "
            "may read its inbox or list and write its outputs and warehouse; empty: the data folder and the inbox"),
    Setting("runs_index", "{data_dir}/runs/index.jsonl", "one line per run, newest last: what `qingfeng runs` lists"),
    Setting("reader_memory_gb", 4, "memory limit of the process that reads workbooks (sources/read_worker.py): a "
            "workbook that needs more is refused, not the run stopped"),
    Setting("reader_timeout_s", 900, "seconds the workbook reader may spend on one file before it is refused"),
    Setting("read_workers", min(os.cpu_count() or 1, 4),
            "workbooks read at once, each in its own reader process (the cores, at most 4); loaded in file order"),
    Setting("index_config", "", "the supervision index's configuration (indicators, weights, colour bands: "
            "docs/index.md); empty: the default shipped in cases/index.yaml"),
]}


def project_root() -> Path:
    """The folder holding flows/, sources/, rules/ and outputs/ (the repository in an editable install)."""
    return Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("QINGFENG_DATA") or SETTINGS["data_dir"].default)


def get(name: str):
    """A setting's value: the environment variable QINGFENG_<NAME> (e.g. QINGFENG_DUCKDB_MEMORY_LIMIT=2GB)
    when set, else the default above."""
    value = SETTINGS[name].default
    env = os.environ.get("QINGFENG_" + name.upper()) if name != "data_dir" else None
    if env:
        value = type(value)(env) if isinstance(value, (int, float)) else env
    if isinstance(value, str) and "{data_dir}" in value:
        return Path(value.format(data_dir=data_dir()))
    return value


def configure_environment() -> None:
    """The process's file mode and the environment for Prefect and Great Expectations, set before either is
    imported (flows/__init__.py: at the start of every process that runs a flow or the command): files and
    folders we create are readable by their owner only (umask 077: the warehouse, run folders, workbooks,
    Prefect's database of logs hold people's data; folders made by an older version are closed too); a
    project-local Prefect home, no telemetry (there is no internet), and a start-up timeout the machine
    can meet."""
    os.umask(0o077)
    defaults = {
        "PREFECT_HOME": str(Path(get("prefect_home")).resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_ENABLED": "true",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(get("prefect_startup_timeout_s")),
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "PREFECT_TASKS_DEFAULT_PERSIST_RESULT": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    home = Path(os.environ["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    for path in (home, *home.glob("prefect.db*"), *(Path(get(n)) for n in ("runs_dir", "screens_dir", "duckdb_temp_dir"))):
        try:
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        except OSError:         # absent, or not ours: nothing to close
            pass

"""Workbooks read on Spark, one task per file: the loader's reader (sources/load.py load_inbox(reader=…))
for a run whose department files are many. Each task reads its workbook as a local run does, in the
executor's own reader process (sources/read_worker.py: the driver's memory and time limits, a crash or a
hang costs that file only, and the executor's Python worker lives on), and sends back the ReadResult,
pickled (its sheets' grids are Arrow tables). The driver loads the results into DuckDB in file order, so a
run's tables are the same whether its workbooks were read here, by a local pool, or one by one.

The tasks run over one RDD of the paths, a partition per file, in batches of partitions (a job each,
`batch` files: the cluster's default parallelism, twice over): the next batch is read while the driver loads
the one before, and at most two batches' results are held on the driver. The paths must be readable where
the executors run (a shared mount on a cluster; the same disk on local[n]); a task's scratch files (an
alias or a renamed copy of a workbook) go to a folder of its own under `tmpdir` (or the executor's temp
folder where `tmpdir` cannot be made) and are removed when the file is read.

pyspark is imported by the caller (a SparkSession is passed in), never here: this module imports without it.
"""

from __future__ import annotations

import functools
import os
import pickle
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import read_worker
from .grid import ReadResult, UnreadableFile


def read_files_on_spark(spark, paths: Iterable[Path], tmpdir: Path, batch: int | None = None
                        ) -> Iterator[tuple[Path, ReadResult | Exception]]:
    """(path, its ReadResult or the UnreadableFile that refused it) for each of `paths`, in their order,
    each read by a Spark task of its own (sc.parallelize(paths, numSlices=len(paths)))."""
    paths = [Path(p) for p in paths]
    if not paths:
        return
    sc = spark.sparkContext
    batch = batch or max(2, 2 * sc.defaultParallelism)
    task = functools.partial(_read_partition, str(Path(tmpdir).resolve()),
                             (read_worker.READER_MEMORY_BYTES, read_worker.READER_TIMEOUT_SECONDS),
                             os.environ.get(read_worker.FAULT_ENV))
    rdd = sc.parallelize([str(p.resolve()) for p in paths], numSlices=len(paths))
    starts = range(0, len(paths), batch)
    group = f"qingfeng-read-{os.getpid()}-{id(rdd)}"

    def run(partitions: list[int]) -> list:
        sc.setJobGroup(group, "qingfeng: read department workbooks", interruptOnCancel=True)
        return sc.runJob(rdd, task, partitions)

    with ThreadPoolExecutor(1, thread_name_prefix="qf-spark-read") as ahead:
        def job(start: int):
            return ahead.submit(run, list(range(start, min(start + batch, len(paths)))))

        pending = job(0)
        try:
            for start in starts:
                answers = pending.result()
                pending = job(start + batch) if start + batch < len(paths) else None
                for path, (sent, status, payload) in zip(paths[start:start + batch], answers, strict=True):
                    assert sent == str(path.resolve()), f"Spark answered for {sent}, not {path}"
                    yield path, _answer(path, status, payload)
        finally:
            if pending is not None:         # closed early: the batch being read is not needed
                pending.cancel()
                sc.cancelJobGroup(group)


def _answer(path: Path, status: str, payload) -> ReadResult | Exception:
    if status == "ok":
        result = pickle.loads(payload)
        result.path = path
        return result
    if status == "unreadable":
        return UnreadableFile(payload)
    return UnreadableFile(f"在 Spark 上读取此文件时出现程序错误（{payload}），已跳过；请把此文件转交系统维护人员")


# ---- the executor ---------------------------------------------------------------------------------

def _read_partition(tmpdir: str, limits: tuple, fault: str | None, paths: Iterable[str]) -> list[tuple[str, str, object]]:
    """A task: its partition's file (one) read in this executor's reader process, as (path, status, payload)."""
    return [_read_on_executor(tmpdir, limits, fault, path) for path in paths]


def _read_on_executor(tmpdir: str, limits: tuple, fault: str | None, path: str) -> tuple[str, str, object]:
    import shutil
    import tempfile

    # the driver's limits, and the tests' hook as set on the driver (sources/read_worker.py: the reader
    # process takes it when it starts); else the reader process, warm from this executor's last task, reads on
    if ((read_worker.READER_MEMORY_BYTES, read_worker.READER_TIMEOUT_SECONDS) != limits
            or os.environ.get(read_worker.FAULT_ENV) != fault):
        if fault:
            os.environ[read_worker.FAULT_ENV] = fault
        else:
            os.environ.pop(read_worker.FAULT_ENV, None)
        read_worker.configure(*limits)
    try:
        os.makedirs(tmpdir, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="spark-read-", dir=tmpdir)
    except OSError:
        scratch = tempfile.mkdtemp(prefix="qf-spark-read-")
    try:
        result = read_worker.read_isolated(Path(path), Path(scratch))
        return path, "ok", pickle.dumps(result, protocol=5)
    except UnreadableFile as exc:
        return path, "unreadable", str(exc)
    except Exception as exc:            # a bug: it costs this file, and the task still answers
        return path, "error", f"{type(exc).__name__}: {exc}"[:500]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def spark_reader(spark, batch: int | None = None):
    """load_inbox's `reader` reading the workbooks on `spark` (a SparkSession)."""
    return functools.partial(read_files_on_spark, spark, batch=batch)

"""Idempotence: two runs over the same inbox (each with a warehouse of its own) give the same case ids, the
same files and the same value in every cell of every sheet of the workbook, except the cells that carry the
run's identity, listed in RUN_CELLS.

The runs are the session's `sample_run` and the run made for the privacy tests (tests/test_privacy.py),
both `qingfeng run --inbox data/sample/inbox --as-of 2021-01-15` on fresh warehouses. A run over a
warehouse that already remembers the cases lists them as 未结 instead of 新增, by design (cases/ledger.py);
tests/test_crash.py checks that a run killed and run again leaves the ledger as one clean run does."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import AS_OF
from test_privacy import logged_run

WORKBOOK = f"线索清单_{AS_OF}.xlsx"
# (sheet, cell): the label beside it. Only the run id differs between two runs over the same inbox; the
# workbook also carries the run id as a document property (qingfeng_run_id), which is not a cell.
RUN_CELLS = {("汇总", "B2"): "运行编号"}
# run.json: the run's identity, where it wrote, and how long each stage took
RUN_JSON_KEYS = {"run_id", "started_at", "finished_at", "out", "warehouse", "snapshot", "timings_s", "stage_spans"}
RUN_JSON_VALIDATION_KEYS = {"seconds", "data_docs"}


def cells(path: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell of every sheet: (sheet, coordinate) → value."""
    wb = openpyxl.load_workbook(path)
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.value is not None}
    finally:
        wb.close()


def differing_cells(a: Path, b: Path, exceptions: dict[tuple[str, str], str]) -> list:
    """The cells whose values differ between workbooks a and b, outside `exceptions` (whose labels, one cell
    to the left, are checked so an exception never hides another cell)."""
    ca, cb = cells(a), cells(b)
    for (sheet, coord), label in exceptions.items():
        left = chr(ord(coord[0]) - 1) + coord[1:]
        assert ca.get((sheet, left)) == label == cb.get((sheet, left)), (sheet, coord, label)
    assert sorted({s for s, _ in ca}) == sorted({s for s, _ in cb})
    return sorted(((k, ca.get(k), cb.get(k)) for k in ca.keys() | cb.keys()
                   if k not in exceptions and ca.get(k) != cb.get(k)), key=str)


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> Path:
    return logged_run(tmp_path_factory).out


def test_two_runs_give_the_same_case_ids_and_files(sample_run, second_run):
    first, second = (p / "cases.csv" for p in (sample_run, second_run))
    ids = [[line.split(",", 1)[0] for line in p.read_text(encoding="utf-8").splitlines()[1:]] for p in (first, second)]
    assert ids[0] == ids[1] and len(ids[0]) == len(set(ids[0])) > 30
    for name in ("cases.csv", "quarantine.csv"):
        assert (sample_run / name).read_bytes() == (second_run / name).read_bytes(), name
    con = duckdb.connect()
    a, b = (con.execute("select * from read_parquet(?)", [str(p / "cases.parquet")]).fetchall()
            for p in (sample_run, second_run))
    assert a == b


def test_two_runs_give_the_same_value_in_every_cell(sample_run, second_run):
    a, b = sample_run / WORKBOOK, second_run / WORKBOOK
    assert not differing_cells(a, b, RUN_CELLS)
    for run, path in ((sample_run, a), (second_run, b)):
        run_id = json.loads((run / "run.json").read_text(encoding="utf-8"))["run_id"]
        assert cells(path)[("汇总", "B2")] == run_id      # the exception is the run id, nothing else


def test_two_runs_write_the_same_run_json_but_for_identity_paths_and_timings(sample_run, second_run):
    a, b = (json.loads((p / "run.json").read_text(encoding="utf-8")) for p in (sample_run, second_run))
    assert a["run_id"] != b["run_id"]
    for info in (a, b):
        for key in RUN_JSON_KEYS:
            info.pop(key, None)
        for key in RUN_JSON_VALIDATION_KEYS:
            info["validation"].pop(key)
    assert a == b

"""`qingfeng run --engine spark` on the sample writes the same cases, quarantine and case ledger statuses as
the DuckDB run (issue 23). A file of its own, apart from tests/test_spark.py, so that under .ci/run's
workers the two Spark runs go side by side."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE, run_cli

RULES = "R01,R10,R15"          # a death, a cadre's kin (the kinship graph), an identity conflict
CASE_FIELDS = ("rule_id", "subject_id_number", "period_from", "period_to", "months", "amount_yuan")


def _cases(out: Path) -> list[tuple]:
    """Every case of cases.csv, every column (the evidence text too) but the ledger status."""
    with open(out / "cases.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(k in rows[0] for k in CASE_FIELDS)
    return sorted(tuple(v for k, v in r.items() if k != "status") for r in rows)


@pytest.mark.spark
def test_qingfeng_run_on_spark_writes_what_the_duckdb_run_writes(sample_run, tmp_path):
    pytest.importorskip("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("no Java 17 on this machine (.ci/run installs it)")
    out = tmp_path / "run"
    # three rules (tests/test_spark.py runs all eighteen on the engine): the whole flow, Parquet to workbook
    proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(out), "--as-of", AS_OF, "--rules", RULES,
                    "--engine", "spark", "--master", "local[2]"], tmp_path / "data", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    duck, spark = (json.loads((d / "run.json").read_text(encoding="utf-8")) for d in (sample_run, out))
    assert spark["parameters"]["engine"] == "spark" and spark["versions"]["spark"]
    assert _cases(out) == [c for c in _cases(sample_run) if c[1] in RULES.split(",")]
    assert spark["cases_per_rule"] == {r: n for r, n in duck["cases_per_rule"].items() if r in RULES}
    # the case ledger (case memory, on DuckDB for both engines) gives each case the same status
    assert spark["cases_by_status"] == {r: s for r, s in duck["cases_by_status"].items() if r in RULES}
    for key in ("quarantine_by_reason", "rows", "files"):
        assert spark[key] == duck[key], key
    assert not list((tmp_path / "data" / "spark").glob("*")), "the run's Parquet is removed when it ends"

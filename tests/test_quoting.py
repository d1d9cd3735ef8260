"""Strings reach SQL as bound parameters or through sources.quoting.sql_str, never spliced by hand: a quote
in a value, a path or a delimiter is text, not SQL."""

from __future__ import annotations

import duckdb
import pytest

from sources import load
from sources.quoting import sql_str
from sources.read import read_file
from sources.values import _matches


@pytest.mark.parametrize("value", ["", "it's", "''", "王'五", "a\\'b", "'; drop table t; --", None])
def test_a_quoted_literal_reads_back_as_the_same_text(value):
    con = duckdb.connect()
    assert con.execute(f"select {sql_str(value)}").fetchone()[0] == value


def test_a_word_with_a_quote_matches_as_text():
    con = duckdb.connect()
    matches = _matches(("o'k",))
    got = con.execute(f"select s, {matches} from (values ('say o''k'), ('ok'), (null)) t(s)").fetchall()
    assert got == [("say o'k", True), ("ok", False), (None, False)]


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_a_csv_in_a_folder_with_a_quote_in_its_name_is_read(tmp_path, delimiter):
    """Its path reaches read_csv as a parameter (both the line reader and DuckDB's parser for quoted lines)."""
    folder = tmp_path / "O'Brien's inbox"
    folder.mkdir()
    path = folder / "it's.csv"
    rows = [["a", "b", "c"], ["1", "x'y", "2"], ["3", '"q, r"', "4"], ["5", '"multi\nline"', "6"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    sheet = read_file(path, tmp_path).sheets[0]
    assert sheet.delimiter == delimiter
    con = duckdb.connect()
    con.execute((load.HERE / "macros.sql").read_text(encoding="utf-8"))
    sheet.load(con, "g")
    got = con.execute("select row_no, qf_cells(cells, line, ?) from g order by row_no", [delimiter]).fetchall()
    assert got == [(1, ["a", "b", "c"]), (2, ["1", "x'y", "2"]), (3, ["3", "q, r", "4"]), (4, ["5", "multi\nline", "6"])]

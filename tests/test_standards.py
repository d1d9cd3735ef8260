"""Standards as configuration (sources/standards/*.yaml → std_<key> tables, std_settings)."""

from __future__ import annotations

import duckdb
import pytest

from sources import standards


def test_every_list_key_is_a_table_and_every_scalar_a_setting(tmp_path):
    (tmp_path / "a.yaml").write_text("rates:\n  - {county: '*', yuan: 10}\n  - {county: 柯城区, from_month: 2020-07}\n"
                                     "factor: 1.5\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("years:\n  - {n: 5}\n", encoding="utf-8")
    con = duckdb.connect()
    assert standards.create_standard_tables(con, tmp_path) == ["std_rates", "std_years", "std_settings"]
    assert con.sql("select county, yuan, from_month from std_rates order by county").fetchall() == [
        ("*", "10", None), ("柯城区", None, "2020-07")]
    assert con.sql("select file, key, value from std_settings").fetchall() == [("a.yaml", "factor", "1.5")]


def test_a_list_key_declared_twice_is_refused(tmp_path):
    for f in ("a.yaml", "b.yaml"):
        (tmp_path / f).write_text("rates:\n  - {yuan: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="another standards file"):
        standards.read_standards(tmp_path)


def test_the_shipped_subsidy_standards_load():
    con = duckdb.connect()
    names = standards.create_standard_tables(con)
    assert {"std_dibao_standards", "std_subsidy_rates", "std_care_allowed", "std_settings"} <= set(names)
    assert con.execute("select value from std_settings where key = 'institutional_uplift'").fetchall() == [("1.5",)]

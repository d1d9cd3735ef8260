"""Screening before payment: a list with planted dead, moved, duplicate and unknown payees holds exactly
those rows, against a warehouse built from the sample by the real loader."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import SAMPLE

from rules import derived
from rules import screening as screen
from sources import gx, load, stage, warehouse


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("screen")
    path = tmp / "warehouse.duckdb"
    con = warehouse.connect(path)
    load.load_inbox(con, SAMPLE / "inbox", tmp / "tx")
    stage.stage_all(con)
    gx.validate_tables(con, tmp / "gx", dt.date(2021, 1, 15))
    derived.derive(con)
    con.close()
    return path


def planted(rule_id: str) -> list[dict]:
    with open(SAMPLE / "planted.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["rule_id"] == rule_id and r["expect"] == "flag"]


def test_a_list_holds_exactly_the_dead_moved_duplicate_and_unknown(sample_warehouse, tmp_path):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    living = con.execute("""
        select name, id_number from payments p
        where programme = '困难残疾人生活补贴' and entitlement_month = date '2020-12-01'
          and id_number not in (select id_number from deaths) and id_number not in (select id_number from moves)
          and id_number in (select id_number from persons)      -- registered (not R13's planted ghost)
        order by id_number limit 5""").fetchall()
    con.close()
    dead = planted("R01")[0]
    moved = next(p for p in planted("R03") if p["programme"] == "困难残疾人生活补贴")
    ghost = planted("R13")[0]
    rows = [[n, i, "生活补贴", "2021-01", 270] for n, i in living]                          # rows 3–7: pay
    rows += [[dead["subject_name"], dead["subject_id_number"], "生活补贴", "2021-01", 270],   # row 8: dead
             [moved["subject_name"], moved["subject_id_number"], "生活补贴", "2021-01", 270],  # row 9: moved
             [living[0][0], living[0][1], "生活补贴", "2021-01", 270],                        # row 10: twice
             [ghost["subject_name"], ghost["subject_id_number"], "生活补贴", "2021-01", 270],  # row 11: ghost
             [living[1][0], living[1][1], "生活补贴", "2020-12", 270],                        # row 12: paid already
             ["坏号", "11010519491231003X", "生活补贴", "2021-01", 270]]                      # row 13: bad ID
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2021年1月困难残疾人生活补贴拟发放名单"])
    ws.append(["姓名", "身份证号", "补贴类型", "所属期", "发放金额"])
    for r in rows:
        ws.append(r)
    wb.save(tmp_path / "next.xlsx")
    t0 = time.perf_counter()
    result = screen.screen(tmp_path / "next.xlsx", sample_warehouse)
    seconds = time.perf_counter() - t0
    held = {h["row_no"]: h["checks"] for h in result.held}
    assert held == {8: "S01", 9: "S02", 10: "S03", 11: "S05", 12: "S03", 13: "S00"}
    assert result.rows == 11
    assert seconds < 10, f"screening took {seconds:.1f} s"


def test_a_list_that_is_not_a_payment_list_is_refused(sample_warehouse, tmp_path):
    (tmp_path / "memo.csv").write_text("议题,时间\n修路,2021-01-08\n", encoding="utf-8")
    result = screen.screen(tmp_path / "memo.csv", sample_warehouse)
    assert result.unreadable and not result.held


def test_a_list_pasted_into_the_console_is_screened_and_its_held_rows_shown(sample_warehouse, tmp_path):
    """Excel copies cells as tab-separated lines: pasted into the screening form, the list is kept in the
    screening's folder, read like a file, and the held rows are the artifact's table (who, what, why)."""
    from flows import console
    from outputs import hold_list as screening

    dead = planted("R01")[0]
    text = ("姓名\t身份证号\t补贴类型\t所属期\t发放金额\r\n"
            f"{dead['subject_name']}\t{dead['subject_id_number']}\t生活补贴\t2021-01\t270\r\n"
            "坏号|x\t11010519491231003X\t生活补贴\t2021-01\t270\r\n")
    path = console.pasted_list(text, tmp_path / "screen")
    result = screen.screen(path, sample_warehouse)
    assert {h["row_no"]: h["checks"] for h in result.held} == {2: "S01", 3: "S00"}
    summary = screening.write(result, tmp_path / "screen", dt.date(2021, 1, 15))
    page = screening.held_markdown(result, summary)
    assert "应暂缓发放 **2** 行" in page and dead["subject_id_number"] in page
    assert "坏号｜x" in page and len([line for line in page.splitlines() if line.startswith("| ")]) == 3

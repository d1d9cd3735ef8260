"""Where people went and where the register reaches (sources/gazetteer.py, rules/places.sql): destinations
as registers write them placed in or out of the county and the province, and register rows held back by
the loader still showing that a person exists."""
from __future__ import annotations

import pytest
from conftest import empty_warehouse, insert_rows

from rules import catalog, derived
from sources import load, stage

# (destination, out_of_province, out_of_county) for a person leaving 常山县 (330822); None = cannot tell
DESTINATIONS = [
    ("江西省上饶市玉山县", True, True),
    ("湖南长沙", True, True),                # 南长 (a district of 无锡) straddles 湖南|长沙 and is not read
    ("外省务工", True, True),
    ("广西南宁", True, True),
    ("香港", True, True),
    ("衢州市柯城区", False, True),
    ("杭州萧山", False, True),               # short forms; 萧山 was a county, a city and is a district
    ("江山", False, True),
    ("衢江区湖南镇", False, True),            # 湖南镇 is a township of 衢江区, not 湖南省
    ("湖南镇", False, True),
    ("常山县球川镇东坑村", False, False),
    ("本县天马街道", False, False),
    ("芳村", False, False),                 # 芳村镇 of 常山县 (and a former district of 广州): the county left wins
    ("衢州市", False, None),                 # which county of the city?
    ("浙江省", False, None),
    ("普陀", None, True),                    # 舟山 or 上海: not 常山 either way
    ("县外", None, True),
    ("投亲靠友", None, None),
    ("河南村", None, None),                  # a village, not 河南省
]


def test_destinations_are_placed_in_or_out_of_the_county_and_province():
    rows = ["id_number,name,household_no,county_code,status,change_on,destination"]
    rows += [f"3308221950010100{i:02d},张{i},{i},330822,迁出,2020-05-12,{d}" for i, (d, _, _) in enumerate(DESTINATIONS)]
    con = empty_warehouse()
    insert_rows(con, "persons", "\n".join(rows))
    derived.derive(con)
    got = {d: (p, c) for d, p, c in con.execute("select destination, out_of_province, out_of_county from moves").fetchall()}
    wrong = {d: got.get(d) for d, p, c in DESTINATIONS if got.get(d) != (p, c)}
    assert not wrong, f"placed wrongly (out_of_province, out_of_county): {wrong}"


def test_the_gazetteer_knows_every_province_and_historical_counties():
    con = empty_warehouse()
    derived.derive(con)
    assert con.execute("select count(*) from gazetteer where level = 'province'").fetchone()[0] == 34
    names = {r[0] for r in con.execute("select name from gazetteer where code in ('330821', '330181', '339006')").fetchall()}
    assert {"衢县", "萧山市", "江山市"} <= names


def _run_inbox(tmp_path, files: dict[str, str], rule_id: str) -> tuple[list, object]:
    import duckdb

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    con = duckdb.connect()
    load.create_tables(con)
    load.load_inbox(con, inbox, tmp_path)
    stage.stage_all(con)
    derived.derive(con)
    catalog.run_rule(con, catalog.select_rules([rule_id])[0])
    return con.execute(f"select subject_id_number from case_{rule_id}").fetchall(), con


@pytest.mark.parametrize("damaged", ["3.30822195203141E+17", "330822195203140000"])
def test_a_register_row_held_back_for_a_damaged_number_is_no_ghost(tmp_path, damaged):
    """The register's number went through a numeric Excel cell; the row is quarantined, yet 郑建国 of
    330822 born 1952-03-14 exists: the payee with the full number is not 查无此人."""
    files = {
        "天马派出所常住人口.csv": (
            "户号,姓名,公民身份号码,与户主关系,性别,出生日期,乡镇(街道)\n"
            f"0012031,郑建国,{damaged},户主,男,1952-03-14,天马街道\n"
            "0012032,郑兰英,330822195508170627,户主,女,1955-08-17,天马街道\n"),
        "天马街道低保发放花名册.csv": (
            "序号,姓名,身份证号码,所属月份,发放金额,乡镇(街道)\n"
            "1,郑建国,330822195203140814,2020年5月,750,天马街道\n"
            "2,郑兰英,330822195508170627,2020年5月,750,天马街道\n"),
    }
    cases, con = _run_inbox(tmp_path, files, "R13")
    assert con.execute("select count(*) from register_held_back where name_norm = '郑建国' "
                       "and prefix14 = '33082219520314'").fetchone()[0] == 1
    assert cases == []


def test_a_payee_the_register_does_not_have_is_still_found(tmp_path):
    files = {
        "天马派出所常住人口.csv": (
            "户号,姓名,公民身份号码,与户主关系,性别,出生日期,乡镇(街道)\n"
            "0012032,郑兰英,330822195508170627,户主,女,1955-08-17,天马街道\n"),
        "天马街道低保发放花名册.csv": (
            "序号,姓名,身份证号码,所属月份,发放金额,乡镇(街道)\n"
            "1,郑建国,330822195203140814,2020年5月,750,天马街道\n"
            "2,郑兰英,330822195508170627,2020年5月,750,天马街道\n"),
    }
    cases, _ = _run_inbox(tmp_path, files, "R13")
    assert cases == [("330822195203140814",)]


def test_a_payout_row_held_back_is_no_shortfall_but_data_to_complete(tmp_path):
    """R12: the second instalment's amount could not be read (the row is quarantined): the 4000 may have been
    paid, so no case; the agreement is on 待补数据 instead."""
    files = {
        "铁塔占地补偿协议.csv": (
            "协议号,承包方(户主)姓名,身份证号码,补偿金额(元),签订日期,村\n"
            "QC-TT-31,叶林云,330822195802029712,10000,2020-05-18,东坑村\n"),
        "铁塔占地补偿款兑付清单.csv": (
            "序号,协议号,权利人,身份证号码,领款人,支付金额,支付日期\n"
            "1,QC-TT-31,叶林云,330822195802029712,叶林云,6000,2020-06-30\n"
            "2,QC-TT-31,叶林云,330822195802029712,叶林云,肆仟元整?,2020-12-20\n"),
    }
    cases, con = _run_inbox(tmp_path, files, "R12")
    assert con.execute("select count(*) from quarantine where kind = 'comp_payouts'").fetchone()[0] == 1
    assert cases == []
    catalog.run_needs(con, catalog.select_rules(["R12"])[0])
    needs = con.execute("select subject_id_number, missing from needs_R12").fetchall()
    assert [n[0] for n in needs] == ["330822195802029712"], needs

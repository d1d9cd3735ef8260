"""The loader on the committed sample inbox: every file recognised by its header, every row accounted for."""

from __future__ import annotations

import csv

import duckdb
import openpyxl
import pytest
from conftest import SAMPLE, fetch_dicts

from sources import load, recognise, reference, stage, values
from sources.accounting import accounting as row_accounting

INBOX = SAMPLE / "inbox"

EXPECTED_FILES = {   # file → (status, kinds of its sheets, office for death records)
    "残联_2020年困难残疾人生活补贴发放明细.xlsx": ("loaded", {"payments"}, None),
    "护理补贴2020年度.xlsx": ("loaded", {"payments"}, None),
    "民政_最低生活保障_2020年1-9月.csv": ("loaded", {"payments"}, None),
    "民政局_救助资金发放表_第1批.xls": ("loaded", {"payments"}, None),
    "民政局_救助资金发放表_第2批.xls": ("loaded", {"payments"}, None),
    "民政局_救助资金发放表_第3批.xls": ("loaded", {"payments"}, None),
    "民政_社会救助对象发放台账_2020.xlsx": ("loaded", {"payments", None}, None),
    "人社_城乡居民养老金发放_2020.csv": ("loaded", {"payments"}, None),
    "江山市人社_城乡居民养老金发放_2020.csv": ("loaded", {"payments"}, None),
    "公安_户籍人口_常山县.xlsx": ("loaded", {"persons"}, None),
    "公安_户籍注销人员_2020.xlsx": ("loaded", {"death_records"}, "公安注销"),
    "民政_火化信息_2020.csv": ("loaded", {"death_records"}, "民政火化"),
    "卫健_死亡医学证明_2020.csv": ("loaded", {"death_records"}, "卫健死亡证明"),
    "县委组织部_村社干部花名册_2020.xlsx": ("loaded", {"cadres"}, None),
    "民政局_乡镇街道经办人员名单.xlsx": ("loaded", {"cadres"}, None),
    "财政局_财政供养人员信息_2020.xlsx": ("loaded", {"payroll"}, None),
    "民政局_近亲属享受救助备案表.xlsx": ("loaded", {"kin_filings"}, None),
    "公安交警_机动车登记信息_2020.csv": ("loaded", {"vehicles"}, None),
    "市场监管局_市场主体登记信息.xlsx": ("loaded", {"businesses"}, None),
    "农业农村局_村级工程项目台账_2020.xlsx": ("loaded", {"projects"}, None),
    "自然资源局_征地及铁塔占地补偿协议汇总_2020.xlsx": ("loaded", {"comp_agreements"}, None),
    "球川镇_补偿款发放明细_2020.xlsx": ("loaded", {"comp_payouts"}, None),
    "会议纪要_2021年1月.xlsx": ("unrecognised", {None}, None),
}
EXPECTED_FILES.update({   # issue 19, R17
    "人社_企业职工及机关事业养老金发放明细_2020.xlsx": ("loaded", {"payments"}, None),
    "司法局_在押服刑人员名单_2020.xlsx": ("loaded", {"prisoners"}, None),
})
EXPECTED_FILES.update({   # issue 19, R16
    "住建局_农村危房改造对象花名册_2013-2020.xlsx": ("loaded", {"housing_aid"}, None),
    "残联_持证残疾人信息_2020.xlsx": ("loaded", {"disability_certs"}, None),
    "农业农村局_低收入农户认定名单2020.csv": ("loaded", {"low_income"}, None),
})


def planted_rows() -> list[dict]:
    with open(SAMPLE / "planted_rows.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = duckdb.connect()
    load.load_inbox(c, INBOX, tmp_path_factory.mktemp("transcode"))
    stage.stage_all(c)
    return c


@pytest.fixture(scope="module")
def accounting(con):
    return row_accounting(con)


def test_every_sample_file_is_recognised_by_its_header(con):
    files = {r["file_name"]: r for r in fetch_dicts(con, "select * from source_files")}
    assert set(files) == set(EXPECTED_FILES)
    for name, (status, kinds, variant) in EXPECTED_FILES.items():
        assert files[name]["status"] == status, name
        sheets = fetch_dicts(con, "select * from source_sheets where file_id = ?", [files[name]["file_id"]])
        assert {s["kind"] for s in sheets} == kinds, name
        assert {s["variant"] for s in sheets if s["kind"]} <= {variant}, name


def test_every_row_is_loaded_quarantined_or_structural(accounting):
    for a in accounting:
        assert a["reconciles"], a
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_structural"], a


def test_rows_read_match_the_files(accounting):
    """Rows read equal the rows in the file: lines of a CSV, rows of each sheet up to its last cell."""
    import python_calamine

    by_file: dict[str, int] = {}
    for a in accounting:
        by_file[a["file_name"]] = by_file.get(a["file_name"], 0) + a["rows_read"]
    for name, n in by_file.items():
        path = INBOX / name
        if path.suffix == ".csv":
            expected = len(path.read_bytes().splitlines())
        else:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            expected = sum(len(wb.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in wb.sheet_names)
        assert n == expected, name


def test_every_planted_row_ends_where_the_answer_key_says(con):
    """data/sample/planted_rows.csv: loaded (normalised or recovered), quarantined with its reason, or
    structural with its kind; the 合计 that disagrees is reported."""
    files = dict(con.execute("select file_name, file_id from source_files").fetchall())
    loaded = {(r[0], r[1], r[2]): r[3] for r in con.execute("""
        select file_id, sheet, row_no, id_number from payments union all select file_id, sheet, row_no, id_number from persons
        union all select file_id, sheet, row_no, id_number from cadres union all select file_id, sheet, row_no, id_number from vehicles
        union all select file_id, sheet, row_no, id_number from payroll""").fetchall()}
    names = {(r[0], r[1], r[2]): r[3] for r in con.execute("""
        select file_id, sheet, row_no, name_norm from payments union all select file_id, sheet, row_no, name_norm from persons
        union all select file_id, sheet, row_no, name_norm from cadres
        union all select file_id, sheet, row_no, name_norm from vehicles""").fetchall()}
    recovered = {(r[0], r[1], r[2]) for r in con.execute(
        "select file_id, sheet, row_no from payments where id_number_recovered").fetchall()}
    quarantined = {(r[0], r[1], r[2]): r[3] for r in con.execute("select file_id, sheet, row_no, reason from quarantine").fetchall()}
    structural = {(r[0], r[1], r[2]): r[3] for r in con.execute("select file_id, sheet, row_no, row_kind from raw_structural").fetchall()}
    mismatches = {(r[0], r[1], r[2]) for r in con.execute("select file_id, sheet, row_no from total_checks where not matches").fetchall()}
    rows = planted_rows()
    assert rows
    for p in rows:
        key = (files[p["file"]], p["sheet"], int(p["row_no"]))
        if p["expect"] == "loaded":
            assert key in loaded, p
            value = loaded[key] if p["column"] == "id_number" else names[key]
            assert not p["expected"] or value == p["expected"], (p, value)
            assert (key in recovered) == (p["reason"] == "RECOVERED"), p
        elif p["expect"] == "quarantined":
            assert quarantined.get(key) == p["reason"], (p, quarantined.get(key))
        elif p["expect"] == "structural":
            assert structural.get(key) == p["reason"], (p, structural.get(key))
        elif p["expect"] == "total_mismatch":
            assert key in mismatches, p
    assert len(mismatches) == sum(p["expect"] == "total_mismatch" for p in rows)


def test_loaded_rows_equal_the_generated_rows(con):
    planted_people = {r["subject_id_number"] for r in csv.DictReader(open(SAMPLE / "planted.csv", encoding="utf-8"))}
    n_pay = con.execute("select count(*) from payments").fetchone()[0]
    assert n_pay > 1000
    assert con.execute("select count(*) from payments where programme is null or entitlement_month is null "
                       "or amount_yuan is null").fetchone()[0] == 0
    # (R18's gated register rows are people of the register only)
    ids = {r[0] for r in con.execute("""select id_number from payments union select id_number from cadres
                                          union select id_number from compensation_agreements
                                          union select id_number from persons""").fetchall()}
    assert planted_people <= ids, "a planted case's subject is nowhere in the loaded data"


def test_programme_from_the_title_the_sheet_name_or_the_file_name(con):
    got = dict(con.execute("""select source_file, string_agg(distinct programme, '|') from payments
                              group by source_file""").fetchall())
    assert got["护理补贴2020年度.xlsx"] == "重度残疾人护理补贴"                       # title only
    assert got["民政局_救助资金发放表_第1批.xls"] == "最低生活保障"                  # title only (.xls)
    assert got["民政_社会救助对象发放台账_2020.xlsx"] == "特困人员供养"              # sheet name only
    assert got["民政_最低生活保障_2020年1-9月.csv"] == "最低生活保障"                # file name only


def test_month_only_in_the_title_of_a_monthly_xls(con):
    got = con.execute("""select source_file, min(entitlement_month), max(entitlement_month) from payments
                         where source_file like '民政局_救助资金%' group by all order by 1""").fetchall()
    assert [(g[1].month, g[2].month) for g in got] == [(10, 10), (11, 11), (12, 12)]


def test_gbk_csv_with_amounts_in_yuan(con):
    enc = dict(con.execute("select file_name, encoding from source_files where format = 'csv'").fetchall())
    assert enc["民政_最低生活保障_2020年1-9月.csv"] == "gb18030"       # GBK is read as its superset GB18030
    assert enc["公安交警_机动车登记信息_2020.csv"] == "gb18030"          # with a character outside GBK
    assert enc["民政_火化信息_2020.csv"] == "utf-8-sig"
    assert enc["人社_城乡居民养老金发放_2020.csv"] == "utf-8"
    amounts = {r[0] for r in con.execute("select distinct amount_yuan from payments where programme = '最低生活保障'").fetchall()}
    assert amounts and all(a > 0 for a in amounts)


def test_death_records_take_their_office_from_their_columns(con):
    got = dict(con.execute("select source, count(*) from death_records group by source").fetchall())
    assert set(got) == {"公安注销", "民政火化", "卫健死亡证明"}


def test_lineage_points_at_the_original_cell(con):
    """A loaded row's file, sheet and row number lead back to the same ID in the original workbook."""
    row = fetch_dicts(con, "select source_file, sheet, row_no, id_number from payments "
                           "where source_file like '护理补贴%' order by row_no desc limit 1")[0]
    ws = openpyxl.load_workbook(INBOX / row["source_file"], read_only=True)[row["sheet"]]
    cells = next(ws.iter_rows(min_row=row["row_no"], max_row=row["row_no"], values_only=True))
    assert row["id_number"] in [str(c) for c in cells]


def test_pension_ledger_without_places_takes_them_from_the_register(con):
    """Every pension row of a registered person takes its place from the register; only a payee nobody
    registered (R13's planted pensioner) stays without one."""
    placed = con.execute("""select count(*) filter (where township is not null), count(*) filter (where township is null
        and id_number in (select id_number from persons)) from payments where programme = '城乡居民基本养老保险'""").fetchone()
    assert placed[0] > 0 and placed[1] == 0


# ---- layouts on literal grids -----------------------------------------------------------------

def test_header_below_title_rows_is_found():
    grid = [["某县2020年3月低保发放名册"], ["单位：民政局", "", "制表日期：2020-04-01"],
            ["序号", "姓名", "身份证号", "金额（元）"], ["1", "张三", "11010519491231002X", "500"]]
    lay = recognise.detect_layout(grid, "Sheet1", "x.xlsx")
    assert lay.kind.kind == "payments" and lay.header_row == 3
    assert lay.mapping == {"name": 1, "id_number": 2, "amount_yuan": 3}
    assert lay.hints["month"] == "2020-03" and lay.hints["programme"] == "低保"


def test_two_row_merged_header_is_combined():
    grid = [["序号", "姓名", "身份证号", "发放情况", "发放情况"], ["序号", "姓名", "身份证号", "所属期", "金额"],
            ["1", "张三", "11010519491231002X", "2020-03", "500"]]
    lay = recognise.detect_layout(grid, "天马街道", "护理补贴.xlsx")
    assert lay.header_rows == 2 and lay.header_row == 2
    assert lay.mapping["entitlement_month"] == 3 and lay.mapping["amount_yuan"] == 4
    assert lay.hints["township"] == "天马街道"


def test_header_cells_with_spaces_line_breaks_and_full_width_brackets():
    grid = [["姓 名", "身份证\n号码", "金额（元）", "所属期"], ["张三", "11010519491231002X", "500", "2020-03"]]
    lay = recognise.detect_layout(grid, "", "a.csv")
    assert set(lay.mapping) == {"name", "id_number", "amount_yuan", "entitlement_month"}


def test_a_sheet_without_known_headers_is_not_recognised():
    assert recognise.detect_layout([["时间", "地点"], ["2021-01-08", "村委会"]], "Sheet1", "纪要.xlsx") is None


def test_a_kind_without_sheets_is_staged_with_the_columns_of_a_full_staging(tmp_path):
    """stage_all creates stg_<kind> of a kind no sheet holds from stg_columns() (no compile of the staging
    query); its columns and types must be those the staging query gives, with and without its cells."""
    from sources.declarations import kinds

    c = duckdb.connect()
    load.load_inbox(c, tmp_path, tmp_path / "tmp")       # an empty inbox: every kind is without sheets
    reference.create_reference_tables(c)
    values.create_value_tables(c)
    c.execute("create table register_prefix (prefix14 varchar, name_norm varchar, id_number varchar)")
    for k in kinds():
        c.execute(stage.map_sql(k))
        mapped = c.execute(f"describe map_{k.kind}").fetchall()
        if any(col.type == "programme" for col in k.columns.values()):
            c.execute(stage.programme_map_sql(k))
        got = {}
        for label, sql in (("full", stage.stage_sql(k)), ("no columns", stage.stage_sql(k, (set(), set()))),
                           ("empty", stage.empty_stage_sql(k))):
            c.execute(sql)
            got[label] = c.execute(f"describe {k.stg_table}").fetchall()
        assert got["empty"] == got["full"] == got["no columns"], k.kind
        assert c.execute(f"describe map_{k.kind}").fetchall() == mapped, k.kind
    stage.stage_all(c)     # and stage_all takes that path for each of them
    assert all(c.execute(f"select count(*) from {k.table}").fetchone()[0] == 0 for k in kinds())

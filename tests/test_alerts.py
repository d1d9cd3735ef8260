"""Loud, never silent: alerts, rules not checked (未检查), coverage and warnings, on real small inboxes run
through the real `qingfeng run`, and the catalogue's check of every rule's declared inputs."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import AS_OF, SAMPLE, empty_warehouse, run_cli

from outputs import runinfo
from rules import catalog, coverage

PROJECT_LEDGER = "农业农村局_村级工程项目台账_2020.xlsx"
ALERT_COLOUR = "F8CBAD"


def _csv(path: Path, rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def loud_run(tmp_path_factory):
    """The sample inbox without the project ledger, plus a workbook whose second sheet is not recognised and
    a ledger of which two rows in five are quarantined (and one has an unreadable pay date)."""
    tmp = tmp_path_factory.mktemp("loud")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for p in (SAMPLE / "inbox").iterdir():
        if p.name != PROJECT_LEDGER:
            shutil.copyfile(p, inbox / p.name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "发放"
    for r in [["姓名", "身份证号", "补贴类型", "所属期", "金额", "区县", "乡镇"],
              ["孙八", "11010519491231002X", "最低生活保障", "2020-06", 300, "常山县", "天马街道"]]:
        ws.append(r)
    notes = wb.create_sheet("填表说明")
    for r in [["请各乡镇于每月5日前报送", "联系人：王"], ["电话 0570-1234567", "传真同上"]]:
        notes.append(r)
    wb.save(inbox / "乡镇报送_2020年6月.xlsx")
    _csv(inbox / "补报_低保_2020年5月.csv", [
        ["姓名", "身份证号", "补贴类型", "所属期", "金额", "发放日期", "区县", "乡镇"],
        ["张三", "11010519491231002X", "最低生活保障", "2020-05", "300", "2020-05-10", "常山县", "天马街道"],
        ["李四", "110105194912310046", "最低生活保障", "2020-05", "300", "2020-13-45", "常山县", "天马街道"],
        ["王五", "110105194912310047", "最低生活保障", "2020-05", "300", "2020-05-10", "常山县", "天马街道"],
        ["赵六", "", "最低生活保障", "2020-05", "300", "2020-05-10", "常山县", "天马街道"],
        ["钱七", "440524188001010014", "最低生活保障", "2020-05", "300", "2020-05-10", "常山县", "天马街道"],
    ])
    out = tmp / "out"
    proc = run_cli(["run", "--inbox", str(inbox), "--out", str(out), "--as-of", AS_OF], tmp / "data")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out / f"线索清单_{AS_OF}.xlsx")
    return info, proc.stdout, book


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _block(ws, title: str) -> list:
    """The rows (cells) of the titled table on a sheet, header excluded."""
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value and str(r[0].value).startswith(title))
    out = []
    for r in rows[start + 2:]:
        if r[0].value is None and all(c.value is None for c in r):
            break
        out.append(r)
    return out


def test_an_unrecognised_sheet_is_an_alert_in_run_json_on_the_console_and_first_on_the_quality_sheet(loud_run):
    info, stdout, book = loud_run
    hits = [a for a in info["alerts"] if a["file"] == "乡镇报送_2020年6月.xlsx"]
    assert [(a["type"], a["sheet"], a["status"]) for a in hits] == [("sheet_unusable", "填表说明", "unrecognised")]
    assert "填表说明" in hits[0]["message"] and "表头未识别" in hits[0]["message"]
    lines = stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("运行 "))
    assert lines[start + 1].startswith("！！ 警报"), "alerts come first on the console"
    assert any("乡镇报送_2020年6月.xlsx" in ln and "填表说明" in ln for ln in lines if ln.startswith("！！"))
    ws = book["数据质量"]
    assert str(ws["A1"].value).startswith("一、警报")
    alert_rows = _block(ws, "一、警报")
    row = next(r for r in alert_rows if r[3].value == "乡镇报送_2020年6月.xlsx")
    assert row[4].value == "填表说明"
    assert row[2].fill.fgColor.rgb.endswith(ALERT_COLOUR), "alerts are highlighted"
    assert len(alert_rows) == len(info["alerts"])


def test_a_file_with_a_fifth_of_its_rows_quarantined_is_an_alert(loud_run):
    info, stdout, book = loud_run
    hits = [a for a in info["alerts"] if a["type"] == "quarantine_share"]
    assert [(a["file"], a["rows"], a["quarantined"]) for a in hits] == [("补报_低保_2020年5月.csv", 5, 2)]
    assert "40%" in hits[0]["message"] and "身份证号" in hits[0]["message"]
    assert any("补报_低保_2020年5月.csv" in ln for ln in stdout.splitlines() if ln.startswith("！！"))
    assert any(r[3].value == "补报_低保_2020年5月.csv" for r in _block(book["数据质量"], "一、警报"))
    # the sample's own files lose one row in a hundred at most: no alert for them
    assert not [a for a in hits if a["file"] in {p.name for p in (SAMPLE / "inbox").iterdir()}]


def test_without_the_project_ledger_r11_is_not_checked_never_zero_cases(loud_run):
    info, stdout, book = loud_run
    check = next(c for c in info["rule_checks"] if c["rule"] == "R11")
    assert check["status"] == "unchecked"
    assert [e["county"] for e in check["counties"]] == ["常山县", "江山市"]
    assert all(not e["checked"] and "缺少 村级工程项目" in e["reason"] for e in check["counties"])
    assert info["cases_per_rule"]["R11"] == 0
    line = next(ln for ln in stdout.splitlines() if ln.startswith("R11:"))
    assert line.startswith("R11: 未检查（常山县：缺少 村级工程项目") and "条线索" not in line, line
    alert = next(a for a in info["alerts"] if a["type"] == "input_missing" and a["kind"] == "projects"
                 and a["county"] == "常山县")
    assert alert["rules"] == ["R11"] and "村级工程项目" in alert["message"]
    summary = _rows(book["汇总"])
    row = next(r for r in summary if r[0] == "R11")
    assert row[2] == "未检查" and "常山县：缺少 村级工程项目" in row[13]
    # a rule whose inputs are all there is checked everywhere and keeps its plain line
    r04 = next(c for c in info["rule_checks"] if c["rule"] == "R04")
    assert r04["status"] == "checked" and r04["unchecked"] is None
    assert next(ln for ln in stdout.splitlines() if ln.startswith("R04:")).startswith("R04: ")
    assert "未检查" not in next(ln for ln in stdout.splitlines() if ln.startswith("R04:"))


def test_an_unreadable_optional_date_is_a_warning_with_file_and_row(loud_run):
    info, _, book = loud_run
    w = next(w for w in info["warnings"] if w["code"] == "BAD_DATE:paid_on")
    assert w["count"] == 1 and w["unit"] == "行"
    assert w["examples"] == [{"file": "补报_低保_2020年5月.csv", "sheet": "", "row": 3, "column": "发放日期"}]
    rows = _rows(book["数据质量"])
    assert any(r[1] == "BAD_DATE（发放日期）" and r[4] == "补报_低保_2020年5月.csv" and r[6] == 3 for r in rows)


def test_coverage_lists_the_samples_county_township_and_kind(sample_run_info):
    cov = sample_run_info["coverage"]
    keys = {(c["kind"], c["county"], c["township"]) for c in cov}
    assert {("payments", "常山县", "天马街道"), ("payments", "常山县", "球川镇"), ("payments", "江山市", "贺村镇"),
            ("persons", "常山县", "天马街道"), ("persons", "常山县", "球川镇"),
            ("projects", "常山县", "球川镇"), ("cadres", "常山县", "天马街道")} <= keys
    assert {c["kind"] for c in cov} == {k.kind for k in catalog.kinds()}, "every kind is listed, with or without rows"
    pay = next(c for c in cov if (c["kind"], c["county"], c["township"]) == ("payments", "常山县", "球川镇"))
    assert (pay["first_month"], pay["last_month"], pay["months"]) == ("2020-01-01", "2020-12-01", 12)
    deaths = [c for c in cov if c["kind"] == "death_records"]
    assert all(c["date_column"] == "death_on" and c["first_date"] for c in deaths)
    loaded = {}
    for f in sample_run_info["files"]:
        for s in f["sheets"]:
            loaded[s["kind"]] = loaded.get(s["kind"], 0) + s["loaded"]
    for kind, n in loaded.items():
        if kind:
            assert sum(c["rows"] for c in cov if c["kind"] == kind) == n, kind


def test_the_samples_warnings_say_where(sample_run_info):
    by_code = {w["code"]: w for w in sample_run_info["warnings"]}
    up = by_code["ID_UPGRADED:id_number"]
    assert up["count"] == 14 and all(e["file"] and e["row"] for e in up["examples"])
    ctx = by_code["VALUE_FROM_CONTEXT:entitlement_month"]
    assert {e["file"] for e in ctx["examples"]} == {f"民政局_救助资金发放表_第{i}批.xls" for i in (1, 2, 3)}
    assert any(c.startswith("GX_WARN:persons") for c in by_code)
    assert sample_run_info["alerts"][0]["file"] == "会议纪要_2021年1月.xlsx"


def test_a_month_range_without_payments_leaves_payment_rules_unchecked(sample_run, tmp_path):
    """--from/--to: a county with no payments in those months cannot be checked by a rule that needs them."""
    shutil.copyfile(sample_run.parent / "warehouse.duckdb", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        rules = catalog.select_rules(["R04", "R15"])
        import datetime as dt

        checks = {c["rule"]: c for c in coverage.rule_checks(
            con, rules, catalog.Scope(month_from=dt.date(2021, 1, 1), month_to=dt.date(2021, 3, 1)))}
        inside = {c["rule"]: c for c in coverage.rule_checks(
            con, rules, catalog.Scope(month_from=dt.date(2020, 10, 1), month_to=dt.date(2020, 12, 1)))}
    finally:
        con.close()
    assert checks["R04"]["status"] == "unchecked"
    assert checks["R04"]["unchecked"] == ("常山县：缺少 2021-01 至 2021-03 的发放明细；"
                                          "江山市：缺少 2021-01 至 2021-03 的发放明细")
    assert inside["R04"]["status"] == "checked"
    # R15 needs the register (no month column): the months do not matter, the county does
    assert checks["R15"]["unchecked"] == inside["R15"]["unchecked"] == "江山市：缺少 户籍"


def test_a_city_wide_source_missing_is_one_alert_for_the_whole_city(sample_run, tmp_path):
    """Death records carry no county: without them R01 and R02 are 未检查 in every county, and the alert is
    one, for the whole city."""
    shutil.copyfile(sample_run.parent / "warehouse.duckdb", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        con.execute("delete from death_records")
        checks = coverage.rule_checks(con, catalog.select_rules(["R01", "R02", "R04"]))
        alerts = runinfo.alerts(con, [], checks)
    finally:
        con.close()
    assert [c["status"] for c in checks] == ["unchecked", "unchecked", "checked"]
    assert checks[0]["unchecked"] == "常山县：缺少 死亡信息；江山市：缺少 死亡信息"
    assert [(a["type"], a["county"], a["kind"], a["rules"]) for a in alerts] == [
        ("input_missing", None, "death_records", ["R01", "R02"])]
    assert alerts[0]["message"] == "全市：缺少 死亡信息，规则 R01、R02 在全市未检查"


def test_every_status_but_loaded_or_empty_is_an_alert():
    """A status another stage may add (e.g. ambiguous) is loud without a change here."""
    con = empty_warehouse()
    sheet = {"sheet": "S1", "kind": None, "status": "ambiguous", "reason": "两种数据类型同样符合", "read": 7}
    files = [{"file": "a.xlsx", "status": "partly", "reason": "部分工作表无法判断类型", "read": 7, "loaded": 0,
              "quarantined": 0, "sheets": [sheet, dict(sheet, sheet="S2", status="empty")]},
             {"file": "b.xlsx", "status": "weird", "reason": "?", "read": 0, "loaded": 0, "quarantined": 0,
              "sheets": []},
             {"file": "c.xlsx", "status": "loaded", "reason": None, "read": 3, "loaded": 3, "quarantined": 0,
              "sheets": [dict(sheet, status="loaded")]}]
    alerts = runinfo.alerts(con, files, [])
    con.close()
    assert [(a["file"], a["sheet"], a["status"]) for a in alerts] == [("a.xlsx", "S1", "ambiguous"),
                                                                      ("b.xlsx", None, "weird")]
    assert "类型无法确定" in alerts[0]["message"]


def _rule_file(tmp_path: Path, inputs: str, sql: str) -> Path:
    evidence = ", ".join(catalog.CASE_COLUMNS)
    text = (f"/*\nid: R99\ntitle: t\nname_zh: 测试\nseverity: low\nrationale: r\nbasis: b\nverify: v\nsubject: s\n"
            f"case_key: [subject_id_number]\nevidence: [{evidence}]\ninputs: {inputs}\n*/\n{sql}\n")
    path = tmp_path / "R99_test.sql"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("inputs, sql, error", [
    ("{required: [payments, projects]}", "select * from paid_months", "does not read"),
    ("{required: [payments]}", "select * from paid_months join deaths using (id_number)", "does not declare"),
    ("{required: [deaths]}", "select * from deaths", "not canonical"),
    ("{optional: [payments]}", "select * from payments", "at least one required"),
])
def test_declared_inputs_must_be_what_the_sql_reads(tmp_path, inputs, sql, error):
    with pytest.raises(catalog.RuleError, match=error):
        catalog.parse_rule(_rule_file(tmp_path, inputs, sql))


def test_inputs_read_through_helper_tables_are_accepted(tmp_path):
    rule = catalog.parse_rule(_rule_file(tmp_path, "{required: [death_records, payments], optional: [persons]}",
                                         "select * from paid_months join deaths using (id_number)"))
    assert rule.required_inputs == ["death_records", "payments"] and rule.optional_inputs == ["persons"]


def test_payees_where_no_register_reaches_leave_r13_partly_checked_in_their_county():
    """Issue 17: R13 compares a payee only with registers covering where the payee lives; the register
    extract of one township does not cover another township of the county, whose payees are counted as
    not checked (部分未检查), never as 0 cases."""
    from conftest import empty_warehouse, insert_rows

    from rules import catalog, coverage, derived

    con = empty_warehouse()
    insert_rows(con, "persons", "id_number,name,household_no,county,county_code,township,township_code\n"
                                "11010519491231002X,张三,1001,常山县,330822,天马街道,330822001")
    insert_rows(con, "payments", "id_number,name,programme,entitlement_month,amount_yuan,county,county_code,township,township_code\n"
                                 "11010519491231002X,张三,最低生活保障,2020-05-01,700,常山县,330822,天马街道,330822001\n"
                                 "440524188001010014,李四,最低生活保障,2020-05-01,700,常山县,330822,球川镇,330822105")
    derived.derive(con)
    rules = catalog.select_rules(["R13"])
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "partly" and check["cases"] == 0
    [entry] = check["counties"]
    assert entry["checked"] and entry["unchecked_rows"] == 1 and "1 名收款人" in check["unchecked"]


def test_pensioners_without_a_prison_list_leave_r17_partly_checked():
    """Issue 19: R17's prison check needs a 服刑人员 list; without one each pensioner is counted as not checked
    for it (部分未检查), and with one nobody is."""
    from conftest import empty_warehouse, insert_rows

    from rules import catalog, coverage, derived

    con = empty_warehouse()
    insert_rows(con, "payments", "id_number,name,programme,entitlement_month,amount_yuan,county,county_code\n"
                                 "11010519491231002X,张三,城乡居民基本养老保险,2020-05-01,180,常山县,330822\n"
                                 "440524188001010014,李四,最低生活保障,2020-05-01,700,常山县,330822")
    derived.derive(con)
    rules = catalog.select_rules(["R17"])
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "partly" and "1 名养老金领取人未检查服刑期间领取" in check["unchecked"]
    insert_rows(con, "prison_terms", "id_number,name,start_on\n440524188001010014,李四,2019-01-01")
    derived.derive(con)
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "checked" and check["unchecked"] is None


def test_subsidy_recipients_without_registry_or_low_income_list_leave_r06_partly_checked():
    """Issue 19: R06 checks certificates only with a 残联 registry and 生活补贴 months only with a 低收入/低边
    list; without them each recipient is counted as not fully checked (部分未检查), and with both nobody is."""
    from conftest import empty_warehouse, insert_rows

    from rules import catalog, coverage, derived

    con = empty_warehouse()
    insert_rows(con, "payments", "id_number,name,programme,entitlement_month,amount_yuan,county,county_code\n"
                                 "11010519491231002X,张三,困难残疾人生活补贴,2020-05-01,270,常山县,330822\n"
                                 "440524188001010014,李四,重度残疾人护理补贴,2020-05-01,180,常山县,330822")
    derived.derive(con)
    rules = catalog.select_rules(["R06"])
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "partly" and "2 名两项补贴对象未完全检查" in check["unchecked"]
    insert_rows(con, "disability_certs", "cert_no,id_number,name,category,grade\n"
                                         "44052418800101001453,440524188001010014,李四,智力,三级")
    derived.derive(con)
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "partly" and "1 名两项补贴对象未完全检查" in check["unchecked"]
    insert_rows(con, "low_income", "id_number,name,start_on\n11010519491231002X,张三,2019-01-01")
    derived.derive(con)
    catalog.run_rules(con, rules)
    [check] = coverage.rule_checks(con, rules)
    assert check["status"] == "checked" and check["unchecked"] is None

"""Recognition by evidence (issue 16): files worded as other offices word them are loaded as their true kind
with columns mapped by header or by content, or refused with the two best candidates — never loaded as the
nearest kind. Headers here are deliberately NOT in sources/kinds/*.yaml where a test says "unknown"."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import fetch_dicts
from test_ingest_files import run_loader, write_csv, xlsx

from sources import accounting, inspect, load, mappings, recognise, stage
from sources.declarations import kinds, norm_header

IDS = ["330822193611146925", "330822196809181383", "33082219430515776X", "330822194009041711",
       "11010519491231002X", "110105194912310046"]


def declared(header: str, kind: str | None = None) -> bool:
    """Is this header (or its ending) a declared synonym (of any kind, or of `kind`)? The "unknown" headers
    must not be."""
    h = norm_header(header)
    syns = {s for k in kinds() if kind in (None, k.kind) for c in k.columns.values() for s in c.synonyms}
    return any(h.endswith(s) for s in syns if len(s) >= 2)


def sheet_rows(con) -> list[dict]:
    return fetch_dicts(con, "select f.file_name, s.sheet, s.kind, s.status, s.reason, s.mapping, s.mapped_by, "
                            "s.candidates from source_sheets s join source_files f using (file_id)")


def test_a_month_column_with_an_unknown_header_is_mapped_by_its_values(tmp_path):
    assert not declared("核发月")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["常山县城乡低保金发放表"], ["姓名", "身份证号", "核发月", "本月发放(元)"]]
    rows += [[f"张{i}", IDS[i % 4], f"2020-{(i % 9) + 1:02d}", "600.00"] for i in range(20)]
    xlsx(inbox / "低保.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    [s] = sheet_rows(con)
    assert (s["kind"], s["status"]) == ("payments", "loaded")
    assert json.loads(s["mapped_by"])["entitlement_month"] == "content"
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
    assert con.execute("select count(distinct entitlement_month) from payments").fetchone()[0] == 9


def test_a_register_whose_household_number_is_worded_otherwise_is_a_register_not_businesses(tmp_path):
    assert not declared("簿册号")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["户籍人口信息"], ["簿册号", "姓名", "与户主之关系", "公民身份号码", "性别", "住址"]]
    for i in range(12):
        rows.append([f"33082210{i // 3:04d}", f"王{i}", ["户主", "妻", "长子", "女儿"][i % 4], IDS[i % 6], "男",
                     "常山县天马街道和平社区"])
    xlsx(inbox / "报送材料_03.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    [s] = sheet_rows(con)
    assert (s["kind"], s["status"]) == ("persons", "loaded")
    assert json.loads(s["mapped_by"])["household_no"] == "content"
    assert con.execute("select count(*) from persons").fetchone()[0] == 12


def test_a_relatives_filing_form_in_unknown_words_is_a_filing_not_a_cadre_roster(tmp_path):
    header = ["受助对象", "受助对象身份证", "村干部", "村干部身份证", "职务", "亲属关系", "备案时间"]
    assert not any(declared(h, "kin_filings") for h in header[:4])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["近亲属享受低保备案登记表"], header]
    rows += [[f"张{'一二三四五六'[i]}", IDS[i % 4], f"李{'一二三四五六'[i]}", IDS[(i + 1) % 4], "村主任", "父子",
              "2020-03-01"] for i in range(6)]
    xlsx(inbox / "材料.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    [s] = sheet_rows(con)
    assert (s["kind"], s["status"]) == ("kin_filings", "loaded")
    # each unknown header mapped by the words it shares with the column's synonyms, the values deciding
    # between a name and an ID number column
    got = {c: (json.loads(s["mapping"])[c], by) for c, by in json.loads(s["mapped_by"]).items() if by == "similar"}
    assert got == {"name": (0, "similar"), "id_number": (1, "similar"), "cadre_name": (2, "similar"),
                   "cadre_id_number": (3, "similar")}
    assert con.execute("select count(*) from cadres").fetchone()[0] == 0
    assert con.execute("select count(*) from kin_filings").fetchone()[0] == 6


def test_a_sheet_with_too_little_evidence_is_refused_not_loaded_as_the_nearest_kind():
    rows = [["姓名", "身份证号", "金额"]] + [[f"张{i}", IDS[i % 4], "300"] for i in range(6)]
    found = recognise.recognise(rows, "Sheet1", "x.xlsx")
    assert found.layout is None and found.status == "ambiguous" and "证据不足" in found.reason


def test_a_header_whose_values_contradict_it_is_not_mapped(tmp_path):
    # 身份证号 over a column of names, and names under 证件: the header is not believed
    rows = [["姓名", "身份证号", "证件", "所属期", "金额"]]
    rows += [[IDS[i % 4], f"张{i}", IDS[i % 4], "2020-01", "100"] for i in range(8)]
    found = recognise.recognise(rows, "Sheet1", "x.xlsx")
    if found.layout is not None:
        assert found.layout.mapping["id_number"] == 2          # the column that holds ID numbers
    assert any("不像身份证号" in d for c in found.candidates for d in c["decided_by"])


def test_two_unnamed_id_columns_cannot_be_told_apart_and_the_sheet_is_refused(tmp_path):
    rows = [["人员", "号码一", "号码二", "所属期", "金额"]]
    rows += [[f"张{i}", IDS[i % 4], IDS[(i + 1) % 4], "2020-01", "100"] for i in range(8)]
    found = recognise.recognise(rows, "Sheet1", "x.xlsx")
    assert found.layout is None
    assert "无法判断哪一列是 id_number" in found.reason


def test_a_sheet_two_kinds_explain_equally_is_refused_with_both_candidates():
    # a unit's name and a post: a payroll extract, a business register (单位名称 ends with 名称) or a cadre
    # roster? Nothing in the values tells them apart.
    rows = [["姓名", "身份证号", "单位名称", "职务"]]
    rows += [[f"张{i}", IDS[i % 4], "常山县天马街道办事处", "科员"] for i in range(6)]
    found = recognise.recognise(rows, "Sheet1", "名单.xlsx")
    assert found.status == "ambiguous", found.candidates
    two = found.candidates[:2]                  # the two that decided come first
    assert len({c["kind"] for c in two}) == 2
    assert all(c["name_zh"] in found.reason for c in two) and "分" in found.reason


def test_the_mapping_file_fixes_the_kind_and_columns_of_a_refused_sheet(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["姓名", "身份证号", "单位名称", "职务"]]
    rows += [[f"张{i}", IDS[i % 4], "常山县天马街道办事处", "科员"] for i in range(6)]
    path = xlsx(inbox / "名单.xlsx", rows)
    con = run_loader(inbox, tmp_path)
    assert sheet_rows(con)[0]["status"] == "ambiguous"
    data = tmp_path / "data"
    env_cmd = [sys.executable, "-m", "flows.cli", "inspect", str(path), "--accept", "--kind", "payroll",
               "--mappings", str(data / "mappings.yaml"), "--json"]
    out = subprocess.run(env_cmd, capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report[0]["sheets"][0]["kind"] == "payroll" and report[0]["sheets"][0]["mapping_file"]
    entries = mappings.read_mappings(data / "mappings.yaml")
    assert [e["kind"] for e in entries] == ["payroll"]
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp_path / "t2", entries)
    stage.stage_all(con)
    s = sheet_rows(con)[0]
    assert (s["kind"], s["status"]) == ("payroll", "loaded")
    assert con.execute("select count(*) from payroll").fetchone()[0] == 6


def test_a_kinds_old_name_in_the_mapping_file_is_read_as_todays_and_said_once(tmp_path, caplog):
    """Kinds households and deaths are persons and death_records now (a kind has its table's name): an
    analyst's mapping file written before still loads its sheets, as today's kind, and says so once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["户号", "姓名", "身份证号", "与户主关系"]] + [[f"H{i // 2}", f"张{i}", IDS[i], "户主" if i % 2 == 0 else "配偶"]
                                                      for i in range(4)]
    path = xlsx(inbox / "户籍.xlsx", rows)
    report = inspect.inspect_path(path, [])
    new = inspect.accepted_entries(report, "households", [], None)     # --kind households: today's name
    assert [e["kind"] for e in new] == ["persons"]
    old = tmp_path / "mappings.yaml"
    mappings.write_mappings(old, new)
    old.write_text(old.read_text(encoding="utf-8").replace("kind: persons", "kind: households")
                   + "- {fingerprint: 0123456789abcdef, kind: deaths, columns: {death_on: 死亡日期}}\n"
                   + "- {fingerprint: fedcba9876543210, kind: households}\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sources.mappings"):
        entries = mappings.read_mappings(old)
        mappings.read_mappings(old)                                  # a run reads the file more than once
    assert [e["kind"] for e in entries] == ["persons", "death_records", "persons"]
    said = [r.getMessage() for r in caplog.records if r.name == "sources.mappings"]
    assert len(said) == 2 and "households" in said[0] and "deaths" in said[1]
    assert mappings.old_name_notes(old) == [
        f"映射文件 {old} 第 1、3 条的数据类型 households 是旧名，已按 persons 读取（类型与其表同名，见 docs/design.md；"
        f"请把 kind: households 改为 kind: persons）",
        f"映射文件 {old} 第 2 条的数据类型 deaths 是旧名，已按 death_records 读取（类型与其表同名，见 docs/design.md；"
        f"请把 kind: deaths 改为 kind: death_records）"]
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp_path / "t", entries)
    stage.stage_all(con)
    s = fetch_dicts(con, "select kind, status, mapping_file from source_sheets")[0]
    assert (s["kind"], s["status"]) == ("persons", "loaded") and s["mapping_file"]
    assert con.execute("select count(*) from persons").fetchone()[0] == 4
    mappings.write_mappings(old, [])                                 # inspect --accept writes today's names back
    assert mappings.old_name_notes(old) == [] and "kind: persons" in old.read_text(encoding="utf-8")


def test_a_malformed_mapping_file_is_named(tmp_path):
    p = tmp_path / "mappings.yaml"
    p.write_text("mappings:\n  - kind: payments\n", encoding="utf-8")
    with pytest.raises(mappings.MappingFileError, match="第 1 条"):
        mappings.read_mappings(p)


def test_inspect_previews_a_csv_without_a_warehouse(tmp_path):
    path = write_csv(tmp_path / "养老金.csv", [["姓名", "身份证号", "待遇年月", "金额"],
                                              ["张三", IDS[0], "2020-01", "245"], ["李四", "123", "2020-01", "245"]],
                     "gbk")
    out = subprocess.run([sys.executable, "-m", "flows.cli", "inspect", str(path), "--mappings",
                          str(tmp_path / "none.yaml")], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    assert "发放明细（payments）" in out.stdout
    assert "entitlement_month（按表头）" in out.stdout or "entitlement_month（按内容）" in out.stdout
    assert "将被隔离的行" in out.stdout and "ID_BAD_FORMAT" in out.stdout
    assert not list(tmp_path.glob("*.duckdb"))


def test_a_roster_with_the_two_subsidies_side_by_side_is_one_row_per_person_and_programme(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["常山县2020年3月困难残疾人两项补贴发放花名册"], ["序号", "姓名", "身份证号", "生活", "护理", "备注"]]
    rows += [[i + 1, f"张{i}", IDS[i], 270 if i != 2 else None, 180, ""] for i in range(4)]
    xlsx(inbox / "两项补贴.xlsx", rows, sheet="花名册")
    con = run_loader(inbox, tmp_path)
    got = con.execute("select programme, entitlement_month, count(*), sum(amount_yuan) from payments "
                      "group by all order by all").fetchall()
    assert [(p, str(m), n, int(a)) for p, m, n, a in got] == [
        ("困难残疾人生活补贴", "2020-03-01", 3, 810), ("重度残疾人护理补贴", "2020-03-01", 4, 720)]
    assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
    # every row keeps its lineage: the file, the sheet with the column, the row
    assert con.execute("select sheet, row_no from payments where id_number = ? order by sheet",
                       [IDS[0]]).fetchall() == [("花名册（护理列）", 3), ("花名册（生活列）", 3)]
    acc = {r["sheet"]: r for r in fetch_dicts(con, "select * from (" + accounting.accounting_sql() + ")")}
    assert all(r["reconciles"] for r in acc.values())
    assert acc["花名册（生活列）"]["rows_blank"] == 1          # 张2 has no 生活 that month: not a missing amount


def test_months_as_columns_take_the_year_of_the_title(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["2020年度低保金发放表"], ["姓名", "身份证号"] + [f"{m}月" for m in range(1, 13)]]
    rows += [[f"李{i}", IDS[i]] + [600] * 6 + [None] * 6 for i in range(4)]
    xlsx(inbox / "低保.xlsx", rows, sheet="低保")
    con = run_loader(inbox, tmp_path)
    got = con.execute("select strftime(entitlement_month, '%Y-%m'), count(*) from payments group by 1 order by 1").fetchall()
    assert got == [(f"2020-{m:02d}", 4) for m in range(1, 7)]
    assert {r[0] for r in con.execute("select programme from payments").fetchall()} == {"最低生活保障"}
    statuses = dict(con.execute("select sheet, status from source_sheets").fetchall())
    assert statuses["低保（7月列）"] == "empty" and statuses["低保（1月列）"] == "loaded"


def test_month_columns_without_a_year_are_not_guessed(tmp_path):
    rows = [["低保金发放表"], ["姓名", "身份证号", "1月", "2月", "3月"]]
    rows += [[f"李{i}", IDS[i], 600, 600, 600] for i in range(4)]
    found = recognise.recognise(rows, "Sheet1", "低保.xlsx")
    assert found.layout is None or not found.layout.wide


def test_a_spouses_id_column_is_never_taken_for_the_subjects():
    rows = [["姓名", "配偶身份证号码", "所属期", "金额"]]
    rows += [[f"张{i}", IDS[i % 4], "2020-01", "100"] for i in range(6)]
    found = recognise.recognise(rows, "Sheet1", "低保.xlsx")
    assert found.layout is None or found.layout.mapping.get("id_number") != 1


def test_two_id_headers_that_could_both_be_the_subjects_are_refused():
    rows = [["姓名", "申请人身份证号码", "共同申请人身份证号码", "所属期", "金额"]]
    rows += [[f"张{i}", IDS[i % 4], IDS[(i + 1) % 4], "2020-01", "100"] for i in range(6)]
    found = recognise.recognise(rows, "Sheet1", "低保.xlsx")
    assert found.layout is None
    assert "都可能是本人的身份证号" in found.reason


def test_a_title_naming_a_range_of_months_gives_no_month_to_every_row():
    from sources.layout import find_month
    assert find_month("2020年3月份低保金发放表") == "2020-03"
    for title in ("2020年1月-9月低保金发放表", "2020.01至2020.09", "2020年1-9月"):
        assert find_month(title) is None, title


def test_a_run_with_a_malformed_mapping_file_stops_before_loading_and_names_it(tmp_path):
    from conftest import SAMPLE, run_cli
    data = tmp_path / "data"
    data.mkdir()
    (data / "mappings.yaml").write_text("mappings:\n  - kind: nosuchkind\n    fingerprint: x\n", encoding="utf-8")
    out = run_cli(["run", "--inbox", str(SAMPLE / "inbox")], data)
    assert out.returncode == 2
    assert "映射文件" in out.stderr and "第 1 条" in out.stderr
    assert not (data / "warehouse.duckdb").exists()


def test_a_run_reads_a_mapping_file_with_a_kinds_old_name_and_notes_it_in_run_json(tmp_path):
    from conftest import AS_OF, SAMPLE, run_cli
    data = tmp_path / "data"
    data.mkdir()
    (data / "mappings.yaml").write_text("mappings:\n  - {fingerprint: 0123456789abcdef, kind: households}\n",
                                        encoding="utf-8")
    out = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(tmp_path / "run"), "--as-of", AS_OF], data)
    assert out.returncode == 0, out.stderr[-3000:]
    info = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert len(info["notes"]) == 1 and "households 是旧名，已按 persons 读取" in info["notes"][0]
    assert (out.stdout + out.stderr).count("households 是旧名") == 1        # the log says it once


@pytest.mark.parametrize("file_name, title, expected", [
    # titles and file names as 人社 offices word them; none is a declared synonym as a whole
    ("养老金发放.xlsx", "常山县城镇企业职工基本养老保险离退休人员待遇发放表（2020年5月）", ("职工基本养老保险", "企业职工")),
    ("机关事业单位退休人员基本养老金发放汇总.xlsx", "2020年5月", ("职工基本养老保险", "机关事业单位")),
    ("养老金发放.xlsx", "常山县城乡居民基本养老保险待遇领取人员发放明细（2020年5月）", ("城乡居民基本养老保险", None)),
    ("新农保养老金发放2020年5月.xlsx", "某某乡", ("城乡居民基本养老保险", None)),
    ("城乡居民社会养老保险基础养老金发放.xlsx", "2020年5月", ("城乡居民基本养老保险", None)),
])
def test_the_two_pension_schemes_are_told_apart_by_their_wordings(tmp_path, file_name, title, expected):
    """R17 compares the residents' and the employees' schemes: a title or file name naming one must never be
    read as the other (城乡居民基本养老金 and 职工基本养老金 share 基本养老金)."""
    assert not any(norm_header(title) == s for s, _, _ in declarations_programme_synonyms())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [[title], ["姓名", "身份证号", "金额"]] + [[f"李{i}", IDS[i], 245] for i in range(4)]
    xlsx(inbox / file_name, rows, sheet="Sheet1")
    con = run_loader(inbox, tmp_path)
    got = set(con.execute("select programme, sub_type from payments").fetchall())
    assert got == {expected}, got


def declarations_programme_synonyms():
    from sources.declarations import programme_synonyms
    return programme_synonyms()


def test_a_prisoners_list_is_read_as_prisoners_not_payroll(tmp_path):
    """司法's 服刑人员 list names a 监狱 and dates, like a payroll names a 单位 and dates: it must be read as
    prisoners (R17's optional input), with its dates."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["常山县社区矫正及在押服刑人员名单（2020年）"],
            ["序号", "姓名", "公民身份号码", "服刑场所", "收监日期", "刑满释放日期", "判处刑罚"]]
    rows += [[i + 1, f"李{i}", IDS[i], "浙江省第一监狱", "2019-05-10", "2021-03-09", "有期徒刑一年十个月"] for i in range(4)]
    xlsx(inbox / "司法局_服刑人员名单.xlsx", rows, sheet="Sheet1")
    con = run_loader(inbox, tmp_path)
    assert [r["kind"] for r in sheet_rows(con)] == ["prisoners"]
    got = con.execute("select count(*), min(start_on), min(end_on), min(prison) from prison_terms").fetchone()
    assert got[0] == 4 and str(got[1]) == "2019-05-10" and str(got[2]) == "2021-03-09" and got[3] == "浙江省第一监狱"


def test_a_housing_aid_list_is_read_as_housing_aid(tmp_path):
    """住建's 危房改造 list, in wordings the declaration does not list (户主姓名(申请人), 户主身份号码, 批复时间, 补助资金金额 …), beside a
    title row: read as housing_aid (R16's input), with its approval date, grade and subsidy."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["江山市2020年度农村危房改造对象花名册"],
            ["序号", "乡镇", "户主姓名(申请人)", "户主身份号码", "批复时间", "房屋鉴定等级", "补助资金金额", "竣工验收日期"]]
    rows += [[i + 1, "大陈乡", f"周{i}", IDS[i], "2020-04-08", "D级", 30000, "2020-10-20"] for i in range(4)]
    xlsx(inbox / "住建局_危房改造.xlsx", rows, sheet="Sheet1")
    con = run_loader(inbox, tmp_path)
    assert [r["kind"] for r in sheet_rows(con)] == ["housing_aid"]
    got = con.execute("select count(*), min(approved_on), min(grade), min(subsidy_yuan), min(accepted_on) "
                      "from housing_aid").fetchone()
    assert got[0] == 4 and str(got[1]) == "2020-04-08" and got[2] == "D级" and float(got[3]) == 30000
    assert str(got[4]) == "2020-10-20"
def test_a_disability_certificate_registry_is_read_as_disability_certs(tmp_path):
    """残联's 持证 list, worded its own way (残疾证编号, 残疾级别, 发证时间) and without an ID column: read as
    disability_certs (R06's optional input), the ID number taken from characters 1–18 of the certificate."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["开化县残疾人联合会持证残疾人信息（截至2020年12月）"],
            ["序号", "持证人姓名", "残疾证编号", "残疾类别", "残疾级别", "发证时间", "证件状态"]]
    rows += [[i + 1, f"李{i}", IDS[i] + "42", "肢体", "二级", "2016-03-01", "正常"] for i in range(4)]
    xlsx(inbox / "残联_持证残疾人.xlsx", rows, sheet="Sheet1")
    con = run_loader(inbox, tmp_path)
    assert [r["kind"] for r in sheet_rows(con)] == ["disability_certs"]
    got = con.execute("select count(*), min(grade), min(issued_on), count(*) filter (where id_number = substr(cert_no, 1, 18))"
                      " from disability_certs").fetchone()
    assert got[0] == 4 and got[1] == "二级" and str(got[2]) == "2016-03-01" and got[3] == 4


def test_a_low_income_household_list_is_read_as_low_income_not_households(tmp_path):
    """农业农村's 低收入农户 list names the 户主 and members like a household register: it must be read as
    low_income (R06's optional input), with its dates."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["龙游县低收入农户认定名单（2020年）"],
            ["序号", "户主姓名", "成员姓名", "成员身份证号码", "低收入类型", "纳入日期", "退出日期"]]
    rows += [[i + 1, "李0", f"李{i}", IDS[i], "低保边缘户", "2020-03-01", ""] for i in range(4)]
    xlsx(inbox / "低收入农户名单.xlsx", rows, sheet="Sheet1")
    con = run_loader(inbox, tmp_path)
    assert [r["kind"] for r in sheet_rows(con)] == ["low_income"]
    got = con.execute("select count(*), min(start_on), count(end_on), count(month) from low_income").fetchone()
    # the title's year is no month of the list: the rows hold from 纳入日期 on
    assert got[0] == 4 and str(got[1]) == "2020-03-01" and got[2] == 0 and got[3] == 0

"""Rewrite the sample inbox in other offices' "dialects", to test whether recognition generalises.

    .venv/bin/python bench/world/dialects.py [--offices 4] [--seed 1] [--out data/dialects]

Each office writes the same rows (the same people, money and row order) as the sample, but every header
the loader maps is replaced by that office's wording of the canonical column (a fixed choice per office
from DIALECT below, many of them not among the declarations' synonyms), the columns are shuffled, one to
three extra columns are added (联系电话, 经办人, 序号 …), the title rows are replaced by one title of the
office's own (it keeps what the original title, sheet name and file name said about the programme, month,
county, township and roster, which the rows need, in other words), the file is named neutrally
(报送材料_07.xlsx) so that its name says nothing about its kind, and single-sheet files are written as .xlsx
or as .csv in UTF-8 or GBK, as the office chooses. Columns the loader does not map keep their header.

The true kind and mapping of each sheet come from the original sample, recognised with the project's own
declarations (sources/kinds/); a sheet not recognised there (会议纪要, 临时救助) is copied unchanged and
its true kind is "none": it must be refused. Beside each office's inbox, answer_key.json names, for each
written file and sheet: the original file and sheet, the true kind, the true mapping (canonical column →
0-based column in the written sheet), each mapped header as written and whether that wording is "held
out", i.e. not a synonym of its column in the declarations at generation time.

A merged record row of the original (blank but for merged cells repeating the row above) is written
blank, its other rows with their merged cells filled in; a number the original stored with more than 15
digits (a damaged ID) is written as that number again, so such a file stays .xlsx.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# canonical column → alternative wordings; "kind.column" entries take precedence for that kind.
# Drawn from domain.md §5.7 and from what county offices write; several are deliberately not synonyms.
DIALECT: dict[str, list[str]] = {
    "id_number": ["公民身份号码", "身份证号码", "证件号码", "居民身份证号码", "身份证号(18位)", "身份证件号"],
    "payments.id_number": ["公民身份号码", "身份证号码", "证件号码", "享受人身份证号", "对象身份证号码",
                           "户主身份号码", "居民身份证号码"],
    "death_records.id_number": ["公民身份号码", "身份证号码", "死者身份证号码", "证件号码", "死者公民身份号码"],
    "vehicles.id_number": ["身份证明号码", "所有人证件号码", "车主身份证号码", "所有人身份证明号码"],
    "businesses.id_number": ["证件号码", "身份证件号码", "证照号码", "人员证件号码"],
    "kin_filings.id_number": ["申请人身份证号码", "救助对象身份证号码", "享受对象身份证号", "申请人公民身份号码"],
    "comp_agreements.id_number": ["身份证号码", "承包方身份证号码", "被补偿人身份证号码", "权利人证件号码"],
    "comp_payouts.id_number": ["被补偿人身份证号码", "权利人身份证号", "被补偿人证件号码", "补偿对象身份证号"],
    "name": ["姓名", "人员姓名", "对象姓名", "名字", "成员姓名"],
    "payments.name": ["姓名", "对象姓名", "享受人姓名", "补贴对象姓名", "领取人姓名", "户主姓名"],
    "death_records.name": ["姓名", "死者姓名", "逝者姓名", "死亡人员姓名"],
    "vehicles.name": ["机动车所有人", "所有人", "车主姓名", "所有人名称"],
    "businesses.name": ["人员姓名", "相关人员姓名", "当事人姓名", "姓名"],
    "kin_filings.name": ["申请人姓名", "救助对象姓名", "享受对象姓名", "申请人"],
    "comp_agreements.name": ["承包方姓名", "户主姓名", "被补偿人姓名", "权利人姓名"],
    "comp_payouts.name": ["被补偿人姓名", "被补偿人", "权利人姓名", "补偿对象姓名"],
    "payroll.name": ["姓名", "人员姓名", "职工姓名", "干部职工姓名"],
    "cadres.name": ["姓名", "干部姓名", "人员姓名", "工作人员姓名"],
    "entitlement_month": ["所属年月", "发放月份", "享受月份", "资金所属期", "月份(年月)", "所属期间", "补贴所属月"],
    "amount_yuan": ["发放金额", "实发金额", "本月发放", "金额(元)", "本月实发金额", "发放数(元)", "实发"],
    "paid_on": ["发放日期", "发放时间", "拨付日期", "打卡时间", "资金发放日期"],
    "account_no": ["银行账号", "银行卡号", "社保卡号", "收款账号", "一卡通帐号", "代发账号"],
    "programme": ["补贴类型", "救助类别", "项目类别", "待遇类型", "资金项目", "补贴种类"],
    "kin_filings.programme": ["救助类别", "享受项目", "救助项目", "享受救助类别"],
    "sub_type": ["低保类型", "类别", "城乡类别", "供养形式", "对象类别"],
    "household_size": ["保障人数", "保障人口", "享受人数", "家庭保障人口", "保障人口数"],
    "household_no": ["户号", "家庭户号", "户编码", "户口簿号", "户籍编号"],
    "relation": ["与户主关系", "家庭关系", "与户主的关系", "关系"],
    "kin_filings.relation": ["亲属关系", "与干部关系", "与干部的关系", "亲属关系类别"],
    "sex": ["性别", "性 别"],
    "birth_on": ["出生日期", "出生年月日", "生日"],
    "county": ["区县", "县(市、区)", "县市区", "所属县区", "参保地区"],
    "township": ["乡镇(街道)", "乡镇", "镇街", "所属乡镇", "乡镇街道", "镇(乡、街道)"],
    "death_records.township": ["派出所", "户籍地", "所属派出所", "户籍派出所"],
    "village": ["村(社区)", "村", "社区", "村居", "行政村", "村(居)委会", "所在村"],
    "status": ["状态", "人口状态", "户口状态", "人员状态"],
    "vehicles.status": ["机动车状态", "车辆状态", "状态"],
    "businesses.status": ["登记状态", "经营状态", "企业状态", "主体状态"],
    "payroll.status": ["人员状态", "在职状态", "在职情况"],
    "change_on": ["变动日期", "变更日期", "迁出日期", "变动时间"],
    "destination": ["迁往地", "迁往地址", "去向", "迁入地"],
    "spouse_id_number": ["配偶身份证号", "配偶公民身份号码", "配偶身份证号码", "配偶证件号码"],
    "father_id_number": ["父亲身份证号", "父亲公民身份号码", "父亲身份证号码", "父亲证件号码"],
    "mother_id_number": ["母亲身份证号", "母亲公民身份号码", "母亲身份证号码", "母亲证件号码"],
    "remark": ["备注", "说明", "备注说明", "情况说明"],
    "death_on": ["死亡日期", "死亡时间", "去世日期", "死亡日期(年月日)"],
    "dereg_on": ["注销日期", "注销时间", "户口注销日期", "销户日期"],
    "dereg_reason": ["注销原因", "注销类别", "销户原因"],
    "cert_type": ["证明类型", "死亡证明类型", "证明材料"],
    "cremation_on": ["火化日期", "火化时间", "火化日"],
    "cremation_no": ["火化证号", "火化证编号", "火化证明编号"],
    "funeral_home": ["殡仪馆", "火化单位", "火化地点"],
    "death_place": ["死亡地点", "死亡地", "死亡场所"],
    "death_cause": ["根本死亡原因", "死亡原因", "死因"],
    "cert_org": ["签发机构", "签发单位", "医疗机构", "出具单位"],
    "issued_on": ["签发日期", "出具日期", "填报日期"],
    "plate_no": ["号牌号码", "车牌号码", "车牌号", "号牌"],
    "plate_type": ["号牌种类", "号牌类型", "车牌种类"],
    "vehicle_type": ["车辆类型", "车辆种类", "车型"],
    "use_type": ["使用性质", "用途", "车辆用途"],
    "registered_on": ["初次登记日期", "登记日期", "注册日期", "初登日期"],
    "status_on": ["状态变更日期", "变更日期", "状态日期"],
    "project_name": ["项目名称", "工程名称", "工程项目名称", "项目"],
    "contractor": ["施工单位", "承包方", "中标单位", "承建单位"],
    "credit_code": ["统一社会信用代码", "信用代码", "社会信用代码"],
    "signed_on": ["签订日期", "签约日期", "合同签订日期", "签订时间"],
    "comp_agreements.signed_on": ["签订日期", "协议日期", "签字日期", "协议签订日期"],
    "payee_account": ["收款账号", "收款账户", "收款人账号", "收款银行账号"],
    "procurement": ["发包方式", "采购方式", "招标方式", "承发包方式"],
    "contract_amount_yuan": ["合同金额", "中标金额", "合同价(元)", "合同总价"],
    "paid_yuan": ["已付金额", "付款金额", "已支付金额", "累计支付"],
    "business_name": ["市场主体名称", "企业名称", "主体名称", "名称"],
    "business_type": ["市场主体类型", "主体类型", "企业类型", "经济类型"],
    "established_on": ["成立日期", "注册日期", "开业日期", "设立日期"],
    "closed_on": ["注吊销日期", "注销日期", "吊销日期", "注(吊)销日期"],
    "role": ["人员角色", "角色", "人员类型", "任职类型"],
    "address": ["住所", "经营场所", "地址", "住所地"],
    "registered_capital": ["注册资本", "注册资金", "注册资本(万元)"],
    "post": ["职务", "现任职务", "岗位", "担任职务", "职务(岗位)"],
    "term_start_on": ["任职开始日期", "任职时间", "上岗时间", "任职起始时间", "到岗时间"],
    "term_end_on": ["任职结束日期", "离任时间", "离任日期", "卸任日期", "离岗时间"],
    "cadre_name": ["关联干部姓名", "干部姓名", "村干部姓名", "相关干部姓名"],
    "cadre_id_number": ["关联干部身份证号", "干部身份证号", "村干部身份证号码", "相关干部身份证号码"],
    "cadre_post": ["干部职务", "职务", "关联干部职务", "干部现任职务"],
    "filed_on": ["备案日期", "备案时间", "登记日期", "报备日期"],
    "agreement_no": ["协议编号", "合同编号", "协议号", "补偿协议编号"],
    "plot_no": ["地块编号", "宗地号", "地块号"],
    "area_mu": ["面积(亩)", "征地面积(亩)", "占地面积(亩)", "面积"],
    "amount_due_yuan": ["应付金额", "补偿金额", "协议金额", "应补偿金额(元)"],
    "payee_name": ["收款人", "收款人姓名", "领款人", "实际领款人"],
    "payee_id_number": ["收款人身份证号", "领款人身份证号", "收款人身份证号码"],
    "amount_paid_yuan": ["发放金额", "实付金额", "支付金额", "实发金额(元)"],
    "comp_payouts.paid_on": ["发放日期", "支付日期", "付款日期", "兑付日期"],
    "unit": ["单位名称", "工作单位", "所在单位", "单位"],
    "unit_type": ["单位性质", "单位类型", "经费形式", "经费来源"],
    "staff_type": ["编制类型", "编制性质", "人员身份", "编制情况"],
    "start_on": ["入编日期", "参加工作时间", "入职日期", "进编时间"],
    "end_on": ["离职/退休日期", "退休日期", "减员日期", "离职日期"],
    "monthly_salary_yuan": ["月应发工资", "应发工资", "月工资", "月工资(元)"],
    "roster": ["人员类别", "人员类型"],
    "prisoners.prison": ["服刑场所", "服刑监狱", "关押场所", "监狱名称"],
    "prisoners.start_on": ["收监日期", "入监日期", "刑期起日", "收押日期"],
    "prisoners.end_on": ["刑满释放日期", "释放日期", "刑期止日", "出监日期"],
    "prisoners.sentence": ["刑期", "判处刑期", "原判刑期"],
    "disability_certs.cert_no": ["残疾人证号", "残疾证编号", "残疾人证编号", "证号"],
    "disability_certs.category": ["残疾类别", "残疾种类", "残疾类型"],
    "disability_certs.grade": ["残疾等级", "残疾级别", "等级"],
    "disability_certs.issued_on": ["发证日期", "发证时间", "首次发证日期"],
    "disability_certs.reassessed_on": ["换证日期", "复评日期", "重新评定日期"],
    "disability_certs.cert_status": ["证件状态", "持证状态", "残疾证状态"],
    "low_income.head_name": ["户主姓名", "户主"],
    "low_income.head_id_number": ["户主身份证号", "户主身份证号码"],
    "low_income.category": ["认定类别", "对象类别", "救助类型", "低收入类型"],
    "low_income.status": ["享受状态", "认定状态", "当前状态"],
    "low_income.start_on": ["认定日期", "纳入时间", "认定时间", "纳入监测日期"],
    "low_income.end_on": ["退出日期", "退出时间", "取消认定日期", "退出监测日期"],
    "low_income.month": ["认定年月", "名单月份"],
    "housing_aid.name": ["户主姓名", "户主", "农户姓名"],
    "housing_aid.id_number": ["户主身份证号", "户主身份证号码", "身份证号码"],
    "housing_aid.aid_year": ["项目年度", "改造年度", "计划年度", "年度"],
    "housing_aid.approved_on": ["审批日期", "批复日期", "审批时间", "核准时间"],
    "housing_aid.grade": ["鉴定等级", "危险等级", "危房等级", "房屋危险等级"],
    "housing_aid.method": ["改造方式", "改造类型", "建设方式"],
    "housing_aid.category": ["对象类别", "保障对象类别", "困难类型", "户类别"],
    "housing_aid.subsidy_yuan": ["补助金额", "补助资金", "补助资金(元)", "核定补助金额"],
    "housing_aid.accepted_on": ["验收日期", "竣工验收日期", "验收时间"],
    "housing_aid.paid_on": ["拨付日期", "资金拨付日期", "兑付时间"],
    "housing_aid.paid_yuan": ["拨付金额", "已拨付金额", "兑付金额"],
}

EXTRA_COLUMNS = ["联系电话", "经办人", "备注2", "序号", "录入时间", "审核状态", "数据来源"]
CLERKS = ["王丽", "陈洁", "徐建华", "毛晓燕", "郑伟"]
TITLE_ENDINGS = ["数据报送表", "信息汇总", "统计表", "报表", "数据清单"]


@dataclass
class Office:
    """One office's habits: a wording per (kind, column), how it writes files, how it titles them."""

    name: str
    seed: int
    format: str                     # xlsx | csv
    encoding: str                   # for CSV: utf-8 | gbk
    title_ending: str
    reword: bool = True             # False: the control office, which keeps the sample's header wordings

    def wording(self, kind: str, column: str) -> str | None:
        options = DIALECT.get(f"{kind}.{column}") or DIALECT.get(column)
        if not options or not self.reword:
            return None
        # a fixed choice per office: the same (kind, column) gets the same wording in every file; seeded
        # by the kind's name as it was when docs/recognition.md was measured, so that the tables reproduce
        seed_kind = SEED_KIND_NAMES.get(kind, kind)
        return random.Random(f"{self.seed}/{self.name}/{seed_kind}.{column}").choice(options)


# persons and death_records were called households and deaths until issue 21 (docs/design.md)
SEED_KIND_NAMES = {"persons": "households", "death_records": "deaths"}


FORMATS = [("xlsx", "utf-8"), ("csv", "gbk"), ("csv", "utf-8")]
# The control office changes everything but the wordings (columns shuffled, extra columns, its own title,
# neutral file names, CSV): what differs between it and the sample is not the vocabulary's doing.
CONTROL = "control"


def office(name: str, seed: int) -> Office:
    """An office's habits, fixed by its name and the seed; offices in turn write xlsx, GBK CSV, UTF-8 CSV."""
    rng = random.Random(f"{seed}/{name}")
    number = int("".join(ch for ch in name if ch.isdigit()) or 0)
    fmt, encoding = FORMATS[(number + seed) % len(FORMATS)]
    return Office(name=name, seed=seed, format=fmt, encoding=encoding, title_ending=rng.choice(TITLE_ENDINGS),
                  reword=name != CONTROL)


@dataclass
class SheetGrid:
    """A sheet of the original as read by the project: every row's cells as text, which cells were numbers
    of more than 15 digits, which rows only repeat a merged record."""

    name: str
    rows: list[list[str]]
    lossy: list[set[int]]
    merged: list[bool]
    layout: object                  # sources.layout.Layout or None


def readable_sheets(inbox: Path, tmp: Path):
    """(file, its sheets the readers read without error) for every file of the inbox the readers can read."""
    from sources.inbox import inbox_files
    from sources.read import UnreadableFile, read_file

    for path in inbox_files(inbox):
        try:
            result = read_file(path, tmp)
        except UnreadableFile:
            continue
        yield path, [s for s in result.sheets if not s.error]


def read_sample(src_inbox: Path) -> list[tuple[Path, list[SheetGrid]]]:
    """Every file of the inbox with its sheets as full grids and their layouts (original declarations)."""
    import duckdb

    from sources.recognise import detect_layout

    out = []
    con = duckdb.connect()
    con.execute((ROOT / "sources" / "macros.sql").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for path, readable in readable_sheets(src_inbox, Path(tmp)):
            sheets = []
            for s in readable:
                s.load(con, "_g")
                got = con.execute("select qf_cells(cells, line, ?), lossy, merged from _g order by row_no",
                                  [s.delimiter or ","]).fetchall()
                width = max((len(r[0] or []) for r in got), default=0)
                rows = [list(r[0] or []) + [""] * (width - len(r[0] or [])) for r in got]
                sheets.append(SheetGrid(s.name, [[c or "" for c in r] for r in rows],
                                        [set(r[1] or []) for r in got], [bool(r[2]) for r in got],
                                        detect_layout(s.preview, s.name, path.name)))
            out.append((path, sheets))
    con.close()
    return out


def _synonyms() -> dict[tuple[str, str], set[str]]:
    from sources.declarations import kinds
    return {(k.kind, c.name): set(c.synonyms) for k in kinds() for c in k.columns.values()}


def header_cells(layout, rows: list[list[str]]) -> list[str]:
    """The header text of each column as recognition saw it (two header rows combined), or else the cells
    of the last header row."""
    header = list(getattr(layout, "header", None) or rows[layout.header_row - 1])
    width = max(len(r) for r in rows)
    return [str(header[j]) if j < len(header) else "" for j in range(width)]


def _title(layout, sheet_name: str, source_name: str, off: Office) -> str:
    """The office's title: what the original title, sheet name and file name said that the rows need
    (county, township, month, programme, the roster), in the office's words."""
    hints = getattr(layout, "hints", None) or {}
    context = " ".join([getattr(layout, "title", ""), sheet_name, Path(source_name).stem])
    parts = []
    if county := hints.get("county"):
        parts.append(county)
    if (town := hints.get("township")) and town != sheet_name:
        parts.append(town)
    if month := hints.get("month"):
        y, m = month.split("-")
        parts.append(f"{y}年{int(m)}月")
    if programme := hints.get("programme"):
        parts.append(programme)
    for c in layout.kind.columns.values():       # e.g. the roster (村干部, 低保经办) named in the title
        for keyword, _ in c.title_values:
            if keyword in context:
                parts.append(keyword)
                break
    return "".join(parts) + off.title_ending + f"（{off.name}）"


def _extra_values(name: str, i: int, rng: random.Random) -> str:
    if name == "联系电话":
        return "1" + str(rng.choice([3, 5, 8])) + "".join(str(rng.randrange(10)) for _ in range(9))
    if name == "经办人":
        return rng.choice(CLERKS)
    if name == "序号":
        return str(i)
    if name == "录入时间":
        return f"2021-01-{rng.randrange(1, 10):02d}"
    if name == "审核状态":
        return rng.choice(["已审核", "待审核"])
    if name == "数据来源":
        return rng.choice(["系统导出", "手工录入"])
    return ""


def rewrite_sheet(g: SheetGrid, source_name: str, off: Office, rng: random.Random,
                  synonyms: dict) -> tuple[list[list[str]], list[set[int]], dict]:
    """The sheet in the office's dialect: its rows, the lossy cells per row, and its answer-key entry."""
    from sources.declarations import norm_header

    lay = g.layout
    if lay is None:     # not a data sheet: copied as it is, it must be refused
        return g.rows, g.lossy, {"sheet": g.name, "kind": None}
    kind = lay.kind.kind
    header = header_cells(lay, g.rows)
    width = len(header)
    written: dict[str, dict] = {}
    by_index = {j: c for c, j in lay.mapping.items()}
    taken = {h for j, h in enumerate(header) if j not in by_index}
    for j, c in by_index.items():
        w = off.wording(kind, c)
        if w is None or w in taken:
            w = header[j]
        taken.add(w)
        written[c] = {"header": w, "held_out": norm_header(w) not in synonyms[(kind, c)]}
        header[j] = w
    extras = rng.sample([e for e in EXTRA_COLUMNS if e not in header], rng.randint(1, 3))
    # the new column order: original columns shuffled, the first one kept first when it is not mapped (序号,
    # and the 合计 / 制表人 labels of total and footer rows, stay on the left), extra columns anywhere after it
    cols: list[object] = list(range(width))
    keep_first = [cols.pop(0)] if width and 0 not in by_index else []
    rng.shuffle(cols)
    for e in extras:
        cols.insert(rng.randint(0, len(cols)), e)
    cols = keep_first + cols
    first_data = lay.header_row          # 0-based index of the first row below the header
    key_col = lay.mapping[lay.kind.key]
    rows, lossy = [[_title(lay, g.name, source_name, off)] + [""] * (len(cols) - 1)], [set()]
    rows.append([header[c] if isinstance(c, int) else c for c in cols])
    lossy.append(set())
    n = 0
    for r in range(first_data, len(g.rows)):
        src = g.rows[r]
        if g.merged[r]:                  # a record drawn over two rows: written once
            rows.append([""] * len(cols))
            lossy.append(set())
            continue
        is_record = bool(src[key_col].strip())
        n += is_record
        rows.append([src[c] if isinstance(c, int) else (_extra_values(c, n, rng) if is_record else "")
                     for c in cols])
        lossy.append({cols.index(j) for j in g.lossy[r]})
    mapping = {c: cols.index(j) for c, j in lay.mapping.items()}
    return rows, lossy, {"sheet": g.name, "kind": kind, "mapping": mapping, "headers": written,
                         "extra_columns": extras, "source_header_row": lay.header_row}


def make_dialect(src_inbox: Path, out_inbox: Path, seed: int, office_name: str,
                 sample: list | None = None) -> dict:
    """Write the sample of `src_inbox` in office `office_name`'s dialect to `out_inbox` (emptied first) and
    return its answer key ({"files": {file name: {"source", "format", "encoding", "sheets": [...]}}, …});
    `sample` is read_sample(src_inbox) when the caller has it already."""
    off = office(office_name, seed)
    sample = sample if sample is not None else read_sample(Path(src_inbox))
    synonyms = _synonyms()
    rng = random.Random(f"{seed}/{office_name}/files")
    order = list(range(len(sample)))
    rng.shuffle(order)
    out_inbox = Path(out_inbox)
    if out_inbox.exists():
        shutil.rmtree(out_inbox)
    out_inbox.mkdir(parents=True)
    key = {}
    for number, i in enumerate(order, start=1):
        path, sheets = sample[i]
        written = [rewrite_sheet(g, path.name, off, rng, synonyms) for g in sheets]
        any_lossy = any(any(cells) for _, lossy, _ in written for cells in lossy)
        fmt = "csv" if off.format == "csv" and len(sheets) == 1 and not any_lossy else "xlsx"
        name = f"报送材料_{number:02d}.{fmt}"
        encoding = None
        if fmt == "csv":
            rows = written[0][0]
            encoding = off.encoding if _encodable(rows, off.encoding) else "utf-8"
            with open(out_inbox / name, "w", encoding=encoding, newline="") as f:
                csv.writer(f).writerows(rows)
            written[0][2]["sheet"] = ""      # a CSV file has no sheet name
        else:
            for _, _, entry in written:      # a CSV's table becomes a sheet of that name
                entry["sheet"] = entry["sheet"] or "Sheet1"
            _write_xlsx(out_inbox / name, [(entry["sheet"], rows, lossy) for rows, lossy, entry in written])
        key[name] = {"source": path.name, "format": fmt, "encoding": encoding,
                     "sheets": [entry for _, _, entry in written]}
    return {"office": off.name, "seed": seed, "format": off.format, "encoding": off.encoding, "files": key}


def _encodable(rows: list[list[str]], encoding: str) -> bool:
    try:
        "\n".join(",".join(r) for r in rows).encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list[str]], list[set[int]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows, lossy in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows):
            # a damaged ID (stored as a number with more than 15 digits) stays a number; all else is text
            ws.append([_number(v) if j in lossy[r] else v for j, v in enumerate(row)])
    wb.save(path)


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offices", type=int, default=4, help="how many offices (dialects) to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--src", type=Path, default=ROOT / "data" / "sample" / "inbox")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "dialects")
    ap.add_argument("--control", action="store_true", help="also write the control office (sample wordings)")
    args = ap.parse_args(argv)
    for o, key in write_offices(args.src, args.out, args.offices, args.seed, args.control):
        held = sum(h["held_out"] for f in key["files"].values() for s in f["sheets"]
                   for h in s.get("headers", {}).values())
        total = sum(len(s.get("headers", {})) for f in key["files"].values() for s in f["sheets"])
        print(f"{o}: {len(key['files'])} 个文件（{key['format']}, {key['encoding']}），"
              f"映射列表头 {total} 个，其中 {held} 个不在声明的同义词中 → {args.out / o}")
    return 0


def office_names(n: int, control: bool = False) -> list[str]:
    return [CONTROL] * control + [f"office_{i:02d}" for i in range(1, n + 1)]


def write_offices(src: Path, out: Path, n: int, seed: int, control: bool = False) -> list[tuple[str, dict]]:
    """N offices' inboxes (and the control office's first, if asked) under out/<office>/inbox with
    out/<office>/answer_key.json beside each."""
    sample = read_sample(Path(src))
    done = []
    for o in office_names(n, control):
        key = make_dialect(src, out / o / "inbox", seed, o, sample=sample)
        (out / o / "answer_key.json").write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")
        done.append((o, key))
    return done


if __name__ == "__main__":
    sys.exit(main())

"""Generate the synthetic sample inbox (data/sample/inbox/) and its answer key (data/sample/planted.csv).

    python data/sample/generate.py [--out data/sample]

Deterministic: the same seed gives the same people, rows and cell values. Everyone is invented; ID
numbers are well-formed (valid check characters) but made up. The files imitate what departments send:
title rows, 合计 rows, footers, a sheet per 乡镇, GBK CSV, UTF-8 CSV with BOM, a file nobody can read.

Planted cases (rows of planted.csv with expect=flag) must be found by the named rule with the given
months and amount; traps (expect=none) must not be flagged by it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

SEED = 20201231
MONTHS = [dt.date(2020, m, 1) for m in range(1, 13)]
LAST = MONTHS[-1]
COUNTY = ("330822", "常山县")
VILLAGES = [("天马街道", "和平社区"), ("球川镇", "东坑村"), ("球川镇", "西坞村")]
RATE = {"困难残疾人生活补贴": 270, "重度残疾人护理补贴": 180, "城乡居民基本养老保险": 245, "最低生活保障": 750}
SURNAMES = "徐王张李刘陈杨黄赵吴周郑汪毛余方江叶童程姜胡邵宋"
GIVEN = "建国华明英秀兰芳军伟红梅丽强平志勇林桂春海燕金玉凤珍德福根土水生发荣宝云清"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
FIXED_TIME = dt.datetime(2021, 1, 15, 9, 0, 0)


def check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]


def make_id(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def month_add(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


@dataclass
class Person:
    id_number: str
    name: str
    sex: str
    birth: dt.date
    household_no: str
    relation: str
    township: str
    village: str
    father: str | None = None
    mother: str | None = None
    spouse: str | None = None
    status: str = "正常"
    change_on: dt.date | None = None
    destination: str | None = None


@dataclass
class Payment:
    person: Person
    programme: str
    month: dt.date
    amount: float
    paid_on: dt.date
    remark: str = ""
    household_size: int | None = None


@dataclass
class Death:
    person: Person
    source: str            # 公安注销 | 民政火化 | 卫健死亡证明
    death_on: dt.date
    name: str | None = None
    id_text: str | None = None
    dereg_on: dt.date | None = None
    cremation_on: dt.date | None = None


@dataclass
class Sample:
    rng: random.Random
    people: list[Person] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    deaths: list[Death] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    seq: int = 100
    used_names: set = field(default_factory=set)

    # -- people -------------------------------------------------------------------------------
    def name(self, surname: str | None = None) -> str:
        while True:
            n = (surname or self.rng.choice(SURNAMES)) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))
            if n not in self.used_names:
                self.used_names.add(n)
                return n

    def person(self, sex: str, birth: dt.date, hh: str, relation: str, place, surname=None, area=COUNTY[0]) -> Person:
        self.seq += 2
        seq = self.seq + (1 if sex == "男" else 0)
        p = Person(make_id(area, birth, seq % 1000), self.name(surname), sex, birth, hh, relation, *place)
        self.people.append(p)
        return p

    def households(self, n: int) -> None:
        rng = self.rng
        for h in range(n):
            place = VILLAGES[h % len(VILLAGES)]
            hh = f"3308221{h + 1:05d}"
            surname = rng.choice(SURNAMES)
            hb = dt.date(rng.randint(1935, 1985), rng.randint(1, 12), rng.randint(1, 28))
            # people registered before 1985 may carry the historical county code 332427 (常山县, 金华地区)
            area = "332427" if hb.year < 1960 and h % 5 == 0 else COUNTY[0]
            head = self.person("男", hb, hh, "户主", place, surname, area)
            if rng.random() < 0.85:
                wife = self.person("女", hb.replace(year=min(hb.year + rng.randint(0, 4), 1990)), hh, "妻", place)
                head.spouse, wife.spouse = wife.id_number, head.id_number
            else:
                wife = None
            for k in range(rng.choice([0, 1, 1, 2, 2, 3])):
                cb = dt.date(min(hb.year + rng.randint(22, 34), 2015), rng.randint(1, 12), rng.randint(1, 28))
                sex = rng.choice("男女")
                child = self.person(sex, cb, hh, "子" if sex == "男" else "女", place, surname if sex == "男" else None)
                child.father, child.mother = head.id_number, wife.id_number if wife else None

    # -- payments -----------------------------------------------------------------------------
    def pay(self, p: Person, programme: str, first: dt.date, last: dt.date, **kw) -> None:
        m = first
        while m <= last:
            self.payments.append(Payment(p, programme, m, kw.get("amount", RATE[programme]),
                                         m.replace(day=10) if "paid_on" not in kw else kw["paid_on"],
                                         household_size=kw.get("household_size")))
            m = month_add(m, 1)

    def die(self, p: Person, death_on: dt.date, sources: list[str], **kw) -> None:
        p.status, p.change_on = "死亡", death_on + dt.timedelta(days=25)
        for s in sources:
            d = Death(p, s, death_on)
            if s == "公安注销":
                d.dereg_on = death_on + dt.timedelta(days=self.rng.randint(10, 60))
            if s == "民政火化":
                d.cremation_on = death_on + dt.timedelta(days=self.rng.randint(1, 3))
            for k, v in kw.get(s, {}).items():
                setattr(d, k, v)
            self.deaths.append(d)

    def plant(self, rule: str, expect: str, p: Person, programme: str, note: str, months: int = 0,
              amount: float = 0.0, period_from: dt.date | None = None, period_to: dt.date | None = None) -> None:
        self.planted.append({
            "rule_id": rule, "expect": expect, "subject_id_number": p.id_number, "subject_name": p.name,
            "programme": programme, "months": months, "amount_yuan": f"{amount:.2f}",
            "period_from": period_from.isoformat() if period_from else "",
            "period_to": period_to.isoformat() if period_to else "", "note": note})


def build(seed: int = SEED) -> Sample:
    s = Sample(random.Random(seed))
    s.households(110)
    rng = s.rng
    adults = [p for p in s.people if p.birth.year <= 1990]
    rng.shuffle(adults)
    pool = iter(adults)
    living, care, dibao, pension = [], [], [], []
    # ordinary recipients, paid all year
    for _ in range(28):
        p = next(pool); living.append(p); s.pay(p, "困难残疾人生活补贴", MONTHS[0], LAST)
    for p in living[:12]:
        care.append(p); s.pay(p, "重度残疾人护理补贴", MONTHS[0], LAST)
    for _ in range(14):
        p = next(pool); care.append(p); s.pay(p, "重度残疾人护理补贴", MONTHS[0], LAST)
    for _ in range(16):
        p = next(pool); dibao.append(p); s.pay(p, "最低生活保障", MONTHS[0], LAST, amount=RATE["最低生活保障"] * 2, household_size=2)
    olds = [p for p in s.people if p.birth.year <= 1958 and p not in living + care + dibao]
    for p in olds[:60]:
        pension.append(p); s.pay(p, "城乡居民基本养老保险", MONTHS[0], LAST)

    def fresh(pred=lambda p: True) -> Person:
        """Someone not yet paid by any programme."""
        taken = {x.person.id_number for x in s.payments}
        return next(p for p in pool if p.id_number not in taken and pred(p))

    # ---- R01 planted cases -----------------------------------------------------------------
    # A: 生活补贴, died 2020-03-15 (公安 + 民政), paid on to December: 9 months, still going → high
    a = fresh(); s.pay(a, "困难残疾人生活补贴", MONTHS[0], LAST); s.die(a, dt.date(2020, 3, 15), ["公安注销", "民政火化"])
    s.plant("R01", "flag", a, "困难残疾人生活补贴", "死亡后继续发放 9 个月，至数据截止月仍在发放", 9, 9 * 270, MONTHS[3], LAST)
    # B: 护理补贴, died 2020-05-20 (卫健 only), one month more → low (reporting lag)
    b = fresh(); s.pay(b, "重度残疾人护理补贴", MONTHS[0], MONTHS[5]); s.die(b, dt.date(2020, 5, 20), ["卫健死亡证明"])
    s.plant("R01", "flag", b, "重度残疾人护理补贴", "死亡后多发 1 个月（报送时差）", 1, 180, MONTHS[5], MONTHS[5])
    # C: 低保, single-member household, died 2020-06-02 (民政), paid July–September → medium
    c = fresh(); s.pay(c, "最低生活保障", MONTHS[0], MONTHS[8], amount=750, household_size=1)
    s.die(c, dt.date(2020, 6, 2), ["民政火化"])
    s.plant("R01", "flag", c, "最低生活保障", "单人户低保，死亡后继续发放 3 个月", 3, 3 * 750, MONTHS[6], MONTHS[8])
    # D: pension, died 2020-02-10; 公安 deregistered in April (the death date, not the deregistration, counts)
    d = fresh(lambda p: p.birth.year <= 1958); s.pay(d, "城乡居民基本养老保险", MONTHS[0], LAST)
    s.die(d, dt.date(2020, 2, 10), ["公安注销"], **{"公安注销": {"dereg_on": dt.date(2020, 4, 1)}})
    s.plant("R01", "flag", d, "城乡居民基本养老保险", "死亡日期 2 月，注销日期 4 月，按死亡日期计 10 个月", 10, 10 * 245, MONTHS[2], LAST)
    # E: both subsidies; 生活补贴 stopped at death, 护理补贴 ran on 4 months → R01 flags 护理补贴 only
    e = fresh(); s.pay(e, "困难残疾人生活补贴", MONTHS[0], MONTHS[6]); s.pay(e, "重度残疾人护理补贴", MONTHS[0], MONTHS[10])
    s.die(e, dt.date(2020, 7, 8), ["公安注销", "卫健死亡证明"])
    s.plant("R01", "flag", e, "重度残疾人护理补贴", "两项补贴一停一发：护理补贴死亡后继续 4 个月", 4, 4 * 180, MONTHS[7], MONTHS[10])
    s.plant("R01", "none", e, "困难残疾人生活补贴", "生活补贴已于死亡当月停发", 0, 0)
    # F: the 卫健 record carries the 15-digit legacy number; the ledger the 18-digit one
    f = fresh(); s.pay(f, "困难残疾人生活补贴", MONTHS[0], MONTHS[9])
    legacy = f.id_number[:6] + f.id_number[8:17]
    s.die(f, dt.date(2020, 8, 30), ["卫健死亡证明"], **{"卫健死亡证明": {"id_text": legacy}})
    s.plant("R01", "flag", f, "困难残疾人生活补贴", "死亡记录为 15 位旧身份证号，升位后匹配", 2, 2 * 270, MONTHS[8], MONTHS[9])

    # ---- R01 traps ---------------------------------------------------------------------------
    # T1: paid through the month of death only
    t1 = fresh(); s.pay(t1, "困难残疾人生活补贴", MONTHS[0], MONTHS[3]); s.die(t1, dt.date(2020, 4, 10), ["公安注销", "民政火化"])
    s.plant("R01", "none", t1, "困难残疾人生活补贴", "只发放到死亡当月")
    # T2: arrears for June paid in September, after the death on 2020-08-05
    t2 = fresh(); s.pay(t2, "重度残疾人护理补贴", MONTHS[0], MONTHS[4]); s.pay(t2, "重度残疾人护理补贴", MONTHS[6], MONTHS[7])
    s.payments.append(Payment(t2, "重度残疾人护理补贴", MONTHS[5], 180, dt.date(2020, 9, 10), "补发6月"))
    s.die(t2, dt.date(2020, 8, 5), ["民政火化"])
    s.plant("R01", "none", t2, "重度残疾人护理补贴", "死亡前月份（6月）的补发款在死亡后发放，不是多发")
    # T3: a 公安 record carries a living recipient's ID under another name (重号): not a death
    t3 = fresh(); s.pay(t3, "困难残疾人生活补贴", MONTHS[0], LAST)
    s.deaths.append(Death(t3, "公安注销", dt.date(2020, 2, 2), name=s.name(), dereg_on=dt.date(2020, 3, 1)))
    s.plant("R01", "none", t3, "困难残疾人生活补贴", "死亡记录姓名不符（重号），不认定死亡")
    # T4: paid for October after the death in September, then the October payment reversed
    t4 = fresh(); s.pay(t4, "城乡居民基本养老保险", MONTHS[0], MONTHS[9]); s.die(t4, dt.date(2020, 9, 18), ["公安注销"])
    s.payments.append(Payment(t4, "城乡居民基本养老保险", MONTHS[9], -245, dt.date(2020, 11, 10), "冲正退回10月"))
    s.plant("R01", "none", t4, "城乡居民基本养老保险", "死亡后多发的 10 月已冲正退回，净额为零")
    # ordinary deaths, payments stopped correctly
    for p in (pension[5], pension[17], living[3]):
        death_on = dt.date(2020, rng.randint(2, 11), rng.randint(1, 28))
        for pay in [x for x in s.payments if x.person is p and x.month > death_on]:
            s.payments.remove(pay)
        s.die(p, death_on, rng.sample(["公安注销", "民政火化", "卫健死亡证明"], 2))
    s.payments.sort(key=lambda x: (x.programme, x.month, x.person.township, x.person.village, x.person.id_number))
    assert len({p.id_number for p in s.people}) == len(s.people), "ID numbers must be unique"
    return s


# ---- writers: one per file, in the layout its department uses --------------------------------

def _xlsx(path: Path, sheets: list[tuple[str, list[list]]], merges: dict | None = None, widths=None) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
        for col, w in (widths or {}).items():
            ws.column_dimensions[col].width = w
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.save(path)


def _csv(path: Path, rows: list[list], encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


def write_living_subsidy(s: Sample, out: Path) -> None:
    """残联: one workbook, title row, a 单位 row, a header, rows per person and month, 合计, footer."""
    rows = [["常山县2020年困难残疾人生活补贴发放花名册"], ["单位：常山县残疾人联合会", None, None, None, None, None, None, None, "制表日期：2021年1月5日"],
            ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "补贴类型", "所属期", "发放日期", "发放金额(元)", "备注"]]
    pays = [p for p in s.payments if p.programme == "困难残疾人生活补贴"]
    for i, p in enumerate(pays, 1):
        rows.append([i, p.person.township, p.person.village, p.person.name, p.person.id_number, "生活补贴",
                     p.month.strftime("%Y-%m"), p.paid_on.strftime("%Y/%m/%d"), p.amount, p.remark or None])
    rows.append(["合计", None, None, None, None, None, None, None, sum(p.amount for p in pays), None])
    rows.append(["制表人：王某某", None, None, "审核人：李某某", None, None, None, "负责人：徐某某"])
    _xlsx(out / "残联_2020年困难残疾人生活补贴发放明细.xlsx", [("发放明细", rows)], {"发放明细": ["A1:J1"]},
          {"D": 10, "E": 22, "G": 10, "I": 14})


def write_care_subsidy(s: Sample, out: Path) -> None:
    """护理补贴: a sheet per 乡镇, 序号 restarting, no 补贴类型 column (the title names the programme),
    a two-row header merged over 发放情况, months as 2020年3月."""
    sheets, merges = [], {}
    pays = [p for p in s.payments if p.programme == "重度残疾人护理补贴"]
    for town in sorted({v[0] for v in VILLAGES}):
        rows = [[f"{town}2020年重度残疾人护理补贴发放表"],
                ["序号", "村（社区）", "姓名", "身份证号", "发放情况", None, None, "备注"],
                [None, None, None, None, "所属期", "实发金额", "发放日期", None]]
        town_pays = [p for p in pays if p.person.township == town]
        for i, p in enumerate(town_pays, 1):
            rows.append([i, p.person.village, p.person.name, p.person.id_number, f"{p.month.year}年{p.month.month}月",
                         f"{p.amount:,.2f}", p.paid_on, p.remark or None])
        rows.append(["小计", None, None, None, None, f"{sum(p.amount for p in town_pays):,.2f}", None, None])
        sheets.append((town, rows))
        merges[town] = ["A1:H1", "E2:G2", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "H2:H3"]
    _xlsx(out / "护理补贴2020年度.xlsx", sheets, merges, {"C": 10, "D": 22, "F": 12, "G": 12})


def write_dibao(s: Sample, out: Path) -> None:
    """民政 低保: GBK CSV, months as 202003, amounts with 元."""
    rows = [["行政区划", "乡镇", "村", "户主姓名", "户主身份证号", "保障人数", "所属年月", "低保金", "银行账号"]]
    for p in (x for x in s.payments if x.programme == "最低生活保障"):
        rows.append(["常山县", p.person.township, p.person.village, p.person.name, p.person.id_number,
                     p.household_size or 1, p.month.strftime("%Y%m"), f"{p.amount:.0f}元",
                     "6217" + p.person.id_number[6:14] + p.person.id_number[14:17] + "8"])
    _csv(out / "民政_最低生活保障_2020.csv", rows, "gbk")


def write_pension(s: Sample, out: Path) -> None:
    """人社 城乡居民养老: UTF-8 CSV, 发放年月 2020.3, remarks."""
    rows = [["姓名", "身份证号", "参保地", "待遇类别", "发放年月", "发放金额", "待遇状态", "备注"]]
    for p in (x for x in s.payments if x.programme == "城乡居民基本养老保险"):
        rows.append([p.person.name, p.person.id_number, "常山县", "城乡居民基本养老保险", f"{p.month.year}.{p.month.month}",
                     f"{p.amount:.2f}", "正常", p.remark])
    _csv(out / "人社_城乡居民养老金发放_2020.csv", rows, "utf-8")


def write_register(s: Sample, out: Path) -> None:
    """公安 户籍: one sheet, a title, parent and spouse ID columns."""
    rows = [["常山县户籍人口信息（截至2020年12月31日）"],
            ["户号", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期", "乡镇（街道）", "村（社区）", "人口状态",
             "变动日期", "迁往地", "配偶公民身份号码", "父亲公民身份号码", "母亲公民身份号码"]]
    for p in sorted(s.people, key=lambda p: (p.household_no, p.relation != "户主", p.birth)):
        rows.append([p.household_no, p.name, p.relation, p.id_number, p.sex, p.birth.strftime("%Y%m%d"), p.township,
                     p.village, p.status, p.change_on.isoformat() if p.change_on else None, p.destination,
                     p.spouse, p.father, p.mother])
    _xlsx(out / "公安_户籍人口_常山县.xlsx", [("户籍人口", rows)], {"户籍人口": ["A1:N1"]}, {"B": 10, "D": 22})


def write_deaths(s: Sample, out: Path) -> None:
    ds = sorted(s.deaths, key=lambda d: (d.death_on, d.person.id_number))
    # 公安 户籍注销: xlsx with a title
    rows = [["户籍注销（死亡）人员名单"], ["姓名", "公民身份号码", "性别", "死亡日期", "注销日期", "注销原因", "证明类型", "派出所"]]
    for d in (d for d in ds if d.source == "公安注销"):
        rows.append([d.name or d.person.name, d.id_text or d.person.id_number, d.person.sex, d.death_on.strftime("%Y年%m月%d日"),
                     d.dereg_on.isoformat(), "死亡", "死亡医学证明", f"{d.person.township}派出所"])
    _xlsx(out / "公安_户籍注销人员_2020.xlsx", [("注销", rows)], {"注销": ["A1:H1"]}, {"B": 22})
    # 民政 火化: CSV, UTF-8 with BOM
    rows = [["逝者姓名", "身份证号", "性别", "死亡日期", "火化日期", "火化证号", "殡仪馆"]]
    for i, d in enumerate((d for d in ds if d.source == "民政火化"), 1):
        rows.append([d.name or d.person.name, d.id_text or d.person.id_number, d.person.sex, d.death_on.strftime("%Y/%m/%d"),
                     d.cremation_on.strftime("%Y/%m/%d"), f"HH2020{i:04d}", "常山县殡仪馆"])
    _csv(out / "民政_火化信息_2020.csv", rows, "utf-8-sig")
    # 卫健 死亡医学证明: CSV, UTF-8, dates as 20200305
    rows = [["姓名", "身份证号", "死亡日期", "死亡地点", "根本死亡原因", "签发机构", "签发日期"]]
    for d in (d for d in ds if d.source == "卫健死亡证明"):
        rows.append([d.name or d.person.name, d.id_text or d.person.id_number, d.death_on.strftime("%Y%m%d"), "家中",
                     "疾病", "常山县人民医院", (d.death_on + dt.timedelta(days=1)).strftime("%Y%m%d")])
    _csv(out / "卫健_死亡医学证明_2020.csv", rows, "utf-8")


def write_unrecognised(out: Path) -> None:
    """A file with no header Qingfeng knows: it must be reported, not skipped in silence."""
    _xlsx(out / "会议纪要_2021年1月.xlsx", [("Sheet1", [["村两委会议纪要"], ["时间", "地点", "参会人员"],
                                                       ["2021年1月8日", "村委会", "全体村两委成员"]])])


def write_planted(s: Sample, path: Path) -> None:
    cols = ["rule_id", "expect", "subject_id_number", "subject_name", "programme", "months", "amount_yuan",
            "period_from", "period_to", "note"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(sorted(s.planted, key=lambda r: (r["rule_id"], r["expect"], r["subject_id_number"], r["programme"])))


def generate(out: Path, seed: int = SEED) -> Sample:
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.iterdir():
        if old.is_file():
            old.unlink()
    s = build(seed)
    write_living_subsidy(s, inbox)
    write_care_subsidy(s, inbox)
    write_dibao(s, inbox)
    write_pension(s, inbox)
    write_register(s, inbox)
    write_deaths(s, inbox)
    write_unrecognised(inbox)
    write_planted(s, out / "planted.csv")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    s = generate(args.out, args.seed)
    print(f"{len(s.people)} people, {len(s.payments)} payment rows, {len(s.deaths)} death records, "
          f"{len(s.planted)} planted rows → {args.out}")


if __name__ == "__main__":
    main()

"""Generate the synthetic sample inbox (data/sample/inbox/) and its answer keys (data/sample/planted.csv,
data/sample/planted_rows.csv).

    python data/sample/generate.py [--out data/sample]

Deterministic: the same seed gives the same people, rows and cell values. Everyone is invented; ID
numbers are well-formed (valid check characters) but made up. Three villages of 常山县, year 2020, and
one list of a neighbouring county (江山市 pensions) that pays one 常山 pensioner too.

The files imitate what departments send, each in its own layout: xlsx, legacy .xls, CSV in UTF-8, UTF-8
with BOM, GBK and GB18030; title and 单位/制表日期 rows, two-row merged headers, a sheet per 乡镇, an empty
sheet, 合计/小计 rows, 制表人/审核人 footers, blank rows; months, dates and amounts written many ways;
the programme given by a column, the title, the sheet name or only the file name; a file nobody can read.

Two answer keys:
- planted.csv: cases each rule must find (expect=flag, with months and amount) and traps it must not
  flag (expect=none).
- planted_rows.csv: every input row the loader must treat specially, by file, sheet and row number as
  Excel shows it (CSV: line number): records it must normalise or recover and load, records it must
  quarantine with a reason, and every non-record row (title, header, total, footer, blank).

Layout of this file: the population and its payments (`build`: R01's planted cases first, then the
other programmes and registers, then the loader's special rows, then one block per later rule, R02–R15,
each planting its cases and traps in households of its own or in fresh relatives of rostered cadres),
then one writer per inbox file. The world's common parts are bench/world/ (shared with the benchmark
city, bench/generate.py): ID numbers and credit codes, programme names, names, the answer keys' format and
writers, the sheet model (Grid) and the xlsx/.xls/CSV writers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.world import ids, key  # noqa: E402  (the world's package: bench/world/)
from bench.world.files import Grid, write_csv, write_xls, write_xlsx  # noqa: E402
from bench.world.ids import FULLWIDTH, check_char, credit_code, org_code  # noqa: E402
from bench.world.ids import id_number as make_id  # noqa: E402
from bench.world.ids import plate as _plate  # noqa: E402
from bench.world.key import Mark  # noqa: E402
from bench.world.people import unique_name  # noqa: E402
from bench.world.programmes import ASSISTANCE, CARE, DIBAO, EMPLOYEE, LIVING, PENSION, TEKUN  # noqa: E402

SEED = 20201231
MONTHS = [dt.date(2020, m, 1) for m in range(1, 13)]
LAST = MONTHS[-1]
COUNTY = ("330822", "常山县")
VILLAGES = [("天马街道", "和平社区"), ("球川镇", "东坑村"), ("球川镇", "西坞村")]
HEPING, DONGKENG, XIWU = VILLAGES
# 特困: Zhejiang sets the basic-living standard at 1.3 × the local 低保 standard (amounts are invented)
RATE = {LIVING: 270, CARE: 180, PENSION: 245, DIBAO: 750, TEKUN: 975}
SURNAMES = "徐王张李刘陈杨黄赵吴周郑汪毛余方江叶童程姜胡邵宋"
GIVEN = "建国华明英秀兰芳军伟红梅丽强平志勇林桂春海燕金玉凤珍德福根土水生发荣宝云清"


def month_add(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def bank_card(p: Person) -> str:
    """A person's own 农商银行 card (one card per person)."""
    return ids.bank_card(p.id_number)


def account_of(p: Person) -> str:
    """The account a person's payments go to: their own card, unless it is someone else's (R14)."""
    return p.account or bank_card(p)


# ---- what is in the files ---------------------------------------------------------------------

@dataclass
class Written:
    """A record as a clerk wrote it: `cells` holds what was typed instead of the clean value
    (keys: id, name, month, amount); `mark` says what the loader must make of the row."""
    cells: dict = field(default_factory=dict, kw_only=True)
    mark: Mark | None = field(default=None, kw_only=True)

    def cell(self, key: str, clean):
        return self.cells.get(key, clean)


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
    account: str | None = None      # the account the person's payments go to, when not their own card


@dataclass
class Payment(Written):
    person: Person
    programme: str
    month: dt.date
    amount: float
    paid_on: dt.date
    remark: str = ""
    household_size: int | None = None
    sub_type: str = ""
    place: tuple | None = None   # (township, village) the paying office lists, when not the register's

    @property
    def township(self) -> str:
        return (self.place or (self.person.township, self.person.village))[0]

    @property
    def village(self) -> str:
        return (self.place or (self.person.township, self.person.village))[1]


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
class Post(Written):
    """A village cadre's or a township case worker's post, with its term."""
    person: Person
    roster: str            # 村干部 | 低保经办人员
    post: str
    township: str
    village: str | None
    start_on: dt.date
    end_on: dt.date | None = None
    both_heads: bool = False   # 一肩挑: 书记 and 主任 in one person
    phone: str = ""


@dataclass
class Staff(Written):
    """A person paid from public budgets (财政供养)."""
    person: Person
    unit: str
    unit_type: str         # 行政单位 | 参公单位 | 事业单位
    staff_type: str        # 行政编制 | 参公编制 | 事业编制
    status: str            # 在职 | 辞职 | 退休
    start_on: dt.date
    end_on: dt.date | None
    salary: int


@dataclass
class KinFiling(Written):
    """A recipient filed (备案) as a close relative of a cadre or case worker."""
    recipient: Person
    post: Post
    relation: str          # the recipient is the cadre's …
    programme: str
    filed_on: dt.date


@dataclass
class Vehicle(Written):
    owner: Person
    plate: str
    plate_type: str
    vehicle_type: str
    use_type: str
    registered_on: dt.date
    status: str = "正常"   # 正常 | 注销 | 转移 | 报废
    status_on: dt.date | None = None


@dataclass
class Business:
    credit_code: str
    name: str
    type: str              # 企业 | 个体工商户 | 农民专业合作社
    status: str            # 存续 | 注销 | 吊销
    established_on: dt.date
    closed_on: dt.date | None
    capital: str           # 万元, as registered
    township: str
    address: str
    people: list[tuple[str, Person]]   # (role, person)


@dataclass
class Project:
    name: str
    township: str
    village: str
    procurement: str
    contractor: str
    credit_code: str
    amount: float
    signed_on: dt.date
    paid: float
    account: str


@dataclass
class Agreement(Written):
    project: str
    no: str
    plot: str
    person: Person
    area_mu: float
    rate: str
    amount: float
    signed_on: dt.date


@dataclass
class Payout(Written):
    agreement: Agreement
    amount: float
    paid_on: dt.date
    note: str
    payee: Person | None = None   # who was paid, when not the entitled person


@dataclass
class Sample:
    rng: random.Random
    people: list[Person] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    deaths: list[Death] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    seq: int = 100
    used_names: set = field(default_factory=set)
    posts: list[Post] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    kin_filings: list[KinFiling] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    businesses: list[Business] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    payouts: list[Payout] = field(default_factory=list)
    misstated_totals: dict = field(default_factory=dict)   # (programme, month) -> yuan the 合计 is off by
    planted_rows: list[dict] = field(default_factory=list)
    second_rows: list[Person] = field(default_factory=list)      # a registered person's row in another 户号
    elsewhere: list[Payment] = field(default_factory=list)       # another county's ledger (江山市)

    # -- people -------------------------------------------------------------------------------
    def name(self, surname: str | None = None) -> str:
        return unique_name(self.rng, self.used_names, SURNAMES, GIVEN, (1, 2), surname)

    def person(self, sex: str, birth: dt.date, hh: str, relation: str, place, surname=None, area=COUNTY[0],
               name: str | None = None) -> Person:
        self.seq += 2
        seq = self.seq + (1 if sex == "男" else 0)
        if name:
            self.used_names.add(name)
        p = Person(make_id(area, birth, seq % 1000), name or self.name(surname), sex, birth, hh, relation, *place)
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
            for _k in range(rng.choice([0, 1, 1, 2, 2, 3])):
                cb = dt.date(min(hb.year + rng.randint(22, 34), 2015), rng.randint(1, 12), rng.randint(1, 28))
                sex = rng.choice("男女")
                child = self.person(sex, cb, hh, "子" if sex == "男" else "女", place, surname if sex == "男" else None)
                child.father, child.mother = head.id_number, wife.id_number if wife else None

    def new_household(self) -> str:
        return f"3308221{len({p.household_no for p in self.people + self.second_rows}) + 1:05d}"

    def couple(self, place, head_birth: dt.date, wife_birth: dt.date, head_name=None, wife_name=None,
               wife_area=COUNTY[0], children: tuple = ()) -> tuple[Person, Person]:
        """A new household: a head, his wife and children given as (sex, birth)."""
        hh = self.new_household()
        head = self.person("男", head_birth, hh, "户主", place, name=head_name)
        wife = self.person("女", wife_birth, hh, "妻", place, area=wife_area, name=wife_name)
        head.spouse, wife.spouse = wife.id_number, head.id_number
        for sex, birth in children:
            c = self.person(sex, birth, hh, "子" if sex == "男" else "女", place, head.name[0] if sex == "男" else None)
            c.father, c.mother = head.id_number, wife.id_number
        return head, wife

    def single(self, place, sex: str, birth: dt.date, surname: str | None = None) -> Person:
        """A new one-person household (an old person living alone)."""
        return self.person(sex, birth, self.new_household(), "户主", place, surname)

    # -- payments -----------------------------------------------------------------------------
    def pay(self, p: Person, programme: str, first: dt.date, last: dt.date, **kw) -> None:
        m = first
        while m <= last:
            self.payments.append(Payment(p, programme, m, kw.get("amount", RATE[programme]),
                                         m.replace(day=kw.get("day", 10)) if "paid_on" not in kw else kw["paid_on"],
                                         household_size=kw.get("household_size"), sub_type=kw.get("sub_type", ""),
                                         place=kw.get("place")))
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

    def plant(self, rule: str, expect: str, p: Person, programme: str, note: str, months: int | None = 0,
              amount: float | None = 0.0, period_from: dt.date | None = None, period_to: dt.date | None = None,
              id_number: str | None = None) -> None:
        """One line of planted.csv; months and amount None leave them empty (R15: only the case counts);
        id_number when the case is filed under another number than the register's (a ledger's)."""
        self.planted.append(key.planted_row(rule, expect, id_number or p.id_number, p.name, programme, note,
                                            months, amount, period_from, period_to))

    # -- who may take a role without creating an unplanned case for a later rule ------------------
    def planted_ids(self) -> set[str]:
        return {r["subject_id_number"] for r in self.planted}

    def unquiet_households(self) -> set[str]:
        """Households with a death, a person of a planted case, or means-tested assistance: a cadre,
        official, car or business of theirs could make a later rule fire before a case is planted there."""
        planted = self.planted_ids()
        out = {p.household_no for p in self.people if p.status != "正常" or p.id_number in planted}
        return out | {x.person.household_no for x in self.payments if x.programme in ASSISTANCE}

    def candidates(self, place=None, born=(1958, 1995), sex=None, head=False, exclude=()) -> list[Person]:
        """Living people of quiet households (none of `exclude`'s households) who draw no benefit but a
        pension (a severely disabled person is no cadre), in the order of the register."""
        busy = self.unquiet_households() | {q.household_no for q in exclude}
        paid = {x.person.id_number for x in self.payments if x.programme != "城乡居民基本养老保险"}
        return [p for p in self.people if (place is None or (p.township, p.village) == place)
                and born[0] <= p.birth.year <= born[1] and (sex is None or p.sex == sex)
                and (not head or p.relation == "户主") and p.household_no not in busy and p.id_number not in paid]


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

    # ---- the other programmes, registers and rosters (nobody in them dies) ------------------------
    add_newcomers(s)
    add_tekun(s)
    add_cadres_and_case_workers(s)
    add_kin_filings(s)
    add_payroll(s)
    add_vehicles(s)
    add_businesses_and_projects(s)
    add_compensation(s)
    plant_loader_rows(s)

    # ---- the other rules' cases and traps, each in households of its own ---------------------------
    plant_r02(s, e)
    plant_r03(s)
    plant_r04(s)
    plant_r05(s)
    historical = plant_r13(s)
    plant_r15(s, t3, historical)
    plant_r07(s)
    plant_r08(s)
    plant_r09(s)
    plant_r10(s)
    plant_r11(s)
    plant_r12(s)
    plant_r14(s)
    plant_r18(s)
    plant_r17(s)
    plant_r16(s)
    plant_r06(s)

    s.payments.sort(key=lambda x: (x.programme, x.month, x.township, x.village, x.person.id_number))
    assert len({p.id_number for p in s.people}) == len(s.people), "ID numbers must be unique"
    return s


# ---- the rest of the population -------------------------------------------------------------------

def add_newcomers(s: Sample) -> None:
    """Two households whose names test the loader: a character outside GBK, a minority name."""
    # 西坞村: 刘䶮 (䶮 U+4DAE is in GB18030 but not in GBK); his cars are in the 交警 export (GB18030)
    s.couple(XIWU, dt.date(1976, 8, 19), dt.date(1978, 2, 3), head_name="刘䶮", children=[("男", dt.date(2003, 5, 9))])
    # 东坑村: 阿依古丽·买买提 married in from 库尔勒 (her ID keeps 652801); severely disabled since a
    # road accident in 2019, 护理补贴 from May 2020, drives a car adapted for disabled drivers
    _, ayi = s.couple(DONGKENG, dt.date(1986, 11, 2), dt.date(1990, 4, 12), wife_name="阿依古丽·买买提",
                      wife_area="652801", children=[("女", dt.date(2015, 9, 30))])
    s.pay(ayi, "重度残疾人护理补贴", MONTHS[4], LAST)
    next(x for x in s.payments if x.person is ayi).remark = "新增"


def add_tekun(s: Sample) -> None:
    """特困人员 (五保): old people living alone with no one bound to support them; one in the 敬老院."""
    for place, sex, birth, mode in [(HEPING, "男", dt.date(1941, 3, 8), "分散供养"),
                                    (DONGKENG, "男", dt.date(1938, 10, 21), "分散供养"),
                                    (DONGKENG, "女", dt.date(1944, 6, 2), "分散供养"),
                                    (XIWU, "男", dt.date(1936, 1, 17), "集中供养"),
                                    (XIWU, "男", dt.date(1947, 12, 5), "分散供养")]:
        p = s.single(place, sex, birth)
        s.pay(p, "特困人员供养", MONTHS[0], LAST, sub_type=mode)
        for x in (x for x in s.payments if x.person is p):
            x.paid_on = x.month.replace(day=5)       # 特困 is paid on the 5th


CADRE_POSTS = {   # village → (post, term start, term end, 一肩挑); the 2017 换届 term runs to the 2020–21 换届
    HEPING: [("社区党组织书记", dt.date(2014, 3, 20), None, False),
             ("社区居民委员会主任", dt.date(2017, 3, 28), None, False),
             ("社区居务监督委员会主任", dt.date(2017, 3, 28), None, False),
             ("社区报账员", dt.date(2017, 4, 6), None, False),
             ("社区居民委员会委员", dt.date(2017, 3, 28), None, False)],
    DONGKENG: [("村党组织书记、村民委员会主任", dt.date(2017, 4, 15), None, True),
               ("村务监督委员会主任", dt.date(2017, 4, 15), None, False),
               ("村报账员", dt.date(2011, 5, 3), None, False),
               ("村民委员会委员", dt.date(2017, 4, 15), None, False),
               ("妇联主席", dt.date(2017, 5, 10), None, False)],
    XIWU: [("村党组织书记", dt.date(2017, 4, 26), None, False),
           ("村民委员会主任", dt.date(2017, 4, 26), None, False),
           ("村务监督委员会主任", dt.date(2017, 4, 26), None, False),
           ("村报账员", dt.date(2017, 4, 26), dt.date(2019, 6, 30), False),   # resigned mid-term
           ("村报账员", dt.date(2019, 7, 1), None, False),
           ("村民委员会委员", dt.date(2017, 4, 26), None, False)],
}
CASE_WORKERS = [   # township, post, village they live in, start, on the payroll (在编) or not (编外)
    ("天马街道", "民政助理员", HEPING, dt.date(2012, 9, 1), True),
    ("天马街道", "低保经办人", HEPING, dt.date(2018, 3, 1), False),
    ("球川镇", "社会事务办主任", DONGKENG, dt.date(2015, 6, 1), True),
    ("球川镇", "低保经办人", XIWU, dt.date(2019, 2, 15), False),
]


def _phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "137", "135", "158", "189", "133"]) + "".join(rng.choice("0123456789") for _ in range(8))


def add_cadres_and_case_workers(s: Sample) -> None:
    """Cadres are registered villagers of their village, one per household; heads of the posts that
    approve or handle money (书记, 主任, 报账员) are household heads."""
    rng = s.rng
    chosen: list[Person] = []
    for place, posts in CADRE_POSTS.items():
        for post, start, end, both in posts:
            sex = "女" if post == "妇联主席" else None
            head = any(w in post for w in ("书记", "主任", "报账员")) and post != "妇联主席"
            p = rng.choice(s.candidates(place, (1958, 1988), sex, head, exclude=chosen))
            chosen.append(p)
            s.posts.append(Post(p, "村干部", post, place[0], place[1], start, end, both, _phone(rng)))
    for town, post, place, start, _ in CASE_WORKERS:
        p = rng.choice(s.candidates(place, (1968, start.year - 23), exclude=chosen))
        chosen.append(p)
        s.posts.append(Post(p, "低保经办人员", post, town, None, start, None, False, _phone(rng)))


def add_kin_filings(s: Sample) -> None:
    """Two cadres' widowed parents live alone (分户) on 低保; both were filed (备案) as close relatives."""
    for post_name, place, sex, birthday, relation, filed_on in [
            ("村党组织书记、村民委员会主任", DONGKENG, "女", (2, 14), "母亲", dt.date(2019, 3, 12)),
            ("社区报账员", HEPING, "男", (7, 30), "父亲", dt.date(2019, 11, 20))]:
        post = next(p for p in s.posts if p.post == post_name and (p.township, p.village) == place)
        cadre = post.person
        birth = dt.date(cadre.birth.year - 27, *birthday)
        if sex == "男":
            parent = s.single(place, sex, birth, surname=cadre.name[0])
            cadre.father = parent.id_number
        else:
            parent = s.single(place, sex, birth)
            cadre.mother = parent.id_number
        s.pay(parent, "最低生活保障", MONTHS[0], LAST, amount=RATE["最低生活保障"], household_size=1)
        s.kin_filings.append(KinFiling(parent, post, relation, "最低生活保障", filed_on))


def add_payroll(s: Sample) -> None:
    """Villagers on the county's payroll: the two 在编 case workers and four others, one of whom
    resigned in 2018."""
    rng = s.rng
    units = {"天马街道": "常山县人民政府天马街道办事处", "球川镇": "常山县球川镇人民政府"}
    for (town, _, _, start, on_payroll), post in zip(CASE_WORKERS, [p for p in s.posts if p.roster == "低保经办人员"]):
        if on_payroll:
            start = dt.date(min(post.person.birth.year + 23, post.start_on.year - 1), 8, 1)
            s.staff.append(Staff(post.person, units[town], "行政单位", "行政编制", "在职", start, None,
                                 rng.randrange(6800, 8600, 50)))
    busy = [p.person for p in s.posts] + [x.person for x in s.staff]
    for unit, unit_type, staff_type, status, end_on in [
            ("常山县农业农村局", "行政单位", "行政编制", "在职", None),
            ("常山县人民医院", "事业单位", "事业编制", "在职", None),
            ("常山县球川镇中心小学", "事业单位", "事业编制", "在职", None),
            ("常山县交通运输局", "参公单位", "参公编制", "辞职", dt.date(2018, 6, 30))]:
        p = rng.choice(s.candidates(None, (1965, 1995), exclude=busy))
        busy.append(p)
        start = dt.date(p.birth.year + rng.randint(21, 26), rng.choice([7, 8, 9]), 1)
        s.staff.append(Staff(p, unit, unit_type, staff_type, status, start, end_on, rng.randrange(5600, 9200, 50)))


def add_vehicles(s: Sample) -> None:
    """Cars, vans and motorcycles of households that get no means-tested assistance."""
    rng = s.rng
    liu = next(p for p in s.people if p.name == "刘䶮")
    ayi = next(p for p in s.people if p.name == "阿依古丽·买买提")
    s.vehicles.append(Vehicle(liu, _plate(rng), "小型汽车", "小型轿车", "非营运", dt.date(2016, 5, 12)))
    s.vehicles.append(Vehicle(liu, _plate(rng, False), "普通摩托车", "普通二轮摩托车", "非营运", dt.date(2009, 3, 2),
                              "报废", dt.date(2018, 11, 20)))
    s.vehicles.append(Vehicle(ayi, _plate(rng), "小型汽车", "残疾人专用小型自动挡载客汽车", "非营运", dt.date(2019, 10, 8)))
    owners = [p for p in s.candidates(None, (1955, 1995), exclude=[liu, ayi]) if p.relation in ("户主", "子")]
    kinds = [("小型汽车", "小型轿车", "非营运", "正常"), ("小型汽车", "小型普通客车", "非营运", "正常"),
             ("小型汽车", "小型越野客车", "非营运", "正常"), ("小型汽车", "小型轿车", "非营运", "注销"),
             ("小型汽车", "小型轿车", "非营运", "转移"), ("大型汽车", "重型自卸货车", "货运", "正常"),
             ("小型汽车", "轻型普通货车", "货运", "正常"), ("普通摩托车", "普通二轮摩托车", "非营运", "正常"),
             ("小型汽车", "小型轿车", "非营运", "正常"), ("小型汽车", "小型轿车", "非营运", "正常")]
    for plate_type, vtype, use, status in kinds:
        p = rng.choice(owners)
        owners.remove(p)
        reg = dt.date(rng.randint(2008, 2020), rng.randint(1, 12), rng.randint(1, 28))
        status_on = {"注销": dt.date(2019, 5, 17), "转移": dt.date(2020, 6, 9)}.get(status)
        if status_on:
            reg = min(reg, dt.date(2012, 4, 1))
        s.vehicles.append(Vehicle(p, _plate(rng, plate_type != "普通摩托车"), plate_type, vtype, use, reg, status, status_on))


def add_businesses_and_projects(s: Sample) -> None:
    """Sole traders, a cooperative and two companies of villagers with no cadre, official or assisted
    person in their household; village projects go to one of those companies and to outside firms."""
    rng = s.rng
    busy = [p.person for p in s.posts] + [x.person for x in s.staff]

    def someone(place=None) -> Person:
        p = rng.choice(s.candidates(place, (1960, 1992), exclude=busy))
        busy.append(p)
        return p

    def add(category, name, btype, status, est, closed, capital, place, people):
        lead = people[0][1]
        s.businesses.append(Business(credit_code(category, COUNTY[0], org_code(rng)), name.format(n=lead.name, s=lead.name[0]),
                                     btype, status, est, closed, capital, place[0],
                                     f"常山县{place[0]}{place[1]}{rng.randint(1, 120)}号", people))

    add("2", "常山县球川镇{s}记小吃店", "个体工商户", "存续", dt.date(2014, 6, 18), None, "", DONGKENG,
        [("经营者", someone(DONGKENG))])
    add("2", "常山县天马街道{n}五金店", "个体工商户", "存续", dt.date(2011, 9, 2), None, "", HEPING,
        [("经营者", someone(HEPING))])
    add("2", "常山县球川镇{n}农资经营部", "个体工商户", "存续", dt.date(2016, 3, 25), None, "", XIWU,
        [("经营者", someone(XIWU))])
    add("2", "常山县天马街道{n}理发店", "个体工商户", "注销", dt.date(2012, 4, 9), dt.date(2019, 8, 14), "", HEPING,
        [("经营者", someone(HEPING))])
    add("3", "常山县东坑胡柚专业合作社", "农民专业合作社", "存续", dt.date(2013, 11, 6), None, "120", DONGKENG,
        [("法定代表人", someone(DONGKENG)), ("出资人", someone(DONGKENG)), ("出资人", someone(DONGKENG))])
    add("1", "常山县西坞建筑工程有限公司", "企业", "存续", dt.date(2010, 7, 21), None, "800", XIWU,
        [("法定代表人", someone(XIWU)), ("股东", someone(XIWU))])
    add("1", "常山县天马电子商务有限公司", "企业", "吊销", dt.date(2015, 5, 12), dt.date(2018, 12, 26), "50", HEPING,
        [("法定代表人", someone(HEPING))])

    local = next(b for b in s.businesses if b.name == "常山县西坞建筑工程有限公司")
    outside = {n: credit_code("1", area, org_code(rng)) for n, area in [("常山县天马市政工程有限公司", "330822"),
                                                              ("衢州市衢江区宏达水利工程有限公司", "330803"),
                                                              ("浙江常山环卫设备有限公司", "330822")]}
    for place, name, procurement, contractor, amount, signed, share in [
            (HEPING, "和平社区雨污分流改造工程", "竞争性比选", "常山县天马市政工程有限公司", 386000, dt.date(2020, 4, 20), 0.7),
            (DONGKENG, "东坑村2020年村道硬化工程", "竞争性比选", local.name, 268500, dt.date(2020, 3, 16), 1.0),
            (DONGKENG, "东坑村胡柚基地灌溉渠修复工程", "村级小额工程直接发包", "衢州市衢江区宏达水利工程有限公司", 96800,
             dt.date(2020, 9, 3), 1.0),
            (XIWU, "西坞村文化礼堂修缮工程", "竞争性比选", local.name, 158000, dt.date(2020, 6, 11), 0.6),
            (XIWU, "西坞村垃圾分类亭采购", "询价", "浙江常山环卫设备有限公司", 42600, dt.date(2020, 10, 27), 1.0)]:
        code = local.credit_code if contractor == local.name else outside[contractor]
        account = "3305016" + "".join(rng.choice("0123456789") for _ in range(13))
        s.projects.append(Project(name, place[0], place[1], procurement, contractor, code, amount, signed,
                                  round(amount * share, 2), account))


def add_compensation(s: Sample) -> None:
    """Land taken for the G351 road (paid in two instalments, 60 % and 40 %) and tower footprints of a
    220 kV line (paid at once). Agreements are with living household heads who hold contracted land."""
    rng = s.rng
    planted = s.planted_ids()
    heads = [p for p in s.people if p.relation == "户主" and p.status == "正常" and p.birth.year <= 1985
             and p.id_number not in planted]
    land = rng.sample([p for p in heads if (p.township, p.village) == DONGKENG], 5)
    for i, p in enumerate(sorted(land, key=lambda p: p.household_no), 1):
        area = rng.randint(35, 180) / 100
        a = Agreement("G351国道常山球川段改建工程征地补偿", f"G351-QC-{i:03d}", f"QC-DK-{rng.randint(10, 99)}", p,
                      area, "48000元/亩", round(area * 48000, 2), dt.date(2020, 5, rng.randint(11, 29)))
        s.agreements.append(a)
        first = round(a.amount * 0.6, 2)
        s.payouts.append(Payout(a, first, dt.date(2020, 7, 15), "第一期（60%）"))
        s.payouts.append(Payout(a, round(a.amount - first, 2), dt.date(2020, 11, 20), "第二期（40%）"))
    towers = rng.sample([p for p in heads if (p.township, p.village) == XIWU], 3)
    for i, p in enumerate(sorted(towers, key=lambda p: p.household_no), 1):
        n = 2 if i == 1 else 1
        a = Agreement("220kV球川输变电工程铁塔占地补偿", f"TT220-XW-{i:03d}", f"N{rng.randint(10, 40)}", p,
                      0.12 * n, "8600元/基", 8600.0 * n, dt.date(2020, 8, rng.randint(3, 20)))
        s.agreements.append(a)
        s.payouts.append(Payout(a, a.amount, dt.date(2020, 9, 18), "一次性"))


# ---- the rows the loader must treat specially (planted_rows.csv) ---------------------------------

def plant_loader_rows(s: Sample) -> None:
    """Damage a few rows of ordinary living recipients (never a person of a planted case) the way
    clerks and Excel do, and mark each with what the loader must make of it."""
    rng = s.rng
    planted = s.planted_ids()
    ayi = next(p for p in s.people if p.name == "阿依古丽·买买提")
    touched = {ayi.id_number} | {k.recipient.id_number for k in s.kin_filings}   # special already

    def pick(programme: str, months=MONTHS[:11], pred=lambda p: True) -> Payment:
        rows = [x for x in s.payments if x.programme == programme and x.month in months and not x.remark
                and x.person.status == "正常" and x.person.id_number not in planted | touched and pred(x.person)]
        x = rng.choice(rows)
        touched.add(x.person.id_number)
        return x

    def digits_only(p: Person) -> bool:
        return not p.id_number.endswith("X")

    # ID text the loader normalises (domain.md §1.5 rows 5–7, 12, 13) and then loads
    spoil(pick("困难残疾人生活补贴", pred=lambda p: p.id_number.endswith("X")), "fullwidth")
    spoil(pick("困难残疾人生活补贴"), "zero_width")
    spoil(pick("困难残疾人生活补贴", pred=lambda p: len(p.name) == 2), "padded_name")
    spoil(pick("困难残疾人生活补贴", pred=lambda p: p.id_number.startswith("332427")), "historical_code")
    spoil(pick("重度残疾人护理补贴", pred=lambda p: p.id_number.endswith("X")), "times_x")
    spoil(pick("重度残疾人护理补贴"), "spaces")
    spoil(pick("城乡居民基本养老保险", pred=lambda p: p.id_number.endswith("X")), "lower_x")
    spoil(pick("城乡居民基本养老保险"), "apostrophe")
    spoil(pick("最低生活保障", MONTHS[:9], lambda p: p.birth.year < 2000), "legacy15")
    # rows the loader must quarantine
    spoil(pick("困难残疾人生活补贴", pred=digits_only), "checksum")
    spoil(pick("重度残疾人护理补贴"), "missing_id")
    spoil(pick("城乡居民基本养老保险", MONTHS[11:]), "bad_month")
    spoil(pick("最低生活保障", MONTHS[:9]), "bad_amount")
    # ID numbers that went through a numeric Excel cell: one the register recovers, one it cannot
    spoil(pick("特困人员供养", pred=digits_only), "number_registered")
    # a new recipient from December whose 户籍 is in 柯城区: not in this county's register
    birth = dt.date(1957, 9, 23)
    id_number = next(i for seq in range(340, 400, 2) if not (i := make_id("330802", birth, seq)).endswith("X"))
    stranger = Person(id_number, s.name(), "女", birth, "", "", *HEPING)
    late = Payment(stranger, "困难残疾人生活补贴", LAST, RATE["困难残疾人生活补贴"], LAST.replace(day=10), "新增")
    s.payments.append(late)
    spoil(late, "number_unregistered")
    # the minority name, written with another separator dot in each file
    for x in (x for x in s.payments if x.person is ayi):
        x.cells["name"] = ayi.name.replace("·", "•")
        x.mark = Mark("loaded", "NORMALISED", "姓名分隔点写作 •（U+2022），户籍为 ·", "name", ayi.name)
    car = next(v for v in s.vehicles if v.owner is ayi)
    car.cells["name"] = ayi.name.replace("·", ".")
    car.mark = Mark("loaded", "NORMALISED", "姓名分隔点写作半角句点 .，户籍为 ·", "name", ayi.name)
    for v in (v for v in s.vehicles if v.owner.name == "刘䶮"):
        v.mark = Mark("loaded", "NORMALISED", "䶮（U+4DAE）不在 GBK 中：文件须按 GB18030 解码，姓名原样保留", "name", "刘䶮")
    # the 组织部 roster pads two-character names to the width of three (张　三)
    for post in s.posts:
        if post.roster == "村干部" and len(post.person.name) == 2:
            post.cells["name"] = post.person.name[0] + "\u3000" + post.person.name[1]
            post.mark = Mark("loaded", "NORMALISED", "两字姓名中间以全角空格（U+3000）补齐", "name", post.person.name)
    # one 合计 is 100 yuan more than its rows (the November 低保 sheet)
    s.misstated_totals[("最低生活保障", MONTHS[10])] = 100


def spoil(pay: Payment, how: str) -> None:
    """Write one payment row the way a clerk or Excel damages it, and say what the loader must do."""
    p, i = pay.person, pay.person.id_number
    if how == "fullwidth":
        pay.cells["id"] = i.translate(FULLWIDTH)
        pay.mark = Mark("loaded", "NORMALISED", "身份证号为全角数字（含全角 Ｘ）", "id_number", i)
    elif how == "zero_width":
        pay.cells["id"] = "\u200b" + i
        pay.mark = Mark("loaded", "NORMALISED", "身份证号前有零宽空格 U+200B（从网页复制）", "id_number", i)
    elif how == "padded_name":
        pay.cells["name"] = p.name[0] + "\u3000" + p.name[1]
        pay.mark = Mark("loaded", "NORMALISED", "两字姓名中间以全角空格（U+3000）补齐", "name", p.name)
    elif how == "historical_code":
        pay.mark = Mark("loaded", "NORMALISED", "历史县级代码 332427（1981–1985 年常山县），号码有效，原样保留", "id_number", i)
    elif how == "times_x":
        pay.cells["id"] = i[:-1] + "×"
        pay.mark = Mark("loaded", "NORMALISED", "校验位 X 写成乘号 ×（输入法）", "id_number", i)
    elif how == "spaces":
        pay.cells["id"] = f"{i[:6]} {i[6:14]} {i[14:]}"
        pay.mark = Mark("loaded", "NORMALISED", "身份证号按 6-8-4 位用空格分隔", "id_number", i)
    elif how == "lower_x":
        pay.cells["id"] = i[:-1] + "x"
        pay.mark = Mark("loaded", "NORMALISED", "校验位写成小写 x", "id_number", i)
    elif how == "apostrophe":
        pay.cells["id"] = "'" + i
        pay.mark = Mark("loaded", "NORMALISED", "身份证号前带英文单引号（强制文本格式的残留）", "id_number", i)
    elif how == "legacy15":
        pay.cells["id"] = i[:6] + i[8:17]
        pay.mark = Mark("loaded", "NORMALISED", "15 位旧身份证号，升位为 18 位", "id_number", i)
    elif how == "checksum":
        j = next(k for k in (14, 13, 12, 11) if i[k] != i[k + 1])
        bad = i[:j] + i[j + 1] + i[j] + i[j + 2:]
        assert check_char(bad[:17]) != bad[17]
        pay.cells["id"] = bad
        pay.mark = Mark("quarantined", "ID_CHECKSUM_FAIL", f"第 {j + 1}、{j + 2} 位颠倒，校验位不符", "id_number")
    elif how == "missing_id":
        pay.cells["id"] = ""
        pay.mark = Mark("quarantined", "MISSING_ID", "身份证号为空", "id_number")
    elif how == "bad_month":
        pay.cells["month"] = "2020.13"
        pay.mark = Mark("quarantined", "BAD_MONTH", "发放年月录为 2020.13（应为 2020.12）", "entitlement_month")
    elif how == "bad_amount":
        pay.cells["amount"] = "#VALUE!"
        pay.mark = Mark("quarantined", "BAD_AMOUNT", "金额为 Excel 错误值 #VALUE!（另存为 CSV 时公式出错）", "amount_yuan")
    elif how == "number_registered":
        pay.cells["id"] = int(i[:15]) * 1000
        pay.mark = Mark("loaded", "RECOVERED", "身份证号存为数值单元格（只剩 15 位有效数字）；户籍中前 14 位 + 姓名唯一匹配，可还原",
                        "id_number", i)
    elif how == "number_unregistered":
        pay.cells["id"] = int(i[:15]) * 1000
        pay.mark = Mark("quarantined", "ID_PRECISION_LOST", "身份证号存为数值单元格（只剩 15 位有效数字）；此人不在户籍库中，无法还原",
                        "id_number")
    else:
        raise ValueError(how)


# ---- R02–R15: each rule's planted cases and traps, in households of their own --------------------------
# Planted after every role (cadre, case worker, official, car, business, land) and every damaged row has
# been given out, so none of those lands on a planted person. Everyone below is new and paid only what
# their scenario says; entitlement months are 2020 and every programme's ledgers run to December.

def plant_r02(s: Sample, e: Person) -> None:
    """R02 两项补贴"一停一发": a dead recipient of both subsidies; one stopped within a month of the death
    month, the other was paid two or more months past it. The case is the subsidy that went on."""
    # (a) R01's E: 生活补贴 stopped with the death in July, 护理补贴 ran on August–November
    s.plant("R02", "flag", e, CARE, "生活补贴死亡当月（7月）停发，护理补贴死亡后继续发放 4 个月", 4, 4 * 180,
            MONTHS[7], MONTHS[10])
    # (b) died 2020-04-16: 护理补贴 stopped in April, 生活补贴 ran on May–December (also R01)
    b = s.single(XIWU, "女", dt.date(1961, 5, 23))
    s.pay(b, LIVING, MONTHS[0], LAST)
    s.pay(b, CARE, MONTHS[0], MONTHS[3])
    s.die(b, dt.date(2020, 4, 16), ["卫健死亡证明", "民政火化"])
    s.plant("R02", "flag", b, LIVING, "护理补贴死亡当月（4月）停发，生活补贴死亡后继续发放 8 个月，至数据截止月仍在发放",
            8, 8 * 270, MONTHS[4], LAST)
    s.plant("R01", "flag", b, LIVING, "死亡后继续发放 8 个月（两项补贴一停一发）", 8, 8 * 270, MONTHS[4], LAST)
    s.plant("R01", "none", b, CARE, "护理补贴已于死亡当月停发")
    # trap: both stopped with the death in June
    t = s.single(HEPING, "男", dt.date(1958, 11, 2))
    s.pay(t, LIVING, MONTHS[0], MONTHS[5])
    s.pay(t, CARE, MONTHS[0], MONTHS[5])
    s.die(t, dt.date(2020, 6, 9), ["公安注销", "民政火化"])
    s.plant("R02", "none", t, CARE, "两项补贴均于死亡当月（6月）停发")
    # trap: 生活补贴 stopped in March when the household left 低保, three months before the death in June;
    # 护理补贴 ran on July–September: an ordinary R01 case, not R02
    t = s.single(DONGKENG, "男", dt.date(1966, 2, 17))
    s.pay(t, LIVING, MONTHS[0], MONTHS[2])
    s.pay(t, CARE, MONTHS[0], MONTHS[8])
    s.die(t, dt.date(2020, 6, 21), ["公安注销"])
    s.plant("R02", "none", t, CARE, "生活补贴在死亡前 3 个月（3月，退出低保）已停发，不属一停一发；护理补贴多发属 R01")
    s.plant("R01", "flag", t, CARE, "死亡后继续发放 3 个月（生活补贴早于死亡停发）", 3, 3 * 180, MONTHS[6], MONTHS[8])
    # trap: 护理补贴 paid one month past the death in September (reporting lag): R01 low, not R02
    t = s.single(XIWU, "女", dt.date(1970, 8, 30))
    s.pay(t, LIVING, MONTHS[0], MONTHS[8])
    s.pay(t, CARE, MONTHS[0], MONTHS[9])
    s.die(t, dt.date(2020, 9, 12), ["卫健死亡证明"])
    s.plant("R02", "none", t, CARE, "护理补贴死亡后只多发 1 个月（报送时差），不属一停一发")
    s.plant("R01", "flag", t, CARE, "死亡后多发 1 个月（报送时差）", 1, 180, MONTHS[9], MONTHS[9])


def plant_r03(s: Sample) -> None:
    """R03 迁出后继续领取: the register shows the recipient 迁出 with a 变动日期 and a 迁往地. The two
    subsidies stop on a move out of 浙江省, 低保 and 特困 on a move out of 常山县, pensions never; a move
    into a care institution is no move away. Paid months after the month of the move are flagged."""
    def move(p: Person, on: dt.date, to: str) -> None:
        p.status, p.change_on, p.destination = "迁出", on, to

    a = s.single(DONGKENG, "男", dt.date(1975, 3, 14))
    s.pay(a, LIVING, MONTHS[0], LAST)
    move(a, dt.date(2020, 5, 12), "江西省上饶市玉山县")
    s.plant("R03", "flag", a, LIVING, "5 月迁往江西省上饶市玉山县（出省），生活补贴继续发放 7 个月", 7, 7 * 270, MONTHS[5], LAST)
    b = s.single(HEPING, "女", dt.date(1963, 9, 8))
    s.pay(b, DIBAO, MONTHS[0], MONTHS[8], amount=750, household_size=1)
    move(b, dt.date(2020, 6, 18), "衢州市柯城区")
    s.plant("R03", "flag", b, DIBAO, "6 月迁往衢州市柯城区（出县），低保继续发放 3 个月", 3, 3 * 750, MONTHS[6], MONTHS[8])
    # traps: 护理补贴 moving inside the province; a pension moving out of it; 低保 moving inside the
    # county; 低保 moving into a care home of another county
    t = s.single(XIWU, "男", dt.date(1969, 1, 26))
    s.pay(t, CARE, MONTHS[0], LAST)
    move(t, dt.date(2020, 4, 7), "衢州市柯城区")
    s.plant("R03", "none", t, CARE, "护理补贴：迁往衢州市柯城区，仍在省内，不停发")
    t = s.single(DONGKENG, "女", dt.date(1948, 7, 5))
    s.pay(t, PENSION, MONTHS[0], LAST)
    move(t, dt.date(2020, 3, 25), "安徽省黄山市歙县")
    s.plant("R03", "none", t, PENSION, "城乡居民养老金随人转移，迁出省外也不停发")
    t = s.single(HEPING, "男", dt.date(1971, 10, 3))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    move(t, dt.date(2020, 5, 6), "常山县球川镇")
    s.plant("R03", "none", t, DIBAO, "低保：县内迁移（天马街道迁往球川镇），不停发")
    t = s.single(XIWU, "女", dt.date(1940, 12, 19))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    move(t, dt.date(2020, 7, 15), "衢州市柯城区社会福利院")
    s.plant("R03", "none", t, DIBAO, "迁入供养机构（柯城区社会福利院），仍可享受")


def plant_r04(s: Sample) -> None:
    """R04 重复享受: one programme (and sub-type) paid more than once for one entitlement month, net of
    corrections; the excess is the month's net amount beyond its largest single payment."""
    rng = s.rng
    # 江山市's list: its own pensioners (IDs 330881…, not in 常山's register) …
    for i, town in enumerate(["双塔街道", "虎山街道", "贺村镇", "清湖街道", "峡口镇", "贺村镇", "双塔街道", "峡口镇"]):
        sex = "男" if i % 2 else "女"
        birth = dt.date(rng.randint(1936, 1959), rng.randint(1, 12), rng.randint(1, 28))
        q = Person(make_id("330881", birth, 500 + 2 * i + (sex == "男")), s.name(), sex, birth, "", "", town, "")
        amount = rng.choice([245, 260, 275, 310])
        s.elsewhere += [Payment(q, PENSION, m, amount, m.replace(day=15)) for m in MONTHS]
    # … and a 常山 pensioner it also paid March–August
    a = s.single(DONGKENG, "男", dt.date(1953, 4, 27))
    s.pay(a, PENSION, MONTHS[0], LAST)
    s.elsewhere += [Payment(a, PENSION, m, 245, m.replace(day=15), place=("贺村镇", "")) for m in MONTHS[2:8]]
    s.plant("R04", "flag", a, PENSION, "江山市名册 3–8 月也发放（跨县重复）", 6, 6 * 245, MONTHS[2], MONTHS[7])
    # 残联 listed one recipient twice for May
    b = s.single(HEPING, "女", dt.date(1968, 12, 1))
    s.pay(b, LIVING, MONTHS[0], LAST)
    s.payments.append(Payment(b, LIVING, MONTHS[4], 270, MONTHS[4].replace(day=10)))
    s.plant("R04", "flag", b, LIVING, "残联名册 5 月同一人列入两次", 1, 270, MONTHS[4], MONTHS[4])
    # trap: March missed, paid in April beside April's payment (补发3月): two entitlement months
    t = s.single(XIWU, "男", dt.date(1972, 6, 15))
    s.pay(t, LIVING, MONTHS[0], MONTHS[1])
    s.pay(t, LIVING, MONTHS[3], LAST)
    s.payments.append(Payment(t, LIVING, MONTHS[2], 270, dt.date(2020, 4, 10), "补发3月"))
    s.plant("R04", "none", t, LIVING, "4 月同时发放 4 月和补发的 3 月，所属期不同，不是重复")
    # trap: both subsidies every month: two programmes
    t = s.single(DONGKENG, "女", dt.date(1959, 3, 9))
    s.pay(t, LIVING, MONTHS[0], LAST)
    s.pay(t, CARE, MONTHS[0], LAST)
    s.plant("R04", "none", t, LIVING, "同月领取生活补贴和护理补贴，是两个项目，不是重复")
    # trap: May's pension paid twice, the second payment reversed in June
    t = s.single(HEPING, "男", dt.date(1949, 9, 21))
    s.pay(t, PENSION, MONTHS[0], LAST)
    s.payments.append(Payment(t, PENSION, MONTHS[4], 245, MONTHS[4].replace(day=10), "重复发放"))
    s.payments.append(Payment(t, PENSION, MONTHS[4], -245, dt.date(2020, 6, 10), "冲正重复发放5月"))
    s.plant("R04", "none", t, PENSION, "5 月重复发放的一笔已冲正，净额为一笔")


def plant_r05(s: Sample) -> None:
    """R05 互斥待遇同时享受: both sides of an exclusive pair paid for the same months (特困 × 生活补贴,
    特困 × 护理补贴, 特困 × 低保, 城市低保 × 农村低保); the suggested excess is the smaller side's total."""
    a = s.single(XIWU, "男", dt.date(1945, 11, 8))
    s.pay(a, TEKUN, MONTHS[0], LAST, sub_type="分散供养", day=5)
    s.pay(a, LIVING, MONTHS[2], MONTHS[7])
    s.plant("R05", "flag", a, f"{TEKUN}、{LIVING}", "特困供养全年，3–8 月又领生活补贴", 6, 6 * 270, MONTHS[2], MONTHS[7])
    # rural 低保 for a household of two in 东坑村 to August; from May also urban 低保 in 和平社区 for himself
    # alone (the 低保类型 column of the January–September list says which)
    y, _ = s.couple(DONGKENG, dt.date(1964, 2, 28), dt.date(1966, 10, 4))
    s.pay(y, DIBAO, MONTHS[0], MONTHS[7], amount=2 * 750, household_size=2)
    s.pay(y, DIBAO, MONTHS[4], LAST, amount=750, household_size=1, place=HEPING)
    s.plant("R05", "flag", y, "城市低保、农村低保", "东坑村农村低保（两人户）发至 8 月，5 月起又在和平社区领城市低保（一人户）",
            4, 4 * 750, MONTHS[4], MONTHS[7])
    s.plant("R04", "none", y, DIBAO, "同月的城市低保和农村低保是两个类别：属 R05，不是 R04 的重复")
    # trap: 低保 to June, 特困 from June: the hand-over month only
    t = s.single(HEPING, "女", dt.date(1942, 4, 17))
    s.pay(t, DIBAO, MONTHS[0], MONTHS[5], amount=750, household_size=1)
    s.pay(t, TEKUN, MONTHS[5], LAST, sub_type="分散供养", day=5)
    s.plant("R05", "none", t, f"{TEKUN}、{DIBAO}", "6 月低保停发、特困供养开始，仅交接当月重叠")
    # trap: 特困 and a pension: not an exclusive pair
    t = s.single(DONGKENG, "男", dt.date(1939, 8, 2))
    s.pay(t, TEKUN, MONTHS[0], LAST, sub_type="分散供养", day=5)
    s.pay(t, PENSION, MONTHS[0], LAST)
    s.plant("R05", "none", t, f"{TEKUN}、{PENSION}", "特困供养与城乡居民养老金可以同时享受")


def plant_r13(s: Sample) -> tuple[Person, str]:
    """R13 查无此人: a payee whose valid ID number is in no register and no death record, paid in a county
    the register covers (常山县). Returns the payee whose ledgers use the historical county code (and that
    code's number) for R15's trap."""
    registered = {p.id_number for p in s.people}

    def ghost(place, sex: str, birth: dt.date, seq: int) -> Person:
        p = Person(make_id(COUNTY[0], birth, seq), s.name(), sex, birth, "", "", *place)
        assert p.id_number not in registered
        return p

    g = ghost(HEPING, "男", dt.date(1967, 7, 19), 935)
    s.pay(g, LIVING, MONTHS[3], LAST)
    next(x for x in s.payments if x.person is g).remark = "新增"
    s.plant("R13", "flag", g, LIVING, "户籍和死亡记录中都没有此号码，4 月起领生活补贴", 9, 9 * 270, MONTHS[3], LAST)
    g = ghost(DONGKENG, "女", dt.date(1944, 2, 11), 962)
    s.pay(g, TEKUN, MONTHS[0], LAST, sub_type="分散供养", day=5)
    s.plant("R13", "flag", g, TEKUN, "户籍和死亡记录中都没有此号码，全年领特困供养", 12, 12 * 975, MONTHS[0], LAST)
    # trap: the pension list still carries the 15-digit number (the loader upgrades it)
    a = s.single(XIWU, "男", dt.date(1950, 1, 30))
    s.pay(a, PENSION, MONTHS[0], LAST)
    for x in (x for x in s.payments if x.person is a):
        spoil(x, "legacy15")
    s.plant("R13", "none", a, PENSION, "人社名册为 15 位旧号，升位后即户籍中的号码")
    # trap: the 护理补贴 list has the number issued under 332427 (常山县 of 金华地区, 1981–1985); the register
    # the same digits 7–17 under 330822, so the check character differs
    b = s.single(DONGKENG, "女", dt.date(1952, 8, 14))
    body = "332427" + b.id_number[6:17]
    hist = body + check_char(body)
    assert hist[-1] != b.id_number[-1]
    s.pay(b, CARE, MONTHS[0], LAST)
    for x in (x for x in s.payments if x.person is b):
        x.cells["id"] = hist
    s.plant("R13", "none", b, CARE, "护理补贴名册用历史县级代码 332427，户籍为 330822，第 7–17 位和姓名相同：同一人",
            id_number=hist)
    # trap: a 江山 payee, not in 常山's register: outside what the register covers
    s.plant("R13", "none", s.elsewhere[0].person, PENSION, "江山市名册上的江山人，不在本县户籍覆盖范围内")
    # (the 残联 row whose ID fails its check character is quarantined at load: a data error, not a ghost;
    # it is in planted_rows.csv as ID_CHECKSUM_FAIL)
    return b, hist


def plant_r15(s: Sample, t3: Person, historical: tuple[Person, str]) -> None:
    """R15 身份冲突: (a) one ID number under different names across sources; (b) one person in two active
    households; (c) one name, birth date and sex under two ID numbers in one village. A data-quality
    case: months and amounts are left empty."""
    # (a) R01's T3: the 公安 death record carries his ID under another name
    s.plant("R15", "flag", t3, "", "(a) 同一身份证号：户籍和生活补贴名册为本人，公安注销（死亡）记录为另一姓名（重号）", None, None)
    # (b) registered in his own household in 东坑村 and in his daughter's in 和平社区, both 正常
    r = s.single(DONGKENG, "男", dt.date(1956, 5, 2))
    _, daughter = s.couple(HEPING, dt.date(1979, 3, 11), dt.date(1981, 7, 25), wife_name=s.name(r.name[0]))
    daughter.father = r.id_number
    s.second_rows.append(replace(r, household_no=daughter.household_no, relation="岳父", township=HEPING[0],
                                 village=HEPING[1]))
    s.pay(r, PENSION, MONTHS[0], LAST)
    s.plant("R15", "flag", r, "", "(b) 东坑村本人户和和平社区女儿户中都登记，两处人口状态均为正常（一人多户）", None, None)
    s.plant("R04", "none", r, PENSION, "户籍中登记两次，每月只领一笔养老金，不是重复发放")
    # (c) one man registered twice in 西坞村 under two numbers; his pension goes to the second
    q = s.single(XIWU, "男", dt.date(1954, 12, 6))
    q2 = s.person("男", q.birth, s.new_household(), "户主", XIWU, name=q.name)
    s.pay(q2, PENSION, MONTHS[0], LAST)
    s.plant("R15", "flag", q2, "", f"(c) 西坞村两个户号下同名、同出生日期、同性别，号码不同（另一号 {q.id_number}），养老金发到此号",
            None, None)
    # trap: twin brothers in one household
    t1 = s.single(DONGKENG, "男", dt.date(1951, 6, 12))
    t2 = s.person("男", t1.birth, t1.household_no, "弟", DONGKENG, surname=t1.name[0])
    for t in (t1, t2):
        s.pay(t, PENSION, MONTHS[0], LAST)
        s.plant("R15", "none", t, "", "(c) 双胞胎兄弟：同户、同出生日期、同性别，姓名不同", None, None)
    # trap: two women of one name in 和平社区, born eight years apart
    n1 = s.single(HEPING, "女", dt.date(1947, 3, 3))
    n2 = s.person("女", dt.date(1955, 10, 19), s.new_household(), "户主", HEPING, name=n1.name)
    for n in (n1, n2):
        s.pay(n, PENSION, MONTHS[0], LAST)
        s.plant("R15", "none", n, "", "(c) 同村同名，出生日期不同：两个人", None, None)
    # trap: married from 西坞村 into 东坑村: the old row 迁出, the new one 正常
    h = s.single(DONGKENG, "男", dt.date(1955, 9, 9))
    m = s.single(XIWU, "女", dt.date(1958, 4, 20))
    m.status, m.change_on, m.destination = "迁出", dt.date(2019, 11, 20), "常山县球川镇东坑村"
    s.second_rows.append(replace(m, household_no=h.household_no, relation="妻", township=DONGKENG[0],
                                 village=DONGKENG[1], status="正常", change_on=None, destination=None,
                                 spouse=h.id_number))
    h.spouse = m.id_number
    s.pay(m, PENSION, MONTHS[0], LAST)
    s.plant("R15", "none", m, "", "(b) 原户迁出、新户正常：合法迁移，不是一人多户", None, None)
    # trap: R13's payee under the historical county code is the registered person, not a second number
    b, hist = historical
    s.plant("R15", "none", b, "", "(c) 历史县级代码 332427 与户籍 330822 的号码第 7–17 位、姓名相同：同一人，不是一人两号",
            None, None, id_number=hist)


# ---- R07–R14: cases and traps of the rules on households, cadres, projects, compensation and accounts -----
# Each scenario is a fresh household (or a fresh relative of a rostered cadre) so that only the rule it is
# planted for fires; the register links people across households through the father/mother/spouse ID
# columns, as kinship.sql reads them.

def _post(s: Sample, post: str, place=None, township: str | None = None, ended: bool = False) -> Post:
    """The one post of that name in a village (村干部) or township (低保经办人员)."""
    hits = [p for p in s.posts if p.post == post and (place is None or (p.township, p.village) == place)
            and (township is None or p.township == township) and (p.end_on is not None) == ended]
    assert len(hits) == 1, (post, place, township, hits)
    return hits[0]


def _add_post(s: Sample, post: Post) -> None:
    """A cadre added to the 组织部 roster, two-character names padded like everyone else's there."""
    if len(post.person.name) == 2:
        post.cells["name"] = post.person.name[0] + "\u3000" + post.person.name[1]
        post.mark = Mark("loaded", "NORMALISED", "两字姓名中间以全角空格（U+3000）补齐", "name", post.person.name)
    s.posts.append(post)


def _person(s: Sample, id_number: str) -> Person:
    return next(p for p in s.people if p.id_number == id_number)


def _member(s: Sample, head: Person, sex: str, birth: dt.date, relation: str) -> Person:
    """A child of a one-person household's head, registered in the head's household."""
    c = s.person(sex, birth, head.household_no, relation, (head.township, head.village),
                 head.name[0] if sex == "男" and head.sex == "男" else None)
    c.father, c.mother = (head.id_number, None) if head.sex == "男" else (None, head.id_number)
    return c


def _staff(s: Sample, p: Person, unit: str, status: str = "在职", start: dt.date = dt.date(2005, 8, 1),
           end: dt.date | None = None) -> None:
    unit_type, staff_type = (("事业单位", "事业编制") if any(w in unit for w in ("院", "校", "中心", "站"))
                             else ("行政单位", "行政编制"))
    s.staff.append(Staff(p, unit, unit_type, staff_type, status, start, end, s.rng.randrange(5200, 8800, 50)))


def _year(s: Sample, p: Person, programme: str, **kw) -> tuple[int, float]:
    """Pay a programme all year; (months, amount) as a case would count them."""
    s.pay(p, programme, MONTHS[0], LAST, **kw)
    return 12, 12 * kw.get("amount", RATE[programme])


def plant_r07(s: Sample) -> None:
    """R07 财政供养人员家庭享受低保: a 低保 recipient, or someone in the recipient's household (户号), is on the
    public payroll (在职) during the paid months. The recipient themself → high; another member → medium."""
    # a widow on 低保 (insured alone) whose son, in her household, is a civil servant of the 水利局
    a = s.single(HEPING, "女", dt.date(1949, 2, 17))
    son = _member(s, a, "男", dt.date(1976, 10, 5), "子")
    _staff(s, son, "常山县水利局", start=dt.date(1998, 8, 1))
    n, amount = _year(s, a, DIBAO, amount=750, household_size=1)
    s.plant("R07", "flag", a, DIBAO, f"同户的儿子{son.name}是常山县水利局在职公务员，低保全年发放", n, amount, MONTHS[0], LAST)
    # a nurse on the payroll of the 球川镇卫生院 who draws 低保 herself
    b = s.single(DONGKENG, "女", dt.date(1982, 6, 23))
    _staff(s, b, "常山县球川镇卫生院", start=dt.date(2016, 8, 1))
    n, amount = _year(s, b, DIBAO, amount=750, household_size=1)
    s.plant("R07", "flag", b, DIBAO, "受助人本人是球川镇卫生院在编在职人员（财政供养），同时领取低保",
            n, amount, MONTHS[0], LAST)
    # trap: the son resigned from the payroll in 2018, before any paid month
    t = s.single(XIWU, "男", dt.date(1948, 4, 2))
    son = _member(s, t, "男", dt.date(1979, 12, 14), "子")
    _staff(s, son, "常山县球川镇农业综合服务中心", "辞职", dt.date(2001, 8, 1), dt.date(2018, 9, 30))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R07", "none", t, DIBAO, f"同户的儿子{son.name}已于 2018 年 9 月辞职离开财政供养，低保月份都在其后")
    # trap: a severely disabled man insured alone (重残单独施保, written in the 备注 of the October–December
    # 低保 lists; the January–September CSV has no such column); his son in the household is a civil
    # servant, which does not count against him
    t = s.single(DONGKENG, "男", dt.date(1955, 1, 28))
    son = _member(s, t, "男", dt.date(1981, 3, 9), "子")
    _staff(s, son, "常山县市场监督管理局", start=dt.date(2004, 8, 1))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.pay(t, CARE, MONTHS[0], LAST)
    for x in (x for x in s.payments if x.person is t and x.programme == DIBAO and x.month >= MONTHS[9]):
        x.remark = "重残单独施保"
    s.plant("R07", "none", t, DIBAO, f"重残单独施保（低保名册备注），同户儿子{son.name}在职不影响其单独施保")


def plant_r08(s: Sample) -> None:
    """R08 低保家庭有车: a member of a 低保 household (户号) owns a vehicle in 正常 status during paid months;
    disabled persons' vehicles are exempt, and a car sold or scrapped before the months does not count."""
    rng = s.rng
    # a 低保 household whose son bought a car in 2019
    a = s.single(XIWU, "男", dt.date(1953, 9, 12))
    son = _member(s, a, "男", dt.date(1983, 2, 26), "子")
    s.vehicles.append(Vehicle(son, _plate(rng), "小型汽车", "小型轿车", "非营运", dt.date(2019, 4, 16)))
    n, amount = _year(s, a, DIBAO, amount=750, household_size=1)
    s.plant("R08", "flag", a, DIBAO, f"同户的儿子{son.name}名下小型轿车 2019 年 4 月登记，状态正常", n, amount, MONTHS[0], LAST)
    # trap: his own car, sold (转移) in August 2019
    t = s.single(HEPING, "男", dt.date(1960, 11, 30))
    s.vehicles.append(Vehicle(t, _plate(rng), "小型汽车", "小型轿车", "非营运", dt.date(2011, 7, 5), "转移",
                              dt.date(2019, 8, 23)))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R08", "none", t, DIBAO, "名下轿车已于 2019 年 8 月转移登记（卖出），低保月份都在其后")
    # trap: a severely disabled recipient's car adapted for disabled drivers (exempt). (阿依古丽·买买提's
    # adapted car is in the file too; her household gets no 低保.)
    t = s.single(DONGKENG, "男", dt.date(1974, 5, 19))
    s.vehicles.append(Vehicle(t, _plate(rng), "小型汽车", "残疾人专用小型自动挡载客汽车", "非营运", dt.date(2019, 6, 18)))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.pay(t, CARE, MONTHS[0], LAST)
    s.plant("R08", "none", t, DIBAO, "名下为残疾人专用小型自动挡载客汽车（2019 年登记），属豁免车型")


def plant_r09(s: Sample) -> None:
    """R09 低保家庭成员登记经营主体: a member of a 低保 household (户号) is behind a business that is live
    during paid months; one cancelled before them does not count."""
    rng = s.rng
    # a couple on 低保 (two insured); the wife runs a breakfast stall registered as a 个体工商户
    a, wife = s.couple(HEPING, dt.date(1959, 8, 3), dt.date(1961, 12, 20))
    s.businesses.append(Business(credit_code("2", COUNTY[0], org_code(rng)), f"常山县天马街道{wife.name}早餐店", "个体工商户", "存续",
                                 dt.date(2017, 5, 8), None, "", HEPING[0], f"常山县{HEPING[0]}{HEPING[1]}18号",
                                 [("经营者", wife)]))
    n, amount = _year(s, a, DIBAO, amount=2 * 750, household_size=2)
    s.plant("R09", "flag", a, DIBAO, f"同户的妻子{wife.name}是存续个体工商户（早餐店）的经营者", n, amount, MONTHS[0], LAST)
    # trap: his own grocery, cancelled (注销) in May 2019
    t = s.single(DONGKENG, "男", dt.date(1963, 7, 7))
    s.businesses.append(Business(credit_code("2", COUNTY[0], org_code(rng)), f"常山县球川镇{t.name}杂货店", "个体工商户", "注销",
                                 dt.date(2013, 3, 11), dt.date(2019, 5, 30), "", DONGKENG[0],
                                 f"常山县{DONGKENG[0]}{DONGKENG[1]}52号", [("经营者", t)]))
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R09", "none", t, DIBAO, "本人经营的杂货店已于 2019 年 5 月注销，低保月份都在其后")


def plant_r10(s: Sample) -> None:
    """R10 优亲厚友: a relative (民法典 近亲属, from the register) of a village cadre (same village) or a 低保
    case worker (same township) receives assistance during the term and was not filed before the first
    paid month."""
    # the headline case: 西坞村's party secretary's father lives alone (分户) on 低保; the secretary's
    # register row names him in the father column; nobody filed it
    sec = _post(s, "村党组织书记", XIWU).person
    assert sec.father is None
    father = s.single(XIWU, "男", dt.date(sec.birth.year - 26, 3, 9), surname=sec.name[0])
    sec.father = father.id_number
    n, amount = _year(s, father, DIBAO, amount=750, household_size=1)
    s.plant("R10", "flag", father, DIBAO, f"西坞村党组织书记{sec.name}的父亲（分户，户籍父亲身份证号关联），同村享受低保，未备案",
            n, amount, MONTHS[0], LAST)
    # 球川镇's 低保经办人's brother (the same father ID number in both rows) draws 特困 in 东坑村
    worker = _post(s, "低保经办人", township="球川镇").person
    assert worker.father
    brother = s.single(DONGKENG, "男", dt.date(1978, 11, 3), surname=_person(s, worker.father).name[0])
    brother.father, brother.mother = worker.father, worker.mother
    n, amount = _year(s, brother, TEKUN, sub_type="分散供养", day=5)
    s.plant("R10", "flag", brother, TEKUN, f"球川镇低保经办人{worker.name}的兄弟（父亲身份证号相同），同镇东坑村享受特困供养，未备案",
            n, amount, MONTHS[0], LAST)
    # found by the rule in the population as drawn (not planted on purpose): 天马街道's 民政助理员 lives in
    # the household of his father, who draws 护理补贴; nobody filed it
    clerk = _post(s, "民政助理员", township="天马街道").person
    dad = _person(s, clerk.father)
    paid = [x for x in s.payments if x.person is dad and x.programme == CARE]
    assert len(paid) == 12 and not [x for x in s.payments if x.person is dad and x.programme != CARE]
    # (related three ways: the father ID column, the household relation and the shared household; counted once)
    s.plant("R10", "flag", dad, CARE, f"天马街道民政助理员{clerk.name}的父亲（同户，户籍父亲身份证号），享受护理补贴，未备案"
            "（抽样人口中自然出现，非专门植入）", len(paid), sum(x.amount for x in paid), MONTHS[0], LAST)
    # traps: the two filed relatives (filed before their first paid month)
    for k in s.kin_filings:
        s.plant("R10", "none", k.recipient, k.programme,
                f"{k.post.post}{k.post.person.name}的{k.relation}，{k.filed_on:%Y-%m-%d} 已备案，早于首次发放")
    # trap: 西坞村's former 报账员 (term ended 2019-06-30); his father on 低保 in 2020
    old = _post(s, "村报账员", XIWU, ended=True)
    assert old.person.father is None and old.end_on.year == 2019
    t = s.single(XIWU, "男", dt.date(old.person.birth.year - 25, 10, 1), surname=old.person.name[0])
    old.person.father = t.id_number
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R10", "none", t, DIBAO, f"原西坞村报账员{old.person.name}的父亲：其任职已于 2019-06-30 结束，早于 2020 年的低保")
    # trap: only the surname of 东坑村's secretary, no kinship in the register
    sec = _post(s, "村党组织书记、村民委员会主任", DONGKENG).person
    t = s.single(DONGKENG, "女", dt.date(1950, 5, 6), surname=sec.name[0])
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R10", "none", t, DIBAO, f"与东坑村书记{sec.name}同姓同村，户籍中无亲属关系")
    # trap: 西坞村's 监委主任's mother, on 低保 in another village (东坑村)
    cadre = _post(s, "村务监督委员会主任", XIWU).person
    assert cadre.mother is None
    t = s.single(DONGKENG, "女", dt.date(cadre.birth.year - 24, 12, 12))
    cadre.mother = t.id_number
    s.pay(t, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.plant("R10", "none", t, DIBAO, f"西坞村监委主任{cadre.name}的母亲，在外村（东坑村）享受低保")


def _project(s: Sample, place, name: str, procurement: str, business: Business, amount: float, signed: dt.date) -> Project:
    account = "3305016" + "".join(s.rng.choice("0123456789") for _ in range(13))
    p = Project(name, place[0], place[1], procurement, business.name, business.credit_code, amount, signed, amount, account)
    s.projects.append(p)
    return p


def plant_r11(s: Sample) -> None:
    """R11 村干部关联主体承揽本村工程: the legal representative, shareholder or operator of a village project's
    contractor is a cadre of that village or a close relative, and the contract was signed in the term."""
    rng = s.rng
    # 西坞村's 村民委员会主任 remarried in 2016: his wife (spouse ID columns) is the legal representative of
    # the nursery cooperative that got the village's greening job without tender (cf. 全椒, domain.md §4.1)
    post = _post(s, "村民委员会主任", XIWU)
    assert post.person.spouse is None
    wife = s.person("女", dt.date(1987, 2, 11), post.person.household_no, "妻", XIWU)
    wife.spouse, post.person.spouse = post.person.id_number, wife.id_number
    coop = Business(credit_code("3", COUNTY[0], org_code(rng)), "常山县西坞绿苑苗木专业合作社", "农民专业合作社", "存续",
                    dt.date(2018, 3, 20), None, "50", XIWU[0], f"常山县{XIWU[0]}{XIWU[1]}77号", [("法定代表人", wife)])
    s.businesses.append(coop)
    j = _project(s, XIWU, "西坞村2020年村庄绿化提升工程", "村级小额工程直接发包", coop, 42000, dt.date(2020, 5, 18))
    s.plant("R11", "flag", post.person, j.name, f"承包方西坞绿苑苗木专业合作社的法定代表人{wife.name}是村委会主任{post.person.name}"
            "的妻子（户籍配偶身份证号），任期内直接发包", None, j.amount, MONTHS[4], MONTHS[4])
    # trap: 东坑村's 监委主任's son (same household) runs a plumbing business that took a job in 西坞村
    post = _post(s, "村务监督委员会主任", DONGKENG)
    son = next(p for p in s.people if p.household_no == post.person.household_no and p.relation == "子"
               and p.birth.year <= 1996)
    shop = Business(credit_code("2", COUNTY[0], org_code(rng)), f"常山县球川镇{son.name}水电安装部", "个体工商户", "存续",
                    dt.date(2018, 4, 10), None, "", DONGKENG[0], f"常山县{DONGKENG[0]}{DONGKENG[1]}9号", [("经营者", son)])
    s.businesses.append(shop)
    j = _project(s, XIWU, "西坞村山塘加固工程", "询价", shop, 36500, dt.date(2020, 7, 22))
    s.plant("R11", "none", post.person, j.name, f"东坑村监委主任{post.person.name}之子{son.name}的水电安装部承揽的是外村（西坞村）工程")
    # trap: a builder's merchant elected to 东坑村's 村委会 in a by-election (补选) on 2020-08-20, after his
    # shop's contract of 2020-06-05
    cadre, _ = s.couple(DONGKENG, dt.date(1978, 4, 14), dt.date(1980, 9, 2))
    _add_post(s, Post(cadre, "村干部", "村民委员会委员", DONGKENG[0], DONGKENG[1], dt.date(2020, 8, 20), None, False,
                      _phone(rng)))
    shop = Business(credit_code("2", COUNTY[0], org_code(rng)), f"常山县球川镇{cadre.name}建材经营部", "个体工商户", "存续",
                    dt.date(2015, 6, 2), None, "", DONGKENG[0], f"常山县{DONGKENG[0]}{DONGKENG[1]}31号",
                    [("经营者", cadre)])
    s.businesses.append(shop)
    j = _project(s, DONGKENG, "东坑村垃圾中转站修缮工程", "村级小额工程直接发包", shop, 28600, dt.date(2020, 6, 5))
    s.plant("R11", "none", cadre, j.name, f"{cadre.name} 2020-08-20 补选为村委委员，合同 2020-06-05 签订在任职之前")


def plant_r12(s: Sample) -> None:
    """R12 补偿款截留少付: what an agreement owes the entitled person against what reached them or their
    household; instalments that add up, and payment to a spouse, are no case."""
    # the tower case: 10,000 due for a tower footprint, 4,000 reached the farmer
    a = s.single(DONGKENG, "男", dt.date(1957, 3, 21))
    ag = Agreement("110kV东坑线路铁塔占地补偿", "TT110-DK-001", "N07", a, 0.12, "10000元/基", 10000.0, dt.date(2020, 8, 12))
    s.agreements.append(ag)
    s.payouts.append(Payout(ag, 4000.0, dt.date(2020, 10, 16), "一次性"))
    s.plant("R12", "flag", a, ag.project, "铁塔占地补偿应付 10000 元，本人只收到 4000 元，差额 6000 元", None, 6000,
            MONTHS[9], MONTHS[9])
    # the second instalment of a road-land agreement paid to 东坑村's 报账员, not to the farmer
    b = s.single(DONGKENG, "男", dt.date(1962, 10, 8))
    clerk = _post(s, "村报账员", DONGKENG).person
    ag = Agreement("G351国道常山球川段改建工程征地补偿", "G351-QC-006", "QC-DK-57", b, 0.85, "48000元/亩", 40800.0,
                   dt.date(2020, 5, 26))
    s.agreements.append(ag)
    s.payouts.append(Payout(ag, 24480.0, dt.date(2020, 7, 15), "第一期（60%）"))
    s.payouts.append(Payout(ag, 16320.0, dt.date(2020, 11, 20), "第二期（40%）", payee=clerk))
    s.plant("R12", "flag", b, ag.project, f"第二期 16320 元付给了村报账员{clerk.name}（非本人及家人）", None, 16320,
            MONTHS[6], MONTHS[10])
    # traps: the road-land agreements paid in two instalments (60 % + 40 %) that add up
    for ag in [x for x in s.agreements if x.no.startswith("G351") and x.person is not b]:
        s.plant("R12", "none", ag.person, ag.project, f"{ag.no}：两期（60%+40%）合计 {ag.amount:.2f} 元，足额")
    # trap: the tower money paid to the entitled man's wife (same household)
    t, wife = s.couple(XIWU, dt.date(1958, 2, 2), dt.date(1960, 6, 16))
    ag = Agreement("220kV球川输变电工程铁塔占地补偿", "TT220-XW-004", "N33", t, 0.12, "8600元/基", 8600.0, dt.date(2020, 8, 14))
    s.agreements.append(ag)
    s.payouts.append(Payout(ag, 8600.0, dt.date(2020, 9, 18), "一次性（妻代领）", payee=wife))
    s.plant("R12", "none", t, ag.project, f"补偿款付给同户的妻子{wife.name}，足额")


def plant_r14(s: Sample) -> None:
    """R14 收款账户异常: one account receives the benefits of people of different households with no
    kinship in the register, or a cadre's own account receives someone else's benefit."""
    # two 低保 recipients of 东坑村, strangers to each other, paid into one card (the 低保 lists' 银行账号)
    a = s.single(DONGKENG, "男", dt.date(1957, 1, 15))
    b = s.single(DONGKENG, "女", dt.date(1962, 4, 4))
    b.account = bank_card(a)
    for p, other in ((a, b), (b, a)):
        n, amount = _year(s, p, DIBAO, amount=750, household_size=1)
        s.plant("R14", "flag", p, DIBAO, f"低保金与{other.name}（不同户、无亲属关系）打入同一账户 {bank_card(a)}", n, amount,
                MONTHS[0], LAST)
    # a 村民小组长 of 东坑村 draws his pension into his own card, and an unrelated villager's 生活补贴 goes there too
    cadre, _ = s.couple(DONGKENG, dt.date(1956, 7, 1), dt.date(1958, 3, 30))
    _add_post(s, Post(cadre, "村干部", "村民小组长", DONGKENG[0], DONGKENG[1], dt.date(2017, 4, 15), None, False,
                      _phone(s.rng)))
    v = s.single(DONGKENG, "男", dt.date(1968, 8, 27))
    v.account = bank_card(cadre)
    n, amount = _year(s, cadre, PENSION)
    s.plant("R14", "flag", cadre, PENSION, f"村民小组长本人领养老金的账户，同时收取{v.name}（无亲属关系）的生活补贴",
            n, amount, MONTHS[0], LAST)
    n, amount = _year(s, v, LIVING)
    s.plant("R14", "flag", v, LIVING, f"生活补贴打入村民小组长{cadre.name}本人的账户（高）", n, amount, MONTHS[0], LAST)
    # trap: a wife's 生活补贴 paid into her husband's card (he draws 低保 for the two of them)
    h, w = s.couple(HEPING, dt.date(1956, 5, 5), dt.date(1958, 9, 9))
    w.account = bank_card(h)
    s.pay(h, DIBAO, MONTHS[0], LAST, amount=2 * 750, household_size=2)
    s.pay(w, LIVING, MONTHS[0], LAST)
    s.plant("R14", "none", h, DIBAO, f"与妻子{w.name}共用本人账户（配偶，同户）")
    s.plant("R14", "none", w, LIVING, f"生活补贴打入丈夫{h.name}的账户（配偶，同户）")
    # trap: a son registered in a household of his own (father ID column) paid into his father's card
    f = s.single(XIWU, "男", dt.date(1950, 12, 1))
    son = s.single(XIWU, "男", dt.date(1977, 2, 11), surname=f.name[0])
    son.father = f.id_number
    son.account = bank_card(f)
    s.pay(f, DIBAO, MONTHS[0], LAST, amount=750, household_size=1)
    s.pay(son, LIVING, MONTHS[0], LAST)
    s.plant("R14", "none", f, DIBAO, f"与分户的儿子{son.name}共用本人账户（户籍父亲身份证号关联，近亲属）")
    s.plant("R14", "none", son, LIVING, f"生活补贴打入分户居住的父亲{f.name}的账户（近亲属）")


# ---- R18: the data and timing gate -----------------------------------------------------------------

def plant_r18(s: Sample) -> None:
    """R18 数据质量与申领时序门禁: (a) a periodic benefit first paid for a month after the death month (a new
    application after death: high; R01 flags the same months); (b) rows the gate lists with severity low:
    a register 性别 or 出生日期 that contradicts the ID number, an impossible age, a 乡镇 not in the division
    tables. Traps: arrears for a month before the death paid after it; a 105-year-old pensioner."""
    # (a) died 2020-04-08; 生活补贴 first paid for July and on to December
    a = s.single(XIWU, "男", dt.date(1956, 7, 19))
    s.die(a, dt.date(2020, 4, 8), ["公安注销", "民政火化"])
    s.pay(a, LIVING, MONTHS[6], LAST)
    s.plant("R18", "flag", a, LIVING, "4 月死亡，7 月起才开始领生活补贴（死亡后新申请、首次发放）", 6, 6 * 270, MONTHS[6], LAST)
    s.plant("R01", "flag", a, LIVING, "死亡后继续发放 6 个月（死亡后才开始发放，亦属 R18）", 6, 6 * 270, MONTHS[6], LAST)
    # (a) died 2020-05-20 (卫健 only); 养老金 first paid for September
    b = s.single(HEPING, "女", dt.date(1950, 2, 11))
    s.die(b, dt.date(2020, 5, 20), ["卫健死亡证明"])
    s.pay(b, PENSION, MONTHS[8], LAST)
    s.plant("R18", "flag", b, PENSION, "5 月死亡，9 月起才开始领养老金（死亡后新申请、首次发放）", 4, 4 * 245, MONTHS[8], LAST)
    s.plant("R01", "flag", b, PENSION, "死亡后继续发放 4 个月（死亡后才开始发放，亦属 R18）", 4, 4 * 245, MONTHS[8], LAST)
    # trap: 护理补贴 from February; died in March; February's arrears paid in June is no new application
    t = s.single(DONGKENG, "男", dt.date(1961, 10, 30))
    s.die(t, dt.date(2020, 3, 17), ["公安注销"])
    s.payments.append(Payment(t, CARE, MONTHS[1], 180, dt.date(2020, 6, 10), "补发2月"))
    s.pay(t, CARE, MONTHS[2], MONTHS[2])
    s.plant("R18", "none", t, CARE, "2 月的补发款在死亡后（6 月）发放，所属期在死亡前：不是死亡后新申请")
    # (b) the register's 性别 says 女 for a man's number (digit 17 odd)
    c = s.single(HEPING, "男", dt.date(1966, 3, 3))
    c.sex = "女"
    s.plant("R18", "flag", c, "", "户籍性别为女，身份证号第 17 位为奇数（男）", None, None)
    # (b) the register's 出生日期 is a month off the number's
    d = s.single(DONGKENG, "女", dt.date(1971, 8, 14))
    d.birth = dt.date(1971, 9, 14)
    s.plant("R18", "flag", d, "", "户籍出生日期 1971-09-14，身份证号为 1971-08-14", None, None)
    # (b) a pension paid all year to a number born in 1907: 112 years old
    e = s.single(XIWU, "男", dt.date(1907, 6, 2))
    s.pay(e, PENSION, MONTHS[0], LAST)
    s.plant("R18", "flag", e, PENSION, "身份证号出生于 1907 年，领取养老金时已 112 岁以上（年龄不可能）", 12, 12 * 245, MONTHS[0], LAST)
    # trap: 105 years old is old, not impossible
    t = s.single(HEPING, "女", dt.date(1915, 1, 9))
    s.pay(t, PENSION, MONTHS[0], LAST)
    s.plant("R18", "none", t, PENSION, "105 岁的养老金领取人：年龄可能，不是门禁项")
    # (b) 残联's list gives a 乡镇 that is not in 衢州's division tables
    f = s.single(XIWU, "女", dt.date(1968, 5, 5))
    s.pay(f, LIVING, MONTHS[0], LAST, place=("青云乡", "青云村"))
    s.plant("R18", "flag", f, LIVING, "生活补贴名册上的乡镇“青云乡”不在衢州市区划表中", 12, 12 * 270, MONTHS[0], LAST)


# ---- writers: one per file, in the layout its department uses --------------------------------

def _xlsx(s: Sample, out: Path, grids: list[Grid]) -> None:
    s.planted_rows.extend(write_xlsx(out / grids[0].file, grids))


def _xls(s: Sample, out: Path, grids: list[Grid]) -> None:
    """Legacy Excel 97–2003 (.xls), as older county systems still export."""
    s.planted_rows.extend(write_xls(out / grids[0].file, grids))


def _csv(s: Sample, out: Path, g: Grid, encoding: str) -> None:
    s.planted_rows.extend(write_csv(out / g.file, g, encoding))


def _ymd_slash(d: dt.date) -> str:
    return f"{d.year}/{d.month}/{d.day}"


def _cn_date(d: dt.date | None) -> str | None:
    return f"{d.year}年{d.month}月{d.day}日" if d else None


def write_living_subsidy(s: Sample, out: Path) -> None:
    """残联: one workbook, title row, a 单位 row, a header, rows per person and month (a blank row between
    the half-years), 合计, footer. Programme from the 补贴类型 column; months 2020-03; dates 2020/3/10; the
    bank card paid into (银行卡号)."""
    g = Grid("残联_2020年困难残疾人生活补贴发放明细.xlsx", "发放明细", ["A1:K1"],
             {"D": 10, "E": 22, "G": 10, "I": 14, "J": 22})
    g.title("常山县2020年困难残疾人生活补贴发放花名册")
    g.title("单位：常山县残疾人联合会", None, None, None, None, None, None, None, "制表日期：2021年1月5日")
    g.header("序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "补贴类型", "所属期", "发放日期", "发放金额(元)",
             "银行卡号", "备注")
    pays = [p for p in s.payments if p.programme == "困难残疾人生活补贴"]
    for i, p in enumerate(pays, 1):
        if p.month == MONTHS[6] and pays[i - 2].month == MONTHS[5]:
            g.blank(11, "上、下半年之间的空行")
        g.add([i, p.township, p.village, p.cell("name", p.person.name), p.cell("id", p.person.id_number),
               "生活补贴", p.cell("month", p.month.strftime("%Y-%m")), _ymd_slash(p.paid_on), p.cell("amount", p.amount),
               account_of(p.person), p.remark or None], p.mark)
    total = sum(p.amount for p in pays)
    g.total(["合计", None, None, None, None, None, None, None, total, None, None], total, total, "与全部数据行之和相符")
    g.footer("制表人：王某某", None, None, "审核人：李某某", None, None, None, "负责人：徐某某")
    g.blank(11, "表尾空行（单元格内只有空格）", space=True)
    _xlsx(s, out, [g])


def write_care_subsidy(s: Sample, out: Path) -> None:
    """护理补贴: a sheet per 乡镇, 序号 restarting, no 补贴类型 column (the title names the programme),
    a two-row header merged over 发放情况, months as 2020年3月, dates as Excel date cells."""
    pays = [p for p in s.payments if p.programme == "重度残疾人护理补贴"]
    grids = []
    for town in sorted({v[0] for v in VILLAGES}):
        g = Grid("护理补贴2020年度.xlsx", town, ["A1:H1", "E2:G2", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "H2:H3"],
                 {"C": 10, "D": 22, "F": 12, "G": 12}, {"G": "yyyy-mm-dd"})
        g.title(f"{town}2020年重度残疾人护理补贴发放表")
        g.header("序号", "村（社区）", "姓名", "身份证号", "发放情况", None, None, "备注", note="两行表头（上）")
        g.header(None, None, None, None, "所属期", "实发金额", "发放日期", None, note="两行表头（下）")
        town_pays = [p for p in pays if p.township == town]
        for i, p in enumerate(town_pays, 1):
            g.add([i, p.village, p.cell("name", p.person.name), p.cell("id", p.person.id_number),
                   p.cell("month", f"{p.month.year}年{p.month.month}月"), p.cell("amount", f"{p.amount:,.2f}"), p.paid_on,
                   p.remark or None], p.mark)
        subtotal = sum(p.amount for p in town_pays)
        g.total(["小计", None, None, None, None, f"{subtotal:,.2f}", None, None], subtotal, subtotal, "本乡镇小计，与各行之和相符")
        grids.append(g)
    _xlsx(s, out, grids)


def write_dibao_csv(s: Sample, out: Path) -> None:
    """民政 低保, January–September: a GBK CSV from the old system (Excel 'save as CSV'), months 202003,
    amounts 1500元; the programme only in the file name, its sub-type (城市低保 in a 社区, 农村低保 in a 村)
    in a 低保类型 column; two empty lines of commas at the end."""
    g = Grid("民政_最低生活保障_2020年1-9月.csv")
    g.header("行政区划", "乡镇", "村", "低保类型", "户主姓名", "户主身份证号", "保障人数", "所属年月", "低保金", "银行账号")
    for p in (x for x in s.payments if x.programme == "最低生活保障" and x.month <= MONTHS[8]):
        g.add(["常山县", p.township, p.village, "城市低保" if p.village.endswith("社区") else "农村低保",
               p.cell("name", p.person.name), p.cell("id", p.person.id_number), p.household_size or 1,
               p.cell("month", p.month.strftime("%Y%m")), p.cell("amount", f"{p.amount:.0f}元"), account_of(p.person)],
              p.mark)
    g.blank(10, "文件末尾只有逗号的空行")
    g.blank(10, "文件末尾只有逗号的空行")
    _csv(s, out, g, "gbk")


def write_dibao_monthly(s: Sample, out: Path) -> None:
    """民政 低保, October–December: one legacy .xls per month. The month and the programme are only in
    the title row (常山县2020年10月最低生活保障金发放表): no month column, neither in sheet nor file name.
    Amounts as text 1,500.00; 合计 and a footer."""
    for batch, month in enumerate(MONTHS[9:], 1):
        g = Grid(f"民政局_救助资金发放表_第{batch}批.xls", "Sheet1", ["A1:I1"], {"D": 10, "E": 22, "H": 22})
        g.title(f"常山县{month.year}年{month.month}月最低生活保障金发放表")
        g.title("单位：常山县民政局", None, None, None, None, None, None, f"制表日期：{month.year}年{month.month}月5日")
        g.header("序号", "乡镇（街道）", "村（社区）", "户主姓名", "户主身份证号码", "保障人数", "低保金(元)", "银行账号", "备注")
        pays = [p for p in s.payments if p.programme == "最低生活保障" and p.month == month]
        pays.sort(key=lambda p: (p.township, p.village, p.person.household_no))
        for i, p in enumerate(pays, 1):
            g.add([i, p.township, p.village, p.cell("name", p.person.name), p.cell("id", p.person.id_number),
                   p.household_size or 1, p.cell("amount", f"{p.amount:,.2f}"), account_of(p.person), p.remark or None],
                  p.mark)
        true = sum(p.amount for p in pays)
        stated = true + s.misstated_totals.get(("最低生活保障", month), 0)
        g.total(["合计", None, None, None, None, None, f"{stated:,.2f}", None, None], stated, true, "本月合计")
        g.footer("制表人：方某某", None, None, "审核人：程某某", None, None, "分管领导：汪某某")
        _xls(s, out, [g])


def write_tekun(s: Sample, out: Path) -> None:
    """民政 社会救助台账: the programme only in the sheet name (特困人员供养); months as real Excel date
    cells shown as 2020年3月; dates 2020-03-05; a second sheet (临时救助) left empty."""
    g = Grid("民政_社会救助对象发放台账_2020.xlsx", "特困人员供养", ["A1:J1"], {"D": 10, "E": 22, "G": 12},
             {"G": 'yyyy"年"m"月"'})
    g.title("常山县2020年社会救助资金发放台账")
    g.header("序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "供养方式", "所属月份", "发放日期", "供养金额(元)", "备注")
    pays = [p for p in s.payments if p.programme == "特困人员供养"]
    for i, p in enumerate(pays, 1):
        g.add([i, p.township, p.village, p.cell("name", p.person.name), p.cell("id", p.person.id_number),
               p.sub_type, p.cell("month", p.month), p.paid_on.isoformat(), p.cell("amount", p.amount), p.remark or None],
              p.mark)
    _xlsx(s, out, [g, Grid(g.file, "临时救助")])


def write_pension(s: Sample, out: Path) -> None:
    """人社 城乡居民养老: UTF-8 CSV, 发放年月 2020.3, the account paid into, remarks; an empty line between
    the two half-year exports and a line of commas at the end."""
    g = Grid("人社_城乡居民养老金发放_2020.csv")
    g.header("姓名", "身份证号", "参保地", "待遇类别", "发放年月", "发放金额", "银行账号", "待遇状态", "备注")
    pays = [x for x in s.payments if x.programme == "城乡居民基本养老保险"]
    for p, before in zip(pays, [None] + pays):
        if p.month == MONTHS[6] and before.month == MONTHS[5]:
            g.add([], Mark("structural", "blank", "上、下半年两次导出之间的空行"))
        g.add([p.cell("name", p.person.name), p.cell("id", p.person.id_number), "常山县", "城乡居民基本养老保险",
               p.cell("month", f"{p.month.year}.{p.month.month}"), p.cell("amount", f"{p.amount:.2f}"), account_of(p.person),
               "正常", p.remark], p.mark)
    g.blank(9, "文件末尾只有逗号的空行")
    _csv(s, out, g, "utf-8")


def write_jiangshan_pension(s: Sample, out: Path) -> None:
    """江山市人社 城乡居民养老: another county's list, UTF-8 CSV like 常山's but with a 乡镇 column and
    months 2020-03. Its payees are 江山 people (IDs 330881…) outside 常山's register, and one 常山 pensioner."""
    g = Grid("江山市人社_城乡居民养老金发放_2020.csv")
    g.header("姓名", "身份证号", "参保地", "乡镇（街道）", "待遇类别", "发放年月", "发放金额", "待遇状态", "备注")
    for p in sorted(s.elsewhere, key=lambda x: (x.month, x.township, x.person.id_number)):
        g.add([p.person.name, p.person.id_number, "江山市", p.township, "城乡居民基本养老保险", p.month.strftime("%Y-%m"),
               f"{p.amount:.2f}", "正常", p.remark])
    _csv(s, out, g, "utf-8")


def write_register(s: Sample, out: Path) -> None:
    """公安 户籍: one sheet, a title, parent and spouse ID columns."""
    g = Grid("公安_户籍人口_常山县.xlsx", "户籍人口", ["A1:N1"], {"B": 10, "D": 22})
    g.title("常山县户籍人口信息（截至2020年12月31日）")
    g.header("户号", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期", "乡镇（街道）", "村（社区）", "人口状态",
             "变动日期", "迁往地", "配偶公民身份号码", "父亲公民身份号码", "母亲公民身份号码")
    for p in sorted(s.people + s.second_rows, key=lambda p: (p.household_no, p.relation != "户主", p.birth)):
        g.add([p.household_no, p.name, p.relation, p.id_number, p.sex, p.birth.strftime("%Y%m%d"), p.township,
               p.village, p.status, p.change_on.isoformat() if p.change_on else None, p.destination,
               p.spouse, p.father, p.mother])
    _xlsx(s, out, [g])


def write_deaths(s: Sample, out: Path) -> None:
    ds = sorted(s.deaths, key=lambda d: (d.death_on, d.person.id_number))
    # 公安 户籍注销: xlsx with a title, dates 2020年03月15日
    g = Grid("公安_户籍注销人员_2020.xlsx", "注销", ["A1:H1"], {"B": 22})
    g.title("户籍注销（死亡）人员名单")
    g.header("姓名", "公民身份号码", "性别", "死亡日期", "注销日期", "注销原因", "证明类型", "派出所")
    for d in (d for d in ds if d.source == "公安注销"):
        g.add([d.name or d.person.name, d.id_text or d.person.id_number, d.person.sex, d.death_on.strftime("%Y年%m月%d日"),
               d.dereg_on.isoformat(), "死亡", "死亡医学证明", f"{d.person.township}派出所"])
    _xlsx(s, out, [g])
    # 民政 火化: CSV, UTF-8 with BOM, dates 2020/03/05
    g = Grid("民政_火化信息_2020.csv")
    g.header("逝者姓名", "身份证号", "性别", "死亡日期", "火化日期", "火化证号", "殡仪馆")
    for i, d in enumerate((d for d in ds if d.source == "民政火化"), 1):
        g.add([d.name or d.person.name, d.id_text or d.person.id_number, d.person.sex, d.death_on.strftime("%Y/%m/%d"),
               d.cremation_on.strftime("%Y/%m/%d"), f"HH2020{i:04d}", "常山县殡仪馆"])
    _csv(s, out, g, "utf-8-sig")
    # 卫健 死亡医学证明: CSV, UTF-8, dates as 20200305
    g = Grid("卫健_死亡医学证明_2020.csv")
    g.header("姓名", "身份证号", "死亡日期", "死亡地点", "根本死亡原因", "签发机构", "签发日期")
    for d in (d for d in ds if d.source == "卫健死亡证明"):
        g.add([d.name or d.person.name, d.id_text or d.person.id_number, d.death_on.strftime("%Y%m%d"), "家中",
               "疾病", "常山县人民医院", (d.death_on + dt.timedelta(days=1)).strftime("%Y%m%d")])
    _csv(s, out, g, "utf-8")


def write_cadres(s: Sample, out: Path) -> None:
    """县委组织部 村社干部花名册: title, a 填报单位 row, dates 2017年4月15日, two-character names padded
    with U+3000; the roster (村干部) only in the file name."""
    g = Grid("县委组织部_村社干部花名册_2020.xlsx", "花名册", ["A1:M1"], {"D": 10, "H": 26, "J": 22})
    g.title("常山县村（社区）两委及监委会成员花名册")
    g.title("填报单位：中共常山县委组织部", None, None, None, None, None, None, None, None, None, "填报日期：2020年12月31日")
    g.header("序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "出生年月", "政治面貌", "职务", "是否“一肩挑”",
             "身份证号码", "任职开始日期", "任职结束日期", "联系电话")
    posts = [p for p in s.posts if p.roster == "村干部"]
    for i, p in enumerate(posts, 1):
        q = p.person
        party = "中共党员" if any(w in p.post for w in ("书记", "监督", "主任")) else "群众"
        g.add([i, p.township, p.village, p.cell("name", q.name), q.sex, f"{q.birth.year}.{q.birth.month:02d}", party,
               p.post, "是" if p.both_heads else "否", q.id_number, _cn_date(p.start_on), _cn_date(p.end_on), p.phone],
              p.mark)
    g.footer("填表人：叶某某", None, None, None, None, "审核人：余某某")
    _xlsx(s, out, [g])


def write_case_workers(s: Sample, out: Path) -> None:
    """民政 低保经办人员名单: the roster only in the title; dates as Excel date cells."""
    g = Grid("民政局_乡镇街道经办人员名单.xlsx", "Sheet1", ["A1:H1"], {"C": 10, "E": 22, "G": 12, "H": 12},
             {"G": "yyyy-mm-dd", "H": "yyyy-mm-dd"})
    g.title("常山县乡镇（街道）低保经办人员名单")
    g.header("序号", "乡镇（街道）", "姓名", "性别", "身份证号码", "岗位", "上岗时间", "离任时间", "联系电话")
    for i, p in enumerate((p for p in s.posts if p.roster == "低保经办人员"), 1):
        g.add([i, p.township, p.cell("name", p.person.name), p.person.sex, p.person.id_number, p.post, p.start_on,
               p.end_on, p.phone], p.mark)
    _xlsx(s, out, [g])


def write_payroll(s: Sample, out: Path) -> None:
    """财政 财政供养人员: title, header, dates as Excel date cells, salaries as numbers."""
    g = Grid("财政局_财政供养人员信息_2020.xlsx", "在编人员", ["A1:K1"], {"B": 30, "F": 22, "I": 12, "J": 12},
             {"I": "yyyy-mm-dd", "J": "yyyy-mm-dd"})
    g.title("2020年常山县财政供养人员信息表")
    g.header("序号", "单位名称", "单位性质", "姓名", "性别", "身份证号码", "编制类型", "人员状态", "入编日期",
             "离职/退休日期", "月应发工资(元)")
    for i, x in enumerate(s.staff, 1):
        g.add([i, x.unit, x.unit_type, x.cell("name", x.person.name), x.person.sex, x.person.id_number, x.staff_type,
               x.status, x.start_on, x.end_on, x.salary], x.mark)
    _xlsx(s, out, [g])


def write_kin_filings(s: Sample, out: Path) -> None:
    """民政 近亲属备案表: title, header, dates 2019-03-12."""
    g = Grid("民政局_近亲属享受救助备案表.xlsx", "备案", ["A1:K1"], {"D": 10, "E": 22, "H": 22})
    g.title("常山县村（社区）干部及经办人员近亲属享受社会救助备案表")
    g.header("序号", "乡镇（街道）", "村（社区）", "申请人姓名", "申请人身份证号", "救助项目", "关联干部姓名",
             "关联干部身份证号", "干部职务", "与干部关系", "备案日期")
    for i, k in enumerate(s.kin_filings, 1):
        g.add([i, k.post.township, k.post.village, k.cell("name", k.recipient.name), k.recipient.id_number, k.programme,
               k.post.person.name, k.post.person.id_number, k.post.post, k.relation, k.filed_on.isoformat()], k.mark)
    _xlsx(s, out, [g])


def write_vehicles(s: Sample, out: Path) -> None:
    """交警 机动车登记: a GB18030 CSV (one owner's name has a character outside GBK)."""
    g = Grid("公安交警_机动车登记信息_2020.csv")
    g.header("号牌号码", "号牌种类", "车辆类型", "使用性质", "机动车所有人", "身份证明号码", "初次登记日期", "机动车状态",
             "状态变更日期")
    for v in sorted(s.vehicles, key=lambda v: (v.registered_on, v.plate)):
        g.add([v.plate, v.plate_type, v.vehicle_type, v.use_type, v.cell("name", v.owner.name), v.owner.id_number,
               v.registered_on.isoformat(), v.status, v.status_on.isoformat() if v.status_on else ""], v.mark)
    _csv(s, out, g, "gb18030")


def write_businesses(s: Sample, out: Path) -> None:
    """市场监管 市场主体登记: one row per business and person; dates as Excel date cells."""
    g = Grid("市场监管局_市场主体登记信息.xlsx", "市场主体", ["A1:L1"], {"A": 22, "B": 30, "I": 22},
             {"E": "yyyy-mm-dd", "F": "yyyy-mm-dd"})
    g.title("常山县市场主体登记信息（人员比对结果）")
    g.header("统一社会信用代码", "市场主体名称", "市场主体类型", "登记状态", "成立日期", "注吊销日期", "人员角色",
             "人员姓名", "证件号码", "注册资本(万元)", "所属乡镇", "住所")
    for b in s.businesses:
        for role, p in b.people:
            g.add([b.credit_code, b.name, b.type, b.status, b.established_on, b.closed_on, role, p.name, p.id_number,
                   b.capital or None, b.township, b.address])
    _xlsx(s, out, [g])


def write_projects(s: Sample, out: Path) -> None:
    """农业农村 村级工程项目台账 (三资): title, header, amounts as numbers, 合计, footer."""
    g = Grid("农业农村局_村级工程项目台账_2020.xlsx", "项目台账", ["A1:K1"], {"D": 30, "F": 30, "G": 22, "K": 24})
    g.title("常山县2020年村级工程项目（三资）台账")
    g.header("序号", "乡镇（街道）", "村（社区）", "项目名称", "发包方式", "施工单位", "统一社会信用代码", "合同金额(元)",
             "签订日期", "已付金额(元)", "收款账号")
    for i, p in enumerate(s.projects, 1):
        g.add([i, p.township, p.village, p.name, p.procurement, p.contractor, p.credit_code, p.amount,
               p.signed_on.isoformat(), p.paid, p.account])
    total = sum(p.amount for p in s.projects)
    g.total(["合计", None, None, None, None, None, None, total, None, sum(p.paid for p in s.projects), None], total, total,
            "合同金额合计，与各行之和相符")
    g.footer("制表人：姜某某", None, None, "审核人：郑某某")
    _xlsx(s, out, [g])


def write_compensation(s: Sample, out: Path) -> None:
    """自然资源 补偿协议汇总 (dates 2020/5/18) and 球川镇 补偿款发放明细 (dates 20200715): the
    instalments of each agreement add up to what it owes, except where R12 plants a shortfall; a payee
    other than the entitled person (a spouse, a cadre) is named with their own ID number and account."""
    g = Grid("自然资源局_征地及铁塔占地补偿协议汇总_2020.xlsx", "协议", ["A1:L1"], {"B": 30, "H": 22})
    g.title("球川镇2020年征地及铁塔占地补偿协议汇总表")
    g.header("序号", "项目名称", "协议编号", "地块编号", "乡镇", "村", "承包方（户主）姓名", "身份证号码", "面积（亩）",
             "补偿标准", "应付金额（元）", "签订日期")
    for i, a in enumerate(s.agreements, 1):
        g.add([i, a.project, a.no, a.plot, a.person.township, a.person.village, a.cell("name", a.person.name),
               a.person.id_number, f"{a.area_mu:.2f}", a.rate, a.amount, _ymd_slash(a.signed_on)], a.mark)
    _xlsx(s, out, [g])
    g = Grid("球川镇_补偿款发放明细_2020.xlsx", "发放明细", ["A1:M1"], {"B": 30, "E": 22, "G": 22, "H": 22})
    g.title("球川镇2020年征地及铁塔占地补偿款发放明细")
    g.header("序号", "项目名称", "协议编号", "被补偿人姓名", "被补偿人身份证号", "收款人", "收款人身份证号", "收款账号",
             "发放金额", "发放日期", "乡镇", "村", "备注")
    for i, x in enumerate(sorted(s.payouts, key=lambda x: (x.paid_on, x.agreement.no)), 1):
        p, payee = x.agreement.person, x.payee or x.agreement.person
        g.add([i, x.agreement.project, x.agreement.no, p.name, p.id_number, x.cell("name", payee.name), payee.id_number,
               account_of(payee), x.amount, x.paid_on.strftime("%Y%m%d"), p.township, p.village, x.note], x.mark)
    _xlsx(s, out, [g])


def write_unrecognised(s: Sample, out: Path) -> None:
    """A file with no header Qingfeng knows: it must be reported, not skipped in silence."""
    g = Grid("会议纪要_2021年1月.xlsx", "Sheet1")
    for r in [["村两委会议纪要"], ["时间", "地点", "参会人员"], ["2021年1月8日", "村委会", "全体村两委成员"]]:
        g.add(r)
    _xlsx(s, out, [g])


WRITERS = [write_living_subsidy, write_care_subsidy, write_dibao_csv, write_dibao_monthly, write_tekun, write_pension,
           write_jiangshan_pension, write_register, write_deaths, write_cadres, write_case_workers, write_payroll, write_kin_filings,
           write_vehicles, write_businesses, write_projects, write_compensation, write_unrecognised]


# ---- R17 养老待遇异常: the employees' pension list (人社) beside the residents' -------------------------
EMPLOYEE_PENSION = EMPLOYEE
RATE[EMPLOYEE_PENSION] = 3000      # invented; each planted payee has his own amount


def plant_r17(s: Sample) -> None:
    """R17: residents' pensioners also paid by the employees' scheme (企业职工, 机关事业单位) for the same
    months; traps: a transfer month, 0 and 暂停 rows, a reversed overlap, another person of the same name.
    And a 服刑人员 list (s.prison_terms): a pensioner paid inside his term; traps: a term ended before the
    data, a record under another name."""
    both = f"{PENSION}、{EMPLOYEE_PENSION}"
    planted = s.planted_ids()
    quiet = [p for p in s.people if p.status == "正常" and p.id_number not in planted and p.birth.year <= 1958
             and p.id_number.startswith(COUNTY[0])
             and {x.programme for x in s.payments if x.person is p} == {PENSION}]
    # flag: on the residents' pension all year, an enterprise pension from April: 9 months, still going → high
    a = quiet[0]
    s.pay(a, EMPLOYEE_PENSION, MONTHS[3], LAST, amount=3120, sub_type="企业职工", day=15)
    s.plant("R17", "flag", a, both, "城乡居民养老全年，4 月起又领企业职工养老金", 9, 9 * 245, MONTHS[3], LAST)
    # flag: a 机关事业单位 pension from September: 4 months → medium
    b = quiet[1]
    s.pay(b, EMPLOYEE_PENSION, MONTHS[8], LAST, amount=4260, sub_type="机关事业单位", day=15)
    s.plant("R17", "flag", b, both, "城乡居民养老全年，9 月起又领机关事业单位养老金", 4, 4 * 245, MONTHS[8], LAST)
    # trap: the residents' pension stops in June, the employees' starts in June: the transfer month
    fresh = iter(p for p in s.candidates(born=(1940, 1958)) if not any(x.person is p for x in s.payments))
    t = next(fresh)
    s.pay(t, PENSION, MONTHS[0], MONTHS[5])
    s.pay(t, EMPLOYEE_PENSION, MONTHS[5], LAST, amount=2980, sub_type="企业职工", day=15)
    s.plant("R17", "none", t, both, "6 月城乡居民养老停发、职工养老开始：制度衔接当月")
    # trap: from July the residents' list still lists him, at 0 or marked 暂停
    t = next(fresh)
    s.pay(t, PENSION, MONTHS[0], MONTHS[5])
    s.pay(t, PENSION, MONTHS[6], LAST, amount=0)
    for x in s.payments:
        if x.person is t and x.month >= MONTHS[6]:
            x.remark = "待遇暂停（领取职工养老金）" if x.month.month % 2 else ""
    s.pay(t, EMPLOYEE_PENSION, MONTHS[6], LAST, amount=2750, sub_type="企业职工", day=15)
    s.plant("R17", "none", t, both, "7 月起城乡居民养老金额为 0 或注明暂停，不是重复领取")
    # trap: both paid May–August, the residents' months reversed in September (冲正退回)
    t = next(fresh)
    s.pay(t, PENSION, MONTHS[0], MONTHS[7])
    for m in MONTHS[4:8]:
        s.payments.append(Payment(t, PENSION, m, -245, dt.date(2020, 9, 10), "冲正退回（已领职工养老）"))
    s.pay(t, EMPLOYEE_PENSION, MONTHS[4], LAST, amount=3050, sub_type="企业职工", day=15)
    s.plant("R17", "none", t, both, "5–8 月两项都发，城乡居民养老已于 9 月冲正退回，净额为零")
    # trap: an employees' pensioner who shares a residents' pensioner's name only
    twin = quiet[2]
    t = s.single(XIWU, twin.sex, dt.date(twin.birth.year - 3, 7, 9))
    t.name = twin.name
    s.pay(t, EMPLOYEE_PENSION, MONTHS[0], LAST, amount=2890, sub_type="企业职工", day=15)
    s.plant("R17", "none", twin, both, f"与职工养老领取人{t.id_number}同名，身份证号不同")
    # 服刑人员 (司法): (person, name on the list, prison, committed, released)
    s.prison_terms = []
    j = quiet[3]
    s.prison_terms.append((j, j.name, "浙江省第四监狱", dt.date(2020, 3, 12), dt.date(2020, 9, 20)))
    s.plant("R17", "flag", j, PENSION, "3 月 12 日收监、9 月 20 日释放，4–8 月城乡居民养老金照发", 5, 5 * 245,
            MONTHS[3], MONTHS[7])
    t = quiet[4]
    s.prison_terms.append((t, t.name, "浙江省乔司监狱", dt.date(2018, 6, 1), dt.date(2019, 12, 15)))
    s.plant("R17", "none", t, PENSION, "2019 年 12 月已刑满释放，2020 年的养老金不在刑期内")
    t = quiet[5]
    s.prison_terms.append((t, t.name[0] + "某" + t.name[1:], "衢州市看守所", dt.date(2020, 5, 6), None))
    s.plant("R17", "none", t, PENSION, "服刑人员名单上同号不同名（录错人），不认定")


def write_employee_pension(s: Sample, out: Path) -> None:
    """人社 职工养老: xlsx with a title and a 单位 line, 险种 per row (企业职工 / 机关事业单位), months as
    2020年3月 text, 社保卡号, 备注 (暂停 …)."""
    g = Grid("人社_企业职工及机关事业养老金发放明细_2020.xlsx", "发放明细", ["A1:H1"], {"B": 10, "C": 22})
    g.title("常山县职工基本养老保险待遇发放明细（2020年）")
    g.title("经办机构：常山县社会保险事业管理中心", note="单位行")
    g.header("序号", "姓名", "公民身份号码", "险种", "所属年月", "养老金(元)", "社保卡号", "备注")
    kinds = {"企业职工": "企业职工基本养老保险", "机关事业单位": "机关事业单位养老保险"}
    pays = [p for p in s.payments if p.programme == EMPLOYEE_PENSION]
    for i, p in enumerate(pays, 1):
        g.add([i, p.cell("name", p.person.name), p.cell("id", p.person.id_number), kinds[p.sub_type],
               f"{p.month.year}年{p.month.month}月", p.cell("amount", f"{p.amount:.2f}"), account_of(p.person),
               p.remark or None], p.mark)
    _xlsx(s, out, [g])


def write_prisoners(s: Sample, out: Path) -> None:
    """司法 服刑人员名单: xlsx with a title, dates as 2020年03月12日, an empty release date while serving."""
    g = Grid("司法局_在押服刑人员名单_2020.xlsx", "名单", ["A1:G1"], {"C": 22})
    g.title("常山县户籍在押服刑人员名单")
    g.header("序号", "姓名", "公民身份号码", "服刑场所", "收监日期", "刑满释放日期", "判处刑罚")
    for i, (p, name, prison, start, end) in enumerate(getattr(s, "prison_terms", []), 1):
        g.add([i, name, p.id_number, prison, start.strftime("%Y年%m月%d日"),
               end.strftime("%Y年%m月%d日") if end else None, "有期徒刑"])
    _xlsx(s, out, [g])


WRITERS.append(write_employee_pension)
WRITERS.append(write_prisoners)


# ---- R16 危房改造不符合条件/重复享受: the 住建 危房改造 list ---------------------------------------------
GRADE_YUAN = {"C": 10000, "D": 30000}     # R16's params grade_c_yuan, grade_d_yuan


def plant_r16(s: Sample) -> None:
    """R16: a 住建 危房改造 list (s.housing_aid: person, year, approval day, grade, subsidy, remark). Flags: a
    household on no 低保/特困 at approval; a 低保 household aided again within five years (2017 and 2020); an
    amount off its grade's standard. Traps: a 低保 household aided once (eligible); a house 因灾倒损 outside
    the categories; an aid of 2013, more than five years before the household's 2020 aid; a household on the
    低收入农户 list (written by write_low_income with R06's rows)."""
    planted = s.planted_ids()
    busy = ({x.person.household_no for x in s.staff} | {x.owner.household_no for x in s.vehicles}
            | {x.person.household_no for x in s.posts} | {p.household_no for p in s.people if p.status != "正常"}
            | {p.household_no for p in s.people if p.id_number in planted})
    for b in s.businesses:
        for v in vars(b).values():
            if isinstance(v, Person):
                busy.add(v.household_no)
    may = MONTHS[4]
    on_dibao = {x.person.id_number for x in s.payments
                if x.programme in ("最低生活保障", "特困人员供养") and x.month == may and x.amount > 0}
    assisted = {x.person.household_no for x in s.payments if x.programme in ASSISTANCE}
    heads = [p for p in s.people if p.relation == "户主" and p.status == "正常" and p.household_no not in busy]
    eligible = [p for p in heads if p.id_number in on_dibao]
    outside = [p for p in heads if p.household_no not in assisted]
    day = dt.date(2020, 5, 12)
    s.housing_aid = []
    # trap: a 低保 household, D grade at the standard
    a = eligible[0]
    s.housing_aid.append((a, 2020, day, "D", GRADE_YUAN["D"], None))
    s.plant("R16", "none", a, "危房改造", "审批当月在享低保，D级重建补助 30000 元，符合")
    # flag: aided in 2017 (C) and again in 2020 (D)
    a = eligible[1]
    s.housing_aid.append((a, 2017, dt.date(2017, 4, 20), "C", GRADE_YUAN["C"], None))
    s.housing_aid.append((a, 2020, day, "D", GRADE_YUAN["D"], None))
    s.plant("R16", "flag", a, "危房改造", "2017 年已获危房改造补助，2020 年再次获得", 1, GRADE_YUAN["D"], may, may)
    # trap: aided in 2013 and 2020: more than five years apart
    a = eligible[2]
    s.housing_aid.append((a, 2013, dt.date(2013, 6, 3), "C", GRADE_YUAN["C"], None))
    s.housing_aid.append((a, 2020, day, "D", GRADE_YUAN["D"], None))
    s.plant("R16", "none", a, "危房改造", "上次补助在 2013 年，超过 5 年")
    # flag: C grade paid 15000 against a standard of 10000
    a = eligible[3]
    s.housing_aid.append((a, 2020, day, "C", 15000, None))
    s.plant("R16", "flag", a, "危房改造", "C级维修加固补助 15000 元，标准 10000 元", 1, 5000, may, may)
    # flag: a household on no 低保 or 特困 at approval
    a = outside[0]
    s.housing_aid.append((a, 2020, day, "D", GRADE_YUAN["D"], None))
    s.plant("R16", "flag", a, "危房改造", "审批时不在低保、特困名册", 1, GRADE_YUAN["D"], may, may)
    # trap: a house damaged in the flood, outside the categories
    a = outside[1]
    s.housing_aid.append((a, 2020, dt.date(2020, 8, 6), "D", GRADE_YUAN["D"], "2020年7月洪灾因灾倒损"))
    s.plant("R16", "none", a, "危房改造", "因灾倒损，可不属于低保、特困")
    # trap: on the 农业农村 低收入农户 list since 2019 (not on 低保): an eligible category
    a = outside[2]
    s.low_income = [[a, dt.date(2019, 3, 1), None]]
    s.housing_aid.append((a, 2020, day, "D", GRADE_YUAN["D"], None))
    s.plant("R16", "none", a, "危房改造", "审批时在低收入农户名单，属于保障对象类别")


def write_housing_aid(s: Sample, out: Path) -> None:
    """住建 危房改造: xlsx with a title, a two-row header merged over 补助资金, grades as C级/D级 with 改造方式,
    dates as Excel cells, a 合计 row."""
    g = Grid("住建局_农村危房改造对象花名册_2013-2020.xlsx", "花名册",
             ["A1:L1", "J2:K2", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3", "G2:G3", "H2:H3", "I2:I3", "L2:L3"],
             {"D": 10, "E": 22}, {"G": "yyyy-mm-dd"})
    g.title("常山县农村危房改造补助对象花名册（2013—2020年度）")
    g.header("序号", "乡镇（街道）", "村（社区）", "户主姓名", "户主身份证号", "项目年度", "审批日期", "危房等级", "改造方式",
             "补助资金", None, "备注", note="两行表头（上）")
    g.header(None, None, None, None, None, None, None, None, None, "补助金额(元)", "拨付日期", None, note="两行表头（下）")
    rows = sorted(getattr(s, "housing_aid", []), key=lambda r: (r[1], r[0].id_number))
    for i, (p, year, approved, grade, amount, remark) in enumerate(rows, 1):
        g.add([i, p.township, p.village, p.name, p.id_number, year, approved, f"{grade}级",
               "拆除重建" if grade == "D" else "维修加固", f"{amount:,.2f}", (approved + dt.timedelta(days=150)).strftime("%Y.%m.%d"),
               remark])
    total = sum(r[4] for r in rows)
    g.total(["合计", None, None, None, None, None, None, None, None, f"{total:,.2f}", None, None], total, total,
            "与全部数据行之和相符")
    _xlsx(s, out, [g])


WRITERS.append(write_housing_aid)
# ---- R06 两项补贴资格要素不符: the 残联 certificate registry and the 低收入农户 list ------------------------


def plant_r06(s: Sample) -> None:
    """R06: a certificate for every recipient of the two subsidies (s.certificates: person, certificate
    number, category, grade, issued, re-assessed, ID column or None), 护理补贴 recipients 智力/精神 三、四级
    (allowed; the standard 180 元 is the 三、四级 tier); and a 低收入农户 list covering every 生活补贴 recipient
    outside 低保 (s.low_income: person, start, end). Flags: a 护理补贴 recipient whose certificate is 肢体 三级;
    a 生活补贴 recipient who left the 低收入 list in June and is paid on; a registry row whose certificate
    number is another person's ID. Traps: a reissued certificate with a suffix; a certificate re-assessed
    during the year (三级 → 二级 of 精神); a registry row without an ID column."""
    paid = {}
    for x in s.payments:
        if x.programme in (LIVING, CARE) and x.amount > 0:
            paid.setdefault(x.person.id_number, (x.person, set()))[1].add(x.programme)
    dibao_households = {x.person.household_no for x in s.payments if x.programme == "最低生活保障"}
    s.certificates, s.low_income = [], list(getattr(s, "low_income", []))   # (R16's rows first)
    planted = s.planted_ids()
    quiet = [p for p, progs in paid.values() if p.id_number not in planted and p.household_no not in dibao_households]
    for i, (p, progs) in enumerate(sorted(paid.values(), key=lambda v: v[0].id_number)):
        cat, grade = ("5", "3") if i % 2 else ("6", "4")
        if CARE not in progs:
            cat, grade = str(1 + i % 7), str(1 + i % 4)
        s.certificates.append([p, p.id_number + cat + grade, cat, grade, dt.date(2015 + i % 5, 1 + i % 12, 10), None,
                               p.id_number if i % 3 else None])
        if LIVING in progs and p.household_no not in dibao_households:
            s.low_income.append([p, dt.date(2018, 1 + i % 12, 1), None])
    cert = {c[0].id_number: c for c in s.certificates}
    care_only = [p for p in quiet if paid[p.id_number][1] == {CARE}]
    living_only = [p for p in quiet if paid[p.id_number][1] == {LIVING}]
    # flag: 护理补贴 on a certificate of 肢体 三级 (not allowed: grades 1–2, or 智力/精神)
    a = care_only[0]
    cert[a.id_number][1:4] = [a.id_number + "43", "4", "3"]
    ms = sorted({x.month for x in s.payments if x.person is a and x.programme == CARE and x.amount > 0})
    s.plant("R06", "flag", a, CARE, "护理补贴发给肢体三级（不在允许等级、类别内）", len(ms), len(ms) * 180, ms[0], ms[-1])
    # flag: left the 低收入农户 list at the end of June, 生活补贴 paid on July–December
    b = living_only[0]
    for row in s.low_income:
        if row[0] is b:
            row[2] = dt.date(2020, 6, 30)
    s.plant("R06", "flag", b, LIVING, "6 月底退出低收入农户名单，7–12 月生活补贴照发", 6, 6 * 270, MONTHS[6], LAST)
    # flag: the registry's certificate number starts with another person's ID number
    c = living_only[1]
    other = living_only[2].id_number
    cert[c.id_number][1], cert[c.id_number][6] = other + cert[c.id_number][1][18:], c.id_number
    ms = sorted({x.month for x in s.payments if x.person is c and x.programme == LIVING and x.amount > 0})
    s.plant("R06", "flag", c, LIVING, f"残联库证号前18位为{other}，与本人身份证号不符", len(ms), len(ms) * 270, ms[0], ms[-1])
    # traps: a reissued certificate (suffix B1); a re-assessment during the year (精神 四级 → 三级)
    t = living_only[3]
    cert[t.id_number][1] += "B1"
    s.plant("R06", "none", t, LIVING, "补发的残疾人证带后缀 B1，前20位与身份证号、类别、等级相符")
    t = care_only[1]
    cert[t.id_number][1:6] = [t.id_number + "63", "6", "3", dt.date(2016, 3, 1), dt.date(2020, 6, 12)]
    s.plant("R06", "none", t, CARE, "2020 年 6 月复评为精神三级，前后均在护理补贴允许范围内")


def write_disability_certs(s: Sample, out: Path) -> None:
    """残联 持证残疾人 registry: xlsx, a title, categories and grades in words (肢体 / 三级), dates as
    2016.03.01 text, the ID column blank on some rows (derive it from the certificate)."""
    g = Grid("残联_持证残疾人信息_2020.xlsx", "持证人员", ["A1:I1"], {"C": 24, "D": 22})
    g.title("常山县持证残疾人信息库（导出日期：2021年1月4日）")
    g.header("序号", "姓名", "残疾人证号", "身份证号", "残疾类别", "残疾等级", "发证日期", "复评日期", "证件状态")
    names = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    grades = ["一级", "二级", "三级", "四级"]
    for i, (p, no, cat, grade, issued, reassessed, idn) in enumerate(getattr(s, "certificates", []), 1):
        g.add([i, p.name, no, idn, names[int(cat) - 1], grades[int(grade) - 1], issued.strftime("%Y.%m.%d"),
               reassessed.strftime("%Y.%m.%d") if reassessed else None, "正常"])
    _xlsx(s, out, [g])


def write_low_income(s: Sample, out: Path) -> None:
    """农业农村 低收入农户 list: CSV (GBK), one row per member, 户主 columns, 纳入 and 退出 dates as 2018/3/1."""
    g = Grid("农业农村局_低收入农户认定名单2020.csv")
    g.header("序号", "乡镇", "村", "户主姓名", "成员姓名", "成员身份证号", "认定类别", "纳入日期", "退出日期")
    for i, (p, start, end) in enumerate(getattr(s, "low_income", []), 1):
        g.add([i, p.township, p.village, p.name, p.name, p.id_number, "低保边缘户", _ymd_slash(start),
               _ymd_slash(end) if end else None])
    _csv(s, out, g, "gbk")


WRITERS.append(write_disability_certs)
WRITERS.append(write_low_income)


def generate(out: Path, seed: int = SEED) -> Sample:
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.iterdir():
        if old.is_file():
            old.unlink()
    s = build(seed)
    for write in WRITERS:
        write(s, inbox)
    key.write_planted(s.planted, out / "planted.csv")
    key.write_planted_rows(s.planted_rows, out / "planted_rows.csv")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    s = generate(args.out, args.seed)
    print(f"{len(s.people)} people, {len(s.payments)} payment rows, {len(s.deaths)} death records, "
          f"{len(s.planted)} planted cases, {len(s.planted_rows)} special rows → {args.out}")


if __name__ == "__main__":
    main()


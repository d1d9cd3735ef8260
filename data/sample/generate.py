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

Layout of this file: the population and its payments (`build`: the ordinary recipients and deaths, the
other programmes, registers and rosters, the loader's special rows, the cases the population itself
plants), then `SampleWorld`, the sample behind the verbs of bench/world/scenarios/protocol.py, through
which every rule's planted cases and traps are planted (bench/world/scenarios: written once for the sample
and the benchmark city, n instances per variant: SCENARIOS gives the sample's n, enough for every variant
once), then one writer per inbox file. The world's common parts are bench/world/ (shared with the benchmark
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

from bench.world import ids, key, scenarios  # noqa: E402  (the world's package: bench/world/)
from bench.world.files import Grid, write_csv, write_xls, write_xlsx  # noqa: E402
from bench.world.ids import CREDIT_CATEGORY, FULLWIDTH, check_char, credit_code, org_code  # noqa: E402
from bench.world.ids import id_number as make_id  # noqa: E402
from bench.world.ids import plate as _plate  # noqa: E402
from bench.world.key import Mark  # noqa: E402
from bench.world.people import unique_name  # noqa: E402
from bench.world.programmes import ASSISTANCE, CARE, DIBAO, EMPLOYEE, LIVING, PENSION, TEKUN  # noqa: E402
from bench.world.scenarios.protocol import Households, Village, unit_kind  # noqa: E402

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
    protect: bool = False           # (the scenarios' flag for a name that may collide; names here never change)

    @property
    def pid(self) -> str:           # a person's handle in the scenarios (bench/world/scenarios): the ID number
        return self.id_number

    @property
    def hh(self) -> str:
        return self.household_no


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
    grade: str = ""              # 护理补贴: the roster's 残疾等级 (written only where a scenario gives it)

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
    certificates: list[list] = field(default_factory=list)   # person, cert no, category, grade, issued, reassessed, ID column
    low_income: list[list] = field(default_factory=list)     # person, start, end, category
    housing_aid: list[tuple] = field(default_factory=list)   # person, year, approved, grade (C/D), yuan, remark
    prison_terms: list[tuple] = field(default_factory=list)  # person, name on the list, prison, committed, released

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


# ---- the sample as a world of the shared scenarios (bench/world/scenarios/protocol.py) ----------------------
# Decisions: the sample's calendar is the 12 months of 2020 (month 0 = January 2020); its villages are the three
# of VILLAGES; a ledger of "another county" is 江山市's pension list (the only other county the sample writes);
# amounts are the sample's flat rates (RATE; 低保 per insured person), whatever income or grade a scenario
# gives; the sample has no 高龄补贴 ledger, so P.programmes tells the scenarios to pay the pension instead.

SAMPLE_TOWN_CODES = {"天马街道": "330822001", "球川镇": "330822111"}
PAY_DAY = {TEKUN: 5, EMPLOYEE: 15}
JIANGSHAN = ("330881", "江山市")


class SampleWorld(Households):
    """The sample's Sample behind the verbs the scenarios use: the same Person, Payment, Death … objects the
    sample's writers write, planted in households of their own."""

    nm, base = 12, 2020
    programmes = frozenset({LIVING, CARE, DIBAO, TEKUN, PENSION, EMPLOYEE})

    def __init__(self, s: Sample, n: int = 1):
        self.s, self.n, self.n_traps, self.rng = s, n, n, s.rng
        self.villages = [Village(i, v, t, SAMPLE_TOWN_CODES[t], COUNTY[0], COUNTY[1]) for i, (t, v) in enumerate(VILLAGES)]
        self.manual: set[str] = set()
        self._agreements: dict[str, Agreement] = {}
        self._projects = 0
        self._outsiders = 0

    # -- the calendar and the places
    @staticmethod
    def mon(i: int) -> dt.date:
        return dt.date(2020 + i // 12, i % 12 + 1, 1)

    def place(self, p: Person) -> Village:
        return next(v for v in self.villages if (v.township, v.name) == (p.township, p.village))

    def townships(self) -> list[str]:
        return sorted({v.township for v in self.villages})

    def other_county(self, county: str) -> tuple[str, str]:
        return JIANGSHAN

    def judge(self, dest: str, from_county: str) -> None:
        return None

    # -- people
    def name(self, sex: str, surname: str | None = None) -> str:
        return self.s.name(surname)

    def person(self, v: Village, sex: str, birth: dt.date, hh: str | None = None, relation: str = "户主",
               surname: str | None = None, name: str | None = None, in_register: bool = True, area: str | None = None,
               father: str | None = None, mother: str | None = None, spouse: str | None = None,
               protect: bool = False) -> Person:
        p = self.s.person(sex, birth, hh or self.s.new_household(), relation, (v.township, v.name), surname,
                          area or COUNTY[0], name)
        p.father, p.mother, p.spouse, p.protect = father, mother, spouse, protect
        if not in_register:          # a number nobody registered: paid, named, but in no register row
            self.s.people.remove(p)
            p.household_no, p.relation = "", ""
        return p

    def by_pid(self, pid: str) -> Person:
        return next(p for p in reversed(self.s.people) if p.id_number == pid)

    def outsider(self, sex: str, birth: dt.date) -> tuple[Person, str]:
        """A 江山 pensioner: not in 常山's register, on 江山's list."""
        self._outsiders += 1
        p = Person(make_id(JIANGSHAN[0], birth, 600 + 2 * self._outsiders + (sex == "男")), self.s.name(), sex, birth,
                   "", "", "贺村镇", "")
        return p, JIANGSHAN[0]

    def second_row(self, p: Person, head: Person, relation: str) -> None:
        self.s.second_rows.append(replace(p, household_no=head.household_no, relation=relation, township=head.township,
                                          village=head.village, status="正常", change_on=None, destination=None))

    @staticmethod
    def misregister(p: Person, sex: str | None = None, birth: dt.date | None = None) -> None:
        """The register's 性别 or 出生日期 of p contradicts p's number (made already, from the true ones)."""
        p.sex, p.birth = sex or p.sex, birth or p.birth

    def quiet(self, *people: Person) -> None:
        self.manual.update(p.pid for p in people)

    # -- rows
    def pay(self, p: Person, prog: str, months, amount=None, sub_type=None, remark=None, paid_on=None, account=None,
            id_form=None, name=None, county=None, v: Village | None = None, size=1, tier=1, personal=0,
            income=0) -> list[tuple]:
        """Payments of p, one per month index; returns (…, month index, amount) rows as the city's."""
        rows = []
        if account is not None:
            p.account = bank_card(account)
        for m in ([months] if isinstance(months, int) else months):
            a = amount if amount is not None else RATE[prog] * (size if prog == DIBAO else 1) + personal
            month = self.mon(m)
            x = Payment(p, prog, month, a, paid_on or month.replace(day=PAY_DAY.get(prog, 10)), remark or "",
                        size if prog == DIBAO else None, sub_type or ("企业职工" if prog == EMPLOYEE else ""),
                        (v.township, v.name) if v else None)
            if prog == CARE and p.pid in self.manual:     # R06's people: the roster gives their grade
                x.grade = "一二三四"[tier - 1] + "级"
            if county not in (None, COUNTY[0]):
                x.place = ("贺村镇", "")
                self.s.elsewhere.append(x)
            else:
                self.s.payments.append(x)
            if id_form == "15":
                spoil(x, "legacy15")
            elif id_form == "hist":
                x.cells["id"] = historical_number(p)
            if name:
                x.cells["name"] = name
            rows.append((p.pid, prog, sub_type, m, a))
        return rows

    def die(self, p: Person, death_on: dt.date, sources=("公安注销",), name=None, id_form=None,
            dereg_on: dt.date | None = None, no_death_date: tuple = ()) -> None:
        dereg = dereg_on or death_on + dt.timedelta(days=self.rng.randint(10, 40))
        for src in sources:
            d = Death(p, src, None if src in no_death_date else death_on, name=name,
                      id_text=p.id_number[:6] + p.id_number[8:17] if id_form == "15" else None)
            if src == "公安注销":
                d.dereg_on = dereg
            if src == "民政火化":
                d.cremation_on = death_on + dt.timedelta(days=2)
            self.s.deaths.append(d)
        if name is None:
            p.status, p.change_on = "死亡", dereg

    def staff(self, p: Person, unit: str, status: str = "在职", start: dt.date = dt.date(2005, 8, 1),
              end: dt.date | None = None) -> None:
        unit_type, staff_type = unit_kind(unit)
        self.s.staff.append(Staff(p, unit, unit_type, staff_type, status, start, end, self.rng.randrange(5200, 8800, 50)))

    def vehicle(self, p: Person, vtype="小型轿车", registered=dt.date(2016, 5, 12), status="正常", status_on=None,
                plate_type="小型汽车", use="非营运") -> str:
        car = Vehicle(p, _plate(self.rng), plate_type, vtype, use, registered, status, status_on)
        self.s.vehicles.append(car)
        return car.plate

    def business(self, people: list, name: str, kind: str = "个体工商户", status="存续", est=dt.date(2016, 3, 25),
                 closed=None, capital=None) -> str:
        lead = people[0][1]
        code = credit_code(CREDIT_CATEGORY[kind], COUNTY[0], org_code(self.rng))
        self.s.businesses.append(Business(code, name, kind, status, est, closed, capital or "", lead.township,
                                          f"常山县{lead.township}{lead.village}{self.rng.randint(1, 99)}号", people))
        return code

    def project(self, v: Village, what: str, contractor: str, credit: str | None, amount: int, signed: dt.date,
                procurement="村级小额工程直接发包") -> str:
        self._projects += 1
        name = f"{v.name}{signed.year}年{what}（{self._projects}）"
        account = "3305016" + "".join(self.rng.choice("0123456789") for _ in range(13))
        self.s.projects.append(Project(name, v.township, v.name, procurement, contractor, credit or "", amount, signed,
                                       amount, account))
        return name

    def claim(self, holder: Person, v: Village | None = None, township: str | None = None, prefer: tuple = (),
              extra: str | None = None, start: dt.date | None = None, end: dt.date | None = None) -> Post:
        """The sample's standard posts are held by its population: a scenario's cadre gets a post of his own."""
        if v is not None:
            post = Post(holder, "村干部", extra or ("社区居民小组长" if v.community else "村民小组长"), v.township, v.name,
                        start or dt.date(self.base - 2, 4, 15), end, False, _phone(self.rng))
        else:
            post = Post(holder, "低保经办人员", extra or "社会救助经办人", township, None, start or dt.date(2016, 3, 1), end,
                        False, _phone(self.rng))
        _add_post(self.s, post)
        return post

    def file_kin(self, recipient: Person, cadre: Person, post: Post, relation: str, programme: str,
                 filed_on: dt.date) -> None:
        self.s.kin_filings.append(KinFiling(recipient, post, relation, programme, filed_on))

    def agreement(self, project: str, no: str, plot: str, p: Person, area: str, rate: str, amount, signed) -> None:
        self._agreements[no] = Agreement(project, no, plot, p, float(area), rate, float(amount), signed)
        self.s.agreements.append(self._agreements[no])

    def payout(self, no: str, p: Person, payee: Person, amount, paid_on: dt.date, note: str) -> None:
        self.s.payouts.append(Payout(self._agreements[no], float(amount), paid_on, note,
                                     payee=None if payee is p else payee))

    def cert(self, p: Person, category: int, grade: int, issued: dt.date, reassessed: dt.date | None = None,
             status: str = "正常", bad_id: bool = False, suffix: str | None = None) -> None:
        """A 残联 certificate row; bad_id: its number starts with another person's ID number."""
        owner = p.id_number
        if bad_id:
            other = next(q for q in reversed(self.s.people) if q.id_number != owner and q.status == "正常")
            owner = other.id_number
        self.s.certificates.append([p, f"{owner}{category}{grade}{suffix or ''}", str(category), str(grade), issued,
                                    reassessed, p.id_number])

    def low_income(self, p: Person, category: str, start: dt.date, end: dt.date | None = None) -> None:
        self.s.low_income.append([p, start, end, category])

    def housing_aid(self, h: Person, on: dt.date, grade: str = "C级", amount=None, remark=None) -> None:
        g = grade.rstrip("级")
        self.s.housing_aid.append((h, on.year, on, g, amount if amount is not None else GRADE_YUAN[g], remark))

    def prisoner(self, p: Person, prison: str, start: dt.date, end: dt.date | None, name: str | None = None) -> None:
        self.s.prison_terms.append((p, name or p.name, prison, start, end))

    # -- the answer key
    def plant(self, rule: str, expect: str, p: Person, programme: str, note: str, rows: list | None = None,
              months=None, amount=None, period=None, id_form=None, subject_pid=None) -> None:
        if rows is not None:
            ms = sorted({r[3] for r in rows})
            months, amount = len(ms), sum(r[4] for r in rows)
            period = (self.mon(ms[0]), self.mon(ms[-1])) if ms else None
        flag = expect == "flag"
        self.s.plant(rule, expect, p, programme, note, months if flag else None, amount if flag else None,
                     period[0] if flag and period else None, period[1] if flag and period else None,
                     id_number=historical_number(p) if id_form == "hist" else subject_pid)


def historical_number(p: Person) -> str:
    """p's number under 常山县's historical code 332427 (1981–1985), with its own check character."""
    body = "332427" + p.id_number[6:17]
    return body + check_char(body)


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

    add_jiangshan(s)
    plant_population_cases(s)

    # ---- every rule's cases and traps (bench/world/scenarios), each in households of its own -------------
    world = SampleWorld(s)
    for planter in SCENARIOS:
        world.n, world.n_traps = SCENARIOS[planter]
        planter(world)
    plant_register_quality(s)
    add_certificates(s, world.manual)

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


def add_jiangshan(s: Sample) -> None:
    """江山市's pension list: its own pensioners (IDs 330881…, not in 常山's register); the scenarios add a 常山
    pensioner it also pays (R04) and a 江山 payee outside the register (R13)."""
    rng = s.rng
    for i, town in enumerate(["双塔街道", "虎山街道", "贺村镇", "清湖街道", "峡口镇", "贺村镇", "双塔街道", "峡口镇"]):
        sex = "男" if i % 2 else "女"
        birth = dt.date(rng.randint(1936, 1959), rng.randint(1, 12), rng.randint(1, 28))
        q = Person(make_id("330881", birth, 500 + 2 * i + (sex == "男")), s.name(), sex, birth, "", "", town, "")
        amount = rng.choice([245, 260, 275, 310])
        s.elsewhere += [Payment(q, PENSION, m, amount, m.replace(day=15)) for m in MONTHS]


def plant_register_quality(s: Sample) -> None:
    """R18 (b), the sample's own (the city writes its ledgers' places from its villages): a 乡镇 on a ledger
    that is not in the division tables."""
    f = s.single(XIWU, "女", dt.date(1968, 5, 5))
    s.pay(f, LIVING, MONTHS[0], LAST, place=("青云乡", "青云村"))
    s.plant("R18", "flag", f, LIVING, "生活补贴名册上的乡镇“青云乡”不在衢州市区划表中", 12, 12 * 270, MONTHS[0], LAST)


def plant_population_cases(s: Sample) -> None:
    """The sample's own population plants a few cases and traps that no scenario made: the two filed
    relatives of add_kin_filings (R10 traps, filed before their first paid month), the G351 agreements of
    add_compensation paid in two instalments that add up (R12 traps), and any cadre or case worker whose
    father or mother in the register draws assistance unfiled (an R10 case as drawn)."""
    for k in s.kin_filings[:2]:
        s.plant("R10", "none", k.recipient, k.programme,
                f"{k.post.post}{k.post.person.name}的{k.relation}，{k.filed_on:%Y-%m-%d} 已备案，早于首次发放")
    for ag in [x for x in s.agreements if x.no.startswith("G351")]:
        s.plant("R12", "none", ag.person, ag.project, f"{ag.no}：两期（60%+40%）合计 {ag.amount:.2f} 元，足额")
    filed = {k.recipient.id_number for k in s.kin_filings}
    for post in [p for p in s.posts if p.end_on is None]:
        for parent_id, relation in ((post.person.father, "父亲"), (post.person.mother, "母亲")):
            paid = [x for x in s.payments if x.person.id_number == parent_id and x.programme in (DIBAO, TEKUN, LIVING, CARE)]
            if paid and parent_id not in filed:
                s.plant("R10", "flag", paid[0].person, paid[0].programme,
                        f"{post.post}{post.person.name}的{relation}，享受{paid[0].programme}，未备案（抽样人口中自然出现，非专门植入）",
                        len(paid), sum(x.amount for x in paid), paid[0].month, paid[-1].month)


def add_certificates(s: Sample, manual: set[str]) -> None:
    """The 残联 registry and the 低收入农户 list for everyone the scenarios left to the population (`manual`:
    the R06 and R16 scenarios' people, who have their own): a certificate for every recipient of the two
    subsidies (护理补贴: 智力/精神 三、四级, allowed in Zhejiang; the ID column blank on every third row), and a
    低收入 row for every 生活补贴 recipient outside 低保."""
    paid = {}
    for x in s.payments:
        if x.programme in (LIVING, CARE) and x.amount > 0 and x.person.id_number not in manual:
            paid.setdefault(x.person.id_number, (x.person, set()))[1].add(x.programme)
    dibao_households = {x.person.household_no for x in s.payments if x.programme == DIBAO}
    for i, (p, progs) in enumerate(sorted(paid.values(), key=lambda v: v[0].id_number)):
        cat, grade = ("5", "3") if i % 2 else ("6", "4")
        if CARE not in progs:
            cat, grade = str(1 + i % 7), str(1 + i % 4)
        s.certificates.append([p, p.id_number + cat + grade, cat, grade, dt.date(2015 + i % 5, 1 + i % 12, 10), None,
                               p.id_number if i % 3 else None])
        if LIVING in progs and p.household_no not in dibao_households:
            s.low_income.append([p, dt.date(2018, 1 + i % 12, 1), None, "低保边缘户"])


# the shared scenarios the sample plants, with (cases, traps): enough for every variant of each once
SCENARIOS = {scenarios.plant_r01: (8, 3), scenarios.plant_r02: (3, 3), scenarios.plant_r03: (5, 5),
             scenarios.plant_r04: (3, 4), scenarios.plant_r05: (4, 3), scenarios.plant_r13: (3, 3),
             scenarios.plant_r15: (4, 3), scenarios.plant_r07: (3, 4), scenarios.plant_r08: (3, 3),
             scenarios.plant_r09: (3, 2), scenarios.plant_r14: (2, 2), scenarios.plant_r18: (6, 4),
             scenarios.plant_r10: (5, 4), scenarios.plant_r11: (3, 2), scenarios.plant_r12: (3, 3),
             scenarios.plant_r06: (5, 6), scenarios.plant_r16: (5, 6), scenarios.plant_r17: (5, 8)}


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


# ---- helpers of the sample world's verbs --------------------------------------------------------------------

def _add_post(s: Sample, post: Post) -> None:
    """A cadre added to the 组织部 roster, two-character names padded like everyone else's there."""
    if len(post.person.name) == 2:
        post.cells["name"] = post.person.name[0] + "\u3000" + post.person.name[1]
        post.mark = Mark("loaded", "NORMALISED", "两字姓名中间以全角空格（U+3000）补齐", "name", post.person.name)
    s.posts.append(post)


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


def _cn_date0(d: dt.date | None) -> str | None:
    """2020年03月15日 (公安's way), or nothing (a record with only a 注销日期)."""
    return d.strftime("%Y年%m月%d日") if d else None


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
        g = Grid("护理补贴2020年度.xlsx", town, ["A1:I1", "F2:H2", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "I2:I3"],
                 {"C": 10, "D": 22, "G": 12, "H": 12}, {"H": "yyyy-mm-dd"})
        g.title(f"{town}2020年重度残疾人护理补贴发放表")
        g.header("序号", "村（社区）", "姓名", "身份证号", "残疾等级", "发放情况", None, None, "备注", note="两行表头（上）")
        g.header(None, None, None, None, None, "所属期", "实发金额", "发放日期", None, note="两行表头（下）")
        town_pays = [p for p in pays if p.township == town]
        for i, p in enumerate(town_pays, 1):
            g.add([i, p.village, p.cell("name", p.person.name), p.cell("id", p.person.id_number), p.grade or None,
                   p.cell("month", f"{p.month.year}年{p.month.month}月"), p.cell("amount", f"{p.amount:,.2f}"), p.paid_on,
                   p.remark or None], p.mark)
        subtotal = sum(p.amount for p in town_pays)
        g.total(["小计", None, None, None, None, None, f"{subtotal:,.2f}", None, None], subtotal, subtotal,
                "本乡镇小计，与各行之和相符")
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
    ds = sorted(s.deaths, key=lambda d: (d.death_on or d.dereg_on, d.person.id_number))
    # 公安 户籍注销: xlsx with a title, dates 2020年03月15日
    g = Grid("公安_户籍注销人员_2020.xlsx", "注销", ["A1:H1"], {"B": 22})
    g.title("户籍注销（死亡）人员名单")
    g.header("姓名", "公民身份号码", "性别", "死亡日期", "注销日期", "注销原因", "证明类型", "派出所")
    for d in (d for d in ds if d.source == "公安注销"):
        g.add([d.name or d.person.name, d.id_text or d.person.id_number, d.person.sex, _cn_date0(d.death_on),
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


# ---- R17's files: the employees' pension list (人社) and the prisoners' list (司法) -----------------------
EMPLOYEE_PENSION = EMPLOYEE
RATE[EMPLOYEE_PENSION] = 3000      # invented; each planted payee has his own amount


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
    for i, (p, name, prison, start, end) in enumerate(s.prison_terms, 1):
        g.add([i, name, p.id_number, prison, start.strftime("%Y年%m月%d日"),
               end.strftime("%Y年%m月%d日") if end else None, "有期徒刑"])
    _xlsx(s, out, [g])


WRITERS.append(write_employee_pension)
WRITERS.append(write_prisoners)


# ---- R16's file: the 住建 危房改造 list ------------------------------------------------------------------
GRADE_YUAN = {"C": 10000, "D": 30000}     # R16's params grade_c_yuan, grade_d_yuan


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
    rows = sorted(s.housing_aid, key=lambda r: (r[1], r[0].id_number))
    for i, (p, year, approved, grade, amount, remark) in enumerate(rows, 1):
        g.add([i, p.township, p.village, p.name, p.id_number, year, approved, f"{grade}级",
               "拆除重建" if grade == "D" else "维修加固", f"{amount:,.2f}", (approved + dt.timedelta(days=150)).strftime("%Y.%m.%d"),
               remark])
    total = sum(r[4] for r in rows)
    g.total(["合计", None, None, None, None, None, None, None, None, f"{total:,.2f}", None, None], total, total,
            "与全部数据行之和相符")
    _xlsx(s, out, [g])


WRITERS.append(write_housing_aid)
# ---- R06's files: the 残联 certificate registry and the 低收入农户 list --------------------------------------


def write_disability_certs(s: Sample, out: Path) -> None:
    """残联 持证残疾人 registry: xlsx, a title, categories and grades in words (肢体 / 三级), dates as
    2016.03.01 text, the ID column blank on some rows (derive it from the certificate)."""
    g = Grid("残联_持证残疾人信息_2020.xlsx", "持证人员", ["A1:I1"], {"C": 24, "D": 22})
    g.title("常山县持证残疾人信息库（导出日期：2021年1月4日）")
    g.header("序号", "姓名", "残疾人证号", "身份证号", "残疾类别", "残疾等级", "发证日期", "复评日期", "证件状态")
    names = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    grades = ["一级", "二级", "三级", "四级"]
    for i, (p, no, cat, grade, issued, reassessed, idn) in enumerate(s.certificates, 1):
        g.add([i, p.name, no, idn, names[int(cat) - 1], grades[int(grade) - 1], issued.strftime("%Y.%m.%d"),
               reassessed.strftime("%Y.%m.%d") if reassessed else None, "正常"])
    _xlsx(s, out, [g])


def write_low_income(s: Sample, out: Path) -> None:
    """农业农村 低收入农户 list: CSV (GBK), one row per member, 户主 columns, 纳入 and 退出 dates as 2018/3/1."""
    g = Grid("农业农村局_低收入农户认定名单2020.csv")
    g.header("序号", "乡镇", "村", "户主姓名", "成员姓名", "成员身份证号", "认定类别", "纳入日期", "退出日期")
    for i, (p, start, end, category) in enumerate(s.low_income, 1):
        g.add([i, p.township, p.village, p.name, p.name, p.id_number, category, _ymd_slash(start),
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


"""Generate a synthetic city for the scale benchmark: a 衢州-like inbox of department files for N people,
with planted cases and traps for every rule and their answer key.

    .venv/bin/python bench/generate.py --people 2500000 --seed 1 --out data/bench/city_100
    .venv/bin/python bench/generate.py --compare RUN_DIR/cases.csv --out data/bench/city_1   # check a run

Deterministic for (N, seed, options). The big tables (people, households, payments, deaths, vehicles,
businesses) are generated inside DuckDB from range() with hash()-based pseudo-randomness seeded by --seed,
and written with COPY ... TO CSV; only the planted scenarios (a few per 10,000 people) and the small
rosters are built in Python. See bench/README.md for the city, its proportions and what is planted.

Output (DIR): inbox/ (the department files, as the loader reads them), planted.csv (the answer key: one
row per planted case, expect=flag, and per trap, expect=none; the columns of data/sample/planted.csv)
and summary.json (what was written).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.world import ids, key  # noqa: E402  (the world's package: bench/world/)
from bench.world.files import Grid, write_copied_csv, write_xlsx  # noqa: E402
from bench.world.ids import CREDIT_CATEGORY, indexed_credit_code, indexed_plate  # noqa: E402
from bench.world.people import unique_name  # noqa: E402
from bench.world.programmes import CARE, DIBAO, ELDER, EMPLOYEE, LIVING, PENSION, TEKUN  # noqa: E402
from bench.world.scenarios import PLANTERS  # noqa: E402  (every rule's cases and traps, written once)
from bench.world.scenarios.protocol import OTHER_ZJ_CITY, OUT_OF_PROVINCE, OUTSIDE_AREAS, Households, Village, unit_kind  # noqa: E402
from sources.declarations import place_aliases  # noqa: E402  (as the loader reads place names)
from sources.quoting import sql_str  # noqa: E402

SOURCES = ROOT / "sources"

# ---- the calendar: entitlement months BASE-01 … 2020-12 (default 2019-01 …), as month indexes 0 … NM-1 ----
BASE = 2019
NM = 24


def set_window(years: int) -> None:
    """The ledgers cover the last `years` years up to December 2020 (default 2: 2019-01 … 2020-12)."""
    global BASE, NM
    BASE, NM = 2021 - years, 12 * years


def mon(i: int) -> dt.date:
    return dt.date(BASE + i // 12, i % 12 + 1, 1)


def midx(d: dt.date) -> int:
    return (d.year - BASE) * 12 + d.month - 1


COUNTIES = {"330802": "柯城区", "330803": "衢江区", "330822": "常山县", "330824": "开化县", "330825": "龙游县",
            "330881": "江山市"}
# the code an ID number issued in the 1980s may still carry (divisions.csv: each maps to the current code)
HISTORICAL = {"330802": "332402", "330803": "330821", "330822": "332427", "330824": "332429", "330825": "332430",
              "330881": "339006"}
# 低保 standard (yuan per person and month) per county, 2019 and 2020 (invented; domain.md §0.8: not public).
# 生活补贴 = 30 % of it (浙江), 护理补贴 一级 30 % / 二级 20 %, 特困 基本生活 = 1.3 × (浙江)
STD = {"330802": (870, 930), "330803": (850, 910), "330822": (805, 881), "330824": (805, 881),
       "330825": (820, 890), "330881": (840, 900)}
PENSION_BASE = {2012: 80, 2013: 90, 2014: 100, 2015: 120, 2016: 135, 2017: 135, 2018: 155, 2019: 155, 2020: 180}


def std_of(county: str, year: int) -> int:
    """The 低保 standard of a year (before 2019: about 7 % less a year)."""
    return STD[county][year - 2019] if year >= 2019 else int(STD[county][0] * 0.93 ** (2019 - year) + 0.5)


def std(county: str, m: int) -> int:
    return std_of(county, mon(m).year)


def rate(prog: str, county: str, m: int, tier: int = 1, size: int = 1, income: int = 0, personal: int = 0,
         birth: dt.date | None = None) -> int:
    """The monthly amount (whole yuan); the SQL of the ordinary population computes the same."""
    if prog == PENSION:
        return PENSION_BASE[mon(m).year] + personal
    if prog == ELDER:
        age = mon(m).year - birth.year - ((mon(m).month, 1) < (birth.month, birth.day))
        return 500 if age >= 100 else 100 if age >= 90 else 50
    s = std(county, m)
    if prog == LIVING:
        return (s * 3 + 5) // 10
    if prog == CARE:
        return (s * 3 + 5) // 10 if tier == 1 else (s * 2 + 5) // 10
    if prog == DIBAO:
        return size * (s - income)
    if prog == TEKUN:
        return (s * 13 + 5) // 10
    raise ValueError(prog)


SURNAMES = ("徐徐徐徐王王王王张张张李李李刘刘陈陈陈杨杨黄黄赵吴吴周周郑郑汪汪汪毛毛余余方方江江叶叶童程程姜胡胡邵宋祝"
            "鲁傅占林何朱严舒蓝柴郭夏龚许占杜洪翁鄢饶詹管巫")
GIVEN_M = "建国华明军伟强平志勇林春海根土水生发荣宝清忠德福金良兵文斌涛鹏俊杰新龙永贵财和祥荣卫东红光辉"
GIVEN_F = "英秀兰芳红梅丽燕玉凤珍桂花琴娟霞萍美云芬月仙香莲素翠彩娥爱春雪慧敏婷静娜婉琳倩"
VILLAGE_A = "东西南北上下前大小新老高长石枫樟桃柳梅竹松青白黄红金银龙凤马鹤狮三五九田塘坂畈峰岩"
VILLAGE_B = "坑坞溪源塘口湾田畈岭山坪垄岗园里埠头店庄坂洋畲堰湖沿底岩墩峰垅渡桥"


# ---- reference data of the project (read-only) ---------------------------------------------------------

def read_csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))




class Geography:
    """The townships and villages the city's people live in, and what R03 reads from a destination."""

    def __init__(self, people: int):
        divs = read_csv_rows(SOURCES / "divisions.csv")
        # the generator's own list of provinces and this province's cities (bench/regions.csv): it keeps these
        # names out of village names and checks that each planted destination reads as planted
        self.regions = read_csv_rows(Path(__file__).with_name("regions.csv"))
        current = [d for d in divs if d["level"] in ("county", "township") and not d["valid_to"]]
        rows = []
        for d in current:
            county = d["code"] if d["level"] == "county" else d["parent_code"]
            for a in place_aliases(d["name"]):
                rows.append((a, d["level"], county))
        seen = Counter((a, lvl) for a, lvl, _ in rows)
        self.aliases = [(a, c) for a, lvl, c in rows if seen[(a, lvl)] == 1]
        # what R03 matches a destination against: counties by any name, townships by their full name only
        full = {d["name"] for d in current if d["level"] == "township"}
        self.r03_places = [(a, c) for a, lvl, c in rows if seen[(a, lvl)] == 1 and (lvl == "county" or a in full)]
        # villages: about 1,600 people each, spread over townships of every county (round robin)
        towns = [d for d in current if d["level"] == "township" and d["parent_code"] in COUNTIES]
        by_county = {c: sorted((t for t in towns if t["parent_code"] == c), key=lambda t: t["code"]) for c in COUNTIES}
        order = []
        for k in range(max(len(v) for v in by_county.values())):
            for c in sorted(COUNTIES):
                if k < len(by_county[c]):
                    order.append(by_county[c][k])
        wanted = max(6, math.ceil(people / 1600))
        n_towns = min(len(order), max(6, math.ceil(2.5 * math.sqrt(wanted))))
        per_town = max(1, round(wanted / n_towns))
        self.towns = order[:n_towns]
        bad = {a for a, _ in self.aliases} | {r["name"] for r in self.regions}
        pool = [a + b for b in VILLAGE_B for a in VILLAGE_A
                if a != b and not any(x in a + b + "村" or x in a + b + "社区" for x in bad)]
        self.villages: list[Village] = []
        for k in range(per_town):
            for ti, t in enumerate(self.towns):
                name = pool[(ti * 53 + k) % len(pool)]
                street = t["name"].endswith("街道")
                suffix = "社区" if street or (k == 0 and ti % 3 == 0) else "村"
                self.villages.append(Village(len(self.villages), name + suffix, t["name"], t["code"], t["parent_code"],
                                             COUNTIES[t["parent_code"]]))
        self.n_towns = n_towns
        self.per_town = per_town

    # a rough reading of a destination (R03 itself reads it with the gazetteer: the `moves` table of
    # rules/places.sql): used to check that every planted destination is meant as planted
    def judge(self, dest: str, from_county: str) -> tuple[bool, bool, bool]:
        other_prov = any(r["name"] in dest and not any(r["name"] + x in dest for x in "镇乡村街路")
                         for r in self.regions if r["in_zhejiang"] == "N")
        zj = any(r["name"] in dest for r in self.regions if r["in_zhejiang"] == "Y")
        other_city = any(r["name"] in dest for r in self.regions
                         if r["in_zhejiang"] == "Y" and r["level"] == "prefecture" and r["name"] != "衢州")
        other_cty = any(a in dest for a, c in self.r03_places if c != from_county and not a.isdigit())
        own_cty = any(a in dest for a, c in self.r03_places if c == from_county and not a.isdigit())
        out_prov = other_prov and not (zj or own_cty or other_cty)
        out_cty = out_prov or other_city or (other_cty and not own_cty)
        inst = re.search("福利院|养老院|敬老院|托养|福利中心|护理院|光荣院|供养中心", dest) is not None
        return out_prov, out_cty, inst


# ---- planted scenarios ---------------------------------------------------------------------------------
# Every case and trap lives in households of its own (new people, new 户号), so that only the rules it is
# planted for can fire. The ordinary population is generated in SQL afterwards and never touches them.

SCEN_PID0 = 1_000_000_000
SCEN_HH0 = 9_000_000


@dataclass
class SP:
    """A scenario person. ID numbers are assigned later in SQL, together with everyone else's."""
    pid: int
    sex: str
    birth: dt.date
    vid: int
    hh: int | None
    relation: str
    name: str
    father: int | None = None
    mother: int | None = None
    spouse: int | None = None
    in_register: bool = True
    status: str = "正常"
    change_on: dt.date | None = None
    destination: str | None = None
    area: str | None = None        # address code of the ID number when not the county's
    protect: bool = False          # keep the name even where it collides (R15 丙)
    reg_sex: str | None = None     # the register's 性别 / 出生日期 where they contradict the number (R18)
    reg_birth: dt.date | None = None


@dataclass
class Post:
    post_id: int
    roster: str                    # 村干部 | 低保经办人员
    vid: int | None
    township: str
    township_code: str
    county: str
    post: str
    start: dt.date
    end: dt.date | None
    both: bool = False             # 一肩挑
    holder: int | None = None      # a scenario person; else filled from the population in SQL
    claimable: bool = True
    phone: str = ""
    on_payroll: bool = False


class Plant(Households):
    """Builds the planted cases and traps (rows of small tables) and the answer key."""

    def __init__(self, geo: Geography, seed: int, n: int):
        self.geo, self.n, self.n_traps = geo, n, n
        self.rng = random.Random(seed * 1_000_003 + 17)
        self.persons: list[SP] = []
        self.pays: list[tuple] = []          # see PAY_COLS
        self.deaths: list[tuple] = []        # pid, source, death_on, dereg_on, cremation_on, issued_on, name, id_form
        self.second_rows: list[tuple] = []   # pid, hh, relation, vid, status, change_on, destination
        self.payroll: list[tuple] = []       # pid, unit, unit_type, staff_type, status, start, end, salary
        self.vehicles: list[tuple] = []      # pid, plate, plate_type, vehicle_type, use_type, registered, status, status_on
        self.businesses: list[tuple] = []    # credit, name, type, status, est, closed, capital, township, address, pid, role
        self.projects: list[tuple] = []      # name, vid, procurement, contractor, credit, amount, signed, paid, account
        self.agreements: list[tuple] = []    # project, no, plot, pid, area, rate, amount, signed
        self.payouts: list[tuple] = []       # no, pid, payee_pid, amount, paid_on, note
        self.filings: list[tuple] = []       # recipient pid, cadre pid, post, relation, programme, filed_on, vid
        self.key: list[dict] = []
        # R06, R16, R17: the 残联 registry, the 低收入 list, 危房改造, the prisoners' list (scenario rows; the
        # ordinary population's are generated in SQL). `manual`: scenario people given no automatic certificate
        # or 低收入 row (the R06 scenarios decide theirs).
        self.certs: list[tuple] = []         # pid, category 1-7, grade 1-4, issued, reassessed, status, bad_id, suffix
        self.low_income_rows: list[tuple] = []  # pid, category, start_on, end_on
        self.housing: list[tuple] = []       # pid (head), year, approved_on, grade, method, amount, remark
        self.prison: list[tuple] = []        # pid, prison, start_on, end_on, name_override
        self.manual: set[int] = set()
        self.posts: list[Post] = []
        self.outsiders: list[SP] = []
        self._pid = SCEN_PID0
        self._hh = SCEN_HH0
        self._names: set = set()
        self._plates = 40_000_000
        self._credit = 600_000_000
        self._project = 0
        self.make_posts(seed)

    # -- roster skeleton: five posts per village, two case workers per township -----------------------------
    def make_posts(self, seed: int) -> None:
        r = random.Random(seed * 7919 + 3)
        phone = lambda: r.choice(["139", "138", "137", "135", "158", "189", "133", "157"]) + f"{r.randrange(10 ** 8):08d}"  # noqa: E731
        for v in self.geo.villages:
            both = r.random() < 0.4
            c = "社区" if v.community else "村"
            names = ([f"{c}党组织书记、{c}民委员会主任" if c == "村" else "社区党组织书记、社区居民委员会主任",
                      "村民委员会副主任" if c == "村" else "社区居民委员会副主任"] if both else
                     [f"{c}党组织书记", "村民委员会主任" if c == "村" else "社区居民委员会主任"])
            names += ["村务监督委员会主任" if c == "村" else "社区居务监督委员会主任", f"{c}报账员",
                      "村民委员会委员" if c == "村" else "社区居民委员会委员"]
            start = dt.date(min(2017, BASE - 2), 4, r.randint(5, 28))
            for k, post in enumerate(names):
                if k >= 2 and r.random() < 0.08:      # resigned mid-term, replaced the next day
                    end = dt.date(BASE, r.randint(1, 12), r.randint(1, 28))
                    self.posts.append(Post(len(self.posts), "村干部", v.vid, v.township, v.township_code, v.county, post,
                                           start, end, False, claimable=False, phone=phone()))
                    self.posts.append(Post(len(self.posts), "村干部", v.vid, v.township, v.township_code, v.county, post,
                                           end + dt.timedelta(days=1), None, False, claimable=False, phone=phone()))
                else:
                    self.posts.append(Post(len(self.posts), "村干部", v.vid, v.township, v.township_code, v.county, post,
                                           start, None, both and k == 0, phone=phone()))
        for t in self.geo.towns:
            for post, y0, y1, payroll in (("民政助理员", 2008, 2016, True), ("低保经办人", 2012, BASE, False)):
                self.posts.append(Post(len(self.posts), "低保经办人员", None, t["name"], t["code"], t["parent_code"], post,
                                       dt.date(r.randint(y0, y1), r.randint(1, 12), r.randint(1, 28)), None,
                                       on_payroll=payroll, phone=phone()))

    def claim(self, holder: SP, v: Village | None = None, township: str | None = None,
              prefer: tuple = ("书记", "主任", "报账员", "委员"), extra: str | None = None,
              start: dt.date | None = None, end: dt.date | None = None) -> Post:
        """Give a scenario person a post: a free standard post of the village (or the township's 低保经办人),
        else an extra post (村民小组长)."""
        if start is None and end is None:
            for word in prefer:
                for p in self.posts:
                    if p.claimable and p.holder is None and word in p.post and (
                            (v is not None and p.vid == v.vid) or (township is not None and p.vid is None
                                                                   and p.township == township)):
                        p.holder = holder.pid
                        if p.start >= mon(0):   # a planted cadre serves through the whole data
                            p.start = p.start.replace(year=BASE - 1)
                        return p
        if v is not None:
            post = extra or ("社区居民小组长" if v.community else "村民小组长")
            p = Post(len(self.posts), "村干部", v.vid, v.township, v.township_code, v.county, post,
                     start or dt.date(BASE - 2, 4, 15), end, holder=holder.pid, claimable=False,
                     phone=f"139{self.rng.randrange(10 ** 8):08d}")
        else:
            t = next(t for t in self.geo.towns if t["name"] == township)
            p = Post(len(self.posts), "低保经办人员", None, township, t["code"], t["parent_code"], extra or "社会救助经办人",
                     start or dt.date(2016, 3, 1), end, holder=holder.pid, claimable=False,
                     phone=f"139{self.rng.randrange(10 ** 8):08d}")
        self.posts.append(p)
        return p

    # -- the calendar and the places (bench/world/scenarios/protocol.py) ------------------------------------
    programmes = frozenset({LIVING, CARE, DIBAO, TEKUN, PENSION, ELDER, EMPLOYEE})

    @property
    def nm(self) -> int:
        return NM

    @property
    def base(self) -> int:
        return BASE

    @staticmethod
    def mon(i: int) -> dt.date:
        return mon(i)

    @property
    def villages(self) -> list[Village]:
        return self.geo.villages

    def place(self, p: SP) -> Village:
        return self.geo.villages[p.vid]

    def townships(self) -> list[str]:
        return sorted({x.township for x in self.geo.villages})

    def other_county(self, county: str) -> tuple[str, str]:
        other = self.rng.choice([c for c in COUNTIES if c != county])
        return other, COUNTIES[other]

    def judge(self, dest: str, from_county: str) -> tuple[bool, bool, bool]:
        return self.geo.judge(dest, from_county)

    def outsider(self, sex: str, birth: dt.date) -> tuple[SP, str]:
        """A person of 婺城区 (金华), a county the register does not cover, and that county's code."""
        o = self.person(self.geo.villages[0], sex, birth, in_register=False, area="330702")
        self.outsiders.append(o)
        return o, "330702"

    def second_row(self, p: SP, head: SP, relation: str) -> None:
        """p registered a second time, 正常, in the household of `head`."""
        self.second_rows.append((p.pid, head.hh, relation, head.vid, "正常", None, None))

    @staticmethod
    def misregister(p: SP, sex: str | None = None, birth: dt.date | None = None) -> None:
        """The register's 性别 or 出生日期 of p contradicts p's number (which keeps the true ones)."""
        p.reg_sex, p.reg_birth = sex, birth

    def quiet(self, *people: SP) -> None:
        """People given no automatic certificate or 低收入 row (their scenario decides)."""
        self.manual.update(p.pid for p in people)

    # -- people ---------------------------------------------------------------------------------------------
    def name(self, sex: str, surname: str | None = None) -> str:
        return unique_name(self.rng, self._names, SURNAMES, GIVEN_M if sex == "男" else GIVEN_F, (1, 2, 2), surname)

    def new_hh(self) -> int:
        self._hh += 1
        return self._hh

    def person(self, v: Village, sex: str, birth: dt.date, hh: int | None = None, relation: str = "户主",
               surname: str | None = None, name: str | None = None, **kw) -> SP:
        self._pid += 1
        p = SP(self._pid, sex, birth, v.vid, hh if hh is not None else self.new_hh(), relation,
               name or self.name(sex, surname), **kw)
        self.persons.append(p)
        return p

    def by_pid(self, pid: int) -> SP:
        return next(p for p in reversed(self.persons) if p.pid == pid)

    # -- rows -----------------------------------------------------------------------------------------------
    def pay(self, p: SP, prog: str, months, amount=None, sub_type=None, remark=None, paid_on=None, account: SP | None = None,
            id_form=None, name=None, county=None, v: Village | None = None, size=1, tier=1, personal=0,
            income=0) -> list[tuple]:
        """Payment rows of p (one per month, months 0…23), in the ledger of the county of v (default: p's
        village). Returns the rows (for the answer key)."""
        v = v or self.geo.villages[p.vid]
        county = county or v.county
        rows = []
        for m in ([months] if isinstance(months, int) else months):
            a = amount if amount is not None else rate(prog, county, m, tier, size, income, personal, p.birth)
            sub = sub_type
            if prog == DIBAO and sub is None:
                sub = "城市低保" if v.community else "农村低保"
            row = (p.pid, prog, sub, m, a, paid_on or mon(m).replace(day=PAY_DAY[prog]), remark,
                   (account or p).pid, id_form, name, county, v.vid, size if prog == DIBAO else None, tier)
            rows.append(row)
        self.pays += rows
        return rows

    def die(self, p: SP, death_on: dt.date, sources=("公安注销",), name=None, id_form=None,
            dereg_on: dt.date | None = None, no_death_date: tuple = ()) -> None:
        dereg = dereg_on or death_on + dt.timedelta(days=self.rng.randint(10, 40))
        for s in sources:
            self.deaths.append((p.pid, s, None if s in no_death_date else death_on,
                                dereg if s == "公安注销" else None,
                                death_on + dt.timedelta(days=2) if s == "民政火化" else None,
                                death_on + dt.timedelta(days=1) if s == "卫健死亡证明" else None, name, id_form))
        if name is None:
            p.status, p.change_on = "死亡", dereg

    def staff(self, p: SP, unit: str, status: str = "在职", start: dt.date = dt.date(2005, 8, 1),
              end: dt.date | None = None) -> None:
        kind = unit_kind(unit)
        self.payroll.append((p.pid, unit, kind[0], kind[1], status, start, end, self.rng.randrange(5200, 8800, 50)))

    def vehicle(self, p: SP, vtype="小型轿车", registered=dt.date(2016, 5, 12), status="正常", status_on=None,
                plate_type="小型汽车", use="非营运") -> str:
        self._plates += 1
        pl = indexed_plate(self._plates)
        self.vehicles.append((p.pid, pl, plate_type, vtype, use, registered, status, status_on))
        return pl

    def business(self, people: list[tuple[str, SP]], name: str, kind: str = "个体工商户", status="存续",
                 est=dt.date(2016, 3, 25), closed=None, capital=None) -> str:
        self._credit += 1
        v = self.geo.villages[people[0][1].vid]
        code = indexed_credit_code(CREDIT_CATEGORY[kind], v.county, self._credit)
        for role, p in people:
            self.businesses.append((code, name, kind, status, est, closed, capital, v.township,
                                    f"{v.county_name}{v.township}{v.name}{self.rng.randint(1, 99)}号", p.pid, role))
        return code

    def project(self, v: Village, what: str, contractor: str, credit: str | None, amount: int, signed: dt.date,
                procurement="村级小额工程直接发包") -> str:
        self._project += 1
        name = f"{v.name}{signed.year}年{what}（{self._project}）"
        self.projects.append((name, v.vid, procurement, contractor, credit, amount, signed, amount,
                              "3305016" + f"{self.rng.randrange(10 ** 13):013d}"))
        return name

    def file_kin(self, recipient: SP, cadre: SP, post: Post, relation: str, programme: str, filed_on: dt.date) -> None:
        self.filings.append((recipient.pid, cadre.pid, post.post, relation, programme, filed_on, cadre.vid))

    def agreement(self, project: str, no: str, plot: str, p: SP, area: str, rate_text: str, amount, signed) -> None:
        self.agreements.append((project, no, plot, p.pid, area, rate_text, amount, signed))

    def payout(self, no: str, p: SP, payee: SP, amount, paid_on: dt.date, note: str) -> None:
        self.payouts.append((no, p.pid, payee.pid, amount, paid_on, note))

    def cert(self, p: SP, category: int, grade: int, issued: dt.date, reassessed: dt.date | None = None,
             status: str = "正常", bad_id: bool = False, suffix: str | None = None) -> None:
        self.certs.append((p.pid, category, grade, issued, reassessed, status, bad_id, suffix))

    def low_income(self, p: SP, category: str, start: dt.date, end: dt.date | None = None) -> None:
        self.low_income_rows.append((p.pid, category, start, end))

    def housing_aid(self, h: SP, on: dt.date, grade: str = "C级", amount=None, remark=None) -> None:
        method = "维修加固" if grade == "C级" else "拆除重建"
        self.housing.append((h.pid, on.year, on, grade, method,
                             amount if amount is not None else (10000 if grade == "C级" else 30000), remark))

    def prisoner(self, p: SP, prison: str, start: dt.date, end: dt.date | None, name: str | None = None) -> None:
        self.prison.append((p.pid, prison, start, end, name))

    # -- the answer key -------------------------------------------------------------------------------------
    def plant(self, rule: str, expect: str, p: SP | None, programme: str, note: str, rows: list[tuple] | None = None,
              months=None, amount=None, period=None, id_form=None, subject_pid=None) -> None:
        """One line of planted.csv. rows: the payment rows the case consists of (months, amount and period
        follow from them); else months/amount/period as given (None: left empty)."""
        if rows is not None:
            ms = sorted({r[3] for r in rows})
            months, amount = len(ms), sum(r[4] for r in rows)
            period = (mon(ms[0]), mon(ms[-1])) if ms else None
        self.key.append({"rule_id": rule, "expect": expect, "pid": subject_pid or p.pid, "id_form": id_form,
                         "programme": programme, "months": months if expect == "flag" else None,
                         "amount_yuan": amount if expect == "flag" else None,
                         "period": period if expect == "flag" else None, "note": note})


PAY_DAY = {LIVING: 10, CARE: 12, DIBAO: 8, TEKUN: 5, PENSION: 15, ELDER: 20, EMPLOYEE: 25}
PAY_COLS = ["pid", "programme", "sub_type", "m", "amount", "paid_on", "remark", "account_pid", "id_form", "name_override",
            "county", "vid", "hh_size", "tier"]


# ---- the ordinary population, in DuckDB ------------------------------------------------------------------

def pa_int():
    import pyarrow as pa
    return pa.int64()


def pa_str():
    import pyarrow as pa
    return pa.string()


def pa_date():
    import pyarrow as pa
    return pa.date32()


def sql_list(items) -> str:
    return "[" + ", ".join(sql_str(str(x)) for x in items) + "]"


MACROS = """
create or replace macro rnd(a, b) as ((hash(a, b, {seed}) % 1000000007)::double / 1000000007.0);
create or replace macro pick(lst, a, b) as lst[1 + (hash(a, b, {seed}) % len(lst))::integer];
create or replace macro midx(d) as ((year(d) - {base}) * 12 + month(d) - 1);
create or replace macro mon(m) as (date '{base}-01-01' + to_months(m::integer))::date;
-- GB 11643-1999 check character over a 17-digit body (ISO 7064 MOD 11-2), as sources/macros.sql
create or replace macro id_check(b) as {id_check};
create or replace macro b31(n) as list_reduce(list_transform(range(9), lambda k:
    '{cc}'[1 + ((n // pow(31, 8 - k)::bigint) % 31)::integer]), lambda a, b: a || b);
create or replace macro credit(s17) as s17 || '{cc}'[1 + ((31 - list_sum(list_transform(range(17),
    lambda i: (strpos('{cc}', s17[i + 1]) - 1) * {cw}[i + 1])) % 31) % 31)::integer];
create or replace macro plate(n) as '{pp}' || list_reduce(list_transform(range(5), lambda k:
    '{pc}'[1 + ((n // pow(34, 4 - k)::bigint) % 34)::integer]), lambda a, b: a || b);
-- a person's own bank card: 62 + the 17 digits of the ID body, permuted (one card per person)
create or replace macro card(id) as '62' || substr(id, 15, 3) || substr(id, 7, 8) || substr(id, 1, 6);
"""


class City:
    """Builds every table of the city in one DuckDB database, then writes the inbox."""

    def __init__(self, people: int, seed: int, rate_per_10k: float, min_cases: int, pension_share: float,
                 tmp: Path, log=print):
        import duckdb

        self.people, self.seed, self.pension_share, self.log = people, seed, pension_share, log
        self.geo = Geography(people)
        self.n_cases = max(min_cases, round(rate_per_10k * people / 10000))
        self.P = Plant(self.geo, seed, self.n_cases)
        for f in PLANTERS:
            f(self.P)
        tmp.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": "12GB",
                                          "temp_directory": str(tmp / "spill"), "preserve_insertion_order": True})
        self.con.execute(MACROS.format(seed=seed, base=BASE, id_check=ids.id_check_sql("b"), cc=ids.CREDIT_CHARS,
                                       cw=ids.CREDIT_WEIGHTS, pp=ids.PLATE_PREFIX, pc=ids.PLATE_CHARS))
        self.t0 = time.perf_counter()

    def sql(self, text: str, what: str | None = None) -> None:
        t = time.perf_counter()
        self.con.execute(text)
        if what:
            self.log(f"  {what}: {time.perf_counter() - t:.1f} s")

    def q1(self, text: str):
        return self.con.execute(text).fetchone()[0]

    def table(self, name: str, cols: list[str], rows: list[tuple], types: dict | None = None) -> None:
        """A small table from Python rows (via Arrow)."""
        import pyarrow as pa

        types = types or {}
        arrays = []
        for i, c in enumerate(cols):
            vals = [r[i] for r in rows]
            t = types.get(c)
            if t is None:
                sample = next((x for x in vals if x is not None), None)
                t = (pa.date32() if isinstance(sample, dt.date) else pa.bool_() if isinstance(sample, bool)
                     else pa.int64() if isinstance(sample, int) else pa.string())
            arrays.append(pa.array(vals, t))
        tbl = pa.table(dict(zip(cols, arrays))) if rows else pa.table({c: pa.array([], types.get(c, pa.string()))
                                                                           for c in cols})
        self.con.register("_py_rows", tbl)
        self.con.execute(f"create or replace table {name} as select * from _py_rows")
        self.con.unregister("_py_rows")

    # -- build ----------------------------------------------------------------------------------------------
    def build(self) -> None:
        self.reference_tables()
        self.population()
        self.ids_and_names()
        self.events()
        self.programmes()
        self.roles()

    def reference_tables(self) -> None:
        geo, P = self.geo, self.P
        self.table("village", ["vid", "vname", "township", "township_code", "county", "county_name", "community"],
                   [(v.vid, v.name, v.township, v.township_code, v.county, v.county_name, v.community) for v in geo.villages])
        self.table("std", ["county", "y", "std", "pension"],
                   [(c, y, std_of(c, y), PENSION_BASE[y]) for c in STD for y in range(BASE, 2021)])
        self.table("hist_area", ["county", "hist"], list(HISTORICAL.items()))
        self.table("scen_person", ["pid", "sex", "birth", "vid", "hh", "relation", "name", "father", "mother", "spouse",
                                   "in_register", "status", "change_on", "destination", "area", "protect", "reg_sex",
                                   "reg_birth"],
                   [(p.pid, p.sex, p.birth, p.vid, p.hh, p.relation, p.name, p.father, p.mother, p.spouse, p.in_register,
                     p.status, p.change_on, p.destination, p.area, p.protect, p.reg_sex, p.reg_birth) for p in P.persons],
                   {"father": pa_int(), "mother": pa_int(), "spouse": pa_int(), "change_on": pa_date(),
                    "destination": pa_str(), "area": pa_str(), "reg_sex": pa_str(), "reg_birth": pa_date()})
        self.table("scen_pay", PAY_COLS, P.pays, {"sub_type": pa_str(), "remark": pa_str(), "id_form": pa_str(),
                                                   "name_override": pa_str(), "hh_size": pa_int(), "paid_on": pa_date()})
        self.table("scen_death", ["pid", "source", "death_on", "dereg_on", "cremation_on", "issued_on", "name_override",
                                  "id_form"], P.deaths,
                   {"death_on": pa_date(), "dereg_on": pa_date(), "cremation_on": pa_date(), "issued_on": pa_date(),
                    "name_override": pa_str(), "id_form": pa_str()})
        self.table("scen_second", ["pid", "hh", "relation", "vid", "status", "change_on", "destination"], P.second_rows,
                   {"change_on": pa_date(), "destination": pa_str()})
        self.table("post", ["post_id", "roster", "vid", "township", "township_code", "county", "post", "start_on", "end_on",
                            "both_heads", "holder", "phone", "on_payroll"],
                   [(p.post_id, p.roster, p.vid, p.township, p.township_code, p.county, p.post, p.start, p.end, p.both,
                     p.holder, p.phone, p.on_payroll) for p in P.posts],
                   {"vid": pa_int(), "end_on": pa_date(), "holder": pa_int()})

    def population(self) -> None:
        """Clans: a root couple (户主 and 妻, born 1922–1985), their children (some stay in the root household,
        married sons with 儿媳 and grandchildren; most married children head households of their own, 分户,
        in the same or a nearby village; daughters live in their husbands' households) and grandchildren.
        Parents are linked by the father/mother ID columns, couples by the spouse column. People married in
        from other clans have no parents on record, so kinship never crosses clans."""
        geo = self.geo
        V, T, Vt = len(geo.villages), geo.n_towns, geo.per_town
        scen = sum(1 for p in self.P.persons if p.in_register)
        target = max(1000, self.people - scen)
        C = math.ceil(target / 5.5) + 50
        self.sql(f"""
create or replace table clan as
with c0 as (
    select c, 1925 + floor(pow(rnd(c, 'y0'), 1.05) * 61)::int as y0, floor(rnd(c, 'v') * {V})::int as v,
           [0, 1, 1, 2, 2, 2, 3, 3, 4][1 + floor(rnd(c, 'n') * 9)::int] as n_ch
    from range({C}) t(c)
)
select *, least(y0 + floor(rnd(c, 'yw') * 5)::int, 1995) as yw,
       y0 >= 1935 or rnd(c, 'm') < 0.45 as m_present
from c0;

create or replace table kid as
with k as (
    select c, i, c * 4 + i as ki, y0 + 23 + 3 * i + floor(rnd(c * 4 + i, 'kb') * 3)::int as byr,
           rnd(c * 4 + i, 'ks') < 0.52 as male, n_ch, v
    from clan, range(4) t(i) where i < n_ch
), k2 as (
    select *, (2020 - byr) >= 23 and rnd(ki, 'mar') < least(0.93, ((2020 - byr) - 22) / 8.0) as married
    from k where byr <= 2019
), k3 as (
    select *, male and married and i = n_ch - 1 and rnd(ki, 'stay') < 0.4 as stay from k2
)
select *, case when married then [0, 1, 1, 2, 2, 3][1 + floor(rnd(ki, 'ng') * 6)::int] else 0 end as n_gc,
       case when not married or stay then c * 5 else c * 5 + 1 + i end as hh,
       case when not married or stay then v
            when rnd(ki, 'hv') < (case when male then 0.85 else 0.5 end) then v
            else (v + {T} * (1 + floor(rnd(ki, 'hv2') * {max(Vt - 1, 0)})::int)) % {V} end as hv
from k3;

create or replace table gkid as
select k.c, k.i, k.ki, j, k.byr + 24 + 3 * j + floor(rnd(k.ki * 3 + j, 'gb') * 3)::int as gby,
       rnd(k.ki * 3 + j, 'gs') < 0.52 as male, k.male as via_son, k.stay, k.hh, k.hv
from kid k, range(3) t(j) where j < k.n_gc;

create or replace table person0 as
select c * 32 as pid, c, 0 as slot, '男' as sex, y0 as byr, c * 5 as hh, '户主' as relation, v as vid,
       null::bigint as father, null::bigint as mother,
       case when not m_present or rnd(c, 'f') < (case when y0 >= 1935 then 0.85 else 0.6 end) then c * 32 + 1 end as spouse,
       m_present as in_register, false as outside
from clan
union all
select c * 32 + 1, c, 1, '女', yw, c * 5, case when m_present then '妻' else '户主' end, v, null, null,
       case when m_present then c * 32 end,
       not m_present or rnd(c, 'f') < (case when y0 >= 1935 then 0.85 else 0.6 end), false
from clan
union all
select c * 32 + 2 + i, c, 2 + i, case when male then '男' else '女' end, byr, hh,
       case when hh = c * 5 then (case when male then '子' else '女' end) else (case when male then '户主' else '妻' end) end,
       hv, c * 32, c * 32 + 1, case when married then c * 32 + 6 + i end, true, false
from kid
union all
select c * 32 + 6 + i, c, 6 + i, case when male then '女' else '男' end,
       byr + case when male then floor(rnd(ki, 'sb') * 4)::int else -floor(rnd(ki, 'sb') * 4)::int end, hh,
       case when stay then '儿媳' when male then '妻' else '户主' end, hv, null, null, c * 32 + 2 + i, true,
       rnd(ki, 'out') < 0.15
from kid where married
union all
select c * 32 + 10 + 3 * i + j, c, 10 + 3 * i + j, case when male then '男' else '女' end, gby, hh,
       case when stay then (case when male then '孙子' else '孙女' end) else (case when male then '子' else '女' end) end,
       hv, case when via_son then c * 32 + 2 + i else c * 32 + 6 + i end,
       case when via_son then c * 32 + 6 + i else c * 32 + 2 + i end, null, true, false
from gkid where gby <= 2020;

-- whole clans, in order, up to the number of people wanted
create or replace table keep_clan as
select c from (
    select c, sum(count(*) filter (where in_register)) over (order by c) as upto
    from person0 group by c
) where upto <= {target};
""", "clans and households")
        self.sql("""
create or replace table person as
select pid, c as clan, slot, sex, make_date(byr, 1, 1) + floor(rnd(pid, 'bd') * 365)::int as birth, hh, relation,
       vid, father, mother, spouse, in_register, outside, null::varchar as area_given, null::varchar as name_given,
       false as protect, false as is_scen, null::varchar as reg_sex, null::date as reg_birth
from person0 where c in (select c from keep_clan)
union all
select pid, pid, null, sex, birth, hh, relation, vid, father, mother, spouse, in_register, false, area, name, protect, true,
       reg_sex, reg_birth
from scen_person;
drop table person0; drop table kid; drop table gkid;
""", "people")

    def ids_and_names(self) -> None:
        """ID numbers (unique digits 7–17 city-wide, so a historical county code never makes another person's
        number), names (clan surnames; names unique within a village by birth date and sex, R15 丙)."""
        sur = sql_list(SURNAMES)
        gm, gf = sql_list(GIVEN_M), sql_list(GIVEN_F)
        self.sql(f"""
create or replace table person_id as
with a as (
    select p.pid, p.birth, p.sex,
           case when p.area_given is not null then p.area_given
                when p.outside then pick({sql_list(OUTSIDE_AREAS)}, p.pid, 'oa')
                when not p.is_scen and year(p.birth) <= 1984 and rnd(p.pid, 'hist') < 0.25 then h.hist
                else v.county end as area
    from person p join village v using (vid) join hist_area h on h.county = v.county
), b as (
    select pid, area || strftime(birth, '%Y%m%d')
           || lpad((2 * (row_number() over (partition by birth, sex order by pid) + 4)
                    + case when sex = '男' then 1 else 0 end)::varchar, 3, '0') as body
    from a
)
select pid, body || id_check(body) as id from b;

create or replace table person_name as
select pid, case when name_given is not null then name_given else
       (case when slot = 1 or slot between 6 and 9 then pick({sur}, pid, 'sur')
             when slot >= 10 and father >= clan * 32 + 6 then pick({sur}, father, 'sur')
             else pick({sur}, clan * 32, 'sur') end)
       || case when sex = '男' then pick({gm}, pid, 'g1') || case when rnd(pid, 'g2') < 0.72 then pick({gm}, pid, 'g2c') else '' end
               else pick({gf}, pid, 'g1') || case when rnd(pid, 'g2') < 0.72 then pick({gf}, pid, 'g2c') else '' end end
       end as name
from person;
""", "ID numbers and names")
        assert self.q1("select max(substr(id, 15, 3)::int) from person_id") < 1000
        assert self.q1("select count(*) - count(distinct id) from person_id") == 0

    def fix_names(self) -> None:
        """Two different people of one village with the same name, birth date and sex look like one person
        under two numbers (R15 丙): rename all but one (never a protected scenario person)."""
        gm, gf = sql_list(GIVEN_M), sql_list(GIVEN_F)
        for it in range(8):
            self.sql(f"""
create or replace temp table clash as
with places as (
    select pid, vid from reg_row
    union select pid, vid from scen_pay
), k as (
    select distinct x.pid, x.vid, p.birth, p.sex, n.name, p.protect, p.is_scen
    from places x join person p using (pid) join person_name n using (pid)
), g as (
    select *, count(distinct pid) over (partition by vid, birth, sex, name) as n,
           dense_rank() over (partition by vid, birth, sex, name order by protect desc, is_scen desc, pid) as r
    from k
)
select distinct pid, sex from g where n > 1 and r > 1 and not protect;
update person_name n set name = left(n.name, 1)
    || case when c.sex = '男' then pick({gm}, n.pid, 'fix{it}') || pick({gm}, n.pid, 'fiy{it}')
            else pick({gf}, n.pid, 'fix{it}') || pick({gf}, n.pid, 'fiy{it}') end
from clash c where c.pid = n.pid;
""")
            if not self.q1("select count(*) from clash"):
                break
        self.renamed_rounds = it


    def events(self) -> None:
        """Deaths (about 1 % a year, by age) reported by one to three offices with small date differences, and
        moves away (迁出, with a 迁往地); a move inside the city also gives the person a row in a new household.
        The death month everyone's payments stop at is the earliest date the records give."""
        V = len(self.geo.villages)
        years, days = NM // 12, (dt.date(2021, 1, 1) - mon(0)).days
        self.sql(f"""
create or replace table ev as
with a as (
    select pid, vid, {BASE} - year(birth) as age from person where in_register and not is_scen
), b as (
    select *, rnd(pid, 'die') < {years} * least(0.3, 0.00026 * exp(0.09 * (age - 20))) as dies,
           date '{BASE}-01-01' + floor(rnd(pid, 'dd') * {days})::int as death_date
    from a
)
select *, not dies and rnd(pid, 'mv') < {years / 2} * case when age between 18 and 40 then 0.03 else 0.006 end as moves,
       date '{BASE}-01-01' + floor(rnd(pid, 'md') * {days})::int as move_date,
       floor(rnd(pid, 'dk') * 10)::int as dest_kind,
       ({V} + vid + 1 + floor(rnd(pid, 'dv') * {max(V - 1, 1)})::int) % {V} as dest_vid
from b;

create or replace table death_rec as
with d as (
    select pid, death_date, rnd(pid, 's1') < 0.9 as ga, rnd(pid, 's2') < 0.7 as mz, rnd(pid, 's3') < 0.6 as wj
    from ev where dies
)
select pid, '公安注销' as source, case when rnd(pid, 'nd') < 0.1 then null else death_date end as death_on,
       least(death_date + 5 + floor(rnd(pid, 'dg') * 55)::int, date '2020-12-31') as dereg_on, null::date as cremation_on,
       null::date as issued_on,
       null::varchar as name_override, null::varchar as id_form
from d where ga or not (mz or wj)
union all
select pid, '民政火化', least(death_date + case when rnd(pid, 'd2') < 0.2 then 1 else 0 end, date '2020-12-31'), null,
       least(death_date + 1 + floor(rnd(pid, 'cr') * 3)::int, date '2020-12-31'), null, null, null
from d where mz
union all
select pid, '卫健死亡证明', death_date - case when rnd(pid, 'd3') < 0.1 then 1 else 0 end, null, null,
       least(death_date + floor(rnd(pid, 'is') * 2)::int, date '2020-12-31'), null, null
from d where wj
union all
select * from scen_death;

-- the death each payment must stop at: the earliest date of the records (all names match the register)
create or replace table death_eff as
select pid, coalesce(min(death_on), min(cremation_on), min(dereg_on)) as eff, max(dereg_on) as dereg
from death_rec where name_override is null group by pid;

create or replace table status as
select e.pid,
       case when e.dies then '死亡' when e.moves then '迁出' else '正常' end as status,
       case when e.dies then coalesce(f.dereg, f.eff + 20) when e.moves then e.move_date end as change_on,
       case when e.moves then
            case when e.dest_kind < 4 then pick({sql_list(OUT_OF_PROVINCE)}, e.pid, 'dp')
                 when e.dest_kind < 7 then pick({sql_list(OTHER_ZJ_CITY)}, e.pid, 'dz')
                 when w.county = v.county then w.county_name || w.township || w.vname
                 else '衢州市' || w.county_name || w.township || w.vname end end as destination,
       case when e.dies then midx(f.eff) end as dm,
       case when e.moves then midx(e.move_date) end as mm,
       e.moves and e.dest_kind >= 7 as second_row
from ev e left join death_eff f using (pid) join village v on v.vid = e.vid join village w on w.vid = e.dest_vid;

-- every row of the household register: people as registered, and the new row of a move inside the city
create or replace table reg_row as
select p.pid, p.hh, p.relation, p.vid, coalesce(s.status, '正常') as status, s.change_on, s.destination, 1 as row_kind
from person p left join status s using (pid) where p.in_register and not p.is_scen
union all
select pid, hh, relation, vid, status, change_on, destination, 1 from scen_person where in_register
union all
select s.pid, 6000000 + row_number() over (order by s.pid), '户主', e.dest_vid, '正常', null, null, 2
from status s join ev e using (pid) where s.second_row
union all
select pid, hh, relation, vid, status, change_on, destination, 2 from scen_second;
""", "deaths and moves")
        self.fix_names()

    def programmes(self) -> None:
        """Who is paid what, month by month: 特困 (old people alone), 低保 households (about 2 % of people
        insured), the two disability subsidies (about 1.5 % and 1.2 %), 城乡居民养老 (a share of everyone from
        the month after their 60th birthday) and 高龄补贴 (80 and over). Payments stop with the death month,
        and with the month of a move for everything but the pension."""
        n_ord = self.q1("select count(*) from person where in_register and not is_scen")
        self.sql(f"""
create or replace table pp as   -- ordinary people still registered in 2019, with their events
select p.pid, p.clan, p.hh, p.vid, p.relation, p.birth, {BASE} - year(p.birth) as age, v.county, v.community,
       s.dm, s.mm, s.status
from person p join status s using (pid) join village v using (vid)
where p.in_register and not p.is_scen;

create or replace table hh_info as
select hh, count(*) as size, arg_min(pid, case when relation = '户主' then 0 else 1 end) as head,
       bool_or(relation = '户主') as has_head
from pp group by hh;

create or replace table tk as
select pid from pp join hh_info h using (hh)
where h.size = 1 and age >= 60 and rnd(pid, 'tk') < 0.003 * {n_ord}
      / (select count(*) from pp join hh_info using (hh) where size = 1 and age >= 60);

create or replace table db_hh as
with e as (
    select h.hh, h.head, h.size from hh_info h join pp on pp.pid = h.head
    where h.has_head and pp.age >= 25 and h.head not in (select pid from tk)
)
select hh, head, least(size, 5) as size, pick([0, 100, 200, 300], hh, 'inc') as income
from e where rnd(hh, 'db') < 0.02 * {n_ord} / (select sum(size) from e);

create or replace table db_member as
select pp.pid from pp join db_hh using (hh);

create or replace table dis as
with e as (
    select pid, pid in (select pid from db_member) as in_db from pp
    where pid not in (select pid from tk) and age >= 1
), l as (
    select pid, in_db, case when in_db then rnd(pid, 'li') < 0.25
                            else rnd(pid, 'li') < (0.015 * {n_ord} - 0.25 * (select count(*) from e where in_db))
                                                 / (select count(*) from e where not in_db) end as living
    from e
)
select pid, living, case when living then rnd(pid, 'ca') < 0.45
                         else rnd(pid, 'ca') < (0.012 * {n_ord} - 0.45 * (select count(*) from l where living))
                                              / (select count(*) from l where not living) end as care
from l;

create or replace table enrol as
with spans as (
    select pid, '{LIVING}' as programme, null as sub_type, pid as payee, 1 as tier from dis where living
    union all select pid, '{CARE}', null, pid, case when rnd(pid, 'tier') < 0.5 then 1 else 2 end from dis where care
    union all select pid, '{TEKUN}', case when rnd(pid, 'jz') < 0.15 then '集中供养' else '分散供养' end, pid, 1 from tk
), local_spans as (
    select s.*, case when rnd(s.pid, s.programme || 'new') < 0.9 then 0 else floor(rnd(s.pid, s.programme || 'f') * {NM})::int end
           as first_m
    from spans s
), db as (
    select d.head as pid, '{DIBAO}' as programme, case when pp.community then '城市低保' else '农村低保' end as sub_type,
           d.size, d.income, case when rnd(d.hh, 'new') < 0.9 then 0 else floor(rnd(d.hh, 'f') * {NM})::int end as first_m
    from db_hh d join pp on pp.pid = d.head
), all_spans as (
    select l.pid, l.programme, l.sub_type, l.first_m, l.tier, null::int as size, 0 as income, 0 as personal,
           case when l.programme <> '{TEKUN}' and pp.age < 18 and h.head <> l.pid then h.head else l.pid end as account_pid
    from local_spans l join pp using (pid) join hh_info h using (hh)
    union all
    select pid, programme, sub_type, first_m, 1, size, income, 0, pid from db
    union all   -- the pension from the month after the 60th birthday
    select pid, '{PENSION}', null, greatest(0, midx(birth + interval 60 year) + 1), 1, null, 0,
           10 * floor(rnd(pid, 'pers') * 15)::int, pid
    from pp where birth + interval 60 year < date '2020-12-01'
      and rnd(pid, 'pen') < {self.pension_share} * {n_ord}
          / (select count(*) from pp where birth + interval 60 year < date '2020-12-01')
    union all   -- 高龄补贴 from the month after the 80th birthday
    select pid, '{ELDER}', null, greatest(0, midx(birth + interval 80 year) + 1), 1, null, 0, 0, pid
    from pp where birth + interval 80 year < date '2020-12-01'
)
select a.*, pp.county, pp.vid,
       least(case when a.programme in ('{PENSION}', '{ELDER}') or rnd(a.pid, a.programme || 'end') >= 0.04 then {NM - 1}
                  else a.first_m + floor(rnd(a.pid, a.programme || 'e') * ({NM} - a.first_m))::int end,
             coalesce(pp.dm, 99),
             case when a.programme <> '{PENSION}' then coalesce(pp.mm, 99) else 99 end) as last_m
from all_spans a join pp using (pid);
delete from enrol where last_m < first_m;
""", "programmes")
        self.sql(f"""
create or replace table payment as
select e.pid, e.programme, e.sub_type, m::int as m,
       case e.programme
           when '{LIVING}' then (s.std * 3 + 5) // 10
           when '{CARE}' then case when e.tier = 1 then (s.std * 3 + 5) // 10 else (s.std * 2 + 5) // 10 end
           when '{DIBAO}' then e.size * (s.std - e.income)
           when '{TEKUN}' then (s.std * 13 + 5) // 10
           when '{PENSION}' then s.pension + e.personal
           else (case when date_part('year', age(mon(m), p.birth)) >= 100 then 500
                      when date_part('year', age(mon(m), p.birth)) >= 90 then 100 else 50 end) end::bigint as amount,
       mon(m) + {PAY_DAY[LIVING]} - 1 as paid_on, null::varchar as remark, e.account_pid, null::varchar as id_form,
       null::varchar as name_override, e.county, e.vid, e.size as hh_size, e.tier
from enrol e, unnest(generate_series(e.first_m, e.last_m)) t(m)
join std s on s.county = e.county and s.y = {BASE} + m // 12
join person p on p.pid = e.pid;
""", "payments (ordinary)")
        # pay days differ per programme; the remark 新增 marks the first month of a new recipient
        days = " ".join(f"when '{k}' then {d}" for k, d in PAY_DAY.items())
        self.sql(f"""
update payment set paid_on = mon(m) + (case programme {days} end) - 1;
update payment p set remark = '新增' from enrol e
where e.pid = p.pid and e.programme = p.programme and p.m = e.first_m and e.first_m > 0
  and e.programme not in ('{PENSION}', '{ELDER}');
-- a few months paid late, as 补发 with the next month's payment (same entitlement month: no overpayment)
update payment set paid_on = mon(m + 1) + (case programme {days} end) - 1, remark = '补发' || month(mon(m)) || '月'
where programme in ('{LIVING}', '{CARE}') and m < {NM - 1} and rnd(pid, m || programme || 'late') < 0.004;
-- a few pensions paid twice by mistake and reversed (冲正) the next month: net one payment
create or replace temp table twice as
select * from payment where programme = '{PENSION}' and rnd(pid, m || 'twice') < 0.0005 and m < {NM - 1};
insert into payment select pid, programme, sub_type, m, amount, paid_on, '重复发放', account_pid, id_form, name_override,
                           county, vid, hh_size, tier from twice;
insert into payment select pid, programme, sub_type, m, -amount, mon(m + 1) + 24, '冲正' || month(mon(m)) || '月重复发放',
                           account_pid, id_form, name_override, county, vid, hh_size, tier from twice;
-- a 低保 household is reduced (减员) from the month after a member's death: 保障人数 and amount (R01 未减员)
update payment x set hh_size = greatest(x.hh_size - d.n, 1), amount = x.amount // x.hh_size * greatest(x.hh_size - d.n, 1)
from (select x.pid, x.m, count(*) as n
      from payment x join pp h on h.pid = x.pid join pp q on q.hh = h.hh and q.pid <> h.pid
      where x.programme = '{DIBAO}' and q.dm < x.m group by all) d
where x.programme = '{DIBAO}' and d.pid = x.pid and d.m = x.m;
insert into payment select * from scen_pay;
-- 人社 职工基本养老 (企业职工): most of the people aged 60+ not paid 城乡居民养老 (never both: R17), from the
-- month after the 60th birthday to the death month; no one who moves away (R03 reads local lists)
insert into payment
select e.pid, '{EMPLOYEE}', '企业职工', t.m::int, e.amount, mon(t.m) + {PAY_DAY[EMPLOYEE] - 1}, null, e.pid, null, null,
       e.county, e.vid, null, null
from (select pid, county, vid, greatest(0, midx(birth + interval 60 year) + 1) as first_m,
             least({NM - 1}, coalesce(dm, 99)) as last_m, 2000 + 10 * floor(rnd(pid, 'empa') * 200)::bigint as amount
      from pp
      where birth + interval 60 year < date '2020-12-01' and mm is null and rnd(pid, 'emp') < 0.6
        and pid not in (select pid from enrol where programme in ('{PENSION}', '{TEKUN}'))) e,
     unnest(generate_series(e.first_m, e.last_m)) t(m);
""", "payments (pay days, arrears, corrections, planted)")

    def roles(self) -> None:
        """Cadres and case workers, the payroll, vehicles, businesses, village projects and compensation, each
        given only to people who cannot make a rule fire by accident: no cadre in a clan with assistance
        (R10), no payroll member, live car or business in a 低保 household (R07–R09), no contractor in a
        cadre's clan (R11); compensation is paid in full to the entitled person or a housemate (R12)."""
        self.sql(f"""
create or replace table assisted_clan as
select distinct p.clan from payment x join person p using (pid)
where x.programme in ('{LIVING}', '{CARE}', '{DIBAO}', '{TEKUN}') and not p.is_scen;

create or replace table steady as   -- alive and registered here through 2020
select pp.*, p.clan from pp join person p using (pid) where pp.status = '正常';

create or replace table cand as
select s.pid, s.vid, s.township_code, rnd(s.pid, 'pool') < 0.6 as village_pool,
       row_number() over (partition by s.vid, rnd(s.pid, 'pool') < 0.6 order by rnd(s.pid, 'cad')) as rv,
       row_number() over (partition by s.township_code, rnd(s.pid, 'pool') < 0.6 order by rnd(s.pid, 'cad')) as rt
from (select steady.*, v.township_code from steady join village v using (vid)) s
where s.relation = '户主' and s.age between 25 and 60 and s.clan not in (select clan from assisted_clan);

update post set holder = c.pid
from (select post_id, vid, row_number() over (partition by vid order by post_id) as r
      from post where roster = '村干部' and holder is null) x
join cand c on c.vid = x.vid and c.village_pool and c.rv = x.r
where post.post_id = x.post_id;
update post set holder = c.pid
from (select post_id, township_code, row_number() over (partition by township_code order by post_id) as r
      from post where roster = '低保经办人员' and holder is null) x
join cand c on c.township_code = x.township_code and not c.village_pool and c.rt = x.r
where post.post_id = x.post_id;
delete from post where holder is null;

create or replace table cadre_clan as
select distinct p.clan from post join person p on p.pid = post.holder;

create or replace table db_house as select hh from db_hh;   -- households on 低保 (R07–R09)
""", "cadres and case workers")
        n_ord = self.q1("select count(*) from pp")
        units = ["人民政府办公室", "教育局", "人民医院", "中医院", "第一中学", "实验小学", "公安局", "财政局", "农业农村局",
                 "自然资源和规划局", "市场监督管理局", "交通运输局", "水利局", "民政局", "人力资源和社会保障局",
                 "卫生健康局", "林业水利局", "综合行政执法局", "疾病预防控制中心", "图书馆"]
        town_units = ["人民政府", "中心小学", "卫生院", "初级中学", "农业综合服务中心"]
        self.sql(f"""
create or replace table payroll as
with e as (
    select s.pid, s.age, s.county, v.county_name, v.township from steady s join village v using (vid)
    where s.age between 22 and 59 and s.hh not in (select hh from db_house) and s.pid not in (select pid from tk)
      and s.pid not in (select holder from post)
), c as (
    select * from e where rnd(pid, 'pay') < 0.02 * {n_ord} / (select count(*) from e)
)
select pid, unit, case when unit similar to '.*(院|校|学|中心|站|所|馆)' then '事业单位' else '行政单位' end as unit_type,
       case when unit similar to '.*(院|校|学|中心|站|所|馆)' then '事业编制' else '行政编制' end as staff_type,
       status, start_on, case when status = '辞职' then date '2012-01-01' + floor(rnd(pid, 'quit') * 3200)::int
                              when status = '退休' then date '2019-01-01' + floor(rnd(pid, 'ret') * 700)::int end as end_on,
       (4800 + 50 * floor(rnd(pid, 'sal') * 90))::int as salary
from (
    select pid, case when rnd(pid, 'tu') < 0.35 then county_name || township || pick({sql_list(town_units)}, pid, 'u')
                     else county_name || pick({sql_list(units)}, pid, 'u') end as unit,
           case when rnd(pid, 'st') < 0.04 then '辞职' when age >= 58 and rnd(pid, 'st2') < 0.5 then '退休' else '在职' end
               as status,
           make_date(least(2019 - age + 22 + floor(rnd(pid, 'in') * 5)::int, 2019), 7 + floor(rnd(pid, 'im') * 3)::int, 1)
               as start_on
    from c
)
union all   -- the townships' 民政助理员 are civil servants
select post.holder, v.county_name || post.township || '人民政府', '行政单位', '行政编制', '在职',
       make_date(least(year(post.start_on) - 1, 2019 - s.age + 23), 8, 1), null, 6800
from post join steady s on s.pid = post.holder join village v on v.vid = s.vid
where post.on_payroll;
""", "payroll")
        self.sql(f"""
create or replace table vehicle as
with owners as (   -- adults of households without 低保
    select pid, 1 as k from steady where age between 20 and 75 and hh not in (select hh from db_house)
        and rnd(pid, 'car') < 0.2
    union all select pid, 2 from steady where age between 20 and 75 and hh not in (select hh from db_house)
        and rnd(pid, 'car') < 0.03
), v as (
    select pid, k, date '2005-01-01' + floor(rnd(pid * 3 + k, 'reg') * 5800)::int as registered_on,
           pick(['小型轿车', '小型轿车', '小型轿车', '小型轿车', '小型普通客车', '小型越野客车', '轻型普通货车',
                 '重型自卸货车', '普通二轮摩托车', '小型轿车'], pid * 3 + k, 'vt') as vehicle_type,
           floor(rnd(pid * 3 + k, 'vs') * 100)::int as s
    from owners
)
select pid, k, vehicle_type, registered_on,
       case when s < 85 then '正常' when s < 90 then '转移' when s < 94 then '注销' when s < 97 then '报废' else '逾期未检' end
           as status,
       case when s between 85 and 96 then least(registered_on + 200 + floor(rnd(pid * 3 + k, 'so') * 3000)::int,
                                                date '2020-12-20') end as status_on
from v
union all   -- old cars of 低保 households, scrapped before the data begins
select pid, 3, '小型轿车', date '2004-01-01' + floor(rnd(pid, 'oreg') * 2000)::int, '报废',
       date '{BASE - 4}-01-01' + floor(rnd(pid, 'oso') * 1400)::int
from steady where age between 25 and 70 and hh in (select hh from db_house) and rnd(pid, 'ocar') < 0.03
union all   -- cars adapted for disabled drivers (exempt)
select pid, 4, '残疾人专用小型自动挡载客汽车', date '2012-01-01' + floor(rnd(pid, 'dreg') * 3000)::int, '正常', null
from dis where care and rnd(pid, 'dcar') < 0.05 and pid in (select pid from steady where age between 20 and 70);
""", "vehicles")
        self.sql(f"""
create or replace table business as
with o as (   -- owners: adults of households without 低保
    select s.pid, s.vid, s.clan, v.county, v.county_name, v.township, v.vname, s.age
    from steady s join village v using (vid)
    where s.age between 20 and 70 and s.hh not in (select hh from db_house) and rnd(s.pid, 'biz') < 0.05
), b as (
    select o.*, floor(rnd(pid, 'bt') * 100)::int as t, floor(rnd(pid, 'bs') * 100)::int as st,
           date '2000-01-01' + floor(rnd(pid, 'est') * 7600)::int as est,
           row_number() over (order by pid) as idx
    from o
)
select *, case when t < 80 then '个体工商户' when t < 95 then '企业' else '农民专业合作社' end as btype,
       case when st < 85 then '存续' when st < 95 then '注销' else '吊销' end as status,
       case when st >= 85 then least(est + 100 + floor(rnd(pid, 'cl') * 4000)::int, date '2020-12-20') end as closed_on
from b;

create or replace table biz as   -- one row per business and person, as 市场监管 extracts them
with n as (
    select b.*, n.name as owner_name,
           case btype when '个体工商户' then county_name || township || n.name
                          || pick(['农资店', '小吃店', '杂货店', '五金店', '理发店', '早餐店', '水电安装部', '建材经营部',
                                   '农家乐', '便利店', '服装店', '家电维修部'], pid, 'bn')
                      when '企业' then '衢州' || pick({sql_list(list('鑫恒兴隆盛达顺源丰泰昌福旺宏金德信和'))}, pid, 'e1')
                          || pick({sql_list(list('盛达兴源隆昌泰顺丰旺福润'))}, pid, 'e2')
                          || pick(['建筑工程', '商贸', '农业开发', '园林绿化', '装饰工程', '物流', '水电安装', '建材'], pid, 'e3')
                          || '有限公司'
                      else county_name || vname || pick(['柑橘', '茶叶', '胡柚', '苗木', '油茶', '蔬菜', '食用菌'], pid, 'c1')
                          || '专业合作社' end as bname0
    from business b join person_name n using (pid)
), u as (
    select *, bname0 || case when row_number() over (partition by bname0 order by pid) > 1
                             then '（' || row_number() over (partition by bname0 order by pid) || '）' else '' end as bname,
           credit('9' || case btype when '企业' then '1' when '个体工商户' then '2' else '3' end || county || b31(idx))
               as credit_code
    from n
)
select credit_code, bname, btype, status, est, closed_on,
       case btype when '企业' then (50 * (1 + floor(rnd(pid, 'cap') * 20)::int))::varchar
                  when '农民专业合作社' then (10 * (1 + floor(rnd(pid, 'cap') * 10)::int))::varchar end as capital,
       township, county_name || township || vname || (1 + floor(rnd(pid, 'addr') * 150))::int || '号' as address,
       pid, case btype when '个体工商户' then '经营者' else '法定代表人' end as role, clan, county, vid
from u
union all   -- a second shareholder of a company: someone of the same village without 低保
select u.credit_code, u.bname, u.btype, u.status, u.est, u.closed_on, null, u.township, null, s.pid, '股东', s.clan,
       u.county, u.vid
from u join (select vid, pid, clan, row_number() over (partition by vid order by rnd(pid, 'sh')) as r from steady
             where age between 25 and 65 and hh not in (select hh from db_house)) s
  on s.vid = u.vid and s.r = 1 + (u.idx % 7)
where u.btype = '企业' and s.pid <> u.pid;
""", "businesses")
        works = ["村道硬化工程", "文化礼堂修缮工程", "山塘清淤工程", "路灯安装工程", "垃圾分类设施采购", "污水管网改造工程",
                 "村庄绿化工程", "水渠维修工程", "公厕改造工程", "停车场建设工程"]
        self.sql(f"""
create or replace table project as
with pj as (
    select v.vid, v.vname, v.township, v.county, k,
           hash(v.vid, k, 'pj', {self.seed}) as h,
           make_date(2019 + floor(rnd(v.vid * 10 + k, 'py') * 2)::int, 1 + floor(rnd(v.vid * 10 + k, 'pm') * 12)::int,
                     1 + floor(rnd(v.vid * 10 + k, 'pd') * 28)::int) as signed_on,
           (1000 * (20 + floor(pow(rnd(v.vid * 10 + k, 'pa'), 2) * 380)))::int as amount
    from village v, range(5) t(k) where k < 2 + floor(rnd(v.vid, 'npj') * 4)
), firms as (   -- live local businesses of clans without a cadre, by county
    select credit_code, bname, county, est, closed_on,
           row_number() over (partition by county order by credit_code) as r, count(*) over (partition by county) as n
    from biz where role <> '股东' and btype in ('企业', '农民专业合作社', '个体工商户') and status = '存续'
      and credit_code not in (select credit_code from biz where clan in (select clan from cadre_clan))
), chosen as (   -- which firm of its county each project would go to (an equi-join, not a range join)
    select pj.vid, pj.k, pj.county, 1 + pj.h % n.n as want
    from pj join (select county, any_value(n) as n from firms group by all) n using (county)
)
select pj.township || pj.vname || year(signed_on) || '年' || {sql_list(works)}[1 + (pj.vid + pj.k) % {len(works)}] as project_name,
       pj.vid, pick(['村级小额工程直接发包', '询价', '公开招标', '竞争性谈判'], pj.h, 'proc') as procurement,
       case when f.credit_code is not null and rnd(pj.h, 'local') < 0.6 then f.bname
            else '浙江' || pick({sql_list(list('远大宏基中天恒泰华东安信'))}, pj.h, 'o1')
                 || pick({sql_list(list('建设路桥园林市政水利'))}, pj.h, 'o2') || '工程有限公司' end as contractor,
       case when f.credit_code is not null and rnd(pj.h, 'local') < 0.6 then f.credit_code
            else credit('91330100' || b31(pj.h % 1000000000)) end as credit_code,
       pj.amount, pj.signed_on, case when rnd(pj.h, 'paid') < 0.7 then pj.amount else pj.amount // 2 end as paid,
       '3305016' || lpad((pj.h % 10000000000000)::varchar, 13, '0') as account
from pj left join chosen c on c.vid = pj.vid and c.k = pj.k left join firms f on f.county = c.county and f.r = c.want;
""", "village projects")
        self.sql("""
create or replace table agreement as
with e as (
    select s.pid, s.hh, s.vid, v.vname, v.county, v.county_name, v.township,
           row_number() over (order by s.pid) as idx
    from steady s join village v using (vid)
    where s.relation = '户主' and s.age between 30 and 85 and s.vid % 7 = 3 and rnd(s.pid, 'agr') < 0.12
)
select e.*, case when rnd(pid, 'tower') < 0.3 then '220kV' || township || '输变电工程铁塔占地补偿'
                 else county_name || township || '农村公路改建工程征地补偿' end as project,
       'ZD' || county || '-' || lpad(idx::varchar, 6, '0') as agreement_no, 'P' || lpad(idx::varchar, 5, '0') as plot,
       round(0.1 + rnd(pid, 'mu') * 1.4, 2) as area_mu, (48000 * round(0.1 + rnd(pid, 'mu') * 1.4, 2))::int as due,
       make_date(2019 + floor(rnd(pid, 'sy') * 2)::int, 1 + floor(rnd(pid, 'sm') * 6)::int, 1 + floor(rnd(pid, 'sd') * 28)::int)
           as signed_on
from e;

create or replace table payout as
with a as (
    select g.*, floor(rnd(g.pid, 'pay') * 100)::int as how,
           (select min(x.pid) from steady x where x.hh = g.hh and x.pid <> g.pid and x.relation = '妻') as wife
    from agreement g
)
select agreement_no, pid, pid as payee, due, signed_on + 30 + floor(rnd(pid, 'p1') * 120)::int as paid_on, '一次性' as note
from a where how < 70 or (how >= 95 and wife is null)
union all
select agreement_no, pid, pid, due * 6 // 10, signed_on + 30, '第一期（60%）' from a where how between 70 and 94
union all
select agreement_no, pid, pid, due - due * 6 // 10, signed_on + 180, '第二期（40%）' from a where how between 70 and 94
union all
select agreement_no, pid, wife, due, signed_on + 45, '一次性（妻代领）' from a where how >= 95 and wife is not null;
""", "compensation")

    # -- write the inbox ------------------------------------------------------------------------------------
    def write(self, out: Path) -> dict:
        inbox = out / "inbox"
        if inbox.exists():
            shutil.rmtree(inbox)
        inbox.mkdir(parents=True)
        self.inbox, self.files = inbox, {}
        self.scenario_tables()
        t = time.perf_counter()
        self.write_ledgers()
        self.log(f"  ledgers: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        self.write_eligibility()
        self.log(f"  certificates, 低收入, 危房改造, 职工养老, prisoners: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        self.write_register()
        self.write_deaths()
        self.write_vehicles()
        self.write_businesses()
        self.log(f"  register, deaths, vehicles, businesses: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        self.write_cadres()
        self.write_payroll()
        self.write_filings()
        self.write_projects()
        self.write_compensation()
        self.log(f"  rosters (xlsx): {time.perf_counter() - t:.1f} s")
        return self.files

    def scenario_tables(self) -> None:
        P = self.P
        self.table("scen_payroll", ["pid", "unit", "unit_type", "staff_type", "status", "start_on", "end_on", "salary"],
                   P.payroll, {"end_on": pa_date()})
        self.table("scen_vehicle", ["pid", "plate", "plate_type", "vehicle_type", "use_type", "registered_on", "status",
                                    "status_on"], P.vehicles, {"status_on": pa_date()})
        self.table("scen_biz", ["credit_code", "bname", "btype", "status", "est", "closed_on", "capital", "township",
                                "address", "pid", "role"], P.businesses,
                   {"closed_on": pa_date(), "capital": pa_str()})
        self.table("scen_project", ["project_name", "vid", "procurement", "contractor", "credit_code", "amount", "signed_on",
                                    "paid", "account"], P.projects, {"credit_code": pa_str()})
        self.table("scen_agreement", ["project", "agreement_no", "plot", "pid", "area_mu", "rate", "due", "signed_on"],
                   P.agreements)
        self.table("scen_payout", ["agreement_no", "pid", "payee", "amount", "paid_on", "note"], P.payouts,
                   {"agreement_no": pa_str(), "pid": pa_int(), "payee": pa_int(), "amount": pa_int(),
                    "paid_on": pa_date(), "note": pa_str()})
        self.table("scen_filing", ["pid", "cadre", "post", "relation", "programme", "filed_on", "vid"], P.filings,
                   {"pid": pa_int(), "cadre": pa_int(), "post": pa_str(), "relation": pa_str(), "programme": pa_str(),
                    "filed_on": pa_date(), "vid": pa_int()})
        self.sql("""
create or replace view who as
select p.pid, i.id, n.name, p.sex, p.birth, p.vid, v.county, v.county_name, v.township, v.vname, card(i.id) as account
from person p join person_id i using (pid) join person_name n using (pid) join village v using (vid);

create or replace table ledger as
select x.*, coalesce(x.name_override, w.name) as name,
       case x.id_form when '15' then substr(w.id, 1, 6) || substr(w.id, 9, 9)
                      when 'hist' then h.hist || substr(w.id, 7, 11) || id_check(h.hist || substr(w.id, 7, 11))
                      else w.id end as id_text,
       a.account, v.township, v.vname, w.birth, w.sex,
       date_part('year', age(mon(x.m), w.birth))::int as age_then
from payment x join who w using (pid) join who a on a.pid = x.account_pid
left join village v on v.vid = x.vid join hist_area h on h.county = w.county;
""")

    def csv(self, name: str, header: list[str], select: str, encoding: str = "utf-8", title: str | None = None,
            total: str | None = None) -> int:
        """COPY a query (its rows already formatted as text) below an optional title line and the header;
        GBK files are transcoded on the way (every character the city uses is in GBK)."""
        path = self.inbox / name
        part = path.with_suffix(".part")
        n = self.con.execute(f"copy ({select}) to '{part}' (format csv, header false)").fetchone()[0]
        write_copied_csv(path, part, header, encoding, title, total)
        self.files[name] = n
        return n

    def xlsx(self, name: str, sheets: list[tuple[str, list[str], list[str], list[tuple]]], footer: list | None = None) -> None:
        """sheets: (sheet name, title rows, header, rows)."""
        grids = []
        for sheet, titles, header, rows in sheets:
            g = Grid(name, sheet)
            for t in titles:
                g.title(t)
            g.header(*header)
            for r in rows:
                g.add(r)
            if footer:
                g.footer(*footer)
            grids.append(g)
        write_xlsx(self.inbox / name, grids)
        self.files[name] = sum(len(r) for _, _, _, r in sheets)

    def xlsx_per_county(self, rows: list[tuple], name: str, sheet: str, title: str, header: list[str]) -> None:
        """One workbook per county of the rows whose first field is that county's code, numbered (序号) anew;
        `name` and `title` are formats of the county's name, {cn}."""
        for c in self.counties():
            cn = COUNTIES[c]
            rs = [(i, *r[1:]) for i, r in enumerate((r for r in rows if r[0] == c), 1)]
            self.xlsx(name.format(cn=cn), [(sheet, [title.format(cn=cn)], header, rs)])

    def counties(self) -> list[str]:
        return sorted({v.county for v in self.geo.villages})

    def write_ledgers(self) -> None:
        fmt = lambda f: f"strftime(mon(m), '{f}')"  # noqa: E731
        order = "order by m, township, vname, id_text, paid_on, amount desc, remark"
        for ci, c in enumerate(self.counties()):
            cn = COUNTIES[c]
            where = f"where county = '{c}'"
            # 残联 生活补贴: title (every other county), 补贴类型 column, 合计 row
            total = self.q1(f"select coalesce(sum(amount), 0) from ledger {where} and programme = '{LIVING}'")
            self.csv(f"残联_{cn}_困难残疾人生活补贴发放明细_{BASE}-2020.csv",
                     ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "补贴类型", "所属期", "发放日期", "发放金额",
                      "银行卡号", "备注"],
                     f"select row_number() over ({order}), township, vname, name, id_text, '生活补贴', {fmt('%Y-%m')}, "
                     f"strftime(paid_on, '%Y/%-m/%-d'), printf('%.2f', amount::double), account, remark "
                     f"from ledger {where} and programme = '{LIVING}' {order}",
                     title=f"{cn}{BASE}—2020年困难残疾人生活补贴发放花名册" if ci % 2 == 0 else None,
                     total=f"合计,,,,,,,,{total:.2f},,")
            # 护理补贴: no programme column (title or file name), months 2020年3月, GBK in two counties
            self.csv(f"残联_{cn}_重度残疾人护理补贴发放明细_{BASE}-2020.csv",
                     ["序号", "乡镇", "村(社区)", "姓名", "身份证号", "残疾等级", "所属年月", "实发金额", "银行账号", "备注"],
                     f"select row_number() over ({order}), township, vname, name, id_text, "
                     f"['一级', '二级', '三级', '四级'][tier], {fmt('%Y年%-m月')}, amount::varchar, account, remark "
                     f"from ledger {where} and programme = '{CARE}' {order}",
                     encoding="gbk" if ci % 3 == 1 else "utf-8",
                     title=f"{cn}{BASE}—2020年度重度残疾人护理补贴发放明细表" if ci % 2 == 1 else None)
            # 民政 低保: GBK, 低保类型 and 保障人数, months 202003, amounts 1500元
            self.csv(f"民政_{cn}_最低生活保障金发放_{BASE}-2020.csv",
                     ["行政区划", "乡镇", "村", "低保类型", "户主姓名", "户主身份证号", "保障人数", "所属年月", "低保金",
                      "银行账号", "备注"],
                     f"select '{cn}', township, vname, sub_type, name, id_text, hh_size, {fmt('%Y%m')}, amount || '元', "
                     f"account, remark from ledger {where} and programme = '{DIBAO}' {order}", encoding="gbk")
            # 民政 特困: UTF-8 with BOM, 供养方式, months 2020.3
            self.csv(f"民政_{cn}_特困人员救助供养金发放台账_{BASE}-2020.csv",
                     ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "供养方式", "所属月份", "发放日期", "供养金额(元)",
                      "备注"],
                     f"select row_number() over ({order}), township, vname, name, id_text, sub_type, {fmt('%Y.%-m')}, "
                     f"strftime(paid_on, '%Y-%m-%d'), amount::varchar, remark "
                     f"from ledger {where} and programme = '{TEKUN}' {order}", encoding="utf-8-sig")
            # 人社 城乡居民养老: the biggest file; 参保地 (the county), no township or village
            self.csv(f"人社_{cn}_城乡居民基本养老保险待遇发放_{BASE}-2020.csv",
                     ["姓名", "身份证号", "参保地", "待遇类别", "发放年月", "发放金额", "银行账号", "待遇状态", "备注"],
                     f"select name, id_text, '{cn}', '{PENSION}', {fmt('%Y.%-m' if ci % 2 else '%Y-%m')}, "
                     f"printf('%.2f', amount::double), account, '正常', remark "
                     f"from ledger {where} and programme = '{PENSION}' order by m, id_text, amount desc, remark")
            # 民政 高龄补贴: title row names the programme
            self.csv(f"民政_{cn}_高龄老人补贴发放表_{BASE}-2020.csv",
                     ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "年龄", "所属期", "补贴金额", "发放日期"],
                     f"select row_number() over ({order}), township, vname, name, id_text, age_then, {fmt('%Y-%m')}, "
                     f"amount::varchar, strftime(paid_on, '%Y%m%d') "
                     f"from ledger {where} and programme = '{ELDER}' {order}",
                     title=f"{cn}{BASE}—2020年高龄补贴发放表")
        # a pension list of a county outside the city (金华市婺城区): payees the register cannot cover
        self.csv(f"金华市婺城区人社_城乡居民养老金发放_{BASE}-2020.csv",
                 ["姓名", "身份证号", "参保地", "待遇类别", "发放年月", "发放金额", "银行账号", "待遇状态", "备注"],
                 f"select name, id_text, '婺城区', '{PENSION}', strftime(mon(m), '%Y-%m'), printf('%.2f', amount::double), "
                 f"account, '正常', remark from ledger where county = '330702' order by m, id_text")

    def write_eligibility(self) -> None:
        """The sources of R06, R16 and R17, consistent with what the ledgers pay: the 残联 registry (a
        certificate for every 生活补贴 / 护理补贴 payee, the grade of the 护理 roster), the 低收入 / 低边 list
        (every 生活补贴 payee and 0.4 % of other households), 危房改造 (about 2 households per 1,000 people, all
        eligible: 低保 in the approval month or a listed member, no car, business or payroll member), the
        职工养老 ledger and a prisoners' list (people paid nothing)."""
        P = self.P
        self.table("scen_cert", ["pid", "cat", "grade", "issued_on", "reassessed_on", "status", "bad", "suffix"], P.certs,
                   {"reassessed_on": pa_date(), "suffix": pa_str()})
        self.table("scen_li", ["pid", "category", "start_on", "end_on"], P.low_income_rows, {"end_on": pa_date()})
        self.table("scen_aid", ["pid", "aid_year", "approved_on", "grade", "method", "amount", "remark"], P.housing,
                   {"remark": pa_str()})
        self.table("scen_prison", ["pid", "prison", "start_on", "end_on", "name_override"], P.prison,
                   {"name_override": pa_str()})
        self.table("scen_manual", ["pid"], [(x,) for x in sorted(P.manual)], {"pid": pa_int()})
        target_aid = 0.002 * self.people
        self.sql(f"""
create or replace table cert_all as
with payers as (
    select pid, max(case when programme = '{CARE}' then tier end) as care_tier, min(m) as first_m
    from payment where programme in ('{LIVING}', '{CARE}') and pid not in (select pid from scen_manual)
    group by pid
)
select x.pid, 1 + floor(rnd(x.pid, 'cat') * 7)::int as cat,
       coalesce(x.care_tier, 1 + floor(rnd(x.pid, 'grade') * 4)::int) as grade,
       least(greatest(p.birth + 200, date '2005-01-01') + floor(rnd(x.pid, 'iss') * 2500)::int, mon(x.first_m) - 1)
           as issued_on,
       null::date as reassessed_on, '正常' as status, false as bad, null::varchar as suffix
from payers x join person p using (pid)
union all select pid, cat, grade, issued_on, reassessed_on, status, bad, suffix from scen_cert;

create or replace table cert_out as
with x as (
    select c.*, w.id, w.name, w.county,
           substr(w.id, 1, 14) || lpad(((substr(w.id, 15, 2)::int + 37) % 100)::varchar, 2, '0') || substr(w.id, 17, 1) as b17
    from cert_all c join who w using (pid)
)
select county, name, case when bad then b17 || id_check(b17) else id end || cat || grade || coalesce(suffix, '') as cert_no,
       id, ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'][cat] as cat_name,
       ['一级', '二级', '三级', '四级'][grade] as grade_name, issued_on, reassessed_on, status
from x;

create or replace table li_all as
with living as (
    select distinct pid, id_text from ledger
    where programme = '{LIVING}' and pid not in (select pid from scen_manual)
), extra as (
    select p.pid, i.id as id_text from person p join person_id i using (pid)
    where p.in_register and not p.is_scen and rnd(p.hh, 'lihh') < 0.004 and p.pid not in (select pid from living)
)
select pid, id_text, case when rnd(pid, 'lic') < 0.5 then '低保边缘户' else '低收入农户' end as category,
       date '2015-01-01' + floor(rnd(pid, 'lis') * 1400)::int as start_on, null::date as end_on from living
union all
select pid, id_text, '低收入农户', date '2015-01-01' + floor(rnd(pid, 'lis') * 1400)::int, null from extra
union all
select s.pid, w.id, s.category, s.start_on, s.end_on from scen_li s join who w using (pid);

create or replace table li_out as
with heads as (select hh, arg_min(pid, case when relation = '户主' then 0 else 1 end) as head from person group by hh)
select w.county, w.township, w.vname, hn.name as head_name, w.name, l.id_text, l.category, l.start_on, l.end_on
from li_all l join who w using (pid) join person p using (pid) join heads h on h.hh = p.hh
join person_name hn on hn.pid = h.head;

-- 危房改造 of the ordinary population: 低保 households (approved in a month the head is paid 低保, not the
-- last) and households with a listed member (everyone still here), never one with a car, a business or a
-- payroll member (R16 would rightly flag them); cadres' clans have no assistance, so no cadre's kin (R16 as R10)
create or replace table aid_cand as
with busy as (
    select distinct p.hh from person p
    where p.pid in (select pid from vehicle union select pid from biz union select pid from payroll)
), db as (
    select d.hh, d.head, min(x.m) as f, max(x.m) as l
    from db_hh d join payment x on x.pid = d.head and x.programme = '{DIBAO}'
    group by all having max(x.m) > min(x.m)
), li as (
    select h.hh, h.head, 0 as f, {NM} as l from hh_info h
    where h.has_head and h.hh in (select p.hh from li_all l join pp p using (pid) where p.status = '正常')
      and h.head in (select pid from pp where status = '正常') and h.hh not in (select hh from db)
)
select * from (select * from db union all select * from li) c where c.hh not in (select hh from busy);

create or replace table aid_all as
with c as (
    select *, f + floor(rnd(hh, 'aidm') * (l - f))::int as am from aid_cand
    where rnd(hh, 'aid') < {target_aid} / (select count(*) from aid_cand)
), o as (
    select head as pid, mon(am) + floor(rnd(hh, 'aidd') * 27)::int as approved_on, rnd(hh, 'aidg') < 0.75 as c_grade
    from c
)
select pid, year(approved_on) as aid_year, approved_on, case when c_grade then 'C级' else 'D级' end as grade,
       case when c_grade then '维修加固' else '拆除重建' end as method, case when c_grade then 10000 else 30000 end as amount,
       null::varchar as remark
from o
union all select * from scen_aid;

create or replace table aid_out as
select w.county, w.township, w.vname, w.name, w.id, w.county || lpad(p.hh::varchar, 8, '0') as household_no, a.*
from aid_all a join who w using (pid) join person p using (pid);

create or replace table prison_all as
with cand as (
    select pid from pp
    where age between 20 and 55 and status = '正常' and pid not in (select pid from payment)
      and pid in (select pid from person where sex = '男')
)
select pid, pick(['浙江省第二监狱', '浙江省第四监狱', '浙江省乔司监狱', '浙江省十里丰监狱'], pid, 'pr') as prison,
       date '2016-01-01' + floor(rnd(pid, 'prs') * 1700)::int as start_on, null::varchar as name_override
from cand where rnd(pid, 'pri') < {0.0005 * self.people} / (select count(*) from cand);

create or replace table prison_out as
select coalesce(x.name_override, w.name) as name, w.id, x.prison, x.start_on, x.end_on
from (select pid, prison, start_on, start_on + 365 * (1 + floor(rnd(pid, 'pry') * 5)::int) as end_on, name_override
      from prison_all
      union all select pid, prison, start_on, end_on, name_override from scen_prison) x join who w using (pid);
""")
        for ci, c in enumerate(self.counties()):
            cn = COUNTIES[c]
            self.csv(f"残联_{cn}_持证残疾人信息_2020.csv",
                     ["序号", "姓名", "残疾人证号", "身份证号", "残疾类别", "残疾等级", "发证日期", "复评日期", "证件状态"],
                     "select row_number() over (order by cert_no), name, cert_no, id, cat_name, grade_name, "
                     "strftime(issued_on, '%Y.%m.%d'), strftime(reassessed_on, '%Y.%m.%d'), status "
                     f"from cert_out where county = '{c}' order by cert_no",
                     title=f"{cn}持证残疾人信息库（导出日期：2021年1月4日）" if ci % 2 == 0 else None)
            self.csv(f"农业农村局_{cn}_低收入农户认定名单_2020.csv",
                     ["序号", "乡镇", "村", "户主姓名", "成员姓名", "成员身份证号", "认定类别", "纳入日期", "退出日期"],
                     "select row_number() over (order by township, vname, id_text, start_on), township, vname, head_name, "
                     "name, id_text, category, strftime(start_on, '%Y/%-m/%-d'), strftime(end_on, '%Y/%-m/%-d') "
                     f"from li_out where county = '{c}' order by township, vname, id_text, start_on",
                     encoding="gbk" if ci % 3 == 2 else "utf-8")
            self.csv(f"住建局_{cn}_农村危房改造对象花名册_2016-2020.csv",
                     ["序号", "乡镇（街道）", "村（社区）", "户主姓名", "户主身份证号", "户号", "项目年度", "审批日期", "危房等级",
                      "改造方式", "补助金额(元)", "拨付日期", "备注"],
                     "select row_number() over (order by approved_on, id), township, vname, name, id, household_no, aid_year, "
                     "strftime(approved_on, '%Y-%m-%d'), grade, method, printf('%.2f', amount::double), "
                     "strftime(approved_on + 120, '%Y.%m.%d'), remark "
                     f"from aid_out where county = '{c}' order by approved_on, id",
                     title=f"{cn}农村危房改造补助对象花名册（2016—2020年度）")
            self.csv(f"人社_{cn}_企业职工及机关事业养老金发放明细_{BASE}-2020.csv",
                     ["序号", "姓名", "公民身份号码", "险种", "所属年月", "养老金(元)", "社保卡号", "备注"],
                     "select row_number() over (order by m, id_text, remark), name, id_text, '企业职工基本养老保险', "
                     "strftime(mon(m), '%Y年%-m月'), printf('%.2f', amount::double), account, remark "
                     f"from ledger where county = '{c}' and programme = '{EMPLOYEE}' order by m, id_text, remark",
                     title=f"{cn}职工基本养老保险待遇发放明细（{BASE}—2020年）")
        self.csv("衢州市司法局_在押服刑人员名单_2020.csv",
                 ["序号", "姓名", "公民身份号码", "服刑场所", "收监日期", "刑满释放日期", "判处刑罚"],
                 "select row_number() over (order by start_on, id), name, id, prison, strftime(start_on, '%Y年%m月%d日'), "
                 "strftime(end_on, '%Y年%m月%d日'), '有期徒刑' from prison_out order by start_on, id")

    def write_register(self) -> None:
        self.sql("""
create or replace table reg_out as
select v.county, r.hh, v.county || lpad(r.hh::varchar, 8, '0') as household_no, n.name, r.relation, i.id,
       coalesce(p.reg_sex, p.sex) as sex, coalesce(p.reg_birth, p.birth) as birth, v.township, v.vname, r.status,
       r.change_on, r.destination,
       si.id as spouse_id, fi.id as father_id, mi.id as mother_id, r.row_kind
from reg_row r join person p using (pid) join person_id i using (pid) join person_name n using (pid)
join village v on v.vid = r.vid
left join person_id si on si.pid = p.spouse
left join person_id fi on fi.pid = p.father
left join person_id mi on mi.pid = p.mother;
""")
        for ci, c in enumerate(self.counties()):
            cn = COUNTIES[c]
            self.csv(f"公安_{cn}_户籍人口信息_2020.csv",
                     ["户号", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期", "乡镇（街道）", "村（社区）", "人口状态",
                      "变动日期", "迁往地", "配偶公民身份号码", "父亲公民身份号码", "母亲公民身份号码"],
                     f"select household_no, name, relation, id, sex, strftime(birth, '%Y%m%d'), township, vname, status, "
                     f"strftime(change_on, '%Y-%m-%d'), destination, spouse_id, father_id, mother_id from reg_out "
                     f"where county = '{c}' order by hh, relation <> '户主', birth, id, row_kind",
                     encoding="gbk" if ci == 4 else "utf-8",
                     title=f"{cn}户籍人口信息（截至2020年12月31日）" if ci % 2 == 0 else None)

    def write_deaths(self) -> None:
        base = ("select w.name as reg_name, coalesce(d.name_override, w.name) as name, "
                "case d.id_form when '15' then substr(w.id, 1, 6) || substr(w.id, 9, 9) else w.id end as id_text, "
                "w.sex, w.township, w.county_name, d.* from death_rec d join who w using (pid)")
        self.sql(f"create or replace table death_out as {base}")
        self.csv(f"公安_户籍注销人员_{BASE}-2020.csv",
                 ["姓名", "公民身份号码", "性别", "死亡日期", "注销日期", "注销原因", "证明类型", "派出所"],
                 "select name, id_text, sex, strftime(death_on, '%Y年%m月%d日'), strftime(dereg_on, '%Y-%m-%d'), '死亡', "
                 "case when hash(pid, 'ct') % 4 = 0 then '火化证明' else '死亡医学证明' end, township || '派出所' "
                 "from death_out where source = '公安注销' order by dereg_on, id_text")
        self.csv(f"民政_殡葬火化信息_{BASE}-2020.csv",
                 ["逝者姓名", "身份证号", "性别", "死亡日期", "火化日期", "火化证号", "殡仪馆"],
                 "select name, id_text, sex, strftime(death_on, '%Y/%m/%d'), strftime(cremation_on, '%Y/%m/%d'), "
                 "'HH' || strftime(cremation_on, '%Y') || lpad((row_number() over (order by cremation_on, id_text))::varchar, 6, '0'), "
                 "county_name || '殡仪馆' from death_out where source = '民政火化' order by cremation_on, id_text",
                 encoding="utf-8-sig")
        self.csv(f"卫健_居民死亡医学证明_{BASE}-2020.csv",
                 ["姓名", "身份证号", "死亡日期", "死亡地点", "根本死亡原因", "签发机构", "签发日期"],
                 "select name, id_text, strftime(death_on, '%Y%m%d'), "
                 "['家中', '家中', '医院', '养老机构'][1 + (hash(pid, 'pl') % 4)::int], "
                 "['脑血管病', '心脏病', '恶性肿瘤', '慢性阻塞性肺病', '损伤'][1 + (hash(pid, 'ca') % 5)::int], "
                 "county_name || '人民医院', strftime(issued_on, '%Y%m%d') "
                 "from death_out where source = '卫健死亡证明' order by death_on, id_text", encoding="gbk")

    def write_vehicles(self) -> None:
        self.csv("公安交警_机动车登记信息_2020.csv",
                 ["号牌号码", "号牌种类", "车辆类型", "使用性质", "机动车所有人", "身份证明号码", "初次登记日期", "机动车状态",
                  "状态变更日期"],
                 """select plate, plate_type, vehicle_type, use_type, w.name, w.id, strftime(registered_on, '%Y-%m-%d'), status,
                           strftime(status_on, '%Y-%m-%d')
                    from (select pid, plate(row_number() over (order by pid, k)) as plate,
                                 case when vehicle_type like '%摩托%' then '普通摩托车'
                                      when vehicle_type like '重型%' then '大型汽车' else '小型汽车' end as plate_type,
                                 vehicle_type,
                                 case when vehicle_type like '%货车%' then '货运' else '非营运' end as use_type,
                                 registered_on, status, status_on
                          from vehicle
                          union all select pid, plate, plate_type, vehicle_type, use_type, registered_on, status, status_on
                          from scen_vehicle) x join who w using (pid)
                    order by registered_on, plate""", encoding="gbk")

    def write_businesses(self) -> None:
        self.csv("市场监管局_市场主体登记信息_2020.csv",
                 ["统一社会信用代码", "市场主体名称", "市场主体类型", "登记状态", "成立日期", "注吊销日期", "人员角色", "人员姓名",
                  "证件号码", "注册资本(万元)", "所属乡镇", "住所"],
                 """select credit_code, bname, btype, status, strftime(est, '%Y-%m-%d'), strftime(closed_on, '%Y-%m-%d'), role,
                           w.name, w.id, capital, x.township, address
                    from (select credit_code, bname, btype, status, est, closed_on, role, pid, capital, township, address
                          from biz
                          union all select credit_code, bname, btype, status, est, closed_on, role, pid, capital, township,
                                           address from scen_biz) x join who w using (pid)
                    order by credit_code, role <> '法定代表人' and role <> '经营者', w.id""")

    def write_cadres(self) -> None:
        rows = self.con.execute("""
select p.county, p.township, v.vname, w.name, w.sex, strftime(w.birth, '%Y.%m'),
       case when p.post similar to '.*(书记|监督|主任).*' then '中共党员' else '群众' end, p.post,
       case when p.both_heads then '是' else '否' end, w.id,
       year(p.start_on) || '年' || month(p.start_on) || '月' || day(p.start_on) || '日',
       case when p.end_on is not null then year(p.end_on) || '年' || month(p.end_on) || '月' || day(p.end_on) || '日' end,
       p.phone
from post p join who w on w.pid = p.holder join village v on v.vid = p.vid
where p.roster = '村干部' order by p.county, p.township_code, p.vid, p.post_id""").fetchall()
        header = ["序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "出生年月", "政治面貌", "职务", "是否“一肩挑”",
                  "身份证号码", "任职开始日期", "任职结束日期", "联系电话"]
        for c in self.counties():
            cn = COUNTIES[c]
            sheets = []
            for t in [t["name"] for t in self.geo.towns if t["parent_code"] == c]:
                rs = [(i, *r[1:]) for i, r in enumerate((r for r in rows if r[0] == c and r[1] == t), 1)]
                sheets.append((t, [f"{cn}{t}村（社区）两委及监委会成员花名册"], header, rs))
            self.xlsx(f"{cn}委组织部_村社干部花名册_2020.xlsx", sheets, ["填表人：", None, None, None, None, "审核人："])
        workers = self.con.execute("""
select p.township, w.name, w.sex, w.id, p.post, strftime(p.start_on, '%Y-%m-%d'), strftime(p.end_on, '%Y-%m-%d'), p.phone
from post p join who w on w.pid = p.holder
where p.roster = '低保经办人员' order by p.county, p.township_code, p.post_id""").fetchall()
        self.xlsx("衢州市民政局_乡镇街道低保经办人员名单.xlsx",
                  [("Sheet1", ["衢州市乡镇（街道）低保经办人员名单"],
                    ["序号", "乡镇（街道）", "姓名", "性别", "身份证号码", "岗位", "上岗时间", "离任时间", "联系电话"],
                    [(i, *r) for i, r in enumerate(workers, 1)])])

    def write_payroll(self) -> None:
        rows = self.con.execute("""
select w.county, x.unit, x.unit_type, w.name, w.sex, w.id, x.staff_type, x.status, strftime(x.start_on, '%Y-%m-%d'),
       strftime(x.end_on, '%Y-%m-%d'), x.salary
from (select * from payroll union all select * from scen_payroll) x join who w using (pid)
order by w.county, x.unit, w.id""").fetchall()
        self.xlsx_per_county(rows, "{cn}财政局_财政供养人员信息_2020.xlsx", "在编人员", "2020年{cn}财政供养人员信息表",
                             ["序号", "单位名称", "单位性质", "姓名", "性别", "身份证号码", "编制类型", "人员状态", "入编日期",
                              "离职/退休日期", "月应发工资(元)"])

    def write_filings(self) -> None:
        rows = self.con.execute("""
select v.township, v.vname, r.name, r.id, f.programme, c.name, c.id, f.post, f.relation, strftime(f.filed_on, '%Y-%m-%d')
from scen_filing f join who r on r.pid = f.pid join who c on c.pid = f.cadre join village v on v.vid = f.vid
order by f.filed_on, r.id""").fetchall()
        self.xlsx("衢州市民政局_近亲属享受救助备案表.xlsx",
                  [("备案", ["衢州市村（社区）干部及经办人员近亲属享受社会救助备案表"],
                    ["序号", "乡镇（街道）", "村（社区）", "申请人姓名", "申请人身份证号", "救助项目", "关联干部姓名",
                     "关联干部身份证号", "干部职务", "与干部关系", "备案日期"],
                    [(i, *r) for i, r in enumerate(rows, 1)])])

    def write_projects(self) -> None:
        rows = self.con.execute("""
select v.county, v.township, v.vname, x.project_name, x.procurement, x.contractor, x.credit_code, x.amount,
       strftime(x.signed_on, '%Y-%m-%d'), x.paid, x.account
from (select project_name, vid, procurement, contractor, credit_code, amount, signed_on, paid, account from project
      union all select * from scen_project) x join village v using (vid)
order by v.county, x.signed_on, x.project_name""").fetchall()
        self.xlsx_per_county(rows, f"{{cn}}农业农村局_村级工程项目台账_{BASE}-2020.xlsx", "项目台账",
                             f"{{cn}}{BASE}—2020年村级工程项目（三资）台账",
                             ["序号", "乡镇（街道）", "村（社区）", "项目名称", "发包方式", "施工单位", "统一社会信用代码",
                              "合同金额(元)", "签订日期", "已付金额(元)", "收款账号"])

    def write_compensation(self) -> None:
        rows = self.con.execute("""
select x.project, x.agreement_no, x.plot, w.township, w.vname, w.name, w.id, x.area_mu, x.rate, x.due,
       year(x.signed_on) || '/' || month(x.signed_on) || '/' || day(x.signed_on)
from (select project, agreement_no, plot, pid, printf('%.2f', area_mu) as area_mu, '48000元/亩' as rate, due, signed_on
      from agreement union all select * from scen_agreement) x join who w using (pid)
order by x.signed_on, x.agreement_no""").fetchall()
        self.xlsx(f"衢州市自然资源局_征地及铁塔占地补偿协议汇总_{BASE}-2020.xlsx",
                  [("协议", [f"衢州市{BASE}—2020年征地及铁塔占地补偿协议汇总表"],
                    ["序号", "项目名称", "协议编号", "地块编号", "乡镇", "村", "承包方（户主）姓名", "身份证号码", "面积（亩）",
                     "补偿标准", "应付金额（元）", "签订日期"], [(i, *r) for i, r in enumerate(rows, 1)])])
        rows = self.con.execute("""
select g.project, x.agreement_no, w.name, w.id, y.name, y.id, y.account, x.amount, strftime(x.paid_on, '%Y%m%d'),
       w.township, w.vname, x.note
from (select agreement_no, pid, payee, due as amount, paid_on, note from payout
      union all select * from scen_payout) x
join (select agreement_no, project from agreement union all select agreement_no, project from scen_agreement) g
  using (agreement_no)
join who w on w.pid = x.pid join who y on y.pid = x.payee
order by x.paid_on, x.agreement_no, x.amount""").fetchall()
        self.xlsx(f"补偿款发放明细_{BASE}-2020.xlsx",
                  [("发放明细", ["征地及铁塔占地补偿款发放明细"],
                    ["序号", "项目名称", "协议编号", "被补偿人姓名", "被补偿人身份证号", "收款人", "收款人身份证号", "收款账号",
                     "发放金额", "发放日期", "乡镇", "村", "备注"], [(i, *r) for i, r in enumerate(rows, 1)])])

    # -- the answer key and the summary ---------------------------------------------------------------------
    def write_key(self, out: Path) -> list[dict]:
        self.table("key_rows", ["k", "pid", "id_form"], [(i, r["pid"], r["id_form"]) for i, r in enumerate(self.P.key)],
                   {"id_form": pa_str()})
        subj = {k: (i, n) for k, i, n in self.con.execute("""
select k, case when id_form = 'hist' then h.hist || substr(w.id, 7, 11) || id_check(h.hist || substr(w.id, 7, 11))
               else w.id end, w.name
from key_rows join who w using (pid) join hist_area h on h.county = w.county""").fetchall()}
        rows = [key.planted_row(r["rule_id"], r["expect"], subj[k][0], subj[k][1], r["programme"], r["note"],
                                r["months"], r["amount_yuan"], *(r["period"] or (None, None)))
                 for k, r in enumerate(self.P.key)]
        rows = key.write_planted(rows, out / "planted.csv")
        return rows

    def stats(self) -> dict:
        q = self.q1
        n = q("select count(distinct pid) from reg_row")
        return {
            "people": n,
            "households": q("select count(distinct hh) from reg_row"),
            "villages": len(self.geo.villages), "townships": self.geo.n_towns, "counties": len(self.counties()),
            "share_60_plus": round(q("select avg(case when birth <= date '1960-12-31' then 1 else 0 end) from person "
                                     "where in_register"), 3),
            "months": NM, "first_month": mon(0).isoformat(),
            "deaths_per_year": round(q("select count(*) from death_eff") / (NM / 12) / n, 4),
            "moves_per_year": round(q("select count(*) from reg_row where status = '迁出'") / (NM / 12) / n, 4),
            "payment_rows": q("select count(*) from payment"),
            "recipients_share": {prog: round(q(f"select count(distinct pid) from payment where programme = '{prog}'") / n, 4)
                                 for prog in (LIVING, CARE, TEKUN, PENSION, ELDER)},
            "dibao_insured_share": round(q("select sum(hh_size) from (select pid, max(hh_size) as hh_size from payment "
                                           f"where programme = '{DIBAO}' group by pid)") / n, 4),
            "cadres": q("select count(*) from post where roster = '村干部'"),
            "case_workers": q("select count(*) from post where roster = '低保经办人员'"),
            "payroll": q("select count(*) from payroll") + len(self.P.payroll),
            "vehicles": q("select count(*) from vehicle") + len(self.P.vehicles),
            "business_rows": q("select count(*) from biz") + len(self.P.businesses),
            "projects": q("select count(*) from project") + len(self.P.projects),
            "agreements": q("select count(*) from agreement") + len(self.P.agreements),
        }


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20000, help="people in the household register (about; default 20000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="output folder: inbox/, planted.csv, summary.json")
    ap.add_argument("--plant-rate", type=float, default=1.2,
                    help="planted cases per rule per 10,000 people, traps as many (default 1.2: 300 at 2.5 million)")
    ap.add_argument("--min-cases", type=int, default=6, help="at least this many cases and traps per rule (default 6)")
    ap.add_argument("--pension-share", type=float, default=0.2,
                    help="share of all people paid 城乡居民养老 (default 0.2, a fifth)")
    ap.add_argument("--years", type=int, default=2,
                    help="years of ledgers up to 2020-12 (default 2: 2019-01 … 2020-12; 4 doubles the payment rows)")
    ap.add_argument("--compare", type=Path, metavar="CASES_CSV",
                    help="instead of generating: check a run's cases.csv against OUT/planted.csv")
    args = ap.parse_args(argv)
    if args.compare:
        ok = key.print_comparison(key.compare(args.out / "planted.csv", args.compare))
        return 0 if ok else 1
    t0 = time.perf_counter()
    set_window(args.years)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / ".tmp"
    log = lambda s: print(s, flush=True)  # noqa: E731
    log(f"building a city of about {args.people:,} people (seed {args.seed}) …")
    city = City(args.people, args.seed, args.plant_rate, args.min_cases, args.pension_share, tmp, log)
    city.build()
    log("writing …")
    files = city.write(args.out)
    answers = city.write_key(args.out)
    stats = city.stats()
    city.con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - t0
    per_rule = {}
    for r in answers:
        per_rule.setdefault(r["rule_id"], Counter())[r["expect"]] += 1
    summary = {"people": stats["people"], "households": stats["households"], "seed": args.seed,
               "requested_people": args.people, "cases_per_rule_target": city.n_cases,
               "planted": {k: dict(v) for k, v in sorted(per_rule.items())}, "files": files, "stats": stats,
               "seconds": round(seconds, 1), "bytes": dir_bytes(args.out / "inbox")}
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\npeople {stats['people']:,}   households {stats['households']:,}   villages {stats['villages']}   "
          f"townships {stats['townships']}   counties {stats['counties']}")
    print(f"payment rows {stats['payment_rows']:,}; deaths {stats['deaths_per_year']:.2%} a year; "
          f"{stats['share_60_plus']:.0%} aged 60+; 低保 insured {stats['dibao_insured_share']:.2%}")
    print("rows per file:")
    for name, n in files.items():
        print(f"  {n:>11,}  {name}")
    print("planted (flag / none) per rule: " + ", ".join(f"{k} {v['flag']}/{v['none']}" for k, v in sorted(per_rule.items())))
    print(f"{seconds:.1f} s, {summary['bytes'] / 1e6:,.1f} MB written to {args.out / 'inbox'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

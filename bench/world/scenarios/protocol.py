"""The protocol every synthetic world implements so that the planted scenarios can be written once.

A world (the benchmark city's `Plant` in bench/generate.py, the sample's `SampleWorld` in
data/sample/generate.py) offers these verbs; a scenario (bench/world/scenarios/*.py, one function per rule)
uses nothing else. Decisions:

- The calendar is month indexes: month 0 is January of `base`, the ledgers run 0 … nm-1 (the city: 24
  months 2019–2020, the sample: 12 months of 2020). Scenarios draw their months relative to nm, so the same
  scenario fits either window; dates before the ledgers (a car sold the year before) use `base - 1`.
- A person is whatever the world makes (the city's SP, the sample's Person); scenarios read .sex, .birth,
  .name, .pid and may set .father / .mother / .spouse to another person's .pid, and .protect (R15 丙).
- `pay` returns the rows it wrote; a row's [3] is its month index and [4] its amount (the city's PAY_COLS
  layout; the sample returns the same two fields), which is all a scenario reads of it.
- `plant(rule, expect, person, programme, note, rows=…)`: one line of the answer key; months, amount and
  period follow from the rows (or are given).
- Every scenario builds `P.n` cases and `P.n_traps` traps, variant after variant (`i % k`): the city asks
  for n ≈ 1.2 per 10,000 people of each, the sample for just enough to have every variant once.
- What a world cannot write it says, and the scenario adapts rather than skips: `P.programmes` (the sample
  has no 高龄补贴 ledger: those variants pay the pension), `P.judge` (None: the world has no gazetteer to
  check a destination with), `P.other_county` (the sample's only other county is 江山市's pension list).
- `Households` below derives the household verbs (single, couple, child, …) from a world's own `person`,
  `mon`, `place` and `by_pid`, so both worlds draw the same way.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Protocol

OUT_OF_PROVINCE = ["江西省上饶市玉山县", "江西省上饶市广丰区", "安徽省黄山市歙县", "福建省南平市浦城县", "江苏省苏州市昆山市",
                   "上海市松江区", "广东省东莞市", "福建省南平市建瓯市", "安徽省宣城市宁国市", "江西省景德镇市"]
OTHER_ZJ_CITY = ["杭州市西湖区", "杭州市萧山区", "金华市婺城区", "宁波市鄞州区", "金华市义乌市", "温州市瓯海区", "绍兴市柯桥区"]
# ID number address codes of people who married in from elsewhere
OUTSIDE_AREAS = ["361123", "361121", "361124", "341021", "341024", "330726", "330781", "330783", "522121", "513030",
                 "362330", "350722"]


@dataclass
class Village:
    """A village (村) or community (社区) of a world, as scenarios pick them."""
    vid: int
    name: str
    township: str
    township_code: str
    county: str          # code
    county_name: str

    @property
    def community(self) -> bool:
        return self.name.endswith("社区")


def unit_kind(unit: str) -> tuple[str, str]:
    """(单位性质, 编制类型) of a public employer, as its name tells: a hospital, school, centre, station or
    institute is a 事业单位, anything else a government office."""
    if any(w in unit for w in ("院", "校", "中心", "站", "所")):
        return "事业单位", "事业编制"
    return "行政单位", "行政编制"


def after(rows: list, m: int) -> list:
    """The rows of entitlement months after month m."""
    return [r for r in rows if r[3] > m]


class World(Protocol):
    """What a scenario may ask of a world (see the module's docstring)."""

    n: int                  # cases per rule
    n_traps: int            # traps per rule
    rng: random.Random
    nm: int
    base: int
    villages: list[Village]
    programmes: frozenset[str]  # the programmes whose ledgers the world writes

    def mon(self, i: int) -> dt.date: ...
    def day_in(self, i: int, lo: int = 1, hi: int = 28) -> dt.date: ...
    def village(self, community: bool | None = None, county: str | None = None, township: str | None = None,
                not_county: str | None = None, not_vid: int | None = None) -> Any: ...
    def place(self, p) -> Any: ...
    def townships(self) -> list[str]: ...
    def other_county(self, county: str) -> tuple[str, str]: ...
    def judge(self, dest: str, from_county: str) -> tuple[bool, bool, bool] | None: ...
    # people
    def name(self, sex: str, surname: str | None = None) -> str: ...
    def birth(self, y0: int, y1: int) -> dt.date: ...
    def person(self, v, sex: str, birth: dt.date, hh=None, relation: str = "户主", surname: str | None = None,
               name: str | None = None, **kw) -> Any: ...
    def single(self, v, sex: str | None = None, born=(1940, 1975), **kw) -> Any: ...
    def couple(self, v, born=(1945, 1975)) -> tuple: ...
    def child(self, parent, sex: str, own_household: bool = False, v=None, born: tuple | None = None) -> Any: ...
    def outsider(self, sex: str, birth: dt.date) -> tuple[Any, str]: ...
    def second_row(self, p, head, relation: str) -> None: ...
    def misregister(self, p, sex: str | None = None, birth: dt.date | None = None) -> None: ...
    def quiet(self, *people) -> None: ...
    # rows
    def pay(self, p, prog: str, months, amount=None, sub_type=None, remark=None, paid_on=None, account=None,
            id_form=None, name=None, county=None, v=None, size=1, tier=1, personal=0, income=0) -> list: ...
    def die(self, p, death_on: dt.date, sources=("公安注销",), name=None, id_form=None,
            dereg_on: dt.date | None = None, no_death_date: tuple = ()) -> None: ...
    def move(self, p, on: dt.date, dest: str) -> None: ...
    def staff(self, p, unit: str, status: str = "在职", start: dt.date = dt.date(2005, 8, 1),
              end: dt.date | None = None) -> None: ...
    def vehicle(self, p, vtype="小型轿车", registered=dt.date(2016, 5, 12), status="正常", status_on=None,
                plate_type="小型汽车", use="非营运") -> str: ...
    def business(self, people: list, name: str, kind: str = "个体工商户", status="存续", est=dt.date(2016, 3, 25),
                 closed=None, capital=None) -> str: ...
    def project(self, v, what: str, contractor: str, credit: str | None, amount: int, signed: dt.date,
                procurement="村级小额工程直接发包") -> str: ...
    def claim(self, holder, v=None, township: str | None = None, prefer: tuple = ("书记", "主任", "报账员", "委员"),
              extra: str | None = None, start: dt.date | None = None, end: dt.date | None = None) -> Any: ...
    def file_kin(self, recipient, cadre, post, relation: str, programme: str, filed_on: dt.date) -> None: ...
    def agreement(self, project: str, no: str, plot: str, p, area: str, rate: str, amount, signed: dt.date) -> None: ...
    def payout(self, no: str, p, payee, amount, paid_on: dt.date, note: str) -> None: ...
    def cert(self, p, category: int, grade: int, issued: dt.date, reassessed: dt.date | None = None,
             status: str = "正常", bad_id: bool = False, suffix: str | None = None) -> None: ...
    def low_income(self, p, category: str, start: dt.date, end: dt.date | None = None) -> None: ...
    def housing_aid(self, h, on: dt.date, grade: str = "C级", amount=None, remark=None) -> None: ...
    def prisoner(self, p, prison: str, start: dt.date, end: dt.date | None, name: str | None = None) -> None: ...
    # the answer key
    def plant(self, rule: str, expect: str, p, programme: str, note: str, rows: list | None = None, months=None,
              amount=None, period=None, id_form=None, subject_pid=None) -> None: ...


class Households:
    """The verbs every world derives from its own `person`, `mon`, `place`, `by_pid`, `villages` and `rng`: a
    day of a month, a village, a birth date, a one-person household, a couple, a child."""

    def day_in(self, i: int, lo: int = 1, hi: int = 28) -> dt.date:
        return self.mon(i).replace(day=self.rng.randint(lo, hi))

    def village(self, community: bool | None = None, county: str | None = None, township: str | None = None,
                not_county: str | None = None, not_vid: int | None = None) -> Village | None:
        vs = [v for v in self.villages if (community is None or v.community == community)
              and (county is None or v.county == county) and (township is None or v.township == township)
              and (not_county is None or v.county != not_county) and v.vid != not_vid]
        return self.rng.choice(vs) if vs else None

    def birth(self, y0: int, y1: int) -> dt.date:
        return dt.date(self.rng.randint(y0, y1), self.rng.randint(1, 12), self.rng.randint(1, 28))

    @staticmethod
    def move(p, on: dt.date, dest: str) -> None:
        p.status, p.change_on, p.destination = "迁出", on, dest

    def single(self, v: Village, sex: str | None = None, born=(1940, 1975), **kw):
        return self.person(v, sex or self.rng.choice("男女"), self.birth(*born), **kw)

    def couple(self, v: Village, born=(1945, 1975)) -> tuple:
        h = self.person(v, "男", self.birth(*born))
        w = self.person(v, "女", h.birth.replace(year=min(h.birth.year + self.rng.randint(0, 4), 1998)), h.hh, "妻")
        h.spouse, w.spouse = w.pid, h.pid
        return h, w

    def child(self, parent, sex: str, own_household: bool = False, v: Village | None = None,
              born: tuple | None = None):
        """A child of a head (and of the head's spouse): in the parent's household, or heading one of their own
        (分户, linked by the father/mother ID columns)."""
        b = self.birth(*(born or (parent.birth.year + 22, min(parent.birth.year + 32, 2000))))
        father = parent if parent.sex == "男" else self.by_pid(parent.spouse) if parent.spouse else None
        mother = parent if parent.sex == "女" else self.by_pid(parent.spouse) if parent.spouse else None
        surname = (father.name[0] if father else None) if sex == "男" or self.rng.random() < 0.8 else None
        if own_household:
            c = self.person(v or self.place(parent), sex, b, surname=surname)
        else:
            c = self.person(self.place(parent), sex, b, parent.hh, "子" if sex == "男" else "女", surname=surname)
        c.father = father.pid if father else None
        c.mother = mother.pid if mother else None
        return c

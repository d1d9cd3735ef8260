"""Planted cases and traps of the rules on deaths: R01 (paid after death), R02 (one subsidy stopped, the
other paid on), R18 (first paid after the death). See bench/world/scenarios/__init__.py for the protocol."""

from __future__ import annotations

import datetime as dt

from bench.world.programmes import CARE, DIBAO, ELDER, LIVING, PENSION, TEKUN
from bench.world.scenarios.protocol import World, after


def plant_r01(P: World) -> None:
    """R01 死亡后继续发放: paid entitlement months after the death month (the earliest 死亡日期 of the records
    whose name matches); traps: paid through the death month, arrears for a month before death paid after
    it, an overpaid month reversed to zero."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 8
        if k == 0:      # 生活补贴, still going at the end of the data
            p = P.single(v, born=(1945, 1985))
            d = rng.randint(3, P.nm - 4)
            rows = P.pay(p, LIVING, range(0, P.nm))
            P.die(p, P.day_in(d), ("公安注销", "民政火化"))
            P.plant("R01", "flag", p, LIVING, "死亡后继续发放，至数据截止月仍在发放（公安、民政）", after(rows, d))
        elif k == 1:    # 护理补贴, one month more (reporting lag)
            p = P.single(v, born=(1940, 1990))
            d = rng.randint(2, P.nm - 3)
            rows = P.pay(p, CARE, range(0, d + 2))
            P.die(p, P.day_in(d), ("卫健死亡证明",))
            P.plant("R01", "flag", p, CARE, "死亡后多发 1 个月（报送时差，卫健）", after(rows, d))
        elif k == 2:    # 低保, single-member household
            p = P.single(v, born=(1935, 1965))
            d = rng.randint(2, P.nm - 6)
            rows = P.pay(p, DIBAO, range(0, d + 4), income=100)
            P.die(p, P.day_in(d), ("民政火化",))
            P.plant("R01", "flag", p, DIBAO, "单人户低保，死亡后继续发放 3 个月（民政火化）", after(rows, d))
        elif k == 3:    # pension; 公安 deregistered two months later: the death date counts
            p = P.single(v, born=(1928, 1955))
            d = rng.randint(1, P.nm - 5)
            rows = P.pay(p, PENSION, range(0, min(P.nm, d + rng.randint(2, 8) + 1)), personal=10 * rng.randint(0, 14))
            death = P.day_in(d)
            P.die(p, death, ("公安注销",), dereg_on=death + dt.timedelta(days=62))
            P.plant("R01", "flag", p, PENSION, "按死亡日期而非注销日期（晚两个月）计", after(rows, d))
        elif k == 4:    # 特困
            p = P.single(v, born=(1932, 1955))
            d = rng.randint(2, P.nm - 5)
            rows = P.pay(p, TEKUN, range(0, d + rng.randint(2, 4) + 1), sub_type="分散供养")
            P.die(p, P.day_in(d), ("卫健死亡证明", "公安注销"))
            P.plant("R01", "flag", p, TEKUN, "特困供养死亡后继续发放", after(rows, d))
        elif k == 5:    # 高龄补贴, still going
            p = P.single(v, born=(1922, 1937))
            d = rng.randint(2, P.nm - 4)
            prog = ELDER if ELDER in P.programmes else PENSION     # (a world without 高龄补贴: the pension)
            rows = P.pay(p, prog, range(0, P.nm))
            P.die(p, P.day_in(d), ("民政火化", "卫健死亡证明"))
            P.plant("R01", "flag", p, prog, "高龄老人的补贴（或养老金）死亡后继续发放，至数据截止月", after(rows, d))
        elif k == 6:    # 公安 gives only a late 注销日期; 卫健's earlier 死亡日期 decides
            p = P.single(v, born=(1940, 1980))
            d = rng.randint(2, P.nm - 7)
            rows = P.pay(p, LIVING, range(0, d + 5))
            death = P.day_in(d)
            P.die(p, death, ("公安注销", "卫健死亡证明"), dereg_on=death + dt.timedelta(days=95),
                  no_death_date=("公安注销",))
            P.plant("R01", "flag", p, LIVING, "公安只有注销日期（晚三个月），按卫健死亡日期计", after(rows, d))
        else:           # the 卫健 record carries the 15-digit legacy number
            p = P.single(v, born=(1945, 1980))
            d = rng.randint(2, P.nm - 4)
            rows = P.pay(p, LIVING, range(0, d + 3))
            P.die(p, P.day_in(d), ("卫健死亡证明",), id_form="15")
            P.plant("R01", "flag", p, LIVING, "死亡记录为 15 位旧身份证号，升位后匹配", after(rows, d))
    for i in range(P.n_traps):
        v = P.village()
        k = i % 3
        p = P.single(v, born=(1935, 1985))
        d = rng.randint(3, P.nm - 3)
        if k == 0:
            P.pay(p, LIVING, range(0, d + 1))
            P.die(p, P.day_in(d), ("公安注销", "民政火化"))
            P.plant("R01", "none", p, LIVING, "只发放到死亡当月")
        elif k == 1:    # the month d-2 was missed and paid as arrears after the death
            a = d - 2
            P.pay(p, LIVING, [m for m in range(0, d + 1) if m != a])
            P.pay(p, LIVING, a, paid_on=P.mon(d + 1).replace(day=10), remark=f"补发{P.mon(a).month}月")
            P.die(p, P.day_in(d, 1, 25), ("民政火化",))
            P.plant("R01", "none", p, LIVING, "死亡前月份的补发款在死亡后发放（按所属期），不是多发")
        else:           # one month too many, reversed (冲正) the month after
            rows = P.pay(p, PENSION, range(0, d + 2), personal=50)
            P.pay(p, PENSION, d + 1, amount=-rows[-1][4], paid_on=P.mon(min(d + 2, P.nm - 1)).replace(day=25),
                  remark=f"冲正退回{P.mon(d + 1).month}月")
            P.die(p, P.day_in(d), ("公安注销",))
            P.plant("R01", "none", p, PENSION, "死亡后多发的一个月已冲正退回，净额为零")


def plant_r02(P: World) -> None:
    """R02 一停一发: both disability subsidies; one stopped within a month of the death month, the other paid
    two or more months past it (also an R01 case)."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        p = P.single(v, born=(1945, 1985))
        k = i % 3
        d = rng.randint(2, P.nm - 5)
        if k == 0:      # 生活补贴 stopped with the death, 护理补贴 still going
            P.pay(p, LIVING, range(0, d + 1))
            rows = P.pay(p, CARE, range(0, P.nm))
            P.die(p, P.day_in(d), ("公安注销",))
            P.plant("R02", "flag", p, CARE, "生活补贴死亡当月停发，护理补贴继续发放至数据截止月", after(rows, d))
            P.plant("R01", "flag", p, CARE, "护理补贴死亡后继续发放（一停一发）", after(rows, d))
            P.plant("R01", "none", p, LIVING, "生活补贴死亡当月已停发")
        elif k == 1:    # 护理补贴 one month late, 生活补贴 3–4 months on
            care = P.pay(p, CARE, range(0, d + 2))
            rows = P.pay(p, LIVING, range(0, d + rng.randint(3, 4) + 1))
            P.die(p, P.day_in(d), ("卫健死亡证明", "民政火化"))
            P.plant("R02", "flag", p, LIVING, "护理补贴死亡次月停发，生活补贴继续发放", after(rows, d))
            P.plant("R01", "flag", p, LIVING, "生活补贴死亡后继续发放（一停一发）", after(rows, d))
            P.plant("R01", "flag", p, CARE, "护理补贴死亡后多发 1 个月", after(care, d))
        else:           # 护理补贴 stopped the month before the death, 生活补贴 still going
            P.pay(p, CARE, range(0, d))
            rows = P.pay(p, LIVING, range(0, P.nm))
            P.die(p, P.day_in(d), ("公安注销", "卫健死亡证明"))
            P.plant("R02", "flag", p, LIVING, "护理补贴死亡前一月停发，生活补贴继续发放至数据截止月", after(rows, d))
            P.plant("R01", "flag", p, LIVING, "生活补贴死亡后继续发放（一停一发）", after(rows, d))
    for i in range(P.n_traps):
        v = P.village()
        p = P.single(v, born=(1945, 1985))
        k = i % 3
        d = rng.randint(4, P.nm - 5)
        if k == 0:
            P.pay(p, LIVING, range(0, d + 1))
            P.pay(p, CARE, range(0, d + 1))
            P.die(p, P.day_in(d), ("公安注销", "民政火化"))
            P.plant("R02", "none", p, CARE, "两项补贴均于死亡当月停发")
            P.plant("R01", "none", p, CARE, "护理补贴死亡当月停发")
            P.plant("R01", "none", p, LIVING, "生活补贴死亡当月停发")
        elif k == 1:    # 生活补贴 ended three months before the death (left 低保): R01 on 护理补贴 only
            P.pay(p, LIVING, range(0, d - 2))
            rows = P.pay(p, CARE, range(0, d + 4))
            P.die(p, P.day_in(d), ("公安注销",))
            P.plant("R02", "none", p, CARE, "生活补贴在死亡前三个月已停发（退出低保），不属一停一发")
            P.plant("R01", "flag", p, CARE, "护理补贴死亡后继续发放 3 个月", after(rows, d))
        else:           # 护理补贴 only one month past the death
            P.pay(p, LIVING, range(0, d + 1))
            rows = P.pay(p, CARE, range(0, d + 2))
            P.die(p, P.day_in(d), ("卫健死亡证明",))
            P.plant("R02", "none", p, CARE, "护理补贴死亡后只多发 1 个月（报送时差），不属一停一发")
            P.plant("R01", "flag", p, CARE, "护理补贴死亡后多发 1 个月", after(rows, d))
            P.plant("R01", "none", p, LIVING, "生活补贴死亡当月停发")


def plant_r18(P: World) -> None:
    """R18: a programme first paid after the death (also R01: paid after death); the register's 性别 or 出生日期
    contradicting the number, an age no one reaches (over 110). Traps: a payment for the death month paid late,
    a ledger's first month, a death after the first payment, a 105-year-old."""
    for i in range(P.n):
        k = i % 6
        v = P.village()
        if k == 3:      # the register's 性别 contradicts the number's 17th digit
            p = P.single(v, "男", born=(1950, 1975))
            P.misregister(p, sex="女")
            P.plant("R18", "flag", p, "", "户籍性别为女，身份证号第 17 位为奇数（男）")
            continue
        if k == 4:      # the register's 出生日期 a month off the number's
            p = P.single(v, "女", born=(1950, 1975))
            b = p.birth
            registered = b.replace(month=b.month % 12 + 1)
            P.misregister(p, birth=registered)
            P.plant("R18", "flag", p, "", f"户籍出生日期 {registered}，身份证号为 {b}")
            continue
        if k == 5:      # a pension paid to a number born 112 years before the ledgers begin
            p = P.person(v, "男", dt.date(P.base - 112, 6, 2))
            rows = P.pay(p, PENSION, range(P.nm))
            P.plant("R18", "flag", p, PENSION, f"身份证号出生于 {P.base - 112} 年，领取养老金时已 111 岁以上（年龄不可能）", rows)
            continue
        if k == 0:      # 生活补贴 applied for after the death
            p = P.single(v, born=(1945, 1970))
            P.die(p, P.mon(3).replace(day=11), sources=("公安注销", "卫健死亡证明"))
            rows = P.pay(p, LIVING, 8, remark="新增") + P.pay(p, LIVING, range(9, P.nm))
            prog = LIVING
        elif k == 1:    # 城乡居民养老 first paid five months after the death
            p = P.single(v, born=(1940, 1955))
            P.die(p, P.mon(2).replace(day=2), sources=("民政火化",))
            rows = P.pay(p, PENSION, 7, remark="新增") + P.pay(p, PENSION, range(8, P.nm))
            prog = PENSION
        else:           # 高龄补贴 first paid after the death
            p = P.single(v, born=(1925, 1936))
            P.die(p, P.mon(5).replace(day=19), sources=("公安注销", "民政火化", "卫健死亡证明"))
            prog = ELDER if ELDER in P.programmes else PENSION
            rows = P.pay(p, prog, 10, remark="新增") + P.pay(p, prog, range(11, P.nm))
        P.plant("R18", "flag", p, prog, "死亡后才开始发放（首个所属期晚于死亡月份）", rows)
        P.plant("R01", "flag", p, prog, "死亡后首次发放（R18）的各月都是死亡后发放", rows)
    for i in range(P.n_traps):
        k = i % 4
        v = P.village()
        if k == 3:      # 105 years old is old, not impossible
            p = P.person(v, "女", dt.date(P.base - 105, 1, 9))
            P.pay(p, PENSION, range(P.nm))
            P.plant("R18", "none", p, PENSION, "105 岁的养老金领取人：年龄可能，不是门禁项")
            continue
        p = P.single(v, born=(1940, 1960))
        if k == 0:      # the death month paid late as 补发, first month = the death month
            d = P.nm - 10
            P.die(p, P.mon(d).replace(day=10), sources=("公安注销",))
            P.pay(p, LIVING, range(max(0, d - 4), d))
            P.pay(p, LIVING, d, paid_on=P.mon(d + 2).replace(day=10), remark=f"补发{P.mon(d).month}月")
            P.plant("R18", "none", p, LIVING, "死亡当月的补发款在死亡后发放：首个所属期不晚于死亡月份")
            P.plant("R01", "none", p, LIVING, "死亡当月的补发款，不是死亡后多发")
        elif k == 1:    # paid from the first month of the ledger; died before it (R01's, not R18's)
            P.die(p, dt.date(P.base - 1, 11, 20), sources=("卫健死亡证明",))
            rows = P.pay(p, PENSION, range(P.nm), personal=10)
            P.plant("R18", "none", p, PENSION, "首个所属期是名册的第一个月：此前是否已在发放无从得知，交给 R01")
            P.plant("R01", "flag", p, PENSION, f"{P.base - 1}年11月死亡，养老金一直发放", rows)
        else:           # started before the death, stopped with it
            d = P.nm // 2
            P.die(p, P.mon(d).replace(day=14), sources=("公安注销", "民政火化"))
            P.pay(p, PENSION, range(d - 6, d + 1))
            P.plant("R18", "none", p, PENSION, "生前开始领取、死亡当月停发")

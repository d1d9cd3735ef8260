"""Planted cases and traps of the rules on the ledgers and the register: R03 (moved away), R04 (paid twice),
R05 (exclusive benefits), R13 (nobody of that number), R15 (identity conflicts). See __init__.py."""

from __future__ import annotations

import datetime as dt

from bench.world.programmes import CARE, DIBAO, LIVING, PENSION, TEKUN
from bench.world.scenarios.protocol import OTHER_ZJ_CITY, OUT_OF_PROVINCE, World, after


def plant_r03(P: World) -> None:
    """R03 迁出后继续领取: the register shows 迁出 with a 变动日期 and a 迁往地; the two subsidies stop on a move out
    of 浙江, 低保 and 特困 on a move out of the county, pensions never; a care institution is no move away."""
    rng = P.rng

    def moved(p, m: int, dest: str, scope: str) -> None:
        judged = P.judge(dest, P.place(p).county)     # the world's rough reading, where it has one
        if judged is not None:
            out_prov, out_cty, inst = judged
            assert (out_prov if scope == "province" else out_cty if scope == "county" else True) and not inst, dest
        P.move(p, P.day_in(m), dest)

    for i in range(P.n):
        v = P.village()
        k = i % 5
        m = rng.randint(2, P.nm - 5)
        p = P.single(v, born=(1950, 1990))
        if k == 0:
            rows = P.pay(p, LIVING, range(0, P.nm))
            moved(p, m, rng.choice(OUT_OF_PROVINCE), "province")
            P.plant("R03", "flag", p, LIVING, "迁出本省后生活补贴继续发放至数据截止月", after(rows, m))
        elif k == 1:
            rows = P.pay(p, CARE, range(0, m + rng.randint(2, 4) + 1))
            moved(p, m, rng.choice(OUT_OF_PROVINCE), "province")
            P.plant("R03", "flag", p, CARE, "迁出本省后护理补贴继续发放", after(rows, m))
        elif k == 2:
            rows = P.pay(p, DIBAO, range(0, m + rng.randint(1, 4) + 1), income=200)
            moved(p, m, f"衢州市{P.other_county(v.county)[1]}", "county")
            P.plant("R03", "flag", p, DIBAO, "迁往本市其他县（市、区）后低保继续发放", after(rows, m))
        elif k == 3:
            rows = P.pay(p, TEKUN, range(0, m + rng.randint(1, 3) + 1), sub_type="分散供养")
            moved(p, m, rng.choice(OTHER_ZJ_CITY), "county")
            P.plant("R03", "flag", p, TEKUN, "迁往省内其他市后特困供养继续发放", after(rows, m))
        else:
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            moved(p, m, rng.choice(OUT_OF_PROVINCE), "county")
            P.plant("R03", "flag", p, DIBAO, "迁出本省后低保继续发放至数据截止月", after(rows, m))
    for i in range(P.n_traps):
        v = P.village()
        k = i % 5
        m = rng.randint(2, P.nm - 5)
        p = P.single(v, born=(1945, 1990) if k != 1 else (1935, 1955))
        if k == 0:
            dest = f"衢州市{P.other_county(v.county)[1]}"
            assert not (P.judge(dest, v.county) or [False])[0]
            P.pay(p, CARE, range(0, P.nm))
            P.move(p, P.day_in(m), dest)
            P.plant("R03", "none", p, CARE, "护理补贴：迁往本市其他县，仍在省内，不停发")
        elif k == 1:
            P.pay(p, PENSION, range(0, P.nm), personal=30)
            P.move(p, P.day_in(m), rng.choice(OUT_OF_PROVINCE))
            P.plant("R03", "none", p, PENSION, "城乡居民养老金随人转移，迁出省外也不停发")
        elif k == 2:    # inside the county; every other one written short (衢江区湖南镇 is not 湖南省)
            towns = sorted({x.township for x in P.villages if x.county == v.county})
            rng.shuffle(towns)
            towns.sort(key=lambda t: t != "湖南镇")
            short = (i // 5) % 2 == 1
            dest = next((d for t in towns if not (P.judge(
                d := f"{v.county_name}{t}" if short else f"浙江省衢州市{v.county_name}{t}", v.county) or [0, 0])[1]),
                f"浙江省衢州市{v.county_name}")
            P.pay(p, DIBAO, range(0, P.nm), income=300)
            P.move(p, P.day_in(m), dest)
            P.plant("R03", "none", p, DIBAO, "低保：县内迁移，不停发")
        elif k == 3:
            dest = f"衢州市{P.other_county(v.county)[1]}社会福利院"
            assert (P.judge(dest, v.county) or [0, 0, True])[2]
            P.pay(p, DIBAO, range(0, P.nm), income=300)
            P.move(p, P.day_in(m), dest)
            P.plant("R03", "none", p, DIBAO, "迁入供养机构（社会福利院），仍可享受")
        else:
            P.pay(p, LIVING, range(0, m + 1))
            P.move(p, P.day_in(m), rng.choice(OUT_OF_PROVINCE))
            P.plant("R03", "none", p, LIVING, "迁出本省，只发放到迁出当月")


def plant_r04(P: World) -> None:
    """R04 重复享受: one programme and sub-type paid twice for one entitlement month, net of corrections."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        if k == 0:      # a pensioner on the list of another county too
            p = P.single(v, born=(1935, 1958))
            personal = 10 * rng.randint(0, 14)
            P.pay(p, PENSION, range(0, P.nm), personal=personal)
            m, n = rng.randint(0, P.nm - 9), rng.randint(3, 8)
            other, other_name = P.other_county(v.county)
            rows = P.pay(p, PENSION, range(m, m + n), personal=personal, county=other)
            P.plant("R04", "flag", p, PENSION, f"另一县（{other_name}）名册也发放（跨县重复）", rows)
        elif k == 1:    # listed twice in one month of the 残联 ledger
            p = P.single(v, born=(1950, 1990))
            P.pay(p, LIVING, range(0, P.nm))
            rows = P.pay(p, LIVING, rng.randint(0, P.nm - 1))
            P.plant("R04", "flag", p, LIVING, "残联名册同一所属期列入两次", rows)
        else:           # a 低保 household listed twice for two months
            h, _ = P.couple(v, born=(1945, 1970))
            P.pay(h, DIBAO, range(0, P.nm), size=2, income=200)
            m = rng.randint(0, P.nm - 2)
            rows = P.pay(h, DIBAO, [m, m + 1], size=2, income=200)
            P.plant("R04", "flag", h, DIBAO, "低保名册连续两个月重复列入同一户", rows)
    for i in range(P.n_traps):
        v = P.village()
        k = i % 4
        m = rng.randint(1, P.nm - 3)
        if k == 0:      # one month missed, paid the next month as arrears: two entitlement months
            p = P.single(v, born=(1950, 1990))
            P.pay(p, LIVING, [x for x in range(0, P.nm) if x != m])
            P.pay(p, LIVING, m, paid_on=P.mon(m + 1).replace(day=10), remark=f"补发{P.mon(m).month}月")
            P.plant("R04", "none", p, LIVING, "补发上月款与当月款同时发放，所属期不同，不是重复")
        elif k == 1:
            p = P.single(v, born=(1950, 1990))
            P.pay(p, LIVING, range(0, P.nm))
            P.pay(p, CARE, range(0, P.nm))
            P.plant("R04", "none", p, LIVING, "同月领取生活补贴和护理补贴，是两个项目")
        elif k == 2:    # paid twice, the second payment reversed
            p = P.single(v, born=(1935, 1958))
            rows = P.pay(p, PENSION, range(0, P.nm), personal=20)
            P.pay(p, PENSION, m, remark="重复发放", personal=20)
            P.pay(p, PENSION, m, amount=-rows[m][4], paid_on=P.mon(m + 1).replace(day=25), remark=f"冲正重复发放{P.mon(m).month}月")
            P.plant("R04", "none", p, PENSION, "重复发放的一笔已冲正，净额为一笔")
        else:           # institutional care: a +50 % supplement row
            p = P.single(v, born=(1950, 1990))
            rows = P.pay(p, CARE, range(0, P.nm))
            for x in range(m, min(P.nm, m + 3)):
                P.pay(p, CARE, x, amount=rows[x][4] // 2, remark="机构托养增发50%")
            P.plant("R04", "none", p, CARE, "机构托养增发 50% 的附加行，不是重复")


def plant_r05(P: World) -> None:
    """R05 互斥待遇: 特困 with 生活补贴, 护理补贴 or 低保, or 城市低保 with 农村低保, for the same months."""
    rng = P.rng
    communities = [v for v in P.villages if v.community]
    for i in range(P.n):
        v = P.village(community=False) or P.village()
        k = i % 4
        m, n = rng.randint(0, P.nm - 8), rng.randint(3, 7)
        if k == 3 and communities:    # rural 低保 (a couple) to X, urban 低保 (himself) in a 社区 from Y
            h, _ = P.couple(v, born=(1950, 1975))
            # the overlap ends within the first three quarters of the data: the sample's 低保 lists of the last
            # quarter carry no 低保类型, and without it two rows of one month are one programme paid twice (R04)
            y = rng.randint(2, P.nm // 2)
            x = y + rng.randint(1, min(5, P.nm * 3 // 4 - 1 - y))
            rural = P.pay(h, DIBAO, range(0, x + 1), size=2, income=300, sub_type="农村低保")
            c = rng.choice(communities)
            urban = P.pay(h, DIBAO, range(y, P.nm), v=c, income=100, sub_type="城市低保")
            a = sum(r[4] for r in urban if r[3] <= x)
            b = sum(r[4] for r in rural if r[3] >= y)
            P.plant("R05", "flag", h, "城市低保、农村低保", "农村低保（两人户）与另一社区的城市低保（一人户）重叠",
                    months=x - y + 1, amount=min(a, b), period=(P.mon(y), P.mon(x)))
            P.plant("R04", "none", h, DIBAO, "同月的城市低保和农村低保是两个类别：属 R05，不是重复")
            continue
        p = P.single(v, born=(1940, 1965))
        tk = P.pay(p, TEKUN, range(0, P.nm), sub_type="分散供养")
        other = [LIVING, CARE, DIBAO][k % 3]
        rows = P.pay(p, other, range(m, m + n), income=200)
        a = sum(r[4] for r in tk if m <= r[3] < m + n)
        b = sum(r[4] for r in rows)
        P.plant("R05", "flag", p, f"{TEKUN}、{other}", f"特困供养期间又领{other}", months=n, amount=min(a, b),
                period=(P.mon(m), P.mon(m + n - 1)))
    for i in range(P.n_traps):
        v = P.village()
        k = i % 3
        m = rng.randint(2, P.nm - 4)
        p = P.single(v, born=(1935, 1958))
        if k == 0:
            P.pay(p, DIBAO, range(0, m + 1), income=100)
            P.pay(p, TEKUN, range(m, P.nm), sub_type="分散供养")
            P.plant("R05", "none", p, f"{TEKUN}、{DIBAO}", "低保停发当月特困供养开始，仅交接当月重叠")
        elif k == 1:
            P.pay(p, TEKUN, range(0, P.nm), sub_type="集中供养")
            P.pay(p, PENSION, range(0, P.nm), personal=0)
            P.plant("R05", "none", p, f"{TEKUN}、{PENSION}", "特困供养与城乡居民养老金可以同时享受")
        else:
            P.pay(p, TEKUN, range(0, m))
            P.pay(p, CARE, range(m + 1, P.nm))
            P.plant("R05", "none", p, f"{TEKUN}、{CARE}", "特困供养停发后才领护理补贴，月份不重叠")


def plant_r13(P: World) -> None:
    """R13 查无此人: a payee whose valid ID number is in no register and no death record."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        g = P.single(v, born=(1940, 1985) if k != 2 else (1935, 1958), in_register=False)
        if k == 0:
            m = rng.randint(0, P.nm - 4)
            rows = P.pay(g, LIVING, [m], remark="新增") + P.pay(g, LIVING, range(m + 1, P.nm))
            P.plant("R13", "flag", g, LIVING, "户籍和死亡记录中都没有此号码，领生活补贴", rows)
        elif k == 1:
            rows = P.pay(g, TEKUN, range(0, P.nm), sub_type="分散供养")
            P.plant("R13", "flag", g, TEKUN, "户籍和死亡记录中都没有此号码，领特困供养", rows)
        else:
            m = rng.randint(0, P.nm - 4)
            rows = P.pay(g, PENSION, range(m, P.nm), personal=40)
            # the pension list gives only the county (参保地) and the register extracts cover townships: R13 cannot
            # tell whether the register should hold this payee, and counts them as 未检查 (issue 17)
            P.plant("R13", "none", g, PENSION, "户籍和死亡记录中都没有此号码，领养老金；养老金名册只有参保地（县），"
                    "户籍按乡镇摘录：未检查，不是查无此人")
    for i in range(P.n_traps):
        v = P.village()
        k = i % 3
        if k == 0:      # the pension list still has the 15-digit number
            p = P.single(v, born=(1930, 1958))
            P.pay(p, PENSION, range(0, P.nm), personal=20, id_form="15")
            P.plant("R13", "none", p, PENSION, "人社名册为 15 位旧号，升位后即户籍中的号码")
        elif k == 1:    # the 护理补贴 list has the number issued under the county's historical code
            p = P.single(v, born=(1940, 1984))
            P.pay(p, CARE, range(0, P.nm), id_form="hist")
            P.plant("R13", "none", p, CARE, "护理补贴名册用历史县级代码，第 7–17 位和姓名与户籍相同：同一人", id_form="hist")
            P.plant("R15", "none", p, "", "历史县级代码与现行代码的号码第 7–17 位、姓名相同：同一人", id_form="hist")
        else:           # a pensioner of 婺城区 (金华): a county the register does not cover
            o, county = P.outsider(rng.choice("男女"), P.birth(1935, 1958))
            P.pay(o, PENSION, range(0, P.nm), personal=60, county=county)
            P.plant("R13", "none", o, PENSION, "另一地区名册上的外地人，不在户籍覆盖范围内")


def plant_r15(P: World) -> None:
    """R15 身份冲突: one number under two names (甲), one person in two active households (乙), one person under
    two numbers in one village (丙)."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 4
        if k == 0:      # a 公安 death record carries a living recipient's number under another name
            p = P.single(v, born=(1945, 1985))
            rows = P.pay(p, LIVING, range(0, P.nm))
            P.die(p, P.day_in(rng.randint(1, P.nm - 9)), ("公安注销",), name=P.name(p.sex))
            P.plant("R15", "flag", p, "", "甲：公安注销（死亡）记录的姓名与户籍、名册不同（重号）", rows)
            P.plant("R01", "none", p, LIVING, "死亡记录姓名不符（重号），不认定死亡")
        elif k == 1:    # the 护理补贴 list writes the number under another person's name
            p = P.single(v, born=(1945, 1985))
            rows = P.pay(p, CARE, range(0, P.nm), name=P.name(p.sex))
            P.plant("R15", "flag", p, "", "甲：护理补贴名册的姓名与户籍不同", rows)
        elif k == 2:    # registered in his own household and in his son's, both 正常
            p = P.single(v, "男", born=(1935, 1955))
            son = P.child(p, "男", own_household=True)
            P.second_row(p, son, "父亲")
            rows = P.pay(p, PENSION, range(0, P.nm), personal=30)
            P.plant("R15", "flag", p, "", "乙：本人户和儿子户中都登记，人口状态均为正常（一人多户）", rows)
            P.plant("R04", "none", p, PENSION, "户籍中登记两次，每月只领一笔养老金，不是重复发放")
        else:           # one man, two numbers in one village; the pension goes to the second
            p = P.single(v, "男", born=(1935, 1955), protect=True)
            q = P.person(v, "男", p.birth, name=p.name, protect=True)
            rows = P.pay(q, PENSION, range(0, P.nm), personal=30)
            P.plant("R15", "flag", q, "", "丙：同村两个户号下同名、同出生日期、同性别，号码不同；养老金发到此号", rows)
    for i in range(P.n_traps):
        v = P.village()
        k = i % 3
        if k == 0:      # twins: one household, one birthday, one sex, two names
            h, w = P.couple(v, born=(1950, 1975))
            t1 = P.child(h, "男")
            t2 = P.person(v, "男", t1.birth, h.hh, "子", surname=h.name[0], father=h.pid, mother=w.pid)
            P.plant("R15", "none", t1, "", "双胞胎兄弟：同户、同出生日期、同性别，姓名不同")
            P.plant("R15", "none", t2, "", "双胞胎兄弟：同户、同出生日期、同性别，姓名不同")
        elif k == 1:    # one name, two women of the village born years apart
            a = P.single(v, "女", born=(1940, 1950))
            b = P.person(v, "女", P.birth(1955, 1965), name=a.name, protect=True)
            a.protect = True
            P.pay(b, PENSION, range(0, P.nm), personal=10)
            P.plant("R15", "none", b, "", "同村同名，出生日期不同：两个人")
        else:           # married into another village: the old row 迁出, the new one 正常
            p = P.single(v, "女", born=(1945, 1958))
            h = P.single(P.village(county=v.county, not_vid=v.vid) or v, "男", born=(1945, 1958))
            w = P.place(h)
            P.move(p, dt.date(P.base - 1, rng.randint(1, 12), 20), f"{w.county_name}{w.township}{w.name}")
            P.second_row(p, h, "妻")
            h.spouse, p.spouse = p.pid, h.pid
            P.pay(p, PENSION, range(0, P.nm), personal=20)
            P.plant("R15", "none", p, "", "原户迁出、新户正常：合法迁移，不是一人多户")

"""Planted cases and traps of the rules on eligibility and pensions: R06 (the certificate, the lists, the care
grade), R16 (危房改造), R17 (two pension schemes, prison terms). See __init__.py."""

from __future__ import annotations

import datetime as dt

from bench.world.programmes import CARE, DIBAO, EMPLOYEE, LIVING, PENSION
from bench.world.scenarios.protocol import World


def plant_r06(P: World) -> None:
    """R06: the certificate, the 低保/低收入 lists and the care grades. Amounts are not planted: the bench keeps
    sources/standards/subsidies.yaml unconfirmed (standards_confirmed: false), so R06 compares no amounts."""
    for i in range(P.n):
        k = i % 5
        p = P.single(P.village(), born=(1950, 1985))
        P.quiet(p)
        if k == 0:      # (b) the 护理 roster says 一级, the registry's certificate 二级 (肢体)
            rows = P.pay(p, CARE, range(P.nm), tier=1)
            P.cert(p, 4, 2, dt.date(2014, 5, 12), None, "正常", False, None)
            P.plant("R06", "flag", p, CARE, "护理补贴花名册一级，残联库的证为肢体二级：等级与证不符", rows)
        elif k == 1:    # (c) 肢体三级 paid 护理补贴 (allowed: 一、二级, 智力/精神 any grade)
            rows = P.pay(p, CARE, range(P.nm), tier=3)
            P.cert(p, 4, 3, dt.date(2013, 9, 3), None, "正常", False, None)
            P.plant("R06", "flag", p, CARE, "肢体三级领取护理补贴：不在允许等级、类别内", rows)
        elif k == 2:    # (d) 生活补贴, no 低保 and on no 低收入 list
            rows = P.pay(p, LIVING, range(P.nm))
            P.cert(p, 2, 3, dt.date(2016, 2, 18), None, "正常", False, None)
            P.plant("R06", "flag", p, LIVING, "生活补贴：本人和同户都没有低保，也不在低边、低收入名单", rows)
        elif k == 3:    # (d) left the 低收入 list at the end of 2019, 生活补贴 goes on
            rows = P.pay(p, LIVING, range(P.nm))
            P.cert(p, 1, 2, dt.date(2012, 6, 20), None, "正常", False, None)
            h = P.nm // 2
            P.low_income(p, "低收入农户", dt.date(2017, 3, 1), P.mon(h) - dt.timedelta(days=1))
            P.plant("R06", "flag", p, LIVING, f"{P.mon(h - 1):%Y年%m月}底退出低收入农户名单，此后生活补贴照发",
                    [r for r in rows if r[3] >= h])
        else:           # (a) the registry's certificate number starts with another ID number
            rows = P.pay(p, CARE, range(P.nm), tier=2)
            P.cert(p, 6, 2, dt.date(2015, 11, 9), None, "正常", True, None)
            P.plant("R06", "flag", p, CARE, "残联库证号前18位是另一个身份证号", rows)
    for i in range(P.n_traps):
        k = i % 6
        v = P.village()
        if k == 4:      # 生活补贴 of a wife in a 低保 household (the husband is paid for two)
            h, w = P.couple(v, born=(1950, 1975))
            P.quiet(h, w)
            P.pay(h, DIBAO, range(P.nm), size=2)
            P.pay(w, LIVING, range(P.nm))
            P.cert(w, 4, 4, dt.date(2011, 4, 2), None, "正常", False, None)
            P.plant("R06", "none", w, LIVING, "生活补贴对象在低保户内（户主领取两人的低保）：不需要在低收入名单")
            continue
        p = P.single(v, born=(1950, 1985))
        P.quiet(p)
        h = P.nm // 2           # the month of a re-grading
        if k == 0:      # re-graded during the data: 二级 → 一级, the roster follows the same month
            P.pay(p, CARE, range(h), tier=2)
            P.pay(p, CARE, range(h, P.nm), tier=1)
            P.cert(p, 1, 2, dt.date(2012, 4, 3), None, "正常", False, None)
            P.cert(p, 1, 1, dt.date(2012, 4, 3), P.mon(h).replace(day=8), "正常", False, None)
            P.plant("R06", "none", p, CARE, f"{P.mon(h):%Y年%m月}复评为一级，花名册同月改为一级：按月取当月有效的证")
        elif k == 1:    # the registry records the re-grading two months after the roster
            P.pay(p, CARE, range(h), tier=2)
            P.pay(p, CARE, range(h, P.nm), tier=1)
            P.cert(p, 7, 2, dt.date(2013, 7, 15), None, "正常", False, None)
            P.cert(p, 7, 1, dt.date(2013, 7, 15), P.mon(h + 2).replace(day=16), "正常", False, None)
            P.plant("R06", "none", p, CARE, f"花名册{P.mon(h):%Y年%m月}改为一级，残联库两个月后才记载复评：滞后3个月内视为一致")
        elif k == 2:    # a reissued certificate with a suffix
            P.pay(p, LIVING, range(P.nm))
            P.cert(p, 4, 3, dt.date(2010, 8, 30), None, "正常", False, "B1")
            P.low_income(p, "低保边缘户", dt.date(2016, 6, 1), None)
            P.plant("R06", "none", p, LIVING, "补发的残疾人证带后缀 B1，前20位与身份证号、类别、等级相符；在低边名单")
        elif k == 3:    # on the 低收入 list only (no 低保)
            P.pay(p, LIVING, range(P.nm))
            P.cert(p, 2, 4, dt.date(2014, 3, 11), None, "正常", False, None)
            P.low_income(p, "低收入农户", dt.date(2018, 5, 1), None)
            P.plant("R06", "none", p, LIVING, "不在低保，但在低收入农户名单内（2018年5月纳入）")
        else:           # 智力三级 on 护理补贴 (Zhejiang's wider circle: 智力、精神 any grade)
            P.pay(p, CARE, range(P.nm), tier=3)
            P.cert(p, 5, 3, dt.date(2015, 10, 21), None, "正常", False, None)
            P.plant("R06", "none", p, CARE, "智力三级领取护理补贴：浙江扩围，在允许范围内")


def plant_r16(P: World) -> None:
    """R16: 危房改造 households of their own (each on the 低收入 list or 低保 unless the case is the category)."""
    aid = P.housing_aid

    def one(on: dt.date):
        d = on.replace(day=1)
        return {"months": 1, "period": (d, d)}

    for i in range(P.n):
        k = i % 5
        h, w = P.couple(P.village(community=False), born=(1950, 1975))
        P.quiet(h, w)
        if k == 0:      # no 低保, 特困, 生活补贴 or list at approval
            on = dt.date(2020, 5, 12 + i % 10)
            aid(h, on)
            P.plant("R16", "flag", h, "危房改造", "审批时户主和同户成员都不在低保、特困、生活补贴或低收入名单", amount=10000, **one(on))
        elif k == 1:    # renovation money again 15 months later
            P.low_income(h, "低收入农户", dt.date(2016, 5, 1), None)
            aid(h, dt.date(2019, 3, 14))
            on = dt.date(2020, 6, 9)
            aid(h, on, "D级")
            P.plant("R16", "flag", h, "危房改造", "2019年已获C级补助，2020年再获D级补助（5年内重复）", amount=30000, **one(on))
        elif k == 2:    # the son in the household owns a car
            P.low_income(h, "低收入农户", dt.date(2016, 9, 1), None)
            son = P.child(h, "男")
            P.vehicle(son, registered=dt.date(2017, 8, 21))
            on = dt.date(2020, 4, 16)
            aid(h, on)
            P.plant("R16", "flag", h, "危房改造", "审批时同户的儿子名下有在用小型轿车", amount=10000, **one(on))
        elif k == 3:    # the head died before the approval
            # both on the list (never updated after his death): R16 reads a dead head's household as his alone
            P.low_income(h, "低收入农户", dt.date(2016, 9, 1), None)
            P.low_income(w, "低收入农户", dt.date(2016, 9, 1), None)
            P.die(h, dt.date(2019, 11, 5), sources=("公安注销", "民政火化"))
            on = dt.date(2020, 3, 23)
            aid(h, on)
            P.plant("R16", "flag", h, "危房改造", "户主2019年11月死亡，2020年3月仍以其名义审批", amount=10000, **one(on))
        else:           # C级 paid 15,000 (standard 10,000)
            P.pay(h, DIBAO, range(P.nm), size=2)
            on = P.mon(P.nm - 5).replace(day=7)
            aid(h, on, amount=15000)
            P.plant("R16", "flag", h, "危房改造", "C级（维修加固）补助15000元，标准10000元", amount=5000, **one(on))
    for i in range(P.n_traps):
        k = i % 6
        h, w = P.couple(P.village(community=False), born=(1950, 1975))
        P.quiet(h, w)
        if k == 0:      # a house damaged by a flood: eligible outside the categories
            aid(h, dt.date(2019, 9, 4), "D级", remark="2019年7月洪灾倒损")
            P.plant("R16", "none", h, "危房改造", "因灾倒损（备注），不属于保障对象类别也可补助")
        elif k == 1:    # the father in 2019, the son (his own household since) in 2020
            P.low_income(h, "低收入农户", dt.date(2015, 4, 1), None)
            aid(h, dt.date(2019, 4, 18))
            son = P.child(h, "男", own_household=True)
            P.quiet(son)
            P.low_income(son, "低收入农户", dt.date(2015, 4, 1), None)
            aid(son, dt.date(2020, 7, 2))
            P.plant("R16", "none", h, "危房改造", "父亲2019年获补助，已分户的儿子2020年获补助：户主、户号都不同，不算重复")
            P.plant("R16", "none", son, "危房改造", "分户后的新户（户主、户号与父亲不同）")
        elif k == 2:    # eligible through the wife on the 低收入 list
            P.low_income(w, "低收入农户", dt.date(2017, 2, 1), None)
            aid(h, dt.date(2020, 2, 20))
            P.plant("R16", "none", h, "危房改造", "户主不在名单，妻子（同户）在低收入农户名单：符合")
        elif k == 3:    # approved before the ledgers begin: the category cannot be checked (未检查)
            aid(h, dt.date(2016, 10, 11))
            P.plant("R16", "none", h, "危房改造", "2016年审批，早于低保、特困发放明细：对象类别未检查，不作为线索")
        elif k == 5:    # aided again, but more than five years after the first aid
            P.low_income(h, "低收入农户", dt.date(2012, 4, 1), None)
            aid(h, dt.date(2013, 6, 3))
            aid(h, P.mon(P.nm - 7).replace(day=12), "D级")
            P.plant("R16", "none", h, "危房改造", "上次补助在2013年，超过5年，不算重复")
        else:           # D级 30,000 to a 低保 household
            P.pay(h, DIBAO, range(P.nm), size=2)
            aid(h, dt.date(2020, 8, 13), "D级")
            P.plant("R16", "none", h, "危房改造", "低保户D级重建30000元，符合标准")


def plant_r17(P: World) -> None:
    """R17: both pension schemes for the same months; a pension paid for whole months of a prison term. Traps:
    the transfer month(s), 0 or 暂停 rows, an overlap reversed, a namesake, a record under another name, a term
    with no whole month, a term ended before the data."""
    emp = lambda p, ms, **kw: P.pay(p, EMPLOYEE, ms, amount=2000 + 10 * P.rng.randrange(150), **kw)  # noqa: E731
    h, q = P.nm // 2, P.nm // 4
    for i in range(P.n):
        k = i % 4
        p = P.single(P.village(), born=(1938, 1956))
        if k == 0:      # 城乡居民 all along, 职工 for half the data in the middle
            a = P.pay(p, PENSION, range(P.nm), personal=30)
            emp(p, range(q, q + h), sub_type="企业职工" if i % 8 == 0 else "机关事业单位")
            P.plant("R17", "flag", p, "", f"城乡居民养老和职工养老同时领取{h}个月（退还城乡居民养老金）",
                    [r for r in a if q <= r[3] < q + h])
        elif k == 1:    # 职工 starts five months before 城乡居民 stops
            e = P.nm * 5 // 12
            a = P.pay(p, PENSION, range(e + 5), personal=10)
            emp(p, range(e, P.nm))
            P.plant("R17", "flag", p, "", "职工养老开始后城乡居民养老又发了5个月", [r for r in a if r[3] >= e])
        elif k == 2:    # 职工养老 paid through a prison term
            s = P.nm // 3
            e = s + P.nm // 3 + 1
            b = emp(p, range(P.nm))
            P.prisoner(p, "浙江省第二监狱", P.mon(s).replace(day=15), P.mon(e).replace(day=10))
            P.plant("R17", "flag", p, "", "服刑期间（入监次月至释放前一月）仍领取职工养老金",
                    [r for r in b if s < r[3] < e])
        else:           # 城乡居民养老 paid through a prison term
            a = P.pay(p, PENSION, range(P.nm), personal=20)
            P.prisoner(p, "浙江省乔司监狱", P.mon(h).replace(day=20), P.mon(P.nm - 2).replace(day=5))
            P.plant("R17", "flag", p, "", "服刑期间仍领取城乡居民养老金", [r for r in a if h < r[3] < P.nm - 2])
    for i in range(P.n_traps):
        k = i % 8
        v = P.village()
        p = P.single(v, born=(1938, 1956))
        if k == 0:      # a transfer: one month of both at the switch
            P.pay(p, PENSION, range(h))
            emp(p, range(h - 1, P.nm))
            P.plant("R17", "none", p, "", "制度衔接：城乡居民养老最后一个月与职工养老第一个月重叠1个月")
        elif k == 1:    # two months of both, marked as the transfer
            P.pay(p, PENSION, range(h + 1))
            emp(p, range(h - 1, h + 1), remark="转入职工养老（制度衔接）")
            emp(p, range(h + 1, P.nm))
            P.plant("R17", "none", p, "", "重叠的两个月备注制度衔接")
        elif k == 2:    # the prisoners' list has another name under this number
            emp(p, range(P.nm))
            P.prisoner(p, "浙江省第四监狱", P.mon(q).replace(day=3), P.mon(P.nm - 4).replace(day=28), P.name(p.sex))
            P.plant("R17", "none", p, "", "服刑人员名单上此号码的姓名与本人不符：不认定")
        elif k == 3:    # a term inside two calendar months: no whole month in prison
            emp(p, range(P.nm))
            start, end = P.mon(P.nm - 10).replace(day=5), P.mon(P.nm - 9).replace(day=20)
            P.prisoner(p, "浙江省第二监狱", start, end)
            P.plant("R17", "none", p, "", f"{start:%Y年%m月%d日}入监、{end:%m月%d日}释放：没有完整的服刑月份")
        elif k == 4:    # released before the data
            P.pay(p, PENSION, range(P.nm))
            P.prisoner(p, "浙江省第四监狱", dt.date(2015, 2, 10), dt.date(P.base - 2, 8, 1))
            P.plant("R17", "none", p, "", f"{P.base - 2}年已刑满释放")
        elif k == 5:    # from month h the residents' list still lists him, at 0 or marked 暂停
            P.pay(p, PENSION, range(h))
            for m in range(h, P.nm):
                P.pay(p, PENSION, m, amount=0, remark="待遇暂停（领取职工养老金）" if m % 2 else None)
            emp(p, range(h, P.nm))
            P.plant("R17", "none", p, "", "城乡居民养老金额为 0 或注明暂停，不是重复领取")
        elif k == 6:    # both paid for four months, the residents' months reversed afterwards (冲正退回)
            rows = P.pay(p, PENSION, range(h + 2))
            for r in rows[h - 2:]:
                P.pay(p, PENSION, r[3], amount=-r[4], paid_on=P.mon(h + 2).replace(day=10), remark="冲正退回（已领职工养老）")
            emp(p, range(h - 2, P.nm))
            P.plant("R17", "none", p, "", "四个月两项都发，城乡居民养老已冲正退回，净额为零")
        else:           # a residents' pensioner who shares an employees' pensioner's name only
            P.pay(p, PENSION, range(P.nm))
            w = P.village(not_vid=v.vid) or v
            namesake = P.person(w, p.sex, p.birth.replace(year=p.birth.year - 3), name=p.name, protect=True)
            p.protect = True
            emp(namesake, range(P.nm))
            P.plant("R17", "none", p, "", "与另一村的职工养老领取人同名，身份证号不同")

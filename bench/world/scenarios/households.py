"""Planted cases and traps of the rules on 低保 households and accounts: R07 (a member on the payroll), R08 (a
car), R09 (a business), R14 (one account, strangers). See __init__.py."""

from __future__ import annotations

import datetime as dt

from bench.world.people import trade_name
from bench.world.programmes import CARE, DIBAO, LIVING, PENSION
from bench.world.scenarios.protocol import World


def plant_r07(P: World) -> None:
    """R07 财政供养人员家庭享受低保: a 低保 recipient, or someone of the recipient's household, on the payroll."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        if k == 1:      # the recipient herself
            p = P.single(v, "女", born=(1975, 1990))
            P.staff(p, f"{v.county_name}{v.township}卫生院", start=dt.date(2014, 8, 1))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=200)
            P.plant("R07", "flag", p, DIBAO, "受助人本人是卫生院在编在职人员", rows)
            continue
        p = P.single(v, born=(1938, 1955))
        son = P.child(p, "男")
        if k == 0:
            P.staff(son, f"{v.county_name}水利局", start=dt.date(2003, 8, 1))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R07", "flag", p, DIBAO, "同户的儿子是水利局在职公务员", rows)
        else:           # hired in the middle of the data
            m = rng.randint(2, P.nm - 4)
            P.staff(son, f"{v.county_name}{v.township}人民政府", start=P.day_in(m))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            # hired after the first payment: the months before the annual re-check (R07's recheck_months) do not count
            late = [r for r in rows if r[3] >= m + 12]
            if late:
                P.plant("R07", "flag", p, DIBAO, "同户的儿子中途入编（财政供养），入编满一年（年度复核）后的月份", late)
            else:
                P.plant("R07", "none", p, DIBAO, "同户的儿子中途入编，数据截止时未到年度复核")
    for i in range(P.n_traps):
        v = P.village()
        k = i % 4
        p = P.single(v, born=(1938, 1955) if k != 3 else (1926, 1933))
        if k == 0:
            son = P.child(p, "男")
            P.staff(son, f"{v.county_name}农业农村局", "辞职", dt.date(2001, 8, 1), dt.date(P.base - 1, 9, 30))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R07", "none", p, DIBAO, "同户的儿子在数据开始前已辞职离开财政供养")
        elif k == 1:    # 重残单独施保
            son = P.child(p, "男")
            P.staff(son, f"{v.county_name}市场监督管理局", start=dt.date(2004, 8, 1))
            P.pay(p, DIBAO, range(0, P.nm), remark="重残单独施保", income=0)
            P.pay(p, CARE, range(0, P.nm))
            P.plant("R07", "none", p, DIBAO, "重残单独施保，同户儿子在职不影响")
        elif k == 2:    # the son lives in a household of his own
            son = P.child(p, "男", own_household=True)
            P.staff(son, f"{v.county_name}交通运输局", start=dt.date(2006, 8, 1))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R07", "none", p, DIBAO, "在职的儿子已分户，不是同户成员")
        else:           # the son is retired
            son = P.child(p, "男", born=(p.birth.year + 22, p.birth.year + 25))
            P.staff(son, f"{v.county_name}教育局", "退休", dt.date(1978, 8, 1), dt.date(P.base - 1, 12, 31))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R07", "none", p, DIBAO, "同户成员已退休，不是在编在职")


def plant_r08(P: World) -> None:
    """R08 低保家庭有车: a member of the household owns a vehicle in 正常 status during paid months."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        p = P.single(v, born=(1940, 1960))
        if k == 0:
            son = P.child(p, "男")
            P.vehicle(son, registered=dt.date(P.base - 1, rng.randint(1, 12), rng.randint(1, 28)))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R08", "flag", p, DIBAO, "同户的儿子名下小型轿车，状态正常", rows)
        elif k == 1:    # his own car, scrapped in month m
            m = rng.randint(3, P.nm - 4)
            P.vehicle(p, registered=dt.date(2009, 5, 1), status="报废", status_on=P.day_in(m))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R08", "flag", p, DIBAO, "本人名下轿车报废前的月份", [r for r in rows if r[3] < m])
        else:           # the son bought a car in month m
            m = rng.randint(2, P.nm - 4)
            son = P.child(p, "男")
            P.vehicle(son, "小型普通客车", registered=P.day_in(m))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R08", "flag", p, DIBAO, "同户儿子购车（登记）后的月份", [r for r in rows if r[3] >= m])
    for i in range(P.n_traps):
        v = P.village()
        k = i % 3
        p = P.single(v, born=(1940, 1970))
        if k == 0:
            P.vehicle(p, registered=dt.date(2010, 7, 5), status="转移", status_on=dt.date(P.base - 1, rng.randint(1, 12), 9))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R08", "none", p, DIBAO, "名下轿车在数据开始前已转移登记（卖出）")
        elif k == 1:
            P.vehicle(p, "残疾人专用小型自动挡载客汽车", registered=dt.date(P.base - 1, 6, 18))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.pay(p, CARE, range(0, P.nm))
            P.plant("R08", "none", p, DIBAO, "残疾人专用车，豁免车型")
        else:
            m = rng.randint(2, P.nm - 4)
            P.pay(p, DIBAO, range(0, m + 1), income=100)
            P.vehicle(p, registered=P.day_in(m + 2))
            P.plant("R08", "none", p, DIBAO, "低保停发两个月后才购车登记")


def plant_r09(P: World) -> None:
    """R09 低保家庭成员登记经营主体: a member of the household is behind a business live in paid months."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        if k == 0:
            h, w = P.couple(v, born=(1955, 1975))
            P.business([("经营者", w)], f"{v.county_name}{v.township}{w.name}{trade_name(i)}早餐店", est=dt.date(P.base - 2, 5, 8))
            rows = P.pay(h, DIBAO, range(0, P.nm), size=2, income=200)
            P.plant("R09", "flag", h, DIBAO, "同户的妻子是存续个体工商户的经营者", rows)
        elif k == 1:    # a company set up in month m, the recipient its legal representative
            m = rng.randint(2, P.nm - 4)
            p = P.single(v, "男", born=(1960, 1985))
            P.business([("法定代表人", p)], f"衢州{p.name}{trade_name(i)}商贸有限公司", "企业", est=P.day_in(m), capital="50")
            rows = P.pay(p, DIBAO, range(0, P.nm), income=200)
            P.plant("R09", "flag", p, DIBAO, "本人成立公司并任法定代表人之后的月份", [r for r in rows if r[3] >= m])
        else:           # the son's shop, cancelled in month m
            m = rng.randint(2, P.nm - 4)
            p = P.single(v, born=(1940, 1960))
            son = P.child(p, "男")
            P.business([("经营者", son)], f"{v.county_name}{v.township}{son.name}{trade_name(i)}五金店", status="注销",
                       est=dt.date(2015, 3, 11), closed=P.day_in(m))
            rows = P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R09", "flag", p, DIBAO, "同户儿子的五金店注销当月之前的月份", [r for r in rows if r[3] < m])
    for i in range(P.n_traps):
        v = P.village()
        p = P.single(v, born=(1940, 1965))
        if i % 2 == 0:
            P.business([("经营者", p)], f"{v.county_name}{v.township}{p.name}{trade_name(i)}杂货店", status="注销",
                       est=dt.date(2010, 4, 9), closed=dt.date(P.base - 1, rng.randint(1, 12), 14))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R09", "none", p, DIBAO, "本人杂货店在数据开始前已注销")
        else:
            son = P.child(p, "男", own_household=True)
            P.business([("经营者", son)], f"{v.county_name}{v.township}{son.name}{trade_name(i)}农资店", est=dt.date(2016, 3, 25))
            P.pay(p, DIBAO, range(0, P.nm), income=100)
            P.plant("R09", "none", p, DIBAO, "开店的儿子已分户，不是同户成员")


def plant_r14(P: World) -> None:
    """R14 收款账户异常: one account receives benefits of people of different households with no kinship."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        if i % 2 == 0:  # two 低保 recipients, strangers, one card
            a = P.single(v, born=(1940, 1965))
            b = P.single(v, born=(1940, 1965))
            ra = P.pay(a, DIBAO, range(0, P.nm), income=100)
            m = rng.randint(0, P.nm - 12)
            rb = P.pay(b, DIBAO, range(m, P.nm), income=200, account=a)
            P.plant("R14", "flag", a, DIBAO, "低保金与另一户无亲属关系的人打入同一账户", ra)
            P.plant("R14", "flag", b, DIBAO, "低保金打入另一户无亲属关系的人的账户", rb)
        else:           # a 村民小组长's pension account receives a villager's 生活补贴
            cadre, _ = P.couple(v, born=(1940, 1958))
            P.claim(cadre, v, extra="社区居民小组长" if v.community else "村民小组长", start=dt.date(P.base - 2, 4, 15))
            x = P.single(v, born=(1950, 1985))
            rc = P.pay(cadre, PENSION, range(0, P.nm), personal=30)
            m = rng.randint(0, P.nm - 12)
            rx = P.pay(x, LIVING, range(m, P.nm), account=cadre)
            P.plant("R14", "flag", cadre, PENSION, "村民小组长本人领养老金的账户同时收取无亲属关系村民的生活补贴", rc)
            P.plant("R14", "flag", x, LIVING, "生活补贴打入村民小组长本人的账户", rx)
    for i in range(P.n_traps):
        v = P.village()
        if i % 2 == 0:
            h, w = P.couple(v, born=(1945, 1965))
            P.pay(h, DIBAO, range(0, P.nm), size=2, income=200)
            P.pay(w, LIVING, range(0, P.nm), account=h)
            P.plant("R14", "none", w, LIVING, "生活补贴打入丈夫的账户（配偶，同户）")
            P.plant("R14", "none", h, DIBAO, "与妻子共用本人账户")
        else:
            f = P.single(v, "男", born=(1940, 1958))
            son = P.child(f, "男", own_household=True)
            P.pay(f, DIBAO, range(0, P.nm), income=100)
            P.pay(son, LIVING, range(0, P.nm), account=f)
            P.plant("R14", "none", son, LIVING, "生活补贴打入分户父亲的账户（近亲属）")
            P.plant("R14", "none", f, DIBAO, "与分户的儿子共用本人账户（近亲属）")

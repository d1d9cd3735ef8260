"""Planted cases and traps of the rules on cadres and money of the village: R10 (relatives of cadres), R11
(projects to cadres' businesses), R12 (compensation withheld). See __init__.py."""

from __future__ import annotations

import datetime as dt

from bench.world.people import trade_name
from bench.world.programmes import CARE, DIBAO, LIVING, TEKUN
from bench.world.scenarios.protocol import OUTSIDE_AREAS, World


def plant_r10(P: World) -> None:
    """R10 优亲厚友: a relative (民法典 近亲属, from the register) of a village cadre (same village) or a 低保
    case worker (same township) receives assistance during the term, not filed before the first paid month."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 5
        if k == 1:      # a township case worker's brother on 特困 (the same father ID number)
            t = rng.choice(P.townships())
            v = P.village(township=t)
            father = P.person(v, "男", P.birth(1925, 1945), in_register=False)
            worker = P.person(v, "男", P.birth(father.birth.year + 24, father.birth.year + 34), surname=father.name[0],
                              father=father.pid)
            P.claim(worker, township=t, prefer=("低保经办人",))
            w = P.village(township=t)
            bro = P.person(w, "男", P.birth(father.birth.year + 22, father.birth.year + 36), surname=father.name[0],
                           father=father.pid)
            rows = P.pay(bro, TEKUN, range(0, P.nm), sub_type="分散供养")
            P.plant("R10", "flag", bro, TEKUN, "乡镇低保经办人的兄弟（父亲身份证号相同），同乡镇享受特困供养，未备案", rows)
            continue
        cadre, wife = P.couple(v, born=(1962, 1982) if k != 4 else (1955, 1975))
        post = P.claim(cadre, v)
        if k == 0:      # his father, in a household of his own in the same village, on 低保
            father = P.person(v, "男", P.birth(cadre.birth.year - 30, cadre.birth.year - 24), surname=cadre.name[0])
            cadre.father = father.pid
            rows = P.pay(father, DIBAO, range(0, P.nm), income=100)
            P.plant("R10", "flag", father, DIBAO, "村干部的父亲（分户，户籍父亲身份证号），同村享受低保，未备案", rows)
        elif k == 2:    # his wife, in his household, on 生活补贴
            rows = P.pay(wife, LIVING, range(0, P.nm))
            P.plant("R10", "flag", wife, LIVING, "村干部的妻子（同户）享受生活补贴，未备案", rows)
        elif k == 3:    # his mother on 低保, filed months after the first payment
            mother = P.person(v, "女", P.birth(cadre.birth.year - 30, cadre.birth.year - 22))
            cadre.mother = mother.pid
            first = rng.randint(0, P.nm - 6)
            rows = P.pay(mother, DIBAO, range(first, P.nm), income=100)
            P.file_kin(mother, cadre, post, "母亲", DIBAO, P.mon(first + 2).replace(day=rng.randint(1, 28)))
            P.plant("R10", "flag", mother, DIBAO, "村干部的母亲享受低保，首次发放后才备案：备案当月之前的月份",
                    [r for r in rows if r[3] < first + 2])
        else:           # his son, in a household of his own, on 护理补贴
            son = P.child(cadre, "男", own_household=True, born=(cadre.birth.year + 22, cadre.birth.year + 25))
            rows = P.pay(son, CARE, range(0, P.nm))
            P.plant("R10", "flag", son, CARE, "村干部的儿子（分户）享受护理补贴，未备案", rows)
    for i in range(P.n_traps):
        v = P.village()
        k = i % 4
        cadre, _ = P.couple(v, born=(1962, 1982))
        if k == 0:      # filed before the first payment
            post = P.claim(cadre, v)
            father = P.person(v, "男", P.birth(cadre.birth.year - 30, cadre.birth.year - 24), surname=cadre.name[0])
            cadre.father = father.pid
            first = rng.randint(0, P.nm // 2)
            P.pay(father, DIBAO, range(first, P.nm), income=100)
            filed = (P.mon(first) - dt.timedelta(days=rng.randint(10, 300))) if first == 0 else P.day_in(first)
            P.file_kin(father, cadre, post, "父亲", DIBAO, filed)
            P.plant("R10", "none", father, DIBAO, "村干部的父亲享受低保，首次发放前已备案")
        elif k == 1:    # a former cadre: the term ended before 2019
            P.claim(cadre, v, extra="村报账员" if not v.community else "社区报账员", start=dt.date(2011, 5, 3),
                    end=dt.date(P.base - 1, rng.randint(1, 12), 28))
            father = P.person(v, "男", P.birth(cadre.birth.year - 30, cadre.birth.year - 24), surname=cadre.name[0])
            cadre.father = father.pid
            P.pay(father, DIBAO, range(0, P.nm), income=100)
            P.plant("R10", "none", father, DIBAO, "原村干部的父亲：其任职在数据开始前已结束，早于发放月份")
        elif k == 2:    # same surname, same village, no kinship in the register
            P.claim(cadre, v)
            other = P.single(v, born=(1935, 1955), surname=cadre.name[0])
            P.pay(other, DIBAO, range(0, P.nm), income=100)
            P.plant("R10", "none", other, DIBAO, "与村干部同姓同村，户籍中无亲属关系")
        else:           # his mother, on 低保 in another village
            P.claim(cadre, v)
            w = P.village(township=v.township, not_vid=v.vid) or P.village(not_vid=v.vid)
            mother = P.person(w, "女", P.birth(cadre.birth.year - 30, cadre.birth.year - 22))
            cadre.mother = mother.pid
            P.pay(mother, DIBAO, range(0, P.nm), income=100)
            P.plant("R10", "none", mother, DIBAO, "村干部的母亲在外村享受低保")


def plant_r11(P: World) -> None:
    """R11 村干部关联主体承揽本村工程: the contractor's legal representative, shareholder or operator is a cadre
    of that village or a close relative, and the contract was signed during the term."""
    rng = P.rng
    for i in range(P.n):
        v = P.village()
        k = i % 3
        cadre, wife = P.couple(v, born=(1960, 1982) if k != 2 else (1955, 1975))
        P.claim(cadre, v)
        signed = dt.date(rng.choice([2019, 2020]), rng.randint(1, 12), rng.randint(1, 28))
        amount = rng.randrange(20000, 300000, 100)
        if k == 0:
            name = f"{v.county_name}{v.name}{wife.name}{trade_name(i)}苗木专业合作社"
            code = P.business([("法定代表人", wife)], name, "农民专业合作社", est=dt.date(2017, 3, 20), capital="50")
            j = P.project(v, "村庄绿化提升工程", name, code, amount, signed)
            note = "承包方合作社的法定代表人是村干部的妻子"
        elif k == 1:    # his own shop; the ledger has no credit code (matched by name)
            name = f"{v.county_name}{v.township}{cadre.name}{trade_name(i)}建材经营部"
            P.business([("经营者", cadre)], name, est=dt.date(2014, 6, 2))
            j = P.project(v, "村道修补工程", name, None, amount, signed, "询价")
            note = "承包方是村干部本人经营的个体户（台账无信用代码，按名称对应）"
        else:           # his son (分户) is a shareholder of the building company
            son = P.child(cadre, "男", own_household=True, born=(cadre.birth.year + 22, cadre.birth.year + 25))
            boss = P.person(v, "男", P.birth(1965, 1985), in_register=False, area=rng.choice(OUTSIDE_AREAS))
            name = f"衢州{son.name}{trade_name(i)}建筑工程有限公司"
            code = P.business([("法定代表人", boss), ("股东", son)], name, "企业", est=dt.date(2016, 9, 1), capital="500")
            j = P.project(v, "文化礼堂建设工程", name, code, amount, signed, "公开招标")
            note = "承包公司的股东是村干部的儿子（分户）"
        P.plant("R11", "flag", cadre, j, note, months=None, amount=amount, period=(signed.replace(day=1),) * 2)
    for i in range(P.n_traps):
        v = P.village()
        cadre, wife = P.couple(v, born=(1960, 1982))
        if i % 2 == 0:  # the wife's cooperative took a project of another village
            P.claim(cadre, v)
            w = P.village(not_vid=v.vid)
            name = f"{v.county_name}{v.name}{wife.name}{trade_name(i)}果蔬专业合作社"
            code = P.business([("法定代表人", wife)], name, "农民专业合作社", est=dt.date(2017, 3, 20))
            j = P.project(w, "机耕路硬化工程", name, code, rng.randrange(20000, 200000, 100),
                          dt.date(2020, rng.randint(1, 12), rng.randint(1, 28)))
            P.plant("R11", "none", cadre, j, "村干部妻子的合作社承揽的是外村工程")
        else:           # elected in a by-election after his shop's contract
            P.claim(cadre, v, extra="村民委员会委员" if not v.community else "社区居民委员会委员",
                    start=dt.date(2020, 8, 20))
            name = f"{v.county_name}{v.township}{cadre.name}{trade_name(i)}水电安装部"
            code = P.business([("经营者", cadre)], name, est=dt.date(2015, 6, 2))
            j = P.project(v, "垃圾中转站修缮工程", name, code, rng.randrange(20000, 90000, 100),
                          dt.date(2020, rng.randint(1, 7), rng.randint(1, 28)))
            P.plant("R11", "none", cadre, j, "合同签订在其补选为村干部（2020-08-20）之前")


def plant_r12(P: World) -> None:
    """R12 补偿款截留少付: what an agreement owes the entitled person against what reached them or their family."""
    rng = P.rng
    for i in range(P.n):
        v = P.village(community=False) or P.village()
        k = i % 3
        h, w = P.couple(v, born=(1945, 1970))
        signed = dt.date(2019, rng.randint(1, 12), rng.randint(1, 28))
        if k == 0:      # the tower case: 10,000 due, 4,000 reached the farmer
            no = f"TT{v.county}-{i:05d}"
            P.agreement(f"110kV{v.name}线路铁塔占地补偿", no, f"N{i:03d}", h, "0.12", "10000元/基", 10000, signed)
            paid = signed + dt.timedelta(days=rng.randint(30, 200))
            P.payout(no, h, h, 4000, paid, "一次性")
            P.plant("R12", "flag", h, f"110kV{v.name}线路铁塔占地补偿", "铁塔占地补偿应付 10000 元，本人只收到 4000 元",
                    amount=6000, period=(paid.replace(day=1),) * 2)
        elif k == 1:    # the second instalment went to a village cadre
            cadre, _ = P.couple(v, born=(1960, 1980))
            P.claim(cadre, v, prefer=("报账员",), extra="村股份经济合作社出纳")
            area = rng.choice([0.45, 0.6, 0.85, 1.2])
            due = int(48000 * area)
            no = f"ZD{v.county}-{i:05d}"
            P.agreement("国道改建工程征地补偿", no, f"D{i:04d}", h, f"{area:.2f}", "48000元/亩", due, signed)
            p1, p2 = signed + dt.timedelta(days=40), signed + dt.timedelta(days=200)
            P.payout(no, h, h, due * 6 // 10, p1, "第一期（60%）")
            P.payout(no, h, cadre, due - due * 6 // 10, p2, "第二期（40%）")
            P.plant("R12", "flag", h, "国道改建工程征地补偿", "第二期付给了村干部（非本人及家人）", amount=due - due * 6 // 10,
                    period=(p1.replace(day=1), p2.replace(day=1)))
        else:           # nothing paid at all
            no = f"ZD{v.county}-{i:05d}"
            due = rng.randrange(8000, 60000, 100)
            P.agreement("水库扩容工程征地补偿", no, f"S{i:04d}", h, "0.50", "协议", due, signed)
            P.plant("R12", "flag", h, "水库扩容工程征地补偿", "协议应付，无任何付款记录", amount=due)
    for i in range(P.n_traps):
        v = P.village(community=False) or P.village()
        k = i % 3
        h, w = P.couple(v, born=(1945, 1970))
        signed = dt.date(2020, rng.randint(1, 6), rng.randint(1, 28))
        no = f"ZT{v.county}-{i:05d}"
        due = rng.randrange(8000, 60000, 100)
        P.agreement("乡村道路拓宽工程征地补偿", no, f"T{i:04d}", h, "0.30", "协议", due, signed)
        if k == 0:
            P.payout(no, h, h, due * 6 // 10, signed + dt.timedelta(days=30), "第一期（60%）")
            P.payout(no, h, h, due - due * 6 // 10, signed + dt.timedelta(days=150), "第二期（40%）")
            P.plant("R12", "none", h, "乡村道路拓宽工程征地补偿", "两期付款合计足额")
        elif k == 1:
            P.payout(no, h, w, due, signed + dt.timedelta(days=45), "一次性（妻代领）")
            P.plant("R12", "none", h, "乡村道路拓宽工程征地补偿", "付给同户的妻子，足额")
        else:
            son = P.child(h, "男", own_household=True)
            P.payout(no, h, son, due, signed + dt.timedelta(days=45), "一次性（子代领）")
            P.plant("R12", "none", h, "乡村道路拓宽工程征地补偿", "付给分户的儿子（近亲属），足额")

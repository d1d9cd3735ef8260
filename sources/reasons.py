"""Reason codes (why a row is quarantined) and warning codes (what was odd in a row that was loaded), with
the Chinese an investigator or a data clerk reads in quarantine.csv and on the 数据质量 sheet."""

from __future__ import annotations

from . import values

# Reason codes: what an investigator or a data clerk reads in quarantine.csv and the 数据质量 sheet.
REASONS = {
    "MISSING_ID": "身份证号为空",
    "ID_PRECISION_LOST": "身份证号经过数值格式单元格，Excel 只保留 15 位有效数字，后几位已丢失，无法还原",
    "ID_TRUNCATED": "身份证号位数不足（16 或 17 位），可能缺了校验位或某一位",
    "ID_BAD_FORMAT": "身份证号格式不对（应为 18 位，末位为数字或 X；或 15 位旧号码）",
    "ID_CHECKSUM_FAIL": "身份证号校验位不符（GB 11643-1999），通常是某一位录错或两位颠倒",
    "ID_BAD_BIRTHDATE": "身份证号中的出生日期不存在或晚于核查日",
    "MISSING_NAME": "姓名为空",
    "MISSING_MONTH": "没有所属期：表中无所属期列，标题、工作表名、文件名中也没有年月",
    "BAD_MONTH": "所属期无法识别（应为 2020-03、202003、2020年3月 等）",
    "MISSING_AMOUNT": "金额为空",
    "BAD_AMOUNT": "金额无法识别或有歧义（应为数字，如 1200、1,200.00、1200元、￥1,200；数字中间有空格或下划线（2 70、1_000）、"
                  "千分位不是每三位一个逗号（12,00）、小数超过两位（270.004）的无法确定金额，请核对原表）",
    "MISSING_PROGRAMME": "不知道是哪个项目：表中无补贴类型列，标题、工作表名、文件名中也没有项目名称",
    "MISSING_DATE": "日期为空",
    "BAD_DATE": "日期无法识别（应为 2020-03-05、2020/3/5、2020年3月5日、20200305 等）",
    "MISSING_DEATH_DATE": "死亡记录中死亡日期、火化日期、注销日期都为空（写了但无法识别的，入库并列入警告和待补数据）",
    "MISSING_VALUE": "必填项为空",
    **values.REASON_TEXTS,
}
WARNINGS = {"id": "ID_INVALID", "month": "BAD_MONTH", "date": "BAD_DATE", "amount": "BAD_AMOUNT",
            "integer": "BAD_INTEGER", "account": "ACCOUNT_PRECISION_LOST"}
# Every code with its text, as the table reason_codes holds them.
CODE_TEXTS = {**REASONS, **values.WARNING_TEXTS}

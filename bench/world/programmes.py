"""The programmes of the synthetic world, named as the departments' files and the rules name them."""

LIVING = "困难残疾人生活补贴"      # 残联
CARE = "重度残疾人护理补贴"        # 残联
DIBAO = "最低生活保障"             # 民政
TEKUN = "特困人员供养"             # 民政
PENSION = "城乡居民基本养老保险"    # 人社, residents' scheme
ELDER = "高龄补贴"                 # 民政
EMPLOYEE = "职工基本养老保险"       # 人社, employees' scheme (R17)

# means-tested: a household on one of these is "assisted"
ASSISTANCE = {DIBAO, TEKUN, LIVING}

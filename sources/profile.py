"""What a sheet's columns hold: the content evidence for recognising a file (issue 16).

Each column of a candidate header is profiled over the rows below it in the sheet's preview (up to
PREVIEW_ROWS − header rows, a sample, never the whole sheet): the share of its non-empty cells that are
ID numbers with a valid GB 11643 check character and province, 统一社会信用代码 with a valid GB 32100 check
character, plate numbers, relation words of GB/T 4761, post titles, months, dates, amounts, and so on.
The profile is computed in DuckDB, in one query per sheet, with the same macros that staging uses
(sources/macros.sql), so "an ID number" means here what it means when the rows are loaded.
"""

from __future__ import annotations

import csv
import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .declarations import programme_synonyms
from .quoting import sql_str

HERE = Path(__file__).parent

# Content classes: name → (SQL predicate over the cleaned cell text `t`, Chinese label for people).
# A class is evidence when most non-empty cells of a column belong to it.
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82")
_PROVINCE_SQL = "[" + ", ".join(f"'{p}'" for p in PROVINCES) + "]"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
                     "夏侯", "轩辕", "端木", "百里", "呼延", "南宫", "独孤", "西门", "申屠", "澹台", "公冶", "钟离")
POST_WORDS = ("书记", "主任", "委员", "会计", "出纳", "文书", "组长", "主席", "专干", "助理员", "网格员", "报账员",
              "村长", "社长", "干部", "经办", "站长", "所长", "科员", "负责人", "监委", "两委")
ORG_ENDINGS = ("公司", "合作社", "厂", "店", "部", "中心", "医院", "卫生院", "馆", "所", "站", "社", "场", "队",
               "行", "局", "办事处", "政府", "委员会", "学校", "处", "室", "商行", "超市", "工作室", "殡仪馆")
CAUSE_WORDS = ("病", "癌", "瘤", "衰竭", "意外", "事故", "梗", "炎", "中风", "自然死亡", "猝死", "溺", "自杀",
               "他杀", "损伤", "出血", "衰老", "老死")
DEATH_PLACE_WORDS = ("家中", "医院", "卫生院", "途中", "养老院", "敬老院", "福利院", "其他", "外地")
STATUS_WORDS = ("正常", "注销", "迁出", "死亡", "在职", "离职", "退休", "存续", "吊销", "报废", "停发", "暂停",
                "在册", "在用", "转移", "迁入", "出生", "在编", "开业", "歇业", "抵押", "逾期未检验")


def _relation_words() -> list[str]:
    with open(HERE / "gbt4761_relations.csv", encoding="utf-8") as f:
        return sorted({r["name"] for r in csv.DictReader(f)} | {"户主", "本人", "妻", "夫", "妻子", "丈夫", "儿子",
                       "女儿", "父亲", "母亲", "孙子", "孙女", "儿媳", "女婿", "兄弟", "姐妹", "哥哥", "姐姐",
                       "弟弟", "妹妹", "公公", "婆婆", "岳父", "岳母", "子", "女", "父", "母"})


def _programme_words() -> list[str]:
    """Every programme synonym and sub-type (sources/programmes.yaml), as staging matches them."""
    return sorted({s for s, _, _ in programme_synonyms() if len(s) >= 2})


def _sub_type_words() -> list[str]:
    """The sub-type synonyms (城市低保, 农村低保, 集中供养 …): a cell that is exactly one."""
    return sorted({s for s, _, sub in programme_synonyms() if sub})


def _sql_list(words) -> str:
    return "[" + ", ".join(sql_str(w) for w in words) + "]"


def _any_contains(words) -> str:
    return f"len(list_filter({_sql_list(words)}, lambda w: contains(t, w))) > 0"


def _ends_with_any(words) -> str:
    return f"len(list_filter({_sql_list(words)}, lambda w: ends_with(t, w))) > 0"


_MONTH = (r"(19|20)[0-9]{2}\s*(年|-|/|\.)\s*(0?[1-9]|1[0-2])\s*(月份|月)?"
          r"|(19|20)[0-9]{2}(0[1-9]|1[0-2])")
_DATE = (r"(19|20)[0-9]{2}\s*(年|-|/|\.)\s*(0?[1-9]|1[0-2])\s*(月|-|/|\.)\s*(0?[1-9]|[12][0-9]|3[01])\s*日?"
         r"([ T]?[0-9]{1,2}(:|时)[0-9]{1,2}((:|分)[0-9]{0,2}秒?)?|[0-9]{1,2}时[0-9]{1,2}分)?"
         r"|(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])")

CLASSES: dict[str, tuple[str, str]] = {
    "id": (f"list_contains({_PROVINCE_SQL}, substr(t, 1, 2)) and (id_ok or ("
           "regexp_full_match(t, '[0-9]{6}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}')))", "身份证号"),
    # what an ID number looks like when damaged (a numeric cell that lost digits, 科学计数, a wrong check character)
    "idlike": ("length(regexp_replace(t, '[^0-9Xx×]', '', 'g')) between 14 and 19 "
               "or regexp_full_match(t, '[0-9]\\.[0-9]+E\\+?1[4-7]')", "像身份证号"),
    "credit": ("regexp_full_match(t, '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}') and "
               f"substr('{_CREDIT_CHARS}', (1 + (31 - list_sum(list_transform(range(17), lambda i: "
               f"(strpos('{_CREDIT_CHARS}', substr(t, i + 1, 1)) - 1) * {_CREDIT_WEIGHTS}[i + 1])) % 31) % 31)::bigint, 1)"
               " = substr(t, 18, 1)", "统一社会信用代码"),
    "plate": (f"regexp_full_match(t, '[{_PLATE_PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警]')",
              "车牌号"),
    "relation": (f"list_contains({_sql_list(_relation_words())}, t)", "与户主关系"),
    "post": (_any_contains(POST_WORDS), "职务"),
    "org": (f"length(t) >= 4 and {_ends_with_any(ORG_ENDINGS)}", "单位或主体名称"),
    "cause": (f"length(t) <= 20 and ({_any_contains(CAUSE_WORDS)} or t = '疾病')", "死亡原因"),   # 死亡 is a 注销原因
    "deathplace": (f"length(t) <= 8 and {_any_contains(DEATH_PLACE_WORDS)}", "死亡地点"),
    "place": ("length(t) between 2 and 12 and regexp_full_match(t, '\\p{Han}+') and "
              + _ends_with_any(("镇", "乡", "街道", "村", "社区", "村委会", "居委会", "派出所")), "乡镇或村"),
    "programme": (f"length(t) <= 40 and {_any_contains(_programme_words())}", "项目名称"),
    "subtype": (f"list_contains({_sql_list(_sub_type_words())}, t)", "项目类别"),
    "sex": ("t in ('男', '女', '1', '2', '男性', '女性')", "性别"),
    "status": (f"length(t) <= 8 and {_any_contains(STATUS_WORDS)}", "状态"),
    "date": ("is_date", "日期"),
    # a date cell stored as its Excel serial number (1940–2049): a date column may hold them, but so may an
    # amount column (38600), so it is evidence for neither
    "serial": ("regexp_full_match(t, '[0-9]{5}(\\.[0-9]+)?') and try_cast(t as double) between 14611 and 54789",
               "Excel 日期序号"),
    "month": ("is_month", "年月"),
    "amount": ("regexp_full_match(replace(replace(t, ',', ''), '元', ''), '-?[0-9]{1,9}(\\.[0-9]{1,2})?') "
               "and not regexp_full_match(t, '0[0-9]+') and not is_date", "金额"),   # 19410505 is a date
    "account": ("regexp_full_match(t, '[0-9]{12,25}') and not coalesce(id_ok, false)", "账号"),
    "code": ("regexp_full_match(t, '[0-9A-Za-z\\-_/]{4,30}') and regexp_matches(t, '[0-9].*[0-9]') "
             "and not coalesce(id_ok, false) and not is_date and not is_month "
             "and not regexp_full_match(t, '[0-9]{1,9}(\\.[0-9]+)?')", "编号"),   # not a date, month or number
    # a person's name: two or three characters, four with a compound surname, or a name with a separator dot
    # (系统导出, 分散供养 are not names)
    "name": ("(regexp_full_match(t, '\\p{Han}{2,3}|\\p{Han}{1,8}[·•.]\\p{Han}{1,8}') or (length(t) = 4 and "
             f"list_contains({_sql_list(COMPOUND_SURNAMES)}, t[1:2]))) and not ("
             + _ends_with_any(("镇", "乡", "村", "社区", "街道", "公司", "店", "厂", "局")) + ")", "姓名"),
    "text": ("length(t) > 0", "文字"),
}
# Classes that point at one kind of column strongly enough to map a column by its values alone.
DISTINCTIVE = ("id", "credit", "plate", "relation", "month", "post", "cause", "account")


@dataclass(frozen=True)
class ColumnProfile:
    index: int                # 0-based column
    filled: int               # non-empty cells in the sample
    shares: dict              # class → share of the non-empty cells
    distinct: float           # distinct values / non-empty cells (a 户号 repeats within a household)

    def share(self, cls: str | None) -> float:
        return self.shares.get(cls, 0.0) if cls else 0.0

    def best(self) -> tuple[str | None, float]:
        """The distinctive class most of the column holds, if any."""
        hits = [(self.shares.get(c, 0.0), c) for c in DISTINCTIVE]
        share, cls = max(hits)
        return (cls, share) if share >= 0.8 and self.filled >= 2 else (None, 0.0)


_LOCAL = threading.local()


def _con():
    """An in-memory DuckDB with the staging macros, one per thread."""
    con = getattr(_LOCAL, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute((HERE / "macros.sql").read_text(encoding="utf-8"))
        _LOCAL.con = con
    return con


@functools.lru_cache(maxsize=1)
def _flags_sql() -> str:
    flags = ",\n".join(f"coalesce(({sql}), false) as {name}" for name, (sql, _) in CLASSES.items())
    return f"""
        with input as (
            select unnest($cols::integer[]) as col, unnest($rows::integer[]) as r, unnest($values::varchar[]) as v),
        texts as (
            select col, r, qf_narrow(qf_text(v)) as t from input),
        cells as (
            -- an 18-character number with its check character (a 15-digit one: its birth date, above);
            -- dates and months written as such, which other classes exclude
            select *, case when regexp_full_match(t, '[0-9]{{17}}[0-9Xx]')
                           then qf_id_check_ok(upper(t)) else false end as id_ok,
                   regexp_full_match(t, '{_DATE}') as is_date,
                   regexp_full_match(t, '{_MONTH}') as is_month
            from texts where t is not null)
        select col, r, t,
            -- whole numbers up to 20 (人数, 序号 of a short list); a whole number (序号 is the row plus a constant)
            coalesce(try_cast(t as double) between 0 and 20 and not contains(t, '.'), false) as small,
            try_cast(t as bigint) as whole,
            {flags}
        from cells order by col, r"""


def profile_rows(rows: list[list[str]], width: int, start: int = 0) -> list[ColumnProfile]:
    """Profile the rows of `rows` from `start` on (lists of cell texts), column by column: one ColumnProfile
    per column up to `width`. The cells of all the rows are classified once (one DuckDB query per sheet
    preview, cached); each candidate header then only counts the rows below it."""
    cells = _classified(tuple(tuple("" if c is None else str(c) for c in r) for r in rows))
    names = ["small", *CLASSES]
    out = []
    for j in range(width):
        mine = [c for c in cells.get(j, ()) if c[0] >= start]
        if not mine:
            out.append(ColumnProfile(j, 0, {}, 1.0))
            continue
        n = len(mine)
        shares = {name: sum(c[3 + k] for c in mine) / n for k, name in enumerate(names)}
        wholes = [c[2] - c[0] for c in mine if c[2] is not None]
        shares["sequence"] = float(len(wholes) >= 3 and len(set(wholes)) == 1)
        out.append(ColumnProfile(j, n, shares, len({c[1] for c in mine}) / n))
    return out


@functools.lru_cache(maxsize=256)    # a preview is profiled for each of its candidate headers
def _classified(rows: tuple[tuple[str, ...], ...]) -> dict[int, list[tuple]]:
    """Column → (row, text, whole number or None, small, *one flag per class) for each non-empty cell."""
    cols, rownos, values = [], [], []
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v:
                cols.append(j)
                rownos.append(i)
                values.append(v)
    # the cells go in as parameters (registering an Arrow table would import pandas: 0.2 s a process)
    result = _con().execute(_flags_sql(), {"cols": cols, "rows": rownos, "values": values}).fetchall()
    out: dict[int, list[tuple]] = {}
    for col, r, t, small, whole, *flags in result:
        out.setdefault(col, []).append((r, t, whole, small, *flags))
    return out


def label(cls: str | None) -> str:
    return CLASSES[cls][1] if cls in CLASSES else ""

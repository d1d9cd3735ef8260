"""The kinship table derived from household registers, on literal rows in a real DuckDB."""

from __future__ import annotations

import pytest
from conftest import empty_warehouse, fetch_dicts, insert_rows

from rules import derived

# ID numbers with valid check characters; digit 17 odd = male
GRANDPA = "330822193001010013"   # 男
FATHER = "330822195501010019"    # 男
MOTHER = "330822195601010026"    # 女
SON = "330822198001010011"       # 男
DAUGHTER = "330822198201010022"  # 女
SON_WIFE = "330822198102020029"  # 女
GRANDSON = "330822200501010011"  # 男
COUSIN = "330822198301010017"    # 男: child of FATHER's brother
UNCLE = "330822195801010015"     # 男: FATHER's brother
STRANGER = "330822197001010016"  # 男


def kin(persons_csv: str) -> dict[tuple[str, str], dict]:
    con = empty_warehouse()
    insert_rows(con, "persons", persons_csv)
    derived.derive(con)
    return {(r["relative_id_number"], r["person_id_number"]): r for r in fetch_dicts(con, "select * from kin")}


@pytest.fixture(scope="module")
def family():
    # household 1: the head FATHER, his wife, son, daughter, daughter-in-law, grandson (same 户号);
    # household 2 split off: UNCLE (FATHER's brother) and COUSIN, linked by father ID numbers only;
    # GRANDPA is in no household row of his own: he is known from the father ID columns.
    return kin(f"""
household_no,id_number,name,relation,father_id_number,mother_id_number,spouse_id_number
1001,{FATHER},张父,户主,{GRANDPA},,{MOTHER}
1001,{MOTHER},李母,妻,,,{FATHER}
1001,{SON},张子,子,{FATHER},{MOTHER},
1001,{DAUGHTER},张女,女,,,
1001,{SON_WIFE},王媳,儿媳,,,{SON}
1001,{GRANDSON},张孙,孙子,{SON},{SON_WIFE},
1002,{UNCLE},张叔,户主,{GRANDPA},,
1002,{COUSIN},张堂,子,{UNCLE},,
1003,{STRANGER},张某,户主,,,
""")


def test_same_household_relations_to_the_head(family):
    assert family[(FATHER, SON)]["label"] == "父亲" and family[(FATHER, SON)]["scope"] == "civil"
    assert family[(SON, FATHER)]["label"] == "儿子"
    assert family[(MOTHER, FATHER)]["label"] == "妻子"
    assert family[(DAUGHTER, FATHER)]["label"] == "女儿"
    assert "同户" in family[(DAUGHTER, FATHER)]["how"]


def test_siblings_within_a_household_and_through_a_shared_parent(family):
    assert family[(DAUGHTER, SON)]["relation"] == "兄弟姐妹"           # both children of the head
    assert family[(UNCLE, FATHER)]["relation"] == "兄弟姐妹"           # the same father ID, two households
    assert "父亲公民身份号码" in family[(UNCLE, FATHER)]["how"]


def test_a_split_household_keeps_its_parent_links(family):
    assert family[(GRANDPA, UNCLE)]["label"] == "父亲"
    assert family[(GRANDPA, SON)]["relation"] == "祖父母" and family[(GRANDPA, SON)]["via_name"] == "张父"


def test_the_avoidance_circle(family):
    assert family[(SON_WIFE, FATHER)]["relation"] == "子女的配偶" and family[(SON_WIFE, FATHER)]["scope"] == "avoidance"
    assert family[(UNCLE, SON)]["relation"] == "父母的兄弟姐妹"
    assert family[(COUSIN, SON)]["relation"] == "堂表兄弟姐妹"


def test_a_shared_surname_is_no_kinship(family):
    assert not [k for k in family if STRANGER in k]

"""The console's run forms (the deployments' parameter schemas, from which the Prefect UI draws its forms):
Chinese titles and descriptions, values as defaults (no "Property is type None" toggles), choice lists."""

from __future__ import annotations

import re

from flows import deployments
from rules import catalog

CJK = re.compile(r"[\u4e00-\u9fff]")


def _forms() -> dict[str, dict]:
    return {d.name: d._parameter_openapi_schema.properties for d in deployments.deployments()}


def test_every_parameter_has_a_chinese_title_and_description():
    for name, props in _forms().items():
        for key, prop in props.items():
            assert CJK.search(prop["title"]) and prop["title"] != key, (name, key, prop)
            assert CJK.search(prop.get("description") or ""), (name, key, prop)


def test_no_parameter_is_offered_as_none():
    for name, props in _forms().items():
        for key, prop in props.items():
            assert "anyOf" not in prop and prop.get("type") != "null" and prop.get("default", "") is not None, \
                (name, key, prop)


def test_rules_and_the_split_are_choice_lists():
    form = _forms()[deployments.AD_HOC]
    assert form["rules"]["items"]["enum"] == [r.id for r in catalog.catalog()]
    assert form["split_by"]["enum"] == ["不分册", "按县（市、区）分册", "按乡镇（街道）分册"]
    assert form["split_by"]["default"] == "不分册"
    assert "330822 常山县" in form["counties"]["items"]["enum"]           # the division table's current counties
    assert "330824 开化县" in form["counties"]["items"]["enum"]


def test_a_county_is_taken_as_the_form_offers_it_or_as_a_code_or_name():
    from flows import console

    assert console.county_values(["330822 常山县", "开化县", "330803", " "]) == ["330822", "开化县", "330803"]


def test_the_screening_form_offers_a_saved_list():
    """Prefect's UI has no file-upload field: a list is pasted once into a "清风拟发放名单" block and chosen by
    name in each screening (a block picker, with "Add +" to create one)."""
    prop = _forms()[deployments.SCREEN]["list_block"]
    assert prop["$ref"] == "#/definitions/ScreeningList" and "default" not in prop

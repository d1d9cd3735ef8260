"""The console's run forms: what an analyst sees in the Prefect UI for each parameter of the flows. Prefect
builds the form from the flow's signature (pydantic), so each parameter is typed here with a Chinese title, a
description with an example, a default that is a value (never None, which the UI shows as a "Property is type
None" toggle) and, where the values are few, a choice list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from prefect.blocks.core import Block
from pydantic import Field

from rules import catalog
from sources.declarations import divisions

from . import settings

# split_by: the labels the form offers → the workbook split (outputs/workbook.py SPLIT_FOLDERS)
SPLIT = {"不分册": None, "按县（市、区）分册": "county", "按乡镇（街道）分册": "township"}
SPLIT_LABEL = {code: label for label, code in SPLIT.items()}

RuleId = Literal[tuple(r.id for r in catalog.catalog())]      # the catalogue's ids, a choice list
SplitLabel = Literal[tuple(SPLIT)]


def _rules_text() -> str:
    return "；".join(f"{r.id} {r.name_zh}" for r in catalog.catalog())


def _county_choices() -> list[str]:
    """The current counties of the division table as the form's choices, "330822 常山县"."""
    return [f"{d['code']} {d['name']}" for d in divisions() if d["level"] == "county" and not d["valid_to"]]


def county_values(values: list[str]) -> list[str]:
    """A county as the form offers it ("330822 常山县") or as the CLI and the API take it (a code or a name)."""
    return [v.split()[0] if v.split()[0].isdigit() else v for v in values if v.strip()]


Inbox = Annotated[str, Field(title="收件目录", description="部门报送文件所在的目录（须在允许的目录之内）")]
Out = Annotated[str, Field(title="输出目录", description="留空：data/runs/<运行编号>")]
AsOf = Annotated[str, Field(title="核查基准日", description="YYYY-MM-DD，如 2021-01-15；留空：发放台账最后所属月份的月末",
                            pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
Rules = Annotated[list[RuleId], Field(title="规则", description="只运行所选规则；不选：全部。" + _rules_text())]
Counties = Annotated[list[str], Field(    # a choice list in the form; the CLI and the API take a code or name too
    title="县（市、区）", description="只列出这些县的线索；不选：全部。选项来自区划代码表（现行的县级区划）",
    json_schema_extra={"items": {"type": "string", "enum": _county_choices()}})]
Townships = Annotated[list[str], Field(title="乡镇（街道）", description="只列出这些乡镇的线索，填代码或名称，如 球川镇；不填：全部")]
MonthFrom = Annotated[str, Field(title="所属期起", description="YYYY-MM，如 2020-01；规则仍读取全部数据，只限定列出的线索",
                                 pattern=r"^(\d{4}-\d{2})?$")]
MonthTo = Annotated[str, Field(title="所属期止", description="YYYY-MM，如 2020-09", pattern=r"^(\d{4}-\d{2})?$")]
Warehouse = Annotated[str, Field(title="数据仓库文件", description="留空：data/warehouse.duckdb")]
Split = Annotated[SplitLabel, Field(title="分册", description="除总册外，另按县或乡镇各出一册")]
Mask = Annotated[bool, Field(title="脱敏", description="线索清单中隐去身份证号、账号的中间位")]
Engine = Annotated[Literal["duckdb", "spark"], Field(
    title="计算引擎", description="duckdb：本机（默认）；spark：在 Spark 集群上运行同一套规则（全省数据量）")]
SparkMaster = Annotated[str, Field(
    title="Spark 地址", description="仅 spark 引擎：local[2]（本机两核）、spark://主机:7077 或 sc://主机:15002（Spark Connect）")]
WaitS = Annotated[int, Field(title="等待秒数", description="另一运行正在写数据仓库时最多等待的秒数", ge=0)]
ListPath = Annotated[str, Field(title="拟发放名单", description="名单文件（.xlsx/.xls/.csv）在服务器上的路径（须在允许的目录之内）")]
ScreenDay = Annotated[str, Field(title="筛查日期", description="YYYY-MM-DD；留空：今天", pattern=r"^(\d{4}-\d{2}-\d{2})?$")]

DEFAULT_INBOX = str(settings.get("inbox"))
DEFAULT_WAIT = int(settings.get("lock_wait_s"))


def with_titles(deployment, fn):
    """The deployment with each parameter's Chinese title in its form: Prefect titles every parameter with its
    Python name (prefect.utilities.callables.process_v2_params), so the titles of the Annotated types above are
    put into the deployment's parameter schema here, together with their descriptions."""
    import typing

    hints = typing.get_type_hints(fn, include_extras=True)
    props = deployment._parameter_openapi_schema.properties
    for name, prop in props.items():
        if "$ref" in prop and prop.get("default", "") is None:
            del prop["default"]       # a block left unchosen: an empty picker, not a "None" value
        for meta in getattr(hints.get(name), "__metadata__", ()):
            if getattr(meta, "title", None):
                prop["title"] = meta.title
                prop["description"] = meta.description or prop.get("description")
    return deployment


class ScreeningList(Block):
    """清风拟发放名单：在 Excel 中选中整张名单（含表头）复制，粘贴到“名单”，保存；发放前筛查时在“或已保存的名单”中
    选用它。A list saved in the console (Prefect's UI has no file-upload field): pasted once, chosen by name in
    each screening, kept by the server."""

    _block_type_name = "清风拟发放名单"
    _block_type_slug = "qingfeng-screening-list"
    _description = "发放前筛查用的拟发放名单：从 Excel 复制整张名单（含表头）粘贴到“名单”。"
    content: str = Field(title="名单", description="在 Excel 中选中整张名单（含表头）复制，粘贴到这里")


SavedList = Annotated[ScreeningList, Field(title="或已保存的名单",
                                           description="选用一份已保存的“清风拟发放名单”，或点“Add +”新建一份")]

PastedList = Annotated[str, Field(title="或粘贴名单",
                                  description="不便上传文件时：在 Excel 中选中整张名单（含表头）复制，粘贴到这里；"
                                              "填写了“拟发放名单”路径时不用")]


def pasted_list(text: str, folder: Path) -> Path:
    """A list pasted into the console's form (Excel copies cells as tab-separated lines) as a file of the
    screening's folder, read like any department file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "粘贴的名单.tsv"
    path.write_text(text.replace("\r\n", "\n").strip("\n") + "\n", encoding="utf-8")
    return path

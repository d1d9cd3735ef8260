"""The console's run forms: what an analyst sees in the Prefect UI for each parameter of the flows. Prefect
builds the form from the flow's signature (pydantic), so each parameter is typed here with a Chinese title, a
description with an example, a default that is a value (never None, which the UI shows as a "Property is type
None" toggle) and, where the values are few, a choice list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from rules import catalog
from sources.declarations import divisions

from . import settings

# split_by: the labels the form offers → the workbook split (outputs/workbook.py SPLIT_FOLDERS)
SPLIT = {"不分册": None, "按县（市、区）分册": "county", "按乡镇（街道）分册": "township"}
SPLIT_LABEL = {code: label for label, code in SPLIT.items()}

RuleId = Literal[tuple(r.id for r in catalog.catalog())]      # noqa: the catalogue's ids, a choice list
SplitLabel = Literal[tuple(SPLIT)]


def _rules_text() -> str:
    return "；".join(f"{r.id} {r.name_zh}" for r in catalog.catalog())


def _counties_text() -> str:
    return "、".join(f"{d['code']} {d['name']}" for d in divisions() if d["level"] == "county" and not d["valid_to"])


Inbox = Annotated[str, Field(title="收件目录", description="部门报送文件所在的目录（须在允许的目录之内）")]
Out = Annotated[str, Field(title="输出目录", description="留空：data/runs/<运行编号>")]
AsOf = Annotated[str, Field(title="数据截止日期", description="YYYY-MM-DD，如 2021-01-15；留空：今天",
                            pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
Rules = Annotated[list[RuleId], Field(title="规则", description="只运行所选规则；不选：全部。" + _rules_text())]
Counties = Annotated[list[str], Field(title="县（市、区）",
                                      description="只列出这些县的线索，填代码或名称；不填：全部。可选：" + _counties_text())]
Townships = Annotated[list[str], Field(title="乡镇（街道）", description="只列出这些乡镇的线索，填代码或名称，如 球川镇；不填：全部")]
MonthFrom = Annotated[str, Field(title="所属期起", description="YYYY-MM，如 2020-01；规则仍读取全部数据，只限定列出的线索",
                                 pattern=r"^(\d{4}-\d{2})?$")]
MonthTo = Annotated[str, Field(title="所属期止", description="YYYY-MM，如 2020-09", pattern=r"^(\d{4}-\d{2})?$")]
Warehouse = Annotated[str, Field(title="数据仓库文件", description="留空：data/warehouse.duckdb")]
Split = Annotated[SplitLabel, Field(title="分册", description="除总册外，另按县或乡镇各出一册")]
Mask = Annotated[bool, Field(title="脱敏", description="线索清单中隐去身份证号、账号的中间位")]
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
        for meta in getattr(hints.get(name), "__metadata__", ()):
            if getattr(meta, "title", None):
                prop["title"] = meta.title
                prop["description"] = meta.description or prop.get("description")
    return deployment


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

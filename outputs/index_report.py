"""一图一表一指数 of a run's report month (cases/index.py computes and keeps the index), written into the run
folder:

- 监督指数_<month>.csv    一表: township × indicators × index × colour with the month-on-month change (UTF-8 with
                           a BOM and Chinese headers, so Excel opens it as Chinese; no cell starts a formula);
- 监督指数_<month>.xlsx   the same table (cells in their band colour), the indicators explained, and the charts;
- 监督指数排名_<month>.png, 监督指数走势_<month>.png   一图 (outputs/index_charts.py);
- 监督指数_<month>.html   all of it in one static file: images embedded, no external reference, opens offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cases import index

from .cells import HEADER_FILL, HEADER_FONT, cell_value, clean_text
from .index_charts import ranking_png, trend_png
from .tables import atomic_path, for_people

FIXED_HEADERS = ("排名", "县（市、区）", "乡镇（街道）", "发放对象（人）", "发放金额（元）")
TAIL_HEADERS = ("指数", "颜色", "上月指数", "环比变化")
DIRECTION_ZH = {True: "越高越差", False: "越高越好"}


def write(con, out: Path, month: index.IndexMonth | None, trend_months: int = 12) -> list[Path]:
    """The month's table, charts, workbook and HTML report in `out`; nothing when the run did not compute the
    index (month is None). Returns the paths written."""
    if month is None:
        return []
    rows = index.month_table(con, month.month)
    indicators = (index.indicators_of(con, month.month)           # as the month was computed; no township: as configured
                  or [(i.id, i.name_zh) for i in month.config.indicators])
    ranking = ranking_png(rows, month.config, month.month)
    trend = trend_png(index.history(con, month.month, trend_months), month.config, month.month)
    tag = f"{month.month:%Y-%m}"
    paths = {"csv": out / f"监督指数_{tag}.csv", "xlsx": out / f"监督指数_{tag}.xlsx",
             "ranking": out / f"监督指数排名_{tag}.png", "trend": out / f"监督指数走势_{tag}.png",
             "html": out / f"监督指数_{tag}.html"}
    write_csv(con, paths["csv"], rows, indicators)
    for key, png in (("ranking", ranking), ("trend", trend)):
        with atomic_path(paths[key]) as tmp:
            tmp.write_bytes(png)
    write_workbook(paths["xlsx"], rows, indicators, month, ranking, trend)
    with atomic_path(paths["html"]) as tmp:
        tmp.write_text(html_report(rows, indicators, month, ranking, trend), encoding="utf-8")
    return list(paths.values())


def _round(v, digits: int = 2):
    return None if v is None else round(float(v), digits)


def table_rows(rows: list[dict], indicators: list[tuple[str, str]]) -> tuple[list[str], list[list]]:
    """一表 as headers and rows of plain values: the townships best first, the indicators' raw values."""
    headers = [*FIXED_HEADERS, *(name for _, name in indicators), *TAIL_HEADERS]
    out = []
    for r in rows:
        values = r["values"] or {}
        out.append([r["rank"], r["county"], r["township"], r["recipients"], _round(r["paid_yuan"]),
                    *(_round((values.get(i) or {}).get("value")) for i, _ in indicators),
                    _round(r["score"], 1), r["colour"] or "无数据", _round(r["previous"], 1), _round(r["change"], 1)])
    return headers, out


def write_csv(con, path: Path, rows: list[dict], indicators: list[tuple[str, str]]) -> None:
    """一表 as CSV through DuckDB, every text cell made safe for a spreadsheet (tables.for_people)."""
    headers, data = table_rows(rows, indicators)
    n_fixed, n_ind = len(FIXED_HEADERS), len(indicators)
    types = [pa.int64(), pa.string(), pa.string(), pa.int64(), pa.float64(), *[pa.float64()] * n_ind,
             pa.float64(), pa.string(), pa.float64(), pa.float64()]
    assert len(types) == n_fixed + n_ind + len(TAIL_HEADERS)
    columns = [f"c{i}" for i in range(len(headers))]
    table = pa.Table.from_arrays([pa.array([row[i] for row in data], type=t) for i, t in enumerate(types)],
                                 names=columns)
    con.register("_index_csv", table)
    try:
        select = ", ".join(f'{c} as "{h.replace(chr(34), chr(34) * 2)}"' for c, h in zip(columns, headers))
        with atomic_path(path) as tmp:
            people = for_people(con, f"select {select} from _index_csv")
            con.execute(f"copy ({people}) to $path (format csv, header, delimiter ',', use_tmp_file false)",
                        {"path": str(tmp)})
            tmp.write_bytes(b"\xef\xbb\xbf" + tmp.read_bytes())
    finally:
        con.unregister("_index_csv")


def _fill(config, colour: str | None) -> PatternFill | None:
    band = config.band(colour)
    return PatternFill("solid", fgColor=band.rgb) if band else None


def write_workbook(path: Path, rows: list[dict], indicators, month: index.IndexMonth, ranking: bytes,
                   trend: bytes) -> None:
    """监督指数_<month>.xlsx: 指数 (the table, index cells in their colour), 指标说明, 图表 (the two charts)."""
    config = month.config
    wb = Workbook()
    ws = wb.active
    ws.title = "指数"
    headers, data = table_rows(rows, indicators)
    ws.append([f"{config.title}（{month.month:%Y年%-m月}，{config.unit}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([cell_value(h) for h in headers])
    for c in ws[2]:
        c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
    score_col, colour_col = headers.index("指数") + 1, headers.index("颜色") + 1
    for r, row in zip(rows, data):
        ws.append([cell_value(v) for v in row])
        fill = _fill(config, r["colour"])
        if fill:
            for col in (score_col, colour_col):
                ws.cell(ws.max_row, col).fill = fill
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 16 if i > 3 else 12
        if h == "发放金额（元）" or i > len(FIXED_HEADERS):
            for (c,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                c.number_format = "#,##0.00" if h == "发放金额（元）" else "0.0#"
    ws.row_dimensions[2].height = 45
    ws.freeze_panes = "D3"
    _explained(wb.create_sheet("指标说明"), month)
    charts = wb.create_sheet("图表")
    charts["A1"] = cell_value(f"{config.title}（{month.month:%Y年%-m月}）")
    charts["A1"].font = Font(bold=True, size=14)
    anchor = 3
    for png in (ranking, trend):
        img = Image(io.BytesIO(png))
        img.width, img.height = img.width * 96 // 150, img.height * 96 // 150     # the PNG's 150 dpi at 96 dpi
        charts.add_image(img, f"A{anchor}")
        anchor += img.height // 20 + 3
    with atomic_path(path) as tmp:
        wb.save(tmp)


def indicator_rows(month: index.IndexMonth) -> list[list]:
    """指标说明: each indicator with its formula, rules, weight, direction and normalisation; then the bands."""
    rows = []
    total = sum(i.weight for i in month.config.indicators)
    for i in month.config.indicators:
        norm = (f"固定：{i.best:g} 得100分，{i.worst:g} 得0分，之间线性" if i.method == "fixed"
                else "相对：本月各乡镇中最好的得100分，最差的得0分")
        rows.append([i.name_zh, index.MEASURES[i.measure].replace("overdue_days", str(i.overdue_days)),
                     "、".join(i.rules) or "全部规则", f"{i.weight:g}（{100 * i.weight / total:.0f}%）",
                     DIRECTION_ZH[i.higher_is_worse], norm])
    return rows


def band_text(config) -> str:
    parts, top = [], None
    for b in config.bands:
        parts.append(f"{b.colour} {b.min:g}–{top:g}" if top is not None else f"{b.colour} ≥{b.min:g}")
        top = b.min
    return "；".join(parts)


def _explained(ws, month: index.IndexMonth) -> None:
    ws.append(["指标", "计算方法", "规则", "权重", "方向", "标准化"])
    for c in ws[1]:
        c.font, c.fill = HEADER_FONT, HEADER_FILL
    for row in indicator_rows(month):
        ws.append([cell_value(v) for v in row])
    ws.append([])
    ws.append(["指数", "各指标得分（0–100）按权重加权平均，无数值的指标不计入；保留一位小数"])
    ws.append(["颜色", band_text(month.config)])
    ws.append(["配置", cell_value(f"{month.config.path.name}（{month.config.sha}）")])
    for col, width in zip("ABCDEF", (28, 60, 30, 12, 10, 36)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")


# --- the HTML report -------------------------------------------------------------------------------------------

CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif;
       margin: 24px 32px; color: #222; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-left: 5px solid #C00000;
     padding-left: 8px; }
.meta { color: #555; font-size: 13px; }
.bands span { display: inline-block; padding: 4px 12px; margin: 8px 8px 0 0; border-radius: 4px; color: #fff;
              font-weight: bold; }
table { border-collapse: collapse; font-size: 13px; margin-top: 6px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; } th { background: #DDEBF7; } td { white-space: nowrap; }
table.explain td { white-space: normal; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.c { color: #fff; font-weight: bold; text-align: center; }
img { max-width: min(100%, 1100px); border: 1px solid #ddd; margin: 6px 0; display: block; }
.up { color: #2E7D32; } .down { color: #C62828; }
"""


def _e(v) -> str:
    return html.escape(clean_text(str(v)), quote=True)


def _num(v, digits: int = 2) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def html_report(rows: list[dict], indicators, month: index.IndexMonth, ranking: bytes, trend: bytes,
                generated: dt.datetime | None = None) -> str:
    """One self-contained page: the colour counts, the ranking and trend charts, the table and the indicators."""
    config = month.config
    headers, data = table_rows(rows, indicators)
    counts = {b.colour: sum(1 for r in rows if r["colour"] == b.colour) for b in config.bands}
    bands = "".join(f'<span style="background:#{b.rgb}">{_e(b.colour)} {counts[b.colour]}</span>' for b in config.bands)
    body = []
    for r, row in zip(rows, data):
        band = config.band(r["colour"])
        cells = []
        for h, v in zip(headers, row):
            if h == "颜色":
                style = f' style="background:#{band.rgb}"' if band else ""
                cells.append(f'<td class="c"{style}>{_e(v)}</td>')
            elif h == "环比变化":
                cls = "n" if v is None or v == 0 else ("n up" if v > 0 else "n down")
                cells.append(f'<td class="{cls}">{"—" if v is None else f"{v:+.1f}" if v else "0.0"}</td>')
            elif isinstance(v, (int, float)) or v is None:
                digits = 0 if h in ("排名", "发放对象（人）") else (1 if h in ("指数", "上月指数") else 2)
                cells.append(f'<td class="n">{_num(v, digits)}</td>')
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    explained = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in indicator_rows(month))
    when = (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    title = f"{config.title}（{month.month:%Y年%-m月}）"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title><style>{CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<div class="meta">范围：各{_e(config.unit)}；运行编号 {_e(month.run_id)}；生成于 {when}；内部资料·注意保密</div>
<div class="bands">{bands}</div>
<h2>一图：排名</h2>{_img(ranking, "各乡镇指数排名")}
<h2>一图：走势</h2>{_img(trend, "指数走势")}
<h2>一表</h2>
<table><thead><tr>{"".join(f"<th>{_e(h)}</th>" for h in headers)}</tr></thead><tbody>{"".join(body)}</tbody></table>
<h2>一指数：指标与权重</h2>
<table class="explain"><thead><tr><th>指标</th><th>计算方法</th><th>规则</th><th>权重</th><th>方向</th><th>标准化</th></tr></thead>
<tbody>{explained}</tbody></table>
<p class="meta">指数：各指标得分（0–100）按权重加权平均，无数值的指标不计入。颜色：{_e(band_text(config))}。
配置：{_e(config.path.name)}（{_e(config.sha)}）。</p>
</body></html>
"""

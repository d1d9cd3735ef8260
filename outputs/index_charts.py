"""一图: the supervision index's charts as PNG (matplotlib, no pyplot state): the month's townships ranked by
their index in their band colours, and the index of every township over the months kept.

Chinese must render as Chinese, never as empty boxes: the font is chosen explicitly (the configuration's
`fonts`, then any installed font that has the characters), checked glyph by glyph, and a machine without
one stops the report with a message saying what to install.
"""

from __future__ import annotations

import datetime as dt
import functools
import io

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from .cells import clean_text

# Characters every chart shows: a font without one of them is not used.
PROBE = "民生资金监督指数乡镇街道县市区年月排名走势绿黄橙红分无数据"
LABEL_MAX = 14           # characters of a township label on a chart (the table shows the full name)
DPI = 150


class ChartFontError(RuntimeError):
    pass


def _covers(path: str, text: str) -> bool:
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in set(text) if not ch.isspace())


@functools.cache
def cjk_font(preferred: tuple[str, ...] = ()) -> tuple[str, str]:
    """(family name, file) of the font the charts use: the first of `preferred` that is installed and has
    every character of PROBE, else any installed font that has them; ChartFontError when none does."""
    entries = font_manager.fontManager.ttflist
    by_name: dict[str, list] = {}
    for e in entries:
        by_name.setdefault(e.name, []).append(e)
    candidates = [e for name in preferred for e in by_name.get(name, [])]
    candidates += sorted((e for e in entries if e not in candidates), key=lambda e: (e.name, e.fname))
    for e in candidates:
        if _covers(e.fname, PROBE):
            return e.name, e.fname
    raise ChartFontError("没有可显示中文的字体，无法绘制监督指数图表：请安装中文字体（如 Debian 的 fonts-noto-cjk "
                         "或 fonts-wqy-zenhei；`fc-list :lang=zh` 列出已安装的中文字体）")


@functools.cache
def _fallback_font() -> str | None:
    return next((e.name for e in font_manager.fontManager.ttflist if e.name == "DejaVu Sans"), None)


def _style(preferred: tuple[str, ...]) -> dict:
    name, _ = cjk_font(tuple(preferred))
    fallback = _fallback_font()
    return {"font.family": [name, *([fallback] if fallback else [])], "text.parse_math": False,
            "axes.unicode_minus": False, "svg.fonttype": "none", "axes.spines.top": False,
            "axes.spines.right": False}


def _label(county: str | None, township: str, with_county: bool) -> str:
    text = clean_text(f"{county or ''} {township}" if with_county else township).strip()
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def ranking_png(rows: list[dict], config, month: dt.date) -> bytes:
    """Townships ranked by the month's index, best at the top, each bar in its band's colour, the bands'
    thresholds as dashed lines."""
    rows = [r for r in rows if r["score"] is not None]
    with_county = len({r["county"] for r in rows}) > 1
    with rc_context(_style(config.fonts)):
        fig = Figure(figsize=(9, 1.6 + 0.38 * max(1, len(rows))), layout="constrained")
        ax = fig.add_subplot()
        labels = [_label(r["county"], r["township"], with_county) for r in rows][::-1]
        scores = [r["score"] for r in rows][::-1]
        colours = ["#" + (config.band(r["colour"]).rgb if config.band(r["colour"]) else "808080") for r in rows][::-1]
        bars = ax.barh(range(len(rows)), scores, color=colours, height=0.62)
        ax.set_yticks(range(len(rows)), labels=labels)
        for bar, score in zip(bars, scores):
            ax.text(min(score + 1, 101), bar.get_y() + bar.get_height() / 2, f"{score:.1f}", va="center", fontsize=9)
        for band in config.bands[:-1]:
            ax.axvline(band.min, color="#" + band.rgb, linestyle="--", linewidth=1)
            ax.text(band.min, len(rows) - 0.4, f"{band.colour}≥{band.min:g}", color="#" + band.rgb, fontsize=8,
                    ha="center", va="bottom")
        ax.set_xlim(0, 108)
        ax.set_ylim(-0.6, len(rows) + 0.2)
        ax.set_xlabel("指数（0–100，越高越好）")
        ax.set_title(f"{config.title}  {month:%Y年%-m月}  各{config.unit}排名", fontsize=13)
        if not rows:
            ax.text(50, 0, "本月无数据", ha="center")
        return _png(fig)


def trend_png(history: list[dict], config, month: dt.date) -> bytes:
    """The index of every township over the months kept (up to the report month), on the colour bands."""
    months = sorted({h["month"] for h in history})
    towns = sorted({(h["county"], h["township"]) for h in history}, key=lambda t: (t[0] or "", t[1]))
    with_county = len({t[0] for t in towns}) > 1
    by_town = {t: {} for t in towns}
    for h in history:
        by_town[(h["county"], h["township"])][h["month"]] = h["score"]
    with rc_context(_style(config.fonts)):
        fig = Figure(figsize=(9, 5.2), layout="constrained")
        ax = fig.add_subplot()
        top = 100.0
        for band in config.bands:                       # the bands as the background, from the best down
            ax.axhspan(band.min, top, color="#" + band.rgb, alpha=0.12, linewidth=0)
            ax.text(1.005, (band.min + top) / 2, band.colour, color="#" + band.rgb, transform=ax.get_yaxis_transform(),
                    va="center", fontsize=10)
            top = band.min
        x = list(range(len(months)))
        for t in towns:
            ys = [by_town[t].get(m) for m in months]
            ax.plot(x, [float("nan") if y is None else y for y in ys], marker="o", markersize=4, linewidth=1.6,
                    label=_label(t[0], t[1], with_county))
        ax.set_xticks(x, labels=[f"{m:%Y-%m}" for m in months], rotation=45 if len(months) > 6 else 0)
        ax.set_ylim(0, 102)
        ax.set_xlim(-0.5, max(len(months) - 0.5, 0.5))
        ax.set_ylabel("指数")
        ax.set_title(f"{config.title}走势（截至{month:%Y年%-m月}）", fontsize=13)
        if towns:
            ax.legend(loc="upper left", bbox_to_anchor=(1.04, 1), fontsize=8, frameon=False,
                      ncols=1 if len(towns) <= 20 else 2)
        else:
            ax.text(0, 50, "无数据", ha="center")
        return _png(fig)

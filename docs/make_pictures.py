"""Render the README's pictures of the workbook: LibreOffice converts it to PDF headless, poppler renders pages.

    .venv/bin/python docs/make_pictures.py [WORKBOOK.xlsx]

Without a workbook it makes the one pictured: two nights on the sample inbox with feedback imported in
between (as in tests/test_ledger.py), so the second night shows 未结, 重新出现 and 已消失. Writes
docs/workbook_summary.png (the 汇总 sheet), docs/workbook_rule_sheet.png (the first printed page of the R01
sheet: one page wide, the evidence, status and 核查反馈 columns together) and
docs/workbook_rule_sheet_feedback.png (the right part of that page, enlarged: status and 核查反馈).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SAMPLE = ROOT / "data" / "sample"
RULE_SHEET_HEADER = "死亡信息来源"     # on the first page of the R01 sheet only


def qingfeng(args: list[str], data: Path) -> None:
    subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, check=True, capture_output=True,
                   env=dict(os.environ, QINGFENG_DATA=str(data)))


def two_nights(tmp: Path) -> Path:
    """The second night's workbook after decisions on three of the first night's cases."""
    import openpyxl

    data = tmp / "data"
    qingfeng(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(tmp / "run1"), "--as-of", "2021-01-15"], data)
    path = tmp / "run1" / "线索清单_2021-01-15.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["R01 死亡后继续发放"]
    col = {c.value: c.column for c in ws[1]}
    decisions = {
        "江凤军": {"核查结论": "不属实", "不属实原因": "数据错误", "核查人": "张核查", "核查日期": dt.date(2021, 1, 20)},
        "汪军林": {"核查结论": "不属实", "不属实原因": "死亡信息有误", "核查人": "张核查", "核查日期": dt.date(2021, 1, 20)},
        "吴根": {"核查结论": "无法核实", "核查人": "王核查", "核查日期": dt.date(2021, 1, 22), "备注": "家属外出务工"},
    }
    for r in range(2, ws.max_row + 1):
        for label, value in decisions.get(ws.cell(r, col["姓名"]).value, {}).items():
            ws.cell(r, col[label]).value = value
    wb.save(path)
    qingfeng(["feedback", "import", str(path)], data)
    inbox = tmp / "inbox2"
    shutil.copytree(SAMPLE / "inbox", inbox)
    (inbox / "民政_最低生活保障_2020年1-9月.csv").unlink()
    with open(inbox / "人社_城乡居民养老金发放_2020.csv", "a", encoding="utf-8") as f:
        f.write("江凤军,330822195106057322,常山县,城乡居民基本养老保险,2021.1,245.00,正常,\r\n")
    qingfeng(["run", "--inbox", str(inbox), "--out", str(tmp / "run2"), "--as-of", "2021-02-15"], data)
    return tmp / "run2" / "线索清单_2021-02-15.xlsx"


def page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return out.split("\f")


def render(pdf: Path, page: int, target: Path, dpi: int = 130, crop: tuple[float, float, float, float] | None = None,
           ) -> None:
    """One page as a PNG; `crop` (left, top, width, height as fractions of the page) keeps a part of it."""
    stem = target.with_suffix("")
    box = []
    if crop:
        info = subprocess.run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)], check=True, capture_output=True,
                              text=True).stdout
        w, h = (float(v) for v in re.search(rf"Page\s+{page} size:\s+([\d.]+) x ([\d.]+)", info).groups())
        px = [round(f * d / 72 * dpi) for f, d in zip(crop, (w, h, w, h))]
        box = ["-x", str(px[0]), "-y", str(px[1]), "-W", str(px[2]), "-H", str(px[3])]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), *box, "-singlefile",
                    str(pdf), str(stem)], check=True)
    print(f"{target.relative_to(ROOT)} ← page {page}")


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        sys.exit("needs LibreOffice (soffice) and poppler-utils (pdftoppm); .ci/run shows how to install them")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        book = Path(sys.argv[1]) if len(sys.argv) > 1 else two_nights(tmp)
        src = tmp / "workbook.xlsx"
        shutil.copyfile(book, src)
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp / 'profile'}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(tmp), str(src)], check=True, capture_output=True)
        pdf = tmp / "workbook.pdf"
        texts = page_texts(pdf)
        rule = next(i for i, text in enumerate(texts, start=1) if RULE_SHEET_HEADER in text)
        render(pdf, 1, DOCS / "workbook_summary.png")
        render(pdf, rule, DOCS / "workbook_rule_sheet.png", dpi=90)
        render(pdf, rule, DOCS / "workbook_rule_sheet_feedback.png", dpi=160, crop=(0.55, 0.0, 0.45, 0.5))


if __name__ == "__main__":
    main()

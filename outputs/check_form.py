"""The 核查单 sheet: a printable one-page verification form per listed case, ordered by place and person so a
printed stack follows a field visit; and its PDF through LibreOffice.

Each form: the facts (who, where, rule, months, 多发/应追回金额 and 涉及金额), the case's sentence and what
decided it, the source rows it cites, the checks from the rule's header (`verify`, also on 说明), and blanks
for the findings, the conclusion, the measures, the money and the signatures (核查人, 审核人, dates). A4 portrait,
one page wide, a page break after each form, 内部资料·注意保密 at the top of every page.

    .venv/bin/python -m outputs.check_form 线索清单_2021-01-15.xlsx [out_dir]   # → 核查单_2021-01-15.pdf

LibreOffice takes seconds per workbook, so a run does not convert by default; export_pdf() does it on request.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break

from cases import ledger, money

from .cells import LINE_HEIGHT, PAGE_FOOTER, WRAP, Part, _lines, _page_setup, _styled, mask_id, mask_text, reader_text

TITLE = "核查单"
WIDTHS = {"A": 20, "B": 30, "C": 16, "D": 30}
WIDE = sum(WIDTHS.values()) - WIDTHS["A"]        # a merged B:D cell
MAX_REFS = 40              # source rows listed on the form; the rest are on 原始数据
REF_RE = re.compile(r"^(.*) 第(\d+)行$")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FONT = Font(bold=True)
CHOICES = "□属实　　□部分属实　　□不属实　　□无法核实"
MEASURES = "□停发　□清退　□追回　□调减保障人数　□补发　□制度完善　□其他：________"
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}


def forms_sql(where: str, mask: bool) -> str:
    """One row per listed case of the part, in the order of the forms."""
    shown = ledger.alias_sql("c.case_id") if mask else "c.case_id"
    return f"""
        select {shown} as shown_id, c.rule_id, c.rule_name, c.subject_name, c.subject_id_number,
               concat_ws(' ', c.county, c.township, c.village) as place, c.programme,
               case when c.period_from is null then null
                    else strftime(c.period_from, '%Y年%-m月') || '至' || strftime(c.period_to, '%Y年%-m月')
                         || coalesce('（' || c.months || '个月）', '') end as period,
               c.severity, o.overpaid_yuan, c.amount_yuan, c.evidence,
               json_extract_string(c.details, '$.facts') as facts,
               json_extract_string(c.details, '$.source_rows') as source_rows
        from cases c join case_status s using (case_id) join ({money.case_overpaid_sql()}) o using (case_id)
        where s.shown and {where}
        order by c.county nulls last, c.township nulls last, c.village nulls last, c.subject_id_number, c.rule_id,
                 c.case_id"""


def _refs(source_rows: str | None) -> str | None:
    """The cited rows, one line per file and sheet (残联….xlsx 发放明细 第146、190、235行), at most MAX_REFS rows."""
    if not source_rows:
        return None
    refs = [r.strip() for r in source_rows.split("；") if r.strip()]
    groups: dict[str, list[str]] = {}
    for ref in refs[:MAX_REFS]:
        m = REF_RE.match(ref)
        groups.setdefault(m.group(1) if m else ref, []).append(m.group(2) if m else "")
    lines = [f"{where} 第{'、'.join(rows)}行" if rows[0] else where for where, rows in groups.items()]
    more = f"……等共{len(refs)}行，全部见“原始数据”表" if len(refs) > MAX_REFS else "各行内容见“原始数据”表"
    return "\n".join([*lines, more])


def write_check_forms(wb, con, rules, part: Part, mask: bool) -> None:
    """The 核查单 sheet (see the module's docstring)."""
    ws = wb.create_sheet(TITLE)
    for col, w in WIDTHS.items():
        ws.column_dimensions[col].width = w
    _page_setup(ws)
    ws.page_setup.orientation = "portrait"
    ws.page_margins.top = ws.page_margins.bottom = 0.8      # room for the header and footer (LibreOffice drops
    ws.page_margins.header = ws.page_margins.footer = 0.3   # them when the margin is too small)
    ws.HeaderFooter.oddHeader.center.text = "内部资料·注意保密"
    ws.HeaderFooter.oddFooter.center.text = PAGE_FOOTER
    verify = {r.id: " ".join(str(r.header.get("verify") or "").split()) for r in rules}
    where, params = part.where("s")
    n = 0
    hide = (lambda v: mask_text(v) if v else v) if mask else (lambda v: v)   # noqa: E731

    def row(cells: list, height: int = 1, merge: str | None = None):
        nonlocal n
        n += 1
        ws.row_dimensions[n].height = LINE_HEIGHT * height + 4
        ws.append(cells)
        if merge:
            ws.merged_cells.add(CellRange(f"{merge[0]}{n}:{merge[1]}{n}"))

    def label(text):
        return _styled(ws, text, LABEL_FONT, alignment=Alignment(vertical="top", wrap_text=True))

    def value(text, wrap=True):
        c = _styled(ws, text, alignment=WRAP if wrap else Alignment(vertical="top"))
        c.border = BOX
        return c

    def long(name, text, min_lines=1):
        lines = max(min_lines, sum(_lines(part, WIDE) for part in str(text or "").split("\n")))
        row([label(name), value(text), value(None), value(None)], lines, "BD")

    for (shown_id, rule_id, rule_name, name, id_number, place, programme, period, severity, owed, at_stake,
         evidence, facts, source_rows) in con.execute(sql := forms_sql(where, mask), params * sql.count(where)).fetchall():
        row([_styled(ws, f"核查单　线索编号 {shown_id}", Font(bold=True, size=14),
                     alignment=Alignment(horizontal="center"))], 2, "AD")
        row([label("姓名"), value(name), label("身份证号"),
             value(mask_id(id_number) if mask and id_number else id_number)])
        row([label("地区"), value(place), label("问题类型"), value(f"{rule_id} {rule_name}")],
            max(_lines(place, WIDTHS["B"]), _lines(rule_name, WIDTHS["D"])))
        row([label("项目"), value(programme), label("所属期"), value(period)],
            max(_lines(programme, WIDTHS["B"]), _lines(period, WIDTHS["D"])))
        row([label("多发/应追回金额（元）"), value(f"{owed:,.2f}" if owed else "—（本规则金额为涉及金额）"),
             label("涉及金额（元）"), value(f"{at_stake:,.2f}" if at_stake is not None else None)], 2)
        row([label("风险等级"), value(SEVERITY_ZH.get(severity, severity)), label(""), value(None)])
        long("线索情况", reader_text(hide(evidence)))
        long("认定依据与缺失信息", reader_text(hide(facts)))
        long("原始数据位置", _refs(source_rows))
        long("核查要点", reader_text(verify.get(rule_id)))
        long("核查情况（现场核实、调取材料）", None, 7)
        long("核查结论", CHOICES)
        long("不属实原因 / 问题性质", None, 2)
        long("整改措施", MEASURES)
        row([label("应追回金额（元）"), value(None), label("已追回金额（元）"), value(None)], 2)
        row([label("核查人（签名）"), value(None), label("核查日期"), value(None)], 2)
        row([label("审核人（签名）"), value(None), label("审核日期"), value(None)], 2)
        ws.row_breaks.append(Break(id=n))
    if n:
        ws.print_area = f"A1:D{n}"


def export_pdf(workbook: Path, out_dir: Path | None = None, timeout: int = 300) -> Path | None:
    """The workbook's 核查单 sheet as a PDF (核查单_<workbook's date part>.pdf in `out_dir`, default beside the
    workbook) through LibreOffice (`soffice --headless --convert-to pdf`); None when soffice is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    from openpyxl import load_workbook

    out_dir = Path(out_dir or workbook.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "核查单" + workbook.stem.removeprefix("线索清单")
    with tempfile.TemporaryDirectory(prefix="qf_form_") as tmp:
        wb = load_workbook(workbook)
        for ws in list(wb.worksheets):
            if ws.title != TITLE:
                wb.remove(ws)
        src = Path(tmp) / f"{name}.xlsx"
        wb.save(src)
        profile = Path(tmp) / "profile"     # its own LibreOffice profile: runs side by side do not lock each other
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp), str(src)], check=True, capture_output=True, timeout=timeout)
        pdf = out_dir / f"{name}.pdf"
        shutil.move(str(Path(tmp) / f"{name}.pdf"), pdf)
    return pdf


if __name__ == "__main__":
    path = export_pdf(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(path or "soffice (LibreOffice) is not installed: no PDF")

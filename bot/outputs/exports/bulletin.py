"""情况通报: the bulletin as a Word document laid out like an official circular.

Layout after GB/T 9704-2012 (党政机关公文格式): A4 with margins top 37 mm, bottom 35 mm,
left 28 mm, right 26 mm; the title in 方正小标宋简体 二号 (22 pt), level-one headings in 黑体
三号 (16 pt), body text in 仿宋_GB2312 三号 (16 pt) with a two-character first-line indent,
tables in 仿宋_GB2312 四号 (14 pt). The fonts are named, not embedded: Word or WPS on an
official's machine has them; where one is missing the reader substitutes its own default
(LibreOffice on Linux shows Noto/WenQuanYi), so the layout holds but the faces differ.

Sections: title and period, 一 总体进展 (figures and change since the last period), 二 the
departments' table, 三 红榜/黑榜 by the scoring rules, 四 逾期事项, 五 待核实/受阻, 六 下步工作要求
(a template paragraph the coordinator edits in the file), and the digest's three charts.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from sqlite_utils import Database

from bot.domain.numbers import shown_percent
from bot.language.i18n import field, label, t
from bot.outputs.exports.facts import Record, TaskFacts, gather
from bot.outputs.render import pct
from bot.outputs.scoring import DeptScore, Rules, load_rules, score_facts
from bot.store.meta import meta

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_TABLE = Pt(14)  # 四号
SIZE_SMALL = Pt(12)  # 小四, the chart captions
RANK_N = 3  # names on the 红榜 and 黑榜 each
PERIODS = ("week", "month")


@dataclass(frozen=True)
class Period:
    kind: str  # week | month
    start: date
    end: date
    number: int  # the bulletin's issue number: weeks or months since the plan was issued


def period_of(kind: str, at: datetime, issued: date | None) -> Period:
    """The week (7 days ending on `at`) or the calendar month of `at` the bulletin covers."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {kind!r}")
    end = at.date()
    issued = issued or end
    if kind == "week":
        start = end - timedelta(days=6)
        number = max(1, (end - issued).days // 7 + 1)
    else:
        start = end.replace(day=1)
        number = max(1, (end.year - issued.year) * 12 + end.month - issued.month + 1)
    return Period(kind, start, end, number)


def _fonts(run, east_asian: str, size: Pt, bold: bool = False) -> None:
    # Word picks the face per script: w:eastAsia for Chinese, ascii/hAnsi for digits and Latin.
    run.font.name = LATIN_FONT
    run.font.size = size
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _para(doc, text: str, font: str = BODY_FONT, size: Pt = SIZE_BODY, *, bold: bool = False,
          align=None, indent: bool = True, style: str | None = None):
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)  # GB/T 9704: 22 lines a page at 三号
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # 首行缩进两字
    for i, line in enumerate(text.split("\n")):
        if i:
            p.add_run().add_break()
        _fonts(p.add_run(line), font, size, bold)
    return p


def _heading(doc, text: str):
    # A real Heading 1 so Word's navigation pane lists the sections, in 黑体 三号 black.
    p = doc.add_heading(level=1)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.first_line_indent = Pt(32)
    run = p.add_run(text)
    _fonts(run, HEADING_FONT, SIZE_BODY)
    run.font.color.rgb = RGBColor(0, 0, 0)
    return p


def _table(doc, heads: list[str], rows: list[list[str]], widths_cm: tuple[float, ...]):
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        cell.text = ""
        _fonts(cell.paragraphs[0].add_run(head), HEADING_FONT, SIZE_TABLE)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _fonts(cell.paragraphs[0].add_run(str(value)), BODY_FONT, SIZE_TABLE)
    # Word reads each cell's width, LibreOffice the grid's: set both, within the 156 mm block.
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)
    return table


def _cols(key: str, lang: str) -> list[str]:
    return t(key, lang, html=False).split("|")


def _pct(value: float | None) -> str:
    return pct(value)  # the one rounding rule: 66.5 % is "67%" here as everywhere


def _grade(score: DeptScore | None, lang: str) -> str:
    if score is None:
        return ""
    return field(vars(score.grade), "grade", lang)


def _change(now: float | None, before: float | None, lang: str) -> str:
    """The change between the two figures as shown (53% -> 55% is 2 points)."""
    shown_now, shown_before = shown_percent(now), shown_percent(before)
    if shown_now is None or shown_before is None or shown_now == shown_before:
        return t("bulletin_change_same", lang, html=False)
    key = "bulletin_change_up" if shown_now > shown_before else "bulletin_change_down"
    return t(key, lang, html=False, points=str(abs(shown_now - shown_before)))


def _last_report(f: TaskFacts) -> str:
    return f"{f.last_at:%Y-%m-%d} {f.last_by}".strip() if f.last_at else "—"


def build_bulletin(db: Database, at: datetime, period: str = "week", lang: str = "zh",
                   historical: bool = False, charts: bool = True,
                   today: date | None = None, rules: Rules | None = None) -> bytes:
    """The bulletin as .docx bytes, as of `at`, for the week or month ending then.

    `today` is the real date (default `at`'s): completion snapshots are kept only for days
    before it, so a bulletin asked for a future date stores nothing."""
    today = today or at.date()
    from bot.outputs.digest import day_figures

    record: Record = gather(db, at, lang, historical=historical)
    info = meta(db)
    issued = date.fromisoformat(info["issued"]) if info.get("issued") else None
    span = period_of(period, at, issued)
    tz = at.tzinfo
    last_day = span.start - timedelta(days=1)
    s = record.summary
    # Reports and evidence of the period: the facts at its end less those at the day before it.
    previous = (day_figures(db, last_day, tz, today)
                if s.track_from is None or last_day >= s.track_from else None)
    before = previous.completion if previous else None
    reports = s.reports - (previous.reports if previous else 0)
    evidence = s.evidence - (previous.evidence if previous else 0)
    scores = {sc.code: sc for sc in score_facts(s, at.year, rules or load_rules())}

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = SIZE_BODY
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    # Not Word's "Title" style: it brings its own colour and rule; a circular's title is black.
    _para(doc, t("bulletin_title", lang, html=False, plan=record.title), TITLE_FONT, SIZE_TITLE,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    doc.paragraphs[-1].paragraph_format.line_spacing = Pt(36)
    if span.kind == "week":
        when = t("bulletin_period_week", lang, html=False, start=f"{span.start:%Y-%m-%d}",
                 end=f"{span.end:%Y-%m-%d}", n=span.number)
    else:
        when = t("bulletin_period_month", lang, html=False, year=span.end.year,
                 month=span.end.month, n=span.number)
    _para(doc, when, BODY_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, t("bulletin_issuer", lang, html=False), BODY_FONT, SIZE_BODY,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)

    _heading(doc, t("bulletin_h_overall", lang, html=False))
    c = s.counts
    _para(doc, t("bulletin_overall", lang, html=False, date=f"{at:%Y-%m-%d}",
                 document=record.document or record.title, tasks=len(s.tasks),
                 completion=_pct(s.completion), change=_change(s.completion, before, lang),
                 closed=c["closed"], pending=c["pending_check"], on_track=c["on_track"],
                 due_soon=c["due_soon"], behind=c["behind"], blocked=c["blocked"],
                 no_report=c["no_report"], overdue=c["overdue"], assigned=c["assigned"],
                 suspended=c["suspended"], reports=reports, evidence=evidence))

    _heading(doc, t("bulletin_h_depts", lang, html=False))
    # One order everywhere (the table, 红榜 and 黑榜): scoring.ranked
    order = {sc.code: i for i, sc in enumerate(scores.values())}
    in_order = sorted(s.departments, key=lambda d: order.get(d.code, len(order)))
    rows = []
    for i, d in enumerate(in_order, 1):
        score = scores.get(d.dept["code"])
        rows.append([str(i), field(d.dept, "dept", lang), str(len(d.tasks)), _pct(d.completion),
                     str(d.counts["on_track"]), str(d.counts["behind"]),
                     str(d.counts["overdue"]), str(d.counts["closed"]),
                     f"{score.score:g}" if score else "—", _grade(score, lang)])
    _table(doc, _cols("bulletin_cols_depts", lang), rows,
           (1.1, 2.2, 1.6, 1.6, 1.3, 1.3, 1.3, 1.6, 1.5, 2.1))

    _heading(doc, t("bulletin_h_ranks", lang, html=False))
    ordered = list(scores.values())  # already ranked
    n = min(RANK_N, len(ordered) // 2)

    def names(items: list[DeptScore]) -> str:
        return "、".join(t("bulletin_rank_item", lang, html=False, dept=field(x.dept, "dept", lang),
                           score=f"{x.score:g}", grade=_grade(x, lang)) for x in items)

    if n:
        _para(doc, t("bulletin_red", lang, html=False, names=names(ordered[:n])))
        _para(doc, t("bulletin_black", lang, html=False, names=names(ordered[::-1][:n])))
    _para(doc, t("bulletin_rank_rule", lang, html=False, n=n))

    _heading(doc, t("bulletin_h_overdue", lang, html=False))
    overdue = sorted((f for f in record.tasks if f.view.status.overdue),
                     key=lambda f: (-f.days_overdue, f.task.id))
    if overdue:
        _table(doc, _cols("bulletin_cols_overdue", lang), [
            [f.task.id, _title(f, lang), f.dept_name, f"{f.view.status.due:%Y-%m-%d}",
             str(f.days_overdue), _last_report(f)] for f in overdue],
               (1.3, 5.2, 2.0, 2.4, 1.9, 2.8))
    else:
        _para(doc, t("bulletin_none_overdue", lang, html=False))

    _heading(doc, t("bulletin_h_pending", lang, html=False))
    waiting = [f for f in record.tasks if f.view.status.status in ("pending_check", "blocked")]
    if waiting:
        _table(doc, _cols("bulletin_cols_pending", lang), [
            [f.task.id, _title(f, lang), f.dept_name,
             label("status", f.view.status.status, lang), f.last_note or "—"]
            for f in waiting], (1.4, 5.4, 2.2, 1.8, 4.8))
    else:
        _para(doc, t("bulletin_none_pending", lang, html=False))

    _heading(doc, t("bulletin_h_next", lang, html=False))
    _para(doc, t("bulletin_next", lang, html=False))

    if charts:
        _charts(doc, db, at, lang, today)

    out = io.BytesIO()
    doc.core_properties.title = record.title
    doc.core_properties.subject = record.document
    doc.core_properties.author = "duban 督办"
    doc.save(out)
    return out.getvalue()


def _title(f: TaskFacts, lang: str) -> str:
    return field(f.task, "title", lang)


def _charts(doc, db: Database, at: datetime, lang: str, today: date) -> None:
    from bot.outputs.digest import digest_data, render_charts

    _heading(doc, t("bulletin_h_charts", lang, html=False))
    data = digest_data(db, at, today=today)
    with tempfile.TemporaryDirectory(prefix="duban-bulletin-") as tmp:
        for path in render_charts(data, Path(tmp), lang):
            doc.add_picture(str(path), width=Mm(156))  # the text block's width
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def soffice() -> str | None:
    """LibreOffice's command, if installed (it turns the .docx into a PDF)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def bulletin_pdf(docx: bytes, timeout: float = 120) -> bytes | None:
    """The bulletin as PDF through LibreOffice; None when LibreOffice is not installed."""
    command = soffice()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        source = Path(tmp) / "bulletin.docx"
        source.write_bytes(docx)
        # A profile of its own: a second soffice (or a user's open one) would otherwise lock it.
        subprocess.run([command, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(source)],
                       check=True, capture_output=True, timeout=timeout)
        return (Path(tmp) / "bulletin.pdf").read_bytes()

"""情况通报: the bulletin as a Word document an office can send as it is (GB/T 9704-2012).

Layout (党政机关公文格式): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a
156 × 225 mm text block); body in 仿宋_GB2312 三号 (16 pt) on a 28 pt grid with a two-character
first-line indent; level-one headings in 黑体 三号, level-two in 楷体_GB2312 三号; the title in
方正小标宋简体 二号; tables in 仿宋 小四 with their header row repeated on every page.

From the top: 版头 (the 发文机关标志 in red 小标宋, the 期号 line 第N期 and a red rule the width
of the text block), the title with 书名号 broken between words, 主送, the body (ten sections,
figures captioned 图1…图3 where they belong), 署名 and 成文日期 (GB/T 9704 7.3.5.2: signature
two characters from the right, the date two characters further in, or the date two characters
from the right when it is the longer), and the 版记 (抄送, 印发机关 and 印发日期 between a thick,
a thin and a thick rule). Page numbers "— 1 —" in 宋体 四号 at the outer edge: odd pages on the
right, even pages on the left, one character in from the edge.

The renderer formats the facts of `bot.outputs.exports.facts.bulletin_facts` and computes no figure of
its own. The fonts are named, not embedded: Word or WPS on an official's machine has them; the
PDF (`bot.outputs.exports.pdf`) maps them to Noto CJK where they are missing.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from sqlite_utils import Database

from bot.domain.lifecycle import State
from bot.domain.numbers import round_half_up_to
from bot.domain.task import Task
from bot.language.i18n import field, label, t
from bot.outputs.exports.facts import (
    BulletinFacts,
    Period,
    TaskFacts,
    bulletin_facts,
    period_of,
)
from bot.outputs.render import grade_bands, pct
from bot.outputs.render.paper import (
    book_title,
    day_text,
    em_width,
    for_reader,
    joined,
    month_text,
    notice_tasks,
    title_lines,
)
from bot.store import paperwork

if TYPE_CHECKING:
    from bot.outputs.digest import ChartData

__all__ = ["build_bulletin", "period_of", "Letterhead", "bulletin_document", "issue_order_note",
           "blank_document", "body_paragraph"]

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
NUMBER_FONT = "宋体"  # page numbers: 4号半角宋体阿拉伯数字
LATIN_FONT = "Times New Roman"
SIZE_MASTHEAD = Pt(42)  # 初号, smaller when the masthead is long
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_NOTE = Pt(14)  # 四号: 版记, page numbers, figure captions
SIZE_TABLE = Pt(12)  # 小四
LINE = Pt(28)  # 22 lines a page at 三号
RED = RGBColor(0xE6, 0x00, 0x12)
TEXT_WIDTH = Mm(156)  # 版心: 210 - 28 - 26 mm
CELL_PADDING = Pt(3)  # left and right inside a table cell
FIGURE_WIDTH = Mm(150)
FIGURE_MAX_HEIGHT = Mm(140)


# ---------------------------------------------------------------- the letterhead (settings)


@dataclass(frozen=True)
class Letterhead:
    """The bulletin's fixed parts, each (Chinese, English), from the settings (bot.config)."""

    masthead: tuple[str, str]
    to: tuple[str, str]
    cc: tuple[str, str] | None
    signature: tuple[str, str]
    printer: tuple[str, str] | None = None  # None: the signing office prints it

    @classmethod
    def from_settings(cls, settings: Any) -> Letterhead:
        return cls(settings.bulletin_masthead, settings.bulletin_to, settings.bulletin_cc,
                   settings.bulletin_signature, settings.bulletin_printer)

    @classmethod
    def default(cls) -> Letterhead:
        from bot.config import Settings

        defaults: dict[str, Any] = {f.name: f.default for f in fields(Settings)}
        return cls(defaults["bulletin_masthead"], defaults["bulletin_to"],
                   defaults["bulletin_cc"], defaults["bulletin_signature"],
                   defaults["bulletin_printer"])

    def text(self, name: str, lang: str) -> str:
        pair = getattr(self, name)
        if name == "printer" and pair is None:
            pair = self.signature
        if pair is None:
            return ""
        zh, en = pair
        return field({"name": zh, "name_en": en}, "dept_full", lang)  # English, else Chinese


# ---------------------------------------------------------------- runs and paragraphs


def _fonts(run, east_asian: str, size: Pt, bold: bool = False, latin: str = LATIN_FONT) -> None:
    # Word picks the face per script: w:eastAsia for Chinese, ascii/hAnsi for digits and Latin.
    run.font.name = latin
    run.font.size = size
    run.font.bold = bold
    r_fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _para(container, text: str = "", font: str = BODY_FONT, size: Pt = SIZE_BODY, *,
          bold: bool = False, align=None, indent: bool = True, line: Pt | None = LINE,
          style: str | None = None, colour: RGBColor | None = None):
    p = container.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(size.pt * 2) if indent else Pt(0)
    for i, part in enumerate(text.split("\n")):
        if i:
            p.add_run().add_break()
        if part:
            run = p.add_run(part)
            _fonts(run, font, size, bold)
            if colour is not None:
                run.font.color.rgb = colour
    return p


def _heading(doc, text: str, level: int = 1):
    """A section heading: a real Heading 1/2 (Word's navigation pane lists it), black, in 黑体
    (level one) or 楷体 (level two) 三号, indented two characters like the text."""
    p = doc.add_heading(level=level)
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.first_line_indent = Pt(SIZE_BODY.pt * 2)
    fmt.keep_with_next = True
    run = p.add_run(text)
    _fonts(run, HEADING_FONT if level == 1 else SUBHEADING_FONT, SIZE_BODY)
    run.font.color.rgb = RGBColor(0, 0, 0)
    run.font.italic = False
    return p


def _border(paragraph, edge: str, size_eighths: int, colour: str, space_pt: int = 0) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("val", "single"), ("sz", str(size_eighths)), ("space", str(space_pt)),
                       ("color", colour)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


# ---------------------------------------------------------------- tables


def _cell_text(cell, text: str, font: str, size: Pt, *, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    key = (font, size, bold, align)
    fresh = len(p._p) == 0  # a new cell's empty paragraph
    kept = _CELL_LOOKS.get(key) if fresh else None
    if kept is not None:
        # a table at scale has thousands of cells that look alike: the properties python-docx
        # made for the first are copied, the same XML without its per-property work
        p._p.insert(0, deepcopy(kept[0]))
        for i, part in enumerate(str(text).split("\n")):
            if i:
                p.add_run().add_break()
            p.add_run(part)._r.insert(0, deepcopy(kept[1]))
        return
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(size.pt * 1.5)
    if align is not None:
        p.alignment = align
    for i, part in enumerate(str(text).split("\n")):
        if i:
            p.add_run().add_break()
        run = p.add_run(part)
        _fonts(run, font, size, bold)
    if fresh:
        _CELL_LOOKS[key] = (deepcopy(p._p.pPr), deepcopy(run._r.rPr))


# (font, size, bold, alignment) -> a table cell's paragraph and run properties (see _cell_text)
_CELL_LOOKS: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _set(element, tag: str, **attrs: str):
    child = element.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        element.append(child)
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), value)
    return child


def column_widths(heads: Sequence[str], rows: Sequence[Sequence[str]], flex: Sequence[int],
                  size: Pt = SIZE_TABLE, total: int = TEXT_WIDTH) -> list[int]:
    """Widths (EMU) that add up to `total`: every column but the `flex` ones as wide as its
    widest header or value on one line (a date or a header does not wrap), the flex columns
    (titles, reasons) sharing what is left by how much they hold. When the fixed columns alone
    are too wide, all shrink in proportion: the table never leaves the text block."""
    padding = 2 * CELL_PADDING + Pt(1.5)

    def need(i: int) -> float:
        texts = [heads[i], *(str(r[i]) for r in rows)]
        widest = max(max((em_width(line) for line in x.split("\n")), default=0) for x in texts)
        return widest * size * 1.08 + padding  # 8% for Latin letters wider than half an em

    wants = [need(i) for i in range(len(heads))]
    fixed = sum(w for i, w in enumerate(wants) if i not in flex)
    minimum = 4 * size + padding
    free = total - fixed
    if flex and free >= minimum * len(flex):
        share = sum(wants[i] for i in flex)
        widths = [w if i not in flex else max(minimum, free * wants[i] / share)
                  for i, w in enumerate(wants)]
    else:
        widths = wants
    scale = total / sum(widths)
    columns = [int(w * scale) for w in widths]
    columns[-1] += int(total) - sum(columns)
    return columns


def _table(doc, heads: list[str], rows: list[list[str]], flex: Sequence[int] = (),
           centre: Sequence[int] = ()):
    """A table the width of the text block: header row in 黑体 repeated on every page, rows
    that never split across pages, fixed column widths (Word and LibreOffice agree)."""
    widths = column_widths(heads, rows, flex)
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    _set(tbl_pr, "w:tblW", w=str(int(sum(widths) / 635)), type="dxa")
    _set(tbl_pr, "w:tblLayout", type="fixed")
    margins = _set(tbl_pr, "w:tblCellMar")
    for edge in ("left", "right"):
        _set(margins, f"w:{edge}", w=str(int(CELL_PADDING.pt * 20)), type="dxa")
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width / 635)))
    header = table.rows[0]
    _set(header._tr.get_or_add_trPr(), "w:tblHeader", val="true")
    for cell, head, width in zip(header.cells, heads, widths, strict=True):
        _cell_text(cell, head, HEADING_FONT, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.width = width
    like: _RowLike | None = None
    for values in rows:
        texts = [str(v) for v in values]
        if like is not None and like.takes(texts):
            table._tbl.append(like.row(texts))
            continue
        row = table.add_row()
        _set(row._tr.get_or_add_trPr(), "w:cantSplit", val="true")
        for i, (cell, text, width) in enumerate(zip(row.cells, texts, widths, strict=True)):
            _cell_text(cell, text, BODY_FONT, SIZE_TABLE,
                       align=WD_ALIGN_PARAGRAPH.CENTER if i in centre else None)
            cell.width = width
        like = like or _RowLike(row._tr)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)  # Word needs a paragraph after
    return table


class _RowLike:
    """The rows of a table after its first, made as python-docx made the first (a row of a
    thousand-row table cost some 0.7 ms in python-docx's per-element work): the first row's
    XML copied with each cell's runs replaced by the row's text, run for run as `_cell_text`
    writes it (a line break between lines in a run of its own, the cell's run properties on
    each text run, xml:space="preserve" on text with a space at an end). Text with a tab or a
    carriage return, which python-docx turns into elements of their own, is left to it."""

    _SPECIAL = ("\t", "\r")

    def __init__(self, tr) -> None:
        self.bare = deepcopy(tr)
        self.looks = []
        for p in self._paragraphs(self.bare):
            runs = p.findall(qn("w:r"))
            texts = [r for r in runs if r.find(qn("w:br")) is None]
            self.looks.append(texts[0].find(qn("w:rPr")) if texts else None)
            for r in runs:
                p.remove(r)

    @staticmethod
    def _paragraphs(tr) -> list[Any]:
        return [tc.find(qn("w:p")) for tc in tr.findall(qn("w:tc"))]

    def takes(self, texts: list[str]) -> bool:
        return len(texts) == len(self.looks) and all(
            look is not None and not any(c in text for c in self._SPECIAL)
            for text, look in zip(texts, self.looks, strict=True))

    def row(self, texts: list[str]):
        tr = deepcopy(self.bare)
        for p, text, look in zip(self._paragraphs(tr), texts, self.looks, strict=True):
            for i, part in enumerate(text.split("\n")):
                if i:
                    brk = OxmlElement("w:r")
                    brk.append(OxmlElement("w:br"))
                    p.append(brk)
                run = OxmlElement("w:r")
                run.append(deepcopy(look))
                if part:
                    text_element = OxmlElement("w:t")
                    text_element.text = part
                    if len(part.strip()) < len(part):
                        text_element.set(qn("xml:space"), "preserve")
                    run.append(text_element)
                p.append(run)
        return tr


# ---------------------------------------------------------------- page numbers


def _page_number(footer, align, indent_side: str) -> None:
    p = footer.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    setattr(fmt, f"{indent_side}_indent", SIZE_NOTE)  # 居右/居左空一字

    def run(text: str = ""):
        r = p.add_run(text)
        _fonts(r, NUMBER_FONT, SIZE_NOTE, latin=NUMBER_FONT)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text
    run(" —")


def blank_document(lang: str):
    """An empty bulletin: the page, its page numbers and the body text's style (fonts,
    languages, line breaking) that every paragraph and table of the bulletin takes."""
    doc = Document()
    _page_setup(doc, lang)
    return doc


def body_paragraph(doc, text: str):
    """A paragraph of the bulletin's body text (仿宋 16 pt, first line indented two characters)."""
    return _para(doc, text)


def _page_setup(doc, lang: str) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number's dash sits 7 mm under the text block (GB/T 9704 7.5).
    section.footer_distance = Mm(35 - 7) - Pt(SIZE_NOTE.pt * 1.2)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = SIZE_BODY
    r_pr = normal.element.get_or_add_rPr()
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    # Simplified Chinese: a reader without the named faces falls back to a Chinese (SC) face.
    # The Latin script (figures, task numbers) is never Chinese, in either language: LibreOffice
    # breaks a line of text in a Chinese locale at any character (bar the forbidden marks), so
    # "2022" after a 。 broke as "2" / "022"; in a Latin locale a number is one word, kept whole
    # (as Word keeps a run of half-width letters and digits).
    _set(r_pr, "w:lang", val=_tx("layout.latin_lang", lang), eastAsia="zh-CN")
    # Chinese line breaking: no line starts with ，。》 and the like (a closing mark at the end
    # of a full line may hang into the margin, 标点悬挂, as Word and LibreOffice both do).
    for name in ("Normal", "Heading 1", "Heading 2"):
        _set(doc.styles[name].element.get_or_add_pPr(), "w:kinsoku", val="true")


# ---------------------------------------------------------------- the parts of the document


def _tx(key: str, lang: str, **params: Any) -> str:
    return t(key, lang, html=False, **params)


def _cols(key: str, lang: str) -> list[str]:
    return _tx(key, lang).split("|")


def _masthead(doc, facts: BulletinFacts, letterhead: Letterhead, lang: str) -> None:
    text = letterhead.text("masthead", lang)
    # As large as 初号, smaller when a long name would not fit on one line.
    size = Pt(min(SIZE_MASTHEAD.pt, TEXT_WIDTH.pt / max(em_width(text), 1) * 0.95))
    p = _para(doc, text, TITLE_FONT, size, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              line=Pt(size.pt * 1.3), colour=RED)
    p.paragraph_format.space_after = Pt(14)
    number = _para(doc, _tx("bulletin_number", lang, n=facts.period.number), BODY_FONT,
                   SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    # The red rule 4 mm under the 期号, as wide as the text block (GB/T 9704 7.2.7).
    _border(number, "bottom", 18, "E60012", space_pt=11)
    number.paragraph_format.space_after = Pt(28 * 2 - 11)  # the title two lines below


def _title(doc, facts: BulletinFacts, lang: str) -> None:
    record = facts.record
    text = _tx("bulletin_title", lang, plan=book_title(record.title, lang))
    # GB/T 9704: 二号 on a 156 mm line holds 20 characters; break between words.
    lines = (title_lines(text, TEXT_WIDTH.pt / SIZE_TITLE.pt)
             if _tx("layout.break_title", lang) == "yes" else [text])
    _para(doc, "\n".join(lines), TITLE_FONT, SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False, line=Pt(35))
    _para(doc)  # one empty line before 主送


def _overall(doc, facts: BulletinFacts, lang: str) -> None:
    s, record, span = facts.record.summary, facts.record, facts.period
    if facts.change is None:  # the first period tracked: nothing to compare, not "unchanged"
        change = _tx("bulletin_change_none", lang)
    elif facts.change == 0:
        change = _tx("bulletin_change_same", lang)
    else:
        change = _tx("bulletin_change_up" if facts.change > 0 else "bulletin_change_down", lang,
                     points=abs(facts.change))
    c = s.counts
    document = for_reader(record.document, lang)
    _para(doc, _tx("bulletin_overall", lang, date=day_text(record.at, lang),
                   plan=book_title(record.title, lang),
                   document=_tx("bulletin_document", lang, document=document) if document else "",
                   tasks=len(s.tasks), completion=pct(s.completion), change=change,
                   closed=c["closed"], pending=c["pending_check"],
                   pending_more=_tx("bulletin_pending_more", lang, count=s.claims_elsewhere)
                   if s.claims_elsewhere else "", on_track=c["on_track"],
                   due_soon=c["due_soon"], behind=c["behind"], blocked=c["blocked"],
                   assigned=c["assigned"], suspended=c["suspended"], no_report=c["no_report"],
                   overdue=c["overdue"], year=record.year,
                   closures=sum(x.closed for x in record.ranking.lines)))
    if facts.new_periods:
        _para(doc, _tx("bulletin_new_periods", lang, count=len(facts.new_periods),
                       tasks=_tx("list_sep", lang).join(f.task.id for f in facts.new_periods)))
    _para(doc, _tx("bulletin_received", lang, start=day_text(span.start, lang),
                   end=day_text(span.end, lang), reports=facts.reports,
                   evidence=facts.evidence))


def _task(f: TaskFacts, lang: str) -> str:
    return for_reader(field(f.task, "title", lang), lang)


def _departments(doc, facts: BulletinFacts, lang: str) -> None:
    rows = [[str(x.rank), x.name, str(x.tasks), pct(x.completion), str(x.counts["on_track"]),
             str(x.counts["behind"]), str(x.counts["overdue"]), str(x.closed),
             "—" if x.score is None else f"{x.score:g}", x.grade or "—"]
            for x in facts.record.ranking.lines]
    _table(doc, _cols("bulletin_cols_depts", lang), rows, flex=(1,),
           centre=(0, 2, 3, 4, 5, 6, 7, 8, 9))


def _ranks(doc, facts: BulletinFacts, lang: str) -> None:
    ranking = facts.record.ranking

    def names(lines) -> str:
        return joined((_tx("bulletin_rank_item", lang, dept=x.name, score=f"{x.score:g}",
                           grade=x.grade) for x in lines), lang)

    if ranking.red or ranking.black:
        _para(doc, _tx("bulletin_red", lang, names=names(ranking.red) or _tx("none", lang)))
        _para(doc, _tx("bulletin_black", lang,
                       names=names(ranking.black) or _tx("none", lang)))
    else:
        _para(doc, _tx("bulletin_ranks_level", lang))
    _para(doc, _tx("bulletin_rank_rule", lang, n=ranking.n))
    rules = facts.rules
    _para(doc, _tx("bulletin_score_rule", lang, year=facts.record.year, base=f"{rules.base:g}",
                   on_time=f"{rules.closed_on_time:g}", late=f"{rules.closed_late:g}",
                   day=f"{-rules.overdue_day:g}", cap=f"{-rules.overdue_cap_per_item:g}",
                   chase=f"{-rules.unanswered_chase:g}",
                   extension=f"{-rules.approved_extension:g}",
                   silent=f"{-rules.silent_period:g}",
                   grades=joined(grade_bands(rules.grades, lang), lang)))


def _last_report(f: TaskFacts, lang: str) -> str:
    if not f.last_at:
        return _tx("bulletin_never_reported", lang)
    return f"{day_text(f.last_at, lang)}\n{f.last_by}".strip()


def _overdue(doc, facts: BulletinFacts, lang: str) -> None:
    if not facts.overdue:
        _para(doc, _tx("bulletin_none_overdue", lang))
        return
    _para(doc, _tx("bulletin_overdue_intro", lang, n=len(facts.overdue)))
    _table(doc, _cols("bulletin_cols_overdue", lang), [
        [f.task.id, _task(f, lang), f.dept_name, day_text(f.view.status.due, lang),
         str(f.days_overdue), _last_report(f, lang)] for f in facts.overdue],
        flex=(1,), centre=(0, 4))


def _waiting(doc, facts: BulletinFacts, lang: str) -> None:
    if not facts.waiting:
        _para(doc, _tx("bulletin_none_pending", lang))
        return
    rows = []
    for f, o in facts.waiting:
        # the queue's own mark (a blocked occurrence past its deadline is still 受阻 here)
        blocked = o.state is State.BLOCKED
        note = (for_reader(o.snapshot.reason, lang) if blocked else
                _tx("bulletin_claimed_on", lang, date=day_text(
                    o.claimed_at.astimezone(facts.record.at.tzinfo) if o.claimed_at else None,
                    lang)))
        title = _task(f, lang)
        if f.task.recurring:  # every row of a recurring duty names its period (QA: two rows of
            # one duty, one named and one not, read as a mistake)
            title += _tx("occurrence_of", lang, period=o.period)
        rows.append([f.task.id, title, f.dept_name,
                     label("status", "blocked" if blocked else "pending_check", lang),
                     note or "—"])
    _table(doc, _cols("bulletin_cols_pending", lang), rows, flex=(1, 4), centre=(0, 3))


def _outcome(r, lang: str) -> str:
    if r.outcome == "approved":
        return _tx("bulletin_ext_approved", lang, date=day_text(r.decided_on, lang))
    if r.outcome == "refused":
        return _tx("bulletin_ext_refused", lang, date=day_text(r.decided_on, lang),
                   reason=for_reader(r.refusal, lang) or "—")
    return _tx("bulletin_ext_pending", lang)


def _extensions(doc, facts: BulletinFacts, lang: str) -> None:
    _heading(doc, _tx("bulletin_h2_extensions", lang), level=2)
    if facts.extensions:
        _table(doc, _cols("bulletin_cols_extensions", lang), [
            [f.task.id, _task(f, lang), f.dept_name, day_text(r.from_due, lang),
             day_text(r.asked_due, lang), for_reader(r.reason, lang) or "—", _outcome(r, lang)]
            for f, r in facts.extensions], flex=(1, 5, 6), centre=(0,))
    else:
        _para(doc, _tx("bulletin_none_extensions", lang))
    _heading(doc, _tx("bulletin_h2_suspended", lang), level=2)
    if facts.suspended:
        _table(doc, _cols("bulletin_cols_suspended", lang), [
            [f.task.id, _task(f, lang), f.dept_name, day_text(f.suspended_on, lang),
             for_reader(f.reason, lang) or "—"] for f in facts.suspended],
            flex=(1, 4), centre=(0,))
    else:
        _para(doc, _tx("bulletin_none_suspended", lang))


def _colour(colour: str | None, lang: str) -> str:
    return label("colour", colour, lang) if colour else "—"


def _chases(doc, facts: BulletinFacts, lang: str) -> None:
    _para(doc, _tx("bulletin_chase_summary", lang, date=day_text(facts.record.at, lang),
                   sent=len(facts.chases_sent),
                   tasks=len({t for n in facts.chases_sent for t in n.tasks}),
                   unanswered=len(facts.chases_unanswered),
                   assigned=sum(1 for n in facts.notices if n.kind == "assign")))
    _heading(doc, _tx("bulletin_h2_chased", lang), level=2)
    if facts.chases:
        _table(doc, _cols("bulletin_cols_chases", lang), [
            [x.facts.task.id, _task(x.facts, lang), x.facts.dept_name, str(x.in_period),
             str(x.facts.chases.count), str(x.facts.chases.unanswered),
             f"{day_text(x.facts.chased_on, lang)}\n{_colour(x.colour, lang)}"]
            for x in facts.chases], flex=(1,), centre=(0, 3, 4, 5))
    else:
        _para(doc, _tx("bulletin_none_chased", lang))
    _heading(doc, _tx("bulletin_h2_unsigned", lang), level=2)
    if facts.notices:
        _table(doc, _cols("bulletin_cols_notices", lang), [
            [_tx("bulletin_notice_kind", lang, kind=label("notice", n.kind, lang),
                 colour=_colour(n.colour, lang)) if n.colour else label("notice", n.kind, lang),
             n.dept_name, notice_tasks(n.tasks, n.marks, lang), day_text(n.sent_on, lang),
             str(n.workdays)]
            for n in facts.notices], flex=(2,), centre=(4,))
    else:
        _para(doc, _tx("bulletin_none_unsigned", lang))


def _silent(doc, facts: BulletinFacts, lang: str) -> None:
    if not facts.silent:
        _para(doc, _tx("bulletin_none_silent", lang))
        return
    without = [s.line.name for s in facts.silent if not s.line.liaisons]
    _para(doc, _tx("bulletin_silent_intro", lang, n=len(facts.silent),
                   names=joined((s.line.name for s in facts.silent), lang)))
    if without:
        _para(doc, _tx("bulletin_no_liaison", lang, names=joined(without, lang)))
    _table(doc, _cols("bulletin_cols_silent", lang), [
        [s.line.name, joined(s.line.liaisons, lang) or _tx("bulletin_liaison_missing", lang),
         day_text(s.last_report_on, lang) if s.last_report_on
         else _tx("bulletin_never_reported", lang)] for s in facts.silent], flex=(1,))


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{round_half_up_to(value, 1):.1f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def unit_word(task: Task, lang: str) -> str:
    """The target's unit word (所, 个) where the reader's language uses it; bare in English."""
    unit = task.target_unit or ""
    return unit if unit.isascii() or _tx("layout.chart_unit_words", lang) == "yes" else ""


def _breakdowns(doc, facts: BulletinFacts, lang: str) -> None:
    if not facts.record.breakdowns:
        _para(doc, _tx("bulletin_none_breakdown", lang))
        return
    _para(doc, _tx("bulletin_breakdown_intro", lang, n=len(facts.record.breakdowns)))
    for i, b in enumerate(facts.record.breakdowns, 1):
        f = b.facts
        unit = unit_word(f.task, lang)
        _heading(doc, _tx("bulletin_breakdown_head", lang, n=_tx(f"ordinal.{i}", lang)
                          if i <= 10 else str(i), id=f.task.id,
                          metric=for_reader(field(f.task, "metric", lang), lang),
                          year=b.year or "—", target=_number(b.target), unit=unit), level=2)
        rows = [[u.unit, _number(u.quota), _number(u.value), _share(u.share)] for u in b.units]
        rows.append([_tx("ledger_total", lang), _number(b.quota_total), _number(b.value_total),
                     _share(b.share)])
        _table(doc, _cols("bulletin_cols_units", lang), rows, flex=(0,), centre=(1, 2, 3))


def _next_steps(doc, facts: BulletinFacts, lang: str) -> None:
    _heading(doc, _tx("bulletin_h2_general", lang), level=2)
    _para(doc, _tx("bulletin_next", lang))
    _heading(doc, _tx("bulletin_h2_problems", lang), level=2)
    if not facts.problems:
        _para(doc, _tx("bulletin_no_problems", lang))
        return
    for p in facts.problems:
        parts = []
        for key, ids in (("overdue", p.overdue), ("behind", p.behind), ("blocked", p.blocked)):
            if ids:
                parts.append(_tx(f"bulletin_problem_{key}", lang, n=len(ids),
                                 ids=joined(ids, lang)))
        if p.unanswered:
            parts.append(_tx("bulletin_problem_chases", lang, n=p.unanswered))
        if p.unsigned:
            parts.append(_tx("bulletin_problem_unsigned", lang, n=p.unsigned))
        if p.silent:
            parts.append(_tx("bulletin_problem_silent", lang))
        _para(doc, _tx("bulletin_problem", lang, dept=p.line.name,
                       problems=_tx("layout.clause_sep", lang).join(parts),
                       date=day_text(facts.reply_by, lang)))


def _signature(doc, facts: BulletinFacts, letterhead: Letterhead, lang: str) -> None:
    """署名 two characters from the right edge and 成文日期 under it two characters further
    right; when the date is the longer, it keeps two characters from the edge and the
    signature moves left (GB/T 9704 7.3.5.2)."""
    _para(doc)  # 正文下空一行
    name = letterhead.text("signature", lang)
    day = day_text(facts.issued, lang)
    em, width = SIZE_BODY.pt, TEXT_WIDTH.pt
    sig_left = width - 2 * em - em_width(name) * em
    date_left = sig_left + 2 * em
    if date_left + em_width(day) * em > width - 2 * em:
        date_left = width - 2 * em - em_width(day) * em
        sig_left = date_left - 2 * em
    for text, left in ((name, sig_left), (day, date_left)):
        p = _para(doc, text, indent=False)
        if left > 0:
            p.paragraph_format.left_indent = Pt(left)
        else:  # a name longer than the line: right-aligned, two characters from the edge
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(2 * em)
        p.paragraph_format.keep_with_next = text == name


def _imprint(doc, facts: BulletinFacts, letterhead: Letterhead, lang: str) -> None:
    """版记: 抄送 over 印发机关 and 印发日期, between a thick rule (0.35 mm), a thin one
    (0.25 mm) and a thick one, each the width of the text block, kept on one page."""
    _para(doc)
    cc = letterhead.text("cc", lang)
    rows = [[_tx("bulletin_cc", lang, names=cc)]] if cc else []
    printed = [letterhead.text("printer", lang),
               _tx("bulletin_printed", lang, date=day_text(facts.issued, lang))]
    table = doc.add_table(rows=len(rows) + 1, cols=2)
    margins = _set(table._tbl.tblPr, "w:tblCellMar")
    for edge in ("left", "right"):
        _set(margins, f"w:{edge}", w=str(int(CELL_PADDING.pt * 20)), type="dxa")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    _set(tbl_pr, "w:tblW", w=str(int(TEXT_WIDTH / 635)), type="dxa")
    _set(tbl_pr, "w:tblLayout", type="fixed")
    borders = _set(tbl_pr, "w:tblBorders")
    for edge, eighths in (("top", "8"), ("bottom", "8"), ("insideH", "6")):
        _set(borders, f"w:{edge}", val="single", sz=eighths, space="0", color="000000")
    for edge in ("left", "right", "insideV"):
        _set(borders, f"w:{edge}", val="nil")
    # 四号 as GB/T 9704 has it, smaller when a long printing office and the date would not
    # share the line; the date column as wide as 印发日期 needs, the office gets the rest.
    padding = 4 * CELL_PADDING + Pt(4)
    ems = em_width(printed[0]) + em_width(printed[1]) + 2
    size = Pt(min(SIZE_NOTE.pt, (TEXT_WIDTH - padding) / ems / 12700 * 0.97))
    right = int(size * (em_width(printed[1]) + 1) + 2 * CELL_PADDING + Pt(2))
    widths = (int(TEXT_WIDTH) - right, right)
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width / 635)))
    for row in table.rows:
        _set(row._tr.get_or_add_trPr(), "w:cantSplit", val="true")
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    if cc:
        cell = table.rows[0].cells[0].merge(table.rows[0].cells[1])
        _cell_text(cell, rows[0][0], BODY_FONT, size)
        fmt = cell.paragraphs[0].paragraph_format
        fmt.left_indent = fmt.right_indent = size  # 左右各空一字
        # 回行时与冒号后的首字对齐
        fmt.first_line_indent = -Pt(size.pt * em_width(_tx("bulletin_cc_label", lang)))
        fmt.left_indent = Pt(size.pt * (1 + em_width(_tx("bulletin_cc_label", lang))))
        fmt.keep_with_next = True
    last = table.rows[-1].cells
    _cell_text(last[0], printed[0], BODY_FONT, size)
    last[0].paragraphs[0].paragraph_format.left_indent = size  # 左空一字
    _cell_text(last[1], printed[1], BODY_FONT, size, align=WD_ALIGN_PARAGRAPH.RIGHT)
    last[1].paragraphs[0].paragraph_format.right_indent = size  # 右空一字
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.line_spacing = Pt(size.pt * 1.9)


# ---------------------------------------------------------------- figures


def _figure(doc, path: Path, n: int, caption: str) -> None:
    from PIL import Image

    with Image.open(path) as image:
        w, h = image.size
    width = min(FIGURE_WIDTH, int(FIGURE_MAX_HEIGHT * w / h))
    doc.add_picture(str(path), width=width)
    picture = doc.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.first_line_indent = Pt(0)
    picture.paragraph_format.keep_with_next = True
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _para(doc, caption, BODY_FONT, SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def chart_data(db: Database, at: datetime, lang: str, today: date) -> ChartData:
    """The bars and points of the digest's three charts as at the period's end `at`. The
    trend's past weeks are their end-of-day figures, not the figures the digests showed: the
    bulletin's words compare the end of its period with the end of the day before it, and a
    digest's figure, taken on a morning, would make the chart's last step of a week differ
    from the change the text states ("较上期提高2个百分点")."""
    from bot.outputs.digest import digest_charts

    return digest_charts(db, at, lang, today, as_posted=False)


def _charts(db: Database, at: datetime, lang: str, today: date, folder: Path) -> dict[str, Path]:
    from bot.outputs.digest import draw_charts

    paths = draw_charts(chart_data(db, at, lang, today), folder, lang)
    return {path.name.split("-")[0]: path for path in paths}


def _prefetch(db: Database, at: datetime, period: str, so_far: bool, today: date) -> None:
    """The past days the bulletin compares with (the day before its period, the trend chart's
    weeks up to the period's end) worked out together when their figures are not kept yet:
    the records are read once, not once per day."""
    from bot.outputs.digest import prefetch_days, trend_days
    from bot.services.facts import tracking_start

    first = tracking_start(db, at.tzinfo) or at.date()
    span = period_of(period, at, so_far)
    last_day = span.start - timedelta(days=1)
    prefetch_days(db, [*trend_days(span.closes(at), first),
                       *([last_day] if last_day >= first else [])], at.tzinfo, today)


# ---------------------------------------------------------------- the whole


SECTIONS = ("overall", "depts", "ranks", "overdue", "pending", "extensions", "chases", "silent",
            "breakdown", "next")
# Where each figure stands: after the section's text, numbered in the order they appear.
FIGURES = {"overall": "trend", "depts": "departments", "breakdown": "targets"}


def bulletin_document(facts: BulletinFacts, lang: str = "zh",
                      letterhead: Letterhead | None = None,
                      charts: dict[str, Path] | None = None):
    """The python-docx Document of the bulletin for `facts`."""
    letterhead = letterhead or Letterhead.default()
    doc = blank_document(lang)
    _masthead(doc, facts, letterhead, lang)
    _title(doc, facts, lang)
    _para(doc, _tx("bulletin_to", lang, names=letterhead.text("to", lang)), indent=False)
    record, span = facts.record, facts.period
    _para(doc, _tx(f"bulletin_opening_{span.kind}", lang, plan=book_title(record.title, lang),
                   start=day_text(span.start, lang), end=day_text(span.end, lang),
                   month=month_text(span.start, lang)))
    render = {"overall": _overall, "depts": _departments, "ranks": _ranks,
              "overdue": _overdue, "pending": _waiting, "extensions": _extensions,
              "chases": _chases, "silent": _silent, "breakdown": _breakdowns,
              "next": _next_steps}
    figure = 0
    for key in SECTIONS:
        _heading(doc, _tx(f"bulletin_h_{key}", lang))
        render[key](doc, facts, lang)
        chart = FIGURES.get(key)
        if charts and chart in charts:
            figure += 1
            _figure(doc, charts[chart], figure, _tx("bulletin_figure", lang, n=figure,
                                                    title=_tx(f"chart_{chart}", lang)))
    _signature(doc, facts, letterhead, lang)
    _imprint(doc, facts, letterhead, lang)
    doc.core_properties.title = _tx("bulletin_title", lang, plan=book_title(record.title, lang))
    doc.core_properties.subject = record.document
    doc.core_properties.author = letterhead.text("signature", lang)
    doc.core_properties.created = datetime.combine(facts.issued, time(0))
    return doc


def period_name(kind: str, key: str, lang: str, year: bool = True) -> str:
    """An issue's period by its key: 2022年第18周 / week 18 of 2022, 2022年5月 / May 2022;
    without the year (第19周, 5月) beside another of the same year."""
    y, n = int(key[:4]), int(key[-2:])
    month = t("months", lang, html=False).split(",")[n - 1] if kind == "month" else ""
    return _tx(f"bulletin_period_{'name' if year else 'short'}.{kind}", lang, y=y, n=n,
               month=month)


def issue_order_note(db: Database, span: Period, lang: str) -> str | None:
    """期号 follow the order bulletins are first issued (as an office numbers a document when
    it is issued): when this period's number came after that of a later period, a plain note
    says so (the chat's caption and the CLI print it); None when the numbers are in order."""
    later = paperwork.numbered_before_later(db, span.kind, span.start, span.number)
    if later is None:
        return None
    number, key = later
    return _tx("bulletin_out_of_order", lang, this=period_name(span.kind, span.key, lang),
               n=number, other=period_name(span.kind, key, lang, year=key[:4] != span.key[:4]))


def build_bulletin(db: Database, at: datetime, period: str = "week", lang: str = "zh",
                   historical: bool = False, charts: bool = True,
                   today: date | None = None, letterhead: Letterhead | None = None,
                   rules: Any = None, so_far: bool = False) -> bytes:
    """The bulletin made at `at` as .docx bytes: the last whole week or month ended by then,
    its figures as they stood at its end (see bulletin_facts), dated `at`; with `so_far`, the
    week or month under way, as at `at`.

    `today` is the real date (default `at`'s): completion snapshots are kept only for days
    before it, so a bulletin asked for a future date stores nothing."""
    today = today or at.date()
    if charts:
        _prefetch(db, at, period, so_far, today)
    facts = bulletin_facts(db, at, period, lang, historical=historical, today=today,
                           rules=rules, so_far=so_far)
    with tempfile.TemporaryDirectory(prefix="duban-bulletin-") as tmp:
        closes = facts.period.closes(at)
        drawn = _charts(db, closes, lang, today, Path(tmp)) if charts else None
        doc = bulletin_document(facts, lang, letterhead, drawn)
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()

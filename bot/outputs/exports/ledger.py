"""台账: the supervision ledger as an Excel workbook an office files, filters and prints.

Every sheet opens with a title row (the plan), a line with the document number and the 截至 date,
and the header row; then one row per task (任务台账), per department in rank order and the 合计
(部门汇总), per county unit of each split target and then each target's 小计 (任务分解), and per
record (报送记录). Each sheet's filter covers the header and the data rows only: sorting never
moves a 合计 or 小计 row, or the note under a table, in among the rows it sums.
Thin borders round every cell, long text wrapped (the cell's own format carries the wrap, so
nothing overrides it), whole numbers shown whole, status as words in the status colour, dates
as real Excel dates. Printing is set up as an office prints a ledger: A4 landscape, fitted to one
page wide, the header row repeated on every page, 第 N 页 in the footer.

XlsxWriter writes the workbook in constant-memory mode. The 报送记录 sheet, a row per record
(a million cells at the benchmark's largest plan), gets its heads, print setup and filter from
XlsxWriter and its rows from `_report_rows`, spliced in after (`sheet_rows`): the same bytes
XlsxWriter would write, in a fifth of its time. The other sheets' rows come from
`bot.outputs.exports.facts.gather` (one Record); this module formats and computes no figure of
its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlite_utils import Database
from wcwidth import wcswidth

from bot.domain.marks import STATES
from bot.domain.numbers import shown_percent
from bot.language.i18n import field, label, t
from bot.outputs.exports import sheet_rows
from bot.outputs.exports.bulletin import unit_word
from bot.outputs.exports.facts import Breakdown, Record, TaskFacts, gather
from bot.outputs.palette import STATUS_TINTS
from bot.outputs.render.paper import day_text, for_reader, joined
from bot.store import records as record_store
from bot.store.connection import one_view

FONT = "宋体"
SIZE = 10
HEAD_ROWS = 3  # title, document and date, column heads
LINE_HEIGHT = 13.5  # points a line of 10 pt text takes in a cell

# Print widths (Excel's character units) of each sheet's columns, in catalogue order.
TASK_WIDTHS = (6, 14, 8, 26, 8, 9, 10, 10, 10, 10, 10, 12, 10, 7, 6, 8, 8, 17, 8, 16, 6, 6, 6, 6,
               10, 16)  # 最近报送 holds a day and a time (2023.12.31 23:59): 17, not ###
DEPT_WIDTHS = (6, 12, 16, 7, 9, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8)
UNIT_WIDTHS = (7, 26, 7, 9, 16, 10, 9, 10)
SCORE_WIDTHS = (14, 14, 8, 13, 12, 8, 8)
OCCURRENCE_WIDTHS = (7, 12, 36, 12, 12, 10, 8, 12, 12)
REPORT_WIDTHS = (8, 7, 10, 11, 10, 7, 8, 8, 10, 30, 10, 16, 8, 16)
NOTE_COLUMN = 9  # of the 报送记录 sheet
DATE_FORMATS = {"zh": "yyyy.m.d", "en": "yyyy-mm-dd"}
DATETIME_FORMATS = {"zh": "yyyy.m.d hh:mm", "en": "yyyy-mm-dd hh:mm"}


def columns(key: str, lang: str) -> list[str]:
    """A "|"-separated column list from the catalogue."""
    return t(key, lang, html=False).split("|")


class _Formats:
    """The workbook's cell formats, made once (numbers with a unit made when first needed)."""

    def __init__(self, book: xlsxwriter.Workbook, lang: str) -> None:
        self.book, self.lang = book, lang
        self.base = {"font_name": FONT, "font_size": SIZE, "valign": "top", "border": 1,
                     "text_wrap": True}
        add = book.add_format
        self.title = add({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                          "valign": "vcenter"})
        self.subtitle = add({"font_name": FONT, "font_size": SIZE + 1, "align": "right",
                             "valign": "vcenter"})
        self.head = add({**self.base, "bold": True, "bg_color": "#e7e6e6", "align": "center",
                         "valign": "vcenter"})
        self.text = add(self.base)
        self.centre = add({**self.base, "align": "center"})
        self.date = add({**self.base, "num_format": DATE_FORMATS[lang], "align": "center"})
        self.datetime = add({**self.base, "num_format": DATETIME_FORMATS[lang]})
        self.note = add({"font_name": FONT, "font_size": SIZE - 1, "italic": True})
        self.total = add({**self.base, "bold": True})
        self._numbers: dict[tuple[str, bool, bool], Any] = {}
        self.status = {s: add({**self.base, "bg_color": tint, "align": "center"})
                       for s, tint in STATUS_TINTS.items()}

    def number(self, value: float, unit: str = "", bold: bool = False):
        """Whole numbers whole ("60", not "60."), others with one decimal; a unit word in
        the format keeps the cell a number ("150所")."""
        whole = float(value).is_integer()
        key = (unit, whole, bold)
        if key not in self._numbers:
            pattern = "0" if whole else "0.0"
            if unit:
                pattern += '"' + unit.replace('"', "") + '"'
            self._numbers[key] = self.book.add_format(
                {**self.base, "num_format": pattern, "align": "right", "bold": bold})
        return self._numbers[key]


class _Sheet:
    """One worksheet: title rows, header, then rows written in order (constant memory)."""

    def __init__(self, book: xlsxwriter.Workbook, formats: _Formats, name: str,
                 heads: list[str], widths: tuple[int, ...], title: str, subtitle: str,
                 footer: str, sparse: bool = False) -> None:
        self.ws = book.add_worksheet(name)
        # sparse: empty cells are not written (no border there); for the 100k-row record sheet,
        # which is filtered on screen rather than printed
        self.sparse = sparse
        self.f = formats
        self.heads = heads
        last = len(heads) - 1
        self.widths = widths
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)
        self.ws.set_row(0, 26)
        self.ws.merge_range(0, 0, 0, last, title, formats.title)
        self.ws.merge_range(1, 0, 1, last, subtitle, formats.subtitle)
        self.ws.write_row(2, 0, heads, formats.head)
        # the heads wrap (进度（%）, 佐证材料（份）): a row as high as the longest needs, the
        # filter's button taking two characters of each; else they spill onto the row above
        lines = max(_lines(head, max(width - 2, 1)) for head, width in zip(heads, widths,
                                                                       strict=True))
        if lines > 1:
            self.ws.set_row(2, lines * LINE_HEIGHT + 2)
        self.row = HEAD_ROWS - 1
        self.data_end: int | None = None  # the filter's last row (None: the last written)
        # Printing: A4 landscape, one page wide, the header row on every page, page numbers.
        self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, 0)
        self.ws.repeat_rows(2)
        self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        self.ws.center_horizontally()
        self.ws.set_footer(f"&C{footer}")
        self.ws.freeze_panes(HEAD_ROWS, 1)

    def cell(self, col: int, value: Any, fmt: Any = None) -> None:
        row, f = self.row, self.f
        if value is None or value == "":
            if not self.sparse:
                self.ws.write_blank(row, col, None, fmt or f.text)
        elif isinstance(value, datetime):
            self.ws.write_datetime(row, col, value.replace(tzinfo=None), fmt or f.datetime)
        elif isinstance(value, date):
            self.ws.write_datetime(row, col, datetime(value.year, value.month, value.day),
                                   fmt or f.date)
        elif isinstance(value, bool):
            self.ws.write_string(row, col, str(value), fmt or f.text)
        elif isinstance(value, int | float):
            self.ws.write_number(row, col, value, fmt or f.number(value))
        else:
            self.ws.write_string(row, col, str(value), fmt or f.text)

    def write(self, values: list[Any], formats: dict[int, Any] | None = None,
              measure: tuple[int, ...] | None = None) -> None:
        self.row += 1
        # Excel, WPS and LibreOffice do not all grow a row for wrapped text on opening: give
        # each row the height its longest wrapped cell needs (of the `measure` columns).
        lines = max((_lines(values[i], self.widths[i])
                     for i in (measure if measure is not None else range(len(values)))
                     if isinstance(values[i], str)), default=1)
        if lines > 1:
            self.ws.set_row(self.row, lines * LINE_HEIGHT + 2)
        for col, value in enumerate(values):
            self.cell(col, value, (formats or {}).get(col))

    def end_data(self) -> None:
        """The rows written so far are the data: those written after (totals, notes) stay out
        of the filter's range."""
        self.data_end = self.row

    def finish(self) -> None:
        last = self.row if self.data_end is None else self.data_end
        self.ws.autofilter(HEAD_ROWS - 1, 0, max(last, HEAD_ROWS - 1), len(self.heads) - 1)


def _lines(text: str, width: int) -> int:
    """Lines a wrapped cell `width` characters wide takes for `text` (Chinese counts two)."""
    room = max(width - 1, 1)
    if len(text) * 2 <= room and "\n" not in text:  # short: one line whatever its script
        return 1
    total = 0
    for line in text.split("\n"):
        shown = wcswidth(line)
        total += max(1, -(-(shown if shown >= 0 else 2 * len(line)) // room))
    return total


def _whole(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _task_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    f_ = sheet.f
    for f in record.tasks:
        task, s = f.task, f.view.status
        unit = unit_word(task, lang)
        approved = f.approved
        # 完成时限 is the deadline as assigned; an approved 延期 shows in the columns after it.
        deadline: Any = ((f.extension.original if f.extension else None) or s.due
                         or t("ledger_standing", lang, html=False))
        number = {c: f_.number(v, unit) for c, v in ((15, f.view.value),
                                                      (16, task.target_value))
                  if v is not None}
        sheet.write([
            task.id, f.supervision_no, for_reader(task.clause, lang),
            for_reader(field(task, "title", lang), lang), f.dept_name,
            joined(f.liaisons, lang) or t("ledger_no_liaison", lang, html=False),
            joined(f.with_names, lang),
            f.assigned_on, f.acknowledged.date() if f.acknowledged else None,
            deadline,
            f.extension.extended if f.extension else None,
            for_reader(approved.reason, lang) if approved else None,
            approved.decided_on if approved else None,
            label("status", s.word, lang),
            s.percent,
            _whole(f.view.value), _whole(task.target_value),
            f.last_at, f.last_by, for_reader(f.last_note, lang),
            f.view.evidence,
            f.days_overdue or None,
            f.chases.count or None,
            f.chases.unanswered or None,
            f.closed_on,
            for_reader(f.reason, lang) or None,
        ], {13: f_.status[s.status], 9: f_.date if not isinstance(deadline, str) else f_.centre,
            **number})


def _dept_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    order = ("closed", "pending_check", "on_track", "due_soon", "behind", "blocked", "assigned",
             "suspended", "no_report", "overdue")
    for line in record.ranking.lines:
        sheet.write([line.rank, line.name,
                     joined(line.liaisons, lang) or t("ledger_no_liaison", lang, html=False),
                     line.tasks, shown_percent(line.completion),
                     *(line.counts[c] for c in order), line.score, line.grade],
                    {14: sheet.f.status["overdue"]} if line.counts["overdue"] else None)
    sheet.end_data()
    s = record.summary
    total = sheet.f.total
    sheet.write([None, t("ledger_total", lang, html=False), None, len(s.tasks),
                 shown_percent(s.completion),
                 *(s.counts[c] for c in order), None, None],
                {1: total, 3: sheet.f.number(len(s.tasks), bold=True)})
    sheet.row += 1
    sheet.ws.merge_range(sheet.row, 0, sheet.row, len(sheet.heads) - 1,
                         t("ledger_rank_rule", lang, html=False), sheet.f.note)
    if s.claims_elsewhere:  # the 待核实 column counts tasks by their mark, as /status does
        sheet.row += 1
        sheet.ws.merge_range(sheet.row, 0, sheet.row, len(sheet.heads) - 1,
                             t("ledger_claims_elsewhere", lang, html=False,
                               count=s.claims_elsewhere), sheet.f.note)


def _unit_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    """Every target's county units, then the targets' 小计 rows in the same order below the
    filtered range: one range cannot hold the units and leave out subtotals between them, and
    sorted by 完成率 or filtered by 县（市、区） the units must not mix with the subtotals."""
    for b in record.breakdowns:
        heads, unit = _target_heads(b, lang)
        target = heads[3]
        for u in b.units:
            sheet.write([*heads, u.unit, _whole(u.quota), _whole(u.value), u.share],
                        {3: sheet.f.number(target or 0, unit)} if target is not None else None)
    sheet.end_data()
    bold = sheet.f.total
    for b in record.breakdowns:
        heads, unit = _target_heads(b, lang)
        target = heads[3]
        sheet.write([*heads, t("ledger_subtotal", lang, html=False),
                     _whole(b.quota_total), _whole(b.value_total), b.share],
                    {4: bold, 5: sheet.f.number(b.quota_total, bold=True),
                     6: sheet.f.number(b.value_total, bold=True),
                     **({3: sheet.f.number(target, unit)} if target is not None else {}),
                     **({7: sheet.f.number(b.share, bold=True)} if b.share is not None else {})})


def _target_heads(b: Breakdown, lang: str) -> tuple[list[Any], str]:
    """A split target's first four cells (编号, 指标, 年度, 目标值) and its unit word."""
    f: TaskFacts = b.facts
    return ([f.task.id, for_reader(field(f.task, "metric", lang), lang), b.year,
             _whole(b.target)], unit_word(f.task, lang))


def _occurrence_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    """各期情况: every occurrence of the recurring duties since tracking began, each with its
    own deadline, state and progress (a claim on an earlier one stays on it)."""
    for row in record.tasks:
        f = row.view
        if not f.task.recurring:
            continue
        for o in f.every_occurrence():
            sheet.write([f.task.id, row.dept_name, field(f.task, "title", lang), o.period, o.due,
                         label("status", o.status.word, lang), o.percent,
                         _local(o.claimed_at, record.at), _local(o.closed_at, record.at)],
                        {5: sheet.f.status[o.status.status]})


def _local(moment: datetime | None, at: datetime) -> date | None:
    return moment.astimezone(at.tzinfo).date() if moment else None


def _score_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    """Every point and deduction of the year's 考评, with the item behind it."""
    for score in record.scores:
        name = field(score.dept, "dept", lang)
        for item in score.items:
            sheet.write([name, t(f"score_rule.{item.rule}", lang, html=False), item.tasks_text(lang),
                         item.period or "", item.day, _whole(item.count), item.points],
                        {4: sheet.f.date} if item.day else None)


def _template_row(sheet: _Sheet) -> None:
    """The 报送记录 sheet's first data row as XlsxWriter writes it: a cell in each format the
    record rows use (text, moment, whole number, decimal), replaced by the rows once the
    workbook is closed (`sheet_rows.splice`)."""
    sheet.row += 1
    f = sheet.f
    for col, (value, fmt) in enumerate((("-", f.text), (datetime(2000, 1, 1), f.datetime),
                                        (1, f.number(1)), (0.5, f.number(0.5)))):
        sheet.cell(col, value, fmt)


def _report_rows(db: Database, record: Record, lang: str, styles: dict[str, int],
                 first: int, count: int) -> Iterator[str]:
    """Every record made by then, a record taken back later shown as it stood then, as the
    rows' SpreadsheetML. A hundred thousand rows at scale: the cells are made from a few
    strings per column, the texts that repeat (task, department, kind, state, reporter)
    escaped once each."""
    names = sheet_rows.column_names(len(REPORT_WIDTHS))
    s_text, s_moment, s_whole, s_decimal = (styles[names[i]] for i in range(4))
    opens = [f'<c r="{name}' for name in names]
    text_mid = f'" s="{s_text}" t="inlineStr"><is>'
    text_end = "</t></is></c>"
    mids = {True: f'" s="{s_whole}"><v>', False: f'" s="{s_decimal}"><v>'}
    moment_mid = f'" s="{s_moment}"><v>'
    number_end = "</v></c>"
    width = REPORT_WIDTHS[NOTE_COLUMN]
    depts = {line.dept["code"]: line.name for line in record.ranking.lines}
    tz = record.at.tzinfo
    states = {k: label("state", k, lang) for k in STATES}
    kinds: dict[Any, str] = {}
    escaped: dict[Any, str] = {}
    fromiso = datetime.fromisoformat
    esc, serial, number = sheet_rows.text, sheet_rows.serial, sheet_rows.number
    out: list[str] = []
    row = first - 1

    def put(col: int, value: Any) -> None:
        """A cell of any value a database can hold (a hand-edited one included): text as
        text, numbers in the whole or decimal format, nothing for None or ""."""
        if value is None or value == "":
            return
        if type(value) is int or type(value) is float:
            shown = number(value)
            if shown is not None:
                out.extend((opens[col], r, mids[float(value).is_integer()], shown, number_end))
                return
        elif type(value) is not str:
            value = str(value)
        shown = escaped.get(value)
        if shown is None:
            shown = esc(value)
            if len(escaped) < 50_000:  # names and labels repeat; a stray long tail need not stay
                escaped[value] = shown
        out.extend((opens[col], r, text_mid, shown, text_end))

    def moment(col: int, value: Any) -> None:
        try:
            when = fromiso(value).astimezone(tz).replace(tzinfo=None)
        except (TypeError, ValueError):  # a hand-edited moment: shown as it is
            put(col, value)
            return
        out.extend((opens[col], r, moment_mid, serial(when), number_end))

    for (id_, task_id, period, kind, percent, state, value, note, user_id, dept, at, source,
         unit, revoked_at, user_name) in record_store.every(db, record.at):
        row += 1
        r = str(row)
        note = for_reader(note or "", lang)
        lines = _lines(note, width) if note else 1
        out.append(f'<row r="{r}"{sheet_rows.height(lines * LINE_HEIGHT + 2)}>'
                   if lines > 1 else f'<row r="{r}">')
        put(0, id_)
        put(1, task_id)
        put(2, depts.get(dept, dept))
        put(3, period)
        shown = kinds.get(kind)
        if shown is None:
            shown = kinds[kind] = label("report_kind", kind, lang) if isinstance(
                kind, str) else str(kind or "")
        put(4, shown)
        put(5, percent)
        put(6, states.get(state, state))
        put(7, _whole(value))
        put(8, unit)
        if note:
            out.extend((opens[NOTE_COLUMN], r, text_mid, esc(note), text_end))
        put(10, user_name or (str(user_id) if user_id else ""))
        moment(11, at)
        put(12, source)
        if revoked_at:
            moment(13, revoked_at)
        out.append("</row>")
        if len(out) > 40_000:
            yield "".join(out)
            out.clear()
    yield "".join(out)
    if row - first + 1 != count:  # the count and the rows are read in one view of the file
        raise RuntimeError(f"{row - first + 1} record rows where {count} were counted")


def build_ledger(db: Database, at: datetime, lang: str = "zh",
                 historical: bool = False, records: bool = True, rules: Any = None) -> bytes:
    """The ledger as .xlsx bytes, as of `at` (reports after `at` ignored when `historical`).
    Without `records`, the sheets an office prints only (no 报送记录, every record: at scale
    thousands of pages), as the PDF is made from."""
    record = gather(db, at, lang, historical=historical, rules=rules)
    title = t("ledger_title", lang, html=False, title=for_reader(record.title, lang))
    subtitle = t("ledger_subtitle", lang, html=False, document=record.document or "—",
                 date=day_text(at, lang))
    footer = t("ledger_footer", lang, html=False)
    with tempfile.TemporaryDirectory(prefix="duban-ledger-") as tmp:
        path = Path(tmp) / "ledger.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": tmp})
        book.set_properties({"title": title, "subject": record.document,
                             "author": "duban 督办", "created": at.replace(tzinfo=None)})
        formats = _Formats(book, lang)

        def sheet(name: str, cols: str, widths: tuple[int, ...], sparse: bool = False) -> _Sheet:
            return _Sheet(book, formats, t(name, lang, html=False), columns(cols, lang),
                          widths, title, subtitle, footer, sparse)

        fills = [
            (sheet("ledger_sheet_tasks", "ledger_cols_tasks", TASK_WIDTHS),
             lambda sh: _task_rows(sh, record, lang)),
            (sheet("ledger_sheet_depts", "ledger_cols_depts", DEPT_WIDTHS),
             lambda sh: _dept_rows(sh, record, lang)),
            (sheet("ledger_sheet_units", "ledger_cols_units", UNIT_WIDTHS),
             lambda sh: _unit_rows(sh, record, lang)),
            (sheet("ledger_sheet_occurrences", "ledger_cols_occurrences", OCCURRENCE_WIDTHS),
             lambda sh: _occurrence_rows(sh, record, lang)),
            (sheet("ledger_sheet_scores", "ledger_cols_scores", SCORE_WIDTHS),
             lambda sh: _score_rows(sh, record, lang)),
        ]
        reports = None
        if records:
            reports = sheet("ledger_sheet_reports", "ledger_cols_reports", REPORT_WIDTHS,
                            sparse=True)
            fills.append((reports, _template_row))
        for each, fill in fills:
            fill(each)
            each.finish()
        book.close()
        if reports is None:
            return path.read_bytes()
        return _with_records(path, db, record, lang, reports.ws.get_name())


def _with_records(path: Path, db: Database, record: Record, lang: str, name: str) -> bytes:
    """The closed workbook at `path` with the 报送记录 sheet's rows, written by our own code,
    in place of its template row."""
    first = HEAD_ROWS + 1
    styles = sheet_rows.template_styles(path, name, first)
    spliced = path.with_name("spliced.xlsx")
    last_col = sheet_rows.column_names(len(REPORT_WIDTHS))[-1]
    with one_view(db):  # the rows' count (for the ranges written before them) and the rows agree
        count = record_store.count_until(db, record.at)
        sheet_rows.splice(path, spliced, name, first, first + count - 1,
                          _report_rows(db, record, lang, styles, first, count),
                          HEAD_ROWS, "A", last_col)
    return spliced.read_bytes()

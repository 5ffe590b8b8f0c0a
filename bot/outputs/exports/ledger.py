"""台账: the supervision ledger as an Excel workbook leaders can filter.

Sheets: every task (one row each), a summary per department, the county units' share of each
split target (任务分解), and every report. Frozen header, filters, widths measured in display
columns (a Chinese character is two), status cells tinted with the status colour, dates written
as real Excel dates. XlsxWriter in constant-memory mode streams rows to a temporary file, so the
100k-report sheet of the benchmark's largest plan does not sit in memory cell by cell.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlite_utils import Database
from wcwidth import wcswidth

from bot.domain.marks import STATES
from bot.domain.numbers import percent_of_value, shown_percent
from bot.language.i18n import field, label, t
from bot.outputs.exports.facts import Record, gather
from bot.outputs.palette import STATUS_TINTS
from bot.outputs.scoring import Rules, load_rules, score_facts
from bot.store import records

MAX_WIDTH = 60  # display columns; longer text wraps
WRAPPED = 40  # columns wider than this wrap instead of growing


def columns(key: str, lang: str) -> list[str]:
    """A "|"-separated column list from the catalogue."""
    return t(key, lang, html=False).split("|")


MEASURED_ROWS = 500  # column widths from the first rows: enough to size them, and the
# 100k-row report sheet is not measured cell by cell


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 16 if isinstance(value, datetime) else 11
    text = str(value)
    if text.isascii():
        return max(len(line) for line in text.splitlines() or [""])
    return max((wcswidth(line) if wcswidth(line) >= 0 else len(line) * 2)
               for line in text.splitlines() or [""])


class _Sheet:
    """One worksheet written row by row, remembering how wide each column needs to be."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, heads: list[str],
                 formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.widths = [_width(h) + 2 for h in heads]  # room for the filter button
        self.row = 0
        self.ws.write_row(0, 0, heads, formats["head"])
        self.heads = heads

    def write(self, values: list[Any], fmt: dict[int, Any] | None = None) -> None:
        self.row += 1
        measure = self.row <= MEASURED_ROWS
        for col, value in enumerate(values):
            cell_fmt = fmt.get(col) if fmt else None
            if (value is None or value == "") and cell_fmt is None:
                continue  # an empty cell needs no record in the file
            if measure:
                self.widths[col] = max(self.widths[col], _width(value))
            if isinstance(value, datetime):
                self.ws.write_datetime(self.row, col, value.replace(tzinfo=None),
                                       cell_fmt or self.formats["datetime"])
            elif isinstance(value, date):
                self.ws.write_datetime(self.row, col, datetime(value.year, value.month,
                                                               value.day),
                                       cell_fmt or self.formats["date"])
            elif value is None or value == "":
                self.ws.write_blank(self.row, col, None, cell_fmt or self.formats["text"])
            elif isinstance(value, int | float) and not isinstance(value, bool):
                self.ws.write_number(self.row, col, value, cell_fmt or self.formats["number"])
            else:
                self.ws.write_string(self.row, col, str(value), cell_fmt or self.formats["text"])

    def finish(self) -> None:
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(self.row, 1), len(self.heads) - 1)
        for col, width in enumerate(self.widths):
            wide = width > WRAPPED
            self.ws.set_column(col, col, min(width, WRAPPED if wide else MAX_WIDTH) + 1,
                               self.formats["wrap"] if wide else None)


def _formats(book: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 11, "valign": "top"}
    out = {
        "head": book.add_format({**base, "bold": True, "bg_color": "#eceff1", "border": 1,
                                 "text_wrap": True, "valign": "vcenter"}),
        "text": book.add_format(base),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "number": book.add_format({**base, "num_format": "0.##"}),
        "date": book.add_format({**base, "num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"}),
    }
    for status, tint in STATUS_TINTS.items():
        out[f"status:{status}"] = book.add_format({**base, "bg_color": tint})
    return out


def _task_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    status_col = 7
    for f in record.tasks:
        task, s = f.task, f.view.status
        value = f.view.value
        units = "; ".join(f"{u} {_num(f.units.get(u))}/{_num(q)}" for u, q in f.quotas.items())
        # 完成时限 is the deadline as assigned; an approved 延期 shows in the next column.
        deadline: Any = ((f.extension.original if f.extension else None) or s.due
                         or t("standing", lang, html=False))
        sheet.write([
            task.id, task.clause, f.dept_name, "、".join(f.with_names),
            field(task, "title", lang),
            deadline,
            f.extension.extended if f.extension else None,
            f"{s.mark} {label('status', s.status, lang)}",
            s.percent,
            value, task.target_value, task.target_unit or "",
            units,
            f.last_at, f.last_by, f.last_note,
            f.view.evidence,
            f.days_overdue or None,
            f.chases.count or None,
            f.acknowledged,  # when the department signed for it (签收), blank if not
        ], {status_col: sheet.formats[f"status:{s.status}"]})


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _dept_rows(sheet: _Sheet, record: Record, scores: dict[str, Any], lang: str) -> None:
    # Every status, so the counts add up to the tasks on each row.
    order = ("closed", "pending_check", "on_track", "due_soon", "behind", "blocked",
             "no_report", "overdue", "assigned", "suspended")
    overdue_col = 3 + order.index("overdue")
    for d in record.summary.departments:
        score = scores.get(d.dept["code"])
        grade = (field(vars(score.grade), "grade", lang)) if score else ""
        sheet.write([field(d.dept, "dept", lang), len(d.tasks), shown_percent(d.completion),
                     *(d.counts[c] for c in order), score.score if score else None, grade],
                    {overdue_col: sheet.formats["status:overdue"]} if d.counts["overdue"]
                    else None)
    s = record.summary
    sheet.write([t("ledger_total", lang, html=False), len(s.tasks), shown_percent(s.completion),
                 *(s.counts[c] for c in order), None, ""])


def _unit_rows(sheet: _Sheet, record: Record, lang: str) -> None:
    for f in record.tasks:
        metric = f.task.target_metric or f.task.title
        for unit, quota in f.quotas.items():
            reached = f.units.get(unit)
            share = percent_of_value(reached, quota) if reached is not None and quota else None
            sheet.write([f.task.id, metric, unit, quota, reached, share])


def _report_rows(sheet: _Sheet, db: Database, record: Record, lang: str) -> None:
    depts = {d.dept["code"]: field(d.dept, "dept", lang) for d in record.summary.departments}
    tz = record.at.tzinfo
    states = {k: label("state", k, lang) for k in STATES}
    # every record made by then, a record taken back later shown as it stood then
    for r in records.every(db, record.at):
        sheet.write([
            r["id"], r["task_id"], depts.get(r["dept"], r["dept"] or ""), r["period"] or "",
            label("report_kind", r["kind"], lang),
            r["percent"], states.get(r["state"], r["state"] or ""),
            r["value"], r["unit"] or "", r["note"] or "",
            r["user_name"] or (str(r["user_id"]) if r["user_id"] else ""),
            datetime.fromisoformat(r["at"]).astimezone(tz),
            r["source"] or "",
            datetime.fromisoformat(r["revoked_at"]).astimezone(tz) if r["revoked_at"] else None,
        ])


def build_ledger(db: Database, at: datetime, lang: str = "zh",
                 historical: bool = False, rules: Rules | None = None) -> bytes:
    """The ledger as .xlsx bytes, as of `at` (reports after `at` ignored when `historical`)."""
    record = gather(db, at, lang, historical=historical)
    scores = {s.code: s for s in score_facts(record.summary, at.year, rules or load_rules())}
    with tempfile.TemporaryDirectory(prefix="duban-ledger-") as tmp:
        path = Path(tmp) / "ledger.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": tmp})
        book.set_properties({"title": t("ledger_title", lang, html=False, title=record.title,
                                        date=f"{at:%Y-%m-%d}"),
                             "subject": record.document, "author": "duban 督办",
                             "created": at.replace(tzinfo=None)})
        formats = _formats(book)
        sheets = [
            (_Sheet(book, t("ledger_sheet_tasks", lang, html=False),
                    columns("ledger_cols_tasks", lang), formats),
             lambda sh: _task_rows(sh, record, lang)),
            (_Sheet(book, t("ledger_sheet_depts", lang, html=False),
                    columns("ledger_cols_depts", lang), formats),
             lambda sh: _dept_rows(sh, record, scores, lang)),
            (_Sheet(book, t("ledger_sheet_units", lang, html=False),
                    columns("ledger_cols_units", lang), formats),
             lambda sh: _unit_rows(sh, record, lang)),
            (_Sheet(book, t("ledger_sheet_reports", lang, html=False),
                    columns("ledger_cols_reports", lang), formats),
             lambda sh: _report_rows(sh, db, record, lang)),
        ]
        for sheet, fill in sheets:
            fill(sheet)
            sheet.finish()
        book.close()
        return path.read_bytes()

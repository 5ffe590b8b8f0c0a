"""Everything people read, in one layer: plain-text tables for the command line (`plain`),
Telegram HTML (`chat`), the nudge messages (`nudges`) and the digest text (`digest`).

The facts model hands over facts (bot.domain.facts: Facts, TaskFacts); the words come from the catalogue.
This module holds the small pieces every output shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

from bot.domain.facts import DeptFacts, Facts, Occurrence, TaskFacts
from bot.domain.marks import MARKS
from bot.domain.numbers import round_half_up
from bot.domain.recurrence import Recurrence
from bot.language.i18n import field, t

COUNT_COLUMNS = ("on_track", "behind", "due_soon", "overdue", "blocked", "pending_check",
                 "closed", "assigned", "no_report", "suspended")


def pct(value: float | None) -> str:
    """Percentages are rounded half up everywhere (text and charts agree: 7.5 -> 8%)."""
    return "—" if value is None else f"{round_half_up(value)}%"


def day_plain(day: date | datetime, lang: str) -> str:
    return t("date_plain", lang, html=False, y=day.year, m=day.month, d=day.day)


def describe_recurrence(rec: Recurrence, lang: str) -> str:
    if rec.every in ("semester", "school_year"):
        return t(f"recur.{rec.every}", lang, html=False)
    if rec.every == "weeks":
        return t("recur.weeks", lang, html=False, n=rec.n)
    days = t("list_sep", lang, html=False).join(
        t("recur.day", lang, html=False, m=m, d=d) for m, d in rec.on)
    return t("recur.yearly", lang, html=False, days=days)


def timing(view: TaskFacts, lang: str) -> str:
    """'2022-06-30 逾期1613天', a recurrence, or '长期' for a standing duty."""
    if view.status.due is None:
        if view.task.recurrence is not None:
            return describe_recurrence(view.task.recurrence, lang)
        return t("standing", lang, html=False)
    text = timing_of(view.headline, lang)
    if view.status.overdue and not view.headline.tracked:  # days count from tracking start
        text += t("due_before_tracking", lang, html=False)
    return text


def timing_of(occurrence: Occurrence, lang: str) -> str:
    """'2022-06-30 还剩3天' for one occurrence of a duty."""
    s = occurrence.status
    if s.due is None:
        return t("standing", lang, html=False)
    text = s.due.isoformat()
    if s.overdue and s.days_left is not None:
        text += " " + t("overdue_days", lang, html=False, days=-s.days_left)
    elif not s.done and s.days_left is not None and s.days_left <= 30:
        text += " " + t("days_left", lang, html=False, days=s.days_left)
    return text


def target_text(view: TaskFacts) -> str:
    task = view.task
    if task.target_value is None:
        return ""
    value = view.value
    shown = "—" if value is None else f"{value:g}"
    return f"{shown}/{task.target_value:g}{task.target_unit or ''}"


def grade_bands(grades: Iterable[Any], lang: str) -> list[str]:
    """The grades as score bands, best first: '优秀（90分及以上）' … and the lowest as what it
    is, '不合格（60分以下）' (it takes every score under the next grade, whatever its own
    minimum says). `grades` carry name, name_en and min (bot.outputs.scoring.Grade)."""
    ordered = sorted(grades, key=lambda g: -g.min)
    bands = []
    for i, g in enumerate(ordered):
        name = field(vars(g), "grade", lang)
        if i == len(ordered) - 1 and i > 0:
            bands.append(t("grade_band_below", lang, html=False, grade=name,
                           max=f"{ordered[i - 1].min:g}"))
        elif len(ordered) == 1:
            bands.append(name)
        else:
            bands.append(t("grade_band_from", lang, html=False, grade=name, min=f"{g.min:g}"))
    return bands


def counts_line(of: Facts | DeptFacts, lang: str) -> str:
    """The tasks by their marks (they add up to the tasks), then the claims waiting on other
    occurrences than a task's mark, so the ⏳ count and the 待核实 list's length agree."""
    counts = of.counts
    line = " ".join(f"{MARKS[c]}{counts[c]}" for c in COUNT_COLUMNS if counts.get(c))
    if of.claims_elsewhere:
        line += t("counts_claims_elsewhere", lang, count=of.claims_elsewhere)
    return line


def author(row: dict[str, Any], lang: str) -> str:
    """Who made a record, as people read it: their name, else their id; the bot's own records
    (a 交办单 from the daily scan has no person) as the system, never "None"."""
    if row.get("user_id") is None:
        return t("word.system", lang, html=False)
    return row.get("user_name") or str(row["user_id"])


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Telegram HTML as the plain text a person reads (tags dropped, entities decoded)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)

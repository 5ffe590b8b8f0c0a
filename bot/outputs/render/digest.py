"""The weekly digest's message, from the facts gathered by bot.outputs.digest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from bot.domain.facts import DeptFacts
from bot.domain.numbers import shown_percent
from bot.language.i18n import Key, plan_title, t
from bot.outputs.digest import DUE_AHEAD_DAYS, DigestData, digest_data
from bot.outputs.render import counts_line, pct, plain_text
from bot.outputs.render.chat import (
    SHOWN_AT_MOST,
    capped,
    dept_label,
    falling_due,
    queues_html,
    task_line,
)
from bot.services import Database
from bot.services.directory import dept_names


def _change(now: float | None, before: float | None, basis: str, lang: str) -> str:
    """The change in percentage points between the two figures *as shown* (53% -> 55% is +2,
    whatever the decimals behind them), since the previous digest (or a week ago)."""
    shown_now, shown_before = shown_percent(now), shown_percent(before)
    if shown_now is None or shown_before is None:
        return ""
    delta = shown_now - shown_before
    since = Key(f"digest_since.{basis}")
    if delta == 0:
        return t("digest_change_same", lang, since=since)
    return t("digest_change", lang, sign="+" if delta > 0 else "−", points=str(abs(delta)),
             since=since)


def _activity(data: DigestData, lang: str) -> str:
    """What came in since the previous digest, naming when that was."""
    a = data.activity
    since = a.since.astimezone(data.at.tzinfo)
    when = f"{since:%m-%d}" if a.basis == "tracking" else f"{since:%m-%d %H:%M}"
    return t(f"digest_activity_{a.basis}", lang, when=when, reports=a.reports,
             evidence=a.evidence)


def _new_periods(data: DigestData, lang: str) -> list[str]:
    """The recurring duties that began a new period since the figure the change is counted
    from: why the completion can fall with no report made."""
    if data.activity.before is None:
        return []
    fresh = data.summary.new_periods_after(data.activity.since.astimezone(data.at.tzinfo).date())
    if not fresh:
        return []
    named = "、".join(f.task.id for f in fresh[:SHOWN_AT_MOST])
    if len(fresh) > SHOWN_AT_MOST:
        named += t("names_more", lang, count=len(fresh) - SHOWN_AT_MOST)
    return [t("digest_new_periods", lang, count=len(fresh), tasks=named)]


def _dept_line(d: DeptFacts, lang: str) -> str:
    """A department's completion and its tasks by every mark (as in /status)."""
    return f"{escape(dept_label(d.dept, lang))} {pct(d.completion)} · {counts_line(d, lang)}"


def digest_text(data: DigestData, lang: str = "zh", queues: str = "") -> str:
    """The digest's message: completion and change, departments, overdue, activity, what is next."""
    s = data.summary
    depts = {d.dept["code"]: d.dept for d in s.departments}
    lines = [
        t("digest_title", lang, date=f"{data.at:%Y-%m-%d}"),
        escape(plan_title(data.info, lang)),
        t("digest_completion", lang, completion=pct(s.completion),
          change=_change(s.completion, data.last_week, data.activity.basis, lang)),
        counts_line(s, lang),
        *_new_periods(data, lang),
        "",
        t("digest_departments", lang),
        *(_dept_line(d, lang) for d in sorted(s.departments, key=lambda d: -(d.completion or 0))),
        "",
    ]
    overdue = s.overdue
    if overdue:
        lines.append(f"<b>{t('overdue_header', lang, count=len(overdue))}</b>")
        lines += capped(overdue, lambda v: task_line(v, lang, depts), lang)
    else:
        lines.append(t("no_overdue", lang))
    lines += ["", _activity(data, lang)]
    upcoming = falling_due(s.tasks, data.at.date(), DUE_AHEAD_DAYS)
    lines.append("")
    if upcoming:
        lines.append(t("due_header", lang, days=DUE_AHEAD_DAYS, count=len(upcoming)))
    else:  # "nothing falls due" must not read as "all is well" while tasks are overdue
        lines.append(t("due_none", lang, days=DUE_AHEAD_DAYS) + (
            t("due_none_but_overdue", lang, count=len(overdue)) if overdue else ""))
    lines += [task_line(v, lang, depts, o) for v, o in upcoming]
    if queues:
        lines += ["", queues]
    return "\n".join(lines)


@dataclass(frozen=True)
class Digest:
    """The weekly digest as composed once: its facts (for the charts) and its message."""

    data: DigestData
    html: str  # Telegram HTML, the coordinator's queues included

    @property
    def plain(self) -> str:
        """The same message as plain text (the command line, a .txt beside the charts)."""
        return plain_text(self.html)


def compose_digest(db: Database, now: datetime, lang: str = "zh", today: date | None = None,
                   join_link: Callable[[str], str] | None = None) -> Digest:
    """The digest as of `now`: the one composition the weekly job, /digest, the command line and
    the bulletin's charts all use."""
    data = digest_data(db, now, today)
    waiting = queues_html(data.facts.queues, dept_names(db), lang, now.tzinfo, join_link)
    return Digest(data, digest_text(data, lang, waiting))

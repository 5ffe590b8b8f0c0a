"""The daily nudge message: today's reminders and escalations by department, mentioning who acts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from html import escape

from bot.domain.facts import ReportRef
from bot.language.i18n import Html, day_parts, field, t
from bot.outputs.render.chat import by_language, dept_label, mention
from bot.services.reminders import Nudge, NudgeContext


def _when(nudge: Nudge, today: date, lang: str) -> str:
    """When the occurrence falls due, counted from the day the nudge goes out: a reminder moved
    to the working day before a weekend or holiday names the real day ("明天（4月30日，星期六）
    到期"), never "today"."""
    if nudge.kind == "overdue":  # the key counts escalation steps; people want the real delay
        days = nudge.late if nudge.late is not None else (today - nudge.due).days
        key = "nudge_overdue_before_tracking" if nudge.before_tracking else "nudge_overdue"
        return t(key, lang, days=days, due=nudge.due.isoformat())
    if nudge.kind == "missed":
        return t("nudge_missed", lang, due=nudge.due.isoformat())
    days = (nudge.due - today).days
    if days <= 0:
        return t("nudge_today", lang, due=nudge.due.isoformat())
    parts = day_parts(nudge.due, lang)
    if days == 1:
        return t("nudge_tomorrow", lang, **parts)
    return t("nudge_before", lang, days=days, due=nudge.due.isoformat(),
             weekday=parts["weekday"])


def _last_report(report: ReportRef | None, tz, lang: str, recurring: bool = False) -> str:
    if report is None:  # of this occurrence: another's report says nothing about it
        return t("nudge_no_report_period" if recurring else "nudge_no_report", lang)
    when = report.at.astimezone(tz)
    note = f" {escape(report.note)}" if report.note else ""
    return t("nudge_last_report", lang, when=f"{when:%Y-%m-%d}", percent=report.percent) + note


def compose_nudges(nudges: list[Nudge], ctx: NudgeContext, today: date, tz,
                   lang: str = "zh") -> str:
    """One message for all of today's nudges, by department, mentioning who must act."""
    by_dept: dict[str, list[Nudge]] = defaultdict(list)
    for nudge in sorted(nudges, key=lambda n: (n.kind not in ("overdue", "missed"), n.due,
                                               n.task_id)):
        by_dept[nudge.dept].append(nudge)
    lines = [t("nudge_header", lang, date=today.isoformat())]
    for code in sorted(by_dept, key=lambda c: ctx.departments[c]["position"]):
        dept = ctx.departments[code]
        # the department's block in the group's language, then again in the language of any
        # of its liaisons who read another (what is addressed to someone is in theirs)
        readers = by_language(ctx.liaisons.get(code, []), lang)
        for reader, people in readers.items():
            if reader != lang and not people:
                continue
            lines += ["", f"【{escape(dept_label(dept, reader))}】{people}"]
            for nudge in by_dept[code]:
                task = ctx.tasks[nudge.task_id]
                mark = ("🔴" if nudge.kind in ("overdue", "missed")
                        else "🔵" if nudge.days <= 7 else "⏰")
                lines.append(f"{mark} <b>{task.id}</b> {escape(field(task, 'title', reader))}"
                             + t("nudge_line", reader, clause=task.clause,
                                 when=Html(_when(nudge, today, reader)),
                                 last=Html(_last_report(ctx.last_reports.get(nudge.key), tz,
                                                        reader, task.recurring))))
    if any(n.kind in ("overdue", "missed") for n in nudges) and ctx.coordinators:
        people = " ".join(mention(m["user_id"], m["name"]) for m in ctx.coordinators)
        lines += ["", t("nudge_escalate", lang, people=Html(people))]
    return "\n".join(lines)


def nudge_batches(nudges: list[Nudge], ctx: NudgeContext, today: date, tz,
                  limit: int = 4096) -> list[list[Nudge]]:
    """Whole departments per message, as many as fit under Telegram's limit, so each message's
    nudges can be marked sent as soon as it is delivered."""
    by_dept: dict[str, list[Nudge]] = defaultdict(list)
    for nudge in nudges:
        by_dept[nudge.dept].append(nudge)
    batches: list[list[Nudge]] = []
    for code in sorted(by_dept, key=lambda c: ctx.departments[c]["position"]):
        block = by_dept[code]
        if batches and len(compose_nudges(batches[-1] + block, ctx, today, tz)) <= limit:
            batches[-1] += block
        else:
            batches.append(list(block))
    return batches

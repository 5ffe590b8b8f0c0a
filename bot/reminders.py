"""Which nudges and escalations are due at a given moment, and what they say.

The policy is pure (`nudge_for`, `reminders_due`, `compose_nudges`); `scan` only gathers the views.
A task gets at most one nudge per scan: the most recent one whose day has come. Older ones that were
missed (the bot was down) are superseded rather than sent late, and the outbox's unique key
(task, due date, offset) makes sure none is ever sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from sqlite_utils import Database

from bot.directory import catalogue, coordinators, liaisons_of
from bot.i18n import Html, t
from bot.progress import TaskView, latest_row, view_tasks, window
from bot.replies import mention
from bot.views import title_of
from bot.workdays import is_workday, workday_on_or_before


@dataclass(frozen=True)
class NudgePolicy:
    offsets: tuple[int, ...] = (30, 7, 3, 1, 0)  # days before the due date; 0 is the day itself
    escalate_every: int = 7  # overdue escalations: the day after, then every this many days
    workdays_only: bool = True  # move nudges off weekends and official holidays


@dataclass(frozen=True)
class Nudge:
    task_id: str
    dept: str
    due: date
    kind: str  # before | today | overdue | missed (a recurring occurrence that passed undone)
    days: int  # days before the due date, or days overdue
    send_on: date

    @property
    def key(self) -> str:
        if self.kind == "missed":
            return f"nudge:{self.task_id}:{self.due.isoformat()}:missed"
        offset = -self.days if self.kind == "overdue" else self.days
        return f"nudge:{self.task_id}:{self.due.isoformat()}:{offset}"


def schedule(due: date, today: date, policy: NudgePolicy) -> list[Nudge]:
    """Every nudge of one due date whose day is today or earlier (task fields left blank)."""
    planned = []
    for offset in sorted(set(policy.offsets), reverse=True):
        send_on = due - timedelta(days=offset)
        if policy.workdays_only:
            send_on = workday_on_or_before(send_on)
        planned.append(Nudge("", "", due, "today" if offset == 0 else "before", offset, send_on))
    # Only the last two escalation steps can be the newest one whose (moved) day has come.
    steps = (today - due).days - 1
    first = max(0, steps // policy.escalate_every - 1) if steps >= 0 else 0
    overdue_day = due + timedelta(days=1 + first * policy.escalate_every)
    while overdue_day <= today:
        send_on = overdue_day
        if policy.workdays_only:
            # Escalations move forward, not back: the day before would not be overdue yet.
            while not is_workday(send_on):
                send_on += timedelta(days=1)
        planned.append(Nudge("", "", due, "overdue", (overdue_day - due).days, send_on))
        overdue_day += timedelta(days=policy.escalate_every)
    return [n for n in planned if n.send_on <= today]


def nudge_for(view: TaskView, today: date, policy: NudgePolicy) -> Nudge | None:
    """The one nudge a task should get today, if any."""
    due = view.status.due
    if due is None or view.status.done:
        return None
    muted = view.task.get("muted_until")
    if muted and date.fromisoformat(muted) >= today:
        return None
    due_now = schedule(due, today, policy)
    if not due_now:
        return None
    latest = max(due_now, key=lambda n: (n.send_on, n.kind == "overdue", -n.days
                                          if n.kind != "overdue" else n.days))
    return Nudge(view.task["id"], view.task["dept"], due, latest.kind, latest.days,
                 latest.send_on)


def reminders_due(views: list[TaskView], today: date, policy: NudgePolicy) -> list[Nudge]:
    """The nudges due today across the plan, one per task (or per missed occurrence)."""
    return [n for v in views if (n := nudge_for(v, today, policy)) is not None]


# ---------------------------------------------------------------- gathering


def _missed_occurrences(db: Database, tasks: list[dict[str, Any]], today: date
                        ) -> list[tuple[dict[str, Any], date]]:
    """(task, due date) of each recurring duty's previous occurrence that ended undone."""
    missed = []
    for task in tasks:
        if not task["recurrence"]:
            continue
        opens, _, _ = window(task, today)
        previous_due = opens - timedelta(days=1)
        if previous_due < date.fromisoformat(task["start"]):
            continue
        # Reports land in the occurrence that is current when they are made, so the newest row
        # of that period is its final word; one indexed lookup, no history scan.
        row = latest_row(db, task["id"], previous_due.isoformat())
        if not (row and (row["kind"] == "close" or row["percent"] >= 100)):
            missed.append((task, previous_due))
    return missed


def scan(db: Database, now: datetime, policy: NudgePolicy) -> list[Nudge]:
    """Everything to nudge about as of `now`: current occurrences and missed previous ones."""
    tasks = list(catalogue(db).tasks)
    views = view_tasks(db, tasks, now, whole_plan=True)
    nudges = reminders_due(views, now.date(), policy)
    # A missed occurrence is escalated once (its key has no day count), the first time a scan
    # sees it; the duty itself has already rolled over to its next occurrence.
    for task, due in _missed_occurrences(db, tasks, now.date()):
        nudges.append(Nudge(task["id"], task["dept"], due, "missed", (now.date() - due).days,
                            now.date()))
    return nudges


# ---------------------------------------------------------------- wording


@dataclass
class NudgeContext:
    """Everything the wording needs besides the nudges, read once per message."""

    tasks: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, Any]]
    liaisons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    coordinators: list[dict[str, Any]] = field(default_factory=list)
    last_reports: dict[str, dict[str, Any]] = field(default_factory=dict)


def nudge_context(db: Database, nudges: list[Nudge]) -> NudgeContext:
    ids = sorted({n.task_id for n in nudges})
    tasks = {row["id"]: row for row in db["tasks"].rows_where(
        f"id IN ({','.join('?' * len(ids))})", ids)} if ids else {}
    depts = {row["code"]: row for row in db["departments"].rows}
    last = {}
    for task_id in ids:
        rows = list(db.query(
            "SELECT * FROM reports WHERE task_id = ? AND revoked_at IS NULL AND kind = 'progress' "
            "ORDER BY id DESC LIMIT 1", [task_id]))
        if rows:
            last[task_id] = rows[0]
    return NudgeContext(tasks, depts, {d: liaisons_of(db, d) for d in {n.dept for n in nudges}},
                        coordinators(db), last)


def _when(nudge: Nudge, today: date, lang: str) -> str:
    if nudge.kind == "overdue":  # the key counts escalation steps; people want the real delay
        return t("nudge_overdue", lang, days=(today - nudge.due).days, due=nudge.due.isoformat())
    if nudge.kind == "missed":
        return t("nudge_missed", lang, due=nudge.due.isoformat())
    if nudge.kind == "today":
        return t("nudge_today", lang, due=nudge.due.isoformat())
    return t("nudge_before", lang, days=(nudge.due - today).days, due=nudge.due.isoformat())


def _last_report(row: dict[str, Any] | None, tz, lang: str) -> str:
    if row is None:
        return t("nudge_no_report", lang)
    when = datetime.fromisoformat(row["at"]).astimezone(tz)
    note = f" {escape(row['note'])}" if row["note"] else ""
    return t("nudge_last_report", lang, when=f"{when:%Y-%m-%d}", percent=row["percent"]) + note


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
        people = " ".join(mention(m["user_id"], m["name"]) for m in ctx.liaisons.get(code, []))
        lines += ["", f"【{escape(dept['short'] if lang == 'zh' else dept['name_en'])}】{people}"]
        for nudge in by_dept[code]:
            task = ctx.tasks[nudge.task_id]
            mark = ("🔴" if nudge.kind in ("overdue", "missed")
                    else "🔵" if nudge.days <= 7 else "⏰")
            lines.append(f"{mark} <b>{task['id']}</b> {escape(title_of(task, lang))}"
                         f"({escape(task['clause'])}):{_when(nudge, today, lang)}。"
                         f"{_last_report(ctx.last_reports.get(task['id']), tz, lang)}")
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

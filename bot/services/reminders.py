"""Which nudges and escalations are due at a given moment, and what they say.

The policy is pure (`nudge_for`, `reminders_due`, `compose_nudges`); `scan` only gathers the views.
A task gets at most one nudge per scan: the most recent one whose day has come. Older ones that were
missed (the bot was down) are superseded rather than sent late, and the outbox's unique key
(task, due date, offset) makes sure none is ever sent twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.lifecycle import State, from_record
from bot.language.workdays import is_workday, workday_on_or_before
from bot.services.directory import catalogue, coordinators, liaisons_of
from bot.services.progress import TaskView, latest_row, view_tasks, window
from bot.store import outbox


@dataclass(frozen=True)
class NudgePolicy:
    offsets: tuple[int, ...] = (30, 7, 3, 1, 0)  # days before the due date; 0 is the day itself
    escalate_every: int = 7  # overdue escalations: the day after, then every this many days
    workdays_only: bool = True  # move nudges off weekends and official holidays
    track_from: date | None = None  # occurrences that ended before this are never escalated


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
    if due is None or view.status.done or view.status.status == "suspended":
        return None
    if _muted(view.task, today):
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


def _muted(task: dict[str, Any], today: date) -> bool:
    muted = task.get("muted_until")
    return bool(muted and date.fromisoformat(muted) >= today)


# What a finished occurrence may end as without being "undone": checked, claimed or suspended.
SETTLED = frozenset({State.CLOSED, State.CLAIMED, State.SUSPENDED})


def _missed_occurrences(db: Database, tasks: list[dict[str, Any]], today: date,
                        track_from: date | None) -> list[tuple[dict[str, Any], date]]:
    """(task, due date) of each recurring duty's previous occurrence that ended undone. A muted
    or suspended duty, and an occurrence that ended before tracking began, are never escalated."""
    missed = []
    for task in tasks:
        if not task["recurrence"] or _muted(task, today):
            continue
        opens, _, current = window(task, today)
        previous_due = opens - timedelta(days=1)
        if previous_due < date.fromisoformat(task["start"]):
            continue
        if track_from is not None and previous_due < track_from:
            continue
        if from_record(latest_row(db, task["id"], current), True).state is State.SUSPENDED:
            continue
        # Reports land in the occurrence that is current when they are made, so the newest row
        # of that period is its final word; one indexed lookup, no history scan.
        row = latest_row(db, task["id"], previous_due.isoformat())
        if row is None or from_record(row, True).state not in SETTLED:
            missed.append((task, previous_due))
    return missed


def scan(db: Database, now: datetime, policy: NudgePolicy) -> list[Nudge]:
    """Everything to nudge about as of `now`: current occurrences and missed previous ones."""
    tasks = list(catalogue(db).tasks)
    views = view_tasks(db, tasks, now, whole_plan=True)
    nudges = reminders_due(views, now.date(), policy)
    # A missed occurrence is escalated once (its key has no day count), the first time a scan
    # sees it; the duty itself has already rolled over to its next occurrence.
    for task, due in _missed_occurrences(db, tasks, now.date(), policy.track_from):
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
            "SELECT * FROM reports WHERE task_id = ? AND revoked_at IS NULL "
            "AND kind IN ('progress', 'claim') "
            "ORDER BY id DESC LIMIT 1", [task_id]))
        if rows:
            last[task_id] = rows[0]
    return NudgeContext(tasks, depts, {d: liaisons_of(db, d) for d in {n.dept for n in nudges}},
                        coordinators(db), last)


def prepare_nudges(db: Database, now: datetime, policy: NudgePolicy, chat_id: int | None,
                   record: bool = True) -> list[tuple[int, Nudge]]:
    """Record today's nudges (unless `record` is off: the sweep only sends what was recorded)
    and return the unsent ones among them. An older unsent nudge (the bot could not post it) is
    superseded, not sent late: today's scan already says what is due now, and a task done or
    muted since gets nothing."""
    due_now = scan(db, now, policy)
    if record:
        for nudge in due_now:
            outbox.enqueue(db, key=nudge.key, kind="nudge", chat_id=chat_id,
                           payload=asdict(nudge), now=now)
    keys = {nudge.key for nudge in due_now}
    pending = []
    for row in outbox.unsent(db, "nudge"):
        if row["key"] not in keys:
            outbox.mark_superseded(db, [row["id"]], now, "no longer due")
            continue
        data = dict(row["payload"])
        data["due"] = date.fromisoformat(data["due"])
        data["send_on"] = date.fromisoformat(data["send_on"])
        pending.append((row["id"], Nudge(**data)))
    return pending

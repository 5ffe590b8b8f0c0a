"""Which nudges and escalations are due at a given moment, and what they say.

The policy is pure (`nudge_for`, `reminders_due`, `missed`); `scan` reads the facts.
A task gets at most one nudge per scan: the most recent one whose day has come. Older ones that were
missed (the bot was down) are superseded rather than sent late, and the outbox's unique key
(task, due date, offset) makes sure none is ever sent twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.facts import ReportRef, TaskFacts
from bot.domain.lifecycle import OPEN, State
from bot.domain.task import Task
from bot.language.workdays import is_workday, workday_on_or_before
from bot.services.directory import catalogue, coordinators, liaisons_of, staffed_departments
from bot.services.facts import facts_now
from bot.store import outbox
from bot.store.plan import tasks_by_id


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
    late: int | None = None  # days overdue as the facts count them (from tracking start at most)
    before_tracking: bool = False  # fell due before tracking began (overdue counted from then)
    period: str = ""  # the occurrence of a recurring duty it is about

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


def nudge_for(view: TaskFacts, today: date, policy: NudgePolicy) -> Nudge | None:
    """The one nudge a task should get today, if any: about the occurrence in force (earlier
    occurrences left open are escalated once each as missed, see `scan`)."""
    occurrence = view.current
    status = occurrence.status
    due = status.due
    if due is None or status.done or status.status == "suspended":
        return None
    if view.task.muted(today):
        return None
    due_now = schedule(due, today, policy)
    if not due_now:
        return None
    latest = max(due_now, key=lambda n: (n.send_on, n.kind == "overdue", -n.days
                                          if n.kind != "overdue" else n.days))
    late = -status.days_left if status.overdue and status.days_left is not None else None
    return Nudge(view.task.id, view.task.dept, due, latest.kind, latest.days, latest.send_on,
                 late, status.overdue and not occurrence.tracked,
                 occurrence.period if view.task.recurring else "")


def reminders_due(views: list[TaskFacts], today: date, policy: NudgePolicy) -> list[Nudge]:
    """The nudges due today across the plan, one per task (or per missed occurrence)."""
    return [n for v in views if (n := nudge_for(v, today, policy)) is not None]


def missed(view: TaskFacts, today: date) -> list[Nudge]:
    """The earlier occurrences of a recurring duty left open (never reported, or reported and
    not finished), one escalation each: a muted or suspended duty is left alone, and nothing
    that fell due before tracking began exists in the facts."""
    if not view.task.recurring or view.task.muted(today) or view.current.state is State.SUSPENDED:
        return []
    return [Nudge(view.task.id, view.task.dept, o.due, "missed", (today - o.due).days, today,
                  period=o.period)
            for o in view.earlier if o.state in OPEN and o.due is not None and o.due < today]


def posts_today(today: date, policy: NudgePolicy) -> bool:
    """Whether the bot posts what it posts on its own today (nudges, escalations, missed
    occurrences, late-签收 lists, the digest): with WORKDAYS_ONLY, on working days only."""
    return not policy.workdays_only or is_workday(today)


def digest_day(week: date, weekday: int, policy: NudgePolicy) -> date:
    """The day the weekly digest of the ISO week holding `week` goes out: its weekday
    (DIGEST_DAY), with WORKDAYS_ONLY moved to the first working day from then (a Monday holiday
    moves it to Tuesday, a Sunday digest to Monday, a week of holidays to its make-up day)."""
    day = week - timedelta(days=week.weekday()) + timedelta(days=weekday)
    for _ in range(31):  # the longest break of the official calendar is well under a month
        if posts_today(day, policy):
            break
        day += timedelta(days=1)
    return day


def for_staffed(nudges: list[Nudge], staffed: set[str]) -> list[Nudge]:
    """The nudges somebody can read: a department without a liaison gets none, like its
    交办单 (held until its first liaison is approved); it is listed as unstaffed in /status
    and the digest meanwhile, and the first scan after a liaison is approved nudges it."""
    return [n for n in nudges if n.dept in staffed]


def scan(db: Database, now: datetime, policy: NudgePolicy) -> list[Nudge]:
    """Everything to nudge about as of `now`: occurrences in force and missed earlier ones, of
    departments with a liaison; nothing on a day off when the policy keeps to working days
    (what would have fallen due then is moved, or waits for the next working day's scan)."""
    today = now.date()
    if not posts_today(today, policy):
        return []
    facts = facts_now(db, now)
    nudges = reminders_due(facts.tasks, today, policy)
    # A missed occurrence is escalated once (its key has no day count), the first time a scan
    # sees it; the duty itself has already rolled over to its next occurrence.
    for view in facts.tasks:
        nudges += missed(view, today)
    return for_staffed(nudges, staffed_departments(db))


def prepare_nudges(db: Database, now: datetime, policy: NudgePolicy, chat_id: int | None,
                   record: bool = True) -> list[tuple[int, Nudge]]:
    """Record today's nudges in the outbox (unless `record` is off: the sweep only sends what
    was recorded) and return the unsent ones among them. An older unsent nudge (the bot could
    not post it) is superseded, not sent late: today's scan already says what is due now, and
    a task done or muted since gets nothing."""
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


# ---------------------------------------------------------------- wording


@dataclass
class NudgeContext:
    """Everything the wording needs besides the nudges, read once per message."""

    tasks: dict[str, Task]
    departments: dict[str, dict[str, Any]]
    liaisons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    coordinators: list[dict[str, Any]] = field(default_factory=list)
    # the newest report of the occurrence each nudge is about, by the nudge's key
    last_reports: dict[str, ReportRef] = field(default_factory=dict)


def nudge_context(db: Database, nudges: list[Nudge], now: datetime) -> NudgeContext:
    ids = sorted({n.task_id for n in nudges})
    facts = facts_now(db, now)
    views = {task_id: facts.task(task_id) for task_id in ids}
    tasks = {i: v.task for i, v in views.items() if v is not None}
    missing = [i for i in ids if i not in tasks]  # archived since the nudge was planned
    tasks.update(tasks_by_id(db, missing))
    last = {}
    for nudge in nudges:
        view = views.get(nudge.task_id)
        report = occurrence_report(view, nudge.due) if view is not None else None
        if report is not None:
            last[nudge.key] = report
    return NudgeContext(tasks, dict(catalogue(db).all_departments),
                        {d: liaisons_of(db, d) for d in {n.dept for n in nudges}},
                        coordinators(db), last)


def occurrence_report(view: TaskFacts, due: date) -> ReportRef | None:
    """The newest report of the task's occurrence due on `due` (never another occurrence's: a
    nudge about the June screening does not quote April's). A one-off task has one."""
    for occurrence in view.occurrences:
        if occurrence.due == due:
            return occurrence.latest_report
    return None if view.task.recurring else view.current.latest_report

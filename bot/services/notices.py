"""交办单 and 督办单: notices to a department that wait for its 签收 (acknowledgement).

A notice names one department and one or more of its tasks. It is recorded before it is posted
(with the 交办/催办 records of its tasks, in one transaction), and 签收 records an `ack` on each
of its tasks. Notices not acknowledged within ACK_WORKDAYS working days are reported to the
coordinator once. Chases climb the 三色督办单 ladder: the first chase of a task is blue, the second
yellow, the third and later red (CHASE_COLOURS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

from sqlite_utils import Database

from bot.domain.facts import Marks, notice_marks
from bot.domain.lifecycle import Event, State
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.workdays import add_workdays
from bot.services.commands import act, snapshot_of, transition
from bot.services.directory import find_task
from bot.store import notices as store
from bot.store import outbox, records

ASSIGN, CHASE = "assign", "chase"


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str  # assign | chase
    dept: str
    tasks: tuple[str, ...]
    colour: str | None
    at: str
    acked_at: str | None
    acked_by: int | None
    message_id: int | None
    chat_id: int | None = None
    marks: Marks = ()  # what became of its tasks since it was sent (`marks`)

    @classmethod
    def of(cls, row: dict[str, Any]) -> Notice:
        return cls(row["id"], row["kind"], row["dept"], tuple(json.loads(row["tasks"])),
                   row["colour"], row["at"], row["acked_at"], row["acked_by"], row["message_id"],
                   row.get("chat_id"))


class Acknowledged(NamedTuple):
    notice: Notice  # the notice signed
    tasks: list[str]  # its tasks acknowledged now
    also: list[Notice]  # older or newer notices of the department settled by the same 签收


def get(db: Database, notice_id: int) -> Notice | None:
    row = store.get(db, notice_id)
    return Notice.of(row) if row else None


def chase_colour(db: Database, task_id: str, colours: tuple[str, ...]) -> str:
    """The 三色 ladder: the n-th chase of a task takes the n-th colour, the last one after."""
    done = records.count_kind(db, task_id, "chase")
    return colours[min(done, len(colours) - 1)]


def chase(db: Database, *, user_id: int, tasks: list[Task], now: datetime,
          colours: tuple[str, ...], update_key: str | None = None,
          origin: dict[str, int | None] | None = None) -> Notice:
    """催办: one 督办单 for the given tasks of one department, each chase recorded, the notice's
    colour the highest rung any of its tasks reached. A replayed update finds its notice."""
    if not tasks:
        raise DubanError("chase_nothing")
    ladder = {colour: i for i, colour in enumerate(colours)}
    with db.atomic():
        done = records.by_update_key(db, f"{update_key}:{tasks[0].id}") if update_key else None
        if done and json.loads(done["data"] or "{}").get("notice"):
            found = get(db, json.loads(done["data"])["notice"])
            if found is not None:
                return found
        rungs = [chase_colour(db, task.id, colours) for task in tasks]
        colour = max(rungs, key=lambda c: ladder[c])
        notice_id = _insert(db, kind=CHASE, dept=tasks[0].dept, task_ids=[t.id for t in tasks],
                            colour=colour, at=now, by=user_id, origin=origin)
        for task, rung in zip(tasks, rungs, strict=True):
            act(db, event=Event.CHASE, user_id=user_id, task_ref=task, now=now,
                extra={"notice": notice_id, "colour": rung},
                update_key=f"{update_key}:{task.id}" if update_key else None)
    found = get(db, notice_id)
    assert found is not None
    return found


def assign(db: Database, *, user_id: int | None, tasks: list[Task], now: datetime,
           source: str = "telegram", origin: dict[str, int | None] | None = None) -> Notice:
    """交办: a notice for newly assigned tasks (or new deadlines) of one department; each task
    waits for 签收 (its ASSIGN record is written here unless the deadline change wrote it)."""
    with db.atomic():
        notice_id = _insert(db, kind=ASSIGN, dept=tasks[0].dept, task_ids=[t.id for t in tasks],
                            colour=None, at=now, by=user_id, origin=origin)
        for task in tasks:
            _, _, snap = snapshot_of(db, task, now.date())
            if snap.state != State.ASSIGNED:
                transition(db, task, Event.ASSIGN, user_id=user_id, now=now, source=source,
                           extra={"notice": notice_id})
    found = get(db, notice_id)
    assert found is not None
    return found


def _insert(db: Database, *, kind: str, dept: str, task_ids: list[str], colour: str | None,
            at: datetime, by: int | None, origin: dict[str, int | None] | None) -> int:
    """The notice and, in the same transaction, its post in the outbox (handlers/sender.py)."""
    notice_id = store.insert(db, kind=kind, dept=dept, task_ids=task_ids, colour=colour, at=at,
                             by=by)
    outbox.enqueue(db, key=f"notice:{notice_id}", kind="notice", chat_id=None,
                   payload={"notice": notice_id, **(origin or {})}, now=at)
    return notice_id


def enqueue_unposted(db: Database, now: datetime) -> int:
    """Notices recorded before their posts were kept in the outbox, still unposted: give each
    its outbox row (once); returns how many."""
    made = 0
    for notice in unposted(db):
        made += outbox.enqueue(db, key=f"notice:{notice.id}", kind="notice", chat_id=None,
                               payload={"notice": notice.id}, now=now) is not None
    return made


def unassigned(db: Database, tasks: list[Task], today: date) -> list[Task]:
    """Tasks nobody has assigned, reported on or acted on yet: the 交办 a first start (or a newly
    seeded task) owes its department. A recurring duty is assigned once, when first tracked: its
    交办 record falls in the occurrence of that day, and later occurrences continue a duty
    already signed for (bot.lifecycle.initial)."""
    seen = records.tasks_with_records(db, [task.id for task in tasks])
    return [task for task in tasks if task.id not in seen]


def acknowledge(db: Database, *, notice_id: int, user_id: int, now: datetime,
                update_key: str | None = None) -> Acknowledged:
    """签收 a notice: an `ack` on each of its tasks that is still open. Every other notice of the
    department that then has no task left to sign (four chases of one task: the newest signed
    settles the three before it) counts as signed too. A second 签收 of the same notice changes
    nothing."""
    notice = get(db, notice_id)
    if notice is None:
        raise DubanError("button_expired")
    if notice.acked_at:
        when = datetime.fromisoformat(notice.acked_at).astimezone(now.tzinfo)
        raise DubanError("notice_acked", at=f"{when:%Y-%m-%d %H:%M}")
    acked = []
    with db.atomic():
        for task_id in notice.tasks:
            task = find_task(db, task_id, include_archived=True)
            _, _, snap = snapshot_of(db, task, now.date())
            if snap.state in (State.CLOSED, State.SUSPENDED):
                continue
            act(db, event=Event.ACK, user_id=user_id, task_ref=task_id, now=now,
                extra={"notice": notice_id},
                update_key=f"{update_key}:{task_id}" if update_key else None)
            acked.append(task_id)
        store.mark_acknowledged(db, notice_id, at=now, by=user_id)
        also = []
        for other in unacknowledged(db, dept=notice.dept):
            if not outstanding(db, other, now):
                store.mark_acknowledged(db, other.id, at=now, by=user_id)
                also.append(other)
    found = get(db, notice_id)
    assert found is not None
    return Acknowledged(found, acked, also)


def marks(db: Database, notice: Notice, now: datetime) -> Marks:
    """What became of a notice's tasks since it was sent, from their facts now, by the one rule
    every list of notices uses (bot.domain.facts.notice_marks)."""
    from bot.services.facts import task_facts_now

    by_id = {task_id: task_facts_now(db, find_task(db, task_id, include_archived=True), now)
             for task_id in notice.tasks}
    return notice_marks(notice.tasks, datetime.fromisoformat(notice.at), by_id)


def outstanding(db: Database, notice: Notice, now: datetime) -> tuple[str, ...]:
    """The tasks of a notice still waiting for 签收: not acknowledged since it was sent (by this
    notice or any other), and neither closed nor suspended."""
    marked = dict(marks(db, notice, now))
    return tuple(task_id for task_id in notice.tasks if task_id not in marked)


def waiting(db: Database, notices: list[Notice], now: datetime) -> list[Notice]:
    """The notices with tasks still to sign, each naming every task it was sent for, marked."""
    out = []
    for notice in notices:
        marked = marks(db, notice, now)
        if len(marked) < len(notice.tasks):
            out.append(replace(notice, marks=marked))
    return out


def posted(db: Database, notice: Notice, chat_id: int, message_id: int) -> None:
    with db.atomic():
        store.mark_posted(db, notice.id, chat_id, message_id)


def ack_due(notice: Notice, tz: tzinfo | None, workdays: int) -> date:
    """The last day to 签收 a notice: `workdays` working days after the day it was sent, counted
    exactly as `parse-date "N个工作日内"` counts them (one function, bot.workdays). A `tz` of None
    reads the sending day in the machine's zone, as the day of a naive `now` is."""
    sent = datetime.fromisoformat(notice.at).astimezone(tz).date()
    return add_workdays(sent, workdays, strict=False)


def late(db: Database, now: datetime, workdays: int) -> list[Notice]:
    """Notices still unacknowledged after their last day to 签收, not yet reported."""
    overdue = [n for n in map(Notice.of, store.waiting_untold(db))
               if now.date() > ack_due(n, now.tzinfo, workdays)]
    return waiting(db, overdue, now)


def told_late(db: Database, notices: list[Notice], now: datetime) -> None:
    with db.atomic():
        for notice in notices:
            store.mark_told_late(db, notice.id, now)


def tell_late(db: Database, notices: list[Notice], now: datetime, text: str) -> str:
    """The coordinator's list of late notices, recorded in the outbox in the transaction that
    marks them told (so each is listed once, and the list is never lost); its outbox key."""
    key = f"late:{now.isoformat()}:{','.join(str(n.id) for n in notices)}"
    with db.atomic():
        outbox.enqueue(db, key=key, kind="message", chat_id=None,
                       payload={"text": text, "scheduled": 1}, now=now)
        told_late(db, notices, now)
    return key


def unposted(db: Database) -> list[Notice]:
    """Notices recorded but never posted (the bot stopped in between): posted at the next scan."""
    return [Notice.of(r) for r in store.unposted(db)]


def unacknowledged(db: Database, dept: str | None = None) -> list[Notice]:
    return [Notice.of(r) for r in store.unacknowledged(db, dept=dept)]

"""交办单 and 督办单: notices to a department that wait for its 签收 (acknowledgement).

A notice names one department and one or more of its tasks. It is recorded before it is posted
(with the 交办/催办 records of its tasks, in one transaction), and 签收 records an `ack` on each
of its tasks. Notices not acknowledged within ACK_WORKDAYS working days are reported to the
coordinator once. Chases climb the 三色督办单 ladder: the first chase of a task is blue, the second
yellow, the third and later red (CHASE_COLOURS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.lifecycle import Event, State
from bot.errors import DubanError
from bot.language.workdays import is_workday
from bot.services.directory import find_task
from bot.services.progress import act, snapshot_of, transition
from bot.store import outbox
from bot.store.connection import utc_iso

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

    @classmethod
    def of(cls, row: dict[str, Any]) -> Notice:
        return cls(row["id"], row["kind"], row["dept"], tuple(json.loads(row["tasks"])),
                   row["colour"], row["at"], row["acked_at"], row["acked_by"], row["message_id"])


def get(db: Database, notice_id: int) -> Notice | None:
    rows = list(db["notices"].rows_where("id = ?", [notice_id]))
    return Notice.of(rows[0]) if rows else None


def chase_colour(db: Database, task_id: str, colours: tuple[str, ...]) -> str:
    """The 三色 ladder: the n-th chase of a task takes the n-th colour, the last one after."""
    done = db.execute("SELECT count(*) FROM reports WHERE task_id = ? AND kind = 'chase' "
                      "AND revoked_at IS NULL", [task_id]).fetchone()[0]
    return colours[min(done, len(colours) - 1)]


def chase(db: Database, *, user_id: int, tasks: list[dict[str, Any]], now: datetime,
          colours: tuple[str, ...], update_key: str | None = None,
          origin: dict[str, int | None] | None = None) -> Notice:
    """催办: one 督办单 for the given tasks of one department, each chase recorded, the notice's
    colour the highest rung any of its tasks reached. A replayed update finds its notice."""
    if not tasks:
        raise DubanError("chase_nothing")
    ladder = {colour: i for i, colour in enumerate(colours)}
    with db.atomic():
        if update_key:
            done = db.execute("SELECT data FROM reports WHERE update_key = ?",
                              [f"{update_key}:{tasks[0]['id']}"]).fetchone()
            if done and json.loads(done[0] or "{}").get("notice"):
                return get(db, json.loads(done[0])["notice"])
        rungs = [chase_colour(db, task["id"], colours) for task in tasks]
        colour = max(rungs, key=lambda c: ladder[c])
        notice_id = _insert(db, CHASE, tasks[0]["dept"], [t["id"] for t in tasks], colour,
                            now, user_id, origin)
        for task, rung in zip(tasks, rungs, strict=True):
            act(db, event=Event.CHASE, user_id=user_id, task_ref=task["id"], now=now,
                extra={"notice": notice_id, "colour": rung},
                update_key=f"{update_key}:{task['id']}" if update_key else None)
    return get(db, notice_id)


def assign(db: Database, *, user_id: int | None, tasks: list[dict[str, Any]], now: datetime,
           source: str = "telegram", origin: dict[str, int | None] | None = None) -> Notice:
    """交办: a notice for newly assigned tasks (or new deadlines) of one department; each task
    waits for 签收 (its ASSIGN record is written here unless the deadline change wrote it)."""
    with db.atomic():
        notice_id = _insert(db, ASSIGN, tasks[0]["dept"], [t["id"] for t in tasks], None, now,
                            user_id, origin)
        for task in tasks:
            _, _, snap = snapshot_of(db, task, now.date())
            if snap.state != State.ASSIGNED:
                transition(db, task, Event.ASSIGN, user_id=user_id, now=now, source=source,
                           extra={"notice": notice_id})
    return get(db, notice_id)


def unassigned(db: Database, tasks: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """One-off tasks nobody has assigned, reported on or acted on yet: the 交办 a first start
    (or a newly seeded task) owes its department."""
    fresh = []
    for task in tasks:
        if task["recurrence"]:
            continue
        seen = db.execute("SELECT 1 FROM reports WHERE task_id = ? LIMIT 1", [task["id"]]
                          ).fetchone()
        if not seen:
            fresh.append(task)
    return fresh


def acknowledge(db: Database, *, notice_id: int, user_id: int, now: datetime,
                update_key: str | None = None) -> tuple[Notice, list[str]]:
    """签收 a notice: an `ack` on each of its tasks that is still open. Returns the notice and
    the tasks acknowledged. A second 签收 of the same notice changes nothing."""
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
        db["notices"].update(notice_id, {"acked_at": utc_iso(now), "acked_by": user_id})
    return get(db, notice_id), acked


def posted(db: Database, notice: Notice, chat_id: int, message_id: int) -> None:
    db["notices"].update(notice.id, {"chat_id": chat_id, "message_id": message_id})


def late(db: Database, now: datetime, workdays: int) -> list[Notice]:
    """Notices still unacknowledged after `workdays` working days, not yet reported."""
    out = []
    for row in db["notices"].rows_where("acked_at IS NULL AND ack_late_told_at IS NULL",
                                        order_by="id"):
        sent = datetime.fromisoformat(row["at"]).astimezone(now.tzinfo).date()
        if working_days_between(sent, now.date()) >= workdays:
            out.append(Notice.of(row))
    return out


def told_late(db: Database, notices: list[Notice], now: datetime) -> None:
    for notice in notices:
        db["notices"].update(notice.id, {"ack_late_told_at": utc_iso(now)})


def tell_late(db: Database, notices: list[Notice], now: datetime, text: str) -> str:
    """The coordinator's list of late notices, recorded in the outbox in the transaction that
    marks them told (so each is listed once, and the list is never lost); its outbox key."""
    key = f"late:{utc_iso(now)}:{','.join(str(n.id) for n in notices)}"
    with db.atomic():
        outbox.enqueue(db, key=key, kind="message", chat_id=None,
                       payload={"text": text, "scheduled": 1}, now=now)
        told_late(db, notices, now)
    return key


def unposted(db: Database) -> list[Notice]:
    """Notices recorded but never posted (the bot stopped in between): posted at the next scan."""
    return [Notice.of(r) for r in db["notices"].rows_where(
        "message_id IS NULL AND acked_at IS NULL", order_by="id")]


def unacknowledged(db: Database) -> list[Notice]:
    return [Notice.of(r) for r in db["notices"].rows_where("acked_at IS NULL", order_by="id")]


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the official calendar)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_workday(day)
    return days


def _insert(db: Database, kind: str, dept: str, task_ids: list[str], colour: str | None,
            now: datetime, user_id: int | None, origin: dict[str, int | None] | None) -> int:
    """The notice and, in the same transaction, its post in the outbox (handlers/sender.py)."""
    notice_id = db["notices"].insert({"kind": kind, "dept": dept,
                                      "tasks": json.dumps(task_ids), "colour": colour,
                                      "at": utc_iso(now), "by": user_id}).last_pk
    outbox.enqueue(db, key=f"notice:{notice_id}", kind="notice", chat_id=None,
                   payload={"notice": notice_id, **(origin or {})}, now=now)
    return notice_id


def enqueue_unposted(db: Database, now: datetime) -> int:
    """Notices recorded before their posts were kept in the outbox, still unposted: give each
    its outbox row (once); returns how many."""
    made = 0
    for notice in unposted(db):
        made += outbox.enqueue(db, key=f"notice:{notice.id}", kind="notice", chat_id=None,
                               payload={"notice": notice.id}, now=now) is not None
    return made

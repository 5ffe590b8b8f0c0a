"""Reports and reviews of tasks, and the picture they add up to (per task, department, plan)."""

from __future__ import annotations

import json
import math
import re
import weakref
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlite_utils import Database

from bot.domain.access import Action, Actor, check_task
from bot.domain.lifecycle import ACTION_OF, OPEN, Event, Snapshot, from_record, step
from bot.domain.marks import STATES, STATUSES, TaskStatus, derive_status, percent_of
from bot.domain.recurrence import occurrence, parse_recurrence
from bot.errors import DubanError
from bot.language.i18n import Key
from bot.services.directory import actor, catalogue, dept_names, find_task
from bot.store import outbox
from bot.store.audit import audit
from bot.store.connection import utc_iso
from bot.store.records import refresh_latest

UNDO_WINDOW = timedelta(minutes=30)
SKIP_WORDS = frozenset({"无", "跳过", "没有", "略", "-", "—", "skip", "none", "no", "n/a"})
MAX_NOTE_CHARS = 500  # even escaped (& -> &amp;) a note line stays under one message


# ---------------------------------------------------------------- the window of a task


def window(task: dict[str, Any], today: date) -> tuple[date, date | None, str]:
    """(window start, due date, period key) of a task on `today`; recurring tasks by occurrence."""
    start = date.fromisoformat(task["start"])
    if task["recurrence"]:
        opens, due = occurrence(parse_recurrence(task["recurrence"]), start, today)
        return opens, due, due.isoformat()
    due_text = task.get("due_set") or task["due"]
    due = date.fromisoformat(due_text) if due_text else None
    return start, due, ""


def latest_row(db: Database, task_id: str, period: str) -> dict[str, Any] | None:
    rows = list(db.query(
        "SELECT * FROM reports WHERE task_id = ? AND period = ? AND revoked_at IS NULL "
        "ORDER BY id DESC LIMIT 1", [task_id, period]))
    return rows[0] if rows else None


def status_of(row: dict[str, Any] | None, task: dict[str, Any], opens: date, due: date | None,
              today: date) -> TaskStatus:
    """The mark of a task from its newest record (its lifecycle snapshot) and the time."""
    snap = from_record(row, bool(task["recurrence"]))
    return derive_status(snap, reported=row is not None and snap.reported, start=opens, due=due,
                         today=today)


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Recorded:
    report: dict[str, Any]
    task: dict[str, Any]
    status: TaskStatus
    duplicate: bool = False  # the same update was already recorded: nothing new was written


def authorise(db: Database, user_id: int, action: Action, task: dict[str, Any]) -> Actor:
    """The rule book (bot.domain.access) decides; the refusal names departments in both languages."""
    who = actor(db, user_id)
    check_task(who, action, task, dept_names(db))
    return who


def task_version(db: Database, task_id: str) -> int:
    """Moves on every change to the task's record (a record added or one taken back): a button
    or a question made for one version is stale under another."""
    count, revoked = db.execute(
        "SELECT count(*), count(revoked_at) FROM reports WHERE task_id = ?", [task_id]).fetchone()
    return count + revoked


def last_change(db: Database, task_id: str) -> dict[str, Any] | None:
    """The newest change to a task's record (a record, or the taking back of one)."""
    rows = list(db.query(
        "SELECT * FROM reports WHERE task_id = ? ORDER BY coalesce(revoked_at, at) DESC, id DESC "
        "LIMIT 1", [task_id]))
    return rows[0] if rows else None


def stale(db: Database, task_id: str, tz: tzinfo | None) -> DubanError:
    """The refusal of a button or answer made for an older version of the task, saying what
    changed since ('T45 已于 11-29 10:02 被退回，此按钮已失效')."""
    row = last_change(db, task_id)
    if row is None:
        return DubanError("button_expired")
    kind = "undo" if row["revoked_at"] else row["kind"]
    when = datetime.fromisoformat(row["revoked_at"] or row["at"]).astimezone(tz)
    return DubanError("button_stale", task=task_id, when=f"{when:%m-%d %H:%M}",
                      change=Key(f"change.{kind}"))


def snapshot_of(db: Database, task: dict[str, Any], today: date, period: str | None = None
                ) -> tuple[tuple[date, date | None, str], dict[str, Any] | None, Snapshot]:
    """(window, newest valid record, the snapshot it carries) of the task's current period, or
    of an earlier `period` of a recurring duty (a claim checked after its term ended)."""
    opens, due, current = window(task, today)
    if period is not None and period != current and task["recurrence"]:
        due = date.fromisoformat(period)
    else:
        period = current
    row = latest_row(db, task["id"], period)
    return (opens, due, period), row, from_record(row, bool(task["recurrence"]))


def _replayed(db: Database, update_key: str | None, today: date) -> Recorded | None:
    if not update_key:
        return None
    rows = list(db["reports"].rows_where("update_key = ?", [update_key]))
    if not rows:
        return None
    task = find_task(db, rows[0]["task_id"], include_archived=True)
    (opens, due, _), _, _ = snapshot_of(db, task, today)
    return Recorded(rows[0], task, status_of(rows[0], task, opens, due, today), duplicate=True)


# Records the coordinator must decide on get a card in the group, recorded in the outbox in the
# record's own transaction: whatever becomes of the acknowledgement (or of the process), the
# card goes out once (handlers/sender.py).
CARDS = {Event.CLAIM: "review", Event.EXTEND_REQUEST: "extension"}


def transition(db: Database, task: dict[str, Any], event: Event, *, user_id: int | None,
               now: datetime, update_key: str | None = None, version: int | None = None,
               note: str = "", source: str = "telegram", extra: dict[str, Any] | None = None,
               columns: dict[str, Any] | None = None, period: str | None = None,
               origin: dict[str, int | None] | None = None, **change: Any) -> Recorded:
    """The one way a task's record changes: check who may (bot.domain.access) and whether the
    lifecycle allows it now (bot.domain.lifecycle), then append the record with the snapshot after it,
    all in one transaction. `version`, when given, is the version the caller saw (a button's or
    a question's): a task changed since is refused with what changed. `period` names the
    occurrence a button was made for, so a claim is checked in its own term after the next began."""
    today = now.date()
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise DubanError("note_too_long", limit=MAX_NOTE_CHARS)
    with db.atomic():
        replay = _replayed(db, update_key, today)
        if replay:
            return replay
        who = authorise(db, user_id, ACTION_OF[event], task) if user_id else None
        if version is not None and task_version(db, task["id"]) != version:
            raise stale(db, task["id"], now.tzinfo)
        (opens, due, period), _, before = snapshot_of(db, task, today, period)
        after = step(before, event, task_id=task["id"], **change)
        data = {**after.data(), **(extra or {})}
        row = {
            "task_id": task["id"], "period": period, "kind": event.value,
            "percent": after.percent, "state": after.work, "value": after.value,
            "lifecycle": after.state.value,
            "data": json.dumps(data, ensure_ascii=False, default=str) if data else None,
            "note": note, "user_id": user_id,
            "dept": (who.dept if who and who.dept else task["dept"]),
            "at": utc_iso(now), "source": source, "update_key": update_key,
            **(columns or {}),
        }
        report_id = db["reports"].insert(row).last_pk
        refresh_latest(db, task["id"], period)
        if event in CARDS:
            # `origin`: the chat (and forum topic) the record came from, for when no
            # coordination group is configured or the card should stay in that topic.
            outbox.enqueue(db, key=f"{CARDS[event]}:{report_id}", kind=CARDS[event],
                           chat_id=None, payload={"report": report_id, **(origin or {})},
                           now=now)
        audit(db, at=now, actor=user_id or source, action=event.value, entity="reports",
              entity_id=report_id, detail={k: v for k, v in row.items() if v not in (None, "")})
        report = db["reports"].get(report_id)
    return Recorded(report, task, status_of(report, task, opens, due, today))


def record_report(
    db: Database,
    *,
    user_id: int,
    task_ref: str,
    now: datetime,
    percent: int | None = None,
    state: str | None = None,
    value: float | None = None,
    note: str = "",
    source: str = "telegram",
    update_key: str | None = None,
    unit: str | None = None,
    origin: dict[str, int | None] | None = None,
) -> Recorded:
    """Validate and append one progress report (a claim at 100%); acknowledge only from what this returns.

    With `unit` (a county-level unit named in the target's quotas) `value` is that unit's figure;
    the report then carries the city figure, the sum of every unit's newest value."""
    task = find_task(db, task_ref)
    replay = _replayed(db, update_key, now.date())
    if replay:
        return replay
    if percent is None and state is None and value is None:
        raise DubanError("report_empty")
    if percent is not None and (isinstance(percent, bool) or not 0 <= percent <= 100):
        raise DubanError("percent_range", percent=percent)
    if state is not None and state not in STATES:
        raise DubanError("state_unknown", state=state)
    if value is not None:
        if task["target_value"] is None:
            raise DubanError("value_not_target", task=task["id"])
        if not math.isfinite(value) or value > MAX_VALUE:
            raise DubanError("progress_unreadable", word=str(value))
        if value < 0:
            raise DubanError("value_negative", value=value)
    if state == "done" and percent is not None and percent < 100:
        raise DubanError("state_percent_conflict", percent=percent)
    if percent == 100 and state in ("blocked", "not_started", "in_progress"):
        raise DubanError("state_percent_100", state=Key(f"state.{state}"))
    authorise(db, user_id, Action.REPORT, task)  # who, before what the record says
    (_, _, period), previous, snap = snapshot_of(db, task, now.date())
    unit_value = None
    if unit is not None:
        unit, unit_value, value = _unit_report(db, task, period, unit, value)
    if value is None and previous:
        value = snap.value  # a measurement stands until a new one is reported
    effective = percent_of(percent, state, value if percent is None else None,
                           task["target_value"])
    if effective is None:
        effective = snap.percent
    if state is None:
        state = "done" if effective >= 100 else ("in_progress" if effective > 0 else "not_started")
    elif state == "in_progress" and effective >= 100:
        effective = 99  # said to be still in progress: a measurement at target is not a claim
    event = Event.CLAIM if state == "done" or effective >= 100 else Event.PROGRESS
    return transition(db, task, event, user_id=user_id, now=now, update_key=update_key,
                      note=note, source=source, percent=effective, work=state, value=value,
                      reason=(note or "").strip(), origin=origin,
                      columns={"unit": unit, "unit_value": unit_value})


def quotas_of(task: dict[str, Any]) -> dict[str, float]:
    """The county units' quotas of a numeric target ({} when the plan does not split it)."""
    return json.loads(task.get("unit_quotas") or "{}")


def unit_values(db: Database, task_id: str, period: str = "",
                at: datetime | None = None) -> dict[str, float]:
    """Each county unit's newest reported value for a task's period (as of `at` if given)."""
    when, params = ("", []) if at is None else (" AND at <= ?", [utc_iso(at)])
    rows = db.execute(
        "SELECT unit, unit_value FROM reports WHERE id IN (SELECT max(id) FROM reports "
        "WHERE task_id = ? AND period = ? AND unit IS NOT NULL AND revoked_at IS NULL"
        f"{when} GROUP BY unit)", [task_id, period, *params]).fetchall()
    return {unit: value for unit, value in rows}


def _unit_report(db: Database, task: dict[str, Any], period: str, unit: str,
                 value: float | None) -> tuple[str, float, float]:
    """(unit, the unit's value, the city figure) for a report of one county unit's value."""
    quotas = quotas_of(task)
    if not quotas:
        raise DubanError("unit_not_split", task=task["id"])
    name = unit.strip()
    if name not in quotas:  # '晋江' for '晋江市', '开发区' for '泉州开发区'
        matches = [u for u in quotas if name and (u.startswith(name) or name in u)]
        if len(matches) != 1:
            raise DubanError("unit_unknown", unit=unit, units="、".join(quotas))
        name = matches[0]
    if value is None:
        raise DubanError("unit_needs_value", task=task["id"])
    values = unit_values(db, task["id"], period)
    values[name] = value
    return name, value, sum(values.values())




def close_task(db: Database, *, user_id: int, task_ref: str, now: datetime, note: str = "",
               source: str = "telegram", update_key: str | None = None,
               version: int | None = None, period: str | None = None) -> Recorded:
    """The coordinator's check (核实销号) of a claim: the task, or its occurrence, is closed."""
    return transition(db, find_task(db, task_ref), Event.CLOSE, user_id=user_id, now=now,
                      note=note, source=source, update_key=update_key, version=version,
                      period=period)


def close_directly(db: Database, *, user_id: int, task_ref: str, reason: str, now: datetime,
                   version: int, source: str = "telegram",
                   update_key: str | None = None) -> Recorded:
    """直接销号: the coordinator closes a task nobody claimed, confirmed and with a reason."""
    return transition(db, find_task(db, task_ref), Event.DIRECT_CLOSE, user_id=user_id,
                      now=now, note=reason, reason=(reason or "").strip(), source=source,
                      update_key=update_key, version=version)


def reopen_task(db: Database, *, user_id: int, task_ref: str, reason: str, now: datetime,
                source: str = "telegram", update_key: str | None = None,
                version: int | None = None, period: str | None = None) -> Recorded:
    """退回 a claim, or reverse a closure, with a reason. Progress returns to the last report
    below 100%; the earlier records (a 受阻 reason among them) stay in the history."""
    task = find_task(db, task_ref)
    (_, _, period), _, _ = snapshot_of(db, task, now.date(), period)
    before = db.execute(
        "SELECT percent, value FROM reports WHERE task_id = ? AND period = ? AND revoked_at IS NULL "
        "AND kind IN ('progress', 'reopen') AND percent < 100 ORDER BY id DESC LIMIT 1",
        [task["id"], period]).fetchone()
    return transition(db, task, Event.REOPEN, user_id=user_id, now=now, note=reason,
                      reason=(reason or "").strip(), source=source, update_key=update_key,
                      version=version, period=period, percent=before[0] if before else 0,
                      value=before[1] if before else None)


def act(db: Database, *, event: Event, user_id: int, task_ref: str, now: datetime,
        reason: str = "", version: int | None = None, update_key: str | None = None,
        extension: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
        origin: dict[str, int | None] | None = None) -> Recorded:
    """签收, 催办, 中止, 恢复 and the extension's request and refusal: records that change the
    task's standing, not its reported progress."""
    return transition(db, find_task(db, task_ref), event, user_id=user_id, now=now,
                      note=reason, reason=(reason or "").strip(), version=version,
                      update_key=update_key, extension=extension, extra=extra, origin=origin)


def request_extension(db: Database, *, user_id: int, task_ref: str, due: date, reason: str,
                      now: datetime, update_key: str | None = None,
                      origin: dict[str, int | None] | None = None) -> Recorded:
    """延期申请: before the due date, with a new date and a reason."""
    task = find_task(db, task_ref)
    (_, current, _), _, _ = snapshot_of(db, task, now.date())
    if task["recurrence"] or current is None:
        raise DubanError("extension_no_due", task=task["id"])
    if not (reason or "").strip():
        raise DubanError("extension_reason")
    if now.date() > current:
        raise DubanError("extension_too_late", task=task["id"], date=current.isoformat())
    if due <= current:
        raise DubanError("extension_not_later", task=task["id"], date=current.isoformat())
    return act(db, event=Event.EXTEND_REQUEST, user_id=user_id, task_ref=task["id"], now=now,
               reason=reason, update_key=update_key, origin=origin,
               extension={"due": due.isoformat(), "reason": reason.strip(),
                          "by": str(user_id), "from": current.isoformat()})


def decide_extension(db: Database, *, user_id: int, task_ref: str, approve: bool, now: datetime,
                     version: int, reason: str = "", update_key: str | None = None) -> Recorded:
    """The coordinator approves (the new date becomes the deadline, the original stays on
    record) or refuses (with a reason) a pending extension request."""
    task = find_task(db, task_ref)
    (_, current, _), _, snap = snapshot_of(db, task, now.date())
    asked = snap.extension or {}
    if approve and asked and current and date.fromisoformat(asked["due"]) <= current:
        # the deadline moved past the request meanwhile: approving must never shorten it
        raise DubanError("extension_obsolete", task=task["id"], date=current.isoformat())
    if not approve:
        return act(db, event=Event.EXTEND_REFUSE, user_id=user_id, task_ref=task["id"], now=now,
                   reason=reason, version=version, update_key=update_key,
                   extra={"refused": asked})
    with db.atomic():
        rec = act(db, event=Event.EXTEND_APPROVE, user_id=user_id, task_ref=task["id"], now=now,
                  version=version, update_key=update_key, extra={"approved": asked})
        if not rec.duplicate:
            db["tasks"].update(task["id"], {"due_set": asked["due"], "updated_at": utc_iso(now)})
            audit(db, at=now, actor=user_id, action="extension", entity="tasks",
                  entity_id=task["id"], detail={"from": asked.get("from"), "to": asked["due"],
                                                "original": task["due"]})
    return Recorded(rec.report, db["tasks"].get(task["id"]), rec.status, rec.duplicate)


def set_deadline(db: Database, *, user_id: int, task_ref: str, due: date,
                 now: datetime) -> dict[str, Any]:
    """The coordinator moves (or sets) a task's due date; the plan file's date stays on record,
    and the department is asked to acknowledge the new date (交办 again)."""
    task = find_task(db, task_ref)
    authorise(db, user_id, Action.MANAGE, task)
    if task["recurrence"]:
        raise DubanError("deadline_recurring", task=task["id"])
    if due < now.date():
        raise DubanError("deadline_past", date=due.isoformat())
    before = task.get("due_set") or task["due"]
    with db.atomic():
        change = {"due_set": due.isoformat(), "updated_at": utc_iso(now)}
        if not before:  # a standing duty gets a window: 序时进度 counts from today, not 2022
            change["start"] = now.date().isoformat()
        db["tasks"].update(task["id"], change)
        audit(db, at=now, actor=user_id, action="deadline", entity="tasks", entity_id=task["id"],
              detail={"from": before, "to": due.isoformat()})
        task = db["tasks"].get(task["id"])
        _, _, snap = snapshot_of(db, task, now.date())
        if snap.state in OPEN:
            transition(db, task, Event.ASSIGN, user_id=user_id, now=now,
                       note=due.isoformat(), extra={"due": due.isoformat(), "from": before})
    return task


def mute_task(db: Database, *, user_id: int, task_ref: str, until: date,
              now: datetime) -> dict[str, Any]:
    """Pause a task's nudges until `until` (inclusive); audited."""
    task = find_task(db, task_ref)
    authorise(db, user_id, Action.MANAGE, task)
    with db.atomic():
        db["tasks"].update(task["id"], {"muted_until": until.isoformat()})
        audit(db, at=now, actor=user_id, action="mute", entity="tasks", entity_id=task["id"],
              detail={"until": until.isoformat()})
    return db["tasks"].get(task["id"])


def undo_last(db: Database, *, user_id: int, now: datetime) -> dict[str, Any]:
    """Take back the caller's own newest report if it is under 30 minutes old and is still the
    task's newest record (kept, marked revoked): once anyone acted on the task after it (a check,
    a send-back, a chase), it stands, and the coordinator reverses a closure with /reopen."""
    rows = list(db.query(
        "SELECT * FROM reports WHERE user_id = ? AND kind IN ('progress', 'claim') "
        "AND revoked_at IS NULL ORDER BY id DESC LIMIT 1", [user_id]))
    if not rows:
        raise DubanError("undo_nothing")
    row = rows[0]
    if now - datetime.fromisoformat(row["at"]) > UNDO_WINDOW:
        raise DubanError("undo_too_late", minutes=int(UNDO_WINDOW.total_seconds() // 60))
    with db.atomic():
        newest = latest_row(db, row["task_id"], row["period"])
        if newest is None or newest["id"] != row["id"]:
            raise DubanError("undo_reviewed", task=row["task_id"])
        db["reports"].update(row["id"], {"revoked_at": utc_iso(now), "revoked_by": user_id})
        refresh_latest(db, row["task_id"], row["period"])
        audit(db, at=now, actor=user_id, action="undo", entity="reports", entity_id=row["id"])
    return row


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class TaskView:
    task: dict[str, Any]
    status: TaskStatus
    period: str
    latest: dict[str, Any] | None
    evidence: int = 0

    @property
    def value(self) -> float | None:
        return self.latest["value"] if self.latest else None


@dataclass
class DeptSummary:
    dept: dict[str, Any]
    tasks: list[TaskView]
    completion: float | None  # mean progress of its tasks, None if it has none
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def overdue(self) -> list[TaskView]:
        return [v for v in self.tasks if v.status.overdue]


@dataclass
class PlanSummary:
    at: datetime
    departments: list[DeptSummary]
    completion: float | None
    counts: dict[str, int]

    @property
    def tasks(self) -> list[TaskView]:
        return [v for d in self.departments for v in d.tasks]

    @property
    def overdue(self) -> list[TaskView]:
        return sorted((v for v in self.tasks if v.status.overdue),
                      key=lambda v: (v.status.due, v.task["id"]))

    @property
    def targets(self) -> list[TaskView]:
        return [v for v in self.tasks if v.task["target_value"] is not None]


def _in(column: str, values: list[str] | None) -> tuple[str, list[Any]]:
    if values is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(values))})", list(values)


def _latest_rows(db: Database, at: datetime | None, today: date,
                 task_ids: list[str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest valid report per (task, current period): kept on write for now, scanned for the
    past. Periods that ended before `today` are left out: recurring duties pile them up."""
    if at is None:
        only, ids = _in("l.task_id", task_ids)
        sql = ("SELECT r.* FROM task_latest l JOIN reports r ON r.id = l.report_id "
               f"WHERE (l.period = '' OR l.period >= ?){only}")
        params: list[Any] = [today.isoformat(), *ids]
    else:
        only, ids = _in("task_id", task_ids)
        sql = ("SELECT r.* FROM reports r JOIN (SELECT max(id) AS id FROM reports "
               f"WHERE revoked_at IS NULL AND at <= ? AND (period = '' OR period >= ?){only} "
               "GROUP BY task_id, period) m ON m.id = r.id")
        params = [utc_iso(at), today.isoformat(), *ids]
    return {(row["task_id"], row["period"]): row for row in db.query(sql, params)}


def _evidence_counts(db: Database, task_ids: list[str] | None) -> dict[str, int]:
    only, ids = _in("task_id", task_ids)
    return {row["task_id"]: row["n"] for row in db.query(
        f"SELECT task_id, count(*) AS n FROM evidence WHERE 1{only} GROUP BY task_id", ids)}


def view_tasks(db: Database, tasks: list[dict[str, Any]], now: datetime,
               historical: bool = False, whole_plan: bool = False) -> list[TaskView]:
    """The status of each task as of `now` (reports after `now` ignored when `historical`).
    With `whole_plan` the reads are not narrowed to the given ids (cheaper for every task)."""
    today = now.date()
    ids = None if whole_plan else [task["id"] for task in tasks]
    latest = _latest_rows(db, now if historical else None, today, ids)
    evidence = _evidence_counts(db, ids)
    views = []
    for task in tasks:
        opens, due, period = window(task, today)
        row = latest.get((task["id"], period))
        status = status_of(row, task, opens, due, today)
        views.append(TaskView(task, status, period, row, evidence.get(task["id"], 0)))
    return views


def _completion(views: list[TaskView]) -> float | None:
    # Standing duties count too: a department with only standing duties still shows how far its
    # liaison says the work has come, rather than a blank.
    return sum(v.status.percent for v in views) / len(views) if views else None


def _counts(views: list[TaskView]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for view in views:
        counts[view.status.status] += 1
    return counts


# Summaries as of today, per database, until anything is written. A summary depends on the data
# and on the day only, so /status asked again and again (as coordinators do) costs a lookup.
_summaries: weakref.WeakKeyDictionary[Database, tuple[tuple, dict[str | None, PlanSummary]]] = (
    weakref.WeakKeyDictionary())


def _data_version(db: Database) -> tuple[int, int]:
    # data_version moves when another connection commits; total_changes when this one writes.
    return db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes


def plan_summary(db: Database, now: datetime, historical: bool = False,
                 dept: str | None = None) -> PlanSummary:
    """Every department's (or one department's) tasks, completion and counts as of `now`."""
    if historical:
        return compute_plan_summary(db, now, historical=True, dept=dept)
    stamp = (now.date(), str(now.tzinfo), _data_version(db))
    kept = _summaries.get(db)
    if kept is None or kept[0] != stamp:
        kept = _summaries[db] = (stamp, {})  # anything kept before is stale
    if dept not in kept[1]:
        kept[1][dept] = compute_plan_summary(db, now, dept=dept)
    return replace(kept[1][dept], at=now)


def compute_plan_summary(db: Database, now: datetime, historical: bool = False,
                         dept: str | None = None) -> PlanSummary:
    """plan_summary without the cache."""
    kept = catalogue(db)
    depts = [d for d in kept.departments if dept is None or d["code"] == dept]
    tasks = [t for t in kept.tasks if dept is None or t["dept"] == dept]
    views = view_tasks(db, tasks, now, historical, whole_plan=dept is None)
    by_dept: dict[str, list[TaskView]] = {d["code"]: [] for d in depts}
    for view in views:
        by_dept.setdefault(view.task["dept"], []).append(view)
    summaries = [DeptSummary(d, by_dept[d["code"]], _completion(by_dept[d["code"]]),
                             _counts(by_dept[d["code"]])) for d in depts]
    shown = [v for s in summaries for v in s.tasks]
    return PlanSummary(now, summaries, _completion(shown), _counts(shown))


def task_view(db: Database, task_ref: str, now: datetime, historical: bool = False) -> TaskView:
    task = find_task(db, task_ref, include_archived=True)
    return view_tasks(db, [task], now, historical)[0]


def task_history(db: Database, task_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """Reports and reviews of a task, newest first, revoked ones included and marked."""
    return list(db.query(
        "SELECT r.*, m.name AS user_name FROM reports r LEFT JOIN members m ON m.user_id = r.user_id "
        "WHERE r.task_id = ? ORDER BY r.id DESC LIMIT ?", [task_id, limit]))


def parse_state(text: str) -> str | None:
    """A state word in Chinese or English ('已完成', 'done', '受阻' ...) to its code."""
    words = {
        "未开始": "not_started", "not_started": "not_started", "not started": "not_started",
        "进行中": "in_progress", "in_progress": "in_progress", "in progress": "in_progress",
        "已完成": "done", "完成": "done", "done": "done",
        "受阻": "blocked", "阻塞": "blocked", "blocked": "blocked",
    }
    return words.get(text.strip().lower())


@dataclass(frozen=True)
class ReportInput:
    percent: int | None = None
    state: str | None = None
    value: float | None = None
    note: str = ""
    unit: str | None = None  # a county unit (任务分解): `value` is that unit's figure


# Plain ASCII numbers only: float() would also take 'nan', '1e309' or '²'.
NUMBER_RE = re.compile(r"^-?\d{1,9}(\.\d{1,4})?$")
MAX_VALUE = 1e9


def parse_number(text: str) -> float | None:
    """'187', '-5', '12.5' as a number; anything else (1e309, nan, ², 一百) as None."""
    text = text.strip()
    return float(text) if NUMBER_RE.match(text) else None


def parse_progress_word(task: dict[str, Any], word: str) -> ReportInput | None:
    """'60', '60%', '已完成', '187所', '187' (a value when the task has a numeric target)."""
    word = word.strip()
    state = parse_state(word)
    if state:
        return ReportInput(state=state)
    unit = task["target_unit"] or ""
    if word.endswith(("%", "%")):
        number = parse_number(word[:-1])
        return ReportInput(percent=int(number)) if number is not None and number.is_integer() \
            else None
    if unit and unit != "%" and word.endswith(unit):
        word = word[: -len(unit)]
    number = parse_number(word)
    if number is None:
        return None
    if task["target_value"] is not None and task["target_unit"] != "%":
        return ReportInput(value=number)
    return ReportInput(percent=int(number)) if number.is_integer() else None


def _flags(words: list[str]) -> tuple[list[str], float | None, str | None]:
    """Take '--value 23' and '--unit 晋江市' out of the words (the rest stay in order)."""
    rest: list[str] = []
    value: float | None = None
    unit: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("--value", "--unit"):
            if i + 1 >= len(words):
                raise DubanError("report_usage")
            if word == "--value":
                value = parse_number(words[i + 1])
                if value is None:
                    raise DubanError("progress_unreadable", word=words[i + 1])
            else:
                unit = words[i + 1]
            i += 2
            continue
        rest.append(word)
        i += 1
    return rest, value, unit


def parse_report_args(task: dict[str, Any], words: list[str]) -> ReportInput:
    """The words after the task id in '/report T12 60 已完成初稿': progress, then the note.

    '/report T06 - --value 23 --unit 晋江市': '-' for no percent, a county unit's value."""
    words, flag_value, unit = _flags(words)
    if flag_value is not None or unit is not None:
        first = ReportInput()
        if words and words[0] == "-":
            words = words[1:]
        elif flag_value is None:  # '--unit 德化县' alone: the first word is the unit's value
            if not words:
                raise DubanError("report_usage")
            first = parse_progress_word(task, words[0]) or ReportInput()
            if first.value is None:
                raise DubanError("progress_unreadable", word=words[0])
            words = words[1:]
        # with --value given, whatever words remain are the note
        return ReportInput(first.percent, first.state,
                           flag_value if flag_value is not None else first.value,
                           " ".join(words).strip(), unit)
    if not words:
        raise DubanError("report_usage")
    first = parse_progress_word(task, words[0])
    if first is None:
        raise DubanError("progress_unreadable", word=words[0])
    rest = words[1:]
    state = first.state
    if rest and state is None and parse_state(rest[0]):  # '/report T12 30 受阻 经费未到位'
        state, rest = parse_state(rest[0]), rest[1:]
    return ReportInput(first.percent, state, first.value, " ".join(rest).strip())


def last_reporter(db: Database, task_id: str) -> dict[str, Any] | None:
    """Who made the newest standing progress report on a task (user_id, name), to tell them."""
    rows = list(db.query(
        "SELECT r.user_id, m.name FROM reports r LEFT JOIN members m ON m.user_id = r.user_id "
        "WHERE r.task_id = ? AND r.kind IN ('progress', 'claim') AND r.revoked_at IS NULL "
        "ORDER BY r.id DESC LIMIT 1", [task_id]))
    return rows[0] if rows else None


def get_report(db: Database, report_id: int) -> dict[str, Any] | None:
    rows = list(db["reports"].rows_where("id = ?", [report_id]))
    return rows[0] if rows else None


def reporter_of(db: Database, report: dict[str, Any]) -> dict[str, Any]:
    """The members row of a report's author ({} for the command line)."""
    if not report["user_id"]:
        return {}
    rows = list(db["members"].rows_where("user_id = ?", [report["user_id"]]))
    return rows[0] if rows else {}

"""Reports and reviews of tasks, and the picture they add up to (per task, department, plan)."""

from __future__ import annotations

import json
import math
import re
import weakref
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.db import audit, refresh_latest, utc_iso
from bot.directory import active_member, catalogue, find_task
from bot.errors import DubanError
from bot.policy import STATES, STATUSES, Latest, TaskStatus, derive_status, percent_of
from bot.recurrence import occurrence, parse_recurrence

UNDO_WINDOW = timedelta(minutes=30)
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


def _as_latest(row: dict[str, Any] | None) -> Latest | None:
    return Latest(row["kind"], row["percent"], row["state"]) if row else None


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Recorded:
    report: dict[str, Any]
    task: dict[str, Any]
    status: TaskStatus
    duplicate: bool = False  # the same update was already recorded: nothing new was written


def _replayed(db: Database, update_key: str | None, task: dict[str, Any], today: date
              ) -> Recorded | None:
    if not update_key:
        return None
    rows = list(db["reports"].rows_where("update_key = ?", [update_key]))
    if not rows:
        return None
    if rows[0]["task_id"] != task["id"]:  # the same message now names another task: say what
        task = find_task(db, rows[0]["task_id"], include_archived=True)  # it recorded before
    opens, due, _ = window(task, today)
    return Recorded(rows[0], task, derive_status(_as_latest(rows[0]), start=opens, due=due,
                                                 today=today), duplicate=True)


def authorise_report(member: dict[str, Any] | None, task: dict[str, Any]) -> dict[str, Any]:
    """A liaison acts only for their own department; a coordinator for any."""
    if member is None:
        raise DubanError("not_member")
    if member["role"] != "coordinator" and member["dept"] != task["dept"]:
        raise DubanError("wrong_dept", task=task["id"], dept=task["dept"])
    return member


def _insert(db: Database, row: dict[str, Any], *, now: datetime, actor: int | str,
            action: str) -> dict[str, Any]:
    with db.atomic():
        report_id = db["reports"].insert(row).last_pk
        refresh_latest(db, row["task_id"], row["period"])
        audit(db, at=now, actor=actor, action=action, entity="reports", entity_id=report_id,
              detail={k: v for k, v in row.items() if v is not None})
    return db["reports"].get(report_id)


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
) -> Recorded:
    """Validate and append one progress report; acknowledge only from what this returns.

    With `unit` (a county-level unit named in the target's quotas) `value` is that unit's figure;
    the report then carries the city figure, the sum of every unit's newest value."""
    task = find_task(db, task_ref)
    today = now.date()
    replay = _replayed(db, update_key, task, today)
    if replay:
        return replay
    member = authorise_report(active_member(db, user_id), task)
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
    note = (note or "").strip()
    if state == "blocked" and not note:
        raise DubanError("blocked_needs_note")
    if len(note) > MAX_NOTE_CHARS:
        raise DubanError("note_too_long", limit=MAX_NOTE_CHARS)

    opens, due, period = window(task, today)
    previous = latest_row(db, task["id"], period)
    if previous and previous["kind"] == "close":
        raise DubanError("task_closed", task=task["id"])
    unit_value = None
    if unit is not None:
        unit, unit_value, value = _unit_report(db, task, period, unit, value)
    if value is None and previous:
        value = previous["value"]  # a measurement stands until a new one is reported
    effective = percent_of(percent, state, value if percent is None else None,
                           task["target_value"])
    if effective is None:
        effective = previous["percent"] if previous and previous["percent"] is not None else 0
    if state is None:
        state = "done" if effective >= 100 else ("in_progress" if effective > 0 else None)
    if state == "done":
        effective = 100
    row = {
        "task_id": task["id"],
        "period": period,
        "kind": "progress",
        "percent": effective,
        "state": state,
        "value": value,
        "note": note,
        "user_id": user_id,
        "dept": member["dept"] or task["dept"],
        "at": utc_iso(now),
        "source": source,
        "update_key": update_key,
        "unit": unit,
        "unit_value": unit_value,
    }
    report = _insert(db, row, now=now, actor=user_id, action="report")
    status = derive_status(_as_latest(report), start=opens, due=due, today=today)
    return Recorded(report, task, status)


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


def _coordinator(db: Database, user_id: int) -> dict[str, Any]:
    member = active_member(db, user_id)
    if not member or member["role"] != "coordinator":
        raise DubanError("coordinator_only")
    return member


def _review(db: Database, user_id: int, task_ref: str, now: datetime, update_key: str | None
            ) -> tuple[dict[str, Any], Recorded | None, tuple[date, date | None, str],
                       dict[str, Any] | None]:
    """What close and reopen both need: the task, a replay, its window and its newest record."""
    task = find_task(db, task_ref)
    replay = _replayed(db, update_key, task, now.date())
    if replay is None:
        _coordinator(db, user_id)
    period_window = window(task, now.date())
    return task, replay, period_window, latest_row(db, task["id"], period_window[2])


def close_task(db: Database, *, user_id: int, task_ref: str, now: datetime, note: str = "",
               source: str = "telegram", update_key: str | None = None) -> Recorded:
    """The coordinator's check (核实销号): the task, or its current occurrence, is closed."""
    task, replay, (opens, due, period), previous = _review(db, user_id, task_ref, now,
                                                           update_key)
    if replay:
        return replay
    if previous and previous["kind"] == "close":
        raise DubanError("task_closed", task=task["id"])
    row = {"task_id": task["id"], "period": period, "kind": "close", "percent": 100,
           "state": "done", "value": previous["value"] if previous else None,
           "note": (note or "").strip(), "user_id": user_id, "dept": task["dept"],
           "at": utc_iso(now), "source": source, "update_key": update_key}
    report = _insert(db, row, now=now, actor=user_id, action="close")
    return Recorded(report, task, derive_status(_as_latest(report), start=opens, due=due,
                                                today=now.date()))


def reopen_task(db: Database, *, user_id: int, task_ref: str, reason: str, now: datetime,
                source: str = "telegram", update_key: str | None = None) -> Recorded:
    """Send a claimed or closed task back (退回) with a reason; progress returns below 100%."""
    task, replay, (opens, due, period), previous = _review(db, user_id, task_ref, now,
                                                           update_key)
    if replay:
        return replay
    reason = (reason or "").strip()
    if not reason:
        raise DubanError("reason_required")
    if not previous or not (previous["kind"] == "close" or previous["percent"] >= 100):
        raise DubanError("not_awaiting_check", task=task["id"])
    before = list(db.query(
        "SELECT percent FROM reports WHERE task_id = ? AND period = ? AND revoked_at IS NULL "
        "AND kind != 'close' AND percent < 100 ORDER BY id DESC LIMIT 1", [task["id"], period]))
    row = {"task_id": task["id"], "period": period, "kind": "reopen",
           "percent": before[0]["percent"] if before else 0, "state": "in_progress",
           "value": previous["value"], "note": reason, "user_id": user_id,
           "dept": task["dept"], "at": utc_iso(now), "source": source, "update_key": update_key}
    report = _insert(db, row, now=now, actor=user_id, action="reopen")
    return Recorded(report, task, derive_status(_as_latest(report), start=opens, due=due,
                                                today=now.date()))


def set_deadline(db: Database, *, user_id: int, task_ref: str, due: date,
                 now: datetime) -> dict[str, Any]:
    """The coordinator moves (or sets) a task's due date; the plan file's date stays on record."""
    _coordinator(db, user_id)
    task = find_task(db, task_ref)
    if task["recurrence"]:
        raise DubanError("deadline_recurring", task=task["id"])
    if due < now.date():
        raise DubanError("deadline_past", date=due.isoformat())
    before = task.get("due_set") or task["due"]
    with db.atomic():
        db["tasks"].update(task["id"], {"due_set": due.isoformat(), "updated_at": utc_iso(now)})
        audit(db, at=now, actor=user_id, action="deadline", entity="tasks", entity_id=task["id"],
              detail={"from": before, "to": due.isoformat()})
    return db["tasks"].get(task["id"])


def mute_task(db: Database, *, user_id: int, task_ref: str, until: date,
              now: datetime) -> dict[str, Any]:
    """Pause a task's nudges until `until` (inclusive); audited."""
    _coordinator(db, user_id)
    task = find_task(db, task_ref)
    with db.atomic():
        db["tasks"].update(task["id"], {"muted_until": until.isoformat()})
        audit(db, at=now, actor=user_id, action="mute", entity="tasks", entity_id=task["id"],
              detail={"until": until.isoformat()})
    return db["tasks"].get(task["id"])


def undo_last(db: Database, *, user_id: int, now: datetime) -> dict[str, Any]:
    """Take back the caller's newest report if it is under 30 minutes old (kept, marked revoked)."""
    rows = list(db.query(
        "SELECT * FROM reports WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
        [user_id]))
    if not rows:
        raise DubanError("undo_nothing")
    row = rows[0]
    if now - datetime.fromisoformat(row["at"]) > UNDO_WINDOW:
        raise DubanError("undo_too_late", minutes=int(UNDO_WINDOW.total_seconds() // 60))
    with db.atomic():
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
        status = derive_status(_as_latest(row), start=opens, due=due, today=today)
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
    return ReportInput(first.percent, first.state, first.value, " ".join(words[1:]).strip())

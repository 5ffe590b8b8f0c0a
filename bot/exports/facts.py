"""The facts every export and the scores read, gathered once from the record.

Three adapters stand in for the task lifecycle that is being built in parallel (签收
acknowledgements, 延期申请 extensions, 催办 chases). Each reads its table only if the table exists
and otherwise answers "nothing", so the exports work today and pick the real tables up later by
changing one function each:

  extension_of(db, task)     -> Extension | None  (today: a /deadline override later than the plan)
  chases_of(db, task_id)     -> Chases            (today: zero unless a `chases` table exists)
  acknowledged_of(db, task_id) -> datetime | None (today: None unless `acknowledgements` exists)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.i18n import field as named
from bot.progress import PlanSummary, TaskView, plan_summary, quotas_of, unit_values


@dataclass(frozen=True)
class Extension:
    original: date | None  # the deadline before the extension
    extended: date  # the deadline now in force
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Chases:
    count: int = 0
    unanswered: int = 0  # chases nobody acknowledged
    colours: tuple[str, ...] = ()  # blue | yellow | red, oldest first


def _exists(db: Database, table: str) -> bool:
    return db[table].exists()


def extension_of(db: Database, task: dict[str, Any]) -> Extension | None:
    """The approved extension of a task's deadline, if any.

    With an `extensions` table (the lifecycle's 延期申请: task_id, original_due, new_due, status,
    decided_at) the newest approved row; until then the nearest thing the record has: a deadline
    set with /deadline (tasks.due_set) later than the plan file's date.
    """
    if _exists(db, "extensions"):
        rows = list(db.query(
            "SELECT * FROM extensions WHERE task_id = ? AND status = 'approved' "
            "ORDER BY rowid DESC LIMIT 1", [task["id"]]))
        if rows:
            row = rows[0]
            decided = row.get("decided_at")
            return Extension(_day(row.get("original_due")), date.fromisoformat(row["new_due"]),
                             datetime.fromisoformat(decided) if decided else None)
        return None
    original, moved = _day(task.get("due")), _day(task.get("due_set"))
    if moved and (original is None or moved > original):
        return Extension(original, moved)
    return None


def chases_of(db: Database, task_id: str) -> Chases:
    """催办 sent about a task (the lifecycle's `chases` table: task_id, colour, acknowledged_at)."""
    if not _exists(db, "chases"):
        return Chases()
    rows = list(db.query("SELECT * FROM chases WHERE task_id = ? ORDER BY rowid", [task_id]))
    return Chases(len(rows), sum(1 for r in rows if not r.get("acknowledged_at")),
                  tuple(str(r.get("colour") or "") for r in rows))


def acknowledged_of(db: Database, task_id: str) -> datetime | None:
    """When the department signed for (签收) the task (`acknowledgements`: task_id, at)."""
    if not _exists(db, "acknowledgements"):
        return None
    row = db.execute("SELECT min(at) FROM acknowledgements WHERE task_id = ?",
                     [task_id]).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def _local(moment: datetime | None, at: datetime) -> datetime | None:
    return moment.astimezone(at.tzinfo) if moment and moment.tzinfo else moment


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# ---------------------------------------------------------------- one row per task


@dataclass(frozen=True)
class TaskFacts:
    view: TaskView
    dept_name: str
    with_names: tuple[str, ...]
    last_at: datetime | None
    last_by: str
    last_note: str
    extension: Extension | None
    chases: Chases
    acknowledged: datetime | None
    units: dict[str, float] = field(default_factory=dict)  # county unit -> reported value
    quotas: dict[str, float] = field(default_factory=dict)  # county unit -> its share of target

    @property
    def task(self) -> dict[str, Any]:
        return self.view.task

    @property
    def days_overdue(self) -> int:
        s = self.view.status
        return -s.days_left if s.overdue and s.days_left is not None else 0


@dataclass(frozen=True)
class Record:
    """Everything the ledger and the bulletin show, as of `at`."""

    at: datetime
    title: str
    document: str
    summary: PlanSummary
    tasks: list[TaskFacts]


def gather(db: Database, at: datetime, lang: str = "zh", historical: bool = False) -> Record:
    """The plan as of `at` with, per task, its last report, reporter, extension, chases, units."""
    import json


    summary = plan_summary(db, at, historical=historical)
    depts = {d["code"]: d for d in db["departments"].rows}
    names = {m["user_id"]: m["name"] or str(m["user_id"]) for m in db["members"].rows}
    facts = []
    for view in summary.tasks:
        task, latest = view.task, view.latest
        quotas = quotas_of(task)
        facts.append(TaskFacts(
            view=view,
            dept_name=named(depts[task["dept"]], "dept", lang),
            with_names=tuple(named(depts[c], "dept", lang)
                             for c in json.loads(task["with_depts"] or "[]") if c in depts),
            last_at=datetime.fromisoformat(latest["at"]).astimezone(at.tzinfo) if latest else None,
            last_by=(names.get(latest["user_id"], "") if latest and latest["user_id"] else
                     ("cli" if latest else "")),
            last_note=(latest["note"] or "") if latest else "",
            extension=extension_of(db, task),
            chases=chases_of(db, task["id"]),
            acknowledged=_local(acknowledged_of(db, task["id"]), at),
            units=unit_values(db, task["id"], view.period, at) if quotas else {},
            quotas=quotas,
        ))
    info = {row["key"]: row["value"] for row in db["meta"].rows}
    title = named(info, "plan", lang) or "duban"
    return Record(at, title, info.get("document", ""), summary, facts)

"""The facts every export and the scores read, gathered once from the record.

The task lifecycle (bot/domain/lifecycle.py) keeps 签收, 延期 and 催办 as records in `reports` (their
`kind` is the event); three adapters read them for the ledger, the bulletin and the scores:

  extension_of(db, task)        -> Extension | None  (the newest 'extend_approve' record)
  extensions_of(db, task, …)    -> [Extension]       (every approved extension, oldest first)
  chases_of(db, task_id, …)     -> Chases            ('chase' records, answered by a later 'ack')
  acknowledged_of(db, task_id)  -> datetime | None   (the 'ack' answering the newest 交办)

Each takes an optional `at`: records after it are not yet there (a historical ledger, the end of
a scored year). Revoked records never count. For every task at once, fetch
`lifecycle_records(db, at)` and pass each task's list as `records=` (one query, not 3 per task).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.language.i18n import field as named
from bot.services.progress import PlanSummary, TaskView, plan_summary, quotas_of, unit_values
from bot.store.connection import utc_iso


@dataclass(frozen=True)
class Extension:
    original: date | None  # the deadline before the (first) extension
    extended: date  # the deadline now in force
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Chases:
    count: int = 0
    unanswered: int = 0  # chases with no 签收 after them
    colours: tuple[str, ...] = ()  # blue | yellow | red, oldest first


LIFECYCLE_KINDS = ("ack", "assign", "chase", "extend_approve")
Records = list[dict[str, Any]]


def _records(db: Database, task_id: str | None, at: datetime | None = None) -> Records:
    """Valid lifecycle records (签收, 交办, 催办, approved 延期), oldest first, up to `at` if
    given; of one task, or of all tasks when `task_id` is None."""
    marks = ", ".join("?" for _ in LIFECYCLE_KINDS)
    where, params = f"kind IN ({marks}) AND revoked_at IS NULL", [*LIFECYCLE_KINDS]
    if task_id is not None:
        where, params = f"task_id = ? AND {where}", [task_id, *params]
    if at is not None:
        where, params = f"{where} AND at <= ?", [*params, utc_iso(at)]
    return list(db.query(f"SELECT id, task_id, kind, at, user_id, data FROM reports "
                         f"WHERE {where} ORDER BY at, id", params))


def lifecycle_records(db: Database, at: datetime | None = None) -> dict[str, Records]:
    """Every task's lifecycle records in one query (pass each task's list as `records=` to the
    adapters: one scan instead of three queries per task)."""
    out: dict[str, Records] = {}
    for row in _records(db, None, at):
        out.setdefault(row["task_id"], []).append(row)
    return out


def _data(row: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(row.get("data") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def extensions_of(db: Database, task: dict[str, Any], at: datetime | None = None,
                  records: Records | None = None) -> list[Extension]:
    """Every approved extension (延期) of a task's deadline, oldest first.

    A deadline the coordinator moves with /deadline is a new 交办, not an extension: it is not
    counted against the department."""
    out = []
    rows = _records(db, task["id"], at) if records is None else records
    for row in (r for r in rows if r["kind"] == "extend_approve"):
        approved = _data(row).get("approved") or {}
        if not approved.get("due"):
            continue
        out.append(Extension(_day(approved.get("from")) or _day(task.get("due")),
                             date.fromisoformat(approved["due"]),
                             datetime.fromisoformat(row["at"])))
    return out


def extension_of(db: Database, task: dict[str, Any], at: datetime | None = None,
                 records: Records | None = None) -> Extension | None:
    """The task's approved extension: the deadline before the first one, the deadline now in
    force (`due_set`, which the approval wrote and a later /deadline may have moved again) and
    when the newest was approved."""
    found = extensions_of(db, task, at, records)
    if not found:
        return None
    first, last = found[0], found[-1]
    in_force = _day(task.get("due_set")) if at is None else None
    return Extension(first.original, in_force or last.extended, last.approved_at)


def chases_of(db: Database, task_id: str, at: datetime | None = None,
              since: datetime | None = None, records: Records | None = None) -> Chases:
    """催办 sent about a task (up to `at`, from `since`); a chase is answered by any 签收 of the
    task after it (up to `at`)."""
    rows = [r for r in (_records(db, task_id, at) if records is None else records)
            if r["kind"] in ("chase", "ack")]
    last_ack = max((i for i, r in enumerate(rows) if r["kind"] == "ack"), default=-1)
    chases = [(i, r) for i, r in enumerate(rows) if r["kind"] == "chase"
              and (since is None or r["at"] >= utc_iso(since))]
    return Chases(len(chases), sum(1 for i, _ in chases if i > last_ack),
                  tuple(str(_data(r).get("colour") or "") for _, r in chases))


def acknowledged_of(db: Database, task_id: str, at: datetime | None = None,
                    records: Records | None = None) -> datetime | None:
    """When the department signed for (签收) the task: the newest 'ack' record, unless the task
    was assigned (交办) again after it and waits for a new 签收."""
    rows = [r for r in (_records(db, task_id, at) if records is None else records)
            if r["kind"] in ("ack", "assign")]
    if not rows or rows[-1]["kind"] != "ack":
        return None
    return datetime.fromisoformat(rows[-1]["at"])


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
    summary = plan_summary(db, at, historical=historical)
    depts = {d["code"]: d for d in db["departments"].rows}
    names = {m["user_id"]: m["name"] or str(m["user_id"]) for m in db["members"].rows}
    facts = []
    lifecycle = lifecycle_records(db, at)
    for view in summary.tasks:
        task, latest = view.task, view.latest
        own = lifecycle.get(task["id"], [])
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
            extension=extension_of(db, task, at if historical else None, own),
            chases=chases_of(db, task["id"], at, records=own),
            acknowledged=_local(acknowledged_of(db, task["id"], at, own), at),
            units=unit_values(db, task["id"], view.period, at) if quotas else {},
            quotas=quotas,
        ))
    info = {row["key"]: row["value"] for row in db["meta"].rows}
    title = named(info, "plan", lang) or "duban"
    return Record(at, title, info.get("document", ""), summary, facts)

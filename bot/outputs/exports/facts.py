"""What the ledger and the bulletin show, per task: the facts model's figures (bot.domain.facts)
with the names and words a document needs. Computes no figure of its own.

`gather(db, at, lang, historical)` gives the plan as of `at`: with `historical`, only what was
recorded by then (the same file today and after any later record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlite_utils import Database

from bot.domain import facts as model
from bot.language.i18n import field as named
from bot.services.facts import facts_as_of
from bot.store import members as member_store
from bot.store import plan as plan_store
from bot.store.meta import meta


@dataclass(frozen=True)
class Extension:
    original: date | None  # the deadline before the (first) approved extension
    extended: date | None  # the deadline in force
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Chases:
    count: int = 0
    unanswered: int = 0  # chases with no 签收 after them
    colours: tuple[str, ...] = ()  # blue | yellow | red, oldest first


@dataclass(frozen=True)
class TaskFacts:
    view: model.TaskFacts
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
    def task(self) -> model.Task:
        return self.view.task

    @property
    def days_overdue(self) -> int:
        return self.view.headline.days_overdue


@dataclass(frozen=True)
class Record:
    """Everything the ledger and the bulletin show, as of `at`."""

    at: datetime
    title: str
    document: str
    summary: model.Facts
    tasks: list[TaskFacts]


def extension_of(f: model.TaskFacts) -> Extension | None:
    """The approved extensions of a task, summed up: the deadline before the first one, the
    deadline in force, when the newest was approved."""
    approved = [e for e in f.extensions if e.approved]
    if not approved:
        return None
    return Extension(approved[0].from_due or f.headline.due_original, f.headline.due,
                     approved[-1].decided_at)


def chases_of(f: model.TaskFacts) -> Chases:
    return Chases(len(f.chases), f.unanswered_chases, tuple(c.colour for c in f.chases))


def gather(db: Database, at: datetime, lang: str = "zh", historical: bool = False) -> Record:
    """The plan as of `at` with, per task, its last report, reporter, extension, chases, units."""
    from bot.outputs.digest import facts_for

    facts = facts_as_of(db, at) if historical else facts_for(db, at)
    depts = plan_store.catalogue(db).all_departments
    people = member_store.names(db)
    rows = []
    for f in facts.tasks:
        task, latest = f.task, f.latest_report
        rows.append(TaskFacts(
            view=f,
            dept_name=named(depts.get(task.dept), "dept", lang),
            with_names=tuple(named(depts[c], "dept", lang) for c in task.with_depts
                             if c in depts),
            last_at=latest.at.astimezone(at.tzinfo) if latest else None,
            last_by=(people.get(latest.user_id, str(latest.user_id)) if latest and latest.user_id
                     else ("cli" if latest else "")),
            last_note=latest.note if latest else "",
            extension=extension_of(f),
            chases=chases_of(f),
            acknowledged=(f.acked_at.astimezone(at.tzinfo)
                          if f.acked_at and not f.awaiting_ack else None),
            units={u: v.value for u, v in f.units.items()},
            quotas=dict(task.quotas),
        ))
    info = meta(db)
    title = named(info, "plan", lang) or "duban"
    return Record(at, title, info.get("document", ""), facts, rows)

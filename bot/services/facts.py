"""The facts of the plan, read from the store and kept: instant to read, exact as of any past day.

  facts_now(db, now)     everything recorded so far, judged as of `now`'s day. Kept per
                         connection: a write refolds only the tasks whose version counter moved
                         (triggers bump it, whichever code path or process wrote), a new day
                         re-derives the marks, so /status asked again and again costs a lookup.
  facts_as_of(db, at)    only what was recorded by `at` (a revoked report counts if it was still
                         valid then; deadlines, notices and tasks as they stood). The same
                         answer today and after any later record: exports and digests for a past
                         day are the same file.
  tracking_start(db, tz) TRACK_FROM, else the day the plan was first loaded.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from bot.domain.facts import Facts, Notice, TaskFacts, TaskFold, fold_task, plan_facts, task_facts
from bot.domain.task import Task
from bot.store import deadlines as deadline_store
from bot.store import members as member_store
from bot.store import meta as meta_store
from bot.store import notices as notice_store
from bot.store import plan as plan_store
from bot.store import records as record_store
from bot.store import versions
from bot.store.connection import utc_iso

TRACK_FROM_KEY = "track_from"  # TRACK_FROM as configured, mirrored at start (apply_settings)


def tracking_began(db: Database) -> datetime | None:
    """When the plan was first loaded (the record begins), whatever TRACK_FROM says."""
    began = meta_store.get(db, "tracking_began")
    return datetime.fromisoformat(began) if began else None


def tracking_start(db: Database, tz: tzinfo | None) -> date | None:
    """The first day anything counts: TRACK_FROM when set, else the plan's first load."""
    configured = meta_store.get(db, TRACK_FROM_KEY)
    if configured:
        return date.fromisoformat(configured)
    began = meta_store.get(db, "tracking_began")
    if not began:
        return None
    moment = datetime.fromisoformat(began)
    return moment.astimezone(tz).date() if tz else moment.date()


def set_track_from(db: Database, day: date | None) -> None:
    """Mirror the TRACK_FROM setting into the file, so every reader of the facts (the bot, the
    command line, a worker thread) counts from the same day."""
    stored = meta_store.get(db, TRACK_FROM_KEY)
    if stored == (day.isoformat() if day else None):
        return
    with db.atomic():
        if day is None:
            meta_store.delete(db, TRACK_FROM_KEY)
        else:
            meta_store.put(db, TRACK_FROM_KEY, day.isoformat())


def _notices(rows: Sequence[dict[str, Any]]) -> list[Notice]:
    import json

    return [Notice(r["id"], r["kind"], r["dept"], tuple(json.loads(r["tasks"])), r["colour"],
                   datetime.fromisoformat(r["at"]), r.get("message_id")) for r in rows]


def _folds(db: Database, ids: list[str] | None, until: datetime | None) -> dict[str, TaskFold]:
    cut = utc_iso(until) if until is not None else None
    records = {k: list(g) for k, g in groupby(record_store.for_facts(db, ids, until),
                                              key=lambda r: r["task_id"])}
    set_in_chat = {k: list(g) for k, g in groupby(deadline_store.for_facts(db, ids, until),
                                                  key=lambda r: r["task_id"])}
    evidence = versions.evidence_counts(db, ids, cut)
    keys = ids if ids is not None else sorted(set(records) | set(set_in_chat) | set(evidence))
    return {k: fold_task(records.get(k, ()), set_in_chat.get(k, ()), evidence.get(k, 0))
            for k in keys}


def end_of_day(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tz)


KEPT_PAST = 16  # past moments kept per connection (a digest's trend, a period's bulletin)
_past: weakref.WeakKeyDictionary[Database, OrderedDict[tuple[str, str, date | None],
                                                       tuple[tuple[int | str, ...], Facts]]] = (
    weakref.WeakKeyDictionary())


def facts_as_of(db: Database, at: datetime) -> Facts:
    """The facts from what was recorded by `at` only (see the module's note). A past moment's
    facts never change once worked out, unless something is recorded dated before it (a clock
    set back): they are kept and checked for that, not refolded."""
    cut = utc_iso(at)
    key = (cut, plan_store.catalogue_version(db), tracking_start(db, at.tzinfo))
    kept = _past.setdefault(db, OrderedDict())
    found = kept.get(key)
    if found is not None and not versions.written_into_past(db, found[0], cut):
        kept.move_to_end(key)
        return found[1]
    marks = versions.high_marks(db)
    facts = _facts_as_of(db, at, cut)
    kept[key] = (marks, facts)
    while len(kept) > KEPT_PAST:
        kept.popitem(last=False)
    return facts


def _facts_as_of(db: Database, at: datetime, cut: str) -> Facts:
    depts, tasks = plan_store.as_of(db, cut)
    folds = _folds(db, None, at)
    day = at.date()
    start = tracking_start(db, at.tzinfo)
    empty = TaskFold()
    facts = [task_facts(t, folds.get(t.id, empty), day, start) for t in tasks]
    notices = _notices(notice_store.unacknowledged(db, at))
    evidence = sum(f.evidence for f in facts)
    return plan_facts(at, day, start, depts, facts, notices, evidence,
                      member_store.staffed_as_of(db, cut))


# ---------------------------------------------------------------- kept for now


@dataclass
class _Kept:
    stamp: tuple[int, int] = (-1, -1)
    catalogue: str = ""
    task_versions: dict[str, int] = field(default_factory=dict)
    notices_version: str = ""
    folds: dict[str, TaskFold] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    day: date | None = None
    track_from: date | None = None
    derived: dict[str, TaskFacts] = field(default_factory=dict)
    facts: Facts | None = None


_kept: weakref.WeakKeyDictionary[Database, _Kept] = weakref.WeakKeyDictionary()


def forget(db: Database) -> None:
    """Drop what is kept for `db` (the benchmark measures the facts computed from nothing)."""
    _kept.pop(db, None)
    _past.pop(db, None)


def facts_now(db: Database, now: datetime) -> Facts:
    """The facts of everything recorded so far, as of `now`'s day; kept (see the module's note)."""
    kept = _kept.get(db)
    if kept is None:
        kept = _kept[db] = _Kept()
    stamp = versions.stamp(db)
    day = now.date()
    if stamp == kept.stamp and day == kept.day and kept.facts is not None:
        return kept.facts  # `at` is when they were worked out: nothing changed since, that day
    catalogue = plan_store.catalogue(db)
    version = plan_store.catalogue_version(db)
    start = tracking_start(db, now.tzinfo)
    changed: set[str]
    if version != kept.catalogue or start != kept.track_from:
        kept.folds, kept.derived, kept.task_versions = {}, {}, {}
        kept.catalogue, kept.track_from = version, start
    current = versions.tasks(db)
    ids = [t.id for t in catalogue.tasks]
    if not kept.folds:
        changed = set(ids)
    else:
        changed = {i for i in ids if current.get(i, 0) != kept.task_versions.get(i, 0)
                   or i not in kept.folds}
    if changed:
        kept.folds.update(_folds(db, sorted(changed), None))
    kept.task_versions = current
    if day != kept.day:
        kept.derived = {}
        kept.day = day
    notices_version = versions.notices(db)
    if notices_version != kept.notices_version or not kept.stamp[0] >= 0:
        kept.notices = _notices(notice_store.unacknowledged(db))
        kept.notices_version = notices_version
    empty = TaskFold()
    facts: list[TaskFacts] = []
    for task in catalogue.tasks:
        derived = kept.derived.get(task.id)
        if derived is None or task.id in changed or derived.task != task:
            derived = kept.derived[task.id] = task_facts(
                task, kept.folds.get(task.id, empty), day, start)
        facts.append(derived)
    evidence = sum(f.evidence for f in facts)
    staffed = member_store.staffed_departments(db)
    kept.facts = plan_facts(now, day, start, catalogue.departments, facts, kept.notices, evidence,
                            staffed)
    kept.stamp = stamp
    return kept.facts


def task_facts_now(db: Database, task: Task, now: datetime) -> TaskFacts:
    """One task's facts now (an archived task, which the plan's facts leave out, included)."""
    found = facts_now(db, now).task(task.id)
    if found is not None and found.task == task:
        return found
    fold = _folds(db, [task.id], None)[task.id]
    return task_facts(task, fold, now.date(), tracking_start(db, now.tzinfo))


def task_facts_as_of(db: Database, task: Task, at: datetime) -> TaskFacts:
    fold = _folds(db, [task.id], at)[task.id]
    return task_facts(task, fold, at.date(), tracking_start(db, at.tzinfo))

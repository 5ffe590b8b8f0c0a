"""The facts of the plan, read from the store and kept: instant to read, exact as of any past day.

  facts_now(db, now)     everything recorded so far, judged as of `now`'s day. Kept per
                         connection: triggers move one counter and the written task's (whichever
                         code path or process wrote); a change folds the new records onto the
                         changed tasks' kept folds and reworks their departments and the plan's
                         sums, a new day re-derives the marks, and /status asked again and again
                         costs one lookup of the counters.
  facts_as_of(db, at)    only what was recorded by `at` (a revoked report counts if it was still
                         valid then; deadlines, notices and tasks as they stood). The same
                         answer today and after any later record: exports and digests for a past
                         day are the same file.
  tracking_start(db, tz) TRACK_FROM, else the day the plan was first loaded.
"""

from __future__ import annotations

import weakref
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, tzinfo
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.domain.facts import (
    DeptFacts,
    Facts,
    Notice,
    TaskFacts,
    TaskFold,
    dept_facts,
    facts_of_departments,
    fold_deadlines,
    fold_more,
    fold_task,
    plan_facts,
    task_facts,
)
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
    """Every task's records folded (`ids`' only when given), read and folded a task at a time."""
    cut = utc_iso(until) if until is not None else None
    set_in_chat = {k: list(g) for k, g in groupby(deadline_store.for_facts(db, ids, until),
                                                  key=itemgetter("task_id"))}
    evidence = versions.evidence_times(db, ids, cut)
    folds = {k: fold_task(rows, set_in_chat.get(k, ()), evidence.get(k))
             for k, rows in groupby(record_store.for_facts(db, ids, until),
                                    key=itemgetter("task_id"))}
    for k in (ids if ids is not None else set(set_in_chat) | set(evidence)):
        if k not in folds:
            folds[k] = fold_task((), set_in_chat.get(k, ()), evidence.get(k))
    return folds


def _folds_by(db: Database, moments: list[datetime]) -> Iterator[dict[str, TaskFold]]:
    """Every task's records folded as of each of `moments` (ascending), as `_folds(db, None,
    moment)` folds them, the records read once: one fold per task is carried from one moment to
    the next with the records made in between; one whose folded records include one taken back
    in between is folded anew from those still valid. A moment's folds are given out before the
    next moment's are folded onto them: they hold only until the next is asked for (copy them
    to keep them), so one set of folds is alive, not one per moment."""
    carried: dict[str, TaskFold] = {}
    before: datetime | None = None
    revoked = record_store.taken_back(db, moments[0], moments[-1]) if moments else []
    for moment in moments:
        cut = utc_iso(moment)
        # Folded by the moment before and taken back since: those tasks are folded anew.
        done = utc_iso(before) if before is not None else ""
        anew = {task for task, at, gone in revoked if at <= done < gone <= cut}
        for task_id, group in groupby(record_store.for_facts_between(db, before, moment),
                                      key=itemgetter("task_id")):
            if task_id in anew:
                continue  # folded anew below, from every record still valid
            valid = (r for r in group if (gone := r.pop("revoked_at")) is None or gone > cut)
            fold_more(carried.setdefault(task_id, TaskFold()), valid)
        if anew:
            for task_id in anew:
                carried.pop(task_id, None)
            for task_id, rows in groupby(record_store.for_facts(db, sorted(anew), moment),
                                         key=itemgetter("task_id")):
                carried[task_id] = fold_task(rows)
        before = moment
        yield _with_deadlines(db, moment, cut, carried)


def _with_deadlines(db: Database, moment: datetime, cut: str,
                    carried: dict[str, TaskFold]) -> dict[str, TaskFold]:
    """The carried folds with a record valid at `moment`, given that moment's evidence and
    deadlines; a task with neither records nor those has no fold."""
    set_in_chat = {k: list(g) for k, g in groupby(deadline_store.for_facts(db, None, moment),
                                                  key=itemgetter("task_id"))}
    evidence = versions.evidence_times(db, None, cut)
    kept = {k: fold for k, fold in carried.items() if fold.last_id}  # a record valid then
    for k, fold in kept.items():
        fold.evidence_times = evidence.get(k) or array("d")
        fold_deadlines(fold, set_in_chat.get(k, ()))
    for k in set(set_in_chat) | set(evidence):
        if k not in kept:
            kept[k] = fold_task((), set_in_chat.get(k, ()), evidence.get(k))
    return kept


def _refold(db: Database, folds: dict[str, TaskFold], changed: list[tuple[str, bool]]) -> None:
    """Bring the kept folds of the changed tasks up to date: records added are folded onto
    what was kept, a task whose records changed (or came out of order) is folded anew; its
    evidence and deadlines are read again."""
    anew = [k for k, rebuilt in changed if rebuilt or k not in folds]
    onto = [k for k, rebuilt in changed if not rebuilt and k in folds]
    if onto:
        for k in onto:  # the facts given out before this change keep their folds
            folds[k] = folds[k].copy()
        since = min(folds[k].last_id for k in onto)
        for k, rows in groupby(record_store.for_facts(db, onto, after_id=since),
                               key=itemgetter("task_id")):
            fold = folds[k]
            if not fold_more(fold, (r for r in rows if r["id"] > fold.last_id)):
                anew.append(k)
        ids = sorted(set(onto) - set(anew))
        evidence = versions.evidence_times(db, ids)
        set_in_chat = {k: list(g) for k, g in groupby(deadline_store.for_facts(db, ids),
                                                      key=itemgetter("task_id"))}
        for k in ids:
            folds[k].evidence_times = evidence.get(k) or array("d")
            fold_deadlines(folds[k], set_in_chat.get(k, ()))
    if anew:
        folds.update(_folds(db, sorted(set(anew)), None))


def end_of_day(day: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tz)


# Past moments' facts kept per connection, the least recently used going first. Few: at 100x
# scale one moment's facts hold ~13 MB (every task's fold and occurrences), and what asks for
# past facts asks for one or two moments at a time (a bulletin's period, an export for a past
# day); a digest's trend keeps only its days' figures (bot/outputs/digest.py).
KEPT_PAST = 4
# What a figure-only caller asks of a past moment (the completion a digest counts its change
# from) is kept as that number, not as the moment's whole facts.
KEPT_COMPLETIONS = 16
PastKey = tuple[str, str, date | None]
V = TypeVar("V")
Marks = tuple[int | str, ...]
_past: weakref.WeakKeyDictionary[Database, OrderedDict[PastKey, tuple[Marks, Facts]]] = (
    weakref.WeakKeyDictionary())
_completions: weakref.WeakKeyDictionary[Database, OrderedDict[PastKey,
                                                              tuple[Marks, float | None]]] = (
    weakref.WeakKeyDictionary())


def _past_key(db: Database, at: datetime) -> PastKey:
    return utc_iso(at), plan_store.catalogue_version(db), tracking_start(db, at.tzinfo)


def _keep(db: Database, store: weakref.WeakKeyDictionary[Database, OrderedDict[PastKey, V]],
          key: PastKey, value: V, most: int) -> None:
    """Keep a past moment's value, the oldest kept going first. Not what was worked out inside
    an open transaction: it may have read records a rollback takes back (see facts_now)."""
    if db.conn.in_transaction:
        return
    kept = store.setdefault(db, OrderedDict())
    kept[key] = value
    while len(kept) > most:
        kept.popitem(last=False)


def _found(db: Database, store: weakref.WeakKeyDictionary[Database, OrderedDict[PastKey,
                                                                            tuple[Marks, V]]],
           key: PastKey) -> tuple[Marks, V] | None:
    """What is kept of a past moment in `store`, unless something was recorded dated before it
    since."""
    kept = store.setdefault(db, OrderedDict())
    found = kept.get(key)
    if found is None or versions.written_into_past(db, found[0], key[0]):
        return None
    kept.move_to_end(key)
    return found


def _kept_facts(db: Database, key: PastKey) -> Facts | None:
    """The kept facts of a past moment, unless something was recorded dated before it since."""
    found = _found(db, _past, key)
    return found[1] if found is not None else None


def facts_as_of(db: Database, at: datetime, keep: bool = True) -> Facts:
    """The facts from what was recorded by `at` only (see the module's note). A past moment's
    facts never change once worked out, unless something is recorded dated before it (a clock
    set back): they are kept and checked for that, not refolded. With `keep` False they are
    not kept (a moment nobody will ask for again: "now" with records dated after it)."""
    key = _past_key(db, at)
    found = _kept_facts(db, key)
    if found is not None:
        return found
    marks = versions.high_marks(db)
    facts = _facts_as_of(db, at, key[0])
    if keep:
        _keep(db, _past, key, (marks, facts), KEPT_PAST)
    return facts


def completion_as_of(db: Database, at: datetime) -> float | None:
    """`facts_as_of(db, at).completion`, kept as the number: the moment's whole facts are let
    go once it is taken (a digest asks it of the previous week, twice per digest)."""
    key = _past_key(db, at)
    facts = _kept_facts(db, key)
    if facts is not None:
        return facts.completion
    found = _found(db, _completions, key)
    if found is not None:
        return found[1]
    marks = versions.high_marks(db)
    completion = _facts_as_of(db, at, key[0]).completion
    _keep(db, _completions, key, (marks, completion), KEPT_COMPLETIONS)
    return completion


def facts_as_of_each(db: Database, moments: list[datetime]) -> list[Facts]:
    """`facts_as_of` for each of `moments`: those not kept are worked out together, the
    records read and folded once for all of them rather than once for each, and kept."""
    keys = {m: _past_key(db, m) for m in moments}
    missing = sorted({m for m in moments if _kept_facts(db, keys[m]) is None}, key=utc_iso)
    worked_out: dict[datetime, Facts] = {}
    if len(missing) > 1:
        marks = versions.high_marks(db)
        for moment, folds in zip(missing, _folds_by(db, missing), strict=True):
            folds = {k: fold.copy() for k, fold in folds.items()}  # carried on: kept apart
            worked_out[moment] = _facts_as_of(db, moment, keys[moment][0], folds)
            _keep(db, _past, keys[moment], (marks, worked_out[moment]), KEPT_PAST)
    return [worked_out.get(m) or facts_as_of(db, m) for m in moments]


def passing_facts_as_of(db: Database, moments: list[datetime]) -> Iterator[Facts]:
    """The facts as of each of `moments` (ascending), as `facts_as_of` gives them, worked out
    together (the records read and folded once) and neither kept nor copied: each holds only
    until the next is asked for, for a caller that takes its figures and lets it go (a digest's
    trend: twelve past days' facts are never alive at once)."""
    for moment, folds in zip(moments, _folds_by(db, moments), strict=True):
        yield _facts_as_of(db, moment, utc_iso(moment), folds)


def _facts_as_of(db: Database, at: datetime, cut: str,
                 folds: dict[str, TaskFold] | None = None) -> Facts:
    depts, tasks = plan_store.as_of(db, cut)
    folds = _folds(db, None, at) if folds is None else folds
    day = at.date()
    start = tracking_start(db, at.tzinfo)
    empty = TaskFold()
    facts = [task_facts(t, folds.get(t.id, empty), day, start) for t in tasks]
    notices = _notices(notice_store.unacknowledged(db, at))
    return plan_facts(at, day, start, depts, facts, notices, member_store.staffed_as_of(db, cut))


# ---------------------------------------------------------------- kept for now


@dataclass
class _Kept:
    marks: tuple[str | None, ...] = ()
    version: int = -1  # the facts counter the folds are up to
    folds: dict[str, TaskFold] = field(default_factory=dict)
    day: date | None = None
    derived: dict[str, TaskFacts] = field(default_factory=dict)
    depts: dict[str, DeptFacts] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    staffed: frozenset[str] | None = None
    facts: Facts | None = None

    def draft(self) -> _Kept:
        """A copy to work on whose changes are not kept (its folds are copied before any
        record is folded onto them, see `_refold`)."""
        return replace(self, folds=dict(self.folds), derived=dict(self.derived),
                       depts=dict(self.depts))


_kept: weakref.WeakKeyDictionary[Database, _Kept] = weakref.WeakKeyDictionary()


def forget(db: Database) -> None:
    """Drop what is kept for `db` (the benchmark measures the facts computed from nothing)."""
    _kept.pop(db, None)
    _past.pop(db, None)
    _completions.pop(db, None)


def facts_now(db: Database, now: datetime) -> Facts:
    """The facts of everything recorded so far, as of `now`'s day; kept (see the module's note).
    A change reworks what it touched: the changed tasks (their new records folded onto the
    kept fold), their departments, and the plan's sums over the departments."""
    kept = _kept.get(db)
    if kept is None:
        kept = _kept[db] = _Kept()
    if db.conn.in_transaction:
        # What an open transaction wrote may yet be rolled back (a chase of three tasks whose
        # third is refused): worked out on a copy, nothing of it kept. The counter it moved
        # goes back with it, and a later write would reach the same number with other records.
        kept = kept.draft()
    marks = versions.marks(db)
    day = now.date()
    if marks == kept.marks and day == kept.day and kept.facts is not None:
        return kept.facts  # `at` is when they were worked out: nothing changed since, that day
    if kept.marks[5:6] != marks[5:6] or kept.staffed is None:
        kept.staffed = frozenset(member_store.staffed_departments(db))
    facts_version = marks[0]
    catalogue = plan_store.catalogue(db)
    start = tracking_start(db, now.tzinfo)
    changed: list[str] = []  # the tasks whose facts are worked out again, beside any missing
    if kept.marks[2:5] != marks[2:5] or kept.version < 0:  # another plan or tracking start
        kept.folds, kept.derived, kept.depts = _folds(db, None, None), {}, {}
    elif kept.marks[0] != facts_version:
        versions_changed = versions.tasks_since(db, kept.version)
        _refold(db, kept.folds, versions_changed)
        for task_id, _ in versions_changed:
            kept.derived.pop(task_id, None)
            changed.append(task_id)
    kept.version = int(facts_version or 0)
    if day != kept.day:
        kept.derived, kept.day = {}, day
    if kept.marks[1:2] != marks[1:2] or kept.facts is None:
        kept.notices = _notices(notice_store.unacknowledged(db))
    empty = TaskFold()
    stale: set[str] = set()
    # A report changes one task: look at it alone, unless some are missing (a new day, a new
    # plan, or a rework cut short), then at every task.
    todo = [t for t in map(catalogue.task, dict.fromkeys(changed)) if t is not None]
    if len(kept.derived) + len(todo) < len(catalogue.tasks):
        todo = list(catalogue.tasks)
    for task in todo:
        if task.id not in kept.derived:
            kept.derived[task.id] = task_facts(task, kept.folds.get(task.id, empty), day, start)
            stale.add(task.dept)
    for d in catalogue.departments:
        if d["code"] in stale or d["code"] not in kept.depts:
            kept.depts[d["code"]] = dept_facts(
                d, [kept.derived[t.id] for t in catalogue.tasks_of(d["code"])])
    depts = [kept.depts[d["code"]] for d in catalogue.departments]
    kept.facts = facts_of_departments(now, day, start, depts, kept.notices, kept.staffed,
                                      dict(kept.derived))
    kept.marks = marks
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

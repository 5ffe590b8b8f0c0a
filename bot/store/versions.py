"""Counters that say what changed since a kept copy was made: one for everything the facts
are folded from and each task's place on it, the notices', and the high marks a kept past day
is checked against."""

from __future__ import annotations

from array import array
from datetime import datetime

from sqlite_utils import Database


def facts_version(db: Database) -> int:
    """Moves with every record, evidence or deadline written (by triggers, whoever wrote)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'facts_version'").fetchone()
    return int(row[0]) if row else 0


def marks(db: Database) -> tuple[str | None, ...]:
    """In one reading, every counter and setting the facts of now depend on: records, notices,
    the catalogue, the tracking start, the members."""
    return tuple(db.execute(
        "SELECT (SELECT value FROM meta WHERE key = 'facts_version'), "
        "(SELECT value FROM meta WHERE key = 'notices_version'), "
        "(SELECT value FROM meta WHERE key = 'catalogue_version'), "
        "(SELECT value FROM meta WHERE key = 'track_from'), "
        "(SELECT value FROM meta WHERE key = 'tracking_began'), "
        "(SELECT value FROM meta WHERE key = 'members_version')").fetchone())


def tasks_since(db: Database, version: int) -> list[tuple[str, bool]]:
    """The tasks changed since the counter stood at `version`, and whether a record of theirs
    was changed rather than added (then fold them anew)."""
    return [(task_id, rebuilt > version) for task_id, rebuilt in db.execute(
        "SELECT task_id, rebuilt FROM task_versions WHERE version > ?", [version])]


def evidence_times(db: Database, task_ids: list[str] | None = None,
                   until: str | None = None) -> dict[str, array[float]]:
    """When each task's evidence files were kept (seconds since the epoch, in order)."""
    where, params = ["1"], []
    if until is not None:
        where.append("at <= ?")
        params.append(until)
    if task_ids is not None:
        where.append(f"task_id IN ({','.join('?' * len(task_ids))})")
        params += task_ids
    times: dict[str, array[float]] = {}
    for task_id, at in db.execute(f"SELECT task_id, at FROM evidence WHERE {' AND '.join(where)} "
                                  "ORDER BY task_id, at, id", params):
        times.setdefault(task_id, array("d")).append(datetime.fromisoformat(at).timestamp())
    return times


def high_marks(db: Database) -> tuple[int | str, ...]:
    """Where the record stood: the newest row of every table the facts read, the notices'
    counter and how many reports were taken back (facts of a past day kept from then stay
    right while nothing is added before that day: see written_into_past)."""
    return tuple(db.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM reports), "
        "(SELECT coalesce(max(id), 0) FROM evidence), "
        "(SELECT coalesce(max(id), 0) FROM deadlines), "
        "(SELECT coalesce(max(id), 0) FROM notices), "
        "(SELECT coalesce(max(id), 0) FROM audit), "
        "(SELECT value FROM meta WHERE key = 'notices_version'), "
        "(SELECT value FROM meta WHERE key = 'revocations')").fetchone())


def written_into_past(db: Database, marks: tuple[int | str, ...], until: str) -> bool:
    """Whether anything recorded since `marks` was dated at or before `until` (a clock set
    back, a restore), or a report was taken back, or a notice changed: then facts of that past
    day must be worked out again."""
    reports, evidence, deadlines, notices, audit, notices_version, revoked = marks
    if high_marks(db)[5:] != (notices_version, revoked):
        return True
    return bool(db.execute(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE id > ? AND at <= ?) "
        "OR EXISTS (SELECT 1 FROM evidence WHERE id > ? AND at <= ?) "
        "OR EXISTS (SELECT 1 FROM deadlines WHERE id > ? AND at <= ?) "
        "OR EXISTS (SELECT 1 FROM notices WHERE id > ? AND at <= ?) "
        "OR EXISTS (SELECT 1 FROM audit WHERE id > ? AND at <= ?)",
        [reports, until, evidence, until, deadlines, until, notices, until, audit, until]
    ).fetchone()[0] == 1)

"""The records of tasks (reports, claims, checks, chases, extensions …): the `reports` table, and
the newest valid record per task and period kept beside it (`task_latest`).

A record is appended, never changed, except that a report can be taken back (`revoked_at`): it stays
on file, marked. Every `at` is UTC ISO text (bot.store.connection.utc_iso).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

Row = dict[str, Any]
# The kinds that are a department's own report on the work (lifecycle.REPORTS as stored text).
REPORT_KINDS = ("progress", "claim")
_REPORTS_SQL = "('progress', 'claim')"
COLUMNS = ("task_id", "period", "kind", "percent", "state", "value", "lifecycle", "data", "note",
           "user_id", "dept", "at", "source", "update_key", "unit", "unit_value")
_INSERT = (f"INSERT INTO reports ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in COLUMNS)})")


def insert(db: Database, row: Row) -> int:
    """Append one record; returns its id. Call inside the write's transaction, then
    `refresh_latest`."""
    cursor = db.execute(_INSERT, [row.get(c) for c in COLUMNS])
    assert cursor.lastrowid is not None  # a plain INSERT (no OR IGNORE) sets it or raises
    return cursor.lastrowid


def get(db: Database, record_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM reports WHERE id = ?", [record_id]))
    return rows[0] if rows else None


def by_update_key(db: Database, update_key: str) -> Row | None:
    """The record an update already wrote (a replayed update records nothing new)."""
    rows = list(db.query("SELECT * FROM reports WHERE update_key = ? LIMIT 1", [update_key]))
    return rows[0] if rows else None


def latest(db: Database, task_id: str, period: str) -> Row | None:
    """The newest valid record of one period of a task."""
    rows = list(db.query(
        "SELECT * FROM reports WHERE task_id = ? AND period = ? AND revoked_at IS NULL "
        "ORDER BY id DESC LIMIT 1", [task_id, period]))
    return rows[0] if rows else None


def refresh_latest(db: Database, task_id: str, period: str) -> None:
    """Recompute the newest valid record of one (task, period); call inside the write's
    transaction."""
    row = db.execute("SELECT max(id) FROM reports WHERE task_id = ? AND period = ? "
                     "AND revoked_at IS NULL", [task_id, period]).fetchone()
    if row[0] is None:
        db.execute("DELETE FROM task_latest WHERE task_id = ? AND period = ?", [task_id, period])
    else:
        db.execute("INSERT OR REPLACE INTO task_latest (task_id, period, report_id) "
                   "VALUES (?, ?, ?)", [task_id, period, row[0]])


def version(db: Database, task_id: str, period: str | None = None) -> int:
    """Moves on every change to the task's record (a record added or one taken back), or, with
    `period`, to that occurrence's: a button or a question made for one version is stale under
    another."""
    only, params = ("", []) if period is None else (" AND period = ?", [period])
    count, revoked = db.execute(
        f"SELECT count(*), count(revoked_at) FROM reports WHERE task_id = ?{only}",
        [task_id, *params]).fetchone()
    return int(count + revoked)


def last_change(db: Database, task_id: str, period: str | None = None) -> Row | None:
    """The newest change to a task's record (a record, or the taking back of one), or to one
    occurrence's with `period`."""
    only, params = ("", []) if period is None else (" AND period = ?", [period])
    rows = list(db.query(
        f"SELECT * FROM reports WHERE task_id = ?{only} "
        "ORDER BY coalesce(revoked_at, at) DESC, id DESC LIMIT 1", [task_id, *params]))
    return rows[0] if rows else None


def last_progress_below_100(db: Database, task_id: str, period: str) -> tuple[int, float | None]:
    """(percent, value) of the newest valid report below 100% of a period: what a send-back
    returns to (0, None when there is none)."""
    row = db.execute(
        "SELECT percent, value FROM reports WHERE task_id = ? AND period = ? AND revoked_at IS NULL "
        "AND kind IN ('progress', 'reopen') AND percent < 100 ORDER BY id DESC LIMIT 1",
        [task_id, period]).fetchone()
    return (row[0], row[1]) if row else (0, None)


def unit_values(db: Database, task_id: str, period: str = "",
                at: datetime | None = None) -> dict[str, float]:
    """Each county unit's newest reported value for a task's period (as of `at` if given)."""
    when, params = ("", []) if at is None else (" AND at <= ?", [utc_iso(at)])
    rows = db.execute(
        "SELECT unit, unit_value FROM reports WHERE id IN (SELECT max(id) FROM reports "
        "WHERE task_id = ? AND period = ? AND unit IS NOT NULL AND revoked_at IS NULL"
        f"{when} GROUP BY unit)", [task_id, period, *params]).fetchall()
    return {unit: value for unit, value in rows}


def newest_own_report(db: Database, user_id: int) -> Row | None:
    """The caller's newest standing report (what /undo would take back)."""
    rows = list(db.query(
        "SELECT * FROM reports WHERE user_id = ? AND kind IN ('progress', 'claim') "
        "AND revoked_at IS NULL ORDER BY id DESC LIMIT 1", [user_id]))
    return rows[0] if rows else None


def revoke(db: Database, record_id: int, *, at: datetime, by: int) -> None:
    db.execute("UPDATE reports SET revoked_at = ?, revoked_by = ? WHERE id = ?",
               [utc_iso(at), by, record_id])


def history(db: Database, task_id: str, limit: int = 50,
            until: datetime | None = None) -> list[Row]:
    """Records of a task, newest first, with their author's name; revoked ones included (a
    record revoked after `until` shows as it stood then)."""
    if until is None:
        return list(db.query(
            "SELECT r.*, m.name AS user_name FROM reports r LEFT JOIN members m "
            "ON m.user_id = r.user_id WHERE r.task_id = ? ORDER BY r.id DESC LIMIT ?",
            [task_id, limit]))
    cut = utc_iso(until)
    return list(db.query(
        "SELECT r.id, r.task_id, r.period, r.kind, r.percent, r.state, r.value, r.lifecycle, "
        "r.data, r.note, r.user_id, r.dept, r.at, r.source, r.update_key, r.unit, r.unit_value, "
        "CASE WHEN r.revoked_at <= ? THEN r.revoked_at END AS revoked_at, "
        "CASE WHEN r.revoked_at <= ? THEN r.revoked_by END AS revoked_by, m.name AS user_name "
        "FROM reports r LEFT JOIN members m ON m.user_id = r.user_id "
        "WHERE r.task_id = ? AND r.at <= ? ORDER BY r.id DESC LIMIT ?",
        [cut, cut, task_id, cut, limit]))


def last_reporter(db: Database, task_id: str, period: str | None = None) -> Row | None:
    """Who made the newest standing report on a task, or on one occurrence of it with `period`
    (user_id, name, lang), to tell them."""
    only, params = ("", []) if period is None else (" AND r.period = ?", [period])
    rows = list(db.query(
        "SELECT r.user_id, m.name, m.lang FROM reports r "
        "LEFT JOIN members m ON m.user_id = r.user_id "
        "WHERE r.task_id = ? AND r.kind IN ('progress', 'claim') AND r.revoked_at IS NULL"
        f"{only} ORDER BY r.id DESC LIMIT 1", [task_id, *params]))
    return rows[0] if rows else None


def count_kind(db: Database, task_id: str, kind: str) -> int:
    return int(db.execute("SELECT count(*) FROM reports WHERE task_id = ? AND kind = ? "
                          "AND revoked_at IS NULL", [task_id, kind]).fetchone()[0])


def tasks_with_records(db: Database, task_ids: Iterable[str]) -> set[str]:
    ids = sorted(set(task_ids))
    if not ids:
        return set()
    return {row[0] for row in db.execute(
        f"SELECT DISTINCT task_id FROM reports WHERE task_id IN ({','.join('?' * len(ids))})",
        ids)}


def for_facts(db: Database, task_ids: list[str] | None = None,
              until: datetime | None = None, after_id: int = 0) -> Iterator[Row]:
    """The records the facts are folded from, by task then in the order they were made (time,
    then id), read as they are folded (years of records are never all in memory): every record
    made by `until` (all when None), a revoked one only while it was still valid then; only
    those after `after_id` when given (what a kept fold has not seen)."""
    where: list[str] = []
    params: list[Any] = []
    if after_id:
        where.append("id > ?")
        params.append(after_id)
    if until is not None:
        cut = utc_iso(until)
        where.append("at <= ? AND (revoked_at IS NULL OR revoked_at > ?)")
        params += [cut, cut]
    else:
        where.append("revoked_at IS NULL")
    if task_ids is not None:
        where.append(f"task_id IN ({','.join('?' * len(task_ids))})")
        params += task_ids
    cursor = db.execute(
        "SELECT id, task_id, period, kind, percent, state, value, lifecycle, data, note, user_id, "
        f"dept, at, unit, unit_value FROM reports WHERE {' AND '.join(where)} "
        "ORDER BY task_id, at, id", params)
    names = [c[0] for c in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def for_facts_between(db: Database, after: datetime | None, until: datetime) -> Iterator[Row]:
    """The records made after `after` (from the first, with None) and by `until`, in the order
    `for_facts` gives them, each with when it was taken back (if it was): the facts of several
    moments are folded a span at a time, each moment keeping those still valid then."""
    where, params = "at <= ?", [utc_iso(until)]
    if after is not None:
        where += " AND at > ?"
        params.append(utc_iso(after))
    cursor = db.execute(
        "SELECT id, task_id, period, kind, percent, state, value, lifecycle, data, note, user_id, "
        f"dept, at, unit, unit_value, revoked_at FROM reports WHERE {where} "
        "ORDER BY task_id, at, id", params)
    names = [c[0] for c in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def taken_back(db: Database, after: datetime, until: datetime) -> list[tuple[str, str, str]]:
    """(task, made, taken back) of every record made by `until` and taken back after `after`
    (UTC ISO), read once: which tasks' folds a record taken back between two moments undoes."""
    return [tuple(r) for r in db.execute(
        "SELECT task_id, at, revoked_at FROM reports WHERE revoked_at > ? AND at <= ?",
        [utc_iso(after), utc_iso(until)])]


def newest_at(db: Database) -> str | None:
    """When the newest record was made (UTC ISO), or None before any."""
    row = db.execute("SELECT at FROM reports ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def every(db: Database, until: datetime) -> Iterator[tuple[Any, ...]]:
    """Every record made by `until`, oldest first, with its author's name, as the ledger's rows
    need it: (id, task_id, period, kind, percent, state, value, note, user_id, dept, at,
    source, unit, revoked_at, user_name). One taken back after `until` shows as it stood then
    (not yet taken back). Read as it is used: years of records are never all in memory."""
    cut = utc_iso(until)
    return iter(db.execute(
        "SELECT r.id, r.task_id, r.period, r.kind, r.percent, r.state, r.value, r.note, "
        "r.user_id, r.dept, r.at, r.source, r.unit, "
        "CASE WHEN r.revoked_at <= ? THEN r.revoked_at END AS revoked_at, m.name AS user_name "
        "FROM reports r LEFT JOIN members m ON m.user_id = r.user_id WHERE r.at <= ? "
        "ORDER BY r.id", [cut, cut]))


def count_until(db: Database, until: datetime) -> int:
    """How many records `every(db, until)` gives."""
    return int(db.execute("SELECT COUNT(*) FROM reports WHERE at <= ?",
                          [utc_iso(until)]).fetchone()[0])


def acknowledged_since(db: Database, task_id: str, at: str) -> bool:
    """Whether the task has a standing 签收 (`ack` record) at or after the UTC time `at`."""
    return db.execute("SELECT 1 FROM reports WHERE task_id = ? AND kind = 'ack' "
                      "AND revoked_at IS NULL AND at >= ? LIMIT 1",
                      [task_id, at]).fetchone() is not None

"""The deadline history: every deadline set in the chat (/deadline, an approved 延期), per task and
occurrence, with when it was set, so the deadline in force on any past day is known exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

Row = dict[str, Any]


def add(db: Database, *, task_id: str, period: str, due: date, at: datetime, by: str | int | None,
        source: str, start: date | None = None) -> None:
    """Record a deadline set for a task (period "") or one occurrence (its own due date)."""
    db.execute("INSERT INTO deadlines (task_id, period, due, start, at, by, source) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [task_id, period, due.isoformat(), start.isoformat() if start else None,
                utc_iso(at), None if by is None else str(by), source])


def in_force(db: Database, task_id: str, period: str = "", source: str | None = None
             ) -> Row | None:
    """The newest deadline set for a task or occurrence (by `source` when given), if any."""
    only, params = ("", []) if source is None else (" AND source = ?", [source])
    rows = list(db.query("SELECT * FROM deadlines WHERE task_id = ? AND period = ?"
                         f"{only} ORDER BY id DESC LIMIT 1", [task_id, period, *params]))
    return rows[0] if rows else None


def for_facts(db: Database, task_ids: list[str] | None = None,
              until: datetime | None = None) -> list[Row]:
    """Every deadline set by `until` (all when None), by task then in order."""
    where, params = ["1"], []
    if until is not None:
        where.append("at <= ?")
        params.append(utc_iso(until))
    if task_ids is not None:
        where.append(f"task_id IN ({','.join('?' * len(task_ids))})")
        params += task_ids
    return list(db.query(f"SELECT * FROM deadlines WHERE {' AND '.join(where)} "
                         "ORDER BY task_id, id", params))

"""Notices (交办单, 督办单) waiting for a department's 签收."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

Row = dict[str, Any]


def insert(db: Database, *, kind: str, dept: str, task_ids: list[str], colour: str | None,
           at: datetime, by: int | None) -> int:
    cursor = db.execute(
        "INSERT INTO notices (kind, dept, tasks, colour, at, by) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, dept, json.dumps(task_ids), colour, utc_iso(at), by])
    assert cursor.lastrowid is not None  # a plain INSERT (no OR IGNORE) sets it or raises
    return cursor.lastrowid


def get(db: Database, notice_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM notices WHERE id = ?", [notice_id]))
    return rows[0] if rows else None


def mark_acknowledged(db: Database, notice_id: int, *, at: datetime, by: int) -> None:
    db.execute("UPDATE notices SET acked_at = ?, acked_by = ? WHERE id = ?",
               [utc_iso(at), by, notice_id])


def mark_posted(db: Database, notice_id: int, chat_id: int, message_id: int) -> None:
    db.execute("UPDATE notices SET chat_id = ?, message_id = ? WHERE id = ?",
               [chat_id, message_id, notice_id])


def mark_told_late(db: Database, notice_id: int, at: datetime) -> None:
    db.execute("UPDATE notices SET ack_late_told_at = ? WHERE id = ?", [utc_iso(at), notice_id])


def waiting_untold(db: Database) -> list[Row]:
    """Unacknowledged notices the coordinator has not yet been told are late."""
    return list(db.query("SELECT * FROM notices WHERE acked_at IS NULL "
                         "AND ack_late_told_at IS NULL ORDER BY id"))


def unposted(db: Database) -> list[Row]:
    return list(db.query("SELECT * FROM notices WHERE message_id IS NULL AND acked_at IS NULL "
                         "ORDER BY id"))


def unacknowledged(db: Database, until: datetime | None = None, dept: str | None = None
                   ) -> list[Row]:
    """Notices with no 签收 (as they stood at `until`, when given; of one department when
    `dept` is given), oldest first."""
    if until is None:
        only, params = ("", []) if dept is None else (" AND dept = ?", [dept])
        return list(db.query(f"SELECT * FROM notices WHERE acked_at IS NULL{only} ORDER BY id",
                             params))
    cut = utc_iso(until)
    return list(db.query("SELECT * FROM notices WHERE at <= ? AND (acked_at IS NULL OR "
                         "acked_at > ?) ORDER BY id", [cut, cut]))

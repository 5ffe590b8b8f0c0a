"""What the bot's own messages are about (bot.services.posts): one row per message kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso


def put(db: Database, *, chat_id: int, message_id: int, kind: str, tasks: str, ref: str | None,
        at: datetime, periods: str | None = None) -> None:
    db.execute("INSERT OR REPLACE INTO posts (chat_id, message_id, kind, tasks, ref, at, periods) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [chat_id, message_id, kind, tasks, ref, utc_iso(at), periods])


def get(db: Database, chat_id: int, message_id: int) -> tuple[Any, ...] | None:
    """(kind, tasks, ref, periods) of a message, or None."""
    row: tuple[Any, ...] | None = db.execute(
        "SELECT kind, tasks, ref, periods FROM posts WHERE chat_id = ? AND message_id = ?",
        [chat_id, message_id]).fetchone()
    return row


def period_of_record(db: Database, record_id: int) -> str | None:
    """The occurrence a record belongs to (a review or extension card's `ref`)."""
    row = db.execute("SELECT period FROM reports WHERE id = ?", [record_id]).fetchone()
    return row[0] if row else None


def of_kind(db: Database, kind: str, ref: str | None, task: str | None
            ) -> list[tuple[Any, ...]]:
    """(chat_id, message_id, kind, tasks, ref) of the posts of `kind` made for `ref` (or about
    `task`), oldest first."""
    where, params = ["kind = ?"], [kind]
    if ref is not None:
        where.append("ref = ?")
        params.append(ref)
    if task is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(posts.tasks) WHERE value = ?)")
        params.append(task)
    return db.execute(f"SELECT chat_id, message_id, kind, tasks, ref FROM posts "
                      f"WHERE {' AND '.join(where)} ORDER BY at, message_id", params).fetchall()


def refs_shown(db: Database, kind: str, refs: list[str]) -> set[str]:
    if not refs:
        return set()
    marks = ",".join("?" * len(refs))
    rows = db.execute(f"SELECT DISTINCT ref FROM posts WHERE kind = ? AND ref IN ({marks})",
                      [kind, *refs]).fetchall()
    return {row[0] for row in rows}


def of_occurrence(db: Database, kind: str, task: str, period: str) -> list[tuple[Any, ...]]:
    """(chat_id, message_id, kind, tasks, ref) of the cards of `kind` made for a record (their
    `ref`: a claim, an extension request) of one occurrence of a task, oldest first."""
    return db.execute(
        "SELECT p.chat_id, p.message_id, p.kind, p.tasks, p.ref FROM posts p "
        "JOIN reports r ON r.id = CAST(p.ref AS INTEGER) "
        "WHERE p.kind = ? AND r.task_id = ? AND r.period = ? ORDER BY p.at, p.message_id",
        [kind, task, period]).fetchall()

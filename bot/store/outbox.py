"""The outbox: everything the bot posts on its own is recorded before it is sent and marked
after: nudges, the digest's text and its album as separate parts, review requests.

A unique key per message (task × due date × offset for nudges, the ISO week and part for the
digest, the claim for a review request) means a restart never sends a delivered part twice, and
anything recorded but unsent goes out when the bot is back. Telegram has no idempotency key: a
message Telegram delivered but whose answer never reached us (a crash or timeout in between) is
the one case that can be sent twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso


def enqueue(db: Database, *, key: str, kind: str, chat_id: int | None, payload: dict[str, Any],
            now: datetime, due_at: datetime | None = None) -> bool:
    """Record a message to send; False when its key was recorded before (sent or not)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO outbox (key, kind, chat_id, payload, due_at, created_at, attempts) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)",
        [key, kind, chat_id, json.dumps(payload, ensure_ascii=False, default=str),
         utc_iso(due_at or now), utc_iso(now)])
    db.conn.commit()
    return cursor.rowcount == 1


def pending(db: Database, *, key: str, kind: str, chat_id: int | None, now: datetime
            ) -> int | None:
    """The outbox row of `key` if it still has to be sent (recording it first), else None."""
    enqueue(db, key=key, kind=kind, chat_id=chat_id, payload={}, now=now)
    row = db.execute("SELECT id, sent_at FROM outbox WHERE key = ?", [key]).fetchone()
    return None if row[1] else row[0]


def unsent(db: Database, kind: str) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM outbox WHERE kind = ? AND sent_at IS NULL ORDER BY id",
                         [kind]))


def mark_sent(db: Database, ids: list[int], now: datetime) -> None:
    with db.atomic():
        for row_id in ids:
            db.execute("UPDATE outbox SET sent_at = ? WHERE id = ?", [utc_iso(now), row_id])


def mark_failed(db: Database, ids: list[int], error: str) -> None:
    with db.atomic():
        for row_id in ids:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                       [error[:500], row_id])


def supersede(db: Database, row_id: int, now: datetime) -> None:
    """Mark an unsent row as never to be sent (what it said no longer holds)."""
    db.execute("UPDATE outbox SET sent_at = ?, last_error = 'superseded' WHERE id = ?",
               [utc_iso(now), row_id])

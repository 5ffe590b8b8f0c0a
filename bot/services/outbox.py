"""Everything the bot posts on its own, as the sender (handlers/sender.py) sees it: the outbox's
rows to record, read and mark. The store (bot.store.outbox) holds the SQL; handlers go through
here and never touch the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store import outbox as store

Row = dict[str, Any]


def enqueue(db: Database, *, key: str, kind: str, chat_id: int | None,
            payload: dict[str, Any], now: datetime) -> int | None:
    """Record a part to post (once per key); its row id, or None when the key was recorded
    before."""
    return store.enqueue(db, key=key, kind=kind, chat_id=chat_id, payload=payload, now=now)


def pending(db: Database, *, key: str, kind: str, chat_id: int | None, now: datetime,
            payload: dict[str, Any] | None = None) -> int | None:
    """The row of `key` if it still has to go out (recorded first), else None."""
    return store.pending(db, key=key, kind=kind, chat_id=chat_id, now=now, payload=payload)


def get(db: Database, row_id: int) -> Row | None:
    return store.get(db, row_id)


def by_key(db: Database, key: str) -> Row | None:
    return store.by_key(db, key)


def unsent(db: Database, kind: str | None = None, *, due_by: datetime | None = None
           ) -> list[Row]:
    """Parts still to post, oldest first; with `due_by`, only those whose pause has passed."""
    return store.unsent(db, kind, due_by=due_by)


def sent(db: Database, ids: list[int], now: datetime, message_id: int | None = None
         ) -> None:
    store.mark_sent(db, ids, now, message_id)


def superseded(db: Database, ids: list[int], now: datetime, why: str) -> None:
    """What the parts said no longer holds: done, never posted."""
    store.mark_superseded(db, ids, now, why)


def failed(db: Database, ids: list[int], error: str, *, retry_at: datetime | None,
           now: datetime | None = None) -> None:
    """One more failed try: the next not before `retry_at`, or given up when None."""
    store.mark_failed(db, ids, error, retry_at=retry_at, now=now)


def parts_sent(db: Database, row_id: int, count: int) -> None:
    """How many pieces of a long message went out, so a retry posts only the rest."""
    store.mark_parts(db, row_id, count)

"""The inbox: every update Telegram hands the bot is kept before Telegram hears it arrived.

Telegram forgets an update once the bot confirms it (the next getUpdates offset, or the webhook's
200), and python-telegram-bot confirms a polled batch before it has handled it. So each update is
written here first, handled from here, and marked done; at start the ones never marked are
handled again. A replay is harmless: every write carries the update's idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

KEEP_DAYS = 7  # done rows are kept this long, for an investigation after an incident


def store(db: Database, update_id: int, payload: str, now: datetime) -> bool:
    """Keep one update (its JSON) before it is confirmed; False if this very update was kept
    before (Telegram sends an unconfirmed update again after a crash)."""
    return store_all(db, [(update_id, payload)], now) == 1


def store_all(db: Database, updates: Iterable[tuple[int, str]], now: datetime) -> int:
    """Keep a fetched batch in one transaction (one disk sync); returns how many were new.

    The same id with other content is a new update: Telegram picks ids at random after a week
    without updates, and a new bot token starts a new sequence. It replaces the old row, so
    it is never mistaken for one already handled."""
    new = 0
    with db.atomic():
        for update_id, payload in updates:
            if kept(db, update_id, payload):
                continue
            db.execute("INSERT OR REPLACE INTO inbox (update_id, received_at, payload, done_at) "
                       "VALUES (?, ?, ?, NULL)", [update_id, utc_iso(now), payload])
            new += 1
    return new


def kept(db: Database, update_id: int, payload: str) -> bool:
    """Whether this very update is in the inbox already."""
    row = db.execute("SELECT payload FROM inbox WHERE update_id = ?", [update_id]).fetchone()
    return row is not None and row[0] == payload


def mark_done(db: Database, update_id: int, now: datetime) -> None:
    mark_all_done(db, [update_id], now)


def mark_all_done(db: Database, update_ids: list[int], now: datetime) -> None:
    """Mark updates done in one transaction (a gathered acknowledgement's whole batch)."""
    with db.atomic():
        for update_id in update_ids:
            db.execute("UPDATE inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL",
                       [utc_iso(now), update_id])


def is_done(db: Database, update_id: int) -> bool:
    row = db.execute("SELECT done_at FROM inbox WHERE update_id = ?", [update_id]).fetchone()
    return row is not None and row[0] is not None


def pending(db: Database) -> list[dict[str, Any]]:
    """Updates kept but never marked done (the bot stopped or died first), oldest first."""
    return list(db.query("SELECT update_id, received_at, payload FROM inbox "
                         "WHERE done_at IS NULL ORDER BY update_id"))


def prune(db: Database, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Forget updates handled more than `keep_days` ago; returns how many."""
    cutoff = utc_iso(now - timedelta(days=keep_days))
    return db.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                      [cutoff]).rowcount

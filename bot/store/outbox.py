"""The outbox: everything the bot posts on its own is recorded before it is sent and marked
after: nudges, the digest's text and its album as separate parts, review and extension cards
(recorded in the transaction of the claim or the request), 交办单 and 督办单, application cards,
decisions told to applicants, the list of notices nobody acknowledged.

A unique key per message (task × due date × offset for nudges, the ISO week and part for the
digest, the record for a card, the notice for a 交办单) means a restart never sends a delivered
part twice, and anything recorded but unsent goes out when the bot is back (handlers/sender.py
sends every row, retries it, and sweeps the unsent ones). Telegram has no idempotency key: a
message Telegram delivered but whose answer never reached us (a crash or a timeout in between)
is the one case that can be sent twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso


def enqueue(db: Database, *, key: str, kind: str, chat_id: int | None, payload: dict[str, Any],
            now: datetime, due_at: datetime | None = None) -> int | None:
    """Record a message to send (inside the caller's transaction when there is one); its row id,
    or None when its key was recorded before (sent or not)."""
    with db.atomic():
        cursor = db.execute(
            "INSERT OR IGNORE INTO outbox (key, kind, chat_id, payload, due_at, created_at, "
            "attempts) VALUES (?, ?, ?, ?, ?, ?, 0)",
            [key, kind, chat_id, json.dumps(payload, ensure_ascii=False, default=str),
             utc_iso(due_at or now), utc_iso(now)])
    return cursor.lastrowid if cursor.rowcount == 1 else None


def by_key(db: Database, key: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM outbox WHERE key = ?", [key]).fetchone()
    return _row(db, row)


def get(db: Database, row_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM outbox WHERE id = ?", [row_id]).fetchone()
    return _row(db, row)


def _row(db: Database, row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    columns = [c[0] for c in db.execute("SELECT * FROM outbox LIMIT 0").description]
    out = dict(zip(columns, row, strict=True))
    out["payload"] = json.loads(out["payload"] or "{}")
    return out


def pending(db: Database, *, key: str, kind: str, chat_id: int | None, now: datetime,
            payload: dict[str, Any] | None = None) -> int | None:
    """The outbox row of `key` if it still has to be sent (recording it first), else None."""
    enqueue(db, key=key, kind=kind, chat_id=chat_id, payload=payload or {}, now=now)
    row = db.execute("SELECT id, sent_at, given_up_at FROM outbox WHERE key = ?",
                     [key]).fetchone()
    return None if row[1] or row[2] else row[0]


def unsent(db: Database, kind: str | None = None, *, due_by: datetime | None = None
           ) -> list[dict[str, Any]]:
    """Rows still to send (not given up), oldest first; with `due_by`, only those whose next
    try has come."""
    sql = "SELECT id FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL"
    params: list[Any] = []
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if due_by is not None:
        sql += " AND (next_at IS NULL OR next_at <= ?)"
        params.append(utc_iso(due_by))
    ids = [r[0] for r in db.execute(sql + " ORDER BY id", params).fetchall()]
    return [row for row in (get(db, i) for i in ids) if row is not None]


def mark_sent(db: Database, ids: list[int], now: datetime, message_id: int | None = None
              ) -> None:
    with db.atomic():
        for row_id in ids:
            db.execute("UPDATE outbox SET sent_at = ?, message_id = ?, next_at = NULL "
                       "WHERE id = ?", [utc_iso(now), message_id, row_id])


def mark_superseded(db: Database, ids: list[int], now: datetime, why: str) -> None:
    """Not to be sent any more (what it said no longer holds): counted as done."""
    with db.atomic():
        for row_id in ids:
            db.execute("UPDATE outbox SET sent_at = ?, last_error = ?, next_at = NULL "
                       "WHERE id = ?", [utc_iso(now), f"superseded: {why}"[:500], row_id])


def mark_failed(db: Database, ids: list[int], error: str, *, retry_at: datetime | None,
                now: datetime | None = None) -> None:
    """One more failed try; the next one not before `retry_at`, or never (given up) when None."""
    with db.atomic():
        for row_id in ids:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, "
                "given_up_at = ? WHERE id = ?",
                [error[:500], utc_iso(retry_at) if retry_at else None,
                 None if retry_at else utc_iso(now or datetime.now().astimezone()), row_id])


def mark_parts(db: Database, row_id: int, parts_sent: int) -> None:
    """How many parts of a long message went out, so a retry sends only the rest."""
    with db.atomic():
        db.execute("UPDATE outbox SET parts_sent = ? WHERE id = ?", [parts_sent, row_id])

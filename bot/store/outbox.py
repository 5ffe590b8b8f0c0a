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
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.services.reminders import Nudge, NudgePolicy, scan
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
    return list(db["outbox"].rows_where("kind = ? AND sent_at IS NULL", [kind], order_by="id"))


def mark_sent(db: Database, ids: list[int], now: datetime) -> None:
    with db.atomic():
        for row_id in ids:
            db["outbox"].update(row_id, {"sent_at": utc_iso(now)})


def mark_failed(db: Database, ids: list[int], error: str) -> None:
    with db.atomic():
        for row_id in ids:
            row = db["outbox"].get(row_id)
            db["outbox"].update(row_id, {"attempts": row["attempts"] + 1,
                                         "last_error": error[:500]})


def prepare_nudges(db: Database, now: datetime, policy: NudgePolicy,
                   chat_id: int | None) -> list[tuple[int, Nudge]]:
    """Record today's nudges and return the unsent ones among them. An older unsent nudge (the
    bot could not post it) is superseded, not sent late: today's scan already says what is due
    now, and a task done or muted since gets nothing."""
    due_now = scan(db, now, policy)
    for nudge in due_now:
        enqueue(db, key=nudge.key, kind="nudge", chat_id=chat_id, payload=asdict(nudge), now=now)
    keys = {nudge.key for nudge in due_now}
    pending = []
    with db.atomic():
        for row in unsent(db, "nudge"):
            if row["key"] not in keys:
                db["outbox"].update(row["id"], {"sent_at": utc_iso(now),
                                                "last_error": "superseded"})
                continue
            data = json.loads(row["payload"])
            data["due"] = date.fromisoformat(data["due"])
            data["send_on"] = date.fromisoformat(data["send_on"])
            pending.append((row["id"], Nudge(**data)))
    return pending

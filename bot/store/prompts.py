"""The questions the bot is waiting on (bot.services.prompts), and the messages that ask them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

Row = dict[str, Any]


def insert(db: Database, *, chat_id: int, user_id: int, kind: str, step: str, data: str,
           at: datetime) -> int:
    stamp = utc_iso(at)
    cursor = db.execute(
        "INSERT INTO prompts (chat_id, user_id, kind, step, data, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", [chat_id, user_id, kind, step, data, stamp, stamp])
    assert cursor.lastrowid is not None  # a plain INSERT (no OR IGNORE) sets it or raises
    return cursor.lastrowid


def get(db: Database, prompt_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM prompts WHERE id = ?", [prompt_id]))
    return rows[0] if rows else None


def newest_open(db: Database, chat_id: int, user_id: int, kind: str) -> Row | None:
    rows = list(db.query("SELECT * FROM prompts WHERE chat_id = ? AND user_id = ? AND kind = ? "
                         "AND closed_at IS NULL ORDER BY id DESC LIMIT 1",
                         [chat_id, user_id, kind]))
    return rows[0] if rows else None


def update_step(db: Database, prompt_id: int, *, step: str, at: datetime, data: str) -> None:
    db.execute("UPDATE prompts SET step = ?, updated_at = ?, data = ? WHERE id = ?",
               [step, utc_iso(at), data, prompt_id])


def close(db: Database, prompt_id: int, *, at: datetime, outcome: str) -> None:
    db.execute("UPDATE prompts SET closed_at = ?, outcome = ? WHERE id = ? AND closed_at IS NULL",
               [utc_iso(at), outcome, prompt_id])


def close_open(db: Database, chat_id: int, user_id: int, kind: str | None, *, at: datetime,
               outcome: str) -> int:
    """Close the open prompts of a person in a chat (of one kind, or all); how many."""
    only, params = ("", []) if kind is None else (" AND kind = ?", [kind])
    cursor = db.execute(f"UPDATE prompts SET closed_at = ?, outcome = ? WHERE chat_id = ? "
                        f"AND user_id = ? AND closed_at IS NULL{only}",
                        [utc_iso(at), outcome, chat_id, user_id, *params])
    return cursor.rowcount


def link_message(db: Database, chat_id: int, message_id: int, prompt_id: int) -> None:
    db.execute("INSERT OR REPLACE INTO prompt_messages (chat_id, message_id, prompt_id) "
               "VALUES (?, ?, ?)", [chat_id, message_id, prompt_id])


def prompt_of_message(db: Database, chat_id: int, message_id: int) -> int | None:
    row = db.execute("SELECT prompt_id FROM prompt_messages WHERE chat_id = ? AND message_id = ?",
                     [chat_id, message_id]).fetchone()
    return row[0] if row else None

"""Questions the bot is waiting on, kept in SQLite so they survive a restart.

A prompt is one conversation with one person in one chat: the guided /report (steps: task,
progress or value, note, evidence, confirm) or the reason for sending a task back (退回). Every
message the bot sends to ask is linked to its prompt, so a typed reply, a photo or a button press
finds its question again, whether the bot restarted in between or not, and an answer to a
question that is closed or was taken over by a newer one is told so instead of being ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

IDLE_LIMIT = timedelta(hours=2)  # an untouched prompt expires; answers then start again


@dataclass(frozen=True)
class Prompt:
    id: int
    chat_id: int
    user_id: int
    kind: str  # report | reopen_reason
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""
    closed_at: str | None = None
    outcome: str | None = None

    def live(self, now: datetime) -> bool:
        return self.closed_at is None and not self.idle(now)

    def idle(self, now: datetime) -> bool:
        return now - datetime.fromisoformat(self.updated_at) > IDLE_LIMIT


def _prompt(row: dict[str, Any]) -> Prompt:
    return Prompt(row["id"], row["chat_id"], row["user_id"], row["kind"], row["step"],
                  json.loads(row["data"] or "{}"), row["updated_at"], row["closed_at"],
                  row["outcome"])


def open_prompt(db: Database, *, chat_id: int, user_id: int, kind: str, step: str,
                data: dict[str, Any], now: datetime) -> Prompt:
    """Start a prompt; an open one of the same kind for the same person and chat is replaced."""
    stamp = utc_iso(now)
    with db.atomic():
        db.execute("UPDATE prompts SET closed_at = ?, outcome = 'replaced' WHERE chat_id = ? "
                   "AND user_id = ? AND kind = ? AND closed_at IS NULL",
                   [stamp, chat_id, user_id, kind])
        prompt_id = db["prompts"].insert({
            "chat_id": chat_id, "user_id": user_id, "kind": kind, "step": step,
            "data": json.dumps(data, ensure_ascii=False), "created_at": stamp,
            "updated_at": stamp}).last_pk
    return get(db, prompt_id)


def get(db: Database, prompt_id: int) -> Prompt | None:
    rows = list(db["prompts"].rows_where("id = ?", [prompt_id]))
    return _prompt(rows[0]) if rows else None


def link_message(db: Database, prompt: Prompt, message_id: int) -> None:
    """Remember that the bot's message `message_id` asks the question of `prompt`."""
    db["prompt_messages"].upsert({"chat_id": prompt.chat_id, "message_id": message_id,
                                  "prompt_id": prompt.id}, pk=("chat_id", "message_id"))


def by_message(db: Database, chat_id: int, message_id: int) -> Prompt | None:
    row = db.execute("SELECT prompt_id FROM prompt_messages WHERE chat_id = ? AND message_id = ?",
                     [chat_id, message_id]).fetchone()
    return get(db, row[0]) if row else None


def open_for(db: Database, chat_id: int, user_id: int, kind: str) -> Prompt | None:
    rows = list(db["prompts"].rows_where(
        "chat_id = ? AND user_id = ? AND kind = ? AND closed_at IS NULL",
        [chat_id, user_id, kind], order_by="id DESC", limit=1))
    return _prompt(rows[0]) if rows else None


def advance(db: Database, prompt: Prompt, *, step: str, now: datetime,
            **data: Any) -> Prompt:
    """Move to the next step, adding answers to the prompt's data."""
    merged = {**prompt.data, **data}
    db["prompts"].update(prompt.id, {"step": step, "updated_at": utc_iso(now),
                                     "data": json.dumps(merged, ensure_ascii=False)})
    return get(db, prompt.id)


def close(db: Database, prompt: Prompt, *, now: datetime, outcome: str) -> None:
    db.execute("UPDATE prompts SET closed_at = ?, outcome = ? WHERE id = ? AND closed_at IS NULL",
               [utc_iso(now), outcome, prompt.id])


def close_all(db: Database, chat_id: int, user_id: int, *, now: datetime, outcome: str) -> int:
    """/cancel: close every open prompt of this person in this chat; returns how many."""
    cursor = db.execute("UPDATE prompts SET closed_at = ?, outcome = ? WHERE chat_id = ? AND "
                        "user_id = ? AND closed_at IS NULL",
                        [utc_iso(now), outcome, chat_id, user_id])
    return cursor.rowcount

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

from bot.store import prompts as store

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
    with db.atomic():
        store.close_open(db, chat_id, user_id, kind, at=now, outcome="replaced")
        prompt_id = store.insert(db, chat_id=chat_id, user_id=user_id, kind=kind, step=step,
                                 data=json.dumps(data, ensure_ascii=False), at=now)
    found = get(db, prompt_id)
    assert found is not None
    return found


def get(db: Database, prompt_id: int) -> Prompt | None:
    row = store.get(db, prompt_id)
    return _prompt(row) if row else None


def link_message(db: Database, prompt: Prompt, message_id: int) -> None:
    """Remember that the bot's message `message_id` asks the question of `prompt`."""
    with db.atomic():
        store.link_message(db, prompt.chat_id, message_id, prompt.id)


def by_message(db: Database, chat_id: int, message_id: int) -> Prompt | None:
    prompt_id = store.prompt_of_message(db, chat_id, message_id)
    return get(db, prompt_id) if prompt_id is not None else None


def open_for(db: Database, chat_id: int, user_id: int, kind: str) -> Prompt | None:
    row = store.newest_open(db, chat_id, user_id, kind)
    return _prompt(row) if row else None


def advance(db: Database, prompt: Prompt, *, step: str, now: datetime,
            **data: Any) -> Prompt:
    """Move to the next step, adding answers to the prompt's data."""
    merged = {**prompt.data, **data}
    with db.atomic():
        store.update_step(db, prompt.id, step=step, at=now,
                          data=json.dumps(merged, ensure_ascii=False))
    found = get(db, prompt.id)
    assert found is not None
    return found


def close(db: Database, prompt: Prompt, *, now: datetime, outcome: str) -> None:
    with db.atomic():
        store.close(db, prompt.id, at=now, outcome=outcome)


def close_all(db: Database, chat_id: int, user_id: int, *, now: datetime, outcome: str) -> int:
    """/cancel: close every open prompt of this person in this chat; returns how many."""
    with db.atomic():
        return store.close_open(db, chat_id, user_id, None, at=now, outcome=outcome)

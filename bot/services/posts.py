"""What the bot's own messages are about: the tasks of a reminder, a 交办单 or 督办单, a review
or extension card, an acknowledgement, a notice to a reporter, a task's view.

A reply to one of these is read against its tasks (handlers/replies.py), and a card decided some
other way than by its own buttons (a command, /undo, a newer card) is found again here so its
buttons can go. Only messages about tasks or decisions are kept; the rest need no record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from bot.store import posts as store

NOTICE, NUDGE, ACK, REVIEW, EXTENSION, JOIN, TASK, EVIDENCE = (
    "notice", "nudge", "ack", "review", "extension", "join", "task", "evidence")


@dataclass(frozen=True)
class Post:
    chat_id: int
    message_id: int
    kind: str
    tasks: tuple[str, ...]
    ref: str | None
    periods: Mapping[str, str] = field(default_factory=dict)  # the occurrence named, by task


def remember(db: Database, *, chat_id: int, message_id: int, kind: str,
             tasks: Iterable[str] = (), ref: str | int | None = None,
             periods: Mapping[str, str] | None = None, now: datetime) -> None:
    with db.atomic():
        store.put(db, chat_id=chat_id, message_id=message_id, kind=kind,
                  tasks=json.dumps(sorted(set(tasks))), ref=None if ref is None else str(ref),
                  at=now, periods=json.dumps(dict(periods), sort_keys=True) if periods else None)


def get(db: Database, chat_id: int, message_id: int) -> Post | None:
    row = store.get(db, chat_id, message_id)
    if row is None:
        return None
    return Post(chat_id, message_id, row[0], tuple(json.loads(row[1])), row[2],
                json.loads(row[3]) if row[3] else {})


def named_occurrences(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """(task, occurrence) pairs of one message as the occurrence it names by task: a task it
    speaks of on two occurrences (or on none) names none."""
    seen: dict[str, str | None] = {}
    for task, period in pairs:
        seen[task] = period if seen.get(task, period) == period else None
    return {task: period for task, period in seen.items() if period}


def occurrence_named(db: Database, post: Post, task_id: str) -> str | None:
    """The occurrence of `task_id` a post is about, when it names one: an acknowledgement's or
    a reminder's (kept with it), a review or extension card's (its record's)."""
    if task_id in post.periods:
        return post.periods[task_id]
    if post.kind in (REVIEW, EXTENSION) and post.ref and post.ref.isdigit():
        return store.period_of_record(db, int(post.ref))
    return None


def cards(db: Database, kind: str, *, ref: str | int | None = None,
          task: str | None = None) -> list[Post]:
    """The posts of `kind` made for `ref` (or about `task`), oldest first."""
    rows = store.of_kind(db, kind, None if ref is None else str(ref), task)
    return [Post(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4]) for r in rows]


def cards_of_occurrence(db: Database, kind: str, task: str, period: str) -> list[Post]:
    """The cards of `kind` (review, extension) made for records of one occurrence of a task,
    oldest first: what a decision on that occurrence takes the buttons off."""
    return [Post(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4])
            for r in store.of_occurrence(db, kind, task, period)]


def shown(db: Database, kind: str, refs: Iterable[str | int]) -> set[str]:
    """Which of `refs` the bot has posted a message of `kind` for (evidence already shown)."""
    return store.refs_shown(db, kind, [str(r) for r in refs])

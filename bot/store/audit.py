"""The audit log: one row per change, written inside the transaction that makes it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso


def audit(
    db: Database,
    *,
    at: datetime,
    actor: str | int,
    action: str,
    entity: str,
    entity_id: str | int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to the audit log (call inside the transaction that makes the change)."""
    # Plain SQL: sqlite-utils' insert looks the table up in the schema first, on every write.
    db.execute("INSERT INTO audit (at, actor, action, entity, entity_id, detail) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               [utc_iso(at), str(actor), action, entity, str(entity_id),
                json.dumps(detail or {}, ensure_ascii=False, default=str)])


def recent(db: Database, *, entity: str, entity_id: str | int, actor: str | int,
           actions: tuple[str, ...], since: datetime) -> list[dict[str, Any]]:
    """The audit rows of `actor`'s `actions` on one entity since a moment, oldest first, with
    their detail decoded."""
    marks = ", ".join("?" for _ in actions)
    rows = db.execute(
        f"SELECT at, action, detail FROM audit WHERE entity = ? AND entity_id = ? AND actor = ? "
        f"AND action IN ({marks}) AND at >= ? ORDER BY id",
        [entity, str(entity_id), str(actor), *actions, utc_iso(since)]).fetchall()
    return [{"at": at, "action": action, "detail": json.loads(detail or "{}")}
            for at, action, detail in rows]


def entries(db: Database, *, entity: str, entity_id: str | int, action: str) -> list[dict[str, Any]]:
    """The audit rows of one action on one entity, oldest first, their detail decoded."""
    return [{**row, "detail": json.loads(row["detail"] or "{}")}
            for row in db.query("SELECT * FROM audit WHERE entity = ? AND entity_id = ? "
                                "AND action = ? ORDER BY id", [entity, str(entity_id), action])]

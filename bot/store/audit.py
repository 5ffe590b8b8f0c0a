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


def entries(db: Database, *, entity: str, entity_id: str | int, action: str) -> list[dict[str, Any]]:
    """The audit rows of one action on one entity, oldest first, their detail decoded."""
    return [{**row, "detail": json.loads(row["detail"] or "{}")}
            for row in db.query("SELECT * FROM audit WHERE entity = ? AND entity_id = ? "
                                "AND action = ? ORDER BY id", [entity, str(entity_id), action])]

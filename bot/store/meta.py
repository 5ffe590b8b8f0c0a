"""Key-value facts about the plan and the installation: the plan's title and document number,
where the coordination group moved, when tracking began, counters."""

from __future__ import annotations

from sqlite_utils import Database


def meta(db: Database) -> dict[str, str]:
    return {row[0]: row[1] for row in db.execute("SELECT key, value FROM meta")}


def get(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def put(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


def delete(db: Database, key: str) -> None:
    db.execute("DELETE FROM meta WHERE key = ?", [key])

"""Evidence rows: one per file kept against a task (the file itself lives under EVIDENCE_DIR)."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

Row = dict[str, Any]
COLUMNS = ("task_id", "report_id", "file_id", "file_unique_id", "kind", "file_name", "mime_type",
           "size", "sha256", "path", "caption", "user_id", "at", "update_key")


def insert(db: Database, row: Row) -> int:
    cursor = db.execute(f"INSERT INTO evidence ({', '.join(COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in COLUMNS)})",
                        [row.get(c) for c in COLUMNS])
    assert cursor.lastrowid is not None  # a plain INSERT (no OR IGNORE) sets it or raises
    return cursor.lastrowid


def get(db: Database, evidence_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM evidence WHERE id = ?", [evidence_id]))
    return rows[0] if rows else None


def kept(db: Database, task_id: str, file_unique_id: str) -> Row | None:
    """The row already kept for this file on this task, if any."""
    rows = list(db.query("SELECT * FROM evidence WHERE task_id = ? AND file_unique_id = ?",
                         [task_id, file_unique_id]))
    return rows[0] if rows else None


def of_task(db: Database, task_id: str) -> list[Row]:
    return list(db.query(
        "SELECT e.*, m.name AS user_name FROM evidence e LEFT JOIN members m ON m.user_id = "
        "e.user_id WHERE e.task_id = ? ORDER BY e.id", [task_id]))


def count_for_task(db: Database, task_id: str) -> int:
    return int(db.execute("SELECT count(*) FROM evidence WHERE task_id = ?",
                          [task_id]).fetchone()[0])


def of_report(db: Database, report_id: int, limit: int) -> list[Row]:
    return list(db.query("SELECT * FROM evidence WHERE report_id = ? ORDER BY id LIMIT ?",
                         [report_id, limit]))


def newest_of_task(db: Database, task_id: str, limit: int) -> list[Row]:
    return list(db.query("SELECT * FROM evidence WHERE task_id = ? ORDER BY id DESC LIMIT ?",
                         [task_id, limit]))


def for_facts(db: Database, until: str | None = None) -> list[tuple[str, int | None, str]]:
    """(task, report, at) of every evidence row kept by `until` (UTC ISO; all when None)."""
    if until is None:
        return db.execute("SELECT task_id, report_id, at FROM evidence").fetchall()
    return db.execute("SELECT task_id, report_id, at FROM evidence WHERE at <= ?",
                      [until]).fetchall()

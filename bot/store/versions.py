"""Counters that say what changed since a kept copy was made: per task (records, evidence,
deadlines), for notices, and for the whole file (another connection's commit)."""

from __future__ import annotations

from sqlite_utils import Database


def stamp(db: Database) -> tuple[int, int]:
    """Moves whenever anything is written: data_version on another connection's commit,
    total_changes on this one's."""
    return db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes


def tasks(db: Database) -> dict[str, int]:
    return dict(db.execute("SELECT task_id, version FROM task_versions").fetchall())


def notices(db: Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'notices_version'").fetchone()
    return row[0] if row else ""


def evidence_counts(db: Database, task_ids: list[str] | None = None,
                    until: str | None = None) -> dict[str, int]:
    where, params = ["1"], []
    if until is not None:
        where.append("at <= ?")
        params.append(until)
    if task_ids is not None:
        where.append(f"task_id IN ({','.join('?' * len(task_ids))})")
        params += task_ids
    return dict(db.execute(f"SELECT task_id, count(*) FROM evidence WHERE {' AND '.join(where)} "
                           "GROUP BY task_id", params).fetchall())

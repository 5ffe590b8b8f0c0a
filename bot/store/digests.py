"""What each weekly digest covered (`digests`): the moment its facts were taken, the newest
report and evidence row it had seen, and the completion it showed. The next digest counts what
came after it, so a report made on a digest's day after it went out is in the next one, and
none is counted twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

Row = dict[str, Any]


def high_marks(db: Database) -> tuple[int, int]:
    """The newest report and evidence row ids: what a digest composed now has seen."""
    row = db.execute("SELECT (SELECT coalesce(max(id), 0) FROM reports), "
                     "(SELECT coalesce(max(id), 0) FROM evidence)").fetchone()
    return int(row[0]), int(row[1])


def keep(db: Database, *, key: str, at: datetime, report_id: int, evidence_id: int,
         completion: float | None, version: int, posted_at: datetime) -> None:
    """Keep what the digest `key` covered, the first time it is posted (a retried album, a
    restart, leave it as it was)."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO digests (key, at, report_id, evidence_id, completion, "
                    "version, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [key, utc_iso(at), report_id, evidence_id, completion, version,
                     utc_iso(posted_at)])


def before(db: Database, moment: datetime) -> Row | None:
    """The newest digest posted by `moment` for a moment before it, or None."""
    rows = list(db.query("SELECT * FROM digests WHERE at < ? AND posted_at <= ? "
                         "ORDER BY at DESC, key DESC LIMIT 1", [utc_iso(moment)] * 2))
    return rows[0] if rows else None


def posted_since(db: Database, start: datetime, moment: datetime) -> list[Row]:
    """The digests posted by `moment` for moments from `start` up to it, oldest first: a digest
    made for a past moment sees only those that had gone out by then."""
    return list(db.query("SELECT * FROM digests WHERE at >= ? AND at < ? AND posted_at <= ? "
                         "ORDER BY at, key", [utc_iso(start), utc_iso(moment), utc_iso(moment)]))

"""The bulletin's issue numbers (期号)."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from bot.store.connection import utc_iso


def issue_number(db: Database, kind: str, key: str, start: date, end: date,
                 now: datetime) -> int:
    """The number of series `kind`'s issue for period `key` (table `bulletin_issues`): given on
    its first issue, the next of the series, and kept for every later copy of that period."""
    with db.atomic():
        row = db.execute("SELECT number FROM bulletin_issues WHERE series = ? AND period = ?",
                         [kind, key]).fetchone()
        if row:
            return int(row[0])
        number: int = db.execute("SELECT coalesce(max(number), 0) + 1 FROM bulletin_issues "
                            "WHERE series = ?", [kind]).fetchone()[0]
        db.table("bulletin_issues").insert({"series": kind, "period": key, "number": number,
                                      "start": start.isoformat(), "end": end.isoformat(),
                                      "issued_at": utc_iso(now)})
    return number


def numbered_before_later(db: Database, kind: str, start: date, number: int
                          ) -> tuple[int, str] | None:
    """The first issue of series `kind` for a period after the one starting `start` that was
    numbered before `number` (the period was issued out of order): its number and period."""
    row = db.execute("SELECT number, period FROM bulletin_issues WHERE series = ? AND "
                     "number < ? AND start > ? ORDER BY number LIMIT 1",
                     [kind, number, start.isoformat()]).fetchone()
    return (int(row[0]), str(row[1])) if row else None

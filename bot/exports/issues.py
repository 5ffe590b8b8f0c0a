"""期号: the bulletin's issue numbers, kept in the database (table `bulletin_issues`).

Each series (weekly, monthly) counts from its first issue. A period is the ISO week or the
calendar month of the bulletin's date: issuing it again (a corrected copy, the English variant,
the same report asked for a past day) gives it the number it got the first time; a period never
issued before takes the next number, in the order the issues were made.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from bot.db import utc_iso


def period_key(kind: str, day: date) -> str:
    """'2023-W20' (the ISO week of `day`) or '2023-05' (its month)."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def issue_number(db: Database, kind: str, key: str, start: date, end: date,
                 now: datetime) -> int:
    """The number of the issue of series `kind` for period `key`, given on its first issue."""
    with db.atomic():
        row = db.execute("SELECT number FROM bulletin_issues WHERE series = ? AND period = ?",
                         [kind, key]).fetchone()
        if row:
            return row[0]
        number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM bulletin_issues "
                            "WHERE series = ?", [kind]).fetchone()[0]
        db["bulletin_issues"].insert({"series": kind, "period": key, "number": number,
                                      "start": start.isoformat(), "end": end.isoformat(),
                                      "issued_at": utc_iso(now)})
    return number

"""What the paperwork reads beside the tasks' records, and the bulletin's issue numbers (期号).

Plain values in and out; the facts (bot/outputs/exports/facts.py) make sense of them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.store.connection import utc_iso

# A report the department made itself, valid at `at` (taken back later is still valid then).
_REPORTED = "kind IN ('progress', 'claim') AND at <= ? AND (revoked_at IS NULL OR revoked_at > ?)"


def issue_number(db: Database, kind: str, key: str, start: date, end: date,
                 now: datetime) -> int:
    """The number of series `kind`'s issue for period `key` (table `bulletin_issues`): given on
    its first issue, the next of the series, and kept for every later copy of that period."""
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


def liaison_names(db: Database, at: datetime) -> dict[str, list[str]]:
    """Each department's active liaisons (name, else id) who had joined by `at`, by user id."""
    out: dict[str, list[str]] = {}
    for row in db.query("SELECT dept, user_id, name FROM members WHERE role = 'liaison' AND "
                        "status = 'active' AND (created_at IS NULL OR created_at <= ?) "
                        "ORDER BY user_id", [utc_iso(at)]):
        out.setdefault(row["dept"], []).append(row["name"] or str(row["user_id"]))
    return out


def notices_waiting(db: Database, at: datetime) -> list[dict[str, Any]]:
    """交办单 and 督办单 sent by `at` and not signed for by then, oldest first."""
    rows = db.query("SELECT id, kind, dept, tasks, colour, at FROM notices WHERE at <= ? AND "
                    "(acked_at IS NULL OR acked_at > ?) ORDER BY at, id",
                    [utc_iso(at), utc_iso(at)])
    return [{**row, "tasks": json.loads(row["tasks"])} for row in rows]


def last_reports(db: Database, at: datetime) -> dict[str, str]:
    """Each department's newest own report (UTC ISO) up to `at`."""
    return {row["dept"]: row["last"] for row in db.query(
        f"SELECT dept, max(at) AS last FROM reports WHERE {_REPORTED} AND dept IS NOT NULL "
        "GROUP BY dept", [utc_iso(at), utc_iso(at)])}


def departments_reporting(db: Database, start: datetime, at: datetime) -> set[str]:
    """Departments that reported in (start, at]."""
    return {row[0] for row in db.execute(
        f"SELECT DISTINCT dept FROM reports WHERE {_REPORTED} AND at > ?",
        [utc_iso(at), utc_iso(at), utc_iso(start)])}


def received_between(db: Database, start: datetime, end: datetime) -> tuple[int, int]:
    """(reports, evidence files) received in (start, end]."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM reports WHERE kind IN ('progress', 'claim') "
        "AND revoked_at IS NULL AND at > ? AND at <= ?), "
        "(SELECT count(*) FROM evidence WHERE at > ? AND at <= ?)",
        [utc_iso(start), utc_iso(end)] * 2).fetchone()
    return row[0], row[1]

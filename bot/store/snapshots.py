"""The plan's figures at the end of past days, as the facts model computed them (see
bot.outputs.digest.day_figures): kept, because a past day's figures never change."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

Row = dict[str, Any]


def get(db: Database, day: date, version: int) -> Row | None:
    rows = list(db.query("SELECT * FROM snapshots WHERE day = ? AND version = ?",
                         [day.isoformat(), version]))
    return rows[0] if rows else None


def put(db: Database, day: date, version: int, *, completion: float | None,
        expected: float | None, reports: int, evidence: int) -> None:
    with db.atomic():
        db.execute("INSERT OR REPLACE INTO snapshots (day, completion, expected, reports, "
                   "evidence, version) VALUES (?, ?, ?, ?, ?, ?)",
                   [day.isoformat(), completion, expected, reports, evidence, version])


def clear(db: Database) -> None:
    with db.atomic():
        db.execute("DELETE FROM snapshots")

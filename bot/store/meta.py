"""Key-value facts about the plan and the installation (title, document number, where the group
moved, counters)."""

from __future__ import annotations

from sqlite_utils import Database


def meta(db: Database) -> dict[str, str]:
    return {row["key"]: row["value"] for row in db["meta"].rows}

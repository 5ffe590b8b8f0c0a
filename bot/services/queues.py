"""What the coordinator acts on: claims waiting for a check (oldest first), blocked work with its
reasons, extension requests waiting, notices nobody acknowledged, and the departments that have
never reported (零报送单位). Facts for /status and the digest; the words are in bot.outputs.render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.domain.lifecycle import from_record
from bot.services import notices
from bot.services.progress import PlanSummary, TaskView


@dataclass(frozen=True)
class Queues:
    claims: list[TaskView]
    blocked: list[tuple[TaskView, str]]  # (task, reason)
    extensions: list[tuple[TaskView, dict[str, str]]]  # (task, {"due", "reason", ...})
    unacknowledged: list[notices.Notice]
    silent: list[dict[str, Any]]  # departments with no report ever

    def __bool__(self) -> bool:
        return any((self.claims, self.blocked, self.extensions, self.unacknowledged,
                    self.silent))


def queues(db: Database, summary: PlanSummary) -> Queues:
    views = summary.tasks
    claims = sorted((v for v in views if v.status.status == "pending_check"),
                    key=lambda v: v.latest["at"] if v.latest else "")
    snaps = {v.task["id"]: from_record(v.latest, bool(v.task["recurrence"])) for v in views}
    blocked = [(v, snaps[v.task["id"]].reason) for v in views if v.status.status == "blocked"]
    extensions = [(v, snaps[v.task["id"]].extension) for v in views
                  if snaps[v.task["id"]].extension]
    reported = {row[0] for row in db.execute(
        "SELECT DISTINCT dept FROM reports WHERE kind IN ('progress', 'claim') "
        "AND revoked_at IS NULL AND user_id IS NOT NULL")}
    silent = [d.dept for d in summary.departments if d.dept["code"] not in reported]
    shown = {d.dept["code"] for d in summary.departments}
    waiting = [n for n in notices.unacknowledged(db) if n.dept in shown]
    return Queues(claims, blocked, extensions, waiting, silent)

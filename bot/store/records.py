"""The records of tasks (reports, checks, chases, extensions …): the `reports` table and the
newest valid record per task and period kept beside it (`task_latest`)."""

from __future__ import annotations

from sqlite_utils import Database


def refresh_latest(db: Database, task_id: str, period: str) -> None:
    """Recompute the newest valid report of one (task, period); call inside the write's transaction."""
    row = db.execute("SELECT max(id) FROM reports WHERE task_id = ? AND period = ? "
                     "AND revoked_at IS NULL", [task_id, period]).fetchone()
    if row[0] is None:
        db.execute("DELETE FROM task_latest WHERE task_id = ? AND period = ?", [task_id, period])
    else:
        db.execute("INSERT OR REPLACE INTO task_latest (task_id, period, report_id) "
                   "VALUES (?, ?, ?)", [task_id, period, row[0]])

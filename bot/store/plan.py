"""The plan in the database: departments, tasks (as `Task` values) and the plan's own facts.

Departments and tasks change on seeding and in the few coordinator commands that move a deadline
or mute a task, never on reports; a counter bumped by triggers (`catalogue_version`) tells when
a kept copy is stale, so the hot paths read them from memory.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.domain.task import Task

Row = dict[str, Any]


@dataclass(frozen=True)
class Catalogue:
    """The active departments and tasks, in plan order, with every department (archived too) by
    code, for names."""

    departments: tuple[Row, ...]
    tasks: tuple[Task, ...]
    all_departments: dict[str, Row]

    def task(self, task_id: str) -> Task | None:
        return self._by_id().get(task_id)

    def tasks_of(self, dept: str) -> tuple[Task, ...]:
        """A department's active tasks, in plan order."""
        by_dept: dict[str, tuple[Task, ...]] | None = self.__dict__.get("_tasks_by_dept")
        if by_dept is None:
            grouped: dict[str, list[Task]] = {}
            for task in self.tasks:
                grouped.setdefault(task.dept, []).append(task)
            by_dept = {code: tuple(tasks) for code, tasks in grouped.items()}
            object.__setattr__(self, "_tasks_by_dept", by_dept)
        return by_dept.get(dept, ())

    def _by_id(self) -> dict[str, Task]:
        by_id = self.__dict__.get("_tasks_by_id")
        if by_id is None:
            by_id = {task.id: task for task in self.tasks}
            object.__setattr__(self, "_tasks_by_id", by_id)
        return by_id


_catalogues: weakref.WeakKeyDictionary[Database, tuple[str, Catalogue]] = (
    weakref.WeakKeyDictionary())


def catalogue_version(db: Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'catalogue_version'").fetchone()
    return row[0] if row else ""


def catalogue(db: Database) -> Catalogue:
    """Departments and tasks, re-read only when a trigger has moved their version counter."""
    version = catalogue_version(db)
    kept = _catalogues.get(db)
    if kept is None or kept[0] != version:
        every = [dict(r) for r in db.query("SELECT * FROM departments ORDER BY position")]
        tasks = tuple(Task.of(r) for r in db.query(
            "SELECT * FROM tasks WHERE archived_at IS NULL ORDER BY position"))
        kept = _catalogues[db] = (version, Catalogue(
            tuple(d for d in every if not d["archived_at"]), tasks,
            {d["code"]: d for d in every}))
    return kept[1]


def department(db: Database, code: str) -> Row | None:
    return catalogue(db).all_departments.get(code)


def has_plan(db: Database) -> bool:
    return db.execute("SELECT 1 FROM tasks LIMIT 1").fetchone() is not None


def task_by_number(db: Database, number: int, include_archived: bool = False) -> Task | None:
    """The task numbered `number` (T7, T07 and T007 alike), active before archived."""
    # The usual spellings by the primary key first: the catch-all below reads every task.
    rows = list(db.query(
        "SELECT * FROM tasks WHERE id IN (?, ?, ?) AND archived_at IS NULL LIMIT 1",
        [f"T{number}", f"T{number:02d}", f"T{number:03d}"]))
    if not rows:
        rows = list(db.query(
            "SELECT * FROM tasks WHERE id = ? OR id = ? OR CAST(substr(id, 2) AS INTEGER) = ? "
            "ORDER BY archived_at IS NOT NULL LIMIT 1", [f"T{number}", f"T{number:02d}", number]))
    if not rows:
        return None
    task = Task.of(rows[0])
    return task if include_archived or not task.archived else None


def task(db: Database, task_id: str) -> Task | None:
    """A task by its exact id, archived or not."""
    rows = list(db.query("SELECT * FROM tasks WHERE id = ?", [task_id]))
    return Task.of(rows[0]) if rows else None


def tasks_by_id(db: Database, ids: Iterable[str]) -> dict[str, Task]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r["id"]: Task.of(r) for r in db.query(
        f"SELECT * FROM tasks WHERE id IN ({','.join('?' * len(ids))})", ids)}


def update_task(db: Database, task_id: str, change: Row) -> None:
    db.table("tasks").update(task_id, change)


# ---------------------------------------------------------------- seeding


def rows(db: Database, table: str) -> list[Row]:
    """Every row of `departments` or `tasks`, archived ones included (seeding compares them)."""
    if table not in ("departments", "tasks"):
        raise ValueError(table)
    return [dict(r) for r in db.query(f"SELECT * FROM {table}")]


def insert_row(db: Database, table: str, row: Row) -> None:
    if table not in ("departments", "tasks"):
        raise ValueError(table)
    db.table(table).insert(row)


def update_row(db: Database, table: str, key: str, change: Row) -> None:
    if table not in ("departments", "tasks"):
        raise ValueError(table)
    db.table(table).update(key, change)


def set_plan_meta(db: Database, values: dict[str, str]) -> None:
    db.conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", list(values.items()))


def set_plan_meta_if_absent(db: Database, values: dict[str, str]) -> None:
    db.conn.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", list(values.items()))


def as_of(db: Database, until: str) -> tuple[list[Row], list[Task]]:
    """(departments, tasks) of the plan as it stood at `until` (UTC ISO): added by then and not
    yet archived, in plan order."""
    depts = [dict(r) for r in db.query(
        "SELECT * FROM departments WHERE archived_at IS NULL OR archived_at > ? "
        "ORDER BY position", [until])]
    tasks = [Task.of(r) for r in db.query(
        "SELECT * FROM tasks WHERE (archived_at IS NULL OR archived_at > ?) "
        "AND (created_at IS NULL OR created_at <= ?) ORDER BY position", [until, until])]
    return depts, tasks

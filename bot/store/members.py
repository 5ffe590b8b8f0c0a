"""Members: liaisons and coordinators (and applicants), one row per Telegram user."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

Row = dict[str, Any]


def get(db: Database, user_id: int) -> Row | None:
    rows = list(db.query("SELECT * FROM members WHERE user_id = ?", [user_id]))
    return rows[0] if rows else None


def insert(db: Database, row: Row) -> None:
    db.table("members").insert(row)


def update(db: Database, user_id: int, change: Row) -> None:
    db.table("members").update(user_id, change)


def listing(db: Database, include_removed: bool = False) -> list[Row]:
    """Members with their department's names, coordinators first, in plan order."""
    sql = ("SELECT m.*, d.short AS dept_short, d.name_en AS dept_en FROM members m "
           "LEFT JOIN departments d ON d.code = m.dept ")
    if not include_removed:
        sql += "WHERE m.status IN ('active', 'pending') "
    sql += "ORDER BY m.role DESC, d.position, m.user_id"
    return list(db.query(sql))


def liaisons_of(db: Database, dept: str) -> list[Row]:
    return list(db.query("SELECT * FROM members WHERE dept = ? AND status = 'active' "
                         "AND role = 'liaison' ORDER BY user_id", [dept]))


def coordinators(db: Database) -> list[Row]:
    return list(db.query("SELECT * FROM members WHERE role = 'coordinator' AND status = 'active' "
                         "ORDER BY user_id"))


def names(db: Database) -> dict[int, str]:
    """Every member's display name (or id) by user id, for records' authors."""
    return {row[0]: row[1] or str(row[0])
            for row in db.execute("SELECT user_id, name FROM members")}


def remember_name(db: Database, user_id: int, name: str, username: str | None) -> None:
    db.execute("UPDATE members SET name = ?, username = ? WHERE user_id = ?",
               [name, username, user_id])


def staffed_departments(db: Database) -> set[str]:
    """The departments with at least one active liaison."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT dept FROM members WHERE status = 'active' AND role = 'liaison'")}


MEMBERSHIP = ("member.add", "member.update", "member.approve", "member.refuse", "member.remove")


def liaisons_as_of(db: Database, until: str) -> dict[int, str]:
    """The active liaisons at `until` (UTC ISO) with their departments, by user id in order,
    replayed from the audit log, which keeps every membership change with its time: a join
    (add or update, pending until approved), an approval or refusal, a role change (update),
    a /leave or a removal (remove). The members table holds only the newest standing."""
    state: dict[str, tuple[str | None, str | None, str | None]] = {}  # user: (dept, role, status)
    for entity_id, action, detail in db.execute(
            "SELECT entity_id, action, detail FROM audit WHERE entity = 'members' AND at <= ? "
            f"AND action IN ({', '.join('?' for _ in MEMBERSHIP)}) ORDER BY id",
            [until, *MEMBERSHIP]):
        data = json.loads(detail or "{}")
        dept, role, status = state.get(entity_id, (None, None, None))
        if action in ("member.add", "member.update"):
            dept, role = data.get("dept", dept), data.get("role", role)
            status = data.get("status", status)
        elif action == "member.approve":
            dept, status = data.get("dept", dept), "active"
        elif action == "member.refuse":
            status = "refused"
        else:
            status = "removed"
        state[entity_id] = (dept, role, status)
    return {int(user): dept for user, (dept, role, status) in
            sorted(state.items(), key=lambda item: int(item[0]))
            if dept and role == "liaison" and status == "active"}


def removed_at(db: Database, user_id: int) -> str | None:
    """When the member was last removed (stepped down with /leave, or taken off), UTC ISO, from
    the audit log: the members row's own stamp also moves with a later change of language."""
    row = db.execute("SELECT max(at) FROM audit WHERE entity = 'members' AND entity_id = ? "
                     "AND action = 'member.remove'", [user_id]).fetchone()
    return row[0] if row else None


def staffed_as_of(db: Database, until: str) -> set[str]:
    """The departments with an active liaison at `until` (UTC ISO)."""
    return set(liaisons_as_of(db, until).values())


def liaison_names_as_of(db: Database, until: str) -> dict[str, list[str]]:
    """Each department's liaisons active at `until` (UTC ISO), by user id, named as they are
    named now (a name is kept as Telegram last gave it, not as it was then), else by id."""
    people = names(db)
    out: dict[str, list[str]] = {}
    for user, dept in liaisons_as_of(db, until).items():
        out.setdefault(dept, []).append(people.get(user) or str(user))
    return out


def newest_change(db: Database) -> str | None:
    """When membership last changed (UTC ISO, from the audit log), or None before any change."""
    marks = ", ".join("?" for _ in MEMBERSHIP)
    row = db.execute(f"SELECT max(at) FROM audit WHERE entity = 'members' AND action IN ({marks})",
                     list(MEMBERSHIP)).fetchone()
    return row[0] if row else None

"""Looking things up by what people type: departments, tasks, members."""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.access import Actor, actor_of
from bot.errors import DubanError
from bot.language import names
from bot.language.i18n import Names
from bot.store.audit import audit, recent
from bot.store.connection import utc_iso

ROLES = ("liaison", "coordinator")
TASK_REF_RE = re.compile(r"^#?T?0*(\d{1,4})$", re.IGNORECASE)


@dataclass(frozen=True)
class Catalogue:
    """The active departments and tasks, in plan order."""

    departments: tuple[dict[str, Any], ...]
    tasks: tuple[dict[str, Any], ...]


_catalogues: weakref.WeakKeyDictionary[Database, tuple[str, Catalogue]] = (
    weakref.WeakKeyDictionary())


def catalogue(db: Database) -> Catalogue:
    """Departments and tasks, re-read only when a trigger has moved their version counter."""
    row = db.execute("SELECT value FROM meta WHERE key = 'catalogue_version'").fetchone()
    version = row[0] if row else ""
    kept = _catalogues.get(db)
    if kept is None or kept[0] != version:
        kept = _catalogues[db] = (version, Catalogue(
            tuple(db["departments"].rows_where("archived_at IS NULL", order_by="position")),
            tuple(db["tasks"].rows_where("archived_at IS NULL", order_by="position"))))
    return kept[1]


def departments(db: Database, include_archived: bool = False) -> list[dict[str, Any]]:
    if not include_archived:
        return list(catalogue(db).departments)
    return list(db["departments"].rows_where(order_by="position"))


def find_departments(db: Database, text: str) -> list[dict[str, Any]]:
    """Departments `text` names: by code, name, short name or alias, else by a nearly identical
    whole name (see bot.language.names); never by one shared character."""
    return list(names.match(departments(db), text))  # type: ignore[arg-type]


def suggest_departments(db_or_rows: Database | Sequence[Mapping[str, Any]], text: str,
                        n: int = 3) -> list[str]:
    """Codes of the `n` departments closest to `text`, closest first: the choices to offer when
    `text` names none of them."""
    rows = departments(db_or_rows) if isinstance(db_or_rows, Database) else db_or_rows
    return names.suggest(rows, text, n)


def _choices(rows: Sequence[Mapping[str, Any]]) -> Names:
    """The departments meant, named in each language (never by code in Chinese)."""
    return Names(zh="、".join(row["short"] for row in rows),
                 en=", ".join(row["name_en"] for row in rows))


def find_department(db: Database, text: str) -> dict[str, Any]:
    """Exactly one department for `text`, or a DubanError saying what is wrong and what was meant."""
    found = find_departments(db, text)
    if not found:
        rows = departments(db)
        codes = suggest_departments(rows, text)
        by_code = {row["code"]: row for row in rows}
        raise DubanError("dept_unknown", text=text, suggestions=codes,
                         options=_choices([by_code[c] for c in codes]))
    if len(found) > 1:
        raise DubanError("dept_ambiguous", text=text, suggestions=[d["code"] for d in found],
                         options=_choices(found))
    return found[0]


def normalise_task_ref(text: str) -> str | None:
    """'t12', '#T12', '12', 'T012' -> the number as text, or None if it is not a task reference."""
    match = TASK_REF_RE.match(text.strip())
    return match[1] if match else None


def find_task(db: Database, text: str, include_archived: bool = False) -> dict[str, Any]:
    number = normalise_task_ref(text)
    if number is None:
        raise DubanError("task_unknown", ref=text)
    rows = list(db.query(
        "SELECT * FROM tasks WHERE id = ? OR id = ? OR CAST(substr(id, 2) AS INTEGER) = ? "
        "ORDER BY archived_at IS NOT NULL LIMIT 1",
        [f"T{number}", f"T{int(number):02d}", int(number)],
    ))
    if not rows or (rows[0]["archived_at"] and not include_archived):
        raise DubanError("task_unknown", ref=text)
    return rows[0]


def get_member(db: Database, user_id: int) -> dict[str, Any] | None:
    rows = list(db["members"].rows_where("user_id = ?", [user_id]))
    return rows[0] if rows else None


def active_member(db: Database, user_id: int) -> dict[str, Any] | None:
    member = get_member(db, user_id)
    return member if member and member["status"] == "active" else None


def add_member(
    db: Database,
    *,
    user_id: int,
    dept: str | None,
    role: str,
    now: datetime,
    actor: str | int,
    name: str | None = None,
    username: str | None = None,
    status: str = "active",
) -> dict[str, Any]:
    """Register (or re-register) a member; liaisons need a department, coordinators may have one."""
    if role not in ROLES:
        raise DubanError("role_unknown", role=role)
    code = find_department(db, dept)["code"] if dept else None
    if role == "liaison" and not code:
        raise DubanError("dept_required")
    stamp = utc_iso(now)
    old = get_member(db, user_id)
    row = {
        "user_id": user_id,
        "dept": code,
        "role": role,
        "status": status,
        "name": name if name is not None else (old or {}).get("name"),
        "username": username if username is not None else (old or {}).get("username"),
        "updated_at": stamp,
    }
    with db.atomic():
        if old:
            db["members"].update(user_id, row)
        else:
            db["members"].insert({**row, "created_at": stamp, "lang": None})
        audit(db, at=now, actor=actor, action="member.update" if old else "member.add",
              entity="members", entity_id=user_id,
              detail={"dept": code, "role": role, "status": status, "name": row["name"]})
    return get_member(db, user_id)  # type: ignore[return-value]


def remove_member(db: Database, *, user_id: int, now: datetime, actor: str | int) -> dict[str, Any]:
    """Mark a member removed; their reports stay attributed to them."""
    member = get_member(db, user_id)
    if not member or member["status"] == "removed":
        raise DubanError("member_unknown", user_id=user_id)
    with db.atomic():
        db["members"].update(user_id, {"status": "removed", "updated_at": utc_iso(now)})
        audit(db, at=now, actor=actor, action="member.remove", entity="members", entity_id=user_id)
    return {**member, "status": "removed"}


def members(db: Database, include_removed: bool = False) -> list[dict[str, Any]]:
    sql = ("SELECT m.*, d.short AS dept_short, d.name_en AS dept_en FROM members m "
           "LEFT JOIN departments d ON d.code = m.dept ")
    if not include_removed:
        sql += "WHERE m.status IN ('active', 'pending') "
    sql += "ORDER BY m.role DESC, d.position, m.user_id"
    return list(db.query(sql))


# ---------------------------------------------------------------- joining and leaving


def sync_coordinators(db: Database, user_ids: frozenset[int], *, now: datetime
                      ) -> tuple[list[int], list[int]]:
    """Bring the members table in line with COORDINATOR_IDS, which alone decides who
    coordinates: the configured ids become active coordinators, and every other active
    coordinator row is removed (a person taken off the list keeps no rights). Audited (actor
    "config") only where something changes; returns (made coordinator, removed)."""
    made = []
    for user_id in sorted(user_ids):
        member = get_member(db, user_id)
        if member and member["role"] == "coordinator" and member["status"] == "active":
            continue
        add_member(db, user_id=user_id, dept=(member or {}).get("dept"), role="coordinator",
                   now=now, actor="config")
        made.append(user_id)
    removed = []
    for member in db["members"].rows_where("role = 'coordinator' AND status = 'active'",
                                           order_by="user_id"):
        if member["user_id"] in user_ids:
            continue
        with db.atomic():
            db["members"].update(member["user_id"], {"status": "removed",
                                                     "updated_at": utc_iso(now)})
            audit(db, at=now, actor="config", action="member.remove", entity="members",
                  entity_id=member["user_id"],
                  detail={"role": "coordinator", "reason": "not in COORDINATOR_IDS"})
        removed.append(member["user_id"])
    return made, removed


def _named(db: Database, code: str | None) -> Names | str:
    """A department as the reader's language names it (never by code in Chinese)."""
    row = db["departments"].get(code) if code and db["departments"].exists() else None
    return Names(zh=row["short"], en=row["name_en"]) if row else "—"


def request_join(db: Database, *, user_id: int, dept_text: str, now: datetime,
                 name: str | None = None, username: str | None = None) -> dict[str, Any]:
    """A liaison asks to join for a department; the coordinator decides.

    One application per person: asking again for the same department while it waits is refused
    (nothing to post twice); asking for another department replaces the application, and the
    decision buttons carry the department, so the old card can no longer approve it."""
    if not dept_text.strip():
        raise DubanError("join_usage")
    dept = find_department(db, dept_text)
    member = get_member(db, user_id)
    if member and member["status"] == "active":
        raise DubanError("already_member", dept=_named(db, member["dept"]))
    if member and member["status"] == "pending" and member["dept"] == dept["code"]:
        raise DubanError("join_pending", dept=_named(db, dept["code"]))
    check_join_rate(db, user_id, now)
    return add_member(db, user_id=user_id, dept=dept["code"], role="liaison", now=now,
                      actor=user_id, name=name, username=username, status="pending")


JOINS_PER_HOUR = 3  # applications (new or replacing) one person may make in an hour


def check_join_rate(db: Database, user_id: int, now: datetime) -> None:
    """Every application posts a card to the coordination group: a person may apply (or change
    their application's department) at most JOINS_PER_HOUR times in an hour, counted from the
    audit log, so a stranger cannot flood the group with cards."""
    since = now - timedelta(hours=1)
    made = [row for row in recent(db, entity="members", entity_id=user_id, actor=user_id,
                                  actions=("member.add", "member.update"), since=since)
            if row["detail"].get("status") == "pending"]
    if len(made) >= JOINS_PER_HOUR:
        first = datetime.fromisoformat(made[0]["at"]).astimezone(now.tzinfo)
        wait = max(1, math.ceil((first + timedelta(hours=1) - now).total_seconds() / 60))
        raise DubanError("join_too_often", count=JOINS_PER_HOUR, minutes=wait)


def join_still_pending(db: Database, user_id: int, dept: str) -> bool:
    """Whether an application card for (user, department) still asks for a decision."""
    member = get_member(db, user_id)
    return bool(member) and member["status"] == "pending" and member["dept"] == dept


def decide_join(db: Database, *, user_id: int, approve: bool, now: datetime,
                actor: int, expected_dept: str | None = None) -> dict[str, Any]:
    """Approve or refuse a pending request; refusing keeps the row (status 'refused').

    `expected_dept` is the department the coordinator saw on the card: if the application has
    changed since, the decision is refused rather than applied to a department nobody saw."""
    member = get_member(db, user_id)
    if not member or member["status"] != "pending":
        raise DubanError("no_pending_request", user_id=user_id)
    if expected_dept is not None and member["dept"] != expected_dept:
        raise DubanError("join_card_stale", dept=_named(db, member["dept"]))
    status = "active" if approve else "refused"
    with db.atomic():
        db["members"].update(user_id, {"status": status, "updated_at": utc_iso(now)})
        audit(db, at=now, actor=actor, action="member.approve" if approve else "member.refuse",
              entity="members", entity_id=user_id, detail={"dept": member["dept"]})
    return {**member, "status": status}


def set_language(db: Database, *, user_id: int, lang: str, now: datetime) -> bool:
    """Remember a member's or an applicant's language; returns whether it was kept.

    A stranger's choice is not stored: a /lang must not be a way to write rows into the
    members table for anyone who finds the bot. It is kept from their /join on."""
    member = get_member(db, user_id)
    if member is None or member["status"] not in ("active", "pending"):
        return False
    with db.atomic():
        db["members"].update(user_id, {"lang": lang, "updated_at": utc_iso(now)})
        audit(db, at=now, actor=user_id, action="member.lang", entity="members",
              entity_id=user_id, detail={"lang": lang})
    return True


def liaisons_of(db: Database, dept: str) -> list[dict[str, Any]]:
    return list(db["members"].rows_where("dept = ? AND status = 'active' AND role = 'liaison'",
                                         [dept], order_by="user_id"))


def coordinators(db: Database) -> list[dict[str, Any]]:
    return list(db["members"].rows_where("role = 'coordinator' AND status = 'active'",
                                         order_by="user_id"))


def dept_names(db: Database) -> dict[str, Names]:
    """Every department's names by code, for messages that name a department in either language."""
    return {d["code"]: Names(zh=d["short"], en=d["name_en"]) for d in departments(db, True)}


def actor(db: Database, user_id: int, coordinator_ids: frozenset[int] | None = None) -> Actor:
    """The role `user_id` plays now (see bot.domain.access)."""
    return actor_of(user_id, get_member(db, user_id), coordinator_ids)


def coordination_chat(db: Database, configured: int | None) -> int | None:
    """The coordination chat: as configured, or where Telegram moved it (group → supergroup)."""
    moved = db.execute("SELECT value FROM meta WHERE key = 'coordination_chat_id'").fetchone()
    return int(moved[0]) if moved else configured


def move_coordination_chat(db: Database, new_chat_id: int) -> None:
    db["meta"].upsert({"key": "coordination_chat_id", "value": str(new_chat_id)}, pk="key")


def remember_name(db: Database, member: dict[str, Any] | None, name: str,
                  username: str | None) -> None:
    """Keep a member's display name current, so mentions in nudges read as names, not ids."""
    if member and (member["name"] != name or member["username"] != username):
        db["members"].update(member["user_id"], {"name": name, "username": username})


def department(db: Database, code: str) -> dict[str, Any]:
    return db["departments"].get(code)

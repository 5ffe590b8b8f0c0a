"""Looking things up by what people type: departments, tasks, members."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.access import Actor, actor_of
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language import names
from bot.language.i18n import Names
from bot.store import members as member_store
from bot.store import meta as meta_store
from bot.store import plan as plan_store
from bot.store.audit import audit, entries, recent
from bot.store.connection import utc_iso
from bot.store.plan import Catalogue

ROLES = ("liaison", "coordinator")
TASK_REF_RE = re.compile(r"^#?T?0*(\d{1,4})$", re.IGNORECASE)


def catalogue(db: Database) -> Catalogue:
    """The active departments and tasks (bot.store.plan keeps them between changes)."""
    return plan_store.catalogue(db)


def departments(db: Database, include_archived: bool = False) -> list[dict[str, Any]]:
    kept = catalogue(db)
    return list(kept.all_departments.values() if include_archived else kept.departments)


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


def find_task(db: Database, text: str | Task, include_archived: bool = False) -> Task:
    """The task `text` names ('T12', 't12', '#T12', '12'), or a DubanError (task_unknown)."""
    if isinstance(text, Task):
        return text
    number = normalise_task_ref(text)
    task = plan_store.task_by_number(db, int(number), include_archived) if number else None
    if task is None:
        raise DubanError("task_unknown", ref=text)
    return task


def get_member(db: Database, user_id: int) -> dict[str, Any] | None:
    return member_store.get(db, user_id)


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
            member_store.update(db, user_id, row)
        else:
            member_store.insert(db, {**row, "created_at": stamp, "lang": None})
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
        member_store.update(db, user_id, {"status": "removed", "updated_at": utc_iso(now)})
        audit(db, at=now, actor=actor, action="member.remove", entity="members", entity_id=user_id)
    return {**member, "status": "removed"}


@dataclass(frozen=True)
class Former:
    """A liaison no longer: of which department (its names, and what /join takes for it in each
    language), since when."""

    dept: Names
    join: Names
    since: datetime


def former_liaison(db: Database, member: dict[str, Any] | None) -> Former | None:
    """What a removed liaison was, or None (never a member, an applicant, a member now, or a
    removed coordinator of no department)."""
    if not member or member["status"] != "removed" or member["role"] != "liaison":
        return None
    dept = plan_store.department(db, member["dept"]) if member["dept"] else None
    if dept is None:
        return None
    since = member_store.removed_at(db, member["user_id"]) or member["updated_at"]
    return Former(Names(zh=dept["short"], en=dept["name_en"]),
                  Names(zh=dept["short"], en=dept["code"]), datetime.fromisoformat(since))


def members(db: Database, include_removed: bool = False) -> list[dict[str, Any]]:
    return member_store.listing(db, include_removed)


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
    for member in member_store.coordinators(db):
        if member["user_id"] in user_ids:
            continue
        with db.atomic():
            member_store.update(db, member["user_id"], {"status": "removed",
                                                        "updated_at": utc_iso(now)})
            audit(db, at=now, actor="config", action="member.remove", entity="members",
                  entity_id=member["user_id"],
                  detail={"role": "coordinator", "reason": "not in COORDINATOR_IDS"})
        removed.append(member["user_id"])
    return made, removed


def _named(db: Database, code: str | None) -> Names | str:
    """A department as the reader's language names it (never by code in Chinese)."""
    row = plan_store.department(db, code) if code else None
    return Names(zh=row["short"], en=row["name_en"]) if row else "—"


REAPPLY_AFTER = timedelta(days=1)  # a refused applicant may ask again after this


def refusals(db: Database, user_id: int) -> list[dict[str, Any]]:
    """Earlier refusals of a person's applications, oldest first: {"at", "dept", "reason"}.
    Read from the audit log, which keeps every decision with its reason."""
    return [{"at": row["at"], "dept": row["detail"].get("dept"),
             "reason": row["detail"].get("reason") or ""}
            for row in entries(db, entity="members", entity_id=user_id, action="member.refuse")]


def request_join(db: Database, *, user_id: int, dept_text: str, now: datetime,
                 name: str | None = None, username: str | None = None,
                 lang: str | None = None) -> dict[str, Any]:
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
    if member and member["status"] == "refused":
        refused = refusals(db, user_id)
        last = refused[-1] if refused else None
        if last and now - datetime.fromisoformat(last["at"]) < REAPPLY_AFTER:
            again = datetime.fromisoformat(last["at"]) + REAPPLY_AFTER
            raise DubanError("join_refused_recently", reason=last["reason"] or "—",
                             at=f"{again.astimezone(now.tzinfo):%m-%d %H:%M}")
    check_join_rate(db, user_id, now)
    row = add_member(db, user_id=user_id, dept=dept["code"], role="liaison", now=now,
                     actor=user_id, name=name, username=username, status="pending")
    if lang and not row.get("lang"):  # the language Telegram reports, until they choose one
        member_store.update(db, user_id, {"lang": lang})
        row = {**row, "lang": lang}
    return row


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
    return member is not None and member["status"] == "pending" and member["dept"] == dept


def decide_join(db: Database, *, user_id: int, approve: bool, now: datetime,
                actor: int, expected_dept: str | None = None, reason: str = "") -> dict[str, Any]:
    """Approve or refuse a pending request; refusing keeps the row (status 'refused').

    `expected_dept` is the department the coordinator saw on the card: if the application has
    changed since, the decision is refused rather than applied to a department nobody saw."""
    member = pending_application(db, user_id, now)
    if expected_dept is not None and member["dept"] != expected_dept:
        raise DubanError("join_card_stale", dept=_named(db, member["dept"]))
    status = "active" if approve else "refused"
    with db.atomic():
        member_store.update(db, user_id, {"status": status, "updated_at": utc_iso(now)})
        detail = {"dept": member["dept"]} | ({} if approve else {"reason": reason.strip()})
        audit(db, at=now, actor=actor, action="member.approve" if approve else "member.refuse",
              entity="members", entity_id=user_id, detail=detail)
    return {**member, "status": status}


def pending_application(db: Database, user_id: int, now: datetime) -> dict[str, Any]:
    """The person's application waiting for a decision, else a refusal: one already decided
    says who decided it and when (a second tap on 批准, or a second coordinator)."""
    member = get_member(db, user_id)
    if member and member["status"] != "pending":
        decided = _decided(db, member, now)
        if decided is not None:
            raise decided
    if not member or member["status"] != "pending":
        raise DubanError("no_pending_request", user_id=user_id)
    return member


def _decided(db: Database, member: dict[str, Any], now: datetime) -> DubanError | None:
    """The decision already taken on a person's application (the newest approval or refusal in
    the audit log), as the answer to deciding it again; None when there is none on record."""
    rows = [*entries(db, entity="members", entity_id=member["user_id"], action="member.approve"),
            *entries(db, entity="members", entity_id=member["user_id"], action="member.refuse")]
    if not rows:
        return None
    last = max(rows, key=lambda row: row["id"])
    by = get_member(db, int(last["actor"])) if str(last["actor"]).isdigit() else None
    when = datetime.fromisoformat(last["at"]).astimezone(now.tzinfo)
    approved = last["action"] == "member.approve"
    return DubanError("join_already_approved" if approved else "join_already_refused",
                      user=member["name"] or str(member["user_id"]),
                      by=(by or {}).get("name") or str(last["actor"]),
                      at=f"{when:%m-%d %H:%M}",
                      dept=_named(db, last["detail"].get("dept") or member["dept"]))


def set_language(db: Database, *, user_id: int, lang: str, now: datetime) -> bool:
    """Remember a member's or an applicant's language; returns whether it was kept.

    A stranger's choice is not stored: a /lang must not be a way to write rows into the
    members table for anyone who finds the bot. It is kept from their /join on."""
    member = get_member(db, user_id)
    if member is None or member["status"] not in ("active", "pending"):
        return False
    with db.atomic():
        member_store.update(db, user_id, {"lang": lang, "updated_at": utc_iso(now)})
        audit(db, at=now, actor=user_id, action="member.lang", entity="members",
              entity_id=user_id, detail={"lang": lang})
    return True


def liaisons_of(db: Database, dept: str) -> list[dict[str, Any]]:
    return member_store.liaisons_of(db, dept)


def staffed_departments(db: Database) -> set[str]:
    """The departments with at least one active liaison: the rest have nobody to tell."""
    return member_store.staffed_departments(db)


def coordinators(db: Database) -> list[dict[str, Any]]:
    return member_store.coordinators(db)


def dept_names(db: Database) -> dict[str, Names]:
    """Every department's names by code, for messages that name a department in either language."""
    return {d["code"]: Names(zh=d["short"], en=d["name_en"]) for d in departments(db, True)}


def actor(db: Database, user_id: int, coordinator_ids: frozenset[int] | None = None) -> Actor:
    """The role `user_id` plays now (see bot.domain.access)."""
    return actor_of(user_id, get_member(db, user_id), coordinator_ids)


def coordination_chat(db: Database, configured: int | None) -> int | None:
    """The coordination chat: as configured, or where Telegram moved it (group → supergroup)."""
    moved = meta_store.get(db, "coordination_chat_id")
    return int(moved) if moved else configured


def move_coordination_chat(db: Database, new_chat_id: int) -> None:
    with db.atomic():
        meta_store.put(db, "coordination_chat_id", str(new_chat_id))


def remember_name(db: Database, member: dict[str, Any] | None, name: str,
                  username: str | None) -> None:
    """Keep a member's display name current, so mentions in nudges read as names, not ids."""
    if member and (member["name"] != name or member["username"] != username):
        member_store.remember_name(db, member["user_id"], name, username)


def department(db: Database, code: str) -> dict[str, Any] | None:
    return plan_store.department(db, code)


def member_names(db: Database) -> dict[int, str]:
    """Every member's display name by user id (authors of records, reporters of figures)."""
    return member_store.names(db)


def plan_info(db: Database) -> dict[str, str]:
    """The plan's own facts: its title (both languages), document number, issue date."""
    return meta_store.meta(db)

"""Who may do what: one rule book, pure functions over plain values.

The bot's command table, its buttons, its prompts and the command line all ask here; nothing else
decides. A rule answers with None (allowed) or the catalogue key of the refusal, so callers can
both test a permission and explain a refusal in the reader's language.

Roles:
  stranger     no membership (or refused, or removed)
  applicant    asked to join with /join, not yet decided
  liaison      an active liaison of one department
  coordinator  an active coordinator (the bureau's supervision office), or one named in
               COORDINATOR_IDS

Audiences (who a command is for): anyone, member (liaison or coordinator), coordinator.
Task actions are checked against the task's department and whether it is archived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain.task import Task
from bot.errors import DubanError


class Role(StrEnum):
    STRANGER = "stranger"
    APPLICANT = "applicant"
    LIAISON = "liaison"
    COORDINATOR = "coordinator"


class Audience(StrEnum):
    ANYONE = "anyone"
    MEMBER = "member"
    COORDINATOR = "coordinator"


class Action(StrEnum):
    VIEW = "view"  # status, history, evidence of a task
    REPORT = "report"  # progress, claims, evidence
    REVIEW = "review"  # 核实销号 / 退回
    MANAGE = "manage"  # deadline, mute


MEMBER_ROLES = frozenset({Role.LIAISON, Role.COORDINATOR})


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    dept: str | None = None  # the liaison's department; None for others

    @property
    def member(self) -> bool:
        return self.role in MEMBER_ROLES

    @property
    def coordinator(self) -> bool:
        return self.role is Role.COORDINATOR


def actor_of(user_id: int, member: dict[str, Any] | None,
             coordinator_ids: Iterable[int] | None = None) -> Actor:
    """The role a person plays, from their members row and the configured coordinators.

    With `coordinator_ids` (the bot, which has COORDINATOR_IDS) they alone decide who
    coordinates: a coordinator row of someone no longer listed counts for nothing, so a removed
    coordinator is a stranger. Without them (the core's own checks, the CLI) the members rows,
    brought in line with COORDINATOR_IDS at every start, decide."""
    status = member["status"] if member else None
    configured = None if coordinator_ids is None else set(coordinator_ids)
    if configured is not None and user_id in configured:
        return Actor(user_id, Role.COORDINATOR, member["dept"] if member else None)
    if member and status == "active":
        if member["role"] == "coordinator":
            if configured is not None:  # no longer listed
                return Actor(user_id, Role.STRANGER)
            return Actor(user_id, Role.COORDINATOR, member["dept"])
        return Actor(user_id, Role.LIAISON, member["dept"])
    if status == "pending":
        return Actor(user_id, Role.APPLICANT)
    return Actor(user_id, Role.STRANGER)


def refusal_for_audience(actor: Actor, audience: Audience) -> str | None:
    """May `actor` run a command meant for `audience`? None, or why not."""
    if audience is Audience.ANYONE:
        return None
    if audience is Audience.MEMBER:
        if actor.member:
            return None
        return "application_pending" if actor.role is Role.APPLICANT else "not_member"
    return None if actor.coordinator else "coordinator_only"


def refusal_for_task(actor: Actor, action: Action, task: Task) -> str | None:
    """May `actor` do `action` on `task`? None, or the refusal's catalogue key.

    A liaison sees and reports on their own department's tasks only (not tasks they merely
    support); the coordinator sees and reports on every task and alone reviews and manages.
    Archived tasks (removed from the plan file) can be looked at, never changed."""
    if not actor.member:
        return "not_member"
    if action in (Action.REVIEW, Action.MANAGE) and not actor.coordinator:
        return "coordinator_only"
    if not actor.coordinator and task.dept != actor.dept:
        return "liaison_own_dept_only" if action is Action.VIEW else "wrong_dept"
    if action is not Action.VIEW and task.archived_at:
        return "task_archived"
    return None


@dataclass(frozen=True)
class Permit:
    """A decision taken: `actor` may do `action` on the task `task_id`. The first check of an
    update makes it and the core is handed it (bot.services.commands.authorise), so the rule
    book is asked once per update, task and action, however many steps a report takes (the
    handler's early refusal, the record, its evidence)."""

    actor: Actor
    action: Action
    task_id: str

    def covers(self, action: Action, task: Task, user_id: int | None) -> bool:
        return (self.action is action and self.task_id == task.id
                and (user_id is None or user_id == self.actor.user_id))


def permit(actor: Actor, action: Action, task: Task,
           dept_names: Callable[[], Mapping[str, Any]] | None = None) -> Permit:
    """The permit, or the refusal raised as a DubanError (the departments its message names
    are looked up only then)."""
    key = refusal_for_task(actor, action, task)
    if key is None:
        return Permit(actor, action, task.id)
    names = dept_names() if dept_names else {}
    raise DubanError(key, task=task.id, dept=names.get(task.dept, task.dept),
                     own=names.get(actor.dept, actor.dept) if actor.dept else "—")


def refusal_for_department(actor: Actor, dept: str | None, notice: bool = False) -> str | None:
    """May `actor` look at a department's tasks (or sign for a notice to it)? The coordinator
    any department; a liaison their own."""
    if not actor.member:
        return "not_member"
    if actor.coordinator or dept == actor.dept:
        return None
    return "not_your_department" if notice else "liaison_own_dept_only"


def check_department(actor: Actor, dept: str | None, dept_names: dict[str, Any] | None = None,
                     notice: bool = False) -> None:
    key = refusal_for_department(actor, dept, notice)
    if key is not None:
        names = dept_names or {}
        raise DubanError(key, own=names.get(actor.dept, actor.dept) if actor.dept else "—",
                         dept=names.get(dept, dept) if dept else "—")

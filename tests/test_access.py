"""The rule book, every role × action × task combination, and the same rules through the core."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.access import (
    Action,
    Actor,
    Audience,
    Role,
    actor_of,
    refusal_for_audience,
    refusal_for_task,
)
from bot.domain.task import Task
from bot.errors import DubanError
from bot.services.commands import close_task, record_report, set_deadline
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at


def _task(task_id: str, dept: str, archived_at: str | None = None) -> Task:
    return Task(id=task_id, dept=dept, title="任务", clause="一", kind="standing",
                start=date(2022, 1, 4), archived_at=archived_at)


OWN = _task("T41", "HEALTH")
OTHER = _task("T01", "EDU")
ARCHIVED = _task("T99", "HEALTH", "2023-01-01T00:00:00+00:00")

ACTORS = {
    Role.STRANGER: Actor(1, Role.STRANGER),
    Role.APPLICANT: Actor(2, Role.APPLICANT),
    Role.LIAISON: Actor(3, Role.LIAISON, "HEALTH"),
    Role.COORDINATOR: Actor(4, Role.COORDINATOR, "EDU"),
}
TASKS = {"own": OWN, "other": OTHER, "archived": ARCHIVED}

# (role, action, task) -> refusal key, or None when allowed. "own" is the liaison's department.
EXPECTED = {
    **{(role, action, task): "not_member"
       for role in (Role.STRANGER, Role.APPLICANT) for action in Action for task in TASKS},
    (Role.LIAISON, Action.VIEW, "own"): None,
    (Role.LIAISON, Action.VIEW, "other"): "liaison_own_dept_only",
    (Role.LIAISON, Action.VIEW, "archived"): None,
    (Role.LIAISON, Action.REPORT, "own"): None,
    (Role.LIAISON, Action.REPORT, "other"): "wrong_dept",
    (Role.LIAISON, Action.REPORT, "archived"): "task_archived",
    **{(Role.LIAISON, action, task): "coordinator_only"
       for action in (Action.REVIEW, Action.MANAGE) for task in TASKS},
    **{(Role.COORDINATOR, action, task): None for action in Action for task in ("own", "other")},
    (Role.COORDINATOR, Action.VIEW, "archived"): None,
    **{(Role.COORDINATOR, action, "archived"): "task_archived"
       for action in (Action.REPORT, Action.REVIEW, Action.MANAGE)},
}


def test_the_table_covers_every_combination():
    assert len(EXPECTED) == len(Role) * len(Action) * len(TASKS)


@pytest.mark.parametrize(("role", "action", "task"), sorted(EXPECTED, key=str))
def test_task_rules(role, action, task):
    assert refusal_for_task(ACTORS[role], action, TASKS[task]) == EXPECTED[role, action, task]


AUDIENCES = {
    (Role.STRANGER, Audience.ANYONE): None,
    (Role.STRANGER, Audience.MEMBER): "not_member",
    (Role.STRANGER, Audience.COORDINATOR): "coordinator_only",
    (Role.APPLICANT, Audience.ANYONE): None,
    (Role.APPLICANT, Audience.MEMBER): "application_pending",
    (Role.APPLICANT, Audience.COORDINATOR): "coordinator_only",
    (Role.LIAISON, Audience.ANYONE): None,
    (Role.LIAISON, Audience.MEMBER): None,
    (Role.LIAISON, Audience.COORDINATOR): "coordinator_only",
    (Role.COORDINATOR, Audience.ANYONE): None,
    (Role.COORDINATOR, Audience.MEMBER): None,
    (Role.COORDINATOR, Audience.COORDINATOR): None,
}


@pytest.mark.parametrize(("role", "audience"), sorted(AUDIENCES, key=str))
def test_command_audiences(role, audience):
    assert refusal_for_audience(ACTORS[role], audience) == AUDIENCES[role, audience]


@pytest.mark.parametrize(("member", "configured", "role"), [
    (None, (), Role.STRANGER),
    ({"status": "pending", "role": "liaison", "dept": "EDU"}, (), Role.APPLICANT),
    ({"status": "active", "role": "liaison", "dept": "EDU"}, (), Role.LIAISON),
    ({"status": "active", "role": "coordinator", "dept": "EDU"}, None, Role.COORDINATOR),
    # COORDINATOR_IDS decides: a coordinator row of someone no longer listed counts for nothing
    ({"status": "active", "role": "coordinator", "dept": "EDU"}, (), Role.STRANGER),
    ({"status": "active", "role": "coordinator", "dept": None}, (8,), Role.STRANGER),
    ({"status": "active", "role": "liaison", "dept": "EDU"}, (7,), Role.COORDINATOR),
    ({"status": "removed", "role": "liaison", "dept": "EDU"}, (), Role.STRANGER),
    ({"status": "refused", "role": "liaison", "dept": "EDU"}, (), Role.STRANGER),
    (None, (7,), Role.COORDINATOR),  # named in COORDINATOR_IDS
    ({"status": "removed", "role": "liaison", "dept": "EDU"}, (7,), Role.COORDINATOR),
])
def test_roles_from_membership(member, configured, role):
    assert actor_of(7, member, configured).role is role


@pytest.mark.parametrize(("user_id", "call", "key"), [
    (EDU_LIAISON, "report_other", "wrong_dept"),
    (HEALTH_LIAISON, "report_own", None),
    (HEALTH_LIAISON, "close", "coordinator_only"),
    (HEALTH_LIAISON, "deadline", "coordinator_only"),
    (4242, "report_own", "not_member"),
    (COORDINATOR, "report_other", None),
    (COORDINATOR, "close", None),
])
def test_the_core_asks_the_same_rule_book(seeded, user_id, call, key):
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=100,
                  now=at("2022-02-01"))  # a claim, so there is something to check
    calls = {
        "report_own": lambda: record_report(seeded, user_id=user_id, task_ref="T42", percent=10,
                                            now=at("2022-03-01")),
        "report_other": lambda: record_report(seeded, user_id=user_id, task_ref="T42",
                                              percent=10, now=at("2022-03-01")),
        "close": lambda: close_task(seeded, user_id=user_id, task_ref="T41",
                                    now=at("2022-03-01")),
        "deadline": lambda: set_deadline(seeded, user_id=user_id, task_ref="T41",
                                         due=at("2023-01-01").date(), now=at("2022-03-01")),
    }
    if key is None:
        calls[call]()
        return
    before = seeded["reports"].count
    with pytest.raises(DubanError) as err:
        calls[call]()
    assert err.value.key == key and seeded["reports"].count == before


def test_a_permit_covers_only_its_action_task_and_person():
    from bot.domain.access import permit

    liaison = ACTORS[Role.LIAISON]
    granted = permit(liaison, Action.REPORT, OWN)
    assert granted.covers(Action.REPORT, OWN, liaison.user_id)
    assert granted.covers(Action.REPORT, OWN, None)  # the core acting for the same update
    assert not granted.covers(Action.VIEW, OWN, liaison.user_id)
    assert not granted.covers(Action.REPORT, OTHER, liaison.user_id)
    assert not granted.covers(Action.REPORT, OWN, COORDINATOR)
    with pytest.raises(DubanError) as refused:
        permit(liaison, Action.REPORT, OTHER, lambda: {"EDU": "教育局", "HEALTH": "卫健委"})
    assert refused.value.key == "wrong_dept" and refused.value.params["dept"] == "教育局"


def test_a_permit_for_one_task_is_no_permit_for_another(seeded):
    """The core takes a permit as decided only for what it was given for: handed to another
    task, the rule book is asked again and refuses."""
    from bot.domain.access import permit
    from bot.services.directory import find_task

    health = Actor(HEALTH_LIAISON, Role.LIAISON, "HEALTH")
    own = permit(health, Action.REPORT, find_task(seeded, "T41"))
    done = record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=30,
                         now=at("2022-03-02"), who=own)
    assert done.report["percent"] == 30 and done.report["dept"] == "HEALTH"
    with pytest.raises(DubanError) as refused:
        record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T01", percent=30,
                      now=at("2022-03-02"), who=own)
    assert refused.value.key == "wrong_dept"

"""交办单 and 督办单 in the core: assignment, acknowledgement, the chase ladder, late 签收."""

from __future__ import annotations

import pytest

from bot.errors import DubanError
from bot.services import notices
from bot.services.commands import record_report, snapshot_of
from bot.services.directory import find_task
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at, task_view

COLOURS = ("blue", "yellow", "red")


def test_unassigned_tasks_are_assigned_once_and_acknowledged(seeded):
    tasks = [find_task(seeded, "T01"), find_task(seeded, "T02")]
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T02", percent=10, now=at("2022-01-10"))
    fresh = notices.unassigned(seeded, tasks, at("2022-01-11").date())
    assert [t.id for t in fresh] == ["T01"]  # T02 was reported on: already under way
    notice = notices.assign(seeded, user_id=None, tasks=fresh, now=at("2022-01-11"))
    assert task_view(seeded, "T01", at("2022-01-12")).status.status == "assigned"
    assert notices.unassigned(seeded, tasks, at("2022-01-12").date()) == []
    with pytest.raises(DubanError) as err:  # another department's liaison
        notices.acknowledge(seeded, notice_id=notice.id, user_id=HEALTH_LIAISON,
                            now=at("2022-01-12"))
    assert err.value.key == "wrong_dept"
    _, acked = notices.acknowledge(seeded, notice_id=notice.id, user_id=EDU_LIAISON,
                                   now=at("2022-01-12"))
    assert acked == ["T01"]
    assert snapshot_of(seeded, find_task(seeded, "T01"), at("2022-01-12").date())[2].state == (
        "in_progress")
    with pytest.raises(DubanError) as err:
        notices.acknowledge(seeded, notice_id=notice.id, user_id=EDU_LIAISON,
                            now=at("2022-01-13"))
    assert err.value.key == "notice_acked"


def test_the_chase_ladder_and_late_acknowledgement(seeded):
    task = find_task(seeded, "T02")
    seen = [notices.chase(seeded, user_id=COORDINATOR, tasks=[task], now=at(f"2022-07-0{d}"),
                          colours=COLOURS).colour for d in (4, 5, 6, 7)]
    assert seen == ["blue", "yellow", "red", "red"]
    with pytest.raises(DubanError) as err:  # a liaison does not chase
        notices.chase(seeded, user_id=EDU_LIAISON, tasks=[task], now=at("2022-07-08"),
                      colours=COLOURS)
    assert err.value.key == "coordinator_only"
    # by Friday 07-08 the notices of Monday to Wednesday are two working days old; Thursday's
    # becomes late on Monday 07-11 (the weekend does not count)
    assert [n.at[:10] for n in notices.late(seeded, at("2022-07-08"), 2)] == [
        "2022-07-04", "2022-07-05", "2022-07-06"]
    late = notices.late(seeded, at("2022-07-11"), 2)
    assert len(late) == 4
    notices.told_late(seeded, late, at("2022-07-11"))
    assert notices.late(seeded, at("2022-07-12"), 2) == []  # told once

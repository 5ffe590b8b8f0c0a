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
    _, acked, _ = notices.acknowledge(seeded, notice_id=notice.id, user_id=EDU_LIAISON,
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
    # "2 个工作日内" counts like parse-date: Monday's notice may be signed until Wednesday and is
    # late from Thursday; Wednesday's until Friday; Thursday's until Monday 07-11 (the weekend
    # does not count), so it is late on Tuesday 07-12
    assert [n.at[:10] for n in notices.late(seeded, at("2022-07-07"), 2)] == ["2022-07-04"]
    assert [n.at[:10] for n in notices.late(seeded, at("2022-07-08"), 2)] == [
        "2022-07-04", "2022-07-05"]
    assert len(notices.late(seeded, at("2022-07-11"), 2)) == 3
    late = notices.late(seeded, at("2022-07-12"), 2)
    assert len(late) == 4
    notices.told_late(seeded, late, at("2022-07-12"))
    assert notices.late(seeded, at("2022-07-13"), 2) == []  # told once


def test_the_signing_boundary_is_parse_dates_count(seeded):
    """One function counts "N个工作日内" for deadlines and for 签收: a notice is late exactly on
    the first day after the date parse-date gives for its sending day."""
    from bot.language.dates import parse_deadline

    task = find_task(seeded, "T02")
    for sent in ("2022-01-28 16:00", "2022-09-30 10:00", "2022-07-04 08:59", "2022-07-09 10:00"):
        notice = notices.chase(seeded, user_id=COORDINATOR, tasks=[task], now=at(sent),
                               colours=COLOURS)
        last = parse_deadline("2个工作日内", at(sent)).date
        assert notices.ack_due(notice, at(sent).tzinfo, 2) == last
        on_last = at(f"{last} 23:59")
        after = at(f"{last + (at('2022-01-02') - at('2022-01-01'))} 09:00")
        assert notice.id not in [n.id for n in notices.late(seeded, on_last, 2)]
        assert notice.id in [n.id for n in notices.late(seeded, after, 2)]


def test_one_signing_settles_every_notice_of_the_task(seeded):
    t02, t03 = find_task(seeded, "T02"), find_task(seeded, "T03")
    chases = [notices.chase(seeded, user_id=COORDINATOR, tasks=[t02], now=at(f"2022-07-0{d}"),
                            colours=COLOURS) for d in (4, 5, 6, 7)]
    both = notices.chase(seeded, user_id=COORDINATOR, tasks=[t02, t03], now=at("2022-07-08"),
                         colours=COLOURS)
    signed = notices.acknowledge(seeded, notice_id=chases[-1].id, user_id=EDU_LIAISON,
                                 now=at("2022-07-08 11:00"))
    assert signed.tasks == ["T02"]
    assert sorted(n.id for n in signed.also) == [c.id for c in chases[:3]]
    # the notice naming T03 as well still waits, for T03 only: named as it was sent, T02 marked
    waiting = notices.waiting(seeded, notices.unacknowledged(seeded), at("2022-07-08"))
    assert [(n.id, n.tasks, n.marks) for n in waiting] == [
        (both.id, ("T02", "T03"), (("T02", "signed"),))]
    assert [notices.outstanding(seeded, n, at("2022-07-08")) for n in waiting] == [
        ("T03",)]
    assert [r["kind"] for r in seeded["reports"].rows_where("task_id = 'T02'")][-1] == "ack"
    # a suspended task waits for nobody
    from bot.domain.lifecycle import Event
    from bot.services.commands import act

    act(seeded, event=Event.SUSPEND, user_id=COORDINATOR, task_ref="T03", now=at("2022-07-09"),
        reason="政策调整")
    assert notices.waiting(seeded, notices.unacknowledged(seeded), at("2022-07-09")) == []

"""Nudges at each offset, escalation, roll-over, the outbox across restarts: time injected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.facts import Occurrence, TaskFacts
from bot.domain.lifecycle import Snapshot, State
from bot.domain.marks import derive_status
from bot.domain.task import Task
from bot.outputs.render.nudges import compose_nudges
from bot.services.commands import mute_task, record_report
from bot.services.reminders import NudgePolicy, nudge_context, nudge_for, prepare_nudges, scan
from bot.store.outbox import mark_sent
from tests.conftest import COORDINATOR, EDU_LIAISON, at

ALL_DAYS = NudgePolicy(workdays_only=False)
DUE = date(2022, 6, 30)  # a Thursday


def view(due=DUE, latest=None, today=date(2022, 6, 1), muted_until=None):
    start = date(2022, 1, 4)
    task = Task(id="T01", dept="EDU", title="任务", clause="一", kind="milestone", start=start,
                due_plan=due, muted_until=date.fromisoformat(muted_until) if muted_until else None)
    snap = latest or Snapshot(State.IN_PROGRESS)
    status = derive_status(snap, reported=latest is not None, start=start, due=due, today=today)
    occurrence = Occurrence("", start, due, due, True, snap, status)
    return TaskFacts(task, occurrence, occurrence, (), None, 0, 0, (), None, None, ())


@pytest.mark.parametrize(
    ("today", "kind", "days"),
    [
        (date(2022, 5, 31), "before", 30),
        (date(2022, 6, 10), "before", 30),  # still the latest one whose day has come
        (date(2022, 6, 23), "before", 7),
        (date(2022, 6, 27), "before", 3),
        (date(2022, 6, 29), "before", 1),
        (DUE, "today", 0),
        (date(2022, 7, 1), "overdue", 1),
        (date(2022, 7, 7), "overdue", 1),
        (date(2022, 7, 8), "overdue", 8),
        (date(2022, 7, 15), "overdue", 15),
    ],
)
def test_the_nudge_of_the_day_at_each_offset(today, kind, days):
    nudge = nudge_for(view(today=today), today, ALL_DAYS)
    assert (nudge.kind, nudge.days) == (kind, days)
    assert nudge.key == f"nudge:T01:2022-06-30:{-days if kind == 'overdue' else days}"


def test_nothing_before_the_first_offset_and_nothing_when_done():
    assert nudge_for(view(today=date(2022, 5, 30)), date(2022, 5, 30), ALL_DAYS) is None
    done = view(latest=Snapshot(State.CLAIMED, 100, "done"), today=date(2022, 7, 5))
    assert nudge_for(done, date(2022, 7, 5), ALL_DAYS) is None
    standing = view(due=None)
    assert nudge_for(standing, date(2022, 7, 5), ALL_DAYS) is None


def test_muted_tasks_get_nothing_until_the_mute_ends():
    muted = view(today=date(2022, 6, 29), muted_until="2022-06-30")
    assert nudge_for(muted, date(2022, 6, 29), ALL_DAYS) is None
    assert nudge_for(view(muted_until="2022-06-30", today=date(2022, 7, 1)), date(2022, 7, 1),
                     ALL_DAYS).kind == "overdue"


def test_holidays_move_nudges_to_the_working_day_before():
    # 2022-10-01..07 is the National Day holiday; a task due 2022-10-05 is nudged on the 30th
    # of September for "today", since the 3-day, 1-day and same-day nudges all fall in it.
    due = date(2022, 10, 5)
    policy = NudgePolicy()
    nudge = nudge_for(view(due=due, today=date(2022, 9, 30)), date(2022, 9, 30), policy)
    assert nudge.send_on == date(2022, 9, 30) and nudge.kind == "today"
    assert nudge_for(view(due=due, today=date(2022, 9, 29)), date(2022, 9, 29),
                     policy).days == 7
    # the first escalation waits for the first working day after the holiday
    assert nudge_for(view(due=due, today=date(2022, 10, 7)), date(2022, 10, 7),
                     policy).kind == "today"
    assert nudge_for(view(due=due, today=date(2022, 10, 8)), date(2022, 10, 8),
                     policy).kind == "overdue"


def test_scan_on_the_seeded_plan(seeded):
    nudges = {n.task_id: n for n in scan(seeded, at("2022-06-29"), ALL_DAYS)}
    assert nudges["T01"].days == 1 and nudges["T02"].days == 1
    assert "T04" not in nudges  # due 2023-12-31: far away
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-29"))
    assert "T01" not in {n.task_id for n in scan(seeded, at("2022-06-29 11:00"), ALL_DAYS)}


def test_no_nudge_twice_across_a_restart_and_catch_up_after_downtime(seeded, tmp_path):
    first = prepare_nudges(seeded, at("2022-06-23"), ALL_DAYS, -100)
    assert {n.task_id for _, n in first} >= {"T01", "T02"}
    mark_sent(seeded, [i for i, _ in first], at("2022-06-23"))
    # a "restart": the same day again records and returns nothing new
    assert prepare_nudges(seeded, at("2022-06-23 15:00"), ALL_DAYS, -100) == []
    # down from the 24th to 2 July: the 3-day, 1-day and same-day nudges are superseded by one
    # overdue escalation each, collected in one batch, not a burst
    back = prepare_nudges(seeded, at("2022-07-02"), ALL_DAYS, -100)
    t01 = [n for _, n in back if n.task_id == "T01"]
    assert len(t01) == 1 and t01[0].kind == "overdue" and t01[0].days == 1
    assert seeded["outbox"].count_where("key LIKE 'nudge:T01:%'") == 2


def test_an_unsent_nudge_is_returned_again_until_marked(seeded):
    first = prepare_nudges(seeded, at("2022-06-23"), ALL_DAYS, -100)
    again = prepare_nudges(seeded, at("2022-06-23 10:05"), ALL_DAYS, -100)
    assert [i for i, _ in first] == [i for i, _ in again]


def test_recurring_duty_rolls_over_and_a_missed_occurrence_is_escalated(seeded):
    # T17: family contact every semester, due 2022-01-31, then 2022-07-15
    before = [n for n in scan(seeded, at("2022-07-12"), ALL_DAYS) if n.task_id == "T17"]
    # the current occurrence (due 07-15) is 3 days away; the first one (01-31) passed undone
    assert [(n.due, n.kind, n.days) for n in before] == [
        (date(2022, 7, 15), "before", 3), (date(2022, 1, 31), "missed", 162)]
    after = [n for n in scan(seeded, at("2022-07-16"), ALL_DAYS) if n.task_id == "T17"]
    # the new occurrence (due 2023-01-31) has nothing due yet; both missed ones are escalated,
    # each under its own key: the same key every day, so each is sent once
    assert [(n.due, n.kind) for n in after] == [(date(2022, 1, 31), "missed"),
                                                (date(2022, 7, 15), "missed")]
    assert after[1].key == "nudge:T17:2022-07-15:missed"
    # a late report goes to the oldest occurrence still open: January's, now waiting for a check
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T17", percent=100,
                        now=at("2022-07-10"))
    assert rec.report["period"] == "2022-01-31"
    assert [(n.due, n.kind) for n in scan(seeded, at("2022-07-12"), ALL_DAYS)
            if n.task_id == "T17"] == [(date(2022, 7, 15), "before")]
    # the July occurrence, reported on next, is done too: nothing left to escalate
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T17", percent=100,
                        now=at("2022-07-11"))
    assert rec.report["period"] == "2022-07-15"
    assert [n for n in scan(seeded, at("2022-07-16"), ALL_DAYS) if n.task_id == "T17"] == []


def test_mute_pauses_a_task(seeded):
    mute_task(seeded, user_id=COORDINATOR, task_ref="T01", until=date(2022, 7, 10),
              now=at("2022-06-20"))
    ids = {n.task_id for n in scan(seeded, at("2022-06-29"), ALL_DAYS)}
    assert "T01" not in ids and "T02" in ids


def test_the_message_names_task_clause_due_last_report_and_people(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T02", percent=40, note="已遴选2名<教研员>",
                  now=at("2022-06-01"))
    nudges = scan(seeded, at("2022-07-02"), ALL_DAYS)
    text = compose_nudges(nudges, nudge_context(seeded, nudges, at("2022-07-02")), date(2022, 7, 2),
                          at("2022-07-02").tzinfo)
    assert "【教育局】" in text and 'href="tg://user?id=1001"' in text  # the EDU liaison
    assert "T02" in text and "二(一)1" in text and "已逾期 2 天（截止 2022-06-30）" in text
    assert "最近报送：2022-06-01 进度 40%" in text and "&lt;教研员&gt;" in text
    assert "请统筹人" in text and 'href="tg://user?id=1000"' in text  # escalation
    assert "T01" in text and "尚未报送进展" in text


def test_offsets_are_configurable():
    policy = NudgePolicy(offsets=(14, 0), workdays_only=False)
    today = DUE - timedelta(days=7)
    assert nudge_for(view(today=today), today, policy).days == 14


def test_unsent_nudges_are_superseded_not_sent_late(seeded):
    # the bot could not post for days (no chat, errors): old unsent nudges pile up ...
    for day in ("2022-06-23", "2022-06-27", "2022-06-29"):
        prepare_nudges(seeded, at(day), ALL_DAYS, None)
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-29"))
    # ... but what goes out is today's word only, and nothing for a task done since
    pending = [n for _, n in prepare_nudges(seeded, at("2022-06-30"), ALL_DAYS, -100)]
    assert "T01" not in {n.task_id for n in pending}
    t02 = [n for n in pending if n.task_id == "T02"]
    assert [(n.kind, n.days) for n in t02] == [("today", 0)]
    assert seeded["outbox"].count_where("last_error LIKE 'superseded%'") >= 5


def test_batches_keep_departments_whole_and_under_the_limit(seeded):
    from bot.outputs.render.nudges import nudge_batches

    nudges = scan(seeded, at("2022-07-02"), ALL_DAYS)
    ctx = nudge_context(seeded, nudges, at("2022-07-02"))
    tz = at("2022-07-02").tzinfo
    batches = nudge_batches(nudges, ctx, date(2022, 7, 2), tz, limit=1200)
    assert len(batches) > 1 and sum(len(b) for b in batches) == len(nudges)
    for batch in batches:  # over the limit only when one department alone is that long
        text = compose_nudges(batch, ctx, date(2022, 7, 2), tz)
        assert len(text) <= 1200 or len({n.dept for n in batch}) == 1
    depts_seen = [n.dept for b in batches for n in b]
    assert all(depts_seen.index(d) + depts_seen.count(d) - 1 ==
               max(i for i, x in enumerate(depts_seen) if x == d) for d in set(depts_seen))


def _missed(seeded, moment, policy=ALL_DAYS):
    return {n.task_id for n in scan(seeded, moment, policy) if n.kind == "missed"}


def test_missed_occurrences_respect_the_record_mute_suspension_and_tracking(seeded):
    from bot.domain.lifecycle import Event
    from bot.services.commands import act, close_task
    from bot.services.facts import set_track_from

    # T12 (each semester): both occurrences of 2022 (01-31, 07-15) reported and checked
    for day in ("2022-07-01", "2022-07-03"):
        record_report(seeded, user_id=EDU_LIAISON, task_ref="T12", percent=100, now=at(day))
        close_task(seeded, user_id=COORDINATOR, task_ref="T12", now=at(day))
    after = at("2022-07-20")
    assert "T12" not in _missed(seeded, after)  # closed: never called undone
    assert "T13" in _missed(seeded, after)  # never reported: escalated once
    mute_task(seeded, user_id=COORDINATOR, task_ref="T13", until=date(2022, 8, 1),
              now=at("2022-07-16"))
    assert "T13" not in _missed(seeded, after)  # muted: escalations too
    act(seeded, event=Event.SUSPEND, user_id=COORDINATOR, task_ref="T17", reason="政策调整",
        now=at("2022-07-16"))
    assert "T17" not in _missed(seeded, after)  # suspended
    # periods that ended before tracking began are never escalated (TRACK_FROM)
    assert "T15" in _missed(seeded, after)
    set_track_from(seeded, date(2022, 7, 16))
    assert "T15" not in _missed(seeded, after)


def test_a_suspended_task_gets_no_nudge(seeded):
    from bot.domain.lifecycle import Event
    from bot.services.commands import act

    assert "T01" in {n.task_id for n in scan(seeded, at("2022-06-29"), ALL_DAYS)}
    act(seeded, event=Event.SUSPEND, user_id=COORDINATOR, task_ref="T01", reason="暂缓",
        now=at("2022-06-20"))
    assert "T01" not in {n.task_id for n in scan(seeded, at("2022-06-29"), ALL_DAYS)}

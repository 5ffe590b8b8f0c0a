"""bot.domain.lifecycle.step, every state against every event, from a table written out by hand from
the 督办 lifecycle (not from ALLOWED_FROM): allowed (and the state after) or the refusal's key.
Then reproductions of defects found by the state-machine test's reading of the core."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from bot.domain.lifecycle import Event, Snapshot, State, step
from bot.errors import DubanError
from tests.conftest import COORDINATOR, EDU_LIAISON, at, task_view

ASG, PRG, BLK, CLM, CLS, SUS = (State.ASSIGNED, State.IN_PROGRESS, State.BLOCKED, State.CLAIMED,
                    State.CLOSED, State.SUSPENDED)
ORDER = (ASG, PRG, BLK, CLM, CLS, SUS)
EXT = {"due": "2022-09-30", "reason": "经费未到位"}

# Per event, per state (in ORDER): the state after it, or the refusal's catalogue key.
# Every call gives what the event needs (a reason, a percent, a pending request where one is
# needed), so a refusal here is the lifecycle's "not from this state".
TABLE: dict[Event, tuple[State | str, ...]] = {
    #                     assigned  in_progress  blocked  claimed  closed  suspended
    Event.ASSIGN:         (ASG, ASG, ASG, "task_claimed", "task_closed", "task_suspended"),
    Event.ACK:            (PRG, PRG, BLK, CLM, "task_closed", SUS),
    Event.PROGRESS:       (PRG, PRG, PRG, "task_claimed", "task_closed", "task_suspended"),
    Event.CLAIM:          (CLM, CLM, CLM, "task_claimed", "task_closed", "task_suspended"),
    Event.CLOSE:          ("close_unclaimed", "close_unclaimed", "close_unclaimed", CLS,
                           "task_closed", "task_suspended"),
    Event.DIRECT_CLOSE:   (CLS, CLS, CLS, "task_claimed", "task_closed", "task_suspended"),
    Event.REOPEN:         ("not_awaiting_check", "not_awaiting_check", "not_awaiting_check", PRG,
                           PRG, "task_suspended"),
    Event.EXTEND_REQUEST: (ASG, PRG, BLK, "extend_claimed", "task_closed", "task_suspended"),
    Event.EXTEND_APPROVE: (ASG, PRG, BLK, CLM, "task_closed", "task_suspended"),
    Event.EXTEND_REFUSE:  (ASG, PRG, BLK, CLM, "task_closed", "task_suspended"),
    Event.EXTEND_WITHDRAW: (ASG, PRG, BLK, CLM, "task_closed", "task_suspended"),
    Event.CHASE:          (ASG, PRG, BLK, "chase_claimed", "chase_closed", "chase_suspended"),
    Event.SUSPEND:        (SUS, SUS, SUS, SUS, "task_closed", "task_suspended"),
    # 恢复 returns to the state before 中止 (受阻 in these snapshots)
    Event.RESUME:         ("task_not_suspended",) * 5 + (BLK,),
}

CASES = [(state, event, TABLE[event][i]) for event in Event for i, state in enumerate(ORDER)]


def snapshot(state: State, event: Event) -> Snapshot:
    """A task in `state`, with a pending extension when the event decides one, and (when
    suspended) 受阻 before the suspension."""
    pending = EXT if event in (Event.EXTEND_APPROVE, Event.EXTEND_REFUSE,
                               Event.EXTEND_WITHDRAW) else None
    return Snapshot(state, percent=100 if state in (CLM, CLS) else 40,
                    reason="停电" if state in (BLK, SUS) else "", extension=pending,
                    resume_to=BLK if state is SUS else None)


def test_the_table_covers_every_state_and_event():
    assert set(TABLE) == set(Event)
    assert all(len(row) == len(State) for row in TABLE.values())
    assert len(CASES) == len(State) * len(Event)


@pytest.mark.parametrize(("state", "event", "expected"), CASES,
                         ids=[f"{s.value}-{e.value}" for s, e, _ in CASES])
def test_step(state: State, event: Event, expected: State | str):
    args = {"task_id": "T01", "reason": "已核实", "percent": 60}
    if event is Event.CLAIM:
        args.update(percent=100, work="done")
    if event is Event.EXTEND_REQUEST:
        args["extension"] = EXT
    before = snapshot(state, event)
    if not isinstance(expected, State):  # State is a StrEnum: test for it, not str
        with pytest.raises(DubanError) as refused:
            step(before, event, **args)
        assert refused.value.key == expected
        return
    after = step(before, event, **args)
    assert after.state is expected
    if expected is CLS:
        assert after.percent == 100 and after.extension is None
    if event is Event.EXTEND_REQUEST:
        assert after.extension == EXT
    if event in (Event.EXTEND_APPROVE, Event.EXTEND_REFUSE):
        assert after.extension is None
    if event is Event.SUSPEND:
        assert after.resume_to is state and after.reason == "已核实"
    if event in (Event.CHASE, Event.EXTEND_REQUEST, Event.EXTEND_APPROVE, Event.EXTEND_REFUSE):
        assert after.percent == before.percent  # acts on the record, not reported progress


@pytest.mark.parametrize("resume_to", [ASG, PRG, BLK, CLM])
def test_resume_returns_to_the_state_before_the_suspension(resume_to: State):
    suspended = step(Snapshot(resume_to, percent=30), Event.SUSPEND, task_id="T01", reason="停")
    assert step(suspended, Event.RESUME, task_id="T01").state is resume_to


@pytest.mark.parametrize(("state", "event", "args", "key"), [
    (PRG, Event.DIRECT_CLOSE, {}, "direct_close_reason"),
    (CLM, Event.REOPEN, {}, "reason_required"),
    (CLS, Event.REOPEN, {}, "reason_required"),
    (PRG, Event.SUSPEND, {}, "suspend_reason"),
    (PRG, Event.EXTEND_REFUSE, {"pending": True}, "reason_required"),
    (PRG, Event.EXTEND_APPROVE, {}, "no_extension_pending"),
    (CLM, Event.EXTEND_REFUSE, {"reason": "不同意"}, "no_extension_pending"),
    (PRG, Event.EXTEND_REQUEST, {"pending": True, "extension": EXT}, "extension_pending"),
    (PRG, Event.PROGRESS, {"work": "blocked", "percent": 30}, "blocked_needs_note"),
    (BLK, Event.PROGRESS, {"work": "blocked"}, "blocked_needs_note"),
])
def test_what_an_allowed_event_still_needs(state, event, args, key):
    args = dict(args)
    pending = args.pop("pending", False)
    snap = Snapshot(state, percent=40, extension=EXT if pending else None)
    with pytest.raises(DubanError) as refused:
        step(snap, event, task_id="T01", **args)
    assert refused.value.key == key


def test_a_blocked_report_keeps_its_reason_and_the_next_report_clears_it():
    blocked = step(Snapshot(PRG), Event.PROGRESS, task_id="T01", percent=30, work="blocked",
                   reason="经费未到位")
    assert (blocked.state, blocked.reason, blocked.percent) == (BLK, "经费未到位", 30)
    moving = step(blocked, Event.PROGRESS, task_id="T01", percent=50, work="in_progress")
    assert (moving.state, moving.reason) == (PRG, "")


# ---------------------------------------------------------------- defects (lead: flip the marks)


def test_every_task_is_counted_in_the_plan_table(seeded):
    from bot.domain.lifecycle import Event as E
    from bot.outputs.render import COUNT_COLUMNS
    from bot.outputs.render.plain import plan_plain
    from bot.services.commands import act, set_deadline
    from bot.store.meta import meta
    from tests.conftest import plan_summary

    now = at("2022-02-01")
    act(seeded, event=E.SUSPEND, user_id=COORDINATOR, task_ref="T01", now=now, reason="暂缓")
    set_deadline(seeded, user_id=COORDINATOR, task_ref="T02", due=at("2022-09-30").date(),
                 now=now)
    summary = plan_summary(seeded, now)
    edu = next(d for d in summary.departments if d.dept["code"] == "EDU")
    assert {"suspended", "assigned"} <= {v.status.status for v in edu.tasks}
    table = plan_plain(meta(seeded), summary, "zh")
    row = next(line.split() for line in table.splitlines() if line.startswith("教育局"))
    assert sum(int(n) for n in row[3:]) == int(row[2]) == len(edu.tasks)
    assert sum(edu.counts[c] for c in COUNT_COLUMNS) == len(edu.tasks)


@pytest.mark.parametrize("state", ["blocked", "not_started"])
def test_a_report_of_100_percent_that_says_blocked_is_refused(seeded, state):
    from bot.services.commands import record_report
    from tests.conftest import task_view

    now = at("2022-02-01")
    with pytest.raises(DubanError) as refused:
        record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", now=now, percent=100,
                      state=state, note="经费未到位")
    assert refused.value.key == "state_percent_100"
    assert task_view(seeded, "T01", now).status.status == "no_report"


def test_chases_and_acknowledgements_reach_the_ledger_facts(seeded):
    from bot.domain.lifecycle import Event as E
    from bot.outputs.exports.facts import chases_of
    from bot.services.commands import act

    now = at("2022-02-01")
    act(seeded, event=E.CHASE, user_id=COORDINATOR, task_ref="T01", now=now)
    act(seeded, event=E.CHASE, user_id=COORDINATOR, task_ref="T01", now=now + timedelta(days=1))
    act(seeded, event=E.ACK, user_id=EDU_LIAISON, task_ref="T01", now=now + timedelta(days=2))
    facts = task_view(seeded, "T01", now + timedelta(days=3))
    assert chases_of(facts).count == 2 and chases_of(facts).unanswered == 0
    assert facts.acked_at == now + timedelta(days=2)


def test_a_direct_close_counts_as_closed_in_the_scores(seeded):
    from bot.outputs.scoring import score_table
    from bot.services.commands import close_directly, task_version

    now = at("2022-05-10")
    close_directly(seeded, user_id=COORDINATOR, task_ref="T01", reason="材料齐全，直接销号",
                   now=now, version=task_version(seeded, "T01"))
    edu = next(s for s in score_table(seeded, 2022, at("2022-12-31")) if s.dept["code"] == "EDU")
    assert edu.counts["closed_on_time"] >= 1


def test_a_month_with_only_a_claim_is_not_silent(seeded):
    from bot.outputs.scoring import score_table
    from bot.services.commands import record_report

    for month in range(1, 13):
        if month != 3:
            record_report(seeded, user_id=EDU_LIAISON, task_ref="T18",
                          now=at(f"2022-{month:02d}-20"), percent=5 * month)
    # March's only report is a claim: T05 done.
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T05", now=at("2022-03-20"), percent=100)
    edu = next(s for s in score_table(seeded, 2022, at("2022-12-31")) if s.dept["code"] == "EDU")
    assert edu.counts["silent_period"] == 0


def test_approving_an_extension_never_moves_the_deadline_earlier(seeded):
    from datetime import date

    from bot.services.commands import (
        decide_extension,
        request_extension,
        set_deadline,
        task_version,
    )

    now = at("2022-03-01")
    request_extension(seeded, user_id=EDU_LIAISON, task_ref="T01", due=date(2022, 7, 31),
                      reason="经费未到位", now=now)
    set_deadline(seeded, user_id=COORDINATOR, task_ref="T01", due=date(2022, 12, 31), now=now)
    # Refusing (the request lapsed, or asks for less than the deadline) is a fine answer.
    with contextlib.suppress(DubanError):
        decide_extension(seeded, user_id=COORDINATOR, task_ref="T01", approve=True, now=now,
                         version=task_version(seeded, "T01"))
    assert seeded["tasks"].get("T01")["due_set"] == "2022-12-31"

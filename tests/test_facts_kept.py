"""The facts of now are kept and reworked only where a write touched them: after every kind of
write they must equal the facts worked out from nothing on a fresh connection."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.commands import (
    close_directly,
    close_task,
    decide_extension,
    record_report,
    reopen_task,
    request_extension,
    undo_last,
)
from bot.services.directory import remove_member
from bot.services.facts import facts_now, forget
from bot.store import connection as dbmod
from bot.store import deadlines as deadline_store
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at, keep_evidence


def fresh(path, now):
    other = dbmod.connect(path)
    try:
        forget(other)
        return facts_now(other, now)
    finally:
        other.close()


def same(kept, worked_out):
    assert [f.task.id for f in kept.tasks] == [f.task.id for f in worked_out.tasks]
    for a, b in zip(kept.tasks, worked_out.tasks, strict=True):
        assert a == b, a.task.id
        assert a.fold == b.fold, a.task.id
    for a, b in zip(kept.departments, worked_out.departments, strict=True):
        assert (a.code, a.counts, a.completion, a.expected, a.reports, a.latest_report) == (
            b.code, b.counts, b.completion, b.expected, b.reports, b.latest_report)
    assert (kept.counts, kept.completion, kept.expected, kept.reports, kept.evidence) == (
        worked_out.counts, worked_out.completion, worked_out.expected, worked_out.reports,
        worked_out.evidence)
    assert kept.queues == worked_out.queues


def test_kept_facts_equal_facts_worked_out_anew_after_every_kind_of_write(seeded, tmp_path):
    path = tmp_path / "duban.db"
    steps = [
        ("report", lambda now: record_report(seeded, user_id=EDU_LIAISON, task_ref="T01",
                                             percent=40, now=now)),
        ("another task", lambda now: record_report(seeded, user_id=HEALTH_LIAISON,
                                                   task_ref="T41", percent=30,
                                                   now=now + timedelta(hours=12))),
        ("taken back", lambda now: undo_last(seeded, user_id=HEALTH_LIAISON,
                                             now=now - timedelta(hours=23))),
        ("claim", lambda now: record_report(seeded, user_id=EDU_LIAISON, task_ref="T01",
                                            state="done", now=now)),
        ("sent back", lambda now: reopen_task(seeded, user_id=COORDINATOR, task_ref="T01",
                                              reason="材料不全", now=now)),
        ("claim again", lambda now: record_report(seeded, user_id=EDU_LIAISON, task_ref="T01",
                                                  state="done", now=now)),
        ("closed", lambda now: close_task(seeded, user_id=COORDINATOR, task_ref="T01",
                                          now=now)),
        ("deadline set", lambda now: deadline_store.add(
            seeded, task_id="T41", period="", due=date(2022, 6, 30), at=now, by=COORDINATOR,
            source="chat")),
        ("extension asked", lambda now: request_extension(
            seeded, user_id=HEALTH_LIAISON, task_ref="T41", due=date(2022, 12, 30),
            reason="场地改造", now=now)),
        ("extension approved", lambda now: decide_extension(
            seeded, user_id=COORDINATOR, task_ref="T41", approve=True, now=now, version=None)),
        ("deadline moved", lambda now: deadline_store.add(
            seeded, task_id="T02", period="", due=date(2022, 5, 31), at=now, by=COORDINATOR,
            source="chat")),
        ("evidence", lambda now: keep_evidence(
            seeded, tmp_path / "evidence", user_id=EDU_LIAISON, task_ref="T02", data=b"%PDF-1.4",
            file_id="f1", file_unique_id="u1", kind="document", now=now, file_name="a.pdf")),
        ("liaison removed", lambda now: remove_member(seeded, user_id=HEALTH_LIAISON, now=now,
                                                      actor="test")),
        # a record dated before the newest one already folded (a clock set back)
        ("clock set back", lambda now: record_report(seeded, user_id=EDU_LIAISON,
                                                     task_ref="T02", percent=10,
                                                     now=at("2022-03-01 09:00"))),
    ]
    facts_now(seeded, at("2022-03-01"))  # kept from here on
    for n, (name, write) in enumerate(steps):
        now = at(f"2022-03-{2 + n:02d} 11:00")
        write(now)
        for day in (now, at(f"2022-03-{3 + n:02d} 12:00")):  # that day, and the next
            kept = facts_now(seeded, day)
            same(kept, fresh(path, day))
        assert kept.reports == fresh(path, day).reports, name


def test_facts_given_out_earlier_stay_as_they_were(seeded):
    before = facts_now(seeded, at("2022-03-01"))
    t01 = before.task("T01")
    reports = t01.fold.reports
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=40, now=at("2022-03-01"))
    after = facts_now(seeded, at("2022-03-01 12:00"))
    assert after.task("T01").fold.reports == reports + 1
    assert t01.fold.reports == reports and t01.status.percent == 0


def test_a_write_rolled_back_leaves_nothing_in_the_kept_facts(seeded, tmp_path):
    """A chase of two tasks whose second is refused (closed) is rolled back as a whole: the
    first task's chase, folded while the transaction was open, must not stay in the facts."""
    import pytest

    from bot.errors import DubanError
    from bot.services import notices
    from bot.services.commands import task_version
    from bot.services.directory import find_task

    now = at("2022-05-10")
    close_directly(seeded, user_id=COORDINATOR, task_ref="T02", reason="机构调整", now=now,
                   version=task_version(seeded, "T02"))
    before = facts_now(seeded, now)
    assert before.task("T01").chases == ()
    with pytest.raises(DubanError):
        notices.chase(seeded, user_id=COORDINATOR, now=now + timedelta(hours=1),
                      tasks=[find_task(seeded, "T01"), find_task(seeded, "T02")],
                      colours=("blue", "yellow", "red"))
    later = now + timedelta(hours=2)
    kept = facts_now(seeded, later)
    assert kept.task("T01").chases == ()
    same(kept, fresh(tmp_path / "duban.db", later))


def test_past_facts_worked_out_together_equal_each_worked_out_alone(seeded, tmp_path):
    """A digest's trend works the past days out together, the records read once: each day's
    facts must be those worked out alone, whatever was taken back, sent back, closed, extended
    or recorded with a clock set back in between."""
    from bot.services.facts import (
        end_of_day,
        facts_as_of,
        facts_as_of_each,
        passing_facts_as_of,
    )

    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=40,
                  now=at("2022-03-02 11:00"))
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=30,
                  now=at("2022-03-03 23:50"))
    undo_last(seeded, user_id=HEALTH_LIAISON, now=at("2022-03-04 00:10"))  # the next day
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", state="done",
                  now=at("2022-03-06 11:00"))
    reopen_task(seeded, user_id=COORDINATOR, task_ref="T01", reason="材料不全",
                now=at("2022-03-07 11:00"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", state="done",
                  now=at("2022-03-08 11:00"))
    close_task(seeded, user_id=COORDINATOR, task_ref="T01", now=at("2022-03-09 11:00"))
    deadline_store.add(seeded, task_id="T41", period="", due=date(2022, 6, 30),
                       at=at("2022-03-09 12:00"), by=COORDINATOR, source="chat")
    request_extension(seeded, user_id=HEALTH_LIAISON, task_ref="T41", due=date(2022, 12, 30),
                      reason="场地改造", now=at("2022-03-10 11:00"))
    decide_extension(seeded, user_id=COORDINATOR, task_ref="T41", approve=True,
                     now=at("2022-03-11 11:00"), version=None)
    keep_evidence(seeded, tmp_path / "evidence", user_id=EDU_LIAISON, task_ref="T02",
                  data=b"%PDF-1.4", file_id="f1", file_unique_id="u1", kind="document",
                  now=at("2022-03-11 12:00"), file_name="a.pdf")
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T02", percent=20,
                  now=at("2022-03-12 11:00"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T02", percent=10,
                  now=at("2022-03-04 09:00"))  # a clock set back: made later, dated before
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T03", percent=15,
                  now=at("2022-03-12 12:00"))
    undo_last(seeded, user_id=EDU_LIAISON, now=at("2022-03-12 12:20"))  # the same day
    moments = [end_of_day(date(2022, 3, d), at("2022-03-01").tzinfo) for d in range(1, 15)]
    together = facts_as_of_each(seeded, moments)
    other = dbmod.connect(tmp_path / "duban.db")
    try:
        for moment, facts in zip(moments, together, strict=True):
            forget(other)
            alone = facts_as_of(other, moment)
            same(facts, alone)
            assert facts.reports == alone.reports and facts.evidence == alone.evidence
        # The digest's trend takes each day's facts as they pass (one day's alive at a time):
        # each the same as worked out alone while it is looked at.
        passed = 0
        for moment, facts in zip(moments, passing_facts_as_of(seeded, moments), strict=True):
            forget(other)
            same(facts, facts_as_of(other, moment))
            passed += 1
        assert passed == len(moments)
    finally:
        other.close()
    assert together[-1].task("T01").status.status == "closed"
    # the report on T41 counted from the day it was made until the day it was taken back
    assert [f.task("T41").fold.reports for f in together[1:4]] == [0, 1, 0]


def test_a_past_completion_is_the_facts_completion_then_and_follows_a_record_dated_before(
        seeded, tmp_path):
    """The digest's "change since" counts from the completion a week back, kept as the number:
    the same as the facts of that moment say, and worked out again once a record dated before
    the moment is made (a clock set back)."""
    from bot.services.facts import completion_as_of, facts_as_of

    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=40,
                  now=at("2022-03-02 11:00"))
    moment = at("2022-03-05 12:00")
    other = dbmod.connect(tmp_path / "duban.db")
    try:
        first = completion_as_of(seeded, moment)
        assert first == facts_as_of(other, moment).completion
        assert completion_as_of(seeded, moment) == first  # asked again: the same
        record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=90,
                      now=at("2022-03-03 09:00"))  # made later, dated before the moment
        forget(other)
        again = completion_as_of(seeded, moment)
        assert again == facts_as_of(other, moment).completion
        assert again is not None and first is not None and again > first
        facts = facts_as_of(seeded, moment)  # kept whole: the number is read from it
        assert completion_as_of(seeded, moment) == facts.completion
    finally:
        other.close()


def test_a_past_years_score_is_worked_out_once(seeded, monkeypatch):
    """Last year's score asks for the same moment (the year's end) every time: its facts are
    kept, though records were made after it."""
    from bot.outputs.scoring import score_table
    from bot.services import facts as facts_service

    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=40, now=at("2023-01-05"))
    worked_out = []
    real = facts_service._facts_as_of
    monkeypatch.setattr(facts_service, "_facts_as_of",
                        lambda *a, **k: worked_out.append(a[1]) or real(*a, **k))
    first = score_table(seeded, 2022, at("2023-01-06"))
    again = score_table(seeded, 2022, at("2023-01-06 10:00"))
    assert [(s.code, s.score) for s in first] == [(s.code, s.score) for s in again]
    assert len(worked_out) == 1 and worked_out[0].date() == date(2022, 12, 31)

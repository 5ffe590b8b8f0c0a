"""Status derivation at chosen moments: pure, no database."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.lifecycle import Snapshot, State, from_record
from bot.domain.marks import (
    BEHIND_POINTS,
    DUE_SOON_DAYS,
    derive_status,
    expected_progress,
    percent_of,
)
from bot.domain.recurrence import Recurrence, due_dates, occurrence

START = date(2022, 1, 4)
DUE = date(2022, 6, 30)


def Latest(kind, percent, state):  # noqa: N802 (a stored record, as the core keeps it)
    return {"kind": kind, "percent": percent, "state": state, "value": None, "note": "原因",
            "lifecycle": None, "data": None}


def status(latest, today, due=DUE):
    return derive_status(from_record(latest, recurring=True), reported=latest is not None,
                         start=START, due=due, today=today)


def test_expected_progress_is_the_share_of_the_window_passed():
    assert expected_progress(START, DUE, date(2022, 1, 3)) == 0
    assert expected_progress(START, DUE, START) == 1
    assert expected_progress(START, DUE, date(2022, 4, 2)) == 50
    assert expected_progress(START, DUE, DUE) == 100
    assert expected_progress(START, DUE, date(2023, 1, 1)) == 100


@pytest.mark.parametrize(
    ("latest", "today", "expected", "colour"),
    [
        (None, date(2022, 2, 1), "no_report", "grey"),
        (Latest("progress", 20, "in_progress"), date(2022, 2, 1), "on_track", "green"),
        # 50% of the window passed, 35% reported: 15 points behind -> yellow
        (Latest("progress", 35, "in_progress"), date(2022, 4, 2), "behind", "yellow"),
        # 10 points behind is within tolerance
        (Latest("progress", 40, "in_progress"), date(2022, 4, 2), "on_track", "green"),
        # 30+ points behind -> red
        (Latest("progress", 10, "in_progress"), date(2022, 4, 2), "behind", "red"),
        # the day before, on the day, after
        (Latest("progress", 90, "in_progress"), date(2022, 6, 29), "due_soon", "blue"),
        (Latest("progress", 90, "in_progress"), DUE, "due_soon", "blue"),
        (Latest("progress", 90, "in_progress"), date(2022, 7, 1), "overdue", "red"),
        (None, date(2022, 7, 1), "overdue", "red"),
        (Latest("progress", 100, "done"), date(2022, 7, 1), "pending_check", "green"),
        (Latest("close", 100, "done"), date(2022, 7, 1), "closed", "green"),
        (Latest("reopen", 80, "in_progress"), date(2022, 7, 1), "overdue", "red"),
        (Latest("progress", 30, "blocked"), date(2022, 3, 1), "blocked", "yellow"),
        # past due and blocked is 逾期 (one rule for counts and lists; the reason shows in 受阻)
        (Latest("progress", 30, "blocked"), date(2022, 7, 1), "overdue", "red"),
    ],
)
def test_status_before_on_and_after_the_due_date(latest, today, expected, colour):
    result = status(latest, today)
    assert (result.status, result.colour) == (expected, colour)


def test_due_soon_starts_exactly_at_the_threshold():
    latest = Latest("progress", 95, "in_progress")
    due = date(2022, 6, 30)
    assert status(latest, date(2022, 6, 30 - DUE_SOON_DAYS), due).status == "due_soon"
    assert status(latest, date(2022, 6, 30 - DUE_SOON_DAYS - 1), due).status == "on_track"


def test_overdue_flag_and_days_left():
    late = status(None, date(2022, 7, 11))
    assert late.overdue and late.days_left == -11
    done = status(Latest("progress", 100, "done"), date(2022, 7, 11))
    assert not done.overdue and done.done


def test_standing_duties_are_never_due():
    s = status(Latest("progress", 10, "in_progress"), date(2030, 1, 1), due=None)
    assert s.status == "on_track" and s.expected is None and not s.overdue


def test_behind_uses_the_tolerance():
    today = date(2022, 4, 2)  # 50% expected
    at_edge = status(Latest("progress", 50 - BEHIND_POINTS, "in_progress"), today)
    past_edge = status(Latest("progress", 50 - BEHIND_POINTS - 1, "in_progress"), today)
    assert at_edge.status == "on_track" and past_edge.status == "behind"


def test_percent_from_value_and_state():
    assert percent_of(None, None, 187, 200) == 94  # 93.5 rounds half up
    assert percent_of(None, None, 143, 200) == 72  # 71.5, not truncated to 71
    assert percent_of(None, None, 199, 200) == 99  # 99.5, but the target is not yet reached
    assert percent_of(None, None, 200, 200) == 100
    assert percent_of(None, None, 250, 200) == 100
    assert percent_of(60, "done", None, None) == 60
    assert percent_of(None, "done", None, None) == 100
    assert percent_of(None, "in_progress", None, None) is None


def test_semester_occurrences_roll_over_at_term_ends():
    rec = Recurrence("semester")
    dues = list(zip(range(4), due_dates(rec, START), strict=False))
    assert [d for _, d in dues] == [date(2022, 1, 31), date(2022, 7, 15), date(2023, 1, 31),
                                    date(2023, 7, 15)]
    assert occurrence(rec, START, date(2022, 3, 1)) == (date(2022, 2, 1), date(2022, 7, 15))
    assert occurrence(rec, START, date(2022, 7, 15)) == (date(2022, 2, 1), date(2022, 7, 15))
    assert occurrence(rec, START, date(2022, 7, 16)) == (date(2022, 7, 16), date(2023, 1, 31))


def test_yearly_and_weekly_occurrences():
    may25 = Recurrence("year", on=((5, 25),))
    assert occurrence(may25, START, date(2022, 5, 26)) == (date(2022, 5, 26), date(2023, 5, 25))
    biweekly = Recurrence("weeks", n=2)
    assert occurrence(biweekly, START, START) == (START, date(2022, 1, 17))
    assert occurrence(biweekly, START, date(2022, 1, 18)) == (date(2022, 1, 18), date(2022, 1, 31))
    assert Recurrence.from_json(may25.to_json()) == may25


@pytest.mark.parametrize(("state", "today", "expected"), [
    (State.ASSIGNED, date(2022, 2, 1), "assigned"),
    (State.ASSIGNED, date(2022, 7, 1), "overdue"),  # late matters more than unacknowledged
    (State.SUSPENDED, date(2022, 7, 1), "suspended"),  # suspended work is never overdue
    (State.CLOSED, date(2022, 7, 1), "closed"),
])
def test_lifecycle_states_mark_first(state, today, expected):
    result = derive_status(Snapshot(state, 30), reported=True, start=START, due=DUE, today=today)
    assert result.status == expected and not (expected == "suspended" and result.overdue)

"""Issue 22, item 8: plan files that once loaded an infinite target, recursed or ran for minutes
are refused at once with a message naming the file, the line and what is wrong."""

from __future__ import annotations

import re
import time

import pytest

from bot.services.plan import PlanError, parse_plan
from tests.conftest import PLAN_FILE
from tests.reliability import bad_plans, probe_plans

GOOD = PLAN_FILE.read_text(encoding="utf-8")


def test_every_bad_plan_is_refused_by_seed_in_seconds_with_its_line(tmp_path):
    cases = probe_plans(tmp_path, timeout=60)
    assert len(cases) == len(bad_plans(GOOD))
    for case in cases:
        assert case.code == 1 and not case.loaded, case
        assert not case.traceback and case.located, case.said
        assert case.seconds < 10, case


@pytest.mark.parametrize("name", list(bad_plans(GOOD)))
def test_each_bad_plan_names_a_line(name):
    started = time.monotonic()
    with pytest.raises(PlanError) as err:
        parse_plan(bad_plans(GOOD)[name], source="plan.yaml")
    assert time.monotonic() - started < 2
    assert all(re.match(r"^plan\.yaml:\d+: ", problem) for problem in err.value.problems), \
        err.value.problems


@pytest.mark.parametrize(("old", "new", "says"), [
    ("target: {value: 200, unit: 所", "target: {value: 1e10, unit: 所", "is not a number"),
    ("due: 2023-12-31", "due: 9999-12-31", "is not a year from 1900"),
    ("recurrence: {every: semester}", "recurrence: {every: weeks, n: 99999999}",
     "whole number of weeks"),
    ("recurrence: {every: semester}", "recurrence: {every: weeks, n: {a: 1}}",
     "whole number of weeks"),
])
def test_numbers_dates_and_spans_are_bounded(old, new, says):
    assert old in GOOD, old
    with pytest.raises(PlanError) as err:
        parse_plan(GOOD.replace(old, new, 1), source="plan.yaml")
    assert says in str(err.value)


def test_an_anchor_without_an_alias_is_harmless_and_the_good_file_loads():
    plan = parse_plan("# a note\n" + GOOD.replace("plan:", "plan: &meta", 1))
    assert len(plan.tasks) > 40

"""任务分解: a numeric target split into county-level units' quotas, each unit reporting its own."""

from __future__ import annotations

import json

import pytest

from bot.errors import DubanError
from bot.outputs.render.chat import recorded_text
from bot.services.commands import quotas_of, record_report, undo_last, unit_values
from bot.services.directory import find_task
from bot.services.plan import PlanError, parse_plan
from tests.conftest import COORDINATOR, EDU_LIAISON, at, task_view
from tests.test_plan import BASE

COUNTY_UNITS = ("鲤城区", "丰泽区", "洛江区", "泉港区", "石狮市", "晋江市", "南安市", "惠安县",
                "安溪县", "永春县", "德化县", "泉州开发区", "泉州台商投资区")


def test_the_seed_splits_the_counselling_rooms_over_the_thirteen_units(plan):
    for task_id, target in (("T04", 200), ("T06", 300)):
        task = next(t for t in plan.tasks if t.id == task_id)
        assert tuple(name for name, _ in task.quotas) == COUNTY_UNITS
        assert sum(q for _, q in task.quotas) == target


def test_quotas_are_stored_with_the_task(seeded):
    quotas = quotas_of(find_task(seeded, "T06"))
    assert quotas["晋江市"] == 51 and len(quotas) == 13
    assert quotas_of(find_task(seeded, "T01")) == {}


@pytest.mark.parametrize(("quotas", "expected"), [
    ("[晋江市]", "tasks[0].target.quotas: must be a mapping"),
    ("{晋江市: many}", "tasks[0].target.quotas.晋江市: 'many' is not a number"),
    ("{晋江市: -1}", "must not be negative"),
])
def test_bad_quotas_get_a_located_error(quotas, expected):
    text = BASE.replace("due: 2022-06-30",
                        f"due: 2022-06-30\n    target: {{value: 10, unit: 所, quotas: {quotas}}}")
    with pytest.raises(PlanError) as err:
        parse_plan(text, source="<t>")
    assert expected in str(err.value)


def test_units_report_and_the_city_figure_is_their_sum(seeded):
    first = record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=23, unit="晋江市",
                          now=at("2023-03-01"))
    assert (first.report["unit"], first.report["unit_value"], first.report["value"]) == (
        "晋江市", 23, 23)
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=12, unit="南安",
                  now=at("2023-03-02"))  # a short name is enough when it is unambiguous
    again = record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=30, unit="晋江市",
                          now=at("2023-03-03"))
    assert again.report["value"] == 42  # 晋江市 30 (its newest) + 南安市 12
    assert unit_values(seeded, "T06") == {"晋江市": 30, "南安市": 12}
    assert unit_values(seeded, "T06", at=at("2023-03-02 12:00")) == {"晋江市": 23, "南安市": 12}
    view = task_view(seeded, "T06", at("2023-03-04"))
    assert view.value == 42 and view.status.percent == 14  # 42 of 300
    assert "晋江市 30所（全市合计 42所）" in recorded_text(again, "zh", html=False)
    # a city-level report without a unit keeps the figure as the units make it
    plain = record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", percent=None,
                          state="in_progress", note="继续推进", now=at("2023-03-04"))
    assert plain.report["value"] == 42


def test_undo_takes_the_units_figure_back(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=23, unit="晋江市",
                  now=at("2023-03-01"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=40, unit="晋江市",
                  now=at("2023-03-01 10:05"))
    undo_last(seeded, user_id=EDU_LIAISON, now=at("2023-03-01 10:06"))
    assert unit_values(seeded, "T06") == {"晋江市": 23}
    assert task_view(seeded, "T06", at("2023-03-02")).value == 23


@pytest.mark.parametrize(("task", "unit", "value", "key"), [
    ("T06", "北京市", 5, "unit_unknown"),
    ("T06", "泉州", 5, "unit_unknown"),  # matches 泉州开发区 and 泉州台商投资区: ambiguous
    ("T06", "晋江市", None, "unit_needs_value"),
    ("T03", "晋江市", 5, "unit_not_split"),
])
def test_bad_unit_reports_are_refused_and_change_nothing(seeded, task, unit, value, key):
    before = seeded["reports"].count
    with pytest.raises(DubanError) as err:
        record_report(seeded, user_id=EDU_LIAISON, task_ref=task, value=value, unit=unit,
                      state="in_progress" if value is None else None, now=at("2023-03-01"))
    assert err.value.key == key
    assert seeded["reports"].count == before


def test_a_coordinator_reports_a_unit_too(seeded):
    rec = record_report(seeded, user_id=COORDINATOR, task_ref="T04", value=14, unit="鲤城区",
                        now=at("2023-03-01"))
    assert rec.report["unit"] == "鲤城区"
    assert json.loads(seeded["tasks"].get("T04")["unit_quotas"])["鲤城区"] == 14


@pytest.mark.parametrize(("words", "expected"), [
    ("- --value 23 --unit 晋江市", (None, None, 23, "", "晋江市")),
    ("--unit 南安市 --value 11 新建11所", (None, None, 11, "新建11所", "南安市")),
    ("12 --unit 德化县", (None, None, 12, "", "德化县")),
    # T06 is split by county: a bare number is a figure, for the county named (or refused)
    ("60 初稿", (None, None, 60, "初稿", None, False)),
    ("60所 初稿", (None, None, 60, "初稿", None, False)),  # with its unit: a count
    ("60% 初稿", (60, None, None, "初稿", None, False)),  # with a percent sign: a percent
    ("160 初稿", (None, None, 160, "初稿", None, False)),  # over 100: only a count
])
def test_chat_words_with_unit_flags(seeded, words, expected):
    from bot.language.parse import parse_report_args

    got = parse_report_args(find_task(seeded, "T06"), words.split())
    assert (got.percent, got.state, got.value, got.note, got.unit, got.ambiguous) == (
        expected if len(expected) == 6 else (*expected, False))


@pytest.mark.parametrize(("words", "expected"), [
    ("30", (None, 30, True)),  # T08, 200 schools, not split: 30 schools or 30%? asked first
    ("30所", (None, 30, False)),
    ("30%", (30, None, False)),
    ("130", (None, 130, False)),  # over 100: only a count
])
def test_a_bare_number_on_a_counted_target_is_ambiguous(seeded, words, expected):
    from bot.language.parse import parse_report_args

    got = parse_report_args(find_task(seeded, "T08"), words.split())
    assert (got.percent, got.value, got.ambiguous) == expected


@pytest.mark.parametrize("words", ["- --value", "- --value lots --unit 晋江市", "x --unit 晋江市"])
def test_bad_flags_are_refused(seeded, words):
    from bot.language.parse import parse_report_args

    with pytest.raises(DubanError):
        parse_report_args(find_task(seeded, "T06"), words.split())

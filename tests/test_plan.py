"""The plan file: contents checked against the plan text, located errors, idempotent loading."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from bot.services.commands import record_report, task_history
from bot.services.plan import PlanError, load_plan, parse_plan, read_plan_file
from tests.conftest import EDU_LIAISON, PLAN_TEXT, at

TEN = {"EDU", "STAFF", "CIVIL", "CYBER", "CIVAFF", "FIN", "HRSS", "HEALTH", "YOUTH", "WOMEN"}


def test_ten_departments_with_chinese_and_english_names(plan):
    assert {d.code for d in plan.departments} == TEN
    shorts = {d.code: d.short for d in plan.departments}
    assert shorts["HEALTH"] == "卫健委" and shorts["STAFF"] == "编办" and shorts["WOMEN"] == "妇联"
    for dept in plan.departments:
        assert dept.name and dept.name_en and dept.name != dept.name_en


def test_every_department_has_its_own_duties(plan):
    per_dept = Counter(t.dept for t in plan.tasks)
    assert set(per_dept) == TEN
    # 二(五) gives the health commission four duties and the youth league three: one task each
    assert per_dept["HEALTH"] >= 4 and per_dept["YOUTH"] >= 3 and per_dept["HRSS"] == 2
    assert len({t.id for t in plan.tasks}) == len(plan.tasks)


def test_every_quote_is_the_plans_own_words(plan):
    text = PLAN_TEXT.read_text(encoding="utf-8")
    for task in plan.tasks:
        assert task.quote, task.id
        for quote in task.quote:
            assert quote in text, f"{task.id}: {quote!r} is not in the plan"
        assert task.clause[0] in "一二三", task.id


def _find(plan, needle):
    found = [t for t in plan.tasks if any(needle in q for q in t.quote)]
    assert found, needle
    return found[0]


@pytest.mark.parametrize(
    ("needle", "due", "target", "unit"),
    [
        ("专职教师岗位核定", date(2022, 6, 30), None, None),
        ("专职心理健康教育教研员", date(2022, 6, 30), None, None),
        ("2025年底前配齐", date(2025, 12, 31), 100, "%"),
        ("到2023年,建设标准化心理辅导室", date(2023, 12, 31), 200, "所"),
        ("到2025年,建设标准化心理辅导室", date(2025, 12, 31), 300, "所"),
        ("示范性心理辅导室(咨询室)30个", date(2025, 12, 31), 30, "个"),
        ("特色学校达200所", date(2025, 12, 31), 200, "所"),
    ],
)
def test_milestones_and_targets(plan, needle, due, target, unit):
    task = _find(plan, needle)
    assert task.due == due
    assert task.target_value == target
    assert task.target_unit == unit
    assert task.kind == ("target" if target else "milestone")


@pytest.mark.parametrize(
    ("needle", "every", "on"),
    [
        ("每年至少组织100名", "year", ((12, 31),)),
        ("“5·25”", "year", ((5, 25),)),
        ("每学期与每个学生家庭", "semester", ()),
        ("特殊节点特殊群体", "year", ((1, 15), (4, 30), (6, 30), (9, 30))),
        ("每学年至少参加一次", "school_year", ()),
    ],
)
def test_recurring_duties(plan, needle, every, on):
    task = _find(plan, needle)
    assert task.kind == "recurring"
    assert task.recurrence.every == every
    assert task.recurrence.on == on


def test_training_target_recurs_with_its_number(plan):
    task = _find(plan, "每年至少组织100名")
    assert (task.target_value, task.target_unit) == (100, "人")


BASE = """\
plan:
  issued: 2022-01-04
departments:
  - {code: EDU, name: 教育局, name_en: Education}
tasks:
  - id: T01
    dept: EDU
    title: 甲
    clause: 一
    quote: 甲
    due: 2022-06-30
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("due: 2022-06-30", "due: 2022-13-01"),
         "<t>:11: tasks[0].due: '2022-13-01' is not a date"),
        (("dept: EDU", "dept: XYZ"), "<t>:7: tasks[0].dept: 'XYZ' is not a department code"),
        (("    quote: 甲\n", ""), "tasks[0]: 'quote' is missing"),
        (("id: T01", "id: 12"), "tasks[0].id: '12' must be T followed by"),
        (("due: 2022-06-30", "recurrence: {every: monthly}"),
         "tasks[0].recurrence.every: 'monthly' is not one of"),
        (("due: 2022-06-30", "recurrence: {every: year, on: 02-30}"),
         "'02-30' is not a day of the year"),
        (("due: 2022-06-30", "due: 2022-06-30\n    target: {value: lots, unit: 所}"),
         "tasks[0].target.value: 'lots' is not a number"),
        (("    clause: 一\n", "    clause: 一\n    clause: 二\n"), "tasks[0].clause: duplicate key"),
        (("due: 2022-06-30", "due: [2022"), "not valid YAML"),
    ],
)
def test_malformed_plan_gets_a_located_error(change, expected):
    text = BASE.replace(*change)
    assert text != BASE
    with pytest.raises(PlanError) as err:
        parse_plan(text, source="<t>")
    assert expected in str(err.value)


def test_all_errors_are_reported_at_once():
    text = BASE.replace("dept: EDU", "dept: XYZ").replace("2022-06-30", "2022-02-30")
    with pytest.raises(PlanError) as err:
        parse_plan(text, source="<t>")
    assert len(err.value.problems) == 2


def test_a_bad_file_loads_nothing(db, tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text(BASE.replace("2022-06-30", "2022-13-01"), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        read_plan_file(bad)
    assert str(bad) in str(err.value)
    assert db["tasks"].count == 0 and db["departments"].count == 0


def test_seeding_twice_changes_nothing(db, plan):
    first = load_plan(db, plan, now=at("2022-01-05"))
    assert len(first.added) == len(plan.tasks) + len(plan.departments)
    audit_rows = db["audit"].count
    second = load_plan(db, plan, now=at("2022-01-06"))
    assert not second.changed
    assert second.unchanged == len(plan.tasks) + len(plan.departments)
    assert db["audit"].count == audit_rows


def test_changed_date_updates_and_is_audited_and_removed_task_is_archived(seeded, plan):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T02", percent=40, now=at("2022-02-01"))
    text = (PLAN_TEXT.parent.parent / "tasks_seed.yaml").read_text(encoding="utf-8")
    changed = text.replace("    due: 2022-06-30\n  - id: T02", "    due: 2022-07-31\n  - id: T02")
    start = changed.index("  - id: T02")
    end = changed.index("  - id: T03")
    changed = changed[:start] + changed[end:]
    result = load_plan(seeded, parse_plan(changed), now=at("2022-03-01"))
    assert result.updated == ["T01"] and result.archived == ["T02"]
    assert seeded["tasks"].get("T01")["due"] == "2022-07-31"
    change = seeded.execute(
        "SELECT detail FROM audit WHERE action = 'update' AND entity_id = 'T01'").fetchone()[0]
    assert json.loads(change)["due"] == {"from": "2022-06-30", "to": "2022-07-31"}
    assert seeded["tasks"].get("T02")["archived_at"]
    assert [r["percent"] for r in task_history(seeded, "T02")] == [40]  # its report stays
    restored = load_plan(seeded, parse_plan(text), now=at("2022-03-02"))
    assert restored.restored == ["T02"] and seeded["tasks"].get("T02")["archived_at"] is None

"""结果考评: the rules, table-tested on the real plan with scripted reports."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import Event
from bot.outputs.scoring import (
    Grade,
    Rules,
    RulesError,
    load_rules,
    rules_from,
    score_table,
)
from bot.services.commands import (
    act,
    close_task,
    decide_extension,
    record_report,
    request_extension,
    set_deadline,
    task_version,
)
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at

WIDE = Rules(overdue_cap_per_item=-1000)  # no cap, so overdue days show as they are


def _edu(db, year: int, now: str, rules: Rules = WIDE):
    return next(s for s in score_table(db, year, at(now), rules) if s.code == "EDU")


def _line(score, rule):
    return next(line for line in score.lines if line.rule == rule)


def close_on_time(db):
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-01"))
    close_task(db, user_id=COORDINATOR, task_ref="T01", now=at("2022-06-10"))


def close_late(db):
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-07-05"))
    close_task(db, user_id=COORDINATOR, task_ref="T01", now=at("2022-07-10"))


def extend(db):
    request_extension(db, user_id=EDU_LIAISON, task_ref="T09", due=at("2026-06-30").date(),
                      reason="经费未到位", now=at("2022-03-01"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T09", approve=True, now=at("2022-03-02"),
                     version=task_version(db, "T09"))


def refuse_extension(db):
    request_extension(db, user_id=EDU_LIAISON, task_ref="T09", due=at("2026-06-30").date(),
                      reason="经费未到位", now=at("2022-03-01"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T09", approve=False, reason="不可延",
                     now=at("2022-03-02"), version=task_version(db, "T09"))


def move_deadline(db):
    # the coordinator moving a deadline is a new 交办, not the department's extension
    set_deadline(db, user_id=COORDINATOR, task_ref="T09", due=at("2026-06-30").date(),
                 now=at("2022-03-01"))


def chase(db, task, day, colour):
    act(db, event=Event.CHASE, user_id=COORDINATOR, task_ref=task, now=at(day),
        extra={"colour": colour})


def ack(db, task, day):
    act(db, event=Event.ACK, user_id=EDU_LIAISON, task_ref=task, now=at(day))


def chase_twice(db):
    chase(db, "T01", "2022-04-01", "blue")
    chase(db, "T03", "2022-04-01", "red")
    ack(db, "T03", "2022-03-01")  # an earlier 签收 answers no later chase
    chase(db, "T04", "2022-04-01", "yellow")
    ack(db, "T04", "2022-05-01")
    chase(db, "T03", "2021-12-01", "blue")  # outside the scored year


def nothing(db):
    pass


@pytest.mark.parametrize(("script", "rule", "count", "points"), [
    (close_on_time, "closed_on_time", 1, 2.0),
    (close_on_time, "closed_late", 0, 0.0),
    (close_late, "closed_late", 1, 1.0),
    (close_late, "closed_on_time", 0, 0.0),
    (extend, "approved_extension", 1, -0.5),
    (refuse_extension, "approved_extension", 0, 0.0),
    (move_deadline, "approved_extension", 0, 0.0),
    (chase_twice, "unanswered_chase", 2, -2.0),
    (nothing, "approved_extension", 0, 0.0),
])
def test_each_rule_counts_and_weighs(seeded, script, rule, count, points):
    script(seeded)
    line = _line(_edu(seeded, 2022, "2022-12-31"), rule)
    assert (line.count, line.points) == (count, points)


def test_overdue_days_count_inside_the_year_until_the_close(seeded):
    close_late(seeded)  # T01 due 06-30, closed 07-10: nine whole days overdue before the close
    t01_days = 9
    t02_days = (at("2022-12-31").date() - at("2022-06-30").date()).days  # T02 still open: 184
    open_before = _line(_edu(seeded, 2022, "2022-12-31"), "overdue_day")
    assert open_before.count >= t01_days + t02_days
    # Next year only the days of next year count for T02, and T01 (closed) adds none.
    y2023 = _line(_edu(seeded, 2023, "2023-03-31"), "overdue_day")
    assert y2023.count >= 90  # T02 from 01-01 to 03-31
    assert y2023.points == pytest.approx(-0.1 * y2023.count)


@pytest.mark.parametrize(("rules", "points"), [(Rules(), -5.0), (WIDE, -18.1),
                                               (Rules(overdue_day=-0.01), -1.81)])
def test_the_overdue_deduction_is_capped_per_item(seeded, rules, points):
    # 财政局's yearly budget duty (T37, due every 12-31) was never reported since tracking
    # began: the occurrences of 2022, 2023 and 2024 are each open all of 2025's first half,
    # 181 days, each its own item with its own cap.
    fin = next(s for s in score_table(seeded, 2025, at("2025-06-30"), rules) if s.code == "FIN")
    items = [i for i in fin.items if i.rule == "overdue_day"]
    assert [(i.task_id, i.period, i.count) for i in items] == [
        ("T37", "2022-12-31", 181), ("T37", "2023-12-31", 181), ("T37", "2024-12-31", 181)]
    assert all(i.points == pytest.approx(points) for i in items)
    line = _line(fin, "overdue_day")
    assert line.count == 3 * 181 and line.points == pytest.approx(3 * points)


def test_silent_months_and_a_department_that_reports(seeded):
    # 卫健委 reports in March and May 2022: by the end of June three full months since tracking
    # began (the plan was loaded 2022-01-05, so January is not a full tracked month) were silent
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=10, now=at("2022-03-05"))
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=20, now=at("2022-05-05"))
    health = next(s for s in score_table(seeded, 2022, at("2022-07-01"), WIDE)
                  if s.code == "HEALTH")
    silent = [i.day.isoformat() for i in health.items if i.rule == "silent_period"]
    assert silent == ["2022-02-01", "2022-04-01", "2022-06-01"]
    assert _line(health, "silent_period").count == 3
    assert health.score == pytest.approx(80 - 3)
    assert health.grade.name == "合格"  # 77: under 良好 (80)


@pytest.mark.parametrize(("score", "grade"), [
    (100, "优秀"), (90, "优秀"), (89.9, "良好"), (80, "良好"), (79.9, "合格"), (60, "合格"),
    (59.9, "不合格"), (0, "不合格"),
])
def test_grade_thresholds(score, grade):
    assert Rules().grade(score).name == grade


def test_the_grades_are_named_as_bands_and_the_lowest_as_below_the_next(seeded):
    from bot.outputs.render import grade_bands
    from bot.outputs.scoreboard import rules_text

    assert grade_bands(Rules().grades, "zh") == [
        "优秀（90分及以上）", "良好（80分及以上）", "合格（60分及以上）", "不合格（60分以下）"]
    assert grade_bands(Rules().grades, "en") == [
        "excellent from 90", "good from 80", "pass from 60", "fail below 60"]
    # whatever minimum the lowest grade is given, it takes every score under the next one
    two = (Grade("达标", "met", 75), Grade("未达标", "not met", 10))
    assert grade_bands(two, "zh") == ["达标（75分及以上）", "未达标（75分以下）"]
    assert Rules(grades=two).grade(3).name == "未达标"
    assert grade_bands((Grade("合格", "pass", 0),), "en") == ["pass"]
    text = rules_text(Rules(), "zh")
    assert "不合格（60分以下）" in text and "≥" not in text and "（0分及以上）" not in text
    assert "fail below 60" in rules_text(Rules(), "en")


def test_score_stays_between_floor_and_ceiling(seeded):
    generous = Rules(base=100, closed_on_time=50)
    close_on_time(seeded)
    assert _edu(seeded, 2022, "2022-06-30", generous).score == 100
    harsh = Rules(base=0)
    assert _edu(seeded, 2022, "2022-12-31", harsh).score == 0
    assert _edu(seeded, 2022, "2022-12-31", harsh).grade.name == "不合格"


def test_the_rules_file_matches_the_defaults_and_overrides_them(tmp_path):
    assert load_rules() == Rules()  # the packaged scoring.yaml states the defaults as they are
    custom = tmp_path / "rules.yaml"
    custom.write_text("base: 70\nsilent_period: -3\ngrades:\n  - {name: 达标, min: 60}\n"
                      "  - {name: 未达标, min: 0}\n", encoding="utf-8")
    rules = load_rules(custom)
    assert (rules.base, rules.silent_period, rules.closed_on_time) == (70, -3, 2)
    assert rules.grade(65) == Grade("达标", "达标", 60)
    with pytest.raises(RulesError, match="missing.yaml"):  # a named file never falls back silently
        load_rules(tmp_path / "missing.yaml")


@pytest.mark.parametrize("raw", [{"bonus": 1}, {"base": "high"}, {"base": True},
                                 {"grades": []}, {"grades": [{"min": 1}]}, ["base"]])
def test_bad_rules_are_refused_with_the_reason(raw):
    with pytest.raises(RulesError):
        rules_from(raw)


def test_every_department_is_scored_best_first(seeded):
    scores = score_table(seeded, 2022, at("2022-12-31"))
    assert len(scores) == 10
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    for s in scores:  # the lines add up to the score (inside floor and ceiling)
        raw = s.base + sum(line.points for line in s.lines)
        assert s.score == pytest.approx(max(0, min(100, raw)), abs=0.05)


def test_a_departments_score_lists_the_item_behind_every_point(seeded):
    from bot.outputs.render import plain_text
    from bot.outputs.scoreboard import score_message

    close_on_time(seeded)
    text = plain_text(score_message(seeded, at("2022-09-01"), "zh", dept="EDU"))
    assert text.startswith("教育局 2022年度结果考评")
    assert "按时销号" in text and "T01 2022-06-10销号：+2" in text
    assert "T02 逾期63天：-5" in text  # due 06-30, open: 63 days to 09-01, capped at -5
    assert "T12（2022-01-31期） 逾期213天" in text  # a missed occurrence is its own item
    assert "2022年2月无报送" in text and "2022年1月无报送" not in text  # tracked from 01-05
    assert "  · 2022年2月无报送" in text  # a month names no task: no space left for one
    edu = next(s for s in score_table(seeded, 2022, at("2022-09-01")) if s.code == "EDU")
    for line in edu.lines:  # every line is the sum of its items
        assert line.points == pytest.approx(sum(i.points for i in edu.items if i.rule == line.rule))
    english = plain_text(score_message(seeded, at("2022-09-01"), "en", dept="EDU"))
    assert "Closed on time" in english and "T02 63 days overdue: -5" in english


def test_ties_share_a_rank_in_the_score_table(seeded):
    from bot.outputs.scoring import rank_key, ranks

    scores = score_table(seeded, 2022, at("2022-02-15"))
    places = ranks(scores)
    assert places[0] == 1 and places == sorted(places)
    assert len(set(places)) < len(places)  # nobody reported yet: ties there are
    for a, b, pa, pb in zip(scores, scores[1:], places, places[1:], strict=False):
        same = rank_key(a.score, a.completion) == rank_key(b.score, b.completion)
        assert (pa == pb) == same


def test_one_chase_notice_naming_two_tasks_is_one_chase_everywhere(seeded):
    from bot.services.directory import find_task
    from bot.services.facts import facts_now
    from bot.services.notices import acknowledge, chase

    notice = chase(seeded, user_id=COORDINATOR, tasks=[find_task(seeded, "T01"),
                                                         find_task(seeded, "T02")],
                   now=at("2022-04-01"), colours=("blue", "yellow", "red"))
    line = _line(_edu(seeded, 2022, "2022-04-20"), "unanswered_chase")
    assert (line.count, line.points) == (1, -1.0)
    item = next(i for i in _edu(seeded, 2022, "2022-04-20").items
                if i.rule == "unanswered_chase")
    assert item.task_id == "T01、T02"  # the one item names both tasks
    edu = facts_now(seeded, at("2022-04-20")).department("EDU")
    assert [(n.tasks, n.answered) for n in edu.chase_notices] == [(("T01", "T02"), False)]
    acknowledge(seeded, notice_id=notice.id, user_id=EDU_LIAISON, now=at("2022-04-02"))
    assert _line(_edu(seeded, 2022, "2022-04-20"), "unanswered_chase").count == 0

"""Recording reports against the real database, and the summaries they add up to."""

from __future__ import annotations

import pytest

from bot.errors import DubanError
from bot.language.i18n import t
from bot.services.commands import close_task, record_report, reopen_task, task_history, undo_last
from bot.services.directory import add_member, find_department, find_task, remove_member
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at, plan_summary, task_view


def refused(db, key, **kwargs):
    before = db["reports"].count, db["audit"].count
    with pytest.raises(DubanError) as err:
        record_report(db, **kwargs)
    assert err.value.key == key
    assert (db["reports"].count, db["audit"].count) == before  # nothing changed
    return err.value


def test_a_report_is_recorded_audited_and_changes_the_status(seeded):
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="t1", percent=60,
                        note="已完成岗位核定方案初稿", now=at("2022-03-01"))
    assert rec.task.id == "T01" and rec.report["percent"] == 60
    assert rec.report["state"] == "in_progress" and rec.status.status == "on_track"
    assert seeded["audit"].count_where("action = 'progress'") == 1
    assert task_view(seeded, "T01", at("2022-03-02")).status.percent == 60


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"task_ref": "T999", "percent": 10}, "task_unknown"),
        ({"task_ref": "报告", "percent": 10}, "task_unknown"),
        ({"task_ref": "T01", "percent": 130}, "percent_range"),
        ({"task_ref": "T01", "percent": -1}, "percent_range"),
        ({"task_ref": "T01"}, "report_empty"),
        ({"task_ref": "T01", "state": "finished"}, "state_unknown"),
        ({"task_ref": "T01", "state": "done", "percent": 50}, "state_percent_conflict"),
        ({"task_ref": "T01", "value": 5}, "value_not_target"),
        ({"task_ref": "T04", "value": -5}, "value_negative"),
        ({"task_ref": "T01", "percent": 5, "note": "长" * 501}, "note_too_long"),
        ({"task_ref": "T41", "percent": 10}, "wrong_dept"),  # a health task, EDU liaison
    ],
)
def test_invalid_reports_are_refused_and_change_nothing(seeded, kwargs, key):
    refused(seeded, key, user_id=EDU_LIAISON, now=at("2022-03-01"), **kwargs)


def test_strangers_and_removed_members_cannot_report(seeded):
    refused(seeded, "not_member", user_id=4242, task_ref="T01", percent=5, now=at("2022-03-01"))
    remove_member(seeded, user_id=HEALTH_LIAISON, now=at("2022-03-01"), actor="test")
    refused(seeded, "not_member", user_id=HEALTH_LIAISON, task_ref="T41", percent=5,
            now=at("2022-03-02"))


def test_refusals_have_a_message_in_both_languages(seeded):
    err = refused(seeded, "percent_range", user_id=EDU_LIAISON, task_ref="T01", percent=130,
                  now=at("2022-03-01"))
    assert "130" in t(err.key, "zh", **err.params) and "0 到 100" in t(err.key, "zh", **err.params)
    assert "0 to 100" in t(err.key, "en", **err.params)


def test_a_replayed_update_records_nothing_twice(seeded):
    first = record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=30,
                          now=at("2022-03-01"), update_key="tg:-100:77")
    again = record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=30,
                          now=at("2022-03-01 10:01"), update_key="tg:-100:77")
    assert again.duplicate and again.report["id"] == first.report["id"]
    assert seeded["reports"].count == 1


def test_a_liaisons_100_percent_awaits_the_coordinators_check(seeded):
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100,
                        now=at("2022-06-20"))
    assert rec.status.status == "pending_check" and rec.report["state"] == "done"
    with pytest.raises(DubanError) as err:
        close_task(seeded, user_id=EDU_LIAISON, task_ref="T01", now=at("2022-06-21"))
    assert err.value.key == "coordinator_only"
    back = reopen_task(seeded, user_id=COORDINATOR, task_ref="T01", reason="缺少佐证材料",
                       now=at("2022-06-21"))
    assert back.status.status == "behind" and back.report["percent"] == 0
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", state="done", now=at("2022-06-25"))
    closed = close_task(seeded, user_id=COORDINATOR, task_ref="T01", now=at("2022-06-26"))
    assert closed.status.status == "closed"
    assert task_view(seeded, "T01", at("2023-01-01")).status.status == "closed"
    assert seeded["audit"].count_where("action in ('close', 'reopen')") == 2
    refused(seeded, "task_closed", user_id=EDU_LIAISON, task_ref="T01", percent=50,
            now=at("2022-06-27"))


def test_reopen_needs_a_reason_and_a_claim(seeded):
    with pytest.raises(DubanError) as err:
        reopen_task(seeded, user_id=COORDINATOR, task_ref="T01", reason="x", now=at("2022-03-01"))
    assert err.value.key == "not_awaiting_check"
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-03-01"))
    with pytest.raises(DubanError) as err:
        reopen_task(seeded, user_id=COORDINATOR, task_ref="T01", reason=" ", now=at("2022-03-01"))
    assert err.value.key == "reason_required"


def test_target_values_give_progress_and_carry_forward(seeded):
    # T08: 200 featured schools (counted, not split by county)
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T08", value=187,
                        now=at("2025-10-01"))
    assert rec.report["percent"] == 94  # 93.5, rounded half up
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T08", state="blocked",
                        note="经费未到位", now=at("2025-10-02"))
    assert rec.report["value"] == 187 and rec.report["percent"] == 94
    assert rec.status.status == "blocked"
    done = record_report(seeded, user_id=EDU_LIAISON, task_ref="T08", value=203,
                         now=at("2025-12-01"))
    assert done.status.status == "pending_check"


def test_a_percent_on_a_rate_target_is_the_rate_reached(seeded):
    # T03: 配备达标率 100%: "70%" is the rate, the target's value, as every output shows it
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T03", percent=70,
                        now=at("2023-03-01"))
    assert (rec.report["value"], rec.report["percent"]) == (70, 70)
    view = task_view(seeded, "T03", at("2023-03-02"))
    assert (view.value, view.status.percent) == (70, 70)


def test_recurring_reports_belong_to_their_occurrence(seeded):
    # T17: one family contact per semester
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T17", percent=100, now=at("2022-01-20"))
    close_task(seeded, user_id=COORDINATOR, task_ref="T17", now=at("2022-01-21"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T17", percent=100, now=at("2022-06-01"))
    assert task_view(seeded, "T17", at("2022-07-10")).status.status == "pending_check"
    # the claim stays on its occurrence, waiting for the check, whatever occurrence begins; the
    # task's mark and figure are the new occurrence's: a claim left unchecked raises nothing
    nxt = task_view(seeded, "T17", at("2022-09-01"))
    assert [(o.period, o.status.status) for o in nxt.earlier] == [("2022-07-15", "pending_check")]
    assert nxt.period == nxt.current.period == "2023-01-31"
    assert (nxt.status.status, nxt.status.percent) == ("no_report", 0)
    summary = plan_summary(seeded, at("2022-09-01"))
    assert [(f.task.id, o.period) for f, o in summary.queues.claims] == [("T17", "2022-07-15")]
    before = summary.department("EDU").completion
    close_task(seeded, user_id=COORDINATOR, task_ref="T17", now=at("2022-09-02"))
    checked = task_view(seeded, "T17", at("2022-09-03"))
    assert checked.earlier == () and checked.period == "2023-01-31"
    assert checked.status.status == "no_report"
    # checking it lowers no figure
    assert plan_summary(seeded, at("2022-09-03")).department("EDU").completion == before


def test_undo_within_thirty_minutes_keeps_the_row(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=10, now=at("2022-03-01"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=20,
                  now=at("2022-03-01 10:05"))
    undone = undo_last(seeded, user_id=EDU_LIAISON, now=at("2022-03-01 10:20"))
    assert undone["percent"] == 20
    assert task_view(seeded, "T01", at("2022-03-02")).status.percent == 10
    assert len(task_history(seeded, "T01")) == 2
    with pytest.raises(DubanError) as err:
        undo_last(seeded, user_id=EDU_LIAISON, now=at("2022-03-01 11:00"))
    assert err.value.key == "undo_too_late"


def test_summary_by_department_and_for_the_plan(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-01"))
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=50,
                  now=at("2022-06-01"))
    summary = plan_summary(seeded, at("2022-07-05"))
    assert len(summary.departments) == 10
    edu = next(d for d in summary.departments if d.dept["code"] == "EDU")
    assert edu.counts["pending_check"] == 1
    # T02's deadline passed; the recurring duties missed an occurrence since tracking began
    # (2022-01-05): each stays overdue on that occurrence until it is reported or closed
    overdue = {v.task.id: v for v in summary.overdue}
    assert set(overdue) == {"T02", "T12", "T13", "T14", "T16", "T17", "T48", "T49"}
    assert all(v.headline is v.earlier[0] for k, v in overdue.items() if k != "T02")
    assert overdue["T16"].headline.period == "2022-01-15"
    health = next(d for d in summary.departments if d.dept["code"] == "HEALTH")
    assert health.completion == pytest.approx(50 / len(health.tasks))
    assert sum(summary.counts.values()) == len(summary.tasks) == 50
    assert {v.task.id for v in summary.targets} >= {"T04", "T06", "T07", "T08"}


def test_status_at_an_earlier_moment_ignores_later_reports(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=70, now=at("2022-05-01"))
    before = plan_summary(seeded, at("2022-04-01"), historical=True)
    t01 = next(v for v in before.tasks if v.task.id == "T01")
    assert t01.status.status == "no_report"


@pytest.mark.parametrize(
    ("text", "code"),
    [("卫健委", "HEALTH"), ("卫生健康委员会", "HEALTH"), ("泉州市卫生健康委员会", "HEALTH"),
     ("health", "HEALTH"), ("编办", "STAFF"), ("团委", "YOUTH"), ("妇联", "WOMEN"),
     ("人社局", "HRSS"), ("民政", "CIVAFF"), ("文明办", "CIVIL"), ("网信办", "CYBER")],
)
def test_department_names_people_type(seeded, text, code):
    assert find_department(seeded, text)["code"] == code


def test_unknown_department_and_task_ids(seeded):
    with pytest.raises(DubanError):
        find_department(seeded, "外交部")
    assert find_task(seeded, "#t4").id == "T04"
    assert find_task(seeded, "4").id == "T04"


def test_coordinator_may_report_for_any_department(seeded):
    rec = record_report(seeded, user_id=COORDINATOR, task_ref="T41", percent=20,
                        now=at("2022-03-01"), source="cli")
    assert rec.report["dept"] == "EDU" and rec.report["source"] == "cli"
    add_member(seeded, user_id=55, dept="卫健委", role="liaison", now=at("2022-03-01"),
               actor="test")
    assert record_report(seeded, user_id=55, task_ref="T41", percent=30,
                         now=at("2022-03-02")).report["dept"] == "HEALTH"


def test_a_deadline_set_in_chat_survives_reseeding(seeded, plan):
    from bot.services.commands import set_deadline
    from bot.services.plan import load_plan

    set_deadline(seeded, user_id=COORDINATOR, task_ref="T01", due=at("2022-09-30").date(),
                 now=at("2022-06-01"))
    load_plan(seeded, plan, now=at("2022-06-02"))
    view = task_view(seeded, "T01", at("2022-07-05"))
    assert view.status.due.isoformat() == "2022-09-30" and view.status.status != "overdue"
    with pytest.raises(DubanError) as err:
        set_deadline(seeded, user_id=EDU_LIAISON, task_ref="T01", due=at("2022-09-30").date(),
                     now=at("2022-06-01"))
    assert err.value.key == "coordinator_only"


def test_long_answers_are_split_never_cut():
    from bot.outputs.render.split import split_text

    lines = [f"<b>T{i:02d}</b> 任务说明" + "很长" * 40 for i in range(200)]
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks) == text
    monster = "<b>T01</b> " + "&amp;" * 1000  # one line over the limit, full of entities
    parts = split_text(monster)
    assert "".join(parts) == monster and all(len(p) <= 4096 for p in parts)
    assert all(not p.endswith(("&", "&a", "&am", "&amp")) for p in parts)
    assert parts[1].startswith("&amp;")


def test_blocked_needs_a_reason(seeded):
    refused(seeded, "blocked_needs_note", user_id=EDU_LIAISON, task_ref="T01", state="blocked",
            now=at("2022-03-01"))
    rec = record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", state="blocked",
                        note="编制未批复", now=at("2022-03-01"))
    assert rec.status.status == "blocked"


def test_kept_summaries_follow_every_write_from_any_connection(seeded, tmp_path):
    from bot.store import connection as dbmod

    now = at("2022-03-01")
    first = plan_summary(seeded, now)
    # nothing written, the same day: the very facts kept, not worked out again
    assert plan_summary(seeded, at("2022-03-01 11:00")) is first
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=30, now=now)
    assert plan_summary(seeded, now).completion > first.completion
    other = dbmod.connect(tmp_path / "duban.db")  # the same file, as the CLI would open it
    try:
        record_report(other, user_id=EDU_LIAISON, task_ref="T02", percent=40, now=now)
    finally:
        other.close()
    views = {v.task.id: v for v in plan_summary(seeded, now).tasks}
    assert views["T02"].status.percent == 40
    assert plan_summary(seeded, now).department("EDU").dept["code"] == "EDU"
    assert len(plan_summary(seeded, now).departments) == 10


def test_a_deadline_on_a_standing_duty_starts_its_window_that_day(seeded):
    from datetime import date

    from bot.services.commands import set_deadline

    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T42", percent=5, now=at("2026-11-01"))
    set_deadline(seeded, user_id=COORDINATOR, task_ref="T42", due=date(2027, 6, 30),
                 now=at("2026-11-29"))
    status = task_view(seeded, "T42", at("2026-12-01")).status
    # 序时进度 counts from the day the deadline was set, not from the plan's 2022 start
    assert status.expected is not None and status.expected < 5
    assert status.status not in ("behind", "overdue")


def test_far_behind_has_the_mark_and_the_count_of_behind_and_its_own_word(seeded):
    from bot.outputs.render import counts_line
    from bot.outputs.render.chat import task_html

    # T01 runs to 2022-06-30: on 05-25 its 序时进度 is far above 5%
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=5, now=at("2022-05-25"))
    facts = plan_summary(seeded, at("2022-05-25"))
    t01 = facts.task("T01")
    assert t01.status.expected - t01.status.percent >= 30
    assert (t01.status.status, t01.status.word, t01.status.mark) == ("behind", "far_behind", "🟡")
    edu = facts.department("EDU")
    assert edu.counts["behind"] >= 1 and "🟡" in counts_line(edu, "zh")
    from dataclasses import replace
    assert "🔴" not in counts_line(
        replace(edu, counts={**dict.fromkeys(edu.counts, 0), "behind": 1}), "zh")
    html = task_html(t01, edu.dept, [], "zh", at("2022-05-25").tzinfo)
    assert "🟡 严重滞后" in html

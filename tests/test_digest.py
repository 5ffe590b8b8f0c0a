"""The weekly digest's content for a known data set, and its charts on disk."""

from __future__ import annotations

from bot.outputs.digest import digest_data
from bot.outputs.render.digest import digest_text
from bot.services.commands import record_report
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, at, keep_evidence


def sample_reports(db, evidence_dir):
    # T08 (200 featured schools) is a target counted in schools and not split by county
    record_report(db, user_id=EDU_LIAISON, task_ref="T08", value=120, now=at("2023-05-01"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2023-05-02"))
    record_report(db, user_id=HEALTH_LIAISON, task_ref="T41", percent=40, now=at("2023-05-03"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T08", value=150, note="新增30所",
                  now=at("2023-05-10"))
    record_report(db, user_id=HEALTH_LIAISON, task_ref="T44", state="blocked", note="专家未到位",
                  now=at("2023-05-11"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T05", percent=100, now=at("2023-05-12"))
    keep_evidence(db, evidence_dir, user_id=EDU_LIAISON, task_ref="T08", data=b"%PDF-1.4 x",
                   file_id="f1", file_unique_id="u1", kind="document", now=at("2023-05-10"),
                   file_name="名单.pdf")


def test_digest_text_for_a_known_data_set(seeded, tmp_path):
    sample_reports(seeded, tmp_path)
    data = digest_data(seeded, at("2023-05-15 09:00"))
    text = digest_text(data)
    assert "每周督办简报" in text and "2023-05-15" in text
    # the week's change: T08 from 60% to 75% of its target, T05 claimed done (+115 points
    # over 50 tasks)
    assert round(data.summary.completion - data.last_week, 1) == 2.3
    assert "较一周前 +2 个百分点" in text  # no digest posted before: a week back
    assert "卫健委" in text and "教育局" in text
    # 05-10, 05-11, 05-12; the earlier ones not
    assert "一周来（05-08 09:00 以来）收到报送 3 条、佐证材料 1 份" in text
    assert "T02" in text and "逾期" in text  # overdue since 2022-06-30
    assert "T01" not in text.split("逾期任务")[1].split("\n\n")[0]  # awaiting check, not overdue
    assert len(data.trend) == 12 and data.trend[-1].completion == data.summary.completion
    assert data.trend[0].completion <= data.trend[-1].completion


def test_digest_in_english_and_upcoming(seeded):
    text = digest_text(digest_data(seeded, at("2022-06-20")), "en")
    assert "Weekly digest" in text and "Due in the next 14 days" in text
    assert "T01" in text.split("Due in the next 14 days")[1]


def test_this_weeks_reports_count_reports_not_reviews(seeded, tmp_path):
    from bot.services.commands import close_task, reopen_task
    from tests.conftest import COORDINATOR

    sample_reports(seeded, tmp_path)
    close_task(seeded, user_id=COORDINATOR, task_ref="T05", now=at("2023-05-13"))
    reopen_task(seeded, user_id=COORDINATOR, task_ref="T05", reason="材料不全",
                now=at("2023-05-14"))
    data = digest_data(seeded, at("2023-05-15 09:00"))
    assert data.reports_this_week == 3  # the close and the reopen are reviews, not reports
    assert "收到报送 3 条" in digest_text(data)


def test_a_future_digest_computes_but_stores_no_snapshot(seeded):
    data = digest_data(seeded, at("2030-01-07"), today=at("2026-11-29").date())
    assert data.last_week is not None and len(data.trend) == 12
    stored = [row["day"] for row in seeded["snapshots"].rows]
    assert all(day < "2026-11-29" for day in stored)
    assert not any(day.startswith("2029") or day.startswith("2030") for day in stored)
    digest_data(seeded, at("2022-03-07"))  # an ordinary digest keeps its past days
    assert seeded["snapshots"].count > 0


def test_nothing_due_is_followed_by_the_overdue_count(seeded):
    text = digest_text(digest_data(seeded, at("2022-07-16")))
    line = next(x for x in text.splitlines() if x.startswith("未来 14 天内没有到期任务"))
    overdue = int(text.split("逾期任务（")[1].split("项")[0])
    assert overdue > 0 and f"另有 {overdue} 项任务已逾期" in line


def test_trend_starts_at_the_first_tracked_week(seeded):
    data = digest_data(seeded, at("2022-01-24"))  # seeded 2022-01-05: three weeks tracked
    assert [d.day.isoformat() for d in data.trend] == ["2022-01-03", "2022-01-10", "2022-01-17",
                                                       "2022-01-24"]
    assert data.expected and all(0 <= v <= 100 for _, v in data.expected)


def test_the_digest_counts_from_the_previous_digest_and_never_twice(seeded, tmp_path):
    from bot.outputs.digest import keep_posted
    from bot.services.commands import undo_last

    record_report(seeded, user_id=EDU_LIAISON, task_ref="T13", percent=20, now=at("2022-06-20 08:00"))
    first = digest_data(seeded, at("2022-06-20 09:00"))
    keep_posted(seeded, "digest:2022-W25", first, at("2022-06-20 09:00"))
    # made on the digest's day after it went out: the next digest's
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T13", percent=40, now=at("2022-06-20 11:00"))
    record_report(seeded, user_id=HEALTH_LIAISON, task_ref="T41", percent=30,
                  now=at("2022-06-27 08:50"))
    keep_evidence(seeded, tmp_path, user_id=EDU_LIAISON, task_ref="T13", data=b"%PDF-1.4 y",
                  file_id="f2", file_unique_id="u2", kind="document", now=at("2022-06-20 12:00"),
                  file_name="记录.pdf")
    second = digest_data(seeded, at("2022-06-27 09:00"))
    assert (second.activity.basis, second.activity.reports, second.activity.evidence) == (
        "digest", 2, 1)
    assert second.activity.since == at("2022-06-20 09:00")
    text = digest_text(second)
    assert "上期简报（06-20 09:00）以来收到报送 2 条、佐证材料 1 份" in text
    assert second.last_week == first.facts.completion  # "较上期简报": the figure it showed
    keep_posted(seeded, "digest:2022-W26", second, at("2022-06-27 09:00"))
    # a report counted last time and taken back since is not subtracted from the next digest
    undo_last(seeded, user_id=HEALTH_LIAISON, now=at("2022-06-27 09:10"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T13", percent=60, now=at("2022-06-28"))
    third = digest_data(seeded, at("2022-07-04 09:00"))
    assert (third.activity.reports, third.activity.evidence) == (1, 0)
    # the same digest asked for again later (the command line's --at) says the same
    again = digest_data(seeded, at("2022-06-27 09:00"))
    assert (again.activity.since, again.activity.reports) == (at("2022-06-20 09:00"), 2)


def test_the_first_digest_counts_from_when_tracking_began(seeded):
    from datetime import date

    from bot.services.facts import set_track_from

    set_track_from(seeded, date(2022, 6, 22))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T13", percent=20, now=at("2022-06-21"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T13", percent=30, now=at("2022-06-23"))
    data = digest_data(seeded, at("2022-06-27 09:00"))
    assert (data.activity.basis, data.activity.reports, data.last_week) == ("tracking", 1, None)
    assert "开始跟踪（06-22）以来收到报送 1 条" in digest_text(data)


def test_the_digest_photos_draw_what_the_digest_says(seeded, tmp_path):
    """The photos' bars and points are gathered without the words' part (what came in since
    the last digest): the same as the whole digest's, in both languages."""
    from bot.outputs.digest import chart_data, digest_charts

    sample_reports(seeded, tmp_path)
    now = at("2023-05-15 09:00")
    for lang in ("zh", "en"):
        bars = digest_charts(seeded, now, lang)
        assert bars == chart_data(digest_data(seeded, now), lang)
        assert len(bars.trend) == 12 and bars.departments and bars.targets
        assert bars.at == now and bars.plan

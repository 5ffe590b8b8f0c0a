"""The weekly digest's content for a known data set, and its charts on disk."""

from __future__ import annotations

import pytest

from bot.outputs.digest import digest_data
from bot.outputs.render.digest import digest_text
from bot.services.commands import record_report
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, TZ, at, keep_evidence


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


# The previous digest's moment, the reports around it (moment, task, percent; None: the
# coordinator sends the claim back), and the day the trend must draw that digest at. The next digest is 2022-07-04 09:00 in every case.
TREND_CASES = {
    # the finding: a claim made on the digest's day after it went out
    "a report after the digest, the same day": (
        "2022-06-27 09:00", [("2022-06-27 11:00", "T01", 100)], "2022-06-27"),
    "a report before the digest and one in the week": (
        "2022-06-27 09:00", [("2022-06-27 08:00", "T01", 100), ("2022-06-29 10:00", "T05", 100)],
        "2022-06-27"),
    # moved off its weekday by a day off: drawn at its own day, not the Monday
    "a digest moved to the Tuesday": (
        "2022-06-28 09:00", [("2022-06-28 08:00", "T01", 100), ("2022-06-28 11:00", "T05", 100)],
        "2022-06-28"),
    "a report after the digest and a send-back": (
        "2022-06-27 09:00", [("2022-06-27 10:00", "T01", 100), ("2022-06-27 11:00", "T05", 50),
                             ("2022-06-30 11:00", "T01", None)], "2022-06-27"),
}


def _shown_step(points) -> int:
    from bot.domain.numbers import shown_percent

    return shown_percent(points[-1].completion) - shown_percent(points[-2].completion)


@pytest.mark.parametrize("case", TREND_CASES)
def test_the_trend_draws_each_past_week_as_its_digest_showed_it(seeded, case):
    """The chart's last step is the change the digest's words state ("较上期简报 +2"): the
    previous digest's point is the completion it showed, not the end of its day; asked again
    later (after newer records and digests), the digest draws the same."""
    from bot.domain.numbers import shown_percent
    from bot.outputs.digest import chart_data, digest_charts, keep_posted
    from bot.services.commands import reopen_task
    from tests.conftest import COORDINATOR

    previous, reports, drawn_at = TREND_CASES[case]

    def record(before: bool) -> None:  # in time order: those before the digest first
        for moment, task, percent in reports:
            if (at(moment) < at(previous)) != before:
                continue
            if percent is None:
                reopen_task(seeded, user_id=COORDINATOR, task_ref=task, reason="材料不全",
                            now=at(moment))
            else:
                record_report(seeded, user_id=EDU_LIAISON, task_ref=task, percent=percent,
                              now=at(moment))

    record(before=True)
    first = digest_data(seeded, at(previous))
    keep_posted(seeded, "digest:2022-W26", first, at(previous))
    record(before=False)
    now = at("2022-07-04 09:00")
    second = digest_data(seeded, now)
    delta = shown_percent(second.facts.completion) - shown_percent(second.last_week)
    assert delta != 0  # each case changes the figure, so equal steps mean something
    sign = "+" if delta > 0 else "−"
    assert f"较上期简报 {sign}{abs(delta)} 个百分点" in digest_text(second)
    photos = digest_charts(seeded, now)
    assert photos == chart_data(second)  # the album draws what the words' data hold
    assert _shown_step(photos.trend) == delta
    assert photos.trend[-2].week.isoformat() == drawn_at
    assert photos.trend[-2].completion == first.facts.completion
    # the weeks before, with no digest posted, are their end-of-day figures
    assert [p.week.isoformat() for p in photos.trend[:3]] == [
        "2022-04-18", "2022-04-25", "2022-05-02"]
    assert {p.week for p in photos.expected} == {p.week for p in photos.trend}

    keep_posted(seeded, "digest:2022-W27", second, now)
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T08", value=150, now=at("2022-07-06"))
    keep_posted(seeded, "digest:2022-W28", digest_data(seeded, at("2022-07-11 09:00")),
                at("2022-07-11 09:00"))
    assert digest_charts(seeded, now) == photos


def test_a_past_digest_uses_only_the_digests_posted_by_then(seeded):
    """A digest kept for 06-27 09:00 that went out only on 07-05 is not in the 07-04 digest
    (neither the change it counts from nor its trend), and is in the 07-11 one."""
    from bot.outputs.digest import digest_charts, keep_posted
    from bot.services.facts import completion_as_of, end_of_day

    first = digest_data(seeded, at("2022-06-27 09:00"))
    keep_posted(seeded, "digest:2022-W26", first, at("2022-07-05 09:00"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100,
                  now=at("2022-06-27 11:00"))
    then = digest_data(seeded, at("2022-07-04 09:00"))
    assert then.activity.basis == "week"
    day = digest_charts(seeded, at("2022-07-04 09:00")).trend[-2]
    assert day.week.isoformat() == "2022-06-27"
    assert day.completion == completion_as_of(seeded, end_of_day(day.week, TZ))
    assert day.completion != first.facts.completion
    later = digest_charts(seeded, at("2022-07-11 09:00"))
    assert later.trend[-3].completion == first.facts.completion


def test_the_bulletin_trend_compares_the_ends_of_its_weeks(seeded):
    """The weekly bulletin's words compare the end of its week with the end of the week
    before: its trend's last step is that change, a digest posted in the week
    notwithstanding (its morning figure is the digest's, not the bulletin's)."""
    from bot.domain.numbers import shown_percent
    from bot.outputs.digest import keep_posted
    from bot.outputs.exports.bulletin import chart_data
    from bot.outputs.exports.facts import bulletin_facts

    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100,
                  now=at("2022-06-27 08:00"))
    keep_posted(seeded, "digest:2022-W26", digest_data(seeded, at("2022-06-27 09:00")),
                at("2022-06-27 09:00"))  # the Monday digest, in the bulletin's week
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T05", percent=100,
                  now=at("2022-06-29 10:00"))
    made = at("2022-07-04 10:00")
    facts = bulletin_facts(seeded, made, "week")
    assert facts.period.start.isoformat() == "2022-06-27" and facts.change
    bars = chart_data(seeded, facts.period.closes(made), "zh", made.date())
    assert bars.trend[-2].week.isoformat() == "2022-06-26"
    assert _shown_step(bars.trend) == facts.change
    assert shown_percent(bars.trend[-1].completion) == shown_percent(facts.record.summary.completion)

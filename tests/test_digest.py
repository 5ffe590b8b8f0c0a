"""The weekly digest's content for a known data set, and its charts on disk."""

from __future__ import annotations

from bot.digest import digest_data
from bot.progress import record_report
from bot.render.digest import digest_text
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, at, keep_evidence


def sample_reports(db, evidence_dir):
    record_report(db, user_id=EDU_LIAISON, task_ref="T04", value=120, now=at("2023-05-01"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2023-05-02"))
    record_report(db, user_id=HEALTH_LIAISON, task_ref="T41", percent=40, now=at("2023-05-03"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T04", value=150, note="新增30所",
                  now=at("2023-05-10"))
    record_report(db, user_id=HEALTH_LIAISON, task_ref="T44", state="blocked", note="专家未到位",
                  now=at("2023-05-11"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T05", percent=100, now=at("2023-05-12"))
    keep_evidence(db, evidence_dir, user_id=EDU_LIAISON, task_ref="T04", data=b"%PDF-1.4 x",
                   file_id="f1", file_unique_id="u1", kind="document", now=at("2023-05-10"),
                   file_name="名单.pdf")


def test_digest_text_for_a_known_data_set(seeded, tmp_path):
    sample_reports(seeded, tmp_path)
    data = digest_data(seeded, at("2023-05-15 09:00"))
    text = digest_text(data)
    assert "每周督办简报" in text and "2023-05-15" in text
    # the week's change: T04 from 60% to 75% of its target, T05 claimed done (+115 points
    # over 50 tasks)
    assert round(data.summary.completion - data.last_week, 1) == 2.3
    assert "较上周 +2 个百分点" in text
    assert "卫健委" in text and "教育局" in text
    assert "本周收到报送 3 条、佐证材料 1 份" in text  # 05-10, 05-11, 05-12; the earlier ones not
    assert "T02" in text and "逾期" in text  # overdue since 2022-06-30
    assert "T01" not in text.split("逾期任务")[1].split("\n\n")[0]  # awaiting check, not overdue
    assert len(data.trend) == 12 and data.trend[-1][1] == data.summary.completion
    assert data.trend[0][1] <= data.trend[-1][1]


def test_digest_in_english_and_upcoming(seeded):
    text = digest_text(digest_data(seeded, at("2022-06-20")), "en")
    assert "Weekly digest" in text and "Due in the next 14 days" in text
    assert "T01" in text.split("Due in the next 14 days")[1]

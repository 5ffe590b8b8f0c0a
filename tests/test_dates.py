"""Table-driven tests for bot.dates.parse_deadline.

Expected dates are worked out by hand from four fixed "now" values, so a change in reading
rules shows up here as a failing row, not as a silently different deadline.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.dates import (
    AUTUMN_TERM_END,
    SPRING_TERM_END,
    Deadline,
    format_date_en,
    format_date_zh,
    parse_deadline,
    warm_up,
)

SH = ZoneInfo("Asia/Shanghai")
MON = datetime(2022, 1, 10, 9, 0, tzinfo=SH)  # Monday, mid autumn term
SUN = datetime(2026, 11, 29, 10, 0, tzinfo=SH)  # Sunday, last day of its week
SUMMER = datetime(2025, 7, 20, 10, 0, tzinfo=SH)  # Sunday in the summer break
TERM_END = datetime(2025, 7, 15, 10, 0, tzinfo=SH)  # Tuesday, last day of a spring term

D = date
F, T = False, True  # the ambiguous flag

VALID: list[tuple[str, datetime, date, bool]] = [
    # --- half years, years ---
    ("上半年", MON, D(2022, 6, 30), F),
    ("上半年", SUN, D(2027, 6, 30), F),  # this year's H1 has passed: next year's
    ("下半年", MON, D(2022, 12, 31), F),
    ("下半年", SUN, D(2026, 12, 31), F),
    ("2022年上半年", MON, D(2022, 6, 30), F),
    ("今年上半年", MON, D(2022, 6, 30), F),
    ("年中", SUN, D(2027, 6, 30), F),
    ("年底", MON, D(2022, 12, 31), F),
    ("年末", SUN, D(2026, 12, 31), F),
    ("年内", MON, D(2022, 12, 31), F),
    ("2025年底", MON, D(2025, 12, 31), F),
    ("明年底", MON, D(2023, 12, 31), F),
    ("明年底", SUN, D(2027, 12, 31), F),
    ("25年底", MON, D(2025, 12, 31), F),
    ("本年度", SUN, D(2026, 12, 31), F),
    ("2025年", MON, D(2025, 12, 31), F),
    ("2025年前", MON, D(2025, 12, 31), T),  # before 2025 starts, or by its end?
    # --- month ends and parts of months ---
    ("月底", MON, D(2022, 1, 31), F),
    ("月底", SUN, D(2026, 11, 30), F),
    ("本月底", MON, D(2022, 1, 31), F),
    ("这个月底", SUN, D(2026, 11, 30), F),
    ("下月底", MON, D(2022, 2, 28), F),
    ("下月底", SUN, D(2026, 12, 31), F),
    ("下下个月底", SUN, D(2027, 1, 31), F),
    ("6月底", MON, D(2022, 6, 30), F),
    ("6月底", SUN, D(2027, 6, 30), F),
    ("6月末", MON, D(2022, 6, 30), F),
    ("6月份", MON, D(2022, 6, 30), F),
    ("六月底", SUN, D(2027, 6, 30), F),
    ("2025年6月底", MON, D(2025, 6, 30), F),
    ("6月中旬", MON, D(2022, 6, 20), F),
    ("6月前", MON, D(2022, 6, 30), T),  # before June starts, or by its end?
    ("一月", SUN, D(2027, 1, 31), F),  # January, not "one month" (that needs 个)
    # --- quarters ---
    ("一季度", MON, D(2022, 3, 31), F),
    ("一季度", SUN, D(2027, 3, 31), F),
    ("第一季度末", MON, D(2022, 3, 31), F),
    ("第三季度", MON, D(2022, 9, 30), F),
    ("三季度末", SUN, D(2027, 9, 30), F),
    ("四季度", SUN, D(2026, 12, 31), F),
    ("Q3", MON, D(2022, 9, 30), F),
    ("Q3", SUN, D(2027, 9, 30), F),
    ("2023年Q2", MON, D(2023, 6, 30), F),
    ("Q4前", SUN, D(2026, 12, 31), T),
    ("本季度末", SUN, D(2026, 12, 31), F),
    ("下季度", SUN, D(2027, 3, 31), F),
    ("季度末", MON, D(2022, 3, 31), F),
    # --- weeks (Monday to Sunday) ---
    ("本周五", MON, D(2022, 1, 14), F),
    ("这周五", MON, D(2022, 1, 14), F),
    ("下周五", MON, D(2022, 1, 21), F),
    ("下周五", SUN, D(2026, 12, 4), F),
    ("下个星期三", MON, D(2022, 1, 19), F),
    ("下下周一", MON, D(2022, 1, 24), F),
    ("下下周一", SUN, D(2026, 12, 7), F),
    ("周五前", MON, D(2022, 1, 14), T),  # bare weekday: nearest, flagged
    ("星期五", SUN, D(2026, 12, 4), T),
    ("礼拜五", MON, D(2022, 1, 14), T),
    ("周一", MON, D(2022, 1, 10), T),  # today counts
    ("星期天", SUN, D(2026, 11, 29), T),
    ("本周日", SUN, D(2026, 11, 29), F),
    ("本周内", MON, D(2022, 1, 16), F),
    ("下周", SUN, D(2026, 12, 6), F),
    ("周末", MON, D(2022, 1, 16), F),
    # --- spans from today ---
    ("两周后", MON, D(2022, 1, 24), F),
    ("两周后", SUN, D(2026, 12, 13), F),
    ("三个月内", MON, D(2022, 4, 10), F),  # same day 3 months on, not the month end
    ("三个月内", SUN, D(2027, 2, 28), F),  # 29 Feb 2027 does not exist: clamped
    ("3个月内", MON, D(2022, 4, 10), F),
    ("三个月以内", MON, D(2022, 4, 10), F),
    ("10天内", MON, D(2022, 1, 20), F),
    ("10天内", SUN, D(2026, 12, 9), F),
    ("三日内", MON, D(2022, 1, 13), F),
    ("半个月内", MON, D(2022, 1, 25), F),
    ("一个半月内", MON, D(2022, 2, 25), F),
    ("一年内", SUN, D(2027, 11, 29), F),
    ("半年内", SUN, D(2027, 5, 29), F),
    ("3天后", MON, D(2022, 1, 13), F),
    ("48小时内", MON, D(2022, 1, 12), F),
    ("5个工作日内", MON, D(2022, 1, 17), T),  # weekends skipped, holidays unknown
    ("5个工作日内", SUN, D(2026, 12, 4), T),
    # --- days ---
    ("今天", MON, D(2022, 1, 10), F),
    ("明天", SUN, D(2026, 11, 30), F),
    ("后天", MON, D(2022, 1, 12), F),
    ("十二月三十一日", MON, D(2022, 12, 31), F),
    ("十二月三十一日", SUN, D(2026, 12, 31), F),
    ("二〇二五年六月三十日", MON, D(2025, 6, 30), F),
    ("二零二五年六月三十日", MON, D(2025, 6, 30), F),
    ("6月30日", MON, D(2022, 6, 30), F),
    ("6月30日", SUN, D(2027, 6, 30), F),
    ("6月30号", MON, D(2022, 6, 30), F),
    ("6.30", MON, D(2022, 6, 30), F),
    ("6.30", SUN, D(2027, 6, 30), F),
    ("2025年6月30日", MON, D(2025, 6, 30), F),
    ("２０２５年６月３０日", MON, D(2025, 6, 30), F),  # full-width digits
    ("2025/6/30", MON, D(2025, 6, 30), F),
    ("2025-06-30", MON, D(2025, 6, 30), F),
    ("20250630", MON, D(2025, 6, 30), F),
    ("下个月15号", MON, D(2022, 2, 15), F),
    ("下个月15号", SUN, D(2026, 12, 15), F),
    ("15号", MON, D(2022, 1, 15), F),
    ("15号", SUN, D(2026, 12, 15), F),
    ("29号", SUN, D(2026, 11, 29), F),  # today
    ("31号", SUN, D(2026, 12, 31), F),  # November has no 31st
    ("本月20日", MON, D(2022, 1, 20), F),
    ("3月1日", MON, D(2022, 3, 1), F),
    ("3月1日", SUN, D(2027, 3, 1), F),
    ("1月10日", MON, D(2022, 1, 10), F),  # today is allowed
    ("1月9日", MON, D(2023, 1, 9), F),  # yesterday's date: next year
    ("2月29日", MON, D(2024, 2, 29), F),  # next leap year
    # --- school terms (spring ends 07-15, autumn ends 01-31 of the next year) ---
    ("本学期末", MON, D(2022, 1, 31), F),
    ("本学期末", SUN, D(2027, 1, 31), F),
    ("本学期末", SUMMER, D(2026, 1, 31), F),  # summer break: the coming autumn term
    ("学期末", MON, D(2022, 1, 31), F),
    ("期末", MON, D(2022, 1, 31), F),
    ("本学期", SUMMER, D(2026, 1, 31), F),
    ("本学期", TERM_END, D(2025, 7, 15), F),
    ("下学期末", MON, D(2022, 7, 15), F),
    ("下学期末", SUMMER, D(2026, 7, 15), F),
    ("春季学期", MON, D(2022, 7, 15), F),
    ("春季学期", SUMMER, D(2026, 7, 15), F),
    ("秋季学期", MON, D(2022, 1, 31), F),  # the autumn term in progress
    ("秋季学期", SUMMER, D(2026, 1, 31), F),
    ("2025年春季学期", MON, D(2025, 7, 15), F),
    ("2025年秋季学期", SUMMER, D(2026, 1, 31), F),
    ("本学年", SUN, D(2027, 7, 15), F),
    ("寒假前", SUN, D(2027, 1, 31), F),
    # --- "by" words never move the date ---
    ("6月30日前", MON, D(2022, 6, 30), F),
    ("6月30日之前", MON, D(2022, 6, 30), F),
    ("6月30日以前", MON, D(2022, 6, 30), F),
    ("截止6月30日", MON, D(2022, 6, 30), F),
    ("截至2022年6月30日", MON, D(2022, 6, 30), F),
    ("6月30日截止", MON, D(2022, 6, 30), F),
    ("到6月30日为止", MON, D(2022, 6, 30), F),
    ("于6月底前", MON, D(2022, 6, 30), F),
    ("在年底前", SUN, D(2026, 12, 31), F),
    ("最迟6月30日", MON, D(2022, 6, 30), F),
    ("不晚于6月30日", MON, D(2022, 6, 30), F),
    ("6月底前", SUN, D(2027, 6, 30), F),
    ("力争6月底前完成", MON, D(2022, 6, 30), F),
    ("于2025年6月30日前报送", MON, D(2025, 6, 30), F),
    ("截止日期：6月30日", MON, D(2022, 6, 30), F),
    ("6月30日24时前", MON, D(2022, 6, 30), F),
    ("6月30日 17:00", MON, D(2022, 6, 30), F),
    ("明天下班前", MON, D(2022, 1, 11), F),
    ("周五下午5点前", MON, D(2022, 1, 14), T),
    ("6月30日（星期四）前", MON, D(2022, 6, 30), F),  # matches: 30 June 2022 is a Thursday
    ("6月30日（星期五）前", MON, D(2022, 6, 30), T),  # does not match: confirm
    # --- digits: day first, or Chinese month.day; ambiguous only if both orders work ---
    ("1/2/2025", MON, D(2025, 2, 1), T),
    ("6/7", MON, D(2022, 7, 6), T),
    ("6.7", MON, D(2022, 6, 7), T),
    ("6.6", MON, D(2022, 6, 6), F),
    ("30/6", SUN, D(2027, 6, 30), F),
    ("6/30", MON, D(2022, 6, 30), F),
    ("30.6.2022", MON, D(2022, 6, 30), F),
    # --- English ---
    ("end of June", MON, D(2022, 6, 30), F),
    ("end of June", SUN, D(2027, 6, 30), F),
    ("by end of June", MON, D(2022, 6, 30), F),
    ("before June", MON, D(2022, 6, 30), T),
    ("by Friday", MON, D(2022, 1, 14), T),
    ("by Friday", SUN, D(2026, 12, 4), T),
    ("next Friday", MON, D(2022, 1, 21), T),  # this week's Friday is also "next" to some
    ("next Friday", SUN, D(2026, 12, 4), F),  # both readings give 4 December
    ("this Friday", MON, D(2022, 1, 14), F),
    ("Friday next week", MON, D(2022, 1, 21), F),
    ("friday 5pm", MON, D(2022, 1, 14), T),
    ("in 2 weeks", MON, D(2022, 1, 24), F),
    ("in 2 weeks", SUN, D(2026, 12, 13), F),
    ("within 10 days", MON, D(2022, 1, 20), F),
    ("a fortnight", MON, D(2022, 1, 24), F),
    ("3 business days", MON, D(2022, 1, 13), T),
    ("end of year", MON, D(2022, 12, 31), F),
    ("end of the year", SUN, D(2026, 12, 31), F),
    ("end of month", MON, D(2022, 1, 31), F),
    ("end of month", SUN, D(2026, 11, 30), F),
    ("end of next month", MON, D(2022, 2, 28), F),
    ("next week", MON, D(2022, 1, 23), F),
    ("end of Q4", SUN, D(2026, 12, 31), F),
    ("Q3 2027", SUN, D(2027, 9, 30), F),
    ("H1", SUN, D(2027, 6, 30), F),
    ("spring term", SUMMER, D(2026, 7, 15), F),
    ("2025-06-30", MON, D(2025, 6, 30), F),
    ("30/6/2022", MON, D(2022, 6, 30), F),  # day first; 30 cannot be a month
    ("June 30", MON, D(2022, 6, 30), F),
    ("June 30", SUN, D(2027, 6, 30), F),
    ("30 June 2025", MON, D(2025, 6, 30), F),
    ("June 30th, 2027", SUN, D(2027, 6, 30), F),
    ("Thu, 30 June 2022", MON, D(2022, 6, 30), F),
    ("Fri, 30 June 2022", MON, D(2022, 6, 30), T),  # stated weekday is wrong
    ("tomorrow", MON, D(2022, 1, 11), F),
    ("tomorrow", SUN, D(2026, 11, 30), F),
    ("today", SUN, D(2026, 11, 29), F),
    ("the 15th", SUN, D(2026, 12, 15), F),
    # dateparser fallback: read, but flagged for confirmation
    ("a week from tomorrow", MON, D(2022, 1, 18), T),
    ("in 1 week and 2 days", MON, D(2022, 1, 19), T),
]

INVALID: list[tuple[str, datetime]] = [
    ("2月30日", MON),  # impossible
    ("2021年1月1日", MON),  # past
    ("", MON),
    ("   ", SUN),
    ("随便", MON),
    ("13月1日", MON),
    ("下周八", MON),
    ("asdf", SUN),
    ("2022-02-29", MON),  # 2022 is no leap year
    ("6.31", MON),
    ("32号", SUN),
    ("下个月31号", MON),  # February
    ("上周五", MON),
    ("本周五", SUN),  # Friday of this week was two days ago
    ("本月20日", SUN),
    ("去年底", SUN),
    ("年前", MON),  # before Chinese New Year: a lunar date we do not guess
    ("昨天", MON),
    ("yesterday", MON),
    ("2 weeks ago", SUN),
    ("3000年底", MON),  # too far: a typo
    ("6月30日前" * 20, MON),  # a sentence, not a date
]

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _id(row: tuple[object, ...]) -> str:
    return f"{row[0]}@{row[1].date()}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "now", "expected", "ambiguous"), VALID, ids=map(_id, VALID))
def test_valid(text: str, now: datetime, expected: date, ambiguous: bool) -> None:
    got = parse_deadline(text, now)
    assert isinstance(got, Deadline)
    assert got.date == expected
    assert got.ambiguous is ambiguous
    assert got.date >= now.date()
    # The echo names the weekday, so a wrong guess is easy to spot.
    assert got.reading == format_date_zh(expected)
    assert ("星期" + "一二三四五六日"[expected.weekday()]) in got.reading
    assert got.reading_en == format_date_en(expected)
    assert got.reading_en.startswith(WEEKDAYS_EN[expected.weekday()])


@pytest.mark.parametrize(("text", "now"), INVALID, ids=map(_id, INVALID))
def test_invalid(text: str, now: datetime) -> None:
    with pytest.raises(ValueError) as info:
        parse_deadline(text, now)
    message = str(info.value)
    assert _CJK.search(message), message
    assert re.search(r"[A-Za-z]{4}", message), message  # the English half
    assert _CJK.search(message).start() < message.index("/ ")  # Chinese first


@pytest.mark.parametrize(
    "text",
    [
        "6月30日前",
        "6月30日之前",
        "6月30日以前",
        "6月30日截止",
        "6月30日截至",
        "6月30日为止",
        "6月30日以内",
        "截止6月30日",
        "截至6月30日",
        "于6月30日",
        "在6月30日",
        "最迟6月30日",
        "不晚于6月30日",
    ],
)
def test_by_words_never_move_the_date(text: str) -> None:
    assert parse_deadline(text, MON).date == D(2022, 6, 30)


def test_month_end_with_di_qian_is_not_ambiguous() -> None:
    assert parse_deadline("6月底前", MON) == parse_deadline("6月底", MON)
    assert parse_deadline("6月底前", MON).ambiguous is False


def test_error_messages_are_specific() -> None:
    with pytest.raises(ValueError, match="2月没有30日"):
        parse_deadline("2月30日", MON)
    with pytest.raises(ValueError, match="没有13月"):
        parse_deadline("13月1日", MON)
    with pytest.raises(ValueError, match="已经过去"):
        parse_deadline("2021年1月1日", MON)
    with pytest.raises(ValueError, match="无法识别日期“随便”"):
        parse_deadline("随便", MON)


def test_relative_dates_use_nows_own_local_date() -> None:
    early = datetime(2022, 1, 10, 0, 30, tzinfo=SH)  # still 9 January in UTC
    assert parse_deadline("今天", early).date == D(2022, 1, 10)
    assert parse_deadline("today", early.astimezone(UTC)).date == D(2022, 1, 9)


def test_naive_now_is_refused() -> None:
    with pytest.raises(TypeError):
        parse_deadline("明天", datetime(2022, 1, 10, 9))


def test_formatters() -> None:
    assert format_date_zh(D(2022, 6, 30)) == "2022年6月30日(星期四)"
    assert format_date_en(D(2022, 6, 30)) == "Thursday 30 June 2022"
    assert format_date_zh(D(2026, 11, 29)) == "2026年11月29日(星期日)"


def test_deadline_is_frozen() -> None:
    got = parse_deadline("6月底", MON)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.date = D(2030, 1, 1)  # type: ignore[misc]


def test_term_constants() -> None:
    assert SPRING_TERM_END == (7, 15)
    assert AUTUMN_TERM_END == (1, 31)


def test_warm_up_runs() -> None:
    warm_up()


def test_module_does_not_import_telegram() -> None:
    source = Path(__file__).resolve().parents[1] / "bot" / "dates.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "telegram" not in imported


def test_table_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) >= 70
    assert len(INVALID) >= 8
    assert {now for _, now, _, _ in VALID} >= {MON, SUN}

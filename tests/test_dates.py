"""Table-driven tests for bot.language.dates.parse_deadline.

Expected dates are worked out by hand from four fixed "now" values, so a change in reading
rules shows up here as a failing row, not as a silently different deadline.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.language.dates import (
    Deadline,
    DeadlineError,
    format_date_en,
    format_date_zh,
    parse_deadline,
)
from bot.language.workdays import known_years

SH = ZoneInfo("Asia/Shanghai")
MON = datetime(2022, 1, 10, 9, 0, tzinfo=SH)  # Monday, mid autumn term
SUN = datetime(2026, 11, 29, 10, 0, tzinfo=SH)  # Sunday, last day of its week
SUMMER = datetime(2025, 7, 20, 10, 0, tzinfo=SH)  # Sunday in the summer break
TERM_END = datetime(2025, 7, 15, 10, 0, tzinfo=SH)  # Tuesday, last day of a spring term
# Friday just before the 2022 Spring Festival (2022-02-01): 01-29 (Sat) and 01-30 (Sun) were
# make-up working days, 01-31 to 02-06 the break.
PRE_SF = datetime(2022, 1, 28, 16, 0, tzinfo=SH)
# Saturday after the 2022 National Day break (10-01 to 10-07), itself a make-up working day, as
# was Sunday 10-09; 2022's 清明 (04-05), 五一, 端午 (06-03) and 中秋 (09-10) have all passed.
AFTER_OCT = datetime(2022, 10, 8, 9, 0, tzinfo=SH)

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
    ("5个工作日内", MON, D(2022, 1, 17), F),  # official calendar: no holiday in the way
    ("5个工作日内", SUN, D(2026, 12, 4), F),
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
    ("3 business days", MON, D(2022, 1, 13), F),
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

# Issue 12: the phrases officials write in notices and chats, each from several base dates.
# Festival days by hand: 春节 2022-02-01, 2023-01-22, 2027-02-06, 2028-01-26; 清明 04-05 in
# 2022, 2023 and 2027; 端午 2022-06-03, 2023-06-22, 2027-06-09; 中秋 2022-09-10, 2023-09-29,
# 2027-09-15. "X前" is the day before.
VALID += [
    # --- 今年/明年/后年 with every period phrase ---
    ("今年年底", MON, D(2022, 12, 31), F),
    ("今年年底", AFTER_OCT, D(2022, 12, 31), F),
    ("今年年底", SUN, D(2026, 12, 31), F),
    ("今年年底前", PRE_SF, D(2022, 12, 31), F),
    ("今年内", PRE_SF, D(2022, 12, 31), F),
    ("今年年内", SUN, D(2026, 12, 31), F),
    ("2025年年底", MON, D(2025, 12, 31), F),
    ("明年年底", AFTER_OCT, D(2023, 12, 31), F),
    ("明年年内", PRE_SF, D(2023, 12, 31), F),
    ("后年年底前", SUN, D(2028, 12, 31), F),
    ("后年内", PRE_SF, D(2024, 12, 31), F),
    ("明年上半年", AFTER_OCT, D(2023, 6, 30), F),
    ("今年下半年", PRE_SF, D(2022, 12, 31), F),
    ("后年下半年", SUN, D(2028, 12, 31), F),
    ("明年6月底前", PRE_SF, D(2023, 6, 30), F),
    ("今年12月底前", AFTER_OCT, D(2022, 12, 31), F),
    ("后年6月底前", SUN, D(2028, 6, 30), F),
    ("今年季度末", AFTER_OCT, D(2022, 12, 31), F),
    ("今年季度末", PRE_SF, D(2022, 3, 31), F),
    ("明年一季度末", SUN, D(2027, 3, 31), F),
    ("本季度末", PRE_SF, D(2022, 3, 31), F),
    ("下季度末", AFTER_OCT, D(2023, 3, 31), F),
    ("下季度末", SUN, D(2027, 3, 31), F),
    # --- festivals as anchors: the day before the festival day ---
    ("春节前", PRE_SF, D(2022, 1, 31), F),
    ("春节前", MON, D(2022, 1, 31), F),
    ("春节前", AFTER_OCT, D(2023, 1, 21), F),
    ("春节前", SUN, D(2027, 2, 5), F),
    ("过年前", PRE_SF, D(2022, 1, 31), F),
    ("2028年春节前", SUN, D(2028, 1, 25), F),
    ("明年春节前", AFTER_OCT, D(2023, 1, 21), F),
    ("国庆前", PRE_SF, D(2022, 9, 30), F),
    ("国庆前", AFTER_OCT, D(2023, 9, 30), F),  # this year's has passed: next year's
    ("国庆前", SUN, D(2027, 9, 30), F),
    ("国庆节前", MON, D(2022, 9, 30), F),
    ("国庆节前", AFTER_OCT, D(2023, 9, 30), F),
    ("国庆", PRE_SF, D(2022, 9, 30), T),  # no 前: by its eve, or on the day? confirm
    ("元旦前", PRE_SF, D(2022, 12, 31), F),
    ("元旦前", AFTER_OCT, D(2022, 12, 31), F),
    ("元旦前", SUN, D(2026, 12, 31), F),
    ("五一前", PRE_SF, D(2022, 4, 30), F),
    ("五一前", AFTER_OCT, D(2023, 4, 30), F),
    ("劳动节前", SUN, D(2027, 4, 30), F),
    ("清明节前", PRE_SF, D(2022, 4, 4), F),
    ("清明节前", AFTER_OCT, D(2023, 4, 4), F),
    ("清明前", SUN, D(2027, 4, 4), F),
    ("端午节前", PRE_SF, D(2022, 6, 2), F),
    ("端午节前", AFTER_OCT, D(2023, 6, 21), F),
    ("端午前", SUN, D(2027, 6, 8), F),
    ("中秋节前", PRE_SF, D(2022, 9, 9), F),
    ("中秋节前", AFTER_OCT, D(2023, 9, 28), F),
    ("中秋前", SUN, D(2027, 9, 14), F),
    ("力争国庆节前完成", PRE_SF, D(2022, 9, 30), F),
    ("before National Day", PRE_SF, D(2022, 9, 30), F),
    ("before National Day", AFTER_OCT, D(2023, 9, 30), F),
    ("before the Spring Festival", SUN, D(2027, 2, 5), F),
    ("before Chinese New Year", PRE_SF, D(2022, 1, 31), F),
    ("before the Mid-Autumn Festival", AFTER_OCT, D(2023, 9, 28), F),
    ("before Dragon Boat Festival 2027", SUN, D(2027, 6, 8), F),
    ("National Day", SUN, D(2027, 9, 30), T),
    # --- 上旬 / 中旬 / 下旬: the 10th, the 20th, the last day ---
    ("上旬", PRE_SF, D(2022, 2, 10), F),  # this month's has passed: next month's
    ("上旬", AFTER_OCT, D(2022, 10, 10), F),
    ("中旬", AFTER_OCT, D(2022, 10, 20), F),
    ("下旬", SUN, D(2026, 11, 30), F),
    ("下旬前", MON, D(2022, 1, 31), F),
    ("本月下旬", PRE_SF, D(2022, 1, 31), F),
    ("下月上旬", SUN, D(2026, 12, 10), F),
    ("6月上旬前", PRE_SF, D(2022, 6, 10), F),
    ("2027年3月中旬", SUN, D(2027, 3, 20), F),
    ("明年1月下旬前", AFTER_OCT, D(2023, 1, 31), F),
    # --- formats ---
    ("6.30前", PRE_SF, D(2022, 6, 30), F),
    ("6.30前", AFTER_OCT, D(2023, 6, 30), F),
    ("2022.6.30", PRE_SF, D(2022, 6, 30), F),
    ("2023.6.30", AFTER_OCT, D(2023, 6, 30), F),
    ("二〇二二年六月三十日", PRE_SF, D(2022, 6, 30), F),
    ("二〇二七年一月十五日", SUN, D(2027, 1, 15), F),
    ("6月30日24时前", AFTER_OCT, D(2023, 6, 30), F),
    ("即日起至6月30日", PRE_SF, D(2022, 6, 30), F),
    ("自即日起至2022年12月31日止", AFTER_OCT, D(2022, 12, 31), F),
    ("即日起至12月15日", SUN, D(2026, 12, 15), F),
    ("从即日起到年底", SUN, D(2026, 12, 31), F),
    # --- spans ---
    ("一周内", PRE_SF, D(2022, 2, 4), F),
    ("一周内", AFTER_OCT, D(2022, 10, 15), F),
    ("两个月内", PRE_SF, D(2022, 3, 28), F),
    ("两个月内", SUN, D(2027, 1, 29), F),
    ("半年内", PRE_SF, D(2022, 7, 28), F),
    ("半年内", AFTER_OCT, D(2023, 4, 8), F),
    # --- working days by the official calendar (make-up days count, holidays do not) ---
    ("3个工作日内", PRE_SF, D(2022, 2, 7), F),  # 01-29, 01-30 (make-up), then 02-07
    ("1个工作日内", PRE_SF, D(2022, 1, 29), F),  # a Saturday, but a working one
    ("5个工作日内", PRE_SF, D(2022, 2, 9), F),
    ("within 5 working days", PRE_SF, D(2022, 2, 9), F),
    ("五个工作日内", AFTER_OCT, D(2022, 10, 13), F),  # 10-09 (Sun, make-up), 10-10 ...
    ("10个工作日内", AFTER_OCT, D(2022, 10, 20), F),
    ("24个工作日内", SUN, D(2026, 12, 31), F),  # the last day the calendar knows
    ("within 3 working days", SUN, D(2026, 12, 2), F),
    ("within 5 working days", AFTER_OCT, D(2022, 10, 13), F),
    # --- English periods ---
    ("by the end of the year", PRE_SF, D(2022, 12, 31), F),
    ("by the end of the year", SUN, D(2026, 12, 31), F),
    ("end of next month", PRE_SF, D(2022, 2, 28), F),
    ("end of next month", AFTER_OCT, D(2022, 11, 30), F),
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
    # Issue 12 refusals: each is understood, and none is a deadline we may name.
    ("尽快", PRE_SF),
    ("请尽快完成", SUN),
    ("长期", AFTER_OCT),
    ("长期坚持", PRE_SF),
    ("另行通知", SUN),
    ("待定", MON),
    ("asap", PRE_SF),
    ("until further notice", SUN),
    ("国庆后", PRE_SF),  # a start, not a deadline
    ("国庆节后", AFTER_OCT),
    ("春节过后", SUN),
    ("after National Day", PRE_SF),
    ("节后", MON),
    ("年后", PRE_SF),
    ("即日起", SUN),
    ("节前", AFTER_OCT),  # which festival?
    ("年前", PRE_SF),  # 元旦 or 春节?
    ("明年季度末", SUN),  # which quarter?
    ("今年国庆前", AFTER_OCT),  # passed
    ("今年上半年", AFTER_OCT),  # passed
    ("2021年春节前", PRE_SF),  # passed
]

_QUOTED = re.compile(r"“[^”]*”|\d{4}-\d{2}-\d{2}")  # quoted phrases and ISO examples
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
    with pytest.raises(DeadlineError) as info:
        parse_deadline(text, now)
    exc = info.value
    assert isinstance(exc, ValueError)  # callers catching ValueError keep working
    message = str(exc)
    assert _CJK.search(message), message
    assert re.search(r"[A-Za-z]{4}", message), message  # the English half
    assert _CJK.search(message).start() < message.index("/ ")  # Chinese first
    # The two languages apart: str() is exactly both; each half is in its own language
    # (the English one may quote the user's Chinese words, nothing else).
    assert message == f"{exc.zh}/ {exc.en}"
    assert _CJK.search(exc.zh) and not re.search(r"[A-Za-z]{4}", _QUOTED.sub("", exc.zh))
    assert not _CJK.search(_QUOTED.sub("", exc.en)), exc.en
    assert exc.message("zh") == exc.zh
    assert exc.message("en") == exc.en


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
    assert format_date_zh(D(2022, 6, 30)) == "2022年6月30日（星期四）"
    assert format_date_en(D(2022, 6, 30)) == "Thursday 30 June 2022"
    assert format_date_zh(D(2026, 11, 29)) == "2026年11月29日（星期日）"


def test_deadline_is_frozen() -> None:
    got = parse_deadline("6月底", MON)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.date = D(2030, 1, 1)  # type: ignore[misc]


def test_issue12_forms_are_covered_from_several_base_dates() -> None:
    assert {now for _, now, _, _ in VALID} >= {MON, SUN, PRE_SF, AFTER_OCT}
    bases: dict[str, set[datetime]] = {}
    for text, now, _, _ in VALID:
        for form in ("春节", "国庆", "工作日", "working day", "今年年底", "旬", "即日起至"):
            if form in text:
                bases.setdefault(form, set()).add(now)
    assert all(len(seen) >= 3 for seen in bases.values()), bases


@pytest.mark.parametrize(
    ("text", "now", "zh_reason", "en_reason"),
    [
        ("尽快", PRE_SF, "不是具体日期", "is not a date"),
        ("另行通知", SUN, "不是具体日期", "is not a date"),
        ("国庆后", PRE_SF, "开始时间", "names a start"),
        ("即日起", SUN, "开始时间", "names a start"),
        ("节前", MON, "哪个节日", "which holiday"),
        ("年前", MON, "春节前", "Spring Festival"),
        ("明年季度末", SUN, "第几季度", "which quarter"),
        ("今年国庆前", AFTER_OCT, "已经过去", "has passed"),
        ("2月30日", MON, "2月没有30日", "February has no day 30"),
        ("随便", MON, "无法识别日期“随便”", "Could not read"),
    ],
)
def test_refusals_say_why_in_each_language(text, now, zh_reason, en_reason) -> None:
    with pytest.raises(DeadlineError) as info:
        parse_deadline(text, now)
    assert zh_reason in info.value.message("zh")
    assert en_reason in info.value.message("en")
    assert en_reason not in info.value.zh and zh_reason not in info.value.en


def test_deadline_error_picks_a_language_by_lookup() -> None:
    exc = DeadlineError("date.empty")  # the words are the catalogue's, in each language
    zh, en = exc.message("zh"), exc.message("en")
    assert zh.startswith("请填写截止日期") and en.startswith("Please give a deadline")
    assert str(exc) == f"{zh}/ {en}" and exc.args == (f"{zh}/ {en}",)
    assert exc.message("fr") == zh  # unknown codes get the bot's default, Chinese


def test_programming_errors_stay_type_errors() -> None:
    with pytest.raises(TypeError):
        parse_deadline(None, MON)  # type: ignore[arg-type]
    with pytest.raises(TypeError) as info:
        parse_deadline("明天", datetime(2022, 1, 10, 9))
    assert not isinstance(info.value, ValueError)


def test_no_inline_language_choices_in_the_parser() -> None:
    """House rule: a language is chosen by dict lookup, never by comparing codes."""
    source = Path(__file__).resolve().parents[1] / "bot" / "language" / "dates.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            codes = [o.value for o in operands if isinstance(o, ast.Constant)]
            assert not {"zh", "en"} & set(codes), ast.unparse(node)


def test_parse_date_command_shows_the_weekday() -> None:
    """`python -m bot parse-date`, run from the repo root so this checkout's bot is used."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TZ": "Asia/Shanghai"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    for text, now, expected in [
        ("3个工作日内", "2022-01-28T16:00", "2022-02-07  2022年2月7日（星期一）  Monday 7 February 2022"),
        ("国庆前", "2022-10-08", "2023-09-30  2023年9月30日（星期六）  Saturday 30 September 2023"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "parse-date", text, "--now", now],
            cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected


def test_working_days_beyond_the_known_calendar_are_refused() -> None:
    """Relative to the installed chinese-calendar, so a newer release with next year's holidays
    moves the edge instead of breaking the test."""
    last = known_years().stop - 1
    eve = datetime(last, 12, 30, 9, 0, tzinfo=SH)
    assert parse_deadline("1个工作日内", datetime(last, 12, 1, tzinfo=SH)).date.month == 12
    for text in ("25个工作日内", "within 30 working days", "三个工作日内"):
        with pytest.raises(DeadlineError) as info:
            parse_deadline(text, eve)
        assert f"{last + 1}年的法定节假日" in info.value.zh
        assert f"it knows 2004-{last}" in info.value.en


# --- issue 21: forms seen in real notices ---------------------------------------------------
NOTICE_FORMS: list[tuple[str, datetime, date, bool]] = [
    # lead-in words, as a class and in combination
    ("原则上6月30日前", MON, D(2022, 6, 30), F),
    ("原则上应于6月30日前完成", MON, D(2022, 6, 30), F),
    ("拟定于7月15日前", MON, D(2022, 7, 15), F),
    ("将于本月底前", MON, D(2022, 1, 31), F),
    ("计划将在年底前", MON, D(2022, 12, 31), F),
    ("暂定下周五", MON, D(2022, 1, 21), F),
    ("预计三个月内", MON, D(2022, 4, 10), F),
    ("确保国庆前", MON, D(2022, 9, 30), F),
    ("一般应在学期末前", MON, D(2022, 1, 31), F),
    ("in principle by end of June", MON, D(2022, 6, 30), F),
    ("will be done by 30 June", MON, D(2022, 6, 30), F),
    ("at end of July", MON, D(2022, 7, 31), F),
    ("expected to be completed by end of the year", MON, D(2022, 12, 31), F),
    ("tentatively end of March", MON, D(2022, 3, 31), F),
    # a time of day in any of its written forms
    ("6月30日24:00时前", MON, D(2022, 6, 30), F),
    ("6月30日24：00时前", MON, D(2022, 6, 30), F),
    ("6月30日24时00分前", MON, D(2022, 6, 30), F),
    ("原则上于6月30日17:30前完成", MON, D(2022, 6, 30), F),
    ("6月30日下午5点半前", MON, D(2022, 6, 30), F),
    # traditional characters
    ("下週五前", MON, D(2022, 1, 21), F),
    ("三個月內", MON, D(2022, 4, 10), F),
    ("國慶節前", MON, D(2022, 9, 30), F),
    ("2023年春節前", MON, D(2023, 1, 21), F),
    ("最遲於6月30日前完成", MON, D(2022, 6, 30), F),
    ("5個工作日內", MON, D(2022, 1, 17), F),
    ("本學期末", MON, D(2022, 1, 31), F),
    ("兩週後", MON, D(2022, 1, 24), F),
    # a phrase with the explicit date in brackets: the date wins (flagged when they disagree)
    ("下周五（1月21日）前", MON, D(2022, 1, 21), F),
    ("下周五（1月20日）前", MON, D(2022, 1, 20), T),
    ("本周五(1月14日)", MON, D(2022, 1, 14), F),
    ("月底【2022年1月31日】", MON, D(2022, 1, 31), F),
    ("next Friday (21 January)", MON, D(2022, 1, 21), F),
    ("6月30日前（含当日）", MON, D(2022, 6, 30), F),  # a bracketed remark that is no date
]


@pytest.mark.parametrize(("text", "now", "expected", "ambiguous"), NOTICE_FORMS)
def test_forms_seen_in_real_notices(text: str, now: datetime, expected: date,
                                    ambiguous: bool) -> None:
    got = parse_deadline(text, now)
    assert (got.date, got.ambiguous) == (expected, ambiguous), text


def test_a_bracketed_weekday_stays_a_note_on_the_date() -> None:
    assert parse_deadline("6月30日（星期四）", MON).ambiguous is False
    assert parse_deadline("6月30日（星期五）", MON).ambiguous is True
    with pytest.raises(DeadlineError):
        parse_deadline("(6月30日) 经费未到位", MON)  # no date phrase around the brackets


@pytest.mark.parametrize(("text", "expected", "rest"), [
    ("end of July because the survey is late", D(2022, 7, 31), "because the survey is late"),
    ("by Friday the venue is not ready", D(2022, 1, 14), "the venue is not ready"),
    ("in 2 weeks the data is late", D(2022, 1, 24), "the data is late"),
    ("30 June 2025 budget", D(2025, 6, 30), "budget"),
    ("9月底前 场地改造未完成", D(2022, 9, 30), "场地改造未完成"),
    ("9月底前场地改造未完成", D(2022, 9, 30), "场地改造未完成"),
    ("下周五（1月21日）前 专家未到位", D(2022, 1, 21), "专家未到位"),
    ("原则上于9月30日前 经费", D(2022, 9, 30), "经费"),
    ("end of July", D(2022, 7, 31), ""),
])
def test_split_deadline_reads_the_date_and_leaves_the_reason(text, expected, rest) -> None:
    from bot.language.dates import split_deadline

    deadline, reason = split_deadline(text, MON)
    assert (deadline.date, reason) == (expected, rest)


def test_split_deadline_refuses_text_that_starts_with_no_date() -> None:
    from bot.language.dates import split_deadline

    with pytest.raises(DeadlineError, match="尽快"):
        split_deadline("尽快 原因", MON)
    with pytest.raises(DeadlineError):
        split_deadline("because it rained", MON)

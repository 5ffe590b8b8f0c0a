"""Read a deadline as an official types it ("6月底前", "下周五", "三个月内", "end of June").

Why a rule table of our own: dateparser 1.5 returns nothing for 月底, 年底, 上半年, 下周五,
两周后 or 下个月15号 and reads "6月30日前" as 2021-06-10 without complaint. So Chinese text is
read only by the rules below (regexes, with cn2an for Chinese numerals), and an unknown phrase
is refused rather than guessed. English goes through the same kind of rules first; dateparser
(languages=['en']) is only the last resort, and what it returns is flagged ambiguous so the
bot asks for confirmation.

Conventions, all of them deliberate:

* A deadline is the last day on which the work may be done. "By" words never move it:
  6月30日前 = 6月30日之前 = 截至6月30日 = 6月30日 (not 29 June). Same for "before Friday".
* A date given without a year lies in the future: on 2 March, "3月1日" means next year's.
  Today counts as the future, so a deadline may be today. Anything before today is refused.
* Weeks run Monday to Sunday, as in Chinese usage. 本周/下周/周末 without a day mean that
  week's Sunday; 本周五 said on a Saturday is in the past and refused.
* A bare weekday (周五, 星期五, 礼拜五, 周五前, "Friday", "by Friday") is the nearest such day,
  today included. It is flagged ambiguous: some people mean the one in the following week.
* "next Friday" is Friday of next week, like 下周五. It is flagged ambiguous only when that
  differs from the nearest Friday (said on Monday, yes; said on Saturday, both are the same).
* Relative spans count from today: 三个月内 = same day three months on (clamped to the month
  end: 29 Nov + 3 months = 28 Feb), 半个月 = 15 days, 半年 = 6 months. X内 and X后 give the
  same day, since the deadline is the end of the span.
* Periods mean their last day: 6月 / 6月底 / 6月份 -> 30 June, 三季度 -> 30 Sep, 上半年 -> 30 June,
  2025年 -> 31 Dec 2025. A period followed by 前 without 底/末/内 ("6月前", "2025年前",
  "before June") is flagged ambiguous: it may mean before the period starts.
* Numbers with "/" or "-", and dotted ones with a year, are read day first (30/6/2022,
  30.6.2022); "6.30" without a year month first (the usual Chinese shorthand). When only one
  order gives a real date that order is used; when both do and they differ ("1/2/2025", "6.7")
  the result is flagged ambiguous. Year-first forms (2025/6/30) are never ambiguous.
* Month spans need 个 (三个月内); "3月内" and "一月" name a month. "N年" is a span below 20
  ("10年内" = ten years) and a year from 20 up ("25年" = 2025, "22年内" = within 2022).
* Working-day spans (5个工作日内, "within 5 working days") follow China's official calendar
  (chinese-calendar, via bot.language.workdays): make-up working days (调休) count, holidays do not,
  counting from tomorrow. A count that reaches a year whose holidays are not published yet is
  refused with the years known, never guessed from Monday to Friday.
* Festivals as anchors: "国庆前" is the day before the festival day, 30 September. The festival
  day is the day itself (元旦 01-01, 五一 05-01, 国庆 10-01, 春节 = 正月初一, 清明 = the solar
  term, 端午 = 五月初五, 中秋 = 八月十五; the lunar ones from lunar-python), not the first day of
  the official break, which is known only for the published years. Without a year it is the
  next one whose eve is today or later. A bare "国庆" (no 前) is read the same but flagged
  ambiguous. "国庆后", "节后", "年后", "即日起" name a start, not a deadline: refused.
* 上旬/中旬/下旬 end on the 10th, the 20th and the month's last day; a bare "下旬" is this
  month's, or next month's once it has passed.
* Refused on purpose, each with its own message: 尽快/长期/另行通知/待定 and "asap" (not dates),
  "年前" (before the new year or before 春节?), "节前" (which festival?), "明年季度末" (which
  quarter?), starts as above.
* A weekday written next to a date that does not match it ("6月30日(星期五)") is ambiguous.
* School terms: see SPRING_TERM_END / AUTUMN_TERM_END below.

Refusals raise DeadlineError (a ValueError) carrying a catalogue key (`date.*`) and its
parameters; .message(lang) is the text, str() both languages, Chinese first. Everything here is a pure function of (text, now); nothing is
escaped (callers escape).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.domain.recurrence import AUTUMN_TERM_END, SPRING_TERM_END
from bot.language.i18n import Day, Names, Phrase, t
from bot.language.workdays import CalendarUnknown, Festival, add_workdays, festival_date

__all__ = [
    "AUTUMN_TERM_END",
    "SPRING_TERM_END",
    "Deadline",
    "DeadlineError",
    "format_date_en",
    "format_date_zh",
    "parse_deadline",
    "split_deadline",
    "warm_up",
]

# School terms, as (month, day) of their last day. The spring term (春季学期) of year Y ends on
# 15 July of Y; the autumn term (秋季学期) begun in year Y ends on 31 January of Y+1. "本学期"
# is the first term end on or after today, so the summer break (16 July - 31 August) already
# belongs to the coming autumn term. The school year (学年) ends with the spring term.
# The constants live with the recurrences so "every semester" and "本学期末" agree.

# A deadline further out than this is almost certainly a typo in the year ("2205年").
MAX_YEARS_AHEAD = 100
# Longer input is a sentence, not a date; refusing it early keeps regex work bounded.
MAX_INPUT_CHARS = 80

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Deadline:
    """A parsed deadline: the last day the work may be done, and how to echo it back."""

    date: dt.date
    reading: str  # "2022年6月30日（星期四）"
    reading_en: str  # "Thursday 30 June 2022"
    ambiguous: bool = False  # True: the bot should ask the user to confirm the reading


class DeadlineError(ValueError):
    """A refusal of user input, fit to show the user: a catalogue key (`date.*`) and its
    parameters. str(exc) is both languages, Chinese first ("…。/ …."), for callers that show
    one bilingual line."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(f"{self.zh}/ {self.en}")

    @property
    def zh(self) -> str:
        return self.message("zh")

    @property
    def en(self) -> str:
        return self.message("en")

    def message(self, lang: str) -> str:
        """The text in `lang` ("zh" or "en"); any other code gets Chinese, the bot's default."""
        return t(self.key, lang, html=False, **self.params)


def format_date_zh(d: dt.date) -> str:
    """2022年6月30日（星期四）. Own tables, not strftime, so the server locale does not matter."""
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_ZH[d.weekday()]}）"


def format_date_en(d: dt.date) -> str:
    """Thursday 30 June 2022 (day first, unambiguous for readers on both sides)."""
    return f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------------------------
# Internal types


class _Invalid(Exception):
    """The text was understood but names a day that does not exist (2月30日, 13月1日): a
    catalogue key (`date.problem.*`) and its parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.phrase = Phrase(f"date.problem.{key}", **params)


class _Refused(Exception):
    """The text was understood and is no deadline ("尽快", "国庆后"), or cannot be answered
    without guessing: a predicate (`date.refused.*`) the caller puts the quoted phrase before."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.phrase = Phrase(f"date.refused.{key}", **params)


def _month(month: int) -> Names:
    """A month as each language names it in a sentence (6 / June)."""
    return Names(zh=str(month), en=MONTHS_EN[month - 1])


@dataclass(frozen=True, slots=True)
class _Ctx:
    today: dt.date
    before: bool  # a 前/之前/以前/"before" was removed: "6月前" may mean "before June starts"


_Hit = tuple[dt.date, bool]  # (date, ambiguous)
_Handler = Callable[[re.Match[str], _Ctx], _Hit | None]  # None: "not mine after all, go on"


# --------------------------------------------------------------------------------------------
# Calendar helpers


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _days_in(year, month))


def _shift_month(year: int, month: int, n: int) -> tuple[int, int]:
    y, m0 = divmod(year * 12 + month - 1 + n, 12)
    return y, m0 + 1


def _add_months(d: dt.date, n: int) -> dt.date:
    """Same day n months on, clamped to the month end (31 Jan + 1 month = 28/29 Feb)."""
    y, m = _shift_month(d.year, d.month, n)
    return dt.date(y, m, min(d.day, _days_in(y, m)))


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _nearest_weekday(today: dt.date, weekday: int) -> dt.date:
    """The next `weekday` (0 = Monday), today included."""
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise _Invalid("no_month", month=month)


def _make_date(year: int, month: int, day: int) -> dt.date:
    if not 1 <= year <= 9999:
        raise _Invalid("bad_year", year=year)
    _check_month(month)
    if not 1 <= day <= _days_in(year, month):
        raise _Invalid("no_day_in_year_month", year=year, month=_month(month), day=day)
    return dt.date(year, month, day)


def _next_month_day(today: dt.date, month: int, day: int) -> dt.date:
    """A year-less month and day: the first one on or after today (2月29日 waits for a leap
    year)."""
    _check_month(month)
    if not 1 <= day <= _days_in(2000, month):  # 2000 was a leap year: the most days possible
        raise _Invalid("no_day_in_month", month=_month(month), day=day)
    for year in range(today.year, today.year + 9):  # a leap year comes within 8 years
        if day <= _days_in(year, month) and (cand := dt.date(year, month, day)) >= today:
            return cand
    raise AssertionError("unreachable")


def _roll(today: dt.date, year: int | None, build: Callable[[int], dt.date]) -> dt.date:
    """An explicit year is taken as written (a past result is refused later). Without one,
    this year's date, or next year's if this year's has passed."""
    if year is not None:
        return build(year)
    cand = build(today.year)
    return cand if cand >= today else build(today.year + 1)


def _term_end_on_or_after(today: dt.date) -> dt.date:
    # In calendar order a year holds the end of last autumn's term, then the spring term's.
    for cand in (
        dt.date(today.year, *AUTUMN_TERM_END),
        dt.date(today.year, *SPRING_TERM_END),
        dt.date(today.year + 1, *AUTUMN_TERM_END),
    ):
        if cand >= today:
            return cand
    raise AssertionError("unreachable")


def _following_term_end(end: dt.date) -> dt.date:
    if (end.month, end.day) == SPRING_TERM_END:
        return dt.date(end.year + 1, *AUTUMN_TERM_END)
    return dt.date(end.year, *SPRING_TERM_END)


def _season_term_end(today: dt.date, year: int | None, spring: bool) -> dt.date:
    if spring:
        return _roll(today, year, lambda y: dt.date(y, *SPRING_TERM_END))
    if year is not None:  # 2025年秋季学期 began in 2025 and ends in January 2026
        return dt.date(year + 1, *AUTUMN_TERM_END)
    return _roll(today, None, lambda y: dt.date(y, *AUTUMN_TERM_END))


def _span(today: dt.date, value: float, unit: str) -> _Hit:
    """Deadline at the end of a span counted from today ("X内" and "X后" alike)."""
    whole, half = int(value), value % 1 >= 0.5
    if unit == "day":
        return today + dt.timedelta(days=math.ceil(value)), False
    if unit == "hour":  # 48小时内: a deadline is a day, so round the hours up to days
        return today + dt.timedelta(days=math.ceil(value / 24)), False
    if unit == "week":
        return today + dt.timedelta(days=math.ceil(value * 7)), False
    if unit == "month":  # 三个月内: same day three months on, not the end of that month
        return _add_months(today, whole) + dt.timedelta(days=15 if half else 0), False
    if unit == "year":
        return _add_months(today, 12 * whole + (6 if half else 0)), False
    # Working days by the official calendar; past its published years we refuse, not guess.
    try:
        return add_workdays(today, math.ceil(value)), False
    except CalendarUnknown as exc:
        known = f"{exc.known.start}-{exc.known.stop - 1}"
        raise _Refused("calendar_unknown", year=exc.year, known=known) from None


# --------------------------------------------------------------------------------------------
# Numbers


@functools.cache
def _cn2an() -> Callable[..., object]:
    import cn2an  # lazy: the import alone takes ~80 ms; warm_up() pays it at start

    return cn2an.cn2an


def _num(s: str) -> int:
    """'12', '十二', '两', '二〇二五' -> int."""
    if s.isascii() and s.isdigit():
        return int(s)
    try:
        return int(_cn2an()(s.replace("〇", "零"), "smart"))  # type: ignore[call-overload]
    except Exception as exc:  # cn2an raises assorted errors for malformed numerals ("十十")
        raise _Invalid("number", number=s) from exc


_YEAR_OFFSET = {
    "今": 0, "本": 0, "明": 1, "来": 1, "次": 1, "下": 1, "下一": 1,
    "后": 2, "去": -1, "上": -1, "上一": -1, "前": -2,
}  # fmt: skip
_REL_OFFSET = {"本": 0, "这": 0, "今": 0, "当": 0, "下": 1, "下一": 1, "下下": 2, "上": -1}
_WEEKDAY_ZH = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6, "末": 6}
_WEEKDAY_ZH |= {str(i + 1): i for i in range(7)}  # 周5; 周7 = Sunday
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_EN_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_EN_ORDINALS |= {"fourth": 4, "4th": 4}
_EN_MONTH = {name[:3].lower(): i + 1 for i, name in enumerate(MONTHS_EN)}
_EN_WEEKDAY = {name[:3].lower(): i for i, name in enumerate(WEEKDAYS_EN)}


def _rel(word: str | None) -> int:
    """本/这个/下个/下下/上个 -> week, month or quarter offset."""
    return _REL_OFFSET[word.replace("个", "")] if word else 0


def _year(m: re.Match[str], today: dt.date) -> int | None:
    """Year from the shared Chinese year fragment: 2025年, 25年, 二〇二五年, 明年."""
    if m["y"]:
        y = _num(m["y"])
        return 2000 + y if len(m["y"]) == 2 else y  # 25年 = 2025
    if m["yr"]:
        return today.year + _YEAR_OFFSET[m["yr"]]
    return None


def _en_year(*groups: str | None) -> int | None:
    for g in groups:
        if g:
            return int(g)
    return None


# --------------------------------------------------------------------------------------------
# Handlers, one per rule. Each gets the full match and returns (date, ambiguous), or None when
# the match turns out not to be its kind ("3月内" looks like a span but is March).


def _h_ymd(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _make_date(int(m["y"]), int(m["m"]), int(m["d"])), False


def _h_numeric_dm(m: re.Match[str], ctx: _Ctx) -> _Hit:
    a, b = int(m["a"]), int(m["b"])
    year = None if m["y"] is None else int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
    # "6.30" with no year is the Chinese month.day shorthand; otherwise day first (30/6/2022).
    month_first = m["sep"] == "." and year is None
    if a > 12 >= b:  # only one order gives a real date: use it
        month_first = False
    elif b > 12 >= a:
        month_first = True
    ambiguous = a <= 12 and b <= 12 and a != b
    month, day = (a, b) if month_first else (b, a)
    if year is None:
        return _next_month_day(ctx.today, month, day), ambiguous
    return _make_date(year, month, day), ambiguous


def _h_quarter_compact(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _month_end(int(m["y"]), 3 * int(m["q"])), False


def _h_day_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    offset = {"今": 0, "当": 0, "即": 0, "明": 1, "后": 2, "大": 3}[m["w"][0]]
    return ctx.today + dt.timedelta(days=offset), False


_ZH_UNIT = {
    "天": "day", "日": "day", "小时": "hour", "周": "week", "星期": "week", "礼拜": "week",
    "月": "month", "年": "year", "工作日": "workday",
}  # fmt: skip


def _h_span_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    unit = _ZH_UNIT[m["unit"]]
    if not (m["n"] or m["half"]):
        return None
    if unit == "month" and not (m["ge"] or m["half"]):
        return None  # "3月内" / "一月" name a month, spans need 个: 三个月内
    if m["unit"] == "日" and not m["suf"]:
        return None  # "3日" is the 3rd; "3日内" is a span
    value = (_num(m["n"]) if m["n"] else 0) + (0.5 if m["half"] else 0)
    if unit == "year" and value >= 20:
        return None  # "25年" is the year 2025: spans of 20+ years are no deadlines
    return _span(ctx.today, value, unit)


def _h_week_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    rel, wd = m["rel"], m["wd"]
    if rel is None and wd is None and not m["end"]:
        return None  # "周" alone
    day = _WEEKDAY_ZH[wd] if wd else 6  # 本周 / 下周 / 周内 without a day: that week's Sunday
    if rel is None and wd != "末" and wd is not None:
        # Bare weekday: the nearest one, today included; could mean next week's, so confirm.
        return _nearest_weekday(ctx.today, day), True
    d = _monday(ctx.today) + dt.timedelta(weeks=_rel(rel), days=day)
    return d, ctx.before and wd is None and not m["end"]  # "下周前": before it starts?


def _h_half_year_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    month = 6 if m["h"] == "上" or m["mid"] else 12
    return _roll(ctx.today, _year(m, ctx.today), lambda y: _month_end(y, month)), False


def _h_quarter_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    q = _num(m["q"] or m["qq"])
    d = _roll(ctx.today, _year(m, ctx.today), lambda y: _month_end(y, 3 * q))
    return d, ctx.before and not m["end"]


def _quarter_end(today: dt.date, offset: int) -> dt.date:
    current_end_month = 3 * ((today.month - 1) // 3) + 3
    return _month_end(*_shift_month(today.year, current_end_month, 3 * offset))


def _h_quarter_rel_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if m["rel"] is None and not m["end"]:
        return None
    year = _year(m, ctx.today)
    if year is not None and (year != ctx.today.year or m["rel"]):
        # 今年季度末 is this quarter's end; 明年季度末 names no quarter, and we do not pick one.
        raise _Refused("quarter_unsaid", year=year)
    return _quarter_end(ctx.today, _rel(m["rel"])), ctx.before and not m["end"]


def _h_term_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    end = _term_end_on_or_after(ctx.today)
    if m["rel"] and m["rel"].startswith("下"):
        end = _following_term_end(end)
    return end, False


def _h_season_term_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _season_term_end(ctx.today, _year(m, ctx.today), m["s"] == "春"), False


def _h_school_year_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    end = _roll(ctx.today, None, lambda y: dt.date(y, *SPRING_TERM_END))
    if m["rel"] and m["rel"].startswith("下"):
        end = end.replace(year=end.year + 1)
    return end, False


def _h_holiday_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    # 寒假前 = by the end of the autumn term, 暑假前 = by the end of the spring term.
    month_day = AUTUMN_TERM_END if m["h"] == "寒假" else SPRING_TERM_END
    return _roll(ctx.today, None, lambda y: dt.date(y, *month_day)), False


# Festivals: "X前" is the eve of the festival day (see the module docstring).
_FESTIVAL_ZH = {
    "元旦": Festival.NEW_YEAR, "元旦节": Festival.NEW_YEAR,
    "春节": Festival.SPRING_FESTIVAL, "过年": Festival.SPRING_FESTIVAL,
    "清明": Festival.QINGMING, "清明节": Festival.QINGMING,
    "五一": Festival.LABOUR_DAY, "劳动节": Festival.LABOUR_DAY, "五一劳动节": Festival.LABOUR_DAY,
    "五一国际劳动节": Festival.LABOUR_DAY,
    "端午": Festival.DRAGON_BOAT, "端午节": Festival.DRAGON_BOAT,
    "中秋": Festival.MID_AUTUMN, "中秋节": Festival.MID_AUTUMN,
    "国庆": Festival.NATIONAL_DAY, "国庆节": Festival.NATIONAL_DAY,
}  # fmt: skip
_FESTIVAL_EN = {  # by the first word of the English name
    "national": Festival.NATIONAL_DAY, "new": Festival.NEW_YEAR, "may": Festival.LABOUR_DAY,
    "labour": Festival.LABOUR_DAY, "labor": Festival.LABOUR_DAY,
    "spring": Festival.SPRING_FESTIVAL, "chinese": Festival.SPRING_FESTIVAL,
    "lunar": Festival.SPRING_FESTIVAL, "qingming": Festival.QINGMING, "tomb": Festival.QINGMING,
    "dragon": Festival.DRAGON_BOAT, "mid": Festival.MID_AUTUMN,
}  # fmt: skip



def _festival_eve(today: dt.date, year: int | None, festival: Festival) -> dt.date:
    def build(y: int) -> dt.date:
        if not 1900 <= y <= today.year + MAX_YEARS_AHEAD:
            # Absurd years: no festival arithmetic, a day the caller refuses anyway (year 0
            # is refused as invalid here, as for 0000年底).
            return _make_date(y, 1, 1)
        return festival_date(festival, y) - dt.timedelta(days=1)

    return _roll(today, year, build)


def _h_festival_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    if m["after"]:
        raise _Refused("start_not_deadline")  # 国庆后: work starts then; no end is said
    d = _festival_eve(ctx.today, _year(m, ctx.today), _FESTIVAL_ZH[m["fest"]])
    return d, not ctx.before  # bare "国庆": by the eve, or on the day itself?


def _h_festival_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    if m["after"]:
        raise _Refused("start_not_deadline")
    festival = _FESTIVAL_EN[re.split(r"[ -]", m["fest"], maxsplit=1)[0]]
    return _festival_eve(ctx.today, _en_year(m["y"]), festival), not ctx.before


def _h_start_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    raise _Refused("start_not_deadline")  # 即日起, 节后, 年后


def _h_vague_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """年前 and 节前: understood, but the festival is not said, so refused, not guessed."""
    if not ctx.before:
        return None
    if m["w"] == "年":
        raise _Refused("new_year_unclear")
    raise _Refused("festival_unsaid")


def _h_not_a_date(m: re.Match[str], ctx: _Ctx) -> _Hit:
    raise _Refused("not_a_date")


def _h_month_day_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    day = _num(m["d"])
    year: int | None
    if m["mrel"]:  # 下个月15号, 本月20日: that month exactly, no rolling over
        year, month = _shift_month(ctx.today.year, ctx.today.month, _rel(m["mrel"]))
        return _make_date(year, month, day), False
    year, month = _year(m, ctx.today), _num(m["mon"])
    if year is None:
        return _next_month_day(ctx.today, month, day), False
    return _make_date(year, month, day), False


def _h_day_only(m: re.Match[str], ctx: _Ctx) -> _Hit:
    """15号: the next 15th, today included; 31号 skips months without a 31st."""
    day = _num(m["d"])
    if not 1 <= day <= 31:
        raise _Invalid("no_day", day=day)
    year, month = ctx.today.year, ctx.today.month
    while not (day <= _days_in(year, month) and dt.date(year, month, day) >= ctx.today):
        year, month = _shift_month(year, month, 1)
    return dt.date(year, month, day), False


# Position inside a month; anything else (底, 末, 内, 下旬, nothing) is the month's last day.
_MONTH_POSITION = {"上旬": 10, "中": 15, "中旬": 20}


def _h_month_period_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    end = m["end"]

    def build(y: int, month: int) -> dt.date:
        return dt.date(y, month, _MONTH_POSITION.get(end or "", _days_in(y, month)))

    if m["mrel"]:
        d = build(*_shift_month(ctx.today.year, ctx.today.month, _rel(m["mrel"])))
    elif m["mon"]:
        month = _num(m["mon"])
        _check_month(month)
        d = _roll(ctx.today, _year(m, ctx.today), lambda y: build(y, month))
    elif end:  # 月底: this month
        d = build(ctx.today.year, ctx.today.month)
    else:
        return None
    return d, ctx.before and end is None  # "6月前": before June starts, or by its end?


def _h_ten_days_zh(m: re.Match[str], ctx: _Ctx) -> _Hit:
    """A bare 上旬/中旬/下旬: this month's, or next month's once it has passed."""
    y, mo = ctx.today.year, ctx.today.month
    day = _MONTH_POSITION.get(m["end"]) or _days_in(y, mo)
    if day < ctx.today.day:
        y, mo = _shift_month(y, mo, 1)
        day = _MONTH_POSITION.get(m["end"]) or _days_in(y, mo)
    return dt.date(y, mo, day), False


def _h_year_period_zh(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    year, end = _year(m, ctx.today), m["end"]
    if year is None and end is None:
        return None  # "年" alone; 年前 (元旦 or 春节?) is refused by the next rule
    return _make_date(year or ctx.today.year, 12, 31), ctx.before and end is None


def _h_today_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    w = m["w"]
    offset = 2 if "after" in w else 1 if w == "tomorrow" else 0
    return ctx.today + dt.timedelta(days=offset), False


def _h_span_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    n = int(m["n"]) if m["n"].isdigit() else _EN_NUMBERS[m["n"]]
    unit = m["unit"]
    if unit.startswith(("business", "working")):
        return _span(ctx.today, n, "workday")
    if unit.startswith("fortnight"):
        return _span(ctx.today, 2 * n, "week")
    return _span(ctx.today, n, unit.rstrip("s"))


def _h_weekday_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    day = _EN_WEEKDAY[m["wd"][:3]]
    nearest = _nearest_weekday(ctx.today, day)
    if m["wk"]:  # "friday next week" says which week: not ambiguous
        return _monday(ctx.today) + dt.timedelta(
            weeks=1 if m["wk"] == "next" else 0, days=day
        ), False
    rel = m["rel"] or ""
    if rel.endswith(("next", "following")):
        # Read like 下周五 (Friday of next week); ambiguous when the nearest Friday differs.
        d = _monday(ctx.today) + dt.timedelta(weeks=1, days=day)
        return d, d != nearest
    return nearest, not rel  # "this/coming friday" is clear; bare "friday" is not


def _h_period_en(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    rel = (m["rel"] or "").removeprefix("the ")
    if not (m["endof"] or rel or m["endsuf"]):
        return None  # bare "month" / "year"
    return _period_end(ctx.today, m["unit"], 1 if rel == "next" else 0), False


def _period_end(today: dt.date, unit: str, offset: int) -> dt.date:
    if unit == "week":
        return _monday(today) + dt.timedelta(weeks=offset, days=6)
    if unit == "month":
        return _month_end(*_shift_month(today.year, today.month, offset))
    if unit == "quarter":
        return _quarter_end(today, offset)
    if unit == "year":
        return dt.date(today.year + offset, 12, 31)
    if unit in ("term", "semester"):
        end = _term_end_on_or_after(today)
        return _following_term_end(end) if offset else end
    end = _roll(today, None, lambda y: dt.date(y, *SPRING_TERM_END))  # school/academic year
    return end.replace(year=end.year + offset)


_EN_ABBR = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}


def _h_weekend_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    if m["abbr"]:
        return _period_end(ctx.today, _EN_ABBR[m["abbr"]], 0), False
    return _period_end(ctx.today, "week", 1 if m["rel"] == "next" else 0), False


def _h_quarter_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    q = int(m["q"]) if m["q"] else _EN_ORDINALS[m["qw"]]
    d = _roll(ctx.today, _en_year(m["y1"], m["y2"]), lambda y: _month_end(y, 3 * q))
    return d, ctx.before and not (m["endof"] or m["endsuf"])


def _h_half_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    month = 6 if m["h"] == "1" or m["hw"] == "first" else 12
    return _roll(ctx.today, _en_year(m["y1"], m["y2"]), lambda y: _month_end(y, month)), False


def _h_season_term_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    year = _en_year(m["y1"], m["y2"])
    return _season_term_end(ctx.today, year, m["s"] == "spring"), False


def _h_month_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    month = _EN_MONTH[m["mname"][:3]]
    d = _roll(ctx.today, _en_year(m["y"]), lambda y: _month_end(y, month))
    return d, ctx.before and not (m["endof"] or m["endsuf"])


def _h_month_day_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    month, day, year = _EN_MONTH[m["mname"][:3]], int(m["d"]), _en_year(m["y"])
    if year is None:
        return _next_month_day(ctx.today, month, day), False
    return _make_date(year, month, day), False


def _h_year_en(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _make_date(int(m["y"]), 12, 31), ctx.before and not m["endof"]


# --------------------------------------------------------------------------------------------
# The rule table. Tried in order on the cleaned text (NFKC, lower case, affixes stripped) with
# fullmatch, so patterns need no anchors. "any" rules are digits only and serve both languages.

_CN = "零〇一二两三四五六七八九十"
# Year: 2025年, 25年, 二〇二五年, 今年/明年/后年/下一年... Named groups y / yr, read by _year().
_YEAR = r"(?:(?P<y>\d{4}|\d{2}|[零〇一二三四五六七八九]{4})|(?P<yr>今|本|明|来|次|下一?|后|去|上一?|前))年"
_MON = r"(?P<mon>\d{1,2}|[一二三四五六七八九十]{1,3})月份?"  # 13月 matches, then is refused
_MREL = r"(?P<mrel>本|这个?|当|下下个?|下个?|上个?)月"
_DAY = r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,4})"
_TERM_END = r"(?:末|底|内|期末)?"

_EN_MONTH_RE = (
    r"(?P<mname>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_EN_WD_RE = (
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)\.?"
)
_EN_END_OF = r"(?P<endof>(?:the )?end of (?:the )?)?"
_EN_END_SUF = r"(?P<endsuf> ?-?end)?"
_EN_N = r"(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


class _Rule(NamedTuple):
    lang: str  # "zh", "en" or "any"
    pattern: re.Pattern[str]
    handler: _Handler


def _rule(lang: str, regex: str, handler: _Handler) -> _Rule:
    return _Rule(lang, re.compile(regex), handler)


_RULES: list[_Rule] = [
    # --- digits: 2025-06-30, 2025/6/30, 2025.6.30, 20250630, 30/6/2022, 6.30, 30/6, 2025q3
    _rule("any", r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})", _h_ymd),
    _rule("any", r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", _h_ymd),
    _rule(
        "any",
        r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?",
        _h_numeric_dm,
    ),
    _rule("any", r"(?P<y>\d{4}) ?-?q(?P<q>[1-4])", _h_quarter_compact),
    # --- Chinese
    # 今天, 明天, 后天, 大后天, 当天
    _rule("zh", r"(?P<w>今天|今日|当天|当日|即日|明天|明日|后天|大后天)内?", _h_day_zh),
    # Spans: 两周后, 三个月内, 10天内, 半个月内, 一个半月, 一年内, 5个工作日内, 48小时内
    _rule(
        "zh",
        rf"(?P<n>\d{{1,3}}|[{_CN}百]{{1,6}})?(?P<half>个半|半)?(?P<ge>个)?"
        r"(?P<unit>工作日|小时|天|日|周|星期|礼拜|月|年)(?P<suf>内|后|之后|以后|过后)?",
        _h_span_zh,
    ),
    # Weeks: 本周五, 这个周五, 下周五, 下下周一, 周五, 星期五, 礼拜天, 本周, 下周内, 周末
    _rule(
        "zh",
        r"(?P<rel>本|这个?|今|下下个?|下一?个?|上个?)?(?:周|星期|礼拜|週)"
        r"(?P<wd>[一二三四五六日天末1-7])?(?P<end>内)?",
        _h_week_zh,
    ),
    # Half years: 上半年, 下半年, 2022年上半年, 明年上半年, 年中
    _rule("zh", rf"(?:{_YEAR})?(?:(?P<h>上|下)半年|(?P<mid>年中))(?:末|底|内)?", _h_half_year_zh),
    # Quarters: 一季度, 第一季度末, 三季末, 2023年Q2, q3前
    _rule(
        "zh",
        rf"(?:{_YEAR})?(?:第?(?P<q>[一二三四1-4])季度?|q(?P<qq>[1-4]))(?P<end>末|底|内)?",
        _h_quarter_zh,
    ),
    # 本季度, 下季度末, 季度末, 今年季度末
    _rule(
        "zh",
        rf"(?:{_YEAR})?(?P<rel>本|这个?|当|下一?个?|上个?)?季度?(?P<end>末|底|内)?",
        _h_quarter_rel_zh,
    ),
    # School terms: 本学期末, 学期末, 本学期, 下学期末, 期末
    _rule("zh", rf"(?:(?P<rel>本|这个?|当前|下一?个?)?学期{_TERM_END}|期末)", _h_term_zh),
    # 春季学期, 秋学期末, 2025年春季学期, 2025年秋季学期 (ends January 2026)
    _rule("zh", rf"(?:{_YEAR})?(?P<s>春|秋)季?学期{_TERM_END}", _h_season_term_zh),
    # 本学年, 学年末, 下学年
    _rule("zh", r"(?P<rel>本|这个?|当前|下一?个?)?学年(?:末|底|内)?", _h_school_year_zh),
    # 寒假前, 暑假前 (前 already stripped)
    _rule("zh", r"(?P<h>寒假|暑假)", _h_holiday_zh),
    # Festivals: 国庆前, 国庆节前, 2023年春节前, 明年中秋前; 国庆后 is refused (a start)
    _rule(
        "zh",
        rf"(?:{_YEAR})?(?P<fest>{'|'.join(sorted(_FESTIVAL_ZH, key=len, reverse=True))})"
        r"(?:假期|长假|小长假|放假)?(?P<after>后|之后|以后|过后)?",
        _h_festival_zh,
    ),
    # Starts, not deadlines: 即日起, 自即日起, 节后, 年后, 节假日后
    _rule("zh", r"(?:(?:自|从)?即日起|(?:年|节|节假日|假期|长假)(?:后|之后|以后|过后))", _h_start_zh),
    # Not dates at all: 尽快, 长期坚持, 另行通知, 待定
    _rule(
        "zh",
        r"(?:请|务必|要|应|须|需)?(?:尽快|尽早|抓紧|及早|长期|持续|常态化|另行通知|另行安排|待定"
        r"|视情况)(?:坚持|推进|开展|进行|为准|而定)?",
        _h_not_a_date,
    ),
    # Month and day: 6月30日, 6月30号, 6月30, 十二月三十一日, 二〇二五年六月三十日, 下个月15号
    _rule("zh", rf"(?:{_YEAR})?(?:{_MON}|{_MREL}){_DAY}(?:日|号)?内?", _h_month_day_zh),
    # Day only: 15号, 三十日, 15号内 (but "15日内" is a span, caught above)
    _rule("zh", rf"{_DAY}(?:日|号内?)", _h_day_only),
    # 上旬, 中旬, 下旬 alone
    _rule("zh", r"(?P<end>上旬|中旬|下旬)", _h_ten_days_zh),
    # Month periods: 6月, 6月底, 6月末, 6月份, 本月底, 下月底, 月底, 2025年6月底, 6月中旬
    _rule(
        "zh",
        rf"(?:{_YEAR})?(?:{_MON}|{_MREL}|月)(?P<end>底|末|终|内|上旬|中旬|下旬|中)?",
        _h_month_period_zh,
    ),
    # Years: 年底, 年末, 年内, 2025年底, 明年底, 今年年底, 今年年内, 2025年, 今年, 本年度
    _rule(
        "zh",
        rf"(?:{_YEAR}|年)(?:度|年(?=[底末终内]))?(?P<end>底|末|终|内)?",
        _h_year_period_zh,
    ),
    # 年前 (which new year?), 节前 (which festival?): refused
    _rule("zh", r"(?P<w>年|节|节日|节假日|假期|长假|放假)", _h_vague_zh),
    # --- English (lower case, single spaces; by/before/due... already stripped)
    _rule(
        "en",
        r"(?P<w>today|tonight|eod|cob|end of (?:the )?day|close of business|tomorrow"
        r"|(?:the )?day after tomorrow)",
        _h_today_en,
    ),
    # in 2 weeks, within 10 days, 3 business days, a fortnight, two months from now
    _rule(
        "en",
        rf"(?:(?:in|within)(?: the next)? )?{_EN_N} (?P<unit>(?:business |working )?days?"
        r"|weeks?|fortnights?|months?|years?)(?:'?s? time)?(?: from (?:now|today)| later)?",
        _h_span_en,
    ),
    # friday, this friday, next friday, friday next week
    _rule(
        "en",
        rf"(?:(?P<rel>this|next|coming|the coming|following|the following) )?{_EN_WD_RE}"
        r"(?: (?P<wk>this|next) week)?",
        _h_weekday_en,
    ),
    _rule("en", r"(?:(?:(?P<rel>this|next) )?weekend|(?P<abbr>eow|eom|eoq|eoy))", _h_weekend_en),
    # before national day, before the spring festival 2027, after may day (refused)
    _rule(
        "en",
        r"(?P<after>after (?:the )?)?(?P<fest>national day|new year['’]?s(?: day)?|may day"
        r"|labou?r day|spring festival|(?:chinese|lunar) new year|qingming(?: festival)?"
        r"|tomb[- ]sweeping(?: day| festival)?|dragon boat(?: festival)?"
        r"|mid[- ]?autumn(?: festival)?)(?: holidays?| break)?(?:,? (?P<y>\d{4}))?",
        _h_festival_en,
    ),
    # not dates: asap, ongoing, until further notice, tbd
    _rule(
        "en",
        r"asap|as soon as possible|on-?going|long[- ]term|until further notice|tb[acd]"
        r"|to be (?:decided|determined|confirmed|announced|advised)",
        _h_not_a_date,
    ),
    # end of month, end of the year, this week, next month, month-end, end of term
    _rule(
        "en",
        rf"{_EN_END_OF}(?:(?P<rel>this|next|current|the current|coming) )?"
        rf"(?P<unit>week|month|quarter|year|term|semester|school year|academic year)"
        rf"{_EN_END_SUF}",
        _h_period_en,
    ),
    # q3, q3 2025, end of q3, third quarter of 2025
    _rule(
        "en",
        rf"{_EN_END_OF}(?:(?P<y1>\d{{4}}) ?-?)?(?:q(?P<q>[1-4])|(?P<qw>first|second|third"
        rf"|fourth|1st|2nd|3rd|4th) quarter)(?: (?:of )?(?P<y2>\d{{4}}))?{_EN_END_SUF}",
        _h_quarter_en,
    ),
    # h1, h2 2025, first half of the year
    _rule(
        "en",
        r"(?:(?P<y1>\d{4}) ?-?)?(?:h(?P<h>[12])|(?P<hw>first|second) half"
        r"(?: of (?:the )?year)?)(?: (?:of )?(?P<y2>\d{4}))?",
        _h_half_en,
    ),
    # spring term, end of the autumn semester 2025
    _rule(
        "en",
        rf"{_EN_END_OF}(?:(?P<y1>\d{{4}}) )?(?P<s>spring|autumn|fall) (?:term|semester)"
        r"(?: (?P<y2>\d{4}))?",
        _h_season_term_en,
    ),
    # end of june, june, june 2025
    _rule("en", rf"{_EN_END_OF}{_EN_MONTH_RE}(?:,? (?P<y>\d{{4}}))?{_EN_END_SUF}", _h_month_en),
    # 30 june, 30th of june 2025, 30-jun-2025, june 30, june 30th, 2025
    _rule(
        "en",
        rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?: of)?[ /-]?{_EN_MONTH_RE}"
        r"(?:,?[ /-]?(?P<y>\d{4}))?",
        _h_month_day_en,
    ),
    _rule(
        "en",
        rf"{_EN_MONTH_RE}[ /-]?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?",
        _h_month_day_en,
    ),
    # 2025, end of 2025
    _rule("en", rf"{_EN_END_OF}(?P<y>\d{{4}})", _h_year_en),
    # the 15th
    _rule("en", r"(?P<d>\d{1,2})(?:st|nd|rd|th)", _h_day_only),
]

# Which texts each rule serves, and the rules for each kind of text, by dict lookup (the house
# style: no comparisons of language codes).
_SERVES = {"zh": ("zh",), "en": ("en",), "any": ("zh", "en")}
_RULES_FOR = {
    lang: tuple((r.pattern, r.handler) for r in _RULES if lang in _SERVES[r.lang])
    for lang in ("zh", "en")
}
_TEXT_LANG = {True: "zh", False: "en"}  # keyed by "the text holds Chinese characters"


# --------------------------------------------------------------------------------------------
# Cleaning: words around the date that never change it


_CJK = re.compile(r"[\u3007\u4e00-\u9fff]")
_EDGE_PUNCT = " \t\r\n。．.,，;；!！?？、:：“”\"'‘’「」『』《》"
_ZH_PREFIX = re.compile(
    r"(?:(?:自|从)?即日起(?:至|到|截至|截止)|截止日期|截止时间|截至日期|截至时间|完成时限|完成时间|截止到|截至到|截止|截至|期限|时限"
    r"|不晚于|不迟于|最迟于|最迟在|最迟|最晚于|最晚在|最晚|务必于|务必在|须于|须在|需于|需在"
    r"|请于|请在|应于|应在|要于|要在|力争于|力争在|力争|争取于|争取在|争取|计划于|计划在"
    r"|预计于|预计在|预计|于|在|到|至|限)[:]?"
)
# 内 only after a digit ("2025-06-30以内"); elsewhere it belongs to the rule (年内, 3日内).
_ZH_SUFFIX = re.compile(
    r"(?:之前|以前|前|截止|截至|为止|止|完成|办结|结束|到期|上报|报送|提交|(?<=\d)内)$"
)
_ZH_BEFORE = frozenset({"之前", "以前", "前"})
# Lead-in words: what officials put before a date without changing it. A class, not a list of
# phrases: hedges (原则上, 一般, 暂定), modal and planning verbs (将, 应, 须, 拟, 计划, 力争, 确保)
# and prepositions of time (于, 在, 定于), in any combination ("原则上应于", "拟定于", "计划将在"):
# the cleaning loop strips them one by one.
_ZH_LEAD = re.compile(
    r"(?:原则上|原则|一般来说|一般|通常|大致|大约|基本上|基本|初步|暂定|暂|初定|预定|拟定|拟|将要|将"
    r"|必须|务必|确保|应当|应该|应|须|需要|需|要|可以|可|会|能|计划|预计|力争|争取|定|统一|均|全部"
    r"|各单位|各部门|请各|请|于|在)[:]?"
)
# Times of day do not change a deadline day: 6月30日24时前, 6月30日24:00时前, 周五下午5点,
# 17:30, 明天下班前.
_ZH_TIME = re.compile(
    r"(?:(?:上午|下午|晚上|中午|早上|凌晨|傍晚)?(?:\d{1,2}|[零一二两三四五六七八九十]{1,3})"
    r"(?:[:∶]\d{2}(?:[:∶]\d{2})?(?:时|点|分)?|[点时](?:\d{1,2}分?|半|整|钟)?)"
    r"|下班|上班|中午|晚上|上午|下午|当天|当日)$"
)
_ZH_WEEKDAY_NOTE = re.compile(r"\((?:星期|周|礼拜)(?P<wd>[一二三四五六日天])\)")
_EN_PREFIX = re.compile(
    r"(?:(?P<before>before|prior to)|by|until|till|due(?: by| on| date)?|deadline|no later than"
    r"|not later than|on or before|(?:at the )?latest by|on|the)\b:? *"
)
# English lead-ins, as a class: hedges ("in principle", "tentatively"), modal and planning verbs
# ("will", "should be", "is expected to be completed") and "at"/"around" before the date.
_EN_LEAD = re.compile(
    r"(?:in principle|in general|generally|normally|usually|tentatively|provisionally|roughly"
    r"|approximately|around|about|at|will|shall|should|must|would|can|to|be|is|are|get|got"
    r"|(?:is |are )?(?:expected|planned|scheduled|set|due|aimed|targeted|hoped)(?: to| for)?"
    r"|(?:be )?(?:done|completed|finished|delivered|submitted|ready|closed))\b:? *"
)
_EN_SUFFIX = re.compile(
    r"(?:^| )(?:at the latest|latest|eod|cob|end of (?:the )?day|close of business|(?:at )?"
    r"(?:\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}(?::\d{2})?|noon|midnight))$"
)
_EN_WEEKDAY_NOTE = re.compile(rf"\({_EN_WD_RE}\)")  # "30 june (thu)"
_EN_WEEKDAY_LEAD = re.compile(  # "thu, 30 june", "thu 2022-06-30"; not "friday next week/5pm"
    rf"^{_EN_WD_RE},? (?=\d{{1,4}}[-/.]\d|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?[a-z]{{3}}"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_EN_WORD = re.compile(r"[a-z]{2,}")
_LEADING = (_ZH_PREFIX, _ZH_LEAD, _EN_PREFIX, _EN_LEAD)  # matched at the start, the rest at the end


class _Cleaned(NamedTuple):
    text: str
    is_zh: bool
    before: bool
    stated_weekday: int | None  # from "6月30日(星期四)" / "Thu, 30 June"


def _clean(raw: str) -> _Cleaned:
    s = unicodedata.normalize("NFKC", raw).lower()  # full-width digits, （）, ／ -> ASCII
    is_zh = bool(_CJK.search(s))
    if is_zh:  # 以内/之内 = 内 ("三个月以内"); spaces carry no meaning in Chinese
        s = _simplified(re.sub(r"\s+", "", s)).replace("以内", "内").replace("之内", "内")
    else:
        s = " ".join(s.split())
    note = (
        _ZH_WEEKDAY_NOTE.search(s)
        if is_zh
        else (_EN_WEEKDAY_NOTE.search(s) or _EN_WEEKDAY_LEAD.search(s))
    )
    stated = None
    if note:
        wd = note["wd"]
        stated = _WEEKDAY_ZH[wd] if is_zh else _EN_WEEKDAY[wd[:3]]
        s = s[: note.start()] + s[note.end() :]
    strippers = ((_ZH_PREFIX, _ZH_LEAD, _ZH_SUFFIX, _ZH_TIME) if is_zh
                 else (_EN_PREFIX, _EN_LEAD, _EN_SUFFIX))
    before = False
    while True:  # strip until nothing changes: "在6月30日24时前完成" takes four rounds
        old = s
        s = s.strip(_EDGE_PUNCT)
        for pat in strippers:
            m = pat.match(s) if pat in _LEADING else pat.search(s)
            if m is None or m.end() - m.start() >= len(s):
                continue  # never strip everything: "当天" alone is the date itself
            if is_zh:
                before |= m.group() in _ZH_BEFORE
            elif pat is _EN_PREFIX:
                before |= m["before"] is not None
            s = (s[: m.start()] + s[m.end() :]).strip()
        if s == old:
            return _Cleaned(s, is_zh, before, stated)


@functools.cache
def _t2s() -> Callable[[str], str]:
    import opencc  # lazy: ~8 ms to load its dictionaries; warm_up() pays it at start

    return opencc.OpenCC("t2s").convert


def _simplified(text: str) -> str:
    """Traditional characters as simplified ones (下週五, 三個月內, 國慶節前, 於): every rule then
    reads both, and no rule needs a traditional twin. Only called on Chinese text."""
    return _t2s()(text)


# An explicit date in brackets after a phrase ("下周五（6月30日）前", "next Friday (30 June)"):
# the explicit date wins. A bracketed weekday ("6月30日（星期四）") is a note on the date before it
# and is read by _clean, since a bare weekday is no explicit date.
_BRACKET = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]{1,40})[)\]】〕]")


def _bracketed(text: str, today: dt.date) -> _Hit | None:
    """(the bracketed explicit date, whether the words around it name another day), or None."""
    s = unicodedata.normalize("NFKC", text)
    m = _BRACKET.search(s)
    if m is None:
        return None
    inner = _clean(m[1])
    try:
        hit = _read(inner, _Ctx(today, inner.before))
    except _Refused:  # "（待定）", "（即日起）": no explicit date
        return None
    if hit is None or hit[1]:
        return None
    outer = _clean(s[: m.start()] + s[m.end() :])
    if not outer.text:
        return hit
    try:
        around = _read(outer, _Ctx(today, outer.before))
    except (_Invalid, _Refused):
        around = None
    if around is None:
        return None  # the words around it are no date phrase: "(6月30日) 经费未到位" is no deadline
    return hit[0], around[0] != hit[0]


def _unbracketed(text: str, today: dt.date) -> _Hit | None:
    """A date followed by a bracketed remark that is no date ("6月30日前（含当日）")."""
    s = unicodedata.normalize("NFKC", text)
    m = _BRACKET.search(s)
    if m is None:
        return None
    outer = _clean(s[: m.start()] + s[m.end() :])
    return _read(outer, _Ctx(today, outer.before)) if outer.text else None


# --------------------------------------------------------------------------------------------
# dateparser: last resort for English phrasings the rules do not know


@functools.cache
def _dateparser() -> Callable[..., dt.datetime | None]:
    import dateparser  # lazy: import plus the English data take ~100-300 ms; see warm_up()

    return dateparser.parse


_DATEPARSER_SETTINGS = {
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DAY_OF_MONTH": "last",  # "june" -> 30 June: a deadline is a period's last day
    "PREFER_MONTH_OF_YEAR": "last",
    "PARSERS": ["relative-time", "absolute-time"],  # no timestamps: "1700000000" is no date
}


def _via_dateparser(text: str, today: dt.date) -> _Hit | None:
    base = dt.datetime.combine(today, dt.time(12))  # noon: no day shift at either edge
    got = _dateparser()(
        text, languages=["en"], settings={**_DATEPARSER_SETTINGS, "RELATIVE_BASE": base}
    )
    return None if got is None else (got.date(), True)  # unvetted reading: ask to confirm


def _read(cleaned: _Cleaned, ctx: _Ctx) -> _Hit | None:
    for pattern, handler in _RULES_FOR[_TEXT_LANG[cleaned.is_zh]]:
        m = pattern.fullmatch(cleaned.text)
        if m is not None and (hit := handler(m, ctx)) is not None:
            return hit
    if not cleaned.is_zh and _EN_WORD.search(cleaned.text):
        return _via_dateparser(cleaned.text, ctx.today)
    return None  # unknown Chinese is refused, never guessed


# --------------------------------------------------------------------------------------------
# Public entry points


def _unreadable(shown: str) -> DeadlineError:
    return DeadlineError("date.unreadable", shown=shown)


def parse_deadline(text: str, now: dt.datetime) -> Deadline:
    """Read `text` as a deadline relative to `now` (timezone-aware; its own local date counts).

    Raises DeadlineError (a ValueError; .zh and .en apart, str() both, Chinese first) for empty
    or unreadable text, impossible dates (2月30日), dates before today, phrases that are no
    deadline (尽快, 国庆后) and working-day counts beyond the published holiday calendar.
    TypeError is for programming errors only (text not a str, naive now).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        # A naive now on a UTC server would silently shift "today" by 8 hours.
        raise TypeError("now must be timezone-aware (e.g. Asia/Shanghai)")
    today = now.date()
    shown = text.strip()
    if len(shown) > 30:
        shown = shown[:30] + "…"
    if not shown:
        raise DeadlineError("date.empty")
    if len(text) > MAX_INPUT_CHARS:
        raise _unreadable(shown)
    cleaned = _clean(text)
    try:
        hit = (_bracketed(text, today) or _read(cleaned, _Ctx(today, cleaned.before))
               or _unbracketed(text, today))
    except _Invalid as exc:
        raise DeadlineError("date.invalid", shown=shown, problem=exc.phrase) from None
    except _Refused as exc:
        raise DeadlineError("date.refused", shown=shown, problem=exc.phrase) from None
    except (ValueError, OverflowError):  # date arithmetic past year 9999
        hit = (dt.date.max, False)
    if hit is None:
        raise _unreadable(shown)
    day, ambiguous = hit
    if day < today:
        raise DeadlineError("date.past", shown=shown, day=Day(day), today=Day(today))
    if day.year - today.year > MAX_YEARS_AHEAD:
        raise DeadlineError("date.too_far", shown=shown, years=MAX_YEARS_AHEAD)
    if cleaned.stated_weekday is not None and cleaned.stated_weekday != day.weekday():
        ambiguous = True  # "6月30日(星期五)" but 30 June is a Thursday: which one was meant?
    return Deadline(day, format_date_zh(day), format_date_en(day), ambiguous)


def split_deadline(text: str, now: dt.datetime) -> tuple[Deadline, str]:
    """A deadline at the start of `text` and what follows it (the reason of an /extend): the
    longest run of leading words that reads as a date, so "end of July because the survey is
    late" gives 31 July and "because the survey is late". Chinese written without a space
    ("9月底前场地未完工") is tried character by character within the first word. A reading that
    needs no confirmation wins over a longer one that does. What follows is returned as typed.
    Raises the refusal of the whole text when no beginning of it reads as a date."""
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    if not spans:
        return parse_deadline(text, now), ""
    cuts = [end for _, end in reversed(spans)]
    first_start, first_end = spans[0]
    if _CJK.search(text[first_start:first_end]):
        cuts += range(first_end - 1, first_start, -1)
    hits: list[tuple[Deadline, int]] = []
    for cut in cuts:
        head = text[:cut]
        if len(head.strip()) > MAX_INPUT_CHARS:
            continue
        try:
            hits.append((parse_deadline(head, now), cut))
        except DeadlineError:
            continue
    if not hits:
        parse_deadline(text[first_start:first_end], now)  # raises: the first word's refusal
        raise _unreadable(text[first_start:first_end])
    # The longest reading that needs no confirmation (else the longest at all) names the day;
    # the shortest words giving that same day leave the most to the reason ("by Friday the…").
    # Only whole words are given back: "9月底前场地…" keeps its longest reading.
    clear = [h for h in hits if not h[0].ambiguous] or hits
    word_ends = {end for _, end in spans}
    deadline, cut = clear[0]
    if cut in word_ends:
        deadline, cut = [h for h in clear if h[0].date == deadline.date and h[1] in word_ends][-1]
    return deadline, text[cut:].strip()


def warm_up() -> None:
    """Pay the lazy loading (cn2an import, dateparser import and English data) at bot start,
    so the first user does not wait ~300 ms."""
    now = dt.datetime.now(dt.UTC)
    _num("十二")
    _via_dateparser("30 June", now.date())
    festival_date(Festival.SPRING_FESTIVAL, now.year)  # imports lunar-python
    _simplified("下週五")  # loads OpenCC's dictionaries
    for sample in ("6月底前", "三个月内", "下周五", "end of June", "next Friday"):
        parse_deadline(sample, now)

"""China's official calendar: working days with holidays and their make-up working days (调休),
and the dates of the festivals that deadlines are pinned to (国庆前, 春节前)."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from enum import Enum
from typing import Any

import chinese_calendar

__all__ = [
    "CalendarUnknown",
    "Festival",
    "add_workdays",
    "festival_date",
    "is_workday",
    "known_years",
    "workday_on_or_before",
]


@functools.lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """True on a working day; beyond the package's published years, Monday to Friday.
    Cached: chinese_calendar searches its tables on every call, and a scan asks thousands of times."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The State Council publishes each year's holidays in the autumn before; until the
        # package knows them, weekends are the best guess.
        return day.weekday() < 5


def workday_on_or_before(day: date) -> date:
    """A nudge that would fall on a holiday or weekend goes out on the working day before."""
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


# --------------------------------------------------------------------------------------------
# Strict working-day arithmetic, for deadlines. A nudge may fall back to Monday-Friday (it only
# moves by a day or two); a deadline counted in working days may not: one unknown Spring
# Festival shifts it by a week. So beyond the published years we refuse instead of guessing.


class CalendarUnknown(LookupError):
    """The installed chinese-calendar has no official holidays for `year` yet."""

    def __init__(self, year: int, known: range) -> None:
        super().__init__(
            f"no official holiday calendar for {year} (known: {known.start}-{known.stop - 1})"
        )
        self.year = year
        self.known = known


@functools.cache
def known_years() -> range:
    """The years whose official holidays and make-up days the installed chinese-calendar knows
    (2004-2026 for 1.11). Read from its data, so upgrading the package widens it."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def add_workdays(start: date, n: int, *, strict: bool = True) -> date:
    """The n-th working day after `start` (start itself does not count; n = 0 gives start): the
    one count of "N个工作日内" for deadlines (bot.dates) and for 签收 (bot.notices), so a notice
    saying "2 个工作日内签收" is late exactly when `parse-date 2个工作日内` has passed.

    Make-up working days (调休, often a Saturday or Sunday) count; official holidays do not.
    Raises CalendarUnknown when the count reaches a year the calendar does not know; with
    `strict=False` (a notice already sent must get some answer) it counts Monday to Friday there.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    known = known_years()
    day = start
    while n > 0:
        day += timedelta(days=1)
        if day.year not in known and strict:
            raise CalendarUnknown(day.year, known)
        if is_workday(day):
            n -= 1
    return day


# --------------------------------------------------------------------------------------------
# Festival dates. The three solar ones are fixed; 春节, 端午 and 中秋 follow the lunar calendar
# and 清明 is a solar term, so they come from lunar-python (MIT, computed astronomically, so
# there is no table that runs out). The date is the festival itself (正月初一, 五月初五, 八月十五,
# the 清明 term day), not the first day of the official break, which is only known for the years
# chinese-calendar ships and would make the same phrase read differently from year to year.


class Festival(Enum):
    NEW_YEAR = "元旦"
    SPRING_FESTIVAL = "春节"
    QINGMING = "清明节"
    LABOUR_DAY = "劳动节"
    DRAGON_BOAT = "端午节"
    MID_AUTUMN = "中秋节"
    NATIONAL_DAY = "国庆节"


_SOLAR_FESTIVALS = {
    Festival.NEW_YEAR: (1, 1),
    Festival.LABOUR_DAY: (5, 1),
    Festival.NATIONAL_DAY: (10, 1),
}
_LUNAR_FESTIVALS = {  # (lunar month, lunar day)
    Festival.SPRING_FESTIVAL: (1, 1),
    Festival.DRAGON_BOAT: (5, 5),
    Festival.MID_AUTUMN: (8, 15),
}


@functools.cache
def _lunar() -> Any:
    import lunar_python  # lazy: ~13 ms to import; dates.warm_up() pays it at start

    return lunar_python


@functools.lru_cache(maxsize=512)
def festival_date(festival: Festival, year: int) -> date:
    """The day of `festival` in the Gregorian `year` (春节 2022 -> 2022-02-01)."""
    if festival in _SOLAR_FESTIVALS:
        return date(year, *_SOLAR_FESTIVALS[festival])
    lunar = _lunar()
    if festival is Festival.QINGMING:
        # Lunar year `year` begins in January or February, so it holds the April of `year`.
        term = lunar.Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    else:
        term = lunar.Lunar.fromYmd(year, *_LUNAR_FESTIVALS[festival]).getSolar()
    return date(term.getYear(), term.getMonth(), term.getDay())


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the official calendar; Monday to
    Friday past the years it knows)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        try:
            days += is_workday(day)
        except CalendarUnknown:
            days += day.weekday() < 5
    return days

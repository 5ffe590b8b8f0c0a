"""China's working days: official holidays and their make-up working days (调休)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import chinese_calendar


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

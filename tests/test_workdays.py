"""bot.language.workdays: strict working-day counts and festival dates, checked against the official data
that chinese-calendar ships (not against our own arithmetic)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from bot.language.workdays import (
    CalendarUnknown,
    Festival,
    add_workdays,
    festival_date,
    is_workday,
    known_years,
    workday_on_or_before,
)


def test_known_years_come_from_the_package_data() -> None:
    years = known_years()
    assert years.start == 2004
    assert years.stop - 1 >= 2026
    assert chinese_calendar.is_workday(date(years.stop - 1, 12, 31)) in (True, False)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 1, 1))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2022, 1, 28), 3, date(2022, 2, 7)),  # 01-29/30 make-up days, 01-31..02-06 off
        (date(2022, 1, 28), 1, date(2022, 1, 29)),  # a Saturday that was a working day
        (date(2022, 9, 30), 1, date(2022, 10, 8)),  # National Day break, then make-up Saturday
        (date(2022, 1, 10), 5, date(2022, 1, 17)),
        (date(2022, 1, 10), 0, date(2022, 1, 10)),
        (date(2026, 11, 29), 24, date(2026, 12, 31)),
    ],
)
def test_add_workdays_follows_the_official_calendar(start: date, n: int, expected: date) -> None:
    assert add_workdays(start, n) == expected


def test_add_workdays_refuses_unknown_years_instead_of_guessing() -> None:
    last = known_years().stop - 1
    with pytest.raises(CalendarUnknown) as info:
        add_workdays(date(last, 12, 31), 1)
    assert info.value.year == last + 1
    assert info.value.known == known_years()
    # The lenient nudge helper still falls back to Monday-Friday there.
    assert is_workday(date(last + 1, 3, 3)) is (date(last + 1, 3, 3).weekday() < 5)
    with pytest.raises(ValueError):
        add_workdays(date(2022, 1, 10), -1)


def test_workday_on_or_before_skips_the_break() -> None:
    assert workday_on_or_before(date(2022, 2, 3)) == date(2022, 1, 30)  # a make-up Sunday


_HOLIDAY_NAME = {
    Festival.NEW_YEAR: chinese_calendar.Holiday.new_years_day,
    Festival.SPRING_FESTIVAL: chinese_calendar.Holiday.spring_festival,
    Festival.QINGMING: chinese_calendar.Holiday.tomb_sweeping_day,
    Festival.LABOUR_DAY: chinese_calendar.Holiday.labour_day,
    Festival.DRAGON_BOAT: chinese_calendar.Holiday.dragon_boat_festival,
    Festival.MID_AUTUMN: chinese_calendar.Holiday.mid_autumn_festival,
    Festival.NATIONAL_DAY: chinese_calendar.Holiday.national_day,
}


@pytest.mark.parametrize("festival", list(Festival), ids=lambda f: f.name)
def test_festival_day_is_an_official_holiday_of_that_name(festival: Festival) -> None:
    """Every year chinese-calendar knows, the computed festival day is one of the official days
    off for that festival (2008 on: 清明, 端午 and 中秋 were made public holidays that year)."""
    for year in known_years():
        if year < 2008 and festival in (Festival.QINGMING, Festival.DRAGON_BOAT, Festival.MID_AUTUMN):
            continue
        day = festival_date(festival, year)
        assert day.year == year
        on, name = chinese_calendar.get_holiday_detail(day)
        assert on, (festival, day)
        if name is None:  # a weekend day: the package names only the weekdays of a break
            assert day.weekday() >= 5, (festival, day)
            near = {chinese_calendar.get_holiday_detail(day + timedelta(days=k))[1]
                    for k in range(-3, 4)}
        else:
            near = {name}
        # 中秋 inside the National Day break (2020, 2023, 2025) is filed as National Day.
        allowed = {_HOLIDAY_NAME[festival].value}
        if festival is Festival.MID_AUTUMN:
            allowed.add(chinese_calendar.Holiday.national_day.value)
        assert near & allowed, (festival, day, near)


def test_festival_dates_by_hand() -> None:
    assert festival_date(Festival.SPRING_FESTIVAL, 2022) == date(2022, 2, 1)
    assert festival_date(Festival.SPRING_FESTIVAL, 2027) == date(2027, 2, 6)
    assert festival_date(Festival.DRAGON_BOAT, 2027) == date(2027, 6, 9)
    assert festival_date(Festival.MID_AUTUMN, 2027) == date(2027, 9, 15)
    assert festival_date(Festival.NATIONAL_DAY, 2030) == date(2030, 10, 1)


def test_qingming_matches_the_solar_term_table() -> None:
    for year in range(1990, 2101, 7):
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        qingming = [d for d, name in terms if name == "清明"]
        assert qingming == [festival_date(Festival.QINGMING, year)], year


def test_spring_festival_is_a_new_moon_in_late_january_or_february() -> None:
    """Beyond the published years no table checks us; the range and spacing still must hold."""
    for year in range(2027, 2101):
        day = festival_date(Festival.SPRING_FESTIVAL, year)
        assert date(year, 1, 21) <= day <= date(year, 2, 20), day
        nxt = festival_date(Festival.SPRING_FESTIVAL, year + 1)
        assert timedelta(days=354) <= nxt - day <= timedelta(days=385), (day, nxt)

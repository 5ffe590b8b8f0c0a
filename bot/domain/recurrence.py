"""Recurring duties: when each occurrence falls due, and which occurrence a day belongs to."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

# School calendar used for "every semester" and "every school year". Fujian's terms run roughly
# Feb-Jul and Sep-Jan; the deadlines sit a little after the last teaching week so a school can
# report after its term closes. One place to change if a city's calendar differs.
SPRING_TERM_END = (7, 15)
AUTUMN_TERM_END = (1, 31)
SCHOOL_YEAR_END = (7, 15)

KINDS = ("semester", "school_year", "year", "weeks")


@dataclass(frozen=True)
class Recurrence:
    every: str
    on: tuple[tuple[int, int], ...] = ()  # (month, day) pairs for "year"
    n: int = 1  # interval for "weeks"

    def to_json(self) -> str:
        data: dict[str, object] = {"every": self.every}
        if self.every == "year":
            data["on"] = [f"{m:02d}-{d:02d}" for m, d in self.on]
        if self.every == "weeks":
            data["n"] = self.n
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Recurrence:
        data = json.loads(text)
        on = tuple(tuple(int(p) for p in md.split("-")) for md in data.get("on", []))
        return cls(every=data["every"], on=on, n=int(data.get("n", 1)))  # type: ignore[arg-type]

    def yearly_days(self) -> tuple[tuple[int, int], ...]:
        if self.every == "semester":
            return tuple(sorted((AUTUMN_TERM_END, SPRING_TERM_END)))
        if self.every == "school_year":
            return (SCHOOL_YEAR_END,)
        return tuple(sorted(self.on))


@functools.lru_cache(maxsize=256)
def parse_recurrence(text: str) -> Recurrence:
    """Recurrence.from_json, kept: every status view reads the same few stored recurrences."""
    return Recurrence.from_json(text)


def due_dates(rec: Recurrence, start: date) -> Iterator[date]:
    """Every due date of the duty on or after `start`, in order, without end."""
    if rec.every == "weeks":
        step = timedelta(weeks=rec.n)
        due = start + step - timedelta(days=1)
        while True:
            yield due
            due += step
    days = rec.yearly_days()
    year = start.year
    while True:
        for month, day in days:
            due = date(year, month, day)
            if due >= start:
                yield due
        year += 1


def occurrence(rec: Recurrence, start: date, day: date) -> tuple[date, date]:
    """The occurrence `day` falls in, as (window start, due date); before `start` it is the first."""
    window_start = start
    for due in due_dates(rec, start):
        if due >= day:
            return window_start, due
        window_start = due + timedelta(days=1)
    raise AssertionError("unreachable: due_dates never ends")

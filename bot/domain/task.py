"""A task of the plan as one frozen value: its deadline in force, its recurrence, the window of time
it is judged against and the occurrence a day belongs to. The one place these are computed.
Pure: no database, no clock.

A task is one of four kinds:
  milestone  a due date                         (the H1-2022 post verification, 2022-06-30)
  target     a number to reach by a due date    (200 counselling rooms by 2023-12-31)
  recurring  a duty that falls due again and again (every semester, every year on 05-25)
  standing   a duty with no due date: reported on, never "due"

The deadline in force is the one set in the chat (/deadline, an approved 延期) when there is one,
else the plan file's: re-seeding the plan never silently undoes a decision taken in the group.
Occurrences of a recurring duty are named by their own due date (the `period` key, ISO text); a
one-off task has the single period "".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.recurrence import Recurrence, due_dates, occurrence, parse_recurrence

ONE_OFF = ""  # the period key of a task that falls due once (or never)


# A reported figure more than this many times what is asked of it is checked first (Task.far_over).
FAR_OVER = 3
# A claim on an occurrence of a recurring duty that began fewer days ago than this is checked
# first: done so soon, it is more likely a supplement to the one before (a late 补充).
FRESH_DAYS = 7

@dataclass(frozen=True, slots=True)
class Window:
    """The span a task (or one occurrence) is judged against, and its period key."""

    opens: date
    due: date | None
    period: str


@dataclass(frozen=True)
class Task:
    id: str
    dept: str
    title: str
    clause: str
    kind: str
    start: date
    title_en: str | None = None
    with_depts: tuple[str, ...] = ()
    quote: tuple[str, ...] = ()
    due_plan: date | None = None  # the plan file's date
    due_set: date | None = None  # set in the chat; wins over the plan's
    recurrence: Recurrence | None = None
    target_value: float | None = None
    target_unit: str | None = None
    target_metric: str | None = None
    note: str | None = None
    position: int = 0
    archived_at: str | None = None
    muted_until: date | None = None
    quotas: Mapping[str, float] = field(default_factory=dict)  # county unit -> its share
    created_at: datetime | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Task:
        """The value of a stored `tasks` row."""
        return cls(
            id=row["id"], dept=row["dept"], title=row["title"], clause=row["clause"],
            kind=row["kind"], start=date.fromisoformat(row["start"]),
            title_en=row.get("title_en"),
            with_depts=tuple(json.loads(row.get("with_depts") or "[]")),
            quote=tuple(json.loads(row.get("quote") or "[]")),
            due_plan=_day(row.get("due")), due_set=_day(row.get("due_set")),
            recurrence=parse_recurrence(row["recurrence"]) if row.get("recurrence") else None,
            target_value=row.get("target_value"), target_unit=row.get("target_unit"),
            target_metric=row.get("target_metric"), note=row.get("note"),
            position=row.get("position") or 0, archived_at=row.get("archived_at"),
            muted_until=_day(row.get("muted_until")),
            quotas=json.loads(row.get("unit_quotas") or "{}"),
            created_at=datetime.fromisoformat(row["created_at"]) if row.get("created_at")
            else None,
        )

    # ------------------------------------------------------------ what kind of task

    @property
    def recurring(self) -> bool:
        return self.recurrence is not None

    @property
    def numeric(self) -> bool:
        """A numeric target (a count to reach, or a percentage when its unit is %)."""
        return self.target_value is not None

    @property
    def counted(self) -> bool:
        """A numeric target counted in things (个, 所, 人), not in percent: a bare number
        reported on it could mean either (see bot.language.parse)."""
        return self.numeric and self.target_unit != "%"

    @property
    def rate(self) -> bool:
        """A numeric target measured in percent (达标率 100%): a percent reported on it is the
        rate reached, its value."""
        return self.numeric and self.target_unit == "%"

    def far_over(self, value: float | None, unit: str | None = None) -> float | None:
        """What is asked of a figure (the county unit's share, else the target) when `value`
        is more than FAR_OVER times it, else None: likely a slip (the city's figure typed as a
        county's, a digit too many), asked about before it is recorded. Over-achieving by less
        is taken as it comes."""
        if value is None or not self.counted:
            return None
        asked = self.quotas.get(unit) if unit is not None else (
            None if self.quotas else self.target_value)
        return asked if asked and value > asked * FAR_OVER else None

    @property
    def archived(self) -> bool:
        return bool(self.archived_at)

    # ------------------------------------------------------------ time

    @property
    def due(self) -> date | None:
        """The deadline in force now: the chat's, else the plan's (one-off tasks only)."""
        return self.due_set or self.due_plan

    def muted(self, day: date) -> bool:
        """Nudges paused through `muted_until` (inclusive)."""
        return self.muted_until is not None and self.muted_until >= day

    def window(self, day: date, due: date | None = None) -> Window:
        """The window `day` falls in: the task's own, or the occurrence of a recurring duty.
        `due` overrides the deadline in force (a past day's, from the deadline history)."""
        if self.recurrence is not None:
            opens, occurrence_due = occurrence(self.recurrence, self.start, day)
            return Window(opens, occurrence_due, occurrence_due.isoformat())
        return Window(self.start, due if due is not None else self.due, ONE_OFF)

    def occurrence(self, period: str) -> Window:
        """The window of a named period (an occurrence's own due date, or "")."""
        if self.recurrence is None or period == ONE_OFF:
            return Window(self.start, self.due, ONE_OFF)
        due = date.fromisoformat(period)
        return self.window(due)

    def occurrences(self, first: date, last: date) -> Iterator[Window]:
        """The occurrences whose due date falls in [first, last], in order (recurring only)."""
        if self.recurrence is None:
            return
        opens = self.start
        for due in due_dates(self.recurrence, self.start):
            if due > last:
                return
            if due >= first:
                yield Window(opens, due, due.isoformat())
            opens = due + timedelta(days=1)

    def previous(self, window: Window) -> Window | None:
        """The occurrence before `window` (None for the first, or for a one-off task)."""
        if self.recurrence is None or window.opens <= self.start:
            return None
        return self.window(window.opens - timedelta(days=1))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None

"""How supervision (督查督办) marks a task at a given moment. Pure: no database, no clock.

The marks, in the order they win:
  closed         已销号  the coordinator checked the work and closed it
  pending_check  待核实  the liaison reported 100% / 已完成: a claim, not yet a closure
  suspended      已中止  the coordinator suspended it (no nudges)
  overdue        逾期    past the due date and not done, blocked or not               (red)
  blocked        受阻    the liaison reported the work blocked (the reason is in the 受阻 queue)
  due_soon       临期    due within DUE_SOON_DAYS and not done                        (blue)
  assigned       待签收  assigned (交办) and not yet acknowledged (签收) by the department
  no_report      未报送  nothing reported yet
  behind         滞后    reported progress trails the time-proportional progress (序时进度):
                         the share of the task's window already passed, in percent  (yellow,
                         red when FAR_BEHIND_POINTS or more behind, as Yinchuan's practice has it)
  on_track       正常    otherwise                                                   (green)
Standing duties (no due date) are never due soon, overdue or behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.lifecycle import Snapshot, State
from bot.domain.numbers import percent_of_value

# The thresholds, in one place.
DUE_SOON_DAYS = 7  # "due soon" when the due date is this many days away or fewer
BEHIND_POINTS = 10  # yellow once progress is more than this many points behind 序时进度
FAR_BEHIND_POINTS = 30  # red from this many points behind

STATUSES = (
    "overdue",
    "behind",
    "due_soon",
    "blocked",
    "no_report",
    "on_track",
    "pending_check",
    "closed",
    "assigned",
    "suspended",
)
STATES = ("not_started", "in_progress", "done", "blocked")
MARKS = {
    "on_track": "🟢",
    "behind": "🟡",
    "due_soon": "🔵",
    "overdue": "🔴",
    "blocked": "⛔",
    "pending_check": "⏳",
    "closed": "✅",
    "no_report": "⚪",
    "assigned": "📨",
    "suspended": "⏸",
}


@dataclass(frozen=True)
class TaskStatus:
    status: str
    percent: int  # reported progress, 0 when nothing was reported
    expected: int | None  # 序时进度 in percent, None for standing duties
    due: date | None
    days_left: int | None  # negative when overdue
    colour: str  # green | yellow | blue | red | grey

    @property
    def mark(self) -> str:
        """One mark per status, the one the count lines add up (far behind is still 🟡)."""
        return MARKS[self.status]

    @property
    def word(self) -> str:
        """The status word's key: 严重滞后 (far_behind) for 滞后 by 30 points or more."""
        return "far_behind" if self.status == "behind" and self.colour == "red" else self.status

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0 and self.status not in (
            "closed",
            "pending_check",
            "suspended",
        )

    @property
    def done(self) -> bool:
        return self.status in ("closed", "pending_check")


def expected_progress(start: date, due: date, today: date) -> int:
    """序时进度: the share of the window [start, due] that has passed by the end of `today`."""
    total = (due - start).days + 1
    passed = (today - start).days + 1
    if total <= 0:
        return 100
    return max(0, min(100, round(100 * passed / total)))


def percent_of(percent: int | None, state: str | None, value: float | None,
               target: float | None) -> int | None:
    """The progress a report stands for: explicit percent, else from the value, else from the state."""
    if percent is not None:
        return percent
    if value is not None and target:
        return percent_of_value(value, target)
    if state == "done":
        return 100
    if state == "not_started":
        return 0
    return None


def derive_status(
    snap: Snapshot,
    *,
    reported: bool,
    start: date,
    due: date | None,
    today: date,
) -> TaskStatus:
    """Mark one task (or occurrence) as of `today`, from its lifecycle snapshot and the time.
    The one function every view uses: /status, /tasks, nudges, the digest and its charts."""
    percent = snap.percent
    expected = expected_progress(start, due, today) if due else None
    days_left = (due - today).days if due else None

    def mark(status: str, colour: str, shown: int = percent) -> TaskStatus:
        return TaskStatus(status, shown, expected, due, days_left, colour)

    if snap.state is State.CLOSED:
        return mark("closed", "green", 100)
    if snap.state is State.CLAIMED:
        return mark("pending_check", "green", 100)
    if snap.state is State.SUSPENDED:
        return mark("suspended", "grey")
    # Past due and still open is 逾期 whether or not the work is blocked: one rule for every
    # count and list (the blocked reason still shows in the 受阻 queue).
    if days_left is not None and days_left < 0:
        return mark("overdue", "red")
    if snap.state is State.BLOCKED:
        return mark("blocked", "yellow")
    if days_left is not None and days_left <= DUE_SOON_DAYS:
        return mark("due_soon", "blue")
    if snap.state is State.ASSIGNED:
        return mark("assigned", "grey")
    if not reported:
        return mark("no_report", "grey")
    if expected is not None and expected - percent > BEHIND_POINTS:
        return mark("behind", "red" if expected - percent >= FAR_BEHIND_POINTS else "yellow")
    return mark("on_track", "green")

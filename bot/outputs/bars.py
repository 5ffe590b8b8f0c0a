"""What the digest's charts draw, as plain values: a department's bar, a numeric target's bar, a
week's point. Apart from bot/outputs/charts.py so that gathering them loads no matplotlib (the
digest's facts can be let go before the drawing starts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class DeptBar:
    name: str
    completion: float  # 0-100
    colour: str  # green | yellow | blue | red | grey
    counts: dict[str, int] = field(default_factory=dict)  # on_track, behind, overdue, ...
    expected: float | None = None  # the department's 序时进度, 0-100


@dataclass(frozen=True)
class TargetBar:
    label: str
    value: float | None  # None: nobody has reported a number yet
    target: float
    unit: str
    due: date | None  # None: a standing target, never late
    expected: float | None = None  # share of the target due by now (序时进度), 0-1
    units: tuple[tuple[str, float | None, float], ...] = ()  # county (name, value, quota)


@dataclass(frozen=True)
class TrendPoint:
    week: date
    completion: float  # 0-100

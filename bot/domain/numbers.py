"""The one rounding rule for every figure people read, and percents from reported values."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def _half_up(value: float, digits: int) -> Decimal:
    # The decimal a person reads (repr: 66.25, 2.675), rounded as they would round it; never
    # to even (Python's round and format) and never by the binary value's accident.
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits),
                                                rounding=ROUND_HALF_UP)


def round_half_up(value: float) -> int:
    """Halves go up (66.5 -> 67, 7.5 -> 8), never to even: every output rounds this way."""
    return int(_half_up(value, 0))


def round_half_up_to(value: float, digits: int) -> float:
    """The same rule at `digits` decimals (66.25 -> 66.3): figures the documents and charts
    show to one decimal, the score."""
    return float(_half_up(value, digits))


def percent_of_value(value: float, target: float) -> int:
    """The progress a reported value stands for: rounded half up, between 0 and 100; 100 only
    when the target is reached (199 of 200 is 99%, not a claim of completion)."""
    if target <= 0:
        return 100 if value > 0 else 0
    shown = max(0, min(100, round_half_up(100 * value / target)))
    return min(shown, 99) if value < target else shown


def shown_percent(value: float | None) -> int | None:
    """A completion (a mean of percents) as the whole number every output shows."""
    return None if value is None else round_half_up(value)

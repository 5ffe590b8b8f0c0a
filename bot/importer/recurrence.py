"""Recurring duties: 每年, 每学期, 每学年, 每季度, 每月, 每半年, 每(两)周, 定期."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_ENDS = ["01-31", "02-28", "03-31", "04-30", "05-31", "06-30", "07-31", "08-31", "09-30",
              "10-31", "11-30", "12-31"]
# "每年1月31日前", "每年6月底前": yearly on that day; "每月25日前": monthly on that day.
YEARLY_DAY = re.compile(r"每年(?:度)?\s*(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日|(?P<end>底|末))")
MONTHLY_DAY = re.compile(r"每(?:个)?月\s*(?P<d>\d{1,2})\s*日")
_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
PATTERNS: list[tuple[str, dict, str | None]] = [
    (r"每学期", {"every": "semester"}, None),
    (r"每学年", {"every": "school_year"}, None),
    (r"每季度?|每个季度", {"every": "year", "on": ["03-31", "06-30", "09-30", "12-31"]}, None),
    (r"每半年", {"every": "year", "on": ["06-30", "12-31"]}, None),
    (r"每(个)?月", {"every": "year", "on": MONTH_ENDS}, None),
    (r"每[两二]周", {"every": "weeks", "n": 2}, None),
    (r"每周", {"every": "weeks", "n": 1}, None),
    (r"每年度?|年年", {"every": "year", "on": ["12-31"]}, None),
    (r"定期", {"every": "year", "on": ["12-31"]}, "review.periodic_vague"),
]


@dataclass(frozen=True)
class Found:
    text: str
    rule: dict
    review: str | None  # a catalogue key (importer.…)


def find_recurrence(text: str) -> Found | None:
    """The first recurring phrase of the text, or None. "每人每年只享受一次" is an allowance,
    not a duty, so a 每… right after 每人 does not count."""
    best: tuple[int, Found] | None = None
    for m in YEARLY_DAY.finditer(text):
        month = int(m.group("m"))
        if 1 <= month <= 12:
            day = int(m.group("d")) if m.group("d") else _DAYS[month - 1]
            day = min(max(day, 1), _DAYS[month - 1])
            best = (m.start(), Found(m.group(0), {"every": "year", "on": [f"{month:02d}-{day:02d}"]},
                                     None))
            break
    for m in MONTHLY_DAY.finditer(text):
        day = int(m.group("d"))
        if 1 <= day <= 31 and (best is None or m.start() < best[0]):
            on = [f"{i + 1:02d}-{min(day, _DAYS[i]):02d}" for i in range(12)]
            best = (m.start(), Found(m.group(0), {"every": "year", "on": on}, None))
            break
    for pattern, rule, review in PATTERNS:
        if review and best is not None:
            break  # 定期 only when the text names no frequency ("定期开展…，每年培训…" is yearly)
        for m in re.finditer(pattern, text):
            if text[max(0, m.start() - 2):m.start()] in ("每人", "每户"):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), Found(m.group(0), rule, review))
            break
    return best[1] if best else None

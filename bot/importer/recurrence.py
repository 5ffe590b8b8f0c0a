"""Recurring duties: 每年, 每学期, 每学年, 每季度, 每月, 每半年, 每(两)周, 定期."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_ENDS = ["01-31", "02-28", "03-31", "04-30", "05-31", "06-30", "07-31", "08-31", "09-30",
              "10-31", "11-30", "12-31"]
PATTERNS: list[tuple[str, dict, str | None]] = [
    (r"每学期", {"every": "semester"}, None),
    (r"每学年", {"every": "school_year"}, None),
    (r"每季度?|每个季度", {"every": "year", "on": ["03-31", "06-30", "09-30", "12-31"]}, None),
    (r"每半年", {"every": "year", "on": ["06-30", "12-31"]}, None),
    (r"每(个)?月", {"every": "year", "on": MONTH_ENDS}, None),
    (r"每[两二]周", {"every": "weeks", "n": 2}, None),
    (r"每周", {"every": "weeks", "n": 1}, None),
    (r"每年度?|年年", {"every": "year", "on": ["12-31"]}, None),
    (r"定期", {"every": "year", "on": ["12-31"]}, "方案写“定期”,未写频率;暂按每年一次,请核对"),
]


@dataclass(frozen=True)
class Found:
    text: str
    rule: dict
    review: str | None


def find_recurrence(text: str) -> Found | None:
    """The first recurring phrase of the text, or None. "每人每年只享受一次" is an allowance,
    not a duty, so a 每… right after 每人 does not count."""
    best: tuple[int, Found] | None = None
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

"""Time bot.language.dates.parse_deadline.  Run from the repo root:  python bench/bench_dates.py

Prints the import time, warm_up() time, the first call after warm-up, the first call in a
fresh process without warm-up (what a user would wait for if the bot skipped warm_up), then
the median and p95 of single parses over EXPRESSIONS x ROUNDS, then the same for ISSUE12 (the
phrases added for issue 12: festivals, official working days, 今年年底, 上旬, refusals), kept
apart so the first numbers stay comparable with earlier runs. No assertions: numbers only.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ROUNDS = 50
NOW = datetime(2022, 1, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Varied on purpose: every Chinese rule family, English rules, the dateparser fallback
# (the slow path) and refusals (which raise).
EXPRESSIONS = [
    "6月底前",
    "2025年6月30日",
    "二〇二五年六月三十日",
    "十二月三十一日",
    "6.30",
    "2025-06-30",
    "下个月15号",
    "15号",
    "上半年",
    "年底",
    "明年底",
    "第三季度末",
    "2023年Q2",
    "下周五",
    "下下周一",
    "周五前",
    "两周后",
    "三个月内",
    "5个工作日内",
    "本学期末",
    "2025年春季学期",
    "力争6月底前完成",
    "end of June",
    "next Friday",
    "in 2 weeks",
    "30/6/2022",
    "30 June 2025",
    "tomorrow",
    "a week from tomorrow",  # dateparser fallback
    "2月30日",  # refused: impossible
    "随便",  # refused: unreadable
]

ISSUE12 = [
    "今年年底前",
    "明年6月底前",
    "今年季度末",
    "国庆节前",
    "春节前",  # lunar: lunar-python, cached per year
    "2023年中秋节前",
    "清明节前",
    "before National Day",
    "3个工作日内",  # official calendar across the Spring Festival break
    "within 20 working days",
    "上旬",
    "6月下旬前",
    "即日起至6月30日",
    "二〇二二年六月三十日",
    "6.30前",
    "半年内",
    "尽快",  # refused: not a date
    "国庆后",  # refused: a start
    "年前",  # refused: unclear
]

_COLD_SNIPPET = """
import sys, time
sys.path.insert(0, {root!r})
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.language.dates import parse_deadline
now = datetime(2022, 1, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
t = time.perf_counter()
parse_deadline("三个月内", now)           # loads cn2an
parse_deadline("a week from tomorrow", now)  # loads dateparser
print((time.perf_counter() - t) * 1000)
"""


def _ms(seconds: float) -> float:
    return seconds * 1000


def _cold_first_call_ms() -> float | None:
    """First calls in a fresh interpreter, so nothing is cached yet."""
    out = subprocess.run(
        [sys.executable, "-c", _COLD_SNIPPET.format(root=str(REPO_ROOT))],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(out.stderr, file=sys.stderr)
        return None


def _one(parse: Callable[[str, datetime], object], text: str) -> float:
    t = time.perf_counter()
    with contextlib.suppress(ValueError):  # refusals are part of the workload
        parse(text, NOW)
    return time.perf_counter() - t


def main() -> None:
    t = time.perf_counter()
    from bot.language.dates import parse_deadline, warm_up

    import_s = time.perf_counter() - t

    t = time.perf_counter()
    warm_up()
    warm_s = time.perf_counter() - t

    first_s = _one(parse_deadline, "下周五")

    cold = _cold_first_call_ms()
    print(f"parse_deadline: {len(EXPRESSIONS)} expressions x {ROUNDS} rounds")
    print(f"  import bot.language.dates        {_ms(import_s):8.2f} ms")
    print(f"  warm_up()               {_ms(warm_s):8.2f} ms")
    print(f"  first call after warm_up {_ms(first_s):8.3f} ms")
    if cold is not None:
        print(f"  first calls, no warm-up {cold:8.2f} ms  (fresh process; cn2an + dateparser)")
    _measure(parse_deadline, EXPRESSIONS)
    print(f"issue-12 phrases: {len(ISSUE12)} expressions x {ROUNDS} rounds")
    _measure(parse_deadline, ISSUE12)


def _measure(parse: Callable[[str, datetime], object], expressions: list[str]) -> None:
    samples: list[float] = []
    per_expr: dict[str, list[float]] = {e: [] for e in expressions}
    for _ in range(ROUNDS):
        for text in expressions:
            s = _one(parse, text)
            samples.append(s)
            per_expr[text].append(s)

    samples_ms = sorted(_ms(s) for s in samples)
    median = statistics.median(samples_ms)
    p95 = samples_ms[min(len(samples_ms) - 1, round(0.95 * len(samples_ms)) - 1)]
    print(f"  median                  {median:8.4f} ms")
    print(f"  p95                     {p95:8.4f} ms")
    print(f"  max                     {samples_ms[-1]:8.4f} ms")
    slowest = sorted(per_expr, key=lambda e: statistics.median(per_expr[e]), reverse=True)[:3]
    for text in slowest:
        print(f"  slowest: {text!r:26} median {_ms(statistics.median(per_expr[text])):.4f} ms")


if __name__ == "__main__":
    main()

"""Time bot.outputs.charts.  Run from the repo root:  python bench/bench_charts.py [N]

Prints the import time, the font search and registration, the first render of each chart
(cold: font files opened, glyph caches empty: what the first weekly digest after a restart
waits for), then the median of N (default 5) warm renders per chart and of the three together.
Realistic data: 10 departments, the 5 numeric targets, 12 weeks. No assertions: numbers only.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

started = time.perf_counter()
from bot.outputs import charts  # noqa: E402

IMPORT_MS = 1000 * (time.perf_counter() - started)

TODAY = date(2024, 11, 25)
DEPTS = ["教育局", "编办", "文明办", "网信办", "民政局", "财政局", "人社局", "卫健委", "团市委", "妇联"]
BARS = [charts.DeptBar(name, pct, colour, {})
        for name, pct, colour in zip(
            DEPTS, [92, 85, 100, 40, 66, 55, 0, 78, 33, 12],
            ["green", "green", "green", "red", "yellow", "blue", "grey", "green", "yellow", "red"],
            strict=True)]
TARGETS = [
    charts.TargetBar("标准化心理辅导室(2023)", 187, 200, "所", date(2023, 12, 31)),
    charts.TargetBar("标准化心理辅导室(2025)", 240, 300, "所", date(2025, 12, 31)),
    charts.TargetBar("示范性心理辅导室", 12, 30, "个", date(2025, 12, 31)),
    charts.TargetBar("心理健康教育特色学校", 150, 200, "所", date(2025, 12, 31)),
    charts.TargetBar("教师配备达标率", 76, 100, "%", date(2025, 12, 31)),
]
TREND = [charts.TrendPoint(date(2024, 9, 2) + timedelta(weeks=i), 3 + 5.5 * i) for i in range(12)]


def jobs(out: Path) -> dict[str, Callable[[], Path]]:
    return {
        "departments": lambda: charts.render_departments(
            BARS, out / "departments.png", title="各部门完成度", subtitle="截至 2024-11-25"),
        "targets": lambda: charts.render_targets(
            TARGETS, out / "targets.png", title="量化指标进度", today=TODAY),
        "trend": lambda: charts.render_trend(TREND, out / "trend.png", title="总体完成度周趋势"),
    }


def ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return 1000 * (time.perf_counter() - start)


def main(rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory(prefix="duban-charts-") as tmp:
        todo = jobs(Path(tmp))
        font_ms = ms(charts.find_cjk_font)
        print(f"import bot.outputs.charts        {IMPORT_MS:7.0f} ms")
        print(f"find + register font     {font_ms:7.0f} ms   {charts.find_cjk_font()}")
        first = {name: ms(job) for name, job in todo.items()}
        for name, took in first.items():
            print(f"first render {name:<12}{took:7.0f} ms")
        print(f"first render, all three  {sum(first.values()):7.0f} ms   "
              f"(+ font: {sum(first.values()) + font_ms:.0f} ms)")
        timings: dict[str, list[float]] = {name: [] for name in todo}
        totals = []
        for _ in range(rounds):
            took = {name: ms(job) for name, job in todo.items()}
            for name, value in took.items():
                timings[name].append(value)
            totals.append(sum(took.values()))
        for name, values in timings.items():
            print(f"median {name:<18}{statistics.median(values):7.0f} ms   (N={rounds})")
        print(f"median all three         {statistics.median(totals):7.0f} ms   (N={rounds})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

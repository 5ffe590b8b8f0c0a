"""Regenerate the README's chart screenshots (docs/chart-*.png) and a sample ledger/bulletin.

    python docs/make_screenshots.py            # writes docs/chart-departments.png, ...-targets, ...-trend

A fresh SQLite file in a temporary folder gets the real plan (tasks_seed.yaml), loaded as if the
bot had started on 2023-03-01, and a fixed, scripted half-year of reports (the same every run:
no randomness, no wall clock); then the digest's three charts are drawn as of 2023-06-30.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.outputs.digest import digest_data, render_charts  # noqa: E402
from bot.services.commands import close_task, record_report  # noqa: E402
from bot.services.directory import add_member  # noqa: E402
from bot.services.plan import load_plan, read_plan_file  # noqa: E402
from bot.store import connection as dbmod  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2023, 3, 1, 9, 0, tzinfo=TZ)
AT = datetime(2023, 6, 30, 23, 59, tzinfo=TZ)
COORDINATOR = 1000
LIAISONS = {"EDU": 1001, "CIVIL": 1003, "CIVAFF": 1005, "FIN": 1006, "HRSS": 1007,
            "HEALTH": 1008, "YOUTH": 1009}

# (week after START, department, task, percent or None, value or None, county unit or None)
SCRIPT = [
    (0, "EDU", "T05", 30, None, None), (0, "HEALTH", "T41", 20, None, None),
    (1, "EDU", "T04", None, 34, "晋江市"), (1, "EDU", "T04", None, 28, "南安市"),
    (2, "EDU", "T04", None, 16, "石狮市"), (2, "CIVIL", "T30", 40, None, None),
    (3, "EDU", "T06", None, 30, "晋江市"), (3, "FIN", "T38", 50, None, None),
    (4, "EDU", "T04", None, 20, "惠安县"), (4, "HEALTH", "T41", 60, None, None),
    (5, "EDU", "T05", 60, None, None), (5, "CIVAFF", "T35", 100, None, None),
    (6, "EDU", "T04", None, 18, "丰泽区"), (6, "HRSS", "T39", 30, None, None),
    (7, "HEALTH", "T41", 100, None, None), (7, "YOUTH", "T46", 50, None, None),
    (8, "EDU", "T04", None, 14, "鲤城区"), (8, "EDU", "T08", None, 60, None),
    (9, "CIVIL", "T30", 100, None, None), (9, "HEALTH", "T42", 40, None, None),
    (10, "EDU", "T06", None, 40, "南安市"), (10, "FIN", "T38", 80, None, None),
    (11, "EDU", "T05", 80, None, None), (11, "HRSS", "T39", 60, None, None),
    (12, "EDU", "T04", None, 20, "安溪县"), (12, "YOUTH", "T46", 70, None, None),
    (13, "EDU", "T07", None, 9, None), (13, "HEALTH", "T43", 50, None, None),
    (14, "EDU", "T04", None, 10, "永春县"), (14, "CIVAFF", "T36", 50, None, None),
    (15, "EDU", "T03", None, 64, None), (15, "FIN", "T38", 100, None, None),
    (16, "EDU", "T08", None, 95, None), (16, "CIVIL", "T31", 60, None, None),
    (17, "HEALTH", "T42", 70, None, None), (17, "EDU", "T06", None, 35, "惠安县"),
]
CLOSED = [(8, "T41"), (10, "T35"), (12, "T30"), (16, "T38")]


def build(path: Path):
    db = dbmod.connect(path)
    load_plan(db, read_plan_file(ROOT / "tasks_seed.yaml"), now=START)
    add_member(db, user_id=COORDINATOR, dept=None, role="coordinator", now=START, actor="docs",
               name="王统筹")
    for dept, user_id in LIAISONS.items():
        add_member(db, user_id=user_id, dept=dept, role="liaison", now=START, actor="docs",
                   name=f"{dept}联络员")
    events = [(week, 0, row) for week, *row in SCRIPT]
    events += [(week, 1, (task,)) for week, task in CLOSED]
    for week, kind, row in sorted(events, key=lambda e: (e[0], e[1])):
        now = START + timedelta(weeks=week, days=1)
        if kind == 1:
            close_task(db, user_id=COORDINATOR, task_ref=row[0], now=now)
            continue
        dept, task, percent, value, unit = row
        record_report(db, user_id=LIAISONS[dept], task_ref=task, percent=percent, value=value,
                      unit=unit, now=now)
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = build(Path(tmp) / "docs.db")
        data = digest_data(db, AT, today=date(2023, 7, 1))
        for path in render_charts(data, Path(tmp), args.lang):
            name = path.name.split("-")[0]
            suffix = "" if args.lang == "zh" else "-en"
            target = args.out / f"chart-{name}{suffix}.png"
            target.write_bytes(path.read_bytes())
            print(f"wrote {target}")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Synthetic duban databases at three scales, for bench/run.py.

    scale 1    the real plan (tasks_seed.yaml: 10 departments, 50 tasks), ~1k reports, 200 evidence
    scale 10   100 county units (D001 "县区单位001" ...) and 500 tasks whose shapes (milestone,
               target, recurring, standing) copy the seed's round-robin; 10k reports, 2k evidence
    scale 100  the same 500 tasks and 100 units; 100k reports, 2k evidence

Every database is a fresh SQLite file opened with bot.store.schema.connect and loaded with bot.services.plan.load_plan;
one liaison per department and one coordinator are added with bot.services.directory.add_member. Reports are
inserted in one transaction in chronological order (ids follow time, as in real use), with the
period of recurring tasks from bot.domain.task.Task.window, then task_latest is rebuilt.

    python bench/synthetic.py --scale 10 --out /tmp/duban-10.db     # build one file and say what
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlite_utils import Database  # noqa: E402

from bot.domain.task import Task  # noqa: E402
from bot.services.directory import add_member  # noqa: E402
from bot.services.plan import Department, Plan, load_plan, read_plan_file  # noqa: E402
from bot.store import connection as dbmod  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
SEEDED_AT = datetime(2022, 1, 4, 9, 0, tzinfo=TZ)
SPAN_START = datetime(2022, 1, 4, 9, 0, tzinfo=TZ)
SPAN_END = datetime(2026, 12, 31, 18, 0, tzinfo=TZ)  # reports spread over 2022-2026
COORDINATOR_ID = 1000
FIRST_LIAISON_ID = 2001
SYNTHETIC_DEPTS = 100
SYNTHETIC_TASKS = 500
REVOKED_SHARE = 0.01  # about one report in a hundred was taken back with /undo
BLOCKED_SHARE = 0.02


@dataclass(frozen=True)
class ScaleSpec:
    scale: int
    synthetic: bool  # False: the real seed plan
    reports: int
    evidence: int


SCALES: dict[int, ScaleSpec] = {
    1: ScaleSpec(1, synthetic=False, reports=1_000, evidence=200),
    10: ScaleSpec(10, synthetic=True, reports=10_000, evidence=2_000),
    100: ScaleSpec(100, synthetic=True, reports=100_000, evidence=2_000),
}


@dataclass(frozen=True)
class People:
    coordinator: int
    liaisons: dict[str, int]  # department code -> user id
    names: dict[int, str]  # user id -> display name (as the scripted Telegram users are named)


@dataclass(frozen=True)
class Built:
    path: Path
    db: Database
    plan: Plan
    spec: ScaleSpec
    people: People
    seconds: float


# ---------------------------------------------------------------- plans


def seed_plan() -> Plan:
    return read_plan_file(REPO_ROOT / "tasks_seed.yaml")


def synthetic_plan(seed: Plan, n_depts: int = SYNTHETIC_DEPTS,
                   n_tasks: int = SYNTHETIC_TASKS) -> Plan:
    """n_depts county units and n_tasks tasks copying the seed's task shapes round-robin.

    Task i belongs to unit i // (n_tasks / n_depts), so each unit gets a run of consecutive seed
    shapes (a mix, as real departments have) rather than the same shape every time.
    """
    depts = tuple(
        Department(code=f"D{n:03d}", name=f"县区单位{n:03d}", short=f"县区单位{n:03d}",
                   name_en=f"County unit {n:03d}", aliases=(f"单位{n:03d}",))
        for n in range(1, n_depts + 1))
    per_dept = max(1, n_tasks // n_depts)
    tasks = []
    for i in range(n_tasks):
        shape = seed.tasks[i % len(seed.tasks)]
        dept = depts[min(i // per_dept, n_depts - 1)]
        tasks.append(replace(shape, id=f"T{i + 1:03d}", dept=dept.code, with_depts=(),
                             title=f"{shape.title}({dept.short})",
                             title_en=f"{shape.title_en} ({dept.name_en})"))
    return Plan(meta=dict(seed.meta), departments=depts, tasks=tuple(tasks))


def plan_for(spec: ScaleSpec, seed: Plan | None = None) -> Plan:
    seed = seed or seed_plan()
    return synthetic_plan(seed) if spec.synthetic else seed


# ---------------------------------------------------------------- people


def add_people(db: Database, plan: Plan) -> People:
    """One coordinator and one liaison per department, registered as the CLI would."""
    names = {COORDINATOR_ID: "王统筹"}
    add_member(db, user_id=COORDINATOR_ID, dept=None, role="coordinator", now=SEEDED_AT,
               actor="bench", name=names[COORDINATOR_ID])
    liaisons = {}
    for n, dept in enumerate(plan.departments):
        user_id = FIRST_LIAISON_ID + n
        names[user_id] = f"联络员{dept.code}"
        add_member(db, user_id=user_id, dept=dept.code, role="liaison", now=SEEDED_AT,
                   actor="bench", name=names[user_id])
        liaisons[dept.code] = user_id
    return People(COORDINATOR_ID, liaisons, names)


# ---------------------------------------------------------------- reports


def _sorted_moments(rng: random.Random, count: int) -> list[float]:
    start, end = SPAN_START.timestamp(), SPAN_END.timestamp()
    return sorted(rng.uniform(start, end) for _ in range(count))


def _share_of_window(opens: date, due: date | None, today: date) -> float:
    """How far `today` is through the task's window (standing duties: through the whole span)."""
    end = due or SPAN_END.date()
    total = max(1, (end - opens).days)
    return min(1.0, max(0.0, (today - opens).days / total))


class _Windows:
    """Task.window (bot.domain.task), cached per (task, day): 100k reports fall on ~1.8k
    distinct days."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, date], tuple[date, date | None, str]] = {}
        self._tasks: dict[str, Task] = {}

    def __call__(self, task: dict[str, Any], today: date) -> tuple[date, date | None, str]:
        key = (task["id"], today)
        if key not in self._cache:
            value = self._tasks.get(task["id"]) or self._tasks.setdefault(task["id"],
                                                                           Task.of(task))
            found = value.window(today)
            self._cache[key] = (found.opens, found.due, found.period)
        return self._cache[key]


def _report_row(n: int, moment: float, task: dict[str, Any], user_id: int,
                rng: random.Random, windows: _Windows) -> dict[str, Any]:
    at = datetime.fromtimestamp(moment, UTC)
    today = at.astimezone(TZ).date()
    opens, due, period = windows(task, today)
    share = _share_of_window(opens, due, today)
    percent = int(min(100, max(0, round(share * 100 + rng.gauss(0, 12)))))
    blocked = rng.random() < BLOCKED_SHARE and percent < 100
    state = ("blocked" if blocked else "done" if percent >= 100
             else "in_progress" if percent > 0 else "not_started")
    value = None
    if task["target_value"] is not None and task["target_unit"] != "%":
        value = round(task["target_value"] * percent / 100)
    revoked = rng.random() < REVOKED_SHARE
    return {
        "task_id": task["id"],
        "period": period,
        "kind": "progress",
        "percent": percent,
        "state": state,
        "value": value,
        "note": ("资金未到位,等待协调" if blocked else f"第{n}次报送:按计划推进,完成{percent}%"),
        "user_id": user_id,
        "dept": task["dept"],
        "at": at.isoformat(timespec="seconds"),
        "source": "telegram",
        "update_key": f"bench:{n}",
        "revoked_at": ((at + timedelta(minutes=5)).isoformat(timespec="seconds")
                       if revoked else None),
        "revoked_by": user_id if revoked else None,
    }


def report_rows(tasks: list[dict[str, Any]], people: People, count: int,
                rng: random.Random) -> Iterator[dict[str, Any]]:
    """`count` progress reports in time order, each by the liaison of the task's department.

    A generator: rows are made as sqlite-utils consumes them, so 100k rows never sit in memory
    (the process's peak RSS is one of the things measured).
    """
    windows = _Windows()
    for n, moment in enumerate(_sorted_moments(rng, count), 1):
        task = rng.choice(tasks)
        yield _report_row(n, moment, task, people.liaisons[task["dept"]], rng, windows)


def evidence_rows(tasks: list[dict[str, Any]], people: People, count: int,
                  rng: random.Random) -> Iterator[dict[str, Any]]:
    for n, moment in enumerate(_sorted_moments(rng, count), 1):
        task = rng.choice(tasks)
        photo = rng.random() < 0.7
        digest = hashlib.sha256(f"evidence-{n}".encode()).hexdigest()
        yield {
            "task_id": task["id"],
            "report_id": None,
            "file_id": f"BENCHFILE{n:06d}",
            "file_unique_id": f"UB{n:06d}",
            "kind": "photo" if photo else "document",
            "file_name": None if photo else f"工作台账{n}.pdf",
            "mime_type": "image/jpeg" if photo else "application/pdf",
            "size": rng.randint(50_000, 3_000_000),
            "sha256": digest,
            "path": f"data/evidence/{task['id']}/UB{n:06d}.{'jpg' if photo else 'pdf'}",
            "caption": f"#{task['id']} 现场照片" if photo else f"#{task['id']} 工作台账",
            "user_id": people.liaisons[task["dept"]],
            "at": datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds"),
            "update_key": f"bench-ev:{n}",
        }


def rebuild_latest(db: Database) -> None:
    """task_latest from scratch, as migration m004 builds it (inside the caller's transaction)."""
    db.execute("DELETE FROM task_latest")
    db.execute("INSERT INTO task_latest (task_id, period, report_id) SELECT task_id, period, "
               "max(id) FROM reports WHERE revoked_at IS NULL GROUP BY task_id, period")


def fill(db: Database, people: People, spec: ScaleSpec, rng: random.Random) -> None:
    """Reports, evidence and task_latest in one transaction."""
    tasks = list(db["tasks"].rows_where("archived_at IS NULL", order_by="position"))
    with db.atomic():
        db["reports"].insert_all(report_rows(tasks, people, spec.reports, rng), batch_size=1000)
        db["evidence"].insert_all(evidence_rows(tasks, people, spec.evidence, rng),
                                  batch_size=1000)
        rebuild_latest(db)


# ---------------------------------------------------------------- putting it together


def build(path: Path, spec: ScaleSpec, *, seed: Plan | None = None, rng_seed: int = 20220104
          ) -> Built:
    """A fresh database file at `path` for one scale (an existing file is replaced)."""
    import time

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    plan = plan_for(spec, seed)
    db = dbmod.connect(path)
    load_plan(db, plan, now=SEEDED_AT)
    people = add_people(db, plan)
    fill(db, people, spec, random.Random(rng_seed + spec.scale))
    return Built(path, db, plan, spec, people, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=sorted(SCALES), default=1)
    parser.add_argument("--out", type=Path, required=True, help="the SQLite file to write")
    args = parser.parse_args(argv)
    built = build(args.out, SCALES[args.scale])
    db = built.db
    print(f"{args.out}: scale {args.scale}, {db['departments'].count} departments, "
          f"{db['tasks'].count} tasks, {db['reports'].count} reports, "
          f"{db['evidence'].count} evidence, {db['task_latest'].count} latest rows, "
          f"{db['members'].count} members, built in {built.seconds:.1f} s")
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

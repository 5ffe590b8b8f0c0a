"""结果考评: a score per department for a year, from documented, configurable rules.

The rules live in one place: `scoring.yaml` beside this module, shipped in the package, states the
defaults written in `Rules` below; a deployment's own file (the SCORING_RULES setting, or
`score --rules FILE`) overrides them key by key. The score is `base` plus the points of every rule, kept
between `floor` and `ceiling`; each rule's count and points are returned, so the table shows
why a department got its grade. Pure over the record and an injected `now`; no text for users.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from bot.domain.recurrence import due_dates, parse_recurrence
from bot.outputs.exports.facts import chases_of, extensions_of, lifecycle_records
from bot.services.directory import catalogue
from bot.store.connection import utc_iso

RULE_KEYS = ("closed_on_time", "closed_late", "overdue_day", "unanswered_chase",
             "approved_extension", "silent_period")


@dataclass(frozen=True)
class Grade:
    name: str
    name_en: str
    min: float


@dataclass(frozen=True)
class Rules:
    base: float = 80
    closed_on_time: float = 2
    closed_late: float = 1
    overdue_day: float = -0.1
    overdue_cap_per_item: float = -5
    unanswered_chase: float = -1
    approved_extension: float = -0.5
    silent_period: float = -1
    floor: float = 0
    ceiling: float = 100
    grades: tuple[Grade, ...] = (Grade("优秀", "excellent", 90), Grade("良好", "good", 80),
                                 Grade("合格", "pass", 60), Grade("不合格", "fail", 0))

    def grade(self, score: float) -> Grade:
        for grade in sorted(self.grades, key=lambda g: -g.min):
            if score >= grade.min:
                return grade
        return min(self.grades, key=lambda g: g.min)


class RulesError(ValueError):
    """The scoring file is unreadable or holds a key or value that makes no sense."""


def default_rules_text() -> str:
    """The packaged scoring.yaml: the defaults, with a comment on every rule."""
    return resources.files(__package__).joinpath("scoring.yaml").read_text(encoding="utf-8")


def load_rules(path: str | Path | None = None) -> Rules:
    """The packaged defaults, overridden key by key by the YAML file at `path` when one is named.
    A named file that cannot be read is an error, never a silent fallback to the defaults."""
    if path is None:
        return rules_from(yaml.safe_load(default_rules_text()) or {}, "scoring.yaml")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the scoring rules ({exc.strerror}); set "
                         "SCORING_RULES to an existing file, or unset it for the defaults") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML ({exc})") from None
    return rules_from(raw, str(path))


def rules_from(raw: dict[str, Any], source: str = "scoring") -> Rules:
    if not isinstance(raw, dict):
        raise RulesError(f"{source}: expected a mapping of rule names to numbers")
    known = {f.name for f in fields(Rules)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError(f"{source}: unknown rule(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "grades":
            try:
                values[key] = tuple(Grade(str(g["name"]), str(g.get("name_en", g["name"])),
                                          float(g["min"])) for g in value)
            except (TypeError, KeyError, ValueError):
                raise RulesError(f"{source}: grades must be a list of {{name, min}}") from None
            if not values[key]:
                raise RulesError(f"{source}: grades must not be empty")
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RulesError(f"{source}: {key} must be a number, not {value!r}")
            values[key] = float(value)
    return Rules(**values)


@dataclass(frozen=True)
class ScoreLine:
    rule: str  # one of RULE_KEYS
    count: float  # items, days, chases or months
    points: float  # what they add up to (negative for deductions)


@dataclass
class DeptScore:
    dept: dict[str, Any]
    base: float
    lines: list[ScoreLine]
    score: float
    grade: Grade
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.dept["code"]


@dataclass(frozen=True)
class _Item:
    task_id: str
    dept: str
    period: str
    due: date


def _items(task: dict[str, Any], first: date, last: date) -> list[_Item]:
    """The work items of a task that could count in [first, last]: due on or before `last`."""
    if task["recurrence"]:
        out = []
        for due in due_dates(parse_recurrence(task["recurrence"]),
                             date.fromisoformat(task["start"])):
            if due > last:
                break
            if due >= first - timedelta(days=366):  # an old one may still stand open
                out.append(_Item(task["id"], task["dept"], due.isoformat(), due))
        return out
    due_text = task.get("due_set") or task["due"]
    if not due_text or date.fromisoformat(due_text) > last:
        return []
    return [_Item(task["id"], task["dept"], "", date.fromisoformat(due_text))]


CLOSING = frozenset({"close", "direct_close"})  # a 核实销号, or a confirmed 直接销号


def score_table(db: Database, year: int, now: datetime, rules: Rules | None = None
                ) -> list[DeptScore]:
    """Every department's score for `year`, as of `now` (a year in progress counts to today)."""
    rules = rules or load_rules()
    tz = now.tzinfo
    first = date(year, 1, 1)
    last = min(date(year, 12, 31), now.date())
    end = datetime.combine(last, time(23, 59, 59), tz)
    kept = catalogue(db)
    # The newest valid record of each (task, period) as of the end of the scored span: closed or not.
    latest = {(r["task_id"], r["period"]): r for r in db.query(
        "SELECT r.task_id, r.period, r.kind, r.lifecycle, r.at FROM reports r JOIN (SELECT max(id) AS id "
        "FROM reports WHERE revoked_at IS NULL AND at <= ? GROUP BY task_id, period) m "
        "ON m.id = r.id", [utc_iso(end)])}
    # Months in which each department reported anything (the reporter's or the task's dept).
    # `at` is stored in UTC: shift it to local time before taking the month.
    shift = f"{int((now.utcoffset() or timedelta()).total_seconds() // 60):+d} minutes"
    reported = {(row[0], row[1]) for row in db.execute(
        "SELECT t.dept, strftime('%Y-%m', r.at, ?) FROM reports r JOIN tasks t "
        "ON t.id = r.task_id WHERE r.revoked_at IS NULL AND r.kind IN ('progress', 'claim') "
        "AND r.at >= ? AND r.at <= ? GROUP BY 1, 2",
        [shift, utc_iso(datetime.combine(first, time(0), tz)), utc_iso(end)])}
    counts: dict[str, dict[str, float]] = {d["code"]: dict.fromkeys(RULE_KEYS, 0.0)
                                           for d in kept.departments}
    overdue_points: dict[str, float] = dict.fromkeys(counts, 0.0)
    lifecycle = lifecycle_records(db, end)
    for task in kept.tasks:
        c = counts.get(task["dept"])
        if c is None:
            continue
        for item in _items(task, first, last):
            row = latest.get((item.task_id, item.period))
            closed_day = (datetime.fromisoformat(row["at"]).astimezone(tz).date()
                          if row and (row["kind"] in CLOSING or row["lifecycle"] == "closed")
                          else None)
            if closed_day and first <= closed_day <= last:
                c["closed_on_time" if closed_day <= item.due else "closed_late"] += 1
            # Days overdue inside the year: from the day after the due date to the close or today.
            stop = min(last, closed_day - timedelta(days=1)) if closed_day else last
            start = max(first, item.due + timedelta(days=1))
            days = max(0, (stop - start).days + 1)
            if days:
                c["overdue_day"] += days
                overdue_points[task["dept"]] += max(rules.overdue_cap_per_item,
                                                    days * rules.overdue_day)
        # The lifecycle's records: extensions approved in the year, and the year's 催办 with no
        # 签收 after them by the end of the scored span.
        own = lifecycle.get(task["id"], [])
        c["approved_extension"] += sum(
            1 for e in extensions_of(db, task, end, own)
            if e.approved_at and e.approved_at.astimezone(tz).year == year)
        c["unanswered_chase"] += chases_of(db, task["id"], end, records=own,
                                           since=datetime.combine(first, time(0), tz)).unanswered
    # Silent months: full months of the year gone by, from the month its first task started.
    starts: dict[str, date] = {}
    for task in kept.tasks:
        day = date.fromisoformat(task["start"])
        starts[task["dept"]] = min(day, starts.get(task["dept"], day))
    month_ends = [date(year, m, 1) for m in range(1, 13)]
    scores = []
    for dept in kept.departments:
        code = dept["code"]
        c = counts[code]
        for month in month_ends:
            following = date(year + (month.month == 12), month.month % 12 + 1, 1)
            began = starts.get(code)
            if following > now.date() or began is None or began >= following:
                continue
            if (code, f"{month:%Y-%m}") not in reported:
                c["silent_period"] += 1
        # `or 0.0`: a zero count times a negative rule is -0.0, which would print as "-0".
        lines = [ScoreLine(key, c[key], (overdue_points[code] if key == "overdue_day"
                                         else c[key] * getattr(rules, key)) or 0.0)
                 for key in RULE_KEYS]
        raw = rules.base + sum(line.points for line in lines)
        score = round(max(rules.floor, min(rules.ceiling, raw)), 1)
        scores.append(DeptScore(dept, rules.base, lines, score, rules.grade(score), c))
    return sorted(scores, key=lambda s: (-s.score, s.dept["position"]))

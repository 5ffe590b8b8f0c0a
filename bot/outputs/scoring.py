"""结果考评: a score per department for a year, from documented, configurable rules.

The rules live in one place: `scoring.yaml` beside this module, shipped in the package, states the
defaults written in `Rules` below; a deployment's own file (the SCORING_RULES setting, or
`score --rules FILE`) overrides them key by key. The score is `base` plus the points of every rule, kept
between `floor` and `ceiling`; each rule's count and points are returned, so the table shows
why a department got its grade. Pure over the record and an injected `now`; no text for users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from bot.domain.facts import ChaseNotice, DeptFacts, Facts, TaskFacts, deadline_in_force
from bot.domain.lifecycle import OPEN, State
from bot.domain.numbers import round_half_up, round_half_up_to
from bot.domain.task import ONE_OFF
from bot.errors import DubanError
from bot.language.i18n import Phrase, t
from bot.outputs.render.paper import notice_tasks
from bot.services.facts import end_of_day, facts_as_of

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


class RulesError(DubanError, ValueError):
    """The scoring file is unreadable or holds a key or value that makes no sense: a catalogue
    key (`rules.*`) and its parameters. str() is the English text, for logs and tracebacks."""

    def message(self, lang: str) -> str:
        return t(self.key, lang, html=False, **self.params)

    def phrase(self) -> Phrase:
        """The refusal to put inside another message, in its reader's language."""
        return Phrase(self.key, **self.params)

    def __str__(self) -> str:
        return self.message("en")


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
        raise RulesError("rules.unreadable", path=str(path),
                         reason=exc.strerror or type(exc).__name__) from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RulesError("rules.not_yaml", path=str(path), detail=str(exc)) from None
    return rules_from(raw, str(path))


def rules_from(raw: dict[str, Any], source: str = "scoring") -> Rules:
    if not isinstance(raw, dict):
        raise RulesError("rules.not_mapping", source=source)
    known = {f.name for f in fields(Rules)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RulesError("rules.unknown", source=source, unknown=", ".join(unknown),
                         known=", ".join(sorted(known)))
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "grades":
            try:
                values[key] = tuple(Grade(str(g["name"]), str(g.get("name_en", g["name"])),
                                          float(g["min"])) for g in value)
            except (TypeError, KeyError, ValueError):
                raise RulesError("rules.grades_shape", source=source, field=key) from None
            if not values[key]:
                raise RulesError("rules.grades_empty", source=source, field=key)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RulesError("rules.not_number", source=source, rule=key, value=repr(value))
            values[key] = float(value)
    return Rules(**values)


@dataclass(frozen=True)
class ScoreLine:
    rule: str  # one of RULE_KEYS
    count: float  # items, days, chases or months
    points: float  # what they add up to (negative for deductions)


@dataclass(frozen=True)
class ScoreItem:
    """One thing that earned or cost points: which task (and occurrence) or month, and why."""

    rule: str
    points: float
    count: float  # 1 item, N overdue days, 1 chase, 1 month
    task_id: str | None = None
    period: str = ""  # the occurrence of a recurring duty ("" for a one-off task)
    day: date | None = None  # closed on, due on, chased on, approved on, or the month
    notice: ChaseNotice | None = None  # the 督办单 of an unanswered chase, named as it was sent

    def tasks_text(self, lang: str) -> str:
        """The task (or the 督办单's tasks, marked as every list of notices marks them)."""
        if self.notice is not None:
            return notice_tasks(self.notice.tasks, self.notice.marks, lang)
        return self.task_id or ""


@dataclass
class DeptScore:
    dept: Mapping[str, Any]
    base: float
    lines: list[ScoreLine]
    score: float
    grade: Grade
    counts: dict[str, float] = field(default_factory=dict)
    items: list[ScoreItem] = field(default_factory=list)
    completion: float | None = None

    @property
    def code(self) -> str:
        return self.dept["code"]


def rank_key(score: float | None, completion: float | None) -> tuple[float, int]:
    """What ranks a department, higher first: its score, then its completion in whole percent
    (as every output shows it). Equal on both: the same rank, listed in the plan's order."""
    return (score or 0.0, round_half_up(completion or 0.0))


def ranked(scores: list[DeptScore]) -> list[DeptScore]:
    """The one order of departments everywhere (the score table, the ledger, 红榜 and 黑榜)."""
    return sorted(scores, key=lambda s: (tuple(-v for v in rank_key(s.score, s.completion)),
                                         s.dept.get("position") or 0))


def ranks(scores: list[DeptScore]) -> list[int]:
    """The rank of each of `scores` (in ranked order): tied departments share one."""
    out: list[int] = []
    for i, s in enumerate(scores):
        tied = i and rank_key(s.score, s.completion) == rank_key(scores[i - 1].score,
                                                                   scores[i - 1].completion)
        out.append(out[-1] if tied else i + 1)
    return out


def _year_span(year: int, at: datetime) -> tuple[date, date]:
    return date(year, 1, 1), min(date(year, 12, 31), at.date())


def _charged(timeline: list[tuple[datetime, State]]) -> list[tuple[datetime, State]]:
    """The timeline as the score charges it: a claim later sent back (退回) counts as work still
    open while it waited, since what was claimed was not done; a claim still waiting, or the one
    a check closed, is the department's part done and is not charged."""
    charged = list(timeline)
    for i, (at, state) in enumerate(charged):
        if state is not State.CLAIMED:
            continue
        after = next((s for _, s in timeline[i + 1:] if s is not State.CLAIMED), None)
        if after in OPEN:
            charged[i] = (at, State.IN_PROGRESS)
    return charged


def _overdue_days(timeline: list[tuple[datetime, State]], first: date, last: date,
                  tz: Any) -> int:
    """Days in [first, last] on which the work stood open (before any record it is open; the
    day it was claimed, closed or suspended counts, the days after do not while a claim waits
    for the check or stands accepted, a closure or a suspension; a claim sent back does not
    stop them): the days overdue /status counts, up to the day the work was done."""
    if first > last:
        return 0
    end_of: dict[date, State] = {}
    for at, state in _charged(timeline):  # oldest first: the last record of a day decides it
        end_of[at.astimezone(tz).date()] = state

    def open_days(since: date, until: date, state: State) -> int:
        if state not in OPEN:
            return 0
        return max(0, (min(until, last) - max(since, first)).days + 1)

    total, state, since = 0, State.IN_PROGRESS, date.min
    for day, after in sorted(end_of.items()):
        # the day the work left the open states (claimed, closed, suspended) still counts, as
        # /status counts it: a claim on the day after the due date is one day overdue
        until = day if state in OPEN and after not in OPEN else day - timedelta(days=1)
        total += open_days(since, until, state)
        state, since = after, day + timedelta(days=1) if until == day else day
    return total + open_days(since, last, state)


def _closed_on(timeline: list[tuple[datetime, State]], tz: Any) -> tuple[date, date] | None:
    """(when the occurrence was closed, when its work was done), if it stands closed. The work
    was done when the claim the check accepted was made (the days the check took are the
    coordinator's, not the department's); a direct close without a claim, when it was closed."""
    if not timeline or timeline[-1][1] is not State.CLOSED:
        return None
    i = len(timeline) - 1
    while i > 0 and timeline[i - 1][1] is State.CLOSED:
        i -= 1
    closed = timeline[i][0]
    done = closed
    while i > 0 and timeline[i - 1][1] is State.CLAIMED:
        i -= 1
        done = timeline[i][0]
    return closed.astimezone(tz).date(), done.astimezone(tz).date()


def _periods(f: TaskFacts, first: date, last: date, start: date | None
             ) -> list[tuple[str, date | None]]:
    """(period, deadline in force) of the work items of a task that can count in the year:
    due from tracking on up to the year's last counted day, or closed in it (a task closed
    before its deadline earns at once; a standing duty closed earns too)."""
    task, fold = f.task, f.fold
    items: dict[str, date | None] = {}
    if task.recurrence is None:
        due, _ = deadline_in_force(task, fold, ONE_OFF, None)
        items[ONE_OFF] = due
    else:
        for window in task.occurrences(start or task.start, last):
            due, _ = deadline_in_force(task, fold, window.period, window.due)
            items[window.period] = due
        for period in fold.periods:
            if period not in items and period != ONE_OFF:
                computed = task.occurrence(period).due
                items[period], _ = deadline_in_force(task, fold, period, computed)
    return list(items.items())


def score_facts(facts: Facts, year: int, rules: Rules) -> list[DeptScore]:
    """Every department's score for `year` from the facts (as of the end of the year, or of
    today for the year in progress), each point and deduction with the items behind it.

    Nothing before tracking began counts: no item due before it, no overdue day, closure,
    approved extension, unanswered chase or silent month before it."""
    tz = facts.at.tzinfo
    first, last = _year_span(year, facts.at)
    start = facts.track_from
    counted_from = max(first, start) if start else first
    scores = []
    for d in facts.departments:
        items: list[ScoreItem] = []
        for f in d.tasks:
            for period, due in _periods(f, first, last, start):
                if due is not None and start is not None and due < start:
                    continue  # fell due before tracking began
                timeline = f.fold.period(period).timeline
                shut = _closed_on(timeline, tz)
                if shut is not None and counted_from <= shut[0] <= last:
                    closed, done = shut
                    on_time = due is None or done <= due
                    rule = "closed_on_time" if on_time else "closed_late"
                    items.append(ScoreItem(rule, getattr(rules, rule), 1, f.task.id, period,
                                           closed))
                if due is None or due >= last:
                    continue
                days = _overdue_days(timeline, max(counted_from, due + timedelta(days=1)),
                                     last, tz)
                if days:
                    # to the hundredth, as the lines are: 34 days of -0.1 is -3.4, not
                    # -3.4000000000000004 in the ledger's 考评明细
                    deduction = round_half_up_to(
                        max(rules.overdue_cap_per_item, days * rules.overdue_day), 2)
                    items.append(ScoreItem("overdue_day", deduction, days, f.task.id, period,
                                           due))
            for e in f.extensions:
                decided = e.decided_at.astimezone(tz).date() if e.decided_at else None
                if e.approved and decided and counted_from <= decided <= last:
                    items.append(ScoreItem("approved_extension", rules.approved_extension, 1,
                                           f.task.id, e.period, decided))
        for notice in d.chase_notices:  # one 督办单 is one chase, whatever tasks it names
            day = notice.at.astimezone(tz).date()
            if not notice.answered and counted_from <= day <= last:
                items.append(ScoreItem("unanswered_chase", rules.unanswered_chase, 1,
                                       "、".join(notice.tasks), "", day, notice))
        items += _silent_months(d, year, first, last, counted_from, rules, tz)
        counts = dict.fromkeys(RULE_KEYS, 0.0)
        points = dict.fromkeys(RULE_KEYS, 0.0)
        for item in items:
            counts[item.rule] += item.count
            points[item.rule] += item.points
        # `or 0.0`: a zero count times a negative rule is -0.0, which would print as "-0".
        lines = [ScoreLine(key, counts[key], round_half_up_to(points[key], 2) or 0.0)
                 for key in RULE_KEYS]
        raw = rules.base + sum(line.points for line in lines)
        score = round_half_up_to(max(rules.floor, min(rules.ceiling, raw)), 1)
        scores.append(DeptScore(d.dept, rules.base, lines, score, rules.grade(score), counts,
                                items, d.completion))
    return ranked(scores)


def _silent_months(d: DeptFacts, year: int, first: date, last: date, counted_from: date,
                   rules: Rules, tz: Any) -> list[ScoreItem]:
    """Full months of the year gone by since tracking began (and since the department's first
    task started) in which the department reported nothing."""
    if not d.tasks:
        return []
    began = max(counted_from, min(f.task.start for f in d.tasks))
    reported = set()
    for f in d.tasks:
        for stamp in f.fold.report_times:
            moment = datetime.fromtimestamp(stamp, tz)
            reported.add((moment.year, moment.month))
    items = []
    for month in range(1, 13):
        opens = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        if opens < began or following > last + timedelta(days=1):
            continue  # not a full month since tracking began, or not over yet
        if (year, month) not in reported:
            items.append(ScoreItem("silent_period", rules.silent_period, 1, None, "", opens))
    return items


def score_table(db: Database, year: int, now: datetime, rules: Rules | None = None
                ) -> list[DeptScore]:
    """Every department's score for `year`, as of `now` (a year in progress counts to today;
    a past year as it stood at its end)."""
    from bot.outputs.digest import facts_for

    rules = rules or load_rules()
    first, last = _year_span(year, now)
    if last == now.date():
        return score_facts(facts_for(db, now), year, rules)
    # A past year's end: the same moment every time it is scored, so its facts are kept.
    return score_facts(facts_as_of(db, end_of_day(last, now.tzinfo)), year, rules)

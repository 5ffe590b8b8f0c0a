"""What the ledger and the bulletin show: the facts model's figures (bot.domain.facts) with the
names, dates and words a document needs, as plain dataclasses the renderers format. Computes no
figure of its own beyond picking and ordering.

  gather(db, at, lang, historical)          -> Record         per task, department, split target
  bulletin_facts(db, at, period, lang, ...) -> BulletinFacts  what one issue of the 情况通报 shows

With `historical`, only what was recorded by `at` counts (the same file today and after any
later record). The 期号 is the one write: a period's number is given on its first issue
(bot.store.paperwork).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain import facts as model
from bot.domain.lifecycle import State
from bot.domain.numbers import percent_of_value, round_half_up
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.i18n import Day, Key
from bot.language.i18n import field as named
from bot.language.workdays import working_days_between
from bot.outputs.scoring import rank_key
from bot.store import members as member_store
from bot.store import paperwork
from bot.store import plan as plan_store
from bot.store.connection import utc_iso
from bot.store.meta import meta


@dataclass(frozen=True)
class Extension:
    original: date | None  # the deadline before the (first) approved extension
    extended: date | None  # the deadline in force
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Chases:
    count: int = 0
    unanswered: int = 0  # chases with no 签收 after them
    colours: tuple[str, ...] = ()  # blue | yellow | red, oldest first


def extension_of(f: model.TaskFacts) -> Extension | None:
    """The approved extensions of the task's headline occurrence (of a one-off task, the task),
    summed up: the deadline before the first one, the deadline in force, when the newest was
    approved. Another occurrence's extension is not this one's deadline."""
    approved = [e for e in f.extensions if e.approved and e.period == f.headline.period]
    if not approved:
        return None
    return Extension(approved[0].from_due or f.headline.due_original, f.headline.due,
                     approved[-1].decided_at)


def chases_of(f: model.TaskFacts) -> Chases:
    return Chases(len(f.chases), f.unanswered_chases, tuple(c.colour for c in f.chases))


# ---------------------------------------------------------------- more of the record


@dataclass(frozen=True)
class ExtensionRequest:
    """One 延期申请 and what became of it."""

    task_id: str
    requested_on: date | None
    from_due: date | None  # the deadline when it was asked for
    asked_due: date | None
    reason: str
    outcome: str  # approved | refused | pending
    decided_on: date | None = None
    refusal: str = ""  # the coordinator's reason for refusing
    period: str = ""  # the occurrence it asked to extend ("" for a one-off task)


def _local_day(moment: datetime | None, tz) -> date | None:
    return moment.astimezone(tz).date() if moment else None


def extension_requests(f: model.TaskFacts, tz) -> list[ExtensionRequest]:
    """A task's extension requests, oldest first, with their decisions."""
    out = []
    for e in f.extensions:
        outcome = "pending" if e.approved is None else ("approved" if e.approved else "refused")
        out.append(ExtensionRequest(f.id, _local_day(e.asked_at, tz), e.from_due, e.asked_due,
                                    e.reason or "", outcome, _local_day(e.decided_at, tz),
                                    e.refusal or "", e.period))
    return out


def _suspended_on(f: model.TaskFacts, tz) -> date | None:
    """The day the headline occurrence was suspended (中止), if it is."""
    if f.status.status != "suspended":
        return None
    timeline = f.fold.periods.get(f.headline.period)
    moments = [at for at, state in (timeline.timeline if timeline else ())
               if state is State.SUSPENDED]
    return _local_day(moments[-1], tz) if moments else None


def _supervision_number(task: Task, year: int | None) -> str:
    """督办编号: the plan year and the task's place in the plan, as a 督办单 numbers it."""
    number = task.position + 1  # positions count from 0
    return f"督〔{year}〕{number}号" if year else f"督{number}号"


# ---------------------------------------------------------------- one row per task


@dataclass(frozen=True)
class TaskFacts:
    view: model.TaskFacts
    dept_name: str
    with_names: tuple[str, ...]
    last_at: datetime | None
    last_by: str
    last_note: str
    extension: Extension | None
    chases: Chases
    acknowledged: datetime | None
    units: dict[str, float] = field(default_factory=dict)  # county unit -> reported value
    quotas: dict[str, float] = field(default_factory=dict)  # county unit -> its share of target
    supervision_no: str = ""  # 督办编号
    liaisons: tuple[str, ...] = ()  # 责任人: the department's liaisons
    assigned_on: date | None = None  # 交办日期
    closed_on: date | None = None  # 办结日期
    requests: tuple[ExtensionRequest, ...] = ()  # every 延期申请, oldest first
    suspended_on: date | None = None  # when the task was suspended (中止), if it is
    reason: str = ""  # why it is blocked, suspended, sent back or closed directly
    chased_on: date | None = None  # the newest 催办

    @property
    def task(self) -> Task:
        return self.view.task

    @property
    def days_overdue(self) -> int:
        return self.view.headline.days_overdue

    @property
    def approved(self) -> ExtensionRequest | None:
        """The newest approved extension request of the headline occurrence (see
        `extension_of`)."""
        period = self.view.headline.period
        return next((r for r in reversed(self.requests)
                     if r.outcome == "approved" and r.period == period), None)


@dataclass(frozen=True)
class UnitFigure:
    unit: str
    quota: float
    value: float | None
    share: float | None  # percent of the quota reached, one decimal


@dataclass(frozen=True)
class Breakdown:
    """任务分解: a numeric target split over the county-level units, with its subtotal."""

    facts: TaskFacts
    year: int | None  # the year the target is due
    target: float | None
    units: tuple[UnitFigure, ...]
    quota_total: float
    value_total: float
    share: float | None


@dataclass(frozen=True)
class DeptLine:
    """One department in the ranking: its figures, score, grade and place."""

    dept: Mapping[str, Any]
    name: str
    liaisons: tuple[str, ...]
    tasks: int
    completion: float | None
    counts: dict[str, int]
    score: float | None
    grade: str
    rank: int  # 1 = best; departments tied on score and completion share a rank
    closed: int = 0  # work items closed (办结销号) in the scored year: the score's closures
    silent: bool = False  # nothing reported since tracking began: never on the 红榜


@dataclass(frozen=True)
class Ranking:
    """The departments in one order used everywhere (table, 红榜, 黑榜, ledger).

    The rule: score, higher first; on equal scores, completion in whole percent, higher first;
    equal on both, the same rank, listed in the plan's order of departments. The 红榜 are the
    departments ranked within the first `n`, the 黑榜 those within the last `n` (ties at the
    cut-off included); a department level with the best is never on the 黑榜, one level with the
    worst never on the 红榜, so when all are level neither list names anyone. A department
    that has reported nothing since tracking began (零报送) is never on the 红榜."""

    lines: tuple[DeptLine, ...]
    red: tuple[DeptLine, ...]
    black: tuple[DeptLine, ...]
    n: int


RANK_N = 3  # names on the 红榜 and 黑榜 each (at most half the departments)


def _rank_key(line: DeptLine) -> tuple[float, int]:
    return rank_key(line.score, line.completion)  # the one rule (bot.outputs.scoring)


def _places(lines: Iterable[DeptLine]) -> dict[tuple[float, int], int]:
    """Each ranking key's place (1-based) in `lines`: tied lines share the first one's."""
    places: dict[tuple[float, int], int] = {}
    for i, line in enumerate(lines):
        places.setdefault(_rank_key(line), i + 1)
    return places


def ranking(lines: list[DeptLine]) -> Ranking:
    """Rank departments by the rule of `Ranking` (input in the plan's order)."""
    ordered = sorted(lines, key=lambda x: tuple(-v for v in _rank_key(x)))  # stable: plan order
    ranked: list[DeptLine] = []
    for i, line in enumerate(ordered):
        tied = ranked and _rank_key(ranked[-1]) == _rank_key(line)
        ranked.append(DeptLine(**{**vars(line), "rank": ranked[-1].rank if tied else i + 1}))
    # A department with no liaison cannot report: it is named under 零报送单位 and on neither
    # list (six unstaffed departments tied at the bottom put 7–9 of 10 on the 黑榜). The lists
    # are drawn from the others, each at most half of them, ties at the cut included.
    eligible = [x for x in ranked if x.liaisons]
    n = min(RANK_N, len(eligible) // 2)
    if not n:
        return Ranking(tuple(ranked), (), (), n)
    best, worst = _rank_key(eligible[0]), _rank_key(eligible[-1])
    from_top = _places(eligible)
    from_bottom = _places(reversed(eligible))  # the same ranking, counted from the end
    red = tuple(x for x in eligible
                if from_top[_rank_key(x)] <= n and _rank_key(x) != worst and not x.silent)
    black = tuple(x for x in reversed(eligible)
                  if from_bottom[_rank_key(x)] <= n and _rank_key(x) != best and x not in red)
    return Ranking(tuple(ranked), red, black, n)


@dataclass(frozen=True)
class Record:
    """Everything the ledger and the bulletin show, as of `at`."""

    at: datetime
    title: str
    document: str
    summary: model.Facts
    tasks: list[TaskFacts]
    issued: date | None = None  # the plan's issue date
    ranking: Ranking = Ranking((), (), (), 0)  # no departments
    breakdowns: tuple[Breakdown, ...] = ()
    year: int | None = None  # the scored year
    scores: tuple[Any, ...] = ()  # bot.outputs.scoring.DeptScore, ranked: the items of each


def _share(value: float | None, quota: float | None) -> int | None:
    return percent_of_value(value, quota) if value is not None and quota else None


def _breakdown(f: TaskFacts) -> Breakdown:
    units = tuple(UnitFigure(u, q, f.units.get(u), _share(f.units.get(u), q))
                  for u, q in f.quotas.items())
    quota_total = sum(f.quotas.values())
    value_total = sum(v for v in f.units.values() if v is not None)
    due = f.view.status.due
    return Breakdown(f, due.year if due else None, f.task.target_value, units, quota_total,
                     value_total, _share(value_total, quota_total))


def gather(db: Database, at: datetime, lang: str = "zh", historical: bool = False,
           rules: Any = None) -> Record:
    """The plan as of `at` with, per task, its last report, reporter, extension requests,
    chases, 交办/签收/办结 dates, 中止, liaisons and county units; per department its score and
    place in the ranking; the county units of every split target."""
    from bot.outputs.digest import facts_for
    from bot.outputs.scoring import load_rules, score_facts
    from bot.services.facts import facts_as_of

    facts = facts_as_of(db, at) if historical else facts_for(db, at)
    depts = plan_store.catalogue(db).all_departments
    people = member_store.names(db)
    info = meta(db)
    issued = _day(info.get("issued"))
    # 责任人 as they stood at `at` (the audit log's membership changes by then): a liaison who
    # left later is still named on that day's paper, one who joined later is not
    liaisons = {dept: tuple(names)
                for dept, names in member_store.liaison_names_as_of(db, utc_iso(at)).items()}
    tz = at.tzinfo
    rows = []
    for f in facts.tasks:
        # 最近报送 is the newest report on the occurrence the row's mark is about: a report on
        # an earlier occurrence of a recurring duty is not this one's (each is in 各期情况)
        task, latest = f.task, f.headline.latest_report
        closed = f.headline.closed_at if f.status.status == "closed" else None
        rows.append(TaskFacts(
            view=f,
            dept_name=named(depts.get(task.dept), "dept", lang),
            with_names=tuple(named(depts[c], "dept", lang) for c in task.with_depts
                             if c in depts),
            last_at=latest.at.astimezone(tz) if latest else None,
            last_by=(people.get(latest.user_id, str(latest.user_id)) if latest and latest.user_id
                     else ("cli" if latest else "")),
            last_note=latest.note if latest else "",
            extension=extension_of(f),
            chases=chases_of(f),
            acknowledged=(f.acked_at.astimezone(tz)
                          if f.acked_at and not f.awaiting_ack else None),
            units={u: v.value for u, v in f.units.items()},
            quotas=dict(task.quotas),
            supervision_no=_supervision_number(task, issued.year if issued else None),
            liaisons=liaisons.get(task.dept, ()),
            # 交办: when the task was assigned in the chat, else the day the plan gave it
            assigned_on=_local_day(f.assigned_at, tz) or task.start,
            closed_on=_local_day(closed, tz),
            requests=tuple(extension_requests(f, tz)),
            suspended_on=_suspended_on(f, tz),
            reason=f.headline.snapshot.reason or "",
            chased_on=_local_day(f.chases[-1].at, tz) if f.chases else None,
        ))
    scored = score_facts(facts, at.year, rules or load_rules())
    scores = {s.code: s for s in scored}
    lines = []
    for d in facts.departments:
        score = scores.get(d.code)
        lines.append(DeptLine(d.dept, named(d.dept, "dept", lang), liaisons.get(d.code, ()),
                              len(d.tasks), d.completion, dict(d.counts),
                              score.score if score else None,
                              named(vars(score.grade), "grade", lang) if score else "", 0,
                              int(score.counts["closed_on_time"] + score.counts["closed_late"])
                              if score else 0, d.silent))
    title = named(info, "plan", lang) or "duban"
    return Record(at, title, info.get("document", ""), facts, rows, issued, ranking(lines),
                  tuple(_breakdown(f) for f in rows if f.quotas), at.year, tuple(scored))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# ---------------------------------------------------------------- the bulletin's period

PERIODS = ("week", "month")
REPLY_WORKDAYS = 5  # 整改措施 are asked for within this many working days of the bulletin


@dataclass(frozen=True)
class Period:
    """The period an issue of the bulletin covers: a whole ISO week (Monday to Sunday, the week
    the digest reports on) or a whole calendar month, by default the last one complete when it
    is made; asked for 本周/本月, the one under way, from its first day to the day it is made
    (`so_far`). One period, one 期号 (a copy of the week so far and the whole week later are
    the same issue); the facts are those at the period's end, or at the making of a copy so far."""

    kind: str  # week | month
    start: date
    end: date  # the period's last day, or the day a copy so far is made
    key: str  # the ISO week or the month the issue belongs to (bot.store.paperwork)
    number: int = 0  # 期号, from the database; 0 until issued
    so_far: bool = False  # the period under way, up to `end`

    def closes(self, at: datetime) -> datetime:
        """The moment the facts are taken: the end of the period's last day, or `at` (the
        making) for a copy of the period so far."""
        return at if self.so_far else datetime.combine(self.end, time(23, 59, 59), at.tzinfo)


def period_key(kind: str, day: date) -> str:
    """'2023-W20' (the ISO week of `day`) or '2023-05' (its month): an issue's period."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def _period_holding(kind: str, day: date) -> tuple[date, date]:
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def period_of(kind: str, at: datetime, so_far: bool = False) -> Period:
    """The last whole week (Monday to Sunday) or calendar month that has ended by `at`: an
    export on a Tuesday covers the week before; on the 5th, the month before. Exported any day
    of the following week (month), the same period, the same 期号, the same figures. With
    `so_far`, the week (month) holding `at`, from its first day to `at`'s."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {kind!r}")
    start, end = _period_holding(kind, at.date())
    if so_far:
        return Period(kind, start, at.date(), period_key(kind, end), so_far=True)
    if at < datetime.combine(end, time(23, 59, 59), at.tzinfo):  # not over yet
        start, end = _period_holding(kind, start - timedelta(days=1))
    return Period(kind, start, end, period_key(kind, end))


def first_period(kind: str, track_from: date) -> Period:
    """The first period with tracked days: the one holding the day tracking began."""
    start, end = _period_holding(kind, track_from)
    return Period(kind, start, end, period_key(kind, end))


@dataclass(frozen=True)
class WaitingNotice:
    """A 交办单 or 督办单 not signed for (签收) as of the bulletin's date."""

    kind: str  # assign | chase
    dept: str  # the department's code
    dept_name: str
    tasks: tuple[str, ...]
    colour: str | None
    sent_on: date
    workdays: int  # working days it has waited
    marks: model.Marks = ()  # what became of its tasks since it was sent (notice_marks)


@dataclass(frozen=True)
class ChaseLine:
    facts: TaskFacts
    in_period: int  # 催办 sent in the period
    colour: str  # the newest chase's colour


@dataclass(frozen=True)
class SilentDept:
    """零报送单位: a department that reported nothing in the period."""

    line: DeptLine
    last_report_on: date | None  # its newest report ever, None if it never reported


@dataclass(frozen=True)
class DeptProblems:
    """What a department is asked to put right (问题与整改要求)."""

    line: DeptLine
    overdue: tuple[str, ...]  # task ids
    behind: tuple[str, ...]
    blocked: tuple[str, ...]
    unanswered: int  # 催办 not signed for
    unsigned: int  # notices (交办单/督办单) not signed for
    silent: bool  # nothing reported in the period


@dataclass(frozen=True)
class BulletinFacts:
    record: Record  # as of the end of the period
    period: Period
    issued: date  # 成文日期: the day it is made
    before: float | None  # the plan's completion at the end of the day before the period
    change: int | None  # whole points since then (None when there is nothing to compare)
    reports: int  # reports received in the period
    evidence: int  # evidence files received in the period
    overdue: tuple[TaskFacts, ...]  # most days overdue first, then by task id
    # 待核实 and 受阻: the coordinator's queues (each claimed or blocked occurrence, a claim
    # on an earlier occurrence and blocked work past its deadline included), in plan order
    waiting: tuple[tuple[TaskFacts, model.Occurrence], ...]
    extensions: tuple[tuple[TaskFacts, ExtensionRequest], ...]  # decided in the period or pending
    suspended: tuple[TaskFacts, ...]
    chases: tuple[ChaseLine, ...]  # tasks chased in the period or with chases not signed for
    notices: tuple[WaitingNotice, ...]
    silent: tuple[SilentDept, ...]
    problems: tuple[DeptProblems, ...]
    reply_by: date  # the day 整改措施 are due
    rules: Any  # bot.scoring.Rules: the scoring rules, named in words under the 红黑榜
    # 督办单 (one chase each, whatever tasks it names): sent in the period, and not signed for
    chases_sent: tuple[model.ChaseNotice, ...] = ()
    chases_unanswered: tuple[model.ChaseNotice, ...] = ()
    # recurring duties that began a new period in this one, counted from it (why the completion
    # can fall with no report made); none when there is nothing to compare with
    new_periods: tuple[model.TaskFacts, ...] = ()


def _reply_by(day: date) -> date:
    from bot.language.workdays import CalendarUnknown, add_workdays

    try:
        return add_workdays(day, REPLY_WORKDAYS)
    except CalendarUnknown:  # a year the official calendar does not know yet: a week
        return day + timedelta(days=7)


def bulletin_facts(db: Database, at: datetime, kind: str = "week", lang: str = "zh",
                   historical: bool = False, today: date | None = None,
                   rules: Any = None, so_far: bool = False) -> BulletinFacts:
    """Everything the 情况通报 made at `at` shows: the last whole week or month ended by then
    (period_of), with the facts at its end (what was recorded by then: the same figures whenever
    it is made); with `so_far`, the week or month under way, as at `at`. Issues the period's
    期号 (bot.store.paperwork) if it has none yet. A period before tracking began is refused
    (DubanError bulletin_no_period). `today` is the real date:
    a day's figures are kept only once it is over. (`historical` matters only for a copy so
    far: a whole period is always as recorded by its end.)"""
    from bot.outputs.digest import day_figures
    from bot.outputs.scoring import load_rules
    from bot.services.facts import end_of_day

    today = today or at.date()
    rules = rules or load_rules()
    span = bulletin_period(db, kind, at, so_far)
    closes = span.closes(at)
    record = gather(db, closes, lang, historical=historical or not span.so_far, rules=rules)
    tz = at.tzinfo
    begin = datetime.combine(span.start, time(0), tz)
    s = record.summary
    last_day = span.start - timedelta(days=1)
    # The period's figures: the facts at its end less those at the end of the day before it.
    previous = (day_figures(db, last_day, tz, today)
                if s.track_from is None or last_day >= s.track_from else None)
    before = previous.completion if previous else None
    change = (round_half_up(s.completion) - round_half_up(before)
              if s.completion is not None and before is not None else None)
    # Received in the period: made in it and standing at its end (the digest's rule).
    after = (last_day if previous is not None or s.track_from is None
             else s.track_from - timedelta(days=1))
    reports, evidence = s.received_after(end_of_day(after, tz))

    tasks = record.tasks
    overdue = sorted((f for f in tasks if f.view.status.overdue),
                     key=lambda f: (-f.days_overdue, f.task.id))
    rows = {f.task.id: f for f in tasks}
    waiting = sorted(((rows[f.task.id], o) for f, o in (*s.queues.claims, *s.queues.blocked)
                      if f.task.id in rows),
                     key=lambda p: (p[0].task.position, p[0].task.id, p[1].period))
    extensions = [(f, r) for f in tasks for r in f.requests
                  if r.outcome == "pending" or (r.decided_on and r.decided_on >= span.start)]
    suspended = [f for f in tasks if f.view.status.status == "suspended"]
    chases = []
    for f in tasks:
        in_period = sum(1 for c in f.view.chases if c.at >= begin)
        if in_period or f.chases.unanswered:
            chases.append(ChaseLine(f, in_period, f.chases.colours[-1] if f.chases.colours
                                    else ""))
    every_chase = model.chase_notices(f.view for f in tasks)
    lines = {x.dept["code"]: x for x in record.ranking.lines}
    notices = [WaitingNotice(n.kind, n.dept, lines[n.dept].name if n.dept in lines else n.dept,
                             tuple(n.tasks), n.colour, n.at.astimezone(tz).date(),
                             _working_days(n.at.astimezone(tz).date(), span.end), n.marks)
               for n in s.queues.unacknowledged]
    silent = []
    for d in s.departments:
        latest = d.latest_report
        if d.tasks and (latest is None or latest.at < begin):
            silent.append(SilentDept(lines[d.code], _local_day(latest.at, tz) if latest
                                     else None))
    silent_codes = {x.line.dept["code"] for x in silent}
    problems = []
    for d in s.departments:
        code = d.code
        own = [f for f in tasks if f.task.dept == code]
        ids = {st: tuple(f.task.id for f in own if f.view.status.status == st)
               for st in ("behind", "blocked")}
        late = tuple(f.task.id for f in own if f.view.status.overdue)
        unanswered = sum(1 for n in d.chase_notices if not n.answered)
        unsigned = sum(1 for n in notices if n.dept == code)
        found = DeptProblems(lines[code], late, ids["behind"], ids["blocked"], unanswered,
                             unsigned, code in silent_codes)
        if late or found.behind or found.blocked or unanswered or unsigned or found.silent:
            problems.append(found)
    return BulletinFacts(record, span, at.date(), before, change, reports, evidence,
                         tuple(overdue), tuple(waiting), tuple(extensions), tuple(suspended),
                         tuple(chases), tuple(notices), tuple(silent), tuple(problems),
                         _reply_by(at.date()), rules,
                         tuple(n for n in every_chase if n.at >= begin),
                         tuple(n for n in every_chase if not n.answered),
                         tuple(s.new_periods_after(last_day)) if change is not None else ())


def bulletin_period(db: Database, kind: str, at: datetime, so_far: bool = False) -> Period:
    """The period a bulletin made at `at` covers (period_of), with its 期号 (given on the
    period's first issue, whole or so far). A period that ended before tracking began has
    nothing to report: refused, saying when the first one can be made."""
    from bot.services.facts import tracking_start

    span = period_of(kind, at, so_far)
    began = tracking_start(db, at.tzinfo)
    if began is not None and span.end < began:
        first = first_period(kind, began)
        raise DubanError("bulletin_no_period", period=Key(f"bulletin_period.{kind}"),
                         began=Day(began), start=Day(first.start), end=Day(first.end),
                         available=Day(first.end + timedelta(days=1)))
    whole = _period_holding(kind, span.start)  # the row names the whole period
    return replace(span, number=paperwork.issue_number(db, span.kind, span.key, *whole, at))


def _working_days(start: date, end: date) -> int:
    return working_days_between(start, end)

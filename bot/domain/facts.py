"""The facts: where the plan stands as of one instant, computed once, the same in every output.

/status (every form), the cards, /history, the digest and its charts, the ledger, the bulletin, the
score and the command line all render these values and compute no figure of their own.

Pure: folded from plain records (the rows of `reports`, the deadline history, evidence and notices)
and a day. Three steps:

  fold_task(records, deadlines, evidence)  -> TaskFold      what the records say, per occurrence
  task_facts(task, fold, day, track_from)  -> TaskFacts     the marks as of `day`
  plan_facts(departments, tasks, …)        -> Facts         per department and for the plan

Rules that every output shares, in one place each:
  * rounding: bot.domain.numbers.round_half_up (7.5 -> 8); a percent from reported values is
    rounded and capped at 100 (percent_of_value);
  * tracking start: nothing before `track_from` counts: an occurrence of a recurring duty that
    fell due before it does not exist; a one-off task due before it is overdue from that day
    on (its overdue days counted from then, not from its due date);
  * occurrences of recurring duties are first-class: an earlier occurrence still open (missed) or
    waiting for the coordinator's check (claimed) stays in the facts, whatever occurrence began
    since, and the score charges or credits each. The task's mark and figures (its `headline`)
    are the oldest occurrence still open, else the one in force: a missed occurrence keeps the
    task 逾期 until it is done, while a claim on a past one waits in 待核实 and neither raises
    today's figure nor, once checked, lowers it;
  * a task's one mark (`TaskStatus.status`) is the headline's, so counts by status always add up to
    the number of tasks; 逾期 means past due and still open (blocked work included);
  * "latest report" is the newest *report* (progress or claim), never a 签收, a chase or a decision;
  * reports received in a span (the digest's since the previous one, the bulletin's in its
    period) are those made in it that still stand at its end (`Facts.received_after`): one taken
    back is not counted, and taking back an older one counts nothing off.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from operator import itemgetter
from typing import Any

from bot.domain.lifecycle import OPEN, Snapshot, State, from_record, initial, state_of_record
from bot.domain.marks import STATUSES, TaskStatus, derive_status
from bot.domain.task import ONE_OFF, Task, Window

Row = Mapping[str, Any]
REPORT_KINDS = frozenset({"progress", "claim"})
CLOSING_KINDS = frozenset({"close", "direct_close"})
# What an earlier occurrence may be left as without being missed: checked or suspended.
SETTLED = frozenset({State.CLOSED, State.SUSPENDED})


# ---------------------------------------------------------------- what the records say


@dataclass(frozen=True)
class ReportRef:
    """One report (progress or claim): what was said, by whom, when."""

    id: int
    period: str
    kind: str
    at: datetime
    user_id: int | None
    percent: int
    value: float | None
    state: str | None
    note: str


@dataclass(frozen=True)
class UnitValue:
    """One county unit's newest figure of a split target, who reported it and when."""

    unit: str
    value: float
    user_id: int | None
    at: datetime


@dataclass(frozen=True)
class Chase:
    at: datetime
    colour: str
    answered: bool  # a 签收 of the task came after it
    notice: int | None = None


@dataclass(frozen=True)
class Extension:
    """A 延期申请 and what became of it (approved: True, refused: False, waiting: None)."""

    period: str
    asked_due: date
    reason: str
    asked_at: datetime | None
    asked_by: int | None
    from_due: date | None  # the deadline it asked to move
    approved: bool | None = None
    decided_at: datetime | None = None
    decided_by: int | None = None
    refusal: str = ""


_STATE_LIST = tuple(State)
_STATE_CODE = {state: i for i, state in enumerate(_STATE_LIST)}


@dataclass
class PeriodFold:
    last: Row | None = None  # the newest valid record
    latest_report: ReportRef | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    units: dict[str, UnitValue] = field(default_factory=dict)
    # The timeline (each change of state, when it happened) kept compact: years of records
    # at 9 bytes a change rather than ~110 (a tuple and a datetime); see `timeline`.
    changed_at: array[float] = field(default_factory=lambda: array("d"))
    changed_to: bytearray = field(default_factory=bytearray)

    def copy(self) -> PeriodFold:
        return replace(self, units=dict(self.units), changed_at=array("d", self.changed_at),
                       changed_to=bytearray(self.changed_to))

    @property
    def timeline(self) -> list[tuple[datetime, State]]:
        """(when, state) of each change of state, oldest first (UTC)."""
        return [(datetime.fromtimestamp(at, UTC), _STATE_LIST[code])
                for at, code in zip(self.changed_at, self.changed_to, strict=True)]

    @property
    def state(self) -> State | None:
        """The state the newest change left the occurrence in (None before any record)."""
        return _STATE_LIST[self.changed_to[-1]] if self.changed_to else None

    def change(self, at: datetime, state: State) -> None:
        if self.state is not state:
            self.changed_at.append(at.timestamp())
            self.changed_to.append(_STATE_CODE[state])


@dataclass
class TaskFold:
    """Everything a task's records say, folded in order (see `fold_task`)."""

    periods: dict[str, PeriodFold] = field(default_factory=dict)
    latest_report: ReportRef | None = None
    reports: int = 0
    # when each report was made, in seconds since the epoch (compact: years of reports)
    report_times: array[float] = field(default_factory=lambda: array("d"))
    evidence_times: array[float] = field(default_factory=lambda: array("d"))  # files kept
    chases: list[Chase] = field(default_factory=list)
    assigned_at: datetime | None = None
    acked_at: datetime | None = None  # the 签收 answering the newest 交办 (None: waiting)
    last_ack: datetime | None = None  # the newest 签收 of any notice
    decided: list[Extension] = field(default_factory=list)  # extension requests decided
    pending: dict[str, Extension] = field(default_factory=dict)  # requests waiting, by period
    last_id: int = 0  # the newest record folded, and when it was made (UTC ISO)
    last_at: str = ""
    # (due, window start, when set) per period, newest: set in the chat, and by the plan file
    deadlines: dict[str, tuple[date, date | None, datetime]] = field(default_factory=dict)
    plan_deadlines: dict[str, tuple[date, date | None, datetime]] = field(default_factory=dict)
    # the window's start set in the chat (a standing duty given a deadline), per period: it
    # stands through later deadlines and extensions, which set none
    starts: dict[str, date] = field(default_factory=dict)

    def period(self, key: str) -> PeriodFold:
        return self.periods.get(key) or PeriodFold()

    def copy(self) -> TaskFold:
        """A copy to fold more onto, leaving facts already given out from this one as they were."""
        return replace(self, periods={k: p.copy() for k, p in self.periods.items()},
                       report_times=array("d", self.report_times), chases=list(self.chases),
                       decided=list(self.decided), pending=dict(self.pending))

    @property
    def evidence(self) -> int:
        return len(self.evidence_times)

    @property
    def extensions(self) -> list[Extension]:
        """Every extension request: decided ones in order, then those waiting."""
        return [*self.decided, *self.pending.values()]


def _data(row: Row) -> dict[str, Any]:
    raw = row.get("data")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def fold_task(records: Iterable[Row], deadlines: Iterable[Row] = (),
              evidence: array[float] | None = None) -> TaskFold:
    """Fold one task's valid records and its deadline history. Records are read in the order
    they were made (by time, then id); a period's present is its newest record by id, the one
    the lifecycle stepped from."""
    fold = TaskFold(evidence_times=evidence if evidence is not None else array("d"))
    fold_more(fold, records)
    fold_deadlines(fold, deadlines)
    return fold


def fold_more(fold: TaskFold, records: Iterable[Row]) -> bool:
    """Fold records made after the fold's newest (in order). False, folding nothing more, when
    one of them was made earlier than that (a clock set back): fold the task anew then."""
    pending = fold.pending
    for row in records:  # the store gives them by time, then id
        if row["at"] < fold.last_at:
            return False
        fold.last_id, fold.last_at = max(fold.last_id, row["id"]), row["at"]
        kind, at = row["kind"], _moment(row["at"])
        p = fold.periods.setdefault(row["period"], PeriodFold())
        if p.last is None or row["id"] > p.last["id"]:
            p.last = row
        state = state_of_record(row)
        p.change(at, state)
        if kind in REPORT_KINDS:
            ref = ReportRef(row["id"], row["period"], kind, at, row.get("user_id"),
                            row["percent"] or 0, row.get("value"), row.get("state"),
                            row.get("note") or "")
            p.latest_report = fold.latest_report = ref
            fold.reports += 1
            fold.report_times.append(at.timestamp())
            if kind == "claim" or state is State.CLAIMED:
                p.claimed_at = at
            if row.get("unit") is not None and row.get("unit_value") is not None:
                p.units[row["unit"]] = UnitValue(row["unit"], row["unit_value"],
                                                 row.get("user_id"), at)
        elif kind in CLOSING_KINDS:
            p.closed_at = at
        elif kind == "assign":
            fold.assigned_at, fold.acked_at = at, None
        elif kind == "ack":
            fold.acked_at = fold.last_ack = at
            fold.chases = [Chase(c.at, c.colour, True, c.notice) for c in fold.chases]
        elif kind == "chase":
            data = _data(row)
            fold.chases.append(Chase(at, str(data.get("colour") or ""), False,
                                     data.get("notice")))
        elif kind == "extend_request":
            asked = _data(row).get("extension") or {}
            due = _day(asked.get("due"))
            if due:
                pending[row["period"]] = Extension(
                    row["period"], due, str(asked.get("reason") or ""), at, row.get("user_id"),
                    _day(asked.get("from")))
        elif kind == "extend_withdraw":
            pending.pop(row["period"], None)
        elif kind in ("extend_approve", "extend_refuse"):
            asked = _data(row).get("approved" if kind == "extend_approve" else "refused") or {}
            request = pending.pop(row["period"], None) or Extension(
                row["period"], _day(asked.get("due")) or at.date(),
                str(asked.get("reason") or ""), None, _int(asked.get("by")),
                _day(asked.get("from")))
            fold.decided.append(Extension(
                request.period, request.asked_due, request.reason, request.asked_at,
                request.asked_by, request.from_due, kind == "extend_approve", at,
                row.get("user_id"), row.get("note") or "" if kind == "extend_refuse" else ""))
    return True


def fold_deadlines(fold: TaskFold, deadlines: Iterable[Row]) -> None:
    """The deadline history, newest last: the chat's and the plan file's apart."""
    fold.deadlines, fold.plan_deadlines, fold.starts = {}, {}, {}
    for row in deadlines:
        due = _day(row.get("due"))
        if due is None:
            continue  # not a date (a hand-edited file): the plan's or the recurrence's holds
        kept = fold.plan_deadlines if row.get("source") == "plan" else fold.deadlines
        start = _day(row.get("start"))
        kept[row["period"]] = (due, start, _moment(row["at"]))
        if kept is fold.deadlines and start:
            # a later change of the due day alone keeps the window's start set earlier
            fold.starts[row["period"]] = start


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- the marks as of a day


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a task (the only one of a one-off task) as of a day."""

    period: str
    opens: date
    due: date | None  # the deadline in force
    due_original: date | None  # before any deadline set in the chat
    tracked: bool  # falls due on or after tracking began (or never)
    snapshot: Snapshot
    status: TaskStatus
    latest_report: ReportRef | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    units: Mapping[str, UnitValue] = field(default_factory=dict)

    @property
    def state(self) -> State:
        return self.snapshot.state

    @property
    def percent(self) -> int:
        return self.status.percent

    @property
    def value(self) -> float | None:
        return self.snapshot.value

    @property
    def days_overdue(self) -> int:
        s = self.status
        return -s.days_left if s.overdue and s.days_left is not None else 0


@dataclass(frozen=True)
class TaskFacts:
    task: Task
    headline: Occurrence  # what the task's mark and figures are (see the module's rules)
    current: Occurrence  # the occurrence in force on the day
    earlier: tuple[Occurrence, ...]  # earlier occurrences still open or waiting for a check
    latest_report: ReportRef | None
    reports: int
    evidence: int
    chases: tuple[Chase, ...]
    assigned_at: datetime | None
    acked_at: datetime | None
    extensions: tuple[Extension, ...]
    fold: TaskFold = field(repr=False, compare=False, default_factory=TaskFold)
    day: date | None = None  # as of the end of this day
    track_from: date | None = None

    def every_occurrence(self) -> list[Occurrence]:
        """Each occurrence of a recurring duty from tracking start to the one in force, settled
        ones included, each with its own state (the ledger's 各期情况); a one-off task's one."""
        if self.task.recurrence is None or self.day is None:
            return [self.current]
        first = self.track_from or self.task.start
        last = self.current.opens - timedelta(days=1)
        return [*(_occurrence(self.task, self.fold, w, self.day, self.track_from)
                  for w in self.task.occurrences(first, last)), self.current]

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def status(self) -> TaskStatus:
        return self.headline.status

    @property
    def period(self) -> str:
        return self.headline.period

    @property
    def value(self) -> float | None:
        return self.headline.value

    @property
    def units(self) -> Mapping[str, UnitValue]:
        return self.headline.units

    @property
    def occurrences(self) -> tuple[Occurrence, ...]:
        """Earlier open ones, then the one in force."""
        return (*self.earlier, self.current)

    @cached_property  # read for every line that shows the task
    def claims_elsewhere(self) -> tuple[Occurrence, ...]:
        """Claims waiting for the check on occurrences other than the one the task's mark is
        (a claim on a past occurrence, or on the one in force behind a missed one): in 待核实,
        not in the task's mark, so said beside it wherever the mark is counted or shown."""
        return tuple(o for o in self.occurrences
                     if o.state is State.CLAIMED and o.period != self.headline.period)

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.approved is None), None)

    @property
    def unanswered_chases(self) -> int:
        return sum(1 for c in self.chases if not c.answered)

    @property
    def awaiting_ack(self) -> bool:
        """Assigned (交办) and not yet signed for (签收)."""
        return self.assigned_at is not None and self.acked_at is None


def deadline_in_force(task: Task, fold: TaskFold, period: str,
                      computed: date | None) -> tuple[date | None, date | None]:
    """(deadline in force, window start override) of a task or one occurrence: the newest set in
    the chat (as far as the fold reaches), else the plan file's as it was loaded then, else the
    recurrence's own date. The chat wins: re-seeding never undoes a decision taken there."""
    set_in_chat = fold.deadlines.get(period)
    if set_in_chat is not None:
        return set_in_chat[0], fold.starts.get(period)
    if period == ONE_OFF and task.recurrence is None:
        planned = fold.plan_deadlines.get(period)
        return (planned[0] if planned else task.due_plan), None
    return computed, None


def _occurrence(task: Task, fold: TaskFold, window: Window, day: date,
                track_from: date | None) -> Occurrence:
    due, opens = deadline_in_force(task, fold, window.period, window.due)
    opens = opens or window.opens
    pf = fold.period(window.period)
    snap = from_record(pf.last, task.recurring) if pf.last is not None else initial(task.recurring)
    tracked = due is None or track_from is None or due >= track_from
    status = derive_status(snap, reported=pf.last is not None and snap.reported, start=opens,
                           due=due, today=day)
    if not tracked and track_from is not None and status.days_left is not None \
            and day >= track_from:
        # fell due before tracking began: overdue only counts from the first tracked day
        status = replace(status, days_left=max(status.days_left,
                                               (track_from - timedelta(days=1) - day).days))
    original = window.due if task.recurring else task.due_plan
    # The claim an occurrence is waiting on, or the one its check closed (a direct close,
    # without a claim, has none).
    closed = snap.state is State.CLOSED
    claimed = snap.state is State.CLAIMED or (
        closed and len(pf.changed_to) > 1 and _STATE_LIST[pf.changed_to[-2]] is State.CLAIMED)
    return Occurrence(window.period, opens, due, original, tracked, snap, status,
                      pf.latest_report, pf.claimed_at if claimed else None,
                      pf.closed_at if closed else None, dict(pf.units))


def task_facts(task: Task, fold: TaskFold, day: date, track_from: date | None) -> TaskFacts:
    """A task's facts as of the end of `day`, from its fold."""
    current = _occurrence(task, fold, task.window(day), day, track_from)
    earlier: list[Occurrence] = []
    if task.recurrence is not None:
        first = track_from or task.start
        for window in task.occurrences(first, current.opens - timedelta(days=1)):
            occ = _occurrence(task, fold, window, day, track_from)
            if occ.state not in SETTLED:
                earlier.append(occ)
    # A claim on a past occurrence waits for the check in the queue; it neither raises the
    # task's figure nor (checked) lowers it: the task stays on an occurrence still open. An
    # occurrence extended past its window is still in force until its new deadline, claimed
    # or not: the task is on it until then, not on the next one.
    headline = next((o for o in earlier
                     if o.state in OPEN or (o.due is not None and o.due >= day)), current)
    return TaskFacts(task, headline, current, tuple(earlier), fold.latest_report, fold.reports,
                     fold.evidence, tuple(fold.chases), fold.assigned_at, fold.acked_at,
                     tuple(fold.extensions), fold, day, track_from)


# ---------------------------------------------------------------- departments and the plan


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def count_statuses(tasks: Iterable[TaskFacts]) -> dict[str, int]:
    """Tasks by their one mark: every status present, the counts adding up to the tasks."""
    counts = dict.fromkeys(STATUSES, 0)
    for f in tasks:
        counts[f.status.status] += 1
    return counts


Claim = tuple["TaskFacts", Occurrence]


@dataclass(frozen=True)
class DeptFacts:
    dept: Row
    tasks: tuple[TaskFacts, ...]
    counts: dict[str, int]
    completion: float | None  # mean progress of its tasks (None when it has none)
    expected: float | None  # mean 序时进度 of its dated tasks
    reports: int  # reports made (as of the facts' instant)
    latest_report: ReportRef | None
    # What the plan's figures and queues add up from (kept per department, so a change to one
    # task reworks its department, not the plan)
    percent_sum: int = 0
    expected_sum: float = 0.0
    expected_n: int = 0
    claims: tuple[Claim, ...] = ()  # oldest claim first
    blocked: tuple[Claim, ...] = ()
    extensions: tuple[tuple[TaskFacts, Extension], ...] = ()
    evidence: int = 0

    @property
    def code(self) -> str:
        code: str = self.dept["code"]
        return code

    @property
    def overdue(self) -> list[TaskFacts]:
        return [f for f in self.tasks if f.status.overdue]

    # The plan's lists are merged from the departments' with their order keys, worked out once
    # per department: a change to one task re-sorts its department's, not the plan's.
    @cached_property
    def overdue_keyed(self) -> list[tuple[tuple[date, str], TaskFacts]]:
        return sorted(((_overdue_key(f), f) for f in self.tasks if f.status.overdue),
                      key=itemgetter(0))

    @cached_property
    def claims_keyed(self) -> list[tuple[tuple[datetime, str, str], Claim]]:
        return [(_claimed_key(c), c) for c in self.claims]

    @cached_property
    def claims_elsewhere(self) -> int:
        """Claims in 待核实 that the ⏳ count does not hold (see TaskFacts.claims_elsewhere):
        the ⏳ count plus these is the length of the department's 待核实 list."""
        return sum(1 for f, o in self.claims if o.period != f.headline.period)

    @property
    def silent(self) -> bool:
        """零报送: no report since tracking began."""
        return self.reports == 0

    @property
    def chase_notices(self) -> list[ChaseNotice]:
        return chase_notices(self.tasks)


# What became of a notice's task since it was sent, as the notice is named wherever it is
# listed ("T01、T16（已销号）"): signed for (by it or a later notice), closed or suspended. A
# task with no mark still waits for its 签收.
SIGNED, CLOSED_SINCE, SUSPENDED_SINCE = "signed", "closed", "suspended"
Marks = tuple[tuple[str, str], ...]  # (task id, mark) for the marked tasks only


@dataclass(frozen=True)
class ChaseNotice:
    """One 催办: a 督办单 naming one or more of a department's tasks is one chase, counted (and
    scored) once, unanswered while any task it names has no 签收 after it."""

    at: datetime
    colour: str
    tasks: tuple[str, ...]
    answered: bool
    notice: int | None = None
    marks: Marks = ()  # what became of its tasks since (notice_marks)


def chase_notices(tasks: Iterable[TaskFacts]) -> list[ChaseNotice]:
    """The chases of these tasks, one per 督办单 (a chase recorded without one stands alone),
    each naming every task it was sent for, marked with what became of them since."""
    grouped: dict[tuple[Any, ...], list[tuple[str, Chase]]] = {}
    by_id: dict[str, TaskFacts] = {}
    for f in tasks:
        for c in f.chases:
            key = ("notice", c.notice) if c.notice is not None else ("task", f.task.id, c.at)
            grouped.setdefault(key, []).append((f.task.id, c))
            by_id[f.task.id] = f
    found = []
    for group in grouped.values():
        at = min(c.at for _, c in group)
        ids = tuple(dict.fromkeys(task_id for task_id, _ in group))
        signed = {task_id for task_id, c in group if c.answered}
        found.append(ChaseNotice(at, group[-1][1].colour, ids,
                                 all(c.answered for _, c in group), group[0][1].notice,
                                 notice_marks(ids, at, by_id, signed)))
    return sorted(found, key=lambda n: (n.at, n.tasks))


def notice_marks(tasks: Sequence[str], at: datetime, by_id: Mapping[str, TaskFacts],
                 signed: AbstractSet[str] | None = None) -> Marks:
    """The marks of a notice's tasks (sent at `at`) as of the facts' instant: a closed or
    suspended task is marked so whether or not it was signed for; a task no longer in the
    plan is left unmarked (and waits for nobody: `outstanding`). `signed`: the tasks whose
    chase a 签收 answered, as the fold saw them in order (a 签收 made at the same instant but
    before the chase does not answer it); else those signed for at or after `at`."""
    marks = []
    for task_id in tasks:
        f = by_id.get(task_id)
        if f is None:
            continue
        if f.headline.state is State.CLOSED:
            marks.append((task_id, CLOSED_SINCE))
        elif f.headline.state is State.SUSPENDED:
            marks.append((task_id, SUSPENDED_SINCE))
        elif (task_id in signed if signed is not None else
              f.fold.last_ack is not None and f.fold.last_ack >= at):
            marks.append((task_id, SIGNED))
    return tuple(marks)


@dataclass(frozen=True)
class Notice:
    """A 交办单 or 督办单 waiting for 签收 (as of the facts' instant)."""

    id: int
    kind: str
    dept: str
    tasks: tuple[str, ...]
    colour: str | None
    at: datetime
    message_id: int | None = None
    marks: Marks = ()  # what became of its tasks since it was sent (set by `queues`)


@dataclass(frozen=True)
class Queues:
    """What the coordinator acts on."""

    claims: tuple[tuple[TaskFacts, Occurrence], ...]  # oldest claim first
    blocked: tuple[tuple[TaskFacts, Occurrence], ...]
    extensions: tuple[tuple[TaskFacts, Extension], ...]
    unacknowledged: tuple[Notice, ...]  # with a task still to sign, each marked (notice_marks)
    silent: tuple[Row, ...]  # departments with no report since tracking began
    unstaffed: tuple[Row, ...] = ()  # departments with tasks and no liaison: nobody to tell

    def __bool__(self) -> bool:
        return any((self.claims, self.blocked, self.extensions, self.unacknowledged,
                    self.silent, self.unstaffed))


@dataclass(frozen=True)
class Facts:
    at: datetime
    day: date
    track_from: date | None
    departments: tuple[DeptFacts, ...]
    counts: dict[str, int]
    completion: float | None
    expected: float | None
    reports: int
    evidence: int
    # what the queues are drawn from, when first asked (a report's answer never asks)
    notices: tuple[Notice, ...] = ()
    staffed: frozenset[str] | None = None
    index: Mapping[str, TaskFacts] | None = field(default=None, repr=False, compare=False)

    # Read many times per message: worked out once per Facts (a frozen value).
    @cached_property
    def tasks(self) -> list[TaskFacts]:
        return [f for d in self.departments for f in d.tasks]

    @cached_property
    def queues(self) -> Queues:
        return queues(self.departments, self.notices, self.staffed, self._by_id)

    @cached_property
    def claims_elsewhere(self) -> int:
        return sum(d.claims_elsewhere for d in self.departments)

    @cached_property
    def overdue(self) -> list[TaskFacts]:
        """Past due and open, soonest due first."""
        return [f for _, f in sorted((pair for d in self.departments for pair in d.overdue_keyed),
                                     key=itemgetter(0))]

    @cached_property
    def targets(self) -> list[TaskFacts]:
        return [f for f in self.tasks if f.task.numeric]

    @cached_property
    def _by_id(self) -> Mapping[str, TaskFacts]:
        return self.index if self.index is not None else {f.task.id: f for f in self.tasks}

    @cached_property
    def _by_code(self) -> dict[str, DeptFacts]:
        return {d.code: d for d in self.departments}

    def task(self, task_id: str) -> TaskFacts | None:
        return self._by_id.get(task_id)

    def new_periods_after(self, day: date) -> list[TaskFacts]:
        """Recurring duties whose occurrence in force began after `day` and now gives their
        figure: their progress is counted afresh from it, which lowers the completion with no
        report made (the period behind them was done)."""
        return [f for f in self.tasks if f.task.recurring and f.current.opens > day
                and f.headline.period == f.current.period]

    def received_after(self, moment: datetime | None) -> tuple[int, int]:
        """Reports and evidence files received after `moment` (all, with None) that stand at
        the facts' instant, for the plan's tasks."""
        cut = moment.timestamp() if moment is not None else float("-inf")
        reports = evidence = 0
        for f in self.tasks:
            times, files = f.fold.report_times, f.fold.evidence_times
            reports += len(times) - bisect_right(times, cut)
            evidence += len(files) - bisect_right(files, cut)
        return reports, evidence

    def department(self, code: str) -> DeptFacts | None:
        return self._by_code.get(code)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _overdue_key(f: TaskFacts) -> tuple[date, str]:
    return (f.status.due or date.min, f.task.id)


def _claimed_key(pair: Claim) -> tuple[datetime, str, str]:
    f, o = pair
    return (o.claimed_at or _NEVER, f.task.id, o.period)


def dept_facts(dept: Row, tasks: Sequence[TaskFacts]) -> DeptFacts:
    dated = [f.status.expected for f in tasks if f.status.expected is not None]
    latest = max((f.latest_report for f in tasks if f.latest_report),
                 key=lambda r: (r.at, r.id), default=None)
    percents = [f.status.percent for f in tasks]
    claims = sorted(((f, o) for f in tasks for o in f.occurrences if o.state is State.CLAIMED),
                    key=_claimed_key)
    blocked = tuple((f, o) for f in tasks for o in f.occurrences if o.state is State.BLOCKED)
    extensions = tuple((f, e) for f in tasks for e in f.extensions if e.approved is None)
    return DeptFacts(dept, tuple(tasks), count_statuses(tasks), _mean(percents), _mean(dated),
                     sum(f.reports for f in tasks), latest, sum(percents), sum(dated),
                     len(dated), tuple(claims), blocked, extensions,
                     sum(f.evidence for f in tasks))


def outstanding(notice: Notice, tasks: Mapping[str, TaskFacts]) -> tuple[str, ...]:
    """The tasks of a notice still waiting for 签收: not signed for since it was sent (by this
    notice or another), neither closed nor suspended, and still in the plan."""
    marked = dict(notice_marks(notice.tasks, notice.at, tasks))
    return tuple(task_id for task_id in notice.tasks
                 if task_id in tasks and task_id not in marked)


def queues(depts: Sequence[DeptFacts], notices: Sequence[Notice],
           staffed: AbstractSet[str] | None = None,
           by_id: Mapping[str, TaskFacts] | None = None) -> Queues:
    """The coordinator's queues, merged from the departments' (claims oldest first)."""
    # each department's are in order already: Timsort merges the runs (in C, unlike heapq.merge)
    claims = [c for _, c in sorted((pair for d in depts for pair in d.claims_keyed),
                                   key=itemgetter(0))]
    blocked = [pair for d in depts for pair in d.blocked]
    extensions = [pair for d in depts for pair in d.extensions]
    shown = {d.code for d in depts}
    if by_id is None:
        by_id = {f.task.id: f for d in depts for f in d.tasks}
    waiting = [replace(n, marks=notice_marks(n.tasks, n.at, by_id)) for n in notices
               if n.dept in shown and outstanding(n, by_id)]
    unstaffed = (() if staffed is None else
                 tuple(d.dept for d in depts if d.code not in staffed and d.tasks))
    return Queues(tuple(claims), tuple(blocked), tuple(extensions), tuple(waiting),
                  tuple(d.dept for d in depts if d.silent), unstaffed)


def group_by_department(departments: Sequence[Row], tasks: Iterable[TaskFacts]
                        ) -> dict[str, list[TaskFacts]]:
    by_dept: dict[str, list[TaskFacts]] = {d["code"]: [] for d in departments}
    for f in tasks:
        if f.task.dept in by_dept:
            by_dept[f.task.dept].append(f)
    return by_dept


def plan_facts(at: datetime, day: date, track_from: date | None, departments: Sequence[Row],
               tasks: Sequence[TaskFacts], notices: Sequence[Notice],
               staffed: set[str] | None = None) -> Facts:
    by_dept = group_by_department(departments, tasks)
    depts = tuple(dept_facts(d, by_dept[d["code"]]) for d in departments)
    return facts_of_departments(at, day, track_from, depts, notices, staffed)


def facts_of_departments(at: datetime, day: date, track_from: date | None,
                         depts: Sequence[DeptFacts], notices: Sequence[Notice],
                         staffed: AbstractSet[str] | None = None,
                         by_id: Mapping[str, TaskFacts] | None = None) -> Facts:
    """The plan's figures added up from its departments' (`by_id`: every task's facts by id,
    a copy the caller will not change)."""
    counts = dict.fromkeys(STATUSES, 0)
    for d in depts:
        for status, n in d.counts.items():
            counts[status] += n
    n_tasks = sum(len(d.tasks) for d in depts)
    n_dated = sum(d.expected_n for d in depts)
    return Facts(at, day, track_from, tuple(depts), counts,
                 sum(d.percent_sum for d in depts) / n_tasks if n_tasks else None,
                 sum(d.expected_sum for d in depts) / n_dated if n_dated else None,
                 sum(d.reports for d in depts), sum(d.evidence for d in depts),
                 tuple(notices), frozenset(staffed) if staffed is not None else None, by_id)

"""The facts every export and the scores read, gathered once from the record.

The task lifecycle (bot/lifecycle.py) keeps 签收, 延期 and 催办 as records in `reports` (their
`kind` is the event); three adapters read them for the ledger, the bulletin and the scores:

  extension_of(db, task)        -> Extension | None  (the newest 'extend_approve' record)
  extensions_of(db, task, …)    -> [Extension]       (every approved extension, oldest first)
  chases_of(db, task_id, …)     -> Chases            ('chase' records, answered by a later 'ack')
  acknowledged_of(db, task_id)  -> datetime | None   (the 'ack' answering the newest 交办)

Each takes an optional `at`: records after it are not yet there (a historical ledger, the end of
a scored year). Revoked records never count. For every task at once, fetch
`lifecycle_records(db, at)` and pass each task's list as `records=` (one query, not 3 per task).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlite_utils import Database

from bot.domain.lifecycle import from_record
from bot.language.i18n import field as named
from bot.services.progress import PlanSummary, TaskView, plan_summary, quotas_of, unit_values
from bot.store import paperwork
from bot.store.connection import utc_iso


@dataclass(frozen=True)
class Extension:
    original: date | None  # the deadline before the (first) extension
    extended: date  # the deadline now in force
    approved_at: datetime | None = None


@dataclass(frozen=True)
class Chases:
    count: int = 0
    unanswered: int = 0  # chases with no 签收 after them
    colours: tuple[str, ...] = ()  # blue | yellow | red, oldest first


# Every record kind the adapters below read (each adapter picks its own kinds from the list).
LIFECYCLE_KINDS = ("ack", "assign", "chase", "extend_request", "extend_approve", "extend_refuse",
                   "suspend", "resume", "close", "direct_close", "reopen")
Records = list[dict[str, Any]]


def _records(db: Database, task_id: str | None, at: datetime | None = None) -> Records:
    """Valid lifecycle records (签收, 交办, 催办, approved 延期), oldest first, up to `at` if
    given; of one task, or of all tasks when `task_id` is None."""
    marks = ", ".join("?" for _ in LIFECYCLE_KINDS)
    where, params = f"kind IN ({marks}) AND revoked_at IS NULL", [*LIFECYCLE_KINDS]
    if task_id is not None:
        where, params = f"task_id = ? AND {where}", [task_id, *params]
    if at is not None:
        where, params = f"{where} AND at <= ?", [*params, utc_iso(at)]
    return list(db.query(f"SELECT id, task_id, period, kind, at, user_id, note, data FROM reports "
                         f"WHERE {where} ORDER BY at, id", params))


def lifecycle_records(db: Database, at: datetime | None = None) -> dict[str, Records]:
    """Every task's lifecycle records in one query (pass each task's list as `records=` to the
    adapters: one scan instead of three queries per task)."""
    out: dict[str, Records] = {}
    for row in _records(db, None, at):
        out.setdefault(row["task_id"], []).append(row)
    return out


def _data(row: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(row.get("data") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def extensions_of(db: Database, task: dict[str, Any], at: datetime | None = None,
                  records: Records | None = None) -> list[Extension]:
    """Every approved extension (延期) of a task's deadline, oldest first.

    A deadline the coordinator moves with /deadline is a new 交办, not an extension: it is not
    counted against the department."""
    out = []
    rows = _records(db, task["id"], at) if records is None else records
    for row in (r for r in rows if r["kind"] == "extend_approve"):
        approved = _data(row).get("approved") or {}
        if not approved.get("due"):
            continue
        out.append(Extension(_day(approved.get("from")) or _day(task.get("due")),
                             date.fromisoformat(approved["due"]),
                             datetime.fromisoformat(row["at"])))
    return out


def extension_of(db: Database, task: dict[str, Any], at: datetime | None = None,
                 records: Records | None = None) -> Extension | None:
    """The task's approved extension: the deadline before the first one, the deadline now in
    force (`due_set`, which the approval wrote and a later /deadline may have moved again) and
    when the newest was approved."""
    found = extensions_of(db, task, at, records)
    if not found:
        return None
    first, last = found[0], found[-1]
    in_force = _day(task.get("due_set")) if at is None else None
    return Extension(first.original, in_force or last.extended, last.approved_at)


def chases_of(db: Database, task_id: str, at: datetime | None = None,
              since: datetime | None = None, records: Records | None = None) -> Chases:
    """催办 sent about a task (up to `at`, from `since`); a chase is answered by any 签收 of the
    task after it (up to `at`)."""
    rows = [r for r in (_records(db, task_id, at) if records is None else records)
            if r["kind"] in ("chase", "ack")]
    last_ack = max((i for i, r in enumerate(rows) if r["kind"] == "ack"), default=-1)
    chases = [(i, r) for i, r in enumerate(rows) if r["kind"] == "chase"
              and (since is None or r["at"] >= utc_iso(since))]
    return Chases(len(chases), sum(1 for i, _ in chases if i > last_ack),
                  tuple(str(_data(r).get("colour") or "") for _, r in chases))


def acknowledged_of(db: Database, task_id: str, at: datetime | None = None,
                    records: Records | None = None) -> datetime | None:
    """When the department signed for (签收) the task: the newest 'ack' record, unless the task
    was assigned (交办) again after it and waits for a new 签收."""
    rows = [r for r in (_records(db, task_id, at) if records is None else records)
            if r["kind"] in ("ack", "assign")]
    if not rows or rows[-1]["kind"] != "ack":
        return None
    return datetime.fromisoformat(rows[-1]["at"])


def _local(moment: datetime | None, at: datetime) -> datetime | None:
    return moment.astimezone(at.tzinfo) if moment and moment.tzinfo else moment


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# ---------------------------------------------------------------- more of the record
# What the paperwork shows beside the figures: extension requests and their outcomes, 中止,
# 交办/签收/办结 dates, the liaisons, notices waiting for 签收, silent departments, county units.
# Gathered here, behind these dataclasses, so the renderers only format (the facts model of
# issue 18 replaces the implementation, not the shapes).


@dataclass(frozen=True)
class ExtensionRequest:
    """One 延期申请 and what became of it."""

    task_id: str
    requested_on: date
    from_due: date | None  # the deadline when it was asked for
    asked_due: date | None
    reason: str
    outcome: str  # approved | refused | pending
    decided_on: date | None = None
    refusal: str = ""  # the coordinator's reason for refusing


def extension_requests(records: Records, tz) -> list[ExtensionRequest]:
    """A task's extension requests, oldest first, each matched with the decision after it."""
    out: list[ExtensionRequest] = []
    for row in records:
        kind, data, day = row["kind"], _data(row), _local_day(row["at"], tz)
        if kind == "extend_request":
            asked = data.get("extension") or {}
            out.append(ExtensionRequest(row["task_id"], day, _day(asked.get("from")),
                                        _day(asked.get("due")), str(asked.get("reason") or ""),
                                        "pending"))
        elif kind in ("extend_approve", "extend_refuse") and out and out[-1].outcome == "pending":
            last = out[-1]
            asked = data.get("approved" if kind == "extend_approve" else "refused") or {}
            out[-1] = ExtensionRequest(
                last.task_id, last.requested_on, last.from_due or _day(asked.get("from")),
                last.asked_due or _day(asked.get("due")), last.reason or str(asked.get("reason")
                                                                            or ""),
                "approved" if kind == "extend_approve" else "refused", day,
                (row.get("note") or "") if kind == "extend_refuse" else "")
        elif kind in ("extend_approve", "extend_refuse"):  # a decision on a request not on record
            asked = data.get("approved" if kind == "extend_approve" else "refused") or {}
            out.append(ExtensionRequest(
                row["task_id"], day, _day(asked.get("from")), _day(asked.get("due")),
                str(asked.get("reason") or ""),
                "approved" if kind == "extend_approve" else "refused", day,
                (row.get("note") or "") if kind == "extend_refuse" else ""))
    return out


def _local_day(text: str, tz) -> date:
    return datetime.fromisoformat(text).astimezone(tz).date()


def _newest(records: Records, *kinds: str, period: str | None = None) -> dict[str, Any] | None:
    found = [r for r in records if r["kind"] in kinds
             and (period is None or r.get("period", "") == period)]
    return found[-1] if found else None


def _assigned_on(records: Records, task: dict[str, Any], tz) -> date | None:
    """交办: the first 交办 record; a task the plan assigned and nobody re-assigned in the chat
    counts from the window the plan gave it (its start)."""
    first = next((r for r in records if r["kind"] == "assign"), None)
    if first is not None:
        return _local_day(first["at"], tz)
    return _day(task.get("start"))


def _closed_on(records: Records, view: TaskView, tz) -> date | None:
    """办结: the day of the 核实销号 (or 直接销号) that closed the current work item."""
    if view.status.status != "closed":
        return None
    row = _newest(records, "close", "direct_close", period=view.period)
    if row is None and view.latest is not None:
        return _local_day(view.latest["at"], tz)
    return _local_day(row["at"], tz) if row else None


def _supervision_number(task: dict[str, Any], year: int | None) -> str:
    """督办编号: the plan year and the task's place in the plan, as a 督办单 numbers it."""
    number = task["position"] + 1  # positions count from 0
    return f"督〔{year}〕{number}号" if year else f"督{number}号"


# ---------------------------------------------------------------- one row per task


@dataclass(frozen=True)
class TaskFacts:
    view: TaskView
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
    def task(self) -> dict[str, Any]:
        return self.view.task

    @property
    def days_overdue(self) -> int:
        s = self.view.status
        return -s.days_left if s.overdue and s.days_left is not None else 0

    @property
    def approved(self) -> ExtensionRequest | None:
        """The newest approved extension request."""
        return next((r for r in reversed(self.requests) if r.outcome == "approved"), None)


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

    dept: dict[str, Any]
    name: str
    liaisons: tuple[str, ...]
    tasks: int
    completion: float | None
    counts: dict[str, int]
    score: float | None
    grade: str
    rank: int  # 1 = best; departments tied on score and completion share a rank


@dataclass(frozen=True)
class Ranking:
    """The departments in one order used everywhere (table, 红榜, 黑榜, ledger).

    The rule: score, higher first; on equal scores, completion in whole percent, higher first;
    equal on both, the same rank, listed in the plan's order of departments. The 红榜 are the
    departments ranked within the first `n`, the 黑榜 those within the last `n` (ties at the
    cut-off included); a department level with the best is never on the 黑榜, one level with the
    worst never on the 红榜, so when all are level neither list names anyone."""

    lines: tuple[DeptLine, ...]
    red: tuple[DeptLine, ...]
    black: tuple[DeptLine, ...]
    n: int


RANK_N = 3  # names on the 红榜 and 黑榜 each (at most half the departments)


def _rank_key(line: DeptLine) -> tuple[float, int]:
    return (line.score or 0.0, int((line.completion or 0.0) + 0.5))  # as bot.outputs.render.pct shows it


def ranking(lines: list[DeptLine]) -> Ranking:
    """Rank departments by the rule of `Ranking` (input in the plan's order)."""
    ordered = sorted(lines, key=lambda x: tuple(-v for v in _rank_key(x)))  # stable: plan order
    ranked: list[DeptLine] = []
    for i, line in enumerate(ordered):
        tied = ranked and _rank_key(ranked[-1]) == _rank_key(line)
        ranked.append(DeptLine(**{**vars(line), "rank": ranked[-1].rank if tied else i + 1}))
    n = min(RANK_N, len(ranked) // 2)
    if not ranked or not n:
        return Ranking(tuple(ranked), (), (), n)
    best, worst = _rank_key(ranked[0]), _rank_key(ranked[-1])
    from_bottom: dict[tuple[float, int], int] = {}  # the same ranking, counted from the end
    for i, line in enumerate(reversed(ranked)):
        from_bottom.setdefault(_rank_key(line), i + 1)
    red = tuple(x for x in ranked if x.rank <= n and _rank_key(x) != worst)
    black = tuple(x for x in reversed(ranked)
                  if from_bottom[_rank_key(x)] <= n and _rank_key(x) != best and x not in red)
    return Ranking(tuple(ranked), red, black, n)


@dataclass(frozen=True)
class Record:
    """Everything the ledger and the bulletin show, as of `at`."""

    at: datetime
    title: str
    document: str
    summary: PlanSummary
    tasks: list[TaskFacts]
    issued: date | None = None  # the plan's issue date
    ranking: Ranking | None = None
    breakdowns: tuple[Breakdown, ...] = ()
    year: int | None = None  # the scored year


def _liaisons(db: Database, at: datetime) -> dict[str, tuple[str, ...]]:
    """Each department's active liaisons (by name) who had joined by `at`."""
    return {dept: tuple(names) for dept, names in paperwork.liaison_names(db, at).items()}


def _share(value: float | None, quota: float | None) -> float | None:
    return round(100 * value / quota, 1) if value is not None and quota else None


def _breakdown(f: TaskFacts) -> Breakdown:
    units = tuple(UnitFigure(u, q, f.units.get(u), _share(f.units.get(u), q))
                  for u, q in f.quotas.items())
    quota_total = sum(f.quotas.values())
    value_total = sum(v for v in f.units.values() if v is not None)
    due = f.view.status.due
    return Breakdown(f, due.year if due else None, f.task["target_value"], units, quota_total,
                     value_total, _share(value_total, quota_total))


def gather(db: Database, at: datetime, lang: str = "zh", historical: bool = False,
           rules: Any = None) -> Record:
    """The plan as of `at` with, per task, its last report, reporter, extension, chases, units,
    交办/签收/办结 dates, extension requests, 中止 and the liaisons; per department its score and
    place in the ranking; the county units of every split target."""
    from bot.outputs.scoring import score_table

    summary = plan_summary(db, at, historical=historical)
    depts = {d["code"]: d for d in db["departments"].rows}
    names = {m["user_id"]: m["name"] or str(m["user_id"]) for m in db["members"].rows}
    info = {row["key"]: row["value"] for row in db["meta"].rows}
    issued = _day(info.get("issued"))
    liaisons = _liaisons(db, at)
    tz = at.tzinfo
    facts = []
    lifecycle = lifecycle_records(db, at)
    for view in summary.tasks:
        task, latest = view.task, view.latest
        own = lifecycle.get(task["id"], [])
        quotas = quotas_of(task)
        suspend = _newest(own, "suspend") if view.status.status == "suspended" else None
        chase = _newest(own, "chase")
        snap = from_record(latest, bool(task["recurrence"]))
        facts.append(TaskFacts(
            view=view,
            dept_name=named(depts[task["dept"]], "dept", lang),
            with_names=tuple(named(depts[c], "dept", lang)
                             for c in json.loads(task["with_depts"] or "[]") if c in depts),
            last_at=datetime.fromisoformat(latest["at"]).astimezone(tz) if latest else None,
            last_by=(names.get(latest["user_id"], "") if latest and latest["user_id"] else
                     ("cli" if latest else "")),
            last_note=(latest["note"] or "") if latest else "",
            extension=extension_of(db, task, at if historical else None, own),
            chases=chases_of(db, task["id"], at, records=own),
            acknowledged=_local(acknowledged_of(db, task["id"], at, own), at),
            units=unit_values(db, task["id"], view.period, at) if quotas else {},
            quotas=quotas,
            supervision_no=_supervision_number(task, issued.year if issued else None),
            liaisons=liaisons.get(task["dept"], ()),
            assigned_on=_assigned_on(own, task, tz),
            closed_on=_closed_on(own, view, tz),
            requests=tuple(extension_requests(own, tz)),
            suspended_on=_local_day(suspend["at"], tz) if suspend else None,
            reason=snap.reason if latest else "",
            chased_on=_local_day(chase["at"], tz) if chase else None,
        ))
    scores = {s.code: s for s in score_table(db, at.year, at, rules)}
    lines = []
    for d in summary.departments:
        score = scores.get(d.dept["code"])
        lines.append(DeptLine(d.dept, named(d.dept, "dept", lang),
                              liaisons.get(d.dept["code"], ()), len(d.tasks), d.completion,
                              dict(d.counts), score.score if score else None,
                              named(vars(score.grade), "grade", lang) if score else "", 0))
    title = named(info, "plan", lang) or "duban"
    return Record(at, title, info.get("document", ""), summary, facts, issued, ranking(lines),
                  tuple(_breakdown(f) for f in facts if f.quotas), at.year)


# ---------------------------------------------------------------- the bulletin's period

PERIODS = ("week", "month")
REPLY_WORKDAYS = 5  # 整改措施 are asked for within this many working days of the bulletin


@dataclass(frozen=True)
class Period:
    kind: str  # week | month
    start: date
    end: date
    key: str  # the ISO week or the month the issue belongs to (bot.store.paperwork)
    number: int = 0  # 期号, from the database; 0 until issued


def period_key(kind: str, day: date) -> str:
    """'2023-W20' (the ISO week of `day`) or '2023-05' (its month): an issue's period."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def period_of(kind: str, at: datetime) -> Period:
    """The week (7 days ending on `at`) or the calendar month of `at` the bulletin covers."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {kind!r}")
    end = at.date()
    start = end - timedelta(days=6) if kind == "week" else end.replace(day=1)
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
    record: Record
    period: Period
    before: float | None  # the plan's completion at the end of the day before the period
    change: int | None  # whole points since then (None when there is nothing to compare)
    reports: int  # reports received in the period
    evidence: int  # evidence files received in the period
    overdue: tuple[TaskFacts, ...]  # most days overdue first, then by task id
    waiting: tuple[TaskFacts, ...]  # 待核实 and 受阻, in plan order
    extensions: tuple[tuple[TaskFacts, ExtensionRequest], ...]  # decided in the period or pending
    suspended: tuple[TaskFacts, ...]
    chases: tuple[ChaseLine, ...]  # tasks chased in the period or with chases not signed for
    notices: tuple[WaitingNotice, ...]
    silent: tuple[SilentDept, ...]
    problems: tuple[DeptProblems, ...]
    reply_by: date  # the day 整改措施 are due
    rules: Any  # bot.scoring.Rules: the scoring rules, named in words under the 红黑榜


def _waiting_notices(db: Database, at: datetime, names: dict[str, str]) -> list[WaitingNotice]:
    from bot.services.notices import working_days_between

    out = []
    for row in paperwork.notices_waiting(db, at):
        sent = _local_day(row["at"], at.tzinfo)
        out.append(WaitingNotice(row["kind"], row["dept"], names.get(row["dept"], row["dept"]),
                                 tuple(row["tasks"]), row["colour"], sent,
                                 working_days_between(sent, at.date())))
    return out


def _reply_by(day: date) -> date:
    from bot.language.workdays import CalendarUnknown, add_workdays

    try:
        return add_workdays(day, REPLY_WORKDAYS)
    except CalendarUnknown:  # a year the official calendar does not know yet: a week
        return day + timedelta(days=7)


def bulletin_facts(db: Database, at: datetime, kind: str = "week", lang: str = "zh",
                   historical: bool = False, today: date | None = None,
                   rules: Any = None) -> BulletinFacts:
    """Everything the 情况通报 for the week or month ending at `at` shows. Issues the period's
    期号 (bot.store.paperwork) if it has none yet. `today` is the real date: completion
    snapshots are kept only for days before it."""
    from bot.outputs.digest import completion_on
    from bot.outputs.scoring import load_rules

    today = today or at.date()
    rules = rules or load_rules()
    record = gather(db, at, lang, historical=historical, rules=rules)
    span = period_of(kind, at)
    span = Period(span.kind, span.start, span.end, span.key,
                  paperwork.issue_number(db, span.kind, span.key, span.start, span.end, at))
    tz = at.tzinfo
    begin = datetime.combine(span.start, time(0), tz)
    last_day = span.start - timedelta(days=1)
    before = completion_on(db, last_day, tz, store=last_day < today)
    now = record.summary.completion
    change = (int(now + 0.5) - int(before + 0.5)) if now is not None and before is not None else None
    reports, evidence = paperwork.received_between(db, begin, at)

    tasks = record.tasks
    overdue = sorted((f for f in tasks if f.view.status.overdue),
                     key=lambda f: (-f.days_overdue, f.task["id"]))
    waiting = [f for f in tasks if f.view.status.status in ("pending_check", "blocked")]
    extensions = [(f, r) for f in tasks for r in f.requests
                  if r.outcome == "pending" or (r.decided_on and r.decided_on >= span.start)]
    suspended = [f for f in tasks if f.view.status.status == "suspended"]
    lifecycle = lifecycle_records(db, at)
    chases = []
    for f in tasks:
        in_period = chases_of(db, f.task["id"], at, since=begin,
                              records=lifecycle.get(f.task["id"], [])).count
        if in_period or f.chases.unanswered:
            chases.append(ChaseLine(f, in_period, f.chases.colours[-1] if f.chases.colours
                                    else ""))
    lines = {x.dept["code"]: x for x in record.ranking.lines}
    names = {code: x.name for code, x in lines.items()}
    notices = _waiting_notices(db, at, names)
    during = paperwork.departments_reporting(db, begin, at)
    last = {d: _local_day(t, tz) for d, t in paperwork.last_reports(db, at).items()}
    silent = [SilentDept(lines[d.dept["code"]], last.get(d.dept["code"]))
              for d in record.summary.departments if d.tasks and d.dept["code"] not in during]
    silent_codes = {s.line.dept["code"] for s in silent}
    problems = []
    for d in record.summary.departments:
        code = d.dept["code"]
        own = [f for f in tasks if f.task["dept"] == code]
        ids = {s: tuple(f.task["id"] for f in own if f.view.status.status == s)
               for s in ("behind", "blocked")}
        late = tuple(f.task["id"] for f in own if f.view.status.overdue)
        unanswered = sum(f.chases.unanswered for f in own)
        unsigned = sum(1 for n in notices if n.dept == code)
        found = DeptProblems(lines[code], late, ids["behind"], ids["blocked"], unanswered,
                             unsigned, code in silent_codes)
        if late or found.behind or found.blocked or unanswered or unsigned or found.silent:
            problems.append(found)
    return BulletinFacts(record, span, before, change, reports, evidence, tuple(overdue),
                         tuple(waiting), tuple(extensions), tuple(suspended), tuple(chases),
                         tuple(notices), tuple(silent), tuple(problems), _reply_by(at.date()),
                         rules)

"""One truth (issue 18): random 督办 histories on a real SQLite file loaded with the real plan
(tasks_seed.yaml), and after every step every output's figures equal the facts model's at that
instant.

The histories (Hypothesis' RuleBasedStateMachine) start from one of four loads: at the plan's
issue, mid-year (the first occurrences of the recurring duties fell due before tracking), a year
late (the milestones were overdue before tracking began), and at the issue with TRACK_FROM set
two months later; each acts on a few tasks (a recurring duty and a target among them). Then, by
the people who may do them (now and then by one who may not): reports (percent, work state, a
value in quarters on a counted target, a county unit's value on a split one, a bare figure on a
split one, refused), claims, checks and send-backs of the claims waiting, direct closes, /undo,
交办 and 催办 notices, 签收 (of a notice and on its own), 延期 requests, approvals, refusals and
withdrawals, deadline changes (a standing duty given one too), 中止 and 恢复, evidence, a liaison
joining, late reports on recurring duties (the oldest open occurrence, or the occurrence chosen
when the core asks which), on a clock moving by minutes, days, weeks and to the edges of a
recurring duty's due dates.

After every step (`outputs_equal_the_facts`):
  * /status for the coordinator (status_html + queues_html) and per department
    (department_html), the task cards (task_html), the command line's tables (plan_plain,
    department_plain): completion, the count of every mark, the overdue list with its days
    (ten lines and how many more), each task's mark, percent, 序时进度 and target figure, the
    earlier occurrences still open, the county figures with who and when, the queues;
  * today's nudges (reminders.scan): the days overdue and the missed occurrences are the facts';
  * the digest (digest_text) and what its three charts draw (bot.outputs.digest.chart_data):
    completion and its change on the week as shown, reports and evidence of the week, the
    department lines, overdue, what falls due; the department bars, the target bars and their
    county units, the trend points (each the facts as of the end of its day);
  * the score (score_table, and its text score_plain): each line's points are the sum of its
    items, nothing refers to a day before tracking began;
  * counts add up to the task count everywhere; nothing before tracking began exists in the
    facts (no occurrence due before it, no overdue day counted before it).
Every LEDGER_EVERY steps and at the end, the ledger (build_ledger, read with openpyxl: per task
status, percent, value, deadline and extension, days overdue, chases, latest report and its
author; per department the counts, which add up to its tasks, completion and score; the county
units; 各期情况, every occurrence's own state; 考评明细, every score item) is built as of now and
compared with the facts; every BULLETIN_EVERY steps and at the end, the bulletin too
(build_bulletin without charts, read with python-docx: the 总体进展 sentences, the department
table, 逾期事项 with the latest report, 待核实及受阻, 任务分解). A bulletin costs 0.4-1 s, which
is why it is not built after every step.

Time travel: now and then a past day is remembered (the facts as of its end, and its ledger and
bulletin built historically, checked against those facts); every LEDGER_EVERY steps they are
computed again from the record (nothing kept) and must be the same facts, and at the end the
same ledger cells and bulletin paragraphs and tables too; the facts kept for now must be the
facts computed afresh.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot.domain.facts import Facts, TaskFacts
from bot.domain.lifecycle import OPEN, Event, State
from bot.domain.marks import MARKS
from bot.errors import DubanError
from bot.language.i18n import Key, field, label, t
from bot.outputs.digest import DUE_AHEAD_DAYS, chart_data, digest_data
from bot.outputs.exports.bulletin import build_bulletin
from bot.outputs.exports.facts import period_of
from bot.outputs.exports.ledger import build_ledger
from bot.outputs.render import COUNT_COLUMNS
from bot.outputs.render.chat import (
    SHOWN_AT_MOST,
    department_html,
    queues_html,
    status_html,
    task_html,
)
from bot.outputs.render.digest import digest_text
from bot.outputs.render.paper import day_text, for_reader
from bot.outputs.render.plain import department_plain, plan_plain
from bot.outputs.scoreboard import department_score_text, score_plain
from bot.outputs.scoring import RULE_KEYS, load_rules, score_table
from bot.services import notices
from bot.services.commands import (
    act,
    close_directly,
    close_task,
    decide_extension,
    record_report,
    reopen_task,
    request_extension,
    set_deadline,
    task_history,
    task_version,
    undo_last,
    withdraw_extension,
)
from bot.services.directory import add_member, department, dept_names, find_task, member_names
from bot.services.facts import end_of_day, facts_as_of, facts_now, forget, set_track_from
from bot.services.plan import load_plan, read_plan_file
from bot.services.reminders import NudgePolicy, scan
from bot.store import connection as dbmod
from bot.store.meta import meta
from tests import truth_readers as read
from tests.conftest import PLAN_FILE, keep_evidence

TZ = ZoneInfo("Asia/Shanghai")
PLAN = read_plan_file(PLAN_FILE)
LANG = "zh"
RULES = load_rules()
COLOURS = ("blue", "yellow", "red")

# (when the plan is first loaded, TRACK_FROM)
VARIANTS = {
    "loaded at the issue": (datetime(2022, 1, 5, 10, 0, tzinfo=TZ), None),
    "loaded mid-year": (datetime(2022, 6, 20, 9, 0, tzinfo=TZ), None),
    "loaded a year late": (datetime(2023, 2, 20, 9, 0, tzinfo=TZ), None),
    "TRACK_FROM after the load": (datetime(2022, 1, 5, 10, 0, tzinfo=TZ), date(2022, 3, 1)),
}
COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, STRANGER = 1000, 1001, 1008, 4242
PEOPLE = {COORDINATOR: ("EDU", "coordinator", "王统筹"), EDU_LIAISON: ("EDU", "liaison", "李联络"),
          HEALTH_LIAISON: ("HEALTH", "liaison", "张卫健")}
JOINERS = {"FIN": (1005, "陈财政"), "YOUTH": (1009, "林团委"), "CIVIL": (1003, "周文明")}

# The tasks acted on (every task is in every output): milestones (T01/T02 mid-2022, T05 end of
# 2023, T09 2025), targets (T03 in %, T07/T08 counted and not split, T04/T06 split over the
# county units), recurring duties (T10 yearly with a target, T12 each semester, T16 four times a
# year, T37 the finance bureau's yearly, T48 the youth league's each semester), standing duties
# (T18; T32 with a target; T41 the health commission's).
TASKS = ("T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09", "T10", "T12", "T16",
         "T18", "T32", "T37", "T41", "T48")
VALUED = ("T03", "T04", "T06", "T07", "T08", "T10", "T32")
RECURRING = ("T10", "T12", "T16", "T37", "T48")
SPLIT = ("T04", "T06")
NOTES = st.sampled_from(["", "按计划推进", "经费未到位，暂缓", "材料已上传 <核实>"])
REASONS = st.sampled_from(["", "材料已核实", "需补充佐证", "机构调整"])
# The documents cost most (a bulletin ~0.4-1 s, a ledger ~0.1 s): the ledger is built every
# LEDGER_EVERY steps, the bulletin every BULLETIN_EVERY steps, both at the end of each history.
LEDGER_EVERY = 8
BULLETIN_EVERY = 24
MAX_PAST_DAYS = 2  # past days remembered per history (each costs a ledger and a bulletin)

_templates: dict[str, Path] = {}


def fresh_database(folder: Path, variant: str) -> Path:
    """A copy of one database per variant, loaded with the plan and the three people."""
    if variant not in _templates:
        kept = tempfile.mkdtemp(prefix="duban-truth-")
        atexit.register(shutil.rmtree, kept, ignore_errors=True)
        path = Path(kept) / "template.db"
        loaded, track_from = VARIANTS[variant]
        db = dbmod.connect(path)
        load_plan(db, PLAN, now=loaded)
        set_track_from(db, track_from)
        for user_id, (dept, role, name) in PEOPLE.items():
            add_member(db, user_id=user_id, dept=dept, role=role, now=loaded, actor="test",
                       name=name)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _templates[variant] = path
    path = folder / "duban.db"
    shutil.copyfile(_templates[variant], path)
    return path


@dataclass
class PastDay:
    """A past day's facts and documents, kept to compare with the same day computed later."""

    day: date
    at: datetime
    facts: Any  # the signature of the facts as of the end of the day
    ledger: dict[str, list[list[Any]]]
    bulletin: tuple[list[str], list[list[list[str]]]] | None


class OneTruthMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self.db = None
        self.steps = 0
        self.past: dict[date, PastDay] = {}
        self.as_of: dict[date, Facts] = {}  # facts as of the end of past days (the oracle)

    @initialize(variant=st.sampled_from(sorted(VARIANTS)), recurring=st.sampled_from(RECURRING),
                valued=st.sampled_from(VALUED),
                others=st.lists(st.sampled_from(TASKS), min_size=2, max_size=4, unique=True))
    def load(self, variant: str, recurring: str, valued: str, others: list[str]) -> None:
        """The plan loaded as `variant` says; the history acts on a few tasks (a recurring
        duty and a target among them), so that claims meet checks and requests decisions."""
        event(f"variant: {variant}")
        self.db = dbmod.connect(fresh_database(Path(self._tmp.name), variant))
        self.db.execute("PRAGMA synchronous = OFF")  # durability is not under test here
        self.now = VARIANTS[variant][0] + timedelta(minutes=5)
        self.staffed = {"EDU": EDU_LIAISON, "HEALTH": HEALTH_LIAISON}
        self.evidence_dir = Path(self._tmp.name) / "evidence"
        self.files = 0
        self.focus = list(dict.fromkeys([recurring, valued, *others]))

    def teardown(self) -> None:
        try:
            if self.db is not None:
                self.check_documents(self.facts())
                self.check_past_days(documents=True)
                event(f"records: {min(self.db['reports'].count, 40) // 10 * 10}+")
        finally:
            if self.db is not None:
                self.db.close()
            self._tmp.cleanup()

    # ------------------------------------------------------------ helpers

    def facts(self) -> Facts:
        return facts_now(self.db, self.now)

    def task(self, task_id: str):
        return find_task(self.db, task_id)

    def pick(self, n: int, among: list[str] | None = None) -> str:
        among = among or self.focus
        return among[n % len(among)]

    def reporter(self, task_id: str) -> int:
        """Who reports on a task: its department's liaison, else the coordinator."""
        return self.staffed.get(self.task(task_id).dept, COORDINATOR)

    def fingerprint(self) -> tuple[Any, ...]:
        q = self.db.execute
        return (q("SELECT count(*), count(revoked_at) FROM reports").fetchone(),
                q("SELECT count(*), count(acked_at) FROM notices").fetchone(),
                q("SELECT count(*) FROM deadlines").fetchone()[0],
                q("SELECT count(*) FROM evidence").fetchone()[0],
                tuple(q("SELECT id, due_set FROM tasks ORDER BY id").fetchall()))

    def received(self, facts: Facts, since: datetime) -> tuple[int, int]:
        """From the record itself: the plan's reports made after `since` and standing at the
        facts' instant (one taken back later is not subtracted from the span it was made in:
        it is simply not counted), and the evidence files kept in that span."""
        ids = [f.id for f in facts.tasks]
        marks = ",".join("?" * len(ids))
        lo, hi = dbmod.utc_iso(since), dbmod.utc_iso(facts.at)
        reports = self.db.execute(
            f"SELECT count(*) FROM reports WHERE kind IN ('progress', 'claim') AND at > ? "
            f"AND at <= ? AND (revoked_at IS NULL OR revoked_at > ?) AND task_id IN ({marks})",
            [lo, hi, hi, *ids]).fetchone()[0]
        evidence = self.db.execute(
            f"SELECT count(*) FROM evidence WHERE at > ? AND at <= ? AND task_id IN ({marks})",
            [lo, hi, *ids]).fetchone()[0]
        return reports, evidence

    def attempt(self, name: str, call) -> Any:
        """One core call: it succeeds, or it is refused (DubanError) and changes nothing."""
        before = self.fingerprint()
        try:
            result = call()
        except DubanError as refusal:
            event(f"{name}: refused {refusal.key}")
            assert self.fingerprint() == before, f"{name} refused ({refusal.key}) yet wrote"
            return refusal
        event(f"{name}: done")
        return result

    # ------------------------------------------------------------ the clock

    @rule(minutes=st.integers(1, 180))
    def wait_minutes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(days=st.integers(1, 20))
    def wait_days(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule(weeks=st.integers(1, 8))
    def wait_weeks(self, weeks: int) -> None:
        self.now += timedelta(weeks=weeks)

    @rule(ahead=st.integers(0, 3), offset=st.integers(-1, 2))
    def wait_for_a_due_date(self, ahead: int, offset: int) -> None:
        """To a recurring duty's due date (the day before, the day, just after), `ahead`
        occurrences on: occurrences begin and earlier ones are missed at their edges."""
        task = self.task(self.focus[0])
        due = self.facts().task(task.id).current.due
        for _ in range(ahead):
            due = task.window(due + timedelta(days=1)).due
        moment = datetime.combine(due + timedelta(days=offset), self.now.timetz())
        if moment > self.now:
            self.now = moment

    # ------------------------------------------------------------ reports

    def _report(self, task_id: str, who: int, choose: int, **what: Any) -> Any:
        """A report; when the core asks which occurrence (two are open), the one chosen."""
        call = lambda period=None: record_report(  # noqa: E731
            self.db, user_id=who, task_ref=task_id, now=self.now, period=period, **what)
        result = self.attempt("report", call)
        if isinstance(result, DubanError) and result.key == "occurrence_choose":
            choices = result.params["choices"]
            result = self.attempt("report chosen", lambda: call(choices[choose % len(choices)]))
        return result

    @rule(n=st.integers(0, 9), percent=st.none() | st.integers(0, 100),
          state=st.none() | st.sampled_from(["not_started", "in_progress", "blocked"]),
          note=NOTES, choose=st.integers(0, 3), stranger=st.integers(0, 9))
    def report(self, n: int, percent: int | None, state: str | None, note: str,
               choose: int, stranger: int) -> None:
        task_id = self.pick(n)
        who = STRANGER if stranger == 0 else self.reporter(task_id)
        result = self._report(task_id, who, choose, percent=percent, state=state, note=note)
        if not isinstance(result, DubanError):
            assert who != STRANGER, "a stranger's report was recorded"

    @rule(n=st.integers(0, 9), value=st.integers(0, 1280).map(lambda n: n / 4),
          note=NOTES, unit=st.none() | st.integers(0, 12), choose=st.integers(0, 3))
    def report_value(self, n: int, value: float, note: str, unit: int | None,
                     choose: int) -> None:
        """A figure on a target (quarters too: 12.25 shows as 12.3 where one decimal is
        shown); a county unit's on a split target (a bare one is refused)."""
        task_id = self.pick(n, [i for i in self.focus if i in VALUED])
        task = self.task(task_id)
        name = list(task.quotas)[unit] if unit is not None and task.quotas else None
        result = self._report(task_id, self.reporter(task_id), choose, value=value,
                              note=note, unit=name)
        if task.quotas and name is None:
            assert isinstance(result, DubanError) and result.key in (
                "unit_required", "task_claimed", "task_claimed_wait", "task_closed",
                "task_suspended"), result

    @rule(n=st.integers(0, 9), how=st.sampled_from(["percent", "done", "value"]),
          choose=st.integers(0, 3))
    def claim(self, n: int, how: str, choose: int) -> None:
        task_id = self.pick(n)
        task = self.task(task_id)
        what: dict[str, Any] = {"percent": 100} if how == "percent" else {"state": "done"}
        if how == "value" and task.numeric and not task.quotas:
            what = {"value": task.target_value}
        self._report(task_id, self.reporter(task_id), choose, **what)

    @rule(who=st.sampled_from([COORDINATOR, EDU_LIAISON, HEALTH_LIAISON]))
    def undo(self, who: int) -> None:
        self.attempt("undo", lambda: undo_last(self.db, user_id=who, now=self.now))

    @rule(n=st.integers(0, 9))
    def evidence(self, n: int) -> None:
        task_id = self.pick(n)
        self.files += 1
        self.attempt("evidence", lambda: keep_evidence(
            self.db, self.evidence_dir, user_id=self.reporter(task_id), task_ref=task_id,
            data=b"%PDF-1.4 evidence " + str(self.files).encode(), file_id=f"f{self.files}",
            file_unique_id=f"u{self.files}", kind="document", now=self.now,
            file_name="材料.pdf"))

    # ------------------------------------------------------------ the coordinator's checks

    def claimed(self) -> list[str]:
        return [f.id for f, _ in self.facts().queues.claims]

    @rule(n=st.integers(0, 9), note=REASONS)
    def check(self, n: int, note: str) -> None:
        """核实销号 of a claim waiting in the queue (the oldest claim of its task)."""
        task_id = self.pick(n, self.claimed())
        self.attempt("check", lambda: close_task(
            self.db, user_id=COORDINATOR, task_ref=task_id, now=self.now, note=note,
            version=task_version(self.db, task_id)))

    @rule(n=st.integers(0, 9), reason=REASONS)
    def close_direct(self, n: int, reason: str) -> None:
        task_id = self.pick(n)
        self.attempt("close directly", lambda: close_directly(
            self.db, user_id=COORDINATOR, task_ref=task_id, reason=reason, now=self.now,
            version=task_version(self.db, task_id)))

    @rule(n=st.integers(0, 9), reason=REASONS)
    def send_back(self, n: int, reason: str) -> None:
        """退回 a claim in the queue, or reverse a closure."""
        task_id = self.pick(n, self.claimed())
        self.attempt("send back", lambda: reopen_task(
            self.db, user_id=COORDINATOR, task_ref=task_id, reason=reason, now=self.now))

    # ------------------------------------------------------------ extensions and deadlines

    @rule(n=st.integers(0, 9), days=st.integers(-5, 120), reason=REASONS)
    def ask_extension(self, n: int, days: int, reason: str) -> None:
        task_id = self.pick(n)
        due = self.facts().task(task_id).headline.due or self.now.date()
        self.attempt("ask extension", lambda: request_extension(
            self.db, user_id=self.reporter(task_id), task_ref=task_id,
            due=due + timedelta(days=days), reason=reason, now=self.now))

    def asked(self) -> list[str]:
        return [f.id for f, _ in self.facts().queues.extensions]

    @rule(n=st.integers(0, 9), approve=st.booleans(), reason=REASONS)
    def decide(self, n: int, approve: bool, reason: str) -> None:
        task_id = self.pick(n, self.asked())
        self.attempt("decide extension", lambda: decide_extension(
            self.db, user_id=COORDINATOR, task_ref=task_id, approve=approve, now=self.now,
            version=task_version(self.db, task_id), reason=reason))

    @rule(n=st.integers(0, 9))
    def withdraw(self, n: int) -> None:
        task_id = self.pick(n, self.asked())
        self.attempt("withdraw extension", lambda: withdraw_extension(
            self.db, user_id=self.reporter(task_id), task_ref=task_id, now=self.now))

    @rule(n=st.integers(0, 9), days=st.integers(-3, 400))
    def move_deadline(self, n: int, days: int) -> None:
        task_id = self.pick(n)
        self.attempt("move deadline", lambda: set_deadline(
            self.db, user_id=COORDINATOR, task_ref=task_id,
            due=self.now.date() + timedelta(days=days), now=self.now))

    # ------------------------------------------------------------ 交办, 催办, 签收, 中止

    @rule(n=st.integers(0, 9))
    def assign(self, n: int) -> None:
        task_id = self.pick(n)
        self.attempt("assign", lambda: notices.assign(
            self.db, user_id=COORDINATOR, tasks=[self.task(task_id)], now=self.now))

    @rule(ns=st.lists(st.integers(0, 9), min_size=1, max_size=3, unique=True))
    def chase(self, ns: list[int]) -> None:
        tasks = [self.task(i) for i in dict.fromkeys(self.pick(n) for n in ns)]
        tasks = [t for t in tasks if t.dept == tasks[0].dept]  # a notice is one department's
        self.attempt("chase", lambda: notices.chase(
            self.db, user_id=COORDINATOR, tasks=tasks, now=self.now, colours=COLOURS))

    @rule(pick=st.integers(0, 20))
    def sign_notice(self, pick: int) -> None:
        waiting = notices.unacknowledged(self.db)
        if not waiting:
            return
        notice = waiting[pick % len(waiting)]
        who = self.staffed.get(notice.dept, COORDINATOR)
        self.attempt("sign notice", lambda: notices.acknowledge(
            self.db, notice_id=notice.id, user_id=who, now=self.now))

    @rule(n=st.integers(0, 9))
    def sign_task(self, n: int) -> None:
        task_id = self.pick(n)
        self.attempt("sign task", lambda: act(
            self.db, event=Event.ACK, user_id=self.reporter(task_id), task_ref=task_id,
            now=self.now))

    @rule(n=st.integers(0, 9), reason=REASONS)
    def suspend(self, n: int, reason: str) -> None:
        task_id = self.pick(n)
        self.attempt("suspend", lambda: act(
            self.db, event=Event.SUSPEND, user_id=COORDINATOR, task_ref=task_id,
            now=self.now, reason=reason))

    @rule(n=st.integers(0, 9))
    def resume(self, n: int) -> None:
        suspended = [f.id for f in self.facts().tasks if f.current.state is State.SUSPENDED]
        task_id = self.pick(n, suspended)
        self.attempt("resume", lambda: act(
            self.db, event=Event.RESUME, user_id=COORDINATOR, task_ref=task_id, now=self.now))

    @rule(dept=st.sampled_from(sorted(JOINERS)))
    def join(self, dept: str) -> None:
        if dept in self.staffed:
            return
        user_id, name = JOINERS[dept]
        add_member(self.db, user_id=user_id, dept=dept, role="liaison", now=self.now,
                   actor=COORDINATOR, name=name)
        self.staffed[dept] = user_id

    # ------------------------------------------------------------ time travel

    @precondition(lambda self: self.db is not None and len(self.past) < MAX_PAST_DAYS)
    @rule(back=st.integers(1, 60))
    def remember_past_day(self, back: int) -> None:
        """Keep a past day's facts, ledger and bulletin (each checked against those facts),
        to compare with the same day computed after everything recorded later."""
        day = self.now.date() - timedelta(days=back)
        if day in self.past:
            return
        at = end_of_day(day, TZ)
        facts = self.past_facts(day)
        self.check_plain(facts)  # `status --at DAY` prints these tables
        ledger = read.ledger_sheets(build_ledger(self.db, at, LANG, historical=True))
        self.check_ledger(ledger, facts)
        bulletin = self.bulletin(at, facts, historical=True)
        if bulletin is not None:
            self.check_bulletin(bulletin, facts)
        for task_id in TASKS:  # `status TASK --at`: nothing recorded after that day
            assert all(r["at"] <= dbmod.utc_iso(at) for r in task_history(
                self.db, task_id, until=at))
        self.past[day] = PastDay(day, at, signature(facts), ledger, bulletin)

    def author(self, user_id: int | None) -> str:
        """A report's author as the documents name them (the command line: "cli")."""
        return member_names(self.db).get(user_id, str(user_id)) if user_id else "cli"

    def past_facts(self, day: date) -> Facts:
        """The facts as of the end of a past day (kept: the same whenever asked, which
        `check_past_days` verifies by computing them again)."""
        assert day < self.now.date()
        if day not in self.as_of:
            self.as_of[day] = facts_as_of(self.db, end_of_day(day, TZ))
        return self.as_of[day]

    def check_past_days(self, documents: bool = False) -> None:
        """The remembered days computed again from the record (nothing kept): the same facts
        (and, with `documents`, the same ledger cells and bulletin paragraphs and tables); and
        the facts kept for now are the facts computed afresh."""
        kept_now = signature(self.facts())
        forget(self.db)
        fresh = signature(facts_as_of(self.db, self.now))
        assert fresh == kept_now, first_difference(fresh, kept_now)
        for day, kept in self.past.items():
            again = facts_as_of(self.db, kept.at)
            assert signature(again) == kept.facts, (
                f"the facts as of {day} changed: {first_difference(signature(again), kept.facts)}")
            if not documents:
                continue
            ledger = read.ledger_sheets(build_ledger(self.db, kept.at, LANG, historical=True))
            assert ledger == kept.ledger, f"the ledger as of {day} changed"
            bulletin = self.bulletin(kept.at, facts_as_of(self.db, kept.at), historical=True)
            assert bulletin == kept.bulletin, f"the bulletin as of {day} changed"
        for day, facts in self.as_of.items():  # the oracle's kept days
            again = signature(facts_as_of(self.db, end_of_day(day, TZ)))
            assert again == signature(facts), (
                f"the facts as of {day} changed: {first_difference(again, signature(facts))}")

    # ------------------------------------------------------------ the invariant

    @invariant()
    def outputs_equal_the_facts(self) -> None:
        self.steps += 1
        facts = self.facts()
        check_the_facts(facts)
        self.check_status(facts)
        self.check_cards(facts)
        self.check_nudges(facts)
        self.check_plain(facts)
        self.check_digest(facts)
        self.check_score(facts)
        if self.steps % LEDGER_EVERY == 0:
            self.check_documents(facts, with_bulletin=self.steps % BULLETIN_EVERY == 0)
            self.check_past_days()

    # ------------------------------------------------------------ /status and the CLI

    def check_status(self, facts: Facts) -> None:
        names = dept_names(self.db)
        queues = queues_html(facts.queues, names, LANG, TZ)
        text = status_html(meta(self.db), facts, LANG, queues)
        head = read.read("status_header", text)
        assert read.percent(head["completion"]) == read.shown(facts.completion)
        lines = text.split("\n")
        assert read.counts(lines[2]) == facts.counts
        assert sum(read.counts(lines[2]).values()) == len(facts.tasks)
        # the ⏳ count and the claims said beside it are the 待核实 list's length
        assert read.elsewhere(lines[2]) == facts.claims_elsewhere
        assert facts.counts["pending_check"] + facts.claims_elsewhere == len(facts.queues.claims)
        by_name = {field(d.dept, "dept", LANG): d for d in facts.departments}
        i = 4
        while lines[i]:
            name, completion, counts = dept_line(lines[i], bold=True)
            d = by_name.pop(name)
            assert read.elsewhere(lines[i]) == d.claims_elsewhere, name
            assert completion == read.shown(d.completion), name
            assert counts == d.counts and sum(counts.values()) == len(d.tasks), name
            i += 1
        assert not by_name, f"departments missing from /status: {sorted(by_name)}"
        self.check_overdue_list(lines[i + 1:], facts)
        self.check_queues(queues, facts)
        for d in facts.departments:
            shown = department_html(d, LANG).split("\n")
            completion, counts = shown[1].split(" · ", 1)
            assert read.percent(completion) == read.shown(d.completion)
            assert read.counts(counts) == d.counts
            assert read.elsewhere(counts) == d.claims_elsewhere
            assert [read.task_line(x)["id"] for x in shown[3:]] == [f.id for f in d.tasks]
            for line, f in zip(shown[3:], d.tasks, strict=True):
                check_task_line(line, f)

    def check_cards(self, facts: Facts) -> None:
        """/status TASK (the card) of each task acted on: its mark, status, percent, 序时进度,
        overdue days, target figure, county figures, earlier open occurrences, evidence."""
        people = member_names(self.db)
        for task_id in self.focus:
            f = facts.task(task_id)
            card = task_html(f, department(self.db, f.task.dept), [], LANG, TZ, people)
            lines = card.split("\n")
            s = f.status
            head = lines[2].split(" · ")
            assert head[0] == f"{s.mark} {label_status(s.word)}", (head, s)
            assert head[1] == f"{s.percent}%", (head, s)
            if s.expected is not None:
                assert head[2] == f"{t('word.expected', LANG)} {s.expected}%", (head, s)
            assert read.overdue_days(head[-1]) == (f.headline.days_overdue if s.overdue
                                                   else None), (head, s)
            earlier = [x for x in lines if read.pattern("earlier_occurrence").fullmatch(x)]
            assert [read.pattern("earlier_occurrence").fullmatch(x).group("period")
                    for x in earlier] == [o.period for o in f.earlier]
            for line, o in zip(earlier, f.earlier, strict=True):
                got = read.pattern("earlier_occurrence").fullmatch(line).groupdict()
                assert (got["mark"], got["status"], got["percent"]) == (
                    o.status.mark, label_status(o.status.word), str(o.percent)), (line, o)
            for unit, quota in f.task.quotas.items():
                got = f.units.get(unit)
                if got is None:
                    assert t("unit_line_none", LANG, unit=unit, quota=f"{quota:g}") in lines
                else:
                    assert t("unit_line", LANG, unit=unit, value=f"{got.value:g}",
                             quota=f"{quota:g}", who=people.get(got.user_id, str(got.user_id)),
                             at=f"{got.at.astimezone(TZ):%m-%d %H:%M}") in lines, (unit, card)
            assert t("evidence_count", LANG, count=f.evidence) in lines

    def check_nudges(self, facts: Facts) -> None:
        """Today's nudges: an overdue one says the facts' days; a missed one is an earlier
        occurrence still open; nothing for work done, waiting for the check or suspended."""
        for nudge in scan(self.db, self.now, NudgePolicy(workdays_only=False)):
            f = facts.task(nudge.task_id)
            if nudge.kind == "missed":
                assert nudge.due in {o.due for o in f.earlier if o.state in OPEN}, nudge
                continue
            o = f.current
            assert nudge.due == o.due and not o.status.done, (nudge, o.status)
            assert o.status.status != "suspended", nudge
            if nudge.kind == "overdue":
                assert nudge.late == o.days_overdue, (nudge, o.status)

    def check_overdue_list(self, lines: list[str], facts: Facts) -> None:
        """The overdue header (or 'none') and one line per overdue task, soonest due first."""
        overdue = facts.overdue
        if not overdue:
            assert lines[0] == t("no_overdue", LANG), lines[0]
            return
        assert int(read.read("overdue_header", lines[0].replace("<b>", "").replace(
            "</b>", ""))["count"]) == len(overdue)
        shown = lines[1:1 + min(len(overdue), SHOWN_AT_MOST)]  # a long list: the first ten
        assert [read.task_line(x)["id"] for x in shown] == [f.id for f in overdue[:len(shown)]]
        for line, f in zip(shown, overdue, strict=False):
            check_task_line(line, f)
        more = len(overdue) - len(shown)
        if more:  # and how many more there are
            assert int(read.read("list_more", lines[1 + len(shown)])["count"]) == more

    def check_queues(self, text: str, facts: Facts) -> None:
        q = facts.queues
        if not q:
            assert text == ""
            return
        sections = queue_sections(text)
        for key, items in (("queue_claims", q.claims), ("queue_blocked", q.blocked)):
            shown = sections.get(key, [])
            assert [queue_item(x) for x in shown] == [
                (f.id, o.period if f.task.recurring else None)  # every occurrence named
                for f, o in items[:SHOWN_AT_MOST]], key
        for key, items in (("queue_claims", q.claims), ("queue_blocked", q.blocked),
                           ("queue_extensions", q.extensions),
                           ("queue_unacked", q.unacknowledged)):
            assert int(sections.get(key + ":count", ["0"])[0]) == len(items), key
            assert len(sections.get(key, [])) == min(len(items), SHOWN_AT_MOST), key
            assert int(sections.get(key + ":more", ["0"])[0]) == max(
                0, len(items) - SHOWN_AT_MOST), key
        for f, _ in q.claims:
            assert f.id in {x.id for x in facts.tasks}
        # every claim waiting for the check is in the queue, whatever occurrence began since
        waiting = sorted((f.id, o.period) for f in facts.tasks for o in f.occurrences
                         if o.state is State.CLAIMED)
        assert sorted((f.id, o.period) for f, o in q.claims) == waiting

    def check_plain(self, facts: Facts) -> None:
        text = plan_plain(meta(self.db), facts, LANG)
        heads, rows = read.plain_table(text)
        columns = [label_status(c) for c in COUNT_COLUMNS]
        assert heads[3:] == columns
        by_name = {field(d.dept, "dept", LANG): d for d in facts.departments}
        total = rows.pop()
        assert total[0] == t("word.total", LANG, html=False)
        assert read.percent(total[1]) == read.shown(facts.completion)
        assert int(total[2]) == len(facts.tasks) == sum(int(n) for n in total[3:])
        assert dict(zip(COUNT_COLUMNS, map(int, total[3:]), strict=True)) == facts.counts
        for row in rows:
            d = by_name.pop(row[0])
            assert read.percent(row[1]) == read.shown(d.completion)
            assert int(row[2]) == len(d.tasks) == sum(int(n) for n in row[3:])
            assert dict(zip(COUNT_COLUMNS, map(int, row[3:]), strict=True)) == d.counts
        assert not by_name
        overdue = [line for line in text.splitlines() if line.startswith("  T")
                   and line.endswith("%)")]
        assert [line.split()[0] for line in overdue] == [f.id for f in facts.overdue]
        for line, f in zip(overdue, facts.overdue, strict=True):
            assert line.endswith(f", {f.status.percent}%)")
            assert read.overdue_days(line) == f.headline.days_overdue, line
        parts = text.split(t("word.targets", LANG, html=False) + "\n", 1)
        targets = parts[1].splitlines() if len(parts) == 2 else []
        assert [line.split()[0] for line in targets] == [f.id for f in facts.targets]
        for line, f in zip(targets, facts.targets, strict=True):
            value, target = read.target_figures(line.split()[2])
            assert (value, target) == (f.value, f.task.target_value), line
        for d in facts.departments:
            text = department_plain(d, LANG)
            lines = text.splitlines()
            completion = lines[1].split(" · ")[0].split()[-1]
            assert read.percent(completion) == read.shown(d.completion)
            shown = {label_status(c): int(n) for c, n in
                     (part.rsplit(" ", 1) for part in lines[1].split(" · ")[1:] if part)}
            assert shown == {label_status(c): n for c, n in d.counts.items() if n}
            assert sum(shown.values()) == len(d.tasks)
            _, rows = read.plain_table(text)
            assert [r[0] for r in rows] == [f.id for f in d.tasks]
            for row, f in zip(rows, d.tasks, strict=True):
                assert row[1] == f.status.mark and row[2] == label_status(f.status.word)
                assert row[3] == f"{f.status.percent}%", (row, f.status)

    # ------------------------------------------------------------ the digest and its charts

    def check_digest(self, facts: Facts) -> None:
        data = digest_data(self.db, self.now)
        assert signature(data.facts) == signature(facts)
        text = digest_text(data, LANG)
        head = read.read("digest_completion", text)
        assert read.percent(head["completion"]) == read.shown(facts.completion)
        # no digest posted here: counted from a week ago, or from tracking start if later
        week = self.now - timedelta(days=7)
        began = (datetime.combine(facts.track_from, time(0), TZ)
                 if facts.track_from is not None else None)
        since = began if began is not None and began > week else week
        then = facts_as_of(self.db, since)
        before = None if since is began else then
        if before is None or before.completion is None:
            assert head["change"] == "", "a change on the week before tracking began"
        else:
            delta = read.shown(facts.completion) - read.shown(before.completion)
            if delta == 0:
                assert head["change"] == t("digest_change_same", LANG,
                                           since=Key("digest_since.week"))
            else:
                change = read.read("digest_change", head["change"])
                signed = change["sign"] + change["points"]  # '+2', '−3'
                assert int(signed.replace("−", "-")) == delta, (head["change"], delta)
        basis = "tracking" if since is began else "week"
        activity = read.read(f"digest_activity_{basis}", text)
        received = self.received(facts, since)
        assert (int(activity["reports"]), int(activity["evidence"])) == received
        lines = text.split("\n")
        assert read.counts(lines[3]) == facts.counts
        assert read.elsewhere(lines[3]) == facts.claims_elsewhere
        start = lines.index(t("digest_departments", LANG)) + 1
        by_name = {field(d.dept, "dept", LANG): d for d in facts.departments}
        i = start
        while lines[i]:
            name, completion, counts = dept_line(lines[i], bold=False)
            d = by_name.pop(name)
            assert completion == read.shown(d.completion) and counts == d.counts, name
            assert sum(counts.values()) == len(d.tasks)
            i += 1
        assert not by_name
        self.check_overdue_list(lines[i + 1:], facts)
        # what falls due in the next fortnight: every open occurrence, soonest first
        today = self.now.date()
        upcoming = sorted(((f, o) for f in facts.tasks for o in f.occurrences
                           if o.due and not o.status.done
                           and today <= o.due <= today + timedelta(days=DUE_AHEAD_DAYS)),
                          key=lambda p: (p[1].due, p[0].id))
        at = next(i for i, x in enumerate(lines) if x.startswith(("未来", "Due")))
        if upcoming:
            assert int(read.read("due_header", lines[at])["count"]) == len(upcoming)
            shown = lines[at + 1:at + 1 + len(upcoming)]
            assert [read.task_line(x)["id"] for x in shown] == [f.id for f, _ in upcoming]
            for line, (f, o) in zip(shown, upcoming, strict=True):
                check_task_line(line, f, o)
        self.check_charts(data, facts)

    def check_charts(self, data, facts: Facts) -> None:
        c = chart_data(data, LANG)
        bars = {b.name: b for b in c.departments}
        for d in facts.departments:
            bar = bars.pop(field(d.dept, "dept", LANG))
            assert bar.completion == (d.completion or 0.0)
            assert bar.counts == d.counts and sum(bar.counts.values()) == len(d.tasks)
            assert bar.expected == d.expected
        assert not bars
        assert len(c.targets) == len(facts.targets)
        for f in facts.targets:
            match = [b for b in c.targets if b.value == f.value and b.target ==
                     f.task.target_value and b.due == f.status.due
                     and b.units == tuple((u, f.units[u].value if u in f.units else None, q)
                                          for u, q in f.task.quotas.items())]
            assert match, f"no chart bar for {f.id}: {f.value}/{f.task.target_value}"
        # the trend: one point per week from the first tracked week, each the facts as of
        # the end of its day, today's last
        assert c.trend[-1].week == facts.day
        assert c.trend[-1].completion == (facts.completion or 0.0)
        for point in c.trend[:-1]:
            then = self.past_facts(point.week)
            assert point.completion == (then.completion or 0.0), point.week
            if facts.track_from:
                assert point.week >= facts.track_from - timedelta(days=6)
        points = [p.week for p in c.trend]
        assert points == sorted(set(points))

    # ------------------------------------------------------------ the score

    def check_score(self, facts: Facts) -> None:
        year = self.now.year
        scores = score_table(self.db, year, self.now, RULES)
        assert {s.code for s in scores} == {d.code for d in facts.departments}
        start = facts.track_from
        for s in scores:
            for line in s.lines:
                items = [i for i in s.items if i.rule == line.rule]
                assert line.points == (round(sum(i.points for i in items), 2) or 0.0), (
                    s.code, line)
                assert line.count == sum(i.count for i in items), (s.code, line)
            assert s.score == round(max(RULES.floor, min(RULES.ceiling, RULES.base + sum(
                line.points for line in s.lines))), 1)
            for item in s.items:
                assert item.rule in RULE_KEYS
                assert item.day is not None and item.day.year <= year
                if start is not None:
                    assert item.day >= start, f"{s.code}: {item} is before tracking began"
                if item.rule == "overdue_day":
                    assert item.day < self.now.date()
                    first = max(item.day + timedelta(days=1), start or item.day,
                                date(year, 1, 1))
                    assert item.count <= (self.now.date() - first).days + 1, item
            assert s.completion == facts.department(s.code).completion
        # the table as printed: each department's score and every rule's points; /score 部门
        # lists the items under the same figures
        text = score_plain(scores, year, self.now, RULES, LANG)
        _, rows = read.plain_table(text)
        rule_line = read.pattern("score_item_rule")
        for row, s in zip(rows, scores, strict=True):
            assert row[1] == field(s.dept, "dept_short", LANG)
            assert float(row[-2]) == s.score
            cells = dict(zip(RULE_KEYS, row[3:3 + len(RULE_KEYS)], strict=True))
            for line in s.lines:
                count, points = cells[line.rule].split("→")
                assert float(points) == float(read.half_up(line.points, 1)), (cells, line)
                assert float(count) == line.count
            shown = department_score_text(s, year, self.now, LANG).splitlines()
            listed = {m["rule"]: m for x in shown if (m := rule_line.fullmatch(x))}
            assert set(listed) == {t(f"score_rule.{i.rule}", LANG) for i in s.items}
            for line in s.lines:
                got = listed.get(t(f"score_rule.{line.rule}", LANG))
                if got:
                    assert (got["count"], got["points"]) == tuple(
                        cells[line.rule].split("→")), (got, cells[line.rule])

    # ------------------------------------------------------------ the ledger and the bulletin

    def check_documents(self, facts: Facts, with_bulletin: bool = True) -> None:
        ledger = read.ledger_sheets(build_ledger(self.db, self.now, LANG))
        self.check_ledger(ledger, facts)
        if not with_bulletin:
            return
        bulletin = self.bulletin(self.now, facts)
        if bulletin is not None:
            self.check_bulletin(bulletin, facts)

    def bulletin(self, at: datetime, facts: Facts, historical: bool = False
                 ) -> tuple[list[str], list[list[list[str]]]] | None:
        """The week so far's bulletin made at `at` (its figures are those at `at`); None
        before tracking began, when it is refused (nothing to report)."""
        try:
            made = build_bulletin(self.db, at, "week", LANG, historical=historical,
                                  charts=False, today=self.now.date(), so_far=True)
        except DubanError as refused:
            assert refused.key == "bulletin_no_period", refused
            assert facts.track_from is not None and at.date() < facts.track_from
            return None
        return read.bulletin_parts(made)

    def check_ledger(self, sheets: dict[str, list[list[Any]]], facts: Facts) -> None:
        tasks = sheets[t("ledger_sheet_tasks", LANG, html=False)][3:]
        assert [r[0] for r in tasks] == [f.id for f in facts.tasks]
        for row, f in zip(tasks, facts.tasks, strict=True):
            s, h = f.status, f.headline
            assert row[13] == label_status(s.word), (f.id, row[13], s.status)
            assert row[14] == s.percent, (f.id, row[14], s.percent)
            assert row[15] == f.value and row[16] == f.task.target_value, f.id
            approved = [e for e in f.extensions if e.approved and e.period == h.period]
            if approved:
                assert read.as_day(row[9]) == (approved[0].from_due or h.due_original), f.id
                assert read.as_day(row[10]) == h.due, f.id
                assert read.as_day(row[12]) == approved[-1].decided_at.astimezone(TZ).date()
                assert row[11] == (for_reader(approved[-1].reason, LANG) or None), f.id
            else:
                assert read.as_day(row[9]) == (s.due or t("ledger_standing", LANG, html=False)), (
                    f.id, row[9], s.due)
                assert row[10] is None and row[11] is None and row[12] is None, (f.id, row)
            assert (row[21] or 0) == h.days_overdue, (f.id, row[21], h.days_overdue)
            assert (row[22] or 0) == len(f.chases) and (row[23] or 0) == f.unanswered_chases
            assert row[20] == f.evidence
            # the newest report on the occurrence the row's mark is about (never a 签收, a chase
            # or a decision; an earlier occurrence's report is in 各期情况)
            latest = f.headline.latest_report
            if latest is None:
                assert row[17] is None and row[18] is None
            else:
                assert row[17].replace(second=0, microsecond=0) == latest.at.astimezone(
                    TZ).replace(tzinfo=None, second=0, microsecond=0), f.id
                assert row[18] == self.author(latest.user_id), (row[18], latest)
        scores = {s.code: s for s in score_facts_of(facts)}
        depts = sheets[t("ledger_sheet_depts", LANG, html=False)][3:]
        order = ("closed", "pending_check", "on_track", "due_soon", "behind", "blocked",
                 "assigned", "suspended", "no_report", "overdue")
        by_name = {field(d.dept, "dept", LANG): d for d in facts.departments}
        total = next(r for r in depts if r[1] == t("ledger_total", LANG, html=False))
        for row in depts[:len(facts.departments)]:
            d = by_name.pop(row[1])
            assert row[3] == len(d.tasks) == sum(row[5:15]), row
            assert dict(zip(order, row[5:15], strict=True)) == d.counts, row
            assert row[4] == read.shown(d.completion), (row[4], d.completion)
            assert row[15] == scores[d.code].score
        assert not by_name
        assert total[3] == len(facts.tasks) == sum(total[5:15])
        assert dict(zip(order, total[5:15], strict=True)) == facts.counts
        assert total[4] == read.shown(facts.completion)
        units = sheets[t("ledger_sheet_units", LANG, html=False)][3:]
        for f in (x for x in facts.tasks if x.task.quotas):
            rows = [r for r in units if r[0] == f.id]
            assert [r[4] for r in rows[:-1]] == list(f.task.quotas)
            for row in rows[:-1]:
                got = f.units.get(row[4])
                assert row[6] == (got.value if got else None), row
                assert row[7] == (read.percent_of_value(got.value, row[5])
                                  if got and row[5] else None), row
            assert rows[-1][6] == sum(u.value for u in f.units.values())
        # 各期情况: every occurrence of each recurring duty since tracking began, its own state
        occurrences = sheets[t("ledger_sheet_occurrences", LANG, html=False)][3:]
        expected = [(f.id, o.period, read.as_day(o.due), label_status(o.status.word),
                     o.percent) for f in facts.tasks if f.task.recurring
                    for o in f.every_occurrence()]
        got = [(r[0], r[3], read.as_day(r[4]), r[5], r[6]) for r in occurrences]
        assert got == expected
        start = facts.track_from  # none before tracking began but the one in force
        assert all(o.due >= start for f in facts.tasks if f.task.recurring and start
                   for o in f.every_occurrence()[:-1])
        # 考评明细: every point and deduction of the year, the item behind it
        items = sheets[t("ledger_sheet_scores", LANG, html=False)][3:]
        assert [(r[2] or None, r[3] or "", read.as_day(r[4]), r[6]) for r in items] == [
            (i.tasks_text(LANG) or None, i.period, i.day, i.points) for s in score_facts_of(facts)
            for i in s.items]

    def check_bulletin(self, parts: tuple[list[str], list[list[list[str]]]],
                       facts: Facts) -> None:
        paragraphs, tables = parts
        text = "\n".join(paragraphs)
        overall = read.read("bulletin_overall", text)
        assert int(overall["tasks"]) == len(facts.tasks)
        assert read.percent(overall["completion"]) == read.shown(facts.completion)
        shown = {"closed": "closed", "pending": "pending_check", "on_track": "on_track",
                 "due_soon": "due_soon", "behind": "behind", "blocked": "blocked",
                 "assigned": "assigned", "suspended": "suspended", "no_report": "no_report",
                 "overdue": "overdue"}
        got = {status: int(overall[name]) for name, status in shown.items()}
        assert got == facts.counts and sum(got.values()) == len(facts.tasks)
        span = period_of("week", facts.at, so_far=True)
        last_day = span.start - timedelta(days=1)
        tracked = facts.track_from is None or last_day >= facts.track_from
        before = self.past_facts(last_day) if tracked else None
        if before is None or before.completion is None or facts.completion is None:
            expected_change = None
        else:
            expected_change = read.shown(facts.completion) - read.shown(before.completion)
        change = overall["change"]
        if expected_change is None:
            assert change == t("bulletin_change_none", LANG, html=False), change
        elif expected_change == 0:
            assert change == t("bulletin_change_same", LANG, html=False), change
        else:
            key = "bulletin_change_up" if expected_change > 0 else "bulletin_change_down"
            assert int(read.read(key, change)["points"]) == abs(expected_change), change
        received = read.read("bulletin_received", text)
        after = last_day if tracked else facts.track_from - timedelta(days=1)
        assert (int(received["reports"]), int(received["evidence"])) == self.received(
            facts, end_of_day(after, TZ))
        # 二、各部门推进情况
        scores = {s.code: s for s in score_facts_of(facts)}
        rows = read.table_with(tables, t("bulletin_cols_depts", LANG, html=False).split("|"))
        by_name = {field(d.dept, "dept", LANG): d for d in facts.departments}
        for row in rows:
            d = by_name.pop(row[1])
            assert int(row[2]) == len(d.tasks)
            assert read.percent(row[3]) == read.shown(d.completion), (row, d.completion)
            assert [int(x) for x in row[4:7]] == [d.counts[c] for c in
                                                 ("on_track", "behind", "overdue")]
            # 本年销号: occurrences closed in the scored year, the score's closures
            closures = scores[d.code].counts
            assert int(row[7]) == closures["closed_on_time"] + closures["closed_late"]
            assert float(row[8]) == scores[d.code].score
        assert not by_name
        # 四、逾期事项: every overdue task, most days first
        overdue = sorted(facts.overdue, key=lambda f: (-f.headline.days_overdue, f.id))
        rows = read.table_with(tables, t("bulletin_cols_overdue", LANG, html=False).split("|"))
        if not overdue:
            assert rows is None and t("bulletin_none_overdue", LANG, html=False) in paragraphs
        else:
            assert [r[0] for r in rows] == [f.id for f in overdue]
            for row, f in zip(rows, overdue, strict=True):
                assert row[3] == day_text(f.status.due, LANG) and int(row[4]) == (
                    f.headline.days_overdue), (row, f.status)
                latest = f.headline.latest_report  # the overdue occurrence's newest report
                assert row[5] == (t("bulletin_never_reported", LANG, html=False) if latest is None
                                  else f"{day_text(latest.at.astimezone(TZ), LANG)}\n"
                                       f"{self.author(latest.user_id)}"), (row, latest)
        # 九、任务分解: each split target's county units, their figures and shares
        split = [f for f in facts.tasks if f.task.quotas]
        found = read.tables_with(tables, t("bulletin_cols_units", LANG, html=False).split("|"))
        assert len(found) == len(split)
        for rows, f in zip(found, split, strict=True):
            assert [r[0] for r in rows[:-1]] == list(f.task.quotas)
            for row, (unit, quota) in zip(rows, f.task.quotas.items(), strict=False):
                got = f.units.get(unit)
                assert row[2] == (one_decimal(got.value) if got else "—"), (row, got)
                assert row[3] == (f"{read.percent_of_value(got.value, quota)}%"
                                  if got and quota else "—"), (row, got)
            total = sum(u.value for u in f.units.values())
            assert rows[-1][2] == one_decimal(total), (rows[-1], total)
        # 五、待核实及受阻: the coordinator's queues of claims and blocked work
        rows = read.table_with(tables, t("bulletin_cols_pending", LANG, html=False).split("|"))
        waiting = [(f, o) for f, o in (*facts.queues.claims, *facts.queues.blocked)]
        if not waiting:
            assert rows is None and t("bulletin_none_pending", LANG, html=False) in paragraphs
            return
        expected = []
        for f, o in waiting:
            shown = f.task.recurring  # every row of a recurring duty names its period
            if o.state is State.CLAIMED:
                note = t("bulletin_claimed_on", LANG, html=False,
                         date=day_text(o.claimed_at.astimezone(TZ), LANG))
            else:
                note = for_reader(o.snapshot.reason, LANG) or "—"
            expected.append((f.id, o.period if shown else "",
                             label_status("pending_check" if o.state is State.CLAIMED
                                          else "blocked"), note))
        got = [(r[0], occurrence_shown(r[1]), r[3], r[4]) for r in rows]
        assert sorted(got) == sorted(expected), (got, expected)


# ---------------------------------------------------------------- shared checks


def score_facts_of(facts: Facts):
    from bot.outputs.scoring import score_facts

    return score_facts(facts, facts.at.year, RULES)


def one_decimal(value: float) -> str:
    """A figure as the documents show it: whole, or at one decimal rounded half up."""
    return str(int(value)) if float(value).is_integer() else f"{read.half_up(value, 1):f}"


def label_status(status: str) -> str:
    return label("status", status, LANG)


def dept_line(line: str, bold: bool) -> tuple[str, int | None, dict[str, int]]:
    """'<b>教育局</b> 67% · 🟢3 …' (or without <b>) -> (name, completion, counts)."""
    head, counts = line.split(" · ", 1)
    name, completion = head.rsplit(" ", 1)
    if bold:
        assert name.startswith("<b>") and name.endswith("</b>"), line
        name = name[3:-4]
    return name, read.percent(completion), read.counts(counts)


def check_task_line(line: str, f: TaskFacts, occurrence=None) -> None:
    """A task (or one occurrence) on one line: its mark, percent, target figure and overdue
    days are the facts'."""
    got = read.task_line(line)
    o = occurrence or f.headline
    assert got["id"] == f.id
    waiting = "、".join(c.period for c in f.claims_elsewhere) if occurrence is None else ""
    assert got["waiting"] == waiting, line
    assert got["mark"] == o.status.mark, (line, o.status)
    assert int(got["percent"]) == o.status.percent, (line, o.status)
    if f.task.numeric:
        assert read.target_figures(got["target"]) == (f.value, f.task.target_value), line
    days = read.overdue_days(got["when"])
    assert days == (o.days_overdue if o.status.overdue else None), (line, o.status)
    if o.status.due is not None:
        assert got["when"].startswith(o.status.due.isoformat()), line


def queue_sections(text: str) -> dict[str, list[str]]:
    """The queues' sections by catalogue key, each with its item lines."""
    keys = ("queue_claims", "queue_blocked", "queue_extensions", "queue_unacked",
            "queue_unstaffed")
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n")[1:]:
        key = next((k for k in keys if read.pattern(k).fullmatch(line)), None)
        if key:
            current = key
            count = int(read.pattern(key).fullmatch(line).group("count"))
            sections[key] = []
            sections[key + ":count"] = [str(count)]
        elif current and read.pattern("list_more").fullmatch(line):
            sections[current + ":more"] = [read.pattern("list_more").fullmatch(line)["count"]]
        elif line.startswith("  ") and current:
            sections[current].append(line)
        else:
            current = None
    return sections


def occurrence_shown(title: str) -> str:
    """The occurrence a title names ('…（2022-07-15期）'), "" when it names none."""
    import re

    m = re.search(r"（(\d{4}-\d{2}-\d{2})期）$", title)
    return m.group(1) if m else ""


def queue_item(line: str) -> tuple[str, str | None]:
    """'  ⏳ <b>T12</b>（2022-07-15期） …' -> ('T12', '2022-07-15')."""
    import re

    m = re.match(r"  \S+ <b>(T\d+)</b>(?:（(\d{4}-\d{2}-\d{2})期）)?", line)
    assert m, line
    return m.group(1), m.group(2)


def check_the_facts(facts: Facts) -> None:
    """Counts add up; nothing before tracking began exists."""
    assert sum(facts.counts.values()) == len(facts.tasks)
    for d in facts.departments:
        assert sum(d.counts.values()) == len(d.tasks)
    assert sum(d.reports for d in facts.departments) == facts.reports
    start = facts.track_from
    for f in facts.tasks:
        assert f.status.status in MARKS
        for o in f.earlier:
            assert start is None or o.due is None or o.due >= start, (f.id, o.period, start)
            assert o.state not in (State.CLOSED, State.SUSPENDED)
        if start is not None and f.headline.status.overdue:
            counted_from = max(start, (f.headline.due or start) + timedelta(days=1))
            assert f.headline.days_overdue <= (facts.day - counted_from).days + 1, (
                f.id, f.headline.due, f.headline.days_overdue)
        if f.headline is not f.current:
            assert f.headline.state in (*OPEN, State.CLAIMED)


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two signatures first differ, and how."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"at {path}: {a!r} != {b!r}"


def signature(facts: Facts) -> Any:
    """Everything the facts say, as plain values to compare (the instant left out: a day's
    facts are compared with the same day's)."""
    return (
        facts.day, facts.track_from, facts.counts, facts.completion, facts.expected,
        facts.reports, facts.evidence,
        [(d.code, d.counts, d.completion, d.expected, d.reports, d.latest_report)
         for d in facts.departments],
        [(f.id, f.status, f.value, dict(f.units), f.latest_report, f.reports,
          f.evidence, f.chases, f.assigned_at, f.acked_at, f.extensions,
          [(o.period, o.opens, o.due, o.due_original, o.tracked, o.snapshot, o.status,
            o.latest_report, o.claimed_at, o.closed_at) for o in f.occurrences])
         for f in facts.tasks],
        [(f.id, o.period) for f, o in facts.queues.claims],
        [(f.id, o.period) for f, o in facts.queues.blocked],
        [(f.id, e) for f, e in facts.queues.extensions],
        facts.queues.unacknowledged,
        [d["code"] for d in facts.queues.silent],
        [d["code"] for d in facts.queues.unstaffed],
    )


# About a minute on two cores: 12 histories of up to 45 steps. A longer hunt:
# TRUTH_EXAMPLES=200 python -m pytest tests/test_one_truth_machine.py (TRUTH_SHRINK=0 skips the
# shrinking, which can take minutes: the failing steps are printed unshrunk). A failure prints
# its steps and a @reproduce_failure blob.
OneTruthMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("TRUTH_EXAMPLES", "12")), stateful_step_count=45,
    deadline=None, print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target,
            *([Phase.shrink] if os.environ.get("TRUTH_SHRINK", "1") != "0" else [])],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestOneTruth = OneTruthMachine.TestCase

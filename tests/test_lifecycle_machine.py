"""Random sequences of 督办 acts against the real core on a real SQLite file (Hypothesis'
RuleBasedStateMachine): reports, claims, checks, direct closes, send-backs, undo, extensions,
chases, 签收, suspensions and stale button presses, by four people (the coordinator, two
liaisons of different departments, a stranger), on a clock that only moves forward.

After every step the invariants hold: a stranger and a refused call change nothing, versions
only grow and a stale one is always refused, a closure is always justified by a checked claim
or a reasoned direct close, the newest-record index never points at a taken-back report, and
every view (/status summary, the task card, the digest, the command line's table) shows the
same mark and percent for every task.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
)

from bot.domain.lifecycle import OPEN, Event, State
from bot.errors import DubanError
from bot.language.i18n import field
from bot.outputs.digest import digest_data
from bot.outputs.render import COUNT_COLUMNS
from bot.outputs.render.plain import plan_plain
from bot.services.commands import act as act_on
from bot.services.commands import (
    close_directly,
    close_task,
    decide_extension,
    extension_target,
    record_report,
    reopen_task,
    request_extension,
    set_deadline,
    snapshot_of,
    task_version,
    undo_last,
)
from bot.services.directory import add_member, find_task
from bot.services.plan import load_plan, read_plan_file
from bot.store import connection as dbmod
from bot.store.connection import utc_iso
from bot.store.meta import meta
from tests.conftest import PLAN_FILE, plan_summary, task_view

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2022, 1, 5, 10, 0, tzinfo=TZ)
PLAN = read_plan_file(PLAN_FILE)

COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, STRANGER = 1000, 1001, 1008, 4242
PEOPLE = (COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, STRANGER)
DEPT_OF = {COORDINATOR: "EDU", EDU_LIAISON: "EDU", HEALTH_LIAISON: "HEALTH"}
# One-off tasks with due dates (T01 mid-2022, T05 end of 2023), a numeric target (T08: 200 所,
# counted, not split by county), a recurring duty (T12, each semester) and a HEALTH standing duty
# (T41, no due date).
TASKS = ("T01", "T08", "T05", "T12", "T41")
NUMERIC = "T08"
REASONS = st.sampled_from(["", "   ", "材料已核实", "经费未到位，暂缓", "按计划推进"])
VERSIONED = ("close", "direct_close", "reopen", "approve", "refuse", "chase", "ack", "suspend",
             "resume")

# Anyone may try anything; the people who may actually do it are drawn more often, so that
# sequences get far (a claim, its check, a reopen...) instead of stopping at refusals.
OWN = "own"  # the liaison of the task's own department
reporters = st.sampled_from((*PEOPLE, OWN, OWN, OWN))
managers = st.sampled_from((*PEOPLE, COORDINATOR, COORDINATOR, COORDINATOR))
tasks = st.sampled_from(TASKS)
_template: Path | None = None


def fresh_database(folder: Path) -> Path:
    """A copy of one database loaded with the plan and the four people (loading it for every
    example would cost more than the example)."""
    global _template
    if _template is None:
        kept = tempfile.mkdtemp(prefix="duban-machine-")
        atexit.register(shutil.rmtree, kept, ignore_errors=True)
        _template = Path(kept) / "template.db"
        db = dbmod.connect(_template)
        load_plan(db, PLAN, now=START)
        for user_id, dept, role, name in ((COORDINATOR, "EDU", "coordinator", "王统筹"),
                                          (EDU_LIAISON, "EDU", "liaison", "李联络"),
                                          (HEALTH_LIAISON, "HEALTH", "liaison", "张卫健")):
            add_member(db, user_id=user_id, dept=dept, role=role, now=START, actor="test",
                       name=name)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    path = folder / "duban.db"
    shutil.copyfile(_template, path)
    return path


class LifecycleMachine(RuleBasedStateMachine):
    versions = Bundle("versions")  # (task id, a version seen then): buttons made earlier

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self.db = dbmod.connect(fresh_database(Path(self._tmp.name)))
        # Durability is not under test here; a flush per commit would be most of the run time.
        self.db.execute("PRAGMA synchronous = OFF")
        self.now = START
        self.seen_versions = {t: task_version(self.db, t) for t in TASKS}

    def teardown(self) -> None:
        event(f"records written: {min(self.db['reports'].count, 20) // 5 * 5}+")
        self.db.close()
        self._tmp.cleanup()

    # ------------------------------------------------------------ helpers

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a call may change: records, take-backs, evidence, audit, deadlines and the
        newest-record index."""
        q = self.db.execute
        return (
            q("SELECT count(*), count(revoked_at) FROM reports").fetchone(),
            q("SELECT count(*) FROM evidence").fetchone()[0],
            q("SELECT count(*) FROM audit").fetchone()[0],
            tuple(q("SELECT id, due_set, start FROM tasks ORDER BY id").fetchall()),
            tuple(q("SELECT task_id, period, report_id FROM task_latest "
                    "ORDER BY task_id, period").fetchall()),
        )

    def state_of(self, task_id: str, period: str | None = None) -> State:
        """The state of the occurrence in force (or of `period`)."""
        task = find_task(self.db, task_id)
        return snapshot_of(self.db, task, self.now.date(), period)[2].state

    def facts_of(self, task_id: str):
        return task_view(self.db, task_id, self.now)

    def attempt(self, who: int, call, *, must_refuse: bool = False) -> Any:
        """Run one core call: it succeeds or raises DubanError (anything else fails the test).
        A refusal, and anything a stranger tries, changes nothing."""
        before = self.fingerprint()
        name = getattr(call, "__qualname__", "call").split(".")[1]
        try:
            result = call()
        except DubanError as refusal:
            event(f"{name}: refused {refusal.key}")  # --hypothesis-show-statistics
            assert self.fingerprint() == before, f"refused ({refusal.key}) yet changed data"
            return refusal
        event(f"{name}: done")
        assert not must_refuse, "a stale version was accepted"
        assert who != STRANGER, "a stranger's call succeeded"
        return result

    def person(self, who: int | str, task_id: str) -> int:
        if who != OWN:
            return who
        return EDU_LIAISON if find_task(self.db, task_id).dept == "EDU" else HEALTH_LIAISON

    def allowed(self, who: int, task_id: str, action: str) -> bool:
        """The rule book as the tests read it: liaisons report on their own department's tasks;
        the coordinator reports on every task and alone reviews and manages."""
        if who == COORDINATOR:
            return True
        if who == STRANGER or action != "report":
            return False
        return DEPT_OF[who] == find_task(self.db, task_id).dept

    def check_success(self, who: int, task_id: str, action: str, result: Any,
                      expected: State | None = None) -> None:
        if isinstance(result, DubanError):
            return
        assert self.allowed(who, task_id, action), f"{who} may not {action} {task_id}"
        if expected is not None:
            period = result.report["period"]  # the occurrence the record went to
            got = self.state_of(task_id, period)
            assert got is expected, (got, expected)
            assert result.report["lifecycle"] == expected.value

    # ------------------------------------------------------------ the clock

    @rule(minutes=st.integers(1, 90))
    def wait_minutes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(days=st.integers(1, 45))
    def wait_days(self, days: int) -> None:
        self.now += timedelta(days=days)

    # ------------------------------------------------------------ buttons made now

    @rule(target=versions, task_id=tasks)
    def make_button(self, task_id: str) -> tuple[str, int]:
        return task_id, task_version(self.db, task_id)

    # ------------------------------------------------------------ reports

    @rule(who=reporters, task_id=tasks,
          percent=st.none() | st.integers(0, 100),
          state=st.none() | st.sampled_from(["not_started", "in_progress", "done", "blocked"]),
          value=st.none() | st.integers(0, 250),
          note=REASONS)
    def report(self, who: int | str, task_id: str, percent: int | None, state: str | None,
               value: int | None, note: str) -> None:
        who = self.person(who, task_id)
        if task_id != NUMERIC:
            value = None  # only T08 has a numeric target (a value elsewhere is refused; fine)
        result = self.attempt(who, lambda: record_report(
            self.db, user_id=who, task_ref=task_id, now=self.now, percent=percent, state=state,
            value=value, note=note))
        if isinstance(result, DubanError):
            if result.key == "blocked_needs_note":
                assert state == "blocked" and not note.strip()
            return
        report = result.report
        if percent is not None:
            assert report["percent"] == percent
        if state == "blocked" and report["percent"] < 100:
            assert note.strip(), "a blocked report without a note was accepted"
        expected = (State.CLAIMED if report["percent"] >= 100 else
                    State.BLOCKED if state == "blocked" else State.IN_PROGRESS)
        self.check_success(who, task_id, "report", result, expected)
        # the acknowledgement's mark is the recorded occurrence's, as /status shows it
        shown = next(o for o in self.facts_of(task_id).occurrences
                     if o.period == report["period"])
        assert result.status == shown.status

    @rule(who=reporters, task_id=tasks, how=st.sampled_from(["100", "done", "value"]),
          note=REASONS)
    def claim(self, who: int | str, task_id: str, how: str, note: str) -> None:
        """A report of 100% (the common path to a check), by percent, 已完成 or T08's value."""
        if how == "value" and task_id != NUMERIC:
            how = "done"
        args = {"100": {"percent": 100}, "done": {"state": "done"}, "value": {"value": 200}}
        self.report(who, task_id, note=note, **{"percent": None, "state": None, "value": None,
                                                 **args[how]})

    @rule(who=st.sampled_from(PEOPLE))
    def undo(self, who: int) -> None:
        result = self.attempt(who, lambda: undo_last(self.db, user_id=who, now=self.now))
        if not isinstance(result, DubanError):
            assert who != STRANGER
            assert result["user_id"] == who and result["kind"] in ("progress", "claim")
            row = self.db["reports"].get(result["id"])
            assert row["revoked_at"] is not None

    # ------------------------------------------------------------ checks and closures

    @rule(who=managers, task_id=tasks, versioned=st.booleans(), note=REASONS)
    def close(self, who: int, task_id: str, versioned: bool, note: str) -> None:
        claimed = [o for o in self.facts_of(task_id).occurrences if o.state is State.CLAIMED]
        version = task_version(self.db, task_id) if versioned else None
        result = self.attempt(who, lambda: close_task(
            self.db, user_id=who, task_ref=task_id, now=self.now, note=note, version=version))
        if not isinstance(result, DubanError):
            # the oldest claim is the one checked
            assert claimed and result.report["period"] == claimed[0].period
        self.check_success(who, task_id, "review", result, State.CLOSED)

    @rule(who=managers, task_id=tasks, reason=REASONS)
    def close_direct(self, who: int, task_id: str, reason: str) -> None:
        before = self.state_of(task_id)
        result = self.attempt(who, lambda: close_directly(
            self.db, user_id=who, task_ref=task_id, reason=reason, now=self.now,
            version=task_version(self.db, task_id)))
        if not isinstance(result, DubanError):
            assert before in OPEN and reason.strip()
        self.check_success(who, task_id, "review", result, State.CLOSED)

    @rule(who=managers, task_id=tasks, reason=REASONS, versioned=st.booleans())
    def reopen(self, who: int, task_id: str, reason: str, versioned: bool) -> None:
        claimed = [o for o in self.facts_of(task_id).occurrences if o.state is State.CLAIMED]
        before = claimed[0].state if claimed else self.state_of(task_id)
        version = task_version(self.db, task_id) if versioned else None
        result = self.attempt(who, lambda: reopen_task(
            self.db, user_id=who, task_ref=task_id, reason=reason, now=self.now,
            version=version))
        if not isinstance(result, DubanError):
            assert before in (State.CLAIMED, State.CLOSED) and reason.strip()
            assert result.report["percent"] < 100
        self.check_success(who, task_id, "review", result, State.IN_PROGRESS)

    # ------------------------------------------------------------ extensions and deadlines

    @rule(who=reporters, task_id=tasks, days=st.integers(-10, 90), reason=REASONS)
    def ask_extension(self, who: int | str, task_id: str, days: int, reason: str) -> None:
        who = self.person(who, task_id)
        task = find_task(self.db, task_id)
        target = extension_target(self.db, task, self.now)
        due = target.due or self.now.date()
        before = target.state
        result = self.attempt(who, lambda: request_extension(
            self.db, user_id=who, task_ref=task_id, due=due + timedelta(days=days),
            reason=reason, now=self.now))
        if not isinstance(result, DubanError):
            assert days > 0 and reason.strip() and self.now.date() <= due
            assert target.due is not None and result.report["period"] == target.period
        self.check_success(who, task_id, "report", result, before)

    @rule(who=managers, task_id=tasks, approve=st.booleans(), reason=REASONS)
    def decide(self, who: int, task_id: str, approve: bool, reason: str) -> None:
        task = find_task(self.db, task_id)
        pending = self.facts_of(task_id).pending_extension
        period = pending.period if pending else None
        _, _, snap = snapshot_of(self.db, task, self.now.date(), period)
        before = snap.state
        result = self.attempt(who, lambda: decide_extension(
            self.db, user_id=who, task_ref=task_id, approve=approve, now=self.now,
            version=task_version(self.db, task_id), reason=reason))
        if isinstance(result, DubanError):
            return
        assert snap.extension, "a decision without a pending request"
        after = find_task(self.db, task_id)
        occurrence = next(o for o in self.facts_of(task_id).occurrences
                          if o.period == result.report["period"]) if task.recurring else None
        in_force = occurrence.due if occurrence else after.due
        if approve:
            assert in_force.isoformat() == snap.extension["due"]
        else:
            assert reason.strip() and after.due_set == task.due_set
        assert snapshot_of(self.db, after, self.now.date(), period)[2].extension is None
        self.check_success(who, task_id, "manage", result, before)

    @rule(who=managers, task_id=tasks, days=st.integers(-5, 400))
    def move_deadline(self, who: int, task_id: str, days: int) -> None:
        before = self.state_of(task_id)
        result = self.attempt(who, lambda: set_deadline(
            self.db, user_id=who, task_ref=task_id, due=self.now.date() + timedelta(days=days),
            now=self.now))
        if not isinstance(result, DubanError):
            assert who == COORDINATOR
            expected = State.ASSIGNED if before in OPEN else before
            assert self.state_of(task_id) is expected

    # ------------------------------------------------------------ 催办, 签收, 中止, 恢复

    @rule(who=managers, task_id=tasks,
          event=st.sampled_from([Event.CHASE, Event.ACK, Event.SUSPEND, Event.RESUME]),
          reason=REASONS, versioned=st.booleans(), acker=reporters)
    def act(self, who: int, task_id: str, event: Event, reason: str, versioned: bool,
            acker: int | str) -> None:
        if event is Event.ACK:  # 签收 is the department's
            who = self.person(acker, task_id)
        task = find_task(self.db, task_id)
        _, _, snap = snapshot_of(self.db, task, self.now.date())
        version = task_version(self.db, task_id) if versioned else None
        result = self.attempt(who, lambda: act_on(
            self.db, event=event, user_id=who, task_ref=task_id, now=self.now, reason=reason,
            version=version))
        if isinstance(result, DubanError):
            return
        expected = {
            Event.CHASE: snap.state,
            Event.ACK: State.IN_PROGRESS if snap.state is State.ASSIGNED else snap.state,
            Event.SUSPEND: State.SUSPENDED,
            Event.RESUME: snap.resume_to or State.IN_PROGRESS,
        }[event]
        if event is Event.SUSPEND:
            assert reason.strip() and snap.state is not State.CLOSED
        if event is Event.RESUME:
            assert snap.state is State.SUSPENDED
        self.check_success(who, task_id, "report" if event is Event.ACK else "manage", result,
                           expected)

    # ------------------------------------------------------------ stale buttons

    @rule(button=versions, who=managers, what=st.sampled_from(VERSIONED), reason=REASONS)
    def press_old_button(self, button: tuple[str, int], who: int, what: str,
                         reason: str) -> None:
        task_id, version = button
        if task_version(self.db, task_id) == version:
            return  # nothing changed since: the button is still good
        reason = reason or "旧按钮"

        def press() -> Any:
            common = {"user_id": who, "task_ref": task_id, "now": self.now, "version": version}
            if what == "close":
                return close_task(self.db, **common)
            if what == "direct_close":
                return close_directly(self.db, reason=reason, **common)
            if what == "reopen":
                return reopen_task(self.db, reason=reason, **common)
            if what in ("approve", "refuse"):
                return decide_extension(self.db, approve=what == "approve", reason=reason,
                                        **common)
            return act_on(self.db, event=Event(what), reason=reason, **common)

        self.attempt(who, press, must_refuse=True)

    # ------------------------------------------------------------ invariants

    @invariant()
    def versions_only_grow(self) -> None:
        for task_id in TASKS:
            version = task_version(self.db, task_id)
            assert version >= self.seen_versions[task_id], task_id
            self.seen_versions[task_id] = version

    @invariant()
    def latest_is_the_newest_valid_record(self) -> None:
        revoked = self.db.execute(
            "SELECT count(*) FROM task_latest l JOIN reports r ON r.id = l.report_id "
            "WHERE r.revoked_at IS NOT NULL").fetchone()[0]
        assert revoked == 0, "task_latest points at a revoked report"
        kept = dict(((t, p), r) for t, p, r in self.db.execute(
            "SELECT task_id, period, report_id FROM task_latest").fetchall())
        newest = dict(((t, p), r) for t, p, r in self.db.execute(
            "SELECT task_id, period, max(id) FROM reports WHERE revoked_at IS NULL "
            "GROUP BY task_id, period").fetchall())
        assert kept == newest

    @invariant()
    def every_change_is_audited(self) -> None:
        """One audit row per record written and per record taken back (so per version step)."""
        q = self.db.execute
        changes = q("SELECT count(*) + count(revoked_at) FROM reports").fetchone()[0]
        audited = q("SELECT count(*) FROM audit WHERE entity = 'reports'").fetchone()[0]
        assert audited == changes
        assert q("SELECT count(*) FROM reports WHERE at > ?",
                 [utc_iso(self.now)]).fetchone()[0] == 0, "a record from the future"

    @invariant()
    def closures_are_justified(self) -> None:
        today = self.now.date()
        for task_id in TASKS:
            task = find_task(self.db, task_id)
            periods = [r[0] for r in self.db.execute(
                "SELECT DISTINCT period FROM reports WHERE task_id = ?", [task_id])]
            for period in periods:
                self._closure_justified(task, task_id, period, today)

    def _closure_justified(self, task, task_id: str, period: str, today) -> None:
        if True:
            _, _, snap = snapshot_of(self.db, task, today, period)
            if snap.state is not State.CLOSED:
                return
            rows = list(self.db.query(
                "SELECT kind, note FROM reports WHERE task_id = ? AND period = ? "
                "AND revoked_at IS NULL ORDER BY id", [task_id, period]))
            kinds = [r["kind"] for r in rows]
            last_reopen = max((i for i, k in enumerate(kinds) if k == "reopen"), default=-1)
            since = rows[last_reopen + 1:]
            claim = next((i for i, r in enumerate(since) if r["kind"] == "claim"), None)
            checked = claim is not None and any(r["kind"] == "close" for r in since[claim:])
            direct = any(r["kind"] == "direct_close" and (r["note"] or "").strip()
                         for r in since)
            assert checked or direct, f"{task_id} closed without a claim or a reason: {kinds}"

    @invariant()
    def views_agree(self) -> None:
        summary = plan_summary(self.db, self.now)
        shown = {v.task.id: (v.status.status, v.status.percent) for v in summary.tasks}
        digest = {v.task.id: (v.status.status, v.status.percent)
                  for v in digest_data(self.db, self.now).summary.tasks}
        assert digest == shown
        # The record read afresh as of now (as /status --at does) says what the kept index says.
        scanned = {v.task.id: (v.status.status, v.status.percent)
                   for v in plan_summary(self.db, self.now, historical=True).tasks}
        assert scanned == shown
        for task_id in TASKS:
            card = task_view(self.db, task_id, self.now).status
            assert (card.status, card.percent) == shown[task_id], task_id
        # The command line's table: per department, the count of every mark it shows.
        text = plan_plain(meta(self.db), summary, "zh")
        rows = _plain_rows(text)
        for dept in summary.departments:
            counts = Counter(v.status.status for v in dept.tasks)
            row = rows[field(dept.dept, "dept", "zh")]
            assert int(row[1]) == len(dept.tasks)
            assert [int(n) for n in row[2:]] == [counts[c] for c in COUNT_COLUMNS]
        overdue = {line.split()[0] for line in _overdue_lines(text)}
        assert overdue == {v.task.id for v in summary.tasks if v.status.overdue}


def _plain_rows(text: str) -> dict[str, list[str]]:
    """The department rows of the command line's plan table, by department name."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"[- ]+", line)) + 1
    rows: dict[str, list[str]] = {}
    for line in lines[start:]:
        if not line.strip():
            break
        name, *cells = line.split()
        rows[name] = cells
    return rows


def _overdue_lines(text: str) -> list[str]:
    # '  T01  教育局  title  (2022-06-30 逾期3天, 0%)'; the targets' lines end otherwise
    return [line for line in text.splitlines() if re.match(r"^  T\d+  .*%\)$", line)]


# About 15 s alone on a laptop. A failure prints its shrunk steps and a @reproduce_failure blob;
# Hypothesis keeps it in .hypothesis/ (which ignores itself in git) and replays it first next time.
LifecycleMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=50, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
TestLifecycleMachine = LifecycleMachine.TestCase

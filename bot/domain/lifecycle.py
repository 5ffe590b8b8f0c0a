"""The 督办 lifecycle of a task (or of one occurrence of a recurring duty), as one state machine.
Pure: no database, no clock.

    交办 ──► 待签收 ──签收──► 办理中 ◄──────────────── 解除受阻 / 退回 / 恢复
                │              │  ▲ report < 100%        ▲
                │ report       │  │                      │
                └─────────────►│  ├──受阻(reason)──► 受阻 ┘
                               │
                               ├──report 100% (claim)──► 待核实 ──核实销号──► 已销号
                               │                           └──退回(reason)──► 办理中
                               ├──直接销号(confirmed, reason)─────────────► 已销号 ──reopen──► 办理中
                               └──中止(reason)──► 已中止 ──恢复──► (the state before)

延期申请 (an extension request) is pending beside the state: filed by the department before the
due date, approved (a new due date; the original stays on record) or refused (with a reason) by
the coordinator. 催办 (a chase) changes no state; it asks for its own 签收.

Every record of a task carries the snapshot *after* it (`Snapshot`), so the newest valid record
is the task's whole present; `step` computes the next snapshot or refuses with a catalogue key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.domain.access import Action
from bot.errors import DubanError


class State(StrEnum):
    ASSIGNED = "assigned"  # 待签收
    IN_PROGRESS = "in_progress"  # 办理中
    BLOCKED = "blocked"  # 受阻
    CLAIMED = "claimed"  # 待核实
    CLOSED = "closed"  # 已销号
    SUSPENDED = "suspended"  # 已中止


class Event(StrEnum):
    ASSIGN = "assign"  # 交办: a new task, or a new deadline
    ACK = "ack"  # 签收
    PROGRESS = "progress"  # a report below 100% (or a state word)
    CLAIM = "claim"  # a report of 100% / 已完成
    CLOSE = "close"  # 核实销号 of a claim
    DIRECT_CLOSE = "direct_close"  # 直接销号 without a claim: confirmed, with a reason
    REOPEN = "reopen"  # 退回 a claim, or reverse a closure, with a reason
    EXTEND_REQUEST = "extend_request"  # 延期申请
    EXTEND_APPROVE = "extend_approve"
    EXTEND_REFUSE = "extend_refuse"
    EXTEND_WITHDRAW = "extend_withdraw"  # the applicant takes a pending request back
    CHASE = "chase"  # 催办
    SUSPEND = "suspend"  # 中止
    RESUME = "resume"


OPEN = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.BLOCKED})
# Who may cause each event, in the rule book's terms (bot.domain.access): the department's liaisons
# report, acknowledge and ask for more time; the coordinator checks and manages.
ACTION_OF: dict[Event, Action] = {
    Event.ASSIGN: Action.MANAGE,
    Event.ACK: Action.REPORT,
    Event.PROGRESS: Action.REPORT,
    Event.CLAIM: Action.REPORT,
    Event.CLOSE: Action.REVIEW,
    Event.DIRECT_CLOSE: Action.REVIEW,
    Event.REOPEN: Action.REVIEW,
    Event.EXTEND_REQUEST: Action.REPORT,
    Event.EXTEND_APPROVE: Action.MANAGE,
    Event.EXTEND_REFUSE: Action.MANAGE,
    Event.EXTEND_WITHDRAW: Action.REPORT,
    Event.CHASE: Action.MANAGE,
    Event.SUSPEND: Action.MANAGE,
    Event.RESUME: Action.MANAGE,
}
# Records that are a department's own report on the work (the rest are acts on the record).
REPORTS = frozenset({Event.PROGRESS, Event.CLAIM})

# Where each event may start from. Anything else is refused with the key below.
ALLOWED_FROM: dict[Event, frozenset[State]] = {
    Event.ASSIGN: OPEN,
    Event.ACK: frozenset(State) - {State.CLOSED},
    Event.PROGRESS: OPEN,
    Event.CLAIM: OPEN,
    Event.CLOSE: frozenset({State.CLAIMED}),
    Event.DIRECT_CLOSE: OPEN,
    Event.REOPEN: frozenset({State.CLAIMED, State.CLOSED}),
    Event.EXTEND_REQUEST: OPEN,
    Event.EXTEND_APPROVE: OPEN | {State.CLAIMED},
    Event.EXTEND_REFUSE: OPEN | {State.CLAIMED},
    Event.EXTEND_WITHDRAW: OPEN | {State.CLAIMED},
    Event.CHASE: OPEN,
    Event.SUSPEND: OPEN | {State.CLAIMED},
    Event.RESUME: frozenset({State.SUSPENDED}),
}
REFUSED_FROM: dict[State, str] = {
    State.CLOSED: "task_closed",
    State.CLAIMED: "task_claimed",
    State.SUSPENDED: "task_suspended",
}


# Refusals worded for who causes the event: a chase is the coordinator's, so "已销号，无需催办",
# not the liaison's "如需继续报送，请统筹人先用 /reopen 退回".
REFUSED_FOR: dict[tuple[Event, State], str] = {
    (Event.CHASE, State.CLOSED): "chase_closed",
    (Event.CHASE, State.CLAIMED): "chase_claimed",
    (Event.CHASE, State.SUSPENDED): "chase_suspended",
    (Event.EXTEND_REQUEST, State.CLAIMED): "extend_claimed",
}


@dataclass(frozen=True)
class Snapshot:
    """A task's present after one record: lifecycle state and reported progress."""

    state: State = State.IN_PROGRESS
    percent: int = 0
    work: str | None = None  # the reported work state: not_started | in_progress | done | blocked
    value: float | None = None
    reason: str = ""  # why it is blocked, suspended, sent back or closed directly
    extension: dict[str, str] | None = None  # a pending request: {"due": ISO date, "reason": …}
    resume_to: State | None = None  # the state before 中止
    reported: bool = False  # the department has reported on it (not only been chased, etc.)

    def data(self) -> dict[str, Any]:
        """What a record keeps beside its columns (carried forward from record to record)."""
        out: dict[str, Any] = {}
        if self.extension:
            out["extension"] = self.extension
        if self.resume_to:
            out["resume_to"] = str(self.resume_to)
        if self.reason:
            out["reason"] = self.reason
        if self.reported:
            out["reported"] = True
        return out


def initial(recurring: bool) -> Snapshot:
    """Before any record. A task becomes 待签收 when it is actually assigned (交办: the bot posts
    the 交办单, or the coordinator sets a new deadline), not merely by being in the plan file;
    a recurring duty's new occurrence continues a duty already acknowledged."""
    return Snapshot(State.IN_PROGRESS)


def step(snap: Snapshot, event: Event, *, task_id: str, percent: int | None = None,
         work: str | None = None, value: float | None = None, reason: str = "",
         extension: dict[str, str] | None = None) -> Snapshot:
    """The snapshot after `event`, or a DubanError saying why it may not happen now (who may
    cause it is bot.domain.access's question: see ACTION_OF)."""
    if snap.state not in ALLOWED_FROM[event]:
        key = REFUSED_FOR.get((event, snap.state)) or REFUSED_FROM.get(snap.state,
                                                                        "not_awaiting_check")
        if event is Event.RESUME:
            key = "task_not_suspended"
        elif event is Event.CLOSE and snap.state in OPEN:
            key = "close_unclaimed"  # the coordinator may close it directly, confirmed
        raise DubanError(key, task=task_id)
    if event is Event.ASSIGN:
        return replace(snap, state=State.ASSIGNED)
    if event is Event.ACK:
        return replace(snap, state=State.IN_PROGRESS) if snap.state is State.ASSIGNED else snap
    if event in (Event.PROGRESS, Event.CLAIM):
        blocked = work == "blocked"
        if blocked and not reason:
            raise DubanError("blocked_needs_note")
        state = (State.CLAIMED if event is Event.CLAIM
                 else State.BLOCKED if blocked else State.IN_PROGRESS)
        return replace(snap, state=state, percent=100 if state is State.CLAIMED else percent or 0,
                       work=work, value=value, reason=reason if blocked else "", reported=True)
    if event is Event.CLOSE:
        return replace(snap, state=State.CLOSED, percent=100, work="done", reason="",
                       extension=None)
    if event is Event.DIRECT_CLOSE:
        if not reason:
            raise DubanError("direct_close_reason")
        return replace(snap, state=State.CLOSED, percent=100, work="done", reason=reason,
                       extension=None)
    if event is Event.REOPEN:
        if not reason:
            raise DubanError("reason_required")
        return replace(snap, state=State.IN_PROGRESS, work="in_progress", reason=reason,
                       percent=percent or 0, value=value)
    if event is Event.EXTEND_REQUEST:
        if snap.extension:
            raise DubanError("extension_pending", task=task_id)
        return replace(snap, extension=extension)
    if event in (Event.EXTEND_APPROVE, Event.EXTEND_REFUSE, Event.EXTEND_WITHDRAW):
        if not snap.extension:
            raise DubanError("no_extension_pending", task=task_id)
        if event is Event.EXTEND_REFUSE and not reason:
            raise DubanError("reason_required")
        return replace(snap, extension=None)
    if event is Event.CHASE:
        return snap
    if event is Event.SUSPEND:
        if not reason:
            raise DubanError("suspend_reason")
        return replace(snap, state=State.SUSPENDED, resume_to=snap.state, reason=reason)
    # RESUME
    return replace(snap, state=snap.resume_to or State.IN_PROGRESS, resume_to=None, reason="")


_STATES = {state.value: state for state in State}


def state_of_record(row: Mapping[str, Any]) -> State:
    """The lifecycle state a stored record leaves its task in (the cheap part of from_record:
    what the facts' timelines need for every record)."""
    state = row.get("lifecycle")
    if state is not None:
        return _STATES[state]
    if row["kind"] == "close":
        return State.CLOSED
    if row["kind"] == "progress" and ((row["percent"] or 0) >= 100 or row["state"] == "done"):
        return State.CLAIMED
    return State.BLOCKED if row["state"] == "blocked" else State.IN_PROGRESS


def from_record(row: Mapping[str, Any] | None, recurring: bool) -> Snapshot:
    """The snapshot a stored record carries (records from before the lifecycle are read by
    what they say: a close is closed, a 100% report a claim, a blocked report blocked)."""
    if row is None:
        return initial(recurring)
    data = _data(row)
    state = state_of_record(row)
    resume = data.get("resume_to")
    # Records from before the lifecycle were all reports or checks of reports.
    reported = data.get("reported", row.get("lifecycle") is None or row["kind"] in REPORT_KINDS)
    return Snapshot(state, row["percent"] or 0, row["state"], row["value"],
                    data.get("reason", row["note"] if row["state"] == "blocked" else "") or "",
                    data.get("extension"), State(resume) if resume else None, bool(reported))


REPORT_KINDS = frozenset({"progress", "claim", "close", "direct_close", "reopen"})


def _data(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("data")
    return json.loads(raw) if raw else {}

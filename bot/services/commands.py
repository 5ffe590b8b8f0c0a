"""Every change to a task's record: reports and claims, the coordinator's checks and send-backs,
签收, 催办, 延期, 中止, deadlines, mutes, and /undo.

One way in (`transition`): who may (bot.domain.access, decided once: the caller's `Actor` comes
from the gate, or is looked up once here for the command line and the tests), whether the
lifecycle allows it now (bot.domain.lifecycle), then the record with the snapshot after it, all in
one transaction. What the change means for the figures is the facts' business (bot.services.facts).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlite_utils import Database

from bot.domain.access import Action, Actor, Permit, permit
from bot.domain.facts import Occurrence, TaskFacts
from bot.domain.lifecycle import ACTION_OF, OPEN, Event, Snapshot, State, from_record, initial, step
from bot.domain.marks import STATES, TaskStatus, percent_of
from bot.domain.task import FRESH_DAYS, ONE_OFF, Task
from bot.errors import DubanError
from bot.language.i18n import Key, Phrase, task_named
from bot.language.numerals import MAX_VALUE
from bot.services.directory import actor, dept_names, find_task
from bot.services.facts import task_facts_now
from bot.store import deadlines as deadline_store
from bot.store import members as member_store
from bot.store import outbox, records
from bot.store import plan as plan_store
from bot.store.audit import audit
from bot.store.connection import utc_iso

UNDO_WINDOW = timedelta(minutes=30)


def _in_undo_window(record: dict[str, Any], now: datetime) -> bool:
    return now - datetime.fromisoformat(record["at"]) <= UNDO_WINDOW


def _undo_open(db: Database, task_id: str, period: str, now: datetime) -> bool:
    """Whether the newest record of the occurrence (a claim) may still be taken back."""
    newest = records.latest(db, task_id, period)
    return newest is not None and _in_undo_window(newest, now)
MAX_NOTE_CHARS = 500  # even escaped (& -> &amp;) a note line stays under one message


@dataclass(frozen=True)
class Recorded:
    report: dict[str, Any]
    task: Task
    status: TaskStatus
    duplicate: bool = False  # the same update was already recorded: nothing new was written


def authorise(db: Database, user_id: int | None, action: Action, task: Task,
              who: Actor | Permit | None = None) -> Permit | None:
    """The rule book (bot.domain.access) decides, once: `who` is the caller as the gate
    resolved it, or the permit this update was already given for this action on this task
    (kept as it is); else the person is looked up here. The refusal names departments in both
    languages."""
    if isinstance(who, Permit):
        if who.covers(action, task, user_id):
            return who
        who = who.actor
    if who is None and user_id is None:
        return None  # the command line: the operator of the installation
    return permit(who or actor(db, user_id),  # type: ignore[arg-type]
                  action, task, lambda: dept_names(db))


def task_version(db: Database, task_id: str, period: str | None = None) -> int:
    """The version of a task's record, or with `period` of one occurrence's: a card or a question
    about an occurrence is made for, and checked against, that occurrence's version, so what
    happens on another occurrence of the same duty leaves it standing."""
    return records.version(db, task_id, period)


def card_version(db: Database, task_id: str, raw: str, period: str | None) -> int:
    """The occurrence version a button stands for. Cards made per occurrence write it 'o<N>'; a
    card from before carries the whole task's version (digits only): it stands for the
    occurrence's present version while the task has not changed at all, else for none (-1, so
    it is refused as stale, as it was before)."""
    if raw.startswith("o"):
        return int(raw[1:])
    if int(raw) == records.version(db, task_id):
        return records.version(db, task_id, period)
    return -1


def stale(db: Database, task_id: str, tz: tzinfo | None, period: str | None = None,
          card: str | None = None) -> DubanError:
    """The refusal of a button or answer made for an older version of the task (or of its
    occurrence `period`), saying what changed since and, for a `card` of the coordinator's
    ("review": 核实销号/退回, "extension": a request's), where to act on that occurrence now
    ('T16（2022-06-30期） 已于 07-01 10:00 重新报告完成（待核实），此按钮已失效。请在该期最新的
    核实卡片上操作，或发送 /close T16 2022-06-30 …')."""
    row = records.last_change(db, task_id, period)
    if row is None:
        return DubanError("button_expired")
    kind = "undo" if row["revoked_at"] else row["kind"]
    if card == "review" and kind == "claim":  # a claim after the one the card was made for
        kind = "reclaim"
    when = datetime.fromisoformat(row["revoked_at"] or row["at"]).astimezone(tz)
    return DubanError("button_stale", task=task_named(task_id, period),
                      when=f"{when:%m-%d %H:%M}", change=Key(f"change.{kind}"),
                      next=_way_forward(db, task_id, period, card))


def _way_forward(db: Database, task_id: str, period: str | None, card: str | None
                 ) -> Phrase | str:
    """What to do now instead of a stale card's button, from the state of its occurrence (named
    by the card: no day is needed to find it)."""
    task = plan_store.task(db, task_id)
    if card is None or period is None or task is None:
        return ""
    _, _, now = snapshot_of(db, task, date.min, period)
    ref = f"{task_id} {period}" if period else task_id
    if card == "extension":
        return Phrase("stale_next.extension_waiting") if now.extension else ""
    if now.state is State.CLAIMED:
        return Phrase("stale_next.review_waiting", ref=ref)
    if now.state is State.CLOSED:
        return Phrase("stale_next.review_closed", ref=ref)
    return Phrase("stale_next.review_none")


def snapshot_of(db: Database, task: Task, today: date, period: str | None = None
                ) -> tuple[str, dict[str, Any] | None, Snapshot]:
    """(period, newest valid record, the snapshot it carries) of the occurrence in force on
    `today`, or of the named `period`."""
    if period is None:
        period = task.window(today).period
    row = records.latest(db, task.id, period)
    snap = from_record(row, task.recurring) if row else initial(task.recurring)
    return period, row, snap


def occurrence(facts: TaskFacts, period: str) -> Occurrence | None:
    return next((o for o in facts.occurrences if o.period == period), None)


def _status(db: Database, task: Task, period: str, now: datetime) -> TaskStatus:
    facts = task_facts_now(db, task, now)
    found = occurrence(facts, period)
    return found.status if found else facts.status


def _replayed(db: Database, update_key: str | None, now: datetime) -> Recorded | None:
    if not update_key:
        return None
    row = records.by_update_key(db, update_key)
    if row is None:
        return None
    task = plan_store.task(db, row["task_id"])
    assert task is not None
    return Recorded(row, task, _status(db, task, row["period"], now), duplicate=True)


# Records the coordinator must decide on get a card in the group, recorded in the outbox in the
# record's own transaction: whatever becomes of the acknowledgement (or of the process), the
# card goes out once (handlers/sender.py).
CARDS = {Event.CLAIM: "review", Event.EXTEND_REQUEST: "extension"}
# the card whose button makes each decision (a stale one is told where to act now)
CARD_OF = {Event.CLOSE: "review", Event.REOPEN: "review", Event.EXTEND_APPROVE: "extension",
           Event.EXTEND_REFUSE: "extension", Event.EXTEND_WITHDRAW: "extension"}


def transition(db: Database, task: Task, event: Event, *, user_id: int | None,
               now: datetime, update_key: str | None = None, version: int | None = None,
               note: str = "", source: str = "telegram", extra: dict[str, Any] | None = None,
               columns: dict[str, Any] | None = None, period: str | None = None,
               who: Actor | Permit | None = None, origin: dict[str, int | None] | None = None,
               **change: Any) -> Recorded:
    """The one way a task's record changes (see the module's note). `version`, when given, is
    the version of the occurrence the caller saw (a button's or a question's): an occurrence
    changed since is refused with what changed. `period` names the occurrence (default: the one
    in force today)."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise DubanError("note_too_long", limit=MAX_NOTE_CHARS)
    with db.atomic():
        replay = _replayed(db, update_key, now)
        if replay:
            return replay
        who = authorise(db, user_id, ACTION_OF[event], task, who) if user_id else None
        period, _, before = snapshot_of(db, task, now.date(), period)
        if version is not None and task_version(db, task.id, period) != version:
            raise stale(db, task.id, now.tzinfo, period, CARD_OF.get(event))
        try:
            after = step(before, event, task_id=task.id, **change)
        except DubanError as err:  # a refusal about an occurrence names it ('T16（2022-04-30期）')
            if err.key == "task_claimed" and not _undo_open(db, task.id, period, now):
                err = DubanError("task_claimed_wait", task=task.id)  # no /undo to offer now
            if err.params.get("task") == task.id:
                err.params["task"] = task_named(task.id, period)
            raise err from None
        data = {**after.data(), **(extra or {})}
        row = {
            "task_id": task.id, "period": period, "kind": event.value,
            "percent": after.percent, "state": after.work, "value": after.value,
            "lifecycle": after.state.value,
            "data": json.dumps(data, ensure_ascii=False, default=str) if data else None,
            "note": note, "user_id": user_id,
            "dept": (who.actor.dept if who and who.actor.dept else task.dept),
            "at": utc_iso(now), "source": source, "update_key": update_key,
            **(columns or {}),
        }
        report_id = records.insert(db, row)
        records.refresh_latest(db, task.id, period)
        if event in CARDS:
            # `origin`: the chat (and forum topic) the record came from, for when no
            # coordination group is configured or the card should stay in that topic.
            outbox.enqueue(db, key=f"{CARDS[event]}:{report_id}", kind=CARDS[event],
                           chat_id=None, payload={"report": report_id, **(origin or {})},
                           now=now)
        audit(db, at=now, actor=user_id or source, action=event.value, entity="reports",
              entity_id=report_id, detail={k: v for k, v in row.items() if v not in (None, "")})
        report = records.get(db, report_id)
    assert report is not None
    return Recorded(report, task, _status(db, task, period, now))


# ---------------------------------------------------------------- reports


def report_period(db: Database, task: Task, now: datetime, period: str | None = None) -> str:
    """The occurrence a report on `task` belongs to: the one named, else the oldest earlier
    occurrence still open (a late report closes what is missing first), else the one in force.
    With more than one earlier occurrence open the department must say which
    (DubanError 'occurrence_choose', with the choices)."""
    facts = task_facts_now(db, task, now)
    if period is not None:
        if occurrence(facts, period) is None:
            raise DubanError("occurrence_unknown", task=task.id, period=period)
        return period
    missing = [o for o in facts.earlier if o.state in OPEN]
    if not missing:
        return facts.current.period
    if len(missing) == 1:
        return missing[0].period
    raise DubanError("occurrence_choose", task=task.id,
                     choices=[o.period for o in (*missing, facts.current)],
                     periods="、".join(o.period for o in missing))


def fresh_occurrence(db: Database, task: Task, now: datetime) -> Occurrence | None:
    """The occurrence in force of a recurring `task` when a report with no occurrence named
    would go to it (none earlier is open) and it began fewer than FRESH_DAYS days ago: a claim
    on it is asked about before it is recorded. None otherwise."""
    if not task.recurring:
        return None
    facts = task_facts_now(db, task, now)
    if any(o.state in OPEN for o in facts.earlier):
        return None  # it goes to the missed one
    current = facts.current
    return current if (now.date() - current.opens).days < FRESH_DAYS else None


def planned_period(db: Database, task: Task, now: datetime, period: str | None = None
                   ) -> tuple[str, bool] | None:
    """The occurrence a report on a recurring `task` would be recorded on now (report_period),
    and whether it is an earlier one than the occurrence in force (a late report, 补报): what a
    confirmation names before anything is recorded. None for a one-off task, or while the
    department must still choose between several earlier occurrences."""
    if not task.recurring:
        return None
    try:
        chosen = report_period(db, task, now, period)
    except DubanError as err:
        if err.key == "occurrence_choose":
            return None
        raise
    return chosen, chosen != task_facts_now(db, task, now).current.period


def record_report(
    db: Database,
    *,
    user_id: int,
    task_ref: str | Task,
    now: datetime,
    percent: int | None = None,
    state: str | None = None,
    value: float | None = None,
    note: str = "",
    source: str = "telegram",
    update_key: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    who: Actor | Permit | None = None,
    origin: dict[str, int | None] | None = None,
) -> Recorded:
    """Validate and append one progress report (a claim at 100%); acknowledge only from what
    this returns.

    With `unit` (a county-level unit named in the target's quotas) `value` is that unit's
    figure, and the city figure is the sum of every unit's newest value. On a target split
    into units, a whole-city figure without a unit is refused: the city figure is the units'."""
    task = find_task(db, task_ref)
    replay = _replayed(db, update_key, now)
    if replay:
        return replay
    if percent is None and state is None and value is None:
        raise DubanError("report_empty")
    if percent is not None and (isinstance(percent, bool) or not 0 <= percent <= 100):
        raise DubanError("percent_range", percent=percent)
    if state is not None and state not in STATES:
        raise DubanError("state_unknown", state=state)
    if value is not None:
        if task.target_value is None:
            raise DubanError("value_not_target", task=task.id)
        if not math.isfinite(value) or value > MAX_VALUE:
            raise DubanError("progress_unreadable", word=str(value))
        if value < 0:
            raise DubanError("value_negative", value=value)
        if task.quotas and unit is None:
            raise DubanError("unit_required", task=task.id, units="、".join(task.quotas))
    if state == "done" and percent is not None and percent < 100:
        raise DubanError("state_percent_conflict", percent=percent)
    if percent == 100 and state in ("blocked", "not_started", "in_progress"):
        raise DubanError("state_percent_100", state=Key(f"state.{state}"))
    if task.rate and value is None and percent is not None and unit is None:
        value, percent = float(percent), None  # "70%" on a 达标率 target is the rate reached
    who = authorise(db, user_id, Action.REPORT, task, who)  # who, before what the record says
    period = report_period(db, task, now, period)
    _, previous, snap = snapshot_of(db, task, now.date(), period)
    unit_value = None
    if unit is not None:
        unit, unit_value, value = _unit_report(db, task, period, unit, value)
    if value is None and previous:
        value = snap.value  # a measurement stands until a new one is reported
    effective = percent_of(percent, state, value if percent is None else None, task.target_value)
    if effective is None:
        effective = snap.percent
    if state is None:
        state = "done" if effective >= 100 else ("in_progress" if effective > 0 else "not_started")
    elif state == "in_progress" and effective >= 100:
        effective = 99  # said to be still in progress: a measurement at target is not a claim
    event = Event.CLAIM if state == "done" or effective >= 100 else Event.PROGRESS
    same = _repeated(previous, user_id=user_id, now=now, kind=event.value, percent=effective,
                     state=state, value=value, note=(note or "").strip(), unit=unit)
    if same is not None:  # the same /report sent twice (a double tap, a resend): recorded once
        return Recorded(same, task, _status(db, task, period, now), duplicate=True)
    return transition(db, task, event, user_id=user_id, now=now, update_key=update_key,
                      note=note, source=source, percent=effective, work=state, value=value,
                      reason=(note or "").strip(), period=period, who=who, origin=origin,
                      columns={"unit": unit, "unit_value": unit_value})


DUPLICATE_WINDOW = timedelta(minutes=5)


def _repeated(newest: dict[str, Any] | None, *, user_id: int, now: datetime,
              **same: Any) -> dict[str, Any] | None:
    """The occurrence's newest record, if it is this person's identical report of the last few
    minutes: nothing happened to the task in between, so the second one says nothing new."""
    if newest is None or newest["user_id"] != user_id or newest["revoked_at"]:
        return None
    if now - datetime.fromisoformat(newest["at"]) > DUPLICATE_WINDOW:
        return None
    stored = {"kind": newest["kind"], "percent": newest["percent"], "state": newest["state"],
              "value": newest["value"], "note": newest["note"] or "", "unit": newest["unit"]}
    return newest if stored == same else None


def quotas_of(task: Task) -> dict[str, float]:
    """The county units' quotas of a numeric target ({} when the plan does not split it)."""
    return dict(task.quotas)


def unit_values(db: Database, task_id: str, period: str = "",
                at: datetime | None = None) -> dict[str, float]:
    return records.unit_values(db, task_id, period, at)


def match_unit(task: Task, unit: str) -> str:
    """The unit of the task's quotas `unit` names ('晋江' for '晋江市'), or a DubanError."""
    quotas = task.quotas
    if not quotas:
        raise DubanError("unit_not_split", task=task.id)
    name = unit.strip()
    if name in quotas:
        return name
    matches = [u for u in quotas if name and (u.startswith(name) or name in u)]
    if len(matches) != 1:
        raise DubanError("unit_unknown", unit=unit, units="、".join(quotas))
    return matches[0]


def _unit_report(db: Database, task: Task, period: str, unit: str,
                 value: float | None) -> tuple[str, float, float]:
    """(unit, the unit's value, the city figure) for a report of one county unit's value."""
    name = match_unit(task, unit)
    if value is None:
        raise DubanError("unit_needs_value", task=task.id)
    values = records.unit_values(db, task.id, period)
    values[name] = value
    return name, value, sum(values.values())


# ---------------------------------------------------------------- the coordinator's checks


def close_task(db: Database, *, user_id: int | None, task_ref: str | Task, now: datetime,
               note: str = "", source: str = "telegram", update_key: str | None = None,
               version: int | None = None, period: str | None = None,
               who: Actor | Permit | None = None) -> Recorded:
    """The coordinator's check (核实销号) of a claim: the task, or its occurrence, is closed.
    With no period named, the oldest claimed occurrence is the one checked."""
    task = find_task(db, task_ref)
    period = _claimed_period(db, task, now) if period is None else known_period(db, task, now,
                                                                                  period)
    return transition(db, task, Event.CLOSE, user_id=user_id, now=now, note=note,
                      source=source, update_key=update_key, version=version, period=period,
                      who=who)


def _claimed_period(db: Database, task: Task, now: datetime) -> str | None:
    facts = task_facts_now(db, task, now)
    claimed = [o for o in facts.occurrences if o.state is State.CLAIMED]
    return claimed[0].period if claimed else None


def known_period(db: Database, task: Task, now: datetime, period: str) -> str:
    """`period` if it is one of the task's occurrences since tracking began (settled ones
    included: a closed one can be reopened), else a refusal naming the task."""
    facts = task_facts_now(db, task, now)
    if not any(o.period == period for o in facts.every_occurrence()):
        raise DubanError("occurrence_unknown", task=task.id, period=period)
    return period


def close_directly(db: Database, *, user_id: int | None, task_ref: str | Task, reason: str,
                   now: datetime, version: int | None, source: str = "telegram",
                   update_key: str | None = None, period: str | None = None,
                   who: Actor | Permit | None = None) -> Recorded:
    """直接销号: the coordinator closes a task nobody claimed, confirmed and with a reason."""
    return transition(db, find_task(db, task_ref), Event.DIRECT_CLOSE, user_id=user_id,
                      now=now, note=reason, reason=(reason or "").strip(), source=source,
                      update_key=update_key, version=version, period=period, who=who)


def reopen_task(db: Database, *, user_id: int | None, task_ref: str | Task, reason: str,
                now: datetime, source: str = "telegram", update_key: str | None = None,
                version: int | None = None, period: str | None = None,
                who: Actor | Permit | None = None) -> Recorded:
    """退回 a claim, or reverse a closure, with a reason. Progress returns to the last report
    below 100%; the earlier records (a 受阻 reason among them) stay in the history."""
    task = find_task(db, task_ref)
    period = _claimed_period(db, task, now) if period is None else known_period(db, task, now,
                                                                                  period)
    period, _, _ = snapshot_of(db, task, now.date(), period)
    percent, value = records.last_progress_below_100(db, task.id, period)
    return transition(db, task, Event.REOPEN, user_id=user_id, now=now, note=reason,
                      reason=(reason or "").strip(), source=source, update_key=update_key,
                      version=version, period=period, percent=percent, value=value, who=who)


def act(db: Database, *, event: Event, user_id: int | None, task_ref: str | Task,
        now: datetime, reason: str = "", version: int | None = None,
        update_key: str | None = None, extension: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None, period: str | None = None,
        who: Actor | Permit | None = None, origin: dict[str, int | None] | None = None) -> Recorded:
    """签收, 催办, 中止, 恢复 and the extension's request and refusal: records that change the
    task's standing, not its reported progress."""
    return transition(db, find_task(db, task_ref), event, user_id=user_id, now=now,
                      note=reason, reason=(reason or "").strip(), version=version,
                      update_key=update_key, extension=extension, extra=extra, period=period,
                      who=who, origin=origin)


# ---------------------------------------------------------------- deadlines


def extension_target(db: Database, task: Task, now: datetime) -> Occurrence:
    """The occurrence an extension request is about: the oldest one still open (of a recurring
    duty, it can be extended on its own), else the one in force."""
    facts = task_facts_now(db, task, now)
    open_ones = [o for o in facts.occurrences if o.state in OPEN]
    return open_ones[0] if open_ones else facts.current


def request_extension(db: Database, *, user_id: int, task_ref: str | Task, due: date,
                      reason: str, now: datetime, update_key: str | None = None,
                      who: Actor | Permit | None = None,
                      origin: dict[str, int | None] | None = None) -> Recorded:
    """延期申请: before the due date, with a new date and a reason."""
    task = find_task(db, task_ref)
    target = extension_target(db, task, now)
    current = target.due
    if current is None:
        raise DubanError("extension_no_due", task=task.id)
    if not (reason or "").strip():
        raise DubanError("extension_reason")
    if now.date() > current:
        raise DubanError("extension_too_late", task=task.id, date=current.isoformat())
    if due <= current:
        raise DubanError("extension_not_later", task=task.id, date=current.isoformat())
    return act(db, event=Event.EXTEND_REQUEST, user_id=user_id, task_ref=task, now=now,
               reason=reason, update_key=update_key, period=target.period, who=who,
               origin=origin, extension={"due": due.isoformat(), "reason": reason.strip(),
                          "by": str(user_id), "from": current.isoformat()})


def pending_period(db: Database, task: Task, now: datetime, period: str | None) -> str | None:
    """The occurrence whose pending extension request is meant: the one named (a card's), else
    the oldest with a request waiting."""
    if period is not None:
        return period
    pending = task_facts_now(db, task, now).pending_extension
    return pending.period if pending else None


def withdraw_extension(db: Database, *, user_id: int, task_ref: str | Task, now: datetime,
                       version: int | None = None, update_key: str | None = None,
                       who: Actor | Permit | None = None, period: str | None = None
                       ) -> tuple[Recorded, dict[str, str]]:
    """The applicant takes back a pending extension request (the record and the request stay in
    the history). Only the person who asked may: a colleague asks them, the coordinator decides.
    `period`: the occurrence whose request it is (a card's), else the oldest waiting. Returns the
    record and the request withdrawn."""
    task = find_task(db, task_ref)
    period = pending_period(db, task, now, period)
    _, _, snap = snapshot_of(db, task, now.date(), period)
    asked = snap.extension
    if not asked:
        raise DubanError("no_extension_pending", task=task.id)
    if asked.get("by") != str(user_id):
        raise DubanError("extension_not_yours", task=task.id)
    rec = act(db, event=Event.EXTEND_WITHDRAW, user_id=user_id, task_ref=task, now=now,
              version=version, update_key=update_key, extra={"withdrawn": asked},
              period=period, who=who)
    return rec, asked


def decide_extension(db: Database, *, user_id: int | None, task_ref: str | Task, approve: bool,
                     now: datetime, version: int | None, reason: str = "",
                     update_key: str | None = None, who: Actor | Permit | None = None,
                     period: str | None = None) -> Recorded:
    """The coordinator approves (the new date becomes the deadline of the task or its
    occurrence; the original stays on record) or refuses (with a reason) a pending request:
    that of the occurrence `period` (a card's), else the oldest waiting."""
    task = find_task(db, task_ref)
    period = pending_period(db, task, now, period)
    _, _, snap = snapshot_of(db, task, now.date(), period)
    asked = snap.extension or {}
    target = occurrence(task_facts_now(db, task, now), period) if period is not None else None
    current = target.due if target else task.due
    if approve and asked and current and date.fromisoformat(asked["due"]) <= current:
        # the deadline moved past the request meanwhile: approving must never shorten it
        raise DubanError("extension_obsolete", task=task.id, date=current.isoformat())
    if not approve:
        return act(db, event=Event.EXTEND_REFUSE, user_id=user_id, task_ref=task, now=now,
                   reason=reason, version=version, update_key=update_key,
                   extra={"refused": asked}, period=period, who=who)
    with db.atomic():
        rec = act(db, event=Event.EXTEND_APPROVE, user_id=user_id, task_ref=task, now=now,
                  version=version, update_key=update_key, extra={"approved": asked},
                  period=period, who=who)
        if not rec.duplicate and asked:
            new_due = date.fromisoformat(asked["due"])
            deadline_store.add(db, task_id=task.id, period=period or ONE_OFF, due=new_due,
                               at=now, by=user_id or "cli", source="extension")
            if not task.recurring:
                plan_store.update_task(db, task.id, {"due_set": asked["due"],
                                                     "updated_at": utc_iso(now)})
            audit(db, at=now, actor=user_id or "cli", action="extension", entity="tasks",
                  entity_id=task.id, detail={"from": asked.get("from"), "to": asked["due"],
                                             "original": task.due_plan, "period": period})
    return Recorded(rec.report, plan_store.task(db, task.id) or task, rec.status, rec.duplicate)


def set_deadline(db: Database, *, user_id: int | None, task_ref: str | Task, due: date,
                 now: datetime, who: Actor | Permit | None = None) -> Task:
    """The coordinator moves (or sets) a task's due date; the plan file's date stays on record,
    and the department is asked to acknowledge the new date (交办 again)."""
    task = find_task(db, task_ref)
    who = authorise(db, user_id, Action.MANAGE, task, who)
    if task.recurring:
        raise DubanError("deadline_recurring", task=task.id)
    if due < now.date():
        raise DubanError("deadline_past", date=due.isoformat())
    before = task.due
    with db.atomic():
        change: dict[str, Any] = {"due_set": due.isoformat(), "updated_at": utc_iso(now)}
        # A standing duty gets a window: 序时进度 counts from today. The start is kept with the
        # deadline (the facts read it from there), not written over the plan's: the task as of
        # an earlier day still opens when the plan says.
        start = now.date() if before is None else None
        plan_store.update_task(db, task.id, change)
        deadline_store.add(db, task_id=task.id, period=ONE_OFF, due=due, at=now,
                           by=user_id or "cli", source="deadline", start=start)
        audit(db, at=now, actor=user_id or "cli", action="deadline", entity="tasks",
              entity_id=task.id, detail={"from": before, "to": due.isoformat()})
        task = plan_store.task(db, task.id) or task
        _, _, snap = snapshot_of(db, task, now.date())
        if snap.state in OPEN:
            transition(db, task, Event.ASSIGN, user_id=user_id, now=now, who=who,
                       note=due.isoformat(), extra={"due": due.isoformat(),
                                                    "from": before.isoformat() if before else None})
    return task


def mute_task(db: Database, *, user_id: int | None, task_ref: str | Task, until: date,
              now: datetime, who: Actor | Permit | None = None) -> Task:
    """Pause a task's nudges until `until` (inclusive); audited."""
    task = find_task(db, task_ref)
    authorise(db, user_id, Action.MANAGE, task, who)
    with db.atomic():
        plan_store.update_task(db, task.id, {"muted_until": until.isoformat()})
        audit(db, at=now, actor=user_id or "cli", action="mute", entity="tasks",
              entity_id=task.id, detail={"until": until.isoformat()})
    return plan_store.task(db, task.id) or task


def undo_last(db: Database, *, user_id: int, now: datetime) -> dict[str, Any]:
    """Take back the caller's own newest report if it is under 30 minutes old and is still the
    task's newest record (kept, marked revoked): once anyone acted on the task after it (a check,
    a send-back, a chase), it stands, and the coordinator reverses a closure with /reopen."""
    row = records.newest_own_report(db, user_id)
    if row is None:
        raise DubanError("undo_nothing")
    if not _in_undo_window(row, now):
        raise DubanError("undo_too_late", minutes=int(UNDO_WINDOW.total_seconds() // 60))
    with db.atomic():
        newest = records.latest(db, row["task_id"], row["period"])
        if newest is None or newest["id"] != row["id"]:
            raise _undo_refusal(db, row["task_id"], newest)
        records.revoke(db, row["id"], at=now, by=user_id)
        records.refresh_latest(db, row["task_id"], row["period"])
        audit(db, at=now, actor=user_id, action="undo", entity="reports", entity_id=row["id"])
    return row


def _undo_refusal(db: Database, task_id: str, newer: dict[str, Any] | None) -> DubanError:
    """Why a report cannot be taken back: say what came after it and who did it (a colleague's
    report is not the coordinator's handling)."""
    if newer is None:
        return DubanError("undo_nothing")
    who = reporter_of(db, newer).get("name") or str(newer["user_id"] or "—")
    if newer["kind"] in ("progress", "claim"):
        return DubanError("undo_superseded", task=task_id, user=who)
    return DubanError("undo_reviewed", task=task_id, user=who,
                      change=Key(f"change.{newer['kind']}"))


# ---------------------------------------------------------------- reading the record


def task_history(db: Database, task_id: str, limit: int = 50,
                 until: datetime | None = None) -> list[dict[str, Any]]:
    """Records of a task, newest first, revoked ones included and marked; as they stood at
    `until` when given (nothing recorded after it)."""
    return records.history(db, task_id, limit, until)


def last_reporter(db: Database, task_id: str, period: str | None = None
                  ) -> dict[str, Any] | None:
    """Who reported last on the task, or on its occurrence `period`."""
    return records.last_reporter(db, task_id, period)


def get_report(db: Database, report_id: int) -> dict[str, Any] | None:
    return records.get(db, report_id)


def reporter_of(db: Database, report: dict[str, Any]) -> dict[str, Any]:
    """The members row of a report's author ({} for the command line)."""
    if not report["user_id"]:
        return {}
    return member_store.get(db, report["user_id"]) or {}

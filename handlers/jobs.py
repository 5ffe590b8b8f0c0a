"""Scheduled work: the daily nudge scan and the weekly digest, plus /digest and /mute."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import tempfile
from collections.abc import Awaitable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from telegram import InputMediaPhoto, Message, Update
from telegram.ext import Application

from bot.config import Settings
from bot.language.dates import parse_deadline
from bot.language.i18n import DEFAULT_LANG, t
from bot.outputs.digest import digest_charts, draw_charts, keep_posted
from bot.outputs.render.chat import late_acks_html
from bot.outputs.render.digest import compose_digest
from bot.outputs.render.nudges import compose_nudges, nudge_batches
from bot.outputs.render.split import split_text
from bot.services import notices, outbox, posts
from bot.services.commands import mute_task
from bot.services.directory import catalogue, coordinators, dept_names, staffed_departments
from bot.services.facts import tracking_began
from bot.services.reminders import (
    NudgePolicy,
    digest_day,
    nudge_context,
    posts_today,
    prepare_nudges,
)
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    chat_of,
    join_link,
    queue_of,
    reply,
    update_key,
)
from handlers.sender import Sender, Superseded

log = logging.getLogger(__name__)
JOB_KWARGS = {"misfire_grace_time": 3600, "coalesce": True}  # APScheduler's default grace is 1 s


def nudge_policy(settings: Settings) -> NudgePolicy:
    """The nudge settings. What fell due before tracking began (TRACK_FROM, by default the day
    the plan was first loaded) does not exist in the facts, so a first start chases no history."""
    return NudgePolicy(settings.reminder_offsets, settings.escalate_every, settings.workdays_only)


def quiet(settings: Settings, now: datetime) -> bool:
    start, end = settings.quiet_hours
    hour = now.hour
    return (start <= hour or hour < end) if start > end else (start <= hour < end)


async def send_nudges(sender: Sender, record: bool = True) -> int:
    """Record today's nudges (the sweep only sends those recorded) and post them, whole
    departments per message, each message a part of its own; returns how many went out."""
    settings = sender.settings
    now = sender.now()
    chat_id = sender.group_id
    if chat_id is None:
        log.warning("no nudges: COORDINATION_CHAT_ID is not set")
        return 0
    if quiet(settings, now):
        log.info("nudges wait for the end of quiet hours")
        return 0
    pending = prepare_nudges(sender.db, now, nudge_policy(settings), chat_id, record)
    if not record:  # the sweep: only the parts whose pause has passed
        due = {row["id"] for row in outbox.unsent(sender.db, "nudge", due_by=now)}
        pending = [(row_id, nudge) for row_id, nudge in pending if row_id in due]
    if not pending:
        return 0
    ids = {nudge.key: row_id for row_id, nudge in pending}
    nudges = [nudge for _, nudge in pending]
    ctx = nudge_context(sender.db, nudges, now)
    sent = 0
    for batch in nudge_batches(nudges, ctx, now.date(), settings.tz):
        text = compose_nudges(batch, ctx, now.date(), settings.tz)
        tasks = [n.task_id for n in batch]
        named = posts.named_occurrences((n.task_id, n.period or None) for n in batch)

        async def send(mark, text: str = text, tasks: list[str] = tasks,
                       named: dict[str, str] = named) -> None:
            last = None
            for chunk in split_text(text):
                last = await sender.call(
                    functools.partial(sender.bot.send_message, sender.group_id, chunk), "nudges")
                posts.remember(sender.db, chat_id=last.chat_id, message_id=last.message_id,
                               kind=posts.NUDGE, tasks=tasks, periods=named, now=now)
            mark(last.message_id if last else None)

        if await sender.run([ids[nudge.key] for nudge in batch], "nudges", send):
            sent += len(batch)
    return sent


def digest_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"digest:{year}-W{week:02d}"


DIGEST_PARTS = ("text", "charts")


async def post_digest(sender: Sender, key: str, chat_id: int | None = None,
                      scheduled: bool = True) -> bool:
    """Post the digest (text, then the three charts as one album), each part once per key and
    on its own: a failed album is sent again without its text, a failed text does not hold up
    the album. False when every part went out before."""
    now = sender.now()
    if chat_id is None and sender.group_id is None:
        log.warning("the digest waits: COORDINATION_CHAT_ID is not set")
        return False
    rows = [outbox.pending(sender.db, key=f"{key}:{part}", kind="digest", chat_id=chat_id,
                           now=now, payload={"part": part, "scheduled": scheduled})
            for part in DIGEST_PARTS]
    if not any(rows):
        return False  # already posted
    for row_id in rows:
        row = outbox.get(sender.db, row_id) if row_id else None
        if row:
            await sender.deliver(row)
    return True


async def send_digest_row(sender: Sender, row: dict, mark) -> None:
    """One part of a digest, rendered as things stand when it goes out."""
    now = sender.now()
    payload = row["payload"]
    if payload.get("scheduled", True):
        if row["key"].rsplit(":", 1)[0] not in wanted_digests(sender.settings, now):
            raise Superseded("a newer digest is due")
    elif now - datetime.fromisoformat(row["created_at"]) > timedelta(days=1):
        raise Superseded("asked for more than a day ago")
    if payload["part"] == "text":
        digest = compose_digest(sender.db, now, DEFAULT_LANG, join_link=join_link(sender.bot))
        sent = await sender.post(row, digest.html)
        mark(sent.message_id if sent else None)
        if payload.get("scheduled", True):  # the next digest counts from this one
            keep_posted(sender.db, row["key"].removesuffix(":text"), digest.data, sender.now())
        return
    # Only the bars and points are held while drawing, not the digest's facts.
    bars = digest_charts(sender.db, now)
    with tempfile.TemporaryDirectory(prefix="duban-digest-") as tmp:
        # Rendering takes a few hundred ms of CPU: keep the event loop answering meanwhile.
        paths = await asyncio.to_thread(draw_charts, bars, Path(tmp))
        photos = [(p.read_bytes(), p.name) for p in paths]

    def send() -> Awaitable[tuple[Message, ...]]:
        chat, thread = sender.chat_of(row)
        media = [InputMediaPhoto(data, filename=name) for data, name in photos]
        return sender.bot.send_media_group(chat, media, message_thread_id=thread)

    album = await sender.call(send, row["key"])
    mark(album[0].message_id if album else None)


def digest_moment(settings: Settings, day: date, tz) -> datetime:
    """When the digest of the ISO week holding `day` is due (moved to a working day with
    WORKDAYS_ONLY, possibly into the next week)."""
    due = digest_day(day, settings.digest_weekday, nudge_policy(settings))
    return datetime.combine(due, settings.digest_time, tz)


def digest_due_today(settings: Settings, now: datetime) -> datetime | None:
    """Today's digest moment if a digest falls due today (this week's, or last week's moved
    here by days off), else None. The digest's key is the week of this moment, as the catch-up
    at start names it: one digest a day at most, and never the same one twice."""
    for weeks in (0, 1):
        moment = digest_moment(settings, now.date() - timedelta(weeks=weeks), now.tzinfo)
        if moment.date() == now.date():
            return moment
    return None


def wanted_digests(settings: Settings, now: datetime) -> set[str]:
    """The keys of the scheduled digests still worth posting: the latest one due (its moment
    moved by days off exactly as digest_due_today and the catch-up move it), and today's even a
    moment before its time. A part of an earlier week that failed until now no longer holds."""
    today = digest_due_today(settings, now)
    moments = [last_digest_moment(settings, now)] + ([today] if today else [])
    return {digest_key(moment) for moment in moments}


def last_digest_moment(settings: Settings, now: datetime) -> datetime:
    """The most recent scheduled digest time at or before `now`."""
    moments = [digest_moment(settings, now.date() - timedelta(weeks=weeks), now.tzinfo)
               for weeks in range(0, 7)]
    return max(m for m in moments if m <= now)


async def nudge_job(context: DubanContext) -> None:
    """The daily scan. A part Telegram refused (down, a 500, a 429) is left in the outbox and
    the sweep posts it the same day; nudges delivered are never sent again."""
    sent = await send_nudges(context.bot_data.sender)
    log.info("daily scan: %d nudges sent", sent)


async def digest_job(context: DubanContext) -> None:
    """Daily at DIGEST_TIME: the weekly digest, on the day its week has it (DIGEST_DAY, moved to
    the next working day with WORKDAYS_ONLY)."""
    sender = context.bot_data.sender
    week = digest_due_today(sender.settings, sender.now())
    if week is not None:
        await post_digest(sender, key=digest_key(week))


async def catch_up_job(context: DubanContext) -> None:
    """At start: nudges and a digest that fell due while the bot was down go out once now, or
    when quiet hours end (nobody wants a digest at 23:28). Each step on its own: one that
    fails does not keep the others from going out."""
    sender = context.bot_data.sender
    now = sender.now()
    if quiet(sender.settings, now):
        later = quiet_end(sender.settings, now)
        log.info("catch-up waits for the end of quiet hours (%s)", later)
        context.jobs.run_once(catch_up_job, later - now, name="catch-up",
                                   job_kwargs=JOB_KWARGS)
        return
    moment = missed_digest(sender.settings, now, tracking_began(sender.db))
    steps: list[tuple[str, Awaitable[object]]] = [("nudges", send_nudges(sender))]
    if moment is not None:
        steps.append(("digest", post_digest(sender, key=digest_key(moment))))
    steps.append(("交办单 and late notices", supervise(sender)))
    for what, step in steps:
        try:
            await step
        except Exception:
            log.exception("catch-up: %s failed; the sweep and the next scan try again", what)


CATCH_UP_MARGIN = timedelta(hours=1)  # a missed digest this close to the next one is not sent


def missed_digest(settings: Settings, now: datetime, began: datetime | None) -> datetime | None:
    """The scheduled digest a start should make up for, or None. Never one for a week before
    tracking began (a first start: the plan was loaded after that moment), and none when the
    next one is due within the hour (it says the same, a few minutes later): a start posts at
    most one digest."""
    moment = last_digest_moment(settings, now)
    if began is None or moment < began:
        return None
    if moment + timedelta(days=7) - now <= CATCH_UP_MARGIN:
        return None
    return moment


def quiet_end(settings: Settings, now: datetime) -> datetime:
    """The first moment after `now` outside quiet hours."""
    end = now.replace(hour=settings.quiet_hours[1], minute=0, second=0, microsecond=0)
    return end if end > now else end + timedelta(days=1)


async def supervise(sender: Sender) -> None:
    """Daily (on working days with WORKDAYS_ONLY): 交办单 for tasks nobody has been assigned yet
    (a first start, a newly seeded task), and the notices not acknowledged within ACK_WORKDAYS
    working days, told to the coordinator. Each is recorded with its post and sent on its own."""
    chat_id = sender.group_id
    now = sender.now()
    if chat_id is None or quiet(sender.settings, now):
        return
    if not posts_today(now.date(), nudge_policy(sender.settings)):
        return  # WORKDAYS_ONLY: the lists and the 交办单 the bot posts on its own wait
    db = sender.db
    notices.enqueue_unposted(db, now)  # recorded before posts were kept: the sweep posts them
    await assign_owed(sender)
    late = notices.late(db, now, sender.settings.ack_workdays)
    if late:
        text = late_acks_html(late, dept_names(db), coordinators(db),
                              sender.settings.ack_workdays, DEFAULT_LANG)
        key = notices.tell_late(db, late, now, text)
        await sender.deliver_key(key)


async def assign_owed(sender: Sender, dept: str | None = None) -> None:
    """交办单 for the tasks nobody has assigned yet, per department, each recorded with its post
    and sent on its own. A department with no liaison gets its 交办单 when its first liaison is
    approved (nobody could sign it before), and is listed as unstaffed in /status and the digest
    meanwhile."""
    db = sender.db
    now = sender.now()
    staffed = staffed_departments(db)
    fresh = [task for task in notices.unassigned(db, list(catalogue(db).tasks), now.date())
             if task.dept in staffed and (dept is None or task.dept == dept)]
    for code in sorted({task.dept for task in fresh}):
        notice = notices.assign(db, user_id=None, tasks=[t for t in fresh if t.dept == code],
                                now=now, source="bot", origin={"scheduled": 1})
        await sender.deliver_key(f"notice:{notice.id}")


async def supervise_job(context: DubanContext) -> None:
    await supervise(context.bot_data.sender)


def schedule_jobs(app: Application) -> None:
    """Jobs are not persisted by PTB: they are rebuilt here from the settings at every start."""
    settings: Settings = app.bot_data.settings
    tz = settings.tz
    queue = queue_of(app)
    queue.run_daily(nudge_job, time=time(settings.reminder_time.hour,
                                         settings.reminder_time.minute, tzinfo=tz),
                    name="nudges", job_kwargs=JOB_KWARGS)
    # Every day: the job itself knows which day of the week the digest is due (a holiday moves
    # it with WORKDAYS_ONLY, see digest_moment).
    queue.run_daily(digest_job, time=time(settings.digest_time.hour, settings.digest_time.minute,
                                          tzinfo=tz),
                    name="digest", job_kwargs=JOB_KWARGS)
    queue.run_daily(supervise_job, time=time(settings.reminder_time.hour,
                                             settings.reminder_time.minute, tzinfo=tz),
                    name="supervise", job_kwargs=JOB_KWARGS)
    queue.run_once(catch_up_job, 5, name="catch-up", job_kwargs=JOB_KWARGS)


# ---------------------------------------------------------------- commands


def digest_now_job(chat_id: int):
    """A job posting the digest now in `chat_id` (as /digest does), for maintenance and tests."""
    async def job(context: DubanContext) -> None:
        sender = context.bot_data.sender
        await post_digest(sender, key=f"digest-now:{sender.now().isoformat()}", chat_id=chat_id,
                          scheduled=False)
    return job


async def digest_now(update: Update, context: DubanContext) -> None:
    """/digest: the coordinator asks for the digest now, in this chat (once per command)."""
    await post_digest(context.bot_data.sender, key=f"digest-now:{update_key(update)}",
                      chat_id=chat_of(update).id, scheduled=False)


MUTE_SPAN = re.compile(r"^(\d{1,3})\s*(d|天|日|w|周|星期)$", re.IGNORECASE)


def mute_until(text: str, now: datetime) -> date:
    """'14d', '14天', '2w', '2周' or any deadline wording ('6月底')."""
    match = MUTE_SPAN.match(text.strip())
    if match:
        days = int(match[1]) * (7 if match[2].lower() in ("w", "周", "星期") else 1)
        return now.date() + timedelta(days=days)
    return parse_deadline(text, now).date


async def mute(update: Update, context: DubanContext) -> None:
    """/mute T12 14d: pause a task's nudges."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if len(words) < 2:
        await reply(update, t("mute_usage", who.lang))
        return
    until = mute_until(words[1], context.now())
    task = mute_task(context.db, user_id=who.user_id, task_ref=words[0], until=until,
                     now=context.now(), who=who.actor)
    await reply(update, t("muted", who.lang, task=task.id, date=until.isoformat()))

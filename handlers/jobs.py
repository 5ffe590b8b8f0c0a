"""Scheduled work: the daily nudge scan and the weekly digest, plus /digest and /mute."""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from telegram import InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.language.dates import parse_deadline
from bot.language.i18n import DEFAULT_LANG, t
from bot.outputs.digest import keep_posted, render_charts
from bot.outputs.render.chat import late_acks_html
from bot.outputs.render.digest import compose_digest
from bot.outputs.render.nudges import compose_nudges, nudge_batches
from bot.outputs.render.split import split_text
from bot.services import notices, posts
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
from bot.store.outbox import mark_failed, mark_sent, pending
from handlers.context import DubanContext, args_text, caller, join_link, reply
from handlers.supervision import post_notice

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


async def send_nudges(context: DubanContext) -> int:
    """Record today's nudges and post them, whole departments per message; returns how many."""
    settings = context.settings
    now = context.now()
    chat_id = context.group_id
    if chat_id is None:
        log.warning("no nudges: COORDINATION_CHAT_ID is not set")
        return 0
    if quiet(settings, now):
        log.info("nudges wait for the end of quiet hours")
        return 0
    pending = prepare_nudges(context.db, now, nudge_policy(settings), chat_id)
    if not pending:
        return 0
    ids = {nudge.key: row_id for row_id, nudge in pending}
    nudges = [nudge for _, nudge in pending]
    ctx = nudge_context(context.db, nudges, now)
    sent = 0
    for batch in nudge_batches(nudges, ctx, now.date(), settings.tz):
        batch_ids = [ids[nudge.key] for nudge in batch]
        try:
            for chunk in split_text(compose_nudges(batch, ctx, now.date(), settings.tz)):
                sent_message = await context.bot.send_message(chat_id, chunk)
                posts.remember(context.db, chat_id=chat_id, message_id=sent_message.message_id,
                               kind=posts.NUDGE, tasks=[n.task_id for n in batch], now=now)
        except TelegramError as exc:
            mark_failed(context.db, batch_ids, str(exc))
            raise
        mark_sent(context.db, batch_ids, context.now())
        sent += len(batch)
    return sent


def digest_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"digest:{year}-W{week:02d}"


async def post_digest(context: DubanContext, key: str | None = None,
                      chat_id: int | None = None) -> bool:
    """Post the digest (text, then the three charts as one album); once per key."""
    now = context.now()
    chat_id = chat_id or context.group_id
    if chat_id is None:
        log.warning("the digest waits: COORDINATION_CHAT_ID is not set")
        return False
    db = context.db
    # The text and the album are separate parts: a failed album is sent again without its text.
    parts = {part: (pending(db, key=f"{key}:{part}", kind="digest", chat_id=chat_id, now=now)
                    if key else 0) for part in ("text", "charts")}
    if key and not any(parts.values()):
        return False  # already posted
    digest = compose_digest(db, now, DEFAULT_LANG, join_link=join_link(context))
    data = digest.data
    if parts["text"] is not None:
        for chunk in split_text(digest.html):
            await context.bot.send_message(chat_id, chunk)
        if key:
            mark_sent(db, [parts["text"]], context.now())
            keep_posted(db, key, data, context.now())  # the next digest counts from here
    if parts["charts"] is not None:
        with tempfile.TemporaryDirectory(prefix="duban-digest-") as tmp:
            # Rendering takes a few hundred ms of CPU: keep the event loop answering meanwhile.
            paths = await asyncio.to_thread(render_charts, data, Path(tmp))
            media = [InputMediaPhoto(p.read_bytes(), filename=p.name) for p in paths]
            await context.bot.send_media_group(chat_id, media)
        if key:
            mark_sent(db, [parts["charts"]], context.now())
    return True


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


def last_digest_moment(settings: Settings, now: datetime) -> datetime:
    """The most recent scheduled digest time at or before `now`."""
    moments = [digest_moment(settings, now.date() - timedelta(weeks=weeks), now.tzinfo)
               for weeks in range(0, 7)]
    return max(m for m in moments if m <= now)


RETRY_MINUTES = (5, 15, 60, 180)  # a failed scan is tried again the same day, backing off


async def nudge_job(context: DubanContext) -> None:
    """The daily scan; a failure (Telegram down, a 500) is retried the same day. Nudges already
    delivered are marked in the outbox and never sent again."""
    attempt = (context.job.data or {}).get("attempt", 0) if context.job else 0
    try:
        sent = await send_nudges(context)
    except TelegramError:
        if attempt >= len(RETRY_MINUTES):
            log.exception("daily scan failed %d times; the outbox keeps the rest", attempt + 1)
            return
        delay = RETRY_MINUTES[attempt]
        log.warning("daily scan failed; retrying in %d minutes", delay, exc_info=True)
        context.job_queue.run_once(nudge_job, delay * 60, data={"attempt": attempt + 1},
                                   name="nudges-retry", job_kwargs=JOB_KWARGS)
        return
    log.info("daily scan: %d nudges sent", sent)


async def digest_job(context: DubanContext) -> None:
    """Daily at DIGEST_TIME: the weekly digest, on the day its week has it (DIGEST_DAY, moved to
    the next working day with WORKDAYS_ONLY)."""
    week = digest_due_today(context.settings, context.now())
    if week is not None:
        await post_digest(context, key=digest_key(week))


async def catch_up_job(context: DubanContext) -> None:
    """At start: nudges and a digest that fell due while the bot was down go out once now, or
    when quiet hours end (nobody wants a digest at 23:28)."""
    now = context.now()
    if quiet(context.settings, now):
        later = quiet_end(context.settings, now)
        log.info("catch-up waits for the end of quiet hours (%s)", later)
        context.job_queue.run_once(catch_up_job, later - now, name="catch-up",
                                   job_kwargs=JOB_KWARGS)
        return
    await send_nudges(context)
    moment = missed_digest(context.settings, now, tracking_began(context.db))
    if moment is not None:
        await post_digest(context, key=digest_key(moment))
    await supervise(context)


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


async def supervise(context: DubanContext) -> None:
    """Daily (on working days with WORKDAYS_ONLY): 交办单 for tasks nobody has been assigned yet
    (a first start, a newly seeded task), and the notices not acknowledged within ACK_WORKDAYS
    working days, told to the coordinator."""
    chat_id = context.group_id
    now = context.now()
    if chat_id is None or quiet(context.settings, now):
        return
    if not posts_today(now.date(), nudge_policy(context.settings)):
        return  # WORKDAYS_ONLY: the lists and the 交办单 the bot posts on its own wait
    db = context.db
    for notice in notices.unposted(db):  # recorded, but the bot stopped before posting it
        await post_notice(context, notice, chat_id)
    await assign_owed(context, chat_id)
    late = notices.late(db, now, context.settings.ack_workdays)
    if late:
        await context.bot.send_message(chat_id, late_acks_html(
            late, dept_names(db), coordinators(db), context.settings.ack_workdays, DEFAULT_LANG))
        notices.told_late(db, late, now)


async def assign_owed(context: DubanContext, chat_id: int, dept: str | None = None) -> None:
    """交办单 for the tasks nobody has assigned yet, per department. A department with no liaison
    gets its 交办单 when its first liaison is approved (nobody could sign it before), and is
    listed as unstaffed in /status and the digest meanwhile."""
    db = context.db
    now = context.now()
    staffed = staffed_departments(db)
    fresh = [task for task in notices.unassigned(db, list(catalogue(db).tasks), now.date())
             if task.dept in staffed and (dept is None or task.dept == dept)]
    for code in sorted({task.dept for task in fresh}):
        notice = notices.assign(db, user_id=None, tasks=[t for t in fresh if t.dept == code],
                                now=now, source="bot")
        await post_notice(context, notice, chat_id)


async def supervise_job(context: DubanContext) -> None:
    await supervise(context)


def schedule_jobs(app: Application) -> None:
    """Jobs are not persisted by PTB: they are rebuilt here from the settings at every start."""
    settings: Settings = app.bot_data.settings
    tz = settings.tz
    queue = app.job_queue
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


async def digest_now(update: Update, context: DubanContext) -> None:
    """/digest: the coordinator asks for the digest now, in this chat."""
    await post_digest(context, chat_id=update.effective_chat.id)


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

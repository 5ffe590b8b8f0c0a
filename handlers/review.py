"""The coordinator's check: a 100% claim goes to the group with its evidence and 核实销号/退回
buttons; /close and /reopen do the same by text.

A claim is a claim on one occurrence (of a recurring duty: '2022-04-30期'): its card carries
that occurrence and its version, acts on it, names it, and is refused with what changed only when
that occurrence changed (sent back, closed, the claim taken back), not when another occurrence of
the same duty did. /close and /reopen take the oldest claim, or the occurrence named after the
task ('/close T16 2022-06-30'), say which, and take the buttons off that occurrence's card.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.domain.access import Action
from bot.domain.lifecycle import State
from bot.errors import DubanError
from bot.language.i18n import DEFAULT_LANG, Html, field, label, t, task_named
from bot.language.parse import period_word
from bot.outputs.render.chat import (
    inert_name,
    mention,
    recorded_text,
    returned_notice,
    review_request_html,
)
from bot.services import outbox, posts, prompts
from bot.services.commands import (
    Recorded,
    card_version,
    close_task,
    get_report,
    last_reporter,
    reopen_task,
    reporter_of,
    snapshot_of,
    stale,
    task_version,
)
from bot.services.directory import department, find_task, liaisons_of
from bot.services.evidence import count_for_task, for_review
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    data_of,
    force_reply,
    free_text,
    message_of,
    origin_of,
    post_after,
    pressed_on,
    query_of,
    reply,
    shown_html,
    update_key,
)
from handlers.reporting import task_for
from handlers.sender import Later, Sender, Superseded, attempt

log = logging.getLogger(__name__)
REVIEW_EVIDENCE_MAX = 5
REOPEN_PROMPT = "reopen_reason"


async def acknowledge(update: Update, context: DubanContext, rec: Recorded, lang: str,
                      extra: str = "") -> None:
    """Tell the reporter what was recorded; a 100% claim goes to the coordinator for the check.
    In the group a burst of acknowledgements is gathered into one message (handlers/acks.py).

    The acknowledgement belongs to the update: the update is marked done only once it went out.
    So a record found already made (the update handed back after a kill, its acknowledgement
    never sent) is acknowledged as it was recorded, not as a duplicate."""
    # The very update handed back (its record found by its own key): its acknowledgement was
    # never sent. Another message repeating a report just made is told it was recorded already.
    replay = rec.duplicate and rec.report.get("update_key") == update_key(update)
    # the occurrence it names: a reply to it reports on that one
    occurrence = rec.report["period"] if rec.task.recurring else None
    try:
        text = recorded_text(replace(rec, duplicate=False) if replay else rec, lang) + extra
        window = context.settings.ack_gather_ms
        message = update.effective_message
        if window and message and message.chat.type != "private" and (
                replay or not rec.duplicate):
            short = t("ack_line", DEFAULT_LANG,
                      task=task_named(rec.task.id, rec.report["period"]),
                      percent=rec.report["percent"],
                      user=inert_name(caller(update, context).name),
                      status=label("status", rec.status.word, DEFAULT_LANG))
            thread = message.message_thread_id if message.is_topic_message else None
            context.bot_data.acks.add(
                context.bot, message.chat_id, thread, text, short, window, update.update_id,
                rec.task.id, lambda chat, sent, tasks, periods: posts.remember(
                    context.db, chat_id=chat, message_id=sent, kind=posts.ACK, tasks=tasks,
                    periods=periods, now=context.now()), period=occurrence)
        else:
            try:
                sent = await attempt(lambda: reply(update, text), "acknowledgement")
            except (TelegramError, Later):
                log.warning("could not acknowledge update %s; it stays open and is handed "
                            "back", update.update_id, exc_info=True)
                context.bot_data.in_hand.unpaid([update.update_id])
            else:
                remember_task_post(context, sent, posts.ACK, rec.task.id, occurrence)
    finally:
        if rec.report["kind"] == "claim":
            # The card was recorded with the claim (bot.services.commands.CARDS): whatever
            # becomes of the acknowledgement, it goes out once, now or at the next sweep.
            request_review(context, rec, origin_of(update))


def review_buttons(task_id: str, version: int, period: str) -> InlineKeyboardMarkup:
    """核实销号 and 退回 for the claim of one period, made for that occurrence's present
    version."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_close", DEFAULT_LANG),
                             callback_data=f"rv:close:{task_id}:o{version}:{period}"),
        InlineKeyboardButton(t("btn_reopen", DEFAULT_LANG),
                             callback_data=f"rv:reopen:{task_id}:o{version}:{period}"),
    ]])


def request_review(context: DubanContext, rec: Recorded, origin: dict) -> None:
    """Send the claim's card (kept since the claim; one made now for a claim recorded before
    cards were kept with their claims)."""
    key = f"review:{rec.report['id']}"
    outbox.enqueue(context.db, key=key, kind="review", chat_id=None,
                   payload={"report": rec.report["id"], **origin}, now=context.now())
    context.bot_data.sender.kick(key)


async def send_review_row(sender: Sender, row: dict, mark) -> None:
    """The coordinator's card for a claim, as its occurrence stands when it goes out (its
    buttons made for that occurrence's version), then the claim's evidence as replies to it."""
    db = sender.db
    report = get_report(db, row["payload"].get("report") or int(row["key"].split(":")[1]))
    if report is None or report["revoked_at"]:
        raise Superseded("the claim was taken back")
    task = find_task(db, report["task_id"], include_archived=True)
    _, _, snap = snapshot_of(db, task, sender.now().date(), report["period"] or None)
    if snap.state is not State.CLAIMED:
        raise Superseded("the claim was decided")
    text = review_request_html(task, department(db, task.dept), reporter_of(db, report),
                               report, count_for_task(db, task.id), DEFAULT_LANG)
    card = await sender.post_card(row, text, review_buttons(
        task.id, task_version(db, task.id, report["period"]), report["period"]))
    mark(card.message_id)
    posts.remember(db, chat_id=card.chat_id, message_id=card.message_id, kind=posts.REVIEW,
                   tasks=[task.id], ref=report["id"], now=sender.now())
    files = for_review(db, task.id, report["id"], REVIEW_EVIDENCE_MAX)
    seen = posts.shown(db, posts.EVIDENCE, [ev["id"] for ev in files])
    for ev in files:
        if str(ev["id"]) in seen:  # shown under an earlier card: never re-posted as new
            continue
        send = sender.bot.send_photo if ev["kind"] == "photo" else sender.bot.send_document
        try:
            copy = await sender.call(functools.partial(
                send, card.chat_id, ev["file_id"], caption=f"{task.id} · #{ev['id']}",
                reply_to_message_id=card.message_id), f"evidence {ev['id']}")
        except (TelegramError, Later):
            log.warning("could not resend evidence %s for review", ev["id"], exc_info=True)
            continue
        posts.remember(db, chat_id=copy.chat_id, message_id=copy.message_id,
                       kind=posts.EVIDENCE, tasks=[task.id], ref=ev["id"], now=sender.now())


def remember_task_post(context: DubanContext, sent: Any, kind: str, task_id: str,
                       period: str | None = None) -> None:
    """Keep that a message the bot sent is about a task (a reply to it reports on the task, on
    the occurrence `period` of a recurring duty when the message names one)."""
    if sent is not None:
        posts.remember(context.db, chat_id=sent.chat_id, message_id=sent.message_id, kind=kind,
                       tasks=[task_id], periods={task_id: period} if period else None,
                       now=context.now())


def addressed_text(people: list[dict], text_of) -> str:
    """Words addressed to people, in each one's language (the rule: a group post is in the
    group's language, DEFAULT_LANG; what is said to a person is in that person's): one line
    per language, the group's first, each mentioning those who read it. `text_of(mentions,
    lang)` makes a line; nobody to address gives the group's line with no mention."""
    by_lang: dict[str, list[str]] = {}
    for p in people:
        by_lang.setdefault(p.get("lang") or DEFAULT_LANG, []).append(
            mention(p["user_id"], p.get("name")))
    if not by_lang:
        return text_of("", DEFAULT_LANG)
    group = by_lang.pop(DEFAULT_LANG, None)  # the group's line first, then the others'
    lines = [text_of(" ".join(group), DEFAULT_LANG)] if group else []
    lines += [text_of(" ".join(names), code) for code, names in by_lang.items()]
    return "\n".join(lines)


def reporters(context: DubanContext, task_id: str, period: str | None = None) -> list[dict]:
    """Whoever reported on the task, or on its occurrence `period`; if nobody did, the
    department's liaisons."""
    row = last_reporter(context.db, task_id, period)
    if row:
        return [row]
    dept = find_task(context.db, task_id, include_archived=True).dept
    return liaisons_of(context.db, dept)


async def notify_reporter(context: DubanContext, chat_id: int, task_id: str, text_of,
                          period: str | None = None) -> None:
    """Tell whoever reported on the task (on its occurrence `period`; if nobody did, the
    department's liaisons), each in their language: `text_of(mentions, lang)`."""
    sent = await context.bot.send_message(
        chat_id, addressed_text(reporters(context, task_id, period), text_of))
    remember_task_post(context, sent, posts.TASK, task_id)


async def review_button(update: Update, context: DubanContext) -> None:
    """rv:close:<task>:o<version>:<period> closes the claim of that occurrence;
    rv:reopen:… asks for the reason to send it back."""
    query = query_of(update)
    who = caller(update, context)
    _, verb, task_id, raw_version, period = data_of(query).split(":")
    version = card_version(context.db, task_id, raw_version, period)
    task_for(context, who, task_id, Action.REVIEW)
    if task_version(context.db, task_id, period) != version:
        raise stale(context.db, task_id, context.settings.tz, period, "review")
    named = task_named(task_id, period)
    card = pressed_on(query)  # an old card (not shown to the bot any more) still names its chat
    if verb == "reopen":
        await query.answer()
        prompt = prompts.open_prompt(context.db, chat_id=card.chat.id,
                                     user_id=who.user_id, kind=REOPEN_PROMPT, step="reason",
                                     data={"task": task_id, "version": version,
                                           "period": period, "card": card.message_id},
                                     now=context.now())
        sent = await post_after(card, context, t("reopen_prompt", who.lang, task=named),
                                reply_markup=force_reply())
        prompts.link_message(context.db, prompt, sent.message_id)
        return
    rec = close_task(context.db, user_id=who.user_id, task_ref=task_id, now=context.now(),
                     update_key=update_key(update), version=version, period=period, who=who.actor)
    await query.answer()
    if rec.duplicate:
        return
    await query.edit_message_text(f"{shown_html(card)}\n\n"
                                  + t("task_closed_ok", DEFAULT_LANG, task=named,
                                      title=field(rec.task, "title", DEFAULT_LANG)))
    await notify_reporter(context, card.chat.id, task_id,
                          lambda who_, lang: t("task_closed_notice", lang,
                                               mention=Html(who_), task=named), period)


async def reopen_reason(update: Update, context: DubanContext, prompt: prompts.Prompt) -> None:
    """The coordinator's reply to the 'why send it back' prompt (found by the prompt router)."""
    task_id, period = prompt.data["task"], prompt.data.get("period")
    if task_version(context.db, task_id, period) != prompt.data["version"]:
        prompts.close(context.db, prompt, now=context.now(), outcome="stale")
        raise stale(context.db, task_id, context.settings.tz, period, "review")
    reason = message_of(update).text or ""
    await _reopen(update, context, task_id, reason, version=prompt.data["version"],
                  period=period)
    prompts.close(context.db, prompt, now=context.now(), outcome="answered")


async def drop_card_buttons(context: DubanContext, kind: str, task_id: str,
                            period: str) -> None:
    """A card (review, extension) of one occurrence was decided (by a command, an answer, /undo
    or its own other button): the buttons of that occurrence's newest card go, whatever
    decided it; the cards of the duty's other occurrences keep theirs."""
    for card in posts.cards_of_occurrence(context.db, kind, task_id, period)[-1:]:
        try:
            await context.bot.edit_message_reply_markup(card.chat_id, card.message_id,
                                                        reply_markup=None)
        except TelegramError:  # already without buttons, deleted or too old
            log.info("could not take the buttons off card %s", card.message_id)


async def _announce(update: Update, context: DubanContext, lang: str, rec: Recorded, key: str,
                    notice, **params: Any) -> None:
    """One message: the close or the send-back of an occurrence confirmed, naming it, the
    reporter told by mention (each in their language); that occurrence's card loses its
    buttons. A record found made already is the update handed back after its answer was lost
    (it is marked done only once the answer went out): it is given now."""
    task_id, period = rec.task.id, rec.report["period"]
    text = "\n".join([t(key, lang, task=task_named(task_id, period),
                        title=field(rec.task, "title", lang), **params),
                      addressed_text(reporters(context, task_id, period), notice)])
    sent = await reply(update, text)
    remember_task_post(context, sent, posts.TASK, task_id)
    await drop_card_buttons(context, posts.REVIEW, task_id, period)


async def _reopen(update: Update, context: DubanContext, task_ref: str, reason: str,
                  version: int | None = None, period: str | None = None) -> None:
    who = caller(update, context)
    rec = reopen_task(context.db, user_id=who.user_id, task_ref=task_ref, reason=reason,
                      now=context.now(), update_key=update_key(update), version=version,
                      period=period, who=who.actor)
    await _announce(update, context, who.lang, rec, "task_reopened_ok",
                    lambda who_, lang: returned_notice(who_, rec.task.id, reason, lang,
                                                       brief=True),
                    reason=reason)


async def announce_close(update: Update, context: DubanContext, lang: str, rec: Recorded) -> None:
    """Confirm a 核实销号 to the coordinator and thank the reporter."""
    await _announce(update, context, lang, rec, "task_closed_ok",
                    lambda who_, lang: t("task_closed_thanks", lang, mention=Html(who_)))


def task_and_period(update: Update, context: DubanContext) -> tuple[str, str | None, int]:
    """(task, occurrence, words before the free text) of '/close T16 [2022-06-30[期]] …': an
    occurrence of a recurring duty is named by its due date right after the task."""
    words = args_text(context).split()
    period = period_word(words[1]) if len(words) > 1 else None
    return words[0], period, 2 if period else 1


async def reopen_command(update: Update, context: DubanContext) -> None:
    """/reopen T12 REASON; /reopen T16 2022-06-30 REASON reopens that occurrence."""
    if not args_text(context):
        raise DubanError("reason_required")
    ref, period, skip = task_and_period(update, context)
    find_task(context.db, ref)  # an unknown task is named before a missing reason
    await _reopen(update, context, ref, free_text(update, skip), period=period)

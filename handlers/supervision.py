"""The supervision acts around the work: 签收 (acknowledge), 催办 (chase, the 三色督办单),
延期申请 (extension, approved or refused), 中止/恢复 (suspend, resume) and 直接销号 (closing
without a claim, confirmed, with a reason). Every button carries the version (or the notice, or
the question) it was made for; the core refuses a stale one and says what changed."""

from __future__ import annotations

import json
import logging
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.domain.access import Action, check_department
from bot.domain.lifecycle import OPEN, Event, State
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.dates import split_deadline
from bot.language.i18n import DEFAULT_LANG, Html, field, format_day, t, task_named
from bot.outputs.render.chat import inert_name, mention, notice_html
from bot.services import notices, posts, prompts
from bot.services.commands import (
    act,
    card_version,
    close_directly,
    close_task,
    decide_extension,
    get_report,
    known_period,
    pending_period,
    reporter_of,
    request_extension,
    snapshot_of,
    stale,
    task_version,
    withdraw_extension,
)
from bot.services.directory import (
    department,
    dept_names,
    find_department,
    find_departments,
    find_task,
    get_member,
    liaisons_of,
    normalise_task_ref,
)
from bot.services.facts import facts_now, task_facts_now
from handlers.context import (
    Caller,
    DubanContext,
    args_text,
    caller,
    chat_of,
    data_of,
    force_reply,
    free_text,
    join_link,
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
from handlers.review import announce_close, drop_card_buttons, notify_reporter, task_and_period
from handlers.sender import Sender, Superseded

log = logging.getLogger(__name__)
EXTEND_REFUSE_PROMPT = "extend_refuse_reason"
DIRECT_CLOSE_PROMPT = "direct_close"
CHASED = frozenset({"overdue", "behind", "blocked", "due_soon", "assigned"})


def _ack_button(notice: notices.Notice) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("btn_ack", DEFAULT_LANG),
                                                       callback_data=f"ack:{notice.id}")]])


async def send_notice_row(sender: Sender, row: dict, mark) -> None:
    """A 交办单 or 督办单, rendered as its tasks stand when it goes out, mentioning the
    department's liaisons, with 签收; a notice signed or posted meanwhile is not posted again."""
    db = sender.db
    notice = notices.get(db, row["payload"]["notice"])
    if notice is None or notice.acked_at or notice.message_id:
        raise Superseded("the notice was posted or signed already")
    dept = facts_now(db, sender.now()).department(notice.dept)
    views = [v for v in (dept.tasks if dept else ()) if v.task.id in notice.tasks]
    workdays = sender.settings.ack_workdays
    # The liaisons as rows: each reads the part addressed to the department in their language.
    text = notice_html(notice, department(db, notice.dept), views, liaisons_of(db, notice.dept),
                       workdays, DEFAULT_LANG,
                       notices.ack_due(notice, sender.settings.tz, workdays))
    sent = await sender.post_card(row, text, _ack_button(notice))
    notices.posted(db, notice, sent.chat_id, sent.message_id)
    mark(sent.message_id)
    posts.remember(db, chat_id=sent.chat_id, message_id=sent.message_id, kind=posts.NOTICE,
                   tasks=notice.tasks, ref=notice.id, now=sender.now())


async def send_extension_row(sender: Sender, row: dict, mark) -> None:
    """The coordinator's card for an extension request, while its occurrence's request still
    waits (with a button for its applicant to take it back); its buttons name that occurrence
    and its version."""
    db = sender.db
    report = get_report(db, row["payload"]["report"])
    asked = json.loads((report or {}).get("data") or "{}").get("extension")
    if report is None or report["revoked_at"] or not asked:
        raise Superseded("the request was taken back")
    task = find_task(db, report["task_id"], include_archived=True)
    _, _, snap = snapshot_of(db, task, sender.now().date(), report["period"] or None)
    if snap.extension != asked:
        raise Superseded("the request was decided or withdrawn")
    period = report["period"]  # the occurrence asked about: the card is that occurrence's
    version = task_version(db, task.id, period)
    text = t("extend_card", DEFAULT_LANG, dept=dept_names(db)[task.dept],
             task=task_named(task.id, period), title=field(task, "title", DEFAULT_LANG),
             old=format_day(date.fromisoformat(asked["from"]), DEFAULT_LANG),
             new=format_day(date.fromisoformat(asked["due"]), DEFAULT_LANG),
             reason=asked["reason"],
             user=mention(report["user_id"], reporter_of(db, report).get("name")))
    made_for = f"{task.id}:o{version}:{period}"
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_approve_extension", DEFAULT_LANG),
                             callback_data=f"ex:ok:{made_for}"),
        InlineKeyboardButton(t("btn_refuse_extension", DEFAULT_LANG),
                             callback_data=f"ex:no:{made_for}"),
    ], [InlineKeyboardButton(t("btn_withdraw_extension", DEFAULT_LANG),
                             callback_data=f"ex:wd:{made_for}")]])
    sent = await sender.post_card(row, text, buttons)
    mark(sent.message_id)
    posts.remember(db, chat_id=sent.chat_id, message_id=sent.message_id, kind=posts.EXTENSION,
                   tasks=[task.id], ref=report["id"], now=sender.now())


def _chase_targets(context: DubanContext, who: Caller, ref: str) -> list[Task]:
    """The task named, or a department's tasks that need chasing (overdue, behind, blocked, due
    soon, unacknowledged)."""
    db = context.db
    if find_departments(db, ref) or not normalise_task_ref(ref):
        # not a task number: a department, or a refusal naming the closest departments
        code = find_department(db, ref)["code"]
        _staffed(context, code)
        dept = facts_now(db, context.now()).department(code)
        tasks = [v.task for v in (dept.tasks if dept else ()) if v.status.status in CHASED]
        if not tasks:
            raise DubanError("chase_nothing_dept", dept=dept_names(db)[code])
        return tasks
    task = task_for(context, who, ref, Action.MANAGE)
    _staffed(context, task.dept)
    return [task]


def _staffed(context: DubanContext, dept: str) -> None:
    """A department with no liaison gets no 督办单 (nobody could sign it): say how to fix it."""
    if not liaisons_of(context.db, dept):
        link = join_link(context.bot)
        raise DubanError("chase_unstaffed", dept=dept_names(context.db)[dept],
                         link=link(dept) if link else "—")


async def chase_command(update: Update, context: DubanContext) -> None:
    """/chase T12 or /chase 教育局: a 督办单 climbing blue → yellow → red. A department with no
    liaison gets none (nobody could sign it): the coordinator is told how to register one."""
    who = caller(update, context)
    ref = args_text(context)
    if not ref:
        await reply(update, t("chase_usage", who.lang))
        return
    tasks = _chase_targets(context, who, ref)
    notice = notices.chase(context.db, user_id=who.user_id, tasks=tasks, now=context.now(),
                           colours=context.settings.chase_colours,
                           update_key=update_key(update), origin=origin_of(update))
    context.bot_data.sender.kick(f"notice:{notice.id}")
    here = chat_of(update).id
    if here != (context.group_id or here):  # asked outside the chat the notice goes to
        await reply(update, t("chase_posted", who.lang, count=len(tasks)))


async def acknowledge_button(update: Update, context: DubanContext) -> None:
    """ack:<notice>: a liaison of the department (or the coordinator) acknowledges."""
    query = query_of(update)
    who = caller(update, context)
    notice = notices.get(context.db, int(data_of(query).split(":")[1]))
    if notice is None:
        raise DubanError("button_expired")
    check_department(who.actor, notice.dept, dept_names(context.db), notice=True)
    signed = notices.acknowledge(context.db, notice_id=notice.id, user_id=who.user_id,
                                 now=context.now(), update_key=update_key(update))
    await query.answer(t("acked_ok", who.lang))
    stamp = f"{context.now():%m-%d %H:%M}"
    line = t("acked_by", DEFAULT_LANG, user=inert_name(who.name), when=stamp)
    if signed.also:
        line += t("acked_also", DEFAULT_LANG, count=len(signed.also))
    await query.edit_message_text(f"{shown_html(query.message)}\n\n{line}")
    for other in signed.also:  # settled by this 签收: their buttons go
        await drop_buttons(context, other.chat_id, other.message_id)


async def drop_buttons(context: DubanContext, chat_id: int | None,
                       message_id: int | None) -> None:
    """Take the buttons off a card that something else decided (a later card, a command)."""
    if chat_id is None or message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError:  # deleted, too old, or already without buttons
        log.info("could not take the buttons off message %s in %s", message_id, chat_id)


WITHDRAW_WORDS = frozenset({"撤回", "撤销", "撤回申请", "取消", "withdraw", "cancel"})


async def extend_command(update: Update, context: DubanContext) -> None:
    """/extend T12 9月底前 原因: the department asks for more time, before the due date. The date
    is read like /deadline reads it (several words: "end of July"); the reason is what follows.
    /extend T12 撤回 takes a pending request back."""
    who = caller(update, context)
    words = args_text(context).split()
    if len(words) == 2 and words[1].lower() in WITHDRAW_WORDS:
        await _withdraw(update, context, who, words[0])
        return
    if len(words) < 2:
        await reply(update, t("extend_usage", who.lang))
        return
    task = task_for(context, who, words[0], Action.REPORT)
    deadline, reason = split_deadline(free_text(update, 1), context.now())
    if not reason:
        raise DubanError("extension_reason")
    due = deadline.date
    rec = request_extension(context.db, user_id=who.user_id, task_ref=task.id, due=due,
                            reason=reason, now=context.now(), update_key=update_key(update),
                            origin=origin_of(update), who=who.actor)
    # The card was recorded with the request (bot.services.commands.CARDS), for the occurrence
    # asked about.
    context.bot_data.sender.kick(f"extension:{rec.report['id']}")
    # (a request found made already: the update handed back, its answer never given)
    await reply(update, t("extend_requested", who.lang,
                          task=task_named(task.id, rec.report["period"]),
                          date=format_day(due, who.lang)))


async def _withdraw(update: Update, context: DubanContext, who: Caller, ref: str) -> None:
    """/extend T12 撤回: the applicant takes the request back; its card loses its buttons."""
    task = task_for(context, who, ref, Action.REPORT)
    rec, asked = withdraw_extension(context.db, user_id=who.user_id, task_ref=task.id,
                                    now=context.now(), update_key=update_key(update), who=who.actor)
    if rec.duplicate:
        await reply(update, t("report_duplicate", who.lang))
        return
    period = rec.report["period"]
    await reply(update, t("extend_withdrawn", who.lang, task=task_named(task.id, period),
                          date=format_day(date.fromisoformat(asked["due"]), who.lang)))
    await drop_card_buttons(context, posts.EXTENSION, task.id, period)


def _extension_card(context: DubanContext, data: str) -> tuple[str, int, str]:
    """(task, occurrence version, occurrence) of an extension card's button 'ex:<verb>:<task>:
    o<version>:<period>'; a card from before buttons named their occurrence means the oldest
    request waiting, and stands only while the task has not changed (bot.services.commands.
    card_version)."""
    _, _, task_id, raw_version, *rest = data.split(":")
    if rest:
        period = rest[0]
    else:
        task = find_task(context.db, task_id)
        period = pending_period(context.db, task, context.now(), None) or ""
    return task_id, card_version(context.db, task_id, raw_version, period), period


async def withdraw_button(update: Update, context: DubanContext) -> None:
    """ex:wd:<task>:<version>:<period>: the applicant's button on the request card."""
    query = query_of(update)
    who = caller(update, context)
    task_id, version, period = _extension_card(context, data_of(query))
    task = task_for(context, who, task_id, Action.REPORT)
    if task_version(context.db, task_id, period) != version:
        raise stale(context.db, task_id, context.settings.tz, period, "extension")
    withdraw_extension(context.db, user_id=who.user_id, task_ref=task.id, now=context.now(),
                       version=version, update_key=update_key(update), who=who.actor,
                       period=period)
    await query.answer(t("extend_withdrawn_short", who.lang))
    await query.edit_message_text(f"{shown_html(query.message)}\n\n"
                                  + t("extend_withdrawn_mark", DEFAULT_LANG, user=inert_name(who.name)))


async def _tell_applicant(context: DubanContext, chat_id: int, reply_to: int | None,
                          asked: dict[str, str], text_of) -> None:
    """The person who asked for the extension hears the decision, in their language: a
    mention under the card. `text_of(mention, lang)`."""
    applicant = get_member(context.db, int(asked.get("by") or 0)) or {}
    if not applicant:
        return
    who = mention(applicant["user_id"], applicant["name"])
    try:
        await context.bot.send_message(chat_id, text_of(who, applicant.get("lang")
                                                         or DEFAULT_LANG),
                                       reply_to_message_id=reply_to)
    except TelegramError:
        log.info("could not tell the applicant %s of the extension's decision",
                 applicant["user_id"])


async def extension_button(update: Update, context: DubanContext) -> None:
    """ex:ok:<task>:<version>:<period> approves that occurrence's request; ex:no:… asks for the
    reason to refuse it."""
    query = query_of(update)
    who = caller(update, context)
    verb = data_of(query).split(":")[1]
    task_id, version, period = _extension_card(context, data_of(query))
    task = task_for(context, who, task_id, Action.MANAGE)
    named = task_named(task_id, period)
    card = pressed_on(query)  # an old card (not shown to the bot any more) still names its chat
    if verb == "no":
        if task_version(context.db, task_id, period) != version:
            raise stale(context.db, task_id, context.settings.tz, period, "extension")
        await query.answer()
        prompt = prompts.open_prompt(context.db, chat_id=card.chat.id,
                                     user_id=who.user_id, kind=EXTEND_REFUSE_PROMPT,
                                     step="reason", data={"task": task_id, "version": version,
                                                          "period": period,
                                                          "card": card.message_id},
                                     now=context.now())
        sent = await post_after(card, context, t("extend_refuse_prompt", who.lang, task=named),
                                reply_markup=force_reply())
        prompts.link_message(context.db, prompt, sent.message_id)
        return
    asked = _asked(context, task, period)
    rec = decide_extension(context.db, user_id=who.user_id, task_ref=task.id, approve=True,
                           now=context.now(), version=version, update_key=update_key(update),
                           who=who.actor, period=period)
    await query.answer()
    if rec.duplicate:
        return
    new_due = (json.loads(rec.report["data"] or "{}").get("approved") or {}).get("due", "—")
    await query.edit_message_text(f"{shown_html(card)}\n\n"
                                  + t("extend_approved", DEFAULT_LANG, task=named,
                                      user=inert_name(who.name), date=new_due))
    await _tell_applicant(context, card.chat.id, card.message_id, asked,
                          lambda who_, lang: t("extend_approved_notice", lang,
                                               mention=Html(who_), task=named,
                                               date=new_due))


def _asked(context: DubanContext, task: Task, period: str | None) -> dict[str, str]:
    """The pending extension request of the occurrence `period` (else of the oldest with one
    waiting), or {}."""
    period = pending_period(context.db, task, context.now(), period)
    if period is None:
        return {}
    _, _, snap = snapshot_of(context.db, task, context.now().date(), period)
    return snap.extension or {}


async def extension_refusal_reason(update: Update, context: DubanContext,
                                   prompt: prompts.Prompt) -> None:
    """The coordinator's reason for refusing an extension (found by the prompt router): one
    message, under the card, tells the applicant and the group."""
    who = caller(update, context)
    reason = (message_of(update).text or "").strip()
    task_id, period = prompt.data["task"], prompt.data.get("period")
    task = find_task(context.db, task_id)
    asked = _asked(context, task, period)
    rec = decide_extension(context.db, user_id=who.user_id, task_ref=task_id, approve=False,
                           now=context.now(), version=prompt.data["version"], reason=reason,
                           update_key=update_key(update), who=who.actor, period=period)
    prompts.close(context.db, prompt, now=context.now(), outcome="answered")
    applicant = get_member(context.db, int(asked.get("by") or 0)) or {}
    named = task_named(task_id, rec.report["period"])
    text = t("extend_refused", DEFAULT_LANG, task=named, user=who.name, reason=reason)
    if applicant:  # told on a line of their own (not glued to the reason), in their language
        who_asked = mention(applicant["user_id"], applicant["name"])
        own = applicant.get("lang") or DEFAULT_LANG
        text += "\n" + (t("extend_refused_stands", own, mention=who_asked)
                        if own == DEFAULT_LANG else
                        t("extend_refused_notice", own, mention=who_asked, task=named,
                          reason=reason))
    await reply(update, text)
    await drop_buttons(context, prompt.chat_id, prompt.data["card"])


async def suspend_command(update: Update, context: DubanContext) -> None:
    """/suspend T12 原因 (中止): no nudges, no reports until /resume."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if not words:
        await reply(update, t("suspend_usage", who.lang))
        return
    task = task_for(context, who, words[0], Action.MANAGE)
    reason = free_text(update, 1)
    act(context.db, event=Event.SUSPEND, user_id=who.user_id, task_ref=task.id,
        now=context.now(), reason=reason, update_key=update_key(update), who=who.actor)
    await reply(update, t("suspended_ok", who.lang, task=task.id,
                          title=field(task, "title", who.lang), reason=reason))


async def resume_command(update: Update, context: DubanContext) -> None:
    """/resume T12: the task returns to the state it was suspended in."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if not words:
        await reply(update, t("usage_task", who.lang, command="resume"))
        return
    task = task_for(context, who, words[0], Action.MANAGE)
    act(context.db, event=Event.RESUME, user_id=who.user_id, task_ref=task.id,
        now=context.now(), update_key=update_key(update), who=who.actor)
    await reply(update, t("resumed_ok", who.lang, task=task.id,
                          title=field(task, "title", who.lang)))


async def close_command(update: Update, context: DubanContext) -> None:
    """/close T12: checks a claim (of a recurring duty, the oldest claimed occurrence, or the one
    named: /close T16 2022-06-30); a task nobody claimed is closed only with a reason and a
    confirmation (直接销号), both recorded."""
    who = caller(update, context)
    if not args_text(context):
        await reply(update, t("usage_task", who.lang, command="close"))
        return
    ref, period, skip = task_and_period(update, context)
    task = task_for(context, who, ref, Action.REVIEW)
    reason = free_text(update, skip)
    facts = task_facts_now(context.db, task, context.now())
    if period is not None:
        known_period(context.db, task, context.now(), period)
        target = next((o for o in facts.every_occurrence() if o.period == period), None)
    else:
        target = next((o for o in facts.occurrences if o.state is State.CLAIMED),
                      facts.headline)
    if target is None or target.state not in OPEN:  # a claim (or a refusal the core words)
        rec = close_task(context.db, user_id=who.user_id, task_ref=task, now=context.now(),
                         note=reason, update_key=update_key(update), who=who.actor,
                         period=period)
        await announce_close(update, context, who.lang, rec)
        return
    if not reason:
        raise DubanError("close_unclaimed", task=task.id)
    prompt = prompts.open_prompt(context.db, chat_id=chat_of(update).id,
                                 user_id=who.user_id, kind=DIRECT_CLOSE_PROMPT, step="confirm",
                                 data={"task": task.id, "reason": reason,
                                       "version": task_version(context.db, task.id,
                                                               target.period),
                                       "period": target.period},
                                 now=context.now())
    sent = await reply(update, t("direct_close_confirm", who.lang,
                                 task=task_named(task.id, target.period),
                                 title=field(task, "title", who.lang), reason=reason,
                                 percent=target.percent),
                       reply_markup=InlineKeyboardMarkup([[
                           InlineKeyboardButton(t("btn_direct_close", who.lang),
                                                callback_data=f"dc:ok:{prompt.id}"),
                           InlineKeyboardButton(t("btn_cancel", who.lang),
                                                callback_data=f"dc:no:{prompt.id}")]]))
    if sent:
        prompts.link_message(context.db, prompt, sent.message_id)


async def direct_close_button(update: Update, context: DubanContext) -> None:
    """dc:ok:<prompt> closes directly (the reason and version kept in the prompt); dc:no drops."""
    query = query_of(update)
    who = caller(update, context)
    _, verb, raw_id = data_of(query).split(":")
    chat_id = pressed_on(query).chat.id
    prompt = prompts.get(context.db, int(raw_id))
    if prompt is None or not prompt.live(context.now()):
        raise DubanError("prompt_expired")
    if prompt.user_id != who.user_id:
        raise DubanError("not_your_button")
    if verb == "no":
        prompts.close(context.db, prompt, now=context.now(), outcome="cancelled")
        await query.answer()
        await query.edit_message_text(t("direct_close_cancelled", who.lang))
        return
    data = prompt.data
    rec = close_directly(context.db, user_id=who.user_id, task_ref=data["task"],
                         reason=data["reason"], now=context.now(), version=data["version"],
                         update_key=f"prompt:{prompt.id}", period=data.get("period"),
                         who=who.actor)
    prompts.close(context.db, prompt, now=context.now(), outcome="closed")
    await query.answer()
    named = task_named(rec.task.id, rec.report["period"])
    await query.edit_message_text(t("direct_closed_ok", who.lang, task=named,
                                    reason=data["reason"]))
    await notify_reporter(context, chat_id, rec.task.id,
                          lambda who_, lang: t("task_closed_directly_notice", lang,
                                               mention=Html(who_), task=named,
                                               reason=data["reason"]), rec.report["period"])

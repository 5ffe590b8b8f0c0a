"""/deadline T12 <when>: the coordinator sets a due date in officials' words, after confirming.

The confirm button carries the task and the date itself, so it still works after a restart."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.access import Action
from bot.errors import DubanError
from bot.language.dates import parse_deadline
from bot.language.i18n import field, format_day, t
from bot.services import notices
from bot.services.commands import set_deadline
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    data_of,
    free_text,
    pressed_on,
    query_of,
    reply,
)
from handlers.reporting import task_for


async def propose_deadline(update: Update, context: DubanContext) -> None:
    """Read the date, echo the reading with confirm/cancel buttons; nothing changes yet."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if len(words) < 2:
        await reply(update, t("deadline_usage", who.lang))
        return
    task = task_for(context, who, words[0], Action.MANAGE)
    if task.recurrence:
        raise DubanError("deadline_recurring", task=task.id)
    deadline = parse_deadline(free_text(update, 1), context.now())
    old = task.due.isoformat() if task.due else None
    text = t("deadline_confirm", who.lang, task=task.id, title=field(task, "title", who.lang),
             old=t("deadline_from", who.lang, date=old) if old else "",
             reading=format_day(deadline.date, who.lang),
             ambiguous=t("deadline_ambiguous", who.lang) if deadline.ambiguous else "")
    day = deadline.date.isoformat()
    shown = (old or "-").replace("-", "") or "-"  # the deadline this question was asked about
    await reply(update, text, reply_markup=InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_confirm_change", who.lang),
                             callback_data=f"dl:ok:{task.id}:{day}:{shown}"),
        InlineKeyboardButton(t("btn_cancel", who.lang), callback_data=f"dl:no:{task.id}")]]))


async def decide_deadline(update: Update, context: DubanContext) -> None:
    """dl:ok:<task>:<date> sets it; dl:no:<task> drops it. Coordinators only."""
    query = query_of(update)
    who = caller(update, context)
    parts = data_of(query).split(":")
    if parts[1] == "no":
        await query.answer()
        await query.edit_message_text(t("deadline_cancelled", who.lang))
        return
    try:
        due = date.fromisoformat(parts[3])
    except ValueError:
        raise DubanError("button_expired") from None
    current = task_for(context, who, parts[2], Action.MANAGE)
    now_due = f"{current.due:%Y%m%d}" if current.due else "-"
    if now_due != parts[4]:  # the deadline changed since this was asked: confirm nothing old
        raise DubanError("deadline_changed", task=current.id,
                         date=current.due.isoformat() if current.due else "—")
    chat_id = pressed_on(query).chat.id  # where the 交办单 is said to come from
    task = set_deadline(context.db, user_id=who.user_id, task_ref=current, due=due,
                        now=context.now(), who=who.actor)
    await query.answer()
    await query.edit_message_text(t("deadline_set", who.lang, task=task.id,
                                    reading=format_day(due, who.lang)))
    notice = notices.assign(context.db, user_id=who.user_id, tasks=[task], now=context.now(),
                            origin={"chat": chat_id})
    context.bot_data.sender.kick(f"notice:{notice.id}")

"""/deadline T12 <when>: the coordinator sets a due date in officials' words, after confirming."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.dates import format_date_en, format_date_zh, parse_deadline
from bot.directory import find_task
from bot.errors import DubanError
from bot.i18n import t
from bot.progress import set_deadline
from bot.views import title_of
from handlers.context import DubanContext, args_text, caller, refuse, reply


def _reading(day: date, lang: str) -> str:
    return format_date_zh(day) if lang == "zh" else format_date_en(day)


async def propose_deadline(update: Update, context: DubanContext) -> None:
    """Read the date, echo the reading with confirm/cancel buttons; nothing changes yet."""
    who = caller(update, context)
    if not who.coordinator:
        await refuse(update, who.lang, DubanError("coordinator_only"))
        return
    words = args_text(context).split(maxsplit=1)
    if len(words) < 2:
        await reply(update, t("deadline_usage", who.lang))
        return
    try:
        task = find_task(context.db, words[0])
        if task["recurrence"]:
            raise DubanError("deadline_recurring", task=task["id"])
        deadline = parse_deadline(words[1], context.now())
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    except ValueError as err:  # the parser's message is already bilingual and user-fit
        await reply(update, t("plain", who.lang, text=str(err)))
        return
    old = task.get("due_set") or task["due"]
    text = t("deadline_confirm", who.lang, task=task["id"], title=title_of(task, who.lang),
             old=t("deadline_from", who.lang, date=old) if old else "",
             reading=_reading(deadline.date, who.lang),
             ambiguous=t("deadline_ambiguous", who.lang) if deadline.ambiguous else "")
    day = deadline.date.isoformat()
    await reply(update, text, reply_markup=InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_confirm", who.lang), callback_data=f"dl:ok:{task['id']}:{day}"),
        InlineKeyboardButton(t("btn_cancel", who.lang), callback_data=f"dl:no:{task['id']}")]]))


async def decide_deadline(update: Update, context: DubanContext) -> None:
    """dl:ok:<task>:<date> sets it; dl:no:<task> drops it. Coordinators only."""
    query = update.callback_query
    who = caller(update, context)
    if not who.coordinator:
        await query.answer(t("coordinator_only", who.lang), show_alert=True)
        return
    parts = query.data.split(":")
    if parts[1] == "no":
        await query.answer()
        await query.edit_message_text(t("deadline_cancelled", who.lang))
        return
    try:
        due = date.fromisoformat(parts[3])
    except ValueError:
        await query.answer(t("button_expired", who.lang), show_alert=True)
        return
    try:
        task = set_deadline(context.db, user_id=who.user_id, task_ref=parts[2], due=due,
                            now=context.now())
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(t("deadline_set", who.lang, task=task["id"],
                                    reading=_reading(due, who.lang)))

"""/report: one line records at once; alone, it guides through task, progress, note, evidence
and a confirmation, with buttons, in a group or in private."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.directory import find_task
from bot.errors import DubanError
from bot.evidence import check_size
from bot.i18n import STATE_LABELS, label, t
from bot.progress import (
    ReportInput,
    parse_progress_word,
    parse_report_args,
    record_report,
    task_view,
)
from bot.views import title_of
from handlers.context import DubanContext, args_text, caller, refuse, reply, update_key
from handlers.reporting import attachment, force_reply, own_tasks, save_evidence, task_buttons
from handlers.review import acknowledge

# Conversation states of the guided report.
PICK_TASK, PROGRESS, VALUE, NOTE, EVIDENCE, CONFIRM = range(6)
FLOW_TIMEOUT_SECONDS = 15 * 60
PROGRESS_BUTTON = r"^rf:(p:(0|25|50|75|100)|s:(in_progress|done|blocked))$"


def _flow(context: DubanContext, chat_id: int) -> dict[str, Any]:
    return context.user_data.setdefault(f"flow:{chat_id}", {})


def _end_flow(context: DubanContext, chat_id: int) -> int:
    context.user_data.pop(f"flow:{chat_id}", None)
    return ConversationHandler.END


async def report_entry(update: Update, context: DubanContext) -> int:
    """/report T12 60 note records at once; /report alone starts the guided flow."""
    who = caller(update, context)
    words = args_text(context).split()
    if not words:
        return await _ask_task(update, context, who)
    try:
        task = find_task(context.db, words[0])
        data = parse_report_args(task, words[1:])
        rec = record_report(context.db, user_id=who.user_id, task_ref=task["id"],
                            now=context.now(), percent=data.percent, state=data.state,
                            value=data.value, note=data.note, update_key=update_key(update))
    except DubanError as err:
        await refuse(update, who.lang, err)
        return ConversationHandler.END
    await acknowledge(update, context, rec, who.lang)
    return ConversationHandler.END


async def _ask_task(update: Update, context: DubanContext, who) -> int:
    if not who.active:
        await refuse(update, who.lang, DubanError("not_member"))
        return ConversationHandler.END
    if not who.dept:
        await reply(update, t("report_usage", who.lang))
        return ConversationHandler.END
    _flow(context, update.effective_chat.id).clear()
    dept = own_tasks(context, who.dept)
    await reply(update, t("flow_pick_task", who.lang),
                reply_markup=task_buttons(dept.tasks, "rf:task:"))
    return PICK_TASK


async def pick_task(update: Update, context: DubanContext) -> int:
    """rf:task:<id>: the task is chosen (from /tasks or the flow); ask for progress or value."""
    query = update.callback_query
    who = caller(update, context)
    task_id = query.data.split(":", 2)[2]
    try:
        task = find_task(context.db, task_id)
        if not who.active:
            raise DubanError("not_member")
        if not who.coordinator and task["dept"] != who.dept:
            raise DubanError("wrong_dept", task=task["id"], dept=task["dept"])
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    flow = _flow(context, update.effective_chat.id)
    flow.clear()
    flow.update(task=task["id"], evidence=[])
    view = task_view(context.db, task["id"], context.now())
    if task["target_value"] is not None and task["target_unit"] != "%":
        await query.message.reply_text(
            t("flow_value", who.lang, task=task["id"], title=title_of(task, who.lang),
              unit=task["target_unit"], target=f"{task['target_value']:g}"),
            reply_markup=force_reply(), do_quote=False)
        return VALUE
    buttons = [[InlineKeyboardButton(f"{p}%", callback_data=f"rf:p:{p}")
                for p in (0, 25, 50, 75, 100)],
               [InlineKeyboardButton(label(STATE_LABELS, s, who.lang), callback_data=f"rf:s:{s}")
                for s in ("in_progress", "done", "blocked")]]
    await query.message.reply_text(
        t("flow_progress", who.lang, task=task["id"], title=title_of(task, who.lang),
          percent=view.status.percent),
        reply_markup=InlineKeyboardMarkup(buttons), do_quote=False)
    return PROGRESS


async def _ask_note(message: Message, who, blocked: bool) -> int:
    key = "flow_note_required" if blocked else "flow_note"
    markup = (force_reply() if blocked else InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("btn_skip", who.lang), callback_data="rf:skip")]]))
    await message.reply_text(t(key, who.lang), reply_markup=markup, do_quote=False)
    return NOTE


async def progress_button(update: Update, context: DubanContext) -> int:
    """rf:p:<percent> or rf:s:<state>."""
    query = update.callback_query
    who = caller(update, context)
    await query.answer()
    _, kind, raw = query.data.split(":")
    flow = _flow(context, update.effective_chat.id)
    if kind == "p":
        flow["percent"] = int(raw)
    else:
        flow["state"] = raw
    return await _ask_note(query.message, who, flow.get("state") == "blocked")


async def progress_text(update: Update, context: DubanContext) -> int:
    """A typed progress: '60', '60%', '已完成'."""
    who = caller(update, context)
    flow = _flow(context, update.effective_chat.id)
    task = find_task(context.db, flow["task"])
    word = update.effective_message.text.strip()
    parsed = parse_progress_word({**task, "target_value": None}, word)
    if parsed is None or (parsed.percent is not None and not 0 <= parsed.percent <= 100):
        await reply(update, t("progress_unreadable", who.lang, word=word))
        return PROGRESS
    flow.update(percent=parsed.percent, state=parsed.state)
    return await _ask_note(update.effective_message, who, parsed.state == "blocked")


async def value_text(update: Update, context: DubanContext) -> int:
    """A typed value for a numeric target: '187' or '187所'."""
    who = caller(update, context)
    flow = _flow(context, update.effective_chat.id)
    task = find_task(context.db, flow["task"])
    word = update.effective_message.text.strip()
    parsed = parse_progress_word(task, word)
    if parsed is None or parsed.value is None or parsed.value < 0:
        await reply(update, t("flow_value_unreadable", who.lang, word=word))
        return VALUE
    flow["value"] = parsed.value
    return await _ask_note(update.effective_message, who, False)


async def _ask_evidence(message: Message, who) -> int:
    await message.reply_text(t("flow_evidence", who.lang), do_quote=False,
                             reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                                 t("btn_done", who.lang), callback_data="rf:done")]]))
    return EVIDENCE


async def note_text(update: Update, context: DubanContext) -> int:
    who = caller(update, context)
    flow = _flow(context, update.effective_chat.id)
    note = update.effective_message.text.strip()
    if not note:
        return await _ask_note(update.effective_message, who, flow.get("state") == "blocked")
    flow["note"] = note
    return await _ask_evidence(update.effective_message, who)


async def note_skip(update: Update, context: DubanContext) -> int:
    who = caller(update, context)
    await update.callback_query.answer()
    flow = _flow(context, update.effective_chat.id)
    if flow.get("state") == "blocked":
        return await _ask_note(update.callback_query.message, who, True)
    flow["note"] = ""
    return await _ask_evidence(update.callback_query.message, who)


async def evidence_item(update: Update, context: DubanContext) -> int:
    """A photo or document during the flow: kept until the report is confirmed."""
    who = caller(update, context)
    item = attachment(update.effective_message)
    try:
        check_size(item["size"])
    except DubanError as err:
        await refuse(update, who.lang, err)
        return EVIDENCE
    flow = _flow(context, update.effective_chat.id)
    flow["evidence"].append({**item, "caption": update.effective_message.caption})
    await reply(update, t("flow_evidence_got", who.lang, count=len(flow["evidence"])),
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                    t("btn_done", who.lang), callback_data="rf:done")]]))
    return EVIDENCE


async def evidence_done(update: Update, context: DubanContext) -> int:
    who = caller(update, context)
    query = update.callback_query
    await query.answer()
    flow = _flow(context, update.effective_chat.id)
    task = find_task(context.db, flow["task"])
    percent = (f"{flow['percent']}%" if flow.get("percent") is not None
               else label(STATE_LABELS, flow.get("state"), who.lang))
    value = (f"{flow['value']:g}{task['target_unit']}" if flow.get("value") is not None else "")
    text = t("flow_confirm", who.lang, task=task["id"], title=title_of(task, who.lang),
             percent=percent if flow.get("value") is None else "", value=value,
             note=flow.get("note") or "—", evidence=len(flow["evidence"]))
    await query.message.reply_text(text, do_quote=False, reply_markup=InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_confirm", who.lang), callback_data="rf:ok"),
        InlineKeyboardButton(t("btn_cancel", who.lang), callback_data="rf:no")]]))
    return CONFIRM


async def confirm(update: Update, context: DubanContext) -> int:
    """rf:ok records the report, then archives the evidence; rf:no drops everything."""
    who = caller(update, context)
    query = update.callback_query
    chat_id = update.effective_chat.id
    flow = _flow(context, chat_id)
    if query.data == "rf:no":
        await query.answer()
        await query.edit_message_text(t("flow_cancelled", who.lang))
        return _end_flow(context, chat_id)
    data = ReportInput(flow.get("percent"), flow.get("state"), flow.get("value"),
                       flow.get("note") or "")
    try:
        rec = record_report(context.db, user_id=who.user_id, task_ref=flow["task"],
                            now=context.now(), percent=data.percent, state=data.state,
                            value=data.value, note=data.note, update_key=update_key(update))
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        await reply(update, t(err.key, who.lang, **err.params))
        return _end_flow(context, chat_id)
    await query.answer()
    await query.edit_message_reply_markup(None)
    saved, failed = await save_evidence(context, who.user_id, rec.task["id"], flow["evidence"],
                                        who.lang, rec.report["id"])
    extra = ""
    if saved:
        extra += "\n" + t("album_saved", who.lang, count=saved, task=rec.task["id"])
    if failed:
        extra += "\n" + failed
    await acknowledge(update, context, rec, who.lang, extra)
    return _end_flow(context, chat_id)


async def cancel(update: Update, context: DubanContext) -> int:
    """/cancel: leave the guided flow, recording nothing."""
    who = caller(update, context)
    await reply(update, t("flow_cancelled", who.lang))
    return _end_flow(context, update.effective_chat.id)


async def expect_button(update: Update, context: DubanContext) -> int | None:
    """Anything unexpected in the flow (a sticker, say) gets a hint; the state does not change."""
    who = caller(update, context)
    if update.callback_query:
        await update.callback_query.answer(t("button_expired", who.lang), show_alert=True)
    else:
        await reply(update, t("flow_expect_button", who.lang))
    return None


async def expect_text(update: Update, context: DubanContext) -> int | None:
    await reply(update, t("flow_expect_text", caller(update, context).lang))
    return None


async def flow_timeout(update: Update, context: DubanContext) -> None:
    """The guided flow was left idle: forget its half-filled answers."""
    if update and update.effective_chat:
        context.user_data.pop(f"flow:{update.effective_chat.id}", None)


def report_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    anything_else = [MessageHandler(~filters.COMMAND, expect_button),
                     CallbackQueryHandler(expect_button)]
    # per_message=False is deliberate: the flow mixes typed replies and buttons, keyed by chat and
    # user; PTB warns about that combination on construction.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return _conversation(text, anything_else)


def _conversation(text, anything_else) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("report", report_entry),
                      CallbackQueryHandler(pick_task, pattern=r"^rf:task:T[0-9]{1,4}$")],
        states={
            PICK_TASK: [CallbackQueryHandler(pick_task, pattern=r"^rf:task:T[0-9]{1,4}$"),
                        *anything_else],
            PROGRESS: [CallbackQueryHandler(progress_button, pattern=PROGRESS_BUTTON),
                       MessageHandler(text, progress_text), *anything_else],
            VALUE: [MessageHandler(text, value_text),
                    MessageHandler(~filters.COMMAND, expect_text)],
            NOTE: [MessageHandler(text, note_text),
                   CallbackQueryHandler(note_skip, pattern=r"^rf:skip$"),
                   MessageHandler(~filters.COMMAND, expect_text)],
            EVIDENCE: [MessageHandler(filters.PHOTO | filters.Document.ALL, evidence_item),
                       CallbackQueryHandler(evidence_done, pattern=r"^rf:done$"),
                       *anything_else],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=r"^rf:(ok|no)$"), *anything_else],
            ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, flow_timeout)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        per_chat=True,
        per_user=True,
        allow_reentry=True,
        conversation_timeout=FLOW_TIMEOUT_SECONDS,
        name="report",
    )

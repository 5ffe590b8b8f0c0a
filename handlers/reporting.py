"""Reporting: /tasks, /report (one line or guided), the coordinator's check, /undo, /history."""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.directory import find_department, find_task
from bot.errors import DubanError
from bot.evidence import admit, archive, check_size, record_evidence
from bot.i18n import STATE_LABELS, label, t
from bot.progress import (
    Recorded,
    ReportInput,
    close_task,
    parse_progress_word,
    parse_report_args,
    plan_summary,
    record_report,
    reopen_task,
    task_view,
    undo_last,
)
from bot.replies import history_lines, mention, recorded_text, task_line
from bot.views import title_of
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    refuse,
    reply,
    task_from_args,
    update_key,
)

log = logging.getLogger(__name__)

# Conversation states of the guided report.
PICK_TASK, PROGRESS, VALUE, NOTE, EVIDENCE, CONFIRM = range(6)
FLOW_TIMEOUT_SECONDS = 15 * 60


def _force_reply() -> ForceReply:
    # selective: in a group only the person being asked gets the reply field.
    return ForceReply(selective=True)


def _flow(context: DubanContext, chat_id: int) -> dict[str, Any]:
    return context.user_data.setdefault(f"flow:{chat_id}", {})


def _end_flow(context: DubanContext, chat_id: int) -> int:
    context.user_data.pop(f"flow:{chat_id}", None)
    return ConversationHandler.END


def _task_buttons(views: list, prefix: str, per_row: int = 4) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(f"{v.status.mark} {v.task['id']}",
                                    callback_data=f"{prefix}{v.task['id']}") for v in views]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def _own_tasks(context: DubanContext, dept: str):
    summary = plan_summary(context.db, context.now(), dept=dept)
    return summary.departments[0]


# ---------------------------------------------------------------- /tasks


async def list_tasks(update: Update, context: DubanContext) -> None:
    """/tasks [DEPT]: a department's tasks with marks and report buttons."""
    who = caller(update, context)
    text = args_text(context)
    try:
        if text and who.coordinator:
            code = find_department(context.db, text)["code"]
        elif who.coordinator:
            await reply(update, t("tasks_for_coordinator", who.lang))
            return
        elif who.dept:
            code = who.dept
        else:
            raise DubanError("not_member")
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    dept = _own_tasks(context, code)
    name = dept.dept["short"] if who.lang == "zh" else dept.dept["name_en"]
    lines = [t("tasks_header", who.lang, dept=name, count=len(dept.tasks)),
             *(task_line(v, who.lang) for v in dept.tasks)]
    await reply(update, "\n".join(lines), reply_markup=_task_buttons(dept.tasks, "rf:task:"))


# ---------------------------------------------------------------- acknowledging and review


async def acknowledge(update: Update, context: DubanContext, rec: Recorded, lang: str,
                      extra: str = "") -> None:
    """Tell the reporter what was recorded; a 100% claim goes to the coordinator for the check."""
    await reply(update, recorded_text(rec, lang) + extra)
    if not rec.duplicate and rec.status.status == "pending_check":
        await request_review(update, context, rec)


async def request_review(update: Update, context: DubanContext, rec: Recorded) -> None:
    task = rec.task
    dept = context.db["departments"].get(task["dept"])
    evidence = context.db["evidence"].count_where("task_id = ?", [task["id"]])
    reporter = context.db["members"].get(rec.report["user_id"]) if rec.report["user_id"] else {}
    text = t("review_request", "zh", dept=dept["short"], task=task["id"], title=task["title"],
             user=mention(rec.report["user_id"], reporter.get("name")),
             note=rec.report["note"] or "—", evidence=evidence)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_close", "zh"), callback_data=f"rv:close:{task['id']}"),
        InlineKeyboardButton(t("btn_reopen", "zh"), callback_data=f"rv:reopen:{task['id']}"),
    ]])
    target = context.group_id or update.effective_chat.id
    review = await context.bot.send_message(target, text, reply_markup=buttons)
    await forward_evidence(context, target, task["id"], rec.report["id"], review.message_id)


REVIEW_EVIDENCE_MAX = 5


async def forward_evidence(context: DubanContext, chat_id: int, task_id: str, report_id: int,
                           reply_to: int) -> None:
    """The coordinator checks with the evidence in front of them: the report's own files, else the
    task's newest ones, sent again by Telegram file id under the review message."""
    rows = list(context.db["evidence"].rows_where("report_id = ?", [report_id], order_by="id"))
    if not rows:
        rows = list(context.db["evidence"].rows_where("task_id = ?", [task_id],
                                                      order_by="id desc",
                                                      limit=REVIEW_EVIDENCE_MAX))
    for row in rows[:REVIEW_EVIDENCE_MAX]:
        send = context.bot.send_photo if row["kind"] == "photo" else context.bot.send_document
        try:
            await send(chat_id, row["file_id"], caption=f"{task_id} · #{row['id']}",
                       reply_to_message_id=reply_to)
        except TelegramError:
            log.warning("could not resend evidence %s for review", row["id"], exc_info=True)


async def _notify_reporter(context: DubanContext, chat_id: int, task_id: str, key: str,
                           **params: Any) -> None:
    rows = list(context.db.query(
        "SELECT r.user_id, m.name FROM reports r LEFT JOIN members m ON m.user_id = r.user_id "
        "WHERE r.task_id = ? AND r.kind = 'progress' ORDER BY r.id DESC LIMIT 1", [task_id]))
    who = mention(rows[0]["user_id"], rows[0]["name"]) if rows else ""
    await context.bot.send_message(chat_id, t(key, "zh", mention=who, task=task_id, **params))


async def review_button(update: Update, context: DubanContext) -> None:
    """rv:close:<task> closes the task; rv:reopen:<task> asks for the reason as a reply."""
    query = update.callback_query
    who = caller(update, context)
    if not who.coordinator:
        await query.answer(t("coordinator_only", who.lang), show_alert=True)
        return
    _, verb, task_id = query.data.split(":")
    if verb == "reopen":
        await query.answer()
        prompt = await query.message.reply_text(t("reopen_prompt", who.lang, task=task_id),
                                                reply_markup=_force_reply())
        context.chat_data.setdefault("reopen_prompts", {})[prompt.message_id] = task_id
        return
    try:
        rec = close_task(context.db, user_id=who.user_id, task_ref=task_id, now=context.now(),
                         update_key=update_key(update))
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(f"{query.message.text_html}\n\n"
                                  + t("task_closed_ok", "zh", task=task_id,
                                      title=rec.task["title"]))
    await _notify_reporter(context, query.message.chat_id, task_id, "task_closed_notice")


async def reopen_reason_reply(update: Update, context: DubanContext) -> None:
    """A coordinator's reply to the 'why send it back' prompt."""
    message = update.effective_message
    prompts = context.chat_data.get("reopen_prompts", {})
    task_id = prompts.get(message.reply_to_message.message_id)
    if task_id is None:
        return
    await _reopen(update, context, task_id, message.text)
    prompts.pop(message.reply_to_message.message_id, None)


async def _reopen(update: Update, context: DubanContext, task_ref: str, reason: str) -> None:
    who = caller(update, context)
    try:
        rec = reopen_task(context.db, user_id=who.user_id, task_ref=task_ref, reason=reason,
                          now=context.now(), update_key=update_key(update))
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    await reply(update, t("task_reopened_ok", who.lang, task=rec.task["id"],
                          title=title_of(rec.task, who.lang), reason=reason))
    await _notify_reporter(context, update.effective_chat.id, rec.task["id"],
                           "task_returned_notice", reason=reason)


async def close_command(update: Update, context: DubanContext) -> None:
    """/close T12 [note]."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if not words:
        await reply(update, t("usage_task", who.lang, command="close"))
        return
    try:
        rec = close_task(context.db, user_id=who.user_id, task_ref=words[0], now=context.now(),
                         note=words[1] if len(words) > 1 else "", update_key=update_key(update))
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    await reply(update, t("task_closed_ok", who.lang, task=rec.task["id"],
                          title=title_of(rec.task, who.lang)))
    await _notify_reporter(context, update.effective_chat.id, rec.task["id"],
                           "task_closed_notice")


async def reopen_command(update: Update, context: DubanContext) -> None:
    """/reopen T12 REASON."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if not words:
        await reply(update, t("reason_required", who.lang))
        return
    await _reopen(update, context, words[0], words[1] if len(words) > 1 else "")


# ---------------------------------------------------------------- /report, one line or guided


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
    dept = _own_tasks(context, who.dept)
    await reply(update, t("flow_pick_task", who.lang),
                reply_markup=_task_buttons(dept.tasks, "rf:task:"))
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
            reply_markup=_force_reply(), do_quote=False)
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
    markup = (_force_reply() if blocked else InlineKeyboardMarkup(
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


def attachment(message: Message) -> dict[str, Any] | None:
    if message.photo:
        photo = message.photo[-1]
        return {"file_id": photo.file_id, "file_unique_id": photo.file_unique_id,
                "kind": "photo", "file_name": None, "size": photo.file_size}
    if message.document:
        doc = message.document
        return {"file_id": doc.file_id, "file_unique_id": doc.file_unique_id,
                "kind": "document", "file_name": doc.file_name, "size": doc.file_size}
    return None


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


async def save_evidence(context: DubanContext, user_id: int, task_id: str,
                        items: list[dict[str, Any]], lang: str, report_id: int | None = None
                        ) -> tuple[int, str]:
    """Download and archive each file; returns (how many saved, a message about any failure)."""
    saved = 0
    problems = []
    for item in items:
        try:
            task, existing = admit(context.db, user_id=user_id, task_ref=task_id,
                                   file_unique_id=item["file_unique_id"])
            if existing:
                continue
            file = await context.bot.get_file(item["file_id"])
            data = bytes(await file.download_as_bytearray())
            # Hashing and writing a file of up to 20 MB would stall every chat: do it aside.
            archived = await asyncio.to_thread(archive, context.settings.evidence_dir,
                                               task["id"], item["file_unique_id"], data,
                                               item.get("file_name"))
            record_evidence(context.db, archived, task_id=task["id"], user_id=user_id,
                            file_id=item["file_id"], file_unique_id=item["file_unique_id"],
                            kind=item["kind"], now=context.now(),
                            file_name=item.get("file_name"), caption=item.get("caption"),
                            report_id=report_id)
            saved += 1
        except DubanError as err:
            problems.append(t(err.key, lang, **err.params))
        except TelegramError:
            log.exception("could not download evidence %s", item["file_unique_id"])
            problems.append(t("error", lang))
    return saved, "\n".join(problems)


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
                      CallbackQueryHandler(pick_task, pattern=r"^rf:task:")],
        states={
            PICK_TASK: [CallbackQueryHandler(pick_task, pattern=r"^rf:task:"), *anything_else],
            PROGRESS: [CallbackQueryHandler(progress_button, pattern=r"^rf:[ps]:"),
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


# ---------------------------------------------------------------- /undo, /history


async def undo(update: Update, context: DubanContext) -> None:
    """/undo: take back the caller's last report within 30 minutes."""
    who = caller(update, context)
    try:
        row = undo_last(context.db, user_id=who.user_id, now=context.now())
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    await reply(update, t("undo_ok", who.lang, task=row["task_id"], percent=row["percent"]))


async def history(update: Update, context: DubanContext) -> None:
    """/history T12."""
    who = caller(update, context)
    task = await task_from_args(update, context, who, "history")
    if task is None:
        return
    lines = history_lines(context.db, task["id"], who.lang, context.settings.tz, limit=30)
    if not lines:
        await reply(update, t("history_none", who.lang, task=task["id"]))
        return
    await reply(update, "\n".join([t("history_header", who.lang, task=task["id"]), *lines]))

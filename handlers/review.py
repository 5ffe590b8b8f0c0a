"""The coordinator's check: a 100% claim goes to the group with its evidence and 核实销号/退回
buttons; /close and /reopen do the same by text."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.errors import DubanError
from bot.i18n import t
from bot.progress import Recorded, close_task, reopen_task
from bot.replies import mention, recorded_text
from bot.views import title_of
from handlers.context import DubanContext, args_text, caller, refuse, reply, shown_html, update_key
from handlers.reporting import force_reply

log = logging.getLogger(__name__)
REVIEW_EVIDENCE_MAX = 5


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
        "WHERE r.task_id = ? AND r.kind = 'progress' AND r.revoked_at IS NULL "
        "ORDER BY r.id DESC LIMIT 1", [task_id]))
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
                                                reply_markup=force_reply())
        context.chat_data.setdefault("reopen_prompts", {})[prompt.message_id] = task_id
        return
    try:
        rec = close_task(context.db, user_id=who.user_id, task_ref=task_id, now=context.now(),
                         update_key=update_key(update))
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return
    await query.answer()
    if rec.duplicate:
        return
    await query.edit_message_text(f"{shown_html(query.message)}\n\n"
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


async def _announce(update: Update, context: DubanContext, lang: str, rec: Recorded, key: str,
                    notice: str, **params: Any) -> None:
    """Confirm a close or reopen to the coordinator and tell the reporter; a replay says so."""
    if rec.duplicate:
        await reply(update, t("report_duplicate", lang))
        return
    await reply(update, t(key, lang, task=rec.task["id"], title=title_of(rec.task, lang),
                          **params))
    await _notify_reporter(context, update.effective_chat.id, rec.task["id"], notice, **params)


async def _reopen(update: Update, context: DubanContext, task_ref: str, reason: str) -> None:
    who = caller(update, context)
    try:
        rec = reopen_task(context.db, user_id=who.user_id, task_ref=task_ref, reason=reason,
                          now=context.now(), update_key=update_key(update))
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    await _announce(update, context, who.lang, rec, "task_reopened_ok", "task_returned_notice",
                    reason=reason)


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
    await _announce(update, context, who.lang, rec, "task_closed_ok", "task_closed_notice")


async def reopen_command(update: Update, context: DubanContext) -> None:
    """/reopen T12 REASON."""
    who = caller(update, context)
    words = args_text(context).split(maxsplit=1)
    if not words:
        await reply(update, t("reason_required", who.lang))
        return
    await _reopen(update, context, words[0], words[1] if len(words) > 1 else "")

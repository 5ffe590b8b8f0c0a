"""The error handler: log the whole story, tell the user only that something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.language.i18n import lang_of, t
from bot.services import health
from handlers.context import DubanContext, topic_of

log = logging.getLogger(__name__)


async def report_error(update: object, context: DubanContext) -> None:
    """Log the exception; answer the user politely without internals. A storage failure (disk
    full, read-only) is said once per update for what it is: the update stays open and is
    handled by itself once the store can write (bot.app), so nobody needs to send it again."""
    storage = health.is_storage_error(context.error)
    if storage:
        log.warning("update not handled in full, kept for later: %s", context.error)
    else:
        log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if storage:
        if update.update_id in context.bot_data.told_storage:
            return
        context.bot_data.told_storage.add(update.update_id)
    key = "storage_unavailable" if storage else "error"
    lang = lang_of(update.effective_user.language_code if update.effective_user else None)
    try:
        if update.callback_query:
            await update.callback_query.answer(t(key, lang, html=False), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, t(key, lang),
                                           message_thread_id=topic_of(update,
                                                                      update.effective_chat.id))
    except TelegramError:
        log.warning("could not tell the user about the error", exc_info=True)

"""Gatekeeping, run before every other handler: which chats and people the bot answers at all."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.i18n import t
from handlers.commands import OPEN_TO_ALL
from handlers.context import DubanContext, caller, reply

log = logging.getLogger(__name__)


def _command_of(update: Update) -> str | None:
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


def remember_name(update: Update, context: DubanContext, member: dict[str, Any] | None) -> None:
    """Keep a member's display name current, so mentions in nudges read as names, not ids."""
    user = update.effective_user
    if member and (member["name"] != user.full_name or member["username"] != user.username):
        context.db["members"].update(user.id, {"name": user.full_name, "username": user.username})


async def follow_migration(update: Update, context: DubanContext) -> None:
    """A group upgraded to a supergroup gets a new chat id: keep serving it under the new id."""
    message = update.effective_message
    if message and message.migrate_to_chat_id and message.chat.id == context.group_id:
        context.db["meta"].upsert({"key": "coordination_chat_id",
                                   "value": str(message.migrate_to_chat_id)}, pk="key")
        log.warning("the coordination chat moved from %s to %s; set COORDINATION_CHAT_ID=%s",
                    message.chat.id, message.migrate_to_chat_id, message.migrate_to_chat_id)


async def gatekeep(update: Update, context: DubanContext) -> None:
    """Ignore unknown groups (saying so once) and strangers' non-onboarding messages in private."""
    chat = update.effective_chat
    if update.effective_user is None or chat is None:
        raise ApplicationHandlerStop
    if update.edited_message or update.edited_channel_post:
        # An edit keeps its message id: acting on it would look like a replay of the original,
        # or silently change what was recorded. Ask for a new message instead.
        served = chat.id == context.group_id or chat.type == Chat.PRIVATE
        if served and _command_of(update):
            await reply(update, t("edited_ignored", caller(update, context).lang))
        raise ApplicationHandlerStop
    who = caller(update, context)
    remember_name(update, context, who.member)
    await follow_migration(update, context)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL):
        if chat.id == context.group_id:
            return
        services = context.bot_data
        if chat.id not in services.warned_chats and update.effective_message:
            services.warned_chats.add(chat.id)
            log.info("ignoring chat %s (%s): not the coordination chat", chat.id, chat.type)
            await reply(update, t("unknown_chat", "zh", chat_id=chat.id) + "\n\n"
                        + t("unknown_chat", "en", chat_id=chat.id))
        raise ApplicationHandlerStop
    # A private chat: members, applicants and configured coordinators are served; a stranger
    # may only start, ask for help, join or choose a language.
    if who.member and who.member["status"] in ("active", "pending"):
        return
    if who.user_id in context.settings.coordinator_ids:
        return
    command = _command_of(update)
    if command in OPEN_TO_ALL:
        return
    if update.callback_query:
        await update.callback_query.answer(t("not_member", who.lang), show_alert=True)
    elif update.effective_message:
        await reply(update, t("not_member", who.lang))
    raise ApplicationHandlerStop

"""Gatekeeping, run before every other handler: which chats and people the bot answers at all.

Who may run which command is the command table's business (handlers/commands.py, checked in
handlers/dispatch.py); this gate only keeps out what the bot must never act on: unknown chats,
edited messages, and strangers' messages in private other than the commands open to all."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.directory import move_coordination_chat, remember_name
from bot.i18n import LANGS, t
from handlers.commands import OPEN_TO_ALL
from handlers.context import DubanContext, caller, reply, tell

log = logging.getLogger(__name__)


def command_of(update: Update) -> str | None:
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


async def follow_migration(update: Update, context: DubanContext) -> None:
    """A group upgraded to a supergroup gets a new chat id: keep serving it under the new id."""
    message = update.effective_message
    if message and message.migrate_to_chat_id and message.chat.id == context.group_id:
        move_coordination_chat(context.db, message.migrate_to_chat_id)
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
        if served and command_of(update):
            await reply(update, t("edited_ignored", caller(update, context).lang))
        raise ApplicationHandlerStop
    who = caller(update, context)
    remember_name(context.db, who.member, update.effective_user.full_name,
                  update.effective_user.username)
    await follow_migration(update, context)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL):
        if chat.id == context.group_id:
            return
        services = context.bot_data
        if chat.id not in services.warned_chats and update.effective_message:
            services.warned_chats.add(chat.id)
            log.info("ignoring chat %s (%s): not the coordination chat", chat.id, chat.type)
            # Nobody here has chosen a language yet: say it in both.
            await reply(update, "\n\n".join(t("unknown_chat", lang, chat_id=chat.id)
                                            for lang in LANGS))
        raise ApplicationHandlerStop
    # A private chat: members and applicants are served (each command checks its audience);
    # a stranger may only use the commands open to all.
    if who.actor.member or (who.member and who.member["status"] == "pending"):
        return
    if command_of(update) in OPEN_TO_ALL:
        return
    if update.callback_query or update.effective_message:
        await tell(update, t("not_member", who.lang))
    raise ApplicationHandlerStop

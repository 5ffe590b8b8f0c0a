"""Gatekeeping, run before every other handler: which chats and people the bot answers at all.

Who may run which command is the command table's business (handlers/commands.py, checked in
handlers/dispatch.py); this gate only keeps out what the bot must never act on: unknown chats,
edited messages, messages sent under another identity (an anonymous admin, a channel, a
forward or an inline bot), and strangers' messages in private other than the commands open to
all."""

from __future__ import annotations

import logging
import re

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.domain.access import Audience
from bot.language.i18n import DEFAULT_LANG, LANGS, t
from bot.services.directory import move_coordination_chat, remember_name
from handlers.commands import BUTTONS, OPEN_TO_ALL
from handlers.context import DubanContext, caller, chat_of, command_line, reply, tell, user_of
from handlers.dispatch import not_member_text

log = logging.getLogger(__name__)


def command_of(update: Update) -> str | None:
    """The command a message starts with, typed in any width ("／join")."""
    line = command_line(update)
    return line.name if line else None


def open_button(update: Update) -> bool:
    """A button meant for anyone (a suggested department for /join)."""
    data = update.callback_query.data if update.callback_query else None
    if not data:
        return False
    return any(re.match(b.pattern, data) for b in BUTTONS if b.audience is Audience.ANYONE)


async def follow_migration(update: Update, context: DubanContext) -> None:
    """A group upgraded to a supergroup gets a new chat id: keep serving it under the new id."""
    message = update.effective_message
    if message and message.migrate_to_chat_id and message.chat.id == context.group_id:
        move_coordination_chat(context.db, message.migrate_to_chat_id)
        log.warning("the coordination chat moved from %s to %s; set COORDINATION_CHAT_ID=%s",
                    message.chat.id, message.migrate_to_chat_id, message.migrate_to_chat_id)


# Telegram's stand-ins: an anonymous group admin's messages come "from" GroupAnonymousBot and a
# channel identity's from Channel_Bot, with the real sender hidden in sender_chat.
GROUP_ANONYMOUS_BOT = 1087968824
CHANNEL_BOT = 136817688
STAND_INS = frozenset({GROUP_ANONYMOUS_BOT, CHANNEL_BOT})


def borrowed_identity(update: Update) -> str | None:
    """Why this update cannot be acted on as its sender's own (a catalogue key), or None.

    Every record says who did it; a message signed by a group or a channel names nobody, and a
    forwarded command or one typed through an inline bot was not written here by its sender.
    A forwarded photo with its #T tag is still taken (passing on a colleague's evidence is normal);
    only commands are refused when forwarded or sent via a bot."""
    if update.callback_query:
        user = update.callback_query.from_user
        return "identity_anonymous" if user.id in STAND_INS else None
    message = update.effective_message
    if message is None:
        return None
    if message.sender_chat is not None or (message.from_user and message.from_user.id in STAND_INS):
        if message.sender_chat is not None and message.sender_chat.id != message.chat.id:
            return "identity_channel"
        return "identity_anonymous"
    if command_of(update) and message.forward_origin is not None:
        return "identity_forwarded"
    if command_of(update) and message.via_bot is not None:
        return "identity_via_bot"
    return None


def _addressed_to_bot(update: Update, context: DubanContext) -> bool:
    """Whether the bot would have acted on this message: a command, a reply to one of its
    messages, or a file (the #T tag is read from the caption). Anything else is group chatter
    an admin bot sees and should pass over in silence."""
    message = update.effective_message
    if update.callback_query or command_of(update):
        return True
    if message is None or message.is_automatic_forward:
        return False  # a linked channel's post copied into its discussion group: nobody asked
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == context.bot.id:
        return True
    return bool(message.photo or message.document)


async def refuse_identity(update: Update, context: DubanContext, key: str) -> None:
    """Say why nothing was done, in the chat's language: the group's is the default (the real
    sender is unknown), a private chat's is its person's."""
    chat = chat_of(update)
    lang = DEFAULT_LANG
    if chat.type == Chat.PRIVATE and user_of(update).id not in STAND_INS:
        lang = caller(update, context).lang
    log.info("not acting on update %s from chat %s: %s", update.update_id, chat.id, key)
    if _addressed_to_bot(update, context):
        await tell(update, t(key, lang))


async def ignore_chat(update: Update, context: DubanContext) -> None:
    """An unknown group: say so once, then stay silent there."""
    chat = chat_of(update)
    services = context.bot_data
    if chat.id not in services.warned_chats and update.effective_message:
        services.warned_chats.add(chat.id)
        log.info("ignoring chat %s (%s): not the coordination chat", chat.id, chat.type)
        # Nobody here has chosen a language yet: say it in both.
        await reply(update, "\n\n".join(t("unknown_chat", lang, chat_id=chat.id)
                                        for lang in LANGS))
    raise ApplicationHandlerStop


async def gatekeep(update: Update, context: DubanContext) -> None:
    """Ignore unknown groups (saying so once) and strangers' non-onboarding messages in private."""
    chat, user = update.effective_chat, update.effective_user
    if user is None or chat is None:
        raise ApplicationHandlerStop
    if update.edited_message or update.edited_channel_post:
        # An edit keeps its message id: acting on it would look like a replay of the original,
        # or silently change what was recorded. Ask for a new message instead.
        served = chat.id == context.group_id or chat.type == Chat.PRIVATE
        if served and command_of(update):
            await reply(update, t("edited_ignored", caller(update, context).lang))
        raise ApplicationHandlerStop
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL) and chat.id != context.group_id:
        await ignore_chat(update, context)
    await follow_migration(update, context)
    if key := borrowed_identity(update):
        await refuse_identity(update, context, key)
        raise ApplicationHandlerStop
    who = caller(update, context)
    remember_name(context.db, who.member, user.full_name, user.username)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL):
        return
    # A private chat: members and applicants are served (each command checks its audience);
    # a stranger may only use the commands open to all.
    if who.actor.member or (who.member and who.member["status"] == "pending"):
        return
    if command_of(update) in OPEN_TO_ALL or open_button(update):
        return
    if update.callback_query or update.effective_message:
        await tell(update, not_member_text(context, who))
    raise ApplicationHandlerStop

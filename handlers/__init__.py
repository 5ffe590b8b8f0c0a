"""Every handler, registered from the command table (order matters: the first match in a group
wins)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.access import Audience
from bot.language.i18n import t
from handlers import answers, gate, report_flow
from handlers.commands import BUTTONS, COMMANDS
from handlers.context import DubanContext, caller, reply
from handlers.dispatch import Where, guarded
from handlers.errors import report_error


async def unknown_command(update: Update, context: DubanContext) -> None:
    """Any other /command: say so politely, unless it was addressed to another bot."""
    text = update.effective_message.text or ""
    addressee = text.split(maxsplit=1)[0].partition("@")[2] if text else ""
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    await reply(update, t("unknown_command", caller(update, context).lang))


def register(app: Application) -> None:
    # Group -1: gatekeeping runs first and stops updates from unknown chats and strangers.
    app.add_handler(TypeHandler(Update, gate.gatekeep), group=-1)

    # Group 0: the command table, then buttons, then answers to the bot's questions.
    for command in COMMANDS:
        app.add_handler(CommandHandler(
            command.name, guarded(command.audience, command.where, command.callback)))
    for button in BUTTONS:
        app.add_handler(CallbackQueryHandler(
            guarded(button.audience, Where.ANY, button.callback), pattern=button.pattern))
    # Anything else (a stale, foreign or forged button) gets "this has expired".
    app.add_handler(CallbackQueryHandler(report_flow.stale_button))
    app.add_handler(MessageHandler(
        filters.PHOTO | filters.Document.ALL,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_file)))
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_text)))
    app.add_handler(MessageHandler(
        ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_other)))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))

    app.add_error_handler(report_error)

"""Every handler, registered from the command table (order matters: the first match in a group
wins)."""

from __future__ import annotations

import difflib

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.access import Audience
from bot.language.commandline import parse_command
from bot.language.i18n import t
from handlers import answers, gate, report_flow
from handlers.commands import BUTTONS, COMMANDS
from handlers.context import DubanContext, caller, command_line, message_of, reply
from handlers.dispatch import Where, guarded
from handlers.errors import report_error


async def unknown_command(update: Update, context: DubanContext) -> None:
    """Any other /command: say so politely, unless it was addressed to another bot."""
    text = message_of(update).text or ""
    addressee = text.split(maxsplit=1)[0].partition("@")[2] if text else ""
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    await _no_such_command(update, context)


async def _no_such_command(update: Update, context: DubanContext) -> None:
    """Say so; a typo ("/jion") is answered with the command it most resembles."""
    lang = caller(update, context).lang
    line = command_line(update)
    close = difflib.get_close_matches(line.name, list(GUARDED), n=1, cutoff=0.6) if line else []
    if close:
        await reply(update, t("unknown_command_did_you_mean", lang, command=close[0]))
        return
    await reply(update, t("unknown_command", lang))


async def typed_command(update: Update, context: DubanContext) -> None:
    """A command typed with a Chinese input method ("／report Ｔ16 40", "/ｒｅｐｏｒｔ"): Telegram
    marks no command in it, so it comes as text (in a group only where the bot sees all text,
    or as a reply to the bot). It is carried out like the same command typed in ASCII."""
    line = command_line(update)
    if line is None:
        return
    if line.addressee and line.addressee.lower() != (context.bot.username or "").lower():
        return  # addressed to another bot
    run = GUARDED.get(line.name)
    if run is None:
        await _no_such_command(update, context)
        return
    context.args = line.words
    await run(update, context)


GUARDED = {c.name: guarded(c.audience, c.where, c.callback) for c in COMMANDS}


class CaptionCommand(filters.MessageFilter):
    """A photo or file whose caption is the command `name` addressed to this bot (or to no bot
    in particular), in any width: under privacy mode a captioned command is one way a file
    reaches the bot."""

    def __init__(self, name: str) -> None:
        super().__init__(name=f"CaptionCommand({name})")
        self.command = name

    def filter(self, message: Message) -> bool:
        line = parse_command(message.caption)
        if line is None or line.name != self.command:
            return False
        return not line.addressee or line.addressee.lower() == (
            message.get_bot().username or "").lower()


def register(app: Application) -> None:
    # Group -1: gatekeeping runs first and stops updates from unknown chats and strangers.
    app.add_handler(TypeHandler(Update, gate.gatekeep), group=-1)

    # Group 0: the command table, then buttons, then answers to the bot's questions.
    for command in COMMANDS:
        app.add_handler(CommandHandler(command.name, GUARDED[command.name]))
    for button in BUTTONS:
        app.add_handler(CallbackQueryHandler(
            guarded(button.audience, Where.ANY, button.callback), pattern=button.pattern))
    # Anything else (a stale, foreign or forged button) gets "this has expired".
    app.add_handler(CallbackQueryHandler(report_flow.stale_button))
    # A photo or file captioned /report: the report, with the file as its evidence.
    app.add_handler(MessageHandler(
        (filters.PHOTO | filters.Document.ALL) & CaptionCommand("report"),
        guarded(Audience.MEMBER, Where.ANY, report_flow.report_with_file)))
    app.add_handler(MessageHandler(
        filters.PHOTO | filters.Document.ALL,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_file)))
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.Regex(r"^\s*[/／]\S"), typed_command))
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_text)))
    app.add_handler(MessageHandler(
        ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        guarded(Audience.ANYONE, Where.ANY, answers.answer_other)))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))

    app.add_error_handler(report_error)

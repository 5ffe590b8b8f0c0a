"""The paperwork in the chat: /export (督办台账, 情况通报) for the coordinator, /score for everyone."""

from __future__ import annotations

import asyncio
import re

from telegram import InputFile, Update
from telegram.constants import ChatAction

from bot.language.i18n import t
from bot.outputs.exports.files import build_export, parse_export_args
from bot.outputs.scoreboard import score_message
from bot.services.directory import find_department
from handlers.context import DubanContext, args_text, caller, message_of, reply

YEAR = re.compile(r"^(\d{4})\s*(年|年度)?$")
FIRST_YEAR = 2000


async def export(update: Update, context: DubanContext) -> None:
    """/export [台账 [pdf] | 通报 [周|月|本周|本月] [pdf]]: the file, sent to this chat."""
    # The bulletin's module loads python-docx (and lxml): only when a file is asked for.
    from bot.outputs.exports.bulletin import Letterhead

    who = caller(update, context)
    request = parse_export_args(args_text(context).split())  # bad words: the usage, via guarded
    message = message_of(update)
    # The ledger takes seconds at scale: show "sending a file…" and keep the bot answering.
    await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_DOCUMENT,
                                       message_thread_id=message.message_thread_id)
    files = await asyncio.to_thread(build_export, context.db, request, context.now(), who.lang,
                                    Letterhead.from_settings(context.settings),
                                    context.bot_data.rules)
    for f in files:
        await message.reply_document(
            InputFile(f.data, filename=f.name), caption=f.caption, do_quote=False)
    if request.pdf and len(files) == 1:
        await reply(update, t("bulletin_pdf_missing", who.lang))


async def score(update: Update, context: DubanContext) -> None:
    """/score [年份] [部门]: every department's points, rule by rule, and the rules; with a
    department, its points and deductions item by item."""
    who = caller(update, context)
    words = args_text(context).split()
    year, dept = None, None
    for word in words:
        match = YEAR.match(word)
        if match and int(match[1]) >= FIRST_YEAR and year is None:
            year = int(match[1])
        elif dept is None and not re.search(r"\d|年", word):
            dept = find_department(context.db, word)["code"]  # an unknown name: the closest ones
        else:
            await reply(update, t("score_usage", who.lang))
            return
    await reply(update, score_message(context.db, context.now(), who.lang, year,
                                      context.bot_data.rules, dept))

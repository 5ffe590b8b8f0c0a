"""Every handler, registered in one ordered list (order matters: the first match in a group wins)."""

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

from bot.i18n import t
from handlers import (
    deadlines,
    evidence,
    gate,
    jobs,
    onboarding,
    report_flow,
    reporting,
    review,
    status,
)
from handlers.context import DubanContext, caller, reply
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

    # Group 0: the guided report flow first, so its states see photos and replies before others.
    app.add_handler(report_flow.report_conversation())
    for name, callback in (
        ("start", onboarding.show_start),
        ("help", onboarding.show_help),
        ("join", onboarding.join_department),
        ("approve", onboarding.decide_join_command),
        ("refuse", onboarding.decide_join_command),
        ("whoami", onboarding.show_whoami),
        ("members", onboarding.list_members),
        ("leave", onboarding.leave),
        ("lang", onboarding.choose_language),
        ("tasks", reporting.list_tasks),
        ("close", review.close_command),
        ("reopen", review.reopen_command),
        ("undo", reporting.undo),
        ("history", reporting.history),
        ("cancel", report_flow.cancel),
        ("status", status.show_status),
        ("due", status.show_due),
        ("evidence", evidence.list_evidence),
        ("deadline", deadlines.propose_deadline),
        ("digest", jobs.digest_now),
        ("mute", jobs.mute),
    ):
        app.add_handler(CommandHandler(name, callback))
    # Buttons match their whole callback_data strictly, so a forged or malformed one falls
    # through to the catch-all below instead of crashing a handler.
    for pattern, callback in (
        (r"^join:(approve|refuse):[0-9]{1,15}$", onboarding.decide_join_button),
        (r"^rv:(close|reopen):T[0-9]{1,4}$", review.review_button),
        (r"^dl:(ok:T[0-9]{1,4}:[0-9]{4}-[0-9]{2}-[0-9]{2}|no:T[0-9]{1,4})$",
         deadlines.decide_deadline),
        (r"^ev:[0-9]{1,12}$", evidence.resend_evidence),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    # Anything else (a stale, foreign or forged button) gets "this has expired".
    app.add_handler(CallbackQueryHandler(report_flow.expect_button))
    app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, evidence.evidence_message))
    app.add_handler(MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND,
                                   review.reopen_reason_reply))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))

    app.add_error_handler(report_error)

"""Typed answers and files that answer a question the bot asked (bot.services.prompts).

In a group the bot sees, under Telegram's default privacy mode, only replies to its own messages:
an answer is recognised by the message it replies to. In a private chat a plain message also
answers the person's open guided report. An answer to a question that is closed, replaced or timed
out is told so; an answer by someone other than the person asked is refused.
"""

from __future__ import annotations

from telegram import Chat, Update

from bot.language.i18n import t
from bot.services import prompts
from bot.services.evidence import task_ref_in
from handlers import evidence, onboarding, replies, report_flow, review, supervision
from handlers.context import DubanContext, caller, message_of, reply, user_of

HANDLERS = {report_flow.KIND: report_flow.answer_text, review.REOPEN_PROMPT: review.reopen_reason,
            supervision.EXTEND_REFUSE_PROMPT: supervision.extension_refusal_reason,
            onboarding.JOIN_REFUSE_PROMPT: onboarding.join_refusal_reason}


def _asked(update: Update, context: DubanContext) -> prompts.Prompt | None:
    """The prompt this message answers: by the bot message it replies to, or in private the
    person's open guided report."""
    message = message_of(update)
    replied = message.reply_to_message
    if replied is not None and replied.from_user and replied.from_user.id == context.bot.id:
        return prompts.by_message(context.db, message.chat_id, replied.message_id)
    if message.chat.type == Chat.PRIVATE:
        return prompts.open_for(context.db, message.chat_id, user_of(update).id,
                                report_flow.KIND)
    return None


async def _check(update: Update, context: DubanContext, prompt: prompts.Prompt) -> bool:
    who = caller(update, context)
    if prompt.user_id != who.user_id:
        await reply(update, t("prompt_not_yours", who.lang))
        return False
    if not prompt.live(context.now()):
        await reply(update, t("prompt_expired", who.lang))
        return False
    return True


async def answer_text(update: Update, context: DubanContext) -> None:
    """A typed reply: hand it to the question it answers. Plain text that answers nothing gets a
    hint where someone clearly spoke to the bot (a private chat, a mention); group chatter that
    reaches an admin bot is left alone."""
    prompt = _asked(update, context)
    if prompt is None and replies.replies_to_bot(update, context):
        await replies.reply_to_post(update, context)  # "60" under a reminder
        return
    if prompt is None:
        message = message_of(update)
        mentioned = f"@{context.bot.username}".lower() in (message.text or "").lower()
        if message.chat.type == Chat.PRIVATE or mentioned:
            await reply(update, t("use_commands", caller(update, context).lang))
        return
    if not await _check(update, context, prompt):
        return
    answer = HANDLERS.get(prompt.kind)
    if answer is None:  # a question answered by its buttons
        await reply(update, t("flow_expect_button", caller(update, context).lang))
        return
    await answer(update, context, prompt)


async def answer_file(update: Update, context: DubanContext) -> None:
    """A photo or document: evidence for an open guided report, else a #T12-captioned file, else
    evidence for the task of the bot's post it replies to. (A file captioned /report has its
    own handler, registered before this one.)"""
    prompt = _asked(update, context)
    if prompt is not None and prompt.kind == report_flow.KIND:
        if await _check(update, context, prompt):
            await report_flow.add_evidence(update, context, prompt)
        return
    if replies.replies_to_bot(update, context) and not task_ref_in(
            message_of(update).caption):
        await replies.reply_to_post(update, context)  # a photo under a 督办单: its evidence
        return
    await evidence.evidence_message(update, context)


async def answer_other(update: Update, context: DubanContext) -> None:
    """A sticker, voice note or the like in answer to a question: say what is expected."""
    prompt = _asked(update, context)
    if prompt is None or not await _check(update, context, prompt):
        return
    await reply(update, t(EXPECTED.get(prompt.step, "flow_expect_button"),
                          caller(update, context).lang))


# What a question waits for, by its step (anything else is answered with its buttons).
EXPECTED = {"value": "flow_expect_text", "note": "flow_expect_text",
            "reason": "flow_expect_text", "evidence": "flow_expect_file"}

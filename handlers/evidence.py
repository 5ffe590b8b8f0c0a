"""Evidence outside the guided flow: a photo or document captioned #T12 (albums too), /evidence."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.access import Action
from bot.errors import DubanError
from bot.language.i18n import t
from bot.outputs.render.chat import evidence_html, size_text
from bot.services.evidence import check_size, evidence_of, get_evidence, task_ref_in
from handlers.context import (
    DubanContext,
    caller,
    chat_of,
    data_of,
    message_of,
    pressed_on,
    query_of,
    reply,
    usage,
)
from handlers.reporting import attached, save_evidence, task_for, task_from_args

ALBUM_SETTLE_SECONDS = 2.0  # an album's items arrive one by one; acknowledge once, after the last


async def evidence_message(update: Update, context: DubanContext) -> None:
    """A photo or document with #T12 in its caption (or in its album's caption) is archived."""
    message = message_of(update)
    who = caller(update, context)
    albums: dict[str, str] = context.chat_memory.setdefault("albums", {})
    ref = task_ref_in(message.caption)
    if message.media_group_id:
        ref = ref or albums.get(message.media_group_id)
        if ref:
            albums[message.media_group_id] = ref
    if ref is None:
        if message.chat.type == "private" or message.caption:
            await reply(update, t("evidence_no_task", who.lang))
        return
    item = attached(message)
    task = task_for(context, who, ref, Action.REPORT)
    check_size(item["size"])
    saved, problem = await save_evidence(context, who.user_id, task.id, [item], who.lang,
                                         who=who.acting_on(Action.REPORT, task.id))
    if problem:
        await reply(update, problem)
        return
    if message.media_group_id:
        _count_album_item(context, update, message.media_group_id, task.id, saved, who.lang)
        return
    if saved:
        await reply(update, t("evidence_saved", who.lang, task=task.id,
                              name=item["file_name"] or t("photo", who.lang),
                              size=size_text(item["size"])))
    else:
        await reply(update, t("evidence_duplicate", who.lang, task=task.id))


def _count_album_item(context: DubanContext, update: Update, group_id: str, task_id: str,
                      saved: int, lang: str) -> None:
    counts: dict[str, int] = context.chat_memory.setdefault("album_counts", {})
    counts[group_id] = counts.get(group_id, 0) + saved
    chat_id = chat_of(update).id
    name = f"album:{chat_id}:{group_id}"
    for job in context.jobs.get_jobs_by_name(name):
        job.schedule_removal()
    context.jobs.run_once(
        _album_done, ALBUM_SETTLE_SECONDS, name=name, chat_id=chat_id,
        data={"chat": chat_id, "group": group_id, "task": task_id, "lang": lang,
              "reply_to": message_of(update).message_id})


async def _album_done(context: DubanContext) -> None:
    data = context.job_data
    count = context.chat_memory.get("album_counts", {}).pop(data["group"], 0)
    context.chat_memory.get("albums", {}).pop(data["group"], None)
    key = "album_saved" if count else "evidence_duplicate"
    await context.bot.send_message(data["chat"],
                                   t(key, data["lang"], count=count, task=data["task"]))


async def list_evidence(update: Update, context: DubanContext) -> None:
    """/evidence T12: the files kept for a task, with buttons to have each sent again."""
    who, task = task_from_args(update, context, "evidence")
    if task is None:
        await reply(update, usage(who.lang, "evidence"))
        return
    rows = evidence_of(context.db, task.id)
    buttons = [InlineKeyboardButton(t("btn_resend", who.lang, n=i), callback_data=f"ev:{row['id']}")
               for i, row in enumerate(rows[:24], 1)]
    await reply(update, evidence_html(task.id, rows, who.lang, context.settings.tz),
                reply_markup=InlineKeyboardMarkup(
                    [buttons[i:i + 4] for i in range(0, len(buttons), 4)]) if rows else None)


async def resend_evidence(update: Update, context: DubanContext) -> None:
    """ev:<id>: send a kept file again, by Telegram's file id (no upload needed)."""
    query = query_of(update)
    who = caller(update, context)
    row = get_evidence(context.db, int(data_of(query).split(":")[1]))
    if row is None:
        raise DubanError("button_expired")
    task_for(context, who, row["task_id"], Action.VIEW)
    # the file goes to the chat the list is in: an old list (no longer shown to the bot) too
    chat_id = pressed_on(query).chat.id
    await query.answer()
    caption = f"{row['task_id']} · {escape(row['caption'] or row['file_name'] or '')}"[:1000]
    if row["kind"] == "photo":
        await context.bot.send_photo(chat_id, row["file_id"], caption=caption)
    else:
        await context.bot.send_document(chat_id, row["file_id"], caption=caption)

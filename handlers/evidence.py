"""Evidence outside the guided flow: a photo or document captioned #T12 (albums too), /evidence."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.directory import find_task
from bot.errors import DubanError
from bot.evidence import check_size, evidence_of, task_ref_in
from bot.i18n import t
from handlers.context import DubanContext, caller, check_may_see, refuse, reply, task_from_args
from handlers.reporting import attachment, save_evidence

ALBUM_SETTLE_SECONDS = 2.0  # an album's items arrive one by one; acknowledge once, after the last


def _size(n: int | None) -> str:
    if not n:
        return "?"
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


async def evidence_message(update: Update, context: DubanContext) -> None:
    """A photo or document with #T12 in its caption (or in its album's caption) is archived."""
    message = update.effective_message
    who = caller(update, context)
    albums: dict[str, str] = context.chat_data.setdefault("albums", {})
    ref = task_ref_in(message.caption)
    if message.media_group_id:
        ref = ref or albums.get(message.media_group_id)
        if ref:
            albums[message.media_group_id] = ref
    if ref is None:
        if message.chat.type == "private" or message.caption:
            await reply(update, t("evidence_no_task", who.lang))
        return
    item = attachment(message)
    try:
        task = find_task(context.db, ref)
        check_size(item["size"])
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    item["caption"] = message.caption
    saved, problem = await save_evidence(context, who.user_id, task["id"], [item], who.lang)
    if problem:
        await reply(update, problem)
        return
    if message.media_group_id:
        _count_album_item(context, update, message.media_group_id, task["id"], saved, who.lang)
        return
    if saved:
        await reply(update, t("evidence_saved", who.lang, task=task["id"],
                              name=item["file_name"] or t("photo", who.lang),
                              size=_size(item["size"])))
    else:
        await reply(update, t("evidence_duplicate", who.lang, task=task["id"]))


def _count_album_item(context: DubanContext, update: Update, group_id: str, task_id: str,
                      saved: int, lang: str) -> None:
    counts: dict[str, int] = context.chat_data.setdefault("album_counts", {})
    counts[group_id] = counts.get(group_id, 0) + saved
    name = f"album:{update.effective_chat.id}:{group_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(
        _album_done, ALBUM_SETTLE_SECONDS, name=name, chat_id=update.effective_chat.id,
        data={"group": group_id, "task": task_id, "lang": lang,
              "reply_to": update.effective_message.message_id})


async def _album_done(context: ContextTypes.DEFAULT_TYPE) -> None:
    data = context.job.data
    count = context.chat_data.get("album_counts", {}).pop(data["group"], 0)
    context.chat_data.get("albums", {}).pop(data["group"], None)
    key = "album_saved" if count else "evidence_duplicate"
    await context.bot.send_message(context.job.chat_id,
                                   t(key, data["lang"], count=count, task=data["task"]))


async def list_evidence(update: Update, context: DubanContext) -> None:
    """/evidence T12: the files kept for a task, with buttons to have each sent again."""
    who = caller(update, context)
    task = await task_from_args(update, context, who, "evidence")
    if task is None:
        return
    rows = evidence_of(context.db, task["id"])
    if not rows:
        await reply(update, t("evidence_none", who.lang, task=task["id"]))
        return
    lines = [t("evidence_list_header", who.lang, task=task["id"], count=len(rows))]
    for i, row in enumerate(rows, 1):
        lines.append(f"#{i} {escape(row['file_name'] or row['kind'])} · {_size(row['size'])} · "
                     f"{escape(row['user_name'] or str(row['user_id']))} · {row['at'][:10]}")
    buttons = [InlineKeyboardButton(t("btn_resend", who.lang, n=i), callback_data=f"ev:{row['id']}")
               for i, row in enumerate(rows[:24], 1)]
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(
        [buttons[i:i + 4] for i in range(0, len(buttons), 4)]))


async def resend_evidence(update: Update, context: DubanContext) -> None:
    """ev:<id>: send a kept file again, by Telegram's file id (no upload needed)."""
    query = update.callback_query
    who = caller(update, context)
    rows = list(context.db["evidence"].rows_where("id = ?", [int(query.data.split(":")[1])]))
    try:
        if not rows:
            raise DubanError("button_expired")
        check_may_see(who, context.db["tasks"].get(rows[0]["task_id"]))
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return
    row = rows[0]
    await query.answer()
    caption = f"{row['task_id']} · {escape(row['file_name'] or '')}"
    if row["kind"] == "photo":
        await context.bot.send_photo(query.message.chat_id, row["file_id"], caption=caption)
    else:
        await context.bot.send_document(query.message.chat_id, row["file_id"], caption=caption)

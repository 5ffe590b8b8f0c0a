"""A reply to one of the bot's posts about a task (a reminder, a 交办单 or 督办单, a card, an
acknowledgement) that answers no question the bot asked: read as a report on that task.

In Telegram's default privacy mode such a reply does reach the bot, so "60" under a reminder, or
"T16 已全部排查完毕，100%" under a 督办单, is how people naturally answer. A plain number is
recorded at once, like /report T16 60; anything else that carries a progress, a state or a 受阻
reason is shown back with 确认/取消 buttons first (the guided report's confirmation, so it
survives a restart); a photo or a file is evidence for the task. Anything else gets a one-line
hint.

A reply that names a task the post is not about (the weekly digest, /status, another task's
card: "T05 60") is about that task, as a reply naming one task of a 督办单 of several is about
it; as the post was not about it, it is always shown back to confirm first. A reply naming
several tasks is asked to report them one by one.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain.access import Action
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.i18n import t
from bot.language.parse import ReportInput, parse_progress_word, unreadable
from bot.language.replies import ReplyReading, named_tasks, read_reply
from bot.outputs.render.chat import size_text
from bot.services import posts, prompts
from bot.services.directory import catalogue, find_task
from bot.services.evidence import check_size
from handlers import report_flow
from handlers.context import Caller, DubanContext, caller, message_of, reply, update_key
from handlers.reporting import attachment, save_evidence, task_for


def replies_to_bot(update: Update, context: DubanContext) -> bool:
    replied = message_of(update).reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


def _pick(context: DubanContext, who: Caller, tasks: tuple[str, ...],
          reading: ReplyReading) -> str | None:
    """The task the reply is about: the one it names (among the post's), else the post's only
    task, else the caller's department's only task among them."""
    if reading.task_number is not None:
        named = [t_ for t_ in tasks if int(t_[1:]) == int(reading.task_number)]
        return named[0] if named else None
    if len(tasks) == 1:
        return tasks[0]
    if who.coordinator:
        return None
    owners = {task.id: task.dept for task in catalogue(context.db).tasks}
    mine = [t_ for t_ in tasks if owners.get(t_) == who.dept]
    return mine[0] if len(mine) == 1 else None


def _task_id(context: DubanContext, number: str) -> str:
    """The id of the task numbered `number` ('5' -> 'T05'), or 'T<number>' if there is none."""
    try:
        return find_task(context.db, number).id
    except DubanError:
        return f"T{number}"


def _report(task: Task, reading: ReplyReading) -> dict[str, Any]:
    """What would be recorded, as the guided report keeps it; a refusal when it cannot be."""
    percent, value, state, ambiguous = reading.percent, None, reading.state, False
    if reading.number is not None:
        parsed = parse_progress_word(task, reading.number)
        if parsed is None:
            raise unreadable(task, reading.number)
        percent = parsed.percent if parsed.percent is not None else percent
        value, state = parsed.value, parsed.state or state
        ambiguous = parsed.ambiguous
    if percent is not None and not 0 <= percent <= 100:
        raise DubanError("percent_range", percent=percent)
    if state == "blocked" and not reading.note:
        raise DubanError("blocked_needs_note")
    return {"task": task.id, "percent": percent, "state": state, "value": value,
            "note": reading.note, "evidence": [], "ambiguous": ambiguous}


async def reply_to_post(update: Update, context: DubanContext) -> None:
    message = message_of(update)
    who = caller(update, context)
    replied = message.reply_to_message
    post = posts.get(context.db, message.chat_id, replied.message_id) if replied else None
    tasks = post.tasks if post else ()
    text = message.text or message.caption or ""
    reading = read_reply(text)
    task_id = _pick(context, who, tasks, reading)
    about_post = task_id is not None
    if task_id is None and reading.task_number is not None:
        # a task the post is not about (the weekly digest, /status, another task's card): the
        # one it names, if only one, shown back to confirm; never recorded unasked
        named = named_tasks(text)
        if len(named) > 1:
            ids = [_task_id(context, n) for n in named]
            await reply(update, t("reply_hint_several", who.lang, tasks=t(
                "list_sep", who.lang, html=False).join(ids), first=ids[0]))
            return
        task_id = task_for(context, who, f"T{reading.task_number}", Action.REPORT).id
    if task_id is None:
        await reply(update, t("reply_hint_which", who.lang,
                              tasks=t("list_sep", who.lang, html=False).join(tasks),
                              first=tasks[0]) if tasks else t("reply_hint_no_task", who.lang))
        return
    task = task_for(context, who, task_id, Action.REPORT)
    item = attachment(message)
    if item is not None:
        check_size(item["size"])
    if not reading.is_report:
        if item is None:
            await reply(update, t("reply_hint", who.lang, task=task_id))
            return
        saved, problem = await save_evidence(context, who.user_id, task_id, [item], who.lang,
                                             who=who.actor)
        await reply(update, problem or t("evidence_saved" if saved else "evidence_duplicate",
                                         who.lang, task=task_id, size=size_text(item["size"]),
                                         name=item["file_name"] or t("photo", who.lang)))
        return
    data = _report(task, reading)
    # a reply to a post about one occurrence (its acknowledgement, its reminder, its card)
    # reports on that occurrence; otherwise the core picks, or asks when several are open
    period = posts.occurrence_named(context.db, post, task_id) if post and about_post else None
    if reading.plain and item is None and about_post:  # "60" under a reminder: as /report T16 60 (which asks
        # "60 of them or 60%?" on a counted target, and which period when several are open)
        words = ReportInput(data["percent"], data["state"], data["value"],
                            ambiguous=data.pop("ambiguous"))
        await report_flow.record_or_ask(update, context, who, task, words, update_key(update),
                                        [], period)
        return
    data.pop("ambiguous")
    if item is not None:
        data["evidence"] = [item]
    if period is not None:
        data["period"] = period
    prompt = prompts.open_prompt(context.db, chat_id=message.chat_id, user_id=who.user_id,
                                 kind=report_flow.KIND, step="confirm", data=data,
                                 now=context.now())
    await report_flow.ask_to_confirm(message, context, who, prompt, task)

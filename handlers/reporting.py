"""Reporting outside the guided flow: /tasks with its buttons, /undo, /history, and the shared
evidence download used by the flow and by captioned files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.domain.access import Action, Actor, Permit, permit
from bot.domain.facts import DeptFacts, Facts, TaskFacts
from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.i18n import t, task_named
from bot.outputs.render.chat import history_html, tasks_html
from bot.services import posts
from bot.services.commands import task_history, undo_last
from bot.services.directory import dept_names, find_department, find_task
from bot.services.evidence import admit, archive, record_evidence
from bot.services.facts import facts_now
from handlers.context import Caller, DubanContext, MissingPart, args_text, caller, reply, usage

log = logging.getLogger(__name__)


def task_buttons(views: Sequence[TaskFacts], prefix: str, per_row: int = 4
                 ) -> InlineKeyboardMarkup:
    """One button per task, marked with its status, four to a row."""
    buttons = [InlineKeyboardButton(f"{v.status.mark} {v.task.id}",
                                    callback_data=f"{prefix}{v.task.id}") for v in views]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def own_tasks(context: DubanContext, dept: str | None) -> DeptFacts:
    """The department's tasks; a caller with no department (dept None) is asked to name one."""
    return dept_facts(facts_now(context.db, context.now()), dept)


def dept_facts(facts: Facts, dept: str | None) -> DeptFacts:
    """A department's facts, or a DubanError asking for a department (none, or none known)."""
    found = facts.department(dept) if dept else None
    if found is None:
        raise DubanError("dept_required")
    return found


def task_for(context: DubanContext, who: Caller, ref: str, action: Action) -> Task:
    """The task `ref` names, if the caller may do `action` on it; else a DubanError saying why."""
    task = find_task(context.db, ref, include_archived=action is Action.VIEW)
    who.permits[(action, task.id)] = permit(who.actor, action, task,
                                            lambda: dept_names(context.db))
    return task


def task_from_args(update: Update, context: DubanContext, command: str,
                   action: Action = Action.VIEW) -> tuple[Caller, Task | None]:
    """(caller, the task named after a command like '/history T12'), or None when none is named."""
    who = caller(update, context)
    ref = args_text(context).split(maxsplit=1)
    if not ref:
        return who, None
    return who, task_for(context, who, ref[0], action)


async def list_tasks(update: Update, context: DubanContext) -> None:
    """/tasks [DEPT]: a department's tasks with marks and report buttons."""
    who = caller(update, context)
    text = args_text(context)
    if who.coordinator and not text:
        await reply(update, t("tasks_for_coordinator", who.lang))
        return
    code = find_department(context.db, text)["code"] if text and who.coordinator else who.dept
    dept = own_tasks(context, code)
    await reply(update, tasks_html(dept, who.lang),
                reply_markup=task_buttons(dept.tasks, "rf:task:"))


def attachment(message: Message) -> dict[str, Any] | None:
    if message.photo:
        photo = message.photo[-1]
        return {"file_id": photo.file_id, "file_unique_id": photo.file_unique_id,
                "kind": "photo", "file_name": None, "size": photo.file_size,
                "caption": message.caption}
    if message.document:
        doc = message.document
        return {"file_id": doc.file_id, "file_unique_id": doc.file_unique_id,
                "kind": "document", "file_name": doc.file_name, "size": doc.file_size,
                "caption": message.caption}
    return None


def attached(message: Message) -> dict[str, Any]:
    """The file of a message its handler was registered for (a photo or a document)."""
    item = attachment(message)
    if item is None:
        raise MissingPart(f"message {message.message_id}", "photo or document")
    return item


DOWNLOAD_TRIES = 3  # a transfer cut short is fetched again this many times in all


async def download(context: DubanContext, item: dict[str, Any]) -> tuple[bytes, int | None]:
    """The file's bytes and the size Telegram gives for it; a download shorter or longer than
    that size is fetched again, then refused (DubanError file_incomplete)."""
    for attempt in range(DOWNLOAD_TRIES):
        file = await context.bot.get_file(item["file_id"])
        expected = file.file_size or item.get("size")
        data = bytes(await file.download_as_bytearray())
        if not expected or len(data) == expected or attempt == DOWNLOAD_TRIES - 1:
            return data, expected
        log.warning("download of %s cut short (%d of %d bytes); fetching it again",
                    item["file_unique_id"], len(data), expected)
    raise AssertionError("unreachable")


async def save_evidence(context: DubanContext, user_id: int, task_id: str,
                        items: list[dict[str, Any]], lang: str, report_id: int | None = None,
                        who: Actor | Permit | None = None) -> tuple[int, str]:
    """Download and archive each file; returns (how many saved, a message about any failure)."""
    saved = 0
    problems = []
    for item in items:
        try:
            task, existing = admit(context.db, user_id=user_id, task_ref=task_id,
                                   file_unique_id=item["file_unique_id"], who=who)
            if existing:
                continue
            data, expected = await download(context, item)
            # Hashing and writing a file of up to 20 MB would stall every chat: do it aside.
            archived = await asyncio.to_thread(archive, context.settings.evidence_dir,
                                               task.id, item["file_unique_id"], data,
                                               item.get("file_name"), expected)
            stored = record_evidence(
                context.db, archived, task_id=task.id, user_id=user_id,
                file_id=item["file_id"], file_unique_id=item["file_unique_id"],
                kind=item["kind"], now=context.now(), file_name=item.get("file_name"),
                caption=item.get("caption"), report_id=report_id)
            saved += not stored.duplicate
        except DubanError as err:
            problems.append(t(err.key, lang, **err.params))
        except TelegramError:
            log.exception("could not download evidence %s", item["file_unique_id"])
            problems.append(t("error", lang))
    return saved, "\n".join(problems)


async def undo(update: Update, context: DubanContext) -> None:
    """/undo: take back the caller's last report within 30 minutes."""
    who = caller(update, context)
    row = undo_last(context.db, user_id=who.user_id, now=context.now())
    await reply(update, t("undo_ok", who.lang, task=task_named(row["task_id"], row["period"]),
                          percent=row["percent"]))
    for card in posts.cards(context.db, posts.REVIEW, ref=row["id"]):  # a claim taken back
        try:
            await context.bot.edit_message_reply_markup(card.chat_id, card.message_id,
                                                        reply_markup=None)
        except TelegramError:
            log.info("could not take the buttons off review card %s", card.message_id)


async def history(update: Update, context: DubanContext) -> None:
    """/history T12."""
    who, task = task_from_args(update, context, "history")
    if task is None:
        await reply(update, usage(who.lang, "history"))
        return
    rows = task_history(context.db, task.id, limit=30)
    sent = await reply(update, history_html(task, rows, who.lang, context.settings.tz))
    if sent is not None:  # a reply to it reports on the task
        posts.remember(context.db, chat_id=sent.chat_id, message_id=sent.message_id,
                       kind=posts.TASK, tasks=[task.id], now=context.now())

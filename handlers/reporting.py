"""Reporting outside the guided flow: /tasks with its buttons, /undo, /history, and the shared
evidence download used by the flow and by captioned files."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.directory import find_department
from bot.errors import DubanError
from bot.evidence import admit, archive, record_evidence
from bot.i18n import t
from bot.progress import DeptSummary, TaskView, plan_summary, undo_last
from bot.replies import history_lines, task_line
from handlers.context import DubanContext, args_text, caller, refuse, reply, task_from_args

log = logging.getLogger(__name__)


def force_reply() -> ForceReply:
    # selective: in a group only the person being asked gets the reply field.
    return ForceReply(selective=True)


def task_buttons(views: list[TaskView], prefix: str, per_row: int = 4) -> InlineKeyboardMarkup:
    """One button per task, marked with its status, four to a row."""
    buttons = [InlineKeyboardButton(f"{v.status.mark} {v.task['id']}",
                                    callback_data=f"{prefix}{v.task['id']}") for v in views]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def own_tasks(context: DubanContext, dept: str) -> DeptSummary:
    summary = plan_summary(context.db, context.now(), dept=dept)
    return summary.departments[0]


async def list_tasks(update: Update, context: DubanContext) -> None:
    """/tasks [DEPT]: a department's tasks with marks and report buttons."""
    who = caller(update, context)
    text = args_text(context)
    try:
        if text and who.coordinator:
            code = find_department(context.db, text)["code"]
        elif who.coordinator:
            await reply(update, t("tasks_for_coordinator", who.lang))
            return
        elif who.dept:
            code = who.dept
        else:
            raise DubanError("not_member")
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    dept = own_tasks(context, code)
    name = dept.dept["short"] if who.lang == "zh" else dept.dept["name_en"]
    lines = [t("tasks_header", who.lang, dept=name, count=len(dept.tasks)),
             *(task_line(v, who.lang) for v in dept.tasks)]
    await reply(update, "\n".join(lines), reply_markup=task_buttons(dept.tasks, "rf:task:"))


def attachment(message: Message) -> dict[str, Any] | None:
    if message.photo:
        photo = message.photo[-1]
        return {"file_id": photo.file_id, "file_unique_id": photo.file_unique_id,
                "kind": "photo", "file_name": None, "size": photo.file_size}
    if message.document:
        doc = message.document
        return {"file_id": doc.file_id, "file_unique_id": doc.file_unique_id,
                "kind": "document", "file_name": doc.file_name, "size": doc.file_size}
    return None


async def save_evidence(context: DubanContext, user_id: int, task_id: str,
                        items: list[dict[str, Any]], lang: str, report_id: int | None = None
                        ) -> tuple[int, str]:
    """Download and archive each file; returns (how many saved, a message about any failure)."""
    saved = 0
    problems = []
    for item in items:
        try:
            task, existing = admit(context.db, user_id=user_id, task_ref=task_id,
                                   file_unique_id=item["file_unique_id"])
            if existing:
                continue
            file = await context.bot.get_file(item["file_id"])
            data = bytes(await file.download_as_bytearray())
            # Hashing and writing a file of up to 20 MB would stall every chat: do it aside.
            archived = await asyncio.to_thread(archive, context.settings.evidence_dir,
                                               task["id"], item["file_unique_id"], data,
                                               item.get("file_name"))
            record_evidence(context.db, archived, task_id=task["id"], user_id=user_id,
                            file_id=item["file_id"], file_unique_id=item["file_unique_id"],
                            kind=item["kind"], now=context.now(),
                            file_name=item.get("file_name"), caption=item.get("caption"),
                            report_id=report_id)
            saved += 1
        except DubanError as err:
            problems.append(t(err.key, lang, **err.params))
        except TelegramError:
            log.exception("could not download evidence %s", item["file_unique_id"])
            problems.append(t("error", lang))
    return saved, "\n".join(problems)


async def undo(update: Update, context: DubanContext) -> None:
    """/undo: take back the caller's last report within 30 minutes."""
    who = caller(update, context)
    try:
        if not who.active:
            raise DubanError("not_member")
        row = undo_last(context.db, user_id=who.user_id, now=context.now())
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    await reply(update, t("undo_ok", who.lang, task=row["task_id"], percent=row["percent"]))


async def history(update: Update, context: DubanContext) -> None:
    """/history T12."""
    who = caller(update, context)
    task = await task_from_args(update, context, who, "history")
    if task is None:
        return
    lines = history_lines(context.db, task["id"], who.lang, context.settings.tz, limit=30)
    if not lines:
        await reply(update, t("history_none", who.lang, task=task["id"]))
        return
    await reply(update, "\n".join([t("history_header", who.lang, task=task["id"]), *lines]))

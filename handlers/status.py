"""Looking: /status for the coordinator (or a liaison's own department), /due."""

from __future__ import annotations

import re

from telegram import Update

from bot.directory import find_department, find_departments, normalise_task_ref
from bot.errors import DubanError
from bot.i18n import t
from bot.progress import plan_summary, task_view
from bot.replies import department_html, due_html, status_html, task_html
from handlers.context import DubanContext, args_text, caller, check_may_see, refuse, reply

DEFAULT_DUE_DAYS = 14


async def show_status(update: Update, context: DubanContext) -> None:
    """/status, /status 卫健委, /status T12."""
    who = caller(update, context)
    text = args_text(context)
    now = context.now()
    try:
        if not who.active:
            raise DubanError("not_member")
        if text and normalise_task_ref(text) and not find_departments(context.db, text):
            view = task_view(context.db, text, now)
            check_may_see(who, view.task)
            await reply(update, task_html(context.db, view, who.lang, context.settings.tz))
            return
        if not text and who.coordinator:
            await reply(update, status_html(context.db, plan_summary(context.db, now), who.lang))
            return
        code = find_department(context.db, text)["code"] if text else who.dept
        if not who.coordinator and code != who.dept:
            raise DubanError("liaison_own_dept_only", dept=who.dept)
        summary = plan_summary(context.db, now, dept=code)
        await reply(update, department_html(summary.departments[0], who.lang))
    except DubanError as err:
        await refuse(update, who.lang, err)


async def show_due(update: Update, context: DubanContext) -> None:
    """/due [days]: what falls due soon, for the caller's department or (coordinator) for all."""
    who = caller(update, context)
    raw = args_text(context)
    if raw and not (re.fullmatch(r"[0-9]{1,3}", raw) and 0 < int(raw) <= 366):
        await reply(update, t("due_usage", who.lang))
        return
    if not who.active:
        await refuse(update, who.lang, DubanError("not_member"))
        return
    days = int(raw) if raw else DEFAULT_DUE_DAYS
    summary = plan_summary(context.db, context.now(),
                           dept=None if who.coordinator else who.dept)
    depts = {d.dept["code"]: d.dept for d in summary.departments}
    await reply(update, due_html(summary.tasks, context.now(), days, who.lang, depts))

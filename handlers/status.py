"""Looking: /status for the coordinator (or a liaison's own department), /due."""

from __future__ import annotations

import re
import weakref

from telegram import Update

from bot.domain.access import Action, check_department
from bot.domain.facts import Facts
from bot.language.i18n import t
from bot.outputs.render.chat import department_html, due_html, queues_html, status_html, task_html
from bot.services import Database, posts
from bot.services.commands import task_history
from bot.services.directory import (
    department,
    dept_names,
    find_department,
    find_departments,
    member_names,
    normalise_task_ref,
    plan_info,
)
from bot.services.facts import facts_now, task_facts_now
from handlers.context import DubanContext, args_text, caller, join_link, reply
from handlers.reporting import dept_facts, task_for
from handlers.review import remember_task_post

DEFAULT_DUE_DAYS = 14


async def show_status(update: Update, context: DubanContext) -> None:
    """/status, /status 卫健委, /status T12."""
    who = caller(update, context)
    text = args_text(context)
    now = context.now()
    db = context.db
    if text and normalise_task_ref(text) and not find_departments(db, text):
        task = task_for(context, who, text, Action.VIEW)
        view = task_facts_now(db, task, now)
        sent = await reply(update, task_html(view, department(db, task.dept),
                                             task_history(db, task.id, limit=10), who.lang,
                                             context.settings.tz, member_names(db)))
        remember_task_post(context, sent, posts.TASK, task.id)
        return
    if not text and who.coordinator:
        await reply(update, _plan_status(context, who.lang))
        return
    code = find_department(db, text)["code"] if text else who.dept
    check_department(who.actor, code, dept_names(db))
    await reply(update, department_html(dept_facts(facts_now(db, now), code), who.lang))


# The plan's /status as last rendered, per database and language: the kept facts are the same
# object until something changes (bot.services.facts), so a coordinator asking again reads the
# text already made rather than rendering a hundred units' lines and queues anew.
_rendered: weakref.WeakKeyDictionary[Database, dict[str, tuple[Facts, dict[str, str], str]]] = (
    weakref.WeakKeyDictionary())


def _plan_status(context: DubanContext, lang: str) -> str:
    db = context.db
    facts, info = facts_now(db, context.now()), plan_info(db)
    kept = _rendered.setdefault(db, {})
    found = kept.get(lang)
    if found is not None and found[0] is facts and found[1] == info:
        return found[2]
    waiting = queues_html(facts.queues, dept_names(db), lang, context.settings.tz,
                          join_link(context.bot))
    html = status_html(info, facts, lang, waiting)
    kept[lang] = (facts, dict(info), html)
    return html


async def show_due(update: Update, context: DubanContext) -> None:
    """/due [days]: what falls due soon, for the caller's department or (coordinator) for all."""
    who = caller(update, context)
    raw = args_text(context)
    if raw and not (re.fullmatch(r"[0-9]{1,3}", raw) and 0 < int(raw) <= 366):
        await reply(update, t("due_usage", who.lang))
        return
    days = int(raw) if raw else DEFAULT_DUE_DAYS
    facts = facts_now(context.db, context.now())
    shown = facts.tasks if who.coordinator else dept_facts(facts, who.dept).tasks
    depts = {d.dept["code"]: d.dept for d in facts.departments}
    await reply(update, due_html(list(shown), context.now(), days, who.lang, depts))

"""Who is who: /start, /help, /join with the coordinator's approval, /whoami, /members, /leave, /lang."""

from __future__ import annotations

import logging
import re
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.directory import (
    decide_join,
    members,
    remove_member,
    request_join,
    set_language,
)
from bot.errors import DubanError
from bot.i18n import LANGS, t
from bot.replies import mention
from handlers.commands import help_text
from handlers.context import DubanContext, args_text, caller, refuse, reply, shown_html

log = logging.getLogger(__name__)


def dept_label(context: DubanContext, code: str | None, lang: str) -> str:
    if not code:
        return "—"
    dept = context.db["departments"].get(code)
    return dept["short"] if lang == "zh" else dept["name_en"]


async def show_start(update: Update, context: DubanContext) -> None:
    """/start: greet and explain how to join."""
    await reply(update, t("start", caller(update, context).lang))


async def show_help(update: Update, context: DubanContext) -> None:
    """/help: the commands in the caller's language."""
    who = caller(update, context)
    await reply(update, help_text(who.lang, who.coordinator))


async def join_department(update: Update, context: DubanContext) -> None:
    """/join DEPT: ask to become a liaison; the coordinator gets approve/refuse buttons."""
    who = caller(update, context)
    user = update.effective_user
    try:
        member = request_join(context.db, user_id=who.user_id, dept_text=args_text(context),
                              now=context.now(), name=user.full_name, username=user.username)
    except DubanError as err:
        await refuse(update, who.lang, err)
        return
    dept = dept_label(context, member["dept"], who.lang)
    await reply(update, t("join_requested", who.lang, dept=dept))
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("btn_approve", "zh"), callback_data=f"join:approve:{who.user_id}"),
        InlineKeyboardButton(t("btn_refuse", "zh"), callback_data=f"join:refuse:{who.user_id}"),
    ]])
    text = t("join_review", "zh", user=user.full_name,
             dept=dept_label(context, member["dept"], "zh"), user_id=who.user_id)
    target = context.group_id or update.effective_chat.id
    await context.bot.send_message(target, text, reply_markup=buttons)


async def _decide(update: Update, context: DubanContext, user_id: int, approve: bool) -> str:
    who = caller(update, context)
    member = decide_join(context.db, user_id=user_id, approve=approve, now=context.now(),
                         actor=who.user_id)
    key = "join_approved" if approve else "join_refused"
    dept_zh = dept_label(context, member["dept"], "zh")
    outcome = t(key, "zh", user=mention(user_id, member["name"]), dept=dept_zh)
    try:  # a private word too, if the applicant has ever started the bot
        await context.bot.send_message(user_id, t(key, member.get("lang") or "zh",
                                                  user=member["name"] or str(user_id),
                                                  dept=dept_zh))
    except TelegramError:
        log.info("could not message applicant %s privately", user_id)
    return outcome


async def decide_join_button(update: Update, context: DubanContext) -> None:
    """join:approve:<uid> / join:refuse:<uid> buttons, for coordinators only."""
    query = update.callback_query
    who = caller(update, context)
    if not who.coordinator:
        await query.answer(t("coordinator_only", who.lang), show_alert=True)
        return
    _, verb, raw_id = query.data.split(":")
    try:
        outcome = await _decide(update, context, int(raw_id), verb == "approve")
    except DubanError as err:
        await query.answer(t(err.key, who.lang, **err.params), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        f"{shown_html(query.message)}\n\n{outcome} {t('decided_by', 'zh', user=who.name)}")


async def decide_join_command(update: Update, context: DubanContext) -> None:
    """/approve USER_ID and /refuse USER_ID for clients that show no buttons."""
    who = caller(update, context)
    if not who.coordinator:
        await refuse(update, who.lang, DubanError("coordinator_only"))
        return
    approve = update.effective_message.text.lstrip("/").lower().startswith("approve")
    raw = args_text(context)
    if not re.fullmatch(r"[0-9]{1,15}", raw):
        await reply(update, t("no_pending_request", who.lang, user_id=raw or "?"))
        return
    try:
        await reply(update, await _decide(update, context, int(raw), approve))
    except DubanError as err:
        await refuse(update, who.lang, err)


async def show_whoami(update: Update, context: DubanContext) -> None:
    """/whoami: id, department, role and status as the bot sees them."""
    who = caller(update, context)
    member = who.member or {}
    status = member.get("status") or "visitor"
    await reply(update, t("whoami", who.lang, user_id=who.user_id, name=who.name,
                          dept=dept_label(context, member.get("dept"), who.lang),
                          role=t(f"role_{member.get('role') or 'liaison'}", who.lang)
                          if status != "visitor" else "—",
                          status=t(f"member_status_{status}", who.lang)))


async def list_members(update: Update, context: DubanContext) -> None:
    """/members: every member and applicant, for the coordinator."""
    who = caller(update, context)
    if not who.coordinator:
        await refuse(update, who.lang, DubanError("coordinator_only"))
        return
    rows = members(context.db)
    lines = [t("members_header", who.lang, count=len(rows))]
    for m in rows:
        dept = m["dept_short"] if who.lang == "zh" else m["dept_en"]
        lines.append(f"• {mention(m['user_id'], m['name'])} · {escape(dept or '—')} · "
                     f"{t('role_' + m['role'], who.lang)} · "
                     f"{t('member_status_' + m['status'], who.lang)} · <code>{m['user_id']}</code>")
    await reply(update, "\n".join(lines))


async def leave(update: Update, context: DubanContext) -> None:
    """/leave: a liaison steps down; their reports stay."""
    who = caller(update, context)
    if who.user_id in context.settings.coordinator_ids:
        await reply(update, t("cannot_leave_coordinator", who.lang))
        return
    try:
        member = remove_member(context.db, user_id=who.user_id, now=context.now(),
                               actor=who.user_id)
    except DubanError:
        await refuse(update, who.lang, DubanError("not_member"))
        return
    await reply(update, t("left", who.lang, dept=dept_label(context, member["dept"], who.lang)))


async def choose_language(update: Update, context: DubanContext) -> None:
    """/lang zh|en."""
    who = caller(update, context)
    choice = args_text(context).lower()[:2]
    if choice not in LANGS:
        await reply(update, t("lang_usage", who.lang))
        return
    set_language(context.db, user_id=who.user_id, lang=choice, now=context.now())
    await reply(update, t("lang_set", choice))

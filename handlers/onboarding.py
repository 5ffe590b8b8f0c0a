"""Who is who: /start, /join with the coordinator's approval, /whoami, /members, /leave, /lang."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.errors import DubanError
from bot.language.i18n import DEFAULT_LANG, LANGS, t
from bot.outputs.render.chat import inert_name, members_html, mention
from bot.services.directory import (
    decide_join,
    dept_names,
    members,
    remove_member,
    request_join,
    set_language,
)
from bot.store import outbox
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    origin_of,
    reply,
    shown_html,
    update_key,
)


async def show_start(update: Update, context: DubanContext) -> None:
    """/start: greet and explain how to join."""
    await reply(update, t("start", caller(update, context).lang))


async def join_department(update: Update, context: DubanContext) -> None:
    """/join DEPT: ask to become a liaison; the coordinator gets approve/refuse buttons. A name
    that matches no department is answered with the closest ones as buttons."""
    try:
        await _join(update, context, args_text(context))
    except DubanError as err:
        codes = err.params.get("suggestions") if err.key == "dept_unknown" else None
        if not codes:
            raise
        who = caller(update, context)
        names = dept_names(context.db)
        await reply(update, t(err.key, who.lang, **err.params), reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(names[c].get(who.lang) or names[c]["zh"],
                                   callback_data=f"jn:{who.user_id}:{c}") for c in codes]]))


async def join_suggested(update: Update, context: DubanContext) -> None:
    """jn:<uid>:<DEPT>: the applicant picks one of the suggested departments."""
    query = update.callback_query
    _, uid, code = query.data.split(":")
    if int(uid) != update.effective_user.id:
        raise DubanError("not_your_button")
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _join(update, context, code)


async def _join(update: Update, context: DubanContext, dept_text: str) -> None:
    who = caller(update, context)
    user = update.effective_user
    member = request_join(context.db, user_id=who.user_id, dept_text=dept_text,
                          now=context.now(), name=user.full_name, username=user.username)
    names = dept_names(context.db)
    await reply(update, t("join_requested", who.lang, dept=names[member["dept"]]))
    buttons = [[
        [t("btn_approve", DEFAULT_LANG), f"join:approve:{who.user_id}:{member['dept']}"],
        [t("btn_refuse", DEFAULT_LANG), f"join:refuse:{who.user_id}:{member['dept']}"],
    ]]
    text = t("join_review", DEFAULT_LANG, user=inert_name(user.full_name),
             dept=names[member["dept"]], user_id=who.user_id)
    # The card goes through the outbox (handlers/sender.py): retried, swept if it fails, and
    # not posted once the application was decided or changed.
    key = f"join:{update_key(update)}"
    outbox.enqueue(context.db, key=key, kind="message", chat_id=None, now=context.now(),
                   payload={"text": text, "buttons": buttons, **origin_of(update),
                            "join": {"user": who.user_id, "dept": member["dept"]}})
    context.bot_data.sender.kick(key)


async def _decide(update: Update, context: DubanContext, user_id: int, approve: bool,
                  dept: str | None = None) -> str:
    who = caller(update, context)
    member = decide_join(context.db, user_id=user_id, approve=approve, now=context.now(),
                         actor=who.user_id, expected_dept=dept)
    key = "join_approved" if approve else "join_refused"
    dept = dept_names(context.db)[member["dept"]]
    outcome = t(key, DEFAULT_LANG, user=mention(user_id, member["name"]), dept=dept)
    # A private word too, through the outbox; Telegram refuses it (403) to someone who never
    # started the bot, and it is then given up.
    private = f"decision:{update_key(update)}"
    outbox.enqueue(context.db, key=private, kind="message", chat_id=user_id, now=context.now(),
                   payload={"text": t(key, member.get("lang") or DEFAULT_LANG,
                                      user=member["name"] or str(user_id), dept=dept)})
    context.bot_data.sender.kick(private)
    return outcome


async def decide_join_button(update: Update, context: DubanContext) -> None:
    """join:approve:<uid>:<DEPT> / join:refuse:<uid>:<DEPT> buttons, for coordinators only; a
    card whose department is no longer the application's is refused (a newer card was posted)."""
    query = update.callback_query
    who = caller(update, context)
    _, verb, raw_id, dept = query.data.split(":")
    outcome = await _decide(update, context, int(raw_id), verb == "approve", dept)
    await query.answer()
    await query.edit_message_text(
        f"{shown_html(query.message)}\n\n{outcome} {t('decided_by', DEFAULT_LANG, user=inert_name(who.name))}")


async def decide_join_command(update: Update, context: DubanContext) -> None:
    """/approve USER_ID and /refuse USER_ID for clients that show no buttons."""
    who = caller(update, context)
    approve = update.effective_message.text.lstrip("/").lower().startswith("approve")
    raw = args_text(context)
    if not re.fullmatch(r"[0-9]{1,15}", raw):
        await reply(update, t("approve_usage", who.lang))
        return
    await reply(update, await _decide(update, context, int(raw), approve))


async def show_whoami(update: Update, context: DubanContext) -> None:
    """/whoami: id, department, role and status as the bot sees them."""
    who = caller(update, context)
    # Someone removed (left, or taken off COORDINATOR_IDS) is told what a stranger is told.
    member = who.member if who.member and who.member["status"] != "removed" else {}
    status = member.get("status") or "visitor"
    dept = dept_names(context.db).get(member.get("dept"), "—")
    role = (t(f"role_{member.get('role') or 'liaison'}", who.lang)
            if status not in ("visitor",) else "—")
    await reply(update, t("whoami", who.lang, user_id=who.user_id, name=who.name, dept=dept,
                          role=role, status=t(f"member_status_{status}", who.lang)))


async def list_members(update: Update, context: DubanContext) -> None:
    """/members: every member and applicant, for the coordinator."""
    who = caller(update, context)
    await reply(update, members_html(members(context.db), who.lang))


async def leave(update: Update, context: DubanContext) -> None:
    """/leave: a liaison steps down; their reports stay."""
    who = caller(update, context)
    if who.user_id in context.settings.coordinator_ids:
        await reply(update, t("cannot_leave_coordinator", who.lang))
        return
    member = remove_member(context.db, user_id=who.user_id, now=context.now(), actor=who.user_id)
    await reply(update, t("left", who.lang, dept=dept_names(context.db).get(member["dept"], "—")))


async def choose_language(update: Update, context: DubanContext) -> None:
    """/lang zh|en."""
    who = caller(update, context)
    choice = args_text(context).lower()[:2]
    if choice not in LANGS:
        await reply(update, t("lang_usage", who.lang))
        return
    kept = set_language(context.db, user_id=who.user_id, lang=choice, now=context.now())
    await reply(update, t("lang_set" if kept else "lang_set_visitor", choice))

"""Who is who: /start, /join with the coordinator's approval, /whoami, /members, /leave, /lang."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Update

from bot.errors import DubanError
from bot.language.i18n import DEFAULT_LANG, LANGS, lang_of, t
from bot.outputs.render.chat import inert_name, members_html, mention
from bot.services import outbox, posts, prompts
from bot.services.directory import (
    decide_join,
    dept_names,
    liaisons_of,
    members,
    pending_application,
    refusals,
    remove_member,
    request_join,
    set_language,
)
from handlers.context import (
    DubanContext,
    args_text,
    caller,
    chat_of,
    command_line,
    data_of,
    force_reply,
    forget_caller,
    free_text,
    message_of,
    origin_of,
    post_after,
    pressed_on,
    query_of,
    reply,
    shown_html,
    tell_privately,
    update_key,
    user_of,
)
from handlers.supervision import drop_buttons

JOIN_REFUSE_PROMPT = "join_refuse_reason"


def command_of_message(update: Update) -> str | None:
    line = command_line(update)
    return line.name if line else None


async def show_start(update: Update, context: DubanContext) -> None:
    """/start: greet and explain how to join. /start join_CODE (the link /status and the digest
    offer for a department without a liaison) applies for that department at once."""
    payload = args_text(context)
    if payload.lower().startswith("join_") and len(payload) > 5:
        await join_department_text(update, context, payload[5:])
        return
    await reply(update, t("start", caller(update, context).lang))


async def join_department(update: Update, context: DubanContext) -> None:
    """/join DEPT: ask to become a liaison; the coordinator gets approve/refuse buttons. A name
    that matches no department is answered with the closest ones as buttons."""
    await join_department_text(update, context, args_text(context))


async def join_department_text(update: Update, context: DubanContext, text: str) -> None:
    try:
        await _join(update, context, text)
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
    query = query_of(update)
    _, uid, code = data_of(query).split(":")
    if int(uid) != query.from_user.id:
        raise DubanError("not_your_button")
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _join(update, context, code)


async def _join(update: Update, context: DubanContext, dept_text: str) -> None:
    who = caller(update, context)
    user = user_of(update)
    member = request_join(context.db, user_id=who.user_id, dept_text=dept_text,
                          now=context.now(), name=user.full_name, username=user.username,
                          lang=lang_of(user.language_code))
    forget_caller(update, context)  # an applicant now
    names = dept_names(context.db)
    await reply(update, t("join_requested", who.lang, dept=names[member["dept"]]))
    buttons = [[
        [t("btn_approve", DEFAULT_LANG), f"join:approve:{who.user_id}:{member['dept']}"],
        [t("btn_refuse", DEFAULT_LANG), f"join:refuse:{who.user_id}:{member['dept']}"],
    ]]
    text = t("join_review", DEFAULT_LANG, user=inert_name(user.full_name),
             dept=names[member["dept"]], user_id=who.user_id)
    earlier = refusals(context.db, who.user_id)
    if earlier:  # the coordinator sees what was decided before
        text += "\n" + t("join_refused_before", DEFAULT_LANG, count=len(earlier))
        text += "".join("\n" + t("join_refusal_line", DEFAULT_LANG,
                                  at=_local_day(r["at"], context), reason=r["reason"] or "—",
                                  dept=names.get(r["dept"], "—")) for r in earlier[-3:])
    # The card goes through the outbox (handlers/sender.py): retried, swept if it fails, and
    # not posted once the application was decided or changed.
    key = f"join:{update_key(update)}"
    outbox.enqueue(context.db, key=key, kind="message", chat_id=None, now=context.now(),
                   payload={"text": text, "buttons": buttons, **origin_of(update),
                            "join": {"user": who.user_id, "dept": member["dept"]},
                            "post": {"kind": posts.JOIN, "ref": who.user_id}})
    context.bot_data.sender.kick(key)


def _local_day(stamp: str, context: DubanContext) -> str:
    return f"{datetime.fromisoformat(stamp).astimezone(context.settings.tz):%Y-%m-%d}"


def _card(context: DubanContext, user_id: int) -> posts.Post | None:
    """The newest card of a person's application."""
    cards = posts.cards(context.db, posts.JOIN, ref=user_id)
    return cards[-1] if cards else None


async def _decide(update: Update, context: DubanContext, user_id: int, approve: bool,
                  dept: str | None = None, reason: str = "") -> tuple[str, dict, bool]:
    """Record the decision; tell the applicant privately in their language. Returns the outcome
    for the group (with a mention), the member and whether the private word got through."""
    who = caller(update, context)
    member = decide_join(context.db, user_id=user_id, approve=approve, now=context.now(),
                         actor=who.user_id, expected_dept=dept, reason=reason)
    key = "join_approved" if approve else "join_refused"
    dept_name = dept_names(context.db)[member["dept"]]
    outcome = t(key, DEFAULT_LANG, user=mention(user_id, member["name"]), dept=dept_name,
                reason=reason or "—")
    lang = member.get("lang") or DEFAULT_LANG
    delivered = await tell_privately(context, user_id, t(
        key, lang, user=member["name"] or str(user_id), dept=dept_name, reason=reason or "—"))
    return outcome, member, delivered


async def _fallback(context: DubanContext, member: dict, approve: bool, reason: str,
                    card: posts.Post | None) -> None:
    """Telegram refused the private word (the applicant never started the bot): a mention in
    the group, in the applicant's language, under the application's card."""
    chat_id = card.chat_id if card else context.group_id
    if chat_id is None:
        return
    key = "join_approved" if approve else "join_refused"
    lang = member.get("lang") or DEFAULT_LANG
    await context.bot.send_message(
        chat_id, t(key, lang, user=mention(member["user_id"], member["name"]),
                   dept=dept_names(context.db)[member["dept"]], reason=reason or "—"),
        reply_to_message_id=card.message_id if card else None)


async def _first_liaison(context: DubanContext, member: dict) -> None:
    """A department's first liaison: the 交办单 it was owed (held while nobody could sign)."""
    from handlers.jobs import assign_owed, quiet  # jobs imports the command table's modules

    first = [m["user_id"] for m in liaisons_of(context.db, member["dept"])] == [
        member["user_id"]]
    if first and context.group_id is not None and not quiet(context.settings, context.now()):
        await assign_owed(context.bot_data.sender, member["dept"])


async def decide_join_button(update: Update, context: DubanContext) -> None:
    """join:approve:<uid>:<DEPT> approves; join:refuse:<uid>:<DEPT> asks for the reason first.
    For coordinators only; a card whose department is no longer the application's is refused
    (a newer card was posted)."""
    query = query_of(update)
    who = caller(update, context)
    _, verb, raw_id, dept = data_of(query).split(":")
    card = pressed_on(query)  # an old card (not shown to the bot any more) still names its chat
    if verb == "refuse":
        member = pending_application(context.db, int(raw_id), context.now())
        if member["dept"] != dept:
            raise DubanError("join_card_stale", dept=dept_names(context.db)[member["dept"]])
        await query.answer()
        await _ask_reason(context, card, who.user_id, who.lang, member, card.message_id)
        return
    outcome, member, delivered = await _decide(update, context, int(raw_id), True, dept)
    await query.answer()
    await query.edit_message_text(
        f"{shown_html(card)}\n\n{outcome} {t('decided_by', DEFAULT_LANG, user=inert_name(who.name))}")
    if not delivered:  # an edit notifies nobody
        await _fallback(context, member, True, "", _card(context, member["user_id"]))
    await _first_liaison(context, member)


async def _ask_reason(context: DubanContext, where: MaybeInaccessibleMessage, asker: int,
                      lang: str, member: dict, card_id: int | None) -> None:
    """Refusing asks why (ForceReply, so the answer reaches the bot in privacy mode), after
    `where` (the /refuse command or the card) in its chat."""
    prompt = prompts.open_prompt(context.db, chat_id=where.chat.id, user_id=asker,
                                 kind=JOIN_REFUSE_PROMPT, step="reason",
                                 data={"user": member["user_id"], "dept": member["dept"],
                                       "card": card_id}, now=context.now())
    sent = await post_after(where, context,
                            t("join_refuse_prompt", lang, user=member["name"] or member["user_id"],
                              dept=dept_names(context.db)[member["dept"]]),
                            reply_markup=force_reply())
    prompts.link_message(context.db, prompt, sent.message_id)


async def join_refusal_reason(update: Update, context: DubanContext,
                              prompt: prompts.Prompt) -> None:
    """The coordinator's reason for refusing an application (found by the prompt router)."""
    reason = (message_of(update).text or "").strip()
    if not reason:
        raise DubanError("reason_required_join")
    await _refuse(update, context, prompt.data["user"], reason, prompt.data["dept"])
    prompts.close(context.db, prompt, now=context.now(), outcome="answered")


async def _refuse(update: Update, context: DubanContext, user_id: int, reason: str,
                  dept: str | None = None) -> None:
    outcome, member, delivered = await _decide(update, context, user_id, False, dept, reason)
    await _announce(update, context, outcome, member, False, reason, delivered)


async def _announce(update: Update, context: DubanContext, outcome: str, member: dict,
                    approve: bool, reason: str, delivered: bool) -> None:
    """A decision by command or typed reason: one answer where it was given; the card loses its
    buttons; the applicant, if Telegram refused the private word and the answer did not already
    mention them in the group in their language, is mentioned under the card."""
    who = caller(update, context)
    await reply(update, f"{outcome} {t('decided_by', DEFAULT_LANG, user=inert_name(who.name))}")
    card = _card(context, member["user_id"])
    if card:
        await drop_buttons(context, card.chat_id, card.message_id)
    in_group = chat_of(update).id == context.group_id
    if not delivered and not (in_group and (member.get("lang") or DEFAULT_LANG) == DEFAULT_LANG):
        await _fallback(context, member, approve, reason, card)


async def decide_join_command(update: Update, context: DubanContext) -> None:
    """/approve USER_ID and /refuse USER_ID [reason] for clients that show no buttons; /refuse
    without a reason asks for one."""
    who = caller(update, context)
    approve = command_of_message(update) == "approve"
    words = args_text(context).split()
    if not words or not re.fullmatch(r"[0-9]{1,15}", words[0]):
        await reply(update, t("approve_usage", who.lang))
        return
    user_id = int(words[0])
    if approve:
        outcome, member, delivered = await _decide(update, context, user_id, True)
        await _announce(update, context, outcome, member, True, "", delivered)
        await _first_liaison(context, member)
        return
    reason = free_text(update, 1)
    if reason:
        await _refuse(update, context, user_id, reason)
        return
    member = pending_application(context.db, user_id, context.now())
    card = _card(context, user_id)
    message = message_of(update)
    await _ask_reason(context, message, who.user_id, who.lang, member,
                      card.message_id if card and card.chat_id == message.chat_id else None)


async def show_whoami(update: Update, context: DubanContext) -> None:
    """/whoami: id, department, role and status as the bot sees them."""
    who = caller(update, context)
    # Someone removed (left, or taken off COORDINATOR_IDS) is told what a stranger is told.
    member = who.member if who.member and who.member["status"] != "removed" else {}
    status = member.get("status") or "visitor"
    dept = dept_names(context.db).get(member.get("dept") or "", "—")
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
    forget_caller(update, context)
    await reply(update, t("left", who.lang, dept=dept_names(context.db).get(member["dept"], "—")))


async def choose_language(update: Update, context: DubanContext) -> None:
    """/lang zh|en."""
    who = caller(update, context)
    choice = args_text(context).lower()[:2]
    if choice not in LANGS:
        await reply(update, t("lang_usage", who.lang))
        return
    kept = set_language(context.db, user_id=who.user_id, lang=choice, now=context.now())
    forget_caller(update, context)
    await reply(update, t("lang_set" if kept else "lang_set_visitor", choice))

"""The one place a command or button is checked and its refusals are put into words.

`guarded(audience, where, callback)` wraps a handler: it checks who may use it (bot.domain.access) and
where, runs it, and turns a DubanError (or a date the parser refused) into a polite answer in the
caller's language. Handlers therefore raise refusals instead of catching them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any

from telegram import Chat, Update

from bot.domain.access import Audience, refusal_for_audience
from bot.errors import DubanError
from bot.language.dates import DeadlineError
from bot.language.i18n import Day, t
from bot.services.directory import former_liaison
from handlers.context import Caller, DubanContext, caller, chat_of, normalise_args, tell

# A coroutine function, as PTB's handlers take (a plain Awaitable would not do)
Callback = Callable[[Update, DubanContext], Coroutine[Any, Any, Any]]


class Where(StrEnum):
    ANY = "any"
    GROUP = "group"  # the coordination group only
    PRIVATE = "private"


def refusal_text(err: DubanError | DeadlineError, lang: str) -> str:
    """A refusal from the core or the date parser, in `lang` only."""
    if isinstance(err, DubanError):
        return t(err.key, lang, **err.params)
    return t("plain", lang, text=err.message(lang))


def refusal_to(context: DubanContext, who: Caller, err: DubanError | DeadlineError) -> str:
    """A refusal said to `who`: "not a member" tells a former liaison what they were and how to
    take it up again, not to join as if new."""
    if isinstance(err, DubanError) and err.key == "not_member":
        return not_member_text(context, who)
    return refusal_text(err, who.lang)


def not_member_text(context: DubanContext, who: Caller) -> str:
    former = former_liaison(context.db, who.member)
    if former is None:
        return t("not_member", who.lang)
    return t("not_member_former", who.lang, dept=former.dept, join=former.join,
             since=Day(former.since.astimezone(context.settings.tz).date()))


def where_refusal(where: Where, update: Update, context: DubanContext) -> str | None:
    chat = chat_of(update)
    if where is Where.PRIVATE and chat.type != Chat.PRIVATE:
        return "private_only"
    if where is Where.GROUP and chat.id != context.group_id:
        return "group_only"
    return None


def guarded(audience: Audience, where: Where, callback: Callback) -> Callback:
    """`callback`, run only for the right people in the right chats, its refusals answered."""

    @functools.wraps(callback)
    async def run(update: Update, context: DubanContext) -> Any:
        who = caller(update, context)
        key = refusal_for_audience(who.actor, audience) or where_refusal(where, update, context)
        if key:
            await tell(update, refusal_to(context, who, DubanError(key)))
            return None
        if context.args is not None:  # a command: its arguments as ASCII where typed full-width
            normalise_args(update, context)
        try:
            return await callback(update, context)
        except (DubanError, DeadlineError) as err:
            await tell(update, refusal_to(context, who, err))
            return None

    return run

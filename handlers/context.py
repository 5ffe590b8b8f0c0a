"""The typed context every handler gets, and the small helpers all handlers share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from telegram import Message, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.directory import find_task, get_member
from bot.errors import DubanError
from bot.i18n import lang_of, t
from bot.replies import split_text


class Services:
    """What the application shares with every handler (set once at build time)."""

    db: Database
    settings: Settings
    warned_chats: set[int]
    clock: Callable[[], datetime] | None  # tests set a fixed "now"; None reads the wall clock

    def __init__(self) -> None:
        self.warned_chats = set()
        self.clock = None


class DubanContext(CallbackContext[ExtBot, dict, dict, Services]):
    """CallbackContext with typed access to the database and the settings."""

    @property
    def db(self) -> Database:
        return self.bot_data.db

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    @property
    def group_id(self) -> int | None:
        """The coordination chat: as configured, or where Telegram moved it (group → supergroup)."""
        moved = self.db.execute("SELECT value FROM meta WHERE key = 'coordination_chat_id'"
                                ).fetchone()
        return int(moved[0]) if moved else self.settings.coordination_chat_id

    def now(self) -> datetime:
        clock = self.bot_data.clock
        return clock() if clock else datetime.now(self.settings.tz)


DubanApp = Application[ExtBot, DubanContext, dict, dict, Services, Any]


@dataclass(frozen=True)
class Caller:
    user_id: int
    name: str
    lang: str
    member: dict[str, Any] | None  # the members row, whatever its status

    @property
    def active(self) -> bool:
        return bool(self.member and self.member["status"] == "active")

    @property
    def coordinator(self) -> bool:
        return self.active and self.member["role"] == "coordinator"  # type: ignore[index]

    @property
    def dept(self) -> str | None:
        return self.member["dept"] if self.active else None  # type: ignore[index]


def caller(update: Update, context: DubanContext) -> Caller:
    user = update.effective_user
    assert user is not None  # gatekeeping drops updates without a user
    member = get_member(context.db, user.id)
    lang = (member or {}).get("lang") or lang_of(user.language_code)
    return Caller(user.id, user.full_name, lang, member)


def update_key(update: Update) -> str | None:
    """The identity of the message that carried a change, so a replayed update records nothing."""
    if update.callback_query:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    if message and update.effective_chat:
        return f"{update.effective_chat.id}:{message.message_id}"
    return None


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat of the update; long answers become several messages, never cut."""
    message = update.effective_message
    if message is None:
        return None
    sent = None
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        extra = kwargs if i == len(chunks) - 1 else {}
        sent = await message.reply_text(chunk, do_quote=False, **extra)
    return sent


async def refuse(update: Update, lang: str, err: DubanError) -> None:
    await reply(update, t(err.key, lang, **err.params))


def args_text(context: DubanContext) -> str:
    return " ".join(context.args or []).strip()


def check_may_see(who: Caller, task: dict[str, Any]) -> None:
    """Members only; a liaison sees their own department's tasks, a coordinator every task."""
    if not who.active:
        raise DubanError("not_member")
    if not who.coordinator and task["dept"] != who.dept:
        raise DubanError("liaison_own_dept_only", dept=who.dept)


async def task_from_args(update: Update, context: DubanContext, who: Caller,
                         command: str) -> dict[str, Any] | None:
    """The task named after a command ('/history T12') if the caller may see it, or None after
    telling them why not."""
    ref = args_text(context)
    if not ref:
        await reply(update, t("usage_task", who.lang, command=command))
        return None
    try:
        task = find_task(context.db, ref)
        check_may_see(who, task)
        return task
    except DubanError as err:
        await refuse(update, who.lang, err)
        return None


def shown_html(message: object) -> str:
    """The HTML of a message a button sits on; '' when Telegram no longer shows it to the bot
    (an InaccessibleMessage, over 48 hours old, has no text)."""
    return getattr(message, "text_html", None) or ""

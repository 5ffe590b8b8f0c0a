"""The typed context every handler gets, and the small helpers all handlers share."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ForceReply,
    MaybeInaccessibleMessage,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackContext, ExtBot, Job, JobQueue

from bot.config import Settings
from bot.domain.access import Action, Actor, Permit, actor_of
from bot.errors import DubanError
from bot.language.commandline import CommandLine, parse_command
from bot.language.i18n import lang_of, t
from bot.outputs.render.split import split_text
from bot.outputs.scoring import Rules
from bot.services import Database
from bot.services.directory import coordination_chat, get_member
from handlers.acks import AckGatherer
from handlers.sender import attempt


class Services:
    """What the application shares with every handler (set once at build time)."""

    db: Database
    settings: Settings
    warned_chats: set[int]
    clock: Callable[[], datetime] | None  # tests set a fixed "now"; None reads the wall clock
    acks: AckGatherer  # a group's acknowledgements in a burst, gathered into one message
    sender: Any  # handlers.sender.Sender: every post of the bot's own (set by bot.app)
    in_hand: Any  # handlers.acks.InHand: updates between arrival and their mark (bot.app)
    told_storage: set[int]  # updates whose sender was told the store cannot write
    watch: Any  # the StoreWatch (store health): whether the store can write now (bot.app)
    callers: OrderedDict[int, Caller]  # by update id: each sender is looked up once
    rules: Rules  # the scoring rules, read once at start (SCORING_RULES or the packaged ones)

    def __init__(self) -> None:
        self.warned_chats = set()
        self.clock = None
        self.acks = AckGatherer()
        self.told_storage = set()
        self.callers = OrderedDict()


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
        return coordination_chat(self.db, self.settings.coordination_chat_id)

    def now(self) -> datetime:
        clock = self.bot_data.clock
        return clock() if clock else datetime.now(self.settings.tz)

    @property
    def jobs(self) -> JobQueue[Any]:
        """The job queue: bot.app always builds the Application with one (PTB types it as
        optional because the job-queue extra may be missing)."""
        return queue_of(self.application)

    @property
    def chat_memory(self) -> dict[Any, Any]:
        """PTB's chat_data, there for every update with a chat and every job with a chat_id."""
        data = self.chat_data
        if data is None:
            raise RuntimeError("chat_data read where there is no chat")
        return data

    @property
    def this_job(self) -> Job[Any]:
        """The job a job callback runs for."""
        job = self.job
        if job is None:
            raise RuntimeError("a job callback ran without its job")
        return job

    @property
    def job_data(self) -> dict[str, Any]:
        """The data this module's jobs are scheduled with: always a dict."""
        data = self.this_job.data
        if not isinstance(data, dict):
            raise TypeError(f"job {self.this_job.name} carries {type(data).__name__}, not a dict")
        return data


def queue_of(app: Application) -> JobQueue[Any]:
    """The application's job queue (bot.app always builds it with one)."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("the Application was built without a JobQueue")
    return queue


# ------------------------------------------------------------------ the parts of an update
# PTB types every part of an Update as optional, as any one update carries only some. A handler
# is registered for the updates that carry what it reads (a command has a message, a button
# handler a callback query; the gate drops updates without a chat or a user): these accessors
# say so once, and fail loudly if a handler is ever registered for the wrong kind of update.


class MissingPart(LookupError):
    """A handler was given an update that cannot carry what it reads (a registration error)."""

    def __init__(self, where: str, part: str) -> None:
        super().__init__(f"{where} carries no {part}")


_Part = TypeVar("_Part")


def _required(part: _Part | None, update: Update, name: str) -> _Part:
    if part is None:
        raise MissingPart(f"update {update.update_id}", name)
    return part


def message_of(update: Update) -> Message:
    """The message of a message update (a command, a text, a file)."""
    return _required(update.effective_message, update, "message")


def query_of(update: Update) -> CallbackQuery:
    """The button press of a handler registered only for callback queries."""
    return _required(update.callback_query, update, "callback query")


def chat_of(update: Update) -> Chat:
    """The chat of the update (the gate drops updates without one)."""
    return _required(update.effective_chat, update, "chat")


def user_of(update: Update) -> User:
    """Who sent the update (the gate drops updates without one)."""
    return _required(update.effective_user, update, "user")


def data_of(query: CallbackQuery) -> str:
    """A button's callback data. Every button handler is registered with a pattern on it, and
    the bot sends no game buttons, so a press that reaches a handler carries data."""
    if query.data is None:
        raise DubanError("button_expired")
    return query.data


def pressed_on(query: CallbackQuery) -> MaybeInaccessibleMessage:
    """Where a button was pressed (its chat and message id, known even for an old card). The
    bot's buttons all sit on its messages (it offers no inline mode), so a press carries one."""
    if query.message is None:
        raise DubanError("button_expired")
    return query.message


@dataclass(frozen=True)
class Caller:
    user_id: int
    name: str
    lang: str
    member: dict[str, Any] | None  # the members row, whatever its status
    actor: Actor
    # what this update was allowed to do, by (action, task id): decided once (handlers.reporting
    # task_for), handed to the core, which then does not ask again
    permits: dict[tuple[Action, str], Permit] = field(default_factory=dict, compare=False)

    def acting_on(self, action: Action, task_id: str) -> Actor | Permit:
        """What the core is given to act as: the permit already decided for `action` on the
        task, else the actor (and the core decides)."""
        return self.permits.get((action, task_id), self.actor)

    @property
    def active(self) -> bool:
        return self.actor.member

    @property
    def coordinator(self) -> bool:
        return self.actor.coordinator

    @property
    def dept(self) -> str | None:
        return self.actor.dept if self.active else None


KEPT_CALLERS = 256  # updates being handled at once is far fewer (32 people at a time)


def caller(update: Update, context: DubanContext) -> Caller:
    """Who sent the update, with their role: resolved once per update (the gate, the command
    table's check and the handler share it) and carried to the core as `who.actor`, which
    decides permissions from it without looking the person up again."""
    user = user_of(update)
    kept = context.bot_data.callers
    found = kept.get(update.update_id)
    if found is not None and found.user_id == user.id:
        return found
    member = get_member(context.db, user.id)
    lang = (member or {}).get("lang") or lang_of(user.language_code)
    found = Caller(user.id, user.full_name, lang, member,
                   actor_of(user.id, member, context.settings.coordinator_ids))
    kept[update.update_id] = found
    while len(kept) > KEPT_CALLERS:
        kept.popitem(last=False)
    return found


def forget_caller(update: Update, context: DubanContext) -> None:
    """After the update changed who its sender is (joined, left, chose a language)."""
    context.bot_data.callers.pop(update.update_id, None)


def update_key(update: Update) -> str | None:
    """The identity of the message that carried a change, so a replayed update records nothing."""
    if update.callback_query:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    if message and update.effective_chat:
        return f"{update.effective_chat.id}:{message.message_id}"
    return None


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat (and forum topic) of the update; long answers become several messages,
    never cut inside a tag."""
    message = update.effective_message
    if message is None:
        return None
    sent = None
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        extra = kwargs if i == len(chunks) - 1 else {}
        sent = await message.reply_text(chunk, do_quote=False, **extra)
    return sent


async def post_after(where: MaybeInaccessibleMessage, context: DubanContext, text: str,
                     **kwargs: Any) -> Message:
    """A new message after `where` (a command, an answer, the card a button was pressed on), in
    its chat and forum topic. A card Telegram no longer shows the bot (over 48 hours old) still
    names its chat: the message goes there."""
    if isinstance(where, Message):
        return await where.reply_text(text, do_quote=False, **kwargs)
    return await context.bot.send_message(where.chat.id, text, **kwargs)


ALERT_CHARS = 200  # Telegram's limit on a button's alert


async def tell(update: Update, text: str) -> None:
    """A refusal or a short notice: an alert on a pressed button, else a reply in the chat. A
    press that can no longer be answered (already answered, or past Telegram's answer window)
    gets the reply in the chat instead: a refusal is never silent."""
    if update.callback_query:
        try:
            if len(text) > ALERT_CHARS:  # too long for an alert: said in the chat, whole
                await update.callback_query.answer()
            else:
                await update.callback_query.answer(text, show_alert=True)
                return
        except BadRequest:
            logging.getLogger(__name__).info("could not answer a button press: told in the chat")
    await reply(update, text)


async def answer_press(query: Any) -> None:
    """Answer a button press (stop its spinner) if Telegram still takes the answer: a press
    answered only after slow work (a report recorded, files fetched) may be past its window."""
    try:
        await query.answer()
    except BadRequest:
        logging.getLogger(__name__).info("a button press was answered too late")


async def tell_privately(context: DubanContext, user_id: int, text: str) -> bool:
    """A private message to a person; False when Telegram refuses it (403: they never started
    the bot, or blocked it; 400: a chat it does not know). Callers fall back to a mention in
    the group."""
    try:  # the sender's retries: a 429 waited out, a 5xx or a timeout tried again
        await attempt(lambda: context.bot.send_message(user_id, text), "private message")
    except (Forbidden, BadRequest) as exc:
        logging.getLogger(__name__).info("no private message to %s: %s", user_id, exc)
        return False
    return True


def join_link(bot: Bot) -> Callable[[str], str] | None:
    """The t.me link that opens a private chat and applies for a department (/start join_CODE),
    or None while the bot's username is unknown."""
    username = bot.username
    if not username:
        return None
    return lambda code: f"https://t.me/{username}?start=join_{code}"


def force_reply() -> ForceReply:
    # selective: in a group only the person being asked gets the reply field, and a reply to the
    # bot's message reaches it even in Telegram's default privacy mode.
    return ForceReply(selective=True)


def args_text(context: DubanContext) -> str:
    """The command's arguments, normalised (full-width letters, digits and spaces as ASCII):
    what the command parses. Free text is read with free_text()."""
    return " ".join(context.args or []).strip()


def command_line(update: Update) -> CommandLine | None:
    message = update.effective_message
    return parse_command((message.text or message.caption) if message else None)


def normalise_args(update: Update, context: DubanContext) -> None:
    """Set context.args to the normalised arguments of the command the message carries."""
    line = command_line(update)
    if line is not None:
        context.args = line.words


def typed_words(update: Update) -> list[str]:
    """The command's arguments as typed, word by word."""
    line = command_line(update)
    return line.raw.split() if line else []


def free_text(update: Update, skip: int) -> str:
    """The text after the command's first `skip` arguments, exactly as typed (a note, a reason)."""
    line = command_line(update)
    return line.rest(skip) if line else ""


def usage(lang: str, command: str) -> str:
    return t("usage_task", lang, command=command)


def shown_html(message: object) -> str:
    """The HTML of a message a button sits on; '' when Telegram no longer shows it to the bot
    (an InaccessibleMessage, over 48 hours old, has no text)."""
    return getattr(message, "text_html", None) or ""


def origin_of(update: Update) -> dict[str, int | None]:
    """Where an update came from (chat, forum topic): a card about it is posted in that topic
    when it goes to that chat, and in that chat when no coordination group is configured."""
    message = update.effective_message
    chat = update.effective_chat.id if update.effective_chat else None
    thread = message.message_thread_id if message and message.is_topic_message else None
    return {"chat": chat, "thread": thread}


def topic_of(update: Update, chat_id: int | None) -> int | None:
    """The forum topic the update came from, when the bot posts into that same chat: cards and
    notices follow the conversation instead of landing in General."""
    message = update.effective_message
    if message is None or chat_id != message.chat_id or not message.is_topic_message:
        return None
    return message.message_thread_id

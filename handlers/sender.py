"""One sender for everything the bot posts on its own.

Digest parts, nudges and escalations, 交办单 and 督办单, review and extension cards, application
cards, decisions told to applicants and the list of notices nobody acknowledged are each an
outbox row (bot.services.outbox), recorded before anything is sent. This module sends them:

* each part on its own: one part that fails never cancels another;
* each Bot API call retried within the run as Telegram asks: a 429 waits its `retry_after`
  (up to LONGEST_WAIT), a timeout or a 5xx backs off (RETRY_IN_RUN); a 400 or 403 is not
  retried in the run;
* a part that still failed is left to the sweep, which runs at start and every SWEEP_SECONDS and
  sends every unsent row whose pause (SWEEP_PAUSES, growing) has passed, until GIVE_UP_AFTER
  tries (a 403, a person who never started the bot, is given up at once);
* a part renders what holds when it goes out, and a part that no longer holds (a claim decided
  or taken back, a notice already signed, last week's digest) is superseded, not sent.

A message Telegram delivered but whose answer was lost (a timeout after delivery) is sent
again: the one case of a part posted twice. Handlers record their part (often in the
transaction of the record it belongs to) and `kick` it; jobs `deliver` theirs in turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application

from bot.outputs.render.split import split_text
from bot.services import health, outbox, posts
from bot.services.directory import coordination_chat, join_still_pending, move_coordination_chat

if TYPE_CHECKING:  # handlers.context imports this module
    from handlers.context import DubanContext

log = logging.getLogger(__name__)

RETRY_IN_RUN = (1.0, 2.0, 4.0, 8.0)  # seconds between tries of one call after a timeout or 5xx
MAX_RETRY_AFTERS = 5  # 429s honoured for one call within the run
LONGEST_WAIT = 120.0  # a retry_after up to this is waited for; a longer one goes to the sweep
SWEEP_SECONDS = 60  # how often unsent parts are looked for
SWEEP_PAUSES = (60, 120, 300, 600, 1800, 3600)  # before the n-th sweep try of a failed part
GIVE_UP_AFTER = 50  # tries in all (about two days at the longest pause)
FRESH = timedelta(seconds=10)  # the sweep leaves younger parts to whoever recorded them
QUIET_KINDS = frozenset({"nudge", "digest"})  # scheduled posts wait for the end of quiet hours


class Superseded(Exception):
    """What the part would say no longer holds: it is marked done, not sent."""


class Later(Exception):
    """Telegram asked for a longer pause than the run waits: the sweep tries again then."""

    def __init__(self, seconds: float, error: TelegramError) -> None:
        super().__init__(str(error))
        self.seconds, self.error = seconds, error


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB keeps it as a timedelta; its public attribute warns until PTB 23 makes it one too
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 1)


async def attempt(call: Callable[[], Awaitable[Any]], what: str,
                  on_migrate: Callable[[int], None] | None = None) -> Any:
    """`call()`, tried again as Telegram asks (see the module docstring); the last error is
    raised. `on_migrate` follows a group that became a supergroup, and the call is made again
    (it must read the chat anew)."""
    pauses = iter(RETRY_IN_RUN)
    retry_afters = 0
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            retry_afters += 1
            if wait > LONGEST_WAIT or retry_afters > MAX_RETRY_AFTERS:
                raise Later(wait, exc) from exc
            log.info("%s: Telegram asks to wait %.0f s", what, wait)
            await asyncio.sleep(wait + 0.1)
        except ChatMigrated as exc:
            if on_migrate is None:
                raise
            on_migrate(exc.new_chat_id)
        except (BadRequest, Forbidden, InvalidToken):
            raise  # the request itself is wrong, or refused: the same again fails the same
        except NetworkError as exc:  # a timeout, a 5xx, a dropped connection
            pause = next(pauses, None)
            if pause is None:
                raise
            log.info("%s failed (%s); again in %.0f s", what, exc, pause)
            await asyncio.sleep(pause)


def markup_of(buttons: list[list[list[str]]] | None) -> InlineKeyboardMarkup | None:
    """Buttons kept in a payload as [[[text, callback_data], ...], ...]."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)
                                  for text, data in row] for row in buttons])


Kind = Callable[["Sender", dict[str, Any], Callable[[int | None], None]], Awaitable[None]]


class Sender:
    """Sends outbox rows; shared by the handlers and the jobs (Services.sender)."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self._busy: set[int] = set()  # rows being sent now (never two sends of one row)
        self._tasks: set[asyncio.Task] = set()
        self.kinds: dict[str, Kind] = {"message": send_message_row}

    # ------------------------------------------------------------ what handlers share
    @property
    def db(self) -> Any:
        return self.app.bot_data.db

    @property
    def settings(self) -> Any:
        return self.app.bot_data.settings

    @property
    def bot(self) -> Any:
        return self.app.bot

    @property
    def group_id(self) -> int | None:
        return coordination_chat(self.db, self.settings.coordination_chat_id)

    def now(self) -> datetime:
        clock = self.app.bot_data.clock
        return clock() if clock else datetime.now(self.settings.tz)

    def follow_migration(self, new_chat_id: int) -> None:
        log.warning("the coordination chat moved to %s; set COORDINATION_CHAT_ID=%s",
                    new_chat_id, new_chat_id)
        move_coordination_chat(self.db, new_chat_id)

    def chat_of(self, row: dict[str, Any]) -> tuple[int, int | None]:
        """(chat, forum topic) a part goes to: its own chat, else the coordination group, else
        the chat its record came from; the topic only in the chat the record came from."""
        origin = row["payload"].get("chat")
        chat = row["chat_id"] or self.group_id or origin
        if chat is None:
            raise Superseded("no chat to post in (COORDINATION_CHAT_ID is not set)")
        thread = row["payload"].get("thread") if chat == origin else None
        return chat, thread

    async def call(self, call: Callable[[], Awaitable[Any]], what: str) -> Any:
        return await attempt(call, what, self.follow_migration)

    async def post(self, row: dict[str, Any], text: str, markup: Any = None,
                   reply_to: int | None = None) -> Message | None:
        """A long text as several messages (the buttons on the last), resuming after the parts
        already sent; the last message, None when every part went out before (a restart
        between the last part and the row's mark)."""
        chunks = split_text(text)
        last = None
        for i in range(row.get("parts_sent") or 0, len(chunks)):
            def send(i: int = i) -> Awaitable[Message]:
                chat, thread = self.chat_of(row)
                return self.bot.send_message(
                    chat, chunks[i], reply_markup=markup if i == len(chunks) - 1 else None,
                    message_thread_id=thread, reply_to_message_id=reply_to)
            last = await self.call(send, row["key"])
            if len(chunks) > 1:
                outbox.parts_sent(self.db, row["id"], i + 1)
        return last

    async def post_card(self, row: dict[str, Any], text: str, markup: Any = None) -> Message:
        """post(), for a card whose message is kept by its id (its buttons, its replies). A card
        whose every part went out before has lost its id (a restart between its last part and
        its mark): an error, as the card cannot be tracked (left to the sweep's retries)."""
        sent = await self.post(row, text, markup)
        if sent is None:
            raise RuntimeError(f"{row['key']}: every part was sent before; the card's id is lost")
        return sent

    # ------------------------------------------------------------ sending
    def kick(self, key: str) -> None:
        """Send the row of `key` soon, aside from the caller (a handler does not wait for it)."""
        task = asyncio.get_running_loop().create_task(self._kicked(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _kicked(self, key: str) -> None:
        try:
            await self.deliver_key(key)
        except Exception as exc:  # nobody awaits this: say it here; the sweep tries again
            watch = getattr(self.app.bot_data, "watch", None)
            if watch is not None and health.is_storage_error(exc):
                watch.failed(exc)
            else:
                log.exception("could not send %s", key)

    async def deliver_key(self, key: str) -> bool:
        row = outbox.by_key(self.db, key)
        return await self.deliver(row) if row else False

    async def deliver(self, row: dict[str, Any]) -> bool:
        """Send one row by its kind; False when it is not (yet) sent."""
        if row["sent_at"] or row.get("given_up_at"):
            return True
        kind = self.kinds.get(row["kind"])
        if kind is None:
            log.error("no sender for outbox kind %s (%s)", row["kind"], row["key"])
            return False

        async def send(mark: Callable[[int | None], None]) -> None:
            await kind(self, row, mark)

        return await self.run([row["id"]], row["key"], send)

    async def run(self, ids: list[int], what: str,
                  send: Callable[[Callable[[int | None], None]], Awaitable[None]]) -> bool:
        """Send the part made of rows `ids` (a batch of nudges is one part) and mark it: sent
        (send calls `mark` once its message is out), superseded, or failed with its next try."""
        if not ids or any(i in self._busy for i in ids):
            return False
        self._busy.update(ids)
        marked = False

        def mark(message_id: int | None) -> None:
            nonlocal marked
            outbox.sent(self.db, ids, self.now(), message_id)
            marked = True

        try:
            await send(mark)
            if not marked:
                mark(None)
            return True
        except Superseded as why:
            if not marked:
                outbox.superseded(self.db, ids, self.now(), str(why))
            return True
        except (TelegramError, Later) as exc:
            if marked:  # the part is out; something after it (an evidence copy) failed
                log.warning("%s: posted, but a follow-up failed: %s", what, exc)
                return True
            self.failed(ids, what, exc)
            return False
        finally:
            self._busy.difference_update(ids)

    def failed(self, ids: list[int], what: str, exc: Exception) -> None:
        now = self.now()
        tries = max((outbox.get(self.db, i) or {}).get("attempts") or 0 for i in ids) + 1
        if isinstance(exc, Forbidden) or tries >= GIVE_UP_AFTER:
            log.error("%s: giving up after %d tries: %s", what, tries, exc)
            outbox.failed(self.db, ids, str(exc), retry_at=None, now=now)
            return
        pause: float = SWEEP_PAUSES[min(tries - 1, len(SWEEP_PAUSES) - 1)]
        if isinstance(exc, Later):
            pause = max(pause, exc.seconds)
        log.warning("%s not sent (%s); tried %d times, again in %d s", what, exc, tries, pause)
        outbox.failed(self.db, ids, str(exc), retry_at=now + timedelta(seconds=pause))

    # ------------------------------------------------------------ the sweep
    async def sweep(self) -> int:
        """Every unsent part whose pause has passed, sent again (nudges through their daily
        scan, so only what is still due goes out); returns how many went out."""
        from handlers.jobs import quiet, send_nudges  # jobs render nudges and the digest

        now = self.now()
        # A part recorded a moment ago is its recorder's to send (a handler kicks it, a job
        # delivers it): the sweep is for what nobody is sending any more.
        rows = [row for row in outbox.unsent(self.db, due_by=now)
                if now - datetime.fromisoformat(row["created_at"]) >= FRESH]
        hushed = quiet(self.settings, now)
        sent = 0
        if any(r["kind"] == "nudge" for r in rows) and not hushed:
            sent += await send_nudges(self, record=False)
        for row in rows:
            if row["kind"] == "nudge" or (hushed and (row["kind"] in QUIET_KINDS
                                                     or row["payload"].get("scheduled"))):
                continue
            try:
                sent += await self.deliver(row)
            except Exception:  # a bug in one part's rendering must not stop the others
                log.exception("could not send %s", row["key"])
        return sent

    async def drain(self, timeout: float = 10.0) -> None:
        """Let parts being sent finish (at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


async def send_message_row(sender: Sender, row: dict[str, Any],
                           mark: Callable[[int | None], None]) -> None:
    """A message rendered when it was recorded: text, optional buttons."""
    payload = row["payload"]
    join = payload.get("join")
    if join and not join_still_pending(sender.db, join["user"], join["dept"]):
        raise Superseded("the application was decided or changed")
    sent = await sender.post(row, payload["text"], markup_of(payload.get("buttons")))
    mark(sent.message_id if sent else None)
    about = payload.get("post")  # what the post is about (a reply to it, a card decided)
    if sent is not None and about:
        posts.remember(sender.db, chat_id=sent.chat_id, message_id=sent.message_id,
                       kind=about["kind"], tasks=about.get("tasks") or [], ref=about.get("ref"),
                       now=sender.now())


async def sweep_job(context: DubanContext) -> None:
    """At start and every SWEEP_SECONDS: send what is recorded and still unsent."""
    try:
        sent = await context.bot_data.sender.sweep()
    except Exception:
        log.exception("the outbox sweep failed; the next one tries again")
        return
    if sent:
        log.info("outbox sweep: %d part(s) sent", sent)


def schedule_sweep(app: Application) -> None:
    """Not a nudge or a digest (JOBS=off keeps it): it only delivers what was recorded."""
    queue = app.job_queue  # (handlers.context.queue_of: that module imports this one)
    if queue is None:
        raise RuntimeError("the Application was built without a JobQueue")
    queue.run_repeating(sweep_job, interval=SWEEP_SECONDS, first=1, name="outbox",
                                job_kwargs={"misfire_grace_time": 3600, "coalesce": True})

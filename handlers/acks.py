"""Acknowledgements, which belong to the update they answer.

An update is marked done in the inbox only once its acknowledgement went out: one gathered in a
burst (ACK_GATHER_MS, "已记录 12 条报送：…") leaves its updates open until the gathered message is
sent, so a kill in between hands them back at the next start, and their replay (which records
nothing twice) sends the acknowledgement then. An acknowledgement Telegram would not take even
after the sender's retries leaves its update open for the inbox sweep to hand back later.

`InHand` keeps that account for the application: which updates are being handled, which still
owe an acknowledgement, which must stay open (a storage failure, an acknowledgement not sent).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import TelegramError

from bot.language.i18n import DEFAULT_LANG, t
from bot.outputs.render.split import split_text
from bot.services.posts import named_occurrences
from handlers.sender import Later, attempt

log = logging.getLogger(__name__)


class InHand:
    """The updates between their arrival and their mark in the inbox (one process)."""

    def __init__(self, mark_done: Callable[[list[int]], None]) -> None:
        self._mark_done = mark_done  # marks updates done in one go; may raise a storage error
        self.held: set[int] = set()  # being handled, or waiting for their acknowledgement
        self._handling: set[int] = set()
        self._owed: dict[int, int] = {}  # acknowledgements not yet out, per update
        self._open: set[int] = set()  # to stay open in the inbox (handed back later)

    def take(self, update_id: int) -> bool:
        """Begin handling an update; False when it is in hand already (a second copy: the
        restart's replay and Telegram's own redelivery, or the inbox sweep)."""
        if update_id in self.held:
            return False
        self.held.add(update_id)
        self._handling.add(update_id)
        return True

    def owe(self, update_id: int) -> None:
        self._owed[update_id] = self._owed.get(update_id, 0) + 1

    def keep_open(self, update_id: int) -> None:
        """Do not mark this update done: it is to be handled again (storage failed)."""
        self._open.add(update_id)

    def handled(self, update_id: int) -> None:
        """Every handler has run for it: done now, unless it still owes an acknowledgement or
        must stay open."""
        self._handling.discard(update_id)
        self._finish([update_id])

    def paid(self, update_ids: list[int]) -> None:
        """Their acknowledgement went out (one gathered message: marked in one transaction,
        so a kill leaves the whole batch answered or none of it marked)."""
        for update_id in update_ids:
            left = self._owed.get(update_id, 0) - 1
            if left > 0:
                self._owed[update_id] = left
            else:
                self._owed.pop(update_id, None)
        self._finish(update_ids)

    def unpaid(self, update_ids: list[int]) -> None:
        """Their acknowledgement could not be sent: they stay open, to be handed back."""
        for update_id in update_ids:
            self._owed.pop(update_id, None)
            self._open.add(update_id)
        self._finish(update_ids)

    def _finish(self, update_ids: list[int]) -> None:
        done = []
        for update_id in dict.fromkeys(update_ids):
            if update_id in self._handling or self._owed.get(update_id):
                continue
            self.held.discard(update_id)
            if update_id in self._open:
                self._open.discard(update_id)
                continue
            done.append(update_id)
        if done:
            self._mark_done(done)


@dataclass
class _Batch:
    full: list[str] = field(default_factory=list)  # each acknowledgement as it would be sent
    short: list[str] = field(default_factory=list)  # its one-line form for a gathered message
    updates: list[int] = field(default_factory=list)  # the updates they answer
    tasks: list[str] = field(default_factory=list)  # what they acknowledge
    occurrences: list[tuple[str, str | None]] = field(default_factory=list)  # of each task
    on_sent: Callable[[int, int, list[str], dict[str, str]], None] | None = None


class AckGatherer:
    """Per (chat, topic): the acknowledgements waiting for the window to close. A group's
    acknowledgements that arrive within ACK_GATHER_MS go out as one message, so two hundred
    reports in a minute do not queue two hundred messages behind Telegram's limit of twenty a
    minute per group, holding up every other answer."""

    def __init__(self) -> None:
        self._batches: dict[tuple[int, int | None], _Batch] = {}
        self._tasks: set[asyncio.Task] = set()
        self.in_hand: InHand | None = None  # set by bot.app

    def add(self, bot: Bot, chat_id: int, thread_id: int | None, full: str, short: str,
            window_ms: int, update_id: int | None = None, task: str | None = None,
            on_sent: Callable[[int, int, list[str], dict[str, str]], None] | None = None,
            period: str | None = None) -> None:
        """`update_id`: the update the acknowledgement answers (done only once it is sent);
        `on_sent(chat_id, message_id, tasks, periods)` is told of each message sent (the bot
        keeps what its posts are about, so a reply to one is read against its tasks and the
        occurrence each names: `period`, of a recurring duty)."""
        key = (chat_id, thread_id)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            flush = asyncio.get_running_loop().create_task(self._flush(bot, key, window_ms))
            self._tasks.add(flush)
            flush.add_done_callback(self._tasks.discard)
        batch.full.append(full)
        batch.short.append(short)
        if update_id is not None:
            batch.updates.append(update_id)
            if self.in_hand is not None:
                self.in_hand.owe(update_id)
        if task:
            batch.tasks.append(task)
            batch.occurrences.append((task, period))
        batch.on_sent = on_sent or batch.on_sent

    async def _flush(self, bot: Bot, key: tuple[int, int | None], window_ms: int) -> None:
        await asyncio.sleep(window_ms / 1000)
        batch = self._batches.pop(key)
        if len(batch.full) == 1:
            text = batch.full[0]
        else:
            text = "\n".join([t("acks_gathered", DEFAULT_LANG, count=len(batch.short)),
                              *batch.short])
        chat_id, thread_id = key
        try:
            for chunk in split_text(text):
                sent = await attempt(functools.partial(
                    bot.send_message, chat_id, chunk, message_thread_id=thread_id),
                    "acknowledgements")
                if batch.on_sent:
                    try:  # bookkeeping of what the post is about: never the ack's undoing
                        batch.on_sent(chat_id, sent.message_id, batch.tasks,
                                      named_occurrences(batch.occurrences))
                    except Exception:
                        log.exception("could not keep what acknowledgement %s is about",
                                      sent.message_id)
        except (TelegramError, Later):
            log.exception("could not send %d gathered acknowledgements; their updates stay "
                          "open and are handed back", len(batch.full))
            if self.in_hand is not None:
                self.in_hand.unpaid(batch.updates)
            return
        if self.in_hand is not None:
            self.in_hand.paid(batch.updates)

    async def drain(self) -> None:
        """Send what is waiting (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

"""Acknowledgements in a burst: a group's acknowledgements that arrive within ACK_GATHER_MS go
out as one message ("已记录 12 条报送：…"), so two hundred reports in a minute do not queue two
hundred messages behind Telegram's limit of twenty a minute per group, holding up every other
answer. Each acknowledgement is gathered only after its report is committed; one on its own is
sent as it is, a moment later."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import TelegramError

from bot.language.i18n import DEFAULT_LANG, t
from bot.outputs.render.split import split_text

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    full: list[str] = field(default_factory=list)  # each acknowledgement as it would be sent
    short: list[str] = field(default_factory=list)  # its one-line form for a gathered message


class AckGatherer:
    """Per (chat, topic): the acknowledgements waiting for the window to close."""

    def __init__(self) -> None:
        self._batches: dict[tuple[int, int | None], _Batch] = {}
        self._tasks: set[asyncio.Task] = set()

    def add(self, bot: Bot, chat_id: int, thread_id: int | None, full: str, short: str,
            window_ms: int) -> None:
        key = (chat_id, thread_id)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            task = asyncio.get_running_loop().create_task(self._flush(bot, key, window_ms))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        batch.full.append(full)
        batch.short.append(short)

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
                await bot.send_message(chat_id, chunk, message_thread_id=thread_id)
        except TelegramError:
            log.exception("could not send %d gathered acknowledgements", len(batch.full))

    async def drain(self) -> None:
        """Send what is waiting (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

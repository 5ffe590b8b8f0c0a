"""Builds the python-telegram-bot Application: the only core module that imports telegram."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sqlite3
import ssl
import sys
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlite_utils import Database
from telegram import Bot, BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
    ExtBot,
)
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.language.dates import warm_up
from bot.language.i18n import t
from bot.outputs.scoring import Rules, RulesError, load_rules
from bot.services.directory import sync_coordinators
from bot.services.facts import set_track_from
from bot.store import connection as dbmod
from bot.store import health, inbox
from bot.store.plan import has_plan
from handlers import register
from handlers.acks import InHand
from handlers.commands import menu
from handlers.context import DubanContext, Services, queue_of
from handlers.jobs import schedule_jobs, send_digest_row
from handlers.review import send_review_row
from handlers.sender import Sender, schedule_sweep
from handlers.supervision import send_extension_row, send_notice_row

log = logging.getLogger("duban")


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DEFAULT_API = "https://api.telegram.org"


class RedactingFormatter(logging.Formatter):
    """Writes <token> wherever the bot token would appear (PTB puts it in InvalidToken's text,
    and request URLs carry it), tracebacks included."""

    def __init__(self, token: str | None) -> None:
        super().__init__(LOG_FORMAT)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.token)


def redact(text: str, token: str | None) -> str:
    if not token:
        return text
    text = text.replace(token, "<token>")
    # the secret half alone is as good as the whole
    secret = token.partition(":")[2]
    return text.replace(secret, "<token>") if len(secret) >= 8 else text


def configure_logging(token: str | None = None) -> None:
    logging.basicConfig(format=LOG_FORMAT, level=logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(token))
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


# Telegram's language_code for each menu: the default menu (None) is Chinese.
MENU_LANGUAGE_CODES = {"zh": None, "en": "en"}


class InboxQueue(asyncio.Queue):
    """The Application's update queue: an update is written to the inbox before it is queued.

    Both ways in go through put(): the webhook puts an update here before it answers 200; the
    poller's batch was kept already by InboxBot.get_updates (before the next getUpdates confirms
    it), so here it is only looked up. Nothing Telegram forgets was ever only in memory: when
    the store cannot write, put() raises, and the webhook answers 500 (Telegram sends it again).
    """

    PRUNE_EVERY = 1000  # updates between two prunings of old handled rows

    def __init__(self, db: Database, settings: Settings, watch: health.StoreWatch) -> None:
        super().__init__()
        self.db, self.settings, self.watch, self.stored = db, settings, watch, 0

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            now = datetime.now(self.settings.tz)
            try:
                payload = item.to_json()
                # A polled update was kept by InboxBot.get_updates with its whole batch.
                if not inbox.kept(self.db, item.update_id, payload):
                    inbox.store(self.db, item.update_id, payload, now)
                self.stored += 1
                if self.stored % self.PRUNE_EVERY == 0:
                    inbox.prune(self.db, now)
            except (sqlite3.Error, OSError) as exc:
                if not health.is_storage_error(exc):
                    raise
                self.watch.failed(exc)
                raise health.StorageError(health.kind_of(exc) or health.IO,
                                          self.settings.database_path, str(exc)) from exc
        await super().put(item)

    async def requeue(self, update: Update) -> None:
        """Queue an update that is already in the inbox (the restart's replay)."""
        await super().put(update)


# While the store cannot write, the poller asks Telegram again this often (nothing confirmed).
STORE_PAUSES = (1.0, 2.0, 5.0, 10.0)


class InboxBot(ExtBot):
    """Keeps each polled batch in the inbox in one transaction, before returning it.

    PTB confirms a batch with the offset of its next getUpdates, which it sends only after this
    returns; one commit per batch instead of one per update keeps a burst of a hundred updates
    from stalling the event loop for a hundred disk syncs. InboxQueue.put then finds them kept.

    A batch the store cannot keep (disk full, read-only) is not returned: the offset does not
    move, so Telegram keeps the updates and hands them over again once the store can write.
    """

    def __init__(self, db: Database, settings: Settings, watch: health.StoreWatch,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self._unfrozen():
            self.inbox_db, self.inbox_settings, self.watch = db, settings, watch
            self._store_failures = 0

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        if not self.watch.ok:  # nothing can be kept: ask Telegram for nothing, confirm nothing
            await self._pause()
            return ()
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            try:
                inbox.store_all(self.inbox_db, [(u.update_id, u.to_json()) for u in updates],
                                datetime.now(self.inbox_settings.tz))
            except (sqlite3.Error, OSError) as exc:
                if not health.is_storage_error(exc):
                    raise
                self.watch.failed(exc)
                await self._pause()
                return ()
        self._store_failures = 0
        return updates

    async def _pause(self) -> None:
        """A growing pause before Telegram is asked again, cut short when the store recovers."""
        pause = STORE_PAUSES[min(self._store_failures, len(STORE_PAUSES) - 1)]
        self._store_failures += 1
        await self.watch.wait(pause)


class DubanApplication(Application):
    """Marks each update done in the inbox once every handler group has run for it and its
    acknowledgement went out (handlers/acks.py); an update whose handling met a storage failure
    stays open and is handled again when the store can write."""

    async def process_update(self, update: object) -> None:
        services: Services = self.bot_data
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        if not services.in_hand.take(update.update_id):
            log.info("update %s is in hand already; this copy is skipped", update.update_id)
            return
        try:
            if inbox.is_done(services.db, update.update_id):
                # Handled before a restart and fetched again because its offset was never
                # confirmed: nothing to do (the idempotency keys would make it harmless).
                log.info("update %s was handled before; skipped", update.update_id)
                return
            await super().process_update(update)
        finally:
            services.in_hand.handled(update.update_id)

    async def process_error(self, update: object | None, error: Exception,
                            job: Any = None, coroutine: Any = None) -> bool:
        if health.is_storage_error(error):
            services: Services = self.bot_data
            services.watch.failed(error)
            if isinstance(update, Update):
                services.in_hand.keep_open(update.update_id)
        return await super().process_error(update, error, job, coroutine)


def mark_done_or_keep(services: Services, update_ids: list[int]) -> None:
    """Mark updates done in the inbox; if the store cannot write, they stay open (handled again
    after the store recovers: their records are idempotent, their acknowledgements sent then)."""
    try:
        inbox.mark_all_done(services.db, update_ids, datetime.now(services.settings.tz))
        services.told_storage.difference_update(update_ids)
    except (sqlite3.Error, OSError) as exc:
        if not health.is_storage_error(exc):
            raise
        services.watch.failed(exc)


HAND_BACK_AFTER = 60  # seconds an open update waits before the inbox sweep hands it back


async def hand_back(app: Application, older_than: float = HAND_BACK_AFTER) -> int:
    """Queue the open updates nobody has in hand (their handling met a storage failure, or
    their acknowledgement could not be sent); returns how many."""
    services: Services = app.bot_data
    now = datetime.now(services.settings.tz)
    rows = [row for row in inbox.pending(services.db)
            if row["update_id"] not in services.in_hand.held
            and (now - datetime.fromisoformat(row["received_at"])).total_seconds() >= older_than]
    queue = app.update_queue
    for row in rows:
        update = Update.de_json(json.loads(row["payload"]), app.bot)
        await (queue.requeue(update) if isinstance(queue, InboxQueue) else queue.put(update))
    if rows:
        log.warning("handing back %d update(s) not handled in full", len(rows))
    return len(rows)


async def inbox_sweep_job(context: DubanContext) -> None:
    if context.bot_data.watch.ok:
        await hand_back(context.application)


# Updates handled at once (different people); more wait their turn. 1 turns concurrency off.
CONCURRENT_UPDATES = 32


class PerSenderProcessor(BaseUpdateProcessor):
    """Runs different people's updates concurrently and one person's one after another.

    One person's updates in one chat (their report, then the answer to its question, then a
    button) depend on each other and must run in the order Telegram sent them; different people's
    do not, so a burst of reports does not make the coordinator's /status wait behind all of
    them. The handlers call SQLite synchronously on the event loop, so "concurrently" means
    interleaved at await points (Bot API calls): no transaction is ever open across an await.

    The base class's bound is only a cap on accepted updates; the `running` bound is taken after
    a person's turn comes, so a person with many queued updates does not hold slots while waiting.
    """

    def __init__(self, running: int = CONCURRENT_UPDATES, accepted: int = 4096) -> None:
        super().__init__(max(accepted, running))
        self._running = asyncio.BoundedSemaphore(running)
        self._lines: dict[tuple[int | None, int | None], asyncio.Lock] = {}
        self._queued: dict[tuple[int | None, int | None], int] = {}

    @staticmethod
    def sender(update: object) -> tuple[int | None, int | None]:
        """(chat, user) of an update: the line it waits in."""
        if not isinstance(update, Update):
            return (None, None)
        chat, user = update.effective_chat, update.effective_user
        return (chat.id if chat else None, user.id if user else None)

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        key = self.sender(update)
        # asyncio.Lock wakes waiters first come, first served: updates keep Telegram's order.
        lock = self._lines.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:  # nobody else in this line: forget it
                del self._queued[key], self._lines[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


# Every Bot API call gives up after these many seconds (a stuck call holds up only its own
# person's line, and not for long); uploads (charts, documents) get longer to be written.
TIMEOUTS: dict[str, Any] = {"connect_timeout": 5.0, "read_timeout": 10.0,
                            "write_timeout": 10.0, "pool_timeout": 5.0,
                            "media_write_timeout": 60.0}
# The long poll: PTB adds getUpdates' own `timeout` (how long Telegram may hold it) to read.
POLL_TIMEOUTS: dict[str, Any] = {"connect_timeout": 5.0, "read_timeout": 5.0,
                                 "write_timeout": 5.0, "pool_timeout": 5.0}


async def replay_inbox(app: Application) -> int:
    """Queue the updates kept but never handled (the bot stopped or died); returns how many."""
    services: Services = app.bot_data
    inbox.prune(services.db, datetime.now(services.settings.tz))
    rows = inbox.pending(services.db)
    queue = app.update_queue
    for row in rows:
        update = Update.de_json(json.loads(row["payload"]), app.bot)
        if isinstance(queue, InboxQueue):
            await queue.requeue(update)
        else:
            await queue.put(update)
    if rows:
        log.warning("handling %d update(s) received before the last stop but never handled",
                    len(rows))
    return len(rows)


async def set_commands(app: Application) -> None:
    """The command menu in Chinese (default) and English; a refusal is not fatal."""
    try:
        for lang, code in MENU_LANGUAGE_CODES.items():
            commands = [BotCommand(name, text) for name, text in menu(lang)]
            await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                          language_code=code)
    except TelegramError as exc:
        log.warning("setMyCommands was refused (%s); the bot works without the menu", exc)


async def post_shutdown(app: Application) -> None:
    """Acknowledgements still gathering, and parts being sent, go out before the bot stops."""
    await app.bot_data.acks.drain()
    await app.bot_data.sender.drain()


async def post_init(app: Application) -> None:
    services: Services = app.bot_data
    made, removed = sync_coordinators(services.db, services.settings.coordinator_ids,
                                      now=datetime.now(services.settings.tz))
    if made:
        log.info("coordinators from COORDINATOR_IDS: %s", ", ".join(map(str, made)))
    if removed:
        log.warning("COORDINATOR_IDS no longer lists %s: their coordinator rows were removed",
                    ", ".join(map(str, removed)))
    if not services.settings.coordinator_ids:
        log.warning("COORDINATOR_IDS is empty: nobody can use the coordinator's commands")
    await replay_inbox(app)  # before polling or the webhook starts: these come first
    await set_commands(app)
    schedule_sweep(app)  # parts recorded but unsent (a crash, Telegram down) go out now
    queue_of(app).run_repeating(inbox_sweep_job, interval=HAND_BACK_AFTER, first=HAND_BACK_AFTER,
                                name="inbox", job_kwargs={"misfire_grace_time": 3600,
                                                          "coalesce": True})
    if services.settings.jobs:
        schedule_jobs(app)
    warm_up()  # dateparser's first parse costs ~200 ms; pay it before the first user does
    me = app.bot
    if not getattr(me, "can_read_all_group_messages", True):
        log.warning("privacy mode is on: photos and documents sent to the group reach the bot "
                    "only as replies to its messages or with a /command; make the bot a group "
                    "admin or turn privacy off in @BotFather (then re-add the bot)")
    if services.settings.coordination_chat_id is None:
        log.warning("COORDINATION_CHAT_ID is not set: the bot answers only in private chats")


def build_application(settings: Settings, database=None,
                      concurrency: int = CONCURRENT_UPDATES,
                      rules: Rules | None = None) -> Application:
    """The Application with every handler; `database` defaults to the configured SQLite file;
    `concurrency` people's updates are handled at once (1: one update at a time)."""
    database = database if database is not None else dbmod.connect(settings.database_path)
    urls = {}
    if settings.api_base_url:
        urls["base_url"] = settings.api_base_url
    if settings.file_base_url:
        urls["base_file_url"] = settings.file_base_url
    # The bot is built here (not by the builder) to be an InboxBot; the connection pools are
    # the builder's defaults (256 for requests, 1 for the long poll), with explicit timeouts.
    watch = health.StoreWatch(database, settings.database_path, settings.evidence_dir)
    bot = InboxBot(
        database, settings, watch, token=settings.token, **urls,
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                          link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=AIORateLimiter() if settings.rate_limit else None,
        request=HTTPXRequest(connection_pool_size=256, **TIMEOUTS, httpx_kwargs=_tls()),
        get_updates_request=HTTPXRequest(connection_pool_size=1, **POLL_TIMEOUTS,
                                         httpx_kwargs=_tls()),
    )
    builder = (
        ApplicationBuilder()
        .application_class(DubanApplication)
        .bot(bot)
        .update_queue(InboxQueue(database, settings, watch))
        .context_types(ContextTypes(context=DubanContext, bot_data=Services))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if concurrency > 1:
        builder = builder.concurrent_updates(PerSenderProcessor(concurrency))
    app = builder.build()
    services: Services = app.bot_data
    services.db = database
    services.settings = settings
    services.rules = rules if rules is not None else load_rules(settings.scoring_rules)
    set_track_from(database, settings.track_from)
    services.watch = watch
    services.in_hand = InHand(lambda update_ids: mark_done_or_keep(services, update_ids))
    services.acks.in_hand = services.in_hand

    async def recovered() -> None:  # what could not be stored or handled, handled now
        await hand_back(app, older_than=0)

    watch.on_recovered = recovered
    services.sender = Sender(app)
    services.sender.kinds.update(review=send_review_row, extension=send_extension_row,
                                 notice=send_notice_row, digest=send_digest_row)
    register(app)
    return app


class StartupError(Exception):
    """The bot cannot talk to the Bot API; `key` names the catalogue message that says why."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@functools.cache
def _tls_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()


def _tls() -> dict[str, Any]:
    """The HTTP clients' TLS settings, httpx's defaults: one context (its CA certificates
    loaded once, ~0.7 MB) for the start-up check's two clients and the bot's two."""
    return {"verify": _tls_context()}


async def check_connection(settings: Settings) -> None:
    """One getMe before anything else, so that a rejected token or a wrong API address is
    named plainly (python-telegram-bot's own errors print the token)."""
    if not settings.token:  # `duban run` refuses first; any other caller is told the same
        raise StartupError("run_no_token")
    url = (settings.api_base_url or DEFAULT_API).removesuffix("/bot")
    kwargs: dict[str, Any] = {"base_url": settings.api_base_url} if settings.api_base_url else {}
    bot = Bot(settings.token, **kwargs, request=HTTPXRequest(httpx_kwargs=_tls()),
              get_updates_request=HTTPXRequest(httpx_kwargs=_tls()))
    # What goes wrong here is said below in plain words; PTB's own traceback would only bury it.
    ptb_log = logging.getLogger("telegram")
    level = ptb_log.level
    ptb_log.setLevel(logging.CRITICAL)
    try:
        async with bot:  # initialize() calls getMe
            pass
    except InvalidToken:
        if settings.api_base_url:
            raise StartupError("start_token_rejected_at", url=url) from None
        raise StartupError("start_token_rejected") from None
    except NetworkError as exc:  # includes TimedOut
        raise StartupError("start_api_unreachable", url=url,
                           error=redact(str(exc), settings.token)) from None
    except TelegramError as exc:
        raise StartupError("start_api_failed", url=url,
                           error=redact(str(exc), settings.token)) from None
    finally:
        ptb_log.setLevel(level)


def run_bot(settings: Settings) -> int:
    """Run until stopped: long polling, or a webhook when WEBHOOK_URL is set."""
    configure_logging(settings.token)
    # PTB runs on the current event loop: the check runs on it first and leaves it in place.
    try:
        rules = load_rules(settings.scoring_rules)
    except RulesError as exc:
        for lang in ("zh", "en"):
            print(t("start_rules_broken", lang, html=False, error=exc.phrase()), file=sys.stderr)
        return 2
    # A damaged file is refused before anything reads or writes it (StorageError: the CLI says
    # which file and what to do, status 2).
    health.check_whole(settings.database_path)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(check_connection(settings))
    except StartupError as exc:
        for lang in ("zh", "en"):
            print(redact(t(exc.key, lang, html=False, **exc.params), settings.token),
                  file=sys.stderr)
        return 2
    app = build_application(settings, rules=rules)
    if not has_plan(app.bot_data.db):
        log.warning("no plan loaded: run `python -m bot seed` first")
    if settings.webhook_url:
        app.run_webhook(listen="0.0.0.0", port=settings.webhook_port,
                        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
                        allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0

"""Builds the python-telegram-bot Application: the only core module that imports telegram."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot import db as dbmod
from bot.config import Settings
from bot.dates import warm_up
from bot.directory import ensure_coordinators
from handlers import register
from handlers.commands import menu
from handlers.context import DubanContext, Services
from handlers.jobs import schedule_jobs

log = logging.getLogger("duban")


def configure_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


# Telegram's language_code for each menu: the default menu (None) is Chinese.
MENU_LANGUAGE_CODES = {"zh": None, "en": "en"}


async def set_commands(app: Application) -> None:
    """The command menu in Chinese (default) and English; a refusal is not fatal."""
    try:
        for lang, code in MENU_LANGUAGE_CODES.items():
            commands = [BotCommand(name, text) for name, text in menu(lang)]
            await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(),
                                          language_code=code)
    except TelegramError as exc:
        log.warning("setMyCommands was refused (%s); the bot works without the menu", exc)


async def post_init(app: Application) -> None:
    services: Services = app.bot_data
    ensure_coordinators(services.db, services.settings.coordinator_ids,
                        now=datetime.now(services.settings.tz))
    await set_commands(app)
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


def build_application(settings: Settings, database=None) -> Application:
    """The Application with every handler; `database` defaults to the configured SQLite file."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .context_types(ContextTypes(context=DubanContext, bot_data=Services))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(post_init)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.file_base_url:
        builder = builder.base_file_url(settings.file_base_url)
    if settings.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter())
    app = builder.build()
    services: Services = app.bot_data
    services.db = database if database is not None else dbmod.connect(settings.database_path)
    services.settings = settings
    register(app)
    return app


def run_bot(settings: Settings) -> int:
    """Run until stopped: long polling, or a webhook when WEBHOOK_URL is set."""
    configure_logging()
    app = build_application(settings)
    if app.bot_data.db["tasks"].count == 0:
        log.warning("no plan loaded: run `python -m bot seed` first")
    if settings.webhook_url:
        app.run_webhook(listen="0.0.0.0", port=settings.webhook_port,
                        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
                        allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0

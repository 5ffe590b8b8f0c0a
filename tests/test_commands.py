"""One command list feeds /help, the menu and README; these checks keep them in step."""

from __future__ import annotations

import re

from telegram.ext import CommandHandler

from bot.app import build_application
from bot.config import load_settings
from handlers.commands import COMMANDS, help_text
from tests.conftest import ROOT


def test_readme_lists_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `/(\w+)` \|", readme, flags=re.MULTILINE))
    assert listed == {c.name for c in COMMANDS}


def test_every_command_has_a_handler_and_help(tmp_path):
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "1:x",
                              "DATABASE_PATH": str(tmp_path / "x.db")}, dotenv=None)
    app = build_application(settings)
    handled = set()
    for group in app.handlers.values():
        for handler in group:
            for h in [handler, *getattr(handler, "entry_points", [])]:
                if isinstance(h, CommandHandler):
                    handled |= set(h.commands)
    assert {c.name for c in COMMANDS} <= handled
    everyone, coordinator = help_text("zh", False), help_text("zh", True)
    for c in COMMANDS:
        assert (f"/{c.name} " in everyone) != c.coordinator
        assert f"/{c.name} " in coordinator
    assert "/report" in help_text("en", False) and "report progress" in help_text("en", False)
    app.bot_data.db.close()


def test_menu_descriptions_fit_telegram():
    for c in COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", c.name)
        assert 1 <= len(c.zh) <= 256 and 1 <= len(c.en) <= 256


def test_the_token_never_reaches_the_logs(caplog):
    import logging

    from bot.app import configure_logging

    configure_logging()
    with caplog.at_level(logging.INFO):
        # httpx logs each request URL, token included, at INFO: it must be silenced
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot1:SECRET/x")
    assert "SECRET" not in caplog.text

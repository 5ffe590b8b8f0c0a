"""One command list feeds /help, the menu and the user guide; these checks keep them in step."""

from __future__ import annotations

import re

from telegram.ext import CommandHandler

from bot.app import build_application
from bot.config import load_settings
from bot.domain.access import Audience
from handlers.commands import COMMANDS, command_table, help_text, menu
from tests.conftest import ROOT


def test_the_guides_command_table_is_the_declared_one():
    """The user guide's table is generated from the command table: regenerate it with
    `python -c "from handlers.commands import command_table; print(command_table())"`."""
    guide = (ROOT / "docs" / "使用指南.md").read_text(encoding="utf-8")
    lines = guide.splitlines()
    start = lines.index("| command | 中文 | English | who |")
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    table = "\n".join(lines[start:end])
    assert table == command_table()
    assert guide.count("| command | 中文 | English | who |") == 1


def test_every_command_is_declared_once():
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))


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
        if c.name == "start":
            continue
        coordinator_only = c.audience is Audience.COORDINATOR
        assert (f"/{c.name} " in everyone) != coordinator_only
        assert f"/{c.name} " in coordinator
    assert "/report" in help_text("en", False) and "report progress" in help_text("en", False)
    app.bot_data.db.close()


def test_menu_descriptions_fit_telegram():
    for lang in ("zh", "en"):
        entries = menu(lang)
        assert len(entries) >= 15
        for name, text in entries:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
            assert 2 <= len(text) <= 256


def test_the_token_never_reaches_the_logs(caplog):
    import logging

    from bot.app import configure_logging

    configure_logging()
    with caplog.at_level(logging.INFO):
        # httpx logs each request URL, token included, at INFO: it must be silenced
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot1:SECRET/x")
    assert "SECRET" not in caplog.text


def test_a_claim_waiting_offers_undo_only_while_it_can_be_taken_back(seeded):
    """QA re-trial N3: 18 days after a claim, a report was told to /undo within 30 minutes."""
    from datetime import date, timedelta

    import pytest

    from bot.errors import DubanError
    from bot.services.commands import record_report, request_extension
    from tests.conftest import EDU_LIAISON, at

    claimed = at("2022-03-02 10:00")
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=claimed)
    for later, key in ((timedelta(minutes=20), "task_claimed"),
                       (timedelta(minutes=40), "task_claimed_wait"),
                       (timedelta(days=18), "task_claimed_wait")):
        with pytest.raises(DubanError) as refused:
            record_report(seeded, user_id=EDU_LIAISON, task_ref="T01", percent=50,
                          now=claimed + later)
        assert refused.value.key == key, later
    with pytest.raises(DubanError) as refused:  # and /extend says no extension is needed
        request_extension(seeded, user_id=EDU_LIAISON, task_ref="T01", due=date(2022, 9, 30),
                          reason="材料补充", now=claimed + timedelta(days=18))
    assert refused.value.key == "extend_claimed"

"""Settings are validated once, with errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults():
    s = load_settings({}, dotenv=None)
    assert s.token is None and str(s.tz) == "Asia/Shanghai"
    assert s.database_path == Path("data/duban.db") and s.rate_limit


def test_values_and_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:abc\nCOORDINATOR_IDS=5\n# comment\n", encoding="utf-8")
    s = load_settings({"COORDINATOR_IDS": "1, 2;3", "COORDINATION_CHAT_ID": "-100123",
                       "RATE_LIMIT": "off", "TZ": "UTC"}, dotenv=env_file)
    assert s.token == "1:abc"  # from the file
    assert s.coordinator_ids == {1, 2, 3}  # the environment wins over the file
    assert s.coordination_chat_id == -100123 and not s.rate_limit and str(s.tz) == "UTC"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TZ": "Mars/Olympus"}, "TZ='Mars/Olympus'"),
        ({"COORDINATOR_IDS": "12,abc"}, "COORDINATOR_IDS: 'abc'"),
        ({"COORDINATION_CHAT_ID": "group"}, "COORDINATION_CHAT_ID='group'"),
        ({"WEBHOOK_URL": "http://x"}, "https://"),
        ({"WEBHOOK_URL": "https://x/tg"}, "WEBHOOK_SECRET is required"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError) as err:
        load_settings(env, dotenv=None)
    assert message in str(err.value)

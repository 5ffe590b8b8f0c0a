"""An English-preferring member through the real stack: what is addressed to them is in English,
the group's notices add an English line for their department, and the department names they
type (the plan's English short names) are understood."""

from __future__ import annotations

import pytest

from bot.services.directory import add_member
from tests.conftest import at
from tests.test_bot_e2e import Env
from tests.test_bot_e2e import env as bot_env  # noqa: F401 (the fixture, used below)

MARY = 1009


@pytest.fixture
def env(bot_env):  # noqa: F811
    add_member(bot_env.db, user_id=MARY, dept="WOMEN", role="liaison", now=at("2022-01-05"),
               actor="test", name="Mary")
    bot_env.db["members"].update(MARY, {"lang": "en"})
    return bot_env


@pytest.fixture
def mary(env: Env) -> dict:
    return env.server.user(MARY, "Mary", language_code="en")


async def test_english_short_names_of_departments_are_understood(env: Env, mary: dict):
    # the plan's English short name (short_en), as an English speaker types it
    answer = await env.say(env.coordinator, "/status Education")
    assert "教育局" in answer and "没有" not in answer
    assert "卫生健康委员会" in await env.say(env.coordinator, "/status Health Commission")
    assert "人力资源" in await env.say(env.coordinator, "/status HR & Social Security")
    answer = await env.say(mary, "/status Women's Federation")
    assert "Women's Federation" in answer and "There is no department" not in answer

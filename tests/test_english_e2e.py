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



ANN = 1010


async def test_what_is_said_to_an_english_member_is_in_english(env: Env):
    """The rule: a post to the group is in the group's language (Chinese); a line addressed to
    one person is in that person's. Ann's extension decisions and the check of her claim reach
    her in English; the group's card and the coordinator's confirmations stay Chinese."""
    from tests.test_bot_e2e import GROUP

    add_member(env.db, user_id=ANN, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="Ann")
    env.db["members"].update(ANN, {"lang": "en"})
    ann = env.server.user(ANN, "Ann", language_code="en")
    await env.server.send_text(env.coordinator, GROUP, "/deadline T44 2099年6月底前")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, ask.message, "dl:ok:T44:2099-06-30:*")
    await env.server.wait_for_bot(method="editMessageText")
    notice = await env.server.wait_for_bot(chat_id=GROUP)  # the 交办单
    await env.server.press_button(ann, notice.message, "ack:*")
    await env.server.wait_for_bot(method="editMessageText")
    await env.server.send_text(ann, GROUP, "/extend T44 2099-09-30 the venue is closed")
    assert "extension" in (await env.next_text()).lower()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "延期申请" in card.text  # the card is the group's: Chinese
    await env.server.press_button(env.coordinator, card.message, "ex:ok:T44:*")
    assert "已批准延期" in (await env.server.wait_for_bot(method="editMessageText")).text
    told = await env.next_text()
    assert told.startswith("Ann: the extension of T44 was approved") and "的" not in told

    await env.server.send_text(ann, GROUP, "/extend T44 2099-12-31 still closed")
    await env.next_text()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, card.message, "ex:no:T44:*")
    prompt = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_text(env.coordinator, GROUP, "时间已足够", reply_to=prompt.message)
    refused = (await env.next_text()).split("\n")
    assert refused[0].startswith("❌ 未批准 T44 的延期申请") and "Ann" not in refused[0]
    assert refused[1] == "Ann: the extension of T44 was refused. Reason: 时间已足够"

    await env.server.send_text(ann, GROUP, "/report T41 100 done")
    await env.next_text()
    review = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, review.message, "rv:close:T41:*")
    assert "已核实销号" in (await env.server.wait_for_bot(method="editMessageText")).text
    thanked = await env.next_text()
    assert thanked.startswith("Ann: ") and "T41" in thanked and "已核实" not in thanked


async def test_english_help_is_all_english(env: Env, mary: dict):
    import re

    text = await env.say(mary, "/help")
    assert "chase notice" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("中文", ""))


async def test_a_notice_to_an_english_liaison_repeats_itself_in_english(env: Env, mary: dict):
    """A 督办单 is the group's (Chinese, with the 签收 button); the part addressed to Mary, who
    reads English, follows it in English, naming her."""
    notice = await env.say(env.coordinator, "/chase T49")
    chinese, english = notice.split("\n\n")
    assert "督办单" in chinese and "Mary" not in chinese
    assert "chase notice" in english.lower() and "Mary" in english
    assert "Women's Federation" in english and "Please acknowledge" in english

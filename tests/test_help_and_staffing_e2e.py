"""/help says only what works in Telegram's privacy mode (and what an admin bot adds), checked
by doing what it says; departments without a liaison are said so and offered a way in."""

from __future__ import annotations

import pytest

from tests.test_bot_e2e import GROUP, JPEG, NEWBIE_ID, Env
from tests.test_bot_e2e import env as bot_env  # noqa: F401 (the fixture, used below)


@pytest.fixture
def env(bot_env):  # noqa: F811
    return bot_env


async def test_help_tells_what_works_in_privacy_mode_and_it_does(env: Env):
    text = await env.say(env.liaison, "/help")
    assert "回复机器人" in text and "/report T12 60 说明" in text and "管理员" in text
    # the instruction the fortnight found failing is no longer given without its condition
    footer = text.split("隐私模式")[1]
    assert "#T12" in footer and "私聊" in footer
    # 1. a reply to the bot's post about a task, with a photo: evidence
    await env.server.send_text(env.liaison, GROUP, "/report T41 30")
    ack = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_photo(env.liaison, GROUP, JPEG, reply_to=ack.message)
    assert "已保存佐证材料：T41" in await env.next_text()
    # 2. a photo captioned with the /report command: recorded with its evidence
    await env.server.send_photo(env.liaison, GROUP, JPEG + b"2", caption="/report T41 60 挂牌")
    assert "60%" in await env.next_text()
    # 3. a photo captioned only #T41 in the group: Telegram does not deliver it (privacy mode),
    #    as /help says; in private it works, and in the group once the bot is an admin
    hidden = len(env.server.hidden)
    await env.server.send_photo(env.liaison, GROUP, JPEG + b"3", caption="#T41 现场")
    assert len(env.server.hidden) == hidden + 1
    await env.server.send_photo(env.liaison, env.liaison["id"], JPEG + b"3", caption="#T41 现场")
    assert "已保存佐证材料" in await env.next_text(env.liaison["id"])
    env.server.set_bot_admin(GROUP)
    await env.server.send_photo(env.liaison, GROUP, JPEG + b"4", caption="#T41 现场")
    assert "已保存佐证材料" in await env.next_text()
    assert env.db["evidence"].count == 4
    # the English /help says the same
    await env.say(env.liaison, "/lang en")
    text = await env.say(env.liaison, "/help")
    assert "privacy mode" in text and "reply to the bot" in text and "admin" in text


async def test_a_department_without_a_liaison(env: Env):
    # /chase posts nothing nobody can sign, and says why and how to fix it
    refused = await env.say(env.coordinator, "/chase 文明办")
    assert "文明办 尚无联络员" in refused and "start=join_CIVIL" in refused
    assert env.db["notices"].count == 0 and env.db["reports"].count_where("kind = 'chase'") == 0
    # /status and the digest list the unstaffed departments, each with its link
    status = await env.say(env.coordinator, "/status")
    unstaffed = status.split("无联络员单位")[1]
    assert "文明办" in unstaffed and "卫健委" not in unstaffed
    await env.server.send_text(env.coordinator, GROUP, "/status")
    call = await env.server.wait_for_bot(chat_id=GROUP)
    links = [e["url"] for e in call.message["entities"] if e.get("type") == "text_link"]
    assert "https://t.me/duban_test_bot?start=join_CIVIL" in links
    await env.server.send_text(env.coordinator, GROUP, "/digest")
    digest = await env.server.wait_for_bot(chat_id=GROUP)
    assert "无联络员单位" in digest.text and "文明办" in digest.text.split("无联络员单位")[1]
    await env.server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
    # the link opens a private chat with /start join_CIVIL: an application for 文明办
    await env.server.send_text(env.newbie, NEWBIE_ID, "/start join_CIVIL")
    assert "文明办" in await env.next_text(NEWBIE_ID)
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "文明办" in card.text
    await env.server.press_button(env.coordinator, card.message, "join:approve:*")
    await env.server.wait_for_bot(method="editMessageText")
    # its first liaison approved, the department gets the 交办单 it was owed, once
    notice = await env.server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "交办单" in c.text)
    assert "【文明办】陈新人" in notice.text
    assert "尚无联络员" not in await env.say(env.coordinator, "/chase 文明办")

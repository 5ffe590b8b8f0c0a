"""Joining, through the real stack in privacy mode: decisions reach the applicant in their own
language, privately or (Telegram refusing: 403) by a mention in the group; a refusal asks for a
reason, tells it, and holds for a day; a card decided by command loses its buttons."""

from __future__ import annotations

import pytest

from tests.conftest import at
from tests.test_bot_e2e import COORD_ID, GROUP, Env
from tests.test_bot_e2e import env as bot_env  # noqa: F401 (the fixture, used below)


@pytest.fixture
def env(bot_env):  # noqa: F811
    return bot_env


def _buttons(env: Env, card) -> list:
    return (env.server.messages[(GROUP, card.message["message_id"])].get("reply_markup")
            or {}).get("inline_keyboard", [])


async def test_an_english_applicant_who_never_started_the_bot_hears_by_mention(env: Env):
    mary = env.server.user(2024, "Mary", language_code="en")
    await env.server.send_text(mary, GROUP, "/join 妇联")
    await env.next_text()  # "application made", in the group
    card = await env.server.wait_for_bot(chat_id=GROUP,
                                         predicate=lambda c: "联络员登记申请" in c.text)
    assert "approved" not in card.text
    await env.say(env.coordinator, "/approve 2024")  # by command, not by the card's buttons
    told = await env.server.wait_for_bot(chat_id=GROUP)
    assert "Mary is approved as liaison for Quanzhou Women's Federation" in told.text
    assert told.message["reply_to_message"]["message_id"] == card.message["message_id"]
    await env.server.wait_idle(quiet=0.2)
    assert _buttons(env, card) == []  # decided by command: the card's buttons went too
    assert any(c.params.get("chat_id") == 2024 and "initiate conversation" in c.result
               for c in env.server.failed)


async def test_an_applicant_who_started_the_bot_hears_privately(env: Env):
    await env.say(env.newbie, "/start", chat=env.newbie["id"])
    await env.say(env.newbie, "/join 妇联", chat=env.newbie["id"])
    card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, card.message, "join:approve:*")
    assert "已获批准" in (await env.server.wait_for_bot(method="editMessageText")).text
    private = await env.server.wait_for_bot(chat_id=env.newbie["id"])
    assert "已获批准" in private.text
    await env.server.wait_idle(quiet=0.2)
    assert not any("已获批准" in m for m in env.server.bot_messages(GROUP))  # no second word


async def test_a_refusal_asks_why_tells_it_and_holds_for_a_day(env: Env):
    clock = {"now": at("2022-03-01 10:00")}
    env.app.bot_data.clock = lambda: clock["now"]
    env.server.block_bot(env.newbie["id"])  # a blocked bot: Telegram answers 403 as well
    await env.say(env.newbie, "/join 妇联")
    card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.newbie, card.message, "join:refuse:*")  # not theirs
    await env.server.wait_for_bot(method="answerCallbackQuery",
                                  predicate=lambda c: c.params.get("show_alert"))
    await env.server.press_button(env.coordinator, card.message, "join:refuse:*")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "原因" in ask.text and ask.params["reply_markup"]["force_reply"] is True
    assert env.db["members"].get(env.newbie["id"])["status"] == "pending"  # nothing yet
    await env.server.send_text(env.coordinator, GROUP, "请由单位负责人推荐", reply_to=ask.message)
    answer = await env.next_text()
    assert "未获批准" in answer and "请由单位负责人推荐" in answer and "陈新人" in answer
    await env.server.wait_idle(quiet=0.2)
    assert _buttons(env, card) == []
    # the applicant was mentioned in that answer, in their language: no second message
    await env.server.wait_idle(quiet=0.2)
    assert sum("未获批准" in m for m in env.server.bot_messages(GROUP)) == 1, env.server.bot_messages(GROUP)
    # applying again the same day is refused with the reason, and posts no card
    clock["now"] = at("2022-03-01 18:00")
    again = await env.say(env.newbie, "/join 妇联")
    assert "请由单位负责人推荐" in again and "03-02 10:00" in again
    await env.server.wait_idle(quiet=0.2)
    assert sum("申请登记为" in m for m in env.server.bot_messages(GROUP)) == 1
    # a day later: a new card, showing the earlier refusal
    clock["now"] = at("2022-03-02 10:01")
    await env.say(env.newbie, "/join 妇联")
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "此前被拒绝 1 次" in card.text and "2022-03-01 妇联：请由单位负责人推荐" in card.text
    # /refuse with the reason typed at once
    await env.server.send_text(env.coordinator, COORD_ID, "/refuse 1010 重复申请")
    assert "未获批准" in (await env.server.wait_for_bot(chat_id=COORD_ID)).text
    told = await env.server.wait_for_bot(chat_id=GROUP)  # decided in private: the group hears
    assert "重复申请" in told.text
    assert told.message["reply_to_message"]["message_id"] == card.message["message_id"]
    await env.server.wait_idle(quiet=0.2)
    assert _buttons(env, card) == []

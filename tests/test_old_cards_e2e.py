"""Buttons on cards Telegram no longer shows the bot (over 48 hours old: the press carries the
message as inaccessible, dated 0, with no text): what needs only the card's chat still works,
the guided report's question and a kept file go to that chat. Through the real stack."""

# ruff: noqa: F811  (the `env` fixture is imported from tests/test_bot_e2e.py)
from __future__ import annotations

from tests.test_bot_e2e import GROUP, JPEG, Env, env  # noqa: F401


async def test_an_old_task_card_still_starts_the_report_in_its_chat(env: Env):
    await env.server.send_text(env.liaison, GROUP, "/report")
    pick = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, pick.message, "rf:task:T41", inaccessible=True)
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "T41" in ask.text and "进度" in ask.text
    await env.server.press_button(env.liaison, ask.message, "rf:p:*:50")
    note = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_text(env.liaison, GROUP, "跳过", reply_to=note.message)
    ev = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, ev.message, "rf:done:*", inaccessible=True)
    confirm = await env.server.wait_for_bot(chat_id=GROUP)
    assert "50%" in confirm.text
    await env.server.press_button(env.liaison, confirm.message, "rf:ok:*")
    assert "已记录" in await env.next_text()
    assert env.db["reports"].count == 1


async def test_an_old_evidence_list_still_sends_the_file_to_its_chat(env: Env):
    env.server.set_bot_admin(GROUP)  # so that a captioned photo reaches the bot
    await env.server.send_photo(env.liaison, GROUP, JPEG, caption="#T41 挂牌照片")
    assert "已保存佐证材料" in await env.next_text()
    await env.server.send_text(env.liaison, GROUP, "/evidence T41")
    listing = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, listing.message, "ev:*", inaccessible=True)
    photo = await env.server.wait_for_bot(chat_id=GROUP, method="sendPhoto")
    assert photo.message["caption"].startswith("T41")


async def test_an_old_review_card_still_closes_the_claim_and_tells_the_reporter(env: Env):
    await env.say(env.liaison, "/report T41 100 已完成")
    review = await env.server.wait_for_bot(chat_id=GROUP)
    assert "待核实" in review.text
    await env.server.press_button(env.coordinator, review.message, "rv:close:T41:*",
                                  inaccessible=True)
    assert "已核实销号" in (await env.server.wait_for_bot(method="editMessageText")).text
    assert "已核实销号" in await env.next_text()  # the reporter hears it, in the card's chat
    assert "已销号" in await env.say(env.coordinator, "/status T41")

"""One pending application per person, cards that approve only what they show, and strangers who
write nothing: through the real stack."""

# ruff: noqa: F811  (the `env` fixture is imported from tests/test_bot_e2e.py)
from __future__ import annotations

import pytest

from bot.errors import DubanError
from bot.services.directory import decide_join, get_member, request_join, set_language
from tests.conftest import at
from tests.test_bot_e2e import GROUP, NEWBIE_ID, STRANGER_ID, Env, env  # noqa: F401


async def test_a_repeated_join_posts_no_second_card(env: Env):
    assert "已提交申请" in await env.say(env.newbie, "/join 卫健委")
    await env.next_text()  # the card
    text = await env.say(env.newbie, "/join 卫生健康委员会")
    assert "您的申请已提交，正在等待统筹人审核" in text and "卫健委" in text
    await env.server.wait_idle(quiet=0.2)
    cards = [m for m in env.server.bot_messages(GROUP) if "联络员登记申请" in m]
    assert len(cards) == 1, cards
    assert env.db["audit"].count_where("action = 'member.add' AND entity_id = ?",
                                       [str(NEWBIE_ID)]) == 1


async def test_the_old_card_cannot_approve_a_changed_application(env: Env):
    await env.say(env.newbie, "/join 卫健委")
    old_card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.say(env.newbie, "/join 教育局")
    new_card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "教育局" in new_card.text
    await env.server.press_button(env.coordinator, old_card.message,
                                  f"join:approve:{NEWBIE_ID}:HEALTH")
    alert = await env.server.wait_for_bot(method="answerCallbackQuery",
                                          predicate=lambda c: "show_alert" in c.params)
    assert "失效" in alert.params["text"] and "教育局" in alert.params["text"]
    assert get_member(env.db, NEWBIE_ID)["status"] == "pending"
    await env.server.press_button(env.coordinator, new_card.message,
                                  f"join:approve:{NEWBIE_ID}:EDU")
    edited = await env.server.wait_for_bot(method="editMessageText")
    assert "已获批准" in edited.text and "教育局" in edited.text
    member = get_member(env.db, NEWBIE_ID)
    assert (member["status"], member["dept"]) == ("active", "EDU")


async def test_a_card_without_a_department_is_expired(env: Env):
    await env.say(env.newbie, "/join 卫健委")
    card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, card.message, f"join:approve:{NEWBIE_ID}",
                                  check=False)  # a card posted before the department was added
    await env.server.wait_for_bot(method="answerCallbackQuery",
                                  predicate=lambda c: "show_alert" in c.params)
    assert get_member(env.db, NEWBIE_ID)["status"] == "pending"


async def test_a_strangers_lang_writes_nothing(env: Env):
    before = env.db["members"].count, env.db["audit"].count
    text = await env.say(env.stranger, "/lang zh", chat=STRANGER_ID)
    assert "暂不保存" in text
    assert get_member(env.db, STRANGER_ID) is None
    assert (env.db["members"].count, env.db["audit"].count) == before
    # once they apply, the choice is kept
    await env.say(env.stranger, "/join 卫健委", chat=STRANGER_ID)
    assert "已切换为中文" in await env.say(env.stranger, "/lang zh", chat=STRANGER_ID)
    assert get_member(env.db, STRANGER_ID)["lang"] == "zh"


def test_decide_join_refuses_a_department_nobody_saw(db, plan):
    from bot.services.plan import load_plan
    load_plan(db, plan, now=at("2022-01-05"))
    request_join(db, user_id=7, dept_text="卫健委", now=at("2022-02-01"))
    with pytest.raises(DubanError) as err:
        request_join(db, user_id=7, dept_text="HEALTH", now=at("2022-02-02"))
    assert err.value.key == "join_pending"
    request_join(db, user_id=7, dept_text="教育局", now=at("2022-02-03"))
    with pytest.raises(DubanError) as err:
        decide_join(db, user_id=7, approve=True, now=at("2022-02-04"), actor=1,
                    expected_dept="HEALTH")
    assert err.value.key == "join_card_stale"
    assert get_member(db, 7)["status"] == "pending"
    assert decide_join(db, user_id=7, approve=True, now=at("2022-02-04"), actor=1,
                       expected_dept="EDU")["dept"] == "EDU"
    assert not set_language(db, user_id=8, lang="en", now=at("2022-02-04"))
    assert get_member(db, 8) is None

"""Messages sent under a borrowed identity record nothing and say why: an anonymous group admin
(GroupAnonymousBot), a channel identity (Channel_Bot), a forwarded command, a command sent via an
inline bot. And answers go to the forum topic they were asked in. Through the real stack."""

# ruff: noqa: F811  (the `env` fixture is imported from tests/test_bot_e2e.py)
from __future__ import annotations

from bot.services.directory import get_member
from tests.test_bot_e2e import GROUP, JPEG, LIAISON_ID, NEWBIE_ID, STRANGER_ID, Env, env  # noqa: F401

ANONYMOUS = {"id": 1087968824, "is_bot": True, "first_name": "Group",
             "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel",
               "username": "Channel_Bot"}
THE_GROUP = {"id": GROUP, "type": "supergroup", "title": "心理健康教育督办群"}
A_CHANNEL = {"id": -1002223334445, "type": "channel", "title": "卫健委发布"}


def _recorded(env: Env) -> tuple[int, int, int]:
    return env.db["reports"].count, env.db["evidence"].count, env.db["members"].count


async def test_an_anonymous_admin_records_nothing_and_is_told_to_show_themselves(env: Env):
    before = _recorded(env)
    await env.server.send_text(ANONYMOUS, GROUP, "/report T41 60 匿名报送",
                               sender_chat=THE_GROUP)
    text = await env.next_text()
    assert "以匿名身份发言" in text and "T41" not in text
    await env.server.send_text(ANONYMOUS, GROUP, "/join 卫健委", sender_chat=THE_GROUP)
    assert "以匿名身份发言" in await env.next_text()
    env.server.set_bot_admin(GROUP)  # so that a plain captioned photo reaches the bot
    await env.server.send_photo(ANONYMOUS, GROUP, JPEG, caption="#T41 现场照片",
                                sender_chat=THE_GROUP)
    assert "以匿名身份发言" in await env.next_text()
    # ordinary chatter of an anonymous admin is passed over in silence
    await env.server.send_text(ANONYMOUS, GROUP, "大家好", sender_chat=THE_GROUP)
    # and so is a linked channel's post copied into the group, photo and all
    await env.server.send_photo(CHANNEL_BOT, GROUP, JPEG, caption="#T41 频道发布",
                                sender_chat=A_CHANNEL, is_automatic_forward=True)
    await env.server.wait_idle(quiet=0.2)
    assert len(env.server.bot_messages(GROUP)) == 3
    assert _recorded(env) == before
    assert get_member(env.db, ANONYMOUS["id"]) is None


async def test_a_channel_identity_and_a_reply_to_a_prompt_record_nothing(env: Env):
    await env.server.send_text(env.liaison, GROUP, "/report")
    pick = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, pick.message, "rf:task:T41")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, ask.message, "rf:p:*:50")
    note = await env.server.wait_for_bot(chat_id=GROUP)
    before = _recorded(env)
    # the liaison, posting as the department's channel, answers the question
    await env.server.send_text(CHANNEL_BOT, GROUP, "已完成", reply_to=note.message,
                               sender_chat=A_CHANNEL)
    text = await env.next_text()
    assert "频道身份" in text
    # and anonymously
    await env.server.send_text(ANONYMOUS, GROUP, "已完成", reply_to=note.message,
                               sender_chat=THE_GROUP)
    assert "以匿名身份发言" in await env.next_text()
    # an anonymous admin's button press (Telegram sends none today) is refused too
    await env.server.press_button(ANONYMOUS, pick.message, "rf:task:T41", check=False)
    alert = await env.server.wait_for_bot(method="answerCallbackQuery",
                                          predicate=lambda c: "show_alert" in c.params)
    assert alert.params.get("show_alert") and "匿名" in alert.params["text"]
    assert _recorded(env) == before


async def test_forwarded_and_via_bot_commands_are_not_carried_out(env: Env):
    before = _recorded(env)
    origin = {"type": "user", "date": 1700000000, "sender_user": env.liaison}
    await env.server.send_text(env.liaison, GROUP, "/report T41 60 转发的", forward_origin=origin)
    assert "转发的命令不会执行" in await env.next_text()
    await env.server.send_text(env.newbie, GROUP, "/join 卫健委",
                               via_bot={"id": 555, "is_bot": True, "first_name": "Inline",
                                        "username": "some_inline_bot"})
    assert "其他机器人" in await env.next_text()
    # in a private chat the refusal is in the person's language
    await env.server.send_text(env.stranger, STRANGER_ID, "/join 卫健委", forward_origin=origin)
    assert "Forwarded commands" in await env.next_text(chat=STRANGER_ID)
    assert _recorded(env) == before
    assert get_member(env.db, NEWBIE_ID) is None and get_member(env.db, STRANGER_ID) is None
    # the liaison's own command still works
    assert "T41" in await env.say(env.liaison, "/report T41 60 本人报送")
    assert env.db["reports"].count == before[0] + 1
    assert env.db["reports"].get(env.db["reports"].count)["user_id"] == LIAISON_ID


async def test_answers_go_to_the_forum_topic_the_command_came_from(env: Env):
    await env.server.send_text(env.liaison, GROUP, "/whoami", message_thread_id=77,
                               is_topic_message=True)
    answer = await env.server.wait_for_bot(chat_id=GROUP)
    assert answer.params.get("message_thread_id") == 77
    assert answer.message["message_thread_id"] == 77 and answer.message["is_topic_message"]
    # a refusal in a topic stays there too
    await env.server.send_text(env.stranger, GROUP, "/report T41 60 x", message_thread_id=78,
                               is_topic_message=True)
    refusal = await env.server.wait_for_bot(chat_id=GROUP)
    assert refusal.message["message_thread_id"] == 78
    # outside any topic, no thread is set
    await env.server.send_text(env.liaison, GROUP, "/whoami")
    plain = await env.server.wait_for_bot(chat_id=GROUP)
    assert "message_thread_id" not in plain.params and "message_thread_id" not in plain.message

"""What people type with a Chinese input method, and /extend's dates, through the real stack in
privacy mode: full-width letters, digits and slash, the ideographic space; several-word dates;
withdrawing a request."""

from __future__ import annotations

import pytest

from bot.services.commands import set_deadline
from tests.conftest import at
from tests.test_bot_e2e import COORD_ID, GROUP, LIAISON_ID, Env
from tests.test_bot_e2e import env as bot_env  # noqa: F401 (the fixture, used below)


@pytest.fixture
def env(bot_env):  # noqa: F811
    bot_env.app.bot_data.clock = lambda: at("2022-06-20 10:00")  # a Monday
    set_deadline(bot_env.db, user_id=COORD_ID, task_ref="T41", due=at("2022-06-30").date(),
                 now=at("2022-06-20 09:00"))
    return bot_env


def _notes(env: Env) -> list[str]:
    return [r["note"] for r in env.db["reports"].rows_where("kind = 'progress'", order_by="id")]


async def test_full_width_letters_digits_and_spaces_are_read(env: Env):
    assert "40%" in await env.say(env.liaison, "/report Ｔ41 ４０ 已推进，含三家医院")
    assert "50%" in await env.say(env.liaison, "/report　T41　５０％")  # ideographic spaces
    assert "60%" in await env.say(env.liaison, "/report ＃ｔ４１ 60")
    assert _notes(env) == ["已推进，含三家医院", "", ""]  # the note as typed: "，" stays
    assert "泉州市卫生健康委员会" in await env.say(env.coordinator, "/status 卫健委")
    assert "T41" in await env.say(env.coordinator, "/status Ｔ４１")


async def test_a_full_width_slash_works_wherever_the_bot_can_see_it(env: Env):
    # in private the bot sees everything: "／report" is carried out like /report
    text = await env.say(env.liaison, "／report Ｔ41 30 私聊报送", chat=LIAISON_ID)
    assert "已记录" in text and "30%" in text
    assert "T41" in await env.say(env.liaison, "/ｔａｓｋｓ", chat=LIAISON_ID)
    assert "无此命令" in await env.say(env.liaison, "／frobnicate", chat=LIAISON_ID)
    assert "您是不是要用 /report" in await env.say(env.liaison, "/reprot T41 30")  # a typo
    assert "/status" in await env.say(env.liaison, "／ｓｔａｔｕｓｓ", chat=LIAISON_ID)
    # a stranger's "／join" is the open command it is, in private
    assert "已提交申请" in await env.say(env.newbie, "／join 妇联", chat=env.newbie["id"])
    assert "联络员登记申请" in await env.next_text()  # the card for the coordinator
    # in the group, privacy mode hides text that is no command: Telegram never delivers it ...
    hidden = len(env.server.hidden)
    await env.server.send_text(env.liaison, GROUP, "／report T41 35")
    assert len(env.server.hidden) == hidden + 1
    # ... unless it replies to the bot, or the bot is an admin
    await env.server.send_text(env.coordinator, GROUP, "/whoami")
    post = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_text(env.liaison, GROUP, "／report T41 45", reply_to=post.message)
    assert "45%" in await env.next_text()
    env.server.set_bot_admin(GROUP)
    assert "55%" in await env.say(env.liaison, "／ｒｅｐｏｒｔ　Ｔ４１　５５")
    assert [r["percent"] for r in env.db["reports"].rows_where("kind = 'progress'")] == [
        30, 45, 55]


async def test_extend_reads_its_date_like_deadline_and_can_be_withdrawn(env: Env):
    await env.say(env.coordinator, "/lang zh")
    await env.server.send_text(env.liaison, GROUP, "/extend T41 end of July 专家未到位")
    assert "2022年7月31日" in await env.next_text()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "专家未到位" in card.text
    ext = env.db["reports"].get(env.db["reports"].count)
    assert ext["kind"] == "extend_request" and '"due": "2022-07-31"' in ext["data"]
    # someone else may not take it back; the applicant may
    assert "只有申请人本人" in await env.say(env.coordinator, "/extend T41 撤回")
    text = await env.say(env.liaison, "/extend Ｔ41 撤回")
    assert "已撤回 T41 的延期申请" in text
    await env.server.wait_idle(quiet=0.2)
    assert env.server.messages[(GROUP, card.message["message_id"])].get("reply_markup") is None
    assert "没有待审批的延期申请" in await env.say(env.liaison, "/extend T41 撤回")

    # English, several words, with a lead-in; the reason is what follows
    await env.say(env.liaison, "/lang en")
    await env.server.send_text(env.liaison, GROUP,
                               "/extend T41 in principle by Friday next week the venue is late")
    assert "Friday 1 July 2022" in await env.next_text()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "the venue is late" in card.text
    # the button on the card is the applicant's alone
    await env.server.press_button(env.coordinator, card.message, "ex:wd:T41:*")
    alert = await env.server.wait_for_bot(method="answerCallbackQuery",
                                          predicate=lambda c: c.params.get("show_alert"))
    assert "只有申请人本人" in alert.params["text"]
    await env.server.press_button(env.liaison, card.message, "ex:wd:T41:*")
    edited = await env.server.wait_for_bot(method="editMessageText")
    assert "已由 张卫健 撤回" in edited.text and not edited.params.get("reply_markup")
    kinds = [r["kind"] for r in env.db["reports"].rows_where("kind LIKE 'extend%'")]
    assert kinds == ["extend_request", "extend_withdraw", "extend_request", "extend_withdraw"]
    # a date the reader refuses is said so, and nothing is recorded
    assert "not a date" in await env.say(env.liaison, "/extend T41 asap the venue")
    assert env.db["reports"].count_where("kind = 'extend_request'") == 2


async def test_chinese_numerals_are_read_wherever_a_figure_is_typed(env: Env):
    from bot.services.directory import add_member

    add_member(env.db, user_id=1001, dept="EDU", role="liaison", now=at("2022-01-05"),
               actor="test", name="李教育")
    edu = env.server.user(1001, "李教育")
    # a count in Chinese numerals with the target's unit: 120 schools, nothing asked
    text = await env.say(edu, "/report T08 一百二十所 新增二十所")
    assert "已记录" in text and "120所" in text
    assert env.db["reports"].get(env.db["reports"].count)["value"] == 120
    # a bare numeral on a counted target is asked about like a bare 15
    asked = await env.say(edu, "/report T08 十五")
    assert "15所" in asked and "15%" in asked
    # percentages: 百分之七十, 六十 on a percent task
    assert "70%" in await env.say(env.liaison, "/report T41 百分之七十 已推进")
    assert "60%" in await env.say(env.liaison, "/report T41 六十")
    # what cannot be read gets the hint that fits the target: a count in its unit, or a percent
    hint = await env.say(edu, "/report T08 一百二十家")
    assert "目标是 200所" in hint and "一百二十所" in hint and "0–100" not in hint
    assert "0–100" in await env.say(env.liaison, "/report T41 许多")
    # a reply to the bot's post in Chinese numerals is a report too
    await env.server.send_text(env.liaison, GROUP, "/report T41 65")
    ack = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_text(env.liaison, GROUP, "八十", reply_to=ack.message)
    assert "80%" in await env.next_text()
    assert [r["percent"] for r in env.db["reports"].rows_where(
        "kind = 'progress' AND task_id = 'T41'", order_by="id")] == [70, 60, 65, 80]

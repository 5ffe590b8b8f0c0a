"""The 督办 lifecycle through the real stack, in Telegram's privacy mode: 签收, the three chase
colours, 延期申请 approved and refused, 中止/恢复, 直接销号, and the trial's failures fixed."""

from __future__ import annotations

import pytest

from tests.conftest import at, task_view
from tests.test_bot_e2e import GROUP, Env
from tests.test_bot_e2e import env as bot_env  # noqa: F401 (the fixture, used below)


@pytest.fixture
def env(bot_env):  # noqa: F811 (the coordination group of tests/test_bot_e2e.py)
    return bot_env


def ALERT(call) -> bool:  # noqa: N802
    return bool(call.params.get("show_alert"))


async def test_chases_climb_blue_yellow_red_and_are_acknowledged(env: Env):
    colours = []
    for _ in range(3):
        await env.server.send_text(env.coordinator, GROUP, "/chase T41")
        card = await env.server.wait_for_bot(chat_id=GROUP)
        assert "督办单" in card.text and "张卫健" in card.text and "T41" in card.text
        colours.append(card.text.split("督办单（")[1][:2])
    assert colours == ["蓝色", "黄色", "红色"]
    assert "仅限统筹人" in await env.say(env.liaison, "/chase T41")
    # someone of another department cannot acknowledge; the department's liaison can, once
    await env.server.press_button(env.stranger, card.message, "ack:*")
    assert (await env.server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT))
    await env.server.press_button(env.liaison, card.message, "ack:*")
    edited = await env.server.wait_for_bot(method="editMessageText")
    assert "已签收：张卫健" in edited.text
    kinds = [r["kind"] for r in env.db["reports"].rows_where("task_id = 'T41'")]
    assert kinds == ["chase", "chase", "chase", "ack"]
    assert "催办" in await env.say(env.coordinator, "/history T41")


async def test_an_extension_is_approved_and_another_refused_with_a_reason(env: Env):
    await env.server.send_text(env.coordinator, GROUP, "/deadline T44 2099年6月底前")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, ask.message, "dl:ok:T44:2099-06-30:*")
    await env.server.wait_for_bot(method="editMessageText")
    notice = await env.server.wait_for_bot(chat_id=GROUP)  # a new deadline is assigned again
    assert "交办单" in notice.text and "T44" in notice.text
    await env.server.press_button(env.liaison, notice.message, "ack:*")
    await env.server.wait_for_bot(method="editMessageText")
    # a standing duty given a deadline is not red at once: its window starts today
    from datetime import datetime

    from tests.conftest import task_view as view
    now = datetime.now(at("2022-01-01").tzinfo)
    assert view(env.db, "T44", now).status.status not in ("behind", "overdue")
    await env.server.send_text(env.liaison, GROUP, "/extend T44 2099年9月底前 专家未到位")
    assert "已提交延期申请" in await env.next_text()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    assert "延期申请" in card.text and "专家未到位" in card.text
    assert "已有一项延期申请" in await env.say(env.liaison, "/extend T44 2099年10月底前 再延")
    await env.server.press_button(env.liaison, card.message, "ex:ok:T44:*")
    assert (await env.server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT))
    await env.server.press_button(env.coordinator, card.message, "ex:ok:T44:*")
    assert "已批准延期" in (await env.server.wait_for_bot(method="editMessageText")).text
    told = await env.next_text()  # the applicant hears it, by mention under the card
    assert "张卫健：T44 的延期申请已获批准" in told and "2099-09-30" in told
    task = env.db["tasks"].get("T44")
    assert task["due_set"] == "2099-09-30" and task["due"] != "2099-09-30"  # original kept
    assert env.db["audit"].count_where("action = 'extension'") == 1

    await env.server.send_text(env.liaison, GROUP, "/extend T44 2099年12月底前 还需时间")
    await env.next_text()
    card = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, card.message, "ex:no:T44:*")
    prompt = await env.server.wait_for_bot(chat_id=GROUP)
    assert prompt.params["reply_markup"]["force_reply"] is True
    await env.server.send_text(env.coordinator, GROUP, "时间已足够", reply_to=prompt.message)
    refused = await env.next_text()  # one message: the decision, the reason, the applicant
    assert "未批准" in refused and "时间已足够" in refused and "张卫健" in refused
    assert env.db["tasks"].get("T44")["due_set"] == "2099-09-30"


async def test_suspend_resume_and_a_direct_close_needs_a_reason_and_a_confirmation(env: Env):
    assert "中止须写明原因" in await env.say(env.coordinator, "/suspend T42")
    assert "已中止" in await env.say(env.coordinator, "/suspend T42 政策调整")
    assert "已中止" in await env.say(env.liaison, "/report T42 50")  # refused while suspended
    assert task_view(env.db, "T42", at("2030-01-01")).status.status == "suspended"
    assert "已恢复办理" in await env.say(env.coordinator, "/resume T42")
    # suspended and resumed before anyone reported: still 未报送, not 正常
    assert task_view(env.db, "T42", at("2030-01-01")).status.status == "no_report"
    # 受阻, then a /close without a claim: refused without a reason, confirmed with one
    await env.say(env.liaison, "/report T42 受阻 场地未落实")
    assert "尚未报告完成" in await env.say(env.coordinator, "/close T42")
    await env.server.send_text(env.coordinator, GROUP, "/close T42 已由省卫健委统一部署完成")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "直接销号确认" in ask.text and env.db["reports"].count_where("kind = 'direct_close'") == 0
    await env.server.press_button(env.coordinator, ask.message, "dc:ok:*")
    assert "已直接销号" in (await env.server.wait_for_bot(method="editMessageText")).text
    assert "张卫健：任务 T42 已由统筹人直接销号" in await env.next_text()  # the reporter is told
    row = list(env.db["reports"].rows_where("kind = 'direct_close'"))[0]
    assert row["note"] == "已由省卫健委统一部署完成"
    assert task_view(env.db, "T42", at("2022-03-02")).status.status == "closed"


async def test_the_trials_failures_stay_fixed(env: Env):
    # 1. a stale 核实销号 after 退回 is refused: T45 is not closed
    await env.say(env.liaison, "/report T45 100 已完成")
    review = await env.server.wait_for_bot(chat_id=GROUP)
    posted = len(env.server.bot_messages(GROUP))
    returned = await env.say(env.coordinator, "/reopen T45 缺少转介记录")
    assert "已退回" in returned and "张卫健：" in returned  # one message tells the liaison too
    await env.server.wait_idle(quiet=0.2)  # and the card lost its buttons
    assert env.server.bot_messages(GROUP)[posted:] == [returned]  # one 退回, one message
    assert env.server.messages[(GROUP, review.message["message_id"])].get("reply_markup") is None
    close = review.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await env.server.press_button(env.coordinator, review.message, close, check=False)
    alert = await env.server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "被退回" in alert.params["text"]
    assert env.db["reports"].count_where("kind = 'close'") == 0
    # 2. /close on a blocked task at 0% does not close it
    await env.say(env.liaison, "/report T43 受阻 经费未到位")
    assert "尚未报告完成" in await env.say(env.coordinator, "/close T43")
    assert env.db["reports"].count_where("kind = 'close' AND task_id = 'T43'") == 0
    # 3. /undo cannot unwind reviewed work, and a coordinator's /undo never reverses a close
    await env.say(env.liaison, "/report T41 100 完成")
    await env.next_text()  # review card
    assert "已核实销号" in await env.say(env.coordinator, "/close T41")
    undo = await env.say(env.liaison, "/undo")
    assert "不能撤回" in undo and "王统筹" in undo and "核实销号" in undo  # who did what
    assert "没有可撤回" in await env.say(env.coordinator, "/undo")
    assert task_view(env.db, "T41", at("2022-03-02")).status.status == "closed"
    # 4. names with 委 do not all land on 团市委
    await env.server.send_text(env.newbie, GROUP, "/join 发改委")
    refused = await env.server.wait_for_bot(chat_id=GROUP)
    assert "找不到部门" in refused.text and "发改委" in refused.text
    keyboard = [b for row in refused.params["reply_markup"]["inline_keyboard"] for b in row]
    assert len(keyboard) == 3  # the three closest departments, as buttons
    pick = keyboard[0]["callback_data"]
    await env.server.press_button(env.liaison, refused.message, pick)  # not the applicant's
    assert (await env.server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT))
    await env.server.press_button(env.newbie, refused.message, pick)
    assert f"加入 {keyboard[0]['text']}" in await env.next_text()
    assert "联络员登记申请" in await env.next_text()  # the card for the coordinator
    # 6. 退回 keeps the earlier 受阻 reason in the history
    assert "经费未到位" in await env.say(env.coordinator, "/history T43")


async def test_status_shows_the_coordinators_queues(env: Env):
    await env.say(env.liaison, "/report T45 100 已完成")
    await env.next_text()  # the review card
    await env.say(env.liaison, "/report T43 受阻 经费未到位")
    text = await env.say(env.coordinator, "/status")
    assert "待办队列" in text and "待核实（1项" in text and "T45" in text.split("待核实（")[1]
    assert "经费未到位" in text.split("受阻（")[1]
    await env.server.send_text(env.coordinator, GROUP, "/chase T44")
    await env.next_text()  # the 督办单, not yet acknowledged
    text = await env.say(env.coordinator, "/status")
    assert "通知未签收（1份）" in text and "📨 卫健委 · T44" in text and "{'zh'" not in text
    silent = text.split("零报送单位：")[1]
    assert "教育局" in silent and "卫健委" not in silent


async def test_a_direct_close_of_a_task_nobody_reported_on_tells_its_liaisons(env: Env):
    # nobody reported on T43: the department's liaisons are the ones told (it used to fail
    # after the close was recorded, looking the department up in the task the wrong way)
    assert env.db["reports"].count_where("task_id = 'T43'") == 0
    await env.server.send_text(env.coordinator, GROUP, "/close T43 已由省卫健委统一部署完成")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "直接销号确认" in ask.text
    await env.server.press_button(env.coordinator, ask.message, "dc:ok:*")
    assert "已直接销号" in (await env.server.wait_for_bot(method="editMessageText")).text
    told = await env.next_text()
    assert "张卫健：任务 T43 已由统筹人直接销号" in told
    assert task_view(env.db, "T43", at("2022-03-02")).status.status == "closed"

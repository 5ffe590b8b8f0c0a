"""Questions the bot asks survive a restart, answer only the person asked, and stale buttons and
prompts are refused with what changed: through the real stack, in Telegram's privacy mode."""

from __future__ import annotations

from bot.services.directory import add_member
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from tests.botapi_server import running_server
from tests.conftest import at, task_view
from tests.test_bot_e2e import COORD_ID, GROUP, LIAISON_ID, NEWBIE_ID, start_app, stop_app


def ALERT(call) -> bool:  # noqa: N802 (reads as a constant predicate)
    return bool(call.params.get("show_alert"))


async def _world(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at("2022-01-05"))
    add_member(db, user_id=LIAISON_ID, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="张卫健")
    add_member(db, user_id=NEWBIE_ID, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="陈同事")
    return db


async def test_the_guided_report_resumes_after_a_restart(tmp_path, plan):
    db = await _world(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        app = await start_app(server, db, tmp_path)
        await server.send_text(liaison, GROUP, "/report")
        pick = await server.wait_for_bot(chat_id=GROUP)
        await server.press_button(liaison, pick.message, "rf:task:T42")
        ask = await server.wait_for_bot(chat_id=GROUP)
        await server.press_button(liaison, ask.message, "rf:p:*:50")
        note = await server.wait_for_bot(chat_id=GROUP)
        assert note.params["reply_markup"]["force_reply"] is True  # answerable in privacy mode
        await server.wait_idle(quiet=0.2)
        await stop_app(app)

        app = await start_app(server, db, tmp_path)  # a restart mid-flow
        try:
            await server.send_text(liaison, GROUP, "已开设门诊", reply_to=note.message)
            evidence = await server.wait_for_bot(chat_id=GROUP)
            await server.press_button(liaison, evidence.message, "rf:done:*")
            confirm = await server.wait_for_bot(chat_id=GROUP)
            assert "50%" in confirm.text and "已开设门诊" in confirm.text
            ok = confirm.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            await server.press_button(liaison, confirm.message, ok)
            assert "已记录" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert db["reports"].get(1)["note"] == "已开设门诊"
            # the same confirm pressed again: recorded once, and the button says it is spent
            await server.press_button(liaison, confirm.message, ok, check=False)
            alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
            assert alert.params.get("show_alert") and "失效" in alert.params["text"]
            assert db["reports"].count == 1
            # an answer to the finished question is told so, not met with silence
            await server.send_text(liaison, GROUP, "补一句", reply_to=note.message)
            assert "已失效" in (await server.wait_for_bot(chat_id=GROUP)).text
        finally:
            await stop_app(app)
    db.close()


async def test_the_reason_for_sending_back_survives_a_restart_and_is_the_askers(tmp_path, plan):
    db = await _world(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        coordinator = server.user(COORD_ID, "王统筹")
        liaison = server.user(LIAISON_ID, "张卫健")
        app = await start_app(server, db, tmp_path)
        await server.send_text(liaison, GROUP, "/report T45 100 全部完成")
        await server.wait_for_bot(chat_id=GROUP)  # the acknowledgement
        review = await server.wait_for_bot(chat_id=GROUP)
        await server.press_button(coordinator, review.message, "rv:reopen:T45:*")
        prompt = await server.wait_for_bot(chat_id=GROUP)
        assert prompt.params["reply_markup"]["force_reply"] is True
        await server.wait_idle(quiet=0.2)
        await stop_app(app)

        app = await start_app(server, db, tmp_path)
        try:
            await server.send_text(liaison, GROUP, "我来替他写", reply_to=prompt.message)
            assert "仅限本人" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert task_view(db, "T45", at("2022-03-01")).status.status == "pending_check"
            await server.send_text(coordinator, GROUP, "缺少名单，请补充", reply_to=prompt.message)
            notice = (await server.wait_for_bot(chat_id=GROUP)).text  # one message for a 退回
            assert "已退回" in notice and "张卫健：" in notice
            assert "缺少名单，请补充" in notice and notice.count("请补充") == 1
            await server.wait_idle(quiet=0.2)
            assert server.messages[(GROUP, review.message["message_id"])].get(
                "reply_markup") is None
            # the card lost its buttons; a press that was already on its way is refused anyway,
            # saying what changed
            close = review.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            await server.press_button(coordinator, review.message, close, check=False)
            alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
            assert "被退回" in alert.params["text"] and "失效" in alert.params["text"]
            assert [r["kind"] for r in db["reports"].rows] == ["claim", "reopen"]
        finally:
            await stop_app(app)
    db.close()


async def test_privacy_mode_hides_plain_talk_but_not_answers(tmp_path, plan):
    db = await _world(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        colleague = server.user(NEWBIE_ID, "陈同事")
        app = await start_app(server, db, tmp_path)
        try:
            await server.send_text(liaison, GROUP, "/report")
            pick = await server.wait_for_bot(chat_id=GROUP)
            await server.press_button(colleague, pick.message, "rf:task:T41")
            ask = await server.wait_for_bot(chat_id=GROUP)  # the colleague's own flow
            await server.send_text(liaison, GROUP, "60")  # not a reply: Telegram hides it
            assert server.hidden and server.hidden[-1]["message"]["text"] == "60"
            await server.press_button(liaison, ask.message, "rf:p:*:75")
            alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
            assert "仅限本人" in alert.params["text"]
            await server.send_text(colleague, GROUP, "六成", reply_to=ask.message)
            assert "无法识别进度" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.send_text(colleague, GROUP, "60", reply_to=ask.message)
            assert "进展说明" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert db["reports"].count == 0
        finally:
            await stop_app(app)
    db.close()


async def test_a_photo_captioned_with_a_report_records_both(tmp_path, plan):
    db = await _world(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        app = await start_app(server, db, tmp_path)
        try:
            # a captioned command reaches the bot even in privacy mode
            await server.send_photo(liaison, GROUP, b"\xff\xd8\xff\xe0" + b"\x00" * 512,
                                    caption="/report T43 50 培训现场 #T43")
            ack = (await server.wait_for_bot(chat_id=GROUP)).text
            assert "已记录" in ack and "50%" in ack and "1 份佐证材料" in ack
            report = db["reports"].get(1)
            assert report["percent"] == 50 and report["task_id"] == "T43"
            assert db["evidence"].get(1)["report_id"] == report["id"]
        finally:
            await stop_app(app)
    db.close()


async def test_a_burst_of_reports_is_acknowledged_in_one_message(tmp_path, plan):
    db = await _world(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        colleague = server.user(NEWBIE_ID, "陈同事")
        app = await start_app(server, db, tmp_path, ack_gather_ms=400)
        try:
            for i, task in enumerate(("T41", "T42", "T43", "T44")):
                who = liaison if i % 2 else colleague
                await server.send_text(who, GROUP, f"/report {task} {10 + i} 第{i}次")
            gathered = await server.wait_for_bot(chat_id=GROUP)
            assert gathered.text.startswith("已记录 4 条报送")
            assert all(t in gathered.text for t in ("T41", "T42", "T43", "T44"))
            await server.wait_idle(quiet=0.6)
            assert len(server.bot_messages(GROUP)) == 1 and db["reports"].count == 4
            # one report on its own is acknowledged in full, a moment later
            await server.send_text(liaison, GROUP, "/report T45 30 单独一条")
            alone = await server.wait_for_bot(chat_id=GROUP)
            assert alone.text.startswith("已记录：T45")
        finally:
            await stop_app(app)
    db.close()

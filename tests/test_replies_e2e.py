"""Replies to the bot's own posts, read as reports, through the real stack in privacy mode (where
such a reply does reach the bot): a reminder, a 督办单, an acknowledgement, a card."""

from __future__ import annotations

from handlers import jobs
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, JPEG, start_app, stop_app
from tests.test_jobs_e2e import plan_db, run_job


def _kinds(db, task: str) -> list[tuple[str, int | None, str | None]]:
    return [(r["kind"], r["percent"], r["state"]) for r in db["reports"].rows_where(
        "task_id = ? AND kind IN ('progress', 'claim')", [task], order_by="id")]


async def test_replies_to_a_reminder_and_a_chase_are_reports(tmp_path, plan):
    db = plan_db(tmp_path, plan, "2022-01-05", u1001=("EDU", "李教育"), u1008=("HEALTH", "张卫健"))
    async with running_server() as server:  # privacy mode
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-06-27 09:00")}
        app.bot_data.clock = lambda: clock["now"]
        edu, health = server.user(1001, "李教育"), server.user(1008, "张卫健")
        stranger, coordinator = server.user(4242, "路人"), server.user(1000, "王统筹")
        try:
            await run_job(app, jobs.nudge_job)
            nudge = await server.wait_for_bot(chat_id=GROUP)
            assert "T01" in nudge.text and "T02" in nudge.text
            # a reminder of several tasks: a bare number must say which
            await server.send_text(edu, GROUP, "60", reply_to=nudge.message)
            assert "请在回复中写明任务编号" in (await server.wait_for_bot(chat_id=GROUP)).text
            # a task and a plain number: recorded at once, like /report T01 60
            await server.send_text(edu, GROUP, "T01 60", reply_to=nudge.message)
            assert "已记录：T01" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert _kinds(db, "T01") == [("progress", 60, "in_progress")]
            # words with a percentage: shown back with 确认/取消 first
            await server.send_text(edu, GROUP, "Ｔ02 已全部排查完毕，100%", reply_to=nudge.message)
            ask = await server.wait_for_bot(chat_id=GROUP)
            assert "请确认报送" in ask.text and "100%" in ask.text and "全部排查完毕" in ask.text
            assert _kinds(db, "T02") == []
            # the bot restarts before the press: the question holds
            await server.wait_idle(quiet=0.2)
            await stop_app(app)
            app = await start_app(server, db, tmp_path)
            app.bot_data.clock = lambda: clock["now"]
            await server.press_button(edu, ask.message, "rf:ok:*")
            assert "待核实" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert _kinds(db, "T02") == [("claim", 100, "done")]
            await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)

            # a 督办单 of one task: a 受阻 reason, then words that are no report
            await server.send_text(coordinator, GROUP, "/chase T41")
            chase = await server.wait_for_bot(chat_id=GROUP)
            await server.send_text(health, GROUP, "受阻：经费未到位", reply_to=chase.message)
            ask = await server.wait_for_bot(chat_id=GROUP)
            assert "受阻" in ask.text and "经费未到位" in ask.text
            await server.press_button(health, ask.message, "rf:ok:*")
            assert "受阻" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert _kinds(db, "T41") == [("progress", 0, "blocked")]
            await server.send_text(health, GROUP, "经费问题已解决", reply_to=chase.message)
            hint = (await server.wait_for_bot(chat_id=GROUP)).text
            assert "/report T41" in hint and hint.count("\n") == 0  # one line
            # someone of another department, and a stranger, are refused politely
            await server.send_text(edu, GROUP, "50", reply_to=chase.message)
            assert "只能报送本部门" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.send_text(stranger, GROUP, "50", reply_to=chase.message)
            assert "/join" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert len(_kinds(db, "T41")) == 1

            # an acknowledgement: a photo in reply is evidence for its task
            await server.send_text(health, GROUP, "/report T42 30")
            ack = await server.wait_for_bot(chat_id=GROUP)
            await server.send_photo(health, GROUP, JPEG, reply_to=ack.message)
            assert "已保存佐证材料：T42" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert [r["task_id"] for r in db["evidence"].rows] == ["T42"]
            # a post about no task gets the hint
            await server.send_text(health, GROUP, "/whoami")
            who = await server.wait_for_bot(chat_id=GROUP)
            await server.send_text(health, GROUP, "60", reply_to=who.message)
            assert "不针对具体任务" in (await server.wait_for_bot(chat_id=GROUP)).text
        finally:
            await stop_app(app)
    db.close()

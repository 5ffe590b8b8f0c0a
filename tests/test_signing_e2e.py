"""签收 through the real stack in privacy mode, on a moving clock: the boundary counted like
parse-date, one 签收 settling every notice of a task, recurring duties assigned once."""

from __future__ import annotations

from bot.language.dates import parse_deadline
from handlers import jobs
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, start_app, stop_app
from tests.test_jobs_e2e import plan_db, run_job


def _late_lists(server) -> list[str]:
    return [m for m in server.bot_messages(GROUP) if "未签收" in m and "跟进" in m]


async def test_the_signing_boundary_moves_with_the_clock(tmp_path, plan):
    db = plan_db(tmp_path, plan, "2022-06-30", u1001=("EDU", "李教育"), u1008=("HEALTH", "张卫健"))
    async with running_server() as server:  # privacy mode
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-07-04 08:59")}  # a Monday
        app.bot_data.clock = lambda: clock["now"]
        try:
            await run_job(app, jobs.supervise_job)  # the first scan: 交办单 for every department
            cards = [c for c in server.sent if c.method == "sendMessage" and "交办单" in c.text]
            assert cards and all("请于 2 个工作日内、即 7月6日（星期三） 前点“签收”" in c.text
                                 for c in cards)
            assert parse_deadline("2个工作日内", clock["now"]).date.isoformat() == "2022-07-06"
            # a recurring duty is assigned too (T12: every semester), once
            assert any("T12" in c.text for c in cards)
            health = next(c for c in cards if "卫健委" in c.text)
            await server.press_button(server.user(1008, "张卫健"), health.message, "ack:*")
            await server.wait_for_bot(method="editMessageText")

            clock["now"] = at("2022-07-06 09:00")  # Wednesday: the last day, nobody is late
            await run_job(app, jobs.supervise_job)
            await server.wait_idle(quiet=0.2)
            assert _late_lists(server) == []
            clock["now"] = at("2022-07-06 23:59")
            await run_job(app, jobs.supervise_job)
            await server.wait_idle(quiet=0.2)
            assert _late_lists(server) == []

            clock["now"] = at("2022-07-07 09:00")  # Thursday: late
            await run_job(app, jobs.supervise_job)
            late = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "跟进" in c.text)
            assert "教育局" in late.text and "卫健委" not in late.text
            await run_job(app, jobs.supervise_job)  # told once
            await server.wait_idle(quiet=0.2)
            assert len(_late_lists(server)) == 1
            assert sum(m.startswith("📨 交办单") and "T12" in m for m in server.bot_messages(GROUP)) == 1
        finally:
            await stop_app(app)
    db.close()


async def test_signing_the_newest_chase_settles_the_older_ones(tmp_path, plan):
    db = plan_db(tmp_path, plan, "2022-06-30", u1008=("HEALTH", "张卫健"))
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-07-04 10:00")}
        app.bot_data.clock = lambda: clock["now"]
        coordinator, liaison = server.user(1000, "王统筹"), server.user(1008, "张卫健")
        try:
            cards = []
            for day in (4, 5, 6, 7):
                clock["now"] = at(f"2022-07-0{day} 10:00")
                await server.send_text(coordinator, GROUP, "/chase T44")
                cards.append(await server.wait_for_bot(chat_id=GROUP))
            assert "通知未签收（4份）" in await _say(server, coordinator, "/status")
            await server.press_button(liaison, cards[-1].message, "ack:*")
            edited = await server.wait_for_bot(method="editMessageText")
            assert "已签收：张卫健" in edited.text and "另 3 份通知一并签收" in edited.text
            await server.wait_idle(quiet=0.2)
            for card in cards:  # every card lost its 签收 button
                key = (GROUP, card.message["message_id"])
                assert server.messages[key].get("reply_markup") is None
            status = await _say(server, coordinator, "/status")
            assert "通知未签收" not in status
            # a press on an old card is told it was signed, and records nothing
            await server.press_button(liaison, cards[0].message, f"ack:{_notice_of(cards[0])}",
                                      check=False)
            alert = await server.wait_for_bot(method="answerCallbackQuery",
                                              predicate=lambda c: c.params.get("show_alert"))
            assert "无需重复签收" in alert.params["text"]
            assert db["reports"].count_where("kind = 'ack'") == 1
        finally:
            await stop_app(app)
    db.close()


def _notice_of(card) -> str:
    return card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1]


async def _say(server, user, text: str) -> str:
    await server.send_text(user, GROUP, text)
    return (await server.wait_for_bot(chat_id=GROUP)).text

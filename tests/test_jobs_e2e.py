"""The scheduled jobs through the real Application and the local Bot API server, time injected."""

from __future__ import annotations

from datetime import datetime

from bot import db as dbmod
from bot.directory import add_member
from bot.plan import load_plan
from handlers import jobs
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, start_app, stop_app


async def run_job(app, callback) -> None:
    job = app.job_queue.run_once(callback, 3600, name="test")
    try:
        await job.run(app)
    finally:
        job.schedule_removal()


async def test_nudges_and_digest_are_posted_once(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.db")
    load_plan(db, plan, now=at("2022-01-05"))
    add_member(db, user_id=1001, dept="EDU", role="liaison", now=at("2022-01-05"), actor="t",
               name="李联络")
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-06-27 09:00")}
        app.bot_data.clock = lambda: clock["now"]
        try:
            await run_job(app, jobs.nudge_job)
            nudge = await server.wait_for_bot(chat_id=GROUP)
            assert "督办提醒" in nudge.text and "T01" in nudge.text and "还有 3 天" in nudge.text
            assert any(e["type"] == "text_mention" or e.get("url", "").startswith("tg://user")
                       for e in nudge.message.get("entities", []))
            # the same day again (a restart): nothing new is sent
            await run_job(app, jobs.nudge_job)
            await server.wait_idle(quiet=0.2)
            assert len(server.bot_messages(GROUP)) == 1

            # down until 4 July: one collected message with the escalations
            clock["now"] = at("2022-07-04 09:00")
            await run_job(app, jobs.catch_up_job)
            escalation = await server.wait_for_bot(chat_id=GROUP)
            assert "已逾期 4 天" in escalation.text and "统筹人" not in escalation.text[:10]
            digest = await server.wait_for_bot(chat_id=GROUP)
            assert "每周督办简报" in digest.text
            album = await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
            assert len(album.messages) == 3
            assert all(m.get("photo") for m in album.messages)
            # the digest of that week is not posted twice
            await run_job(app, jobs.digest_job)
            await server.wait_idle(quiet=0.3)
            assert sum(1 for c in server.sent if c.method == "sendMediaGroup") == 1
            assert db["outbox"].count_where("sent_at IS NULL") == 0
        finally:
            await stop_app(app)
            db.close()


def test_the_last_scheduled_digest_moment():
    from bot.config import load_settings

    settings = load_settings({}, dotenv=None)
    tz = settings.tz
    monday_8 = datetime(2022, 7, 4, 8, 0, tzinfo=tz)
    assert jobs.last_digest_moment(settings, monday_8) == datetime(2022, 6, 27, 9, 0, tzinfo=tz)
    thursday = datetime(2022, 7, 7, 12, 0, tzinfo=tz)
    assert jobs.last_digest_moment(settings, thursday) == datetime(2022, 7, 4, 9, 0, tzinfo=tz)
    assert jobs.digest_key(thursday) == "digest:2022-W27"


def test_quiet_hours():
    from bot.config import load_settings

    settings = load_settings({"QUIET_HOURS": "21-8"}, dotenv=None)
    tz = settings.tz
    assert jobs.quiet(settings, datetime(2022, 7, 4, 23, 0, tzinfo=tz))
    assert jobs.quiet(settings, datetime(2022, 7, 4, 7, 59, tzinfo=tz))
    assert not jobs.quiet(settings, datetime(2022, 7, 4, 9, 0, tzinfo=tz))


async def test_digest_and_mute_commands(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.db")
    load_plan(db, plan, now=at("2022-01-05"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        app.bot_data.clock = lambda: at("2022-06-27 10:00")
        coordinator = server.user(1000, "王统筹")
        stranger = server.user(4242, "路人")
        try:
            await server.send_text(coordinator, GROUP, "/mute T01 两周")
            muted = await server.wait_for_bot(chat_id=GROUP)
            assert "暂停至 2022-07-11" in muted.text
            assert db["tasks"].get("T01")["muted_until"] == "2022-07-11"
            await server.send_text(coordinator, GROUP, "/mute T01 14d")
            assert "2022-07-11" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.send_text(coordinator, GROUP, "/mute T01")
            assert "用法" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.send_text(stranger, GROUP, "/digest")
            assert "仅限统筹人" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.send_text(coordinator, GROUP, "/digest")
            assert "每周督办简报" in (await server.wait_for_bot(chat_id=GROUP)).text
            album = await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
            assert len(album.messages) == 3
        finally:
            await stop_app(app)
            db.close()

"""The scheduled jobs through the real Application and the local Bot API server, time injected."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.directory import add_member
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from handlers import jobs
from handlers.sender import sweep_job
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, bot_in_group, start_app, stop_app


def plan_db(tmp_path, plan, loaded: str = "2022-01-05", **members: tuple[str, str]):
    """The plan loaded into a fresh file, with members given as user_id=(dept, name)."""
    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at(loaded))
    for uid, (dept, name) in members.items():
        add_member(db, user_id=int(uid.strip("u")), dept=dept, role="liaison", now=at(loaded),
                   actor="t", name=name)
    return db


async def run_job(app, callback) -> None:
    job = app.job_queue.run_once(callback, 3600, name="test")
    try:
        await job.run(app)
    finally:
        job.schedule_removal()


async def test_nudges_and_digest_are_posted_once(tmp_path, plan):
    db = plan_db(tmp_path, plan, u1001=("EDU", "李联络"))
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
    db = plan_db(tmp_path, plan)
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


async def test_a_failed_album_and_a_failed_nudge_are_sent_again_in_the_run(tmp_path, plan):
    db = plan_db(tmp_path, plan, u1001=("EDU", "李联络"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-06-27 09:00")}
        app.bot_data.clock = lambda: clock["now"]
        try:
            server.fail_method("sendMediaGroup", 500, "Internal Server Error", times=1)
            await run_job(app, jobs.digest_job)  # the album is tried again a second later
            album = await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
            assert len(album.messages) == 3
            texts = [m for m in server.bot_messages(GROUP) if "每周督办简报" in m]
            assert len(texts) == 1  # the text was not sent again

            server.fail_method("sendMessage", 500, "Internal Server Error", times=1)
            await run_job(app, jobs.nudge_job)
            assert "督办提醒" in (await server.wait_for_bot(
                chat_id=GROUP, predicate=lambda c: "督办提醒" in c.text)).text
            assert db["outbox"].count_where("sent_at IS NULL") == 0

            # a refusal not retried in the run (400) is left to the sweep, a minute later
            server.fail_method("sendMediaGroup", 400, "Bad Request: try later", times=1)
            await run_job(app, jobs.digest_now_job(GROUP))
            await server.wait_idle(quiet=0.3)
            assert db["outbox"].count_where("kind = 'digest' AND sent_at IS NULL") == 1
            await run_job(app, sweep_job)  # too early: the pause has not passed
            await server.wait_idle(quiet=0.3)
            assert db["outbox"].count_where("kind = 'digest' AND sent_at IS NULL") == 1
            clock["now"] = at("2022-06-27 09:02")
            await run_job(app, sweep_job)
            await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
            assert db["outbox"].count_where("sent_at IS NULL") == 0
        finally:
            await stop_app(app)
    db.close()


async def test_a_claim_replayed_after_a_crash_still_gets_its_review_card(tmp_path, plan):
    db = plan_db(tmp_path, plan, u1008=("HEALTH", "张卫健"))
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(1008, "张卫健")
        app = await start_app(server, db, tmp_path)
        try:
            # the claim is recorded, then nothing gets out (refused, not retried in the run):
            # no acknowledgement, no card, the card kept unsent in the outbox
            for word in ("已记录", "统筹人请核实"):
                server.fail_method("sendMessage", 400, "Bad Request: injected", times=1,
                                   match=lambda p, word=word: word in p.get("text", ""))
            update = await server.send_text(liaison, GROUP, "/report T41 100 完成")
            await server.wait_idle(quiet=0.5)
            assert db["reports"].count == 1
            assert not any("待核实：" in m for m in server.bot_messages(GROUP))
            assert db["outbox"].count_where("kind = 'review' AND sent_at IS NULL") == 1
            # the inbox hands the update back after the restart: recorded once, card posted once
            db.execute("UPDATE inbox SET done_at = NULL")
            db.conn.commit()
            await server.replay(update)
            card = await server.wait_for_bot(chat_id=GROUP,
                                             predicate=lambda c: "待核实：" in c.text)
            assert "统筹人请核实" in card.text and db["reports"].count == 1
            await server.replay(update)
            await server.wait_idle(quiet=0.3)
            assert sum("待核实：" in m for m in server.bot_messages(GROUP)) == 1
        finally:
            await stop_app(app)
    db.close()


async def test_a_catch_up_in_quiet_hours_waits_for_the_morning(tmp_path, plan):
    db = plan_db(tmp_path, plan)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        app.bot_data.clock = lambda: at("2022-07-04 23:28")  # a fresh start late at night
        try:
            await run_job(app, jobs.catch_up_job)
            await server.wait_idle(quiet=0.3)
            assert server.bot_messages(GROUP) == []  # no digest, no nudges at 23:28
            later = [j for j in app.job_queue.get_jobs_by_name("catch-up") if j.next_t]
            wait = later[-1].next_t - datetime.now(later[-1].next_t.tzinfo)
            assert 8 * 3600 < wait.total_seconds() <= 8 * 3600 + 32 * 60  # 23:28 → 08:00
        finally:
            for job in app.job_queue.get_jobs_by_name("catch-up"):
                job.schedule_removal()
            await stop_app(app)
    db.close()


async def test_nudges_follow_the_record(tmp_path, plan):
    """The trial's failure 5 through the real stack: a muted duty's missed term is not escalated,
    a checked one is never called undone, and a first start does not chase the years before the
    plan was loaded."""
    from bot.services.commands import close_task, mute_task, record_report

    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at("2022-07-10"))  # the bot came into use in July 2022
    add_member(db, user_id=1000, dept="EDU", role="coordinator", now=at("2022-07-10"),
               actor="t", name="王统筹")
    add_member(db, user_id=1001, dept="EDU", role="liaison", now=at("2022-07-10"), actor="t",
               name="李联络")
    record_report(db, user_id=1001, task_ref="T12", percent=100, now=at("2022-07-11"))
    close_task(db, user_id=1000, task_ref="T12", now=at("2022-07-12"))
    mute_task(db, user_id=1000, task_ref="T13", until=at("2022-08-31").date(),
              now=at("2022-07-12"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        app.bot_data.clock = lambda: at("2022-07-20 09:00")  # the spring term ended 07-15
        try:
            await run_job(app, jobs.nudge_job)
            text = "\n".join(server.bot_messages(GROUP))
            assert "T17" in text and "上一期（截止 2022-07-15）未报完成" in text  # undone: chased
            assert "T12" not in text  # checked and closed: never called undone
            assert "T13" not in text  # muted: escalations too
            assert "2022-01-31" not in text  # the autumn term ended before the plan was loaded
        finally:
            await stop_app(app)
    db.close()


def test_the_digest_moves_off_a_holiday_with_workdays_only():
    from bot.config import load_settings

    settings = load_settings({}, dotenv=None)
    tz = settings.tz
    # Monday 2 May 2022 to Wednesday 4 May are the Labour Day holiday: Thursday 5 May
    assert jobs.digest_moment(settings, datetime(2022, 5, 2).date(), tz) == datetime(
        2022, 5, 5, 9, 0, tzinfo=tz)
    assert jobs.last_digest_moment(settings, datetime(2022, 5, 4, 12, 0, tzinfo=tz)) == datetime(
        2022, 4, 25, 9, 0, tzinfo=tz)
    assert jobs.last_digest_moment(settings, datetime(2022, 5, 6, 8, 0, tzinfo=tz)) == datetime(
        2022, 5, 5, 9, 0, tzinfo=tz)
    # Spring Festival 2023 (23-27 January off): Saturday the 28th, a make-up working day
    assert jobs.digest_moment(settings, datetime(2023, 1, 25).date(), tz) == datetime(
        2023, 1, 28, 9, 0, tzinfo=tz)
    # National Day 2022 (3-7 October off): the make-up working day, Saturday the 8th
    assert jobs.digest_moment(settings, datetime(2022, 10, 5).date(), tz) == datetime(
        2022, 10, 8, 9, 0, tzinfo=tz)
    # a Sunday digest on an ordinary Sunday goes out on Monday, under its own week's key
    sunday = load_settings({"DIGEST_DAY": "sun"}, dotenv=None)
    assert jobs.digest_moment(sunday, datetime(2022, 5, 9).date(), tz) == datetime(
        2022, 5, 16, 9, 0, tzinfo=tz)
    monday = datetime(2022, 5, 16, 9, 0, tzinfo=tz)
    assert jobs.digest_due_today(sunday, monday) == monday
    assert jobs.digest_key(jobs.digest_due_today(sunday, monday)) == "digest:2022-W20"
    assert jobs.last_digest_moment(sunday, monday) == monday
    assert jobs.digest_due_today(settings, datetime(2022, 5, 3, 9, 0, tzinfo=tz)) is None
    # the sender posts (and sends again later that day) exactly the digest the job named, and
    # gives up a part of the week before
    assert jobs.wanted_digests(sunday, monday) == {"digest:2022-W20"}
    assert jobs.wanted_digests(sunday, monday + timedelta(hours=6)) == {"digest:2022-W20"}
    assert "digest:2022-W20" in jobs.wanted_digests(sunday, monday - timedelta(seconds=1))
    labour = datetime(2022, 5, 5, 9, 0, tzinfo=tz)  # the Labour Day week's, moved to Thursday
    assert jobs.wanted_digests(settings, labour) == {jobs.digest_key(labour)}
    assert jobs.wanted_digests(settings, datetime(2022, 5, 4, 9, 0, tzinfo=tz)) == {
        "digest:2022-W17"}
    # without WORKDAYS_ONLY the digest keeps its day
    every_day = load_settings({"WORKDAYS_ONLY": "off"}, dotenv=None)
    assert jobs.digest_moment(every_day, datetime(2022, 5, 4).date(), tz) == datetime(
        2022, 5, 2, 9, 0, tzinfo=tz)


async def test_lists_and_the_digest_the_bot_posts_on_its_own_wait_for_a_working_day(
        tmp_path, plan):
    db = plan_db(tmp_path, plan, u1001=("EDU", "李联络"))
    db["members"].insert({"user_id": 1000, "dept": None, "role": "coordinator",
                          "status": "active", "name": "王统筹"}, alter=True)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-05-11 09:00")}  # a Wednesday
        app.bot_data.clock = lambda: clock["now"]
        try:
            await run_job(app, jobs.supervise_job)  # the 交办单 owed: 签收 by Friday the 13th
            assert "交办单" in (await server.wait_for_bot(chat_id=GROUP)).text
            clock["now"] = at("2022-05-14 09:00")  # Saturday: late, but nobody is at work
            await run_job(app, jobs.supervise_job)
            await run_job(app, jobs.nudge_job)
            await server.wait_idle(quiet=0.3)
            assert len(server.bot_messages(GROUP)) == 1
            clock["now"] = at("2022-05-16 09:00")  # Monday: the coordinator hears of it
            await run_job(app, jobs.supervise_job)
            late = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "未签收" in c.text)
            assert "超过 2 个工作日未签收" in late.text and "王统筹" in late.text
            # the digest of the Labour Day week: not on the holiday Monday, on Thursday
            before = len(server.bot_messages(GROUP))
            for day in ("2022-05-02", "2022-05-03", "2022-05-04"):
                clock["now"] = at(f"{day} 09:00")
                await run_job(app, jobs.digest_job)
            await server.wait_idle(quiet=0.3)
            assert len(server.bot_messages(GROUP)) == before
            clock["now"] = at("2022-05-05 09:00")
            await run_job(app, jobs.digest_job)
            assert "每周督办简报" in (await server.wait_for_bot(
                chat_id=GROUP, predicate=lambda c: "简报" in c.text)).text
            await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
            clock["now"] = at("2022-05-06 09:00")
            await run_job(app, jobs.digest_job)  # once a week
            await server.wait_idle(quiet=0.3)
            assert sum(1 for c in server.sent if c.method == "sendMediaGroup") == 1
        finally:
            await stop_app(app)
            db.close()


async def test_a_report_made_after_mondays_digest_is_in_the_next_one(tmp_path, plan):
    db = plan_db(tmp_path, plan, u1001=("EDU", "李联络"))
    async with bot_in_group(db, tmp_path, "2022-06-27 09:00", privacy=False) as (
            server, app, clock):
        liaison = server.user(1001, "李联络")
        await run_job(app, jobs.digest_job)
        first = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "简报" in c.text)
        assert "收到报送 0 条" in first.text
        await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
        clock["now"] = at("2022-06-27 11:00")  # the digest's day, after it went out
        await server.send_text(liaison, GROUP, "/report T13 30 已开展班会")
        await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
        clock["now"] = at("2022-07-04 09:00")
        await run_job(app, jobs.digest_job)
        second = await server.wait_for_bot(
            chat_id=GROUP, predicate=lambda c: "简报" in c.text and "07-04" in c.text)
        assert "上期简报（06-27 09:00）以来收到报送 1 条" in second.text
        assert "较上期简报" in second.text or "与上期简报持平" in second.text

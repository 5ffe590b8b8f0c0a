"""Issue 22, item 2: one sender for everything the bot posts on its own. Each part is retried on
its own as Telegram asks (429 with retry_after, 500, timeouts before and after delivery); one
failing part never cancels another; unsent parts are swept at start and every minute; a claim's
review card is recorded with the claim, whatever becomes of its acknowledgement."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from bot import app as appmod
from bot.services.commands import record_report
from bot.services.directory import request_join
from handlers import jobs
from handlers.sender import LONGEST_WAIT, sweep_job
from tests.botapi_server import running_server
from tests.conftest import at
from tests.reliability import probe_catch_up, probe_review
from tests.test_bot_e2e import GROUP, start_app, stop_app
from tests.test_jobs_e2e import plan_db, run_job

# ---------------------------------------------------------------- the real process


async def test_the_start_up_catch_up_survives_every_fault_at_once(tmp_path):
    """429s on the digest text, a nudge and the first 交办单, a 500 on the album, two 500s on
    every 交办单: everything reaches the group in the same run, nothing is left unsent."""
    figures = await probe_catch_up(tmp_path, "every fault at once")
    assert figures.nudges >= 1 and figures.nudges == figures.nudges_distinct, figures
    assert (figures.digests, figures.albums, figures.notices) == (1, 1, 10), figures
    assert figures.unsent == 0


@pytest.mark.parametrize("scenario", ["500 on the claim's acknowledgement",
                                      "500 on the review card"])
async def test_a_claims_card_goes_out_once_whatever_fails(tmp_path, scenario):
    in_run, after_restart = await probe_review(tmp_path, scenario)
    assert in_run.reviews == 1 and in_run.unsent == 0, in_run
    assert after_restart.reviews == 1, after_restart  # not posted again


# ---------------------------------------------------------------- in process, time injected


@pytest.fixture
async def bot_env(tmp_path, plan, monkeypatch):
    """The real Application against the local server, read timeout 1 s (for the hangs)."""
    monkeypatch.setitem(appmod.TIMEOUTS, "read_timeout", 1.0)
    db = plan_db(tmp_path, plan, u1001=("EDU", "李联络"), u1008=("HEALTH", "张卫健"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-06-27 09:00")}
        app.bot_data.clock = lambda: clock["now"]
        try:
            yield server, app, db, clock
        finally:
            await stop_app(app)
            db.close()


def posted(server, word: str) -> int:
    return sum(word in m for m in server.bot_messages(GROUP))


async def test_a_429_on_the_weekly_digest_is_waited_out(bot_env):
    server, app, db, _ = bot_env
    server.fail_method("sendMessage", 429, retry_after=1, times=1,
                       match=lambda p: "每周督办简报" in p.get("text", ""))
    started = time.monotonic()
    await run_job(app, jobs.digest_job)
    assert time.monotonic() - started >= 1.0  # retry_after honoured
    assert posted(server, "每周督办简报") == 1
    await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")
    assert db["outbox"].count_where("sent_at IS NULL") == 0


async def test_a_timeout_before_delivery_is_retried_and_posts_once(bot_env):
    server, app, db, _ = bot_env
    server.hang_method("sendMessage", 2.5, times=1, match=lambda p: "督办提醒" in p.get("text", ""))
    await run_job(app, jobs.nudge_job)
    await server.wait_idle(quiet=0.3, timeout=20)
    assert posted(server, "督办提醒") == 1
    assert db["outbox"].count_where("kind = 'nudge' AND sent_at IS NULL") == 0


async def test_a_timeout_after_delivery_posts_that_part_twice_and_nothing_else(bot_env):
    """Telegram has no idempotency key: a message delivered whose answer was lost is sent again
    (the one duplicate the outbox allows); the other parts are not held up or doubled."""
    server, app, db, _ = bot_env
    server.hang_method("sendMessage", 2.5, after_delivery=True, times=1,
                       match=lambda p: "督办提醒" in p.get("text", ""))
    await run_job(app, jobs.catch_up_job)
    await server.wait_idle(quiet=0.5, timeout=30)
    assert posted(server, "督办提醒") == 2
    assert posted(server, "每周督办简报") == 1
    assert sum(c.method == "sendMediaGroup" for c in server.sent) == 1
    notices = db["notices"].count_where("kind = 'assign'")
    assert notices >= 2 and posted(server, "📨 交办单") == notices  # each staffed dept once
    assert db["outbox"].count_where("sent_at IS NULL") == 0


async def test_a_long_retry_after_is_left_to_the_sweep_and_the_rest_goes_out(bot_env):
    server, app, db, clock = bot_env
    wait = int(LONGEST_WAIT) + 60
    server.fail_method("sendMessage", 429, retry_after=wait, times=1,
                       match=lambda p: "每周督办简报" in p.get("text", ""))
    await run_job(app, jobs.digest_job)
    assert posted(server, "每周督办简报") == 0
    assert sum(c.method == "sendMediaGroup" for c in server.sent) == 1  # the album went anyway
    row = next(db.query("SELECT * FROM outbox WHERE key LIKE 'digest:%:text'"))
    assert row["sent_at"] is None and row["attempts"] == 1 and "retry" in row["last_error"].lower()
    clock["now"] += timedelta(seconds=wait - 5)
    await run_job(app, sweep_job)  # not yet
    assert posted(server, "每周督办简报") == 0
    clock["now"] += timedelta(seconds=10)
    await run_job(app, sweep_job)
    assert posted(server, "每周督办简报") == 1


async def test_a_refused_part_is_swept_later_and_a_part_that_no_longer_holds_is_not_sent(
        bot_env):
    server, app, db, clock = bot_env
    liaison = server.user(1008, "张卫健")
    server.fail_method("sendMessage", 400, "Bad Request: injected", times=1,
                       match=lambda p: "统筹人请核实" in p.get("text", ""))
    await server.send_text(liaison, GROUP, "/report T41 100 完成")
    await server.wait_idle(quiet=0.5)
    assert posted(server, "待核实：") == 0
    clock["now"] += timedelta(minutes=2)
    await run_job(app, sweep_job)
    assert posted(server, "待核实：") == 1
    # a claim taken back before its card went out: the card is superseded, never posted
    server.fail_method("sendMessage", 400, "Bad Request: injected", times=1,
                       match=lambda p: "统筹人请核实" in p.get("text", ""))
    await server.send_text(liaison, GROUP, "/report T42 100 完成")
    await server.wait_idle(quiet=0.5)
    await server.send_text(liaison, GROUP, "/undo")
    await server.wait_idle(quiet=0.5)
    clock["now"] += timedelta(minutes=2)
    await run_job(app, sweep_job)
    assert posted(server, "待核实：") == 1
    row = next(db.query("SELECT * FROM outbox WHERE kind = 'review' ORDER BY id DESC LIMIT 1"))
    assert row["sent_at"] and row["last_error"].startswith("superseded")


async def test_a_claim_from_the_command_line_gets_its_card_from_the_sweep(bot_env):
    server, app, db, _ = bot_env
    record_report(db, user_id=1008, task_ref="T41", percent=100, now=at("2022-06-27 08:00"),
                  source="cli")
    await run_job(app, sweep_job)
    assert posted(server, "待核实：") == 1


async def test_a_decision_told_privately_waits_out_a_429_and_a_403_is_not_retried(bot_env):
    server, app, db, _ = bot_env
    coordinator = server.user(1000, "王统筹")
    request_join(db, user_id=5555, dept_text="卫健委", now=at("2022-06-27 08:00"))
    applicant = server.user(5555, "申请人")
    await server.send_text(applicant, 5555, "/start")  # has a private chat with the bot
    await server.wait_for_bot(chat_id=5555)
    server.fail_method("sendMessage", 429, retry_after=1, times=1,
                       match=lambda p: p.get("chat_id") == 5555)
    await server.send_text(coordinator, GROUP, "/approve 5555")
    told = await server.wait_for_bot(chat_id=5555, predicate=lambda c: "批准" in c.text)
    assert "卫健委" in told.text
    # someone who never started the bot: 403 at once, no retry, a mention in the group instead
    request_join(db, user_id=6666, dept_text="妇联", now=at("2022-06-27 08:00"))
    server.user(6666, "没开过机器人的人")
    before = len(server.failed)
    await server.send_text(coordinator, GROUP, "/approve 6666")
    await server.wait_idle(quiet=0.5)
    refused = [c for c in server.failed[before:] if c.params.get("chat_id") == 6666]
    assert len(refused) == 1
    assert any("6666" in json.dumps(m.get("entities", [])) for c in server.sent
               for m in c.messages if c.chat_id == GROUP)


async def test_every_part_kind_is_recorded_before_it_is_sent(bot_env):
    server, app, db, _ = bot_env
    coordinator = server.user(1000, "王统筹")
    await server.send_text(coordinator, GROUP, "/chase T01")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "督办单" in c.text)
    newbie = server.user(1010, "陈新人")
    await server.send_text(newbie, 1010, "/join 卫健委")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "登记申请" in c.text)
    await run_job(app, jobs.catch_up_job)
    await server.wait_idle(quiet=0.5, timeout=30)
    kinds = {row["kind"] for row in db.query("SELECT kind FROM outbox")}
    assert {"notice", "message", "nudge", "digest"} <= kinds
    assert db["outbox"].count_where("sent_at IS NULL") == 0
    payload = json.loads(next(db.query("SELECT payload FROM outbox WHERE key LIKE 'join:%'"))[
        "payload"])
    assert payload["join"] == {"user": 1010, "dept": "HEALTH"}


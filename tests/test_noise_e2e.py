"""The fortnight's wording and noise items, through the real stack in privacy mode, on a moving
clock where time matters (the duplicate window, the first start)."""

from __future__ import annotations

import pytest

from bot.services.directory import add_member
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from handlers import jobs
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, JPEG, start_app, stop_app
from tests.test_jobs_e2e import plan_db, run_job


@pytest.fixture
async def group(tmp_path, plan):
    db = plan_db(tmp_path, plan, "2022-01-05", u1001=("EDU", "李教育"), u1002=("EDU", "王教育"),
                 u1008=("HEALTH", "张卫健"))
    add_member(db, user_id=1000, dept=None, role="coordinator", now=at("2022-01-05"),
               actor="t", name="王统筹")
    async with running_server() as server:  # privacy mode
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-03-01 10:00")}
        app.bot_data.clock = lambda: clock["now"]
        try:
            yield server, app, db, clock
        finally:
            await stop_app(app)
            db.close()


async def _say(server, user, text):
    await server.send_text(user, GROUP, text)
    return (await server.wait_for_bot(chat_id=GROUP)).text


async def test_the_same_report_twice_within_minutes_is_recorded_once(group):
    server, app, db, clock = group
    health = server.user(1008, "张卫健")
    assert "已记录" in await _say(server, health, "/report T41 60 三家医院已开设")
    clock["now"] = at("2022-03-01 10:02")
    assert "未重复记录" in await _say(server, health, "/report T41 60 三家医院已开设")
    assert db["reports"].count_where("kind = 'progress'") == 1
    clock["now"] = at("2022-03-01 10:08")  # past the window: a new report of the same words
    assert "已记录" in await _say(server, health, "/report T41 60 三家医院已开设")
    assert db["reports"].count_where("kind = 'progress'") == 2
    # a different note within the window is a new report
    assert "已记录" in await _say(server, health, "/report T41 60 又开设一家")
    assert db["reports"].count_where("kind = 'progress'") == 3


async def test_the_bots_own_assignment_is_named_not_none(group, tmp_path):
    server, app, db, clock = group
    await run_job(app, jobs.supervise_job)  # the bot's 交办单 (no person made it)
    await server.wait_idle(quiet=0.2)
    for _ in range(2):  # the 交办单 of the two departments with liaisons
        await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "交办单" in c.text)
    coordinator = server.user(1000, "王统筹")
    status = await _say(server, coordinator, "/status T04")
    history = await _say(server, coordinator, "/history T04")
    assert "None" not in status and "None" not in history
    assert "交办" in history and "督办系统" in history
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "TZ": "Asia/Shanghai", "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    done = subprocess.run([sys.executable, "-m", "bot", "--db", path,
                           "status", "T04", "--at", "2022-03-02"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "None" not in done.stdout and "督办系统" in done.stdout


async def test_undo_says_whose_record_came_after(group):
    server, app, db, clock = group
    li, wang = server.user(1001, "李教育"), server.user(1002, "王教育")
    await _say(server, li, "/report T01 30")
    await _say(server, wang, "/report T01 40")  # a colleague's report, not the coordinator's
    refused = await _say(server, li, "/undo")
    assert "王教育" in refused and "统筹人" not in refused and "不能撤回" in refused


async def test_a_withdrawn_claim_and_a_reclaim(group):
    server, app, db, clock = group
    health, coordinator = server.user(1008, "张卫健"), server.user(1000, "王统筹")
    await server.send_photo(health, GROUP, JPEG, caption="/report T41 100 名单见图")
    await server.wait_for_bot(chat_id=GROUP)  # recorded
    card = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)
    photo = await server.wait_for_bot(chat_id=GROUP, method="sendPhoto")
    assert photo.message["reply_to_message"]["message_id"] == card.message["message_id"]
    # the claim taken back: its card loses its buttons
    assert "撤回" in await _say(server, health, "/undo")
    await server.wait_idle(quiet=0.2)
    assert server.messages[(GROUP, card.message["message_id"])].get("reply_markup") is None
    # claimed again, sent back, claimed again: the photo already shown is not posted as new
    await _say(server, health, "/report T41 100 名单见图")
    card = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)
    await server.wait_idle(quiet=0.2)
    assert sum(c.method == "sendPhoto" for c in server.sent) == 1
    clock["now"] = at("2022-03-01 10:30")
    await _say(server, coordinator, "/reopen T41 缺少公章")
    await _say(server, health, "/report T41 100 已补盖公章")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)
    await server.wait_idle(quiet=0.2)
    assert sum(c.method == "sendPhoto" for c in server.sent) == 1
    # chasing a task no longer open is answered as the coordinator's act
    await _say(server, coordinator, "/close T41")
    answer = await _say(server, coordinator, "/chase T41")
    assert "无需催办" in answer and "/reopen" in answer and "如需继续报送" not in answer


async def test_a_first_start_posts_at_most_one_digest(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.db")
    load_plan(db, plan, now=at("2022-07-04 08:59"))  # a Monday, a minute before the digest
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at("2022-07-04 08:59")}
        app.bot_data.clock = lambda: clock["now"]
        try:
            await run_job(app, jobs.catch_up_job)  # 11 s after start
            await server.wait_idle(quiet=0.2)
            assert not any("每周督办简报" in m for m in server.bot_messages(GROUP))
            clock["now"] = at("2022-07-04 09:00")
            await run_job(app, jobs.digest_job)
            await run_job(app, jobs.catch_up_job)  # a restart right after: still one
            await server.wait_idle(quiet=0.3)
            assert sum("每周督办简报" in m for m in server.bot_messages(GROUP)) == 1
            # down for a week and back on Wednesday: the Monday missed is made up, once
            clock["now"] = at("2022-07-13 10:00")
            await run_job(app, jobs.catch_up_job)
            await run_job(app, jobs.catch_up_job)
            await server.wait_idle(quiet=0.3)
            assert sum("每周督办简报" in m for m in server.bot_messages(GROUP)) == 2
            # back a minute before the next Monday's: that one covers it
            clock["now"] = at("2022-07-25 08:59")
            await run_job(app, jobs.catch_up_job)
            await server.wait_idle(quiet=0.3)
            assert sum("每周督办简报" in m for m in server.bot_messages(GROUP)) == 2
        finally:
            await stop_app(app)
    db.close()


async def test_the_english_score_table_fits_and_uses_english_separators(group):
    from bot.outputs.render.table import width

    server, app, db, clock = group
    mary = server.user(1002, "王教育", language_code="en")
    await _say(server, mary, "/lang en")
    await server.send_text(mary, GROUP, "/score")
    call = await server.wait_for_bot(chat_id=GROUP)
    table = next(e for e in call.message["entities"] if e["type"] == "pre")
    lines = call.text[table["offset"]:table["offset"] + table["length"]].splitlines()
    assert max(width(line) for line in lines) <= 110  # it was 190
    assert "Health Commission" in call.text and "Quanzhou Health Commission" not in call.text
    assert "、" not in call.text and "，" not in call.text

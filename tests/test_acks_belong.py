"""Issue 22, item 4: an acknowledgement belongs to its update. The update is marked done only
once its acknowledgement went out, so a replayed update whose acknowledgement was never sent
sends it (once), gathered or not."""

from __future__ import annotations

import pytest

from bot.app import hand_back
from tests.botapi_server import running_server
from tests.reliability import probe_acks
from tests.test_bot_e2e import GROUP, start_app, stop_app
from tests.test_jobs_e2e import plan_db


@pytest.mark.parametrize("delay", [0.5, 1.8])
async def test_a_kill_while_acknowledgements_gather_loses_none(tmp_path, delay):
    figures = await probe_acks(tmp_path, reports=120, delay=delay)
    assert figures.recorded == figures.sent
    assert figures.unacknowledged == 0, figures
    assert figures.acknowledged_twice == 0, figures


@pytest.mark.parametrize("gather_ms", [0, 300])
async def test_an_acknowledgement_telegram_refused_is_sent_when_the_update_is_handed_back(
        tmp_path, plan, gather_ms):
    db = plan_db(tmp_path, plan, u1008=("HEALTH", "张卫健"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(1008, "张卫健")
        app = await start_app(server, db, tmp_path, ack_gather_ms=gather_ms)
        try:
            server.fail_method("sendMessage", 400, "Bad Request: injected", times=1,
                               match=lambda p: "已记录" in p.get("text", ""))
            update = await server.send_text(liaison, GROUP, "/report T41 40 第一次")
            await server.wait_idle(quiet=0.8)
            assert db["reports"].count == 1
            assert not any("第一次" in m for m in server.bot_messages(GROUP))
            open_rows = db["inbox"].count_where("done_at IS NULL")
            assert open_rows == 1  # the update stays open: its acknowledgement is owed
            assert await hand_back(app, older_than=0) == 1  # what the inbox sweep does
            answer = await server.wait_for_bot(chat_id=GROUP,
                                               predicate=lambda c: "第一次" in (c.text or ""))
            assert "已记录" in answer.text and "未重复记录" not in answer.text
            await server.wait_idle(quiet=0.8)
            assert db["reports"].count == 1 and db["inbox"].count_where("done_at IS NULL") == 0
            assert await hand_back(app, older_than=0) == 0
            await server.replay(update)  # delivered once more: handled before, not answered
            await server.wait_idle(quiet=0.5)
            assert sum("第一次" in m for m in server.bot_messages(GROUP)) == 1
        finally:
            await stop_app(app)
            db.close()

"""The inbox: updates kept before Telegram hears they arrived, handled from there, marked done."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import aiohttp
from telegram import Update

from bot.app import InboxQueue, build_application
from bot.config import load_settings
from bot.services.directory import add_member
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from bot.store import inbox
from bot.store.health import StoreWatch
from tests.botapi_server import running_server
from tests.conftest import at
from tests.test_bot_e2e import GROUP, LIAISON_ID, start_app, stop_app


def report_update(update_id: int, message_id: int, text: str) -> dict:
    """A group message from the HEALTH liaison, as Telegram sends it."""
    command = text.split()[0]
    return {"update_id": update_id, "message": {
        "message_id": message_id, "date": 1_650_000_000,
        "chat": {"id": GROUP, "type": "supergroup", "title": "督办群"},
        "from": {"id": LIAISON_ID, "is_bot": False, "first_name": "张卫健"},
        "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}}


def test_store_mark_pending_and_prune(db):
    now = at("2022-03-01")
    assert inbox.store(db, 10, '{"a": 1}', now)
    assert not inbox.store(db, 10, '{"a": 1}', now)  # fetched again: kept once
    assert inbox.store(db, 11, '{"b": 1}', now)
    assert [r["update_id"] for r in inbox.pending(db)] == [10, 11]
    assert not inbox.is_done(db, 10)
    inbox.mark_done(db, 10, now)
    assert inbox.is_done(db, 10) and [r["update_id"] for r in inbox.pending(db)] == [11]
    assert inbox.prune(db, now + timedelta(days=inbox.KEEP_DAYS - 1)) == 0
    assert inbox.prune(db, now + timedelta(days=inbox.KEEP_DAYS + 1)) == 1
    assert db["inbox"].count == 1  # the unhandled one is never pruned


def test_a_reused_update_id_with_other_content_is_a_new_update(db):
    now = at("2022-03-01")
    inbox.store(db, 10, '{"text": "old"}', now)
    inbox.mark_done(db, 10, now)
    # Telegram picks ids at random after a quiet week: the same id, another update
    assert inbox.store(db, 10, '{"text": "new"}', now)
    assert not inbox.is_done(db, 10)
    assert json.loads(inbox.pending(db)[0]["payload"]) == {"text": "new"}


async def test_the_queue_keeps_an_update_before_queueing_it(db):
    settings = load_settings({}, dotenv=None)
    queue = InboxQueue(db, settings, StoreWatch(db, settings.database_path, settings.evidence_dir))
    update = Update.de_json(report_update(77, 5, "/report T41 10"), None)
    await queue.put(update)
    assert queue.qsize() == 1
    row = db["inbox"].get(77)
    assert row["done_at"] is None
    assert Update.de_json(json.loads(row["payload"]), None) == update
    await queue.put("not an update")  # PTB's own objects pass through untouched
    assert db["inbox"].count == 1 and queue.qsize() == 2


async def seeded_db(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at("2022-01-05"))
    add_member(db, user_id=LIAISON_ID, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="张卫健")
    return db


async def test_polled_updates_are_kept_handled_and_marked_done(tmp_path, plan):
    db = await seeded_db(tmp_path, plan)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        app = await start_app(server, db, tmp_path)
        try:
            sent = await server.send_text(liaison, GROUP, "/report T41 40 已部署")
            assert "已记录" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.wait_idle()
            row = db["inbox"].get(sent["update_id"])
            assert row["done_at"] is not None
            assert json.loads(row["payload"])["message"]["text"] == "/report T41 40 已部署"
        finally:
            await stop_app(app)
            db.close()


async def test_updates_kept_but_never_handled_are_handled_at_start(tmp_path, plan):
    db = await seeded_db(tmp_path, plan)
    # what a bot killed after fetching (and so confirming) two reports left behind
    for update_id, text in ((900001, "/report T41 20 第一条"), (900002, "/report T41 30 第二条")):
        inbox.store(db, update_id, json.dumps(report_update(update_id, update_id, text)),
                    at("2022-03-01"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        try:
            assert "第一条" in (await server.wait_for_bot(chat_id=GROUP)).text
            assert "第二条" in (await server.wait_for_bot(chat_id=GROUP)).text
            await server.wait_idle()
            assert [r["note"] for r in db["reports"].rows] == ["第一条", "第二条"]
            assert inbox.pending(db) == []
        finally:
            await stop_app(app)
        # a second start finds nothing to do: each is recorded and answered once
        app = await start_app(server, db, tmp_path)
        try:
            await server.wait_idle(quiet=0.3)
            assert db["reports"].count == 2 and len(server.bot_messages(GROUP)) == 2
        finally:
            await stop_app(app)
            db.close()


async def test_a_webhook_update_is_kept_before_the_200(tmp_path, plan, unused_tcp_port):
    db = await seeded_db(tmp_path, plan)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        settings = load_settings({
            "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
            "TELEGRAM_FILE_BASE_URL": server.base_file_url, "COORDINATION_CHAT_ID": str(GROUP),
            "EVIDENCE_DIR": str(tmp_path / "evidence"), "RATE_LIMIT": "off", "JOBS": "off",
            "WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s3cret",
        }, dotenv=None)
        app = build_application(settings, db)
        await app.initialize()
        await app.post_init(app)
        await app.start()
        # Handling is held back, so the row seen below can only have been written before the
        # answer, not by the handler afterwards.
        gate = asyncio.Event()
        original = app.process_update

        async def held(update: object) -> None:
            await gate.wait()
            await original(update)

        app.process_update = held
        await app.updater.start_webhook(listen="127.0.0.1", port=unused_tcp_port,
                                        url_path="hook", secret_token="s3cret",
                                        webhook_url=settings.webhook_url)
        try:
            assert server.webhook["url"] == "https://bot.example.org/hook"
            update = report_update(800001, 4001, "/report T41 50 网页钩子")
            async with aiohttp.ClientSession() as http, http.post(
                    f"http://127.0.0.1:{unused_tcp_port}/hook", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as answer:
                assert answer.status == 200
            row = db["inbox"].get(800001)
            assert row["done_at"] is None and db["reports"].count == 0
            gate.set()
            assert "网页钩子" in (await server.wait_for_bot(chat_id=GROUP)).text
            for _ in range(100):
                if inbox.is_done(db, 800001):
                    break
                await asyncio.sleep(0.02)
            assert inbox.is_done(db, 800001) and db["reports"].count == 1
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            db.close()


async def test_a_polled_batch_is_kept_in_one_go_before_get_updates_returns(tmp_path, plan):
    db = await seeded_db(tmp_path, plan)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON_ID, "张卫健")
        settings = load_settings({
            "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
            "RATE_LIMIT": "off", "JOBS": "off"}, dotenv=None)
        app = build_application(settings, db)
        await app.initialize()
        try:
            sent = [await server.send_text(liaison, GROUP, f"/report T41 {p}") for p in (1, 2, 3)]
            statements: list[str] = []
            db.conn.set_trace_callback(statements.append)
            changes = db.conn.total_changes
            updates = await app.bot.get_updates(timeout=0)
            assert [u.update_id for u in updates] == [s["update_id"] for s in sent]
            assert [r["update_id"] for r in inbox.pending(db)] == [s["update_id"] for s in sent]
            assert db.conn.total_changes - changes == 3
            assert statements.count("BEGIN IMMEDIATE") == 1  # one transaction for the batch
            # the queue then finds them kept and writes nothing
            for update in updates:
                await app.update_queue.put(update)
            db.conn.set_trace_callback(None)
            assert db.conn.total_changes - changes == 3
            assert statements.count("BEGIN IMMEDIATE") == 1
        finally:
            await app.shutdown()
            db.close()

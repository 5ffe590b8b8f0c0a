"""Issue 22, item 3: updates are confirmed to Telegram only once their inbox rows are durable.
When the store cannot write the bot stops confirming, says so in the log once, and handles
everything by itself once it can write again; no .part file is left behind.

Two ways to make the store fail:
* a real full disk: the bot process with its data on a small tmpfs that the test fills up
  (tests/smallfs.py; skipped where the machine cannot mount one in a namespace);
* everywhere: the write errors injected at the store, through SQLite itself, on the running
  Application's own connection: `PRAGMA query_only` (every write fails as on a read-only
  store, SQLITE_READONLY) and `PRAGMA max_page_count` (SQLITE_FULL, a full disk).
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.app import InboxQueue
from bot.store.health import StorageError
from tests import smallfs
from tests.botapi_server import running_server
from tests.reliability import JPEG, probe_disk
from tests.test_bot_e2e import GROUP, start_app, stop_app
from tests.test_jobs_e2e import plan_db

NO_SMALLFS = smallfs.available()


@pytest.mark.skipif(NO_SMALLFS is not None, reason=f"no small filesystem here: {NO_SMALLFS}")
@pytest.mark.parametrize("fault", ["full", "evidence folder full"])
async def test_a_full_disk_confirms_nothing_it_did_not_keep_and_recovers(fault):
    figures = await probe_disk(fault)
    assert figures.confirmed_unstored == 0, figures
    assert (figures.recorded_in_run, figures.photos_in_run) == (figures.reports,
                                                                 figures.photos), figures
    assert (figures.recorded_after_restart, figures.photos_after_restart) == (
        figures.reports, figures.photos), figures  # and nothing twice after a restart
    assert figures.part_files == 0
    assert figures.log_lines == 1  # said once


def fill_pages(db) -> None:
    """Let the file grow no more: the next write that needs a page fails with SQLITE_FULL."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


@pytest.mark.parametrize("fault", ["read-only", "full"])
async def test_an_unwritable_store_is_not_confirmed_and_recovers_in_the_run(
        tmp_path, plan, caplog, fault):
    db = plan_db(tmp_path, plan, u1008=("HEALTH", "张卫健"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(1008, "张卫健")
        app = await start_app(server, db, tmp_path)
        try:
            await server.send_text(liaison, GROUP, "/report T42 10 之前")
            await server.wait_for_bot(chat_id=GROUP)
            confirmed = server.confirmed_offset
            if fault == "read-only":
                db.execute("PRAGMA query_only = 1")
            else:
                fill_pages(db)
            ids = []
            for n in range(25):
                sent = await server.send_text(liaison, GROUP, f"/report T41 {n + 1} 第{n}条")
                ids.append(sent["update_id"])
                if fault == "full" and n % 5 == 0:  # a big update: the inbox needs new pages
                    sent = await server.send_photo(liaison, GROUP, JPEG + bytes([n]) * 9000,
                                                   caption=f"#T43 {'很长的说明' * 180}")
                    ids.append(sent["update_id"])
            with caplog.at_level(logging.ERROR, logger="duban.store"):
                await asyncio.sleep(4)  # a few polls' worth: nothing may be confirmed
            assert server.confirmed_offset <= min(ids) and server.confirmed_offset >= confirmed
            assert db["reports"].count == 1
            said = [r for r in caplog.records if "cannot write" in r.getMessage()]
            assert len(said) == 1
            # the store can write again: everything is handled in this run, nothing twice
            if fault == "read-only":
                db.execute("PRAGMA query_only = 0")
            else:
                db.execute("PRAGMA max_page_count = 1073741823")
            await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "第24条" in c.text,
                                      timeout=30)
            await server.wait_idle(quiet=1.0, timeout=30)
            assert server.confirmed_offset > max(ids)
            notes = [r["note"] for r in db.query("SELECT note FROM reports WHERE note LIKE '第%'")]
            assert sorted(notes) == sorted(f"第{n}条" for n in range(25))
            assert db["inbox"].count_where("done_at IS NULL") == 0
        finally:
            await stop_app(app)
            db.close()


async def test_the_webhook_is_answered_with_an_error_when_the_update_cannot_be_kept(
        tmp_path, plan):
    """The webhook answers 200 only after put() returned: an update the store cannot keep
    raises there, the webhook answers 500, and Telegram sends it again later."""
    from telegram import Update

    db = plan_db(tmp_path, plan)
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        try:
            queue = app.update_queue
            assert isinstance(queue, InboxQueue)
            db.execute("PRAGMA query_only = 1")
            update = Update.de_json({"update_id": 424242, "message": {
                "message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup"},
                "from": {"id": 1008, "is_bot": False, "first_name": "x"}, "text": "hi"}},
                app.bot)
            with pytest.raises(StorageError):
                await queue.put(update)
            assert not app.bot_data.watch.ok
            db.execute("PRAGMA query_only = 0")
        finally:
            await stop_app(app)
            db.close()

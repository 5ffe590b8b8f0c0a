"""PerSenderProcessor: one person's updates in order, different people's side by side, bounded.
Deterministic (events, not timings)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.app import PerSenderProcessor

GROUP = -100123


def _update(update_id: int, user_id: int, chat_id: int = GROUP) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "x",
        "chat": {"id": chat_id, "type": "supergroup", "title": "g"},
        "from": {"id": user_id, "is_bot": False, "first_name": "u"}}}, None)


async def _run_all(processor: PerSenderProcessor, jobs: list[tuple[Update, object]]) -> list:
    # as Application does with concurrent updates: one task per update, in arrival order
    return [asyncio.create_task(processor.process_update(u, c)) for u, c in jobs]


async def test_a_blocked_person_holds_up_only_their_own_updates():
    processor = PerSenderProcessor(running=4)
    order: list[str] = []
    release_a = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        order.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        order.append(f"{name} end")

    async with processor:
        tasks = await _run_all(processor, [
            (_update(1, 10), work("a1", release_a)),
            (_update(2, 10), work("a2")),
            (_update(3, 20), work("b1")),
            (_update(4, 10, chat_id=10), work("a-private")),  # another chat: another line
        ])
        # b1 and a's private update finish while a1 is still stuck; a2 has not started
        while "b1 end" not in order or "a-private end" not in order:
            await asyncio.sleep(0)
        assert "a2 start" not in order and "a1 end" not in order
        release_a.set()
        await asyncio.gather(*tasks)
    assert order.index("a1 end") < order.index("a2 start")
    assert processor._lines == {} and processor._queued == {}  # lines are forgotten


async def test_one_persons_updates_run_in_arrival_order():
    processor = PerSenderProcessor(running=8)
    seen: list[int] = []

    async def work(i: int) -> None:
        await asyncio.sleep(0)  # an await point, where others could overtake
        seen.append(i)

    async with processor:
        await asyncio.gather(*await _run_all(
            processor, [(_update(i, 10 + i % 3), work(i)) for i in range(60)]))
    for user in range(3):
        mine = [i for i in seen if i % 3 == user]
        assert mine == sorted(mine)
    assert sorted(seen) == list(range(60))


async def test_at_most_running_updates_at_once():
    processor = PerSenderProcessor(running=3)
    now = peak = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal now, peak
        now += 1
        peak = max(peak, now)
        await gate.wait()
        now -= 1

    async with processor:
        tasks = await _run_all(processor, [(_update(i, 100 + i), work()) for i in range(10)])
        for _ in range(20):
            await asyncio.sleep(0)
        assert peak == 3
        gate.set()
        await asyncio.gather(*tasks)
    assert peak == 3 and now == 0


def test_the_application_handles_people_concurrently_with_timeouts_on_every_call(tmp_path):
    from bot.app import build_application
    from bot.config import load_settings
    from bot.store import connection as dbmod

    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnop",
                              "RATE_LIMIT": "off", "JOBS": "off"}, dotenv=None)
    database = dbmod.connect(tmp_path / "bot.store.schema")
    app = build_application(settings, database)
    assert isinstance(app.update_processor, PerSenderProcessor)
    for request in (app.bot.request, app.bot._request[0]):  # calls, and the long poll
        assert request.read_timeout is not None
        client = request._client  # httpx: connect/write/pool are kept there
        assert None not in (client.timeout.connect, client.timeout.write, client.timeout.pool)
    sequential = build_application(settings, database, concurrency=1)
    assert not isinstance(sequential.update_processor, PerSenderProcessor)
    database.close()

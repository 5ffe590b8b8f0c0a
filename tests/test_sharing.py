"""The CLI and the bot share one SQLite file: concurrent writers wait for each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.store import connection as dbmod
from bot.store.connection import DubanDatabase
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, ROOT


def writer(db_path, count: int, user_id: int, task: str, root=ROOT) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{ROOT}", "TZ": "Asia/Shanghai"}
    return subprocess.Popen([sys.executable, "-m", "tests.write_loop", str(db_path), str(count),
                             str(user_id), task], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_three_tight_writer_processes_see_no_locked_error(seeded, tmp_path):
    path = tmp_path / "duban.db"
    jobs = [writer(path, 120, EDU_LIAISON, "T01"), writer(path, 120, HEALTH_LIAISON, "T41"),
            writer(path, 120, EDU_LIAISON, "T02")]
    results = []
    for job in jobs:
        out, err = job.communicate(timeout=120)
        assert job.returncode == 0, err
        results.append(json.loads(out))
    print("writers:", results)
    assert all(r == {"ok": 120, "locked": 0, "other": 0} for r in results), results
    assert seeded["reports"].count == 360
    assert seeded.execute("SELECT count(*) FROM audit WHERE action IN ('progress', 'claim')").fetchone()[0] == 360


def test_write_transactions_begin_immediate(db):
    assert isinstance(db, DubanDatabase)
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    with db.atomic():
        db["meta"].upsert({"key": "probe", "value": "1"}, pk="key")
    db.execute("INSERT INTO meta (key, value) VALUES ('probe2', '2')")
    db.conn.set_trace_callback(None)
    begins = [s for s in seen if s.upper().startswith("BEGIN")]
    assert begins and all(s.upper() == "BEGIN IMMEDIATE" for s in begins), begins


def test_a_second_connection_waits_instead_of_failing(tmp_path):
    first = dbmod.connect(tmp_path / "d.db")
    second = dbmod.connect(tmp_path / "d.db")
    # The second connection has read (a snapshot) before the first one commits a write.
    assert second["meta"].count >= 1
    with first.atomic():
        first["meta"].upsert({"key": "a", "value": "1"}, pk="key")
    with second.atomic():
        second["meta"].upsert({"key": "b", "value": "2"}, pk="key")
    assert {r["key"] for r in first["meta"].rows} >= {"a", "b"}
    first.close()
    second.close()


async def beside_the_bot(tmp_path, plan, root=ROOT, reports: int = 60, writes: int = 120):
    """The issue's scene: `python -m bot run` handling a stream of reports while two CLI loops
    write to the same file. Returns the writers' tallies, the bot's log and its answers."""
    import asyncio
    import signal

    from bot.services.directory import add_member
    from bot.services.plan import load_plan
    from tests.botapi_server import running_server
    from tests.conftest import at
    from tests.crash_burst import GROUP, LIAISON, _start_bot

    db_path = tmp_path / "duban.db"
    db = dbmod.connect(db_path)
    load_plan(db, plan, now=at("2022-01-05"))
    for uid, dept in ((LIAISON, "HEALTH"), (EDU_LIAISON, "EDU")):
        add_member(db, user_id=uid, dept=dept, role="liaison", now=at("2022-01-05"),
                   actor="test")
    db.close()
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        liaison = server.user(LIAISON, "张卫健")
        bot = await _start_bot(server, db_path, tmp_path, root, tmp_path / "bot.log")
        try:
            await server.wait_for_poll(timeout=60)
            loops = [writer(db_path, writes, EDU_LIAISON, task, root) for task in ("T01", "T02")]
            for i in range(reports):
                await server.send_text(liaison, GROUP, f"/report T41 {1 + i % 99} burst-{i:04d}")
                await asyncio.sleep(0.02)
            results = [json.loads(await asyncio.to_thread(lambda p=p: p.communicate(
                timeout=120)[0])) for p in loops]
            await server.wait_idle(quiet=1.0, timeout=60)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        answers = server.bot_messages(GROUP)
    return results, (tmp_path / "bot.log").read_text(encoding="utf-8"), answers


async def test_two_cli_writers_beside_the_running_bot(tmp_path, plan):
    from tests.crash_burst import _recorded

    results, log, answers = await beside_the_bot(tmp_path, plan)
    print("writers beside the bot:", results)
    assert results == [{"ok": 120, "locked": 0, "other": 0}] * 2
    assert "locked" not in log and "error while handling" not in log
    assert len(_recorded(tmp_path / "duban.db")) == 60
    assert sum("已记录" in t for t in answers) == 60

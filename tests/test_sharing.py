"""The CLI and the bot share one SQLite file: concurrent writers wait for each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot import db as dbmod
from bot.db import DubanDatabase
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, ROOT


def writer(db_path, count: int, user_id: int, task: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": "Asia/Shanghai"}
    return subprocess.Popen([sys.executable, "-m", "tests.write_loop", str(db_path), str(count),
                             str(user_id), task], cwd=ROOT, env=env, stdout=subprocess.PIPE,
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
    assert seeded.execute("SELECT count(*) FROM audit WHERE action = 'report'").fetchone()[0] == 360


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

"""Issue 22, item 5: two processes given a brand-new database file at the same moment (two
starters, two `seed` runs) both succeed; what is pending is decided inside BEGIN IMMEDIATE."""

from __future__ import annotations

import threading

import pytest

from bot.store import connection as dbmod
from bot.store.schema import migrations
from tests.reliability import probe_migrations, probe_seed_race


def test_two_processes_opening_a_new_file_both_succeed(tmp_path):
    figures = probe_migrations(tmp_path, rounds=8)
    assert figures.failed_rounds == 0, figures.errors


def test_two_seed_runs_on_a_new_file_both_succeed(tmp_path):
    figures = probe_seed_race(tmp_path, rounds=4)
    assert figures.failed_rounds == 0, figures.errors


@pytest.mark.parametrize("round_", range(12))  # the WAL switch lost a race about 1 in 40
def test_threads_racing_on_one_new_file_apply_each_migration_once(tmp_path, round_):
    path = tmp_path / "new.db"
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            dbmod.connect(path).close()
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db = dbmod.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [m.name for m in migrations._migrations]  # each once, in order
    assert migrations.pending(db) == []
    db.close()


def test_an_up_to_date_file_is_opened_without_the_write_lock(tmp_path):
    dbmod.connect(tmp_path / "d.db").close()
    holder = dbmod.connect(tmp_path / "d.db")
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    try:
        reader = dbmod.connect(tmp_path / "d.db")  # does not wait for the write lock
        assert reader.execute("SELECT count(*) FROM departments").fetchone()[0] == 0
        reader.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()

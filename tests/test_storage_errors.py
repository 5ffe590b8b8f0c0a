"""Issue 22, item 7: a damaged, truncated, overwritten or read-only database gives every command
a message naming the file and what to do, status 2 and no traceback; `run` refuses a file whose
page was scribbled over (PRAGMA quick_check) before polling."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from bot.store import health
from tests import smallfs
from tests.reliability import COMMANDS, damage_file, fresh_copy, probe_damaged, probe_read_only


def assert_refused_plainly(case) -> None:
    assert case.code == 2, case
    assert not case.traceback, case.said
    assert case.names_file, case.said
    assert not case.started, case


async def test_a_truncated_or_overwritten_file_is_named_in_every_command(tmp_path):
    cases = await probe_damaged(tmp_path, damages=("truncated", "overwritten"))
    assert {c.command for c in cases} == {*COMMANDS, "run"}
    for case in cases:
        assert_refused_plainly(case)
        assert "restore" in case.said  # what to do: restore from a backup


async def test_a_scribbled_page_stops_run_and_backup(tmp_path):
    cases = await probe_damaged(tmp_path, damages=("page scribbled",))
    by_command = {c.command: c for c in cases}
    assert_refused_plainly(by_command["run"])
    assert_refused_plainly(by_command["backup"])
    for case in cases:
        assert not case.traceback, case.said


@pytest.mark.skipif(smallfs.available() is not None, reason=f"no small filesystem here: "
                    f"{smallfs.available()}")
async def test_a_read_only_data_folder_is_named_in_every_command(tmp_path):
    cases = await probe_read_only(tmp_path)
    assert {c.command for c in cases} == {*COMMANDS, "run"}
    for case in cases:
        assert_refused_plainly(case)
        assert "permissions" in case.said or "read-only" in case.said


def test_quick_check_finds_the_scribbled_page(tmp_path):
    from tests.reliability import ROOT

    db_path = fresh_copy(ROOT, tmp_path, "one")
    health.check_whole(db_path)  # whole
    damage_file(db_path, "page scribbled")
    with pytest.raises(health.StorageError) as err:
        health.check_whole(db_path)
    assert err.value.kind == health.DAMAGED and str(db_path) == err.value.path


@pytest.mark.parametrize(("exc", "kind"), [
    (sqlite3.DatabaseError("file is not a database"), health.DAMAGED),
    (OSError(errno.ENOSPC, "No space left on device"), health.FULL),
    (OSError(errno.EROFS, "Read-only file system"), health.UNWRITABLE),
    (sqlite3.IntegrityError("UNIQUE constraint failed"), None),
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), None),
    (ValueError("a bug"), None),
])
def test_what_counts_as_a_storage_failure(exc, kind):
    assert health.kind_of(exc) == kind


def test_sqlite_codes_are_read(tmp_path):
    path = tmp_path / "d.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.Error) as err:
        conn.execute("INSERT INTO t VALUES (1)")
    assert health.kind_of(err.value) == health.UNWRITABLE
    conn.execute("PRAGMA query_only = 0")
    conn.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.Error) as err:
        conn.execute("INSERT INTO t VALUES (?)", [b"x" * 20000])
    assert health.kind_of(err.value) == health.FULL
    conn.close()

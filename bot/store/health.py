"""What a storage failure is, and whether the file is whole.

Every failure of the SQLite file or the evidence folder is put in one of a few kinds, each with
one message that names the file and what to do (the catalogue's `storage_<kind>`): the CLI prints
it and exits with status 2; the running bot logs it once and waits for the store to recover."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("duban.store")

DAMAGED, FULL, UNWRITABLE, BUSY, IO = "damaged", "full", "unwritable", "busy", "io"

# SQLite's primary result codes (the low byte of an extended code)
_SQLITE_KINDS = {
    3: UNWRITABLE,  # SQLITE_PERM
    5: BUSY,  # SQLITE_BUSY
    6: BUSY,  # SQLITE_LOCKED
    8: UNWRITABLE,  # SQLITE_READONLY
    10: IO,  # SQLITE_IOERR
    11: DAMAGED,  # SQLITE_CORRUPT
    13: FULL,  # SQLITE_FULL
    14: UNWRITABLE,  # SQLITE_CANTOPEN: a folder it may not write, a path it cannot reach
    23: UNWRITABLE,  # SQLITE_AUTH
    26: DAMAGED,  # SQLITE_NOTADB
}
_OS_KINDS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EFBIG: FULL,
    errno.EROFS: UNWRITABLE,
    errno.EACCES: UNWRITABLE,
    errno.EPERM: UNWRITABLE,
    errno.EIO: IO,
}


class StorageError(Exception):
    """The database or the evidence folder cannot be used as it is."""

    def __init__(self, kind: str, path: str | Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.kind, self.path, self.detail = kind, str(path), detail


def kind_of(exc: BaseException) -> str | None:
    """The kind of storage failure `exc` is, or None when it is no storage failure (a bug, a
    constraint, a network error)."""
    if isinstance(exc, StorageError):
        return exc.kind
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
                  | sqlite3.InterfaceError):
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_KINDS:
            return _SQLITE_KINDS[code & 0xFF]
        text = str(exc).lower()
        if "malformed" in text or "not a database" in text:
            return DAMAGED
        return IO if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) else None
    if isinstance(exc, OSError) and exc.errno in _OS_KINDS:
        return _OS_KINDS[exc.errno]
    return None


def is_storage_error(exc: BaseException) -> bool:
    return kind_of(exc) is not None


def check_whole(path: str | Path) -> None:
    """PRAGMA quick_check of the file (every page's structure, not the indexes' contents);
    StorageError(DAMAGED) naming the first problem. A missing file is not damaged."""
    path = Path(path)
    if not path.exists():
        return
    conn = sqlite3.connect(path, timeout=5)
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as exc:
        if kind_of(exc) == DAMAGED:
            raise StorageError(DAMAGED, path, str(exc)) from exc
        raise
    finally:
        conn.close()
    if rows != ["ok"]:
        raise StorageError(DAMAGED, path, "; ".join(rows)[:300])


PROBE_SECONDS = 2.0  # while the store cannot write, a test write is tried this often
PROBE_BYTES = 256 * 1024  # how much the test write takes (and gives back)
QUIET_AGAIN = 600.0  # failing again within this many seconds of recovering is not said again


def _monotonic() -> float:
    return time.monotonic()


class StoreWatch:
    """Whether the store (the SQLite file and the evidence folder) can write now.

    The running bot reports every storage failure here. The first one is logged once, with the
    file and what to do; while it lasts, `ok` is False (the bot confirms no update to Telegram)
    and a test write is tried every PROBE_SECONDS. The first that succeeds is logged once and
    `on_recovered` runs (the bot then handles what it could not store)."""

    def __init__(self, db: Any, db_path: str | Path, evidence_dir: str | Path,
                 on_recovered: Callable[[], Awaitable[None]] | None = None) -> None:
        self.db, self.db_path, self.evidence_dir = db, Path(db_path), Path(evidence_dir)
        self.on_recovered = on_recovered
        self.ok = True
        self._task: asyncio.Task[None] | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._recovered_at: float | None = None

    def failed(self, exc: BaseException) -> None:
        if not self.ok:
            return
        self.ok = False
        loop_time = _monotonic()
        again = self._recovered_at is not None and loop_time - self._recovered_at < QUIET_AGAIN
        self._recovered_at = None
        if again:  # back and forth on a nearly full disk: said once already
            log.info("the store cannot write again: %s", exc)
            self._start_watch()
            return
        if isinstance(exc, OSError):  # the database fails as sqlite3.Error: this is a file
            path = exc.filename or self.evidence_dir
        else:
            path = getattr(exc, "path", None) or self.db_path
        log.error("the store cannot write (%s: %s, %s): no update is confirmed to Telegram "
                  "until it can; free space or make the folder writable, the bot carries on "
                  "by itself", kind_of(exc) or "error", path, exc)
        self._start_watch()

    def _start_watch(self) -> None:
        try:
            self._task = asyncio.get_running_loop().create_task(self._watch())
        except RuntimeError:  # no event loop (a synchronous caller): probed on the next call
            self._task = None

    async def _watch(self) -> None:
        while not self.ok:
            await asyncio.sleep(PROBE_SECONDS)
            try:
                whole = self.probe()
            except Exception:  # not a storage failure: a bug must not stop the watch for good
                log.exception("the store probe failed")
                continue
            if whole:
                self.ok = True
                self._recovered_at = _monotonic()
                log.warning("the store can write again; handling what arrived meanwhile")
                for waiter in self._waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                self._waiters.clear()
                if self.on_recovered is not None:
                    try:
                        await self.on_recovered()
                    except Exception as exc:  # storage failing again: watch again
                        if is_storage_error(exc):
                            self.failed(exc)
                        else:
                            log.exception("could not hand back what arrived meanwhile")

    def probe(self) -> bool:
        """A durable write of PROBE_BYTES to each, the database and the evidence folder: a
        write that small enough to slip into a nearly full disk would call it recovered too
        soon. The room it took is given back at once."""
        try:
            with self.db.atomic():
                self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES "
                                "('store_probe', ?)", ["x" * PROBE_BYTES])
                self.db.execute("DELETE FROM meta WHERE key = 'store_probe'")
            self.evidence_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".probe-", suffix=".part",
                                        dir=self.evidence_dir)
            try:
                os.write(fd, b"x" * PROBE_BYTES)
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(name)
        except (sqlite3.Error, OSError) as exc:
            if not is_storage_error(exc):
                raise
            return False
        return True

    async def wait(self, timeout: float) -> None:
        """Until the store can write again, or `timeout` seconds."""
        if self.ok:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, timeout)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

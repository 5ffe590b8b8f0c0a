"""What a storage failure is, and whether the file is whole.

Every failure of the SQLite file or the evidence folder is put in one of a few kinds, each with
one message that names the file and what to do (the catalogue's `storage_<kind>`): the CLI prints
it and exits with status 2; the running bot logs it once and waits for the store to recover."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

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

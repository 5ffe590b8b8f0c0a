"""Opening the SQLite file: connection settings, write transactions that take the lock when they
begin, and the one way moments are stored (UTC ISO text)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from bot.store.schema import migrations

BUSY_TIMEOUT_MS = 5000


class DubanDatabase(Database):
    """sqlite-utils' Database whose write transactions take the write lock when they begin.

    A deferred transaction that reads before it writes (sqlite-utils looks at the table before
    an insert) cannot wait for the lock: in WAL mode, when another process commits in between,
    its upgrade fails at once with "database is locked" and the busy timeout never applies.
    BEGIN IMMEDIATE waits (up to BUSY_TIMEOUT_MS) for the other writer instead, so the CLI and
    the running bot can share the file.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")


@contextlib.contextmanager
def one_view(db: Database) -> Iterator[Database]:
    """Several reads that see the file as it was at the first of them (a read transaction:
    in WAL mode writers go on meanwhile); inside a transaction already, that one's view."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")  # nothing was written: this ends the read


def migrate(db: Database) -> list[str]:
    """Apply the pending migrations; returns their names.

    What is pending is decided inside BEGIN IMMEDIATE, and every migration runs in that one
    transaction: two processes opening a new file at once (the bot and a `seed`, two starters)
    take turns, and the second finds nothing left to do instead of creating a table twice.
    A file already up to date is only read, never locked for writing."""
    if not migrations.pending(db):
        return []
    with db.atomic():  # BEGIN IMMEDIATE: waits (busy timeout) for another starter to finish
        migrations.ensure_migrations_table(db)
        todo = migrations.pending(db)
        for migration in todo:
            if not migration.transactional:
                raise RuntimeError(f"migration {migration.name} must run in a transaction")
            migration.fn(db)
            db.execute(f"INSERT INTO {migrations.migrations_table} (migration_set, name, "
                       "applied_at) VALUES (?, ?, ?)",
                       [migrations.name, migration.name, datetime.now(UTC).isoformat()])
    return [migration.name for migration in todo]


def connect(path: str | Path) -> Database:
    """Open (creating if needed) the database file and bring its schema up to date."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # The bot's handlers and jobs share one event-loop thread; check_same_thread=False only lets
    # a thread-pool helper (e.g. a chart render) read safely under SQLite's own locking.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    # Statements outside atomic() (a lone INSERT) get the driver's implicit BEGIN: make it
    # IMMEDIATE too, for the same reason as DubanDatabase.atomic.
    conn.isolation_level = "IMMEDIATE"
    db = DubanDatabase(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        _enable_wal(db)
    migrate(db)
    return db


def _enable_wal(db: Database) -> None:
    """Switch a file to WAL once. Several starters opening a brand-new file at once: SQLite
    answers the switch with "database is locked" at once, without waiting the busy timeout,
    while another connection holds the file, so it is tried again for as long as that."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=wal")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def utc_iso(moment: datetime) -> str:
    """A timezone-aware moment as the UTC ISO text stored in every `at` column."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware moment")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def path_of(db: Database) -> str:
    """The file a connection is open on ("" in memory)."""
    return str(db.execute("PRAGMA database_list").fetchone()[2])

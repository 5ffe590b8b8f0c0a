"""A database built at every earlier migration upgrades to the newest with its rows intact.

For each migration M: build a real SQLite file with every migration before M (sqlite-utils'
`Migrations.apply(stop_before=M)`), fill the tables that exist then with representative rows, open
it the way the bot does (`bot.store.schema.connect`, which applies the rest), and check that every row is
still there, the schema is exactly a fresh database's, and the core can read it. The stop points
come from the migration list itself, so a new migration is covered without touching this file; a
new table gets a row made from its column types unless it is given a realistic one in ROWS.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.services.directory import departments, find_department
from bot.store import connection as dbmod
from tests.conftest import at, plan_summary

MIGRATION_NAMES = [m.name for m in dbmod.migrations.pending(Database(memory=True))]

# Realistic rows with the newest columns; each is cut down to the columns its table has at the
# stop point. Listed parents first so foreign keys hold.
ROWS: dict[str, list[dict[str, Any]]] = {
    "departments": [
        {"code": "EDU", "name": "泉州市教育局", "short": "教育局",
         "name_en": "Quanzhou Municipal Education Bureau", "aliases": '["教委", "教育部门"]',
         "position": 0, "archived_at": None},
        {"code": "OLD", "name": "泉州市旧局", "short": "旧局", "name_en": "Old Bureau",
         "aliases": "[]", "position": 1, "archived_at": "2022-02-01T00:00:00+00:00"},
    ],
    "tasks": [
        {"id": "T01", "dept": "EDU", "with_depts": '["HEALTH"]', "title": "核定专职教师岗位",
         "title_en": "Set the posts of full-time teachers", "clause": "二(一)1",
         "quote": '["专职教师岗位核定"]', "kind": "milestone", "start": "2022-01-04",
         "due": "2022-06-30", "recurrence": None, "target_value": None, "target_unit": None,
         "target_metric": None, "note": "计划未写期限", "position": 0, "archived_at": None,
         "updated_at": "2022-01-05T02:00:00+00:00", "due_set": "2022-07-31",
         "muted_until": "2022-08-15"},
        {"id": "T02", "dept": "EDU", "with_depts": "[]", "title": "建设标准化心理辅导室",
         "title_en": "Standard counselling rooms", "clause": "二(二)3", "quote": '["心理辅导室"]',
         "kind": "target", "start": "2022-01-04", "due": "2023-12-31", "recurrence": None,
         "target_value": 200.0, "target_unit": "所", "target_metric": "标准化心理辅导室",
         "note": None, "position": 1, "archived_at": None,
         "updated_at": "2022-01-05T02:00:00+00:00", "due_set": None, "muted_until": None},
    ],
    "members": [
        {"user_id": 1001, "dept": "EDU", "role": "liaison", "status": "active", "name": "李联络",
         "username": "li_lianluo", "lang": "zh", "created_at": "2022-01-05T02:00:00+00:00",
         "updated_at": "2022-01-05T02:00:00+00:00"},
        {"user_id": 1000, "dept": None, "role": "coordinator", "status": "active",
         "name": "王统筹", "username": None, "lang": "en",
         "created_at": "2022-01-05T02:00:00+00:00", "updated_at": "2022-01-05T02:00:00+00:00"},
    ],
    "reports": [
        {"id": 1, "task_id": "T01", "period": "", "kind": "progress", "percent": 60,
         "state": "in_progress", "value": None, "note": "已完成岗位核定方案初稿", "user_id": 1001,
         "dept": "EDU", "at": "2022-03-01T02:00:00+00:00", "source": "telegram",
         "update_key": "u:5001", "revoked_at": None, "revoked_by": None},
        {"id": 2, "task_id": "T01", "period": "", "kind": "progress", "percent": 70,
         "state": "in_progress", "value": None, "note": "已报编办审核", "user_id": 1001,
         "dept": "EDU", "at": "2022-03-02T02:00:00+00:00", "source": "telegram",
         "update_key": "u:5002", "revoked_at": None, "revoked_by": None},
        {"id": 3, "task_id": "T01", "period": "", "kind": "progress", "percent": 100,
         "state": "done", "value": None, "note": "撤回的", "user_id": 1001, "dept": "EDU",
         "at": "2022-03-03T02:00:00+00:00", "source": "telegram", "update_key": "u:5004",
         "revoked_at": "2022-03-03T02:10:00+00:00", "revoked_by": 1001},
        {"id": 4, "task_id": "T02", "period": "", "kind": "progress", "percent": None,
         "state": None, "value": 187.0, "note": None, "user_id": 1000, "dept": "EDU",
         "at": "2022-04-01T02:00:00+00:00", "source": "cli", "update_key": None,
         "revoked_at": None, "revoked_by": None},
    ],
    "evidence": [
        {"id": 1, "task_id": "T01", "report_id": 1, "file_id": "AgACAgUAAx0", "file_unique_id": "AQADx",
         "kind": "photo", "file_name": None, "mime_type": "image/jpeg", "size": 48213,
         "sha256": "ab" * 32, "path": "data/evidence/T01/AQADx.jpg", "caption": "#T01 岗位方案",
         "user_id": 1001, "at": "2022-03-01T02:01:00+00:00", "update_key": "u:5003"},
    ],
    "outbox": [
        {"id": 1, "key": "nudge:T01:2022-06-30:-7", "kind": "nudge", "chat_id": -1001234567890,
         "payload": json.dumps({"task": "T01"}), "due_at": "2022-06-23T01:00:00+00:00",
         "created_at": "2022-06-23T01:00:00+00:00", "sent_at": None, "attempts": 2,
         "last_error": "Timed out"},
    ],
    "audit": [
        {"id": 1, "at": "2022-01-05T02:00:00+00:00", "actor": "cli", "action": "member.add",
         "entity": "members", "entity_id": "1001", "detail": '{"dept": "EDU"}'},
    ],
    "meta": [{"key": "title", "value": "关于加强泉州市大中小学心理健康教育工作实施方案"}],
    "task_latest": [{"task_id": "T01", "period": "", "report_id": 2},
                    {"task_id": "T02", "period": "", "report_id": 4}],
    "snapshots": [{"day": "2022-06-30", "completion": 12.5}],
}

# Columns a later migration derives from the rows already there (not left empty), and tables
# that only cache what can be computed again (a migration to new rules may empty them), and
# tables that triggers keep in step with others (their rows follow the others' writes).
DERIVED_COLUMNS = {("tasks", "created_at")}
CACHES = {"snapshots"}
KEPT_BY_TRIGGERS = {"task_versions"}
DERIVED_ROWS = {"meta": {"tracking_began"}}  # from the audit and the reports of an older file

_SAMPLES = {"INTEGER": 7, "REAL": 1.5, "FLOAT": 1.5, "TEXT": "样例", "BLOB": b"\x00\x01", "": "x"}


def _user_tables(db: Database) -> list[str]:
    return [name for name in db.table_names()
            if name != dbmod.migrations.migrations_table and not name.startswith("sqlite_")]


def _pk(db: Database, table: str, row: dict[str, Any]) -> Any:
    pks = db[table].pks
    return row[pks[0]] if len(pks) == 1 else tuple(row[k] for k in pks)


def _made_up_row(db: Database, table: str, kept: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A row for a table ROWS does not know yet, from its column types, its foreign keys pointing at
    rows already kept."""
    refs = {fk.column: (fk.other_table, fk.other_column) for fk in db[table].foreign_keys}
    row: dict[str, Any] = {}
    for column in db[table].columns:
        if column.name in refs:
            other, other_column = refs[column.name]
            row[column.name] = kept[other][0][other_column] if kept.get(other) else None
        else:
            row[column.name] = _SAMPLES.get(column.type.upper(), "x")
    return row


def _fill(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Insert representative rows into every table there is; return them as stored."""
    kept: dict[str, list[dict[str, Any]]] = {}
    tables = _user_tables(db)
    # known tables in ROWS order (parents first), then any newer ones
    order = [t for t in ROWS if t in tables] + [t for t in tables if t not in ROWS]
    for table in order:
        columns = {c.name for c in db[table].columns}
        rows = ([{k: v for k, v in row.items() if k in columns} for row in ROWS[table]]
                if table in ROWS else [_made_up_row(db, table, kept)])
        for row in rows:
            db[table].insert(row)
        kept[table] = rows
    return kept


def _schema(db: Database) -> list[tuple[str, str, str, str | None]]:
    return [tuple(r) for r in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
        "ORDER BY type, name").fetchall()]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Database:
    database = dbmod.connect(tmp_path_factory.mktemp("fresh") / "fresh.db")
    yield database
    database.close()


def test_the_migration_list_is_read_from_the_code():
    assert MIGRATION_NAMES[0] == "m001_initial" and len(MIGRATION_NAMES) >= 6
    assert len(set(MIGRATION_NAMES)) == len(MIGRATION_NAMES)


@pytest.mark.parametrize("stop_before", MIGRATION_NAMES)
def test_upgrade_keeps_every_row(tmp_path: Path, fresh: Database, stop_before: str):
    path = tmp_path / "old.db"
    old = Database(sqlite3.connect(str(path)))
    dbmod.migrations.apply(old, stop_before=stop_before)
    applied = [m.name for m in dbmod.migrations.applied(old)]
    assert applied == MIGRATION_NAMES[:MIGRATION_NAMES.index(stop_before)]
    kept = _fill(old)
    old.close()

    db = dbmod.connect(path)  # as the bot opens it: applies everything still pending
    try:
        assert [m.name for m in dbmod.migrations.applied(db)] == MIGRATION_NAMES
        assert dbmod.migrations.pending(db) == []
        assert _schema(db) == _schema(fresh)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []

        for table, rows in kept.items():
            if table in CACHES | KEPT_BY_TRIGGERS:
                continue
            derived = sum(1 for key in DERIVED_ROWS.get(table, ()) if db[table].count_where(
                f"{db[table].pks[0]} = ?", [key]) and not fresh[table].count_where(
                f"{db[table].pks[0]} = ?", [key]))
            assert db[table].count == len(rows) + derived + (
                fresh[table].count if table in _user_tables(fresh) else 0), table
            for row in rows:
                stored = db[table].get(_pk(db, table, row))
                assert {k: stored[k] for k in row} == row, (table, row)
                # columns added later are empty or at their default (or derived on purpose)
                for column in db[table].columns:
                    if (column.name not in row and column.default_value is None
                            and (table, column.name) not in DERIVED_COLUMNS):
                        assert stored[column.name] is None, (table, column.name)
        if "tasks" in kept and stop_before <= "m011":
            # a task from before m011 entered the plan when it was first seeded or changed
            assert all(row["created_at"] for row in db["tasks"].rows)

        # rows a migration itself puts in (e.g. the catalogue version counter) are there too
        for table in _user_tables(fresh):
            for row in fresh[table].rows:
                assert db[table].get(_pk(fresh, table, row)) is not None, (table, row)

        # derived data is right whether it was backfilled by its migration or written by hand:
        # the newest valid report of T01 is 2 (3 was taken back), of T02 4
        if "reports" in kept:
            latest = {(r["task_id"], r["period"]): r["report_id"] for r in db["task_latest"].rows}
            assert latest == {("T01", ""): 2, ("T02", ""): 4}

        # and the core reads it
        if "departments" in kept:
            assert [d["code"] for d in departments(db)] == ["EDU"]
            assert find_department(db, "教委")["code"] == "EDU"
        if "tasks" in kept:
            summary = plan_summary(db, at("2022-05-01"))
            assert {v.task.id for v in summary.tasks} == {"T01", "T02"}
    finally:
        db.close()


def test_stopping_before_an_applied_migration_is_refused(tmp_path: Path):
    db = dbmod.connect(tmp_path / "new.db")
    try:
        with pytest.raises(ValueError, match="already"):
            dbmod.migrations.apply(db, stop_before=MIGRATION_NAMES[-1])
    finally:
        db.close()

"""Backup and restore of the whole record: the database, the evidence files, a manifest.

A plain copy of duban.db while the bot runs misses whatever still sits in the WAL file, so the
database goes through SQLite's online backup API (one consistent snapshot, writers carry on).
The evidence files follow: each is on disk before its row commits (bot/services/evidence.py), so every
file the snapshot names exists by then. The manifest comes last and holds row counts and
SHA-256 checksums; a folder without one is an unfinished backup and is never restored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.services.evidence import fsync_dir
from bot.store.connection import utc_iso

MANIFEST = "manifest.json"
DB_FILE = "duban.db"
EVIDENCE = "evidence"
FORMAT = 1


class BackupError(Exception):
    """Why a backup or a restore was refused; the message is bilingual (CLI output)."""


@dataclass(frozen=True)
class Summary:
    folder: Path
    tables: dict[str, int]
    files: int
    bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _empty_or_absent(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def backup(db_path: Path, evidence_dir: Path, dest: Path, *, now: datetime) -> Summary:
    """Write a complete backup into `dest`, which must be empty or not exist yet."""
    if not Path(db_path).is_file():
        raise BackupError(f"找不到数据库 {db_path} / No database at {db_path}")
    if not _empty_or_absent(dest):
        raise BackupError(f"{dest} 不是空文件夹,未写入任何内容 / {dest} is not empty; "
                          f"nothing was written")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / DB_FILE
    source = sqlite3.connect(db_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent snapshot
        # The copy is one self-contained file, not a WAL database waiting for its -wal.
        copy.execute("PRAGMA journal_mode = DELETE")
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"备份的数据库未通过完整性检查 / The copied database failed its "
                              f"integrity check: {check}")
        tables = row_counts(copy)
    finally:
        copy.close()
        source.close()
    _fsync(target)

    files: list[dict[str, Any]] = []
    total = target.stat().st_size
    if evidence_dir.is_dir():
        for path in sorted(p for p in evidence_dir.rglob("*") if p.is_file()):
            if path.suffix == ".part":  # a file being written; its row is not committed
                continue
            rel = path.relative_to(evidence_dir)
            out = dest / EVIDENCE / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)
            _fsync(out)
            files.append({"path": rel.as_posix(), "size": out.stat().st_size,
                          "sha256": sha256_of(out)})
            total += out.stat().st_size
    manifest = {
        "format": FORMAT,
        "created_at": utc_iso(now),
        "database": {"file": DB_FILE, "size": target.stat().st_size,
                     "sha256": sha256_of(target), "tables": tables},
        "evidence": files,
    }
    part = dest / (MANIFEST + ".part")
    part.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync(part)
    part.replace(dest / MANIFEST)
    fsync_dir(dest)
    return Summary(dest, tables, len(files), total)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} 中没有 {MANIFEST}:不是完整的备份 / No {MANIFEST} in "
                          f"{folder}: not a complete backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 / Unknown backup format: {manifest.get('format')}")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file in the backup matches its checksum."""
    manifest = read_manifest(folder)
    entries = [(DB_FILE, manifest["database"]["sha256"])]
    entries += [(f"{EVIDENCE}/{e['path']}", e["sha256"]) for e in manifest["evidence"]]
    bad = []
    for rel, expected in entries:
        path = folder / rel
        if ".." in Path(rel).parts or not path.is_file() or sha256_of(path) != expected:
            bad.append(rel)
    if bad:
        raise BackupError("备份文件缺失或已损坏,未恢复任何内容 / Missing or damaged files in the "
                          "backup; nothing was restored:\n  " + "\n  ".join(bad))
    return manifest


def restore(folder: Path, db_path: Path, evidence_dir: Path) -> Summary:
    """Restore a verified backup into an empty data folder; never overwrites anything."""
    manifest = verify(folder)
    taken = [p for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists()]
    if taken or not _empty_or_absent(evidence_dir):
        what = ", ".join(str(p) for p in taken) or str(evidence_dir)
        raise BackupError(f"目标已有数据({what}),不会覆盖。请恢复到空的数据文件夹 / There is "
                          f"data already ({what}); nothing is overwritten. Restore into an "
                          f"empty data folder.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    part = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(folder / DB_FILE, part)
    _fsync(part)
    conn = sqlite3.connect(part)
    try:
        tables = row_counts(conn)
        conn.execute("PRAGMA journal_mode = WAL")  # as the bot runs it
    finally:
        conn.close()
    if tables != manifest["database"]["tables"]:
        part.unlink()
        raise BackupError("恢复后的行数与清单不符 / Row counts after the restore differ from the "
                          "manifest")
    part.replace(db_path)
    fsync_dir(db_path.parent)
    total = db_path.stat().st_size
    for entry in manifest["evidence"]:
        out = evidence_dir / entry["path"]
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / EVIDENCE / entry["path"], out)
        _fsync(out)
        total += entry["size"]
    return Summary(folder, tables, len(manifest["evidence"]), total)

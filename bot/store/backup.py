"""Backup and restore of the whole record: the database, the evidence files, a manifest.

A plain copy of duban.db while the bot runs misses whatever still sits in the WAL file, so the
database goes through SQLite's online backup API (one consistent snapshot, writers carry on).
The evidence files follow: each is on disk before its row commits (bot.services.evidence), so every
file the snapshot names exists by then. The manifest comes last and holds row counts and
SHA-256 checksums; a folder without one is an unfinished backup and is never restored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from bot.errors import DubanError
from bot.store.connection import utc_iso
from bot.store.files import fsync_dir

MANIFEST = "manifest.json"
DB_FILE = "duban.db"
EVIDENCE = "evidence"
FORMAT = 1


class BackupError(DubanError):
    """Why a backup or a restore was refused: a catalogue key (`backup.*`) and its parameters,
    which the command line prints in both languages. `reason`, where given, is itself a key
    (`backup.reason.*`); `detail` is text as found (a path, a line number), in no language."""


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
        raise BackupError("backup.no_database", path=str(db_path))
    if not _empty_or_absent(dest):
        raise BackupError("backup.not_empty", path=str(dest))
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
            raise BackupError("backup.integrity", detail=str(check))
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
        # the folder the rows' paths name, so a restore elsewhere can point them at the copies
        "evidence_dir": str(evidence_dir),
    }
    part = dest / (MANIFEST + ".part")
    part.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync(part)
    part.replace(dest / MANIFEST)
    fsync_dir(dest)
    return Summary(dest, tables, len(files), total)


HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _refuse(path: Path, reason: str, detail: str = "") -> BackupError:
    return BackupError("backup.bad_manifest", path=str(path), reason=f"backup.reason.{reason}",
                       detail=detail)


def safe_relative(raw: object) -> PurePosixPath | None:
    """A manifest's file path, if it is plain: relative, forward slashes, no '.', '..' or empty
    part, no drive, no control character. Anything else could reach outside the folder."""
    if not isinstance(raw, str) or not raw or len(raw) > 1000:
        return None
    if "\\" in raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or any(
            ord(ch) < 32 for ch in raw):
        return None
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return PurePosixPath(raw)


def _check_shape(manifest: Any, path: Path) -> None:
    """Every field restore relies on is there and of its type; every path is plain."""
    if not isinstance(manifest, dict):
        raise _refuse(path, "not_object")
    if manifest.get("format") != FORMAT:
        raise BackupError("backup.unknown_format", format=repr(manifest.get("format")))
    database = manifest.get("database")
    if not (isinstance(database, dict) and database.get("file") == DB_FILE
            and isinstance(database.get("sha256"), str) and HEX64.match(database["sha256"])
            and isinstance(database.get("tables"), dict)
            and all(isinstance(k, str) and type(v) is int
                    for k, v in database["tables"].items())):
        raise _refuse(path, "database")
    entries = manifest.get("evidence")
    if not isinstance(entries, list):
        raise _refuse(path, "evidence")
    seen: set[str] = set()
    bad = []
    for i, entry in enumerate(entries):
        rel = safe_relative(entry.get("path")) if isinstance(entry, dict) else None
        if (rel is None or type(entry.get("size")) is not int or entry["size"] < 0
                or not isinstance(entry.get("sha256"), str) or not HEX64.match(entry["sha256"])
                or rel.as_posix() in seen):
            bad.append(f"evidence[{i}] {entry.get('path') if isinstance(entry, dict) else entry!r}")
            continue
        seen.add(rel.as_posix())
    if bad:
        raise _refuse(path, "entries", "; ".join(bad[:10]))


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError("backup.no_manifest", path=str(folder), manifest=MANIFEST)
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _refuse(path, "not_utf8") from None
    except json.JSONDecodeError as exc:
        raise _refuse(path, "not_json", f" ({exc.lineno}:{exc.colno})") from None
    _check_shape(manifest, path)
    return manifest


def _inside(folder: Path, path: Path) -> bool:
    """Whether `path`, links resolved, is within `folder` (a link in a backup could point out)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every path in it is plain and every file in the backup matches its
    checksum; nothing is touched before this passes."""
    manifest = read_manifest(folder)
    entries = [(DB_FILE, manifest["database"]["sha256"])]
    entries += [(f"{EVIDENCE}/{e['path']}", e["sha256"]) for e in manifest["evidence"]]
    bad = []
    for rel, expected in entries:
        path = folder / rel
        if (not _inside(folder, path) or not path.is_file() or path.is_symlink()
                or sha256_of(path) != expected):
            bad.append(rel)
    if bad:
        raise BackupError("backup.damaged", files="\n  " + "\n  ".join(bad))
    return manifest


def _relative_in_backup(stored: str, old_root: str | None, known: set[str]) -> str | None:
    """Where an evidence row's file sits in the backup: under the evidence folder the manifest
    names, else by the row's last parts (<task>/<file>, as bot.services.evidence lays them out)."""
    path = PurePath(stored)
    if old_root:
        try:
            rel = path.relative_to(PurePath(old_root)).as_posix()
        except ValueError:
            rel = None
        if rel in known:
            return rel
    for n in (2, 1, 3):
        rel = "/".join(path.parts[-n:])
        if rel in known:
            return rel
    return None


def repath_evidence(conn: sqlite3.Connection, evidence_dir: Path, old_root: str | None,
                    known: set[str]) -> int:
    """Point every evidence row at its file in the restored folder; returns how many moved."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evidence'"
                        ).fetchone():
        return 0
    moved = 0
    with conn:
        for row_id, stored in conn.execute("SELECT id, path FROM evidence").fetchall():
            rel = _relative_in_backup(stored or "", old_root, known)
            if rel is None:
                continue
            new = str(evidence_dir.joinpath(*rel.split("/")))
            if new != stored:
                conn.execute("UPDATE evidence SET path = ? WHERE id = ?", [new, row_id])
                moved += 1
    return moved


def restore(folder: Path, db_path: Path, evidence_dir: Path) -> Summary:
    """Restore a verified backup into an empty data folder; never overwrites anything.

    Everything is checked first (every manifest path plain, every checksum); the files are then
    copied beside their targets (`*.restoring`) and put in place last, the database after the
    evidence, so a failure half way leaves the target as it was."""
    manifest = verify(folder)
    taken = [p for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")) if p.exists()]
    if taken or not _empty_or_absent(evidence_dir):
        what = ", ".join(str(p) for p in taken) or str(evidence_dir)
        raise BackupError("backup.taken", what=what)
    stage = evidence_dir.with_name(evidence_dir.name + ".restoring")
    part = db_path.with_name(db_path.name + ".restoring")
    try:
        total, tables = _stage(folder, manifest, stage, part, evidence_dir)
        if evidence_dir.exists():
            evidence_dir.rmdir()  # empty (checked above)
        evidence_dir.parent.mkdir(parents=True, exist_ok=True)
        stage.replace(evidence_dir)
        fsync_dir(evidence_dir.parent)
        part.replace(db_path)
        fsync_dir(db_path.parent)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        part.unlink(missing_ok=True)
        raise
    return Summary(folder, tables, len(manifest["evidence"]), total)


def _stage(folder: Path, manifest: dict[str, Any], stage: Path, part: Path,
           evidence_dir: Path) -> tuple[int, dict[str, int]]:
    """Copy the evidence into `stage` and the database into `part`, checked and repathed."""
    shutil.rmtree(stage, ignore_errors=True)  # a staging folder left by an interrupted restore
    stage.mkdir(parents=True)
    total = 0
    for entry in manifest["evidence"]:
        out = stage.joinpath(*entry["path"].split("/"))
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / EVIDENCE / entry["path"], out)
        _fsync(out)
        total += entry["size"]
    part.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / DB_FILE, part)
    _fsync(part)
    conn = sqlite3.connect(part)
    try:
        tables = row_counts(conn)
        if tables != manifest["database"]["tables"]:
            raise BackupError("backup.row_counts")
        repath_evidence(conn, evidence_dir, manifest.get("evidence_dir"),
                        {e["path"] for e in manifest["evidence"]})
        conn.execute("PRAGMA journal_mode = WAL")  # as the bot runs it
    finally:
        conn.close()
    return total + part.stat().st_size, tables

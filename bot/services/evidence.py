"""Evidence files (photos, documents) kept against a task: checked, archived, recorded."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.domain.access import Action, Actor, Permit
from bot.domain.task import Task
from bot.errors import DubanError
from bot.services.commands import authorise
from bot.services.directory import find_task
from bot.store import evidence as store
from bot.store.audit import audit
from bot.store.connection import utc_iso
from bot.store.files import fsync_dir

# getFile refuses anything larger for bots on Telegram's own servers.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

# What the bytes say the file is; the sender's file name and MIME type are only claims.
MAGIC = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF8", "gif", "image/gif"),
    (b"%PDF-", "pdf", "application/pdf"),
    (b"RIFF", "webp", "image/webp"),
    (b"PK\x03\x04", "zip", "application/zip"),  # also docx/xlsx/pptx; refined by the claimed name
    (b"\xd0\xcf\x11\xe0", "doc", "application/msword"),  # OLE: doc/xls/ppt
)
OFFICE_EXTS = {"docx", "xlsx", "pptx", "ofd", "xls", "ppt", "doc", "wps", "et"}
CAPTION_TASK_RE = re.compile(r"#\s*(T\d{1,4})\b", re.IGNORECASE)


def task_ref_in(caption: str | None) -> str | None:
    """'#T12 现场照片' -> 'T12'."""
    match = CAPTION_TASK_RE.search(caption or "")
    return match[1].upper() if match else None


def sniff(data: bytes, claimed_name: str | None) -> tuple[str, str]:
    """(extension, MIME type) from the file's first bytes, refined by a plausible claimed name."""
    claimed_ext = Path(claimed_name or "").suffix.lower().lstrip(".")
    for magic, ext, mime in MAGIC:
        if data.startswith(magic):
            if ext in ("zip", "doc") and claimed_ext in OFFICE_EXTS:
                return claimed_ext, mime
            return ext, mime
    return "bin", "application/octet-stream"


def check_size(size: int | None) -> None:
    if size == 0:  # an empty upload proves nothing; say so rather than archive it
        raise DubanError("file_empty")
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise DubanError("file_too_big", mb=round(size / 1024 / 1024, 1),
                         limit=MAX_DOWNLOAD_BYTES // 1024 // 1024)


@dataclass(frozen=True)
class Stored:
    row: dict[str, Any]
    duplicate: bool


@dataclass(frozen=True)
class Archived:
    """A file written under the evidence folder, with what its bytes say it is."""

    path: Path
    ext: str
    mime: str
    size: int
    sha256: str


def admit(db: Database, *, user_id: int, task_ref: str | Task, file_unique_id: str,
          who: Actor | Permit | None = None) -> tuple[Task, dict[str, Any] | None]:
    """(task, the row already kept for this file or None) if this person may add evidence to it."""
    task = find_task(db, task_ref)
    authorise(db, user_id, Action.REPORT, task, who)
    return task, store.kept(db, task.id, file_unique_id)


def check_complete(got: int, expected: int | None) -> None:
    """A download must be as long as Telegram says the file is (when it says): a transfer cut
    short is no evidence of anything."""
    if expected and got != expected:
        raise DubanError("file_incomplete", got=got, expected=expected)


def archive(evidence_dir: Path, task_id: str, file_unique_id: str, data: bytes,
            file_name: str | None, expected_size: int | None = None) -> Archived:
    """Write the bytes as <dir>/<task>/<file_unique_id>.<ext>: file I/O only, safe in a thread."""
    check_size(len(data))
    check_complete(len(data), expected_size)
    ext, mime = sniff(data, file_name)
    # The path is built only from Telegram's file_unique_id (URL-safe base64) and our own
    # extension, never from the sender's file name.
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", file_unique_id)
    path = evidence_dir / task_id / f"{safe_id}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per download: two liaisons sending the same file at once each write
    # their own .part, and both renames put the same bytes in place.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{safe_id}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        # The bytes reach the disk before the row that points at them commits: a crash or a
        # power cut never leaves a recorded evidence row with a missing or truncated file.
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk or any other failure leaves no .part behind
        raise
    fsync_dir(path.parent)
    return Archived(path, ext, mime, len(data), hashlib.sha256(data).hexdigest())


def record_evidence(db: Database, archived: Archived, *, task_id: str, user_id: int,
                    file_id: str, file_unique_id: str, kind: str, now: datetime,
                    file_name: str | None = None, caption: str | None = None,
                    report_id: int | None = None, update_key: str | None = None) -> Stored:
    """The evidence row and its audit entry, in one transaction, after the file is on disk."""
    row = {
        "task_id": task_id,
        "report_id": report_id,
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "kind": kind,
        "file_name": (file_name or archived.path.name)[:200],
        "mime_type": archived.mime,
        "size": archived.size,
        "sha256": archived.sha256,
        "path": str(archived.path),
        "caption": (caption or "")[:1000],
        "user_id": user_id,
        "at": utc_iso(now),
        "update_key": update_key,
    }
    try:
        with db.atomic():
            evidence_id = store.insert(db, row)
            audit(db, at=now, actor=user_id, action="evidence", entity="evidence",
                  entity_id=evidence_id, detail={"task": task_id, "sha256": archived.sha256,
                                                 "size": archived.size, "kind": kind})
    except sqlite3.IntegrityError:
        # The same file for the same task, kept a moment ago by someone else (two liaisons
        # forwarding one document at once): theirs stands, this one is a duplicate.
        kept = store.kept(db, task_id, file_unique_id)
        if kept is None:
            raise
        return Stored(kept, duplicate=True)
    stored = store.get(db, evidence_id)
    assert stored is not None
    return Stored(stored, duplicate=False)


def evidence_of(db: Database, task_id: str) -> list[dict[str, Any]]:
    return store.of_task(db, task_id)


def count_for_task(db: Database, task_id: str) -> int:
    return store.count_for_task(db, task_id)


def for_review(db: Database, task_id: str, report_id: int, limit: int) -> list[dict[str, Any]]:
    """The files a coordinator checks a claim against: the report's own, else the task's newest."""
    return store.of_report(db, report_id, limit) or store.newest_of_task(db, task_id, limit)


def get_evidence(db: Database, evidence_id: int) -> dict[str, Any] | None:
    return store.get(db, evidence_id)

"""Evidence files (photos, documents) kept against a task: checked, archived, recorded."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.db import audit, utc_iso
from bot.directory import active_member, find_task
from bot.errors import DubanError
from bot.progress import authorise_report

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
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise DubanError("file_too_big", mb=round(size / 1024 / 1024, 1),
                         limit=MAX_DOWNLOAD_BYTES // 1024 // 1024)


@dataclass(frozen=True)
class Stored:
    row: dict[str, Any]
    duplicate: bool


def store_evidence(
    db: Database,
    evidence_dir: Path,
    *,
    user_id: int,
    task_ref: str,
    data: bytes,
    file_id: str,
    file_unique_id: str,
    kind: str,
    now: datetime,
    file_name: str | None = None,
    caption: str | None = None,
    report_id: int | None = None,
    update_key: str | None = None,
) -> Stored:
    """Archive the bytes as <dir>/<task>/<file_unique_id>.<ext> and record them, once per task."""
    task = find_task(db, task_ref)
    authorise_report(active_member(db, user_id), task)
    check_size(len(data))
    existing = list(db["evidence"].rows_where("task_id = ? AND file_unique_id = ?",
                                              [task["id"], file_unique_id]))
    if existing:
        return Stored(existing[0], duplicate=True)
    ext, mime = sniff(data, file_name)
    # The path is built only from Telegram's file_unique_id (URL-safe base64) and our own
    # extension, never from the sender's file name.
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", file_unique_id)
    path = evidence_dir / task["id"] / f"{safe_id}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    row = {
        "task_id": task["id"],
        "report_id": report_id,
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "kind": kind,
        "file_name": (file_name or f"{safe_id}.{ext}")[:200],
        "mime_type": mime,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "path": str(path),
        "caption": (caption or "")[:1000],
        "user_id": user_id,
        "at": utc_iso(now),
        "update_key": update_key,
    }
    with db.atomic():
        evidence_id = db["evidence"].insert(row).last_pk
        audit(db, at=now, actor=user_id, action="evidence", entity="evidence",
              entity_id=evidence_id, detail={"task": task["id"], "sha256": row["sha256"],
                                             "size": row["size"], "kind": kind})
    return Stored(db["evidence"].get(evidence_id), duplicate=False)


def evidence_of(db: Database, task_id: str) -> list[dict[str, Any]]:
    return list(db.query(
        "SELECT e.*, m.name AS user_name FROM evidence e LEFT JOIN members m ON m.user_id = "
        "e.user_id WHERE e.task_id = ? ORDER BY e.id", [task_id]))

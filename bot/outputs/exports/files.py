"""The ledger, the bulletin and the scores as the chat asks for them: what to build from the words
after /export and /score, and the finished file with its name.

The builds take seconds at scale, so the bot runs them in a worker thread; there they use a
connection of their own to the same file (SQLite locks between connections), never the bot's
connection, whose transactions belong to the event-loop thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.errors import DubanError
from bot.language.i18n import t
from bot.store import connection as dbmod

LEDGER_WORDS = frozenset({"台账", "督办台账", "ledger"})
BULLETIN_WORDS = frozenset({"通报", "情况通报", "bulletin"})
PERIOD_WORDS = {"周": "week", "本周": "week", "week": "week", "weekly": "week",
                "月": "month", "本月": "month", "month": "month", "monthly": "month"}
PDF_WORDS = frozenset({"pdf"})


@dataclass(frozen=True)
class ExportRequest:
    kind: str  # ledger | bulletin
    period: str = "week"
    pdf: bool = False


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    caption: str


def parse_export_args(words: list[str]) -> ExportRequest:
    """'' or '台账 [pdf]' → the ledger; '通报 [月|周] [pdf]' → the bulletin. Anything else is
    refused with the usage (DubanError 'export_usage')."""
    words = [w.strip().lower() for w in words if w.strip()]
    if not words or words[0] in LEDGER_WORDS:
        if words[1:] and words[1:] != ["pdf"]:
            raise DubanError("export_usage")
        return ExportRequest("ledger", pdf=bool(words[1:]))
    if words[0] not in BULLETIN_WORDS:
        raise DubanError("export_usage")
    period, pdf = None, False
    for word in words[1:]:
        if word in PERIOD_WORDS and period is None:
            period = PERIOD_WORDS[word]
        elif word in PDF_WORDS and not pdf:
            pdf = True
        else:
            raise DubanError("export_usage")
    return ExportRequest("bulletin", period or "week", pdf)


def file_name(kind: str, at: datetime, lang: str, suffix: str) -> str:
    """督办台账-2026-11-29.xlsx, 情况通报-2026-11-29.docx (ledger-…, bulletin-… in English)."""
    return f"{t(f'export_file_{kind}', lang, html=False)}-{at:%Y-%m-%d}.{suffix}"


@contextlib.contextmanager
def own_connection(db: Database) -> Iterator[Database]:
    """A connection of its own to `db`'s file, for a worker thread (`db` itself in memory)."""
    path = dbmod.path_of(db)
    if not path:
        yield db
        return
    other = dbmod.connect(path)
    try:
        yield other
    finally:
        other.close()


def build_export(db: Database, request: ExportRequest, at: datetime, lang: str,
                 letterhead: Any = None, rules: Any = None) -> list[ExportFile]:
    """The files for one /export: the ledger or the bulletin, and its PDF when asked and
    LibreOffice is there. Blocking: run it in a worker thread. When the PDF cannot be made,
    the list holds the Office file only; the caller says why (`bulletin_pdf_missing`)."""
    from bot.outputs.exports.bulletin import build_bulletin
    from bot.outputs.exports.ledger import build_ledger
    from bot.outputs.exports.pdf import to_pdf

    day = f"{at:%Y-%m-%d}"
    with own_connection(db) as conn:
        printed = None
        if request.kind == "ledger":
            data, suffix = build_ledger(conn, at, lang, rules=rules), "xlsx"
            caption = t("export_caption_ledger", lang, html=False, date=day)
            if request.pdf:  # the sheets an office prints, without every record
                printed = build_ledger(conn, at, lang, records=False, rules=rules)
        else:
            data = build_bulletin(conn, at, request.period, lang, today=at.date(),
                                  letterhead=letterhead, rules=rules)
            suffix = "docx"
            caption = t(f"export_caption_{request.period}", lang, html=False, date=day)
    files = [ExportFile(file_name(request.kind, at, lang, suffix), data, caption)]
    if request.pdf:
        pdf = to_pdf(printed or data, suffix)
        if pdf is not None:
            files.append(ExportFile(file_name(request.kind, at, lang, "pdf"), pdf, caption))
    return files

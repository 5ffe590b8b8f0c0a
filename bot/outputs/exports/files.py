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
PERIOD_WORDS = {"周": "week", "上周": "week", "周报": "week", "week": "week", "weekly": "week",
                "月": "month", "上月": "month", "月报": "month", "month": "month",
                "monthly": "month"}
# The week or month under way (to the day it is made) rather than the last whole one.
SO_FAR_WORDS = {"本周": "week", "本月": "month"}
THIS_WORDS = frozenset({"this", "current"})  # English: /export bulletin this week
PDF_WORDS = frozenset({"pdf"})


@dataclass(frozen=True)
class ExportRequest:
    kind: str  # ledger | bulletin
    period: str = "week"
    pdf: bool = False
    so_far: bool = False  # the bulletin of the week (month) under way


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    caption: str


def parse_export_args(words: list[str]) -> ExportRequest:
    """'' or '台账 [pdf]' → the ledger; '通报 [周|月|本周|本月] [pdf]' → the bulletin of the last
    whole week or month, or (本周, 本月, 'this week') of the one under way. Anything else is
    refused with the usage (DubanError 'export_usage')."""
    words = [w.strip().lower() for w in words if w.strip()]
    if not words or words[0] in LEDGER_WORDS:
        if words[1:] and words[1:] != ["pdf"]:
            raise DubanError("export_usage")
        return ExportRequest("ledger", pdf=bool(words[1:]))
    if words[0] not in BULLETIN_WORDS:
        raise DubanError("export_usage")
    period, pdf, so_far, this = None, False, False, False
    for word in words[1:]:
        if word in PERIOD_WORDS and period is None:
            period, so_far = PERIOD_WORDS[word], this
        elif word in SO_FAR_WORDS and period is None and not this:
            period, so_far = SO_FAR_WORDS[word], True
        elif word in THIS_WORDS and period is None and not this:
            this = True
        elif word in PDF_WORDS and not pdf:
            pdf = True
        else:
            raise DubanError("export_usage")
    if this and period is None:  # 'this' names no period
        raise DubanError("export_usage")
    return ExportRequest("bulletin", period or "week", pdf, so_far)


def file_name(kind: str, at: datetime | str, lang: str, suffix: str) -> str:
    """督办台账-2026-11-29.xlsx, 情况通报-2026-W48.docx (by the period it covers), ledger-…,
    bulletin-… in English."""
    when = at if isinstance(at, str) else f"{at:%Y-%m-%d}"
    return f"{t(f'export_file_{kind}', lang, html=False)}-{when}.{suffix}"


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
    from bot.outputs.exports.bulletin import build_bulletin, issue_order_note
    from bot.outputs.exports.facts import bulletin_period
    from bot.outputs.exports.ledger import build_ledger
    from bot.outputs.exports.pdf import to_pdf
    from bot.outputs.render.paper import day_text

    day = f"{at:%Y-%m-%d}"
    with own_connection(db) as conn:
        printed = None
        if request.kind == "ledger":
            data, suffix = build_ledger(conn, at, lang, rules=rules), "xlsx"
            caption = t("export_caption_ledger", lang, html=False, date=day)
            if request.pdf:  # the sheets an office prints, without every record
                printed = build_ledger(conn, at, lang, records=False, rules=rules)
        else:
            # refused before tracking began
            span = bulletin_period(conn, request.period, at, request.so_far)
            data = build_bulletin(conn, at, request.period, lang, today=at.date(),
                                  letterhead=letterhead, rules=rules, so_far=request.so_far)
            suffix = "docx"
            so_far = "_so_far" if span.so_far else ""
            caption = t(f"export_caption_{request.period}{so_far}", lang, html=False,
                        n=span.number, start=day_text(span.start, lang),
                        end=day_text(span.end, lang))
            note = issue_order_note(conn, span, lang)
            if note:  # a period issued after a later one: its number is out of date order
                caption += "\n" + note
            day = span.key
    files = [ExportFile(file_name(request.kind, day, lang, suffix), data, caption)]
    if request.pdf:
        pdf = to_pdf(printed or data, suffix)
        if pdf is not None:
            files.append(ExportFile(file_name(request.kind, day, lang, "pdf"), pdf, caption))
    return files

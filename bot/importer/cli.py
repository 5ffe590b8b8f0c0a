"""`python -m bot import-plan`: document in, draft out, report on stdout. Nothing else is touched:
the database is not opened; the draft is loaded later with `python -m bot seed`.

A document is never refused for what it says: a name clash, an unknown unit, an unreadable date
or a missing issue date becomes a `review:` line or a line of the report, and the draft always
loads with `seed`. What is refused is a file that is not a document (missing, unreadable, over
the size limits in reading.py, no duties at all), with a message and nothing written.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.importer.directory import Directory
from bot.importer.extract import Draft, extract
from bot.importer.messages import ImporterError, msg, say
from bot.importer.reading import read_document
from bot.importer.report import render_report
from bot.importer.writer import render
from bot.services.plan import PlanError, parse_plan


def _error(lang: str, key: str, **params) -> None:
    print(say("error.not_written", lang, reason=say(key, lang, **params)), file=sys.stderr)


def import_plan(document: Path, *, issued: str | None, out: Path,
                directory: list[Path] | None = None, lang: str = "zh") -> int:
    day = None
    if issued:
        try:
            day = dt.date.fromisoformat(issued)
        except ValueError:
            print(say("error.issued_format", lang, value=issued), file=sys.stderr)
            return 2
    notes: list[str] = []
    try:
        names = Directory.load(*(directory or []))
        text = read_document(document)
        try:
            draft = extract(text, issued=day, directory=names)
        except ImporterError as exc:
            if exc.message.key != "error.no_issue_date":
                raise
            # No date in the document: today's, said in the report and the draft, not a refusal.
            today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
            draft = extract(text, issued=today, directory=names)
            draft.header.issued_from = "today"
            notes.append(say("report.no_issue_date", lang, date=today.isoformat()))
    except ImporterError as exc:
        _error(lang, exc.message.key, **exc.message.params)
        return 1
    if not draft.tasks:
        _error(lang, "error.no_tasks")
        return 1
    yaml_text = safe_render(draft, document.name, lang, str(out))
    try:
        out.write_text(yaml_text, encoding="utf-8")
    except OSError as exc:
        _error(lang, "error.cannot_write", path=str(out), reason=exc.strerror or str(exc))
        return 1
    print(render_report(draft, str(out), lang, notes=notes))
    return 0


def safe_render(draft: Draft, source: str, lang: str, out: str) -> str:
    """The draft's YAML, checked with the plan file's own validator. The writer mends what the
    validator refuses; should something still get through, the task it names loses the field at
    fault (said in its review) until the draft loads."""
    for _ in range(len(draft.tasks) + 2):
        yaml_text = render(draft, source, lang)
        try:
            parse_plan(yaml_text, source=out)
            return yaml_text
        except PlanError as exc:
            if not _mend(draft, exc.problems):
                break
    raise RuntimeError("the importer wrote a draft the plan validator refuses")  # pragma: no cover


def _mend(draft: Draft, problems: list[str]) -> bool:
    mended = False
    for problem in problems:
        m = re.search(r"tasks\[(\d+)\]", problem)
        if not m or int(m.group(1)) >= len(draft.tasks):
            continue
        task = draft.tasks[int(m.group(1))]
        if task.due or task.recurrence or task.target:
            task.due, task.recurrence, task.target = None, None, None
            task.reviews.append(msg("review.field_dropped", problem=problem.split(": ", 1)[-1]))
            mended = True
    return mended

"""`python -m bot import-plan`: document in, draft out, report on stdout. Nothing else is touched:
the database is not opened; the draft is loaded later with `python -m bot seed`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from bot.importer.directory import Directory, DirectoryError
from bot.importer.extract import extract
from bot.importer.reading import DocumentError, read_document
from bot.importer.report import render_report
from bot.importer.writer import render
from bot.services.plan import PlanError, parse_plan


def import_plan(document: Path, *, issued: str | None, out: Path,
                directory: list[Path] | None = None) -> int:
    day = None
    if issued:
        try:
            day = dt.date.fromisoformat(issued)
        except ValueError:
            print(f"--issued {issued!r}:请写成 YYYY-MM-DD / write the date as YYYY-MM-DD",
                  file=sys.stderr)
            return 2
    try:
        names = Directory.load(*(directory or []))
        text = read_document(document)
        draft = extract(text, issued=day, directory=names)
    except (DocumentError, DirectoryError, ValueError) as exc:
        print(f"未生成草稿 / No draft written: {exc}", file=sys.stderr)
        return 1
    if not draft.tasks:
        print("未在文档中找到任务(需要“一、”“（一）”等编号的正文) / No tasks found in the document",
              file=sys.stderr)
        return 1
    yaml_text = render(draft, document.name)
    try:
        parse_plan(yaml_text, source=str(out))  # never hand over a draft `seed` would refuse
    except PlanError as exc:  # pragma: no cover - a bug in the importer, not bad input
        print("草稿未通过校验 / The draft does not validate:\n" + "\n".join(exc.problems),
              file=sys.stderr)
        return 1
    out.write_text(yaml_text, encoding="utf-8")
    print(render_report(draft, str(out)))
    return 0

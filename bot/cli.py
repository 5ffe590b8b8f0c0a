"""The command line: seed the plan, look at it, report on it, manage members, run the bot."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.config import ConfigError, Settings, load_settings
from bot.errors import DubanError
from bot.language.i18n import LANGS, Key, t
from bot.language.numerals import is_percent, read_percent
from bot.language.parse import parse_number, parse_state
from bot.outputs.render.chat import recorded_text
from bot.outputs.render.plain import department_plain, members_plain, plan_plain, task_plain
from bot.services.commands import record_report, task_history
from bot.services.directory import (
    add_member,
    department,
    dept_names,
    find_department,
    find_departments,
    find_task,
    members,
    normalise_task_ref,
    remove_member,
)
from bot.services.facts import (
    end_of_day,
    facts_as_of,
    facts_now,
    set_track_from,
    task_facts_as_of,
    task_facts_now,
)
from bot.services.plan import PlanError, load_plan, read_plan_file
from bot.store import connection as dbmod
from bot.store import health
from bot.store.meta import meta
from bot.store.plan import has_plan


def _say(key: str, *, err: bool = False, **params: Any) -> None:
    """One catalogue message printed in Chinese, then in English: the command line does not know
    its reader's language (--lang chooses the language of reports, not of these lines)."""
    for lang in LANGS:
        print(t(key, lang, html=False, **params), file=sys.stderr if err else sys.stdout)


def _now(settings: Settings) -> datetime:
    return datetime.now(settings.tz)


def _open(settings: Settings) -> Database:
    db = dbmod.connect(settings.database_path)
    set_track_from(db, settings.track_from)
    return db


def _end_of_day(text: str, settings: Settings) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        _say("cli.bad_at", err=True, text=repr(text))
        raise SystemExit(1) from None
    return end_of_day(day, settings.tz)


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    if args.file is None:
        args.file = settings.plan_file
        if not args.file.is_file():
            _say("seed_no_plan_file", err=True, path=str(args.file.resolve()))
            return 1
    try:
        plan = read_plan_file(args.file)
    except PlanError as exc:
        _say("cli.plan_file_errors", err=True)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    db = _open(settings)
    result = load_plan(db, plan, now=_now(settings))
    _say("cli.seed_loaded", file=str(args.file), departments=len(plan.departments),
         tasks=len(plan.tasks))
    _say("cli.seed_changes", added=len(result.added), updated=len(result.updated),
         archived=len(result.archived), restored=len(result.restored),
         unchanged=result.unchanged)
    for change, ids in (("updated", result.updated), ("archived", result.archived),
                        ("restored", result.restored)):
        if ids:
            _say(f"cli.seed_ids.{change}", ids=", ".join(ids))
    return 0


def _need_plan(db: Database) -> bool:
    if not has_plan(db):
        _say("cli.no_plan", err=True)
        return False
    return True


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    db = _open(settings)
    if not _need_plan(db):
        return 1
    at = _end_of_day(args.at, settings) if args.at else _now(settings)
    historical = args.at is not None
    try:
        if args.target and normalise_task_ref(args.target) and not find_departments(db, args.target):
            task = find_task(db, args.target, include_archived=True)
            view = (task_facts_as_of(db, task, at) if historical
                    else task_facts_now(db, task, at))
            history = task_history(db, task.id, until=at if historical else None)
            print(task_plain(view, department(db, task.dept), history, args.lang, settings.tz))
        elif args.target:
            code = find_department(db, args.target)["code"]
            facts = facts_as_of(db, at) if historical else facts_now(db, at)
            dept = facts.department(code)
            assert dept is not None  # the facts hold every department of the plan
            print(department_plain(dept, args.lang))
        else:
            facts = facts_as_of(db, at) if historical else facts_now(db, at)
            if facts.track_from and at.date() < facts.track_from:
                print(t("status_before_tracking", args.lang, html=False,
                        date=facts.track_from.isoformat()), file=sys.stderr)
            print(plan_plain(meta(db), facts, args.lang))
    except DubanError as exc:
        print(t(exc.key, args.lang, html=False, **exc.params), file=sys.stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    db = _open(settings)
    percent: int | None = None
    state: str | None = args.state and parse_state(args.state)
    if args.state and state is None:
        print(t("state_unknown", args.lang, html=False, state=args.state), file=sys.stderr)
        return 1
    if args.progress not in (None, "-"):
        number = (read_percent(args.progress) if is_percent(args.progress)
                  else parse_number(args.progress))
        if number is not None and number.is_integer():
            percent = int(number)
        elif parse_state(args.progress):
            state = parse_state(args.progress)
        else:
            print(t("report_empty", args.lang, html=False), file=sys.stderr)
            return 1
    try:
        rec = record_report(db, user_id=args.as_user, task_ref=args.task, now=_now(settings),
                            percent=percent, state=state, value=args.value,
                            note=" ".join(args.note), source="cli", unit=args.unit)
    except DubanError as exc:
        print(t(exc.key, args.lang, html=False, **exc.params), file=sys.stderr)
        return 1
    print(recorded_text(rec, args.lang, html=False))
    return 0


def cmd_members(args: argparse.Namespace, settings: Settings) -> int:
    db = _open(settings)
    now = _now(settings)
    try:
        if args.action == "add":
            if not _need_plan(db):
                return 1
            if args.role == "coordinator" and args.user_id not in settings.coordinator_ids:
                print(t("coordinator_from_settings", args.lang, html=False,
                        user_id=args.user_id), file=sys.stderr)
                return 1
            m = add_member(db, user_id=args.user_id, dept=args.dept, role=args.role, now=now,
                           actor="cli", name=args.name)
            print(t("member_saved", args.lang, html=False, user_id=m["user_id"],
                    name=m["name"] or "", dept=dept_names(db).get(m["dept"], "—"),
                    role=t(f"role_{m['role']}", args.lang, html=False)))
        elif args.action == "remove":
            remove_member(db, user_id=args.user_id, now=now, actor="cli")
            print(t("member_removed", args.lang, html=False, user_id=args.user_id))
        else:
            print(members_plain(members(db, include_removed=args.all), args.lang))
    except DubanError as exc:
        print(t(exc.key, args.lang, html=False, **exc.params), file=sys.stderr)
        return 1
    return 0


def cmd_parse_date(args: argparse.Namespace, settings: Settings) -> int:
    from bot.language.dates import DeadlineError, parse_deadline

    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            _say("cli.bad_now", err=True, text=repr(args.now))
            return 2
        now = now if now.tzinfo else now.replace(tzinfo=settings.tz)
    else:
        now = _now(settings)
    try:
        deadline = parse_deadline(" ".join(args.text), now)
    except DeadlineError as exc:
        for lang in LANGS:
            print(exc.message(lang), file=sys.stderr)
        return 1
    flag = "".join(f"  {t('cli.ambiguous', lang, html=False)}" for lang in LANGS
                   ) if deadline.ambiguous else ""
    print(f"{deadline.date.isoformat()}  {deadline.reading}  {deadline.reading_en}{flag}")
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    import time as clock

    from bot.outputs.digest import render_charts
    from bot.outputs.render.digest import compose_digest

    db = _open(settings)
    if not _need_plan(db):
        return 1
    at = _end_of_day(args.at, settings) if args.at else _now(settings)
    started = clock.perf_counter()
    digest = compose_digest(db, at, args.lang, today=_now(settings).date())
    text = digest.plain
    gathered = clock.perf_counter()
    paths = render_charts(digest.data, args.out, args.lang)
    rendered = clock.perf_counter()
    note = args.out / f"digest-{at:%Y-%m-%d}.txt"
    note.write_text(text + "\n", encoding="utf-8")
    print(text)
    print()
    for path in [note, *paths]:
        _say("cli.wrote", path=str(path))
    _say("cli.digest_timing", text_ms=f"{1000 * (gathered - started):.0f}",
         charts_ms=f"{1000 * (rendered - gathered):.0f}")
    return 0


def cmd_import_plan(args: argparse.Namespace, settings: Settings) -> int:
    from bot.importer.cli import import_plan

    return import_plan(args.document, issued=args.issued, out=args.out, directory=args.directory,
                       lang=args.lang)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """台账 (xlsx) or 情况通报 (docx); with --pdf also the PDF, where LibreOffice is installed."""
    import time as clock

    db = _open(settings)
    if not _need_plan(db):
        return 1
    at = _end_of_day(args.at, settings) if args.at else _now(settings)
    historical = args.at is not None
    from bot.outputs.scoring import RulesError, load_rules

    try:
        rules = load_rules(settings.scoring_rules)
    except RulesError as exc:
        _say("cli.rules_error", err=True, detail=exc.phrase())
        return 1
    started = clock.perf_counter()
    if args.kind == "ledger":
        from bot.outputs.exports.ledger import build_ledger

        data = build_ledger(db, at, args.lang, historical=historical, rules=rules)
        suffix = "xlsx"
    else:
        from bot.outputs.exports.bulletin import Letterhead, build_bulletin, issue_order_note
        from bot.outputs.exports.facts import bulletin_period

        try:
            span = bulletin_period(db, args.period, at, args.so_far)
        except DubanError as exc:
            print(t(exc.key, args.lang, html=False, **exc.params), file=sys.stderr)
            return 1
        data = build_bulletin(db, at, args.period, args.lang, historical=historical,
                              today=_now(settings).date(),
                              letterhead=Letterhead.from_settings(settings), rules=rules,
                              so_far=args.so_far)
        suffix = "docx"
    name = span.key if args.kind == "bulletin" else f"{at:%Y-%m-%d}"
    out = args.out or Path(f"{args.kind}-{name}.{suffix}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    _say("cli.wrote_file", path=str(out), kb=len(data) // 1024,
         ms=f"{1000 * (clock.perf_counter() - started):.0f}")
    # a period issued after a later one (its number out of date order): said, as _say says
    for lang in LANGS if args.kind == "bulletin" else ():
        note = issue_order_note(db, span, lang)
        if note:
            print(note)
    if args.pdf:
        from bot.outputs.exports.pdf import PdfError, to_pdf

        started = clock.perf_counter()
        if args.kind == "ledger":  # the sheets an office prints, without every record
            data = build_ledger(db, at, args.lang, historical=historical, records=False,
                                rules=rules)
        try:
            pdf = to_pdf(data, suffix)
        except PdfError as exc:
            print(f"LibreOffice: {exc}", file=sys.stderr)
            return 3
        if pdf is None:
            print(t("bulletin_pdf_missing", args.lang, html=False), file=sys.stderr)
            return 3
        out.with_suffix(".pdf").write_bytes(pdf)
        _say("cli.wrote_file", path=str(out.with_suffix(".pdf")), kb=len(pdf) // 1024,
             ms=f"{1000 * (clock.perf_counter() - started):.0f}")
    return 0


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    from bot.outputs.scoreboard import department_score_text, score_plain
    from bot.outputs.scoring import RulesError, load_rules, score_table

    db = _open(settings)
    if not _need_plan(db):
        return 1
    now = _now(settings)
    at = _end_of_day(args.at, settings) if args.at else now
    year = args.year or at.year
    if year > at.year:
        _say("score_future_year", err=True, year=year, now=at.year)
        return 1
    try:
        rules = load_rules(args.rules or settings.scoring_rules)
    except RulesError as exc:
        _say("cli.rules_error", err=True, detail=exc.phrase())
        return 1
    if year < at.year:  # a past year is scored as it stood at its end
        at = _end_of_day(f"{year}-12-31", settings)
    scores = score_table(db, year, at, rules)
    if args.dept:
        try:
            code = find_department(db, args.dept)["code"]
        except DubanError as exc:
            print(t(exc.key, args.lang, html=False, **exc.params), file=sys.stderr)
            return 1
        found = next(s for s in scores if s.code == code)
        print(department_score_text(found, year, at, args.lang))
        return 0
    print(score_plain(scores, year, at, rules, args.lang))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print(t("run_no_token", "zh", html=False), file=sys.stderr)
        print(t("run_no_token", "en", html=False), file=sys.stderr)
        return 2
    from bot.app import run_bot

    return run_bot(settings)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    import time as clock

    from bot.store.backup import BackupError, backup

    started = clock.perf_counter()
    try:
        done = backup(settings.database_path, settings.evidence_dir, args.folder,
                      now=_now(settings))
    except BackupError as exc:
        _say_refusal(exc)
        return 1
    rows = ", ".join(f"{name} {count}" for name, count in done.tables.items())
    _say("cli.backup_done", folder=str(done.folder), files=done.files,
         mb=f"{done.bytes / 1024 / 1024:.1f}", seconds=f"{clock.perf_counter() - started:.2f}")
    print(f"  {rows}")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.backup import BackupError, restore

    try:
        done = restore(args.folder, settings.database_path, settings.evidence_dir)
    except BackupError as exc:
        _say_refusal(exc)
        return 1
    _say("cli.restore_done", database=str(settings.database_path),
         rows=sum(done.tables.values()), files=done.files, evidence=str(settings.evidence_dir))
    return 0


def _say_refusal(exc: DubanError) -> None:
    """A refusal from the core, both languages on stderr; a `reason` parameter is itself a key."""
    params = {name: Key(value) if name == "reason" else value
              for name, value in exc.params.items()}
    _say(exc.key, err=True, **params)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="督办 duban")
    parser.add_argument("--db", help="SQLite file (default: $DATABASE_PATH or data/duban.db)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="output language")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("seed", help="validate and load the plan file")
    p.add_argument("file", nargs="?", type=Path,
                   help="the plan file (default: PLAN_FILE, else tasks_seed.yaml here)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("status", help="where every department, one department or one task stands")
    p.add_argument("target", nargs="?", help="department (code or name) or task id")
    p.add_argument("--at", help="as of the end of this day, YYYY-MM-DD")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="record a progress report")
    p.add_argument("task")
    p.add_argument("progress", nargs="?", help="percent 0-100, a state (已完成/受阻/...) or -")
    p.add_argument("note", nargs="*")
    p.add_argument("--as", dest="as_user", type=int, required=True, help="reporter's user id")
    p.add_argument("--value", type=float, help="current value of a numeric target")
    p.add_argument("--state", help="未开始/进行中/已完成/受阻 (not_started/in_progress/done/blocked)")
    p.add_argument("--unit", help="county unit whose value --value is (任务分解), e.g. 晋江市")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("members", help="register liaisons and coordinators")
    msub = p.add_subparsers(dest="action", required=True)
    m = msub.add_parser("add")
    m.add_argument("user_id", type=int)
    m.add_argument("dept", nargs="?")
    m.add_argument("--role", choices=["liaison", "coordinator"], default="liaison")
    m.add_argument("--name")
    m = msub.add_parser("list")
    m.add_argument("--all", action="store_true", help="include removed members")
    m = msub.add_parser("remove")
    m.add_argument("user_id", type=int)
    p.set_defaults(func=cmd_members)

    p = sub.add_parser("parse-date", help="read a deadline the way the bot does")
    p.add_argument("text", nargs="+", help="e.g. 6月底前, 下周五, 2025年上半年, end of June")
    p.add_argument("--now", help="read relative to this moment (ISO), default now")
    p.set_defaults(func=cmd_parse_date)

    p = sub.add_parser("digest", help="write the weekly digest (text and PNG charts) to a folder")
    p.add_argument("--out", type=Path, required=True, help="folder for the text and the PNGs")
    p.add_argument("--at", help="as of the end of this day, YYYY-MM-DD")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("import-plan", help="read a plan document (.txt or .docx) into a draft task file")
    p.add_argument("document", type=Path, help="the plan: UTF-8 or GB18030 text, or .docx")
    p.add_argument("--issued", help="issue date YYYY-MM-DD (default: from the document)")
    p.add_argument("--out", type=Path, default=Path("draft.yaml"), help="draft file to write")
    p.add_argument("--directory", type=Path, action="append", default=[],
                   help="extra department directory and label words (YAML, as "
                        "bot/importer/departments.yaml and bot/importer/labels.yaml)")
    p.set_defaults(func=cmd_import_plan)

    p = sub.add_parser("backup", help="copy the database (safely, while the bot runs), the "
                       "evidence files and a checksummed manifest into an empty folder")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into an empty data folder")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("export", help="台账 ledger (xlsx) or 情况通报 bulletin (docx)")
    p.add_argument("kind", choices=["ledger", "bulletin"])
    p.add_argument("--at", help="as of the end of this day, YYYY-MM-DD")
    p.add_argument("--out", type=Path, help="file to write (default: ledger-<date>.xlsx, "
                   "bulletin-<period>.docx)")
    p.add_argument("--period", choices=["week", "month"], default="week",
                   help="the bulletin's period (default week): the last whole ISO week "
                        "(Monday-Sunday) or calendar month ended by --at (or now)")
    p.add_argument("--so-far", action="store_true",
                   help="the bulletin of the week or month under way, up to --at (or now)")
    p.add_argument("--pdf", action="store_true",
                   help="also write the file as PDF beside it (needs LibreOffice)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("score", help="结果考评: each department's points, rule by rule")
    p.add_argument("--year", type=int, help="the year to score (default: this year)")
    p.add_argument("--at", help="as of the end of this day, YYYY-MM-DD")
    p.add_argument("--rules", type=Path, help="scoring rules file (default: SCORING_RULES, else the built-in rules)")
    p.add_argument("--dept", help="one department: its points and deductions item by item")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        for lang in LANGS:
            print(t("cli.config_error", lang, html=False, detail=exc.message(lang)),
                  file=sys.stderr)
        return 2
    if args.db:
        from dataclasses import replace

        settings = replace(settings, database_path=Path(args.db))
    try:
        return args.func(args, settings)
    except (sqlite3.Error, OSError, health.StorageError) as exc:
        kind = health.kind_of(exc)
        if kind is None:
            raise
        return storage_failed(exc, kind, settings)


def storage_failed(exc: BaseException, kind: str, settings: Settings) -> int:
    """A storage failure in any command: what is wrong with which file and what to do (both
    languages), status 2, no traceback."""
    path: str | Path
    if isinstance(exc, health.StorageError):
        path, detail = exc.path, exc.detail
    elif isinstance(exc, OSError):
        path, detail = exc.filename or settings.database_path, exc.strerror or str(exc)
    else:
        path, detail = settings.database_path, str(exc)
    _say(f"storage_{kind}", err=True, file=str(path), detail=detail)
    return 2

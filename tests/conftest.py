"""Shared fixtures: a real SQLite file in a temporary folder, loaded with the real plan."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services.directory import add_member
from bot.services.plan import load_plan, read_plan_file
from bot.store import connection as dbmod

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "tasks_seed.yaml"  # the Quanzhou plan, the data every test starts from
PLAN_TEXT = ROOT / "docs" / "quanzhou-school-mental-health-plan-2022.txt"

COORDINATOR = 1000
EDU_LIAISON = 1001
HEALTH_LIAISON = 1008


def at(text: str) -> datetime:
    """'2022-03-01' or '2022-03-01 10:00' as a Shanghai moment."""
    return datetime.fromisoformat(text if " " in text else f"{text} 10:00").replace(tzinfo=TZ)


@pytest.fixture
def db(tmp_path):
    database = dbmod.connect(tmp_path / "duban.db")
    yield database
    database.close()


@pytest.fixture(scope="session")
def plan():
    return read_plan_file(PLAN_FILE)


@pytest.fixture
def seeded(db, plan):
    load_plan(db, plan, now=at("2022-01-05"))
    add_member(db, user_id=COORDINATOR, dept="EDU", role="coordinator", now=at("2022-01-05"),
               actor="test", name="王统筹")
    add_member(db, user_id=EDU_LIAISON, dept="EDU", role="liaison", now=at("2022-01-05"),
               actor="test", name="李联络")
    add_member(db, user_id=HEALTH_LIAISON, dept="卫健委", role="liaison", now=at("2022-01-05"),
               actor="test", name="张卫健")
    return db


def keep_evidence(db, evidence_dir, *, user_id, task_ref, data, file_id, file_unique_id, kind,
                  now, file_name=None, caption=None, report_id=None):
    """The bot's own three steps for one file: admit, archive on disk, record."""
    from bot.services.evidence import admit, archive, record_evidence

    task, existing = admit(db, user_id=user_id, task_ref=task_ref, file_unique_id=file_unique_id)
    if existing:
        return existing
    archived = archive(evidence_dir, task.id, file_unique_id, data, file_name)
    return record_evidence(db, archived, task_id=task.id, user_id=user_id, file_id=file_id,
                           file_unique_id=file_unique_id, kind=kind, now=now,
                           file_name=file_name, caption=caption, report_id=report_id).row


def task_view(db, ref, now, historical: bool = False):
    """A task's facts as every output shows them (as recorded by `now` when `historical`)."""
    from bot.services.directory import find_task
    from bot.services.facts import task_facts_as_of, task_facts_now

    task = find_task(db, ref, include_archived=True)
    return task_facts_as_of(db, task, now) if historical else task_facts_now(db, task, now)


def plan_summary(db, now, historical: bool = False):
    """The plan's facts (as recorded by `now` when `historical`)."""
    from bot.services.facts import facts_as_of, facts_now

    return facts_as_of(db, now) if historical else facts_now(db, now)


@pytest.fixture(scope="session")
def soffice():
    """LibreOffice's command for the tests that convert to PDF. Missing on a developer's
    machine, they skip; in CI (CI set, as .ci/run's machine has it) they fail instead, so a
    broken install can never pass as green."""
    import os
    import shutil

    command = shutil.which("soffice") or shutil.which("libreoffice")
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed: .ci/run installs "
                        "libreoffice-writer-nogui and libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui "
                    "libreoffice-calc-nogui fonts-noto-cjk poppler-utils)")
    return command

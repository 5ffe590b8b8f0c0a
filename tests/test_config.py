"""Settings are validated once at start, with errors that name the variable, the value and what is
allowed, in Chinese and English."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.config import SPECS, ConfigError, load_settings
from bot.language.i18n import t
from tests.conftest import ROOT


def test_defaults():
    s = load_settings({}, dotenv=None)
    assert s.token is None and str(s.tz) == "Asia/Shanghai"
    assert s.database_path == Path("data/duban.db") and s.rate_limit
    assert s.escalate_every == 7 and s.reminder_offsets == (30, 7, 3, 1, 0)
    assert s.ack_workdays == 2 and s.track_from is None
    assert s.chase_colours == ("blue", "yellow", "red")


def test_values_and_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:abc\nCOORDINATOR_IDS=5\n# comment\n", encoding="utf-8")
    s = load_settings({"COORDINATOR_IDS": "1, 2;3", "COORDINATION_CHAT_ID": "-100123",
                       "RATE_LIMIT": "off", "TZ": "UTC"}, dotenv=env_file)
    assert s.token == "1:abc"  # from the file
    assert s.coordinator_ids == {1, 2, 3}  # the environment wins over the file
    assert s.coordination_chat_id == -100123 and not s.rate_limit and str(s.tz) == "UTC"


# (setting, a value, the field and what it reads as)
GOOD = [
    ("TELEGRAM_BOT_TOKEN", "123456789:AAEhBP0av28-_xyz", "token", "123456789:AAEhBP0av28-_xyz"),
    ("TZ", "Europe/Berlin", "tz", None),
    ("DATABASE_PATH", "/srv/duban.db", "database_path", Path("/srv/duban.db")),
    ("EVIDENCE_DIR", "files", "evidence_dir", Path("files")),
    ("PLAN_FILE", "/srv/plan.yaml", "plan_file", Path("/srv/plan.yaml")),
    ("SCORING_RULES", "rules.yaml", "scoring_rules", Path("rules.yaml")),
    ("COORDINATION_CHAT_ID", "-1001234567890", "coordination_chat_id", -1001234567890),
    ("COORDINATOR_IDS", "11111111, 22222222", "coordinator_ids", frozenset({11111111, 22222222})),
    ("COORDINATOR_IDS", "1、2 3", "coordinator_ids", frozenset({1, 2, 3})),
    ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot", "api_base_url",
     "http://127.0.0.1:8081/bot"),
    ("TELEGRAM_FILE_BASE_URL", "https://files.example/file/bot", "file_base_url",
     "https://files.example/file/bot"),
    ("WEBHOOK_PORT", "443", "webhook_port", 443),
    ("WEBHOOK_PORT", "65535", "webhook_port", 65535),
    ("RATE_LIMIT", "OFF", "rate_limit", False),
    ("RATE_LIMIT", "yes", "rate_limit", True),
    ("REMINDER_TIME", "08:30", "reminder_time", time(8, 30)),
    ("REMINDER_TIME", "7:05", "reminder_time", time(7, 5)),
    ("REMINDER_OFFSETS", "0", "reminder_offsets", (0,)),
    ("REMINDER_OFFSETS", "1, 7,7 ,30", "reminder_offsets", (30, 7, 1)),
    ("ESCALATE_EVERY_DAYS", "1", "escalate_every", 1),
    ("ESCALATE_EVERY_DAYS", "365", "escalate_every", 365),
    ("WORKDAYS_ONLY", "off", "workdays_only", False),
    ("QUIET_HOURS", "22-7", "quiet_hours", (22, 7)),
    ("QUIET_HOURS", "0-6", "quiet_hours", (0, 6)),
    ("QUIET_HOURS", "off", "quiet_hours", (0, 0)),
    ("DIGEST_DAY", "fri", "digest_weekday", 4),
    ("DIGEST_DAY", "Sunday", "digest_weekday", 6),
    ("DIGEST_DAY", "周三", "digest_weekday", 2),
    ("DIGEST_DAY", "星期日", "digest_weekday", 6),
    ("DIGEST_TIME", "23:59", "digest_time", time(23, 59)),
    ("JOBS", "0", "jobs", False),
    ("ACK_WORKDAYS", "1", "ack_workdays", 1),
    ("ACK_WORKDAYS", "5", "ack_workdays", 5),
    ("TRACK_FROM", "2022-01-04", "track_from", date(2022, 1, 4)),
    ("CHASE_COLOURS", "green, orange, red", "chase_colours", ("green", "orange", "red")),
    ("ACK_GATHER_MS", "0", "ack_gather_ms", 0),
    ("ACK_GATHER_MS", "2000", "ack_gather_ms", 2000),
    ("CHASE_COLOURS", "蓝,黄色,红", "chase_colours", ("blue", "yellow", "red")),
    ("BULLETIN_MASTHEAD", "督查通报", "bulletin_masthead", ("督查通报", "")),
    ("BULLETIN_MASTHEAD", "督查通报 | Supervision", "bulletin_masthead", ("督查通报", "Supervision")),
    ("BULLETIN_TO", "各县（市、区）教育局 | County bureaus", "bulletin_to",
     ("各县（市、区）教育局", "County bureaus")),
    ("BULLETIN_CC", "市政府办公室", "bulletin_cc", ("市政府办公室", "")),
    ("BULLETIN_SIGNATURE", "泉州市教育局 | Quanzhou Education Bureau", "bulletin_signature",
     ("泉州市教育局", "Quanzhou Education Bureau")),
    ("BULLETIN_PRINTER", "泉州市教育局办公室", "bulletin_printer", ("泉州市教育局办公室", "")),
]


@pytest.mark.parametrize(("name", "raw", "field", "expected"), GOOD)
def test_good_values(name, raw, field, expected):
    value = getattr(load_settings({name: raw}, dotenv=None), field)
    assert (str(value) == raw) if expected is None else (value == expected)


BAD = [
    ("TELEGRAM_BOT_TOKEN", "123456789:AA...your-token-from-BotFather"),  # the example, unedited
    ("TELEGRAM_BOT_TOKEN", "abcdef"),
    ("TZ", "Mars/Olympus"),
    ("TZ", "../../etc/passwd"),
    ("COORDINATION_CHAT_ID", "group"),
    ("COORDINATION_CHAT_ID", "12345"),  # a user's id, not a group's
    ("COORDINATION_CHAT_ID", "0"),
    ("COORDINATION_CHAT_ID", "-1" + "0" * 20),
    ("COORDINATOR_IDS", "12,abc"),
    ("COORDINATOR_IDS", "-5"),
    ("COORDINATOR_IDS", "0"),
    ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081"),
    ("TELEGRAM_FILE_BASE_URL", "ftp://x/file"),
    ("WEBHOOK_URL", "http://x/tg"),
    ("WEBHOOK_URL", "https://"),
    ("WEBHOOK_SECRET", "has spaces in it"),
    ("WEBHOOK_SECRET", "x" * 257),
    ("WEBHOOK_PORT", "0"),
    ("WEBHOOK_PORT", "-443"),
    ("WEBHOOK_PORT", "70000"),
    ("WEBHOOK_PORT", "8443a"),
    ("RATE_LIMIT", "maybe"),
    ("REMINDER_TIME", "25:00"),
    ("REMINDER_TIME", "9"),
    ("REMINDER_TIME", "09:00:00"),
    ("REMINDER_TIME", "-1:00"),
    ("REMINDER_OFFSETS", "7,-1"),
    ("REMINDER_OFFSETS", "7,,3"),
    ("REMINDER_OFFSETS", "a week"),
    ("REMINDER_OFFSETS", "99999999999"),
    ("ESCALATE_EVERY_DAYS", "-3"),
    ("ESCALATE_EVERY_DAYS", "0"),
    ("ESCALATE_EVERY_DAYS", "1.5"),
    ("ESCALATE_EVERY_DAYS", "366"),
    ("ESCALATE_EVERY_DAYS", "9" * 30),
    ("WORKDAYS_ONLY", "weekdays"),
    ("QUIET_HOURS", "21"),
    ("QUIET_HOURS", "21-24"),
    ("QUIET_HOURS", "8-8"),
    ("QUIET_HOURS", "-3-8"),
    ("DIGEST_DAY", "moon"),
    ("DIGEST_DAY", "mondayX"),
    ("DIGEST_DAY", "8"),
    ("DIGEST_TIME", "noon"),
    ("DIGEST_TIME", "12:60"),
    ("JOBS", "sometimes"),
    ("ACK_WORKDAYS", "0"),
    ("ACK_WORKDAYS", "-1"),
    ("ACK_WORKDAYS", "two"),
    ("TRACK_FROM", "2022-02-30"),
    ("TRACK_FROM", "2022/01/04"),
    ("TRACK_FROM", "yesterday"),
    ("CHASE_COLOURS", "blue,yellow"),
    ("ACK_GATHER_MS", "-1"),
    ("ACK_GATHER_MS", "1.5s"),
    ("CHASE_COLOURS", "blue,blue,red"),
    ("CHASE_COLOURS", "blue,yellow,pink"),
    ("CHASE_COLOURS", "blue,yellow,red,green"),
    ("BULLETIN_MASTHEAD", "| Supervision Bulletin"),  # no Chinese
    ("BULLETIN_TO", "各\t单位"),
    ("BULLETIN_CC", "x" * 201),
    ("BULLETIN_SIGNATURE", "|"),
    ("BULLETIN_PRINTER", "办公室\r\n印发"),
]


@pytest.mark.parametrize(("name", "raw"), BAD)
def test_bad_values_name_the_setting_the_value_and_what_is_allowed(name, raw):
    with pytest.raises(ConfigError) as err:
        load_settings({name: raw}, dotenv=None)
    spec = next(s for s in SPECS if s.name == name)
    shown = f"{raw[:4]}…" if spec.secret else raw
    zh, en = err.value.message("zh"), err.value.message("en")
    assert zh == f"{name}={shown!r} 无效，应为：{t(spec.allowed, 'zh', html=False)}"
    assert en == f"{name}={shown!r} is not valid: it must be {t(spec.allowed, 'en', html=False)}"
    assert str(err.value) == en  # what a log shows
    if spec.secret:
        assert raw not in zh and raw not in en


def test_every_setting_has_good_and_bad_cases():
    names = {s.name for s in SPECS}
    assert {name for name, *_ in GOOD} | {"WEBHOOK_URL", "WEBHOOK_SECRET"} == names
    assert {name for name, _ in BAD} == names - {"DATABASE_PATH", "EVIDENCE_DIR", "PLAN_FILE",
                                                      "SCORING_RULES"}  # any path


def test_webhook_needs_its_secret():
    with pytest.raises(ConfigError) as err:
        load_settings({"WEBHOOK_URL": "https://x/tg"}, dotenv=None)
    assert "WEBHOOK_SECRET is required" in str(err.value)
    assert "必须设置" in err.value.message("zh")
    s = load_settings({"WEBHOOK_URL": "https://x/tg", "WEBHOOK_SECRET": "s3cret_-X"}, dotenv=None)
    assert s.webhook_url == "https://x/tg" and s.webhook_secret == "s3cret_-X"


def test_operations_documents_every_setting():
    """docs/operations.md's settings table names every setting of SPECS, and nothing else."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    documented = [name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)`",
                                                               row.split(" | ")[0])]
    assert sorted(documented) == sorted(s.name for s in SPECS)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize(
    ("name", "raw"),
    [("ESCALATE_EVERY_DAYS", "-3"), ("QUIET_HOURS", "8-8"), ("CHASE_COLOURS", "red")],
)
def test_run_stops_with_the_message_and_status_2(tmp_path, name, raw):
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "x.db"),
           "TELEGRAM_BOT_TOKEN": "1:TEST-TOKEN", name: raw,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{name}={raw!r}" in done.stderr and "配置错误：" in done.stderr
    assert "Configuration error: " in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.db").exists()

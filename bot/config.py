"""Settings from the environment (and an optional .env file), validated once with clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import DubanError
from bot.language.i18n import Key, t

DEFAULT_DB = "data/duban.db"
DEFAULT_EVIDENCE_DIR = "data/evidence"
DEFAULT_TZ = "Asia/Shanghai"
# The 情况通报's letterhead by default: configuration values (BULLETIN_*), not messages.
MASTHEAD = ("督办通报", "Supervision Bulletin")
ADDRESSEES = ("联席会议各成员单位", "Member units of the joint conference")
COPIED = ("联席会议召集人、副召集人", "The convener and deputy conveners of the joint conference")
SIGNATURE = ("泉州市大中小学心理健康教育工作联席会议办公室",
             "Office of the Quanzhou Joint Conference on Mental Health Education in Schools")


class ConfigError(DubanError, ValueError):
    """A setting is missing or malformed: a catalogue key (`config.*`) and its parameters, which
    say which setting and what it allows; `message(lang)` is the text. str() is the English
    text, for logs."""

    def message(self, lang: str) -> str:
        return t(self.key, lang, html=False, **self.params)

    def __str__(self) -> str:
        return self.message("en")


@dataclass(frozen=True)
class Settings:
    token: str | None
    database_path: Path
    tz: ZoneInfo
    evidence_dir: Path
    coordination_chat_id: int | None = None
    coordinator_ids: frozenset[int] = field(default_factory=frozenset)
    api_base_url: str | None = None
    file_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_port: int = 8443
    rate_limit: bool = True
    reminder_time: time = time(9, 0)
    reminder_offsets: tuple[int, ...] = (30, 7, 3, 1, 0)
    escalate_every: int = 7
    workdays_only: bool = True
    quiet_hours: tuple[int, int] = (21, 8)  # no catch-up messages from 21:00 to 08:00
    digest_weekday: int = 0  # Monday, as datetime.weekday() counts
    digest_time: time = time(9, 0)
    jobs: bool = True  # off: no scheduled nudges or digests (tests, maintenance)
    ack_workdays: int = 2  # working days a liaison has to acknowledge a chase
    track_from: date | None = None  # None: from the day the plan was first loaded
    chase_colours: tuple[str, ...] = ("blue", "yellow", "red")  # the chase levels, mildest first
    ack_gather_ms: int = 1500  # a group's acknowledgements within this window go out as one
    # The 情况通报's letterhead (GB/T 9704-2012), each as (Chinese, English): 发文机关标志, 主送,
    # 抄送, 印发机关 and the 署名. An English part left out prints the Chinese in English copies.
    bulletin_masthead: tuple[str, str] = MASTHEAD
    bulletin_to: tuple[str, str] = ADDRESSEES
    bulletin_cc: tuple[str, str] = COPIED
    bulletin_signature: tuple[str, str] = SIGNATURE
    bulletin_printer: tuple[str, str] | None = None  # 印发机关; None: the 署名
    plan_file: Path = Path("tasks_seed.yaml")  # what `seed` loads when no file is named
    scoring_rules: Path | None = None  # a file overriding the packaged scoring rules


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; the real environment wins over it."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


# ---------------------------------------------------------------- one parser per kind of value
# Each takes the stripped, non-empty text and returns the value or raises ValueError; the ConfigError
# (naming the setting, the bad value and what is allowed: config.allowed.* in the catalogue) is
# made in one place.

MAX_ID = 2**53  # Telegram ids fit in 52 bits; anything longer is a paste error


def _whole(raw: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[+-]?[0-9]{1,20}", raw):
        raise ValueError(raw)
    value = int(raw)
    if not low <= value <= high:
        raise ValueError(raw)
    return value


def _days(low: int, high: int) -> Callable[[str], int]:
    return lambda raw: _whole(raw, low, high)


def _port(raw: str) -> int:
    return _whole(raw, 1, 65535)


def _group_id(raw: str) -> int:
    return _whole(raw, -MAX_ID, -1)


def _user_ids(raw: str) -> frozenset[int]:
    parts = [p for p in re.split(r"[,;、\s]+", raw) if p]
    return frozenset(_whole(p, 1, MAX_ID) for p in parts)


def _flag(raw: str) -> bool:
    word = raw.lower()
    if word in ("1", "on", "true", "yes"):
        return True
    if word in ("0", "off", "false", "no"):
        return False
    raise ValueError(raw)


def _time(raw: str) -> time:
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", raw)
    if not match:
        raise ValueError(raw)
    return time(int(match[1]), int(match[2]))


def _offsets(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",")]
    if not all(parts):
        raise ValueError(raw)
    return tuple(sorted({_whole(p, 0, 366) for p in parts}, reverse=True))


def _hours(raw: str) -> tuple[int, int]:
    if raw.lower() == "off":
        return (0, 0)  # an empty window: handlers.jobs.quiet() is never true
    match = re.fullmatch(r"([0-9]{1,2})-([0-9]{1,2})", raw)
    if not match:
        raise ValueError(raw)
    start, end = int(match[1]), int(match[2])
    if start > 23 or end > 23 or start == end:
        raise ValueError(raw)
    return start, end


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{f"{prefix}{day}": i for i, day in enumerate("一二三四五六日")
       for prefix in ("周", "星期")},
    "周天": 6, "星期天": 6,
}


def _weekday(raw: str) -> int:
    try:
        return _WEEKDAY_NAMES[raw.lower()]
    except KeyError:
        raise ValueError(raw) from None


def _zone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(raw) from None


def _token(raw: str) -> str:
    if not re.fullmatch(r"[0-9]{1,20}:[A-Za-z0-9_-]+", raw):
        raise ValueError(raw)
    return raw


def _url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not parts.netloc or any(c.isspace() for c in raw):
            raise ValueError(raw)
        return raw
    return parse


def _secret(raw: str) -> str:
    # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", raw):
        raise ValueError(raw)
    return raw


def _day(raw: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValueError(raw)
    return date.fromisoformat(raw)


COLOURS = {"blue": "blue", "蓝": "blue", "yellow": "yellow", "黄": "yellow", "orange": "orange",
           "橙": "orange", "red": "red", "红": "red", "green": "green", "绿": "green",
           "purple": "purple", "紫": "purple"}


def _colours(raw: str) -> tuple[str, ...]:
    names = tuple(COLOURS.get(p.strip().lower().removesuffix("色"), "") for p in raw.split(","))
    if len(names) != 3 or "" in names or len(set(names)) != 3:
        raise ValueError(raw)
    return names


def _text(raw: str) -> str:
    return raw


def _bilingual(raw: str) -> tuple[str, str]:
    """'中文 | English' (the English part optional) as (Chinese, English)."""
    zh, _, en = raw.partition("|")
    zh, en = zh.strip(), en.strip()
    if not zh or len(zh) > 200 or len(en) > 300 or any(ch in zh + en for ch in "\r\n\t"):
        raise ValueError(raw)
    return zh, en


def _bilingual_or_none(raw: str) -> tuple[str, str] | None:
    return None if raw.lower() in ("none", "无", "-") else _bilingual(raw)


@dataclass(frozen=True)
class Spec:
    """One setting: its variable, how to read it and its default. What it allows is the
    catalogue's `config.allowed.<NAME>`, in both languages."""

    name: str
    field: str
    parse: Callable[[str], Any]
    default: Any
    secret: bool = False  # never echo the value whole: error messages end up in logs

    @property
    def allowed(self) -> str:
        """The catalogue key saying what this setting allows."""
        return f"config.allowed.{self.name}"


SPECS: tuple[Spec, ...] = (
    Spec("TELEGRAM_BOT_TOKEN", "token", _token, None, secret=True),
    Spec("DATABASE_PATH", "database_path", Path, Path(DEFAULT_DB)),
    Spec("TZ", "tz", _zone, ZoneInfo(DEFAULT_TZ)),
    Spec("EVIDENCE_DIR", "evidence_dir", Path, Path(DEFAULT_EVIDENCE_DIR)),
    Spec("COORDINATION_CHAT_ID", "coordination_chat_id", _group_id, None),
    Spec("COORDINATOR_IDS", "coordinator_ids", _user_ids, frozenset()),
    Spec("TELEGRAM_API_BASE_URL", "api_base_url", _url(("http", "https")), None),
    Spec("TELEGRAM_FILE_BASE_URL", "file_base_url", _url(("http", "https")), None),
    Spec("WEBHOOK_URL", "webhook_url", _url(("https",)), None),
    Spec("WEBHOOK_SECRET", "webhook_secret", _secret, None, secret=True),
    Spec("WEBHOOK_PORT", "webhook_port", _port, 8443),
    Spec("RATE_LIMIT", "rate_limit", _flag, True),
    Spec("REMINDER_TIME", "reminder_time", _time, time(9, 0)),
    Spec("REMINDER_OFFSETS", "reminder_offsets", _offsets, (30, 7, 3, 1, 0)),
    Spec("ESCALATE_EVERY_DAYS", "escalate_every", _days(1, 365), 7),
    Spec("WORKDAYS_ONLY", "workdays_only", _flag, True),
    Spec("QUIET_HOURS", "quiet_hours", _hours, (21, 8)),
    Spec("DIGEST_DAY", "digest_weekday", _weekday, 0),
    Spec("DIGEST_TIME", "digest_time", _time, time(9, 0)),
    Spec("JOBS", "jobs", _flag, True),
    Spec("ACK_WORKDAYS", "ack_workdays", _days(1, 30), 2),
    Spec("TRACK_FROM", "track_from", _day, None),
    Spec("ACK_GATHER_MS", "ack_gather_ms", _days(0, 60000), 1500),
    Spec("BULLETIN_MASTHEAD", "bulletin_masthead", _bilingual, MASTHEAD),
    Spec("BULLETIN_TO", "bulletin_to", _bilingual, ADDRESSEES),
    Spec("BULLETIN_CC", "bulletin_cc", _bilingual_or_none, COPIED),
    Spec("BULLETIN_SIGNATURE", "bulletin_signature", _bilingual, SIGNATURE),
    Spec("BULLETIN_PRINTER", "bulletin_printer", _bilingual, None),
    Spec("PLAN_FILE", "plan_file", Path, Path("tasks_seed.yaml")),
    Spec("SCORING_RULES", "scoring_rules", Path, None),
    Spec("CHASE_COLOURS", "chase_colours", _colours, ("blue", "yellow", "red")),
)


def _read(spec: Spec, env: Mapping[str, str]) -> Any:
    raw = env.get(spec.name, "").strip()
    if not raw:
        return spec.default
    try:
        return spec.parse(raw)
    except (ValueError, OverflowError):
        shown = f"{raw[:4]}…" if spec.secret else raw
        raise ConfigError("config.invalid", name=spec.name, shown=repr(shown),
                          allowed=Key(spec.allowed)) from None


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
                  ) -> Settings:
    """Read and check every setting; raise ConfigError naming the variable on a bad value."""
    merged: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
    merged.update(os.environ if env is None else env)
    values = {spec.field: _read(spec, merged) for spec in SPECS}
    if values["webhook_url"] and not values["webhook_secret"]:
        raise ConfigError("config.webhook_needs_secret")
    return Settings(**values)

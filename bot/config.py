"""Settings from the environment (and an optional .env file), validated once with clear errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DB = "data/duban.db"
DEFAULT_EVIDENCE_DIR = "data/evidence"
DEFAULT_TZ = "Asia/Shanghai"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


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


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number (a Telegram chat id such as "
                          f"-1001234567890)") from None


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    ids = set()
    for part in filter(None, (p.strip() for p in raw.replace(";", ",").split(","))):
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not a Telegram user id (comma-separated "
                              f"numbers, e.g. 12345,67890)") from None
    return frozenset(ids)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "on", "true", "yes"):
        return True
    if raw in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name}={raw!r}: write on or off")


def _time(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        hour, minute = (int(p) for p in raw.split(":"))
        return time(hour, minute)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a time of day (HH:MM, e.g. 09:00)") from None


def _offsets(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return (30, 7, 3, 1, 0)
    try:
        values = tuple(sorted({int(p) for p in raw.split(",") if p.strip()}, reverse=True))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: comma-separated days before the due date, "
                          f"e.g. 30,7,3,1,0") from None
    if not values or min(values) < 0:
        raise ConfigError(f"{name}={raw!r}: days must be 0 or more")
    return values


def _hours(env: Mapping[str, str], name: str) -> tuple[int, int]:
    raw = env.get(name, "").strip() or "21-8"
    try:
        start, end = (int(p) for p in raw.split("-"))
        if not (0 <= start <= 23 and 0 <= end <= 23):
            raise ValueError
        return start, end
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: write hours as START-END, e.g. 21-8") from None


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
                  ) -> Settings:
    """Read and check every setting; raise ConfigError naming the variable on a bad value."""
    merged: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
    merged.update(os.environ if env is None else env)
    tz_name = merged.get("TZ", "").strip() or DEFAULT_TZ
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TZ={tz_name!r} is not a time zone name (e.g. Asia/Shanghai)") from None
    webhook = merged.get("WEBHOOK_URL", "").strip() or None
    secret = merged.get("WEBHOOK_SECRET", "").strip() or None
    if webhook and not webhook.startswith("https://"):
        raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS)")
    if webhook and not secret:
        raise ConfigError("WEBHOOK_SECRET is required with WEBHOOK_URL: Telegram sends it with "
                          "every update so the bot can refuse forged ones")
    return Settings(
        token=merged.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        database_path=Path(merged.get("DATABASE_PATH", "").strip() or DEFAULT_DB),
        tz=tz,
        evidence_dir=Path(merged.get("EVIDENCE_DIR", "").strip() or DEFAULT_EVIDENCE_DIR),
        coordination_chat_id=_int(merged, "COORDINATION_CHAT_ID"),
        coordinator_ids=_ids(merged, "COORDINATOR_IDS"),
        api_base_url=merged.get("TELEGRAM_API_BASE_URL", "").strip() or None,
        file_base_url=merged.get("TELEGRAM_FILE_BASE_URL", "").strip() or None,
        webhook_url=webhook,
        webhook_secret=secret,
        webhook_port=_int(merged, "WEBHOOK_PORT") or 8443,
        rate_limit=_flag(merged, "RATE_LIMIT", True),
        reminder_time=_time(merged, "REMINDER_TIME", time(9, 0)),
        reminder_offsets=_offsets(merged, "REMINDER_OFFSETS"),
        escalate_every=_int(merged, "ESCALATE_EVERY_DAYS") or 7,
        workdays_only=_flag(merged, "WORKDAYS_ONLY", True),
        quiet_hours=_hours(merged, "QUIET_HOURS"),
        digest_weekday=_weekday(merged, "DIGEST_DAY"),
        digest_time=_time(merged, "DIGEST_TIME", time(9, 0)),
        jobs=_flag(merged, "JOBS", True),
    )


def _weekday(env: Mapping[str, str], name: str) -> int:
    raw = env.get(name, "").strip().lower()[:3] or "mon"
    if raw not in WEEKDAYS:
        raise ConfigError(f"{name}={raw!r}: write a weekday such as mon")
    return WEEKDAYS.index(raw)

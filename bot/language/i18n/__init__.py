"""The message catalogue: every user-facing text, Simplified Chinese first, English as the option.

One file per language beside this module (`zh.yaml`, `en.yaml`), keyed alike. `t(key, lang,
**params)` formats a message; with html=True (the bot) every parameter is escaped here, the one
place user text is escaped, so catalogue entries may carry Telegram HTML tags.

An entry is a string, or for words that change with a number a mapping
`{count: PARAM, one: "...", other: "..."}` (English "1 day" / "2 days"; Chinese needs `other` only).
Inside a string, a parameter's format spec may choose words by its number, so one sentence can
hold several counts: `{n:task is|tasks are}` (one|other) or `{n:no chase|one chase|{n} chases}`
(zero|one|other; the words may hold other parameters).

Language is chosen here and only here: other modules pass `lang` through and never compare it.
"""

from __future__ import annotations

import html as html_lib
import string
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# Which column of a stored row holds a name in each language (the plan file gives both).
_FIELDS: dict[str, dict[str, str]] = {
    "zh": {"title": "title", "dept": "short", "dept_full": "name", "plan": "title",
           "metric": "target_metric", "grade": "name", "dept_short": "short"},
    "en": {"title": "title_en", "dept": "name_en", "dept_full": "name_en", "plan": "title_en",
           "metric": "title_en", "grade": "name_en", "dept_short": "short_en"},
}
_ZH_FIELDS = _FIELDS[DEFAULT_LANG]
_FALLBACK = {"dept_short": "dept"}
_WEEKDAYS_KEY = "weekdays"


class Html(str):
    """Text that is already safe HTML (a mention we built), so the formatter leaves it alone."""


class Key(str):
    """A catalogue key passed as a parameter: t() puts in that message, in the reader's language
    (the core names a change, 'change.reopen', without choosing words)."""


class Phrase:
    """A catalogue message with its own parameters, put into another message in the reader's
    language (a refusal inside "日期“…”不存在：{problem}")."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params


def task_named(task_id: str, period: str | None) -> str | Phrase:
    """A task as a message names it: 'T16（2022-04-30期）' for an occurrence of a recurring duty
    (its period, the due date), the bare 'T12' for a one-off task (period '')."""
    return Phrase("task_occurrence", task=task_id, period=period) if period else task_id


class Day:
    """A day, written as the reader's language writes one (format_day)."""

    def __init__(self, day: date) -> None:
        self.day = day


class Names(dict):
    """A name in each language ({'zh': '卫健委', 'en': 'Health Commission'}): the core raises and
    returns these, and t() puts in the reader's language."""


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The messages of one language, read once from its file."""
    # importlib.resources: the catalogues are package data, wherever the package is installed
    return yaml.safe_load(resources.files(__package__).joinpath(f"{lang}.yaml")
                          .read_text(encoding="utf-8"))


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def _escape(value: Any) -> Any:
    if isinstance(value, Html) or not isinstance(value, str):
        return value
    return html_lib.escape(value, quote=False)


def _entry(key: str, lang: str) -> Any:
    entry = catalogue(_lang(lang)).get(key)
    return catalogue(DEFAULT_LANG)[key] if entry is None else entry


class _Formatter(string.Formatter):
    """str.format, and a spec with "|" picks words by the number (see the module's note)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        forms = format_spec.split("|")
        number = _number(value)
        if len(forms) == 3 and number == 0:
            return forms[0]
        return forms[-2] if number == 1 else forms[-1]


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


_FORMATTER = _Formatter()


def t(key: str, lang: str = DEFAULT_LANG, *, html: bool = True, **params: Any) -> str:
    """The message `key` in `lang` (falling back to Chinese), with parameters filled in."""
    entry = _entry(key, lang)
    if isinstance(entry, dict):
        n = params[entry["count"]]
        entry = entry["one"] if _number(n) == 1 and "one" in entry else entry["other"]
    params = {k: _resolve(v, lang) for k, v in params.items()}
    if html:
        params = {k: _escape(v) for k, v in params.items()}
    return _FORMATTER.vformat(entry, (), params)


def _resolve(value: Any, lang: str) -> Any:
    if isinstance(value, Names):
        return value.get(lang) or value.get(DEFAULT_LANG)
    if isinstance(value, Key):
        return t(value, lang, html=False)
    if isinstance(value, Phrase):
        return t(value.key, lang, html=False, **value.params)
    if isinstance(value, Day):
        return format_day(value.day, lang)
    return value


def label(kind: str, key: str | None, lang: str = DEFAULT_LANG) -> str:
    """A status, state or kind label ('status', 'overdue') in `lang`; '—' for none."""
    if key is None:
        return "—"
    full = f"{kind}.{key}"
    return t(full, lang, html=False) if full in catalogue(DEFAULT_LANG) else key


def field(row: Mapping[str, Any] | object | None, name: str, lang: str) -> str:
    """A stored name in `lang`: field(task, 'title', 'en') is title_en, else the Chinese title.
    `row` is a stored row or a value with those attributes (a Task)."""
    if row is None:
        return ""
    get = row.get if isinstance(row, Mapping) else (lambda key: getattr(row, key, None))
    value = get(_FIELDS[_lang(lang)][name])
    if not value and name in _FALLBACK:  # a short name not given: the full one, same language
        return field(row, _FALLBACK[name], lang)
    return value or get(_ZH_FIELDS[name]) or ""


def format_day(day: date, lang: str) -> str:
    """A day with its weekday: 2022年6月30日(星期四) / Thursday 30 June 2022."""
    weekday = t(_WEEKDAYS_KEY, lang, html=False).split(",")[day.weekday()]
    return t("date_long", lang, html=False, y=day.year, m=day.month, d=day.day,
             weekday=weekday, month=t("months", lang, html=False).split(",")[day.month - 1])


def day_parts(day: date, lang: str) -> dict[str, Any]:
    """A day's parts as a message wants them: y, m, d, its weekday and month names in `lang`."""
    return {"y": day.year, "m": day.month, "d": day.day,
            "weekday": t(_WEEKDAYS_KEY, lang, html=False).split(",")[day.weekday()],
            "month": t("months", lang, html=False).split(",")[day.month - 1]}


def format_short_day(day: date, lang: str) -> str:
    """A day of this year or next, with its weekday: 6月29日（星期三） / Wednesday 29 June."""
    weekday = t(_WEEKDAYS_KEY, lang, html=False).split(",")[day.weekday()]
    return t("date_short", lang, html=False, m=day.month, d=day.day, weekday=weekday,
             month=t("months", lang, html=False).split(",")[day.month - 1])


def lang_of(code: str | None) -> str:
    """A Telegram language_code ('zh-hans', 'en-US', None) or a stored choice to zh or en."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


def plan_title(info: dict[str, str], lang: str) -> str:
    """The plan's title and document number, from the plan's meta rows."""
    title = field(info, "plan", lang) or "duban"
    if not info.get("document"):
        return title
    return t("plan_title_doc", lang, html=False, title=title, document=info["document"])

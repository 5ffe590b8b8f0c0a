"""Reading what people type after a task in /report: a percent, a value, a state word, a county
unit, and the note. Pure: no database.

A bare number on a target counted in things (30 on a target of 200 rooms) could mean 30 rooms or
30%: when it could be either, the reading says so (`ReportInput.ambiguous`) and the bot asks
with two buttons before anything is recorded. Written with its unit ("30个", "30%") it is clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.domain.task import Task
from bot.errors import DubanError
from bot.language.commandline import normalise
from bot.language.numerals import is_percent, read_number, read_percent

SKIP_WORDS = frozenset({"无", "跳过", "没有", "略", "-", "—", "skip", "none", "no", "n/a"})
STATE_WORDS = {
    "未开始": "not_started", "not_started": "not_started", "not started": "not_started",
    "进行中": "in_progress", "in_progress": "in_progress", "in progress": "in_progress",
    "已完成": "done", "完成": "done", "done": "done",
    "受阻": "blocked", "阻塞": "blocked", "blocked": "blocked",
}


normal = normalise  # one rule for every command's words (bot.language.commandline)


PERIOD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:期)?$")


def period_word(word: str) -> str | None:
    """'2022-04-30' or '2022-04-30期' (an occurrence of a recurring duty as the bot names it, by
    its due date) as the period key '2022-04-30'; None for any other word."""
    found = PERIOD_RE.match(normal(word).strip())
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_state(text: str) -> str | None:
    """A state word in Chinese or English ('已完成', 'done', '受阻' ...) to its code."""
    return STATE_WORDS.get(normal(text).strip().lower())


@dataclass(frozen=True)
class ReportInput:
    percent: int | None = None
    state: str | None = None
    value: float | None = None
    note: str = ""
    unit: str | None = None  # a county unit (任务分解): `value` is that unit's figure
    ambiguous: bool = False  # a bare number that could be a count or a percent: ask first

    def as_percent(self) -> ReportInput:
        """The bare number read as a percent (the liaison pressed '30%')."""
        number = self.value if self.value is not None else self.percent
        return replace(self, percent=int(number or 0), value=None, ambiguous=False)

    def as_value(self) -> ReportInput:
        """The bare number read as a count (the liaison pressed '30个')."""
        number = self.value if self.value is not None else self.percent
        return replace(self, value=float(number or 0), percent=None, ambiguous=False)


def parse_number(text: str) -> float | None:
    """'187', '-5', '12.5', '一百二十' as a number; anything else (1e309, nan, ²) as None."""
    return read_number(text)


def unreadable(task: Task, word: str, counted: bool | None = None) -> DubanError:
    """The refusal of a progress nobody can read, with the hint that fits the task: a target
    counted in things asks for a count in its unit (or a percent), any other for a percent."""
    if task.counted and counted is not False:
        return DubanError("value_unreadable", word=word, task=task.id,
                          target=f"{task.target_value:g}", unit=task.target_unit or "")
    return DubanError("progress_unreadable", word=word)


def could_be_percent(task: Task, number: float) -> bool:
    """Whether a bare number on a counted target could as well be a percent (not on a target
    split by county: that takes a county's figure, asked for by name)."""
    return task.counted and not task.quotas and number.is_integer() and 0 <= number <= 100


def parse_progress_word(task: Task, word: str, counted: bool | None = None) -> ReportInput | None:
    """'60', '60%', '已完成', '187所', '187' (a value when the task has a numeric target), in
    digits or Chinese numerals ('六十', '百分之六十', '一百八十七所').

    `counted=False` reads a bare number as a percent whatever the task (the guided flow's
    percent step)."""
    word = normal(word).strip()
    state = parse_state(word)
    if state:
        return ReportInput(state=state)
    unit = task.target_unit or ""
    if is_percent(word):  # 60%, 六十%, 百分之六十
        number = read_percent(word)
        return ReportInput(percent=int(number)) if number is not None and number.is_integer() \
            else None
    with_unit = bool(unit and unit != "%" and word.endswith(unit) and len(word) > len(unit))
    if with_unit:
        word = word[: -len(unit)]
    number = parse_number(word)
    if number is None:
        return None
    counted = task.counted if counted is None else counted
    if counted:
        ambiguous = not with_unit and could_be_percent(task, number)
        return ReportInput(value=number, ambiguous=ambiguous)
    return ReportInput(percent=int(number)) if number.is_integer() else None


def _flags(words: list[str], raw: list[str]) -> tuple[list[str], list[str], float | None,
                                                      str | None]:
    """Take '--value 23' and '--unit 晋江市' out of the words (the rest stay in order, with the
    same words as typed beside them)."""
    rest: list[str] = []
    rest_raw: list[str] = []
    value: float | None = None
    unit: str | None = None
    i = 0
    while i < len(words):
        word = normal(words[i])
        if word in ("--value", "--unit", "—value", "—unit"):
            if i + 1 >= len(words):
                raise DubanError("report_usage")
            if word.endswith("value"):
                value = parse_number(words[i + 1])
                if value is None:
                    raise DubanError("number_unreadable", word=words[i + 1])
            else:
                unit = words[i + 1]
            i += 2
            continue
        rest.append(words[i])
        rest_raw.append(raw[i])
        i += 1
    return rest, rest_raw, value, unit


def parse_report_args(task: Task, words: list[str], raw: list[str] | None = None
                      ) -> ReportInput:
    """The words after the task id in '/report T12 60 已完成初稿': progress, then the note.
    `words` are read (normalised: "６０％" is 60%); the note is taken from `raw`, the same words
    as typed (the Chinese comma "，" stays a Chinese comma).

    '/report T06 - --value 23 --unit 晋江市': '-' for no percent, a county unit's value; with
    --value the number is a count, never ambiguous."""
    words, raw, flag_value, unit = _flags(words, raw if raw is not None else words)
    first: ReportInput | None
    if flag_value is not None or unit is not None:
        first = ReportInput()
        if words and words[0] == "-":
            words, raw = words[1:], raw[1:]
        elif flag_value is None:  # '--unit 德化县' alone: the first word is the unit's value
            if not words:
                raise DubanError("report_usage")
            first = parse_progress_word(task, words[0], counted=True) or ReportInput()
            if first.value is None:
                raise DubanError("number_unreadable", word=words[0])
            words, raw = words[1:], raw[1:]
        # with --value given, whatever words remain are the note
        return ReportInput(first.percent, first.state,
                           flag_value if flag_value is not None else first.value,
                           " ".join(raw).strip(), unit)
    if not words:
        raise DubanError("report_usage")
    first = parse_progress_word(task, words[0])
    if first is None:
        raise unreadable(task, words[0])
    rest, rest_raw = words[1:], raw[1:]
    state = first.state
    if rest and state is None and parse_state(rest[0]):  # '/report T12 30 受阻 经费未到位'
        state, rest_raw = parse_state(rest[0]), rest_raw[1:]
    return ReportInput(first.percent, state, first.value, " ".join(rest_raw).strip(),
                       ambiguous=first.ambiguous)

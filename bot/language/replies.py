"""A reply to one of the bot's posts, read as a report: "60", "T16 已全部排查完毕，100%",
"受阻：经费未到位", "100 全部完成，附名单". Pure.

What counts: a progress (a leading number as in /report, or a percentage anywhere, in digits or
Chinese numerals: "六十", "百分之六十", "完成了百分之八十"), a state word
(已完成, 进行中, 受阻 …) or a 受阻 reason. Anything else ("经费问题已解决", "收到") is no report.
Numbers inside a sentence without % ("3家医院") are never read as progress. The note is the
text as typed, less a leading task number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language.commandline import normalise
from bot.language.numerals import DIGITS, NUMERAL, UNITS, read_number

_TASK = re.compile(r"(?<![A-Za-z0-9])#?\s*[Tt]\s?0*(\d{1,4})(?![0-9])")
_LEADING_TASK = re.compile(r"^\s*[#＃]?\s*[TtＴｔ]\s?[0-9０-９]{1,4}[\s:：,，、.。]*")
# A number as typed: digits, or Chinese numerals (六十, 一百二十, 三点五).
_NUMBER = rf"(?:\d{{1,9}}(?:\.\d{{1,4}})?|{NUMERAL})"
_PERCENT = re.compile(rf"(?<![\d.])(\d{{1,3}})\s*%|百分之\s*({_NUMBER})|({NUMERAL})\s*%")
# The whole reply one figure: "60", "60%", "百分之六十", or a count with its unit word ("120所").
_PLAIN = re.compile(rf"^\s*(百分之\s*{_NUMBER}|{_NUMBER}\s*(?:%|(?![{DIGITS}{UNITS}点])[\u4e00-\u9fff])?)"
                    r"\s*[。.!！]?\s*$")
# State words anywhere in the text; 未完成/尚未完成 is not done.
_DONE = re.compile(r"(?<![未没尚])(?:已全部完成|全部完成|已经完成|已完成|已办结|已落实到位|完成了)|\bdone\b"
                   r"|\bcompleted?\b", re.IGNORECASE)
_BLOCKED = re.compile(r"受阻|阻塞|\bblocked\b", re.IGNORECASE)
_IN_PROGRESS = re.compile(r"进行中|推进中|正在推进|\bin progress\b", re.IGNORECASE)
_REASON_EDGE = " \t\r\n:：,，。.、;；!！-—"


_LEADING_NUMBER = re.compile(
    rf"^\s*(?:[0-9０-９]{{1,9}}(?:[.．][0-9０-９]{{1,4}})?|百分之{NUMERAL}|{NUMERAL})\s*[%％]?(?:\s+|$)")


@dataclass(frozen=True)
class ReplyReading:
    task_number: str | None  # a task named in the reply ("16" for T16), else None
    number: str | None  # a leading number, as /report reads it ("60", "60%", "187")
    percent: int | None  # a percentage elsewhere in the text ("已全部排查完毕，100%")
    state: str | None  # done | in_progress | blocked
    note: str  # as typed, less a leading task number and number; the 受阻 reason when blocked

    @property
    def plain(self) -> bool:
        """The whole reply is one number: recorded without asking."""
        return self.number is not None and not self.note and self.state is None

    @property
    def is_report(self) -> bool:
        return self.number is not None or self.percent is not None or self.state is not None


def named_tasks(text: str) -> tuple[str, ...]:
    """The task numbers a reply names, each once, in order ("T05 60，T6 同步" -> ("5", "6"))."""
    found = (str(int(n)) for n in _TASK.findall(normalise(text or "")))
    return tuple(dict.fromkeys(found))


def read_reply(text: str) -> ReplyReading:
    norm = normalise(text or "")
    task = _TASK.search(norm)
    note = _LEADING_TASK.sub("", text or "", count=1).strip()
    number = None
    leading = _LEADING_NUMBER.match(note)
    if leading:
        number = normalise(leading.group()).strip()
        note = note[leading.end():].strip()
    body = normalise(note)
    plain = _PLAIN.match(body) if number is None else None
    if plain:
        return ReplyReading(task[1] if task else None, plain[1].replace(" ", ""), None, None,
                            "")
    percent = _PERCENT.search(body)
    state = None
    if _BLOCKED.search(body):
        state = "blocked"
        reason = _BLOCKED.sub("", note, count=1).strip(_REASON_EDGE)
        note = reason
    elif _DONE.search(body):
        state = "done"
    elif _IN_PROGRESS.search(body):
        state = "in_progress"
    shown = next((group for group in percent.groups() if group), None) if percent else None
    number_read = read_number(shown) if shown else None
    value = int(number_read) if number_read is not None and number_read.is_integer() else None
    if state == "done" and value is not None and value < 100:
        state = None  # "已完成初稿，60%": the percentage says how far
    return ReplyReading(task[1] if task else None, number, value, state, note)

"""Numbers as officials type them: 120, 12.5, ６０ (full width), and in Chinese numerals 一百二十,
两百, 十五, 三点五, 二〇二五, 壹佰贰拾; percentages as 70%, 七十%, 百分之七十, 百分之70. Pure.

Every place where a figure or a percent is typed reads it here (the one-line /report, its
--value, the guided report's answers, a reply to the bot's post, the command line), so "一百二十所"
is 120 rooms wherever 120所 is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bot.language.commandline import normalise

DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
UNITS = "十拾百佰千仟万萬亿"
# A Chinese numeral as a regular-expression fragment (for readers that find one in a sentence).
NUMERAL = rf"[{DIGITS}{UNITS}]+(?:点[{DIGITS}]+)?"
MAX_VALUE = 1e9  # a figure larger than this is a typo, not a count of schools

_ASCII = re.compile(r"^-?\d{1,9}(\.\d{1,4})?$")  # not float(): it would take nan, 1e309, ²
_CHINESE = re.compile(rf"^{NUMERAL}$")
_PERCENT_WORDS = re.compile(r"^百分之(.+)$")
PERCENT_SIGNS = ("%", "％")


@functools.cache
def _cn2an() -> Callable[..., object]:
    import cn2an  # lazy: the import takes ~80 ms, and most numbers are typed in digits

    return cn2an.cn2an


def read_number(text: str) -> float | None:
    """'187', '-5', '12.5', '一百二十', '两百', '三点五' as a number; anything else (1e309, nan, ²,
    十十, 一百二十所) as None."""
    text = normalise(text).strip()
    if _ASCII.match(text):
        return float(text)
    if not _CHINESE.match(text):
        return None
    try:
        value = float(_cn2an()(text.replace("〇", "零"), "normal"))  # type: ignore[arg-type]
    except Exception:  # cn2an raises assorted errors for malformed numerals ("十十", "万万")
        return None
    return value if abs(value) <= MAX_VALUE else None


def is_percent(text: str) -> bool:
    """Written as a percentage (70%, 七十％, 百分之七十), whether or not its number reads."""
    text = normalise(text).strip()
    return text.endswith(PERCENT_SIGNS) or text.startswith("百分之")


def read_percent(text: str) -> float | None:
    """'70%', '７０％', '七十%', '百分之七十', '百分之70' as 70; None when it is not written as a
    percentage or its number does not read."""
    text = normalise(text).strip()
    if text.endswith(PERCENT_SIGNS):
        return read_number(text[:-1])
    words = _PERCENT_WORDS.match(text)
    return read_number(words[1]) if words else None

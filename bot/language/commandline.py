"""A command as people type it, with a Chinese input method as often as not: "／report Ｔ16 40"
(full-width slash and letters), "/report T16　40" (an ideographic space). Pure.

The parts a command parses (its name, task numbers, percentages, department names, dates) are
read with the full-width forms a Chinese input method types (U+FF01-FF5E: letters, digits, the
slash, ％) and its ideographic space turned into ASCII; nothing else changes (NFKC would also
read ² as 2). Free text (a note, a reason) is kept as typed, its "，" a Chinese comma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD = re.compile(r"\s*[/／](\S+)")
_NAME = re.compile(r"[a-z0-9_]{1,32}")
_WORD = re.compile(r"\S+")


_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


def normalise(text: str) -> str:
    """Full-width forms as ASCII (Ｔ16 → T16, ６０％ → 60%, ／ → /), other text unchanged."""
    return text.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class CommandLine:
    name: str  # lower case, ASCII
    addressee: str  # the bot named after @, or ""
    raw: str  # everything after the command, as typed

    @property
    def words(self) -> list[str]:
        """The arguments, each normalised (for parsing)."""
        return [normalise(m.group()) for m in _WORD.finditer(self.raw)]

    def rest(self, n: int) -> str:
        """The text after the first `n` arguments, as typed (a note, a reason)."""
        spans = list(_WORD.finditer(self.raw))
        return self.raw[spans[n].start():].strip() if n < len(spans) else ""


def parse_command(text: str | None) -> CommandLine | None:
    """The command a message (or a caption) starts with, in any width; None for other text."""
    text = text or ""
    match = _HEAD.match(text)
    if match is None:
        return None
    name, _, addressee = normalise(match[1]).partition("@")
    name = name.lower()
    if not _NAME.fullmatch(name):
        return None
    return CommandLine(name, addressee, text[match.end():])

"""A command as people type it, with a Chinese input method as often as not: "／report Ｔ16 40"
(full-width slash and letters), "/report T16　40" (an ideographic space). Pure.

The parts a command parses (its name, task numbers, percentages, department names, dates) are
read after NFKC normalisation, which turns full-width letters, digits, the slash and the
ideographic space into their ASCII forms. Free text (a note, a reason) is kept as typed: NFKC
would also turn the Chinese comma "，" into ",".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HEAD = re.compile(r"\s*[/／](\S+)")
_NAME = re.compile(r"[a-z0-9_]{1,32}")
_WORD = re.compile(r"\S+")


def normalise(text: str) -> str:
    """Full-width forms as ASCII (Ｔ16 → T16, ６０％ → 60%, ／ → /), other text unchanged."""
    return unicodedata.normalize("NFKC", text)


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
    match = _HEAD.match(text or "")
    if match is None:
        return None
    name, _, addressee = normalise(match[1]).partition("@")
    name = name.lower()
    if not _NAME.fullmatch(name):
        return None
    return CommandLine(name, addressee, text[match.end():])

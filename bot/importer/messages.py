"""What the importer says, as catalogue keys with parameters (bot/i18n zh.yaml, en.yaml under
`importer.`): the core names a message, the writer and the command line put it in words, in the
language the user chose (`python -m bot --lang en import-plan …`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.language.i18n import t


@dataclass(frozen=True)
class Msg:
    key: str  # without the "importer." prefix
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return say(self.key, lang, **self.params)

    def __hash__(self) -> int:  # reviews are de-duplicated by what they say
        return hash((self.key, tuple(sorted((k, str(v)) for k, v in self.params.items()))))


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, params)


def say(key: str, lang: str, **params: Any) -> str:
    return t(f"importer.{key}", lang, html=False, **params)


class ImporterError(ValueError):
    """A document, directory or option the importer cannot use; carries its message."""

    def __init__(self, key: str, **params: Any):
        self.message = Msg(key, params)
        super().__init__(say(key, "en", **params))

"""The one exception the core raises for a refusal a user should read."""

from __future__ import annotations

from typing import Any


class DubanError(Exception):
    """A refusal with a message-catalogue key; the caller renders it in the user's language."""

    def __init__(self, key: str, **params: Any):
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}")

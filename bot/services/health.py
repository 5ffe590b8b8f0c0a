"""Whether an error is the store failing (disk full, read-only, damaged), as handlers need to
know: such an update is kept for later and its sender told once, not shown a bug."""

from __future__ import annotations

from bot.store import health as store


def is_storage_error(exc: BaseException | None) -> bool:
    return exc is not None and store.is_storage_error(exc)

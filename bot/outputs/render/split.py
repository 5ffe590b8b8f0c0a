"""Long Telegram messages become several, each under the limit, never cut inside a tag or entity."""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")


def _open_tags(text: str) -> list[tuple[str, str]]:
    """The tags still open at the end of `text`, outermost first, as (name, opening tag)."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2)
        if closing:
            if stack and stack[-1][0] == name:
                stack.pop()
        else:
            stack.append((name, match.group(0)))
    return stack


def _safe_cut(line: str, limit: int) -> int:
    """The last place at or before `limit` that is outside a tag and an entity."""
    cut = limit
    opened = max(line.rfind("&", 0, cut), line.rfind("<", 0, cut))
    if opened > 0 and not any(end in line[opened:cut] for end in (";", ">")):
        cut = opened
    return cut


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line ends so no message passes `limit`. A line longer than a message is cut, and
    any tag open at the cut (<b>, <s>, <a href>, <code>…) is closed there and reopened after, so
    each part is valid HTML on its own."""
    margin = 64  # room for the closing and reopening tags added at a cut
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _safe_cut(line, limit - margin)
            head, line = line[:cut], line[cut:]
            stack = _open_tags(head)
            head += "".join(f"</{name}>" for name, _ in reversed(stack))
            line = "".join(tag for _, tag in stack) + line
            if current:
                chunks.append(current)
                current = ""
            chunks.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return chunks or [text[:limit]]

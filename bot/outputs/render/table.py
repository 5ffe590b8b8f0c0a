"""Plain-text tables that stay aligned with Chinese text (each Han character is two columns)."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth


def width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def pad(text: str, cols: int, right: bool = False) -> str:
    fill = " " * max(0, cols - width(text))
    return fill + text if right else text + fill


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right: Sequence[int] = ()) -> str:
    """Columns sized to their widest cell; the columns listed in `right` are right-aligned."""
    cols = [max(width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(str(c), cols[i], i in right) for i, c in enumerate(cells)).rstrip()

    rule = "  ".join("-" * c for c in cols)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])

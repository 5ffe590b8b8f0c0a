"""Reading the figures back out of every output, the way a person reads them: the /status text,
the command line's tables, the digest, the ledger's cells (openpyxl) and the bulletin's paragraphs
and tables (python-docx). Used by the one-truth machine (tests/test_one_truth_machine.py) and the
rule tables (tests/test_truth_rules.py).

The patterns are made from the message catalogue itself (a placeholder becomes a named group), so
a reworded message still reads; the numbers are compared by the tests, never re-rendered here.
Rounding for comparison is done with Decimal (half up), independently of bot.domain.numbers.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.domain.marks import MARKS
from bot.language.i18n import catalogue
from bot.outputs.render import COUNT_COLUMNS

_PLACEHOLDER = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")


def half_up(value: float | None, digits: int = 0) -> Decimal | None:
    """`value` rounded half up to `digits` decimals, as a person rounds (66.25 -> 66.3)."""
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def shown(value: float | None) -> int | None:
    """A completion as every output must show it: a whole percent, rounded half up."""
    rounded = half_up(value)
    return None if rounded is None else int(rounded)


def percent_of_value(value: float, target: float) -> int:
    """A reported value as a percent of its target: half up, capped at 100, and 99 until the
    target is reached (the rule, written out again for the tests)."""
    if target <= 0:
        return 100 if value > 0 else 0
    got = min(100, max(0, int(half_up(100 * value / target))))
    return min(got, 99) if value < target else got


def pattern(key: str, lang: str = "zh") -> re.Pattern[str]:
    """The catalogue message `key` as a regular expression, each placeholder a named group
    matching within one line."""
    text = catalogue(lang)[key]
    out, last, seen = [], 0, set()
    for m in _PLACEHOLDER.finditer(text):
        out.append(re.escape(text[last:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^\\n]*?)")
        seen.add(name)
        last = m.end()
    out.append(re.escape(text[last:]))
    return re.compile("".join(out))


def read(key: str, text: str, lang: str = "zh") -> dict[str, str]:
    """The placeholders of the one place in `text` the message `key` fills, whole lines (a
    message of two lines fills two)."""
    regex = re.compile(f"^{pattern(key, lang).pattern}$", re.MULTILINE)
    found = list(regex.finditer(text))
    assert len(found) == 1, f"{key}: {len(found)} places match in\n{text}"
    return found[0].groupdict()


def percent(text: str) -> int | None:
    """'67%' -> 67, '—' -> None."""
    text = text.strip()
    if text == "—":
        return None
    m = re.fullmatch(r"(\d+)%", text)
    assert m, f"not a percent: {text!r}"
    return int(m.group(1))


_MARK_OF = {MARKS[c]: c for c in COUNT_COLUMNS}
_COUNTS = re.compile("(" + "|".join(re.escape(MARKS[c]) for c in COUNT_COLUMNS) + r")(\d+)")


def elsewhere(text: str, lang: str = "zh") -> int:
    """The claims waiting on other occurrences than their task's mark, said after a counts
    line ('（另有2期待核实）'); 0 when not said."""
    found = list(pattern("counts_claims_elsewhere", lang).finditer(text))
    assert len(found) <= 1, text
    return int(found[0]["count"]) if found else 0


def counts(text: str, lang: str = "zh") -> dict[str, int]:
    """'🟢3 🔴1' -> every status with its count (0 for those not shown); the claims said after
    them (`elsewhere`) are not a status."""
    got = dict.fromkeys(COUNT_COLUMNS, 0)
    text = pattern("counts_claims_elsewhere", lang).sub("", text)
    rest = text
    for m in _COUNTS.finditer(text):
        got[_MARK_OF[m.group(1)]] += int(m.group(2))
        rest = rest.replace(m.group(0), "", 1)
    assert not rest.strip(), f"unread in a counts line: {rest!r}"
    return got


_TASK_LINE = re.compile(r"(?P<mark>\S+) <b>(?P<id>T\d+)</b> (?P<rest>.*) · (?P<percent>\d+)%"
                        r"(?: (?P<target>\S+/\S+))? · (?P<when>.*)")


def task_line(line: str, lang: str = "zh") -> dict[str, str]:
    """A task line's parts; `waiting`: the periods of its claims on other occurrences than its
    mark's ('' when none is said), taken off `when`."""
    m = _TASK_LINE.fullmatch(line)
    assert m, f"not a task line: {line!r}"
    got = m.groupdict()
    said = re.search(pattern("task_claims_elsewhere", lang).pattern + "$", got["when"])
    got["waiting"] = said["periods"] if said else ""
    if said:
        got["when"] = got["when"][:said.start()]
    return got


def overdue_days(when: str, lang: str = "zh") -> int | None:
    """The N of '逾期N天' in a task's timing, None when it says nothing of being overdue."""
    regex = pattern("overdue_days", lang)
    m = regex.search(when)
    return int(m.group("days")) if m else None


def target_figures(text: str) -> tuple[float | None, float]:
    """'42/300所' -> (42, 300); '—/30个' -> (None, 30)."""
    m = re.fullmatch(r"(?P<value>[-\d.e+]+|—)/(?P<target>[\d.]+)\D*", text)
    assert m, f"not a target figure: {text!r}"
    value = None if m.group("value") == "—" else float(m.group("value"))
    return value, float(m.group("target"))


# ---------------------------------------------------------------- command-line tables


def plain_table(text: str) -> tuple[list[str], list[list[str]]]:
    """(the head line's words, the rows) of the first table in `text` (rows up to a blank)."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"[- ]+", line) and line)
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        rows.append(line.split())
    return lines[rule - 1].split(), rows


# ---------------------------------------------------------------- documents


def ledger_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of the ledger as rows of cell values (openpyxl), title rows included."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in book.worksheets}


def as_day(value: Any) -> date | Any:
    return value.date() if isinstance(value, datetime) else value


def bulletin_parts(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """(every paragraph's text, every table as rows of cell texts) of the bulletin."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    return paragraphs, tables


def tables_with(tables: list[list[list[str]]], heads: list[str]) -> list[list[list[str]]]:
    """The rows (header left out) of every table whose header row is `heads`, in order."""
    return [t[1:] for t in tables if t and t[0] == heads]


def table_with(tables: list[list[list[str]]], heads: list[str]) -> list[list[str]] | None:
    """The rows (header left out) of the one table whose header row is `heads`."""
    found = tables_with(tables, heads)
    assert len(found) <= 1, f"{len(found)} tables headed {heads}"
    return found[0] if found else None

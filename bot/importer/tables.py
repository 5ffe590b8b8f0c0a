"""分工 tables in a document's text: one row per line ("1 | 任务 | 市教育局 | 2023年底前", cells split
by "|", tabs or runs of spaces), or one cell per line ending in "|" (how web pages and Word's
"save as text" render tables; the .docx reader writes its tables in the first form).

A table counts when its header row names a task column and an owner column in any wording the
synonyms table knows (labels.yaml). Rows with fewer cells than the header (cells merged down, as
web pages drop them) are aligned to the columns by what each cell holds, in order; a column a
row leaves out keeps the value of the row above (a merged cell carried down).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.importer.labels import OWNER_ROLES, TASK_ROLES, Labels

# Inside a cell, the .docx reader joins the cell's paragraphs with this (a line break that is
# not a line of the document).
CELL_BREAK = "\u2028"
_SPACES = re.compile(r"(?:[ \u3000]{2,}|\t)")
_RULE = re.compile(r"^[\s|:：\-—=+]+$")  # a markdown rule line "---|---|"
_NUMBER = re.compile(r"^[（(]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）.、．]?$")
_DEADLINE_HINT = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月|年底|年末|年内|上半年|下半年|季度|长期|持续|常态|每年|每月|每季|每半年|"
    r"逐年|前完成|底前|立即|即时|全年")


@dataclass
class Column:
    header: str
    role: str | None


@dataclass
class Row:
    line: int  # 1-based line of the document where the row starts
    cells: list[str]  # one per column, merged-down values filled in
    carried: set[int] = field(default_factory=set)  # columns whose value came from the row above
    heading: bool = False  # a row that spans the table (a section title inside the table)

    def text(self, col: int) -> str:
        return self.cells[col].strip() if col < len(self.cells) else ""


@dataclass
class Table:
    start: int  # index of the header line (0-based)
    end: int  # index after the last line of the table
    columns: list[Column]
    rows: list[Row]

    def first(self, *roles: str) -> int | None:
        return next((i for i, c in enumerate(self.columns) if c.role in roles), None)

    def all(self, role: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.role == role]


def split_cells(line: str) -> list[str] | None:
    """The cells of a row written on one line, or None when the line is not one."""
    text = line.strip()
    if "|" in text:
        framed = text.startswith("|") and text.endswith("|") and len(text) > 2
        text = text[1:] if text.startswith("|") else text
        text = text[:-1] if text.endswith("|") else text
        cells = [c.strip() for c in text.split("|")]
        # "| 一、经济发展 |": a row of one cell across the table (a section title)
        return cells if len(cells) >= 2 or framed else None
    if "\t" in line or _SPACES.search(text):
        cells = [c.strip() for c in _SPACES.split(text)]
        return cells if len([c for c in cells if c]) >= 2 else None
    return None


def _cell_line(line: str) -> str | None:
    """A line holding one cell of a one-cell-per-line table ("县教育局 |")."""
    text = line.strip()
    if text.endswith("|") and text.count("|") == 1:
        return text[:-1].strip()
    if text == "|":
        return ""
    return None


def _roles(headers: list[str], labels: Labels) -> list[Column] | None:
    columns = [Column(h, labels.role(h)) for h in headers]
    roles = {c.role for c in columns}
    if roles & set(TASK_ROLES) and roles & set(OWNER_ROLES):
        return columns
    return None


def find_tables(lines: list[str], labels: Labels,
                is_units: Callable[[str], bool]) -> list[Table]:
    """Every 分工 table in the lines, in order."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        table = _row_table(lines, i, labels, is_units) or _cell_table(lines, i, labels, is_units)
        if table is None:
            i += 1
            continue
        tables.append(table)
        i = max(table.end, i + 1)
    return tables


def _row_table(lines: list[str], i: int, labels: Labels,
               is_units: Callable[[str], bool]) -> Table | None:
    headers = split_cells(lines[i])
    if not headers:
        return None
    columns = _roles(headers, labels)
    if columns is None:
        return None
    sep = "|" if "|" in lines[i] else None
    rows: list[Row] = []
    j = i + 1
    # A header of two rows ("责任单位" over "牵头单位 | 配合单位"): the second names the columns.
    second = split_cells(lines[j]) if j < len(lines) else None
    if second and len(second) >= len(columns) and all(
            labels.role(c) is not None for c in second if c.strip()):
        finer = _roles(second, labels)
        if finer is not None:
            columns = finer
            j += 1
    while j < len(lines):
        line = lines[j]
        if not line.strip():
            j += 1
            continue
        if _RULE.match(line):
            j += 1
            continue
        cells = split_cells(line)
        if cells is None or (sep == "|" and "|" not in line):
            if rows and sep is None and not _looks_numbered(line):
                # a long cell wrapped onto the next line (text saved from Word or a PDF)
                _append_wrapped(rows[-1], line.strip(), columns)
                j += 1
                continue
            break
        rows.append(_row(cells, columns, rows[-1] if rows else None, j + 1, is_units))
        j += 1
    if not rows:
        return None
    return Table(i, j, columns, rows)


def _cell_table(lines: list[str], i: int, labels: Labels,
                is_units: Callable[[str], bool]) -> Table | None:
    headers: list[str] = []
    j = i
    while j < len(lines):
        cell = _cell_line(lines[j])
        if cell is None or labels.role(cell) is None:
            break
        headers.append(cell)
        j += 1
    columns = _roles(headers, labels) if len(headers) >= 2 else None
    if columns is None:
        return None
    cells: list[tuple[str, int]] = []
    while j < len(lines):
        if not lines[j].strip():
            j += 1
            continue
        cell = _cell_line(lines[j])
        if cell is None:
            break
        cells.append((cell, j + 1))
        j += 1
    numbered = columns[0].role == "number"
    chunks: list[list[tuple[str, int]]] = []
    for cell, line in cells:
        starts = not chunks or (len(chunks[-1]) >= len(columns)) or (
            numbered and _NUMBER.match(cell) and len(chunks[-1]) >= 2)
        if starts:
            chunks.append([])
        chunks[-1].append((cell, line))
    rows: list[Row] = []
    for chunk in chunks:
        rows.append(_row([c for c, _ in chunk], columns, rows[-1] if rows else None,
                         chunk[0][1], is_units))
    if not rows:
        return None
    return Table(i, j, columns, rows)


def _looks_numbered(line: str) -> bool:
    return bool(re.match(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])", line))


def _append_wrapped(row: Row, text: str, columns: list[Column]) -> None:
    col = next((k for k, c in enumerate(columns) if c.role == "measure"), None)
    if col is None:
        col = next((k for k, c in enumerate(columns) if c.role == "task"), 0)
    row.cells[col] = row.cells[col] + text


def _kind(cell: str, is_units: Callable[[str], bool]) -> str:
    text = cell.strip()
    if not text:
        return "empty"
    if _NUMBER.match(text):
        return "number"
    if len(text) <= 30 and _DEADLINE_HINT.search(text) and not re.search(r"[。；;]", text):
        return "deadline"
    if len(text) <= 60 and is_units(text):
        return "units"
    if len(text) <= 4 and re.fullmatch(r"[\u4e00-\u9fff\s、，]+", text):
        return "person"
    return "text"


_SCORE = {
    "number": {"number": 4},
    "deadline": {"deadline": 4, "text": 0, "empty": 1},
    "lead": {"units": 4, "text": 0, "empty": 1, "person": 1},
    "responsible": {"units": 4, "text": 0, "empty": 1, "person": 1},
    "support": {"units": 4, "text": 0, "empty": 1, "person": 1},
    "task": {"text": 3, "units": 1, "deadline": 0, "empty": 0},  # a measure column wins a text
    "measure": {"text": 4, "units": 1, "deadline": 0, "empty": 0},
    "person": {"person": 3, "units": 1, "empty": 1, "text": 0},
    "note": {"text": 1, "empty": 1, "units": 0, "deadline": 0, "person": 0},
    None: {"text": 0, "empty": 1, "units": 0, "deadline": 0, "person": 0, "number": 0},
}
_BAD = -6


def _align(kinds: list[str], columns: list[Column]) -> list[int]:
    """The column of each cell when a row has fewer cells than the header: cells keep their
    order, each goes where its kind fits best (dynamic programming over cells x columns)."""
    n, m = len(kinds), len(columns)
    best = [[float("-inf")] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], int] = {}
    for j in range(m + 1):
        best[0][j] = 0
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            for k in range(i - 1, j):  # cell i-1 goes to column k
                if best[i - 1][k] == float("-inf"):
                    continue
                score = best[i - 1][k] + _SCORE.get(columns[k].role, _SCORE[None]).get(
                    kinds[i - 1], _BAD)
                if score > best[i][j]:
                    best[i][j] = score
                    back[(i, j)] = k
    out = [0] * n
    j = m
    for i in range(n, 0, -1):
        k = back[(i, j)]
        out[i - 1] = k
        j = k
    return out


def _row(cells: list[str], columns: list[Column], above: Row | None, line: int,
         is_units: Callable[[str], bool]) -> Row:
    m = len(columns)
    non_empty = [c for c in cells if c.strip()]
    if len(non_empty) == 1 or (len(set(non_empty)) == 1 and len(non_empty) > 1):
        # one cell across the table: a section title ("一、经济发展")
        return Row(line, [non_empty[0]] + [""] * (m - 1), heading=True)
    if len(cells) > m:  # more cells than headers: extra ones belong to the last column
        cells = cells[: m - 1] + ["".join(cells[m - 1:])]
    if len(cells) == m:
        placed = list(range(m))
    else:
        placed = _align([_kind(c, is_units) for c in cells], columns)
    out = [""] * m
    for cell, col in zip(cells, placed, strict=True):
        out[col] = cell
    carried: set[int] = set()
    if above is not None and not above.heading:
        for col in range(m):
            if col not in placed and above.cells[col]:
                out[col] = above.cells[col]
                carried.add(col)
    return Row(line, out, carried)

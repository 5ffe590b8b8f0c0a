"""Read a plan document as text: plain text in UTF-8 or GB18030, or a .docx (paragraphs and tables).

Limits, checked before anything is read into memory, so a wrong or hostile file is refused in a
moment with a message rather than read for minutes: text of at most MAX_TEXT_BYTES on disk, a
.docx of at most MAX_BYTES whose parts unpack to at most MAX_DOCX_UNPACKED (its XML to at most
MAX_DOCX_XML) in at most MAX_DOCX_PARTS parts, and at most MAX_CHARS characters of text either
way. The longest plans and 分工 tables are well under 100,000 characters (the Quanzhou plan is
4,000); a document at the limit is drafted in a few seconds (bench/importer_limits.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from bot.importer.messages import ImporterError
from bot.importer.tables import CELL_BREAK

MAX_BYTES = 20 * 1024 * 1024  # a .docx with photographs of seals may be a few MB
MAX_TEXT_BYTES = 1024 * 1024  # plain text on disk: 300,000 characters in UTF-8 fit
MAX_CHARS = 300_000
MAX_DOCX_XML = 16 * 1024 * 1024  # a heavily formatted 300,000-character document is about 10 MB
MAX_DOCX_UNPACKED = 48 * 1024 * 1024
MAX_DOCX_PARTS = 2000


class DocumentError(ImporterError):
    """The document cannot be read; the message says why."""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def decode(data: bytes) -> str:
    """UTF-8 first (a BOM is dropped), then GB18030, which also covers GBK and GB2312."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("error.encoding")


def _table_lines(table) -> list[str]:
    """A table, one line per row with cells between "|" (read back by tables.py); a cell's own
    lines joined by CELL_BREAK. Cells merged across columns appear once, merged down the rows
    in every row they cover (python-docx repeats them), so each row stands on its own."""
    lines = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue  # one cell spanning several columns
            previous = cell._tc
            text = CELL_BREAK.join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(text.replace("|", "｜"))
        if any(cells):
            lines.append("| " + " | ".join(cells) + " |")
    return lines


_CN_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "taiwanese", "japanese")):
        return _chinese(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(ord("①") + n - 1)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    return str(n)


class _Numbering:
    """Word's automatic numbering (一、 （一） 1. typed by Word, not in the paragraph's text),
    rendered from numbering.xml so the structure reader sees what the reader of the page sees."""

    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counts: dict[str, list[int]] = {}
        # numbering a paragraph style carries, by style id, read once (python-docx's own style
        # lookup scans every style for each paragraph)
        self.style_numbering: dict[str, object] = {}
        W = self.W
        try:
            for style in document.styles.element.findall(f"{W}style"):
                ppr = style.find(f"{W}pPr")
                num_pr = ppr.find(f"{W}numPr") if ppr is not None else None
                if num_pr is not None:
                    self.style_numbering[style.get(f"{W}styleId")] = num_pr
        except (KeyError, NotImplementedError, AttributeError):
            pass
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        W = self.W
        abstract = {}
        for a in root.findall(f"{W}abstractNum"):
            lv = {}
            for lvl in a.findall(f"{W}lvl"):
                fmt = lvl.find(f"{W}numFmt")
                text = lvl.find(f"{W}lvlText")
                start = lvl.find(f"{W}start")
                lv[int(lvl.get(f"{W}ilvl"))] = (
                    fmt.get(f"{W}val") if fmt is not None else "decimal",
                    text.get(f"{W}val") if text is not None else "",
                    int(start.get(f"{W}val")) if start is not None else 1,
                )
            abstract[a.get(f"{W}abstractNumId")] = lv
        for num in root.findall(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None and ref.get(f"{W}val") in abstract:
                self.levels[num.get(f"{W}numId")] = abstract[ref.get(f"{W}val")]

    def prefix(self, paragraph) -> str:
        W = self.W
        ppr = paragraph._p.pPr
        num_pr = ppr.find(f"{W}numPr") if ppr is not None else None
        if num_pr is None and self.style_numbering:
            style = ppr.find(f"{W}pStyle") if ppr is not None else None
            num_pr = self.style_numbering.get(style.get(f"{W}val") if style is not None else "")
        if num_pr is None:
            return ""
        num_id = num_pr.find(f"{W}numId")
        ilvl = num_pr.find(f"{W}ilvl")
        key = num_id.get(f"{W}val") if num_id is not None else None
        level = int(ilvl.get(f"{W}val")) if ilvl is not None else 0
        levels = self.levels.get(key or "")
        if key is None or not levels or level not in levels:
            return ""
        counts = self.counts.setdefault(key, [0] * 9)
        counts[level] = counts[level] + 1 if counts[level] else levels[level][2]
        for deeper in range(level + 1, 9):
            counts[deeper] = 0
        fmt, text, _ = levels[level]
        if fmt in ("none", "bullet"):
            return ""
        for i in range(level + 1):
            if f"%{i + 1}" in text:
                sub_fmt = levels.get(i, (fmt, "", 1))[0]
                text = text.replace(f"%{i + 1}", _format_number(counts[i] or 1, sub_fmt))
        return text


def check_docx(path: Path) -> None:
    """Refuse a .docx that would unpack to more than the limits (a "zip bomb"), from the sizes
    its directory declares; zipfile never inflates a part past its declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("error.docx_open", reason=str(exc)) from exc
    if len(parts) > MAX_DOCX_PARTS:
        raise DocumentError("error.docx_parts", count=len(parts), limit=MAX_DOCX_PARTS)
    xml = sum(p.file_size for p in parts if p.filename.endswith((".xml", ".rels")))
    total = sum(p.file_size for p in parts)
    if xml > MAX_DOCX_XML:
        raise DocumentError("error.docx_too_large", size=_size(xml), limit=_size(MAX_DOCX_XML))
    if total > MAX_DOCX_UNPACKED:
        raise DocumentError("error.docx_too_large", size=_size(total),
                            limit=_size(MAX_DOCX_UNPACKED))


def read_docx(path: Path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_docx(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise DocumentError("error.docx_open", reason=str(exc)) from exc
    lines: list[str] = []
    chars = 0
    numbering = _Numbering(document)
    # Body order matters: a table sits after the item it distributes.
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            lines.append(numbering.prefix(paragraph) + paragraph.text)
        elif tag == "tbl":
            lines.extend(_table_lines(Table(block, document)))
        else:
            continue
        chars += len(lines[-1]) if lines else 0
        if chars > MAX_CHARS:
            raise DocumentError("error.too_many_chars", limit=f"{MAX_CHARS:,}")
    return "\n".join(lines)


def read_document(path: str | Path) -> str:
    """The document's text, lines as in the source; raises DocumentError with a clear reason."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError("error.no_file", path=str(path))
    size = path.stat().st_size
    docx_file = path.suffix.lower() == ".docx" or (size >= 4 and _is_zip(path))
    limit = MAX_BYTES if docx_file else MAX_TEXT_BYTES
    if size > limit:
        raise DocumentError("error.too_large", path=path.name, size=_size(size), limit=_size(limit))
    if docx_file:
        return read_docx(path)
    if path.suffix.lower() == ".doc":
        raise DocumentError("error.old_doc")
    text = decode(path.read_bytes())
    if len(text) > MAX_CHARS:
        raise DocumentError("error.too_many_chars", limit=f"{MAX_CHARS:,}")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"

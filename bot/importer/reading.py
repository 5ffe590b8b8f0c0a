"""Read a plan document as text: plain text in UTF-8 or GB18030, or a .docx (paragraphs and tables)."""

from __future__ import annotations

from pathlib import Path

# Column headers of a 分工 (division of work) table, mapped to the labels the line reader knows.
TABLE_LABELS = {
    "任务": "任务", "工作任务": "任务", "重点任务": "任务", "具体任务": "任务", "任务内容": "任务",
    "主要任务": "任务", "工作内容": "任务", "具体措施": "任务", "工作措施": "任务",
    "牵头单位": "牵头单位", "牵头部门": "牵头单位", "责任单位": "责任单位",
    "责任部门": "责任单位", "配合单位": "配合单位", "配合部门": "配合单位",
    "参与单位": "配合单位", "协办单位": "配合单位", "完成时限": "完成时限",
    "完成时间": "完成时限", "时间节点": "完成时限", "时限要求": "完成时限",
}


class DocumentError(ValueError):
    """The document cannot be read; the message says why, in Chinese then English."""


def decode(data: bytes) -> str:
    """UTF-8 first (a BOM is dropped), then GB18030, which also covers GBK and GB2312."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("无法识别文件编码(仅支持 UTF-8 与 GB18030) / "
                        "Unknown text encoding (UTF-8 and GB18030 are supported)")


def _table_lines(table) -> list[str]:
    """A 分工 table becomes one labelled line per row ("任务：…；牵头单位：…"), other tables
    one line per row with cells joined by spaces; cell text is kept verbatim for the quotes."""
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    if not rows:
        return []
    header = [TABLE_LABELS.get(cell.replace(" ", "")) for cell in rows[0]]
    if "任务" in header and any(h in ("牵头单位", "责任单位") for h in header):
        lines = []
        for row in rows[1:]:
            parts = [f"{label}：{cell}" for label, cell in zip(header, row, strict=False)
                     if label and cell]
            if parts:
                lines.append("；".join(parts))
        return lines
    return [" ".join(dict.fromkeys(c for c in row if c)) for row in rows]


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
        num_pr = None
        for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None)):
            ppr = holder if holder is None or holder.tag.endswith("pPr") else holder.find(f"{W}pPr")
            if ppr is not None and ppr.find(f"{W}numPr") is not None:
                num_pr = ppr.find(f"{W}numPr")
                break
        if num_pr is None:
            return ""
        num_id = num_pr.find(f"{W}numId")
        ilvl = num_pr.find(f"{W}ilvl")
        key = num_id.get(f"{W}val") if num_id is not None else None
        level = int(ilvl.get(f"{W}val")) if ilvl is not None else 0
        levels = self.levels.get(key or "")
        if not levels or level not in levels:
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


def read_docx(path: Path) -> str:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a declared dependency
        raise DocumentError("读取 .docx 需要 python-docx / python-docx is needed for .docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise DocumentError(f"无法打开 .docx 文件 / Cannot open the .docx file: {exc}") from exc
    lines: list[str] = []
    numbering = _Numbering(document)
    # Body order matters: a table sits after the item it distributes.
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            lines.append(numbering.prefix(paragraph) + paragraph.text)
        elif tag == "tbl":
            lines.extend(_table_lines(Table(block, document)))
    return "\n".join(lines)


def read_document(path: str | Path) -> str:
    """The document's text, lines as in the source; raises DocumentError with a clear reason."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"找不到文件 / No such file: {path}")
    if path.suffix.lower() == ".docx":
        return read_docx(path)
    if path.suffix.lower() == ".doc":
        raise DocumentError("不支持旧版 .doc,请另存为 .docx 或纯文本 / "
                            "Old .doc files are not supported: save as .docx or plain text")
    text = decode(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")

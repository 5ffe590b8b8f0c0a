"""The document's shape: its header facts (文号, issue date, title, level, city), its numbering
(一、 / （一） / 1. / （1）, which becomes each task's clause "二(一)1(1)"), and sentences."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

CN_NUM = "一二三四五六七八九十"
NUMBERING = [
    re.compile(rf"^(?P<n>[{CN_NUM}]+)\s*[、.．]"),
    re.compile(rf"^[（(]\s*(?P<n>[{CN_NUM}]+)\s*[）)]"),
    re.compile(r"^(?P<n>\d{1,2})\s*[.．、](?!\d)"),
    re.compile(r"^(?:[（(]\s*(?P<n>\d{1,2})\s*[）)]|(?P<m>\d{1,2})[）)]|(?P<c>[①-⑳]))"),
]
WENHAO_RE = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［](?P<y>\d{4})[〕\]］]\s*\d+\s*号")
DATE_LINE_RE = re.compile(r"^\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(印发)?\s*$")
META_DATE_RE = re.compile(r"(?:成文日期|发布日期|公文生成日期|印发日期|发布时间|发文日期|生成日期)\s*[:：]?\s*"
                          r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
TITLE_RE = re.compile(r"^[^，,。；;：:]{4,60}(?:实施方案|工作方案|分工方案|行动方案|方案|意见|通知|计划|办法|规划)$")
NATIONAL_RE = re.compile(r"^(国发|国办发|国办函|国函|中发|中办发)")
OPEN = "（(“《〔[【‘"
CLOSE = "）)”》〕]】’"


@dataclass
class Header:
    document: str | None  # 文号
    issued: dt.date | None
    issued_from: str  # where the issue date came from
    title: str | None
    level: str  # national | local
    city: str | None
    body_start: int  # index of the first line of the body (the first 一、)


def numbering(line: str) -> tuple[int, str, str] | None:
    """(level 0-3, the number as written, rest of the line) for a numbered line."""
    for level, pattern in enumerate(NUMBERING):
        m = pattern.match(line)
        if m:
            n = m.group("n") or m.groupdict().get("m")
            if n is None and m.groupdict().get("c"):
                n = str(ord(m.group("c")) - ord("①") + 1)
            assert n is not None  # every pattern captures n, m or c
            return level, n, line[m.end():]
    return None


def clause_label(path: list[str | None]) -> str:
    out = ""
    for level, n in enumerate(path):
        if n is None:
            continue
        out += f"({n})" if level in (1, 3) else n
    return out or "—"


def read_header(lines: list[str], issued: dt.date | None) -> Header:
    text = "\n".join(lines)
    m = WENHAO_RE.search(text)
    document = m.group(0) if m else None
    # A covering notice (通知) signed and dated before the plan it sends: the plan starts after
    # the notice's date line; what the notice asks of "各责任单位" is not the plan's duties.
    after = _after_notice(lines)
    body_start = next((i for i, line in enumerate(lines[after:], after)
                       if (n := numbering(line.strip())) and n[0] == 0 and n[1] == "一"), None)
    if body_start is None:  # no 一、: the first numbered line, else after the addressee line
        body_start = next((i for i, line in enumerate(lines[after:], after)
                           if numbering(line.strip())), None)
    if body_start is None and after:
        body_start = after
    if body_start is None:
        body_start = next((i + 1 for i, line in enumerate(lines[:30])
                           if line.strip().endswith(("：", ":"))), 0)
    title = None
    head = lines[:body_start] if body_start else lines[:15]
    for i, line in enumerate(head):
        if TITLE_RE.match(line.strip()):
            title = line.strip()
            before = head[i - 1].strip() if i else ""
            if before and not re.search(r"[，,。；;：:#〔()（）]", before) and len(before) < 30:
                title = before + title  # a title broken over two lines
    issued_from = "--issued"
    if issued is None:
        issued_from = "date line"
        for line in lines:
            dm = DATE_LINE_RE.match(line) or DATE_LINE_RE.match(line.split(" ")[-1])
            if dm:
                try:
                    issued = dt.date(int(dm["y"]), int(dm["m"]), int(dm["d"]))
                    break
                except ValueError:
                    continue
    if issued is None and (mm := META_DATE_RE.search(text)):
        issued, issued_from = dt.date(int(mm[1]), int(mm[2]), int(mm[3])), "header"
    if issued is None and m:
        issued, issued_from = dt.date(int(m.group("y")), 1, 1), "文号 year"
    national = bool(document and NATIONAL_RE.match(document)) or "国务院各部委" in text[:2000]
    city = None if national else _city(text)
    return Header(document, issued, issued_from, title, "national" if national else "local",
                  city, body_start)


def _after_notice(lines: list[str]) -> int:
    """The index after a covering notice's date line (and its 此件公开发布 line) when a plan
    follows it; 0 when the document is not a notice with a plan after it."""
    for i, line in enumerate(lines[:200]):
        text = line.strip()
        if not (DATE_LINE_RE.match(text) or DATE_LINE_RE.match(text.split(" ")[-1])):
            continue
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or re.match(r"^[（(]此件.{0,8}[）)]$",
                                                                    lines[j].strip())):
            j += 1
        rest = lines[j:]
        if sum(1 for ln in rest if ln.strip()) >= 3 and any(
                numbering(ln.strip()) or "|" in ln or "\t" in ln for ln in rest):
            return j
        return 0
    return 0


def _city(text: str) -> str | None:
    counts = Counter(m.group(1) for m in re.finditer(r"([\u4e00-\u9fff]{2}市)", text)
                     if not re.search(r"(城市|都市|超市|各市|全市|本市|我市|该市|县市|省市|地市|设区市|级市|中市|个市)$",
                                      m.group(1)))
    if not counts:
        return None
    city, n = counts.most_common(1)[0]
    return city if n >= 2 else None


def spans(text: str, seps: str) -> list[tuple[int, int]]:
    """Split text at the separators that stand outside brackets and quotes; (start, end) spans
    with the separator left out, empty spans dropped."""
    out: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink a span past blanks and leading/trailing punctuation."""
    while a < b and text[a] in " \t\u3000，,、；;：:。":
        a += 1
    while b > a and text[b - 1] in " \t\u3000，,、；;：:。":
        b -= 1
    return a, b

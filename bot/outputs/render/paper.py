"""Words on paper: the small pieces the ledger and the bulletin share.

Dates as an official writes them (2023年5月15日; 15 May 2023 in English), full-width
punctuation in Chinese text (the plan's own titles included), lists joined with the reader's
separator, the width a line of text takes, and a title broken into lines between words (书名号
kept whole with the words beside them), as GB/T 9704-2012 7.3.1 asks ("回行时要做到词意完整，
排列对称，长短适宜").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache

from bot.language.i18n import t

_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
# ASCII punctuation that reads as Chinese: next to a Chinese character, or a bracket pair
# holding Chinese; digits keep theirs (1,000 and 10:30 stay).
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[,;:?!]|[,;:?!](?=[{_CJK}])")
_BRACKETS = re.compile(rf"\(([^()]*[{_CJK}][^()]*)\)")
_QUOTES = re.compile(r'"([^"\n]*)"')  # a pair of straight quotes in Chinese text
_YEAR_SPAN = re.compile(rf"(?<=\d)\s*[-~]\s*(?=\d+[{_CJK}])")  # 2022-2025年 → 2022—2025年
_HAS_CJK = re.compile(rf"[{_CJK}]")
_TOUCHED = re.compile(r'[(),;:?!"~-]')  # every character the rules above can change


def day_text(day: date | datetime | None, lang: str) -> str:
    """2023年5月15日 / 15 May 2023; '—' for no date."""
    if day is None:
        return "—"
    month = t("months", lang, html=False).split(",")[day.month - 1]
    return t("date_paper", lang, html=False, y=day.year, m=day.month, d=day.day, month=month)


def month_text(day: date | datetime, lang: str) -> str:
    """The month holding `day`: 2023年5月 / May 2023."""
    month = t("months", lang, html=False).split(",")[day.month - 1]
    return t("month_paper", lang, html=False, y=day.year, month=month)


def full_width(text: str) -> str:
    """Chinese text with Chinese punctuation: ASCII commas, colons, brackets and quotes that
    stand in Chinese become full-width; a 书名号 inside a title becomes 〈〉."""
    if not text or not _TOUCHED.search(text) or not _HAS_CJK.search(text):
        return text
    # each rule only where its marks are (the ledger runs this on every record's note)
    out = _BRACKETS.sub(r"（\1）", text) if "(" in text and ")" in text else text
    if '"' in out:
        out = _QUOTES.sub(r"“\1”", out)
    out = _PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group()], out)
    return _YEAR_SPAN.sub("—", out) if "-" in out or "~" in out else out


@cache  # the catalogues are read once (i18n.catalogue); the ledger asks once per record
def chinese_layout(lang: str) -> bool:
    """Whether the reader's catalogue sets text the Chinese way (full-width marks, 书名号)."""
    return t("layout.full_width", lang, html=False) == "yes"


def for_reader(text: str, lang: str) -> str:
    """Text from the record as the document prints it: Chinese punctuation in Chinese."""
    return full_width(text) if chinese_layout(lang) else text


def book_title(title: str, lang: str) -> str:
    """The plan's title as a title is quoted: 《…》 (nested ones as 〈〉), “…” in English."""
    inner = title.strip()
    if not chinese_layout(lang):
        bare = inner.strip('“”"')
        return f"“{bare}”"
    inner = full_width(inner)
    if inner.startswith("《") and inner.endswith("》"):
        inner = inner[1:-1]
    return f"《{inner.replace('《', '〈').replace('》', '〉')}》"


def joined(items: Iterable[str], lang: str) -> str:
    """'教育局、卫健委' / 'Education, Health'."""
    return t("layout.list_sep", lang, html=False).join(i for i in items if i)


def em_width(text: str) -> float:
    """How wide `text` is in ems: a Chinese or full-width character one em, ASCII half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


@cache
def _tokenizer():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _words(text: str) -> list[str]:
    """Words of a title, with opening brackets kept with the word after them and closing
    ones and punctuation with the word before (a line never starts with 》 or ，)."""
    if re.search(rf"[{_CJK}]", text):
        pieces = _tokenizer().lcut(text, HMM=True)
    else:
        pieces = re.findall(r"\S+\s*", text)
    words: list[str] = []
    carry = ""
    for piece in pieces:
        if piece in ("《", "〈", "（", "“") or (piece.strip() == "" and carry):
            carry += piece
            continue
        if words and (piece[0] in "》〉）”，、：；。！？" or not piece.strip()):
            words[-1] += carry + piece
            carry = ""
            continue
        words.append(carry + piece)
        carry = ""
    if carry:
        words.append(carry)
    return words


def title_lines(text: str, max_em: float) -> list[str]:
    """The title in as few lines of at most `max_em` as it takes, broken between words, the
    lines as even as they can be (the longest as short as possible; on a tie, the upper lines
    longer, as an inverted trapezoid)."""
    if em_width(text) <= max_em:
        return [text]
    words = _words(text)
    widths = [em_width(w) for w in words]
    best: tuple[float, list[float], list[int]] | None = None
    for lines in range(2, len(words) + 1):
        for cuts in _cuts(len(words), lines):
            bounds = [0, *cuts, len(words)]
            sizes = [sum(widths[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
            if max(sizes) > max_em:
                continue
            key = (max(sizes), [-s for s in sizes])
            if best is None or key < best[:2]:
                best = (*key, cuts)
        if best is not None:
            bounds = [0, *best[2], len(words)]
            return ["".join(words[a:b]).strip() for a, b in zip(bounds, bounds[1:],
                                                               strict=False)]
        if lines >= 4:
            break
    return [text]  # a word longer than a line: leave the breaking to the reader


def _cuts(n: int, lines: int) -> Iterable[list[int]]:
    if lines == 1:
        yield []
        return
    if lines == 2:
        for i in range(1, n):
            yield [i]
        return
    for i in range(1, n - lines + 2):
        for rest in _cuts(n - i, lines - 1):
            yield [i, *(i + r for r in rest)]


def notice_tasks(tasks: Iterable[str], marks: Iterable[tuple[str, str]], lang: str) -> str:
    """A 交办单's or 督办单's tasks as it was sent, each marked with what became of it since
    (bot.domain.facts.notice_marks): 'T01、T16（已销号）' / 'T01, T16 (closed)'. Every list of
    notices (the queues, the late list, the bulletin, the scores) names them through this."""
    marked = dict(marks)

    def named(task_id: str) -> str:
        if task_id not in marked:
            return task_id
        return t("notice_task_marked", lang, html=False, task=task_id,
                 mark=t(f"notice_mark.{marked[task_id]}", lang, html=False))

    return joined(map(named, tasks), lang)

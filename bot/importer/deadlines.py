"""Deadlines in a plan's text, read by the project's own parser (bot.language.dates.parse_deadline).

The importer only finds the phrases and tidies their wording; the date itself always comes from
parse_deadline with the document's issue date as "now", so a draft reads "6月底前" exactly as
/deadline does. Dates before the issue date are history ("2018年11月，党中央…"), not deadlines.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.importer.messages import Msg, msg
from bot.language.dates import parse_deadline

TZ = ZoneInfo("Asia/Shanghai")

_PERIOD = r"(?:上半年|下半年|年底|年末|底|末|第?[一二三四1-4]季度|内)"
_YMD = r"(?P<y>\d{4})\s*年(?:\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?)?"
# A dated phrase: a year, perhaps a month and day, perhaps a period, perhaps 前/之前/以前.
DATE_RE = re.compile(
    r"(?P<lead>到|至|在|于|截至|截止到?)?\s*" + _YMD +
    r"(?P<period>\s*" + _PERIOD + r")?(?P<before>\s*(?:前|之前|以前))?"
    r"(?:\s*至\s*(?:(?P<y2>\d{4})\s*年)?\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日)?"
)
# Without a year: counted from the issue date (6月底前, 年底前, 上半年).
YEARLESS_RE = re.compile(
    r"(?P<lead>到|在|于|截至)?\s*(?P<what>(?:今年|本年)?(?:年底|年内|上半年|下半年)|"
    r"(?<![\d年])\d{1,2}\s*月(?:底|末|\d{1,2}日)?)(?P<before>\s*(?:前|之前|以前))"
)
# Counted from the document itself: "在本意见印发之日起30日内", "本方案发布后3个月内".
RELATIVE_RE = re.compile(
    r"(?:自|从|在)?本(?:意见|方案|通知|办法|规划|计划|决定|细则)(?:印发|发布|下发|实施)(?:之日起|后)\s*"
    r"(?P<n>\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?P<unit>个工作日|日|天|个月|周)(?:内|以内)")
_CN = {c: i for i, c in enumerate("零一二三四五六七八九十")}
# A year that is a start, not an end: 从2019年1月1日起, 自2019年起.
STARTS = re.compile(r"^\s*(?:起|开始|以来|来)")
# A bare year opening what is to be done by then: "2020年初步建成300个…", "2021年全面完成…".
COMPLETES = re.compile(r"^\s*(?:要|将|力争|争取|)?(?:初步|基本|全面|全部|率先|)(?:建成|完成|实现|达到|形成|"
                       r"建立|覆盖|消除|取消|启动)")


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str  # as in the document
    date: dt.date | None
    review: Msg | None = None


def _normalise(m: re.Match[str]) -> str:
    """The phrase in a form parse_deadline reads: no 到/于 lead, a range read at its end,
    "2025年内" as "2025年底", a bare "到2025年" as "2025年底"."""
    if m.group("m2"):
        return f"{m.group('y2') or m.group('y')}年{m.group('m2')}月{m.group('d2')}日"
    text = m.group(0)
    text = text[len(m.group("lead") or ""):].strip().replace(" ", "")
    text = re.sub(r"年内$", "年底", text)
    text = re.sub(r"年年(底|末)", r"年\1", text)  # 2023年年底前
    if m.group("lead") in ("到", "至") and not m.group("m") and not m.group("period"):
        text = re.sub(r"年(前|之前|以前)?$", "年底", text)
    return text


@lru_cache(maxsize=8192)
def find_deadlines(text: str, issued: dt.date) -> list[Found]:
    """Every deadline phrase in text, in order, each read relative to the issue date (cached:
    a sentence, its clauses and their pieces ask again; callers do not change the list)."""
    now = dt.datetime.combine(issued, dt.time(0, 0), TZ)
    out: list[Found] = []
    seen: list[tuple[int, int]] = []  # every dated phrase, past ones included
    masked = mask_references(text)
    for m in DATE_RE.finditer(masked):
        after = masked[m.end():]
        bare = not (m.group("lead") or m.group("period") or m.group("before") or m.group("d")
                    or m.group("m2"))
        if STARTS.match(after) or (m.group("lead") in ("在",) and bare):
            continue
        if bare and not re.match(r"\s*[，,]", after) and not COMPLETES.match(after):
            # "2019年实现…" mid-sentence is a year, not a deadline; "2019年，" opening a clause is
            continue
        if re.match(r"\s*[—–-]", after) or re.search(r"\d\s*[—–-]\s*$", masked[: m.start()]):
            continue  # 2019—2022年: a period of validity
        seen.append((m.start(), m.end()))
        found = _read(m, _normalise(m), now, text)
        if found is not None and m.group("m2") and found.review is None:
            # "2019年1月1日至12月31日，对…返还": a policy's window; its end may not be a deliverable
            found = Found(found.start, found.end, found.text, found.date,
                          msg("review.window_end", text=found.text.strip()))
        if found is not None:
            out.append(found)
    for m in RELATIVE_RE.finditer(masked):
        due = _relative(m, issued)
        if due is not None:
            seen.append((m.start(), m.end()))
            out.append(Found(m.start(), m.end(), text[m.start():m.end()], due))
    for m in YEARLESS_RE.finditer(masked):
        if any(a <= m.start() < b for a, b in seen):
            continue
        phrase = m.group(0)[len(m.group("lead") or ""):].strip()
        read = _read(m, re.sub(r"^(今年|本年)(年底|年末)?", r"\2", phrase) or phrase, now, text)
        if read is not None:
            out.append(read)
    return sorted(out, key=lambda f: f.start)


def _relative(m: re.Match[str], issued: dt.date) -> dt.date | None:
    """The day "N日/个月/个工作日 after the document was issued" falls on."""
    raw = m.group("n")
    n = int(raw) if raw.isdigit() else (
        _CN.get(raw, 0) if len(raw) == 1 else
        (_CN.get(raw[0], 1) if raw[0] != "十" else 1) * 10 + (_CN.get(raw[-1], 0) if raw[-1] != "十" else 0))
    if n <= 0:
        return None
    unit = m.group("unit")
    if unit in ("日", "天"):
        return issued + dt.timedelta(days=n)
    if unit == "周":
        return issued + dt.timedelta(weeks=n)
    if unit == "个工作日":
        from bot.language.workdays import add_workdays

        return add_workdays(issued, n)
    month = issued.month - 1 + n
    year, month = issued.year + month // 12, month % 12 + 1
    day = min(issued.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                           31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return dt.date(year, month, day)


def _read(m: re.Match[str], phrase: str, now: dt.datetime, text: str) -> Found | None:
    try:
        deadline = parse_deadline(phrase, now)
    except ValueError as exc:
        if "已经过去" in str(exc) or "passed" in str(exc):
            return None  # before the issue date: history
        return Found(m.start(), m.end(), text[m.start():m.end()], None,
                     msg("review.deadline_unread", text=text[m.start():m.end()].strip()))
    review = (msg("review.deadline_ambiguous", text=text[m.start():m.end()].strip(),
                  date=deadline.date.isoformat()) if deadline.ambiguous else None)
    return Found(m.start(), m.end(), text[m.start():m.end()], deadline.date, review)


def mask_references(text: str) -> str:
    """Blank out 《titles》 and 〔文号〕 references (same length, so offsets stay true)."""
    def blank(m: re.Match[str]) -> str:
        return "□" * len(m.group(0))

    text = re.sub(r"《[^》]*》", blank, text)
    # a recurring day ("每年1月31日前", "每月25日前", "每季度末") is a recurrence, not one date
    text = re.sub(r"每(?:个)?(?:年度?|月|季度?|半年)\s*(?:\d{1,2}\s*月)?\s*\d{0,2}\s*(?:日|底|末)?(?:前|之前)?",
                  blank, text)
    text = re.sub(r"[〔\[]\d{4}[〕\]]\s*\d*号?", blank, text)
    return re.sub(r"[(（][^()（）]*\d{4}[—–-]\d{4}[^()（）]*[)）]", blank, text)

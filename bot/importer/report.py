"""The short report printed after an import, and the quote-overlap measure used to compare a
draft with a hand-written plan file."""

from __future__ import annotations

from dataclasses import dataclass

from bot.importer.extract import Draft
from bot.importer.writer import codes, title_of

OVERLAP = 0.6  # a hand-written task is covered when 60% of one of its quotes is in a draft quote


@dataclass
class Figures:
    departments: int
    units: int
    tasks: int
    with_lead: int
    dated: int
    targets: int
    recurring: int
    review: int


def figures(draft: Draft) -> Figures:
    _, order = codes(draft)
    return Figures(
        departments=sum(1 for _, u in order if u is not None and u.entry is not None),
        units=sum(1 for _, u in order if u is not None and u.entry is None),
        tasks=len(draft.tasks),
        with_lead=sum(1 for t in draft.tasks if t.lead is not None),
        dated=sum(1 for t in draft.tasks if t.due is not None),
        targets=sum(1 for t in draft.tasks if t.target is not None),
        recurring=sum(1 for t in draft.tasks if t.recurrence),
        review=sum(1 for t in draft.tasks if t.reviews),
    )


def render_report(draft: Draft, out_path: str, limit: int = 12) -> str:
    f = figures(draft)
    _, order = codes(draft)
    names = [(u.entry.short if u.entry else u.name) for _, u in order if u is not None]
    width = max(2, len(str(len(draft.tasks))))
    lines = [
        f"草稿已写入 draft written: {out_path}",
        f"发文日期 issued {draft.header.issued.isoformat()} ({draft.header.issued_from})"
        + (f" · 文号 {draft.header.document}" if draft.header.document else ""),
        f"部门 departments {f.departments} · 其他单位 other units {f.units}: {'、'.join(names) or '—'}",
        f"任务 tasks {f.tasks} · 有牵头单位 with a lead {f.with_lead} · 有期限 dated {f.dated} · "
        f"指标 targets {f.targets} · 周期 recurring {f.recurring} · 待核 to review {f.review}",
    ]
    flagged = [(i, t) for i, t in enumerate(draft.tasks, 1) if t.reviews]
    for i, task in flagged[:limit]:
        lines.append(f"  T{i:0{width}d} {title_of(task)[:24]} — {task.reviews[0]}")
    if len(flagged) > limit:
        lines.append(f"  … 另有 {len(flagged) - limit} 项待核 / {len(flagged) - limit} more to review "
                     "(search the draft for `review:`)")
    lines.append(f"核对后导入 review, then load: python -m bot seed {out_path}")
    return "\n".join(lines)


def _longest_common(a: str, b: str) -> int:
    """Length of the longest common substring (dynamic programming; quotes are short)."""
    best = 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, 1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def covered(quotes: list[str], draft_quotes: list[str]) -> bool:
    """True when one of the hand-written quotes is mostly (OVERLAP) inside one draft quote."""
    return any(_longest_common(q, d) >= OVERLAP * len(q) for q in quotes for d in draft_quotes)

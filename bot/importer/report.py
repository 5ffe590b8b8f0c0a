"""The short report printed after an import, and the quote-overlap measure used to compare a
draft with a hand-written plan file or a hand list of duties."""

from __future__ import annotations

from dataclasses import dataclass

from bot.importer.extract import Draft
from bot.importer.messages import say
from bot.importer.writer import lay_out, task_reviews, title_of

OVERLAP = 0.6  # a hand-written task is covered when 60% of one of its quotes is in a draft quote


@dataclass
class Figures:
    departments: int
    units: int
    tasks: int
    with_lead: int
    unassigned: int
    dated: int
    targets: int
    recurring: int
    review: int


def figures(draft: Draft) -> Figures:
    layout = lay_out(draft)
    units = [d.unit for d in layout.departments if d.unit is not None]
    return Figures(
        departments=sum(1 for u in units if u.entry is not None),
        units=sum(1 for u in units if u.entry is None),
        tasks=len(draft.tasks),
        with_lead=sum(1 for t in draft.tasks if t.lead is not None),
        unassigned=sum(1 for t in draft.tasks if t.lead is None),
        dated=sum(1 for t in draft.tasks if t.due is not None),
        targets=sum(1 for t in draft.tasks if t.target is not None),
        recurring=sum(1 for t in draft.tasks if t.recurrence),
        review=sum(1 for t in draft.tasks if task_reviews(t, layout, draft.issued)),
    )


def render_report(draft: Draft, out_path: str, lang: str = "zh", limit: int = 12,
                  notes: list[str] | None = None) -> str:
    f = figures(draft)
    layout = lay_out(draft)
    header = draft.header
    names = say("report.names_sep", lang).join(d.short for d in layout.departments
                                               if d.unit is not None) or "—"
    width = max(2, len(str(len(draft.tasks))))
    lines = [say("report.written", lang, path=out_path)]
    lines.append(say("report.issued", lang, date=draft.issued.isoformat(),
                     source=say(f"report.issued_from.{_source_key(header.issued_from)}", lang))
                 + (say("report.document", lang, document=header.document)
                    if header.document else ""))
    lines.extend(notes or [])
    lines.append(say("report.departments", lang, departments=f.departments, units=f.units,
                     names=names))
    lines.append(say("report.figures", lang, tasks=f.tasks, with_lead=f.with_lead,
                     unassigned=f.unassigned, dated=f.dated, targets=f.targets,
                     recurring=f.recurring, review=f.review))
    flagged = [(i, t) for i, t in enumerate(draft.tasks, 1)
               if task_reviews(t, layout, draft.issued)]
    for i, task in flagged[:limit]:
        first = task_reviews(task, layout, draft.issued)[0].text(lang)
        lines.append(say("report.flagged", lang, id=f"T{i:0{width}d}", line=task.line,
                         title=title_of(task)[:24], review=first))
    if len(flagged) > limit:
        lines.append(say("report.more_flagged", lang, count=len(flagged) - limit))
    lines.append(say("report.next", lang, path=out_path))
    return "\n".join(lines)


def _source_key(issued_from: str) -> str:
    return {"--issued": "option", "date line": "date_line", "header": "header",
            "文号 year": "wenhao", "today": "today"}.get(issued_from, "date_line")


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
    return any(q in d or _longest_common(q, d) >= OVERLAP * len(q)
               for q in quotes for d in draft_quotes)

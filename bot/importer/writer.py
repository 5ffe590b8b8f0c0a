"""The draft as a plan file `python -m bot seed` loads: departments first, then tasks."""

from __future__ import annotations

import json
import re

from bot.importer.directory import Unit
from bot.importer.extract import Draft, DraftTask

UNASSIGNED = "UNASSIGNED"
TITLE_CHARS = 40


def _s(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _num(value: float) -> str:
    return f"{value:g}"


def codes(draft: Draft) -> tuple[dict[str, str], list[tuple[str, Unit | None]]]:
    """Unit key -> department code, and the departments in order of first mention."""
    mapping: dict[str, str] = {}
    order: list[tuple[str, Unit | None]] = []
    n = 0
    for task in draft.tasks:
        for unit in [task.lead, *task.support]:
            if unit is None or unit.key in mapping:
                continue
            if unit.entry:
                code = unit.entry.code
            else:
                n += 1
                code = f"U{n:02d}"
            mapping[unit.key] = code
            order.append((code, unit))
    # Departments of the directory first, then bodies kept as named, then the placeholder.
    order.sort(key=lambda item: item[1] is not None and item[1].entry is None)
    if any(task.lead is None for task in draft.tasks):
        order.append((UNASSIGNED, None))
    return mapping, order


def title_of(task: DraftTask) -> str:
    """The quote itself, shortened: the subject ("财政部门要") and an opening date dropped."""
    text = task.quote[0]
    text = re.sub(r"^(到|至|在|于)?\d{4}年[^，,]{0,8}[，,]", "", text)
    m = re.match(r"^([^，,。；;“]{2,20}?)(要|应当|应)(?=[\u4e00-\u9fff])", text)
    if m and task.lead is not None and task.lead.name in m.group(1):
        text = text[m.end():]  # the owner is in `dept`; the title keeps the duty
    text = text.strip("，,、 ")
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def render(draft: Draft, source: str) -> str:
    header = draft.header
    mapping, departments = codes(draft)
    width = max(2, len(str(len(draft.tasks))))
    out: list[str] = [
        f"# Draft written by `python -m bot import-plan` from {source}.",
        "# Check every task against the plan, above all those with a `review` line, then load it",
        "# with `python -m bot seed FILE`. Field reference: the header of tasks_seed.yaml.",
        "",
        "plan:",
        f"  code: {_s('DRAFT-' + str(header.issued.year))}",
        f"  title: {_s(header.title or source)}",
        f"  document: {_s(header.document or '')}",
        f"  issued: {header.issued.isoformat()}  # from the {header.issued_from}",
        "",
        "departments:",
    ]
    for code, unit in departments:
        if unit is None:
            out += [f"  - code: {UNASSIGNED}  # tasks whose plan text names no unit",
                    f"    name: {_s('待定(方案未写明责任单位)')}", f"    short: {_s('待定')}",
                    "    name_en: To be assigned"]
            continue
        if unit.entry:
            entry = unit.entry
            aliases = [a for a in dict.fromkeys([unit.name, *entry.aliases])
                       if a not in (entry.full_name(header.city), entry.short)]
            out += [f"  - code: {code}", f"    name: {_s(entry.full_name(header.city))}",
                    f"    short: {_s(entry.short)}", f"    name_en: {_s(entry.name_en)}"]
            if aliases:
                out.append(f"    aliases: [{', '.join(_s(a) for a in aliases)}]")
        else:
            why = "listed unit" if unit.known else "NOT in the directory: check"
            out += [f"  - code: {code}  # not a department, kept as the plan names it ({why})",
                    f"    name: {_s(unit.name)}", f"    short: {_s(unit.name)}",
                    f"    name_en: {_s(unit.name)}"]
    out += ["", "tasks:"]
    for i, task in enumerate(draft.tasks, 1):
        out.append(f"  - id: T{i:0{width}d}")
        out.append(f"    dept: {mapping[task.lead.key] if task.lead else UNASSIGNED}")
        support = [mapping[u.key] for u in task.support if mapping.get(u.key)]
        if support:
            out.append(f"    with: [{', '.join(dict.fromkeys(support))}]")
        out.append(f"    title: {_s(title_of(task))}")
        out.append(f"    clause: {_s(task.clause)}")
        if len(task.quote) == 1:
            out.append(f"    quote: {_s(task.quote[0])}")
        else:
            out.append("    quote:")
            out += [f"      - {_s(q)}" for q in task.quote]
        if task.recurrence:
            rule = task.recurrence
            parts = [f"every: {rule['every']}"]
            if "on" in rule:
                parts.append(f"on: [{', '.join(_s(d) for d in rule['on'])}]")
            if "n" in rule:
                parts.append(f"n: {rule['n']}")
            out.append(f"    recurrence: {{{', '.join(parts)}}}")
        elif task.due:
            out.append(f"    due: {task.due.isoformat()}")
        if task.target:
            target = task.target
            parts = [f"value: {_num(target.value)}", f"unit: {_s(target.unit)}"]
            if task.metric:
                parts.append(f"metric: {_s(task.metric)}")
            parts.append(f"direction: {target.direction}")
            out.append(f"    target: {{{', '.join(parts)}}}")
        notes = list(dict.fromkeys(task.notes))
        if notes:
            out.append(f"    note: {_s('; '.join(notes))}")
        reviews = list(dict.fromkeys(task.reviews))
        if reviews:
            out.append(f"    review: {_s('; '.join(reviews))}")
    return "\n".join(out) + "\n"

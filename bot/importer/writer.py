"""The draft as a plan file `python -m bot seed` loads: departments first, then tasks.

The draft always loads: what the plan file's validator would refuse is mended here and said in
a `review:` line instead. Two units whose names the bot could not tell apart (各级政府 and
各级政府部门, once 部门 is dropped) become one department; a unit code the validator would
refuse gets a placeholder code; a deadline before the issue date is dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from bot.importer.directory import Unit
from bot.importer.extract import Draft, DraftTask
from bot.importer.messages import Msg, msg, say
from bot.language.names import name_key

UNASSIGNED = "UNASSIGNED"
TITLE_CHARS = 40
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")


def _s(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass
class Dept:
    code: str
    unit: Unit | None  # None: the placeholder 待定
    name: str
    short: str
    name_en: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """Unit key -> department code, the departments in order, and what was mended."""

    mapping: dict[str, str]
    departments: list[Dept]
    merged: dict[str, str] = field(default_factory=dict)  # unit name -> the name it joined


def codes(draft: Draft) -> tuple[dict[str, str], list[tuple[str, Unit | None]]]:
    layout = lay_out(draft)
    return layout.mapping, [(d.code, d.unit) for d in layout.departments]


def lay_out(draft: Draft) -> Layout:
    """The departments of the draft (computed once per draft; the report asks again)."""
    cached = getattr(draft, "_layout", None)
    if cached is not None and cached[0] == len(draft.tasks):
        return cached[1]
    layout = _lay_out(draft)
    draft._layout = (len(draft.tasks), layout)  # type: ignore[attr-defined]
    return layout


def _lay_out(draft: Draft) -> Layout:
    city = draft.header.city
    owners: dict[str, str] = {}  # name key -> code
    mapping: dict[str, str] = {}
    depts: list[Dept] = []
    merged: dict[str, str] = {}
    used: set[str] = set()
    n = 0
    units: list[Unit] = []
    keys: set[str] = set()
    for task in draft.tasks:
        for unit in [task.lead, *task.support]:
            if unit is not None and unit.key not in keys:
                keys.add(unit.key)
                units.append(unit)
    # Departments of the directory first, then bodies kept as named.
    units.sort(key=lambda u: u.entry is None)
    for unit in units:
        if unit.entry is not None and CODE_RE.match(unit.entry.code) and unit.entry.code not in used:
            entry = unit.entry
            code = entry.code
            name, short, name_en = entry.full_name(city), entry.short, entry.name_en
            aliases = [a for a in dict.fromkeys([unit.name, *entry.aliases])
                       if a not in (name, short)]
        else:
            n += 1
            code = f"U{n:02d}"
            name = short = name_en = unit.name
            aliases = []
        main = {name_key(name), name_key(short)} - {""}
        clash = next((owners[k] for k in main if k in owners), None)
        if clash is not None:
            # The bot could not tell the two names apart: one department, said in a review.
            mapping[unit.key] = clash
            merged[unit.name] = next(d.name for d in depts if d.code == clash)
            continue
        kept = []
        for alias in aliases:
            key = name_key(alias)
            if key and key not in owners and key not in main:
                kept.append(alias)
        if name_key(name_en) in owners:
            name_en = f"{name_en} ({code})"
        for key in main | {name_key(a) for a in kept} | {name_key(name_en)}:
            if key:
                owners.setdefault(key, code)
        used.add(code)
        mapping[unit.key] = code
        depts.append(Dept(code, unit, name, short, name_en, kept))
    if any(task.lead is None for task in draft.tasks):
        depts.append(Dept(UNASSIGNED, None, say("draft.unassigned_name", "zh"),
                          say("draft.unassigned_short", "zh"), say("draft.unassigned_name", "en")))
    return Layout(mapping, depts, merged)


def title_of(task: DraftTask) -> str:
    """The quote itself, shortened: the subject ("财政部门要") and an opening date dropped."""
    text = task.quote[0] if task.quote else task.heading
    text = re.sub(r"^(到|至|在|于)?\d{4}年[^，,]{0,8}[，,]", "", text)
    m = re.match(r"^([^，,。；;“]{2,20}?)(要|应当|应)(?=[\u4e00-\u9fff])", text)
    if m and task.lead is not None and task.lead.name in m.group(1):
        text = text[m.end():]  # the owner is in `dept`; the title keeps the duty
    text = text.replace("\u2028", " ").strip("，,、。； ")
    if not text:
        text = task.quote[0] if task.quote else "—"
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def task_reviews(task: DraftTask, layout: Layout, issued: dt.date) -> list[Msg]:
    """The task's reviews, with what the writer mended."""
    reviews = list(task.reviews)
    for unit in [task.lead, *task.support]:
        if unit is not None and unit.name in layout.merged:
            reviews.append(msg("review.name_clash", name=unit.name, other=layout.merged[unit.name]))
    if task.due is not None and task.due < issued:
        reviews.append(msg("review.due_before_issue", text=task.due.isoformat()))
    return list(dict.fromkeys(reviews))


def render(draft: Draft, source: str, lang: str = "zh") -> str:
    header = draft.header
    layout = lay_out(draft)
    mapping = layout.mapping
    width = max(2, len(str(len(draft.tasks))))
    out: list[str] = ["# " + line for line in say("draft.header", lang, source=source).splitlines()]
    out += [
        "",
        "plan:",
        f"  code: {_s('DRAFT-' + str(draft.issued.year))}",
        f"  title: {_s(header.title or source)}",
        f"  document: {_s(header.document or '')}",
        f"  issued: {draft.issued.isoformat()}  # "
        + say(f"report.issued_from.{_issued_key(header.issued_from)}", lang),
        "",
        "departments:",
    ]
    for dept in layout.departments:
        if dept.unit is None:
            out += [f"  - code: {UNASSIGNED}  # " + say("draft.unassigned", lang),
                    f"    name: {_s(dept.name)}", f"    short: {_s(dept.short)}",
                    f"    name_en: {_s(dept.name_en)}"]
            continue
        if dept.unit.entry is not None and dept.code == dept.unit.entry.code:
            out += [f"  - code: {dept.code}"]
        else:
            why = say("draft.unit_listed" if dept.unit.known else "draft.unit_unknown", lang)
            out += [f"  - code: {dept.code}  # {why}"]
        out += [f"    name: {_s(dept.name)}", f"    short: {_s(dept.short)}",
                f"    name_en: {_s(dept.name_en)}"]
        if dept.aliases:
            out.append(f"    aliases: [{', '.join(_s(a) for a in dept.aliases)}]")
    out += ["", "tasks:"]
    for i, task in enumerate(draft.tasks, 1):
        out.append(f"  - id: T{i:0{width}d}  # " + say("draft.line", lang, line=task.line))
        lead = mapping[task.lead.key] if task.lead else UNASSIGNED
        out.append(f"    dept: {lead}")
        support = [mapping[u.key] for u in task.support if mapping.get(u.key)]
        support = [c for c in dict.fromkeys(support) if c != lead]
        if support:
            out.append(f"    with: [{', '.join(support)}]")
        out.append(f"    title: {_s(title_of(task))}")
        out.append(f"    clause: {_s(task.clause or '—')}")
        quotes = [q for q in task.quote if q.strip()] or [title_of(task)]
        if len(quotes) == 1:
            out.append(f"    quote: {_s(quotes[0])}")
        else:
            out.append("    quote:")
            out += [f"      - {_s(q)}" for q in quotes]
        if task.recurrence:
            rule = task.recurrence
            parts = [f"every: {rule['every']}"]
            if "on" in rule:
                parts.append(f"on: [{', '.join(_s(d) for d in rule['on'])}]")
            if "n" in rule:
                parts.append(f"n: {rule['n']}")
            out.append(f"    recurrence: {{{', '.join(parts)}}}")
        elif task.due and task.due >= draft.issued:
            out.append(f"    due: {task.due.isoformat()}")
        if task.target:
            target = task.target
            parts = [f"value: {_num(target.value)}", f"unit: {_s(target.unit)}"]
            if task.metric:
                parts.append(f"metric: {_s(task.metric)}")
            parts.append(f"direction: {target.direction}")
            out.append(f"    target: {{{', '.join(parts)}}}")
        notes = list(dict.fromkeys(n.text(lang) for n in task.notes))
        if notes:
            out.append(f"    note: {_s('；'.join(notes))}")
        reviews = [r.text(lang) for r in task_reviews(task, layout, draft.issued)]
        if reviews:
            out.append(f"    review: {_s('；'.join(reviews))}")
    return "\n".join(out) + "\n"


def _issued_key(issued_from: str) -> str:
    return {"--issued": "option", "date line": "date_line", "header": "header",
            "文号 year": "wenhao", "today": "today"}.get(issued_from, "date_line")

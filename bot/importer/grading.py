"""Grade a draft against a hand list of the duties a 督查 office would track (tests/data/plans/hand/).

Per document: duties found (a hand duty is found when 60% of its quote lies in one draft quote,
report.covered), leads right (of the found duties, the covering task's lead is one the hand list
accepts; null = the plan names nobody, so the task must stay 待定), invented owners (a found duty
whose task names an owner the hand list says the plan does not name, or a name the document does
not contain), deadlines right (of the duties with a written deadline or recurrence), targets right
(of the duties with a numeric target), and tasks drafted per duty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.importer.directory import Directory, Unit
from bot.importer.extract import Draft, DraftTask
from bot.importer.report import _longest_common, covered
from bot.language.names import normalise


@dataclass
class Duty:
    quote: str
    leads: list[str | None]
    due: dt.date | None = None
    every: str | None = None
    target: float | None = None


@dataclass
class HandList:
    document: str
    duties: list[Duty]
    issued: dt.date | None = None
    held_out: bool = False


def load_hand(path: Path) -> HandList:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    duties = []
    for raw in data["duties"]:
        lead = raw.get("lead")
        leads = lead if isinstance(lead, list) else [lead]
        due = raw.get("due")
        duties.append(Duty(str(raw["quote"]), [None if v is None else str(v) for v in leads],
                           due if isinstance(due, dt.date) else None, raw.get("every"),
                           float(raw["target"]) if raw.get("target") is not None else None))
    issued = data.get("issued")
    return HandList(str(data["document"]), duties, issued if isinstance(issued, dt.date) else None,
                    bool(data.get("held_out")))


@dataclass
class Grade:
    document: str
    duties: int = 0
    found: int = 0
    lead_right: int = 0
    invented: int = 0
    dated: int = 0
    dated_right: int = 0
    targets: int = 0
    targets_right: int = 0
    tasks: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # "quote: expected -> got"
    wrong_dates: list[str] = field(default_factory=list)

    def add(self, other: Grade) -> None:
        for name in ("duties", "found", "lead_right", "invented", "dated", "dated_right",
                     "targets", "targets_right", "tasks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _covering(duty: Duty, draft: Draft) -> DraftTask | None:
    best: tuple[int, DraftTask] | None = None
    for task in draft.tasks:
        if covered([duty.quote], task.quote):
            score = max(_longest_common(duty.quote, q) for q in task.quote)
            if best is None or score > best[0]:
                best = (score, task)
    return best[1] if best else None


def from_plan_file(path: Path, document: str) -> HandList:
    """A hand-written plan file (tasks_seed.yaml) as a hand list: its first quote, its department
    code as the lead, its due date or recurrence, and a target the quote itself states."""
    import re

    from bot.services.plan import read_plan_file

    plan = read_plan_file(path)
    duties = []
    for task in plan.tasks:
        number = re.compile(rf"(?<![\d:]){task.target_value:g}(?!\d)") if task.target_value else None
        stated = number is not None and any(number.search(q) for q in task.quote)
        duties.append(Duty(task.quote[0], [task.dept], task.due if not task.recurrence else None,
                           task.recurrence.every if task.recurrence else None,
                           task.target_value if stated else None))
    return HandList(document, duties)


def same_unit(name: str, unit: Unit, directory: Directory, level: str, city: str | None) -> bool:
    if normalise(name) == normalise(unit.name) or (unit.entry and name == unit.entry.code):
        return True
    if unit.entry is not None:
        other = directory.resolve(name, level, city)
        return other is not None and other.entry is not None and other.entry.code == unit.entry.code
    return False


def grade(draft: Draft, hand: HandList, text: str, directory: Directory) -> Grade:
    g = Grade(hand.document, duties=len(hand.duties), tasks=len(draft.tasks))
    level, city = draft.header.level, draft.header.city
    plain = normalise(text)
    for duty in hand.duties:
        if duty.due or duty.every:
            g.dated += 1
        if duty.target is not None:
            g.targets += 1
        task = _covering(duty, draft)
        if task is None:
            g.missed.append(duty.quote)
            continue
        g.found += 1
        lead = task.lead
        if lead is None:
            right = None in duty.leads
        else:
            right = any(n is not None and same_unit(n, lead, directory, level, city)
                        for n in duty.leads)
            if duty.leads == [None] or normalise(lead.name) not in plain:
                g.invented += 1
        if right:
            g.lead_right += 1
        else:
            g.wrong.append(f"{duty.quote[:20]}: {duty.leads} -> {lead.name if lead else None}")
        if duty.due and task.due == duty.due or duty.every and task.recurrence and task.recurrence.get("every") == duty.every:
            g.dated_right += 1
        elif duty.due or duty.every:
            g.wrong_dates.append(f"{duty.quote[:20]}: {duty.due or duty.every} -> "
                                 f"{task.due or (task.recurrence or {}).get('every')}")
        if duty.target is not None and task.target is not None and \
                abs(task.target.value - duty.target) < 1e-9:
            g.targets_right += 1
        elif duty.target is not None:
            g.wrong_dates.append(f"{duty.quote[:20]}: target {duty.target:g} -> "
                                 f"{task.target.value if task.target else None}")
    return g

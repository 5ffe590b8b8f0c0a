"""The plan file (tasks_seed.yaml): read it with line numbers, validate it, load it idempotently."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from bot.domain.recurrence import KINDS, Recurrence
from bot.language import names
from bot.store import deadlines as deadline_store
from bot.store import plan as plan_store
from bot.store.audit import audit
from bot.store.connection import utc_iso

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
TASK_ID_RE = re.compile(r"^T\d{2,4}$")
MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
MAX_WEEKS = 520  # "every n weeks": at most every ten years
YEARS = range(1900, 2200)  # a plan's dates; beyond them date arithmetic would overflow


class PlanError(ValueError):
    """The plan file is invalid; `problems` lists every located error found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    short: str
    name_en: str
    aliases: tuple[str, ...] = ()
    short_en: str = ""  # the English name in tables (Health Commission); defaults to name_en


@dataclass(frozen=True)
class TaskDef:
    id: str
    dept: str
    title: str
    title_en: str
    clause: str
    quote: tuple[str, ...]
    kind: str
    start: date
    with_depts: tuple[str, ...] = ()
    due: date | None = None
    recurrence: Recurrence | None = None
    target_value: float | None = None
    target_unit: str | None = None
    target_metric: str | None = None
    note: str | None = None
    # Written by `import-plan`: why a person should check the task, and which way a target
    # goes. Neither has a column: both are kept in the stored note so the bot shows them.
    review: str | None = None
    target_direction: str = "at_least"
    # 任务分解: the target split into county-level units' quotas, e.g. {"晋江市": 40.0}; the
    # city figure is the sum of what the units report.
    quotas: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Plan:
    meta: dict[str, str]
    departments: tuple[Department, ...]
    tasks: tuple[TaskDef, ...]


# ---------------------------------------------------------------- reading with locations


@dataclass
class _Located:
    """Plain data from YAML plus the line of every path, for located error messages."""

    source: str
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        where = f"{self.source}:{line}" if line else self.source
        self.problems.append(f"{where}: {path}: {message}")


def _plain(node: yaml.Node, path: str, loc: _Located) -> Any:
    # Every scalar stays text (no YAML 1.1 surprises such as `on` -> True or 2022-13-01 crashing
    # the date constructor); the validator converts each field and can say where it failed.
    loc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in out:
                loc.lines[child] = key_node.start_mark.line + 1
                loc.error(child, "duplicate key")
                continue
            out[key] = _plain(value_node, child, loc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, f"{path}[{i}]", loc) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def read_plan_file(path: str | Path) -> Plan:
    """Parse and validate a plan file; raise PlanError naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError([f"{path}: cannot read the file: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise PlanError([f"{path}: not UTF-8 text"]) from exc
    return parse_plan(text, source=str(path))


MAX_DEPTH = 50  # the plan format nests five levels; anything far deeper is no plan file


def _line(event: yaml.Event) -> int | str:
    """The 1-based line an event starts on ('?' where the parser gives none)."""
    return event.start_mark.line + 1 if event.start_mark is not None else "?"


def _refuse_aliases_and_depth(text: str, source: str) -> None:
    """A plan file is written out in full: an alias (*name) is refused where it stands, so a
    self-referencing alias cannot recurse forever and an alias bomb cannot expand to billions of
    nodes; nesting beyond MAX_DEPTH is refused before the (recursive) composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise PlanError([f"{source}:{_line(event)}: the alias *{event.anchor} "
                             "is not allowed in a plan file: write the value out in full"])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise PlanError([f"{source}:{_line(event)}: nested more than "
                                 f"{MAX_DEPTH} levels deep: not a plan file"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_plan(text: str, source: str = "<plan>") -> Plan:
    loc = _Located(source)
    try:
        _refuse_aliases_and_depth(text, source)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PlanError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    data = _plain(root, "", loc) if root is not None else None
    if not isinstance(data, dict):
        raise PlanError([f"{source}: the file must be a mapping with plan, departments, tasks"])
    plan = _validate(data, loc)
    if loc.problems:
        raise PlanError(loc.problems)
    return plan


# ---------------------------------------------------------------- validation


def _text(loc: _Located, obj: dict, path: str, key: str, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            loc.error(f"{path}.{key}" if f"{path}.{key}" in loc.lines else path, f"'{key}' is missing")
        return None
    if not isinstance(value, str):
        loc.error(f"{path}.{key}", "must be text")
        return None
    return value.strip()


def _date(loc: _Located, obj: dict, path: str, key: str, required: bool = False) -> date | None:
    raw = _text(loc, obj, path, key, required)
    if raw is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
            if day.year in YEARS:
                return day
            loc.error(f"{path}.{key}", f"'{raw}' is not a year from {YEARS.start} to "
                      f"{YEARS.stop - 1}")
            return None
    except ValueError:
        pass
    loc.error(f"{path}.{key}", f"'{raw}' is not a date (write YYYY-MM-DD)")
    return None


def _text_list(loc: _Located, obj: dict, path: str, key: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            loc.error(f"{path}.{key}[{i}]" if isinstance(value, list) else f"{path}.{key}",
                      "must be non-empty text")
        else:
            out.append(item.strip())
    return tuple(out)


# Targets and quotas are counts and shares of real things: finite, and far below this.
MAX_NUMBER = 1e9


def _finite(raw: Any) -> float:
    """A number as written (1e3, 200, 85.5), finite and at most MAX_NUMBER; ValueError else
    (1e309 reads as infinity, .nan as not a number: neither is a target)."""
    value = float(raw)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ValueError(raw)
    return value


def _number(loc: _Located, raw: Any, path: str) -> float | None:
    try:
        value = _finite(raw)
    except (TypeError, ValueError, OverflowError):
        loc.error(path, f"'{raw}' is not a number from 0 to {MAX_NUMBER:.0f}")
        return None
    if value <= 0:
        loc.error(path, f"'{raw}' must be greater than 0")
        return None
    return value


def _recurrence(loc: _Located, raw: Any, path: str) -> Recurrence | None:
    if not isinstance(raw, dict):
        loc.error(path, "must be a mapping such as {every: semester}")
        return None
    every = raw.get("every")
    if every not in KINDS:
        loc.error(f"{path}.every", f"'{every}' is not one of {', '.join(KINDS)}")
        return None
    on: list[tuple[int, int]] = []
    if every == "year":
        days = raw.get("on")
        days = days if isinstance(days, list) else [days]
        for md in days:
            match = MONTH_DAY_RE.match(md or "") if isinstance(md, str) else None
            try:
                if not match:
                    raise ValueError
                month, day = int(match[1]), int(match[2])
                date(2021, month, day)  # a non-leap year: 02-29 would vanish most years
                on.append((month, day))
            except ValueError:
                loc.error(f"{path}.on", f"'{md}' is not a day of the year (write MM-DD, e.g. 05-25)")
                return None
    n = 1
    if every == "weeks":
        try:
            n = int(raw.get("n", "1"))
            if not 1 <= n <= MAX_WEEKS:
                raise ValueError
        except (TypeError, ValueError):
            loc.error(f"{path}.n", f"'{raw.get('n')}' is not a whole number of weeks "
                      f"from 1 to {MAX_WEEKS}")
            return None
    return Recurrence(every=every, on=tuple(sorted(on)), n=n)


def _validate(data: dict, loc: _Located) -> Plan:
    for key in ("plan", "departments", "tasks"):
        if key not in data:
            loc.error("", f"top-level '{key}' is missing")
    plan_raw = data.get("plan")
    meta_raw = plan_raw if isinstance(plan_raw, dict) else {}
    issued = _date(loc, meta_raw, "plan", "issued", required=True) or date(2000, 1, 1)
    meta = {k: str(v) for k, v in meta_raw.items() if isinstance(v, str)}

    departments: list[Department] = []
    codes: set[str] = set()
    for i, raw in enumerate(data.get("departments") or []):
        path = f"departments[{i}]"
        if not isinstance(raw, dict):
            loc.error(path, "must be a mapping")
            continue
        code = _text(loc, raw, path, "code")
        if code and not CODE_RE.match(code):
            loc.error(f"{path}.code", f"'{code}' must be 2-16 upper-case letters, digits or _")
        elif code in codes:
            loc.error(f"{path}.code", f"'{code}' is used twice")
        name = _text(loc, raw, path, "name")
        short = _text(loc, raw, path, "short", required=False) or name
        name_en = _text(loc, raw, path, "name_en")
        short_en = _text(loc, raw, path, "short_en", required=False) or ""
        if code and name and name_en:
            codes.add(code)
            departments.append(
                Department(code, name, short or name, name_en,
                           _text_list(loc, raw, path, "aliases"), short_en)
            )
    if not departments:
        loc.error("departments", "at least one department is needed")
    # A name two departments answer to would make lookups ambiguous: refuse the file instead.
    for key, first, second in names.clashes(
            (d.code, (d.name, d.short, d.name_en, *d.aliases)) for d in departments):
        loc.error("departments", f"'{key}' names both {first} and {second}")

    tasks: list[TaskDef] = []
    ids: set[str] = set()
    for i, raw in enumerate(data.get("tasks") or []):
        path = f"tasks[{i}]"
        if not isinstance(raw, dict):
            loc.error(path, "must be a mapping")
            continue
        task = _task(loc, raw, path, codes, issued)
        if task is None:
            continue
        if task.id in ids:
            loc.error(f"{path}.id", f"'{task.id}' is used twice")
            continue
        ids.add(task.id)
        tasks.append(task)
    if not tasks and not loc.problems:
        loc.error("tasks", "at least one task is needed")
    return Plan(meta=meta, departments=tuple(departments), tasks=tuple(tasks))


def _task(loc: _Located, raw: dict, path: str, codes: set[str], issued: date) -> TaskDef | None:
    before = len(loc.problems)
    task_id = _text(loc, raw, path, "id")
    if task_id and not TASK_ID_RE.match(task_id):
        loc.error(f"{path}.id", f"'{task_id}' must be T followed by 2-4 digits, e.g. T12")
    dept = _text(loc, raw, path, "dept")
    if dept and dept not in codes:
        loc.error(f"{path}.dept", f"'{dept}' is not a department code in this file")
    with_depts = _text_list(loc, raw, path, "with")
    for code in with_depts:
        if code not in codes:
            loc.error(f"{path}.with", f"'{code}' is not a department code in this file")
    title = _text(loc, raw, path, "title")
    clause = _text(loc, raw, path, "clause")
    quote = _text_list(loc, raw, path, "quote")
    if not quote:
        loc.error(path, "'quote' is missing: copy the plan's own words")
    start = _date(loc, raw, path, "start") or issued
    due = _date(loc, raw, path, "due")
    recurrence = _recurrence(loc, raw["recurrence"], f"{path}.recurrence") if "recurrence" in raw else None
    target_value = target_unit = target_metric = target_direction = None
    quotas: tuple[tuple[str, float], ...] = ()
    if "target" in raw:
        target = raw["target"]
        if not isinstance(target, dict):
            loc.error(f"{path}.target", "must be a mapping {value, unit, metric}")
        else:
            target_value = _number(loc, target.get("value"), f"{path}.target.value")
            target_unit = _text(loc, target, f"{path}.target", "unit")
            target_metric = _text(loc, target, f"{path}.target", "metric", required=False)
            target_direction = _text(loc, target, f"{path}.target", "direction", required=False)
            if target_direction not in (None, "at_least", "at_most"):
                loc.error(f"{path}.target.direction",
                          f"'{target_direction}' must be at_least or at_most")
            quotas = _quotas(loc, target.get("quotas"), f"{path}.target.quotas")
    if due and recurrence:
        loc.error(f"{path}.due", "a task has either 'due' or 'recurrence', not both")
    if due and due < start:
        loc.error(f"{path}.due", f"'{due}' is before the task's start {start}")
    if len(loc.problems) > before:
        return None
    if recurrence:
        kind = "recurring"
    elif due and target_value is not None:
        kind = "target"
    elif due:
        kind = "milestone"
    else:
        kind = "standing"
    return TaskDef(
        id=task_id,  # type: ignore[arg-type]
        dept=dept,  # type: ignore[arg-type]
        title=title,  # type: ignore[arg-type]
        title_en=_text(loc, raw, path, "title_en", required=False) or title,  # type: ignore[arg-type]
        clause=clause,  # type: ignore[arg-type]
        quote=quote,
        kind=kind,
        start=start,
        with_depts=with_depts,
        due=due,
        recurrence=recurrence,
        target_value=target_value,
        target_unit=target_unit,
        target_metric=target_metric,
        note=_text(loc, raw, path, "note", required=False),
        review=_text(loc, raw, path, "review", required=False),
        target_direction=target_direction or "at_least",
        quotas=quotas,
    )


def _quotas(loc: _Located, raw: Any, path: str) -> tuple[tuple[str, float], ...]:
    """A target's county quotas: a mapping of unit name to a number (0 allowed)."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        loc.error(path, "must be a mapping of county unit to its quota, e.g. {晋江市: 40}")
        return ()
    out = []
    for name, value in raw.items():
        if not isinstance(name, str) or not name.strip():
            loc.error(path, f"'{name}' is not a unit name")
            continue
        try:
            number = _finite(value)
        except (TypeError, ValueError, OverflowError):
            loc.error(f"{path}.{name}", f"'{value}' is not a number from 0 to {MAX_NUMBER:.0f}")
            continue
        if number < 0:
            loc.error(f"{path}.{name}", f"'{value}' must not be negative")
            continue
        out.append((name.strip(), number))
    return tuple(out)


# ---------------------------------------------------------------- loading into the database


@dataclass
class SeedResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.archived or self.restored)


def _dept_row(dept: Department, position: int) -> dict[str, Any]:
    return {
        "code": dept.code,
        "name": dept.name,
        "short": dept.short,
        "name_en": dept.name_en,
        "short_en": dept.short_en if dept.short_en != dept.name_en else None,
        "aliases": json.dumps(list(dept.aliases), ensure_ascii=False),
        "position": position,
    }


def _stored_note(task: TaskDef) -> str | None:
    """The note as stored: a plain file's note unchanged; an imported draft's review and
    ceiling targets appended, so whoever reads the task in the bot sees them."""
    parts = [task.note] if task.note else []
    if task.target_direction == "at_most":
        parts.append("目标为上限(不超过) / the target is a ceiling")
    if task.review:
        parts.append(f"待核 review: {task.review}")
    return "\n".join(parts) or None


def _task_row(task: TaskDef, position: int) -> dict[str, Any]:
    return {
        "id": task.id,
        "dept": task.dept,
        "with_depts": json.dumps(list(task.with_depts)),
        "title": task.title,
        "title_en": task.title_en,
        "clause": task.clause,
        "quote": json.dumps(list(task.quote), ensure_ascii=False),
        "kind": task.kind,
        "start": task.start.isoformat(),
        "due": task.due.isoformat() if task.due else None,
        "recurrence": task.recurrence.to_json() if task.recurrence else None,
        "target_value": task.target_value,
        "target_unit": task.target_unit,
        "target_metric": task.target_metric,
        "note": _stored_note(task),
        "unit_quotas": json.dumps(dict(task.quotas), ensure_ascii=False) if task.quotas else None,
        "position": position,
    }


def _sync(
    db: Database,
    table: str,
    pk: str,
    rows: list[dict[str, Any]],
    *,
    now: datetime,
    actor: str,
    result: SeedResult,
    label: str,
) -> None:
    existing = {row[pk]: row for row in plan_store.rows(db, table)}
    stamp = utc_iso(now)
    seen = set()
    for row in rows:
        key = row[pk]
        seen.add(key)
        old = existing.get(key)
        if old is None:
            extra = {"created_at": stamp} if table == "tasks" else {}
            plan_store.insert_row(db, table, {**row, "archived_at": None, **extra})
            if table == "tasks" and row["due"]:
                deadline_store.add(db, task_id=key, period="", due=date.fromisoformat(row["due"]),
                                   at=now, by=actor, source="plan")
            audit(db, at=now, actor=actor, action="add", entity=table, entity_id=key, detail=row)
            result.added.append(f"{label}{key}")
            continue
        # Order in the file is kept but is not a change worth an audit row or an "updated".
        changes = {k: {"from": old.get(k), "to": v} for k, v in row.items()
                   if old.get(k) != v and k != "position"}
        if old.get("position") != row["position"]:
            plan_store.update_row(db, table, key, {"position": row["position"]})
        if old.get("archived_at"):
            plan_store.update_row(db, table, key, {"archived_at": None})
            audit(db, at=now, actor=actor, action="restore", entity=table, entity_id=key)
            result.restored.append(f"{label}{key}")
        if changes:
            update = {k: c["to"] for k, c in changes.items()}
            if table == "tasks":
                update["updated_at"] = stamp
                if "due" in changes:
                    _plan_deadline_moved(db, old, row.get("due"), now, actor)
            plan_store.update_row(db, table, key, update)
            audit(db, at=now, actor=actor, action="update", entity=table, entity_id=key,
                  detail=changes)
            result.updated.append(f"{label}{key}")
        elif not old.get("archived_at"):
            result.unchanged += 1
    for key, old in existing.items():
        if key not in seen and not old.get("archived_at"):
            # Archived, never deleted: reports against it stay readable and auditable.
            plan_store.update_row(db, table, key, {"archived_at": stamp})
            audit(db, at=now, actor=actor, action="archive", entity=table, entity_id=key)
            result.archived.append(f"{label}{key}")


def load_plan(db: Database, plan: Plan, *, now: datetime, actor: str = "seed") -> SeedResult:
    """Bring the database in line with the plan, in one transaction; running it twice is a no-op."""
    result = SeedResult()
    with db.atomic():
        _sync(db, "departments", "code",
              [_dept_row(d, i) for i, d in enumerate(plan.departments)],
              now=now, actor=actor, result=result, label="")
        _sync(db, "tasks", "id",
              [_task_row(t, i) for i, t in enumerate(plan.tasks)],
              now=now, actor=actor, result=result, label="")
        plan_store.set_plan_meta(db, plan.meta)
        # Tracking begins with the plan's first load (TRACK_FROM may name another day).
        plan_store.set_plan_meta_if_absent(db, {"tracking_began": utc_iso(now)})
    return result


def _plan_deadline_moved(db: Database, old: dict[str, Any], due: str | None, now: datetime,
                         actor: str) -> None:
    """Keep the plan file's deadlines as history, so a past day is judged by the date the plan
    gave then (the first change also records the date it replaced, as of the task's creation)."""
    if due is None:
        return
    if old.get("due") and deadline_store.in_force(db, old["id"], "", source="plan") is None:
        began = old.get("created_at") or utc_iso(now)
        deadline_store.add(db, task_id=old["id"], period="", due=date.fromisoformat(old["due"]),
                           at=datetime.fromisoformat(began), by=actor, source="plan")
    deadline_store.add(db, task_id=old["id"], period="", due=date.fromisoformat(due), at=now,
                       by=actor, source="plan")

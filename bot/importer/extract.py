"""From the document's text to draft tasks.

The walk: numbered items (一、（一）1.（1）) give the clause; a 分工 table gives one task per row;
inside an item, sentences are cut into clauses, each with the owner its own words name, its
deadline, numeric target and recurrence; a responsibility bracket or a block of 分工 label lines
assigns the clauses before it. Clauses of one item that share owner, deadline and recurrence are
one duty (one task quoting each of them); a clause with a deadline of its own, a numeric target
or another owner is a task of its own. Every quote is the document's own words.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.importer import deadlines, recurrence, responsibility, targets
from bot.importer.directory import Directory, Unit
from bot.importer.messages import ImporterError, Msg, msg
from bot.importer.responsibility import Assignment, Context
from bot.importer.structure import Header, clause_label, numbering, read_header, spans, trim
from bot.importer.tables import CELL_BREAK, Table, find_tables

# Items whose heading says they set out ideas rather than work: only their dated or numeric
# goals become tasks. An inner heading with 目标 (发展目标 inside 总体要求) wins over an outer one.
GUIDING = re.compile(r"指导思想|基本原则|重大意义|总体思路|工作原则|主要原则|基本思路|总体要求|"
                     r"总体目标和原则|背景|试点范围|适用范围|编制依据|现状|形势|重要意义")
GOALS = re.compile(r"^.{0,6}(目标|指标)(任务|要求)?$")
# A paragraph that sets goals wherever it stands: "具体指标：到2020年，…", "主要目标：…".
GOAL_PARAGRAPH = re.compile(r"^(?:具体|主要|发展|工作|总体|预期|阶段性?)?(?:指标|目标)(?:任务)?[：:]")
# A heading that only names a kind of section ("工作目标", "主要任务"): not quoted as a duty.
GENERIC_HEADING = re.compile(r"^.{0,4}(目标|任务|措施|要求|原则|保障|意义|思想|范围|分工|步骤|安排|指标|"
                             r"内容|重点|举措)$")
# A sentence that only dates the work just described: "该项工作于2019年4月底前完成".
DATES_PREVIOUS = re.compile(r"^(该项|上述|以上|此项|这项)(工作|任务)")
# Not duties: a definition, what the document is, how it was made.
NOT_A_DUTY = re.compile(r"是指|所称|以下简称|(?:制定|制订)本(?:方案|意见|办法|计划|清单)|特制定|现提出如下|"
                        r"提出如下|通知如下|意见如下|现就.{0,20}如下|印发给你们|请认真(?:贯彻|组织|抓好)|"
                        r"请结合实际|已经.{0,12}同意")
# An optional item: "可…", "可以…", "鼓励有条件的…可…" — drafted, but marked for review.
OPTIONAL = re.compile(r"^(?:[^，,]{0,20}[，,])?(?:[^，,要应须]{0,12}?)(?:可|可以)"
                      r"(?!持续|靠|控|行|视|信|用|能|复制|推广|借鉴|操作|量化|考核|及|获得|追溯|再生|回收|"
                      r"落地|比|见)")
MIN_CHARS = 6
# A table column's role as a label the label reader knows ("责任单位（列首位的为牵头单位）" -> 责任单位).
# A mark opening a line ("——牵头单位：…", "●责任单位：…"), no part of what the line says.
BULLET = re.compile(r"^(?:——|—|–|-|●|•|·|○|◆|◇|■|□|▲|△|★|☆|※|→|>|\*)+\s*")
CANONICAL = {"lead": "牵头单位", "responsible": "责任单位", "support": "配合单位", "deadline": "完成时限"}
STARTS_AT = re.compile(r"(?:从|自)\s*\d{4}\s*年[^，,。；;]{0,8}?(?:起|开始)")


@dataclass
class DraftTask:
    clause: str
    quote: list[str]
    heading: str = ""
    lead: Unit | None = None
    support: list[Unit] = field(default_factory=list)
    due: dt.date | None = None
    target: targets.Target | None = None
    metric: str | None = None
    recurrence: dict | None = None
    notes: list[Msg] = field(default_factory=list)
    reviews: list[Msg] = field(default_factory=list)
    line: int = 0  # the document's line the task starts on
    generic: bool = False  # the document names "有关部门" only


@dataclass
class Draft:
    header: Header
    tasks: list[DraftTask]
    unknown_units: dict[str, int]

    @property
    def issued(self) -> dt.date:
        """The plan's issue date: extract() makes no draft without one."""
        assert self.header.issued is not None
        return self.header.issued


@dataclass
class _Clause:
    text: str
    line: int
    clause: str
    heading: str
    owner: Assignment | None = None  # what its own words name
    date: deadlines.Found | None = None
    target: targets.Target | None = None
    rec: recurrence.Found | None = None
    optional: bool = False
    title: bool = False  # an item's heading: joins the item's first duty
    alone: bool = False  # a table cell's numbered item: a task of its own
    section: Assignment | None = None  # the owner a lead-in named for the section
    reviews: list[Msg] = field(default_factory=list)


@dataclass
class _Lead:
    """A lead-in ("各地要重点做好以下工作：") naming who owns the items under it: those whose
    numbering starts with `prefix`."""

    prefix: tuple[str | None, ...]
    assignment: Assignment


class _Walker:
    def __init__(self, text: str, header: Header, ctx: Context):
        self.lines = [BULLET.sub("", line.strip()) for line in text.split("\n")]
        self.header = header
        assert header.issued is not None  # extract() refuses a plan without an issue date
        self.issued: dt.date = header.issued
        self.ctx = ctx
        self.tasks: list[DraftTask] = []
        self.pending: list[_Clause] = []
        self.carry: Assignment | None = None  # 下同
        self.carry_all: list[Unit] = []  # 以下均需…落实
        self.path: list[str | None] = [None, None, None, None]
        self.headings: list[str] = ["", "", "", ""]
        self.last_prose: Assignment | None = None
        self.leads: list[_Lead] = []
        self.item_title: _Clause | None = None  # the heading of the item being read
        self.item_level: int | None = None
        # tasks flushed with no owner under the current parent, and parents that assigned some
        self.run: list[DraftTask] = []
        self.run_parent: tuple | None = None
        self.assigned_parents: set[tuple] = set()

    # ------------------------------------------------------------ walking the lines
    def run_all(self) -> None:
        tables = {t.start: t for t in find_tables(
            self.lines, self.ctx.directory.labels,
            lambda s: self.ctx.directory.is_units(s, self.ctx.level, self.ctx.city))}
        i = 0
        n = len(self.lines)
        while i < n:
            if i in tables:
                self._end_item(next_level=4)  # a heading over a table is the table's title
                self._table(tables[i])
                i = tables[i].end
                continue
            line = self.lines[i]
            if i < self.header.body_start and GOAL_PARAGRAPH.match(line):
                self._paragraph(line, i + 1)  # "具体指标：到2022年，…" before the first item
                i += 1
                continue
            if i < self.header.body_start or not line:
                i += 1
                continue
            labels = responsibility.label_line(line, self.ctx)
            if labels is not None and self._is_label_block(i, labels):
                i = self._label_block(i)
                continue
            if _is_trailer(line):
                i += 1
                continue
            number = numbering(line)
            if number:
                self._numbered(number, i + 1)
            elif _standalone_bracket(line) and (a := responsibility.parse_bracket(
                    line.strip()[1:-1], self.ctx)) is not None:
                self._assign(a, line, standalone=True)
            else:
                self._paragraph(line, i + 1)
            i += 1
        self._end_item(next_level=0)
        self._flush()

    def _is_label_block(self, i: int, labels: list[tuple[str, str, str]]) -> bool:
        """A line of labels is a 分工 block, unless it is only a "任务：…"/"目标：…" line of prose
        with no label line after it."""
        if any(role not in ("task", "measure") for role, _, _ in labels):
            return True
        nxt = next((ln for ln in self.lines[i + 1:i + 3] if ln.strip()), "")
        found = responsibility.label_line(nxt, self.ctx) if nxt else None
        return found is not None and any(role not in ("task", "measure") for role, _, _ in found)

    def _label_block(self, i: int) -> int:
        """Consecutive label lines, a value on the line below its label included; returns the
        index after the block."""
        parts: list[str] = []
        start = i
        while i < len(self.lines):
            line = self.lines[i].strip()
            if not line:
                i += 1
                continue
            labels = responsibility.label_line(line, self.ctx)
            if labels is None:
                break
            text = line.strip("（）()")
            if labels and not labels[-1][2] and i + 1 < len(self.lines):
                nxt = self.lines[i + 1].strip()
                if nxt and responsibility.label_line(nxt, self.ctx) is None and not numbering(nxt):
                    text += nxt  # "牵头单位：" with the value on the next line
                    i += 1
            parts.append(text.rstrip("；;。"))
            i += 1
        words = "；".join(parts)
        assignment = responsibility.parse_labels(words, self.ctx)
        if assignment.task_text:
            # "任务：组织专题培训" names the duty itself: it replaces the item's title
            self.item_title = None
            self.pending = [c for c in self.pending if not c.title]
            self._clauses(assignment.task_text, start + 1, guiding=False)
        self._assign(assignment, words, standalone=True)
        return i

    def _numbered(self, number: tuple[int, str, str], line: int) -> None:
        level, n, rest = number
        self._end_item(next_level=level)
        self._flush()
        self.path[level] = n
        for deeper in range(level + 1, 4):
            self.path[deeper] = None
            self.headings[deeper] = ""
        self.leads = [lead for lead in self.leads
                      if tuple(self.path[:len(lead.prefix)]) == lead.prefix]
        heading, body = _heading(rest)
        self.headings[level] = heading
        self.item_level = level
        self.item_title = None
        if heading and _ends_lead_in(heading) and not body:
            self._lead_in(heading, tuple(self.path[:level + 1]))
            return
        if heading and not self._guiding():
            self.item_title = self._title(heading, line)
            self.pending.append(self.item_title)
        if body:
            self._paragraph(body, line)

    def _end_item(self, next_level: int | None) -> None:
        """Before a new item: an item's heading with nothing under it is its duty; with
        sub-items under it (a deeper number follows) it is only their title."""
        title = self.item_title
        if title is None:
            return
        if next_level is not None and self.item_level is not None and next_level > self.item_level \
                and all(c.title for c in self.pending if c.clause == title.clause):
            self.pending = [c for c in self.pending if c is not title]
        self.item_title = None

    @property
    def clause(self) -> str:
        return clause_label(self.path)

    def _guiding(self) -> bool:
        """Under a heading of ideas (指导思想, 基本原则) or of goals (主要目标): only what is dated
        or counted is a duty; the rest states intentions."""
        return any(GUIDING.search(h) or GOALS.search(h) for h in self.headings if h)

    def _lead_in(self, text: str, prefix: tuple[str | None, ...]) -> None:
        """"（三）各地要重点做好以下工作：": who owns the items below, not a duty itself."""
        owner = responsibility.from_prose(text, self.ctx)
        if owner is not None and owner.lead is not None:
            self.leads.append(_Lead(prefix, owner))

    def _title(self, heading: str, line: int) -> _Clause:
        """An item's heading, which is its duty when nothing else is under it."""
        dates = deadlines.find_deadlines(heading, self.issued)
        found = targets.find_targets(heading)
        prose = responsibility.from_prose(heading, self.ctx)
        return _Clause(heading, line, self.clause, heading, title=True,
                       owner=prose if prose is not None and prose.lead is not None else None,
                       date=dates[0] if dates else None, target=found[0] if found else None,
                       rec=recurrence.find_recurrence(heading), section=self._section_owner())

    # ------------------------------------------------------------ one paragraph
    def _paragraph(self, para: str, line: int) -> None:
        self.last_prose = None  # a subject goes on within its paragraph only
        if _ends_lead_in(para) and len(para) <= 120:
            deepest = max((k for k, p in enumerate(self.path) if p), default=-1)
            self._lead_in(para, tuple(self.path[:deepest + 1]))
            return
        # labels inside the paragraph: "…推进所有中学建成辅导室。牵头单位：市教育局；…"
        labelled = _inline_labels(para, self.ctx)
        if labelled is not None:
            before, words = labelled
            if before.strip():
                self._paragraph(before, line)
            assignment = responsibility.parse_labels(words, self.ctx)
            if assignment.task_text:
                self._clauses(assignment.task_text, line, guiding=False)
            self._assign(assignment, words)
            return
        goals = bool(GOAL_PARAGRAPH.match(para))
        guiding = self._guiding() and not goals
        para_date = None
        lead_m = re.match(r"^\s*(?:(?:具体|主要)?(?:指标|目标)[：:])?\s*(到|至)\s*\d{4}\s*年[^，,。；;]{0,6}[，,]",
                          para)
        if lead_m:
            found = deadlines.find_deadlines(lead_m.group(0), self.issued)
            para_date = found[0] if found else None
        for a, b in spans(para, "。！？!?"):
            sentence = para[a:b]
            # A responsibility bracket closes the work before it, wherever it stands: at the end
            # of a sentence, or opening the next one ("…标准。（X负责）推广一批…").
            start = 0
            for b_start, b_end, inner in responsibility.brackets(sentence, self.ctx):
                if re.match(r"\s*[，,、的]", sentence[b_end:]):
                    continue  # "（技工院校内由…负责），…": a note inside the sentence, not its owner
                bracketed = responsibility.parse_bracket(inner, self.ctx)
                if bracketed is None:
                    continue
                if sentence[start:b_start].strip():
                    self._clauses(sentence[start:b_start], line, guiding, para_date)
                self._assign(bracketed, inner)
                start = b_end
            if sentence[start:].strip():
                self._clauses(sentence[start:], line, guiding, para_date)

    def _clauses(self, sentence: str, line: int, guiding: bool,
                 para_date: deadlines.Found | None = None) -> None:
        if NOT_A_DUTY.search(sentence):
            return
        sentence = re.sub(r"^\s*(?:具体|主要|发展|工作|总体|预期)?(?:指标|目标)(?:任务)?[：:]", "", sentence)
        prose = responsibility.from_prose(sentence, self.ctx)
        if prose is None and re.match(r"^\s*(要|并要|还要|同时要|同时，?要|此外，?要|并|还应|同时还要)",
                                      sentence):
            prose = self.last_prose  # "财政部门要加大投入。要建立…": the same subject goes on
        self.last_prose = prose
        found = deadlines.find_deadlines(sentence, self.issued)
        sentence_date = found[0] if found and _leads(sentence, found[0]) else None
        for a, b in _actor_spans(sentence, prose, self.ctx):
            a, b = trim(sentence, a, b)
            part = sentence[a:b]
            if len(part) < MIN_CHARS and not targets.find_targets(part):
                continue
            own = responsibility.from_prose(part, self.ctx) if a else None
            owner = own if own and own.lead else prose
            for piece in _cut(part, self.issued):
                dates = deadlines.find_deadlines(piece, self.issued)
                if DATES_PREVIOUS.match(piece) and dates and self.pending:
                    previous = self.pending[-1]
                    previous.text += "\n" + piece  # quoted as two parts (see _group)
                    previous.date = previous.date or dates[0]
                    continue
                found_targets = targets.find_targets(piece)
                date = dates[0] if dates else (sentence_date or para_date)
                if not dates and STARTS_AT.search(piece):
                    date = None  # "从2019年开始，…启动": a start, not the goal's year
                if guiding and not (found_targets or date):
                    continue
                split = len(found_targets) > 1
                for quote, target in _by_target(piece, found_targets):
                    mine = responsibility.from_prose(quote, self.ctx) if split else None
                    self.pending.append(_Clause(
                        quote, line, self.clause, self._heading(),
                        owner=mine if mine is not None and mine.lead is not None else owner,
                        date=date, target=target,
                        rec=recurrence.find_recurrence(quote if split else piece),
                        optional=bool(OPTIONAL.match(quote)),
                        section=self._section_owner()))

    def _heading(self) -> str:
        return next((h for h in reversed(self.headings) if h), "")

    def _section_owner(self) -> Assignment | None:
        for lead in reversed(self.leads):
            if tuple(self.path[:len(lead.prefix)]) == lead.prefix:
                return lead.assignment
        return None

    # ------------------------------------------------------------ tables
    def _table(self, table: Table) -> None:
        task_cols = table.all("task")
        measure = table.first("measure")
        duty_col = measure if measure is not None else (task_cols[-1] if task_cols else None)
        heading_cols = [c for c in task_cols if c != duty_col]
        number_col = table.first("number")
        heading = ""
        for row in table.rows:
            if row.heading:
                heading = row.cells[0].strip()
                continue
            if duty_col is None:
                continue
            text = row.text(duty_col)
            if not text:
                continue
            words: list[str] = []  # as the document words them, kept in the note
            canonical: list[str] = []  # as the label reader knows them, read for the owners
            for col, column in enumerate(table.columns):
                value = row.text(col).replace(CELL_BREAK, " ")
                if value and column.role in CANONICAL:
                    words.append(f"{column.header}：{value}")
                    canonical.append(f"{CANONICAL[column.role]}：{value}")
                elif value and column.role in ("person", "note"):
                    words.append(f"{column.header}：{value}")
            assignment = responsibility.parse_labels("；".join(canonical), self.ctx) \
                if canonical else Assignment()
            number = row.text(number_col) if number_col is not None else ""
            row_heading = next((row.text(c) for c in heading_cols if row.text(c)), heading)
            clause = self._table_clause(number)
            self._flush()
            items = _cell_items(text)
            for item in items:
                quotes = [q.strip() for q in item.split(CELL_BREAK) if q.strip()]
                found = targets.find_targets(item)
                dates = [f for f in deadlines.find_deadlines(item, self.issued) if f.date]
                self.pending.append(_Clause(
                    "\n".join(quotes), row.line, clause, row_heading,
                    date=dates[0] if dates else None, target=found[0] if found else None,
                    rec=recurrence.find_recurrence(item), alone=len(items) > 1,
                    reviews=[msg("review.several_targets", text=found[0].text)]
                    if len(found) > 1 else []))
            if row.carried & {i for i, c in enumerate(table.columns)
                              if c.role in ("lead", "responsible", "support")}:
                assignment.notes.append(msg("note.carried_down"))
            self._assign(assignment, "；".join(words), table_row=True)

    def _table_clause(self, number: str) -> str:
        base = clause_label(self.path)
        number = number.strip()
        if not number:
            return base
        return number if base == "—" else f"{base}-{number}"

    # ------------------------------------------------------------ owners
    def _assign(self, assignment: Assignment, words: str, *, standalone: bool = False,
                table_row: bool = False) -> None:
        if assignment.carry_all:
            self.carry_all = assignment.carry_all
        if assignment.carry and not assignment.empty:
            self.carry = assignment
        parent = tuple(self.path[:max(0, (self.item_level or 0))])
        backward: list[DraftTask] = []
        if standalone and parent not in self.assigned_parents and parent == self.run_parent:
            # "(1)…(4)…（责任单位：…）": a bracket after sub-items that named nobody covers them all
            backward = [t for t in self.run if t.lead is None and not t.generic]
        if not assignment.empty or assignment.generic:
            self.assigned_parents.add(parent)
        tasks = self._flush(assignment=assignment, words=words, table_row=table_row)
        for task in backward:
            _apply_assignment(task, assignment, words, self.issued)
            task.reviews = [r for r in task.reviews if r.key not in ("review.no_owner",
                                                                     "review.generic_owner")]
        self.run = [] if (backward or tasks) else self.run

    def _flush(self, assignment: Assignment | None = None, words: str = "",
               table_row: bool = False) -> list[DraftTask]:
        clauses = [c for c in self.pending]
        self.pending = []
        if self.item_title in clauses:
            self.item_title = None
        if not clauses:
            return []
        tasks = _group(clauses)
        for task, members in tasks:
            if assignment is not None:
                _apply_assignment(task, assignment, words, self.issued, members)
            section = next((c.section for c in members if c.section), None)
            if task.lead is None and section is not None and not task.generic:
                _apply(task, section)
                task.notes.append(msg("note.section_owner"))
            if task.lead is None and assignment is None and self.carry is not None:
                _apply(task, self.carry)
                task.notes.append(msg("note.carried"))
            for unit in self.carry_all:
                if task.lead is None:
                    task.lead = unit
                elif all(unit.key != u.key for u in [task.lead, *task.support]):
                    task.support.append(unit)
            if task.lead is None:
                task.reviews.insert(0, msg("review.generic_owner" if task.generic
                                           else "review.no_owner"))
            for named in [task.lead, *task.support]:
                if named is not None and not named.known:
                    task.reviews.append(msg("review.unknown_unit", name=named.name))
            if all(c.optional for c in members) and not task.target and not task.due:
                task.reviews.append(msg("review.not_a_duty"))
            self.tasks.append(task)
            if task.lead is None and not table_row:
                parent = tuple(self.path[:max(0, (self.item_level or 0))])
                if parent != self.run_parent:
                    self.run, self.run_parent = [], parent
                self.run.append(task)
        return [t for t, _ in tasks]


def _group(clauses: list[_Clause]) -> list[tuple[DraftTask, list[_Clause]]]:
    """Clauses into duties: consecutive clauses with the same owner, deadline and recurrence
    are one task; a numeric target, a deadline or an owner of its own starts another."""
    out: list[tuple[DraftTask, list[_Clause]]] = []
    title: _Clause | None = None
    for clause in clauses:
        if clause.title:
            title = clause
            continue
        key = _key(clause)
        same = None if clause.alone else next(
            (pair for pair in reversed(out) if pair[1][0].clause == clause.clause and
             not pair[1][-1].alone and _key(pair[1][-1]) == key and pair[0].target is None), None)
        if same is not None and clause.target is None:
            task, members = same
            task.quote.extend(q for q in clause.text.split("\n") if q)
            members.append(clause)
            continue
        task = _task(clause)
        if title is not None and title.clause == clause.clause:
            # the item's heading leads its first duty's quotes ("加大稳岗支持力度", then the text)
            if title.text not in clause.text and not GENERIC_HEADING.search(title.text):
                task.quote.insert(0, title.text)
                task.line = title.line
            title = None
        elif title is not None:
            out.append((_task(title), [title]))
            title = None
        out.append((task, [clause]))
    if title is not None:
        out.append((_task(title), [title]))
    return out


def _key(clause: _Clause) -> tuple:
    owner = clause.owner.lead.key if clause.owner and clause.owner.lead else (
        "generic" if clause.owner and clause.owner.generic else None)
    rule = tuple(sorted((k, str(v)) for k, v in clause.rec.rule.items())) if clause.rec else None
    return owner, clause.date.date if clause.date else None, rule


def _task(clause: _Clause) -> DraftTask:
    task = DraftTask(clause=clause.clause, quote=[q for q in clause.text.split("\n") if q],
                     heading=clause.heading, line=clause.line)
    task.reviews.extend(clause.reviews)
    if clause.owner is not None:
        _apply(task, clause.owner)
    if clause.date is not None:
        _set_due(task, clause.date)
    if clause.target is not None:
        task.target = clause.target
        task.metric = _metric(clause.text, clause.target)
        if clause.target.review:
            task.reviews.append(clause.target.review)
    if clause.rec is not None:
        if task.due:
            task.reviews.append(msg("review.due_and_recurrence", text=clause.rec.text))
        else:
            task.recurrence = clause.rec.rule
            if clause.rec.review:
                task.reviews.append(msg(clause.rec.review))
    return task


def _apply(task: DraftTask, assignment: Assignment) -> None:
    if assignment.lead is not None:
        task.lead = assignment.lead
        task.support = [u for u in assignment.support if u.key != assignment.lead.key]
        task.generic = False
    elif assignment.generic:
        task.generic = True


def _apply_assignment(task: DraftTask, assignment: Assignment, words: str, issued: dt.date,
                      members: list[_Clause] | None = None) -> None:
    """A bracket, label block or table row assigns the task: its lead leads (the unit the
    sentence named, if another, supports), its time limit dates what has no date of its own."""
    if words.strip():
        task.notes.append(msg("note.roles", words=words.strip()))  # leaders named included
    else:
        task.notes.extend(assignment.notes)
    if assignment.lead is not None:
        named = [u for u in [task.lead, *task.support] if u is not None]
        task.lead = assignment.lead
        support = list(assignment.support)
        for unit in named:
            if unit.key != assignment.lead.key and all(unit.key != u.key for u in support):
                support.append(unit)
        task.support = support
        task.generic = False
    elif assignment.support and task.lead is not None:
        for unit in assignment.support:
            if all(unit.key != u.key for u in [task.lead, *task.support]):
                task.support.append(unit)
    elif assignment.support:
        task.lead, task.support = assignment.support[0], list(assignment.support[1:])
    elif assignment.generic and task.lead is None:
        task.generic = True
    if assignment.deadline_text:
        _deadline_text(task, assignment.deadline_text, issued)


def _deadline_text(task: DraftTask, text: str, issued: dt.date) -> None:
    found = deadlines.find_deadlines(text, issued)
    rule = recurrence.find_recurrence(text)  # 完成时限：每年 / 每季度
    due = next((f for f in found if f.date is not None), None)
    if due is None and not rule and re.search(r"\d{4}\s*年", text):
        past = deadlines.find_deadlines(text, dt.date(1990, 1, 1))
        if past:
            task.reviews.append(msg("review.due_before_issue", text=text))
            return
    if rule is not None and due is None and task.due is None and task.recurrence is None:
        task.recurrence = rule.rule
        if rule.review:
            task.reviews.append(msg(rule.review))
    if due is not None and task.due is None and task.recurrence is None:
        _set_due(task, due)
    elif due is not None and task.recurrence is not None:
        task.reviews.append(msg("review.label_deadline_vs_recurrence", text=text))
    elif due is None and rule is None and found and found[0].review:
        task.reviews.append(found[0].review)


def _set_due(task: DraftTask, found: deadlines.Found) -> None:
    if found.date is not None:
        task.due = found.date
    if found.review:
        task.reviews.append(found.review)


def _leads(sentence: str, found: deadlines.Found) -> bool:
    """The date opens the sentence ("2019年6月底前，研究建立…"), so it dates all its clauses."""
    return found.start <= 4 and bool(re.match(r"\s*[，,]", sentence[found.end:]))


def _actor_spans(sentence: str, prose: Assignment | None, ctx: Context) -> list[tuple[int, int]]:
    """The sentence cut at "；", and at a comma after which another known body goes on as the
    actor ("…，国务院教育行政部门依照职业标准牵头组织开发…")."""
    out: list[tuple[int, int]] = []
    current = prose.lead.key if prose is not None and prose.lead is not None else None
    for a, b in spans(sentence, "；;"):
        start = a
        for c, _ in spans(sentence[a:b], "，,")[1:]:
            unit = responsibility.opens_with_body(sentence[a + c:b], ctx)
            # only a department takes a clause over: "中小学…，高校…" stays one duty
            if unit is not None and unit.entry is not None and unit.key != current:
                out.append((start, a + c))
                start, current = a + c, unit.key
        out.append((start, b))
    return out


def _cut(clause: str, issued: dt.date) -> list[str]:
    """A clause with two deadlines is two duties: cut at the comma before the second date."""
    found = deadlines.find_deadlines(clause, issued)
    dated = [f for f in found if f.date is not None]
    if len(dated) < 2 or len({f.date for f in dated}) < 2:
        return [clause]
    cuts = [0]
    for f in dated[1:]:
        comma = max(clause.rfind("，", 0, f.start), clause.rfind(",", 0, f.start),
                    clause.rfind("；", 0, f.start))
        if comma > cuts[-1]:
            cuts.append(comma)
    cuts.append(len(clause))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        a, b = trim(clause, a, b)
        if b - a >= MIN_CHARS:
            out.append(clause[a:b])
    return out or [clause]


def _by_target(piece: str, found: list[targets.Target]) -> list[tuple[str, targets.Target | None]]:
    """One task per numeric target, each quoting the part of the sentence that holds it."""
    if not found:
        return [(piece, None)]
    if len(found) == 1:
        return [(piece, found[0])]
    out: list[tuple[str, targets.Target | None]] = []
    parts = spans(piece, "，,、")
    for target in found:
        for a, b in parts:
            if a <= target.start < b:
                a, b = trim(piece, a, b)
                if out and out[-1][0] == piece[a:b]:
                    break  # two numbers in one part: one task, the first number
                out.append((piece[a:b], target))
                break
    return out


_VERBS = (r"建设|建成|培育|达到|实现|配备|新增|累计|全国|全市|全省|全区|全县|其中|新建|推动|推进|初步|力争|"
          r"打造|实施|创建|完成|基本|全面|争取|确保|再|共|在|努力|要|应")


def _metric(quote: str, target: targets.Target) -> str | None:
    """What a target counts: the words before the number in its part of the sentence
    ("秸秆综合利用率达到85%" -> 秸秆综合利用率), else the words after it ("建设50所高水平高等职业学校")."""
    if target.metric:
        return target.metric
    at = quote.find(target.text)
    before = quote[:at] if at > 0 else ""
    if re.search(r"[，,、；;：:]\s*$", before):
        before = ""  # the target opens its part: nothing before it is counted
    pieces = spans(before, "，,、；;：:")
    before = before[pieces[-1][0]:pieces[-1][1]] if pieces else ""
    before = re.sub(r"^(到|至)?\d{4}年(底|前)?", "", before)
    before = re.split(r"\d+(?:[:：.]\d+)?", before)[-1]
    before = re.sub(rf"^({_VERBS})+", "", before)
    before = re.sub(r"(达到|达|为|超过|不低于|不少于|至少|按|的|增长|提高|提升|下降)+$", "", before)
    before = re.sub(rf"({_VERBS})+$", "", before)
    if not before.strip() and at >= 0:
        after = re.match(r"[^，,；;。、和及（(以]{2,20}", quote[at + len(target.text):])
        return after.group(0) if after else None
    return before.strip() or None


_CELL_ITEM = re.compile(r"(?:^|(?<=[。；;\s\u2028]))(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])")


def _cell_items(text: str) -> list[str]:
    """A table cell's numbered items ("1.…；2.…", "①…②…") are one duty each; a cell without
    numbered items is one duty, its sentences kept together."""
    starts = [m.start() for m in _CELL_ITEM.finditer(text)]
    if len(starts) < 2:
        return [text]
    if starts[0] != 0 and text[:starts[0]].strip(" \u2028：:"):
        starts = [0, *starts]
    out = []
    for a, b in zip(starts, [*starts[1:], len(text)], strict=False):
        item = text[a:b].strip(" \u2028；;")
        if item:
            out.append(item)
    return out


def _inline_labels(para: str, ctx: Context) -> tuple[str, str] | None:
    """The duty text and the label words of a paragraph that ends in 分工 labels."""
    found = responsibility.find_labels(para, ctx)
    if not found or all(role in ("task", "measure", "note") for role, _, _ in found):
        return None
    first = next((role, name) for role, name, _ in found)
    at = para.find(first[1] + "：")
    if at < 0:
        at = para.find(first[1] + ":")
    if at < 0 or (at > 0 and para[at - 1] not in "。；; \u3000"):
        return None
    return para[:at], para[at:]


def _heading(rest: str) -> tuple[str, str]:
    """A numbered line's heading and its body: "加大稳岗支持力度。对不裁员…"."""
    cut = spans(rest, "。")
    if len(cut) == 1 and "。" not in rest:
        if len(rest) <= 40 or _ends_lead_in(rest):
            return rest.strip(), ""
        return "", rest
    first = rest[cut[0][0]:cut[0][1]]
    # A heading names a theme; "（1）各地要将经费纳入预算。" is a duty even when it stands alone.
    if len(first) <= 30 and not re.search(r"(?<![重主需纲])要(?!求|点)|应(?!用|急|对)|须|负责|牵头|\d",
                                          first):
        return first.strip(), rest[cut[0][1] + 1:].strip()
    return "", rest


def _ends_lead_in(text: str) -> bool:
    text = text.strip()
    return text.endswith(("：", ":")) or bool(re.search(r"(以下|如下)(几个方面|工作|任务|措施)?[：:]?$", text))


def _standalone_bracket(line: str) -> bool:
    text = line.strip()
    return len(text) > 2 and text[0] in "（(" and text[-1] in "）)" and \
        not re.search(r"[）)].*[（(]", text[1:-1])


def _is_trailer(line: str) -> bool:
    """Signatures, date lines, 此件公开发布, page furniture (no sentence punctuation, short),
    and the annex and distribution lines (附件：…, 抄送：…)."""
    if re.match(r"^(附件|抄送|抄报|主送|联系人|联系电话|附表)\s*[0-9一二三四五六七八九十]*\s*[：:]", line):
        return True
    if re.match(r"^[（(]此件.{0,8}[）)]$", line) or line.startswith("#"):
        return True  # "# SOURCE: …" lines of a file kept with its provenance are no part of it
    return not re.search(r"[，,。；;：:、]", line) and len(line) < 30 and numbering(line) is None \
        and not targets.find_targets(line)


def extract(text: str, *, issued: dt.date | None = None,
            directory: Directory | None = None) -> Draft:
    """The draft of a plan. Raises ImporterError when no issue date can be found."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = read_header(lines, issued)
    if header.issued is None:
        raise ImporterError("error.no_issue_date")
    ctx = Context(directory or Directory.load(), header.level, header.city)
    walker = _Walker("\n".join(lines), header, ctx)
    walker.run_all()
    return Draft(header, walker.tasks, ctx.unknown)

"""From the document's text to draft tasks: walk the numbered items, cut sentences into duties,
and give each its owner, deadline, target and recurrence with the document's own words as quote."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.importer import deadlines, recurrence, responsibility, targets
from bot.importer.directory import Directory, Unit
from bot.importer.responsibility import Assignment, Context
from bot.importer.structure import (
    Header,
    clause_label,
    numbering,
    read_header,
    spans,
    trim,
)

# Items whose heading says they set out ideas rather than work: only their dated or numeric
# goals become tasks. An inner heading with 目标 (发展目标 inside 总体要求) wins over an outer one.
GUIDING = re.compile(r"指导思想|基本原则|重大意义|总体思路|工作原则|主要原则|基本思路|总体要求|"
                     r"总体目标和原则|背景|试点范围|适用范围")
GOALS = re.compile(r"目标")
# A sentence that only dates the work just described: "该项工作于2019年4月底前完成".
DATES_PREVIOUS = re.compile(r"^(该项|上述|以上|此项|这项)(工作|任务)")
MIN_CHARS = 6


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
    notes: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    prose_owner: bool = False  # the sentence itself names the owner; a bracket does not override


@dataclass
class Draft:
    header: Header
    tasks: list[DraftTask]
    unknown_units: dict[str, int]


@dataclass
class _Piece:
    """A clause of a sentence waiting for the bracket that may follow its item."""

    task: DraftTask


class _Walker:
    def __init__(self, text: str, header: Header, ctx: Context):
        self.text = text
        self.header = header
        self.ctx = ctx
        self.tasks: list[DraftTask] = []
        self.pending: list[DraftTask] = []
        self.carry: Assignment | None = None  # 下同
        self.carry_all: list[Unit] = []  # 以下均需…落实
        self.path: list[str | None] = [None, None, None, None]
        self.headings: list[str] = ["", "", "", ""]
        self.label_lines: list[str] = []
        self.last_prose: Assignment | None = None
        self.candidate: tuple[int, str, int] | None = None  # (level, heading, tasks so far)

    # ------------------------------------------------------------ walking the lines
    def run(self) -> None:
        lines = self.text.split("\n")
        for raw in lines[self.header.body_start:]:
            line = raw.strip()
            if not line or _is_trailer(line):
                continue
            if responsibility.LABEL_RE.match(line):
                # 分工 lines: "牵头单位：…" "责任单位：…" "完成时限：…" may stand on lines of
                # their own; read them together. A table row ("任务：…；牵头单位：…") stands alone.
                if responsibility.task_text_of_labels(line):
                    self._drain_labels()
                    self._labels(line)
                else:
                    self.label_lines.append(line)
                continue
            self._drain_labels()
            number = numbering(line)
            if number:
                self._promote_heading(number[0])
                self._flush()
                level, n, rest = number
                self.path[level] = n
                for deeper in range(level + 1, 4):
                    self.path[deeper] = None
                    self.headings[deeper] = ""
                heading, body = _heading(rest)
                self.headings[level] = heading
                # "1.推进实训基地建设。" may be the whole duty: kept until we know (see below)
                self.candidate = (level, heading, len(self.tasks)) \
                    if heading and rest.strip().startswith(heading + "。") else None
                for deeper in range(level + 1, 4):
                    self.headings[deeper] = ""
                if body:
                    self._paragraph(body)
                continue
            self._paragraph(line)
        self._drain_labels()
        self._promote_heading(0)
        self._flush()

    def _promote_heading(self, next_level: int | None = None) -> None:
        """A numbered item whose only sentence looked like a heading is a duty after all when
        an assignment follows it, or when the item ends with nothing under it."""
        if self.candidate is None:
            return
        level, heading, tasks_then = self.candidate
        if next_level is not None and next_level > level:
            self.candidate = None  # it heads sub-items: a title
            return
        if len(self.tasks) == tasks_then and not self.pending and not self._guiding():
            self.candidate = None
            self._sentence(heading, None, None)
        self.candidate = None

    def _drain_labels(self) -> None:
        if self.label_lines:
            self._labels("；".join(self.label_lines))
            self.label_lines = []

    @property
    def clause(self) -> str:
        return clause_label(self.path)

    def _guiding(self) -> bool:
        for heading in reversed(self.headings):
            if GOALS.search(heading):
                return False
            if GUIDING.search(heading):
                return True
        return False

    # ------------------------------------------------------------ one paragraph
    def _paragraph(self, para: str) -> None:
        self.last_prose = None  # a subject goes on within its paragraph only
        para_date = None
        lead_m = re.match(r"^\s*(到|至)\s*\d{4}\s*年[^，,。；;]{0,6}[，,]", para)
        if lead_m:
            found = deadlines.find_deadlines(lead_m.group(0), self.header.issued)
            para_date = found[0] if found else None
        previous: DraftTask | None = None
        for a, b in spans(para, "。！？!?"):
            sentence = para[a:b]
            # A responsibility bracket closes the work before it, wherever it stands: at the end
            # of a sentence, or opening the next one ("…标准。（X负责）推广一批…").
            start = 0
            for m in responsibility.ANY_BRACKET_RE.finditer(sentence):
                assignment = responsibility.parse_bracket(m.group(1), self.ctx)
                if assignment is None:
                    continue
                if sentence[start:m.start()].strip():
                    previous = self._sentence(sentence[start:m.start()], para_date, previous)
                self._assign(assignment, m.group(1))
                start = m.end()
            if sentence[start:].strip():
                previous = self._sentence(sentence[start:], para_date, previous)

    def _labels(self, line: str) -> None:
        assignment = responsibility.parse_labels(line, self.ctx)
        task_text = responsibility.task_text_of_labels(line)
        if task_text:
            self._flush()
            self._sentence(task_text, None, None)
        self._assign(assignment, line)

    def _sentence(self, sentence: str, para_date: deadlines.Found | None,
                  previous: DraftTask | None) -> DraftTask | None:
        guiding = self._guiding()
        prose = responsibility.from_prose(sentence, self.ctx)
        if prose is None and re.match(r"^\s*(要|并要|还要|同时要|同时，?要|此外，?要)", sentence):
            prose = self.last_prose  # "财政部门要加大投入。要建立…": the same subject goes on
        self.last_prose = prose
        found = deadlines.find_deadlines(sentence, self.header.issued)
        sentence_date = found[0] if found and _leads(sentence, found[0]) else None
        last = previous
        for a, b in spans(sentence, "；;"):
            a, b = trim(sentence, a, b)
            clause = sentence[a:b]
            if len(clause) < MIN_CHARS:
                continue
            own = responsibility.from_prose(clause, self.ctx) if a else None
            owner = own if own and own.lead else prose
            for piece in _cut(clause, self.header.issued):
                dates = deadlines.find_deadlines(piece, self.header.issued)
                if DATES_PREVIOUS.match(piece) and dates and last is not None:
                    last.quote.append(piece)
                    _set_due(last, dates[0])
                    continue
                found_targets = targets.find_targets(piece)
                date = dates[0] if dates else (sentence_date or para_date)
                if guiding and not (found_targets or dates):
                    continue
                split = len(found_targets) > 1
                for quote, target in _by_target(piece, found_targets):
                    rec = recurrence.find_recurrence(quote if split else piece)
                    task = DraftTask(clause=self.clause, quote=[quote],
                                     heading=next((h for h in reversed(self.headings) if h), ""))
                    mine = responsibility.from_prose(quote, self.ctx) if split else None
                    if mine is not None and mine.lead is not None:
                        _apply(task, mine, prose=True)
                    elif owner is not None:
                        _apply(task, owner, prose=True)
                    if date is not None:
                        _set_due(task, date)
                    if target is not None:
                        task.target = target
                        task.metric = _metric(quote, target)
                        if target.review:
                            task.reviews.append(target.review)
                    if rec is not None:
                        if task.due:
                            task.reviews.append(f"同时写有期限和周期“{rec.text}”:已按期限导入,请核对")
                        else:
                            task.recurrence = rec.rule
                            if rec.review:
                                task.reviews.append(rec.review)
                    self.pending.append(task)
                    last = task
        return last

    # ------------------------------------------------------------ owners
    def _assign(self, assignment: Assignment | None, words: str) -> None:
        if assignment is None:
            return
        if not self.pending:
            self._promote_heading()
        if assignment.carry_all:
            self.carry_all = assignment.carry_all
        if assignment.carry and not assignment.empty:
            self.carry = assignment
        due = rule = None
        if assignment.deadline_text:
            found = deadlines.find_deadlines(assignment.deadline_text, self.header.issued)
            due = found[0] if found else None
            rule = recurrence.find_recurrence(assignment.deadline_text)  # 完成时限：每年
        for task in self.pending:
            task.notes.append(f"原文分工:{words.strip()}")
            if not task.prose_owner:
                _apply(task, assignment)
            elif assignment.lead and all(u.key != assignment.lead.key for u in [task.lead, *task.support] if u):
                task.support.append(assignment.lead)
            if rule is not None and due is None and task.due is None and task.recurrence is None:
                task.recurrence = rule.rule
                if rule.review:
                    task.reviews.append(rule.review)
            if due is not None and task.due is None and task.recurrence is None:
                _set_due(task, due)
            elif due is not None and task.recurrence is not None:
                task.reviews.append(f"分工写明完成时限“{assignment.deadline_text}”,条文写有周期;"
                                    "已按周期导入,请核对")
        self._flush(assigned=True)

    def _flush(self, assigned: bool = False) -> None:
        for task in self.pending:
            if task.lead is None and self.carry is not None and not assigned:
                _apply(task, self.carry)
                task.notes.append("责任单位沿用前文“下同”")
            for unit in self.carry_all:
                if task.lead is None:
                    task.lead = unit
                elif all(unit.key != u.key for u in [task.lead, *task.support]):
                    task.support.append(unit)
            if task.lead is None:
                task.reviews.insert(0, "方案未写明责任单位" if not getattr(task, "_generic", False)
                                    else "方案只写“有关部门”,未写明哪个部门")
            for unit in [task.lead, *task.support]:
                if unit is not None and not unit.known:
                    task.reviews.append(f"“{unit.name}”不在部门目录中,按原文保留,请核对")
            self.tasks.append(task)
        self.pending = []


def _apply(task: DraftTask, assignment: Assignment, prose: bool = False) -> None:
    if assignment.lead is not None:
        task.lead = assignment.lead
        task.support = [u for u in assignment.support if u.key != assignment.lead.key]
        task.prose_owner = prose
    elif assignment.generic:
        task._generic = True  # type: ignore[attr-defined]


def _set_due(task: DraftTask, found: deadlines.Found) -> None:
    if found.date is not None:
        task.due = found.date
    if found.review:
        task.reviews.append(found.review)


def _leads(sentence: str, found: deadlines.Found) -> bool:
    """The date opens the sentence ("2019年6月底前，研究建立…"), so it dates all its clauses."""
    return found.start <= 4 and bool(re.match(r"\s*[，,]", sentence[found.end:]))


def _cut(clause: str, issued: dt.date) -> list[str]:
    """A clause with two deadlines is two duties: cut at the comma before the second date."""
    found = deadlines.find_deadlines(clause, issued)
    dated = [f for f in found if f.date is not None]
    if len(dated) < 2 or len({f.date for f in dated}) < 2:
        return [clause]
    cuts = [0]
    for f in dated[1:]:
        comma = max(clause.rfind("，", 0, f.start), clause.rfind(",", 0, f.start))
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
    out = []
    parts = spans(piece, "，,、")
    for target in found:
        for a, b in parts:
            if a <= target.start < b:
                a, b = trim(piece, a, b)
                out.append((piece[a:b], target))
                break
    return out


def _metric(quote: str, target: targets.Target) -> str | None:
    at = quote.find(target.text)
    before = quote[:at] if at > 0 else ""
    pieces = spans(before, "，,、；;：:")
    before = before[pieces[-1][0]:pieces[-1][1]] if pieces else ""
    before = re.sub(r"^(到|至)?\d{4}年(底|前)?", "", before)
    before = re.split(r"\d+(?:[:：.]\d+)?", before)[-1]
    before = re.sub(r"^(建设|建成|培育|达到|实现|配备|新增|累计|全国|全市|全省|其中)+", "", before)
    before = re.sub(r"(达到|达|为|超过|不低于|不少于|至少|按|的)+$", "", before)
    return before.strip() or None


def _heading(rest: str) -> tuple[str, str]:
    """A numbered line's heading and its body: "加大稳岗支持力度。对不裁员…"."""
    cut = spans(rest, "。")
    if len(cut) == 1 and "。" not in rest:
        if len(rest) <= 40:
            return rest.strip(), ""
        return "", rest
    first = rest[cut[0][0]:cut[0][1]]
    # A heading names a theme; "（1）各地要将经费纳入预算。" is a duty even when it stands alone.
    if len(first) <= 30 and not re.search(r"(?<![重主需纲])要(?!求|点)|应(?!用|急|对)|须|负责|牵头|\d",
                                          first):
        return first.strip(), rest[cut[0][1] + 1:].strip()
    return "", rest


def _is_trailer(line: str) -> bool:
    """Signatures, date lines, 此件公开发布, page furniture (no sentence punctuation, short),
    and the annex and distribution lines (附件：…, 抄送：…)."""
    if re.match(r"^(附件|抄送|抄报|主送|联系人|联系电话)\s*[0-9一二三四五六七八九十]*\s*[：:]", line):
        return True
    return not re.search(r"[，,。；;：:、]", line) and len(line) < 30 and numbering(line) is None


def extract(text: str, *, issued: dt.date | None = None,
            directory: Directory | None = None) -> Draft:
    """The draft of a plan. Raises ValueError when no issue date can be found."""
    lines = text.replace("\r\n", "\n").split("\n")
    header = read_header(lines, issued)
    if header.issued is None:
        raise ValueError("找不到发文日期,请用 --issued YYYY-MM-DD 指定 / "
                         "No issue date found: give it with --issued YYYY-MM-DD")
    ctx = Context(directory or Directory.load(), header.level, header.city)
    walker = _Walker("\n".join(lines), header, ctx)
    walker.run()
    return Draft(header, walker.tasks, ctx.unknown)

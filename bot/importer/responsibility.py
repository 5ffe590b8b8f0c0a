"""Who does it: responsibility brackets, 分工 label lines, and bodies named as a sentence's subject.

The rules, from the ways plans are written:
* "（人力资源社会保障部、财政部负责）", "（生态环境部牵头，国家发展改革委…参与）",
  "（工业和信息化部指导）", "（各省级人民政府负责）": the unit named in a 牵头 part leads, else
  the first unit named; every other unit supports. The bracket covers the sentences since the
  last bracket of the same item.
* "下同" after units carries them to later items that name nobody; "以下均需试点城市政府落实，
  不再列出" adds that unit to every later item. "列第一位者为牵头单位，下同" states the rule
  above and carries nothing.
* 分工 labels, on lines of their own, after an item or in a bracket: "牵头单位：…", "责任单位：…",
  "配合单位：…", "完成时限：…" in any wording the synonyms table knows (labels.yaml). With no lead
  label, the first responsible unit leads ("列第一位的责任单位为牵头单位").
* Prose: "财政部门要支持教育部门…" (the subject leads; whom it 配合/支持/会同 supports), after a
  leading clause ("为…，各地要…", "2019年底前，试点地区要…"), across a comma ("国务院办公厅，将…");
  "由县级以上教育行政主管部门与卫健部门牵头，…". A list of things ("政务新媒体、政府网站等应…")
  is not an owner: every name of a subject must be a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.importer.directory import (
    GENERIC,
    Directory,
    Unit,
    cut_from_phrase,
    cut_mid_word,
    is_body,
    split_units,
)
from bot.importer.messages import Msg, msg

ROLE_WORDS = ("牵头负责", "负责落实", "按职责分工负责", "按职责分工落实", "分别负责", "共同负责",
              "具体负责", "负责推进", "组织实施", "牵头落实", "配合落实", "牵头", "负责", "参与",
              "配合", "指导", "落实", "协助", "会同", "协同", "督促指导", "主抓", "主责")
ROLE_RE = re.compile(r"(" + "|".join(sorted(ROLE_WORDS, key=len, reverse=True)) + r")$")
ANY_BRACKET_RE = re.compile(
    r"[（(]([^（）()]*?(?:牵头|负责|参与|配合|指导|落实|协办|单位\s*[：:]|部门\s*[：:]|时限\s*[：:])"
    r"[^（）()]*?)[）)]")
ROLE_HINT = re.compile(r"牵头|负责|参与|配合|指导|落实|协办|单位\s*[：:]|部门\s*[：:]|时限\s*[：:]")


def brackets(text: str, ctx: Context | None = None) -> list[tuple[int, int, str]]:
    """(start, end, inside) of each outermost bracket in text that speaks of roles, or (with ctx)
    names only units and perhaps a time limit ("（市发改委、市财政局，2023年底前）"); brackets
    inside it ("各县（市、区）人民政府") stay part of it."""
    out = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            if depth == 0:
                start = i
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if depth == 0:
                inner = text[start + 1:i]
                if ROLE_HINT.search(inner) or (ctx is not None and _units_and_date(inner, ctx)):
                    out.append((start, i + 1, inner))
    return out


def _units_and_date(inner: str, ctx: Context) -> bool:
    parts = [p for p in re.split(r"[，,；;]", inner) if p.strip()]
    names = [p for p in parts if not DEADLINE_PHRASE.search(p)]
    return bool(names) and len(inner) <= 80 and all(
        ctx.directory.is_units(p, ctx.level, ctx.city) for p in names) and any(
        ctx.units(p)[0] for p in names)


CONVENTION_RE = re.compile(r"(?:列|排)(?:在)?(?:第一位|首位|第一)(?:者|的)?(?:为|是)?(?:牵头|主办)")
LABEL_AT = re.compile(r"(?P<label>[\u4e00-\u9fff（）()]{1,12}?)\s*[：:]")
# Words that may stand between a subject and its duty: 要/应/须 …, or a verb a body does.
MODALS = (r"(?:要|应当|应该|应|须|必须|需要|需|负责|牵头|将|会同|按照|按程序|按规定|依法|统筹|切实|认真|"
          r"进一步|要求|分别|共同|在职责范围内|按职责)")
SUBJECT_AT = re.compile(r"(?P<subj>[^，,。；;：:“”\"]{2,30}?)\s*[，,]?\s*" + MODALS)
# A known body opening a clause without 要: "经市教育局认定后，市财政对…补助", "各地以县为单位…".
ACTOR_RE = re.compile(
    r"(?P<name>(?:市|县|区|省|各级)?[\u4e00-\u9fff]{2,20}?)"
    r"(?=对|按|会同|负责|牵头|组织|统筹|指导|做好|加强|推动|建立|开展|落实|给予|制定|实施|全面|加快|完善|"
    r"以|结合|根据|围绕|贯彻|抓紧|及时|积极|认真|切实|严格|每年|每季度|每月|每半年|于|在|从|自|"
    r"要|应|须|将|承担|具体|完成|实现|建成|达到|推动|推进|督促|依照|依据|组织|牵头|会同)"
)
LED_BY_RE = re.compile(r"由(?P<units>[^，,。；;：:]{2,40}?)(?:共同|分别|具体)?(?:牵头|负责)(?!同志|人)")
BY_RE = re.compile(r"(?:应当|应|须|要)?由(?P<rest>[^，,。；;：:]{2,24})")
# Words that open a phrase naming what is acted on, not who acts: "鼓励地方政府…", "推进政府…".
NOT_SUBJECT = re.compile(r"^(鼓励|支持|推动|推进|引导|督促|要求|指导|组织|动员|经|由|在|对|按照|根据|"
                         r"依托|通过|加强|切实|进一步|积极|全面|加快|建立|完善|落实|做好|统筹|推广|"
                         r"允许|探索|把|为|以|让|使|请|责成|明确|坚持|深化|强化|加大|提高|提升|"
                         r"实现|确保|保障|严格|健全|实施|开展|优化|促进|发挥|做到|注重|围绕)")
HELPS_RE = re.compile(r"(?:配合|支持|会同|协助|协同|联合)+(?P<units>[^，,。；;、]{2,14}?(?:部门|局|委|办|部))")
DEADLINE_PHRASE = re.compile(r"\d{4}\s*年|[年月]底前|[年月]末前|上半年|下半年|长期坚持|持续推进|长期|"
                             r"每年|每季度|每月|每半年|常态化|\d{1,2}\s*月\s*\d{1,2}\s*日前")


@dataclass
class Assignment:
    lead: Unit | None = None
    support: list[Unit] = field(default_factory=list)
    roles: str = ""  # the document's own words about roles, kept as the task's note
    generic: bool = False  # "有关部门" named without saying which
    deadline_text: str | None = None  # 完成时限 of a 分工 line
    task_text: str | None = None  # 任务：… of a 分工 line
    notes: list[Msg] = field(default_factory=list)  # 牵头领导：… and other kept words
    carry: bool = False  # 下同
    carry_all: list[Unit] = field(default_factory=list)  # 以下均需…落实，不再列出

    @property
    def empty(self) -> bool:
        return self.lead is None and not self.support


@dataclass
class Context:
    directory: Directory
    level: str
    city: str | None
    unknown: dict[str, int] = field(default_factory=dict)

    def units(self, text: str, *, strict: bool = False) -> tuple[list[Unit], bool]:
        """Named units in text, in order, and whether a generic "有关部门" was among them.
        strict: every name must be a unit (a subject), else nothing is returned."""
        out: list[Unit] = []
        generic = False
        for piece in split_units(text):
            piece = re.sub(r"(按职责分工|按职责|分别|共同|具体)$", "", piece.strip())
            unit = self.directory.resolve(piece, self.level, self.city)
            if unit is None and "和" in piece:
                halves = [self.directory.resolve(h, self.level, self.city) for h in piece.split("和")]
                if all(h is not None and (h.entry or h.name in self.directory.units) for h in halves):
                    out.extend(h for h in halves if h and all(h.key != u.key for u in out))
                    continue
            if unit is None:
                is_generic = bool(re.search(r"(有关|相关|各)(职能)?(部门|单位)", piece)) or bool(
                    GENERIC.match(re.sub(r"^(等|和|及)|等$", "", piece)))
                generic = generic or is_generic
                if strict and not is_generic:
                    return [], False
                continue
            if unit.entry is None and "和" in unit.name:
                halves = [self.directory.resolve(h, self.level, self.city) for h in unit.name.split("和")]
                if all(h is not None and h.entry for h in halves):
                    out.extend(h for h in halves if h)
                    continue
            if all(u.key != unit.key for u in out):
                out.append(unit)
        return out, generic

    def note_unknown(self, units: list[Unit]) -> None:
        for unit in units:
            if not unit.known:
                self.unknown[unit.name] = self.unknown.get(unit.name, 0) + 1


# ------------------------------------------------------------------ brackets and labels
def parse_bracket(text: str, ctx: Context) -> Assignment | None:
    """The inside of a responsibility bracket; None if it assigns nothing."""
    if find_labels(text, ctx):
        return parse_labels(text, ctx)
    result = Assignment(roles=text.strip())
    leads: list[Unit] = []
    others: list[Unit] = []
    pending: list[str] = []
    for part in re.split(r"[。；;]", text):
        part = part.strip()
        if not part:
            continue
        if CONVENTION_RE.search(part):
            continue  # the convention itself; its 下同 carries the convention, not the units
        m = re.search(r"以下(?:均|都)?(?:需|由)?(.+?)(?:负责)?落实", part)
        if m:
            result.carry_all, _ = ctx.units(m.group(1))
            continue
        for phrase in re.split(r"[，,]", part):
            phrase = phrase.strip()
            if not phrase:
                continue
            if DEADLINE_PHRASE.search(phrase) and not ROLE_RE.search(phrase):
                result.deadline_text = phrase  # "（市发改委牵头；2023年底前完成）"
                continue
            if phrase == "下同":
                result.carry = True
                continue
            role = ROLE_RE.search(phrase)
            if not role:
                pending.append(phrase)
                continue
            names = "、".join([*pending, phrase[: role.start()]])
            pending = []
            units, generic = ctx.units(names)
            result.generic = result.generic or generic
            (leads if "牵头" in role.group(1) or "主" in role.group(1) else others).extend(units)
    if pending:
        units, generic = ctx.units("、".join(pending))
        result.generic = result.generic or generic
        others.extend(units)
    ordered = leads + [u for u in others if all(u.key != v.key for v in leads)]
    if not ordered and not result.carry_all and not result.generic and not result.deadline_text:
        return None
    if ordered:
        result.lead, result.support = ordered[0], ordered[1:]
        ctx.note_unknown(ordered)
    return result


def find_labels(text: str, ctx: Context) -> list[tuple[str, str, str]]:
    """(role, label, value) of every 分工 label in text ("牵头单位：市教育局；完成时限：…")."""
    labels = ctx.directory.labels
    found = []
    for m in LABEL_AT.finditer(text):
        name = re.sub(r"^[（(、，,；;。\s]+", "", m.group("label"))
        # the label is the last words before the colon: "…。牵头单位：" -> 牵头单位
        for start in range(len(name)):
            if labels.is_label(name[start:]):
                found.append((m.start("label") + (len(m.group("label")) - len(name)) + start,
                              m.end(), name[start:]))
                break
    out = []
    for i, (_start, end, name) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        value = text[end:stop].strip().strip("；;。，,、 ")
        role = labels.role(name)
        if role is not None:
            out.append((role, name, value))
    return out


def parse_labels(text: str, ctx: Context) -> Assignment:
    result = Assignment(roles=text.strip().strip("（）()"))
    found = find_labels(text, ctx)
    leads: list[Unit] = []
    responsible: list[Unit] = []
    support: list[Unit] = []
    for role, name, value in found:
        if role in ("lead", "responsible", "support"):
            # "市税务局、市财政局，排在首位的为牵头单位，下同": the convention is not a unit
            value = "，".join(p for p in re.split(r"[，,]", value)
                             if p.strip() and not CONVENTION_RE.search(p) and p.strip() != "下同")
            units, generic = ctx.units(value)
            result.generic = result.generic or generic
            {"lead": leads, "responsible": responsible, "support": support}[role].extend(units)
        elif role == "deadline" and value:
            result.deadline_text = value
        elif role in ("task", "measure") and value:
            result.task_text = value
        elif role in ("person", "note") and value:
            result.notes.append(msg("note.label", label=name, value=value))
    # 牵头 first; with no lead label the first responsible unit leads
    ordered = leads + responsible + support
    unique: list[Unit] = []
    for unit in ordered:
        if all(unit.key != u.key for u in unique):
            unique.append(unit)
    if unique:
        result.lead, result.support = unique[0], unique[1:]
        ctx.note_unknown(unique)
    return result


def label_line(line: str, ctx: Context) -> list[tuple[str, str, str]] | None:
    """The labels of a line that is a 分工 label line (it starts with a label), else None."""
    text = line.strip().strip("（）()")
    m = LABEL_AT.match(text)
    if not m or not ctx.directory.labels.is_label(m.group("label")):
        return None
    return find_labels(text, ctx)


# ------------------------------------------------------------------ prose
def _subject_units(subj: str, ctx: Context) -> list[Unit]:
    """The bodies a subject names, or [] when any name in it is not a body ("政务新媒体、政府网站
    等" is a list of things) or it is too long to be a name."""
    subj = re.sub(r"^(同时|此外|另外|并且|并|其中|对此|为此)", "", subj.strip())
    if not subj or NOT_SUBJECT.match(subj) or "的" in subj:
        return []
    if re.search(r"[了对把将在从向为以于和与及]$", subj) and not is_body(subj):
        return []
    units, _ = ctx.units(subj, strict=True)
    return units


def _led_by(sentence: str, ctx: Context) -> Unit | None:
    """"应当由教育行政部门办成公办园": the body after 由 does what follows. The longest name
    after 由 that is a known body (or else the shortest that is a body at all), not counting a
    name cut out of a phrase naming the body's people ("由高校毕业生…")."""
    for m in BY_RE.finditer(sentence):
        rest = m.group("rest")
        known: Unit | None = None
        other: Unit | None = None
        for end in range(2, len(rest)):
            unit = ctx.directory.resolve(rest[:end], ctx.level, ctx.city)
            if unit is None or cut_mid_word(rest[:end], rest[end:]):
                continue
            if cut_from_phrase(rest[end:]):
                # "由离校未就业高校毕业生…", "由集团公司职工…": the body and every shorter name
                # in it belong to a phrase naming people; only a longer name may still be one.
                known = other = None
                continue
            if unit.known:
                known = unit
            elif other is None:
                other = unit
        if known or other:
            return known or other
    return None


def opens_with_body(text: str, ctx: Context) -> Unit | None:
    """The known body a clause opens with as its actor ("国务院教育行政部门依照…牵头组织…",
    "财政部门要…"), else None: where a sentence goes on across a comma with another actor."""
    m = SUBJECT_AT.match(text)
    if m and not NOT_SUBJECT.match(m.group("subj")) and "的" not in m.group("subj"):
        units, _ = ctx.units(m.group("subj"), strict=True)
        if units and units[0].known:
            return units[0]
    m = ACTOR_RE.match(text)
    if m and not NOT_SUBJECT.match(m.group("name")):
        unit = ctx.directory.resolve(m.group("name"), ctx.level, ctx.city)
        if unit is not None and unit.known:
            return unit
    return None


def from_prose(sentence: str, ctx: Context) -> Assignment | None:
    """The body a sentence names as its subject ("财政部门要…", "为…，各地要…") or as leader
    ("由…牵头"); None when it names none. A generic subject ("有关部门要…") is reported as such."""
    result = Assignment()
    starts = [0] + [m.end() for m in re.finditer(r"[，,]", sentence)][:3]
    for start in starts:
        m = SUBJECT_AT.match(sentence, start)
        if not m or "由" in m.group("subj"):
            continue
        subj = m.group("subj")
        units = _subject_units(subj, ctx)
        if units:
            result.lead, result.support = units[0], units[1:]
            break
        bare = re.sub(r"^(同时|此外|另外|并)", "", subj)
        if GENERIC.match(re.sub(r"等$", "", bare)) or re.fullmatch(r"(各|有关|相关)[^，,]{0,6}(部门|单位)", bare):
            result.generic = True
            break
    if result.lead is None and not result.generic:
        for start in starts[:2]:
            m = ACTOR_RE.match(sentence, start)
            if not m or NOT_SUBJECT.match(m.group("name")):
                continue
            unit = ctx.directory.resolve(m.group("name"), ctx.level, ctx.city)
            if unit is not None and unit.known:
                result.lead = unit
                break
    if result.lead is None:
        m = LED_BY_RE.search(sentence)
        if m:
            units, _ = ctx.units(m.group("units"))
            if units:
                result.lead, result.support = units[0], units[1:]
    if result.lead is None:
        result.lead = _led_by(sentence, ctx)
    if result.lead is not None:
        for m in HELPS_RE.finditer(sentence):
            units, _ = ctx.units(m.group("units"))
            for unit in units:
                if unit.entry and all(unit.key != u.key for u in [result.lead, *result.support]):
                    result.support.append(unit)
        ctx.note_unknown([result.lead, *result.support])
    if result.lead is None and not result.generic:
        return None
    return result

"""Who does it: responsibility brackets, 分工 lines, and departments named as a sentence's subject.

The rules, from the ways plans are written:
* "（人力资源社会保障部、财政部负责）", "（生态环境部牵头，国家发展改革委…参与）",
  "（工业和信息化部指导）", "（各省级人民政府负责）": the unit named in a 牵头 part leads, else
  the first unit named; every other unit supports. The bracket covers the sentences since the
  last bracket of the same item.
* "下同" after units carries them to later items that name nobody; "以下均需试点城市政府落实，
  不再列出" adds that unit to every later item. "列第一位者为牵头单位，下同" states the rule
  above and carries nothing.
* 分工 lines or table rows: "牵头单位：…；责任单位：…；完成时限：…".
* Prose: "财政部门要支持教育部门…" (the subject leads; whom it 配合/支持/会同 supports),
  "由县级以上教育行政主管部门与卫健部门牵头，…".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.importer.directory import Directory, Unit, split_units

ROLE_WORDS = ("牵头负责", "负责落实", "按职责分工负责", "牵头", "负责", "参与", "配合", "指导",
              "落实", "协助", "会同")
ROLE_RE = re.compile(r"(" + "|".join(ROLE_WORDS) + r")$")
ANY_BRACKET_RE = re.compile(r"[（(]([^（）()]*?(?:牵头|负责|参与|配合|指导|落实)[^（）()]*?)[）)]")
LABEL_RE = re.compile(r"(任务|牵头单位|牵头部门|责任单位|责任部门|配合单位|配合部门|参与单位|协办单位|"
                      r"完成时限|完成时间|时间节点|时限要求)\s*[：:]\s*([^；;。\n]*)")
LABEL_ROLES = {"牵头单位": "lead", "牵头部门": "lead", "责任单位": "resp", "责任部门": "resp",
               "配合单位": "support", "配合部门": "support", "参与单位": "support",
               "协办单位": "support"}
SUBJECT_RE = re.compile(
    r"^(?:[^，,。；;]{0,16}?(?:年|月|日|前|后)[，,]\s*)?(?:同时[，,]|此外[，,])?"
    r"(?:[^，,。；;]{0,30}?(?:的|中|后)[，,]\s*){0,2}"
    r"(?P<subj>[^，,。；;：:“”\"]{2,30}?)(?:要|应当|应|须|必须|负责|牵头|会同|按程序|按规定)"
)
# A department opening a clause without 要: "经市教育局认定后，市财政对…给予适当补助". Only a
# department of the directory counts here, never a body kept as named, to stay conservative.
ACTOR_RE = re.compile(
    r"^(?:[^，,。；;]{0,30}?(?:的|后|中)[，,]\s*)?(?P<name>(?:市|县|区|省|各级)?[\u4e00-\u9fff]{2,14}?)"
    r"(?=对|按|会同|负责|牵头|组织|统筹|指导|做好|加强|推动|建立|开展|落实|给予|制定|实施)"
)
LED_BY_RE = re.compile(r"由(?P<units>[^，,。；;：:]{2,40}?)(?:共同)?(?:牵头|负责)(?!同志|人)")
HELPS_RE = re.compile(r"(?:配合|支持|会同|协助|协同|联合)+(?P<units>[^，,。；;、]{2,14}?(?:部门|局|委|办|部))")


@dataclass
class Assignment:
    lead: Unit | None = None
    support: list[Unit] = field(default_factory=list)
    roles: str = ""  # the document's own words about roles, kept as the task's note
    generic: bool = False  # "有关部门" named without saying which
    deadline_text: str | None = None  # 完成时限 of a 分工 line
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

    def units(self, text: str) -> tuple[list[Unit], bool]:
        """Named units in text, in order, and whether a generic "有关部门" was among them."""
        out: list[Unit] = []
        generic = False
        for piece in split_units(text):
            piece = re.sub(r"(按职责分工|按职责|分别|共同)$", "", piece.strip())
            unit = self.directory.resolve(piece, self.level, self.city)
            if unit is None and "和" in piece:
                halves = [self.directory.resolve(h, self.level, self.city) for h in piece.split("和")]
                if all(h is not None and (h.entry or h.name in self.directory.units) for h in halves):
                    out.extend(h for h in halves if h)
                    continue
            if unit is None:
                generic = generic or bool(re.search(r"(有关|相关)(职能)?(部门|单位)", piece))
                continue
            if unit.entry is None and "和" in unit.name:
                halves = [self.directory.resolve(h, self.level, self.city) for h in unit.name.split("和")]
                if all(h is not None and h.entry for h in halves):
                    out.extend(h for h in halves if h)
                    continue
            if not unit.known:
                self.unknown[unit.name] = self.unknown.get(unit.name, 0) + 1
            if all(u.key != unit.key for u in out):
                out.append(unit)
        return out, generic


def parse_bracket(text: str, ctx: Context) -> Assignment | None:
    """The inside of a responsibility bracket, or a 分工 line; None if it assigns nothing."""
    if LABEL_RE.search(text) and re.search(r"牵头|责任|配合|参与|协办", text):
        return parse_labels(text, ctx)
    result = Assignment(roles=text.strip())
    leads: list[Unit] = []
    others: list[Unit] = []
    pending: list[str] = []
    for part in re.split(r"[。；;]", text):
        part = part.strip()
        if not part:
            continue
        if "列第一位" in part or "为牵头单位" in part:
            continue  # the convention itself
        m = re.search(r"以下(?:均|都)?(?:需|由)?(.+?)(?:负责)?落实", part)
        if m:
            result.carry_all, _ = ctx.units(m.group(1))
            continue
        for phrase in re.split(r"[，,]", part):
            phrase = phrase.strip()
            if re.search(r"\d{4}\s*年|[年月]底前|上半年|下半年|长期坚持|持续推进|每年|每季度", phrase) \
                    and not ROLE_RE.search(phrase):
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
            (leads if "牵头" in role.group(1) else others).extend(units)
    if pending:
        units, generic = ctx.units("、".join(pending))
        result.generic = result.generic or generic
        others.extend(units)
    ordered = leads + [u for u in others if all(u.key != v.key for v in leads)]
    if not ordered and not result.carry_all and not result.generic and not result.deadline_text:
        return None
    if ordered:
        result.lead, result.support = ordered[0], ordered[1:]
    return result


def parse_labels(text: str, ctx: Context) -> Assignment:
    result = Assignment(roles=text.strip())
    lead: list[Unit] = []
    rest: list[Unit] = []
    for label, value in LABEL_RE.findall(text):
        if label in LABEL_ROLES:
            units, generic = ctx.units(value)
            result.generic = result.generic or generic
            (lead if LABEL_ROLES[label] == "lead" else rest).extend(units)
        elif label != "任务" and value.strip():
            result.deadline_text = value.strip()
    ordered = lead + [u for u in rest if all(u.key != v.key for v in lead)]
    if ordered:
        result.lead, result.support = ordered[0], ordered[1:]
    return result


def task_text_of_labels(text: str) -> str | None:
    m = re.search(r"任务\s*[：:]\s*([^；;\n]*)", text)
    return m.group(1).strip() if m else None


def from_prose(sentence: str, ctx: Context) -> Assignment | None:
    """The department a sentence names as its subject ("财政部门要…") or as leader ("由…牵头")."""
    result = Assignment()
    m = SUBJECT_RE.match(sentence)
    if m and "由" not in m.group("subj"):
        units, generic = ctx.units(m.group("subj"))
        if units:
            result.lead, result.support = units[0], units[1:]
        result.generic = generic and not units
    if result.lead is None and not result.generic:
        m = ACTOR_RE.match(sentence)
        unit = ctx.directory.resolve(m.group("name"), ctx.level, ctx.city) if m else None
        if unit is not None and unit.entry is not None:
            result.lead = unit
    if result.lead is None:
        m = LED_BY_RE.search(sentence)
        if m:
            units, _ = ctx.units(m.group("units"))
            if units:
                result.lead, result.support = units[0], units[1:]
    if result.lead is not None:
        for m in HELPS_RE.finditer(sentence):
            units, _ = ctx.units(m.group("units"))
            for unit in units:
                if unit.entry and all(unit.key != u.key for u in [result.lead, *result.support]):
                    result.support.append(unit)
    if result.lead is None and not result.generic:
        return None
    return result

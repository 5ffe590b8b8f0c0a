"""Numeric targets: "建成……300所以上", "达到85%以上", "师生比不低于1:1000".

A number is a target only with a word saying which way it must go (以上, 不低于, 达到, 不超过 …);
a bare number ("返还50%", "16—24岁") is a rule or a description, not something to reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.importer.messages import Msg, msg

AT_LEAST_BEFORE = ("不低于", "不少于", "至少", "超过", "达到", "达", "提高到", "提升到", "提高至",
                   "提升至", "增加到", "增至", "建成", "建设", "培育", "新增", "累计", "突破",
                   "稳定在", "保持在", "力争", "增长", "提高", "提升", "下降")
AT_MOST_BEFORE = ("不高于", "不超过", "控制在", "降低到", "降低至", "降至", "低于", "少于")
AT_LEAST_AFTER = ("以上", "及以上")
AT_MOST_AFTER = ("以下", "以内", "及以下")
ABOUT_AFTER = ("左右",)

# Units that make a count or a share; durations and ages (年, 月, 岁, 小时) are left out on
# purpose: "1年以上劳动合同", "16—24岁" are conditions, not targets.
UNITS = ("个百分点", "个学时", "个课时", "个工作日", "%", "％", "‰", "所", "个", "名", "人次", "万人", "人", "家", "座", "处", "项",
         "条", "户", "次", "节", "学时", "课时", "学分", "千瓦", "吨", "公里", "千米", "万亩", "亩",
         "平方米", "㎡", "万元", "亿元", "元", "台", "套", "辆", "张", "篇", "批", "场", "支",
         "倍", "间", "家次", "所学校", "种", "类", "个县", "个城市")

_before = "|".join(sorted(AT_LEAST_BEFORE + AT_MOST_BEFORE, key=len, reverse=True))
# Verbs that make something, with what they make between them and the number: "新建5G基站2600个",
# "累计建成示范社区100个": the count is the target even without 以上.
_MAKES = ("建成|新建|建设|培育|创建|打造|新增|新改造|改造|完成|认定|招收|培训|实施|引进|新培育|推广|"
          "建立|设立|遴选|评选|布局|布设|招聘|选树|培养|扶持|支持")
# A number of times or a span of time is how often or how long, not something to reach:
# "每年至少1个月", "每学期至少开展1次".
_DURATION_AFTER = re.compile(r"^(?:月|天|日|周|小时|年|分钟|学时)")
_FREQUENCY = re.compile(r"每(?:个)?(?:年|学期|学年|季度|季|月|周|天|日|半年|两周|人|生|班|校)")
# A verb may stand between the direction word and the number: "至少组织100名", "至少配备1名".
_verbs = "组织|配备|建成|建设|培训|开展|参加|安排|设置|开设|完成|招收|培养|达到|新建"
_units = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_after = "|".join(sorted(AT_LEAST_AFTER + AT_MOST_AFTER + ABOUT_AFTER, key=len, reverse=True))
MAKES_RE = re.compile(
    rf"(?P<pre>{_MAKES})(?P<what>[^，,；;。：:、\d（(]{{0,15}}?|[^，,；;。：:、]{{0,6}}?\d+[A-Za-z][^，,；;。：:、\d]{{0,10}}?)"
    rf"(?P<num>\d+(?:\.\d+)?)\s*(?P<mag>万|亿)?(?P<unit>{{units}})(?P<post>{{after}})?"
)
TARGET_RE = re.compile(
    rf"(?P<pre>{_before})?(?:{_verbs})?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<mag>万|亿)?(?P<unit>{_units})"
    rf"(?P<post>{_after})?"
)
MAKES_RE = re.compile(MAKES_RE.pattern.replace("{units}", _units).replace("{after}", _after))
RATIO_RE = re.compile(
    rf"(?P<metric>师生比|生师比|比例|比)?(?:按)?(?:为)?(?P<pre>{_before})?\s*"
    r"(?P<a>\d+)\s*[:：]\s*(?P<b>\d+)(?P<post>以上|以下|以内)?"
)


# A number that says who a rule covers is a condition, not a goal: "…达到25%…的，可申请",
# "（超过100人的企业达到15%）", "对吸纳就业困难人员达到30%以上的企业", "凡…达到80%…".
THRESHOLD_BEFORE = ("达到", "达", "超过", "不低于", "不少于", "低于", "少于", "不超过", "不高于", "高于",
                    "不足", "不满")
# The nouns a relative clause "…的 + noun" names as who or what a rule covers.
_WHO = ("企业|单位|人员|个人|家庭|地区|地方|城市|县|乡镇|村|学校|高校|机构|项目|群体|主体|园区|基地|"
        "组织|合作社|职工|员工|学生|毕业生|农户|部门|市|区|者|户|人")
WHO_AFTER = re.compile(rf"^(?:以上|以下|及以上|及以下)?的[^，,；;。：:（(）)]{{0,8}}?(?:{_WHO})")
# A clause opened by 凡/符合/如果… states when a rule applies; 对…的 names whom it covers.
CONDITION_OPENS = re.compile(r"^(?:凡是?|符合|满足|如果?|若|对于?符合|对于?满足)")
CONDITION_AFTER = re.compile(r"(?:等)?(?:条件|情形)的")
_CLAUSE_ENDS = "，,；;。：:\n"
_OPEN, _CLOSE = "（(", "）)"


def _clause(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The words of the clause before and after text[start:end], up to the nearest comma,
    semicolon or full stop outside brackets (a bracket belongs to its clause), and the
    delimiter that ends the clause ("" at the end of the text)."""
    a, b = _clause_edge(text, start, -1), _clause_edge(text, end, 1)
    return text[a:start], text[end:b], text[b:b + 1]


def _clause_edge(text: str, i: int, step: int) -> int:
    """Where the clause ends walking from `i` backwards (`step` -1: the index after the
    delimiter) or forwards (+1: the delimiter's index), brackets passed over whole."""
    enter, leave = (_CLOSE, _OPEN) if step < 0 else (_OPEN, _CLOSE)
    depth = 0
    while (i > 0) if step < 0 else (i < len(text)):
        ch = text[i - 1] if step < 0 else text[i]
        if ch in enter:
            depth += 1
        elif ch in leave:
            depth = max(0, depth - 1)
        elif ch in _CLAUSE_ENDS and depth == 0:
            break
        i += step
    return i


def _bracket_before(text: str, start: int) -> str | None:
    """The words between the bracket the number stands in and the number, or None outside one."""
    depth = 0
    for i in range(start - 1, max(-1, start - 40), -1):
        ch = text[i]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            if depth == 0:
                return text[i + 1:start]
            depth -= 1
        elif ch in _CLAUSE_ENDS:
            return None
    return None


def is_condition(text: str, start: int, end: int, pre: str | None) -> bool:
    """Whether the number in text[start:end] says who or what a rule covers rather than what
    must be reached: it stands in a clause that ends "…的，" ("人数达到25%…的，可申请"), one
    opened by 凡/符合/如果, one naming 条件, a relative clause "达到30%以上的企业", or a bracket
    that opens with such a clause ("（超过100人的企业达到15%）")."""
    before, after, stop = _clause(text, start, end)
    if after.rstrip().endswith("的") and stop in "，,":
        return True
    opening = re.sub(r"^(?:同时|此外|另外|并且|并|其中|对此)", "", before.strip())
    opener = CONDITION_OPENS.match(opening)
    # "凡…达到1000人以上的学校" is a condition; in "符合条件的学校达到90%" the 的 closed the
    # condition before the number, which is the goal of those it names.
    if opener and (opener.group(0).startswith(("如", "若")) or "的" not in opening[opener.end():]):
        return True
    if CONDITION_AFTER.search(after):
        return True
    threshold = pre in THRESHOLD_BEFORE
    # "配备不少于6人的专兼职人员": the number counts what a verb makes or staffs, a goal.
    made = re.search(rf"(?:{_MAKES}|{_verbs}|配齐|设置|设立|有)$", text[:start])
    if threshold and not made and WHO_AFTER.match(text[end:]):
        return True  # "达到30%以上的企业": which firms
    if threshold and re.match(r"^对于?", opening) and "的" in after:
        return True  # "对吸纳…达到30%以上的，给予…"
    inner = _bracket_before(text, start)
    return inner is not None and bool(re.search(rf"\d[^的]{{0,6}}的[^，,；;。]{{0,6}}?(?:{_WHO})", inner))


@dataclass(frozen=True)
class Target:
    start: int
    end: int
    value: float
    unit: str
    direction: str  # at_least | at_most
    text: str
    review: Msg | None = None
    metric: str | None = None  # what is counted, when the words around the number say it


def _not_a_goal(text: str, m: re.Match[str]) -> bool:
    """A duration ("1个月"), a frequency ("每学期至少开展1次"), a range ("3—12个月")."""
    after = text[m.end():]
    if m.group("unit") == "个" and _DURATION_AFTER.match(after):
        return True
    frequency = m.group("unit") in ("次", "节", "学时", "课时", "个学时", "个课时")
    return frequency and bool(_FREQUENCY.search(text[max(0, m.start() - 12):m.start()]))


@lru_cache(maxsize=8192)
def find_targets(text: str) -> list[Target]:
    out: list[Target] = []
    for m in TARGET_RE.finditer(text):
        pre, post = m.group("pre"), m.group("post")
        if not (pre or post) or _not_a_goal(text, m):
            continue
        if text[max(0, m.start() - 2):m.start()] == "最高" or (pre and "最高" in text[max(0, m.start() - 3):m.start()]):
            continue  # "最高不超过15万元的贷款": a cap on an entitlement, not a goal
        if re.match(r"\s*[—–-]", text[m.end():]) or re.search(r"[—–-]\s*$", text[:m.start()]):
            continue  # 3—12个月: a range in a rule
        if pre == "超过" and text[m.end():m.end() + 1] == "的":
            continue  # "超过100人的企业": which firms a rule covers, not a goal
        if is_condition(text, m.start(), m.end(), pre):
            continue
        value = float(m.group("num"))
        if value <= 0:
            continue
        review = None
        if post in AT_MOST_AFTER or pre in AT_MOST_BEFORE:
            direction = "at_most"
            review = msg("review.cap_target")
        else:
            direction = "at_least"
        if post in ABOUT_AFTER:
            review = msg("review.about_target")
        unit = (m.group("mag") or "") + m.group("unit")
        out.append(Target(m.start(), m.end(), value, unit.replace("％", "%"), direction,
                          m.group(0), review))
    for m in MAKES_RE.finditer(text):
        if any(t.start <= m.start("num") < t.end for t in out) or _not_a_goal(text, m):
            continue
        if re.match(r"\s*[—–-]", text[m.end():]) or text[m.end():m.end() + 1] == "的":
            continue
        if is_condition(text, m.start("num"), m.end(), None):
            continue
        value = float(m.group("num"))
        if value <= 0:
            continue
        post = m.group("post")
        direction = "at_most" if post in AT_MOST_AFTER else "at_least"
        review = msg("review.cap_target") if direction == "at_most" else (
            msg("review.about_target") if post in ABOUT_AFTER else None)
        unit = (m.group("mag") or "") + m.group("unit")
        what = m.group("what").strip()
        if not what:  # "建设50所高水平高等职业学校": what is counted follows the number
            after = re.match(r"[^，,；;。、和及（(]{2,20}", text[m.end():])
            what = after.group(0) if after else ""
        out.append(Target(m.start("num"), m.end(), value, unit.replace("％", "%"), direction,
                          text[m.start("num"):m.end()], review, what or None))
    for m in RATIO_RE.finditer(text):
        if not (m.group("pre") or m.group("post") or m.group("metric")):
            continue
        if any(t.start <= m.start("a") < t.end for t in out):
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if a <= 0 or b <= 0:
            continue
        pre = m.group("pre") or ""
        floor = not (pre in AT_MOST_BEFORE or m.group("post") in AT_MOST_AFTER)
        # The draft tracks N of "1:N". A floor on the ratio 1:N (师生比不低于1:1000: at least one
        # teacher per 1000 students) is a ceiling on N, and the other way round.
        direction = "at_most" if floor == (a < b) else "at_least"
        out.append(Target(m.start("a"), m.end(), float(b), f"{a}:N", direction, m.group(0),
                          msg("review.ratio_at_most" if direction == "at_most" else
                              "review.ratio_at_least", a=a, b=b)))
    return sorted(out, key=lambda t: t.start)

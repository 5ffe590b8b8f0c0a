"""Numeric targets: "建成……300所以上", "达到85%以上", "师生比不低于1:1000".

A number is a target only with a word saying which way it must go (以上, 不低于, 达到, 不超过 …);
a bare number ("返还50%", "16—24岁") is a rule or a description, not something to reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AT_LEAST_BEFORE = ("不低于", "不少于", "至少", "超过", "达到", "达", "提高到", "提升到", "提高至",
                   "提升至", "增加到", "增至", "建成", "建设", "培育", "新增", "累计", "突破",
                   "稳定在", "保持在", "力争")
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
# A verb may stand between the direction word and the number: "至少组织100名", "至少配备1名".
_verbs = "组织|配备|建成|建设|培训|开展|参加|安排|设置|开设|完成|招收|培养|达到|新建"
_units = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_after = "|".join(sorted(AT_LEAST_AFTER + AT_MOST_AFTER + ABOUT_AFTER, key=len, reverse=True))
TARGET_RE = re.compile(
    rf"(?P<pre>{_before})?(?:{_verbs})?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<mag>万|亿)?(?P<unit>{_units})"
    rf"(?P<post>{_after})?"
)
RATIO_RE = re.compile(
    rf"(?P<metric>师生比|生师比|比例|比)?(?:按)?(?:为)?(?P<pre>{_before})?\s*"
    r"(?P<a>\d+)\s*[:：]\s*(?P<b>\d+)(?P<post>以上|以下|以内)?"
)


@dataclass(frozen=True)
class Target:
    start: int
    end: int
    value: float
    unit: str
    direction: str  # at_least | at_most
    text: str
    review: str | None = None


def find_targets(text: str) -> list[Target]:
    out: list[Target] = []
    for m in TARGET_RE.finditer(text):
        pre, post = m.group("pre"), m.group("post")
        if not (pre or post):
            continue
        if text[max(0, m.start() - 2):m.start()] == "最高" or (pre and "最高" in text[max(0, m.start() - 3):m.start()]):
            continue  # "最高不超过15万元的贷款": a cap on an entitlement, not a goal
        if re.match(r"\s*[—–-]", text[m.end():]) or re.search(r"[—–-]\s*$", text[:m.start()]):
            continue  # 3—12个月: a range in a rule
        if pre == "超过" and text[m.end():m.end() + 1] == "的":
            continue  # "超过100人的企业": which firms a rule covers, not a goal
        value = float(m.group("num"))
        if value <= 0:
            continue
        review = None
        if post in AT_MOST_AFTER or pre in AT_MOST_BEFORE:
            direction = "at_most"
            review = "上限型指标(不超过/以内):进度按达成比例计算不适用,请核对"
        else:
            direction = "at_least"
        if post in ABOUT_AFTER:
            review = "约数(左右):请核对目标值"
        unit = (m.group("mag") or "") + m.group("unit")
        out.append(Target(m.start(), m.end(), value, unit.replace("％", "%"), direction,
                          m.group(0), review))
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
                          f"比例指标 {a}:{b}:记为 N={b}({'不超过' if direction == 'at_most' else '不低于'}),"
                          "请核对计量方式"))
    return sorted(out, key=lambda t: t.start)

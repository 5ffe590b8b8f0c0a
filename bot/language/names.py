"""Department names as people type them: one normal form, exact lookup, whole-name similarity.

Pure functions over department rows (dicts with code, name, short, name_en, short_en, aliases as
a JSON list or a sequence): a department answers to every name the plan gives it. The order of resolution:

1. exact: the code (any case, full- or half-width), or any name/short name/alias once both sides
   are normalised (width, case, spaces and punctuation, a leading 中共/泉州市/泉州/市委/市, a trailing
   部门) — "泉州市卫健委", "卫健委 ", "ＨＥＡＬＴＨ" all mean HEALTH;
2. close: only when nothing is exact, a whole name of at least three characters that is nearly the
   same as the text (difflib's ratio >= FUZZY_MIN) — catches "人力资源社会保障局" or "卫生健康委"
   but never a name that merely shares a character ("发改委" is not "卫健委");
3. otherwise nothing: the caller refuses and offers `suggest` as the closest departments.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

# Words officials add or drop around a department's name. "市委" is the Party committee that owns
# several offices (市委编办, 市委网信办); alone it names none of ours, so it strips to nothing.
_PREFIX = re.compile(r"^(?:中共)?(?:泉州市委|泉州市|泉州|市委|市)|^quanzhou(?:municipal)?")
_SUFFIX = re.compile(r"部门$")

# 4/5 of the characters in common, in order: one wrong or extra character in a name of five or more
# passes (人力资源与社会保障局, 卫生健康委); in a shorter one it does not (教育厅, 卫健局 and 晋江教育局
# are refused, with suggestions).
FUZZY_MIN = 0.8
# Names shorter than this are matched exactly or not at all: two characters leave no room for a typo.
FUZZY_MIN_LEN = 3
# Another level of government is never "nearly" ours: 省卫健委 is the province's, 丰泽区教育局 a
# district's, however close the rest of the name.
_OTHER_LEVEL = re.compile(r"^(?:省|福建|国家|中央|全国)|^[\u4e00-\u9fff]{1,3}?[省区县]")
# Two departments this close to each other in similarity are both offered rather than one picked.
TIE_MARGIN = 0.05


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Width and case folded, spaces, punctuation and control characters dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "ZPC")


def name_key(text: str) -> str:
    """The comparable core of a name: normalised, the city/party prefix and 部门 suffix removed."""
    core = normalise(text)
    core = _PREFIX.sub("", core, count=1)
    return _SUFFIX.sub("", core)


def _aliases(row: Mapping[str, Any]) -> list[str]:
    raw = row.get("aliases") or []
    return list(json.loads(raw) if isinstance(raw, str) else raw)


def name_keys(row: Mapping[str, Any]) -> frozenset[str]:
    """Every key a department answers to by name (its code excluded)."""
    raw = row.get("aliases") or ()
    return _name_keys(row["name"], row["short"], row["name_en"], row.get("short_en"),
                      raw if isinstance(raw, str) else tuple(raw))


@lru_cache(maxsize=4096)
def _name_keys(*names: Any) -> frozenset[str]:
    # Every message naming a department compares it with all of them: their keys are worked
    # out once per spelling, not per message (a county breakdown has a hundred units).
    *plain, aliases = names
    every = [*plain, *_aliases({"aliases": aliases})]
    return frozenset(key for key in map(name_key, filter(None, every)) if key)


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def match(rows: Sequence[Mapping[str, Any]], text: str) -> list[Mapping[str, Any]]:
    """Departments `text` names: every exact one, else the one nearly identical whole name (or
    the few equally close ones), else none."""
    code = normalise(text)
    key = name_key(text)
    if not code:
        return []
    exact = [row for row in rows if normalise(row["code"]) == code or (key and key in name_keys(row))]
    if exact or len(key) < FUZZY_MIN_LEN or _OTHER_LEVEL.match(key):
        return exact
    scored = []
    for row in rows:
        candidates = [k for k in name_keys(row) if len(k) >= FUZZY_MIN_LEN]
        best = max((_similarity(key, k) for k in candidates), default=0.0)
        if best >= FUZZY_MIN:
            scored.append((best, row))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [row for score, row in scored if top - score < TIE_MARGIN]


def suggest(rows: Sequence[Mapping[str, Any]], text: str, n: int = 3) -> list[str]:
    """The codes of the `n` departments whose code or names are closest to `text`, closest first
    (plan order among equals), for a "did you mean" answer."""
    key = name_key(text) or normalise(text)

    def score(row: Mapping[str, Any]) -> float:
        keys = name_keys(row) | {normalise(row["code"])}
        return max((_similarity(key, k) for k in keys), default=0.0) if key else 0.0

    ranked = sorted(enumerate(rows), key=lambda pair: (-score(pair[1]), pair[0]))
    return [row["code"] for _, row in ranked[:n]]


def clashes(departments: Iterable[tuple[str, Iterable[str]]]) -> list[tuple[str, str, str]]:
    """(key, code, other code) for every name that two departments would both answer to."""
    owner: dict[str, str] = {}
    found = []
    for code, names in departments:
        for key in {name_key(n) for n in names} - {""}:
            if key in owner and owner[key] != code:
                found.append((key, owner[key], code))
            owner.setdefault(key, code)
    return found

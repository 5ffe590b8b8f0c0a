"""The synonyms table: what a table column or a 分工 label line means (data in labels.yaml).

One table serves both forms, because documents use the same words for both: a table whose
header row names a task column and an owner column is a 分工 table; a line "牵头单位：…" under an
item is a label line. Extended by the user's `--directory` file (its `labels:` and `keywords:`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_LABELS = Path(__file__).resolve().parent / "labels.yaml"
ROLES = ("task", "measure", "lead", "responsible", "support", "deadline", "number", "person",
         "note")
OWNER_ROLES = ("lead", "responsible", "support")
TASK_ROLES = ("task", "measure")


class LabelsError(ValueError):
    pass


def _key(text: str) -> str:
    """A header as compared: no spaces (全角 too), no colon, brackets kept."""
    return re.sub(r"[\s\u3000：:*＊]", "", text)


@dataclass
class Labels:
    words: dict[str, str] = field(default_factory=dict)  # header key -> role
    keywords: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    endings: tuple[str, ...] = ()

    @classmethod
    def load(cls, *paths: str | Path) -> Labels:
        labels = cls()
        for path in (DEFAULT_LABELS, *paths):
            labels.extend(Path(path))
        return labels

    def extend(self, path: Path, data: dict | None = None) -> None:
        if data is None:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise LabelsError(str(exc)) from exc
        raw = data.get("labels") or {}
        if not isinstance(raw, dict):
            raise LabelsError(f"{path}: labels: role -> [words]")
        for role, words in raw.items():
            if role not in ROLES or not isinstance(words, list):
                raise LabelsError(f"{path}: labels.{role}: one of {', '.join(ROLES)} -> [words]")
            for word in words:
                self.words[_key(str(word))] = role
        extra: list[tuple[str, tuple[str, ...]]] = []
        for item in data.get("keywords") or []:
            if (not isinstance(item, list) or len(item) != 2 or item[0] not in ROLES
                    or not isinstance(item[1], list)):
                raise LabelsError(f"{path}: keywords: [role, [words]]")
            extra.append((item[0], tuple(str(w) for w in item[1])))
        self.keywords = extra + self.keywords  # the user's keywords are tried first
        self.endings = tuple(dict.fromkeys(
            [*self.endings, *(str(e) for e in data.get("label_endings") or ())]))

    def role(self, header: str) -> str | None:
        """The role of a column header or label ("牵头单位" -> lead), None if it names none."""
        key = _key(header)
        if key in self.words:
            return self.words[key]
        # "责任单位（部门）", "责任单位（列首位的为牵头单位）": the name before the bracket
        bare = re.sub(r"[（(][^）)]*[）)]$", "", key)
        if not bare or len(bare) > 14:
            return None
        if bare in self.words:
            return self.words[bare]
        for role, words in self.keywords:
            if any(w in bare for w in words):
                return role
        return None

    def is_label(self, name: str) -> bool:
        """Whether "name：" opens a label line: a listed word, or a short name with a label's
        ending (单位, 部门, 时限 …)."""
        key = _key(name)
        if not key or len(key) > 10 or re.search(r"[，,。；;、]", key):
            return False
        bare = re.sub(r"[（(][^）)]*[）)]$", "", key)
        return key in self.words or bare in self.words or bare.endswith(self.endings)

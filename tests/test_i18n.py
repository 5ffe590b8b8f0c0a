"""The catalogues: the same keys and placeholders in both languages, plural forms, and Chinese
that reads as Chinese (full-width punctuation, no internal codes or English words)."""

from __future__ import annotations

import re
import string

import pytest

from bot.language.i18n import LANGS, Html, Names, catalogue, format_day, label, t

ZH, EN = catalogue("zh"), catalogue("en")
CODES = ("EDU", "STAFF", "CIVIL", "CYBER", "CIVAFF", "FIN", "HRSS", "HEALTH", "YOUTH", "WOMEN")
# Words a Chinese reader may meet in a Chinese message: commands, task numbers, units, and the
# names of settings and languages the message tells them to type.
ALLOWED_LATIN = re.compile(
    r"/[a-z_]+(@\w+)?|\bT\d+\b|#T\d+|\b(MB|KB|zh|en|English|liaison|coordinator|d)\b|"
    r"[A-Z_]{4,}|@BotFather|\.env(\.example)?|python -m bot [a-z-]+|duban seed|export|ABC|<[^>]+>|\{[^}]+\}|"
    r"[a-z]+://\S+|\d+d\b|Telegram|Bot API|--[a-z]+|[\w-]+\.yaml|LibreOffice|soffice|"
    r"apt-get install [\w -]+|Word|PDF|&[PN]\b|python -m bot [\w-]+|\.docx?\b|UTF-8|GB18030|"
    r"\breview\b")
# What a setting or an option accepts, written as it is typed (on/off, HH:MM, blue…): only in the
# messages that tell someone what to type there.
TYPED_VALUES = re.compile(
    r"\b(on|off|none|https?|HTTPS|HH:MM|YYYY-MM-DD|START-END|Asia/Shanghai|mon|sun|monday|sunday|"
    r"blue|yellow|orange|red|green|purple|Supervision Bulletin|\d+:AAE)\b")
TYPED_KEYS = ("config.allowed.", "cli.bad_")


def _texts(entry):
    return [entry] if isinstance(entry, str) else [v for k, v in entry.items() if k != "count"]


def _fields(text: str) -> set[str]:
    """The parameters of a message, those inside a spec that picks words by number included."""
    found = set()
    for _, name, spec, _ in string.Formatter().parse(text):
        if name:
            found.add(name.split(":")[0].split("!")[0])
        if spec:
            found |= _fields(spec)
    return found


def test_both_languages_have_the_same_keys():
    assert set(ZH) == set(EN)


@pytest.mark.parametrize("key", sorted(ZH))
def test_placeholders_agree(key):
    zh = set().union(*map(_fields, _texts(ZH[key])))
    en = set().union(*map(_fields, _texts(EN[key])))
    if key in ("date_long", "date_short", "date_paper", "nudge_tomorrow"):  # Chinese numbers months, English names them
        zh, en = zh - {"m"}, en - {"month"}
    assert zh == en, key


@pytest.mark.parametrize("key", sorted(ZH))
def test_chinese_has_no_english_words(key):
    """Only what people type (commands, T12, settings, units) or ID may appear in Latin letters.
    `layout.*` entries are per-language layout values for the charts, not words."""
    if key.startswith("layout."):
        return
    for text in _texts(ZH[key]):
        rest = TYPED_VALUES.sub("", text) if key.startswith(TYPED_KEYS) else text
        rest = ALLOWED_LATIN.sub("", rest)
        assert not re.findall(r"[A-Za-z]{2,}", rest.replace("ID", "")), (key, text)


@pytest.mark.parametrize("key", sorted(ZH))
def test_chinese_uses_full_width_punctuation(key):
    for text in _texts(ZH[key]):
        bare = re.sub(r"\{[^}]*\}|<[^>]+>|\d:\d|[a-z]+://\S+", "", text)
        bare = re.sub(r"[A-Za-z0-9_./@-]+[:;,()]+[A-Za-z0-9_./@-]*", "", bare)  # ASCII spans
        if key.startswith(("cols.", "weekdays", "months")):
            continue  # lists the code splits on commas
        assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", bare), (key, text)


@pytest.mark.parametrize("key", sorted(ZH))
def test_chinese_never_shows_a_department_code(key):
    for text in _texts(ZH[key]):
        assert not any(re.search(rf"\b{code}\b", text) for code in CODES), (key, text)


def test_plural_forms():
    assert t("days_left", "en", days=1) == "1 day left"
    assert t("days_left", "en", days=3) == "3 days left"
    assert t("days_left", "zh", days=1) == "剩1天"
    assert t("album_saved", "en", count=1, task="T1") == "Saved 1 evidence file for T1."


def test_one_sentence_can_hold_several_counts():
    received = "bulletin_received"
    assert t(received, "en", start="A", end="B", reports=1, evidence=2) == (
        "This period (A to B) brought 1 progress report and 2 evidence files.")
    assert t("bulletin_change_up", "en", points=1) == "up 1 point on the last period"
    assert t("bulletin_change_up", "en", points="3") == "up 3 points on the last period"
    summary = t("bulletin_chase_summary", "en", sent=0, tasks=0, unanswered=1, assigned=2,
                date="D")
    assert summary.startswith("No chase notice was sent this period. As of D, 1 chase notice "
                              "and 2 assignment notices are not acknowledged")
    assert t("bulletin_chase_summary", "en", sent=1, tasks=2, unanswered=0, assigned=1,
             date="D").startswith("This period one chase notice was sent, about 2 tasks.")
    assert t("bulletin_chase_summary", "en", sent=3, tasks=1, unanswered=0, assigned=1,
             date="D").startswith("This period 3 chase notices were sent, about 1 task.")
    overall = t("bulletin_overall", "en", date="D", tasks=1, plan="P", document="",
                completion="5%", change="C", closed=1, pending=0, on_track=2, due_soon=1,
                pending_more=t("bulletin_pending_more", "en", count=2),
                behind=1, blocked=0, assigned=1, suspended=0, no_report=1, overdue=1,
                year=2023, closures=1)
    assert "1 task of the P" in overall and "1 is closed, 0 await a check (and 2 more " \
        "occurrences of recurring duties await a check), 2 are on track" in overall
    assert "1 is behind" in overall and "1 awaits acknowledgement" in overall
    assert "1 has no report and 1 is overdue" in overall
    assert "In 2023, 1 work item was closed" in overall
    # Chinese has no plural: the same parameters, one form
    assert t(received, "zh", start="A", end="B", reports=1, evidence=2) == (
        "本期（A至B）共收到各单位进展报送1条、佐证材料2份。")


COUNTED = re.compile(r"\{(\w+)\} (?:[a-z-]+ ){0,2}(tasks|reports|files|chases|notices|units|points|"
                     r"days|targets|ranks|departments|items|weeks|months)\b")


NAMES_NOT_NUMBERS = frozenset({"dept", "task", "title", "user", "plan", "names", "unit", "who"})


@pytest.mark.parametrize("key", sorted(EN))
def test_english_counts_agree_with_their_number(key):
    """"{n} tasks" in English reads "1 tasks" when n is 1: a number before a plural noun is
    either the count of a plural entry or chooses its words ({n:task|tasks})."""
    entry = EN[key]
    if isinstance(entry, dict):
        return  # one: and other: forms, chosen by the entry's count
    for match in COUNTED.finditer(entry):
        name = match[1]
        if name in NAMES_NOT_NUMBERS:
            continue  # "{dept} reports T12 done": a verb after a name
        assert re.search(r"\{" + name + r":[^}]*\|", entry), (key, match[0])


def test_parameters_are_escaped_once_and_names_follow_the_reader():
    dept = Names(zh="卫健委", en="Health Commission")
    assert "卫健委" in t("left", "zh", dept=dept) and "Health Commission" in t("left", "en", dept=dept)
    assert "&lt;b&gt;" in t("plain", "zh", text="<b>") and t("plain", "zh", text=Html("<b>")) == "<b>"


def test_labels_and_days():
    assert [label("status", "overdue", lang) for lang in LANGS] == ["逾期", "overdue"]
    from datetime import date

    assert format_day(date(2022, 6, 30), "zh") == "2022年6月30日（星期四）"
    assert format_day(date(2022, 6, 30), "en") == "Thursday 30 June 2022"

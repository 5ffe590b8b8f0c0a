"""Numbers as officials type them (bot.language.numerals) and where they are read: /report's
words, its flags and a reply to the bot's post. Pure."""

from __future__ import annotations

import pytest

from bot.errors import DubanError
from bot.language.numerals import is_percent, read_number, read_percent
from bot.language.parse import parse_progress_word, parse_report_args
from bot.language.replies import named_tasks, read_reply
from bot.services.directory import find_task


@pytest.mark.parametrize(("text", "value"), [
    ("120", 120), ("１２０", 120), ("12.5", 12.5), ("-5", -5), ("一百二十", 120), ("两百", 200),
    ("十五", 15), ("十", 10), ("三点五", 3.5), ("二〇二五", 2025), ("壹佰贰拾", 120), ("零", 0),
    ("一万", 10000),
    ("", None), ("nan", None), ("1e309", None), ("²", None), ("十十", None), ("百", None),
    ("一百二十所", None), ("百分之七十", None), ("三家", None), ("十亿零一", None),
])
def test_numbers_in_digits_and_chinese_numerals(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("70%", 70), ("７０％", 70), ("七十%", 70), ("百分之七十", 70), ("百分之70", 70),
    ("百分之一百", 100), ("70", None), ("百分之", None), ("百分之许多", None),
])
def test_percentages(text, value):
    assert read_percent(text) == value
    assert is_percent(text) == (text not in ("70",))


@pytest.mark.parametrize(("task", "word", "expected"), [
    ("T08", "一百二十所", (None, 120, False)),  # counted, with its unit: a count
    ("T08", "十五", (None, 15, True)),  # counted, bare: count or percent? asked
    ("T08", "百分之三十", (30, None, False)),
    ("T08", "一百三十", (None, 130, False)),  # over 100: only a count
    ("T41", "六十", (60, None, False)),  # a percent task
    ("T41", "百分之六十", (60, None, False)),
    ("T41", "六十%", (60, None, False)),
])
def test_report_words_in_chinese_numerals(seeded, task, word, expected):
    got = parse_progress_word(find_task(seeded, task), word)
    assert (got.percent, got.value, got.ambiguous) == expected


def test_the_refusal_hint_fits_the_target(seeded):
    with pytest.raises(DubanError) as counted:
        parse_report_args(find_task(seeded, "T08"), ["一百二十家"])
    assert counted.value.key == "value_unreadable"
    assert counted.value.params == {"word": "一百二十家", "task": "T08", "target": "200",
                                    "unit": "所"}
    with pytest.raises(DubanError) as percent:
        parse_report_args(find_task(seeded, "T41"), ["许多"])
    assert percent.value.key == "progress_unreadable"
    with pytest.raises(DubanError) as flag:
        parse_report_args(find_task(seeded, "T06"), ["-", "--value", "许多"])
    assert flag.value.key == "number_unreadable"
    got = parse_report_args(find_task(seeded, "T06"), ["-", "--value", "二十三", "--unit", "晋江市"])
    assert (got.value, got.unit) == (23, "晋江市")


@pytest.mark.parametrize(("text", "number", "percent", "note"), [
    ("六十", "六十", None, ""),
    ("百分之七十", "百分之七十", None, ""),
    ("一百二十所", "一百二十所", None, ""),
    ("一百二十 新建两所", "一百二十", None, "新建两所"),
    ("完成了百分之八十，还差两所", None, 80, "完成了百分之八十，还差两所"),
    ("三家医院已开设", None, None, "三家医院已开设"),  # a number inside a sentence: no progress
    ("两周后完成", None, None, "两周后完成"),
])
def test_a_reply_in_chinese_numerals(text, number, percent, note):
    got = read_reply(text)
    assert (got.number, got.percent, got.note) == (number, percent, note)


@pytest.mark.parametrize(("text", "named"), [
    ("T05 60", ("5",)),
    ("Ｔ05 已完成，与 t5 同步", ("5",)),  # one task, written twice and full-width
    ("T5 70，T06 30", ("5", "6")),
    ("#T016 100%", ("16",)),
    ("60", ()),
    ("ST05 60", ()),  # not a task number inside a word
])
def test_the_tasks_a_reply_names(text, named):
    assert named_tasks(text) == named

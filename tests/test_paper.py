"""Words on paper (bot/render/paper.py): dates as officials write them, Chinese punctuation in
Chinese text, 书名号, and a title broken between words into even lines."""

from __future__ import annotations

from datetime import date

import pytest

from bot.outputs.render.paper import book_title, day_text, em_width, full_width, joined, title_lines

LINE = 20  # characters of 二号 on the 156 mm line


def test_dates_as_officials_write_them():
    assert day_text(date(2023, 5, 9), "zh") == "2023年5月9日"  # no zero padding
    assert day_text(date(2023, 12, 31), "en") == "31 December 2023"
    assert day_text(None, "zh") == "—"


@pytest.mark.parametrize(("text", "expected"), [
    ("各县(市、区)教师进修学校", "各县（市、区）教师进修学校"),
    ("配齐教师(师生比不低于1:1000)", "配齐教师（师生比不低于1:1000）"),
    ("加强网络监管,为青少年营造环境;开展活动", "加强网络监管，为青少年营造环境；开展活动"),
    ("结合\"5·25\"心理健康日", "结合“5·25”心理健康日"),
    ("实施方案(2022-2025年)", "实施方案（2022—2025年）"),
    ("资金1,000万元", "资金1,000万元"),  # digits keep theirs
    ("Plan (2022-2025), phase 1", "Plan (2022-2025), phase 1"),  # English untouched
])
def test_full_width_punctuation_in_chinese(text, expected):
    assert full_width(text) == expected


def test_book_title_marks():
    assert book_title("关于加强心理健康教育工作实施方案", "zh") == "《关于加强心理健康教育工作实施方案》"
    assert book_title("《实施方案》", "zh") == "《实施方案》"  # not doubled
    assert book_title("贯彻《条例》的意见", "zh") == "《贯彻〈条例〉的意见》"  # nested
    assert book_title("Plan to strengthen", "en") == "“Plan to strengthen”"
    assert joined(["教育局", "", "卫健委"], "zh") == "教育局、卫健委"
    assert joined(["Education", "Health"], "en") == "Education, Health"


@pytest.mark.parametrize(("plan", "first_line_ends", "second_line_starts"), [
    ("关于加强泉州市大中小学心理健康教育工作实施方案", "心理健康", "教育"),
    ("国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知", "配套", "幼儿园"),
    ("关于推进农业机械化和农机装备产业转型升级的指导意见", "产业", "转型"),
    ("关于做好当前和今后一个时期促进就业工作的若干意见", "促进", "就业"),
])
def test_a_title_breaks_between_words_into_even_lines(plan, first_line_ends, second_line_starts):
    title = f"关于{book_title(plan, 'zh')}落实情况的通报"
    lines = title_lines(title, LINE)
    assert "".join(lines) == title
    assert len(lines) == 2 and all(em_width(x) <= LINE for x in lines)
    assert lines[0].endswith(first_line_ends) and lines[1].startswith(second_line_starts)
    assert abs(em_width(lines[0]) - em_width(lines[1])) <= 4  # even, not one long and one short
    assert not lines[1].startswith(("》", "，", "、"))


def test_short_and_very_long_titles():
    assert title_lines("关于《条例》落实情况的通报", LINE) == ["关于《条例》落实情况的通报"]
    long = "关于" + book_title("关于进一步加强和改进新时代全市大中小学和幼儿园学生心理健康教育及"
                              "心理危机预防干预工作的实施意见", "zh") + "落实情况的通报"
    lines = title_lines(long, LINE)
    assert em_width(long) > 3 * LINE - 5  # three full lines would hardly hold it
    assert len(lines) in (3, 4) and "".join(lines) == long
    assert all(em_width(x) <= LINE for x in lines)

"""The render layer's splitter: every part of a long message is valid Telegram HTML on its own."""

from __future__ import annotations

import pytest

from bot.outputs.render.split import TELEGRAM_LIMIT, split_text
from tests.botapi_server import ApiError, parse_html

# Every tag the bot writes (catalogue entries, mentions, struck-through history lines, codes).
TAGS = [("<b>", "</b>"), ("<s>", "</s>"), ("<code>", "</code>"), ("<i>", "</i>"),
        ('<a href="tg://user?id=1001">', "</a>")]


@pytest.mark.parametrize(("open_tag", "close_tag"), TAGS)
def test_a_monster_line_is_cut_outside_tags_and_entities(open_tag, close_tag):
    body = "记录 &amp; 说明 " * 900  # one line far over the limit, full of entities
    text = f"开头 {open_tag}{body}{close_tag} 结尾\n第二行"
    parts = split_text(text)
    assert len(parts) > 2 and all(len(p) <= TELEGRAM_LIMIT for p in parts)
    for part in parts:
        parse_html(part)  # raises ApiError as Telegram's 400 would
    plain = "".join(parse_html(p)[0] for p in parts).replace("\n", "")
    assert plain == parse_html(text)[0].replace("\n", "")


def test_lines_are_kept_whole_when_they_fit():
    lines = [f"<b>T{i:02d}</b> 任务说明" + "很长" * 40 for i in range(200)]
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) > 1 and "\n".join(chunks) == text


def test_the_validator_would_catch_a_cut_tag():
    with pytest.raises(ApiError):
        parse_html("<b>cut in the middle")

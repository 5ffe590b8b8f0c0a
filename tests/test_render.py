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


def _many_units(n: int):
    """A plan of `n` units (a county breakdown), unit k at k% done, none silent or unstaffed
    but the last twelve."""
    from datetime import UTC, date, datetime

    from bot.domain.facts import DeptFacts, facts_of_departments
    from bot.domain.marks import STATUSES

    depts = [DeptFacts({"code": f"D{k:03d}", "short": f"县区单位{k:03d}",
                        "name_en": f"Unit {k:03d}"}, (), dict.fromkeys(STATUSES, 0),
                       float(k), None, 0 if k >= n - 12 else 1, None)
             for k in range(n)]
    return facts_of_departments(datetime(2022, 6, 1, tzinfo=UTC), date(2022, 6, 1), None,
                                depts, [], {f"D{k:03d}" for k in range(n - 12)})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_of_many_units_lists_those_furthest_behind_and_fits_one_message(lang):
    from bot.language.i18n import t
    from bot.outputs.render.chat import SHOWN_AT_MOST, queues_html, status_html

    facts = _many_units(100)
    text = status_html({"title": "方案", "title_en": "Plan"}, facts, lang,
                       queues_html(facts.queues, {}, lang))
    assert t("status_furthest_behind", lang, shown=SHOWN_AT_MOST, total=100) in text
    name = "县区单位{:03d}" if lang == "zh" else "Unit {:03d}"
    shown = [k for k in range(100) if f"<b>{name.format(k)}</b>" in text]
    assert shown == list(range(SHOWN_AT_MOST))  # the slowest, slowest first
    assert text.index(name.format(0)) < text.index(name.format(9))
    # twelve silent units: ten named and the count of the rest
    assert t("names_more", lang, count=2) in text
    assert len(text) <= TELEGRAM_LIMIT
    parse_html(text)


def test_units_without_a_liaison_are_listed_ten_and_counted():
    from bot.domain.facts import Queues
    from bot.language.i18n import t
    from bot.outputs.render.chat import SHOWN_AT_MOST, queues_html

    units = tuple({"code": f"D{k:03d}", "short": f"县区单位{k:03d}"} for k in range(30))
    text = queues_html(Queues((), (), (), (), (), units), {}, "zh")
    assert text.count("👤") == SHOWN_AT_MOST and t("list_more", "zh", count=20) in text
    assert t("queue_unstaffed", "zh", count=30) in text


def test_status_of_a_plan_that_fits_lists_every_unit_best_first():
    from bot.outputs.render.chat import status_html

    facts = _many_units(8)
    text = status_html({"title": "方案"}, facts, "zh")
    positions = [text.index(f"<b>县区单位{k:03d}</b>") for k in range(8)]
    assert positions == sorted(positions, reverse=True)

"""Issue 22, item 6: a stranger cannot flood the coordination group with application cards, and
a name someone chose is shown on the cards as text, never as a link or a command."""

# ruff: noqa: F811  (the `env` fixture is imported from tests/test_bot_e2e.py)
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import DubanError
from bot.outputs.render.chat import inert_name
from bot.services.directory import JOINS_PER_HOUR, request_join
from tests.botapi_server import autolinks
from tests.conftest import at
from tests.reliability import LINKED_NAME, probe_join
from tests.test_bot_e2e import GROUP, NEWBIE_ID, Env, env  # noqa: F401


async def test_twenty_joins_and_five_refusals_post_a_few_cards(tmp_path):
    figures = await probe_join(tmp_path)
    assert figures.cards == JOINS_PER_HOUR  # not 20
    assert figures.cards_after_refusals <= JOINS_PER_HOUR  # not one per refusal
    assert figures.clickable_in_card == []


async def test_the_fourth_application_in_an_hour_is_refused_politely(env: Env):
    for dept in ("卫健委", "教育局", "妇联"):
        assert "已提交申请" in await env.say(env.newbie, f"/join {dept}", chat=NEWBIE_ID)
    text = await env.say(env.newbie, "/join 团市委", chat=NEWBIE_ID)
    assert "一小时内最多提交 3 次" in text and "分钟后再试" in text
    await env.server.wait_idle(quiet=0.2)
    cards = [m for m in env.server.bot_messages(GROUP) if "联络员登记申请" in m]
    assert len(cards) == 3


def test_the_limit_counts_the_last_hour_only(seeded):
    now = at("2022-02-01 10:00")
    for n, dept in enumerate(("卫健委", "教育局", "妇联")):
        request_join(seeded, user_id=7, dept_text=dept, now=now + timedelta(minutes=n))
    with pytest.raises(DubanError) as err:
        request_join(seeded, user_id=7, dept_text="团市委", now=now + timedelta(minutes=30))
    assert err.value.key == "join_too_often" and err.value.params["minutes"] == 30
    request_join(seeded, user_id=7, dept_text="团市委", now=now + timedelta(minutes=61))
    with pytest.raises(DubanError) as err:  # those of minutes 1 and 2 still count
        request_join(seeded, user_id=7, dept_text="妇联", now=now + timedelta(minutes=61))
    assert err.value.key == "join_too_often"


async def test_a_linked_name_is_plain_text_on_the_card(env: Env):
    tricky = env.server.user(4343, LINKED_NAME + "\u202e")
    await env.say(tricky, "/join 卫健委", chat=4343)
    card = await env.server.wait_for_bot(chat_id=GROUP)
    message = card.message
    assert "http://evil.example/pay" in message["text"]  # shown, as typed ...
    assert autolinks(message["text"], message.get("entities")) == []  # ... but not clickable
    assert "\u202e" not in message["text"]


@pytest.mark.parametrize(("name", "code"), [
    ("张卫健", False), ("Li Wei", False), ("www.x.cn", True), ("a@b.com", True),
    ("/approve_1", True), ("@evil", True), ("t.me/joinchat", True), ("#T12", True),
    ("<b>x</b>", True), ("+86 138 0000 0000", True),  # "/b" might read as a command
])
def test_inert_names(name, code):
    shown = inert_name(name)
    assert shown.startswith("<code>") is code
    assert "<b>" not in shown

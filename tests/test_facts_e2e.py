"""The facts model through the real stack in privacy mode, on a moving clock: a late report goes
to the occurrence it belongs to (or the bot asks which), a bare number on a counted target is
asked about before anything is recorded, and a target split by county takes county figures."""

from __future__ import annotations

import pytest

from bot.services.directory import add_member
from tests.conftest import at
from tests.test_bot_e2e import GROUP, bot_in_group
from tests.test_jobs_e2e import plan_db

ALERT = {"method": "answerCallbackQuery"}


@pytest.fixture
async def group(tmp_path, plan):
    db = plan_db(tmp_path, plan, "2022-01-05", u1001=("EDU", "李教育"), u1008=("HEALTH", "张卫健"))
    add_member(db, user_id=1000, dept=None, role="coordinator", now=at("2022-01-05"),
               actor="t", name="王统筹")
    async with bot_in_group(db, tmp_path, "2022-02-03 10:00") as (server, _, clock):
        yield server, db, clock


async def _say(server, user, text):
    await server.send_text(user, GROUP, text)
    return await server.wait_for_bot(chat_id=GROUP)


def _records(db, task):
    return [(r["period"], r["kind"], r["percent"], r["value"]) for r in db.query(
        "SELECT * FROM reports WHERE task_id = ? AND revoked_at IS NULL ORDER BY id", [task])]


async def test_a_late_report_goes_to_the_occurrence_it_closes(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    coordinator = server.user(1000, "王统筹")
    # T17 (a family contact each semester): the term ending 01-31 passed with no report
    answer = await _say(server, edu, "/report T17 100 上学期家访已全部完成")
    assert "已记录" in answer.text
    assert _records(db, "T17")[-1][:2] == ("2022-01-31", "claim")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "核实" in c.text)  # the card
    # the claim stays on its occurrence, in the coordinator's queue, until it is checked
    clock["now"] = at("2022-03-10 10:00")
    status = (await _say(server, coordinator, "/status")).text
    assert "T17（2022-01-31期） 教育局" in status.split("先报先核")[1]
    # the term ending 07-15 passes too, unreported: the next report is for it, not for the
    # occurrence in force (due 2023-01-31)
    clock["now"] = at("2022-07-20 10:00")
    assert "已记录" in (await _say(server, edu, "/report T17 50 本学期家访过半")).text
    assert _records(db, "T17")[-1][:3] == ("2022-07-15", "progress", 50)


async def test_with_two_occurrences_open_the_bot_asks_which(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    # T16 falls due 01-15, 04-30, 06-30 and 09-30 each year: by 05-05 two have passed
    clock["now"] = at("2022-05-05 10:00")
    question = await _say(server, edu, "/report T16 100 已全部排查")
    assert "哪一期" in question.text and not _records(db, "T16")
    await server.press_button(edu, question, "rc:*:2022-04-30")
    await server.wait_for_bot(method="answerCallbackQuery")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "T16" in recorded.text
    assert _records(db, "T16") == [("2022-04-30", "claim", 100, None)]
    # the question is answered: its buttons are gone, nothing more can be recorded from it
    assert not server.messages[(GROUP, question.result["message_id"])].get("reply_markup")
    assert len(_records(db, "T16")) == 1


async def test_a_bare_number_on_a_counted_target_is_asked_about(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    # T08: 200 featured schools. "30" could be 30 schools or 30%.
    question = await _say(server, edu, "/report T08 30 新认定一批")
    assert "30所" in str(question.params.get("reply_markup")) and not _records(db, "T08")
    await server.press_button(edu, question, "rc:*:p")
    await server.wait_for_bot(method="answerCallbackQuery")
    assert "已记录" in (await server.wait_for_bot(chat_id=GROUP)).text
    assert _records(db, "T08") == [("", "progress", 30, None)]
    # written with its unit, or over 100, it is clear: recorded at once
    assert "已记录" in (await _say(server, edu, "/report T08 120所 又认定一批")).text
    assert _records(db, "T08")[-1] == ("", "progress", 60, 120.0)
    assert "已记录" in (await _say(server, edu, "/report T08 150")).text
    assert _records(db, "T08")[-1] == ("", "progress", 75, 150.0)


async def test_a_county_split_target_takes_county_figures(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    coordinator = server.user(1000, "王统筹")
    # a figure without its county: asked whose it is (a button per county), nothing recorded
    question = await _say(server, edu, "/report T06 23")
    assert "--unit" in question.text and not _records(db, "T06")
    counties = [b["text"] for row in question.params["reply_markup"]["inline_keyboard"]
                for b in row]
    assert "晋江市" in counties and "德化县" in counties
    clock["now"] = at("2022-02-03 11:00")
    await server.press_button(edu, question, f"rc:*:u{counties.index('晋江市')}")
    assert "已记录" in (await server.wait_for_bot(chat_id=GROUP)).text
    assert _records(db, "T06")[-1][3] == 23.0
    # or named with --unit: recorded at once
    clock["now"] = at("2022-02-04 09:30")
    assert "已记录" in (await _say(server, edu, "/report T06 11 --unit 南安 新建11所")).text
    assert _records(db, "T06")[-1][3] == 34.0  # the city figure: the units' sum
    shown = (await _say(server, coordinator, "/status T06")).text
    assert "34/300" in shown
    assert "晋江市：23/51（李教育，02-03 11:00）" in shown
    assert "南安市：11/42（李教育，02-04 09:30）" in shown
    assert "德化县：未报送/15" in shown

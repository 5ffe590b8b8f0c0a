"""What the chat flows say, through the real stack in Telegram's default privacy mode (only
commands, replies to the bot and mentions reach it); QA third pass, items 5, 9 and 10:

- every card that asks before a report on a recurring duty is recorded names the occurrence it
  will be recorded on ('T16（2022-04-30期，补报）' for an earlier one), in every path and in both
  languages, and records on exactly that occurrence;
- a stale button on a review card says what became of its occurrence and where to act now;
- a former liaison is told they left (which department, since when) and how to rejoin;
- a reply naming one task, to a post about no task (the weekly digest), is a report on it."""

from __future__ import annotations

import pytest

from bot.services.directory import add_member
from handlers import jobs
from tests.conftest import at
from tests.test_bot_e2e import GROUP, bot_in_group
from tests.test_jobs_e2e import plan_db, run_job
from tests.test_occurrences_e2e import ALERT, _say
from tests.test_occurrences_e2e import group as occurrences_group  # noqa: F401 (a fixture)

MARY = 1009


@pytest.fixture
def group(occurrences_group):  # noqa: F811
    """The group of the occurrence tests (T16's first occurrence 04-30; 李教育 and 王教育 of
    教育局, 张卫健 of 卫健委, the coordinator 王统筹), with Mary of 教育局 reading English."""
    _, db, _ = occurrences_group
    add_member(db, user_id=MARY, dept="EDU", role="liaison", now=at("2022-04-20"), actor="t",
               name="Mary")
    db["members"].update(MARY, {"lang": "en"})
    return occurrences_group


def _records(db, task):
    return [(r["period"], r["kind"], r["percent"]) for r in db.query(
        "SELECT * FROM reports WHERE task_id = ? AND kind IN ('progress', 'claim') "
        "AND revoked_at IS NULL ORDER BY id", [task])]


async def _guided(server, user, task, percent, note):
    """The guided /report up to its confirmation card: task, progress, note, no files."""
    await server.send_text(user, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(user, pick, f"rf:task:{task}")
    progress = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(user, progress, f"rf:p:*:{percent}")
    asked = await server.wait_for_bot(chat_id=GROUP)
    await server.send_text(user, GROUP, note, reply_to=asked.message)
    files = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(user, files, "rf:done:*")
    return await server.wait_for_bot(chat_id=GROUP)


async def _recorded(server):
    return await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text
                                     or "Recorded" in c.text)


# (who, when, what the card must name, where it is recorded): one earlier occurrence open (a
# late report, QA item 5), none (the occurrence in force), in Chinese and in English
GUIDED = [
    (1001, "2022-05-05 10:00", "T16（2022-04-30期，补报）", "2022-04-30"),
    (1001, "2022-04-25 10:00", "T16（2022-04-30期）", "2022-04-30"),
    (MARY, "2022-05-05 10:00", "T16 (period ending 2022-04-30, reported late)", "2022-04-30"),
    (MARY, "2022-04-26 10:00", "T16 (period ending 2022-04-30)", "2022-04-30"),
]


@pytest.mark.parametrize(("user_id", "when", "named", "period"), GUIDED)
async def test_the_guided_confirmation_names_the_occurrence_it_records_on(
        group, user_id, when, named, period):
    server, db, clock = group
    clock["now"] = at(when)
    user = server.user(user_id, "Mary" if user_id == MARY else "李教育")
    confirm = await _guided(server, user, "T16", 100, "排查已完成")
    assert named in confirm.text
    if "补报" not in named and "late" not in named:
        assert "补报" not in confirm.text and "late" not in confirm.text
    await server.press_button(user, confirm, "rf:ok:*")
    await _recorded(server)
    assert _records(db, "T16")[-1] == (period, "claim", 100)


async def test_every_other_path_names_the_occurrence_before_recording(group):
    """The one-line /report's questions, a reply with words to a post about the task, a reply
    to a post about one occurrence, and a bare figure under it (recorded at once: the
    acknowledgement names it)."""
    server, db, clock = group
    edu = server.user(1001, "李教育")
    mary = server.user(MARY, "Mary", language_code="en")
    clock["now"] = at("2022-05-05 10:00")  # T16's 04-30 occurrence missed; 06-30 in force
    # a reply with words to the task's history: its confirmation names the late occurrence
    post = await _say(server, edu, "/history T16")
    ask = await _say(server, edu, "春季排查过半，50%", reply_to=post.message)
    assert "请确认报送" in ask.text and "T16（2022-04-30期，补报）" in ask.text
    assert not _records(db, "T16")
    await server.press_button(edu, ask, "rf:ok:*")
    ack = await _recorded(server)
    assert "T16（2022-04-30期）" in ack.text
    # a reply with words to that acknowledgement (a post about one occurrence): named too
    ask = await _say(server, edu, "完成七成，70%", reply_to=ack.message)
    assert "T16（2022-04-30期，补报）" in ask.text
    await server.press_button(edu, ask, "rf:ok:*")
    ack = await _recorded(server)
    # a bare figure under it: recorded at once on that occurrence, the acknowledgement says so
    ack = await _say(server, edu, "80", reply_to=ack.message)
    assert "T16（2022-04-30期）" in ack.text
    assert _records(db, "T16") == [("2022-04-30", "progress", p) for p in (50, 70, 80)]
    # the one-line /report asks first on a counted recurring target (18 people, or 18%?):
    # the question names the occurrence; its answer records there
    question = await _say(server, edu, "/report T10 18")
    assert "T10（2022-12-31期）" in question.text
    await server.press_button(edu, question, "rc:*:v")
    assert "T10（2022-12-31期）" in (await _recorded(server)).text
    # ...and a figure far over the target asks again, naming it, in English for Mary
    question = await _say(server, mary, "/report T10 5000")
    assert "T10 (period ending 2022-12-31)" in question.text
    await server.press_button(mary, question, "rc:*:n")
    await server.wait_for_bot(chat_id=GROUP)
    assert _records(db, "T10") == [("2022-12-31", "progress", 18)]


async def _claim(server, user, text):
    """A 100% report and its review card."""
    await _say(server, user, text)
    return await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)


async def _stale_answer(server, user, card, verb) -> str:
    """What a press of the card's button `verb` (close, reopen) is answered: an alert, or, when
    too long for one, a message in the chat."""
    data = next(b["callback_data"] for row in card.params["reply_markup"]["inline_keyboard"]
                for b in row if b["callback_data"].startswith(f"rv:{verb}:"))
    await server.press_button(user, card, data, check=False)
    answer = await server.wait_for_bot(method=("sendMessage", "answerCallbackQuery"),
                                       predicate=lambda c: ALERT(c) or "按钮已失效" in (c.text or "")
                                       or "no longer applies" in (c.text or ""))
    return answer.params["text"]


async def test_a_stale_review_button_says_where_to_act_now(group):
    """QA item 9: the old card of an occurrence claimed again points to the newest card or to
    /close with the occurrence; once closed, to /reopen; with no claim waiting, says so."""
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    mary = server.user(MARY, "Mary", language_code="en")
    clock["now"] = at("2022-04-25 10:00")  # the 04-30 occurrence done and checked
    await _claim(server, edu, "/report T16 100 春季排查完成")
    await _say(server, coordinator, "/close T16")
    clock["now"] = at("2022-06-24 10:00")
    old = await _claim(server, edu, "/report T16 100 考试季排查完成")
    clock["now"] = at("2022-07-01 09:00")
    await _say(server, coordinator, "/reopen T16 2022-06-30 缺少名单")
    clock["now"] = at("2022-07-01 10:00")
    new = await _claim(server, edu, "/report T16 100 名单已补")  # 06-30: the only one open
    said = await _stale_answer(server, coordinator, old, "close")
    assert "T16（2022-06-30期） 已于 07-01 10:00 重新报告完成（待核实），此按钮已失效。" in said
    assert "最新的核实卡片" in said and "/close T16 2022-06-30" in said
    assert "已于 07-01 10:00 报告已完成" not in said  # the awkward old wording
    # the coordinator acts on the newest card: the old one now says the occurrence is closed
    await server.press_button(coordinator, new, "rv:close:*")
    await server.wait_for_bot(method="editMessageText")
    said = await _stale_answer(server, coordinator, old, "reopen")
    assert "已销号" in said and "/reopen T16 2022-06-30 原因" in said
    # sent back again: no claim waits, and a new card will come
    await _say(server, coordinator, "/reopen T16 2022-06-30 名单有误")
    said = await _stale_answer(server, coordinator, new, "close")
    assert "没有待核实的报告" in said
    # in the coordinator's English too
    db["members"].update(1000, {"lang": "en"})
    said = await _stale_answer(server, coordinator, old, "close")
    assert said.startswith("Task T16 (period ending 2022-06-30) was sent back at 07-01 10:00; "
                           "this button no longer applies. No claim of it awaits the check")
    # Mary (a liaison reading English) is refused as not the coordinator before anything else
    said = await _stale_answer(server, mary, new, "close")
    assert "coordinator" in said
    assert [r["kind"] for r in db.query(
        "SELECT kind FROM reports WHERE task_id = 'T16' AND kind IN ('close', 'reopen') "
        "ORDER BY id")] == ["close", "reopen", "close", "reopen"]


async def test_a_former_liaison_is_told_they_left_and_how_to_rejoin(group):
    """QA item 10a: after /leave, a command, a reply to the bot, a button and a private message
    say which department they left and since when, and /join with its name takes them back."""
    server, db, clock = group
    wang = server.user(1002, "王教育")
    mary = server.user(MARY, "Mary", language_code="en")
    stranger = server.user(4242, "路人")
    ack = await _say(server, wang, "/report T05 60")
    clock["now"] = at("2022-07-19 10:00")
    assert "不再担任教育局联络员" in (await _say(server, wang, "/leave")).text
    clock["now"] = at("2022-07-20 09:00")
    expected = "您已于2022年7月19日（星期二）不再担任教育局联络员。如需重新担任，请发送 /join 教育局 申请"
    assert (await _say(server, wang, "/report T05 70")).text.startswith(expected)
    assert (await _say(server, wang, "80", reply_to=ack.message)).text.startswith(expected)
    await server.send_text(wang, 1002, "/report T05 70")  # in private
    assert (await server.wait_for_bot(chat_id=1002)).text.startswith(expected)
    tasks = await _say(server, server.user(1001, "李教育"), "/tasks")
    await server.press_button(wang, tasks, "rf:task:T05", check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert alert.params["text"].startswith(expected)
    # in English, with what /join takes for the department there
    await _say(server, mary, "/leave")
    said = (await _say(server, mary, "/report T05 70")).text
    assert said.startswith("You stopped being liaison for ") and "/join EDU" in said
    # someone who never was a member is still asked to join
    assert "/join 部门名称" in (await _say(server, stranger, "/report T05 70")).text
    # the hint's /join works as written
    assert "统筹人" in (await _say(server, wang, "/join 教育局")).text
    assert [r["percent"] for r in db.query(
        "SELECT percent FROM reports WHERE task_id = 'T05' AND kind = 'progress'")] == [60]


@pytest.fixture
async def digest_group(tmp_path, plan):
    """The group with the app at hand (to run the digest job), on Monday 2022-05-09."""
    db = plan_db(tmp_path, plan, "2022-04-20", u1001=("EDU", "李教育"),
                 u1008=("HEALTH", "张卫健"))
    add_member(db, user_id=1000, dept=None, role="coordinator", now=at("2022-04-20"),
               actor="t", name="王统筹")
    async with bot_in_group(db, tmp_path, "2022-05-09 09:00") as (server, app, clock):
        yield server, app, db, clock


async def test_a_reply_naming_one_task_to_a_post_about_none_reports_on_it(digest_group):
    """QA item 10b: "T05 60" under the weekly digest is a report on T05, shown back to confirm
    (the digest is not about T05: never recorded unasked), as "T01 60" under a 督办单 of several
    tasks is a report on T01; a reply naming several tasks is asked to report them one by one."""
    server, app, db, clock = digest_group
    edu, health = server.user(1001, "李教育"), server.user(1008, "张卫健")
    await run_job(app, jobs.digest_job)
    digest = await server.wait_for_bot(chat_id=GROUP)
    assert "每周督办简报" in digest.text
    await server.wait_for_bot(chat_id=GROUP, method="sendMediaGroup")  # its charts
    ask = await _say(server, edu, "T05 60", reply_to=digest.message)
    assert "请确认报送" in ask.text and "T05" in ask.text and "60%" in ask.text
    assert not _records(db, "T05")
    await server.press_button(edu, ask, "rf:ok:*")
    assert "T05" in (await _recorded(server)).text
    assert _records(db, "T05") == [("", "progress", 60)]
    # a recurring duty named under it: the card names the period, a late one as such
    ask = await _say(server, edu, "T16 春季排查已完成，100%", reply_to=digest.message)
    assert "T16（2022-04-30期，补报）" in ask.text
    # a task of another department, several tasks, no task: each answered in one line
    said = (await _say(server, edu, "T41 50", reply_to=digest.message)).text
    assert "只能报送本部门" in said
    said = (await _say(server, edu, "T5 70，T6 30", reply_to=digest.message)).text
    assert "T05、T06" in said and "/report T05 60" in said
    said = (await _say(server, edu, "60", reply_to=digest.message)).text
    assert "不针对具体任务" in said
    # under a 督办单 of one task, another task named is taken the same way: confirmed first
    chase = await _say(server, server.user(1000, "王统筹"), "/chase T41")
    ask = await _say(server, health, "T42 30", reply_to=chase.message)
    assert "请确认报送" in ask.text and "T42" in ask.text and not _records(db, "T42")
    assert _records(db, "T05") == [("", "progress", 60)] and not _records(db, "T41")

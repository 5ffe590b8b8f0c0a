"""Occurrences of a recurring duty in the chat, through the real stack in privacy mode (QA items 1-5
and 13): every act names the occurrence it is about; a card acts on, is checked against and loses
the buttons of its own occurrence; replies and the guided /report ask which occurrence as the
one-line /report does; the guided /report asks a county-split target's county before its figure;
a refusal after a choice button is said in the chat."""

from __future__ import annotations

import pytest

from bot.services.commands import task_version
from bot.services.directory import add_member
from tests.conftest import at
from tests.test_bot_e2e import GROUP, bot_in_group
from tests.test_jobs_e2e import plan_db


def ALERT(call) -> bool:  # noqa: N802
    return bool(call.params.get("show_alert"))


@pytest.fixture
async def group(tmp_path, plan):
    # loaded on 04-20 as in the QA trial: tracking starts then, T16's first occurrence is 04-30
    db = plan_db(tmp_path, plan, "2022-04-20", u1001=("EDU", "李教育"), u1002=("EDU", "王教育"),
                 u1008=("HEALTH", "张卫健"))
    add_member(db, user_id=1000, dept=None, role="coordinator", now=at("2022-04-20"),
               actor="t", name="王统筹")
    async with bot_in_group(db, tmp_path, "2022-04-20 10:00") as (server, _, clock):
        yield server, db, clock


async def _say(server, user, text, **kw):
    await server.send_text(user, GROUP, text, **kw)
    return await server.wait_for_bot(chat_id=GROUP)


def _records(db, task, kinds=("progress", "claim", "close", "reopen")):
    marks = ",".join("?" * len(kinds))
    return [(r["period"], r["kind"], r["percent"], r["note"]) for r in db.query(
        f"SELECT * FROM reports WHERE task_id = ? AND kind IN ({marks}) AND revoked_at IS NULL "
        "ORDER BY id", [task, *kinds])]


def _buttons(server, call) -> list[str]:
    shown = server.messages[(GROUP, call.message["message_id"])]
    return [b["callback_data"] for row in (shown.get("reply_markup") or {}).get(
        "inline_keyboard", []) for b in row]


async def _claim(server, user, text):
    """A 100% report: its acknowledgement, then its review card."""
    ack = await _say(server, user, text)
    card = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)
    return ack, card


async def test_each_card_acts_on_its_own_occurrence_and_every_act_names_it(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    # 05-05: the 04-30 occurrence was missed; a late claim goes to it and says so
    clock["now"] = at("2022-05-05 10:00")
    ack, card_0430 = await _claim(server, edu, "/report T16 100 春季排查已完成")
    assert "T16（2022-04-30期）" in ack.text
    assert "T16（2022-04-30期）" in card_0430.text
    # 06-24: the next claim is the 06-30 occurrence's (the one in force)
    clock["now"] = at("2022-06-24 10:00")
    ack, card_0630 = await _claim(server, edu, "/report T16 100 考试季排查完成")
    assert "T16（2022-06-30期）" in ack.text and "T16（2022-06-30期）" in card_0630.text
    # /status T16 shows the occurrence in force beside the earlier one waiting
    shown = (await _say(server, coordinator, "/status T16")).text
    assert "往期 2022-04-30：⏳ 待核实" in shown and "本期 2022-06-30：⏳ 待核实" in shown
    # the coordinator's queue names both claims' occurrences, the one in force too
    queue = (await _say(server, coordinator, "/status")).text
    assert "⏳ T16（2022-04-30期） 教育局" in queue and "⏳ T16（2022-06-30期） 教育局" in queue

    # 07-01: 退回 on the 04-30 card is not stale because of the 06-30 claim (QA item 2)
    clock["now"] = at("2022-07-01 10:00")
    await server.press_button(coordinator, card_0430, "rv:reopen:*")
    prompt = await server.wait_for_bot(chat_id=GROUP)
    assert "T16（2022-04-30期）" in prompt.text
    returned = await _say(server, coordinator, "请补充排查报告", reply_to=prompt.message)
    assert "已退回：T16（2022-04-30期）" in returned.text
    await server.wait_idle(quiet=0.2)
    assert _buttons(server, card_0430) == []  # its own card lost its buttons
    assert len(_buttons(server, card_0630)) == 2  # the other occurrence's card kept them
    # the 04-30 occurrence is open again: the next report is its own
    ack, card_again = await _claim(server, edu, "/report T16 100 补充了排查报告")
    assert "T16（2022-04-30期）" in ack.text

    # /close T16 checks the oldest claim, says which, and strips that card only (QA item 1)
    closed = (await _say(server, coordinator, "/close T16")).text
    assert "已核实销号：T16（2022-04-30期）" in closed
    await server.wait_idle(quiet=0.2)
    assert _buttons(server, card_again) == []
    assert len(_buttons(server, card_0630)) == 2
    # the 06-30 card still works: it is not stale for the 04-30 closure
    await server.press_button(coordinator, card_0630, "rv:close:*")
    edited = await server.wait_for_bot(method="editMessageText")
    assert "已核实销号：T16（2022-06-30期）" in edited.text
    thanks = await server.wait_for_bot(chat_id=GROUP)
    assert "T16（2022-06-30期）" in thanks.text and "李教育" in thanks.text
    assert [r[:2] for r in _records(db, "T16") if r[1] == "close"] == [
        ("2022-04-30", "close"), ("2022-06-30", "close")]
    # the first card, pressed now, is refused naming its occurrence and what changed
    await server.press_button(coordinator, card_0430, card_0430.params["reply_markup"][
        "inline_keyboard"][0][0]["callback_data"], check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "T16（2022-04-30期）" in alert.params["text"] and "核实销号" in alert.params["text"]

    # /reopen names the occurrence it reopens, and takes one named in the command
    reopened = (await _say(server, coordinator, "/reopen T16 2022-06-30 排查报告缺页")).text
    assert "已退回：T16（2022-06-30期）" in reopened and "排查报告缺页" in reopened
    assert _records(db, "T16")[-1][:2] == ("2022-06-30", "reopen")
    assert _records(db, "T16")[-1][3] == "排查报告缺页"
    # a refusal about an occurrence names it
    refused = (await _say(server, coordinator, "/reopen T16 2022-06-30 再次退回")).text
    assert "T16（2022-06-30期） 尚未报送完成" in refused
    # a period the task does not have is refused politely, changing nothing
    refused = (await _say(server, coordinator, "/close T16 2022-05-31期")).text
    assert "2022-05-31" in refused and _records(db, "T16")[-1][1] == "reopen"


async def test_replies_and_the_guided_report_ask_which_occurrence(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    # 07-01: T16's 04-30 and 06-30 occurrences both passed unreported
    clock["now"] = at("2022-07-01 10:00")
    post = await _say(server, edu, "/history T16")
    ask = await _say(server, edu, "T16 已全部排查完毕，100%", reply_to=post.message)
    # what was read and which period, in one card: a 确认 per open period, before anything
    assert "请确认报送" in ask.text and "哪一期" in ask.text and not _records(db, "T16")
    assert [b.split(":", 3)[3] for b in _buttons(server, ask) if b.startswith("rf:ok:")] == [
        "2022-04-30", "2022-06-30", "2022-09-30"]
    assert any(b.startswith("rf:no:") for b in _buttons(server, ask))
    await server.press_button(edu, ask, "rf:ok:*:2022-06-30")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "T16（2022-06-30期）" in recorded.text
    assert _records(db, "T16") == [("2022-06-30", "claim", 100, "已全部排查完毕，100%")]
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "待核实：" in c.text)

    # the guided /report: task, 100%, a note, no files, confirm: asked which, then recorded
    # (only the 04-30 occurrence is open now: recorded there at once)
    clock["now"] = at("2022-07-01 10:05")
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T16")
    progress = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, progress, "rf:p:*:50")
    note = await server.wait_for_bot(chat_id=GROUP)
    await server.send_text(edu, GROUP, "春季排查过半", reply_to=note.message)
    files = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, files, "rf:done:*")
    confirm = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, confirm, "rf:ok:*")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "T16（2022-04-30期）" in recorded.text
    assert _records(db, "T16")[-1] == ("2022-04-30", "progress", 50, "春季排查过半")


async def test_the_guided_report_asks_when_two_occurrences_are_open(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    clock["now"] = at("2022-07-01 10:00")
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T16")
    progress = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, progress, "rf:p:*:100")
    note = await server.wait_for_bot(chat_id=GROUP)
    await server.send_text(edu, GROUP, "春季排查报告已补齐", reply_to=note.message)
    files = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, files, "rf:done:*")
    confirm = await server.wait_for_bot(chat_id=GROUP)
    # which period is asked on the confirmation itself, before anything is recorded
    assert "哪一期" in confirm.text and not _records(db, "T16")
    await server.press_button(edu, confirm, "rf:ok:*:2022-04-30")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    await server.wait_idle(quiet=0.2)
    assert _buttons(server, confirm) == []  # the confirmation is spent
    assert "T16（2022-04-30期）" in recorded.text
    assert _records(db, "T16") == [("2022-04-30", "claim", 100, "春季排查报告已补齐")]


async def test_a_reply_to_a_post_about_one_occurrence_reports_on_it_unasked(group):
    """QA re-trial N5: a reply to the acknowledgement of the 06-30 period (or to its reminder)
    goes to that period, though the 04-30 one is open too; a reply to a post about the task as
    a whole still asks."""
    server, db, clock = group
    edu = server.user(1001, "李教育")
    clock["now"] = at("2022-07-01 10:00")
    question = await _say(server, edu, "/report T16 40 排查进行中")
    await server.press_button(edu, question, "rc:*:2022-06-30")
    ack = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "T16（2022-06-30期）" in ack.text
    # a free-form reply with a note: confirmed with one button, on the period named
    ask = await _say(server, edu, "排查完成八成，80%", reply_to=ack.message)
    assert "T16（2022-06-30期，补报）" in ask.text and "哪一期" not in ask.text
    assert [b.count(":") for b in _buttons(server, ask) if b.startswith("rf:ok:")] == [2]
    await server.press_button(edu, ask, "rf:ok:*")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "T16（2022-06-30期）" in recorded.text
    # a bare figure under it: recorded at once, on that period
    await _say(server, edu, "90", reply_to=recorded.message)
    assert [r[:3] for r in _records(db, "T16")] == [
        ("2022-06-30", "progress", 40), ("2022-06-30", "progress", 80),
        ("2022-06-30", "progress", 90)]
    # the task's history is about the task: a reply to it still asks
    post = await _say(server, edu, "/history T16")
    ask = await _say(server, edu, "春季排查过半，50%", reply_to=post.message)
    assert "哪一期" in ask.text


async def test_the_guided_report_asks_a_split_targets_county_first(group):
    server, db, clock = group
    edu = server.user(1002, "王教育")
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T06")
    county = await server.wait_for_bot(chat_id=GROUP)
    assert "县" in county.text
    names = [b["text"] for row in county.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "南安市" in names and "泉州台商投资区" in names
    await server.press_button(edu, county, "rf:u:*:" + str(names.index("南安市")))
    value = await server.wait_for_bot(chat_id=GROUP)
    assert "南安市" in value.text and value.params["reply_markup"]["force_reply"] is True
    await server.send_text(edu, GROUP, "15", reply_to=value.message)
    note = await server.wait_for_bot(chat_id=GROUP)
    await server.send_text(edu, GROUP, "南安市新建15所", reply_to=note.message)
    files = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, files, "rf:done:*")
    confirm = await server.wait_for_bot(chat_id=GROUP)
    assert "南安市" in confirm.text and "15所" in confirm.text and "南安市新建15所" in confirm.text
    await server.press_button(edu, confirm, "rf:ok:*")
    recorded = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert "南安市 15所" in recorded.text
    rows = [(r["unit"], r["unit_value"], r["value"], r["note"]) for r in db.query(
        "SELECT * FROM reports WHERE task_id = 'T06' AND kind = 'progress'")]
    assert rows == [("南安市", 15.0, 15.0, "南安市新建15所")]
    # "8" in reply to the acknowledgement: asked whose figure it is, then recorded
    answer = await _say(server, edu, "8", reply_to=recorded.message)
    assert "哪个单位" in answer.text and len(rows) == 1
    await server.press_button(edu, answer, "rc:*:u" + str(names.index("德化县")))
    assert "德化县 8所" in (await server.wait_for_bot(
        chat_id=GROUP, predicate=lambda c: "已记录" in c.text)).text
    # the county may be typed instead of pressed: a name not among the units is told so
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T04")
    county = await server.wait_for_bot(chat_id=GROUP)
    hint = await _say(server, edu, "丰泽区 9", reply_to=county.message)
    assert "找不到单位“丰泽区 9”" in hint.text and "鲤城区" in hint.text
    value = await _say(server, edu, "丰泽", reply_to=county.message)
    assert "T04 丰泽区" in value.text and value.params["reply_markup"]["force_reply"] is True
    await server.send_text(edu, GROUP, "/cancel")
    await server.wait_for_bot(chat_id=GROUP)
    assert not _records(db, "T04")  # nothing recorded by the questions
    # a county button of a finished question says so
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T04")
    county = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, county, "rf:u:*:1")
    await server.wait_for_bot(chat_id=GROUP)  # the value question
    await server.press_button(edu, county, "rf:u:*:1", check=False)
    assert (await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT))


async def test_a_refusal_after_a_choice_button_is_said(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    question = await _say(server, edu, "/report T07 18")  # 18个 or 18%?
    assert "已中止" in (await _say(server, coordinator, "/suspend T07 政策调整")).text
    await server.press_button(edu, question, "rc:*:v")
    refusal = await server.wait_for_bot(chat_id=GROUP)
    assert "T07" in refusal.text and "中止" in refusal.text
    assert not _records(db, "T07")
    await server.wait_idle(quiet=0.2)
    assert not [c for c in server.failed if c.method == "answerCallbackQuery"]


async def test_extension_cards_decide_their_own_occurrence(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    clock["now"] = at("2022-04-25 10:00")
    assert "已提交延期申请" in (await _say(server, edu, "/extend T16 5月10日 五一放假")).text
    card_0430 = await server.wait_for_bot(chat_id=GROUP)
    assert "T16（2022-04-30期）" in card_0430.text
    clock["now"] = at("2022-05-05 10:00")
    await _claim(server, edu, "/report T16 100 春季排查已完成")
    clock["now"] = at("2022-06-20 10:00")
    assert "已提交延期申请" in (await _say(server, edu, "/extend T16 7月10日 考试推迟")).text
    card_0630 = await server.wait_for_bot(chat_id=GROUP)
    assert "T16（2022-06-30期）" in card_0630.text
    # sent by the one sender, its buttons still name their occurrence and its own version
    assert _buttons(server, card_0630) and all(
        d.startswith("ex:") and ":T16:o" in d and d.endswith(":2022-06-30")
        for d in _buttons(server, card_0630))
    await server.press_button(coordinator, card_0630, "ex:ok:*")
    approved = await server.wait_for_bot(method="editMessageText")
    assert "T16（2022-06-30期）" in approved.text and "2022-07-10" in approved.text
    deadlines = [(r["period"], r["due"]) for r in db.query(
        "SELECT * FROM deadlines WHERE task_id = 'T16' AND source = 'extension' "
        "ORDER BY id")]
    assert deadlines == [("2022-06-30", "2022-07-10")]
    # the 04-30 card: stale for its own occurrence's claim, and says so
    await server.press_button(coordinator, card_0430, "ex:no:*")
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "T16（2022-04-30期）" in alert.params["text"] and "05-05" in alert.params["text"]


async def test_a_refusal_names_the_applicant_apart_and_a_second_approval_says_who(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    # QA item 21: the applicant's mention was glued to the end of the reason
    clock["now"] = at("2022-04-25 10:00")
    await _say(server, edu, "/extend T01 7月31日 场地维修")
    card = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(coordinator, card, "ex:no:*")
    prompt = await server.wait_for_bot(chat_id=GROUP)
    refused = await _say(server, coordinator, "场地维修不是延期理由，请另找场地",
                         reply_to=prompt.message)
    assert "理由：场地维修不是延期理由，请另找场地\n李教育：" in refused.text
    assert any(e.get("url") == "tg://user?id=1001" for e in refused.message["entities"])
    # a second tap on 批准 says who approved the application and when
    newbie = server.user(1010, "陈新人")
    await _say(server, newbie, "/join 卫健委")
    application = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "陈新人" in c.text)
    approve = application.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await server.press_button(coordinator, application, approve)
    await server.wait_for_bot(method="editMessageText")
    clock["now"] = at("2022-04-25 10:05")  # pressed again, as a slow client still shows it
    await server.press_button(coordinator, application, approve, check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert alert.params["text"] == "陈新人 的联络员申请已于 04-25 10:00 由 王统筹 批准（卫健委）。"
    await server.send_text(coordinator, GROUP, "/approve 1010")  # by command too
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已于 04-25 10:00 由 王统筹 批准"
                              in c.text)


async def test_history_shows_a_countys_figure_and_no_percent_for_acts(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    await _say(server, coordinator, "/chase T04")
    await _say(server, edu, "/report T04 14 --unit 鲤城 已建成")
    clock["now"] = at("2022-04-20 11:00")
    await _say(server, edu, "/report T04 9 --unit 丰泽区")
    lines = (await _say(server, coordinator, "/history T04")).text.splitlines()
    assert lines[1] == "• 04-20 11:00 报送 12% · 丰泽区 9（全市合计 23） 进行中 · 李教育"
    assert lines[2] == "• 04-20 10:00 报送 7% · 鲤城区 14（全市合计 14） 进行中 · 李教育 已建成"
    assert lines[3] == "• 04-20 10:00 催办 · 王统筹"  # an act: no "0% —"
    # a rate target's percent is its value: shown once (it read "70% 70"); a count in its unit
    await _say(server, edu, "/report T03 70%")
    assert " 报送 70% 进行中 · 李教育" in (await _say(server, edu, "/history T03")).text
    await _say(server, edu, "/report T08 120所")
    assert " 报送 60% 120所 进行中 · 李教育" in (await _say(server, edu, "/history T08")).text


async def test_a_guided_report_refused_at_confirmation_keeps_the_typed_note(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    await server.send_text(edu, GROUP, "/report")
    pick = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, pick, "rf:task:T01")
    progress = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, progress, "rf:p:*:50")
    note = await server.wait_for_bot(chat_id=GROUP)
    await server.send_text(edu, GROUP, "岗位核定方案<初稿>已完成", reply_to=note.message)
    files = await server.wait_for_bot(chat_id=GROUP)
    await server.press_button(edu, files, "rf:done:*")
    confirm = await server.wait_for_bot(chat_id=GROUP)
    # the task is suspended while the confirmation waits
    assert "已中止" in (await _say(server, coordinator, "/suspend T01 上级政策调整")).text
    await server.press_button(edu, confirm, "rf:ok:*")
    refusal = await server.wait_for_bot(chat_id=GROUP)
    assert "T01" in refusal.text and "中止" in refusal.text
    assert "岗位核定方案<初稿>已完成" in refusal.text  # the note as typed, escaped
    assert "&lt;初稿&gt;" in refusal.params["text"]
    assert not _records(db, "T01")
    await server.wait_idle(quiet=0.2)
    assert _buttons(server, confirm) == []  # the spent confirmation holds no buttons
    assert not [c for c in server.failed if c.method == "answerCallbackQuery"]


async def test_status_shows_a_countys_own_figure(group):
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    await _say(server, edu, "/report T04 14 --unit 鲤城")
    clock["now"] = at("2022-04-20 11:00")
    await _say(server, edu, "/report T04 9 --unit 丰泽区 新建9所")
    shown = (await _say(server, coordinator, "/status T04")).text
    assert "报送 12% · 丰泽区 9（全市合计 23） 进行中 · 李教育 新建9所" in shown
    assert "报送 12% 23" not in shown  # the city sum is not shown as the county's figure


async def test_a_card_from_before_cards_named_their_occurrence_stands_while_nothing_changed(group):
    """Cards sent before this version carry the whole task's version (digits, no 'o'): such a
    card still acts while the task has not changed at all, and is refused once it has."""
    server, db, clock = group
    edu, coordinator = server.user(1001, "李教育"), server.user(1000, "王统筹")
    clock["now"] = at("2022-05-05 10:00")
    _, card_0430 = await _claim(server, edu, "/report T16 100 春季排查已完成")
    old_0430 = f"rv:close:T16:{task_version(db, 'T16')}:2022-04-30"
    clock["now"] = at("2022-06-24 10:00")
    _, card_0630 = await _claim(server, edu, "/report T16 100 考试季排查完成")
    old_0630 = f"rv:close:T16:{task_version(db, 'T16')}:2022-06-30"
    # the task changed since the first old card was made: refused, naming what changed
    await server.press_button(coordinator, card_0430, old_0430, check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "T16（2022-04-30期）" in alert.params["text"] and "已失效" in alert.params["text"]
    # nothing changed since the second: it closes its occurrence
    clock["now"] = at("2022-07-01 10:00")
    await server.press_button(coordinator, card_0630, old_0630, check=False)
    edited = await server.wait_for_bot(method="editMessageText")
    assert "已核实销号：T16（2022-06-30期）" in edited.text
    assert [r[:2] for r in _records(db, "T16") if r[1] == "close"] == [("2022-06-30", "close")]


async def test_a_reply_to_a_reminder_reports_on_the_occurrence_it_names(tmp_path, plan):
    """The 05-05 escalation of T16's missed 04-30 period and the 06-27 reminder of its 06-30
    period: a figure replied to each goes to the period that post names, unasked, though both
    periods are open by then."""
    from handlers import jobs
    from tests.test_jobs_e2e import run_job

    db = plan_db(tmp_path, plan, "2022-04-20", u1001=("EDU", "李教育"))
    async with bot_in_group(db, tmp_path, "2022-05-05 09:00") as (server, app, clock):
        edu = server.user(1001, "李教育")
        await run_job(app, jobs.nudge_job)
        missed = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "T16" in c.text)
        clock["now"] = at("2022-06-27 09:00")
        await run_job(app, jobs.nudge_job)
        soon = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "T16" in c.text)
        assert "2022-06-30" in soon.text
        clock["now"] = at("2022-06-27 10:00")
        await _say(server, edu, "T16 60", reply_to=soon.message)
        await _say(server, edu, "T16 30", reply_to=missed.message)
        assert [r[:3] for r in _records(db, "T16")] == [
            ("2022-06-30", "progress", 60), ("2022-04-30", "progress", 30)]


async def test_a_county_figure_far_over_its_share_is_checked_first(group):
    """QA re-trial: 鲤城区 80 against a share of 14 (more than 3×) is asked about before it is
    recorded; 取消 records nothing and gives the note back; 确认记录 records it; a figure
    within 3× is recorded at once."""
    server, db, clock = group
    edu = server.user(1001, "李教育")
    ask = await _say(server, edu, "/report T04 80 --unit 鲤城 已建成")
    assert "鲤城区的目标为 14" in ask.text and "3 倍" in ask.text and not _records(db, "T04")
    await server.press_button(edu, ask, "rc:*:n")
    back = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "未记录" in c.text)
    assert "已建成" in back.text and not _records(db, "T04")
    ask = await _say(server, edu, "/report T04 80 --unit 鲤城 已建成")
    # a colleague of another department presses it: refused, nothing recorded
    health = server.user(1008, "张卫健")
    await server.press_button(health, ask, "rc:*:y", check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "本人" in alert.params["text"] and not _records(db, "T04")
    await server.press_button(edu, ask, "rc:*:y")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    # pressed again (a stale button): said so, recorded once
    stale = ask.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await server.press_button(edu, ask, stale, check=False)
    alert = await server.wait_for_bot(method="answerCallbackQuery", predicate=ALERT)
    assert "失效" in alert.params["text"]
    recorded = await _say(server, edu, "/report T04 30 --unit 丰泽 建成30所")
    assert "已记录" in recorded.text
    rows = [(r["unit"], r["unit_value"]) for r in db.query(
        "SELECT unit, unit_value FROM reports WHERE task_id = 'T04' ORDER BY id")]
    assert rows == [("鲤城区", 80), ("丰泽区", 30)]


async def test_a_claim_on_a_period_just_begun_is_checked_first(group):
    """QA pass 3 #6: on 07-01, with the 04-30 and 06-30 periods claimed, '/report T16 100 补充了
    排查报告' would claim the 09-30 period that began that day: asked first. 取消 records
    nothing and gives the note back; 确认 records it on the 09-30 period; progress below 100%
    and a claim a week on are recorded at once."""
    server, db, clock = group
    edu = server.user(1001, "李教育")
    clock["now"] = at("2022-05-05 10:00")
    await _claim(server, edu, "/report T16 100 春季排查已完成")  # the 04-30 period, late
    clock["now"] = at("2022-06-24 10:00")
    await _claim(server, edu, "/report T16 100 考试季排查完成")  # the 06-30 period
    before = _records(db, "T16")
    clock["now"] = at("2022-07-01 10:00")
    ask = await _say(server, edu, "/report T16 100 补充了排查报告")
    assert "T16（2022-09-30期）" in ask.text and "才开始" in ask.text
    assert _records(db, "T16") == before
    await server.press_button(edu, ask, "rc:*:n")
    back = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "未记录" in c.text)
    assert "补充了排查报告" in back.text and _records(db, "T16") == before
    # progress on the new period is not a claim: recorded at once
    progress = await _say(server, edu, "/report T16 20 已部署入学季排查")
    assert "已记录" in progress.text and _records(db, "T16")[-1][:3] == ("2022-09-30",
                                                                         "progress", 20)
    # in English for a liaison who reads English
    db.execute("UPDATE members SET lang = 'en' WHERE user_id = 1002")
    db.conn.commit()
    wang = server.user(1002, "王教育")
    ask = await _say(server, wang, "/report T16 100 done")
    assert "began only on" in ask.text and "this period is done" in str(
        ask.params["reply_markup"])
    await server.press_button(wang, ask, "rc:*:n")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "nothing was recorded" in c.text)
    ask = await _say(server, edu, "/report T16 100 入学季排查已完成")
    await server.press_button(edu, ask, "rc:*:y")
    await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: "已记录" in c.text)
    assert _records(db, "T16")[-1][:3] == ("2022-09-30", "claim", 100)


async def test_a_claim_a_week_into_its_period_is_recorded_at_once(group):
    server, db, clock = group
    edu = server.user(1001, "李教育")
    clock["now"] = at("2022-05-05 10:00")
    await _claim(server, edu, "/report T16 100 春季排查已完成")
    clock["now"] = at("2022-05-09 10:00")  # the 06-30 period began 05-01: 8 days ago
    ack, _ = await _claim(server, edu, "/report T16 100 考试季排查完成")
    assert "T16（2022-06-30期）" in ack.text

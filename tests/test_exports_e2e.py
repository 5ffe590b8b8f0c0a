"""/export and /score through the real stack: the coordinator gets the ledger and the bulletin
as documents (opened and read back), a liaison is refused, everyone sees the scores; and a
county unit's figure reported in the chat is recorded as that unit's."""

from __future__ import annotations

import io
from dataclasses import replace

import openpyxl
import pytest
from docx import Document

from bot.services.commands import unit_values
from bot.services.directory import add_member
from tests.conftest import at
from tests.test_bot_e2e import GROUP, Env, env  # noqa: F401 (the fixture)

NOW = at("2023-05-15 09:00")
EDU_ID = 1020


@pytest.fixture
def fixed(env: Env) -> Env:  # noqa: F811 (the imported fixture)
    env.app.bot_data.clock = lambda: NOW
    add_member(env.db, user_id=EDU_ID, dept="EDU", role="liaison", now=at("2022-01-05"),
               actor="test", name="李教育")
    return env


async def _document(world: Env, user: dict, text: str):
    await world.server.send_text(user, GROUP, text)
    action = await world.server.wait_for_bot(method="sendChatAction", timeout=10)
    assert action.params["action"] == "upload_document"
    return await world.server.wait_for_bot(method="sendDocument", timeout=30)


async def test_the_coordinator_exports_the_ledger(fixed: Env):
    call = await _document(fixed, fixed.coordinator, "/export")
    doc = call.messages[0]["document"]
    assert doc["file_name"] == "督办台账-2023-05-15.xlsx"
    assert call.messages[0]["caption"] == "督办台账（截至 2023-05-15）"
    book = openpyxl.load_workbook(io.BytesIO(fixed.server.file_bytes(doc["file_id"])))
    assert book.sheetnames[0] == "任务台账"
    rows = list(book["任务台账"].iter_rows(values_only=True))
    ids = [row[0] for row in rows[3:]]  # under the title, the date line and the header
    assert ids == [t["id"] for t in fixed.db["tasks"].rows_where(
        "archived_at IS NULL", order_by="position")]
    assert len(ids) == 50

    # the same with the explicit word, in English for an English reader
    fixed.db["members"].update(1000, {"lang": "en"})
    call = await _document(fixed, fixed.coordinator, "/export ledger")
    assert call.messages[0]["document"]["file_name"] == "ledger-2023-05-15.xlsx"


async def test_the_coordinator_exports_the_bulletin_and_asks_for_a_pdf(fixed: Env, monkeypatch):
    import bot.outputs.exports.pdf as pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)  # no LibreOffice here
    fixed.app.bot_data.settings = replace(fixed.app.bot_data.settings,
                                          bulletin_masthead=("督查通报", "Supervision"))
    call = await _document(fixed, fixed.coordinator, "/export 通报 本月 pdf")
    doc = call.messages[0]["document"]
    assert doc["file_name"] == "情况通报-2023-05.docx"  # by the month it covers
    assert call.messages[0]["caption"] == (
        "情况通报 第1期（本月：2023年5月1日至2023年5月15日，月未结束）")
    text = [p.text for p in Document(io.BytesIO(fixed.server.file_bytes(doc["file_id"])))
            .paragraphs]
    assert text[:2] == ["督查通报", "第1期"]  # the bot's settings reach the letterhead
    assert any("落实情况的通报" in x for x in text)
    assert any(x.startswith("为推动") and "现将2023年5月（2023年5月1日至2023年5月15日）" in x
               for x in text)
    assert "LibreOffice" in await fixed.next_text()


async def test_bad_words_and_a_liaison_are_refused(fixed: Env):
    assert "用法" in await fixed.say(fixed.coordinator, "/export 年报")
    assert "用法" in await fixed.say(fixed.coordinator, "/export 通报 年")
    assert "仅限统筹人" in await fixed.say(fixed.liaison, "/export")
    assert "仅限统筹人" in await fixed.say(fixed.liaison, "/export 通报")
    await fixed.server.wait_idle()
    assert not [c for c in fixed.server.sent if c.method in ("sendDocument", "sendChatAction")]


async def test_a_member_sees_the_scores_and_why(fixed: Env):
    text = await fixed.say(fixed.liaison, "/score")
    assert "2023年度结果考评（截至 2023-05-15）" in text
    assert "卫健委" in text and "未签收催办" in text and "规则：" in text
    assert "2022年度结果考评（截至 2022-12-31）" in await fixed.say(fixed.liaison, "/score 2022年")
    refused = await fixed.say(fixed.liaison, "/score 2024")
    assert "2024年度尚未开始" in refused
    assert "用法" in await fixed.say(fixed.liaison, "/score 明年")
    assert "用法" in await fixed.say(fixed.liaison, "/score 0999")


async def test_a_county_units_figure_reported_in_the_chat(fixed: Env):
    edu = fixed.server.user(EDU_ID, "李教育")
    text = await fixed.say(edu, "/report T06 - --value 23 --unit 晋江市")
    assert "晋江市 23所" in text and "全市合计 23所" in text
    text = await fixed.say(edu, "/report T06 - --value 11 --unit 南安 新建11所")
    assert "南安市 11所" in text and "全市合计 34所" in text
    assert unit_values(fixed.db, "T06") == {"晋江市": 23, "南安市": 11}
    rows = list(fixed.db["reports"].rows_where("task_id = 'T06'", order_by="id"))
    assert [(r["unit"], r["unit_value"], r["value"]) for r in rows] == [
        ("晋江市", 23, 23), ("南安市", 11, 34)]
    assert rows[-1]["note"] == "新建11所"
    assert "晋江市、" in await fixed.say(edu, "/report T06 - --value 5 --unit 火星")


async def test_a_week_issued_after_a_later_one_is_told_under_the_file(fixed: Env):
    """QA-3 #4 through the chat: 本周 first (第1期), then last week (第2期, issued later): the
    second file's caption says so; in English for an English reader."""
    this_week = await _document(fixed, fixed.coordinator, "/export 通报 本周")
    assert this_week.messages[0]["caption"] == (
        "情况通报 第1期（本周：2023年5月15日至2023年5月15日，周未结束）")
    last_week = await _document(fixed, fixed.coordinator, "/export 通报")
    assert last_week.messages[0]["caption"] == (
        "情况通报 第2期（周报：2023年5月8日至2023年5月14日）\n"
        "注意：本期（2023年第19周）晚于第1期（第20周）印发，期号按印发先后编排。")
    fixed.db["members"].update(1000, {"lang": "en"})
    again = await _document(fixed, fixed.coordinator, "/export bulletin")
    assert again.messages[0]["caption"].splitlines()[1] == (
        "Note: this issue (week 19 of 2023) is issued after No. 1 (week 20), a later period; "
        "issue numbers follow the order in which bulletins are issued.")

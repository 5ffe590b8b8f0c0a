"""End to end: the real Application and its real HTTP client against the local Bot API server,
with scripted users in the coordination group and in private chats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlite_utils import Database
from telegram.ext import Application

from bot.app import build_application
from bot.config import load_settings
from bot.services.directory import add_member, get_member
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from tests.botapi_server import BotApiServer, running_server
from tests.conftest import TZ, at

GROUP = -1001234567890
OTHER_GROUP = -1009999
COORD_ID, LIAISON_ID, NEWBIE_ID, STRANGER_ID = 1000, 1008, 1010, 4242
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


@dataclass
class Env:
    server: BotApiServer
    app: Application
    db: Database
    evidence_dir: Path
    coordinator: dict
    liaison: dict
    newbie: dict
    stranger: dict

    async def say(self, user: dict, text: str, chat: int = GROUP) -> str:
        await self.server.send_text(user, chat, text)
        return (await self.server.wait_for_bot(chat_id=chat)).text

    async def next_text(self, chat: int = GROUP) -> str:
        return (await self.server.wait_for_bot(chat_id=chat)).text


async def start_app(server: BotApiServer, db: Database, tmp_path: Path,
                    ack_gather_ms: int = 0) -> Application:
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "TELEGRAM_FILE_BASE_URL": server.base_file_url,
        "COORDINATION_CHAT_ID": str(GROUP),
        "COORDINATOR_IDS": str(COORD_ID),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "RATE_LIMIT": "off",
        "JOBS": "off",  # the scheduled jobs are driven by hand in tests/test_jobs_e2e.py
        "ACK_GATHER_MS": str(ack_gather_ms),  # each acknowledgement at once, unless a test asks
    }, dotenv=None)
    app = build_application(settings, db)
    await app.initialize()
    await app.post_init(app)  # as run_polling() does
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    return app


def daytime_clock() -> Callable[[], datetime]:
    """The wall clock moved to noon of today (Asia/Shanghai) and running on from there: a test
    on the real clock behaves the same whenever it runs, quiet hours (which hold the 交办单)
    and midnight never reached while it runs."""
    start = datetime.now(TZ)
    shift = start.replace(hour=12, minute=0, second=0, microsecond=0) - start
    return lambda: datetime.now(TZ) + shift


async def stop_app(app: Application) -> None:
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@asynccontextmanager
async def bot_in_group(db: Database, tmp_path: Path, now: str, *, privacy: bool = True
                       ) -> AsyncIterator[tuple[BotApiServer, Application, dict]]:
    """The bot on `db` in the coordination group of a local Bot API server (Telegram's default
    privacy mode unless `privacy` is False), its clock at `now` and set through the dict
    yielded; stopped and `db` closed after."""
    async with running_server(can_read_all_group_messages=not privacy) as server:
        server.add_chat(GROUP, type="supergroup")
        app = await start_app(server, db, tmp_path)
        clock = {"now": at(now)}
        app.bot_data.clock = lambda: clock["now"]
        try:
            yield server, app, clock
        finally:
            await stop_app(app)
            db.close()


@pytest.fixture
async def env(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at("2022-01-05"))
    add_member(db, user_id=LIAISON_ID, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="张卫健")
    # Telegram's default privacy mode: in the group the bot sees only commands, replies to its
    # own messages and mentions, as in a real group where nobody changed @BotFather's setting.
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup", title="心理健康教育督办群")
        server.add_chat(OTHER_GROUP, type="group", title="别的群")
        users = [server.user(COORD_ID, "王统筹"), server.user(LIAISON_ID, "张卫健"),
                 server.user(NEWBIE_ID, "陈新人"), server.user(STRANGER_ID, "路人",
                                                              language_code="en")]
        app = await start_app(server, db, tmp_path)
        app.bot_data.clock = daytime_clock()
        try:
            yield Env(server, app, db, tmp_path / "evidence", *users)
        finally:
            await stop_app(app)
            db.close()


async def test_start_up_sets_the_menu_in_two_languages(env: Env):
    default = '{"type": "default"}'
    assert set(env.server.commands) == {(default, ""), (default, "en")}
    zh = {c["command"]: c["description"] for c in env.server.commands[(default, "")]}
    en = {c["command"]: c["description"] for c in env.server.commands[(default, "en")]}
    assert en["report"].startswith("report progress")
    assert zh["report"].startswith("报送进度") and "status" in zh
    assert get_member(env.db, COORD_ID)["role"] == "coordinator"  # from COORDINATOR_IDS


async def test_a_liaison_joins_and_the_coordinator_approves(env: Env):
    text = await env.say(env.newbie, "/join 卫生健康委员会")
    assert "已提交申请" in text and "卫健委" in text
    review = await env.server.wait_for_bot(chat_id=GROUP)
    assert "陈新人" in review.text and "卫健委" in review.text
    # a stranger cannot decide
    await env.server.press_button(env.stranger, review.message, f"join:approve:{NEWBIE_ID}:*")
    answer = await env.server.wait_for_bot(method="answerCallbackQuery")
    assert answer.params.get("show_alert") and "coordinator" in answer.params["text"].lower()
    assert get_member(env.db, NEWBIE_ID)["status"] == "pending"
    await env.server.press_button(env.coordinator, review.message, f"join:approve:{NEWBIE_ID}:*")
    edited = await env.server.wait_for_bot(method="editMessageText")
    assert "已获批准" in edited.text
    assert get_member(env.db, NEWBIE_ID)["status"] == "active"
    # the applicant never started the bot (Telegram answers 403): a mention in the group
    told = await env.server.wait_for_bot(chat_id=GROUP)
    assert "陈新人 已获批准" in told.text
    assert any(e.get("url") == f"tg://user?id={NEWBIE_ID}" for e in told.message["entities"])
    assert any(c.params.get("chat_id") == NEWBIE_ID for c in env.server.failed)
    assert "T41" in await env.say(env.newbie, "/tasks")


async def test_refuse_by_command_and_whoami(env: Env):
    await env.say(env.newbie, "/join 不存在的部门")
    assert get_member(env.db, NEWBIE_ID) is None
    await env.say(env.newbie, "/join 妇联")
    await env.next_text()  # the review message
    assert "原因" in await env.say(env.coordinator, f"/refuse {NEWBIE_ID}")  # asks why
    assert "未获批准" in await env.say(env.coordinator, f"/refuse {NEWBIE_ID} 不是本部门人员")
    assert "未获批准" in await env.say(env.newbie, "/whoami")


async def test_one_line_report_refusals_and_the_coordinators_check(env: Env):
    text = await env.say(env.liaison, "/report T41 60 已推动3家医院开设心理科")
    assert "已记录" in text and "60%" in text and "已推动3家医院开设心理科" in text
    assert env.db["reports"].count == 1
    assert "0 到 100" in await env.say(env.liaison, "/report T41 130")
    assert "只能报送本部门" in await env.say(env.liaison, "/report T01 50")
    assert "找不到任务" in await env.say(env.liaison, "/report T999 50")
    assert "用法" in await env.say(env.liaison, "/report T41")
    assert env.db["reports"].count == 1

    assert "待核实" in await env.say(env.liaison, "/report T41 100 全部完成")
    review = await env.server.wait_for_bot(chat_id=GROUP)
    assert "待核实" in review.text and "张卫健" in review.text
    await env.server.press_button(env.liaison, review.message, "rv:close:T41:*")
    refused = await env.server.wait_for_bot(method="answerCallbackQuery")
    assert refused.params.get("show_alert")
    await env.server.press_button(env.coordinator, review.message, "rv:reopen:T41:*")
    prompt = await env.server.wait_for_bot(chat_id=GROUP)
    assert "原因" in prompt.text
    await env.server.send_text(env.coordinator, GROUP, "缺少医院名单", reply_to=prompt.message)
    returned = await env.server.wait_for_bot(chat_id=GROUP)  # one message says it all:
    assert "已退回" in returned.text and "缺少医院名单" in returned.text  # what and why,
    assert "张卫健：" in returned.text and any(  # and the liaison is told, by mention
        e.get("url") == f"tg://user?id={LIAISON_ID}" for e in returned.message["entities"])
    await env.server.wait_idle(quiet=0.2)
    assert len(env.server.bot_messages(GROUP)) == 9  # (… the prompt, then this one alone)
    assert env.server.messages[(GROUP, review.message["message_id"])].get("reply_markup") is None
    await env.say(env.liaison, "/report T41 100 补充了名单")
    review = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.coordinator, review.message, "rv:close:T41:*")
    assert "已核实销号" in (await env.server.wait_for_bot(method="editMessageText")).text
    assert "已核实销号" in await env.next_text()  # the reporter hears it
    assert "已销号" in await env.say(env.coordinator, "/status T41")


async def test_the_guided_flow_with_a_photo(env: Env):
    await env.server.send_text(env.liaison, GROUP, "/report")
    pick = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, pick.message, "rf:task:T42")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "T42" in ask.text
    await env.server.send_sticker(env.liaison, GROUP, reply_to=ask.message)  # nonsense
    assert "按钮" in await env.next_text()
    await env.server.press_button(env.liaison, ask.message, "rf:p:*:75")
    note = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_text(env.liaison, GROUP, "两家医院已开设儿童门诊", reply_to=note.message)
    ev = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.send_photo(env.liaison, GROUP, JPEG, reply_to=ev.message)
    got = await env.server.wait_for_bot(chat_id=GROUP)
    assert "1 份" in got.text
    await env.server.press_button(env.liaison, got.message, "rf:done:*")
    confirm = await env.server.wait_for_bot(chat_id=GROUP)
    assert "75%" in confirm.text and "两家医院" in confirm.text
    assert env.db["reports"].count == 0  # nothing until confirmed
    await env.server.press_button(env.liaison, confirm.message, "rf:ok:*")
    ack = await env.server.wait_for_bot(chat_id=GROUP)
    assert "已记录" in ack.text and "75%" in ack.text and "1 份佐证" in ack.text
    await env.say(env.liaison, "/report T42 100 完成")
    review = await env.server.wait_for_bot(chat_id=GROUP)
    assert "待核实" in review.text and "佐证材料：1 份" in review.text
    photo = await env.server.wait_for_bot(chat_id=GROUP, method="sendPhoto")
    assert photo.message["reply_to_message"]["message_id"] == review.message["message_id"]
    row = next(env.db["evidence"].rows)
    assert row["task_id"] == "T42" and row["report_id"] == 1 and row["kind"] == "photo"
    assert Path(row["path"]).read_bytes() == JPEG and row["path"].endswith(".jpg")


async def test_the_guided_flow_can_be_cancelled(env: Env):
    await env.server.send_text(env.liaison, GROUP, "/report")
    pick = await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.press_button(env.liaison, pick.message, "rf:task:T41")
    await env.server.wait_for_bot(chat_id=GROUP)
    assert "已取消" in await env.say(env.liaison, "/cancel")
    assert env.db["reports"].count == 0


async def test_photo_and_pdf_with_a_caption(env: Env):
    env.server.set_bot_admin(GROUP)  # as the user guide suggests, so captioned files reach the bot
    await env.server.send_photo(env.liaison, GROUP, JPEG, caption="#T41 挂牌照片")
    assert "已保存佐证材料" in await env.next_text()
    await env.server.send_document(env.liaison, GROUP, PDF, "../../etc/通知.pdf",
                                   "application/pdf", caption="#t41 文件")
    assert "通知.pdf" in await env.next_text()
    rows = list(env.db["evidence"].rows)
    assert [r["kind"] for r in rows] == ["photo", "document"]
    pdf = Path(rows[1]["path"])
    assert pdf.parent == env.evidence_dir / "T41" and pdf.suffix == ".pdf"
    assert pdf.read_bytes() == PDF and rows[1]["mime_type"] == "application/pdf"
    await env.server.send_document(env.liaison, GROUP, PDF, "again.pdf", "application/pdf",
                                   caption="#T41")
    assert "未重复保存" in await env.next_text()  # the same file is kept once
    await env.server.send_document(env.liaison, GROUP, PDF, "x.pdf", caption="#T01")
    assert "只能报送本部门" in await env.next_text()
    text = await env.say(env.liaison, "/evidence T41")
    assert "2份" in text
    big = b"\x00" * (20 * 1024 * 1024 + 1)
    await env.server.send_document(env.liaison, GROUP, big, "big.zip", caption="#T41")
    assert "20 MB" in await env.next_text()
    assert env.db["evidence"].count == 2


async def test_strangers_and_unknown_chats(env: Env):
    assert "/join" in await env.say(env.stranger, "/report T41 50")
    assert "join" in await env.say(env.stranger, "hello", chat=STRANGER_ID)
    assert "COORDINATION_CHAT_ID" in await env.say(env.liaison, "/status", chat=OTHER_GROUP)
    await env.server.send_text(env.liaison, OTHER_GROUP, "/status")
    await env.say(env.liaison, "/whoami")  # the group still answers ...
    assert len(env.server.bot_messages(OTHER_GROUP)) == 1  # ... the other chat heard once
    assert "仅限统筹人" in await env.say(env.liaison, "/members")
    assert env.db["reports"].count == 0


async def test_the_coordinator_gets_status(env: Env):
    await env.say(env.liaison, "/report T41 60")
    text = await env.say(env.coordinator, "/status")
    for short in ("教育局", "编办", "文明办", "网信办", "民政局", "财政局", "人社局", "卫健委",
                  "团市委", "妇联"):
        assert short in text
    assert "逾期" in text
    dept = await env.say(env.coordinator, "/status 卫健委")
    assert "泉州市卫生健康委员会" in dept and "T41" in dept
    task = await env.say(env.coordinator, "/status T41")
    assert "60%" in task and "二(五)" in task
    assert "只能查看本部门" in await env.say(env.liaison, "/status 教育局")
    assert "T41" in await env.say(env.liaison, "/status")
    assert "没有到期任务" in await env.say(env.liaison, "/due 5")
    assert "用法" in await env.say(env.liaison, "/due 九十")
    assert "T10" in await env.say(env.coordinator, "/due 366")


async def test_status_asked_again_is_the_same_until_something_changes(env: Env):
    """The plan's /status is rendered once per state of the record: asked twice it is the same
    text; after a report it is made anew, in each language."""
    first = await env.say(env.coordinator, "/status")
    assert await env.say(env.coordinator, "/status") == first
    await env.say(env.liaison, "/report T41 60")
    after = await env.say(env.coordinator, "/status")
    assert after != first
    counts = [line for line in after.split("\n") if line.startswith("卫健委")]
    assert counts and counts != [line for line in first.split("\n") if line.startswith("卫健委")]
    await env.say(env.coordinator, "/lang en")
    english = await env.say(env.coordinator, "/status")
    assert "Health" in english and english != after


async def test_user_text_is_escaped(env: Env):
    text = await env.say(env.liaison, "/report T41 40 <b>加粗</b> & *星号* _下划线_")
    assert "<b>加粗</b> & *星号* _下划线_" in text  # shown literally, not as markup
    assert env.db["reports"].get(1)["note"] == "<b>加粗</b> & *星号* _下划线_"


async def test_a_replayed_update_records_nothing_twice(env: Env):
    update = await env.server.send_text(env.liaison, GROUP, "/report T41 30")
    await env.server.wait_for_bot(chat_id=GROUP)
    await env.server.wait_idle()
    # handled and marked done in the inbox: delivered again, it is skipped without a word
    await env.server.replay(update)
    await env.server.wait_idle(quiet=0.3)
    assert len(env.server.bot_messages(GROUP)) == 1
    # a crash after the report's commit but before its acknowledgement went out (the update is
    # marked only after it): the handler runs again, its idempotency key records nothing twice,
    # and the acknowledgement the reporter never got is sent as it was recorded
    env.db.execute("UPDATE inbox SET done_at = NULL WHERE update_id = ?", [update["update_id"]])
    await env.server.replay(update)
    again = await env.next_text()
    assert "已记录" in again and "30%" in again and "未重复记录" not in again
    assert env.db["reports"].count == 1


async def test_help_language_undo_and_history(env: Env):
    assert "/report" in await env.say(env.liaison, "/help")
    assert "English" in await env.say(env.liaison, "/lang en")
    assert "duban commands" in await env.say(env.liaison, "/help")
    await env.say(env.liaison, "/report T41 20 first")
    assert "Took back" in await env.say(env.liaison, "/undo")
    assert "first" in await env.say(env.liaison, "/history T41")
    assert "no such command" in await env.say(env.liaison, "/frobnicate")
    before = len(env.server.bot_messages(GROUP))
    await env.server.send_text(env.liaison, GROUP, "/start@some_other_bot")  # not ours: silence
    assert "User id" in await env.say(env.liaison, "/whoami")
    assert len(env.server.bot_messages(GROUP)) == before + 1


async def test_the_bot_survives_a_refused_set_my_commands(tmp_path, plan):
    db = dbmod.connect(tmp_path / "bot.store.schema")
    load_plan(db, plan, now=at("2022-01-05"))
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup")
        server.fail_method("setMyCommands", 400, "Bad Request: not today")
        app = await start_app(server, db, tmp_path)
        try:
            coordinator = server.user(COORD_ID, "王统筹")
            await server.send_text(coordinator, GROUP, "/status")
            assert "卫健委" in (await server.wait_for_bot(chat_id=GROUP)).text
        finally:
            await stop_app(app)


async def test_the_coordinator_moves_a_deadline_after_confirming(env: Env):
    assert "仅限统筹人" in await env.say(env.liaison, "/deadline T41 下周五")
    assert "2月没有30日" in await env.say(env.coordinator, "/deadline T41 2月30日")
    assert "常态任务" in await env.say(env.coordinator, "/deadline T17 6月底")
    await env.server.send_text(env.coordinator, GROUP, "/deadline T41 2099年6月底前")
    ask = await env.server.wait_for_bot(chat_id=GROUP)
    assert "2099年6月30日（星期二）" in ask.text
    assert env.db["tasks"].get("T41")["due_set"] is None  # nothing until confirmed
    await env.server.press_button(env.liaison, ask.message, "dl:ok:T41:2099-06-30:*")
    assert (await env.server.wait_for_bot(method="answerCallbackQuery")).params["show_alert"]
    await env.server.press_button(env.coordinator, ask.message, "dl:ok:T41:2099-06-30:*")
    assert "2099年6月30日" in (await env.server.wait_for_bot(method="editMessageText")).text
    assert env.db["tasks"].get("T41")["due_set"] == "2099-06-30"
    assert env.db["audit"].count_where("action = 'deadline'") == 1


async def test_an_album_is_saved_and_acknowledged_once(env: Env):
    env.server.set_bot_admin(GROUP)
    await env.server.send_photo(env.liaison, GROUP, JPEG, caption="#T43 培训现场",
                                media_group_id="album1")
    await env.server.send_photo(env.liaison, GROUP, JPEG + b"2", media_group_id="album1")
    await env.server.send_photo(env.liaison, GROUP, JPEG + b"3", media_group_id="album1")
    assert "已保存 3 份佐证材料到 T43" in await env.next_text()
    assert env.db["evidence"].count == 3
    await env.server.wait_idle(quiet=0.3)
    assert len(env.server.bot_messages(GROUP)) == 1  # one message for the album, not three


async def test_a_failing_handler_gets_a_polite_answer(env: Env):
    env.server.fail_method("sendMessage", 400, "Bad Request: boom", times=1)
    await env.server.send_text(env.liaison, GROUP, "/whoami")
    text = await env.next_text()
    assert "出了点问题" in text and "/history" in text
    assert "boom" not in text and "Traceback" not in text


async def test_the_bot_follows_a_group_upgraded_to_a_supergroup(env: Env):
    new_id = -1007777
    env.server.add_chat(new_id, type="supergroup", title="心理健康教育督办群")
    await env.server.send_update({"message": {
        "message_id": 999, "date": 1700000000, "from": env.coordinator,
        "chat": {"id": GROUP, "type": "supergroup", "title": "x"},
        "migrate_to_chat_id": new_id}})
    await env.server.wait_idle(quiet=0.2)
    assert "卫健委" in await env.say(env.coordinator, "/status", chat=new_id)


async def test_an_edited_command_is_not_carried_out(env: Env):
    await env.say(env.liaison, "/report T41 100")
    await env.next_text()  # the review request
    update = await env.server.send_text(env.coordinator, GROUP, "/close T41")
    assert "张卫健：谢谢" in await env.next_text()  # one message: closed, and the thanks
    edited = {**update["message"], "text": "/close T42", "edit_date": 1800000000}
    await env.server.send_update({"edited_message": edited})
    assert "修改过的命令不会被执行" in await env.next_text()
    assert [(r["task_id"], r["kind"]) for r in env.db["reports"].rows] == [
        ("T41", "claim"), ("T41", "close")]


async def test_numbers_that_are_not_numbers_get_a_polite_answer(env: Env):
    # (arguments are read after NFKC, as typed full-width: "²" would be a 2, "½" is 1⁄2)
    for word in ("1e309", "nan", "½%", "--5", "很多", "一百多"):
        assert "无法识别进度" in await env.say(env.liaison, f"/report T41 {word}")
    assert "用法" in await env.say(env.liaison, "/due ½")
    assert "用法" in await env.say(env.coordinator, "/approve 99999999999999999999")
    assert env.db["reports"].count == 0


async def test_history_and_evidence_are_for_members_of_the_department(env: Env):
    await env.say(env.liaison, "/report T41 60 内部说明")
    assert "/join" in await env.say(env.stranger, "/history T41")
    assert "/join" in await env.say(env.stranger, "/evidence T41")
    add_member(env.db, user_id=NEWBIE_ID, dept="WOMEN", role="liaison", now=at("2022-01-05"),
               actor="test", name="陈新人")
    assert "只能查看本部门" in await env.say(env.newbie, "/history T41")
    assert "内部说明" in await env.say(env.coordinator, "/history T41")

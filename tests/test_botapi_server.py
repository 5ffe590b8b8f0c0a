"""Self-test of tests/botapi_server.py against the real PTB Application / HTTPX stack."""

from __future__ import annotations

import asyncio
import os

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.botapi_server import BotApiServer, Upload, parse_html, running_server

GROUP = -1001234567890
BOT_USERNAME = "duban_test_bot"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(" ".join(context.args) or "(empty)")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = [[InlineKeyboardButton("One", callback_data="btn:1"),
                 InlineKeyboardButton("Two", callback_data="btn:2")]]
    await update.effective_message.reply_text(
        "<b>Pick</b>", parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(keyboard))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("ok")
    await query.edit_message_text(f"pressed {query.data}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    data = await (await msg.photo[-1].get_file()).download_as_bytearray()
    await msg.reply_text(f"got {len(data)} bytes, caption={msg.caption}")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"heard: {update.effective_message.text}")


def build_app(server: BotApiServer) -> Application:
    app = (ApplicationBuilder().token(server.token).base_url(server.base_url)
           .base_file_url(server.base_file_url).build())
    app.add_handler(CommandHandler("echo", echo))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    return app


@pytest.fixture
async def server():
    async with running_server(username=BOT_USERNAME) as srv:
        srv.add_chat(GROUP, type="supergroup", title="Plan group")
        yield srv


@pytest.fixture
async def app(server: BotApiServer):
    application = build_app(server)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def test_initialize_uses_get_me(server: BotApiServer, app: Application) -> None:
    assert app.bot.username == BOT_USERNAME
    assert app.bot.id == server.bot_user["id"]
    assert app.bot.can_read_all_group_messages is False
    assert [c.method for c in server.sent][:2] == ["getMe", "deleteWebhook"]


async def test_command_echo_and_privacy_mode(server: BotApiServer, app: Application) -> None:
    alice = server.user(11, "Alice", username="alice")
    update = await server.send_text(alice, GROUP, "/echo hello world")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    call = await server.wait_for_bot(chat_id=GROUP)
    assert call.text == "hello world"
    assert call.message["reply_to_message"]["message_id"] == update["message"]["message_id"]

    # privacy mode: plain group text is not delivered, /cmd@this_bot is, /cmd@other_bot is not
    await server.send_text(alice, GROUP, "just chatting")
    await server.send_text(alice, GROUP, "/echo@other_bot nope")
    await server.send_text(alice, GROUP, f"/echo@{BOT_USERNAME} 你好 🎉")
    assert (await server.wait_for_bot(chat_id=GROUP)).text == "你好 🎉"
    assert len(server.hidden) == 2
    # ... but it is delivered in a private chat
    await server.send_text(alice, alice["id"], "just chatting")
    assert (await server.wait_for_bot(chat_id=alice["id"])).text == "heard: just chatting"
    await server.wait_idle(quiet=0.05)
    assert server.bot_messages(GROUP) == ["hello world", "你好 🎉"]


async def test_html_and_validation_errors(server: BotApiServer, app: Application) -> None:
    bot = app.bot
    html_text = "<b>bold</b> &amp; <i>it</i> 🎉 <a href='https://x.y'>l</a>"
    msg = await bot.send_message(GROUP, html_text, parse_mode=ParseMode.HTML)
    assert msg.text == "bold & it 🎉 l"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 0, 4), ("italic", 7, 2), ("text_link", 13, 1)]  # UTF-16 offsets
    assert msg.from_user.id == bot.id and msg.chat.type == "supergroup"

    bad_html = ["<b>unclosed", "<foo>x</foo>", "<b>x</i>", "a & b", "1 < 2", "</b>",
                '<span class="x">s</span>']
    for text in bad_html:
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(GROUP, text, parse_mode=ParseMode.HTML)
    assert parse_html("<pre><code class='language-py'>x</code></pre>")[1] == [
        {"type": "pre", "language": "py", "offset": 0, "length": 1}]

    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(GROUP, "<b></b> ", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(GROUP, "x" * 4097)
    await bot.send_message(GROUP, "x" * 4096)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-42, "hi")
    server.user(12, "Bob")
    with pytest.raises(Forbidden, match="initiate conversation"):
        await bot.send_message(12, "hi")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "k", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("b", callback_data="x" * 65)]]))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(html_text, GROUP, msg.message_id, parse_mode="HTML")
    edited = await bot.edit_message_text("bold & it 🎉 l", GROUP, msg.message_id)
    assert edited.text == msg.text and not edited.entities and edited.edit_date
    assert len(server.failed) == len(bad_html) + 6


async def test_button_press_reaches_callback_handler(server: BotApiServer, app: Application):
    alice = server.user(11, "Alice")
    await server.send_text(alice, GROUP, "/menu")
    shown = await server.wait_for_bot(chat_id=GROUP)
    assert shown.text == "Pick" and shown.message["reply_markup"]["inline_keyboard"]

    update = await server.press_button(alice, shown, "btn:2")
    answer = await server.wait_for_bot(method="answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert answer.params["text"] == "ok"
    edit = await server.wait_for_bot(method="editMessageText")
    assert edit.text == "pressed btn:2" and "reply_markup" not in edit.message
    assert server.messages[(GROUP, shown.message["message_id"])]["text"] == "pressed btn:2"
    with pytest.raises(AssertionError, match="no button"):  # the keyboard is gone now
        await server.press_button(alice, shown, "btn:1")


async def test_photo_download_returns_same_bytes(server: BotApiServer, app: Application):
    alice = server.user(11, "Alice")
    data = os.urandom(70_000)
    update = await server.send_photo(alice, GROUP, data, caption="/echo photo")  # privacy: cmd
    assert len(update["message"]["photo"]) == 2
    call = await server.wait_for_bot(chat_id=GROUP, predicate=lambda c: c.text.startswith("got"))
    assert call.text == "got 70000 bytes, caption=/echo photo"
    assert [c.method for c in server.sent if c.method == "getFile"] == ["getFile"]


async def test_bot_uploads_are_multipart_and_intact(server: BotApiServer, app: Application):
    payload = bytes(range(256)) * 40 + "表格".encode()
    msg = await app.bot.send_document(GROUP, InputFile(payload, filename="plan.csv"),
                                      caption="<i>plan</i>", parse_mode=ParseMode.HTML)
    call = await server.wait_for_bot(method="sendDocument")
    upload = call.params["document"]
    assert isinstance(upload, Upload) and upload.data == payload
    assert upload.filename == "plan.csv"
    assert msg.document.file_name == "plan.csv" and msg.caption == "plan"
    assert server.file_bytes(msg.document.file_id) == payload
    assert bytes(await (await msg.document.get_file()).download_as_bytearray()) == payload

    photo = await app.bot.send_photo(GROUP, b"\x89PNG fake one", caption="p")
    album = await app.bot.send_media_group(GROUP, [
        InputMediaPhoto(b"second photo bytes", caption="a"),
        InputMediaPhoto(photo.photo[-1].file_id),
    ])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[1].photo[-1].file_id == photo.photo[-1].file_id
    assert server.file_bytes(album[0].photo[-1].file_id) == b"second photo bytes"
    assert server.bot_messages(GROUP) == ["plan", "p", "a", ""]


async def test_long_polling_really_waits(server: BotApiServer, app: Application) -> None:
    alice = server.user(11, "Alice")
    await server.wait_for_poll()
    polls_before = server.poll_count
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def later() -> None:
        await asyncio.sleep(0.3)  # the one deliberate sleep: enqueue during a long poll
        await server.send_text(alice, GROUP, "/echo late")

    task = asyncio.create_task(later())
    call = await server.wait_for_bot(chat_id=GROUP, timeout=2)
    await task
    elapsed = loop.time() - start
    assert call.text == "late"
    assert 0.3 <= elapsed < 0.8, elapsed  # poll timeout is 1 s: delivered by the waiting poll
    assert server.poll_count - polls_before <= 2  # no busy loop


async def test_offset_confirms_and_replay_redelivers(server: BotApiServer, app: Application):
    alice = server.user(11, "Alice")
    first = await server.send_text(alice, GROUP, "/echo a")
    await server.send_text(alice, GROUP, "/echo b")
    await server.wait_for_bot(chat_id=GROUP)
    await server.wait_for_bot(chat_id=GROUP)
    await server.wait_confirmed()
    assert sorted(server.deliveries) == sorted(set(server.deliveries))  # nothing twice

    # replay: same update_id although the bot already confirmed a higher offset
    await server.replay(first)
    assert (await server.wait_for_bot(chat_id=GROUP)).text == "a"
    await server.send_text(alice, GROUP, "/echo c")
    assert (await server.wait_for_bot(chat_id=GROUP)).text == "c"
    await server.wait_confirmed()
    assert server.deliveries.count(first["update_id"]) == 2
    assert len(server.deliveries) == 4
    assert server.bot_messages(GROUP) == ["a", "b", "a", "c"]


async def test_get_updates_semantics_raw_bot(server: BotApiServer) -> None:
    """Offset/limit/allowed_updates with a bare PTB Bot (no Updater)."""
    alice = server.user(11, "Alice")
    async with Bot(server.token, base_url=server.base_url) as bot:
        ups = [await server.send_text(alice, alice["id"], f"m{i}") for i in range(3)]
        ids = [u["update_id"] for u in ups]
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == ids  # unconfirmed
        got = await bot.get_updates(offset=ids[1], limit=1, timeout=0)
        assert [u.message.text for u in got] == ["m1"]
        assert [u.update_id for u in await bot.get_updates(offset=ids[2] + 1, timeout=0)] == []
        await server.replay(ups[0])  # lower than the confirmed offset, delivered once
        got = await bot.get_updates(offset=ids[2] + 1, timeout=0)
        assert [u.update_id for u in got] == [ids[0]]
        assert await bot.get_updates(offset=ids[2] + 1, timeout=0) == ()
        await server.press_button(alice, {"chat": {"id": alice["id"]}, "message_id": 1},
                                  "x", check=False)
        assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == ()
        assert server.allowed_updates == ["message"]


async def test_injected_failure_and_commands(server: BotApiServer, app: Application) -> None:
    commands = [BotCommand("report", "提交进度"), BotCommand("status", "查看状态")]
    server.fail_method("setMyCommands", 400, "Bad Request: injected", times=1)
    with pytest.raises(BadRequest, match="(?i)injected"):
        await app.bot.set_my_commands(commands)
    assert await app.bot.set_my_commands(commands)  # times=1: works again
    assert await app.bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(GROUP),
                                         language_code="zh")
    assert list(await app.bot.get_my_commands()) == commands
    assert len(await app.bot.get_my_commands(scope=BotCommandScopeChat(GROUP),
                                             language_code="zh")) == 1
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await app.bot.set_my_commands([BotCommand("Bad-Cmd", "x")])
    with pytest.raises(EndPointNotFound):
        await app.bot.do_api_request("noSuchMethod")
    assert (await app.bot.get_chat(GROUP)).title == "Plan group"
    assert (await app.bot.get_chat_member(GROUP, app.bot.id)).status == "member"
    assert await app.bot.send_chat_action(GROUP, "typing")


async def test_raw_http_json_form_and_get(server: BotApiServer) -> None:
    url = f"{server.base_url}{server.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/getMe") as r:
            assert (await r.json())["result"]["username"] == BOT_USERNAME
        async with http.post(f"{url}/sendMessage", json={"chat_id": GROUP, "text": "j"}) as r:
            assert (await r.json())["result"]["text"] == "j"
        async with http.post(f"{url}/sendMessage", data={"chat_id": str(GROUP), "text": "42"}) as r:
            body = await r.json()
            assert body["result"]["text"] == "42" and body["result"]["chat"]["id"] == GROUP
        async with http.post(f"{url}/sendMessage", json={"chat_id": GROUP, "text": ""}) as r:
            assert r.status == 400
            assert await r.json() == {"ok": False, "error_code": 400,
                                      "description": "Bad Request: message text is empty"}
        async with http.post(f"{url}/nope") as r:
            assert r.status == 404 and (await r.json())["error_code"] == 404
        async with http.post(f"{server.base_url}wrong/getMe") as r:
            assert r.status == 401


async def test_user_helpers_produce_updates_ptb_can_parse(server: BotApiServer) -> None:
    alice = server.user(11, "Alice", username="alice")
    server.add_chat(-100777, type="group", title="Admins", bot_admin=True)  # bot sees all
    async with Bot(server.token, base_url=server.base_url,
                   base_file_url=server.base_file_url) as bot:
        first = await server.send_photo(alice, -100777, b"p1", caption="c", media_group_id="g1")
        await server.send_photo(alice, -100777, b"p2", media_group_id="g1")
        await server.send_document(alice, -100777, b"%PDF", "r.pdf", "application/pdf",
                                   caption="/echo doc", reply_to=first["message"])
        await server.send_sticker(alice, -100777)
        await server.send_update({"edited_message": {**first["message"], "edit_date": 1}})
        sent = await bot.send_message(-100777, "menu", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="x")]]))
        await server.press_button(alice, sent.to_dict(), "x")
        updates = await bot.get_updates(timeout=0)
        photo1, photo2, doc, sticker, edited, press = updates
        assert photo1.message.media_group_id == photo2.message.media_group_id == "g1"
        assert await (await bot.get_file(photo2.message.photo[-1].file_id)) \
            .download_as_bytearray() == bytearray(b"p2")
        assert doc.message.document.mime_type == "application/pdf"
        assert doc.message.reply_to_message.message_id == photo1.message.message_id
        assert doc.message.caption_entities[0].type == "bot_command"
        assert sticker.message.sticker.emoji == "👍"
        assert edited.edited_message.edit_date is not None
        assert press.callback_query.message.message_id == sent.message_id
        assert press.callback_query.from_user.username == "alice"
        assert await press.callback_query.answer()
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await press.callback_query.answer()  # a query can be answered only once

        member = await bot.get_chat_member(-100777, bot.id)
        assert member.status == "administrator" and member.can_delete_messages
        assert (await bot.get_chat_member(-100777, 11)).status == "member"
        assert await bot.edit_message_reply_markup(-100777, sent.message_id) is not None
        assert await bot.delete_message(-100777, doc.message.message_id)  # admin may delete
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(-100777, doc.message.message_id)
        docs = await bot.send_media_group(-100777, [
            InputMediaDocument(b"a", filename="a.txt"), InputMediaDocument(b"b", filename="b.txt")])
        assert [d.document.file_name for d in docs] == ["a.txt", "b.txt"]


async def test_private_messages_telegram_refuses(server: BotApiServer, app: Application) -> None:
    """403 for a user who never started the bot and for one who blocked it; 400 for nobody."""
    from telegram.error import BadRequest, Forbidden

    alice, bob = server.user(11, "Alice"), server.user(12, "Bob")
    with pytest.raises(Forbidden, match="initiate conversation"):
        await app.bot.send_message(alice["id"], "hi")  # Alice never wrote to the bot
    await server.send_text(bob, bob["id"], "hello")  # Bob started it
    await server.wait_for_bot(chat_id=bob["id"])
    assert (await app.bot.send_message(bob["id"], "hi")).chat.id == bob["id"]
    server.block_bot(bob["id"])
    with pytest.raises(Forbidden, match="blocked by the user"):
        await app.bot.send_message(bob["id"], "hi again")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await app.bot.send_message(99999, "nobody")
    assert [c.result for c in server.failed][-1].startswith("Bad Request")

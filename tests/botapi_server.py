"""A small local Telegram Bot API server for end-to-end tests (aiohttp).

Point a real PTB ``Application`` at it::

    async with running_server(username="duban_test_bot") as server:
        app = (ApplicationBuilder().token(server.token).base_url(server.base_url)
               .base_file_url(server.base_file_url).build())
        server.add_chat(-100500, type="supergroup", title="Plan")
        alice = server.user(11, "Alice")
        await server.send_text(alice, -100500, "/report T12 60 note")
        call = await server.wait_for_bot(chat_id=-100500)
        assert "T12" in call.text

Semantics worth knowing:

* Request bodies may be JSON, urlencoded or multipart.  Form values arrive as strings (PTB
  JSON-encodes non-string values), so they are JSON-decoded unless the field is a known text
  field (``text``, ``caption``, ...).  Uploaded parts become :class:`Upload` objects in params.
* Errors use Telegram's HTTP status *and* body; PTB maps 400 -> BadRequest, 403 -> Forbidden,
  401/404 -> InvalidToken (EndPointNotFound for ``do_api_request``), 409 -> Conflict.
* HTML checking is *stricter* than tdlib: a bare ``&`` is rejected (the Bot API docs require
  ``&amp;``; tdlib itself tolerates it).  Markdown/MarkdownV2 are passed through unchecked.
* Privacy mode: with ``can_read_all_group_messages=False`` (Telegram's default) group messages
  are only delivered if they start with a command for this bot, reply to a bot message, or the
  bot is admin in that chat (``add_chat(..., bot_admin=True)``).  Hidden updates are kept in
  ``server.hidden``.  Callback queries and private chats are always delivered.
* ``replay(update)`` re-delivers the same update (same ``update_id``) once, even if the bot
  already confirmed a higher offset (Telegram never does this; it is a test hook for
  idempotency).  A replayed delivery is dropped by the next getUpdates whose offset is above
  its id.  Every getUpdates batch is sorted by update_id, because PTB confirms with
  ``updates[-1].update_id + 1``.
* ``server.deliveries`` lists update_ids in the order they were returned by getUpdates;
  ``server.confirmed_offset`` is the highest offset a getUpdates confirmed (every update below
  it is forgotten, as Telegram forgets it).
* ``setWebhook`` only records its parameters in ``server.webhook`` (nothing is pushed).
* Private messages Telegram refuses: a user who never wrote to the bot (no private chat) gets
  403 "bot can't initiate conversation with a user"; one who blocked it (``block_bot``) 403 "bot
  was blocked by the user". PTB raises Forbidden for both.

Faults (each for ``times`` calls, or until ``clear_failures``; ``match`` narrows a fault to the
calls whose params it accepts, e.g. ``lambda p: "督办简报" in p.get("text", "")``):

* ``fail_method(method, code, description, retry_after=...)``: Telegram's error answer, e.g. 429
  with ``parameters.retry_after`` or a 500.
* ``hang_method(method, seconds, after_delivery=False)``: the answer comes ``seconds`` late, so a
  client with a shorter read timeout gives up. Before delivery nothing happened (the late answer
  is a 500); after delivery the message was sent and only its answer is late: the one case in
  which a retry posts twice.
* ``truncate_downloads(keep=0.5)``: a file download is cut short (the connection closes after
  ``keep`` of the bytes, with no Content-Length to betray it); ``delay_downloads(seconds)``
  holds a download before its bytes flow.
* ``autolinks(text, entities)`` names what a Telegram client would make clickable in a sent
  message: URLs, bare domains, @mentions, /commands, #hashtags and e-mail addresses outside
  ``code``, ``pre`` and link entities.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hashlib
import html
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, NamedTuple

from aiohttp import web

JSON = dict[str, Any]
MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})
_TEXT_FIELDS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "file_id", "language_code",
     "action", "url", "title", "description", "inline_message_id", "business_connection_id"}
)
_DEFAULT_HIDDEN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class ApiError(Exception):
    def __init__(self, description: str, code: int = 400, retry_after: int | None = None):
        super().__init__(description)
        self.description, self.code, self.retry_after = description, code, retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


class Call(NamedTuple):
    """One API call made by the bot. ``result`` is the Telegram result (or error description)."""

    method: str
    params: JSON
    result: Any

    @property
    def messages(self) -> list[JSON]:
        res = self.result if isinstance(self.result, list) else [self.result]
        return [m for m in res if isinstance(m, dict) and "message_id" in m]

    @property
    def message(self) -> JSON | None:
        return next(iter(self.messages), None)

    @property
    def text(self) -> str | None:
        msg = self.message
        return None if msg is None else msg.get("text", msg.get("caption"))

    @property
    def chat_id(self) -> Any:
        msg = self.message
        return msg["chat"]["id"] if msg else self.params.get("chat_id")


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _bad(description: str) -> ApiError:
    return ApiError("Bad Request: " + description)


# --------------------------------------------------------------------------- HTML parse_mode
_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class _TelegramHTML(HTMLParser):
    """Parses Telegram's HTML subset into (plain text, entities); raises ApiError like Telegram."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source, self.parts, self.pos16 = source, [], 0
        self.stack: list[tuple[str, int, JSON | None]] = []
        self.entities: list[JSON] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def parse(self) -> tuple[str, list[JSON]]:
        if m := _BARE_AMP.search(self.source):
            self._fail(f'character "&" must be escaped as "&amp;" at byte offset '
                       f"{len(self.source[:m.start()].encode())}")
        self.feed(self.source)
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))

    def _offset(self) -> int:
        line, col = self.getpos()
        return len(self.source[: self._line_starts[line - 1] + col].encode())

    def _fail(self, msg: str) -> None:
        raise _bad(f"can't parse entities: {msg}")

    def _add(self, s: str) -> None:
        self.parts.append(s)
        self.pos16 += _u16(s)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail(f'Unsupported start tag "" at byte offset {self._offset()}')
        self._add(data)

    def handle_entityref(self, name: str) -> None:
        self._add(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._add(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!--" at byte offset {self._offset()}')

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        kind = _TAG_TYPES.get(tag)
        if kind is None or (tag == "span" and a.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        entity: JSON | None = {"type": kind}
        if tag == "a":
            entity = {"type": kind, "url": a["href"]} if a.get("href") else None
        elif tag == "tg-emoji":
            if not a.get("emoji-id"):
                self._fail(f'Custom emoji entity must have "emoji-id" at byte {self._offset()}')
            entity["custom_emoji_id"] = a["emoji-id"]
        elif tag == "blockquote" and "expandable" in a:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            pre = self.stack[-1][2]
            cls = a.get("class") or ""
            if pre is not None and cls.startswith("language-"):
                pre["language"] = cls.removeprefix("language-")
            entity = None  # <pre><code> is a single pre entity
        self.stack.append((tag, self.pos16, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._offset()}")
        open_tag, start, entity = self.stack.pop()
        if open_tag != tag:
            self._fail(f'Unmatched end tag at byte offset {self._offset()}, '
                       f'expected "</{open_tag}>", found "</{tag}>"')
        if entity is not None and self.pos16 > start:
            self.entities.append({**entity, "offset": start, "length": self.pos16 - start})


def parse_html(text: str) -> tuple[str, list[JSON]]:
    return _TelegramHTML(text).parse()


# What a Telegram client turns into links by itself in a message's text (a fair subset): URLs,
# bare domains, e-mail addresses, @mentions, /commands and #hashtags.
_AUTOLINK = re.compile(
    r"(?i)(?:https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w@])@[a-z]\w{3,31}|(?<![\w/])/[a-z][a-z0-9_]{0,31}(?:@\w+)?|(?<![\w#])#\w+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|me|cn|ru|info|xyz|top|app|dev|gov|edu|ly|co)\b\S*)")
_INERT = frozenset({"code", "pre", "text_link", "text_mention"})


def autolinks(text: str | None, entities: list[JSON] | None) -> list[str]:
    """The pieces of `text` a client would make clickable: matches of _AUTOLINK that no code,
    pre or link entity covers (offsets in UTF-16 code units, as Telegram counts)."""
    if not text:
        return []
    covered = [(e["offset"], e["offset"] + e["length"]) for e in entities or []
               if e.get("type") in _INERT]
    found = []
    for m in _AUTOLINK.finditer(text):
        start, end = _u16(text[: m.start()]), _u16(text[: m.end()])
        if not any(a <= start and end <= b for a, b in covered):
            found.append(m.group(0))
    return found


def _command_entities(text: str) -> list[JSON]:
    """bot_command entities, as Telegram adds them to incoming messages."""
    return [
        {"type": "bot_command", "offset": _u16(text[: m.start(1)]), "length": _u16(m.group(1))}
        for m in re.finditer(r"(?:^|(?<=\s))(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)", text)
    ]


# --------------------------------------------------------------------------- the server
class BotApiServer:
    def __init__(self, *, bot_id: int = 7000000001, username: str = "duban_test_bot",
                 first_name: str = "Duban Test Bot", can_read_all_group_messages: bool = False,
                 token: str | None = None, clock: Callable[[], float] = time.time):
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": first_name,
                               "username": username}
        self.can_read_all_group_messages = can_read_all_group_messages
        self.token = token or f"{bot_id}:TEST-TOKEN"
        self.clock = clock
        self.port = 0
        self.chats: dict[int, JSON] = {}
        self.users: dict[int, JSON] = {}
        self.members: dict[int, dict[int, str]] = {}
        self.messages: dict[tuple[int, int], JSON] = {}  # current state, by (chat_id, message_id)
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.sent: list[Call] = []      # successful calls (except getUpdates)
        self.failed: list[Call] = []    # refused calls; result = error description
        self.hidden: list[JSON] = []    # updates not delivered because of privacy mode
        self.blocked: set[int] = set()  # users who blocked the bot (see block_bot)
        self.deliveries: list[int] = []  # update_ids in delivery order
        self.confirmed_offset = 0
        self.webhook: JSON | None = None
        self.poll_count = 0
        self.downloads = 0
        self.allowed_updates: list[str] | None = None
        self._bot_admin: set[int] = set()
        self._failures: dict[str, list[list]] = {}  # method -> [[code, text, retry, times, match]]
        self._hangs: dict[str, list[list]] = {}  # method -> [[seconds, after, times, match]]
        self._download_faults: list[list] = []  # [[kind, value, times]]
        self._pending: list[list] = []  # [update, is_replay, delivered]
        self._cond = asyncio.Condition()
        self._poll_generation = 0
        self._polling = asyncio.Event()
        self._consumed: set[int] = set()
        self._next_msg_id: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._next_update_id = 500000001
        self._callback_queries: dict[str, bool] = {}
        self._last_activity = 0.0
        self._closing = False
        self._runner: web.AppRunner | None = None
        m = {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query, "sendPhoto": self._send_photo,
            "sendDocument": self._send_document, "sendMediaGroup": self._send_media_group,
            "getFile": self._get_file, "sendChatAction": self._chat_only,
            "getChat": self._get_chat, "getChatMember": self._get_chat_member,
            "deleteMessage": self._delete_message, "setChatMenuButton": lambda p: True,
            "close": lambda p: True, "logOut": lambda p: True,
            "setWebhook": self._set_webhook,
        }
        self._methods = {name.lower(): (name, fn) for name, fn in m.items()}

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> BotApiServer:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        async with self._cond:
            self._cond.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP plumbing
    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                body = await request.read()
                return {**raw, **(json.loads(body) if body.strip() else {})}
            raw.update(await request.post())
        params: JSON = {}
        for key, value in raw.items():
            if isinstance(value, web.FileField):
                params[key] = Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                params[key] = Upload(None, None, bytes(value))
            elif key in _TEXT_FIELDS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(body, status=401)
        name, fn = self._methods.get(request.match_info["method"].lower(), (None, None))
        if fn is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            return web.json_response(body, status=404)
        self._last_activity = asyncio.get_running_loop().time()
        params: JSON = {}
        try:
            params = await self._read_params(request)
            failure = self._take(self._failures, name, params)
            if failure:
                code, description, retry_after = failure[:3]
                raise ApiError(description, code, retry_after)
            hang = self._take(self._hangs, name, params)
            if hang and not hang[1]:  # before delivery: nothing is done, the answer is late
                await asyncio.sleep(hang[0])
                raise ApiError("Internal Server Error: timed out (injected)", 500)
            result = fn(params)
            if asyncio.iscoroutine(result):
                result = await result
            if hang:  # after delivery: done and recorded, only the answer is late
                await self._record(self.sent, Call(name, params, result))
                await asyncio.sleep(hang[0])
                return web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            if exc.code != 409:  # a superseded long poll is not interesting
                await self._record(self.failed, Call(name, params, exc.description))
            return web.json_response(exc.body(), status=exc.code)
        except (ValueError, KeyError, TypeError) as exc:
            exc = _bad(f"invalid request: {exc!r}")
            await self._record(self.failed, Call(name, params, exc.description))
            return web.json_response(exc.body(), status=400)
        if name != "getUpdates":
            await self._record(self.sent, Call(name, params, result))
        return web.json_response({"ok": True, "result": result})

    async def _record(self, where: list[Call], call: Call) -> None:
        where.append(call)
        async with self._cond:
            self._cond.notify_all()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for f in self.files.values():
            if f.file_path == path and request.match_info["token"] == self.token:
                self.downloads += 1
                delay = self._download_fault("delay")
                if delay:
                    await asyncio.sleep(delay)
                keep = self._download_fault("truncate")
                if keep is None:
                    return web.Response(body=f.data, content_type="application/octet-stream")
                # No Content-Length: the client cannot tell the body was cut short.
                response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
                response.enable_chunked_encoding()
                await response.prepare(request)
                await response.write(f.data[: int(len(f.data) * keep)])
                await response.write_eof()
                return response
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return web.json_response(body, status=404)

    @staticmethod
    def _take(faults: dict[str, list[list]], name: str, params: JSON) -> list | None:
        """The first fault of `name` that matches these params, counted down."""
        for fault in faults.get(name, []):
            match = fault[-1]
            if match is not None and not match(params):
                continue
            if fault[-2] is not None:
                fault[-2] -= 1
                if fault[-2] <= 0:
                    faults[name].remove(fault)
            return fault
        return None

    def _download_fault(self, kind: str) -> Any:
        for fault in self._download_faults:
            if fault[0] == kind:
                if fault[2] is not None:
                    fault[2] -= 1
                    if fault[2] <= 0:
                        self._download_faults.remove(fault)
                return fault[1]
        return None

    def fail_method(self, method: str, code: int = 400, description: str | None = None, *,
                    times: int | None = None, retry_after: int | None = None,
                    match: Callable[[JSON], bool] | None = None) -> None:
        """Make ``method`` fail (``times`` times, or until ``clear_failures``)."""
        name = self._methods[method.lower()][0]
        description = description or f"Bad Request: {name} failed (injected)"
        if code == 429 and description.startswith("Bad Request"):
            description = f"Too Many Requests: retry after {retry_after}"
        self._failures.setdefault(name, []).append(
            [code, description, retry_after, times, match])

    def hang_method(self, method: str, seconds: float, *, after_delivery: bool = False,
                    times: int | None = 1, match: Callable[[JSON], bool] | None = None) -> None:
        """Answer ``method`` ``seconds`` late, before or after doing it (see the docstring)."""
        name = self._methods[method.lower()][0]
        self._hangs.setdefault(name, []).append([seconds, after_delivery, times, match])

    def truncate_downloads(self, keep: float = 0.5, *, times: int | None = 1) -> None:
        self._download_faults.append(["truncate", keep, times])

    def delay_downloads(self, seconds: float, *, times: int | None = None) -> None:
        self._download_faults.append(["delay", seconds, times])

    def clear_failures(self) -> None:
        self._failures.clear()
        self._hangs.clear()
        self._download_faults.clear()

    # ------------------------------------------------------------------ shared helpers
    def _now(self) -> int:
        return int(self.clock())

    def _chat(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = [c for c in self.chats.values() if c.get("username") == chat_id[1:]]
            if found:
                return found[0]
        elif int(chat_id) in self.chats:
            return self.chats[int(chat_id)]
        elif int(chat_id) in self.users:
            raise ApiError("Forbidden: bot can't initiate conversation with a user", 403)
        raise _bad("chat not found")

    def _check_private(self, chat: JSON) -> None:
        if chat["type"] == "private" and chat["id"] in self.blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)

    def _stored(self, chat_id: int, message_id: Any, what: str) -> JSON:
        msg = self.messages.get((chat_id, int(message_id or 0)))
        if msg is None:
            raise _bad(f"message to {what} not found")
        return msg

    def _format(self, text: str | None, parse_mode: str | None, entities: list | None,
                caption: bool = False) -> tuple[str | None, list[JSON]]:
        if not text:
            if caption:
                return None, []
            raise _bad("message text is empty")
        if entities:
            ents = entities
        elif (parse_mode or "").lower() == "html":
            text, ents = parse_html(text)
        else:
            ents = []
        if not caption and not text.strip():
            raise _bad("message text is empty")
        if len(text) > (1024 if caption else 4096):
            raise _bad("message caption is too long" if caption else "message is too long")
        return text, ents

    @staticmethod
    def _markup(params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None  # reply keyboards etc. are accepted but not echoed (as in Telegram)
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _bad("text buttons are unallowed in the inline keyboard")
        return markup

    def _new_message(self, chat: JSON, sender: JSON, reply_to: JSON | None = None,
                     **content: Any) -> JSON:
        chat_id = chat["id"]
        self._next_msg_id[chat_id] = self._next_msg_id.get(chat_id, 0) + 1
        msg: JSON = {"message_id": self._next_msg_id[chat_id], "from": sender,
                     "chat": dict(chat), "date": self._now()}
        if reply_to is not None:
            msg["reply_to_message"] = {k: v for k, v in reply_to.items()
                                       if k != "reply_to_message"}
        msg.update({k: v for k, v in content.items() if v not in (None, [])})
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def _bot_message(self, params: JSON, **content: Any) -> JSON:
        chat = self._chat(params)
        self._check_private(chat)
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        reply_to = self.messages.get((chat["id"], int(reply_id or 0)))
        if reply_id and reply_to is None and not (
            reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
        ):
            raise _bad("message to be replied not found")
        thread = params.get("message_thread_id")
        if thread and chat["type"] == "supergroup":  # a forum topic, as Telegram marks it
            content = {**content, "message_thread_id": int(thread), "is_topic_message": True}
        return dict(self._new_message(chat, self.bot_user, reply_to, **content))

    def _register(self, data: bytes, folder: str, ext: str, kind: str = "") -> StoredFile:
        n = next(self._ids)
        unique = "U" + hashlib.sha1(kind.encode() + data).hexdigest()[:15]
        f = StoredFile(f"F{n:06d}{kind}-{unique[1:9]}", unique, f"{folder}/file_{n}{ext}", data)
        self.files[f.file_id] = f
        return f

    def _photo_sizes(self, data: bytes, width: int = 1280, height: int = 960) -> list[JSON]:
        sizes = []
        for kind, (w, h) in (("s", (90, max(1, 90 * height // width))), ("x", (width, height))):
            f = self._register(data, "photos", ".jpg", kind)
            sizes.append({"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                          "width": w, "height": h, "file_size": len(data)})
        return sizes

    def _document(self, data: bytes, file_name: str | None, mime: str | None) -> JSON:
        f = self._register(data, "documents", "", "d")
        doc = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
               "file_name": file_name, "mime_type": mime, "file_size": len(data)}
        return {k: v for k, v in doc.items() if v is not None}

    def _media(self, kind: str, value: Any) -> Any:
        """Photo sizes / document dict for an uploaded part, a known file_id or an URL."""
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        if isinstance(value, str) and value in self.files:
            data, name = self.files[value].data, None
            for m in self.messages.values():  # re-sent media keep their file_ids
                old = m.get(kind)
                ids = [s["file_id"] for s in old] if kind == "photo" and old else [
                    (old or {}).get("file_id")]
                if value in ids:
                    return old
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            data, name = b"", value.rsplit("/", 1)[-1]
        elif isinstance(value, Upload):
            if not value.data:
                raise _bad("file must be non-empty")
            data, name = value.data, value.filename
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        if kind == "photo":
            return self._photo_sizes(data)
        mime = value.content_type if isinstance(value, Upload) else None
        return self._document(data, name, mime)

    # ------------------------------------------------------------------ Bot API methods
    def _get_me(self, p: JSON) -> JSON:
        return {**self.bot_user, "can_join_groups": True,
                "can_read_all_group_messages": self.can_read_all_group_messages,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_HIDDEN_TYPES

    async def _get_updates(self, p: JSON) -> list[JSON]:
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        timeout = float(p.get("timeout") or 0)
        if p.get("allowed_updates") is not None:
            self.allowed_updates = list(p["allowed_updates"]) or None
        self.poll_count += 1
        self._poll_generation += 1
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._cond:
            self._cond.notify_all()  # wakes an older long poll, which then gets 409
            while True:
                if generation != self._poll_generation:
                    raise ApiError("Conflict: terminated by other getUpdates request; make sure "
                                   "that only one bot instance is running", 409)
                self._pending = [e for e in self._pending if self._allowed(e[0])]
                if offset < 0:
                    self._pending = self._pending[offset:]
                elif offset > 0:  # confirm; an undelivered replay survives once
                    self.confirmed_offset = max(self.confirmed_offset, offset)
                    self._pending = [e for e in self._pending
                                     if e[0]["update_id"] >= offset or (e[1] and not e[2])]
                remaining = deadline - loop.time()
                if self._pending or remaining <= 0 or self._closing:
                    break
                self._polling.set()
                try:
                    await asyncio.wait_for(self._cond.wait(), remaining)
                except TimeoutError:
                    pass
                finally:
                    if generation == self._poll_generation:
                        self._polling.clear()
            batch = sorted(self._pending[:limit], key=lambda e: e[0]["update_id"])
            for entry in batch:
                entry[2] = True
                self.deliveries.append(entry[0]["update_id"])
            self._cond.notify_all()
        return [e[0] for e in batch]

    def _set_webhook(self, p: JSON) -> bool:
        self.webhook = p
        return True

    def _delete_webhook(self, p: JSON) -> bool:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _get_webhook_info(self, p: JSON) -> JSON:
        return {"url": "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    @staticmethod
    def _commands_key(p: JSON) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get("language_code") or ""

    def _set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands") or []
        if len(commands) > 100:
            raise _bad("too many commands")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise _bad("command description is empty or too long")
        self.commands[self._commands_key(p)] = commands
        return True

    def _get_my_commands(self, p: JSON) -> list[JSON]:
        return self.commands.get(self._commands_key(p), [])

    def _delete_my_commands(self, p: JSON) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _send_message(self, p: JSON) -> JSON:
        text, ents = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._bot_message(p, text=text, entities=ents, reply_markup=self._markup(p))

    def _editable(self, p: JSON) -> JSON:
        if p.get("inline_message_id"):
            raise _bad("inline messages are not supported by this fake server")
        msg = self._stored(self._chat(p)["id"], p.get("message_id"), "edit")
        if msg["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return msg

    def _apply_edit(self, msg: JSON, changes: JSON) -> JSON:
        if all(msg.get(k) == v for k, v in changes.items()):
            raise _bad("message is not modified: specified new message content and reply markup"
                       " are exactly the same as a current content and reply markup of the"
                       " message")
        for k, v in changes.items():
            if v in (None, []):
                msg.pop(k, None)
            else:
                msg[k] = v
        msg["edit_date"] = self._now()
        return dict(msg)

    def _edit_message_text(self, p: JSON) -> JSON:
        msg = self._editable(p)
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        text, ents = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._apply_edit(msg, {"text": text, "entities": ents or None,
                                      "reply_markup": self._markup(p)})

    def _edit_message_reply_markup(self, p: JSON) -> JSON:
        return self._apply_edit(self._editable(p), {"reply_markup": self._markup(p)})

    def _answer_callback_query(self, p: JSON) -> bool:
        qid = str(p.get("callback_query_id"))
        if self._callback_queries.get(qid, True):  # unknown or already answered
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_queries[qid] = True
        return True

    def _captioned(self, p: JSON, **media: Any) -> JSON:
        caption, ents = self._format(p.get("caption"), p.get("parse_mode"),
                                     p.get("caption_entities"), caption=True)
        return self._bot_message(p, caption=caption, caption_entities=ents,
                                 reply_markup=self._markup(p), **media)

    def _send_photo(self, p: JSON) -> JSON:
        self._chat(p)
        return self._captioned(p, photo=self._media("photo", p.get("photo")))

    def _send_document(self, p: JSON) -> JSON:
        self._chat(p)
        return self._captioned(p, document=self._media("document", p.get("document")))

    def _send_media_group(self, p: JSON) -> list[JSON]:
        self._chat(p)
        media = p.get("media") or []
        if not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album (must be 2-10)")
        kinds = {m.get("type") for m in media}
        if not kinds <= {"photo", "document"}:
            raise _bad(f"unsupported media types in this fake server: {sorted(kinds)}")
        if len(kinds) > 1:
            raise _bad("document can't be mixed with other media types")
        items = []
        for m in media:
            ref = m.get("media")
            if isinstance(ref, str) and ref.startswith("attach://"):
                ref = p.get(ref.removeprefix("attach://"))
                if not isinstance(ref, Upload):
                    raise _bad("wrong file identifier/HTTP URL specified")
            fmt = self._format(m.get("caption"), m.get("parse_mode"), m.get("caption_entities"),
                               caption=True)
            items.append((m["type"], self._media(m["type"], ref), fmt))
        group_id = str(next(self._ids) + 13000000000000000)
        return [self._bot_message(p, media_group_id=group_id, caption=cap,
                                  caption_entities=ents, **{kind: value})
                for kind, value, (cap, ents) in items]

    def _get_file(self, p: JSON) -> JSON:
        f = self.files.get(str(p.get("file_id")))
        if f is None:
            raise _bad("invalid file_id")
        if len(f.data) > 20 * 1024 * 1024:
            raise _bad("file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                "file_size": len(f.data), "file_path": f.file_path}

    def _chat_only(self, p: JSON) -> bool:
        self._chat(p)
        return True

    def _get_chat(self, p: JSON) -> JSON:
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)
        return {**self._chat(p), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}

    def _get_chat_member(self, p: JSON) -> JSON:
        chat, user_id = self._chat(p), int(p.get("user_id") or 0)
        if user_id == self.bot_user["id"]:
            user = self.bot_user
            status = "administrator" if chat["id"] in self._bot_admin else "member"
        elif user_id in self.users:
            user = self.users[user_id]
            status = self.members.get(chat["id"], {}).get(user_id, "left")
        else:
            raise _bad("user not found")
        member: JSON = {"user": user, "status": status}
        if status == "administrator":
            member.update(dict.fromkeys(
                ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                 "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                 "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                 "can_delete_stories"), False))
            member.update(can_manage_chat=True, can_delete_messages=True)
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def _delete_message(self, p: JSON) -> bool:
        chat = self._chat(p)
        msg = self._stored(chat["id"], p.get("message_id"), "delete")
        if (msg["from"]["id"] != self.bot_user["id"] and chat["type"] != "private"
                and chat["id"] not in self._bot_admin):
            raise _bad("message can't be deleted")
        del self.messages[(chat["id"], msg["message_id"])]
        return True

    # ------------------------------------------------------------------ scripted users
    def add_chat(self, chat_id: int, type: str = "group", title: str | None = None, *,
                 username: str | None = None, bot_admin: bool = False) -> JSON:
        chat: JSON = {"id": chat_id, "type": type}
        if type == "private":
            user = self.users.get(chat_id, {})
            chat["first_name"] = title or user.get("first_name", "User")
        else:
            chat["title"] = title or f"Chat {chat_id}"
        if username:
            chat["username"] = username
        if bot_admin:
            self._bot_admin.add(chat_id)
        self.chats[chat_id] = chat
        return chat

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: messages to them are refused with 403, as Telegram does.
        (A user who never wrote to the bot privately is refused already: "bot can't initiate
        conversation with a user".)"""
        self.blocked.add(user_id)

    def set_bot_admin(self, chat_id: int) -> None:
        """Make the bot an admin of a group: it then sees every message, as Telegram does."""
        self._bot_admin.add(chat_id)

    def user(self, user_id: int, first_name: str, username: str | None = None,
             language_code: str | None = "zh-hans", last_name: str | None = None) -> JSON:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "last_name": last_name,
                "username": username, "language_code": language_code}
        self.users[user_id] = {k: v for k, v in user.items() if v is not None}
        return self.users[user_id]

    def _user_chat(self, user: JSON, chat_id: int) -> JSON:
        if chat_id not in self.chats:
            if chat_id != user["id"]:
                raise KeyError(f"unknown chat {chat_id}: call server.add_chat() first")
            self.add_chat(chat_id, "private", user.get("first_name"), username=user.get("username"))
        self.users.setdefault(user["id"], user)
        self.members.setdefault(chat_id, {}).setdefault(user["id"], "member")
        return self.chats[chat_id]

    def _visible(self, msg: JSON) -> bool:
        chat = msg["chat"]
        if (chat["type"] == "private" or self.can_read_all_group_messages
                or chat["id"] in self._bot_admin):
            return True
        reply = msg.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_user["id"]:
            return True
        text = msg.get("text", msg.get("caption", ""))
        if f"@{self.bot_user['username']}".lower() in text.lower():
            return True  # a mention of the bot reaches it too
        m = re.match(r"/[A-Za-z0-9_]+(?:@(\w+))?", text)
        return bool(m) and m.group(1) in (None, self.bot_user["username"])

    async def _user_message(self, user: JSON, chat_id: int, reply_to: Any, **content: Any):
        chat = self._user_chat(user, chat_id)
        if isinstance(reply_to, int):
            reply_to = self.messages[(chat_id, reply_to)]
        msg = self._new_message(chat, user, reply_to, **content)
        update = {"message": msg}
        if self._visible(msg):
            return await self.send_update(update)
        self.hidden.append(update)  # privacy mode: Telegram never sends it (no update_id)
        return update

    async def send_text(self, user: JSON, chat_id: int, text: str, *,
                        reply_to: JSON | int | None = None, **extra: Any) -> JSON:
        """`extra` adds message fields as Telegram would set them: sender_chat (an anonymous
        admin or a channel identity), forward_origin, via_bot, message_thread_id and
        is_topic_message (a forum topic)."""
        return await self._user_message(user, chat_id, reply_to, text=text,
                                        entities=_command_entities(text), **extra)

    async def send_photo(self, user: JSON, chat_id: int, data: bytes,
                         caption: str | None = None, media_group_id: str | None = None,
                         reply_to: JSON | int | None = None, width: int = 1280,
                         height: int = 960, **extra: Any) -> JSON:
        return await self._user_message(
            user, chat_id, reply_to, photo=self._photo_sizes(data, width, height),
            caption=caption, caption_entities=_command_entities(caption or ""),
            media_group_id=media_group_id, **extra)

    async def send_document(self, user: JSON, chat_id: int, data: bytes, file_name: str,
                            mime_type: str = "application/octet-stream",
                            caption: str | None = None,
                            reply_to: JSON | int | None = None) -> JSON:
        return await self._user_message(
            user, chat_id, reply_to, document=self._document(data, file_name, mime_type),
            caption=caption, caption_entities=_command_entities(caption or ""))

    async def send_again(self, user: JSON, chat_id: int, original: JSON,
                         caption: str | None = None) -> JSON:
        """Send the photo or document of an earlier message once more (same file_id and
        file_unique_id, as when a file is forwarded or picked from the recent files)."""
        if "message" in original:
            original = original["message"]
        media = {k: original[k] for k in ("photo", "document") if k in original}
        return await self._user_message(user, chat_id, None, caption=caption,
                                        caption_entities=_command_entities(caption or ""),
                                        **media)

    async def send_sticker(self, user: JSON, chat_id: int, emoji: str = "👍",
                           data: bytes = b"RIFF-fake-webp", reply_to: Any = None) -> JSON:
        f = self._register(data, "stickers", ".webp", "k")
        sticker = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "emoji": emoji, "file_size": len(data)}
        return await self._user_message(user, chat_id, reply_to, sticker=sticker)

    async def press_button(self, user: JSON, message: JSON | Call, callback_data: str, *,
                           check: bool = True, inaccessible: bool = False) -> JSON:
        """Press an inline button of (the current version of) a bot message. A '*' in
        `callback_data` stands for the parts the bot chose (a version, a prompt id):
        'rv:close:T41:*' presses the one button that matches. `inaccessible`: the message is
        one Telegram no longer shows the bot (over 48 hours old): the press carries only its
        chat, its id and date 0 (an InaccessibleMessage)."""
        if isinstance(message, Call):
            message = message.message
        key = (message["chat"]["id"], message["message_id"])
        current = self.messages.get(key)
        if current is None:
            raise AssertionError(f"message {key} no longer exists")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        datas = [b.get("callback_data") for row in rows for b in row]
        if "*" in callback_data:
            matches = [d for d in datas if d and fnmatch.fnmatchcase(d, callback_data)]
            if len(matches) != 1:
                raise AssertionError(f"{len(matches)} buttons match {callback_data!r}: {datas}")
            callback_data = matches[0]
        if check and callback_data not in datas:
            raise AssertionError(f"no button with callback_data={callback_data!r}; has {datas}")
        qid = str(4000000000000000000 + next(self._ids))
        self._callback_queries[qid] = False
        self.users.setdefault(user["id"], user)
        return await self.send_update({"callback_query": {
            "id": qid, "from": user, "data": callback_data,
            "message": ({"chat": current["chat"], "message_id": current["message_id"], "date": 0}
                        if inaccessible else dict(current)),
            "chat_instance": str(abs(key[0]) * 7919 + 4242)}})

    def _take_update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id - 1

    async def send_update(self, update: JSON) -> JSON:
        """Enqueue a raw update dict (update_id is assigned if missing)."""
        update.setdefault("update_id", self._take_update_id())
        async with self._cond:
            self._pending.append([update, False, False])
            self._cond.notify_all()
        return update

    async def replay(self, update: JSON) -> JSON:
        """Deliver ``update`` once more with the same update_id (see module docstring)."""
        async with self._cond:
            self._pending.append([update, True, False])
            self._cond.notify_all()
        return update

    # ------------------------------------------------------------------ waiting / inspection
    def _describe(self) -> str:
        lines = [f"  {c.method} chat={c.chat_id} text={c.text!r}" for c in self.sent]
        lines += [f"  FAILED {c.method} {c.params.get('chat_id')}: {c.result}"
                  for c in self.failed]
        return "\n".join(lines) or "  (nothing)"

    async def _wait(self, ready: Callable[[], Any], timeout: float, what: str) -> Any:
        try:
            async with asyncio.timeout(timeout), self._cond:
                while not (result := ready()):
                    await self._cond.wait()
                return result
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}. "
                                 f"Bot calls so far:\n{self._describe()}") from None

    async def wait_for_bot(self, chat_id: int | None = None,
                           method: str | Iterable[str] | None = None,
                           predicate: Callable[[Call], bool] | None = None,
                           timeout: float = 5.0) -> Call:
        """Next not-yet-consumed successful call matching; ``method=None`` means message sends,
        ``method="*"`` any method."""
        methods = MESSAGE_METHODS if method is None else {method} if isinstance(method, str) \
            else set(method)

        def find() -> Call | None:
            for i, call in enumerate(self.sent):
                if (i not in self._consumed and ("*" in methods or call.method in methods)
                        and (chat_id is None or call.chat_id == chat_id)
                        and (predicate is None or predicate(call))):
                    self._consumed.add(i)
                    return call
            return None

        return await self._wait(find, timeout, f"bot call method={method} chat_id={chat_id}")

    def bot_messages(self, chat_id: int | None = None) -> list[str]:
        """Texts/captions ('' if none) of all messages the bot sent, in order."""
        return [m.get("text", m.get("caption", "")) for c in self.sent
                if c.method in MESSAGE_METHODS for m in c.messages
                if chat_id is None or m["chat"]["id"] == chat_id]

    async def wait_for_poll(self, timeout: float = 5.0) -> None:
        """Wait until the bot is blocked in a long-polling getUpdates."""
        await asyncio.wait_for(self._polling.wait(), timeout)

    async def wait_confirmed(self, timeout: float = 5.0) -> None:
        """Wait until every enqueued update was delivered and confirmed via offset."""
        await self._wait(lambda: not self._pending, timeout, "updates to be confirmed")

    async def wait_idle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Heuristic: all updates confirmed and no API call for ``quiet`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.wait_confirmed(timeout)
        while (idle := loop.time() - self._last_activity) < quiet or self._pending:
            if loop.time() > deadline:
                raise AssertionError(f"bot not idle after {timeout}s:\n{self._describe()}")
            await asyncio.sleep(max(quiet - idle, 0.01))

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data


@contextlib.asynccontextmanager
async def running_server(**kw: Any) -> AsyncIterator[BotApiServer]:
    """``async with running_server(username=...) as server:`` -- start/stop a BotApiServer."""
    async with BotApiServer(**kw) as server:
        yield server

"""Print a real session of the bot for README: the real Application and HTTP stack against the
tests' local Bot API server, in Telegram's default privacy mode. `python docs/make_transcript.py`"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services.directory import add_member  # noqa: E402
from bot.services.plan import load_plan, read_plan_file  # noqa: E402
from bot.store import connection as dbmod  # noqa: E402
from tests.botapi_server import running_server  # noqa: E402
from tests.conftest import at  # noqa: E402
from tests.test_bot_e2e import GROUP, start_app, stop_app  # noqa: E402


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&")


async def main() -> None:
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = dbmod.connect(Path(tmp) / "duban.db")
        load_plan(db, read_plan_file(ROOT / "tasks_seed.yaml"), now=at("2022-01-05"))
        add_member(db, user_id=1001, dept="EDU", role="liaison", now=at("2022-01-05"),
                   actor="demo", name="李教育")
        async with running_server() as server:
            server.add_chat(GROUP, type="supergroup", title="心理健康教育督办群")
            coord, health = server.user(1000, "王统筹"), server.user(1008, "张卫健")
            app = await start_app(server, db, Path(tmp))
            seen = 0

            async def say(user: dict, text: str, reply_to=None) -> None:
                nonlocal seen
                await server.send_text(user, GROUP, text, reply_to=reply_to)
                lines.append(f"{user['first_name']}: {text}")
                await show()

            async def show() -> None:
                nonlocal seen
                await server.wait_idle(quiet=0.4)
                calls = [c for c in server.sent if c.method in ("sendMessage", "editMessageText")]
                for call in calls[seen:]:
                    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
                    buttons = " ".join(f"[{b['text']}]" for row in rows for b in row)
                    body = plain(call.text).replace("\n", "\n       ")
                    prefix = "duban (edits): " if call.method == "editMessageText" else "duban: "
                    lines.append(f"{prefix}{body}{'   ' + buttons if buttons else ''}")
                seen = len(calls)

            async def press(user: dict, pattern: str, label: str) -> None:
                message = next(c for c in reversed(server.sent) if any(
                    b.get("callback_data", "").startswith(pattern.split("*")[0])
                    for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row))
                await server.press_button(user, message.message, pattern)
                lines.append(f"{user['first_name']}: [{label}]")
                await show()

            try:
                await say(health, "/join 卫计委")
                await press(coord, "join:approve:*", "批准")
                await say(health, "/report T41 60 已推动3家二级以上医院开设心理科")
                await say(health, "/report T41 六成")
                await say(health, "/report T41 100 全部完成，附医院名单")
                await say(coord, "/reopen T41 缺少医院名单，请补充")
                await say(health, "/report T41 100 已补充医院名单")
                await press(coord, "rv:close:T41:*", "核实销号")
                await say(coord, "/chase 教育局")
                await press(server.user(1001, "李教育"), "ack:*", "签收")
                await say(coord, "/status 卫健委")
            finally:
                await stop_app(app)
        db.close()
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())

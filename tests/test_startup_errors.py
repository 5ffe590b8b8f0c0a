"""`python -m bot run` names what is wrong at start (token, API address) and never prints the token."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.botapi_server import running_server
from tests.conftest import ROOT

SECRET = "AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


async def run_bot(tmp_path, **env: str) -> tuple[int, str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "d.db"),
            "JOBS": "off", "RATE_LIMIT": "off", **env}
    full.pop("WEBHOOK_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=str(tmp_path), env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, out.decode()


async def test_a_rejected_token_is_named_without_printing_it(tmp_path):
    async with running_server() as server:
        token = f"7000000001:{SECRET}"  # the server only accepts its own token: 401
        code, out = await run_bot(tmp_path, TELEGRAM_BOT_TOKEN=token,
                                  TELEGRAM_API_BASE_URL=server.base_url)
        assert server.failed == []  # refused before any method ran
    assert code == 2, out
    assert "拒绝了 TELEGRAM_BOT_TOKEN" in out and "rejected the token" in out
    assert f"127.0.0.1:{server.port}" in out  # which server said no
    assert SECRET not in out and "Traceback" not in out


async def test_a_wrong_api_address_is_named_without_printing_the_token(tmp_path,
                                                                        unused_tcp_port):
    token = f"7000000001:{SECRET}"
    code, out = await run_bot(tmp_path, TELEGRAM_BOT_TOKEN=token,
                              TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{unused_tcp_port}/bot")
    assert code == 2, out
    assert "无法连接 Bot API 服务器" in out and "Cannot reach the Bot API server" in out
    assert f"127.0.0.1:{unused_tcp_port}" in out
    assert SECRET not in out and "Traceback" not in out


async def test_an_address_that_is_no_bot_api_is_named(tmp_path):
    async with running_server() as server:
        token = server.token  # right token, wrong path: the server answers 404 without JSON
        code, out = await run_bot(tmp_path, TELEGRAM_BOT_TOKEN=token,
                                  TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{server.port}/nope")
    assert code == 2, out
    assert "TELEGRAM_API_BASE_URL" in out
    assert token.partition(":")[2] not in out and "Traceback" not in out


def test_the_redacting_log_formatter_hides_the_token():
    import logging

    from bot.app import RedactingFormatter

    token = f"7000000001:{SECRET}"
    try:
        raise ValueError(f"The token `{token}` was rejected by the server.")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET /bot%s/getMe",
                                   (token,), sys.exc_info())
    text = RedactingFormatter(token).format(record)
    assert "<token>" in text and SECRET not in text and "ValueError" in text

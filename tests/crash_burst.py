"""A burst of reports, `kill -9` of the real `python -m bot run` shortly after the local Bot API
server hands out the batch, a restart: which reports were recorded, and how often.

Used by tests/test_crash_e2e.py, and runnable for numbers (any checkout via --root):

    python -m tests.crash_burst --rounds 10 [--root /path/to/another/checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.services.directory import add_member
from bot.services.plan import load_plan, read_plan_file
from bot.store import connection as dbmod
from tests.botapi_server import BotApiServer, running_server
from tests.conftest import PLAN_FILE, ROOT, at

GROUP = -1001234567890
LIAISON = 1008  # HEALTH


@dataclass
class Round:
    sent: int
    fetched_before_kill: int
    recorded_before_kill: int
    recorded: int  # distinct burst reports in the database after the restart
    duplicates: int  # burst reports recorded more than once
    answered: int  # distinct burst reports acknowledged in the group
    already_noted: int  # "already recorded" answers (a replay after a kill between commit and ack)

    @property
    def lost(self) -> int:
        return self.sent - self.recorded


async def _wait(predicate, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def _start_bot(server: BotApiServer, db_path: Path, work: Path, root: Path, log: Path
                     ) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(root), "TELEGRAM_BOT_TOKEN": server.token,
           "TELEGRAM_API_BASE_URL": server.base_url,
           "TELEGRAM_FILE_BASE_URL": server.base_file_url, "COORDINATION_CHAT_ID": str(GROUP),
           "DATABASE_PATH": str(db_path), "EVIDENCE_DIR": str(work / "evidence"),
           "JOBS": "off", "RATE_LIMIT": "off", "TZ": "Asia/Shanghai", "ACK_GATHER_MS": "0"}
    env.pop("WEBHOOK_URL", None)
    with open(log, "ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=str(work), env=env,
            stdout=out, stderr=out)


def _recorded(db_path: Path) -> Counter:
    db = dbmod.connect(db_path)
    try:
        return Counter(r["note"] for r in db.query(
            "SELECT note FROM reports WHERE note LIKE 'burst-%'"))
    finally:
        db.close()


async def one_round(work: Path, *, reports: int = 150, delay: float = 0.3,
                    root: Path = ROOT) -> Round:
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    db = dbmod.connect(db_path)
    load_plan(db, read_plan_file(PLAN_FILE), now=at("2022-01-05"))
    add_member(db, user_id=LIAISON, dept="HEALTH", role="liaison", now=at("2022-01-05"),
               actor="test", name="张卫健")
    db.close()
    log = work / "bot.log"
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        liaison = server.user(LIAISON, "张卫健")
        bot = await _start_bot(server, db_path, work, root, log)
        try:
            await server.wait_for_poll(timeout=60)
            first = None
            for i in range(reports):
                sent = await server.send_text(liaison, GROUP,
                                              f"/report T41 {1 + i % 99} burst-{i:04d}")
                first = first or sent["update_id"]
            await _wait(lambda: first in server.deliveries, 30, "the batch to be handed out")
            await asyncio.sleep(delay)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        fetched = len(set(server.deliveries))
        before = _recorded(db_path)

        polls = server.poll_count
        bot = await _start_bot(server, db_path, work, root, log)
        try:
            # started (post_init, where the inbox is replayed, runs before the first poll)
            await _wait(lambda: server.poll_count > polls, 60, "the restarted bot to poll")
            await server.wait_confirmed(timeout=60)
            # drained: nothing pending at the server and no call from the bot for a while
            await server.wait_idle(quiet=1.5, timeout=120)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 20)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        after = _recorded(db_path)
        texts = server.bot_messages(GROUP)
        answered = {n for text in texts for n in text.split() if n.startswith("burst-")}
        already = sum("未重复记录" in text for text in texts)
    return Round(sent=reports, fetched_before_kill=fetched,
                 recorded_before_kill=len(before), recorded=len(after),
                 duplicates=sum(1 for c in after.values() if c > 1), answered=len(answered),
                 already_noted=already)


async def rounds(count: int, root: Path, reports: int, seed: int) -> list[Round]:
    rng = random.Random(seed)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            delay = rng.uniform(0.15, 0.8)
            r = await one_round(Path(tmp) / f"round{n}", reports=reports, delay=delay, root=root)
            print(f"round {n + 1}: kill after {delay:.2f}s  fetched {r.fetched_before_kill}  "
                  f"recorded before kill {r.recorded_before_kill}  after restart {r.recorded}"
                  f"/{r.sent}  lost {r.lost}  duplicates {r.duplicates}  answered {r.answered}+{r.already_noted}",
                  flush=True)
            results.append(r)
    return results


def main() -> None:
    # a killed bot's open long poll is logged by aiohttp as a lost connection: expected here
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reports", type=int, default=150)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    results = asyncio.run(rounds(args.rounds, args.root, args.reports, args.seed))
    lost = sum(r.lost for r in results)
    print(f"{len(results)} rounds, {sum(r.sent for r in results)} reports: lost {lost} in "
          f"{sum(1 for r in results if r.lost)} round(s), duplicates "
          f"{sum(r.duplicates for r in results)}")


if __name__ == "__main__":
    main()

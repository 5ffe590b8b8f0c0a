"""Reliability probes of issue 22, through the real `python -m bot` process and the local Bot API
server with faults injected. Each probe returns plain figures; the tests assert on them, and this
module prints them for any checkout (the "before" of the issue is measured on main with the very
same probe):

    python -m tests.reliability [--root /path/to/checkout] [--only rights,sender,...]

The bot process runs from `--root` (PYTHONPATH); the server, the probes and the filesystem tricks
come from this tree.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.botapi_server import BotApiServer, autolinks, running_server
from tests.conftest import ROOT

GROUP = -1001234567890
COORD, OTHER_COORD, LIAISON, STRANGER = 1000, 2000, 1008, 4242
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64


# ---------------------------------------------------------------- running things from a checkout


def env_for(root: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(root), "TZ": "Asia/Shanghai", "JOBS": "off",
           "RATE_LIMIT": "off", "ACK_GATHER_MS": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("WEBHOOK_URL", "COORDINATION_CHAT_ID", "COORDINATOR_IDS", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    env.update(extra)
    return env


def cli(root: Path, *args: str, cwd: Path, wrapper: Sequence[str] = (), timeout: float = 120,
        **env: str) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` from `root`; output as text."""
    return subprocess.run([*wrapper, sys.executable, "-m", "bot", *args], cwd=cwd,
                          env=env_for(root, **env), capture_output=True, text=True,
                          timeout=timeout)


SEED = """
import sys, json
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.services.directory import add_member
from bot.services.plan import load_plan, read_plan_file
from bot.store import connection as dbmod
now = datetime(2022, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
db = dbmod.connect(sys.argv[1])
load_plan(db, read_plan_file(sys.argv[3]), now=now)
for uid, (dept, name) in json.loads(sys.argv[2]).items():
    add_member(db, user_id=int(uid), dept=dept, role="liaison", now=now, actor="probe", name=name)
db.close()
"""


# a liaison in each of the plan's ten departments (a 交办单 goes to staffed departments only)
EVERY_DEPARTMENT = {5000 + n: (code, f"联络员{code}") for n, code in enumerate(
    ("EDU", "STAFF", "CIVIL", "CYBER", "CIVAFF", "FIN", "HRSS", "HEALTH", "YOUTH",
     "WOMEN"))}


def seed(root: Path, db_path: Path, liaisons: dict[int, tuple[str, str]] | None = None,
         wrapper: Sequence[str] = ()) -> None:
    """The plan and some liaisons, written by `root`'s own code (its schema)."""
    people = liaisons if liaisons is not None else {LIAISON: ("HEALTH", "张卫健")}
    subprocess.run([*wrapper, sys.executable, "-c", SEED, str(db_path),
                    json.dumps({str(k): v for k, v in people.items()}),
                    str(root / "tasks_seed.yaml")],
                   env=env_for(root), check=True, capture_output=True, timeout=120)


async def start_bot(server: BotApiServer, root: Path, work: Path, db_path: Path,
                    wrapper: Sequence[str] = (), evidence: Path | None = None,
                    **extra: str) -> asyncio.subprocess.Process:
    settings = {"TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
                "TELEGRAM_FILE_BASE_URL": server.base_file_url,
                "COORDINATION_CHAT_ID": str(GROUP), "COORDINATOR_IDS": str(COORD),
                "DATABASE_PATH": str(db_path), "EVIDENCE_DIR": str(evidence or work / "evidence")}
    env = env_for(root, **{**settings, **extra})
    log = open(work / "bot.log", "ab")  # noqa: SIM115 (kept open for the child)
    try:
        return await asyncio.create_subprocess_exec(
            *wrapper, sys.executable, "-m", "bot", "run", cwd=str(work), env=env,
            stdout=log, stderr=log)
    finally:
        log.close()


async def stop_bot(proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    if proc.returncode is None:
        proc.send_signal(sig)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    return proc.returncode


async def until(predicate: Callable[[], Any], timeout: float, what: str = "") -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := predicate()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
    return result


async def quiet_for(server: BotApiServer, seconds: float, timeout: float) -> None:
    """Until the bot made no call for `seconds` (or `timeout` passed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if loop.time() - server._last_activity >= seconds:
            return
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def bot_running(server: BotApiServer, root: Path, work: Path, db_path: Path,
                      **kw: Any) -> AsyncIterator[asyncio.subprocess.Process]:
    polls = server.poll_count
    proc = await start_bot(server, root, work, db_path, **kw)
    try:
        await until(lambda: server.poll_count > polls or proc.returncode is not None, 90,
                    "the bot to poll")
        yield proc
    finally:
        await stop_bot(proc)


QUERY = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
print(json.dumps(conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))
"""


def read_db(db_path: Path, sql: str, params: Sequence[Any] = (),
            wrapper: Sequence[str] = ()) -> list[tuple]:
    """Rows from the file, read with the standard library alone (any schema). Under `wrapper`
    (a SmallFS) the query runs inside its namespace: SQLite resolves /proc/<pid>/root links to
    this namespace's view, so the file cannot be opened from here."""
    import sqlite3

    if wrapper:
        done = subprocess.run([*wrapper, sys.executable, "-c", QUERY, str(db_path), sql,
                               json.dumps(list(params))], capture_output=True, text=True,
                              check=True, timeout=60)
        return [tuple(row) for row in json.loads(done.stdout)]
    # read-write mode: a read-only connection cannot open the -shm of a WAL file the bot holds
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def texts(server: BotApiServer, chat: int = GROUP) -> list[str]:
    return server.bot_messages(chat)


async def reply_to(server: BotApiServer, user: dict, text: str, chat: int = GROUP,
                   timeout: float = 20) -> Any:
    """Send `text` and return the bot's next message call in that chat (or None)."""
    await server.send_text(user, chat, text)
    try:
        return await server.wait_for_bot(chat_id=chat, timeout=timeout)
    except AssertionError:
        return None


async def exchange(server: BotApiServer, user: dict, text: str, chat: int = GROUP,
                   settle: float = 1.5) -> list[Any]:
    """Send `text`; every call the bot made until it was quiet for `settle` seconds."""
    before = len(server.sent)
    await server.send_text(user, chat, text)
    with contextlib.suppress(AssertionError):  # no answer at all is a figure too
        await until(lambda: len(server.sent) > before, 30, f"an answer to {text}")
    await quiet_for(server, settle, 60)
    return server.sent[before:]


# ---------------------------------------------------------------- 1. rights follow the settings


@dataclass
class RightsFigures:
    attempted: int = 0
    granted: int = 0  # coordinator-only actions the removed coordinator could still take
    closed_directly: bool = False
    ledger_sent: bool = False
    whoami_like_stranger: bool = False
    audit_rows: int = 0
    detail: dict[str, str] = field(default_factory=dict)


REFUSED = ("仅限统筹人", "还不是本督办群的成员", "only for the coordinator", "not a member")


async def probe_rights(work: Path, root: Path = ROOT) -> RightsFigures:
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    seed(root, db_path)
    figures = RightsFigures()
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        old = server.user(COORD, "王统筹")
        stranger = server.user(STRANGER, "路人")
        async with bot_running(server, root, work, db_path):
            call = await reply_to(server, old, "/members")
            figures.detail["/members while configured"] = (call.text or "")[:40] if call else "—"
        async with bot_running(server, root, work, db_path, COORDINATOR_IDS=str(OTHER_COORD)):
            for command in ("/members", "/export", "/digest", "/chase T01", "/close T41 已完成"):
                figures.attempted += 1
                calls = [c for c in await exchange(server, old, command) if c.chat_id == GROUP]
                said = " | ".join((c.text or c.method)[:40] for c in calls)
                figures.detail[command] = said
                if calls and not any(word in said for word in REFUSED):
                    figures.granted += 1
                if any(c.method == "sendDocument" for c in calls):
                    figures.ledger_sent = True
                confirm = [c for c in calls if "dc:ok" in json.dumps(
                    c.params.get("reply_markup") or {})]
                if confirm:
                    await server.press_button(old, confirm[0], "dc:ok:*")
                    await quiet_for(server, 1.5, 10)
            mine = await reply_to(server, old, "/whoami", chat=COORD)
            theirs = await reply_to(server, stranger, "/whoami", chat=STRANGER)

            def strip(call: Any, uid: int, name: str) -> str:
                return (call.text if call else "").replace(str(uid), "ID").replace(name, "NAME")

            figures.whoami_like_stranger = strip(mine, COORD, "王统筹") == strip(
                theirs, STRANGER, "路人")
            figures.detail["/whoami"] = (mine.text if mine else "—")[:80]
    figures.closed_directly = bool(read_db(
        db_path, "SELECT 1 FROM reports WHERE task_id = 'T41' AND kind = 'direct_close'"))
    figures.audit_rows = read_db(
        db_path, "SELECT count(*) FROM audit WHERE entity = 'members' AND entity_id = ? "
        "AND actor = 'config'", [str(COORD)])[0][0]
    return figures


# ---------------------------------------------------------------- 2. one sender, retried


@dataclass
class SenderFigures:
    scenario: str
    nudges: int = 0  # nudge messages posted
    nudges_distinct: int = 0  # of them different (the rest are the same message twice)
    digests: int = 0  # digest texts posted
    albums: int = 0  # chart albums posted
    notices: int = 0  # distinct departments that got their 交办单
    reviews: int = 0  # review cards posted
    unsent: int = 0  # outbox rows left unsent at the end
    seconds: float = 0.0


def _is(word: str) -> Callable[[dict], bool]:
    return lambda params: word in str(params.get("text", ""))


def _first(word: str) -> Callable[[dict], bool]:
    seen = {"n": 0}

    def match(params: dict) -> bool:
        if word in str(params.get("text", "")):
            seen["n"] += 1
            return seen["n"] == 1
        return False

    return match


# name -> how to break the server before the bot starts (or None)
CATCH_UP_FAULTS: dict[str, Callable[[BotApiServer], None] | None] = {
    "no fault": None,
    "429 on the digest text": lambda s: s.fail_method(
        "sendMessage", 429, retry_after=1, times=1, match=_is("每周督办简报")),
    "429 on a nudge": lambda s: s.fail_method(
        "sendMessage", 429, retry_after=1, times=1, match=_is("督办提醒")),
    "429 on the first 交办单": lambda s: s.fail_method(
        "sendMessage", 429, retry_after=1, times=1, match=_is("交办单")),
    "500 on the album": lambda s: s.fail_method(
        "sendMediaGroup", 500, "Internal Server Error", times=1),
    "500 on every 交办单 twice": lambda s: s.fail_method(
        "sendMessage", 500, "Internal Server Error", times=2, match=_is("交办单")),
    "every fault at once": lambda s: [f(s) for name, f in CATCH_UP_FAULTS.items()
                                      if name.startswith(("429", "500"))],
    "nudge timeout before delivery": lambda s: s.hang_method(
        "sendMessage", 12, times=1, match=_is("督办提醒")),
    "nudge timeout after delivery": lambda s: s.hang_method(
        "sendMessage", 12, after_delivery=True, times=1, match=_is("督办提醒")),
}


def count_posts(server: BotApiServer, figures: SenderFigures) -> None:
    sent = texts(server)
    figures.nudges = sum("督办提醒" in m for m in sent)
    figures.nudges_distinct = len({m for m in sent if "督办提醒" in m})
    figures.digests = sum("每周督办简报" in m for m in sent)
    figures.albums = sum(1 for c in server.sent if c.method == "sendMediaGroup")
    figures.reviews = sum("待核实" in m and "统筹人请核实" in m for m in sent)
    depts = set()
    for m in sent:
        if "📨 交办单" in m:
            head = [line for line in m.splitlines() if line.startswith("【")]
            depts.add(head[0].split("】")[0] if head else m[:30])
    figures.notices = len(depts)


async def probe_catch_up(work: Path, scenario: str, root: Path = ROOT,
                         settle: float = 6.0, timeout: float = 90) -> SenderFigures:
    """Start the bot with jobs on (the start-up catch-up posts nudges, a digest and the 交办单 of
    ten departments, each with a liaison) with one fault injected; count what reached the
    group in the run."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    seed(root, db_path, EVERY_DEPARTMENT)
    figures = SenderFigures(scenario)
    started = time.monotonic()
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        fault = CATCH_UP_FAULTS[scenario]
        if fault:
            fault(server)
        async with bot_running(server, root, work, db_path, JOBS="on", QUIET_HOURS="off",
                               TRACK_FROM="2022-01-05"):
            # the catch-up runs 5 s after start; wait for its posts to stop
            await until(lambda: len(server.sent) > 2, 30, "the catch-up")
            # a hung call is silent for its whole hang: wait past it
            await quiet_for(server, 16.0 if "timeout" in scenario else settle, timeout)
            count_posts(server, figures)
    figures.seconds = time.monotonic() - started
    figures.unsent = read_db(db_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    return figures


REVIEW_FAULTS: dict[str, Callable[[BotApiServer], None]] = {
    "500 on the claim's acknowledgement": lambda s: s.fail_method(
        "sendMessage", 500, "Internal Server Error", times=1, match=_is("已记录")),
    "500 on the review card": lambda s: s.fail_method(
        "sendMessage", 500, "Internal Server Error", times=1, match=_is("统筹人请核实")),
    "429 on the review card": lambda s: s.fail_method(
        "sendMessage", 429, retry_after=2, times=1, match=_is("统筹人请核实")),
}


async def probe_review(work: Path, scenario: str, root: Path = ROOT) -> tuple[SenderFigures,
                                                                               SenderFigures]:
    """A liaison claims T41 done with one fault on the way; (in the run, after a restart)."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    seed(root, db_path)
    in_run, after = SenderFigures(scenario), SenderFigures(scenario + " (after a restart)")
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        liaison = server.user(LIAISON, "张卫健")
        REVIEW_FAULTS[scenario](server)
        async with bot_running(server, root, work, db_path):
            await server.send_text(liaison, GROUP, "/report T41 100 全部完成")
            await quiet_for(server, 6.0, 40)
            count_posts(server, in_run)
        in_run.unsent = read_db(db_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
                                )[0][0]
        async with bot_running(server, root, work, db_path):
            await quiet_for(server, 8.0, 40)
            count_posts(server, after)
    after.unsent = read_db(db_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    return in_run, after


# ---------------------------------------------------------------- 5. migrations and seeds race


@dataclass
class RaceFigures:
    what: str
    rounds: int = 0
    failed_rounds: int = 0  # rounds in which a process failed
    tracebacks: int = 0
    errors: list[str] = field(default_factory=list)


def race(root: Path, work: Path, args_of: Callable[[Path], list[str]], rounds: int,
         what: str) -> RaceFigures:
    """Two processes given a brand-new database file at the same moment, `rounds` times."""
    work.mkdir(parents=True, exist_ok=True)
    figures = RaceFigures(what, rounds)
    for n in range(rounds):
        db_path = work / f"race{n}.db"
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "--db", str(db_path),
                                   *args_of(db_path)], cwd=work, env=env_for(root),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        bad = [(p.returncode, err) for p, (_, err) in zip(procs, outs, strict=True)
               if p.returncode != 0]
        if bad:
            figures.failed_rounds += 1
            for _, err in bad:
                figures.tracebacks += "Traceback" in err
                figures.errors.append(err.strip().splitlines()[-1][:120] if err.strip() else "")
    return figures


def probe_migrations(work: Path, root: Path = ROOT, rounds: int = 20) -> RaceFigures:
    return race(root, work / "open", lambda _: ["members", "list"], rounds,
                "two processes opening a new file")


def probe_seed_race(work: Path, root: Path = ROOT, rounds: int = 8) -> RaceFigures:
    return race(root, work / "seed", lambda _: ["seed", str(root / "tasks_seed.yaml")], rounds,
                "two seed runs on a new file")


# ---------------------------------------------------------------- 7. damaged and unusable files


@dataclass
class StorageCase:
    damage: str
    command: str
    code: int
    traceback: bool
    names_file: bool
    started: bool = False  # `run` only: the bot went on to poll
    said: str = ""


def damage_file(db_path: Path, how: str) -> None:
    """Break a checkpointed database file the way a disk, a copy or a person might."""
    size = db_path.stat().st_size
    if how == "truncated":
        with open(db_path, "r+b") as f:
            f.truncate(size // 3)
    elif how == "overwritten":
        db_path.write_text("这不是数据库 not a database\n" * 200, encoding="utf-8")
    elif how == "page scribbled":
        # a page in the middle of the file (not the header, not the schema page)
        page = 4096
        pages = size // page
        with open(db_path, "r+b") as f:
            f.seek((pages // 2) * page)
            f.write(b"\xde\xad\xbe\xef" * (page // 4))
    else:
        raise ValueError(how)


COMMANDS: dict[str, list[str]] = {
    "status": ["status"],
    "report": ["report", "T41", "50", "说明", "--as", str(LIAISON)],
    "members": ["members", "list"],
    "export": ["export", "ledger", "--out", "ledger.xlsx"],
    "backup": ["backup", "bk"],
}


_TEMPLATES: dict[Path, Path] = {}


def fresh_copy(root: Path, work: Path, name: str) -> Path:
    """A copy of a seeded database (made once per checkout and process), checkpointed into one
    file, as `work/name/duban.db`."""
    template = _TEMPLATES.get(root)
    if template is None or not template.exists():
        folder = Path(tempfile.mkdtemp(prefix="duban-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "template.db"
        seed(root, template)
        _TEMPLATES[root] = template
    target = work / name
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target / "duban.db")
    return target / "duban.db"


async def probe_damaged(work: Path, root: Path = ROOT,
                        damages: Sequence[str] = ("truncated", "overwritten", "page scribbled"),
                        ) -> list[StorageCase]:
    work.mkdir(parents=True, exist_ok=True)
    cases = []
    for how in damages:
        for command, args in COMMANDS.items():
            db_path = fresh_copy(root, work, f"{how}-{command}".replace(" ", "_"))
            damage_file(db_path, how)
            done = cli(root, "--db", str(db_path), *args, cwd=db_path.parent)
            out = done.stdout + done.stderr
            cases.append(StorageCase(how, command, done.returncode, "Traceback" in out,
                                     str(db_path) in out, said=out.strip()[-160:]))
        db_path = fresh_copy(root, work, f"{how}-run".replace(" ", "_"))
        damage_file(db_path, how)
        cases.append(await run_on(root, db_path, how))
    return cases


async def run_on(root: Path, db_path: Path, how: str, wrapper: Sequence[str] = ()
                 ) -> StorageCase:
    """`python -m bot run` on a file: did it refuse, or start polling anyway?"""
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup")
        proc = await start_bot(server, root, db_path.parent, db_path, wrapper=wrapper)
        try:
            await until(lambda: server.poll_count > 0 or proc.returncode is not None, 60,
                        "the bot to poll or stop")
        finally:
            started = server.poll_count > 0
            code = await stop_bot(proc)
    out = (db_path.parent / "bot.log").read_text(errors="replace")
    return StorageCase(how, "run", code, "Traceback" in out, str(db_path) in out, started,
                       out.strip()[-160:])


async def probe_read_only(work: Path, root: Path = ROOT) -> list[StorageCase]:
    """The data folder on a filesystem mounted read-only: every command and `run`."""
    from tests.smallfs import SmallFS

    work.mkdir(parents=True, exist_ok=True)
    template = fresh_copy(root, work, "ro-template")
    cases = []
    with SmallFS(16 << 20) as fs:
        fs.outside("data").mkdir()
        shutil.copyfile(template, fs.outside("data", "duban.db"))
        fs.read_only(True)
        db_in = fs.inside("data", "duban.db")
        for command, args in COMMANDS.items():
            if command == "backup":
                args = ["backup", str(work / "bk")]  # the backup itself goes elsewhere
            if command == "export":
                args = [*args[:-1], str(work / "ledger.xlsx")]
            done = cli(root, "--db", str(db_in), *args, cwd=work, wrapper=fs.wrapper)
            out = done.stdout + done.stderr
            cases.append(StorageCase("read-only folder", command, done.returncode,
                                     "Traceback" in out, str(db_in) in out,
                                     said=out.strip()[-160:]))
        run_dir = work / "ro-run"
        run_dir.mkdir()
        async with running_server() as server:
            server.add_chat(GROUP, type="supergroup")
            proc = await start_bot(server, root, run_dir, db_in, wrapper=fs.wrapper)
            try:
                await until(lambda: server.poll_count > 0 or proc.returncode is not None, 60,
                            "the bot to poll or stop")
            finally:
                started = server.poll_count > 0
                code = await stop_bot(proc)
        out = (run_dir / "bot.log").read_text(errors="replace")
        cases.append(StorageCase("read-only folder", "run", code, "Traceback" in out,
                                 str(db_in) in out, started, out.strip()[-160:]))
    return cases


# ---------------------------------------------------------------- 8. plan files


@dataclass
class PlanCase:
    name: str
    code: int
    seconds: float
    traceback: bool
    located: bool  # the message names the file and a line
    loaded: bool  # seed accepted it
    export_code: int | None = None  # the ledger export after a loaded bad plan
    export_traceback: bool = False
    said: str = ""


def bad_plans(good: str) -> dict[str, str]:
    """Plan files that once loaded wrongly, crashed or hung."""
    target = "target: {value: 200, unit: 所"
    assert target in good, "the seed file's T04 target moved; update the probe"
    bomb = "\n".join(["x0: &x0 [a, a, a, a, a, a, a, a, a]"]
                      + [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]"
                         for i in range(1, 10)])
    return {
        "value 1e309": good.replace(target, "target: {value: 1e309, unit: 所", 1),
        "value .nan": good.replace(target, "target: {value: .nan, unit: 所", 1),
        "value -inf quota": good.replace(target, "target: {quotas: {晋江市: .inf}, value: 200, "
                                         "unit: 所", 1),
        "self-referencing alias": "plan: &p {issued: 2022-01-04, self: *p}\n" + good,
        "alias bomb": bomb + "\n" + good,
        "nested 5000 deep": "x: " + "[" * 5000 + "]" * 5000 + "\n" + good,
    }


def probe_plans(work: Path, root: Path = ROOT, timeout: float = 60) -> list[PlanCase]:
    work.mkdir(parents=True, exist_ok=True)
    good = (root / "tasks_seed.yaml").read_text(encoding="utf-8")
    cases = []
    for n, (name, text) in enumerate(bad_plans(good).items()):
        folder = work / f"plan{n}"
        folder.mkdir()
        plan = folder / "plan.yaml"
        plan.write_text(text, encoding="utf-8")
        started = time.monotonic()
        try:
            done = cli(root, "--db", str(folder / "d.db"), "seed", str(plan), cwd=folder,
                       timeout=timeout)
            code, out = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            code, out = -9, f"still running after {timeout} s"
        case = PlanCase(name, code, time.monotonic() - started, "Traceback" in out,
                        f"{plan}:" in out and any(ch.isdigit() for ch in out), code == 0,
                        said=out.strip()[-160:])
        if case.loaded:
            export = cli(root, "--db", str(folder / "d.db"), "export", "ledger", "--out",
                         str(folder / "l.xlsx"), cwd=folder)
            case.export_code = export.returncode
            case.export_traceback = "Traceback" in export.stdout + export.stderr
        cases.append(case)
    return cases


# ---------------------------------------------------------------- 11. restore


@dataclass
class RestoreCase:
    name: str
    code: int
    traceback: bool
    touched: bool  # anything written into the target data folder
    said: str = ""
    paths_in_new_folder: int | None = None
    evidence_rows: int | None = None


EVIDENCE_SEED = """
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from bot.services.evidence import archive, record_evidence
from bot.store import connection as dbmod
now = datetime(2022, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
db = dbmod.connect(sys.argv[1])
for n in range(3):
    data = b"%PDF-1.4 " + bytes([n]) * 500
    kept = archive(Path(sys.argv[2]), "T41", f"UNIQ{n}", data, f"f{n}.pdf")
    record_evidence(db, kept, task_id="T41", user_id=1008, file_id=f"F{n}",
                    file_unique_id=f"UNIQ{n}", kind="document", now=now)
db.close()
"""


def backed_up(root: Path, work: Path) -> Path:
    """A data folder with evidence, backed up by `root`'s own `backup`."""
    data = work / "data"
    data.mkdir(parents=True)
    seed(root, data / "duban.db")
    subprocess.run([sys.executable, "-c", EVIDENCE_SEED, str(data / "duban.db"),
                    str(data / "evidence")], env=env_for(root), check=True, capture_output=True)
    done = cli(root, "backup", str(work / "backup"), cwd=work,
               DATABASE_PATH=str(data / "duban.db"), EVIDENCE_DIR=str(data / "evidence"))
    assert done.returncode == 0, done.stderr
    return work / "backup"


def probe_restore(work: Path, root: Path = ROOT) -> list[RestoreCase]:
    import hashlib

    cases = []
    for name in ("absolute path in the manifest", "manifest not JSON", "into another folder"):
        folder = work / name.replace(" ", "_")
        backup = backed_up(root, folder)
        manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
        if name == "absolute path in the manifest":
            victim = folder / "elsewhere.txt"  # a file outside the backup, checksum and all
            victim.write_text("not part of any backup")
            inside = backup / "evidence" / str(victim).lstrip("/")  # what the check looks at
            inside.parent.mkdir(parents=True)
            shutil.copyfile(victim, inside)
            manifest["evidence"][-1]["path"] = str(victim)
            manifest["evidence"][-1]["sha256"] = hashlib.sha256(victim.read_bytes()).hexdigest()
            (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        elif name == "manifest not JSON":
            (backup / "manifest.json").write_text("{format: 1, 这不是 JSON", encoding="utf-8")
        target = folder / "restored"
        done = cli(root, "restore", str(backup), cwd=folder,
                   DATABASE_PATH=str(target / "duban.db"), EVIDENCE_DIR=str(target / "files"))
        out = done.stdout + done.stderr
        case = RestoreCase(name, done.returncode, "Traceback" in out,
                           target.exists() and any(target.iterdir()),
                           "\n".join(out.strip().splitlines()[-2:]))  # the refusal, zh and en
        if done.returncode == 0:
            rows = read_db(target / "duban.db", "SELECT path FROM evidence")
            case.evidence_rows = len(rows)
            case.paths_in_new_folder = sum(
                Path(p).is_relative_to(target / "files") and Path(p).is_file()
                for (p,) in rows)
        cases.append(case)
    return cases


# ---------------------------------------------------------------- 3. a full or read-only disk


@dataclass
class DiskFigures:
    fault: str
    reports: int = 0  # reports sent while the disk was unusable
    photos: int = 0
    confirmed_unstored: int = 0  # updates confirmed to Telegram but not in the inbox then
    recorded_in_run: int = 0  # reports recorded once space returned, without a restart
    photos_in_run: int = 0
    recorded_after_restart: int = 0
    photos_after_restart: int = 0
    part_files: int = 0
    log_lines: int = 0  # log lines that say the store cannot write


async def probe_disk(fault: str, root: Path = ROOT, reports: int = 30, photos: int = 6,
                     size: int = 24 << 20) -> DiskFigures:
    """The data on a small filesystem that fills up while liaisons report (`fault` "full"), or
    only the evidence folder there ("evidence folder full": updates are kept, reports recorded,
    photos cannot be written); then space returns: what was recorded, in the same run and after
    a restart."""
    from tests.smallfs import SmallFS

    figures = DiskFigures(fault, reports, photos)
    with SmallFS(size) as fs, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_in, ev_in = fs.inside("data", "duban.db"), fs.inside("data", "evidence")
        if fault == "evidence folder full":  # the database elsewhere, on a disk with room
            db_in = work / "duban.db"
        fs.outside("data").mkdir()
        seed(root, db_in, wrapper=fs.wrapper)
        async with running_server(can_read_all_group_messages=True) as server:
            server.add_chat(GROUP, type="supergroup", title="督办群")
            liaison = server.user(LIAISON, "张卫健")
            proc = await start_bot(server, root, work, db_in, wrapper=fs.wrapper, evidence=ev_in)
            try:
                await until(lambda: server.poll_count > 0, 60, "the bot to poll")
                await server.send_text(liaison, GROUP, "/report T42 10 before")
                await until(lambda: any("before" in m for m in texts(server)), 20, "an answer")
                fs.fill()
                ids = []
                for n in range(reports):
                    sent = await server.send_text(liaison, GROUP,
                                                  f"/report T41 {n % 99 + 1} disk-{n:03d}")
                    ids.append(sent["update_id"])
                for n in range(photos):
                    sent = await server.send_photo(liaison, GROUP, JPEG + bytes([n]) * 3000,
                                                   caption=f"#T43 照片 {n}")
                    ids.append(sent["update_id"])
                await asyncio.sleep(8)
                kept = {r[0] for r in read_db(db_in, "SELECT update_id FROM inbox",
                                              wrapper=fs.wrapper)}
                figures.confirmed_unstored = sum(1 for i in ids if i < server.confirmed_offset
                                                 and i not in kept)
                fs.free()

                def answered() -> bool:
                    said = texts(server)
                    return (len({n for m in said for n in m.split() if "disk-" in n}) >= reports
                            and sum("已保存佐证材料" in m for m in said) >= photos)

                with contextlib.suppress(AssertionError):  # a probe: a figure, not a verdict
                    await until(answered, 40, "the answers")
                await quiet_for(server, 3, 60)
                figures.recorded_in_run, figures.photos_in_run = _disk_counts(fs, db_in)
            finally:
                await stop_bot(proc)
            async with bot_running(server, root, work, db_in, wrapper=fs.wrapper,
                                   evidence=ev_in):
                await quiet_for(server, 4, 60)
            figures.recorded_after_restart, figures.photos_after_restart = _disk_counts(
                fs, db_in)
        evidence = fs.outside("data", "evidence")
        figures.part_files = sum(1 for p in evidence.rglob("*") if ".part" in p.name) \
            if evidence.exists() else 0
        log = (work / "bot.log").read_text(errors="replace")
        figures.log_lines = sum(1 for line in log.splitlines()
                                if "disk is full" in line or "readonly" in line
                                or "read-only" in line or "cannot write" in line)
    return figures


def _disk_counts(fs: Any, db: Path) -> tuple[int, int]:
    recorded = read_db(db, "SELECT count(DISTINCT note) FROM reports WHERE note LIKE 'disk-%'",
                       wrapper=fs.wrapper)
    photos = read_db(db, "SELECT count(*) FROM evidence WHERE task_id = 'T43'",
                     wrapper=fs.wrapper)
    return recorded[0][0], photos[0][0]


# ---------------------------------------------------------------- 4. gathered acknowledgements


@dataclass
class AckFigures:
    sent: int
    recorded: int = 0
    acknowledged: int = 0  # recorded reports whose acknowledgement reached the group
    unacknowledged: int = 0
    acknowledged_twice: int = 0


PEOPLE = 20


async def probe_acks(work: Path, root: Path = ROOT, reports: int = 200, delay: float = 1.0,
                     window_ms: int = 1500) -> AckFigures:
    """A burst from twenty liaisons, gathered acknowledgements, kill -9 while they gather, a
    restart: which recorded reports were ever acknowledged."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    people = {3000 + n: ("HEALTH", f"联络员{n:02d}") for n in range(PEOPLE)}
    seed(root, db_path, people)
    figures = AckFigures(reports)
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        users = [server.user(uid, name) for uid, (_, name) in people.items()]
        proc = await start_bot(server, root, work, db_path, ACK_GATHER_MS=str(window_ms))
        try:
            await until(lambda: server.poll_count > 0, 60, "the bot to poll")
            for n in range(reports):
                user = users[n % PEOPLE]
                percent = n // PEOPLE + 1  # (person, percent) names each report
                await server.send_text(user, GROUP, f"/report T41 {percent} ack-{n:04d}")
            await until(lambda: read_db(db_path, "SELECT count(*) FROM reports WHERE note "
                                        "LIKE 'ack-%'")[0][0] >= reports // 3, 60, "reports")
            await asyncio.sleep(delay)
        finally:
            await stop_bot(proc, signal.SIGKILL)
        async with bot_running(server, root, work, db_path, ACK_GATHER_MS=str(window_ms)):
            await quiet_for(server, 4, 120)
    recorded = read_db(db_path, "SELECT r.user_id, r.percent FROM reports r "
                       "WHERE r.note LIKE 'ack-%'")
    figures.recorded = len(recorded)
    names = {uid: name for uid, (_, name) in people.items()}
    lines: dict[tuple[str, int], int] = {}
    for text in texts(server):
        for line in text.splitlines():
            for uid, name in names.items():
                if name in line and "T41" in line:
                    pct = line.split("T41", 1)[1].split("%")[0].strip()
                    if pct.isdigit():
                        lines[(names[uid], int(pct))] = lines.get((names[uid], int(pct)), 0) + 1
    for uid, percent in recorded:
        seen = lines.get((names[uid], percent), 0)
        figures.acknowledged += seen > 0
        figures.acknowledged_twice += seen > 1
    figures.unacknowledged = figures.recorded - figures.acknowledged
    return figures


# ---------------------------------------------------------------- 6. a stranger and /join


@dataclass
class JoinFigures:
    joins: int = 0
    cards: int = 0  # application cards posted to the group
    refusal_cycles: int = 0
    cards_after_refusals: int = 0
    clickable_in_card: list[str] = field(default_factory=list)


LINKED_NAME = "联系我 http://evil.example/pay @evil_helper /approve_4242"


async def probe_join(work: Path, root: Path = ROOT, joins: int = 20, cycles: int = 5
                     ) -> JoinFigures:
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    seed(root, db_path)
    figures = JoinFigures(joins=joins, refusal_cycles=cycles)
    depts = ["卫健委", "教育局", "团市委", "妇联", "财政局"]
    async with running_server() as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        coordinator = server.user(COORD, "王统筹")
        flooder = server.user(STRANGER, LINKED_NAME)
        async with bot_running(server, root, work, db_path):
            for n in range(joins):
                await exchange(server, flooder, f"/join {depts[n % len(depts)]}", STRANGER, 0.3)
            await quiet_for(server, 1.0, 20)
            cards = [c for c in server.sent if c.chat_id == GROUP and "登记申请" in (c.text or "")]
            figures.cards = len(cards)
            if cards:
                msg = cards[0].message
                figures.clickable_in_card = autolinks(msg.get("text"), msg.get("entities"))
            other = server.user(4343, "另一人")
            before = len(cards)
            for _ in range(cycles):
                await exchange(server, other, "/join 卫健委", 4343, 0.3)
                await exchange(server, coordinator, "/refuse 4343", GROUP, 0.3)
            await quiet_for(server, 1.0, 20)
            figures.cards_after_refusals = sum(
                1 for c in server.sent if c.chat_id == GROUP and "登记申请" in (c.text or "")
                and "4343" in (c.text or "")) if before is not None else 0
    return figures


# ---------------------------------------------------------------- 10. evidence downloads


@dataclass
class EvidenceFigures:
    truncated_archived: int = 0  # files archived shorter than Telegram's file_size
    truncated_told: bool = False  # the sender was told the file did not arrive whole
    same_file_at_once: int = 0  # liaisons who sent the same file at the same moment
    same_file_errors: int = 0  # of them told "出了点问题"
    same_file_rows: int = 0
    part_files: int = 0
    answers: list[str] = field(default_factory=list)


async def probe_evidence(work: Path, root: Path = ROOT) -> EvidenceFigures:
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "duban.db"
    seed(root, db_path, {LIAISON: ("HEALTH", "张卫健"), 1009: ("HEALTH", "李卫健")})
    figures = EvidenceFigures()
    data = b"%PDF-1.4\n" + bytes(range(256)) * 400
    async with running_server(can_read_all_group_messages=True) as server:
        server.add_chat(GROUP, type="supergroup", title="督办群")
        one, two = server.user(LIAISON, "张卫健"), server.user(1009, "李卫健")
        async with bot_running(server, root, work, db_path):
            server.truncate_downloads(0.5, times=3)
            await exchange(server, one, "/report T41 30 进展", GROUP, 0.5)
            before = len(server.sent)
            await server.send_document(one, GROUP, data, "方案.pdf", "application/pdf",
                                       caption="#T41 方案")
            await until(lambda: len(server.sent) > before, 30, "an answer")
            await quiet_for(server, 1.5, 30)
            said = " ".join(c.text or "" for c in server.sent[before:])
            rows = read_db(db_path, "SELECT size FROM evidence WHERE task_id = 'T41'")
            figures.truncated_archived = sum(1 for (size,) in rows if size != len(data))
            figures.truncated_told = bool(rows) is False and "已保存" not in said
            server.clear_failures()
            # the same file, forwarded by two liaisons at the same moment, slow to download
            first = await server.send_document(one, GROUP, data + b"2", "记录.pdf",
                                               "application/pdf", caption="#T42 记录")
            await until(lambda: any("T42" in m for m in texts(server)), 30, "T42 saved")
            server.delay_downloads(1.5)
            before = len(server.sent)
            await server.send_again(one, GROUP, first, caption="#T44 记录")
            await server.send_again(two, GROUP, first, caption="#T44 记录")
            figures.same_file_at_once = 2
            await until(lambda: sum(c.method == "sendMessage" and c.chat_id == GROUP
                                    for c in server.sent[before:]) >= 2, 30, "two answers")
            await quiet_for(server, 2.0, 30)
            answers = [c.text or "" for c in server.sent[before:] if c.method == "sendMessage"]
            figures.answers = answers
            figures.same_file_errors = sum("出了点问题" in a for a in answers)
            figures.same_file_rows = read_db(
                db_path, "SELECT count(*) FROM evidence WHERE task_id = 'T44'")[0][0]
    evidence = work / "evidence"
    figures.part_files = sum(1 for p in evidence.rglob("*") if ".part" in p.name) \
        if evidence.exists() else 0
    return figures


# ---------------------------------------------------------------- printing


def show(title: str, value: Any) -> None:
    print(f"{title}: {value}", flush=True)


async def main_async(args: argparse.Namespace) -> None:
    only = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory(prefix="duban-probe-") as tmp:
        base = Path(tmp)
        if not only or "rights" in only:
            show("rights", await probe_rights(base / "rights", args.root))
        if not only or "migrations" in only:
            show("migrations", probe_migrations(base / "migrations", args.root))
            show("seeds", probe_seed_race(base / "migrations", args.root))
        if not only or "storage" in only:
            for case in await probe_damaged(base / "storage", args.root):
                show("storage", case)
            for case in await probe_read_only(base / "read-only", args.root):
                show("storage", case)
        if not only or "plans" in only:
            for case in probe_plans(base / "plans", args.root):
                show("plan", case)
        if not only or "restore" in only:
            for case in probe_restore(base / "restore", args.root):
                show("restore", case)
        if not only or "join" in only:
            show("join", await probe_join(base / "join", args.root))
        if not only or "evidence" in only:
            show("evidence", await probe_evidence(base / "evidence", args.root))
        if not only or "acks" in only:
            for n in range(args.rounds):
                show("acks", await probe_acks(base / f"acks{n}", args.root,
                                              delay=0.5 + n))
        if not only or "disk" in only:
            show("disk", await probe_disk("full", args.root))
            show("disk", await probe_disk("evidence folder full", args.root))
        if not only or "sender" in only:
            for i, scenario in enumerate(CATCH_UP_FAULTS):
                show("catch-up", await probe_catch_up(base / f"catch{i}", scenario, args.root))
            for i, scenario in enumerate(REVIEW_FAULTS):
                show("review", await probe_review(base / f"review{i}", scenario, args.root))


def main() -> None:
    import logging

    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument("--only", help="comma-separated probes")
    parser.add_argument("--rounds", type=int, default=3, help="kill rounds of the acks probe")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

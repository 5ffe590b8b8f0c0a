"""A tight writer for the lock tests: `python -m tests.write_loop DB N USER TASK` records N
reports through the CLI's own code path (a fresh connection each time, as `python -m bot report`
does) and prints one JSON line: how many succeeded and how many failed with "database is locked"."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys

from bot.cli import main


def run(db_path: str, count: int, user_id: int, task: str) -> dict[str, int]:
    ok = locked = other = 0
    for i in range(count):
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--db", db_path, "report", task, str(i % 100), f"loop {i}",
                             "--as", str(user_id)])
        except sqlite3.OperationalError as exc:
            locked += "locked" in str(exc)
            other += "locked" not in str(exc)
            continue
        ok += code == 0
        other += code != 0
    return {"ok": ok, "locked": locked, "other": other}


if __name__ == "__main__":
    path, n, user, task = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    print(json.dumps(run(path, n, user, task)))

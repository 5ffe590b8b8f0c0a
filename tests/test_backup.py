"""python -m bot backup / restore: a consistent copy while the bot writes, checked on the way back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.store import connection as dbmod
from tests.conftest import EDU_LIAISON, HEALTH_LIAISON, ROOT, at, keep_evidence
from tests.test_bot_e2e import JPEG, PDF
from tests.test_sharing import writer


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                       "TZ": "Asia/Shanghai", **env})


def rows(db, table: str, upto: int | None = None) -> list[dict]:
    where = f" WHERE id <= {int(upto)}" if upto is not None else ""
    return list(db.query(f"SELECT * FROM {table}{where} ORDER BY id"))


def test_backup_while_writing_then_restore_gives_the_same_record(seeded, tmp_path):
    live_path, evidence_dir = tmp_path / "duban.db", tmp_path / "evidence"
    for uid, data, name in (("U1", PDF, "名单.pdf"), ("U2", JPEG, None)):
        keep_evidence(seeded, evidence_dir, user_id=HEALTH_LIAISON, task_ref="T41", data=data,
                       file_id=f"F{uid}", file_unique_id=uid, kind="document",
                       now=at("2022-03-01"), file_name=name)
    env = {"DATABASE_PATH": str(live_path), "EVIDENCE_DIR": str(evidence_dir)}
    loop = writer(live_path, 400, EDU_LIAISON, "T01")
    try:
        while seeded["reports"].count < 50:  # the writer is well under way
            time.sleep(0.02)
        started = time.perf_counter()
        done = cli("backup", str(tmp_path / "backup"), env=env)
        took = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        print(done.stdout, f"backup took {took:.2f}s")
    finally:
        out, err = loop.communicate(timeout=120)
    assert json.loads(out)["locked"] == 0, err
    live_after = seeded["reports"].count
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    snapshot = manifest["database"]["tables"]["reports"]
    assert 50 <= snapshot < live_after == 400  # taken while the writer was still writing

    restored_env = {"DATABASE_PATH": str(tmp_path / "restored" / "duban.db"),
                    "EVIDENCE_DIR": str(tmp_path / "restored" / "evidence")}
    done = cli("restore", str(tmp_path / "backup"), env=restored_env)
    assert done.returncode == 0, done.stderr
    assert "校验和一致" in done.stdout
    restored = dbmod.connect(tmp_path / "restored" / "duban.db")
    try:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the restored record is exactly the live one as it stood at one moment
        got = rows(restored, "reports")
        assert len(got) == snapshot and got == rows(seeded, "reports", upto=got[-1]["id"])
        audit = rows(restored, "audit")
        assert audit == rows(seeded, "audit", upto=audit[-1]["id"])
        # the evidence rows are the live ones, their paths naming the restored files
        moved = rows(restored, "evidence")
        assert [{**r, "path": None} for r in moved] == [
            {**r, "path": None} for r in rows(seeded, "evidence")]
        for row in moved:
            assert Path(row["path"]).parent.parent == tmp_path / "restored" / "evidence"
            assert Path(row["path"]).is_file()
        # ... and consistent: the newest-report index points at the newest restored report
        latest = restored.execute("SELECT report_id FROM task_latest WHERE task_id = 'T01'"
                                  ).fetchone()[0]
        assert latest == max(r["id"] for r in got if r["task_id"] == "T01")
    finally:
        restored.close()
    for uid, ext, data in (("U1", "pdf", PDF), ("U2", "jpg", JPEG)):
        assert (tmp_path / "restored" / "evidence" / "T41" / f"{uid}.{ext}").read_bytes() == data


def test_restore_refuses_to_overwrite_and_refuses_a_damaged_backup(seeded, tmp_path):
    evidence_dir = tmp_path / "evidence"
    keep_evidence(seeded, evidence_dir, user_id=HEALTH_LIAISON, task_ref="T41", data=PDF,
                   file_id="F1", file_unique_id="U1", kind="document", now=at("2022-03-01"))
    env = {"DATABASE_PATH": str(tmp_path / "duban.db"), "EVIDENCE_DIR": str(evidence_dir)}
    assert cli("backup", str(tmp_path / "bk"), env=env).returncode == 0
    again = cli("backup", str(tmp_path / "bk"), env=env)  # not an empty folder
    assert again.returncode == 1 and "不是空文件夹" in again.stderr

    over = cli("restore", str(tmp_path / "bk"), env=env)  # the live data is there
    assert over.returncode == 1 and "不会覆盖" in over.stderr and "nothing is overwritten" in \
        over.stderr

    (tmp_path / "bk" / "evidence" / "T41" / "U1.pdf").write_bytes(PDF + b"tampered")
    fresh = {"DATABASE_PATH": str(tmp_path / "new" / "duban.db"),
             "EVIDENCE_DIR": str(tmp_path / "new" / "evidence")}
    damaged = cli("restore", str(tmp_path / "bk"), env=fresh)
    assert damaged.returncode == 1 and "evidence/T41/U1.pdf" in damaged.stderr
    assert not (tmp_path / "new").exists()  # nothing written

    (tmp_path / "bk" / "manifest.json").unlink()
    unfinished = cli("restore", str(tmp_path / "bk"), env=fresh)
    assert unfinished.returncode == 1 and "manifest.json" in unfinished.stderr

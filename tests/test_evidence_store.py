"""Evidence on disk: the file is durable before its row commits; empty files are refused."""

from __future__ import annotations

import os

import pytest

from bot.errors import DubanError
from bot.services import evidence
from tests.conftest import HEALTH_LIAISON, at, keep_evidence
from tests.test_bot_e2e import GROUP, PDF, Env, env  # noqa: F401 (the fixture)


def test_the_file_is_fsynced_before_its_row_is_committed(seeded, tmp_path, monkeypatch):
    events: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        # What the database holds at the moment the bytes are forced to disk.
        events.append(("fsync", seeded["evidence"].count))
        real_fsync(fd)

    monkeypatch.setattr(evidence.os, "fsync", fsync)
    stored = keep_evidence(seeded, tmp_path / "ev", user_id=HEALTH_LIAISON, task_ref="T41",
                            data=PDF, file_id="F1", file_unique_id="U1", kind="document",
                            now=at("2022-03-01"), file_name="a.pdf")
    assert stored["id"] and seeded["evidence"].count == 1
    # the file itself and its folder (for the rename), both before the row existed
    assert events == [("fsync", 0), ("fsync", 0)]
    path = tmp_path / "ev" / "T41" / "U1.pdf"
    assert path.read_bytes() == PDF and not path.with_suffix(".pdf.part").exists()


def test_an_empty_file_is_refused_and_nothing_is_kept(seeded, tmp_path):
    with pytest.raises(DubanError) as err:
        keep_evidence(seeded, tmp_path / "ev", user_id=HEALTH_LIAISON, task_ref="T41",
                       data=b"", file_id="F0", file_unique_id="U0", kind="document",
                       now=at("2022-03-01"), file_name="empty.pdf")
    assert err.value.key == "file_empty"
    assert seeded["evidence"].count == 0
    assert not (tmp_path / "ev" / "T41").exists()


async def test_an_empty_document_in_the_group_gets_a_polite_answer(env: Env):  # noqa: F811
    env.server.set_bot_admin(GROUP)  # so a captioned file reaches the bot
    await env.server.send_document(env.liaison, GROUP, b"", "空.pdf", "application/pdf",
                                   caption="#T41 名单")
    assert "空的" in await env.next_text()
    assert env.db["evidence"].count == 0

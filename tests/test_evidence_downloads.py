"""Issue 22, item 10: a download cut short is never archived as the evidence (its size must be
Telegram's file_size), and two liaisons sending the same file at once are both answered well."""

# ruff: noqa: F811  (the `env` fixture is imported from tests/test_bot_e2e.py)
from __future__ import annotations

import threading

import pytest

from bot.errors import DubanError
from bot.services import evidence
from tests.reliability import probe_evidence
from tests.test_bot_e2e import GROUP, Env, env  # noqa: F401

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 200


async def test_through_the_real_process(tmp_path):
    figures = await probe_evidence(tmp_path)
    assert figures.truncated_archived == 0 and figures.truncated_told
    assert figures.same_file_errors == 0 and figures.same_file_rows == 1
    assert sorted(a[:9] for a in figures.answers) == sorted(
        ["已保存佐证材料：T", "这份材料此前已保存"]), figures.answers
    assert figures.part_files == 0


async def test_a_download_cut_short_once_is_fetched_again(env: Env):
    env.server.set_bot_admin(GROUP)  # sees captioned files (no privacy mode)
    env.server.truncate_downloads(0.3, times=1)
    await env.server.send_document(env.liaison, GROUP, DATA, "方案.pdf", "application/pdf",
                                   caption="#T41 方案")
    answer = await env.next_text()
    assert "已保存佐证材料" in answer
    row = env.db["evidence"].get(1)
    assert row["size"] == len(DATA)
    assert env.server.downloads == 2


async def test_a_download_always_cut_short_is_refused_with_its_sizes(env: Env):
    env.server.set_bot_admin(GROUP)
    env.server.truncate_downloads(0.5, times=None)
    await env.server.send_document(env.liaison, GROUP, DATA, "方案.pdf", "application/pdf",
                                   caption="#T41 方案")
    answer = await env.next_text()
    assert "没有完整收到" in answer and str(len(DATA)) in answer
    assert env.db["evidence"].count == 0
    assert not list((env.evidence_dir).rglob("*")) or all(
        p.is_dir() for p in env.evidence_dir.rglob("*"))


def test_concurrent_archives_of_one_file_use_their_own_part_names(tmp_path, monkeypatch):
    names: list[str] = []
    barrier = threading.Barrier(4)
    real_replace = evidence.Path.replace

    def replace(self, target):  # all four hold their .part at the same moment
        names.append(self.name)
        barrier.wait(timeout=10)
        return real_replace(self, target)

    monkeypatch.setattr(evidence.Path, "replace", replace)
    done = []
    threads = [threading.Thread(target=lambda: done.append(evidence.archive(
        tmp_path, "T41", "UNIQ", DATA, "a.pdf", len(DATA)))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 4 and len(set(names)) == 4
    assert all(name.endswith(".part") for name in names)
    assert [p.name for p in (tmp_path / "T41").iterdir()] == ["UNIQ.pdf"]
    assert (tmp_path / "T41" / "UNIQ.pdf").read_bytes() == DATA


def test_a_failed_write_leaves_no_part_file(tmp_path, monkeypatch):
    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        evidence.archive(tmp_path, "T41", "UNIQ", DATA, "a.pdf")
    assert list((tmp_path / "T41").iterdir()) == []


def test_a_size_unlike_telegrams_is_refused(tmp_path):
    with pytest.raises(DubanError) as err:
        evidence.archive(tmp_path, "T41", "UNIQ", DATA[:100], "a.pdf", len(DATA))
    assert err.value.key == "file_incomplete"
    assert not (tmp_path / "T41").exists() or list((tmp_path / "T41").iterdir()) == []

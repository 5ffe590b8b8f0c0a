"""Issue 22, item 11: restore checks every manifest path and the manifest itself before it
touches anything, and points the evidence rows at the restored files."""

from __future__ import annotations

import json
import os

import pytest

from bot.store.backup import BackupError, backup, restore, safe_relative, verify
from tests.conftest import HEALTH_LIAISON, at, keep_evidence
from tests.reliability import probe_restore
from tests.test_bot_e2e import JPEG, PDF


def untouched(target) -> bool:
    return not target.exists() or not any(target.iterdir())


async def test_bad_manifests_are_refused_through_the_cli_and_paths_follow_the_files(tmp_path):
    cases = {c.name: c for c in probe_restore(tmp_path)}
    for name in ("absolute path in the manifest", "manifest not JSON"):
        case = cases[name]
        assert case.code == 1 and not case.traceback and not case.touched, case
        assert "nothing was restored" in case.said
    assert "not JSON" in cases["manifest not JSON"].said
    moved = cases["into another folder"]
    assert moved.code == 0 and moved.evidence_rows == 3
    assert moved.paths_in_new_folder == 3  # every row names its restored file


@pytest.fixture
def backed_up(seeded, tmp_path):
    evidence_dir = tmp_path / "live" / "evidence"
    for uid, data in (("U1", PDF), ("U2", JPEG)):
        keep_evidence(seeded, evidence_dir, user_id=HEALTH_LIAISON, task_ref="T41", data=data,
                      file_id=f"F{uid}", file_unique_id=uid, kind="document",
                      now=at("2022-03-01"))
    folder = tmp_path / "backup"
    backup(tmp_path / "duban.db", evidence_dir, folder, now=at("2022-03-02"))
    return folder


def edit_manifest(folder, change) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("bad", ["../outside.pdf", "/etc/passwd", "T41/../../x", "C:/x.pdf",
                                 "T41\\x.pdf", "", ".", "T41//x.pdf", "T41/./x.pdf", "x\x00y",
                                 "x\ny", 42, None])
def test_every_unplain_path_is_refused_before_anything_is_written(backed_up, tmp_path, bad):
    def change(manifest):
        manifest["evidence"][0]["path"] = bad
    edit_manifest(backed_up, change)
    target = tmp_path / "target"
    with pytest.raises(BackupError) as refused:
        restore(backed_up, target / "duban.db", target / "evidence")
    assert refused.value.key == "backup.bad_manifest"  # "…; nothing was restored: …"
    assert untouched(target)
    assert safe_relative(bad) is None


@pytest.mark.parametrize("change", [
    lambda m: m.pop("database"),
    lambda m: m["database"].update(sha256="not hex"),
    lambda m: m["database"].update(tables={"reports": "many"}),
    lambda m: m.update(evidence={"a": 1}),
    lambda m: m["evidence"].append(dict(m["evidence"][0])),  # the same path twice
    lambda m: m["evidence"][0].update(size=-1),
    lambda m: m["evidence"][0].pop("sha256"),
])
def test_a_manifest_of_the_wrong_shape_is_refused_with_a_message(backed_up, tmp_path, change):
    edit_manifest(backed_up, change)
    target = tmp_path / "target"
    with pytest.raises(BackupError):
        restore(backed_up, target / "duban.db", target / "evidence")
    assert untouched(target)


@pytest.mark.parametrize("text", ["", "[]", "{format: 1}", "\ufeff{", "null", '"x"'])
def test_text_that_is_no_json_object_is_refused(backed_up, tmp_path, text):
    (backed_up / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(BackupError):
        verify(backed_up)
    (backed_up / "manifest.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(BackupError) as refused:
        verify(backed_up)
    assert refused.value.params["reason"] == "backup.reason.not_utf8"


def test_a_link_in_the_backup_pointing_outside_is_refused(backed_up, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF)
    inside = backed_up / "evidence" / "T41" / "U1.pdf"
    inside.unlink()
    os.symlink(secret, inside)  # same bytes, same checksum, but outside the backup
    target = tmp_path / "target"
    with pytest.raises(BackupError) as refused:
        restore(backed_up, target / "duban.db", target / "evidence")
    assert refused.value.key == "backup.damaged" and "T41/U1.pdf" in refused.value.params["files"]
    assert untouched(target)


def test_a_failure_half_way_leaves_the_target_as_it_was(backed_up, tmp_path):
    edit_manifest(backed_up, lambda m: m["database"]["tables"].update(reports=999))
    target = tmp_path / "target"
    with pytest.raises(BackupError) as refused:
        restore(backed_up, target / "duban.db", target / "evidence")
    assert refused.value.key == "backup.row_counts"
    assert not (target / "duban.db").exists() and not (target / "evidence").exists()
    assert not list(target.glob("*.restoring")) if target.exists() else True


def test_rows_follow_the_files_also_from_a_manifest_without_its_folder(backed_up, tmp_path):
    edit_manifest(backed_up, lambda m: m.pop("evidence_dir"))  # a backup made before it existed
    target = tmp_path / "elsewhere"
    restore(backed_up, target / "duban.db", target / "files")
    import sqlite3

    conn = sqlite3.connect(target / "duban.db")
    paths = [row[0] for row in conn.execute("SELECT path FROM evidence ORDER BY id")]
    conn.close()
    assert paths == [str(target / "files" / "T41" / "U1.pdf"),
                     str(target / "files" / "T41" / "U2.jpg")]
    assert all(os.path.isfile(p) for p in paths)

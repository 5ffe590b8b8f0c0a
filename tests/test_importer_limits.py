"""import-plan refuses what cannot be a plan before reading it (issue 22, item 9): a file over the
stated size, a .docx whose parts would unpack past the limit (a "zip bomb"), too many parts, too
many characters; each with a message that says the size and the limit, and nothing written.
Seconds and memory are measured in bench/importer_limits.py, not here."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from bot.importer import reading
from bot.importer.reading import DocumentError, read_document
from tests.conftest import ROOT


def _bomb(path, xml_bytes: int, parts: int = 0):
    import docx

    base = path.with_suffix(".base.docx")
    document = docx.Document()
    document.add_paragraph("一、任务")
    document.save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info.filename))
        with out.open("word/document.xml", "w") as handle:
            handle.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                         b'wordprocessingml/2006/main"><w:body>')
            block = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 1000
            for _ in range(xml_bytes // len(block) + 1):
                handle.write(block)
            handle.write(b"</w:body></w:document>")
        for i in range(parts):
            out.writestr(f"extra/part{i}.xml", b"<a/>")
    return path


def test_a_text_over_the_size_limit_is_refused_from_its_size(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(reading.MAX_TEXT_BYTES + 1)  # never read: refused from its size
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert raised.value.message.key == "error.too_large"
    text = raised.value.message.text("zh")
    assert "1.0 MB" in text and "big.txt" in text


def test_a_docx_that_unpacks_past_the_limit_is_refused_before_unpacking(tmp_path):
    path = _bomb(tmp_path / "bomb.docx", reading.MAX_DOCX_XML + 1024)
    assert path.stat().st_size < 1024 * 1024  # small on disk
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert raised.value.message.key == "error.docx_too_large"
    assert "16.0 MB" in raised.value.message.text("zh")


def test_a_docx_of_too_many_parts_and_a_docx_that_is_not_one(tmp_path):
    with pytest.raises(DocumentError) as raised:
        read_document(_bomb(tmp_path / "parts.docx", 10, parts=reading.MAX_DOCX_PARTS))
    assert raised.value.message.key == "error.docx_parts"
    fake = tmp_path / "fake.docx"
    fake.write_text("这不是Word文件", encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        read_document(fake)
    assert raised.value.message.key == "error.docx_open"


def test_too_many_characters_is_refused_for_text_and_docx(tmp_path, monkeypatch):
    path = tmp_path / "long.txt"
    path.write_text("各地要建立台账。" * (reading.MAX_CHARS // 8 + 1), encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert raised.value.message.key == "error.too_many_chars"
    monkeypatch.setattr(reading, "MAX_CHARS", 50)
    with pytest.raises(DocumentError):
        read_document(_bomb(tmp_path / "long.docx", 4000))


def test_the_command_says_why_and_writes_nothing(tmp_path):
    path = _bomb(tmp_path / "bomb.docx", reading.MAX_DOCX_XML + 1024)
    out = tmp_path / "draft.yaml"
    done = subprocess.run([sys.executable, "-m", "bot", "import-plan", str(path), "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1 and "未生成草稿" in done.stderr and "解压后" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    english = subprocess.run([sys.executable, "-m", "bot", "--lang", "en", "import-plan", str(path),
                              "--out", str(out)], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert "unpacks to" in english.stderr and not out.exists()

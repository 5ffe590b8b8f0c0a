"""What /export and /score take from the chat, and the files' names, without Telegram."""

from __future__ import annotations

import pytest

from bot.errors import DubanError
from bot.outputs.exports.files import ExportRequest, build_export, file_name, parse_export_args
from bot.outputs.scoreboard import score_message
from tests.conftest import at

AT = at("2023-05-15 09:00")


@pytest.mark.parametrize(("text", "request_"), [
    ("", ExportRequest("ledger")),
    ("台账", ExportRequest("ledger")),
    ("Ledger", ExportRequest("ledger")),
    ("台账 PDF", ExportRequest("ledger", pdf=True)),
    ("通报", ExportRequest("bulletin", "week")),
    ("通报 月", ExportRequest("bulletin", "month")),
    ("bulletin month PDF", ExportRequest("bulletin", "month", True)),
    ("通报 pdf 周", ExportRequest("bulletin", "week", True)),
])
def test_export_words(text, request_):
    assert parse_export_args(text.split()) == request_


@pytest.mark.parametrize("text", ["年报", "台账 月", "通报 年", "通报 月 周", "通报 pdf pdf",
                                  "ledger bulletin", "台账 pdf pdf", "pdf"])
def test_bad_export_words_get_the_usage(text):
    with pytest.raises(DubanError) as caught:
        parse_export_args(text.split())
    assert caught.value.key == "export_usage"


def test_file_names_follow_the_reader():
    assert file_name("ledger", AT, "zh", "xlsx") == "督办台账-2023-05-15.xlsx"
    assert file_name("bulletin", AT, "en", "docx") == "bulletin-2023-05-15.docx"


def test_the_export_uses_a_connection_of_its_own(seeded, monkeypatch):
    import bot.outputs.exports.files as files

    opened = []
    real = files.dbmod.connect

    def connect(path):
        opened.append(str(path))
        return real(path)

    monkeypatch.setattr(files.dbmod, "connect", connect)
    (ledger,) = build_export(seeded, ExportRequest("ledger"), AT, "zh")
    assert ledger.name == "督办台账-2023-05-15.xlsx" and ledger.data[:2] == b"PK"
    # the worker's own connection, to the bot's file
    assert opened == [seeded.execute("PRAGMA database_list").fetchone()[2]]


def test_score_message_refuses_a_future_year_and_scores_a_past_one_at_its_end(seeded):
    with pytest.raises(DubanError) as caught:
        score_message(seeded, AT, "zh", 2024)
    assert caught.value.key == "score_future_year"
    assert "（截至 2022-12-31）" in score_message(seeded, AT, "zh", 2022)
    text = score_message(seeded, AT, "en", None)
    assert "<pre>" in text and "as of 2023-05-15" in text.replace("(", " ")


def test_the_bulletin_with_its_pdf(seeded, soffice):
    docx, pdf = build_export(seeded, ExportRequest("bulletin", "month", pdf=True), AT, "en")
    assert (docx.name, pdf.name) == ("bulletin-2023-05-15.docx", "bulletin-2023-05-15.pdf")
    assert docx.data[:2] == b"PK" and pdf.data.startswith(b"%PDF")
    assert pdf.caption == docx.caption == "Bulletin (this month, as of 2023-05-15)"


def test_the_ledger_with_its_pdf(seeded, soffice):
    xlsx, pdf = build_export(seeded, ExportRequest("ledger", pdf=True), AT, "zh")
    assert (xlsx.name, pdf.name) == ("督办台账-2023-05-15.xlsx", "督办台账-2023-05-15.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.caption == xlsx.caption

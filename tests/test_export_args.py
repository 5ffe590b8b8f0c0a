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
    ("通报 上周", ExportRequest("bulletin", "week")),
    ("通报 本周", ExportRequest("bulletin", "week", so_far=True)),
    ("通报 本月 PDF", ExportRequest("bulletin", "month", True, True)),
    ("bulletin this week", ExportRequest("bulletin", "week", so_far=True)),
    ("bulletin pdf this month", ExportRequest("bulletin", "month", True, True)),
])
def test_export_words(text, request_):
    assert parse_export_args(text.split()) == request_


@pytest.mark.parametrize("text", ["年报", "台账 月", "通报 年", "通报 月 周", "通报 pdf pdf",
                                  "ledger bulletin", "台账 pdf pdf", "pdf",
                                  "bulletin this", "bulletin this this week", "通报 本周 月",
                                  "bulletin week this"])
def test_bad_export_words_get_the_usage(text):
    with pytest.raises(DubanError) as caught:
        parse_export_args(text.split())
    assert caught.value.key == "export_usage"


def test_file_names_follow_the_reader():
    assert file_name("ledger", AT, "zh", "xlsx") == "督办台账-2023-05-15.xlsx"
    assert file_name("bulletin", AT, "en", "docx") == "bulletin-2023-05-15.docx"
    assert file_name("bulletin", "2023-W19", "zh", "pdf") == "情况通报-2023-W19.pdf"


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
    # on 05-15 the last whole month is April: named by it, its 期号 and its days
    docx, pdf = build_export(seeded, ExportRequest("bulletin", "month", pdf=True), AT, "en")
    assert (docx.name, pdf.name) == ("bulletin-2023-04.docx", "bulletin-2023-04.pdf")
    assert docx.data[:2] == b"PK" and pdf.data.startswith(b"%PDF")
    assert pdf.caption == docx.caption == (
        "Bulletin No. 1 (the month 1 April 2023 to 30 April 2023)")


def test_the_ledger_with_its_pdf(seeded, soffice):
    xlsx, pdf = build_export(seeded, ExportRequest("ledger", pdf=True), AT, "zh")
    assert (xlsx.name, pdf.name) == ("督办台账-2023-05-15.xlsx", "督办台账-2023-05-15.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.caption == xlsx.caption


def test_the_bulletin_of_the_week_so_far_is_that_weeks_issue(seeded):
    (whole,) = build_export(seeded, ExportRequest("bulletin"), AT, "zh")  # Monday: 05-08–05-14
    (so_far,) = build_export(seeded, ExportRequest("bulletin", so_far=True),
                             at("2023-05-17 10:00"), "zh")
    (later,) = build_export(seeded, ExportRequest("bulletin"), at("2023-05-22 09:00"), "zh")
    assert whole.name == "情况通报-2023-W19.docx"
    assert whole.caption.startswith("情况通报 第1期（周报：")
    assert so_far.name == later.name == "情况通报-2023-W20.docx"
    assert "第2期（本周：" in so_far.caption and "周未结束" in so_far.caption
    assert later.caption.startswith("情况通报 第2期（周报：")


# QA-3 #4: 期号 follow the order bulletins are first issued; a period issued after a later one
# is told so, plainly, under the file (zh and en), each time it is sent.
@pytest.mark.parametrize(("issues", "notes"), [
    # (period, so far?, made at) in the order made -> the note under each file (None: in order)
    ([("week", True, "2023-05-17"), ("week", False, "2023-05-17"),
      ("week", False, "2023-05-19"), ("week", False, "2023-05-22")],
     [None, ("注意：本期（2023年第19周）晚于第1期（第20周）印发，期号按印发先后编排。",
             "Note: this issue (week 19 of 2023) is issued after No. 1 (week 20), a later "
             "period; issue numbers follow the order in which bulletins are issued."),
      "same", None]),
    ([("month", True, "2023-05-20"), ("month", False, "2023-05-20"),
      ("month", False, "2023-06-01")],
     [None, ("注意：本期（2023年4月）晚于第1期（5月）印发，期号按印发先后编排。",
             "Note: this issue (April 2023) is issued after No. 1 (May), a later period; "
             "issue numbers follow the order in which bulletins are issued."), None]),
    ([("week", True, "2023-01-04"), ("week", False, "2023-01-04")],  # across the new year
     [None, ("注意：本期（2022年第52周）晚于第1期（2023年第1周）印发，期号按印发先后编排。",
             "Note: this issue (week 52 of 2022) is issued after No. 1 (week 1 of 2023), a "
             "later period; issue numbers follow the order in which bulletins are issued.")]),
    ([("week", False, "2023-05-15"), ("week", True, "2023-05-17"),
      ("week", False, "2023-05-22")], [None, None, None]),  # in date order: nothing said
])
def test_a_period_issued_after_a_later_one_says_so(seeded, issues, notes):
    previous = None
    for (period, so_far, day), note in zip(issues, notes, strict=True):
        note = previous if note == "same" else note
        for i, lang in enumerate(("zh", "en")):
            (sent,) = build_export(seeded, ExportRequest("bulletin", period, so_far=so_far),
                                   at(f"{day} 10:00"), lang)
            head, *rest = sent.caption.split("\n")
            assert rest == ([note[i]] if note else [])
            assert head.startswith(("情况通报 第", "Bulletin No. "))
        previous = note

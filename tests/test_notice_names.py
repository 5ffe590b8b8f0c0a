"""QA-3 #8: a 督办单 is named the same way in every list of notices: as it was sent (every task
it named), each task that has since been closed, suspended or signed for marked so. The /status
queue, the coordinator's late list, /score, the ledger's 考评明细 and the bulletin's 七（二）
all name it through one function (bot.outputs.render.paper.notice_tasks)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from bot.domain.lifecycle import Event
from bot.outputs.exports.bulletin import build_bulletin
from bot.outputs.exports.ledger import build_ledger
from bot.outputs.render import plain_text
from bot.outputs.render.chat import late_acks_html, queues_html
from bot.outputs.scoreboard import score_message
from bot.services import notices
from bot.services.commands import act, close_task, record_report
from bot.services.directory import coordinators, dept_names, find_task
from bot.services.facts import facts_now
from tests.conftest import COORDINATOR, EDU_LIAISON, at

COLOURS = ("blue", "yellow", "red")
NOW = at("2022-04-20")  # the bulletin then covers 04-11..04-17, after what became of T02


def _close(db) -> None:
    record_report(db, user_id=EDU_LIAISON, task_ref="T02", percent=100, now=at("2022-04-05"))
    close_task(db, user_id=COORDINATOR, task_ref="T02", now=at("2022-04-06"))


def _suspend(db) -> None:
    act(db, event=Event.SUSPEND, user_id=COORDINATOR, task_ref="T02", reason="政策调整",
        now=at("2022-04-06"))


def _signed_by_a_later_notice(db) -> None:
    later = notices.chase(db, user_id=COORDINATOR, tasks=[find_task(db, "T02")],
                          now=at("2022-04-06"), colours=COLOURS)
    notices.acknowledge(db, notice_id=later.id, user_id=EDU_LIAISON, now=at("2022-04-06 11:00"))


def _names(db, lang: str) -> dict[str, str]:
    """Every output that lists the notice: where it is, and the text it stands in."""
    queue = queues_html(facts_now(db, NOW).queues, dept_names(db), lang, NOW.tzinfo)
    late = notices.late(db, NOW, 2)
    late_list = late_acks_html(late, dept_names(db), coordinators(db), 2, lang)
    score = plain_text(score_message(db, NOW, lang, dept="EDU"))
    book = openpyxl.load_workbook(io.BytesIO(build_ledger(db, NOW, lang)))
    details = book.worksheets[4]  # 考评明细
    cells = [str(c) for row in details.iter_rows(values_only=True) for c in row if c]
    doc = Document(io.BytesIO(build_bulletin(db, NOW, "week", lang, charts=False)))
    unsigned = next(t for t in doc.tables if len(t.rows[0].cells) == 5
                    and t.rows[0].cells[0].text in ("类型", "Notice"))
    tasks_cells = [r.cells[2].text for r in unsigned.rows[1:]]
    return {"status": queue, "late": late_list, "score": score, "ledger": "\n".join(cells),
            "bulletin": "\n".join(tasks_cells)}


@pytest.mark.parametrize(("since", "zh", "en"), [
    (_close, "T01、T02（已销号）", "T01, T02 (closed)"),
    (_suspend, "T01、T02（已中止）", "T01, T02 (suspended)"),
    (_signed_by_a_later_notice, "T01、T02（已签收）", "T01, T02 (acknowledged)"),
])
def test_a_notice_is_named_as_it_was_sent_with_what_became_of_its_tasks(seeded, since, zh, en):
    notices.chase(seeded, user_id=COORDINATOR, tasks=[find_task(seeded, "T01"),
                                                      find_task(seeded, "T02")],
                  now=at("2022-04-01"), colours=COLOURS)
    since(seeded)
    for lang, name in (("zh", zh), ("en", en)):
        found = _names(seeded, lang)
        missing = {where: text for where, text in found.items() if name not in text}
        assert missing == {}, (lang, name)


def test_a_notice_nothing_became_of_is_named_plainly(seeded):
    notices.chase(seeded, user_id=COORDINATOR, tasks=[find_task(seeded, "T01"),
                                                      find_task(seeded, "T02")],
                  now=at("2022-04-01"), colours=COLOURS)
    for lang, name in (("zh", "T01、T02"), ("en", "T01, T02")):
        found = _names(seeded, lang)
        assert all(name in text for text in found.values()), found
        assert not any("（已" in text or "(closed)" in text for text in found.values())

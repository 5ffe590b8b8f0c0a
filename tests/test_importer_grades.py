"""import-plan graded against hand lists of the duties a 督查 office would track, on real documents:
State Council texts and city/district/county task-breakdown lists and tables as published
(tests/data/plans, hand lists and their conventions in tests/data/plans/hand/). The thresholds
are the issue's: every document drafted, >=95% of duties found, >=90% of found duties with the
right lead, no invented owner, >=90% of written deadlines right, <=1.3 tasks per duty.
bench/importer_grade.py prints the same figures per document.
"""

from __future__ import annotations

import pytest

from bot.importer.directory import Directory
from bot.importer.extract import extract
from bot.importer.grading import Grade, grade, load_hand
from bot.importer.reading import read_document
from bot.importer.writer import render
from bot.services.plan import parse_plan
from tests.plan_docs import DATA, document_path

HANDS = sorted((DATA / "hand").glob("*.yaml"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, tuple[Grade, object]]:
    folder = tmp_path_factory.mktemp("docx")
    directory = Directory.load()
    out = {}
    for path in HANDS:
        hand = load_hand(path)
        text = read_document(document_path(hand.document, folder))
        draft = extract(text, issued=hand.issued, directory=directory)
        out[hand.document] = (grade(draft, hand, text, directory), draft)
    return out


def test_there_are_hand_lists_of_each_kind():
    names = {p.stem for p in HANDS}
    assert len(names) >= 10
    assert any("state-council" in n for n in names) and any("table" in n for n in names)
    assert any("label-lines" in n for n in names)


@pytest.mark.parametrize("path", HANDS, ids=lambda p: p.stem)
def test_every_document_gives_a_draft_that_loads(path, graded):
    g, draft = graded[load_hand(path).document]
    assert draft.tasks
    parse_plan(render(draft, path.name))  # raises if `seed` would refuse it
    assert g.invented == 0, g.wrong


def test_the_totals_meet_the_targets(graded):
    total = Grade("all")
    for g, _ in graded.values():
        total.add(g)
    missed = [m for g, _ in graded.values() for m in g.missed]
    wrong = [w for g, _ in graded.values() for w in g.wrong]
    print(f"found {total.found}/{total.duties}, leads {total.lead_right}/{total.found}, "
          f"deadlines {total.dated_right}/{total.dated}, tasks {total.tasks}")
    assert total.found >= 0.95 * total.duties, missed
    assert total.lead_right >= 0.90 * total.found, wrong
    assert total.invented == 0
    assert total.dated_right >= 0.90 * total.dated
    assert total.targets_right >= 0.90 * total.targets
    assert total.tasks <= 1.3 * total.duties


@pytest.mark.parametrize("path", [p for p in HANDS if "label-lines" in p.stem or "table" in p.stem
                                  or "responsible" in p.stem or "sub-items" in p.stem],
                         ids=lambda p: p.stem)
def test_local_lists_and_tables_have_every_lead_right(path, graded):
    g, draft = graded[load_hand(path).document]
    assert (g.found, g.lead_right) == (g.duties, g.duties), (g.missed, g.wrong)
    assert g.tasks <= 1.5 * g.duties

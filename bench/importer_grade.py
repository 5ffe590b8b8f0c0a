"""Grade import-plan on the documents of tests/data/plans against the hand lists of the duties a
督查 office would track (tests/data/plans/hand/, conventions in its README).

Run from the repo root:

    python bench/importer_grade.py            # every document, then totals
    python bench/importer_grade.py --misses   # also each missed duty and each wrong lead

Per document: tasks drafted, tasks with a lead, 待定 (no lead), dated tasks, targets, tasks marked
for review, seconds to read and extract; where a hand list exists: duties, found, leads right,
invented owners, deadlines right, targets right. Totals for all graded documents and for the
held-out ones (hand lists written before the importer was first run on those documents; the
rules were then corrected for general forms some of them showed, so later runs on them are no
longer blind).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.importer.directory import Directory  # noqa: E402
from bot.importer.extract import extract  # noqa: E402
from bot.importer.grading import Grade, from_plan_file, grade, load_hand  # noqa: E402
from bot.importer.reading import read_document  # noqa: E402
from bot.importer.report import figures  # noqa: E402
from tests.plan_docs import BUILDERS, DATA, document_path  # noqa: E402

EXTRA = [ROOT / "docs" / "quanzhou-school-mental-health-plan-2022.txt"]


def documents(folder: Path) -> list[Path]:
    paths = sorted(DATA.glob("*.txt")) + [document_path(n, folder) for n in BUILDERS] + EXTRA
    return [p for p in paths if p.exists()]


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "—"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list missed duties and wrong leads")
    args = parser.parse_args()
    directory = Directory.load()
    hands = {h.document: (h, p) for p in sorted((DATA / "hand").glob("*.yaml"))
             for h in [load_hand(p)]}
    # The project's own hand-written plan file for the Quanzhou plan: graded and shown, but not
    # in the totals (its leads are one reader's mapping: 各地各校 and 高校 written as 教育局).
    seed = from_plan_file(ROOT / "tasks_seed.yaml", EXTRA[0].name)
    total, held = Grade("all"), Grade("held-out")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in documents(Path(tmp)):
            hand = hands.get(path.name, (None, None))[0] or (
                seed if path.name == seed.document else None)
            started = time.perf_counter()
            text = read_document(path)
            draft = extract(text, directory=directory, issued=hand.issued if hand else None)
            seconds = time.perf_counter() - started
            f = figures(draft)
            g = grade(draft, hand, text, directory) if hand else None
            rows.append((path.name, f, seconds, g, hand))
            if g and hand is not seed:
                total.add(g)
                if hand.held_out:
                    held.add(g)
    head = (f"{'document':48} {'tasks':>5} {'lead':>5} {'待定':>4} {'dated':>5} {'tgt':>4} "
            f"{'review':>6} {'sec':>5} | {'duties':>6} {'found':>5} {'lead✓':>5} {'inv':>3} "
            f"{'due✓':>6} {'tgt✓':>6}")
    print(head)
    print("-" * len(head))
    for name, f, seconds, g, hand in rows:
        mark = "*" if hand and hand.held_out else " "
        line = (f"{(name + mark)[:48]:48} {f.tasks:5} {f.with_lead:5} {f.unassigned:4} {f.dated:5} "
                f"{f.targets:4} {f.review:6} {seconds:5.2f} |")
        if g:
            line += (f" {g.duties:6} {g.found:5} {g.lead_right:5} {g.invented:3} "
                     f"{g.dated_right:>2}/{g.dated:<3} {g.targets_right:>2}/{g.targets:<3}")
        print(line)
        if args.misses and g:
            for quote in g.missed:
                print(f"      missed: {quote}")
            for wrong in g.wrong:
                print(f"      lead:   {wrong}")
            for wrong in g.wrong_dates:
                print(f"      date:   {wrong}")
    print("-" * len(head))
    print("* held out: its hand list was written before the importer was first run on it")
    for g in (total, held):
        print(f"{g.document:9}: duties {g.duties} · found {g.found} ({_pct(g.found, g.duties)}) · "
              f"leads right {g.lead_right}/{g.found} ({_pct(g.lead_right, g.found)}) · "
              f"invented owners {g.invented} · deadlines right {g.dated_right}/{g.dated} "
              f"({_pct(g.dated_right, g.dated)}) · targets right {g.targets_right}/{g.targets} · "
              f"tasks {g.tasks} ({g.tasks / g.duties if g.duties else 0:.2f} per duty)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The liaisons a past day's paperwork names are those of that day (QA 3, finding 3).

Membership is replayed from the audit log (bot.store.members.liaisons_as_of): a join waits for
the coordinator's approval, a /leave or a removal ends it, a re-join starts it again, a role
change or a move to another department moves it. The ledger's 责任人 (任务台账 and 部门汇总),
the bulletin's 零报送 联络员 and the digest's unstaffed departments for day D follow what was
recorded by the end of D; a later leave or join never rewrites them. Names are the person's
name now (Telegram's newest), not the one they had then.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from bot.outputs.digest import digest_data, facts_for
from bot.outputs.exports.bulletin import build_bulletin
from bot.outputs.exports.ledger import build_ledger
from bot.services.commands import record_report
from bot.services.directory import add_member, decide_join, remove_member, request_join
from bot.services.facts import facts_now
from bot.services.plan import load_plan
from bot.store import connection as dbmod
from bot.store import members as member_store
from bot.store.connection import utc_iso
from tests.conftest import COORDINATOR, EDU_LIAISON, HEALTH_LIAISON, at
from tests.test_exports import record  # noqa: F401  (the fixture)

WANG, PASSER_BY = 2001, 3001
NONE = "未确定联络员"  # the ledger's word for a department with no liaison


def _history(db) -> None:
    """Join, leave, re-join, a role change, a refusal, a move and a removal, each on its day."""
    request_join(db, user_id=WANG, dept_text="教育局", name="王二", now=at("2022-03-01 10:00"))
    decide_join(db, user_id=WANG, approve=True, now=at("2022-03-02 10:00"), actor=COORDINATOR)
    remove_member(db, user_id=WANG, now=at("2022-03-10 10:00"), actor=WANG)  # /leave
    request_join(db, user_id=WANG, dept_text="教育局", now=at("2022-03-20 10:00"))
    decide_join(db, user_id=WANG, approve=True, now=at("2022-03-21 10:00"), actor=COORDINATOR)
    add_member(db, user_id=HEALTH_LIAISON, dept="卫健委", role="coordinator",
               now=at("2022-04-01 10:00"), actor="cli")  # a role change
    request_join(db, user_id=PASSER_BY, dept_text="编办", name="路人",
                 now=at("2022-04-10 10:00"))
    decide_join(db, user_id=PASSER_BY, approve=False, reason="不是编办工作人员",
                now=at("2022-04-10 11:00"), actor=COORDINATOR)
    add_member(db, user_id=WANG, dept="卫健委", role="liaison", now=at("2022-04-15 10:00"),
               actor="cli")  # moved to another department
    remove_member(db, user_id=EDU_LIAISON, now=at("2022-05-01 10:00"), actor="cli")
    # Telegram gives a new name later: the paper names the person as they are named now
    member_store.remember_name(db, WANG, "王小二", None)


# day (as of its end) -> 责任人 of 教育局, 卫健委, 编办
TABLE = [
    ("2022-02-28", "李联络", "张卫健", NONE),
    ("2022-03-01", "李联络", "张卫健", NONE),  # 王二 applied: not yet a liaison
    ("2022-03-05", "李联络、王小二", "张卫健", NONE),  # approved
    ("2022-03-15", "李联络", "张卫健", NONE),  # left
    ("2022-03-20", "李联络", "张卫健", NONE),  # applied again
    ("2022-03-25", "李联络、王小二", "张卫健", NONE),  # approved again
    ("2022-04-05", "李联络、王小二", NONE, NONE),  # 张卫健 became a coordinator
    ("2022-04-12", "李联络、王小二", NONE, NONE),  # 路人 refused
    ("2022-04-20", "李联络", "王小二", NONE),  # moved to 卫健委
    ("2022-05-05", NONE, "王小二", NONE),  # 李联络 removed
]
DEPTS = {"EDU": "教育局", "HEALTH": "卫健委", "STAFF": "编办"}


@pytest.fixture(scope="module")
def history(plan, tmp_path_factory):
    """The seeded plan (tests.conftest.seeded) with `_history`, once for the table."""
    db = dbmod.connect(tmp_path_factory.mktemp("asof") / "duban.db")
    load_plan(db, plan, now=at("2022-01-05"))
    for user_id, dept, role, name in ((COORDINATOR, "EDU", "coordinator", "王统筹"),
                                      (EDU_LIAISON, "EDU", "liaison", "李联络"),
                                      (HEALTH_LIAISON, "卫健委", "liaison", "张卫健")):
        add_member(db, user_id=user_id, dept=dept, role=role, now=at("2022-01-05"),
                   actor="test", name=name)
    _history(db)
    yield db
    db.close()


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(min_row=3, values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


@pytest.mark.parametrize(("day", "edu", "health", "staff"), TABLE)
def test_each_days_paperwork_names_that_days_liaisons(history, day, edu, health, staff):
    end = at(f"{day} 23:59")
    expected = dict(zip(DEPTS.values(), (edu, health, staff), strict=True))
    book = openpyxl.load_workbook(io.BytesIO(build_ledger(history, end, historical=True,
                                                          records=False)))
    tasks = _rows(book["任务台账"])
    for name, liaisons in expected.items():
        assert {r["责任人"] for r in tasks if r["牵头单位"] == name} == {liaisons}, name
    depts = {r["部门"]: r["责任人"] for r in _rows(book["部门汇总"]) if r["部门"] in expected}
    assert depts == expected
    # Nothing reported yet: every department is 零报送, each named with that day's liaisons
    doc = Document(io.BytesIO(build_bulletin(history, end, "week", historical=True,
                                             so_far=True, charts=False)))
    silent = next(t for t in doc.tables if t.rows[0].cells[1].text == "联络员")
    cells = {r.cells[0].text: r.cells[1].text for r in silent.rows[1:]}
    assert {n: cells[n] for n in expected} == {
        n: "未确定" if x == NONE else x for n, x in expected.items()}
    # the digest of that day lists the departments without a liaison then
    unstaffed = {d["code"] for d in digest_data(history, end).facts.queues.unstaffed}
    assert {c for c in DEPTS if c in unstaffed} == {
        c for c, x in zip(DEPTS, (edu, health, staff), strict=True) if x == NONE}


def test_the_replay_and_the_members_table_agree_now(history):
    """Today's outputs read the members table: the replay up to now is the same."""
    now = at("2022-06-01 10:00")
    assert set(member_store.liaisons_as_of(history, utc_iso(now)).items()) == {
        (r["user_id"], r["dept"]) for r in history.query(
            "SELECT user_id, dept FROM members WHERE role = 'liaison' AND status = 'active'")}
    assert member_store.staffed_as_of(history, utc_iso(now)) == \
        member_store.staffed_departments(history)
    assert facts_for(history, now) is facts_now(history, now)  # /status's facts, unchanged


def test_a_past_day_exports_the_same_after_a_leave_and_a_join(record):  # noqa: F811
    """The QA case: the ledger and the bulletin for day D, made again after a liaison left and
    another joined (and a report came in), are the same file, byte for byte (the ledger) and
    word for word (the bulletin)."""
    add_member(record, user_id=WANG, dept="编办", role="liaison", now=at("2023-05-01"),
               actor="cli", name="王编办")  # 编办 reports nothing: on the 零报送 list
    day = at("2023-05-14 23:59")  # the end of W19
    monday = at("2023-05-15 09:00")  # its bulletin

    def bulletin() -> list[str]:
        doc = Document(io.BytesIO(build_bulletin(record, monday, "week", charts=False)))
        return ([p.text for p in doc.paragraphs]
                + [c.text for t in doc.tables for r in t.rows for c in r.cells])

    ledger, text = build_ledger(record, day, historical=True), bulletin()
    assert "王编办" in text and "李联络" in _cells(ledger)
    remove_member(record, user_id=EDU_LIAISON, now=at("2023-05-15 10:00"), actor=EDU_LIAISON)
    remove_member(record, user_id=WANG, now=at("2023-05-15 10:05"), actor="cli")
    request_join(record, user_id=PASSER_BY, dept_text="网信办", name="赵网信",
                 now=at("2023-05-15 11:00"))
    decide_join(record, user_id=PASSER_BY, approve=True, now=at("2023-05-15 11:30"),
                actor=COORDINATOR)
    record_report(record, user_id=HEALTH_LIAISON, task_ref="T41", percent=60,
                  now=at("2023-05-16 10:00"))
    assert build_ledger(record, day, historical=True) == ledger
    assert bulletin() == text
    # today's files name today's liaisons
    now = _rows(openpyxl.load_workbook(io.BytesIO(build_ledger(
        record, at("2023-05-16 12:00"), records=False)))["部门汇总"])
    named = {r["部门"]: r["责任人"] for r in now}
    assert (named["教育局"], named["编办"], named["网信办"]) == (NONE, NONE, "赵网信")


def _cells(data: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {str(c) for ws in book.worksheets[:2] for row in ws.iter_rows(values_only=True)
            for c in row if c}

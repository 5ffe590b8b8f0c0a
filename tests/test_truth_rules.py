"""The rules of one truth (issue 18), one table each, on the real plan in a real SQLite file:

  * tracking start: nothing before it counts: no occurrence, overdue day, silent month, score
    item or digest week (and no "change on the last period" the bulletin cannot know);
  * occurrences and late reports: a claim stays on its occurrence; a late report goes to the
    oldest open occurrence, or the core asks which when two are open; an occurrence is extended
    on its own;
  * rounding: half up in every output; a percent from values is rounded, capped at 100, and 99
    until the target is reached;
  * targets and counties: a bare figure on a split target is refused with a hint; the city
    figure is the units' sum; a bare number on a counted target asks count or percent;
  * score items: every point and deduction is an item naming its task, occurrence and day, and
    the lines are the sums of their items.

The property test (tests/test_one_truth_machine.py) checks that every output shows the same
figures; these tables check that the figures follow the rules.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.domain.lifecycle import Event, State
from bot.domain.marks import expected_progress
from bot.domain.numbers import percent_of_value, round_half_up, round_half_up_to, shown_percent
from bot.errors import DubanError
from bot.language.i18n import t
from bot.language.parse import parse_report_args
from bot.outputs import charts
from bot.outputs.digest import chart_data, digest_data
from bot.outputs.exports.bulletin import build_bulletin
from bot.outputs.exports.ledger import build_ledger
from bot.outputs.render import pct
from bot.outputs.render.chat import department_html, status_html, task_html
from bot.outputs.render.digest import digest_text
from bot.outputs.render.plain import department_plain, plan_plain
from bot.outputs.scoring import Rules, score_table
from bot.services.commands import (
    act,
    close_task,
    decide_extension,
    record_report,
    request_extension,
    task_version,
)
from bot.services.directory import add_member, find_task, member_names
from bot.services.facts import facts_now, set_track_from
from bot.services.plan import load_plan
from bot.services.reminders import NudgePolicy, scan
from bot.store.meta import meta
from tests import truth_readers as read
from tests.conftest import COORDINATOR, EDU_LIAISON, TZ, at, task_view

WIDE = Rules(overdue_cap_per_item=-1000)  # no cap: overdue days show as they are


@pytest.fixture
def loaded(db, plan):
    """The plan loaded on a given day (TRACK_FROM as given), with the coordinator and the
    education bureau's liaison."""

    def load(day: str, track_from: str | None = None):
        now = at(day)
        load_plan(db, plan, now=now)
        set_track_from(db, date.fromisoformat(track_from) if track_from else None)
        add_member(db, user_id=COORDINATOR, dept="EDU", role="coordinator", now=now,
                   actor="test", name="王统筹")
        add_member(db, user_id=EDU_LIAISON, dept="EDU", role="liaison", now=now, actor="test",
                   name="李联络")
        return db

    return load


# ---------------------------------------------------------------- tracking start


@pytest.mark.parametrize(("loaded_on", "track_from", "day", "task", "earlier", "current"), [
    # loaded at the plan's issue: every occurrence since counts
    ("2022-01-05", None, "2022-05-05", "T16", ["2022-01-15", "2022-04-30"], "2022-06-30"),
    # loaded mid-year: the January and April occurrences fell due before tracking, never exist
    ("2022-06-20", None, "2022-07-05", "T16", ["2022-06-30"], "2022-09-30"),
    # TRACK_FROM after the load: it, not the load, is the first day
    ("2022-01-05", "2022-05-01", "2022-07-05", "T16", ["2022-06-30"], "2022-09-30"),
    # a semester duty loaded after its January due date: only the next one exists
    ("2023-02-20", None, "2023-02-25", "T12", [], "2023-07-15"),
])
def test_no_occurrence_before_tracking_began(loaded, loaded_on, track_from, day, task, earlier,
                                             current):
    db = loaded(loaded_on, track_from)
    view = task_view(db, task, at(day))
    assert [o.period for o in view.earlier] == earlier
    assert view.current.period == current
    missed = [n.due.isoformat() for n in scan(db, at(day), NudgePolicy(workdays_only=False))
              if n.task_id == task and n.kind == "missed"]
    assert missed == earlier  # nobody is nudged about an occurrence that does not exist


@pytest.mark.parametrize(("loaded_on", "day", "days", "noted"), [
    ("2022-01-05", "2022-07-05", 5, False),  # due 06-30 while tracked: days since the due date
    ("2023-02-20", "2023-02-20", 1, True),  # due 2022-06-30, before tracking: from its first day
    ("2023-02-20", "2023-03-01", 10, True),
])
def test_overdue_days_count_from_tracking_start(loaded, loaded_on, day, days, noted):
    db = loaded(loaded_on)
    facts = facts_now(db, at(day))
    view = facts.task("T01")
    assert view.status.overdue and view.headline.days_overdue == days
    assert view.headline.tracked is not noted
    text = plan_plain(meta(db), facts, "zh")
    line = next(x for x in text.splitlines() if x.startswith("  T01"))
    assert read.overdue_days(line) == days
    assert (t("due_before_tracking", "zh", html=False) in line) is noted
    score = next(s for s in score_table(db, at(day).year, at(day), WIDE) if s.code == "EDU")
    items = [i for i in score.items if i.rule == "overdue_day" and i.task_id == "T01"]
    # the score never charges a day the facts do not count (a task due before tracking began
    # is not scored at all: scoring.py's rule, see the report)
    assert all(i.count <= days for i in items)
    assert [i.count for i in items] == ([] if noted else [days])


@pytest.mark.parametrize(("loaded_on", "track_from", "silent"), [
    ("2022-01-05", None, ["02", "03", "04", "05", "06", "07", "08"]),  # January not whole
    ("2022-06-20", None, ["07", "08"]),
    ("2022-01-05", "2022-03-01", ["03", "04", "05", "06", "07", "08"]),
    ("2022-01-05", "2022-02-01", ["02", "03", "04", "05", "06", "07", "08"]),  # a whole month
    ("2022-01-05", "2022-02-02", ["03", "04", "05", "06", "07", "08"]),  # not a whole month
])
def test_silent_months_start_with_tracking(loaded, loaded_on, track_from, silent):
    db = loaded(loaded_on, track_from)
    staff = next(s for s in score_table(db, 2022, at("2022-09-10"), WIDE) if s.code == "STAFF")
    assert [i.day.strftime("%m") for i in staff.items if i.rule == "silent_period"] == silent


def _chase_close_extend(db, day: str) -> None:
    """On `day`: an unanswered 催办 of T01, T05 claimed and checked, an approved 延期 of T09."""
    act(db, event=Event.CHASE, user_id=COORDINATOR, task_ref="T01", now=at(day),
        extra={"colour": "blue"})
    record_report(db, user_id=EDU_LIAISON, task_ref="T05", percent=100, now=at(day))
    close_task(db, user_id=COORDINATOR, task_ref="T05", now=at(f"{day} 11:00"))
    request_extension(db, user_id=EDU_LIAISON, task_ref="T09", due=date(2026, 6, 30),
                      reason="经费未到位", now=at(day))
    decide_extension(db, user_id=COORDINATOR, task_ref="T09", approve=True,
                     now=at(f"{day} 12:00"), version=task_version(db, "T09"))


@pytest.mark.parametrize(("day", "counted"), [
    ("2022-01-20", False),  # after the load, before TRACK_FROM: nothing of it is scored
    ("2022-02-28", False),
    ("2022-03-01", True),  # from TRACK_FROM on, each earns or costs its points
    ("2022-05-10", True),
])
def test_no_score_item_before_tracking(loaded, day, counted):
    db = loaded("2022-01-05", "2022-03-01")
    _chase_close_extend(db, day)
    edu = next(s for s in score_table(db, 2022, at("2022-09-10"), WIDE) if s.code == "EDU")
    items = {(i.rule, i.task_id) for i in edu.items}
    acts = {("unanswered_chase", "T01"), ("closed_on_time", "T05"),
            ("approved_extension", "T09")}
    assert (acts & items) == (acts if counted else set())
    assert all(i.day >= date(2022, 3, 1) for i in edu.items)


@pytest.mark.parametrize(("loaded_on", "now", "weeks", "last_week"), [
    ("2022-01-05", "2022-01-24", ["2022-01-03", "2022-01-10", "2022-01-17", "2022-01-24"], True),
    ("2022-06-20", "2022-08-01", ["2022-06-20", "2022-06-27", "2022-07-04", "2022-07-11",
                                  "2022-07-18", "2022-07-25", "2022-08-01"], True),
    # a week ago was before tracking: no change on it; the week tracking began in is drawn
    # from its start (a baseline point up to six days before: see the report)
    ("2022-06-20", "2022-06-24", ["2022-06-17", "2022-06-24"], False),
])
def test_digest_weeks_start_with_tracking(loaded, loaded_on, now, weeks, last_week):
    db = loaded(loaded_on)
    data = digest_data(db, at(now))
    assert [d.day.isoformat() for d in data.trend] == weeks
    assert [p.week.isoformat() for p in chart_data(data).trend] == weeks
    # the change is counted from a week ago only once that was tracked (no digest posted yet)
    assert (data.activity.before is not None) is last_week
    change = read.read("digest_completion", digest_text(data))["change"]
    assert (change != "") is last_week  # no change "on last week" before there was one


def test_the_first_bulletin_does_not_claim_an_unchanged_completion(loaded):
    db = loaded("2022-06-20")
    # the week tracking began in, so far (the whole week before it has nothing to report)
    paragraphs, _ = read.bulletin_parts(build_bulletin(db, at("2022-06-24"), charts=False,
                                                       so_far=True))
    overall = read.read("bulletin_overall", "\n".join(paragraphs))
    assert overall["change"] == t("bulletin_change_none", "zh", html=False)
    later, _ = read.bulletin_parts(build_bulletin(db, at("2022-07-04"), charts=False))
    overall = read.read("bulletin_overall", "\n".join(later))
    assert overall["change"] == t("bulletin_change_same", "zh", html=False)


@pytest.mark.parametrize(("script", "received"), [
    # made in the week and standing
    ([("06-28 10:00", "T01", None)], 1),
    # made on the Sunday before, taken back on the Monday: counted in neither week
    ([("06-26 23:50", "T01", None), ("06-27 00:10", None, "undo")], 0),
    # made in the week, taken back in it: not counted
    ([("06-28 10:00", "T01", None), ("06-28 10:05", None, "undo"),
      ("06-29 09:00", "T02", None)], 1),
    # the week before's report stands, two more this week
    ([("06-20 09:00", "T01", None), ("06-28 09:00", "T01", None),
      ("07-03 23:00", "T02", None)], 2),
])
def test_reports_received_in_a_week_are_one_figure(loaded, script, received):
    """Reports received in a span are those made in it that stand at its end: the bulletin of
    the week and a digest covering the same week say the same number (a report taken back
    after the week it was made in used to count the next week's bulletin down)."""
    from bot.services.commands import undo_last

    db = loaded("2022-06-01")
    for when, task, undo in script:
        if undo:
            undo_last(db, user_id=EDU_LIAISON, now=at(f"2022-{when}"))
        else:
            record_report(db, user_id=EDU_LIAISON, task_ref=task, percent=30,
                          now=at(f"2022-{when}"))
    paragraphs, _ = read.bulletin_parts(build_bulletin(db, at("2022-07-04 09:00"),
                                                       charts=False))
    shown = read.read("bulletin_received", "\n".join(paragraphs))
    digest = digest_data(db, at("2022-07-03 23:59:59"))  # a week back from the week's end
    assert int(shown["reports"]) == digest.activity.reports == received


@pytest.mark.parametrize(("now", "named"), [
    ("2022-05-23 09:00", False),  # T14's 2022 period still in force (closed, at 100%)
    ("2022-05-30 09:00", True),  # its next period began on 05-26: counted afresh, from 0%
])
def test_the_digest_names_duties_that_began_a_new_period(loaded, now, named):
    """A finished period rolling over lowers the completion with no report made: the digest
    says which duties began a new period since the figure it compares with."""
    db = loaded("2022-04-20")
    record_report(db, user_id=EDU_LIAISON, task_ref="T14", percent=100, now=at("2022-05-10"))
    close_task(db, user_id=COORDINATOR, task_ref="T14", now=at("2022-05-11"))
    data = digest_data(db, at(now))
    fresh = [f.id for f in data.facts.new_periods_after(data.activity.since.date())]
    assert ("T14" in fresh) is named
    assert "T16" not in fresh  # its missed 04-30 period is still its figure
    line = t("digest_new_periods", "zh", count=len(fresh), tasks="、".join(fresh))
    assert (line in digest_text(data)) is bool(fresh)
    # the week's bulletin says the same of its week
    paragraphs, _ = read.bulletin_parts(build_bulletin(db, at(now), charts=False))
    said = t("bulletin_new_periods", "zh", html=False, count=1, tasks="T14")
    assert (said in paragraphs) is named


# ---------------------------------------------------------------- occurrences and late reports


@pytest.mark.parametrize(("day", "headline", "status"), [
    ("2022-07-12", "2022-07-15", "pending_check"),  # claimed before its due date
    # the next occurrence began: the claim waits in 待核实, the task shows the one in force
    ("2022-07-20", "2023-01-31", "no_report"),
    ("2023-02-05", "2023-01-31", "overdue"),  # the next one was missed meanwhile: it leads
])
def test_a_claim_stays_on_its_occurrence(loaded, day, headline, status):
    db = loaded("2022-02-01")  # T12's 2022-01-31 occurrence is before tracking
    record_report(db, user_id=EDU_LIAISON, task_ref="T12", percent=100, now=at("2022-07-10"))
    facts = facts_now(db, at(day))
    view = facts.task("T12")
    assert [(f.id, o.period) for f, o in facts.queues.claims] == [("T12", "2022-07-15")]
    assert (view.headline.period, view.status.status) == (headline, status)
    claimed = next(o for o in view.occurrences if o.period == "2022-07-15")
    assert claimed.state is State.CLAIMED and claimed.claimed_at is not None
    # the coordinator's check closes that occurrence, whatever the day
    checked = close_task(db, user_id=COORDINATOR, task_ref="T12", now=at(day))
    assert checked.report["period"] == "2022-07-15"
    assert facts_now(db, at(day)).queues.claims == ()


@pytest.mark.parametrize(("day", "marked", "elsewhere", "said"), [
    ("2022-07-12", 1, 0, ""),  # its mark is the claim: ⏳1, nothing more to say
    ("2022-07-20", 0, 1, "2022-07-15"),  # the next occurrence began: said beside the mark
    ("2023-02-05", 0, 1, "2022-07-15"),  # the next one missed: 逾期 leads, the claim beside
])
def test_every_claim_waiting_is_counted_where_the_marks_are(loaded, day, marked, elsewhere,
                                                           said):
    db = loaded("2022-02-01")
    record_report(db, user_id=EDU_LIAISON, task_ref="T12", percent=100, now=at("2022-07-10"))
    facts = facts_now(db, at(day))
    edu = facts.department("EDU")
    assert facts.counts["pending_check"] == edu.counts["pending_check"] == marked
    assert facts.claims_elsewhere == edu.claims_elsewhere == elsewhere
    assert marked + elsewhere == len(facts.queues.claims) == 1
    more = t("counts_claims_elsewhere", "zh", count=1)
    # /status, the department's /status and the digest say it after the marks; the task line
    # names the occurrence waiting; the bulletin's sentence counts it beside 待核实N项
    text = status_html(meta(db), facts, "zh")
    assert (more in text.split("\n")[2]) is bool(elsewhere)
    dept = department_html(edu, "zh").split("\n")
    assert (more in dept[1]) is bool(elsewhere)
    (line,) = [x for x in dept if "<b>T12</b>" in x]
    assert read.task_line(line)["waiting"] == said
    digest = digest_text(digest_data(db, at(day)), "zh")
    assert (more in digest) is bool(elsewhere)
    paragraphs, _ = read.bulletin_parts(build_bulletin(db, at(day), charts=False))
    overall = next(p for p in paragraphs if p.startswith("截至"))
    assert (t("bulletin_pending_more", "zh", html=False, count=1) in overall) is bool(elsewhere)
    # the ledger's 部门汇总 says it under the table (its 待核实 column counts tasks)
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(build_ledger(db, at(day))))
    notes = [c.value for row in book["部门汇总"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("另有")]
    assert notes == ([t("ledger_claims_elsewhere", "zh", html=False, count=1)]
                     if elsewhere else [])


@pytest.mark.parametrize(("day", "period"), [
    ("2022-01-10", "2022-01-15"),  # in time: the occurrence in force
    ("2022-01-20", "2022-01-15"),  # late: the one missed, not the new one
    ("2022-05-05", None),  # two missed (January, April): the core asks which
])
def test_a_late_report_goes_to_the_oldest_open_occurrence(loaded, day, period):
    db = loaded("2022-01-05")
    if period is None:
        with pytest.raises(DubanError) as asked:
            record_report(db, user_id=EDU_LIAISON, task_ref="T16", percent=50, now=at(day))
        assert asked.value.key == "occurrence_choose"
        assert asked.value.params["choices"] == ["2022-01-15", "2022-04-30", "2022-06-30"]
        chosen = record_report(db, user_id=EDU_LIAISON, task_ref="T16", percent=100,
                               now=at(day), period="2022-04-30")
        assert chosen.report["period"] == "2022-04-30"
        # April's now waits for the check: one left open, and a report goes to it unasked
        again = record_report(db, user_id=EDU_LIAISON, task_ref="T16", percent=50,
                              now=at(f"{day} 11:00"))
        assert again.report["period"] == "2022-01-15"
        return
    rec = record_report(db, user_id=EDU_LIAISON, task_ref="T16", percent=50, now=at(day))
    assert rec.report["period"] == period


@pytest.mark.parametrize(("day", "status", "days_overdue"), [
    ("2022-07-14", "no_report", 0),
    ("2022-07-20", "no_report", 0),  # past its own due date, not past the extended one
    ("2022-08-10", "due_soon", 0),
    ("2022-08-15", "due_soon", 0),
    ("2022-08-16", "overdue", 1),
])
def test_an_occurrence_is_extended_on_its_own(loaded, day, status, days_overdue):
    db = loaded("2022-02-01")
    request_extension(db, user_id=EDU_LIAISON, task_ref="T12", due=date(2022, 8, 15),
                      reason="期末考试推迟", now=at("2022-07-10"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T12", approve=True,
                     now=at("2022-07-11"), version=task_version(db, "T12"))
    view = task_view(db, "T12", at(day))
    july = next(o for o in view.occurrences if o.period == "2022-07-15")
    assert (july.due, july.due_original) == (date(2022, 8, 15), date(2022, 7, 15))
    assert (july.status.status, july.days_overdue) == (status, days_overdue)
    # the next occurrence keeps its own date
    assert task_view(db, "T12", at("2022-09-01")).current.due == date(2023, 1, 31)


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(("value", "whole"), [
    (0.5, 1), (1.5, 2), (2.5, 3), (7.5, 8), (53.5, 54), (54.5, 55), (66.5, 67), (66.49, 66),
    (99.5, 100), (0.0, 0), (12.4999, 12),
])
def test_whole_percents_round_half_up(value, whole):
    assert round_half_up(value) == shown_percent(value) == whole
    assert pct(value) == f"{whole}%"  # /status, the digest, the bulletin
    assert charts._percent(value) == f"{whole}%"  # the charts' labels


@pytest.mark.parametrize(("value", "digits", "rounded"), [
    (66.25, 1, 66.3), (3.25, 1, 3.3), (12.25, 1, 12.3), (0.05, 1, 0.1), (2.675, 2, 2.68),
    (79.95, 1, 80.0), (66.24, 1, 66.2),
])
def test_decimals_round_half_up_too(value, digits, rounded):
    assert round_half_up_to(value, digits) == rounded


@pytest.mark.parametrize(("value", "target", "percent"), [
    (143, 200, 72),  # 71.5: half up, not truncated to 71
    (142, 200, 71),
    (187, 200, 94),  # 93.5
    (199, 200, 99),  # 99.5 would round to 100: 99 until the target is reached
    (199.9, 200, 99),
    (200, 200, 100),
    (250, 200, 100),  # capped
    (0, 200, 0),
    (1, 300, 0),
    (0.5, 100, 1),
    (29, 30, 97),
    (30, 30, 100),
])
def test_percent_from_values(value, target, percent):
    assert percent_of_value(value, target) == percent


@pytest.mark.parametrize(("today", "expected"), [
    ("2022-01-01", 13),  # 1 day of 8: 12.5
    ("2022-01-03", 38),  # 37.5
    ("2022-01-05", 63),  # 62.5
    ("2022-01-07", 88),  # 87.5
    ("2022-01-08", 100),
])
def test_the_time_share_rounds_half_up(today, expected):
    assert expected_progress(date(2022, 1, 1), date(2022, 1, 8),
                             date.fromisoformat(today)) == expected


def test_a_value_of_143_of_200_is_72_in_every_output(seeded):
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T08", value=143, now=at("2022-03-01"))
    now = at("2022-03-02")
    facts = facts_now(seeded, now)
    assert facts.task("T08").status.percent == 72
    line = next(x for x in department_html(facts.department("EDU"), "zh").split("\n")
                if "<b>T08</b>" in x)
    assert read.task_line(line)["percent"] == "72"
    _, rows = read.plain_table(department_plain(facts.department("EDU"), "zh"))
    assert next(r for r in rows if r[0] == "T08")[3] == "72%"
    ledger = read.ledger_sheets(build_ledger(seeded, now))
    row = next(r for r in ledger[t("ledger_sheet_tasks", "zh", html=False)] if r[0] == "T08")
    assert (row[14], row[15]) == (72, 143)


def _civil_and_finance(db, now: datetime) -> None:
    """文明办's four duties at 100, 100, 64 and 1 (66.25); 财政局's two at 67 and 66 (66.5)."""
    for task, percent in (("T30", 100), ("T31", 100), ("T32", 64), ("T33", 1), ("T37", 67),
                          ("T38", 66)):
        record_report(db, user_id=COORDINATOR, task_ref=task, percent=percent, now=now)


@pytest.mark.parametrize(("code", "completion", "whole"), [
    ("CIVIL", 66.25, 66),
    ("FIN", 66.5, 67),
])
def test_a_department_completion_is_one_figure_everywhere(seeded, code, completion, whole):
    _civil_and_finance(seeded, at("2022-03-01"))
    now = at("2022-03-02")
    facts = facts_now(seeded, now)
    d = facts.department(code)
    assert d.completion == completion
    name = d.dept["short"]
    status = status_html(meta(seeded), facts, "zh")
    assert f"<b>{name}</b> {whole}%" in status
    assert department_html(d, "zh").split("\n")[1].startswith(f"{whole}%")
    assert f"{name} {whole}%" in digest_text(digest_data(seeded, now))
    _, rows = read.plain_table(plan_plain(meta(seeded), facts, "zh"))
    assert next(r for r in rows if r[0] == name)[1] == f"{whole}%"
    ledger = read.ledger_sheets(build_ledger(seeded, now))
    row = next(r for r in ledger[t("ledger_sheet_depts", "zh", html=False)] if r[1] == name)
    assert row[4] == whole
    _, tables = read.bulletin_parts(build_bulletin(seeded, now, charts=False, so_far=True))
    rows = read.table_with(tables, t("bulletin_cols_depts", "zh", html=False).split("|"))
    assert next(r for r in rows if r[1] == name)[3] == f"{whole}%"
    bar = next(b for b in chart_data(digest_data(seeded, now)).departments if b.name == name)
    assert charts._percent(bar.completion) == f"{whole}%"


def test_a_county_share_and_a_decimal_figure_round_half_up_in_the_documents(seeded):
    # 惠安县's quota of T04 is 20: 13.25 of it is 66.25%, shown 66% (a percent of a value)
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T04", value=13.25, unit="惠安县",
                  now=at("2022-03-01"))
    now = at("2022-03-02")
    ledger = read.ledger_sheets(build_ledger(seeded, now))
    row = next(r for r in ledger[t("ledger_sheet_units", "zh", html=False)]
               if r[0] == "T04" and r[4] == "惠安县")
    assert (row[6], row[7]) == (13.25, 66)
    _, tables = read.bulletin_parts(build_bulletin(seeded, now, charts=False, so_far=True))
    rows = read.tables_with(tables, t("bulletin_cols_units", "zh", html=False).split("|"))[0]
    assert next(r for r in rows if r[0] == "惠安县")[2:] == ["13.3", "66%"]
    assert charts._number(13.25) == "13.3"


# ---------------------------------------------------------------- targets and counties


@pytest.mark.parametrize(("task", "words", "percent", "value", "ambiguous"), [
    ("T07", "30", None, 30, True),  # 30 of a 30个 target: 30 rooms or 30%? asked
    ("T07", "30个", None, 30, False),
    ("T07", "30%", 30, None, False),
    ("T07", "12.5", None, 12.5, False),  # not a whole number: not a percent
    ("T08", "100", None, 100, True),
    ("T08", "150", None, 150, False),  # over 100: only a count
    ("T03", "30", 30, None, False),  # a target in percent: a bare number is its percent
    ("T01", "30", 30, None, False),  # no target: a percent
])
def test_a_bare_number_on_a_counted_target_asks_count_or_percent(seeded, task, words, percent,
                                                                 value, ambiguous):
    got = parse_report_args(find_task(seeded, task), words.split())
    assert (got.percent, got.value, got.ambiguous) == (percent, value, ambiguous)
    if got.ambiguous:
        assert (got.as_percent().percent, got.as_percent().value) == (value, None)
        assert (got.as_value().percent, got.as_value().value) == (None, value)


@pytest.mark.parametrize(("reports", "city", "percent"), [
    ([("晋江市", 23)], 23, 12),  # 11.5% of 200
    ([("晋江市", 23), ("南安市", 12)], 35, 18),  # 17.5
    ([("晋江市", 23), ("南安市", 12), ("晋江市", 30)], 42, 21),  # a unit's newest counts once
    ([(u, q) for u, q in (("鲤城区", 14), ("丰泽区", 18), ("洛江区", 10), ("泉港区", 10),
                          ("石狮市", 16), ("晋江市", 34), ("南安市", 28), ("惠安县", 20),
                          ("安溪县", 20), ("永春县", 10), ("德化县", 10), ("泉州开发区", 4))],
     194, 97),  # every unit but one: 97%, no claim
])
def test_the_city_figure_is_the_units_sum(seeded, reports, city, percent):
    for i, (unit, value) in enumerate(reports):
        record_report(seeded, user_id=EDU_LIAISON, task_ref="T04", value=value, unit=unit,
                      now=at(f"2022-03-01 10:{i:02d}"))
    view = task_view(seeded, "T04", at("2022-03-02"))
    assert (view.value, view.status.percent) == (city, percent)
    assert sum(u.value for u in view.units.values()) == city
    # /status T04 names each unit's figure, who reported it and when
    text = task_html(view, None, [], "zh", TZ, member_names(seeded))
    for unit, value in dict(reports).items():
        assert t("unit_line", "zh", unit=unit, value=f"{value:g}",
                 quota=f"{view.task.quotas[unit]:g}", who="李联络",
                 at=f"{view.units[unit].at.astimezone(TZ):%m-%d %H:%M}") in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bare_figure_on_a_split_target_is_refused_with_a_hint(seeded, lang):
    before = seeded["reports"].count
    with pytest.raises(DubanError) as refused:
        record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=60, now=at("2022-03-01"))
    assert refused.value.key == "unit_required"
    message = t(refused.value.key, lang, html=False, **refused.value.params)
    assert "--unit" in message and "晋江市" in message and "T06" in message
    assert seeded["reports"].count == before  # nothing recorded


# ---------------------------------------------------------------- score items


def _close_t05_on_time(db):
    record_report(db, user_id=EDU_LIAISON, task_ref="T05", percent=100, now=at("2022-06-01"))
    close_task(db, user_id=COORDINATOR, task_ref="T05", now=at("2022-06-10"))


def _close_standing(db):
    record_report(db, user_id=EDU_LIAISON, task_ref="T18", percent=100, now=at("2022-04-01"))
    close_task(db, user_id=COORDINATOR, task_ref="T18", now=at("2022-04-02"))


def _claim_waits_past_due(db):
    # T01 (due 06-30) claimed on 06-20, checked on 07-20: the wait is the coordinator's
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-20"))
    close_task(db, user_id=COORDINATOR, task_ref="T01", now=at("2022-07-20"))


def _claimed_late_checked_later(db):
    # claimed on 07-05 (five days late), checked on 08-01: late by the claim, overdue 07-01..07-05
    # (the claim's day counts, as /status counts it: 逾期5天 that morning)
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-07-05"))
    close_task(db, user_id=COORDINATOR, task_ref="T01", now=at("2022-08-01"))


def _sent_back_then_claimed_in_time(db):
    # claimed 06-10, sent back 06-15, claimed again 06-25, checked 07-20: on time (the claim
    # accepted was made before the due date), no overdue day
    from bot.services.commands import reopen_task

    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-10"))
    reopen_task(db, user_id=COORDINATOR, task_ref="T01", reason="需补充佐证",
                now=at("2022-06-15"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-25"))
    close_task(db, user_id=COORDINATOR, task_ref="T01", now=at("2022-07-20"))


def _direct_close_late(db):
    # closed by the coordinator without a claim on 07-03: done then, late, overdue 07-01..07-03
    from bot.services.commands import close_directly

    close_directly(db, user_id=COORDINATOR, task_ref="T01", reason="已现场核查",
                   now=at("2022-07-03"), version=task_version(db, "T01"))


def _sent_back_after_due(db):
    # claimed on 06-20, sent back on 07-20: what it claimed was not done, so T01 stood overdue
    # from its due date (07-01) to the year's end, the month it waited included
    from bot.services.commands import reopen_task

    record_report(db, user_id=EDU_LIAISON, task_ref="T01", percent=100, now=at("2022-06-20"))
    reopen_task(db, user_id=COORDINATOR, task_ref="T01", reason="需补充佐证",
                now=at("2022-07-20"))


def _chase_t01(db):
    act(db, event=Event.CHASE, user_id=COORDINATOR, task_ref="T01", now=at("2022-04-01"),
        extra={"colour": "blue"})


def _extend_t09(db):
    request_extension(db, user_id=EDU_LIAISON, task_ref="T09", due=date(2026, 6, 30),
                      reason="经费未到位", now=at("2022-03-01"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T09", approve=True,
                     now=at("2022-03-02"), version=task_version(db, "T09"))


def _nothing(db):
    pass


@pytest.mark.parametrize(("script", "rule", "items"), [
    # (task, period, day, count, points) of each item of the rule, as of 2022-12-31
    (_close_t05_on_time, "closed_on_time", [("T05", "", "2022-06-10", 1, 2.0)]),
    (_close_standing, "closed_on_time", [("T18", "", "2022-04-02", 1, 2.0)]),
    # on time or late by the day the accepted claim was made, not by the check; the item is
    # dated by the check (the day it counted)
    (_claim_waits_past_due, "closed_on_time", [("T01", "", "2022-07-20", 1, 2.0)]),
    (_claimed_late_checked_later, "closed_late", [("T01", "", "2022-08-01", 1, 1.0)]),
    (_claimed_late_checked_later, "overdue_day", [("T01", "", "2022-06-30", 5, -0.5),
                                                  ("T02", "", "2022-06-30", 184, -18.4)]),
    (_sent_back_then_claimed_in_time, "closed_on_time", [("T01", "", "2022-07-20", 1, 2.0)]),
    (_sent_back_then_claimed_in_time, "overdue_day", [("T02", "", "2022-06-30", 184, -18.4)]),
    (_direct_close_late, "closed_late", [("T01", "", "2022-07-03", 1, 1.0)]),
    (_direct_close_late, "overdue_day", [("T01", "", "2022-06-30", 3, -0.3),
                                         ("T02", "", "2022-06-30", 184, -18.4)]),
    # claimed in time, checked late: no overdue day for T01 (T02, never reported, has them)
    (_claim_waits_past_due, "overdue_day", [("T02", "", "2022-06-30", 184, -18.4)]),
    (_sent_back_after_due, "overdue_day", [("T01", "", "2022-06-30", 184, -18.4),
                                           ("T02", "", "2022-06-30", 184, -18.4)]),
    (_chase_t01, "unanswered_chase", [("T01", "", "2022-04-01", 1, -1.0)]),
    (_extend_t09, "approved_extension", [("T09", "", "2022-03-02", 1, -0.5)]),
    (_nothing, "overdue_day", [("T01", "", "2022-06-30", 184, -18.4),
                               ("T02", "", "2022-06-30", 184, -18.4)]),
])
def test_every_point_is_an_item(seeded, script, rule, items):
    script(seeded)
    edu = next(s for s in score_table(seeded, 2022, at("2022-12-31"), WIDE) if s.code == "EDU")
    got = [(i.task_id, i.period, i.day.isoformat(), i.count, i.points)
           for i in edu.items if i.rule == rule and i.task_id in ("T01", "T02", "T05", "T09",
                                                                    "T18")]
    assert got == [(a, b, c, d, pytest.approx(e)) for a, b, c, d, e in items]
    for line in edu.lines:  # every line is the sum of its items
        mine = [i for i in edu.items if i.rule == line.rule]
        assert line.count == sum(i.count for i in mine)
        assert line.points == pytest.approx(sum(i.points for i in mine))


@pytest.mark.parametrize(("day", "days", "points"), [
    ("2023-01-03", 3, -0.3), ("2023-02-03", 34, -3.4), ("2023-03-10", 69, -6.9),
])
def test_an_items_points_are_to_the_hundredth(seeded, day, days, points):
    # T37 (财政局, due every 12-31) never reported: 2022's occurrence open into 2023. The item
    # holds -3.4 as the ledger's 考评明细 shows it, not -3.4000000000000004.
    fin = next(s for s in score_table(seeded, 2023, at(day), WIDE) if s.code == "FIN")
    item = next(i for i in fin.items if i.rule == "overdue_day" and i.period == "2022-12-31")
    assert (item.count, item.points) == (days, points)


def test_the_items_of_a_rule_show_the_tables_points(seeded):
    # with 0.05 a day, T41 (卫健委, given a deadline of 06-30) five days overdue is -0.25: -0.3
    # in the table and over the items in /score 卫健委 (half up, one figure); the item -0.25
    from bot.outputs.scoreboard import department_score_text, score_rows
    from bot.services.commands import set_deadline

    set_deadline(seeded, user_id=COORDINATOR, task_ref="T41", due=date(2022, 6, 30),
                 now=at("2022-03-01"))
    rules = Rules(overdue_day=-0.05, overdue_cap_per_item=-1000)
    scores = score_table(seeded, 2022, at("2022-07-05"), rules)
    health = next(s for s in scores if s.code == "HEALTH")
    assert [(i.task_id, i.count, i.points) for i in health.items
            if i.rule == "overdue_day"] == [("T41", 5, -0.25)]
    row = next(r for r in score_rows(scores, "zh") if r[1] == "卫健委")
    assert row[5] == t("score_cell", "zh", html=False, count="5", points="-0.3")  # not -0.2
    text = department_score_text(health, 2022, at("2022-07-05"), "zh")
    assert t("score_item_rule", "zh", html=False, rule=t("score_rule.overdue_day", "zh"),
             count="5", points="-0.3") in text.splitlines()


def test_missed_occurrences_are_items_of_their_own(seeded):
    # T16 (four times a year) never reported in 2022: each occurrence due by 12-31 that stood
    # open is its own item, dated by its own due date
    edu = next(s for s in score_table(seeded, 2022, at("2022-12-31"), WIDE) if s.code == "EDU")
    t16 = [(i.period, i.day.isoformat(), i.count) for i in edu.items
           if i.rule == "overdue_day" and i.task_id == "T16"]
    assert t16 == [("2022-01-15", "2022-01-15", 350), ("2022-04-30", "2022-04-30", 245),
                   ("2022-06-30", "2022-06-30", 184), ("2022-09-30", "2022-09-30", 92)]


# ---------------------------------------------------------------- figures the outputs had wrong
# (found by the property test: each now renders the facts)


def test_the_bulletins_waiting_work_is_the_coordinators_queues(loaded):
    db = loaded("2022-02-01")  # the semester duties' January occurrences are before it
    # T48 (youth league, each semester) blocked for July, the occurrence then passed: past due
    # it is 逾期, and its block still waits in the 受阻 queue
    record_report(db, user_id=COORDINATOR, task_ref="T48", percent=3, state="blocked",
                  note="场地未落实", now=at("2022-02-10"))
    # T12 claimed for July, then January's occurrence of the next year missed: its headline is
    # the missed one, and the July claim still waits for the check
    record_report(db, user_id=EDU_LIAISON, task_ref="T12", percent=100, now=at("2022-07-10"))
    now = at("2023-02-06")
    facts = facts_now(db, now)
    assert facts.task("T48").status.status == "overdue"
    assert [(f.id, o.period) for f, o in facts.queues.claims] == [("T12", "2022-07-15")]
    _, tables = read.bulletin_parts(build_bulletin(db, now, charts=False))
    rows = read.table_with(tables, t("bulletin_cols_pending", "zh", html=False).split("|"))
    got = {(r[0], r[3]) for r in rows}
    assert ("T48", "受阻") in got and ("T12", "待核实") in got
    t12 = next(r for r in rows if r[0] == "T12")
    assert t12[1].endswith("（2022-07-15期）") and "2022年7月10日" in t12[4]
    assert next(r for r in rows if r[0] == "T48")[4] == "场地未落实"


def test_a_past_day_keeps_its_window_when_a_standing_duty_gets_a_deadline_later(seeded):
    from bot.services.commands import set_deadline
    from bot.services.facts import end_of_day, facts_as_of

    day = at("2022-03-01").date()
    before = read.ledger_sheets(build_ledger(seeded, end_of_day(day, TZ), historical=True))
    view = facts_as_of(seeded, end_of_day(day, TZ)).task("T32")
    set_deadline(seeded, user_id=COORDINATOR, task_ref="T32", due=date(2023, 6, 30),
                 now=at("2022-05-01"))
    again = facts_as_of(seeded, end_of_day(day, TZ)).task("T32")
    assert again.headline.opens == view.headline.opens == date(2022, 1, 4)  # the plan's start
    after = read.ledger_sheets(build_ledger(seeded, end_of_day(day, TZ), historical=True))
    assert after == before
    # from the day the deadline was set, the window opens that day
    assert task_view(seeded, "T32", at("2022-06-01")).headline.opens == date(2022, 5, 1)


def test_the_ledger_shows_the_extension_of_the_occurrence_it_shows(loaded):
    db = loaded("2022-01-05")
    # T16's January occurrence extended, reported and checked; April's is the headline next
    request_extension(db, user_id=EDU_LIAISON, task_ref="T16", due=date(2022, 2, 15),
                      reason="寒假", now=at("2022-01-10"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T16", approve=True,
                     now=at("2022-01-11"), version=task_version(db, "T16"))
    record_report(db, user_id=EDU_LIAISON, task_ref="T16", percent=100, now=at("2022-02-10"))
    close_task(db, user_id=COORDINATOR, task_ref="T16", now=at("2022-02-11"))

    def row(day: str) -> list:
        sheet = read.ledger_sheets(build_ledger(db, at(day)))
        return next(r for r in sheet[t("ledger_sheet_tasks", "zh", html=False)]
                    if r[0] == "T16")

    january = row("2022-01-12")  # the extended occurrence is the one shown
    assert (read.as_day(january[9]), read.as_day(january[10])) == (date(2022, 1, 15),
                                                                  date(2022, 2, 15))
    assert january[11] == "寒假"
    april = row("2022-03-01")  # April's occurrence was never extended
    assert (read.as_day(april[9]), april[10], april[11], april[12]) == (
        date(2022, 4, 30), None, None, None)


@pytest.mark.parametrize(("day", "period", "status"), [
    ("2022-07-10", "2022-07-15", "pending_check"),  # claimed within its window
    ("2022-07-20", "2022-07-15", "pending_check"),  # window over, extended to 07-31: in force
    ("2022-07-31", "2022-07-15", "pending_check"),  # its new deadline, the last day it leads
    ("2022-08-01", "2023-01-31", "no_report"),  # the new deadline passed: the next one leads
])
def test_an_extended_occurrence_stays_in_force_until_its_new_deadline(loaded, day, period,
                                                                       status):
    """QA re-trial N1: a semester duty's July occurrence extended to 07-31 and claimed on
    07-05 stopped counting on 07-16 (its window's end): the task fell to the next occurrence
    at 0%, the department lost its 50%, the liaison's claim looked lost."""
    db = loaded("2022-02-01")
    request_extension(db, user_id=EDU_LIAISON, task_ref="T12", due=date(2022, 7, 31),
                      reason="考试周顺延", now=at("2022-07-01"))
    decide_extension(db, user_id=COORDINATOR, task_ref="T12", approve=True,
                     now=at("2022-07-02"), version=None)
    record_report(db, user_id=EDU_LIAISON, task_ref="T12", percent=100, now=at("2022-07-05"))
    view = facts_now(db, at(day)).task("T12")
    assert (view.headline.period, view.status.status) == (period, status)
    if period == "2022-07-15":
        assert view.status.due == date(2022, 7, 31) and view.status.percent == 100


@pytest.mark.parametrize(("task", "value", "unit", "asked"), [
    ("T04", 80, "鲤城区", 14),  # more than 3× the county's share: asked
    ("T04", 42, "鲤城区", None),  # 3× exactly: taken
    ("T04", 200, None, None),  # a split target's city figure is refused elsewhere, not asked
    ("T01", 5, None, None),  # not counted in things
    ("T03", 95, None, None),  # a rate: its percent is the value
    ("T08", 650, None, 200),  # the city's 650 schools against 200: asked
    ("T08", 210, None, None),  # a little over the target: taken as it comes
])
def test_a_figure_far_over_what_is_asked_of_it(seeded, task, value, unit, asked):
    assert find_task(seeded, task).far_over(value, unit) == asked

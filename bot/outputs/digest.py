"""The weekly digest: its facts (DigestData) and the charts that go with it (the words are in
bot/outputs/render/digest.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlite_utils import Database

from bot.domain.facts import DeptFacts, Facts, TaskFacts
from bot.language.i18n import field, plan_title, t
from bot.outputs.bars import DeptBar, TargetBar, TrendPoint
from bot.services.facts import (
    completion_as_of,
    end_of_day,
    facts_as_of,
    facts_now,
    passing_facts_as_of,
    tracking_start,
)
from bot.store import digests as digest_store
from bot.store import members as member_store
from bot.store import records as record_store
from bot.store import snapshots as snapshot_store
from bot.store.connection import utc_iso
from bot.store.meta import meta

TREND_WEEKS = 12
MAX_BARS = 20  # per chart
DUE_AHEAD_DAYS = 14
FACTS_VERSION = 2  # the rules the kept day figures were computed by; bump when a rule changes


@dataclass(frozen=True)
class DayFigures:
    """The plan's figures at the end of one day, from the facts as of then."""

    day: date
    completion: float | None
    expected: float | None
    reports: int  # reports made since tracking began, by the end of the day
    evidence: int


@dataclass(frozen=True)
class Activity:
    """What came in since the previous digest: reports (not the coordinator's reviews) and
    evidence, and the completion then, to say the change."""

    since: datetime
    basis: str  # digest: the previous digest posted | tracking: tracking began | week: a week
    reports: int
    evidence: int
    before: float | None  # completion at `since` (as the previous digest showed it)


@dataclass(frozen=True)
class DigestData:
    at: datetime
    info: dict[str, str]  # the plan's title and document number
    facts: Facts
    activity: Activity
    trend: list[DayFigures]  # weekly, from the first tracked week, ending with today's
    seen: tuple[int, int] = (0, 0)  # the newest report and evidence rows it has seen

    @property
    def summary(self) -> Facts:
        return self.facts

    @property
    def last_week(self) -> float | None:
        """The completion the change is counted from (the previous digest's)."""
        return self.activity.before

    @property
    def reports_this_week(self) -> int:
        return self.activity.reports

    @property
    def evidence_this_week(self) -> int:
        return self.activity.evidence

    @property
    def expected(self) -> list[tuple[date, float]]:
        return [(d.day, d.expected) for d in self.trend if d.expected is not None]


def figures_of(facts: Facts) -> DayFigures:
    return DayFigures(facts.day, facts.completion, facts.expected, facts.reports,
                      facts.evidence)


def day_figures(db: Database, day: date, tz: tzinfo | None, today: date) -> DayFigures:
    """The figures at the end of `day`: kept once the day is over (before `today`, the real
    date), computed from the facts as of then otherwise."""
    kept = snapshot_store.get(db, day, FACTS_VERSION)
    if kept is not None:
        return DayFigures(day, kept["completion"], kept["expected"], kept["reports"] or 0,
                          kept["evidence"] or 0)
    return _keep_figures(db, figures_of(facts_as_of(db, end_of_day(day, tz))), today)


def _keep_figures(db: Database, figures: DayFigures, today: date) -> DayFigures:
    if figures.day < today:  # over: later records cannot change it
        snapshot_store.put(db, figures.day, FACTS_VERSION, completion=figures.completion,
                           expected=figures.expected, reports=figures.reports,
                           evidence=figures.evidence)
    return figures


def prefetch_days(db: Database, days: list[date], tz: tzinfo | None,
                  today: date) -> dict[date, DayFigures]:
    """The figures of the days not kept yet, worked out together: the records read once for all
    of them (a trend of twelve weeks, the first time, would read them twelve times), and one
    day's facts alive at a time, let go once its figures are taken (a weekly digest's one new
    day too: its facts are not kept whole); kept as `day_figures` keeps them, which then finds
    them."""
    missing = sorted({d for d in days if snapshot_store.get(db, d, FACTS_VERSION) is None})
    if not missing:
        return {}
    moments = [end_of_day(d, tz) for d in missing]
    return {d: _keep_figures(db, figures_of(facts), today)
            for d, facts in zip(missing, passing_facts_as_of(db, moments), strict=True)}


def trend_days(now: datetime, first: date) -> list[date]:
    """The past days of the trend (a week apart, ending a week before `now`), from the first
    tracked week on."""
    days = [now.date() - timedelta(weeks=w) for w in range(TREND_WEEKS - 1, 0, -1)]
    return [d for d in days if d >= first - timedelta(days=6)]


def facts_for(db: Database, now: datetime) -> Facts:
    """The facts as of `now`: the kept ones when nothing was recorded after `now`, else the
    record as it stood then (a digest or a bulletin for a past moment). The kept ones know
    today's staffed departments: after a liaison joined or left, those of `now` replace them."""
    cut = utc_iso(now)
    newest = record_store.newest_at(db)
    if newest is not None and newest > cut:
        # Not kept: the next digest or export asks for another moment (~13 MB at 100x each).
        return facts_as_of(db, now, keep=False)
    facts = facts_now(db, now)
    changed = member_store.newest_change(db)
    if changed is not None and changed > cut:
        staffed = frozenset(member_store.staffed_as_of(db, cut))
        if staffed != facts.staffed:
            return replace(facts, staffed=staffed)
    return facts


def since_last(db: Database, now: datetime,
               track_from: date | None) -> tuple[datetime, str, float | None]:
    """When the digest counts what came in from, on what basis, and the completion then: the
    previous digest (the newest one posted for a moment before `now`); with none kept, since
    tracking began or a week ago, whichever is later."""
    kept = digest_store.before(db, now)
    if kept is not None:
        since = datetime.fromisoformat(kept["at"]).astimezone(now.tzinfo)
        return since, "digest", shown_completion(db, kept, since)
    week = now - timedelta(days=7)
    began = (datetime.combine(track_from, time(0), now.tzinfo)
             if track_from is not None else None)
    if began is not None and began > week:
        return began, "tracking", None
    return week, "week", completion_as_of(db, week)


def shown_completion(db: Database, kept: dict, at: datetime) -> float | None:
    """The completion a kept digest showed (at `at`, its moment): as kept, unless it was
    computed by other rules than today's, then worked out again for its moment."""
    return (kept["completion"] if kept["version"] == FACTS_VERSION
            else completion_as_of(db, at))


def activity(db: Database, facts: Facts, now: datetime) -> Activity:
    """What came in since the previous digest (see `since_last`): the reports and evidence
    received after it that stand now (Facts.received_after, the bulletin's rule too), so a
    report made on a digest's day after it went out is counted next time and none twice."""
    return _activity(facts, *since_last(db, now, facts.track_from))


def _activity(facts: Facts, since: datetime, basis: str, before: float | None) -> Activity:
    return Activity(since, basis, *facts.received_after(since), before)


def digest_data(db: Database, now: datetime, today: date | None = None) -> DigestData:
    """Gather the digest's facts as of `now` (records after `now` are ignored).

    Day figures are kept only for days before `today` (the real date; default `now`'s): a
    digest asked for a future date computes its figures but stores nothing that later reports
    would make wrong. The trend starts at the first tracked week: no flat zeros from before the
    plan was tracked."""
    today = today or now.date()
    seen = digest_store.high_marks(db)
    start = tracking_start(db, now.tzinfo)  # the facts' track_from
    # The past first (the trend's days, the completion the change counts from), each moment's
    # facts let go once its figure is taken, and only then the facts of now: at 100x the past
    # moments' folds (~7 MB) are never alive together with now's.
    trend = past_trend(db, now, today, start)
    since = since_last(db, now, start)
    facts = facts_for(db, now)
    trend.append(figures_of(facts))
    return DigestData(now, meta(db), facts, _activity(facts, *since), trend, seen)


def past_trend(db: Database, now: datetime, today: date, track_from: date | None,
               as_posted: bool = True) -> list[DayFigures]:
    """The trend's past weeks' figures (see `trend_days`), worked out together where not kept.

    `as_posted` (the digest's own trend): a week in which a digest went out is drawn at that
    digest's day with the completion it showed (the newest of the week's), so the chart's
    steps are the changes the digests' words said ("较上期简报 +2"), not the end of the day,
    which counts what came in after the digest; the other weeks are their day's end-of-day
    figures. Only digests posted by `now` count (a digest made for a past moment). The
    bulletin, whose words compare the ends of its periods, draws the end-of-day figures."""
    slots = trend_days(now, track_from or now.date())
    posted = _posted_in_weeks(db, slots, now) if as_posted else {}
    days = [posted[d][0] if d in posted else d for d in slots]
    worked_out = prefetch_days(db, days, now.tzinfo, today)
    figures = [worked_out.get(d) or day_figures(db, d, now.tzinfo, today) for d in days]
    # The day's 序时进度 stays: it moves by the day, not by the hour.
    return [replace(f, completion=posted[slot][1]) if slot in posted else f
            for slot, f in zip(slots, figures, strict=True)]


def _posted_in_weeks(db: Database, slots: list[date],
                     now: datetime) -> dict[date, tuple[date, float | None]]:
    """For each of the trend's past days, the newest digest posted (by `now`) in the week from
    that day on (a digest moved off its weekday by days off still falls in its week): its day
    and the completion it showed."""
    if not slots:
        return {}
    tz = now.tzinfo
    start = datetime.combine(slots[0], time(0), tz)
    found: dict[date, tuple[date, float | None]] = {}
    for kept in digest_store.posted_since(db, start, now):
        moment = datetime.fromisoformat(kept["at"]).astimezone(tz)
        slot = max(d for d in slots if d <= moment.date())
        if moment.date() < slot + timedelta(weeks=1):  # the current week is not a past one
            found[slot] = (moment.date(), shown_completion(db, kept, moment))
    return found


def keep_posted(db: Database, key: str, data: DigestData, posted_at: datetime) -> None:
    """The digest `key` went out: keep what it covered, for the next one to count from."""
    digest_store.keep(db, key=key, at=data.at, report_id=data.seen[0], evidence_id=data.seen[1],
                      completion=data.facts.completion, version=FACTS_VERSION,
                      posted_at=posted_at)


# ---------------------------------------------------------------- charts


def _target_label(view: TaskFacts, lang: str) -> str:
    metric = field(view.task, "metric", lang)
    due = view.status.due
    return t("chart_target_label", lang, html=False, metric=metric, year=due.year) if due else metric


@dataclass(frozen=True)
class ChartData:
    """What the three charts draw, as plain values (bars and points), inspectable without
    rendering: the charts are drawn from this, and the tests compare it with the facts."""

    departments: list[DeptBar]  # as drawn (at most MAX_BARS, the furthest behind)
    dept_subtitle: str
    targets: list[TargetBar]  # dated by deadline, then standing; at most MAX_BARS
    trend: list[TrendPoint]  # the plan's completion week by week
    expected: list[TrendPoint]  # the plan's 序时进度 on the same weeks
    subtitle: str
    at: datetime  # the digest's moment (its date names the files)
    plan: str  # the plan's title and document number, over the departments' chart


def dept_colour(d: DeptFacts) -> str:
    """A department's bar colour: its most urgent mark (overdue, blocked, behind, due soon),
    grey when it has reported nothing, else green."""
    colour = {"overdue": "red", "behind": "yellow", "due_soon": "blue", "blocked": "yellow"}
    for status in ("overdue", "blocked", "behind", "due_soon"):
        if d.counts[status]:
            return colour[status]
    return "grey" if d.counts["no_report"] == len(d.tasks) else "green"


def chart_data(data: DigestData, lang: str = "zh") -> ChartData:
    """The bars and points of the three charts, from the digest's facts (computes nothing;
    loads no matplotlib)."""
    return _chart_data(data.facts, data.trend, data.at, data.info, lang)


def digest_charts(db: Database, now: datetime, lang: str = "zh",
                  today: date | None = None, as_posted: bool = True) -> ChartData:
    """`chart_data(digest_data(db, now, today))` without what only the digest's words say (what
    came in since the previous digest, the completion then): the digest's photos. Without
    `as_posted`, the trend's past weeks are their end-of-day figures (the bulletin's)."""
    today = today or now.date()
    trend = past_trend(db, now, today, tracking_start(db, now.tzinfo), as_posted)
    facts = facts_for(db, now)
    return _chart_data(facts, [*trend, figures_of(facts)], now, meta(db), lang)


def _chart_data(s: Facts, figures: list[DayFigures], at: datetime, info: dict[str, str],
                lang: str) -> ChartData:
    stamp = f"{at:%Y-%m-%d}"
    bars = [DeptBar(field(d.dept, "dept", lang), d.completion or 0.0, dept_colour(d),
                    dict(d.counts), d.expected) for d in s.departments]
    subtitle = t("chart_as_of", lang, html=False, date=stamp)
    dept_subtitle = subtitle
    if len(bars) > MAX_BARS:
        # A phone shows about twenty bars legibly; the ones furthest behind matter most.
        dept_subtitle += t("chart_furthest_behind", lang, html=False, shown=MAX_BARS,
                           total=len(bars))
        bars = sorted(bars, key=lambda b: b.completion)[:MAX_BARS]

    def units(view: TaskFacts) -> tuple[tuple[str, float | None, float], ...]:
        reached = view.units
        return tuple((name, reached[name].value if name in reached else None, quota)
                     for name, quota in view.task.quotas.items())

    def unit_word(view: TaskFacts) -> str:
        # 所/个/人 are the plan's own words; an English chart shows the bare numbers instead.
        unit = view.task.target_unit or ""
        return unit if unit.isascii() or t("layout.chart_unit_words", lang) == "yes" else ""

    targets = [TargetBar(
        _target_label(v, lang), v.value, v.task.target_value or 0.0, unit_word(v),
        v.status.due, v.status.expected / 100 if v.status.expected is not None else None,
        units(v)) for v in s.targets]
    # Dated targets by deadline, then the standing ones; the first MAX_BARS of them.
    targets = sorted(targets, key=lambda b: (b.due is None, b.due or at.date(),
                                             b.label))[:MAX_BARS]
    trend = [TrendPoint(d.day, d.completion or 0.0) for d in figures]
    expected = [TrendPoint(d.day, d.expected) for d in figures if d.expected is not None]
    return ChartData(bars, dept_subtitle, targets, trend, expected, subtitle, at,
                     plan_title(info, lang))


def render_charts(data: DigestData, out_dir: Path, lang: str = "zh") -> list[Path]:
    """The three PNGs: completion per department, numeric targets (a target split by county
    units with the units furthest behind), the weekly trend (drawn from `chart_data`)."""
    return draw_charts(chart_data(data, lang), out_dir, lang)


def draw_charts(c: ChartData, out_dir: Path, lang: str = "zh") -> list[Path]:
    """The three PNGs of `chart_data`'s bars and points (the digest's facts need not be held
    while they are drawn)."""
    from bot.outputs import charts

    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{c.at:%Y-%m-%d}"
    # The targets' chart first: the tallest (~3000 px with twenty targets, 13 MB of pixels),
    # drawn before the other charts' leftovers (glyphs, figures awaiting the cycle collector)
    # are held, which puts the process's peak ~2 MB lower at 100x. The album keeps its order.
    targets = charts.render_targets(
        c.targets, out_dir / f"targets-{stamp}.png",
        title=t("chart_targets", lang, html=False), today=c.at.date(),
        subtitle=c.subtitle, lang=lang)
    return [
        charts.render_departments(
            c.departments, out_dir / f"departments-{stamp}.png",
            title=t("chart_departments", lang, html=False), subtitle=c.dept_subtitle,
            plan=c.plan, lang=lang),
        targets,
        charts.render_trend(
            c.trend, out_dir / f"trend-{stamp}.png",
            title=t("chart_trend", lang, html=False), subtitle=c.subtitle,
            expected=c.expected, lang=lang),
    ]

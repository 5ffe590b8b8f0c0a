"""The weekly digest: its facts (DigestData) and the charts that go with it (the words are in
bot/outputs/render/digest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.language.i18n import field, t
from bot.outputs.render import plan_title
from bot.services.progress import (
    DeptSummary,
    PlanSummary,
    TaskView,
    plan_summary,
    quotas_of,
    unit_values,
)
from bot.store.connection import utc_iso
from bot.store.meta import meta

TREND_WEEKS = 12
MAX_BARS = 20  # per chart
DUE_AHEAD_DAYS = 14


@dataclass(frozen=True)
class DigestData:
    at: datetime
    info: dict[str, str]  # the plan's title and document number
    summary: PlanSummary
    last_week: float | None  # plan completion seven days earlier
    reports_this_week: int
    evidence_this_week: int
    trend: list[tuple[date, float]]  # (week end, completion), from the first tracked week
    expected: list[tuple[date, float]] = default(default_factory=list)  # the plan's 序时进度
    units: dict[str, dict[str, float]] = default(default_factory=dict)  # task -> county -> value


def completion_on(db: Database, day: date, tz, store: bool = True) -> float | None:
    """The plan's completion at the end of a past day: from a snapshot, else computed and kept
    (unless `store` is False: a day not yet over could still receive reports)."""
    row = db.execute("SELECT completion FROM snapshots WHERE day = ?", [day.isoformat()]
                     ).fetchone()
    if row:
        return row[0]
    completion = plan_summary(db, datetime.combine(day, time(23, 59, 59), tz),
                              historical=True).completion
    if completion is not None and store:
        db["snapshots"].upsert({"day": day.isoformat(), "completion": completion}, pk="day")
    return completion


def tracking_began(db: Database) -> datetime | None:
    """When the record starts: the plan's first load or the first report, whichever is earlier."""
    row = db.execute("SELECT min(at) FROM (SELECT min(at) AS at FROM audit "
                     "UNION ALL SELECT min(at) FROM reports)").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def expected_on(db: Database, day: date) -> float | None:
    """The plan's 序时进度 on a day: the mean time-proportional progress of its dated work
    (tasks and current occurrences with a due date; standing duties have none)."""
    from bot.domain.marks import expected_progress
    from bot.services.directory import catalogue
    from bot.services.progress import window

    values = []
    for task in catalogue(db).tasks:
        opens, due, _ = window(task, day)
        if due is not None:
            values.append(expected_progress(opens, due, day))
    return sum(values) / len(values) if values else None


def digest_data(db: Database, now: datetime, today: date | None = None) -> DigestData:
    """Gather the digest's facts as of `now` (reports after `now` are ignored).

    Snapshots are kept only for days before `today` (the real date; default `now`'s): a digest
    asked for a future date computes its figures but stores nothing that later reports would
    make wrong."""
    today = today or now.date()
    newest = db.execute("SELECT at FROM reports ORDER BY id DESC LIMIT 1").fetchone()
    # Scan history only when asked about the past; for now, the kept newest rows suffice.
    past = newest is not None and newest[0] > utc_iso(now)
    summary = plan_summary(db, now, historical=past)
    week_ago = now - timedelta(days=7)
    last_week = completion_on(db, week_ago.date(), now.tzinfo, store=week_ago.date() < today)
    # Reports only: a coordinator's close or reopen is a review, not something received.
    counts = db.execute(
        "SELECT (SELECT count(*) FROM reports WHERE at > ? AND at <= ? AND revoked_at IS NULL "
        "AND kind IN ('progress', 'claim')), (SELECT count(*) FROM evidence WHERE at > ? AND at <= ?)",
        [utc_iso(week_ago), utc_iso(now)] * 2).fetchone()
    # The trend starts at the first tracked week: no flat zeros from before the bot existed.
    began = tracking_began(db)
    first = began.astimezone(now.tzinfo).date() if began else now.date()
    days = [now.date() - timedelta(weeks=w) for w in range(TREND_WEEKS - 1, 0, -1)]
    days = [d for d in days if d >= first - timedelta(days=6)]
    trend = [(d, completion_on(db, d, now.tzinfo, store=d < today) or 0.0) for d in days]
    trend.append((now.date(), summary.completion or 0.0))
    expected = [(d, expected_on(db, d)) for d, _ in trend]
    units = {v.task["id"]: unit_values(db, v.task["id"], v.period, now)
             for v in summary.targets if quotas_of(v.task)}
    return DigestData(now, meta(db), summary, last_week, counts[0], counts[1], trend,
                      [(d, e) for d, e in expected if e is not None], units)


# ---------------------------------------------------------------- charts


def _target_label(view: TaskView, lang: str) -> str:
    metric = field(view.task, "metric", lang)
    due = view.status.due
    return t("chart_target_label", lang, html=False, metric=metric, year=due.year) if due else metric


def _dept_expected(d: DeptSummary) -> float | None:
    dated = [v.status.expected for v in d.tasks if v.status.expected is not None]
    return sum(dated) / len(dated) if dated else None


def render_charts(data: DigestData, out_dir: Path, lang: str = "zh") -> list[Path]:
    """The three PNGs: completion per department, numeric targets (a target split by county
    units with the units furthest behind), the weekly trend."""
    from bot.outputs import charts

    out_dir.mkdir(parents=True, exist_ok=True)
    s = data.summary
    colour = {"overdue": "red", "behind": "yellow", "due_soon": "blue", "blocked": "yellow"}

    def dept_colour(d: DeptSummary) -> str:
        for status in ("overdue", "blocked", "behind", "due_soon"):
            if d.counts[status]:
                return colour[status]
        return "grey" if d.counts["no_report"] == len(d.tasks) else "green"

    stamp = f"{data.at:%Y-%m-%d}"
    bars = [charts.DeptBar(field(d.dept, "dept", lang), d.completion or 0.0, dept_colour(d),
                           dict(d.counts), _dept_expected(d)) for d in s.departments]
    subtitle = t("chart_as_of", lang, html=False, date=stamp)
    dept_subtitle = subtitle
    if len(bars) > MAX_BARS:
        # A phone shows about twenty bars legibly; the ones furthest behind matter most.
        dept_subtitle += t("chart_furthest_behind", lang, html=False, shown=MAX_BARS,
                           total=len(bars))
        bars = sorted(bars, key=lambda b: b.completion)[:MAX_BARS]

    def units(view: TaskView) -> tuple[tuple[str, float | None, float], ...]:
        quotas = quotas_of(view.task)
        if not quotas:
            return ()
        reached = data.units.get(view.task["id"], {})
        return tuple((name, reached.get(name), quota) for name, quota in quotas.items())

    def unit_word(view: TaskView) -> str:
        # 所/个/人 are the plan's own words; an English chart shows the bare numbers instead.
        unit = view.task["target_unit"] or ""
        return unit if unit.isascii() or t("layout.chart_unit_words", lang) == "yes" else ""

    targets = [charts.TargetBar(
        _target_label(v, lang), v.value, v.task["target_value"], unit_word(v),
        v.status.due, v.status.expected / 100 if v.status.expected is not None else None,
        units(v)) for v in s.targets]
    # Dated targets by deadline, then the standing ones; the first MAX_BARS of them.
    targets = sorted(targets, key=lambda b: (b.due is None, b.due or data.at.date(),
                                             b.label))[:MAX_BARS]
    trend = [charts.TrendPoint(day, completion) for day, completion in data.trend]
    expected = [charts.TrendPoint(day, value) for day, value in data.expected]
    return [
        charts.render_departments(
            bars, out_dir / f"departments-{stamp}.png",
            title=t("chart_departments", lang, html=False), subtitle=dept_subtitle,
            plan=plan_title(data.info, lang), lang=lang),
        charts.render_targets(
            targets, out_dir / f"targets-{stamp}.png",
            title=t("chart_targets", lang, html=False), today=data.at.date(),
            subtitle=subtitle, lang=lang),
        charts.render_trend(
            trend, out_dir / f"trend-{stamp}.png",
            title=t("chart_trend", lang, html=False), subtitle=subtitle,
            expected=expected, lang=lang),
    ]

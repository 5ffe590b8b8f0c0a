"""The weekly digest: what it says (pure, from a DigestData) and the charts that go with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.db import meta, utc_iso
from bot.i18n import field, t
from bot.progress import DeptSummary, PlanSummary, TaskView, plan_summary

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
    trend: list[tuple[date, float]]  # (week end, completion)


def completion_on(db: Database, day: date, tz) -> float | None:
    """The plan's completion at the end of a past day: from a snapshot, else computed and kept."""
    row = db.execute("SELECT completion FROM snapshots WHERE day = ?", [day.isoformat()]
                     ).fetchone()
    if row:
        return row[0]
    completion = plan_summary(db, datetime.combine(day, time(23, 59, 59), tz),
                              historical=True).completion
    if completion is not None:
        db["snapshots"].upsert({"day": day.isoformat(), "completion": completion}, pk="day")
    return completion


def digest_data(db: Database, now: datetime) -> DigestData:
    """Gather the digest's facts as of `now` (reports after `now` are ignored)."""
    newest = db.execute("SELECT at FROM reports ORDER BY id DESC LIMIT 1").fetchone()
    # Scan history only when asked about the past; for now, the kept newest rows suffice.
    past = newest is not None and newest[0] > utc_iso(now)
    summary = plan_summary(db, now, historical=past)
    week_ago = now - timedelta(days=7)
    last_week = completion_on(db, week_ago.date(), now.tzinfo)
    counts = db.execute(
        "SELECT (SELECT count(*) FROM reports WHERE at > ? AND at <= ? AND revoked_at IS NULL),"
        " (SELECT count(*) FROM evidence WHERE at > ? AND at <= ?)",
        [utc_iso(week_ago), utc_iso(now)] * 2).fetchone()
    trend = [(now.date() - timedelta(weeks=w), completion_on(db, now.date() - timedelta(weeks=w),
                                                             now.tzinfo) or 0.0)
             for w in range(TREND_WEEKS - 1, 0, -1)]
    trend.append((now.date(), summary.completion or 0.0))
    return DigestData(now, meta(db), summary, last_week, counts[0], counts[1], trend)


# ---------------------------------------------------------------- charts


def _target_label(view: TaskView, lang: str) -> str:
    metric = view.task["target_metric"] or field(view.task, "title", lang)
    due = view.status.due
    return t("chart_target_label", lang, html=False, metric=metric, year=due.year) if due else metric


def render_charts(data: DigestData, out_dir: Path, lang: str = "zh") -> list[Path]:
    """The three PNGs: completion per department, numeric targets, the weekly trend."""
    from bot import charts  # matplotlib is heavy: load it only when a digest is drawn

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
                           dict(d.counts)) for d in s.departments]
    subtitle = t("chart_as_of", lang, html=False, date=stamp)
    if len(bars) > MAX_BARS:
        # A phone shows about twenty bars legibly; the ones furthest behind matter most.
        subtitle += t("chart_furthest_behind", lang, html=False, shown=MAX_BARS, total=len(bars))
        bars = sorted(bars, key=lambda b: b.completion)[:MAX_BARS]
    targets = [charts.TargetBar(_target_label(v, lang), v.value, v.task["target_value"],
                                v.task["target_unit"] or "", v.status.due or data.at.date())
               for v in s.targets if v.status.due]
    targets = sorted(targets, key=lambda b: (b.due, b.label))[:MAX_BARS]
    trend = [charts.TrendPoint(day, completion) for day, completion in data.trend]
    return [
        charts.render_departments(
            bars, out_dir / f"departments-{stamp}.png",
            title=t("chart_departments", lang, html=False), subtitle=subtitle),
        charts.render_targets(
            targets, out_dir / f"targets-{stamp}.png",
            title=t("chart_targets", lang, html=False), today=data.at.date()),
        charts.render_trend(
            trend, out_dir / f"trend-{stamp}.png",
            title=t("chart_trend", lang, html=False)),
    ]


"""The weekly digest: what it says (pure, from a DigestData) and the charts that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from pathlib import Path

from sqlite_utils import Database

from bot.db import utc_iso
from bot.i18n import t
from bot.progress import (
    DeptSummary,
    PlanSummary,
    TaskView,
    plan_summary,
    quotas_of,
    unit_values,
)
from bot.replies import counts_line, task_line
from bot.views import dept_name, pct, plan_title, title_of

TREND_WEEKS = 12
MAX_BARS = 20  # per chart
DUE_AHEAD_DAYS = 14


@dataclass(frozen=True)
class DigestData:
    at: datetime
    title: str
    summary: PlanSummary
    last_week: float | None  # plan completion seven days earlier
    reports_this_week: int
    evidence_this_week: int
    trend: list[tuple[date, float]]  # (week end, completion), from the first tracked week
    expected: list[tuple[date, float]] = field(default_factory=list)  # the plan's 序时进度
    units: dict[str, dict[str, float]] = field(default_factory=dict)  # task -> county -> value


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
    from bot.directory import catalogue
    from bot.policy import expected_progress
    from bot.progress import window

    values = []
    for task in catalogue(db).tasks:
        opens, due, _ = window(task, day)
        if due is not None:
            values.append(expected_progress(opens, due, day))
    return sum(values) / len(values) if values else None


def digest_data(db: Database, now: datetime, lang: str = "zh",
                today: date | None = None) -> DigestData:
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
        "AND kind = 'progress'), (SELECT count(*) FROM evidence WHERE at > ? AND at <= ?)",
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
    return DigestData(now, plan_title(db, lang), summary, last_week, counts[0], counts[1], trend,
                      [(d, e) for d, e in expected if e is not None], units)


def _change(now: float | None, before: float | None, lang: str) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if abs(delta) < 0.5:
        return "(与上周持平)" if lang == "zh" else " (same as last week)"
    sign = "+" if delta > 0 else "−"
    return (f"(较上周 {sign}{abs(delta):.0f} 个百分点)" if lang == "zh"
            else f" ({sign}{abs(delta):.0f} points on last week)")


def _dept_line(d: DeptSummary, lang: str) -> str:
    green = d.counts["on_track"] + d.counts["closed"] + d.counts["pending_check"]
    amber = d.counts["behind"] + d.counts["due_soon"] + d.counts["blocked"]
    red = d.counts["overdue"]
    return (f"{escape(dept_name(d.dept, lang))} {pct(d.completion)} · "
            f"🟢{green} 🟡{amber} 🔴{red} ⚪{d.counts['no_report']}")


def digest_text(data: DigestData, lang: str = "zh") -> str:
    """The digest's message: completion and change, departments, overdue, activity, what is next."""
    s = data.summary
    depts = {d.dept["code"]: d.dept for d in s.departments}
    zh = lang == "zh"
    lines = [
        f"📊 <b>{'每周督办简报' if zh else 'Weekly digest'}</b> · {data.at:%Y-%m-%d}",
        escape(data.title),
        (f"总体完成度 <b>{pct(s.completion)}</b>{_change(s.completion, data.last_week, lang)}"
         if zh else f"Plan completion <b>{pct(s.completion)}</b>"
         f"{_change(s.completion, data.last_week, lang)}"),
        counts_line(s.counts),
        "",
        f"<b>{'各部门' if zh else 'Departments'}</b>",
        *(_dept_line(d, lang) for d in sorted(s.departments, key=lambda d: -(d.completion or 0))),
        "",
    ]
    overdue = s.overdue
    if overdue:
        lines.append(f"<b>{t('overdue_header', lang, count=len(overdue))}</b>")
        lines += [task_line(v, lang, depts) for v in overdue]
    else:
        lines.append(t("no_overdue", lang))
    lines += ["", (f"本周收到报送 {data.reports_this_week} 条、佐证材料 {data.evidence_this_week} 份。"
                   if zh else f"This week: {data.reports_this_week} reports, "
                   f"{data.evidence_this_week} evidence files.")]
    horizon = data.at.date() + timedelta(days=DUE_AHEAD_DAYS)
    upcoming = sorted((v for v in s.tasks if v.status.due and not v.status.done
                       and data.at.date() <= v.status.due <= horizon),
                      key=lambda v: (v.status.due, v.task["id"]))
    lines.append("")
    if upcoming:
        lines.append(t("due_header", lang, days=DUE_AHEAD_DAYS, count=len(upcoming)))
    else:  # "nothing falls due" must not read as "all is well" while tasks are overdue
        lines.append(t("due_none", lang, days=DUE_AHEAD_DAYS) + (
            t("due_none_but_overdue", lang, count=len(overdue)) if overdue else ""))
    lines += [task_line(v, lang, depts) for v in upcoming]
    return "\n".join(lines)


# ---------------------------------------------------------------- charts


def _target_label(view: TaskView, lang: str) -> str:
    metric = (view.task["target_metric"] if lang == "zh" else None) or title_of(view.task, lang)
    due = view.status.due
    return f"{metric}({due.year})" if due and lang == "zh" else (
        f"{metric} ({due.year})" if due else metric)


def _dept_expected(d: DeptSummary) -> float | None:
    dated = [v.status.expected for v in d.tasks if v.status.expected is not None]
    return sum(dated) / len(dated) if dated else None


def render_charts(data: DigestData, out_dir: Path, lang: str = "zh") -> list[Path]:
    """The three PNGs: completion per department, numeric targets (a target split by county
    units with the units furthest behind), the weekly trend."""
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
    zh = lang == "zh"
    bars = [charts.DeptBar(dept_name(d.dept, lang), d.completion or 0.0, dept_colour(d),
                           dict(d.counts), _dept_expected(d)) for d in s.departments]
    subtitle = t("chart_as_of", lang, html=False, date=stamp)
    dept_subtitle = subtitle
    if len(bars) > MAX_BARS:
        # A phone shows about twenty bars legibly; the ones furthest behind matter most.
        dept_subtitle += (f" · 完成度最低的 {MAX_BARS} 个(共 {len(bars)} 个)" if zh
                          else f" · the {MAX_BARS} furthest behind of {len(bars)}")
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
        return unit if zh or unit.isascii() else ""

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
            title="各部门完成度" if zh else "Completion by department", subtitle=dept_subtitle,
            plan=data.title, lang=lang),
        charts.render_targets(
            targets, out_dir / f"targets-{stamp}.png",
            title="量化指标进度" if zh else "Numeric targets", today=data.at.date(),
            subtitle=subtitle, lang=lang),
        charts.render_trend(
            trend, out_dir / f"trend-{stamp}.png",
            title="总体完成度周趋势" if zh else "Plan completion by week", subtitle=subtitle,
            expected=expected, lang=lang),
    ]

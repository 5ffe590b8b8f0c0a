"""The weekly digest: what it says (pure, from a DigestData) and the charts that go with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from pathlib import Path

from sqlite_utils import Database

from bot.db import utc_iso
from bot.i18n import t
from bot.progress import DeptSummary, PlanSummary, TaskView, plan_summary
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


def digest_data(db: Database, now: datetime, lang: str = "zh") -> DigestData:
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
    return DigestData(now, plan_title(db, lang), summary, last_week, counts[0], counts[1], trend)


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
    lines.append(t("due_header", lang, days=DUE_AHEAD_DAYS, count=len(upcoming)) if upcoming
                 else t("due_none", lang, days=DUE_AHEAD_DAYS))
    lines += [task_line(v, lang, depts) for v in upcoming]
    return "\n".join(lines)


# ---------------------------------------------------------------- charts


def _target_label(view: TaskView, lang: str) -> str:
    metric = view.task["target_metric"] or title_of(view.task, lang)
    due = view.status.due
    return f"{metric}({due.year})" if due else metric


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
    zh = lang == "zh"
    bars = [charts.DeptBar(dept_name(d.dept, lang), d.completion or 0.0, dept_colour(d),
                           dict(d.counts)) for d in s.departments]
    subtitle = f"截至 {stamp}" if zh else f"as of {stamp}"
    if len(bars) > MAX_BARS:
        # A phone shows about twenty bars legibly; the ones furthest behind matter most.
        subtitle += (f" · 完成度最低的 {MAX_BARS} 个(共 {len(bars)} 个)" if zh
                     else f" · the {MAX_BARS} furthest behind of {len(bars)}")
        bars = sorted(bars, key=lambda b: b.completion)[:MAX_BARS]
    targets = [charts.TargetBar(_target_label(v, lang), v.value, v.task["target_value"],
                                v.task["target_unit"] or "", v.status.due or data.at.date())
               for v in s.targets if v.status.due]
    targets = sorted(targets, key=lambda b: (b.due, b.label))[:MAX_BARS]
    trend = [charts.TrendPoint(day, completion) for day, completion in data.trend]
    return [
        charts.render_departments(
            bars, out_dir / f"departments-{stamp}.png",
            title="各部门完成度" if zh else "Completion by department", subtitle=subtitle),
        charts.render_targets(
            targets, out_dir / f"targets-{stamp}.png",
            title="量化指标进度" if zh else "Numeric targets", today=data.at.date()),
        charts.render_trend(
            trend, out_dir / f"trend-{stamp}.png",
            title="总体完成度周趋势" if zh else "Plan completion by week"),
    ]


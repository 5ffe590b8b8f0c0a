"""The weekly digest's message, from the facts gathered by bot.outputs.digest."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from bot.language.i18n import t
from bot.outputs.digest import DUE_AHEAD_DAYS, DigestData
from bot.outputs.render import counts_line, pct, plan_title
from bot.outputs.render.chat import dept_label, task_line
from bot.services.progress import DeptSummary


def _change(now: float | None, before: float | None, lang: str) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if abs(delta) < 0.5:
        return t("digest_change_same", lang)
    sign = "+" if delta > 0 else "−"
    return t("digest_change", lang, sign=sign, points=f"{abs(delta):.0f}")


def _dept_line(d: DeptSummary, lang: str) -> str:
    green = d.counts["on_track"] + d.counts["closed"] + d.counts["pending_check"]
    amber = d.counts["behind"] + d.counts["due_soon"] + d.counts["blocked"]
    red = d.counts["overdue"]
    return (f"{escape(dept_label(d.dept, lang))} {pct(d.completion)} · "
            f"🟢{green} 🟡{amber} 🔴{red} ⚪{d.counts['no_report']}")


def digest_text(data: DigestData, lang: str = "zh", queues: str = "") -> str:
    """The digest's message: completion and change, departments, overdue, activity, what is next."""
    s = data.summary
    depts = {d.dept["code"]: d.dept for d in s.departments}
    lines = [
        t("digest_title", lang, date=f"{data.at:%Y-%m-%d}"),
        escape(plan_title(data.info, lang)),
        t("digest_completion", lang, completion=pct(s.completion),
          change=_change(s.completion, data.last_week, lang)),
        counts_line(s.counts),
        "",
        t("digest_departments", lang),
        *(_dept_line(d, lang) for d in sorted(s.departments, key=lambda d: -(d.completion or 0))),
        "",
    ]
    overdue = s.overdue
    if overdue:
        lines.append(f"<b>{t('overdue_header', lang, count=len(overdue))}</b>")
        lines += [task_line(v, lang, depts) for v in overdue]
    else:
        lines.append(t("no_overdue", lang))
    lines += ["", t("digest_activity", lang, reports=data.reports_this_week,
                    evidence=data.evidence_this_week)]
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
    if queues:
        lines += ["", queues]
    return "\n".join(lines)

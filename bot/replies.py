"""What the bot says about the plan, as Telegram HTML, split under the 4096-character limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlite_utils import Database

from bot.i18n import STATE_LABELS, STATUS_LABELS, Html, label, t
from bot.policy import MARKS
from bot.progress import DeptSummary, PlanSummary, Recorded, TaskView, task_history
from bot.views import COUNT_COLUMNS, dept_name, pct, plan_title, target_text, timing, title_of

TELEGRAM_LIMIT = 4096


def mention(user_id: int, name: str | None) -> Html:
    """An HTML mention by user id: it works for people without a username."""
    return Html(f'<a href="tg://user?id={user_id}">{escape(name or str(user_id))}</a>')


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line ends so no message passes `limit`; tags never span lines, so none is cut."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a monster line: cut it, but never inside an entity or a tag
            cut = limit
            opened = max(line.rfind("&", 0, cut), line.rfind("<", 0, cut))
            if opened > 0 and not any(end in line[opened:cut] for end in (";", ">")):
                cut = opened
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return chunks or [text[:limit]]


def counts_line(counts: dict[str, int]) -> str:
    return " ".join(f"{MARKS[c]}{counts[c]}" for c in COUNT_COLUMNS if counts.get(c))


def task_line(view: TaskView, lang: str, depts: dict[str, dict] | None = None) -> str:
    owner = f"{escape(dept_name(depts[view.task['dept']], lang))} " if depts else ""
    target = f" {escape(target_text(view))}" if view.task["target_value"] is not None else ""
    return (f"{view.status.mark} <b>{view.task['id']}</b> {owner}{escape(title_of(view.task, lang))}"
            f" · {view.status.percent}%{target} · {escape(timing(view, lang))}")


def status_html(db: Database, summary: PlanSummary, lang: str) -> str:
    lines = [f"<b>{escape(plan_title(db, lang))}</b>",
             t("status_header", lang, title="", date=f"{summary.at:%Y-%m-%d}",
               completion=pct(summary.completion)).strip(),
             counts_line(summary.counts), ""]
    for d in sorted(summary.departments, key=lambda d: -(d.completion or 0)):
        lines.append(f"<b>{escape(dept_name(d.dept, lang))}</b> {pct(d.completion)} · "
                     f"{counts_line(d.counts)}")
    overdue = summary.overdue
    lines.append("")
    if overdue:
        depts = {d.dept["code"]: d.dept for d in summary.departments}
        lines.append(f"<b>{t('overdue_header', lang, count=len(overdue))}</b>")
        lines += [task_line(v, lang, depts) for v in overdue]
    else:
        lines.append(t("no_overdue", lang))
    return "\n".join(lines)


def department_html(d: DeptSummary, lang: str) -> str:
    name = d.dept["name"] if lang == "zh" else d.dept["name_en"]
    lines = [f"<b>{escape(name)}</b> ({d.dept['code']})",
             f"{pct(d.completion)} · {counts_line(d.counts)}", ""]
    lines += [task_line(v, lang) for v in d.tasks]
    return "\n".join(lines)


def history_lines(db: Database, task_id: str, lang: str, tz, limit: int = 10) -> list[str]:
    lines = []
    for r in task_history(db, task_id, limit):
        when = datetime.fromisoformat(r["at"]).astimezone(tz)
        kind = {"close": "✅", "reopen": "↩️"}.get(r["kind"], "•")
        revoked = " <s>(已撤回)</s>" if r["revoked_at"] and lang == "zh" else (
            " <s>(revoked)</s>" if r["revoked_at"] else "")
        value = f" {r['value']:g}" if r["value"] is not None else ""
        note = f" {escape(r['note'])}" if r["note"] else ""
        who = escape(r["user_name"] or str(r["user_id"]))
        lines.append(f"{kind} {when:%m-%d %H:%M} {r['percent']}%{value} "
                     f"{label(STATE_LABELS, r['state'], lang)} · {who}{note}{revoked}")
    return lines


def task_html(db: Database, view: TaskView, lang: str, tz) -> str:
    task = view.task
    s = view.status
    expected = (f" · {'序时进度' if lang == 'zh' else 'expected'} {s.expected}%"
                if s.expected is not None else "")
    lines = [f"<b>{task['id']}</b> {escape(title_of(task, lang))}",
             f"{escape(task['clause'])} · {task['dept']}",
             f"{s.mark} {label(STATUS_LABELS, s.status, lang)} · {s.percent}%{expected} · "
             f"{escape(timing(view, lang))}"]
    if task["target_value"] is not None:
        lines.append(f"{escape(task['target_metric'] or '')} {escape(target_text(view))}")
    lines.append(f"{'佐证材料' if lang == 'zh' else 'Evidence'}: {view.evidence}")
    history = history_lines(db, task["id"], lang, tz)
    if history:
        lines += ["", t("history_header", lang, task=task["id"]), *history]
    return "\n".join(lines)


def due_html(views: list[TaskView], now: datetime, days: int, lang: str,
             depts: dict[str, dict]) -> str:
    horizon = (now + timedelta(days=days)).date()
    due = sorted((v for v in views if v.status.due and not v.status.done
                  and now.date() <= v.status.due <= horizon),
                 key=lambda v: (v.status.due, v.task["id"]))
    if not due:
        return t("due_none", lang, days=days)
    return "\n".join([t("due_header", lang, days=days, count=len(due)),
                      *(task_line(v, lang, depts) for v in due)])


def recorded_text(rec: Recorded, lang: str, html: bool = True) -> str:
    """Exactly what was recorded, for the acknowledgement (sent only after the commit)."""
    if rec.duplicate:
        return t("report_duplicate", lang, html=html)
    r = rec.report
    unit = rec.task["target_unit"] or ""
    value = f",{r['value']:g}{unit}" if r["value"] is not None and unit != "%" else ""
    if r.get("unit"):  # a county unit's figure: say whose it is and what the city now has
        value = t("report_unit_value", lang, html=html, unit=r["unit"],
                  value=f"{r['unit_value']:g}", total=f"{r['value']:g}", u=unit)
    return t("report_recorded", lang, html=html, task=rec.task["id"],
             title=title_of(rec.task, lang), percent=r["percent"],
             state=label(STATE_LABELS, r["state"], lang), value=value,
             note=f"\n{r['note']}" if r["note"] else "", mark=rec.status.mark,
             status=label(STATUS_LABELS, rec.status.status, lang))

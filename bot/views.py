"""Turning summaries into text: plain tables for the command line."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.db import meta
from bot.directory import find_department
from bot.i18n import KIND_LABELS, STATE_LABELS, STATUS_LABELS, label, t
from bot.progress import PlanSummary, TaskView, plan_summary, task_history, task_view
from bot.recurrence import Recurrence
from bot.table import render_table

COUNT_COLUMNS = ("on_track", "behind", "due_soon", "overdue", "blocked", "pending_check",
                 "closed", "no_report")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def date_zh(moment: datetime, lang: str) -> str:
    return f"{moment:%Y年%-m月%-d日}" if lang == "zh" else f"{moment:%Y-%m-%d}"


def title_of(task: dict, lang: str) -> str:
    return task["title"] if lang == "zh" else (task["title_en"] or task["title"])


def dept_name(dept: dict, lang: str) -> str:
    return dept["short"] if lang == "zh" else dept["name_en"]


def timing(view: TaskView, lang: str) -> str:
    """'2022-06-30 逾期1613天' or '长期' for a standing duty."""
    s = view.status
    if s.due is None:
        if view.task["recurrence"]:
            return Recurrence.from_json(view.task["recurrence"]).describe(lang)
        return t("standing", lang, html=False)
    text = s.due.isoformat()
    if s.overdue:
        text += " " + t("overdue_days", lang, html=False, days=-s.days_left)
    elif not s.done and s.days_left is not None and s.days_left <= 30:
        text += " " + t("days_left", lang, html=False, days=s.days_left)
    return text


def target_text(view: TaskView) -> str:
    task = view.task
    if task["target_value"] is None:
        return ""
    value = view.value
    shown = "—" if value is None else f"{value:g}"
    return f"{shown}/{task['target_value']:g}{task['target_unit'] or ''}"


def plan_title(db: Database, lang: str) -> str:
    info = meta(db)
    title = info.get("title" if lang == "zh" else "title_en") or info.get("title") or "duban"
    return f"{title}({info['document']})" if info.get("document") else title


def _header(summary: PlanSummary, db: Database, lang: str) -> str:
    return t("status_header", lang, html=False, title=plan_title(db, lang),
             date=date_zh(summary.at, lang), completion=pct(summary.completion))


def render_plan_plain(db: Database, at: datetime, lang: str, historical: bool = False) -> str:
    summary = plan_summary(db, at, historical)
    heads = (["代码", "部门", "完成度", "任务"] if lang == "zh"
             else ["code", "department", "done", "tasks"])
    heads += [label(STATUS_LABELS, c, lang) for c in COUNT_COLUMNS]
    rows = [[d.dept["code"], dept_name(d.dept, lang), pct(d.completion), str(len(d.tasks)),
             *(str(d.counts[c]) for c in COUNT_COLUMNS)] for d in summary.departments]
    rows.append(["", "合计" if lang == "zh" else "total", pct(summary.completion),
                 str(len(summary.tasks)), *(str(summary.counts[c]) for c in COUNT_COLUMNS)])
    out = [_header(summary, db, lang), "",
           render_table(heads, rows, right=range(2, len(heads))), ""]
    overdue = summary.overdue
    out.append(t("overdue_header", lang, html=False, count=len(overdue)) if overdue
               else t("no_overdue", lang, html=False))
    depts = {d.dept["code"]: d.dept for d in summary.departments}
    out += [f"  {v.task['id']}  {dept_name(depts[v.task['dept']], lang)}  {title_of(v.task, lang)}"
            f"  ({timing(v, lang)}, {v.status.percent}%)" for v in overdue]
    targets = summary.targets
    if targets:
        out += ["", "数量指标:" if lang == "zh" else "Numeric targets:"]
        out += [f"  {v.task['id']}  {v.task['target_metric'] or title_of(v.task, lang)}  "
                f"{target_text(v)}  {timing(v, lang)}" for v in targets]
    return "\n".join(out)


def render_department_plain(db: Database, text: str, at: datetime, lang: str,
                            historical: bool = False) -> str:
    dept = find_department(db, text)
    summary = plan_summary(db, at, historical, dept=dept["code"])
    d = summary.departments[0]
    heads = (["编号", "状态", "进度", "期限", "任务"] if lang == "zh"
             else ["id", "status", "progress", "due", "task"])
    rows = [[v.task["id"], f"{v.status.mark} {label(STATUS_LABELS, v.status.status, lang)}",
             f"{v.status.percent}%" + (f" {target_text(v)}" if v.task["target_value"] else ""),
             timing(v, lang), title_of(v.task, lang)] for v in d.tasks]
    name = dept["name"] if lang == "zh" else dept["name_en"]
    counts = " · ".join(f"{label(STATUS_LABELS, c, lang)} {d.counts[c]}"
                        for c in COUNT_COLUMNS if d.counts[c])
    return "\n".join([
        f"{name} ({dept['code']})",
        f"{'完成度' if lang == 'zh' else 'completion'} {pct(d.completion)} · {counts}",
        "",
        render_table(heads, rows),
    ])


def render_task_plain(db: Database, ref: str, at: datetime, lang: str,
                      historical: bool = False) -> str:
    view = task_view(db, ref, at, historical)
    task = view.task
    s = view.status
    lines = [
        f"{task['id']} {title_of(task, lang)}",
        f"{'条款' if lang == 'zh' else 'clause'}: {task['clause']} · "
        f"{label(KIND_LABELS, task['kind'], lang)} · {task['dept']}",
        f"{'状态' if lang == 'zh' else 'status'}: {s.mark} {label(STATUS_LABELS, s.status, lang)}"
        f" · {s.percent}%"
        + (f" · {'序时进度' if lang == 'zh' else 'expected'} {s.expected}%" if s.expected is not None
           else "")
        + f" · {timing(view, lang)}",
    ]
    if task["target_value"] is not None:
        lines.append(f"{task['target_metric'] or ''} {target_text(view)}")
    if task["archived_at"]:
        lines.append("(已归档 archived)")
    history = task_history(db, task["id"])
    if history:
        lines += ["", "报送记录:" if lang == "zh" else "History:"]
        for r in history:
            when = datetime.fromisoformat(r["at"]).astimezone(at.tzinfo)
            revoked = " (已撤回 revoked)" if r["revoked_at"] else ""
            period = f" [{r['period']}]" if r["period"] else ""
            lines.append(f"  {when:%Y-%m-%d %H:%M}{period} {r['kind']} {r['percent']}% "
                         f"{label(STATE_LABELS, r['state'], lang)} "
                         f"{r['user_name'] or r['user_id']} {r['note'] or ''}{revoked}".rstrip())
    lines.append(f"{'佐证材料' if lang == 'zh' else 'evidence'}: {view.evidence}")
    return "\n".join(lines)

"""Plain-text output for the command line: aligned tables, no HTML."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from bot.domain.facts import DeptFacts, Facts, TaskFacts
from bot.language.i18n import field, label, plan_title, t
from bot.outputs.render import COUNT_COLUMNS, author, day_plain, pct, target_text, timing
from bot.outputs.render.table import render_table


def _cols(key: str, lang: str) -> list[str]:
    return t(key, lang, html=False).split(",")


def _word(key: str, lang: str) -> str:
    return t(key, lang, html=False)


def plan_plain(info: dict[str, str], summary: Facts, lang: str) -> str:
    heads = [*_cols("cols.plan", lang), *(label("status", c, lang) for c in COUNT_COLUMNS)]
    rows = [[field(d.dept, "dept", lang), pct(d.completion), str(len(d.tasks)),
             *(str(d.counts[c]) for c in COUNT_COLUMNS)] for d in summary.departments]
    rows.append([_word("word.total", lang), pct(summary.completion),
                 str(len(summary.tasks)), *(str(summary.counts[c]) for c in COUNT_COLUMNS)])
    out = [t("status_header", lang, html=False, title=plan_title(info, lang),
             date=day_plain(summary.at, lang), completion=pct(summary.completion)), "",
           render_table(heads, rows, right=range(1, len(heads))), ""]
    overdue = summary.overdue
    out.append(t("overdue_header", lang, html=False, count=len(overdue)) if overdue
               else t("no_overdue", lang, html=False))
    depts = {d.dept["code"]: d.dept for d in summary.departments}
    out += [f"  {v.task.id}  {field(depts[v.task.dept], 'dept', lang)}  "
            f"{field(v.task, 'title', lang)}  ({timing(v, lang)}, {v.status.percent}%)"
            for v in overdue]
    targets = summary.targets
    if targets:
        out += ["", _word("word.targets", lang)]
        out += [f"  {v.task.id}  {field(v.task, 'metric', lang)}  "
                f"{target_text(v)}  {timing(v, lang)}" for v in targets]
    return "\n".join(out)


def department_plain(d: DeptFacts, lang: str) -> str:
    rows = [[v.task.id, f"{v.status.mark} {label('status', v.status.word, lang)}",
             f"{v.status.percent}%" + (f" {target_text(v)}" if v.task.target_value else ""),
             timing(v, lang), field(v.task, "title", lang)] for v in d.tasks]
    counts = " · ".join(f"{label('status', c, lang)} {d.counts[c]}"
                        for c in COUNT_COLUMNS if d.counts[c])
    return "\n".join([
        field(d.dept, "dept_full", lang),
        f"{_word('word.completion', lang)} {pct(d.completion)} · {counts}",
        "",
        render_table(_cols("cols.dept", lang), rows),
    ])


def task_plain(view: TaskFacts, dept: dict[str, Any] | None, history: list[dict[str, Any]],
               lang: str, tz: tzinfo) -> str:
    task = view.task
    s = view.status
    expected = (f" · {_word('word.expected', lang)} {s.expected}%" if s.expected is not None
                else "")
    lines = [
        f"{task.id} {field(task, 'title', lang)}",
        f"{_word('word.clause', lang)}: {task.clause} · {label('kind', task.kind, lang)} · "
        f"{field(dept, 'dept', lang)}",
        f"{_word('word.status', lang)}: {s.mark} {label('status', s.word, lang)}"
        f" · {s.percent}%{expected} · {timing(view, lang)}",
    ]
    if task.target_value is not None:
        lines.append(f"{field(task, 'metric', lang)} {target_text(view)}")
    if task.archived_at:
        lines.append(_word("word.archived", lang))
    if history:
        lines += ["", _word("word.history", lang) + ":"]
        for r in history:
            when = datetime.fromisoformat(r["at"]).astimezone(tz)
            revoked = " " + _word("word.revoked", lang) if r["revoked_at"] else ""
            period = f" [{r['period']}]" if r["period"] else ""
            lines.append(f"  {when:%Y-%m-%d %H:%M}{period} {label('report_kind', r['kind'], lang)} "
                         f"{r['percent']}% {label('state', r['state'], lang)} "
                         f"{author(r, lang)} {r['note'] or ''}{revoked}".rstrip())
    lines.append(t("evidence_count", lang, html=False, count=view.evidence))
    return "\n".join(lines)


def members_plain(rows: list[dict[str, Any]], lang: str) -> str:
    if not rows:
        return _word("word.none", lang)
    table = [[str(m["user_id"]), m["name"] or "",
              field({"short": m["dept_short"], "name_en": m["dept_en"]}, "dept", lang)
              if m["dept"] else "—",
              t("role_" + m["role"], lang, html=False),
              t("member_status_" + m["status"], lang, html=False)] for m in rows]
    return render_table(_cols("cols.members", lang), table)

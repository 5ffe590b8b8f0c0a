"""What the bot says in Telegram, as HTML. Every piece of stored or typed text is escaped here
(or by the catalogue's formatter); handlers only send what these functions return."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from html import escape
from typing import Any, TypeVar

from bot.domain.facts import DeptFacts, Facts, Occurrence, Queues, TaskFacts
from bot.domain.lifecycle import REPORT_KINDS
from bot.domain.task import Task
from bot.language.i18n import (
    DEFAULT_LANG,
    Html,
    Key,
    field,
    format_short_day,
    label,
    plan_title,
    t,
    task_named,
)
from bot.outputs.render import author, counts_line, pct, target_text, timing, timing_of
from bot.outputs.render.paper import notice_tasks
from bot.services.commands import Recorded

T = TypeVar("T")
KB = 1024
MB = KB * KB


# What a Telegram client would turn into a link or a command by itself: URLs, bare domains,
# e-mail addresses, @mentions, /commands, #hashtags, $cashtags and phone-like numbers.
_LINKABLE = re.compile(
    r"(?i)[a-z][a-z0-9+.-]*://|www\.|[\w-]+\.[a-z]{2,}\b|@\w|(?<!\w)/[a-z]|#\w|\$[a-z]"
    r"|\+?\d[\d\s()-]{6,}\d")
# Marks that reorder or hide text (bidi overrides, zero-width characters): a name could use them
# to show one thing and mean another.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def inert_name(name: str | None, fallback: str = "—") -> Html:
    """A name people chose for themselves, shown as text: escaped, on one line, hidden marks
    removed, and set in <code> when it holds anything a client would make clickable (a link,
    @someone, a /command), so a card never carries a link or a command someone else wrote."""
    text = _HIDDEN.sub("", " ".join((name or "").split()))[:128] or fallback
    shown = escape(text, quote=False)
    return Html(f"<code>{shown}</code>" if _LINKABLE.search(text) else shown)


def mention(user_id: int, name: str | None) -> Html:
    """An HTML mention by user id: it works for people without a username."""
    shown = _HIDDEN.sub("", " ".join((name or "").split()))[:128] or str(user_id)
    return Html(f'<a href="tg://user?id={user_id}">{escape(shown)}</a>')


def dept_label(dept: Mapping[str, Any] | None, lang: str) -> str:
    """A department as people call it (卫健委 / Health Commission), never its code."""
    return field(dept, "dept", lang) if dept else "—"


SHOWN_AT_MOST = 10  # lines of one list in a message; the count says how many there are in all


def capped(items: Sequence[T], line: Callable[[T], str], lang: str) -> list[str]:
    """The first SHOWN_AT_MOST items as lines, then how many more there are (a list of 500
    claims is 13 messages nobody reads; the count, the oldest ones and /export tell all)."""
    lines = [line(item) for item in items[:SHOWN_AT_MOST]]
    if len(items) > SHOWN_AT_MOST:
        lines.append(t("list_more", lang, count=len(items) - SHOWN_AT_MOST))
    return lines


def task_line(view: TaskFacts, lang: str, depts: Mapping[str, Mapping[str, Any]] | None = None,
              occurrence: Occurrence | None = None) -> str:
    """A task on one line: its mark, owner, title, progress and timing (of its headline, or of
    the given occurrence of a recurring duty)."""
    owner = f"{escape(dept_label(depts[view.task.dept], lang))} " if depts else ""
    target = f" {escape(target_text(view))}" if view.task.numeric else ""
    shown = occurrence or view.headline
    status = shown.status
    when = timing(view, lang) if shown is view.headline else timing_of(shown, lang)
    elsewhere = () if occurrence is not None else view.claims_elsewhere
    waiting = t("task_claims_elsewhere", lang, periods=t("list_sep", lang).join(
        o.period for o in elsewhere)) if elsewhere else ""
    return (f"{status.mark} <b>{view.task.id}</b> {owner}"
            f"{escape(field(view.task, 'title', lang))}"
            f" · {status.percent}%{target} · {escape(when)}{waiting}")


def status_html(info: dict[str, str], summary: Facts, lang: str, queues: str = "") -> str:
    lines = [f"<b>{escape(plan_title(info, lang))}</b>",
             t("status_header", lang, title="", date=f"{summary.at:%Y-%m-%d}",
               completion=pct(summary.completion)).strip(),
             counts_line(summary, lang), ""]
    shown = sorted(summary.departments, key=lambda d: -(d.completion or 0))
    if len(shown) > SHOWN_AT_MOST:
        # A plan of many units (a county breakdown): the furthest behind, slowest first, as
        # the digest's chart draws them; `/status UNIT` shows any one.
        shown = sorted(summary.departments, key=lambda d: d.completion or 0)[:SHOWN_AT_MOST]
        lines.append(t("status_furthest_behind", lang, shown=SHOWN_AT_MOST,
                       total=len(summary.departments)))
    for d in shown:
        lines.append(f"<b>{escape(dept_label(d.dept, lang))}</b> {pct(d.completion)} · "
                     f"{counts_line(d, lang)}")
    overdue = summary.overdue
    lines.append("")
    if overdue:
        depts = {d.dept["code"]: d.dept for d in summary.departments}
        lines.append(f"<b>{t('overdue_header', lang, count=len(overdue))}</b>")
        lines += capped(overdue, lambda v: task_line(v, lang, depts), lang)
    else:
        lines.append(t("no_overdue", lang))
    if queues:
        lines += ["", queues]
    return "\n".join(lines)


def department_html(d: DeptFacts, lang: str) -> str:
    lines = [f"<b>{escape(field(d.dept, 'dept_full', lang))}</b>",
             f"{pct(d.completion)} · {counts_line(d, lang)}", ""]
    lines += [task_line(v, lang) for v in d.tasks]
    return "\n".join(lines)


def tasks_html(d: DeptFacts, lang: str) -> str:
    """/tasks: a department's tasks, with the hint that the buttons below report."""
    return "\n".join([t("tasks_header", lang, dept=dept_label(d.dept, lang), count=len(d.tasks)),
                      *(task_line(v, lang) for v in d.tasks)])


_HISTORY_MARKS = {"close": "✅", "reopen": "↩️"}
# Records that say where the work stands (a percent, a state); the rest (交办, 签收, 催办, 延期,
# 中止 …) are acts on the record, shown by their name alone.
_WITH_PROGRESS = frozenset(REPORT_KINDS)


def _progress_text(r: dict[str, Any], lang: str, task: Task | None) -> str:
    """' 23% · 丰泽区 9（全市合计 46） 进行中' for a record that says where the work stands; a
    value in its unit (' 60% 120所'), none on a rate target, where the percent is the value."""
    if r["kind"] not in _WITH_PROGRESS:
        return ""
    if r.get("unit") and r.get("unit_value") is not None:  # one county's figure, and the sum
        value = t("history_unit_value", lang, unit=r["unit"], value=f"{r['unit_value']:g}",
                  total=f"{r['value']:g}" if r["value"] is not None else "—")
    elif r["value"] is not None and not (task is not None and task.rate):
        unit = (task.target_unit or "") if task is not None else ""
        value = f" {r['value']:g}{unit}"
    else:
        value = ""
    return f" {r['percent']}%{value} {label('state', r['state'], lang)}"


def history_lines(rows: list[dict[str, Any]], lang: str, tz: tzinfo,
                  task: Task | None = None) -> list[str]:
    lines = []
    for r in rows:
        when = datetime.fromisoformat(r["at"]).astimezone(tz)
        kind = _HISTORY_MARKS.get(r["kind"], "•")
        revoked = f" <s>{t('word.revoked', lang)}</s>" if r["revoked_at"] else ""
        note = f" {escape(r['note'])}" if r["note"] else ""
        who = escape(author(r, lang))
        # a recurring duty's record names the occurrence it belongs to
        period = t("occurrence_of", lang, period=r["period"]) if r.get("period") else ""
        lines.append(f"{kind} {when:%m-%d %H:%M}{period} {label('report_kind', r['kind'], lang)}"
                     f"{_progress_text(r, lang, task)} · {who}{note}{revoked}")
    return lines


def history_html(task: Task, rows: list[dict[str, Any]], lang: str, tz: tzinfo) -> str:
    if not rows:
        return t("history_none", lang, task=task.id)
    return "\n".join([t("history_header", lang, task=task.id),
                      *history_lines(rows, lang, tz, task)])


def task_html(view: TaskFacts, dept: dict[str, Any] | None, history: list[dict[str, Any]],
              lang: str, tz: tzinfo, people: dict[int, str] | None = None) -> str:
    task = view.task
    s = view.status
    expected = (f" · {t('word.expected', lang)} {s.expected}%" if s.expected is not None else "")
    lines = [f"<b>{task.id}</b> {escape(field(task, 'title', lang))}",
             f"{escape(task.clause)} · {escape(dept_label(dept, lang))}",
             f"{s.mark} {label('status', s.word, lang)} · {s.percent}%{expected} · "
             f"{escape(timing(view, lang))}"]
    if task.numeric:
        lines.append(f"{escape(field(task, 'metric', lang))} {escape(target_text(view))}")
        lines += unit_lines(view, lang, tz, people or {})
    lines += earlier_lines(view, lang)
    lines.append(t("evidence_count", lang, count=view.evidence))
    if history:
        lines += ["", t("history_header", lang, task=task.id),
                  *history_lines(history, lang, tz, task)]
    return "\n".join(lines)


def falling_due(views: list[TaskFacts], today: date, days: int
                ) -> list[tuple[TaskFacts, Occurrence]]:
    """Every open occurrence (of a one-off task, its only one) due within `days`, soonest
    first: what /due and the digest list."""
    horizon = today + timedelta(days=days)
    return sorted(((v, o) for v in views for o in v.occurrences
                   if o.status.due and not o.status.done and today <= o.status.due <= horizon),
                  key=lambda p: (p[1].status.due, p[0].task.id))


def due_html(views: list[TaskFacts], now: datetime, days: int, lang: str,
             depts: Mapping[str, Mapping[str, Any]]) -> str:
    due = falling_due(views, now.date(), days)
    if not due:
        return t("due_none", lang, days=days)
    return "\n".join([t("due_header", lang, days=days, count=len(due)),
                      *(task_line(v, lang, depts, o) for v, o in due)])


def recorded_text(rec: Recorded, lang: str, html: bool = True) -> str:
    """Exactly what was recorded, for the acknowledgement (sent only after the commit)."""
    if rec.duplicate:
        return t("report_duplicate", lang, html=html)
    r = rec.report
    unit = rec.task.target_unit or ""
    value = (t("recorded_value", lang, html=False, value=f"{r['value']:g}", unit=unit)
             if r["value"] is not None and unit != "%" else "")
    if r.get("unit"):  # a county unit's figure: say whose it is and what the city now has
        value = t("report_unit_value", lang, html=False, unit=r["unit"],
                  value=f"{r['unit_value']:g}", total=f"{r['value']:g}", u=unit)
    return t("report_recorded", lang, html=html, task=task_named(rec.task.id, r["period"]),
             title=field(rec.task, "title", lang), percent=r["percent"],
             state=label("state", r["state"], lang), value=value,
             note=f"\n{r['note']}" if r["note"] else "", mark=rec.status.mark,
             status=label("status", rec.status.word, lang))


def size_text(n: int | None) -> str:
    if not n:
        return "?"
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(1, n // KB)} KB"


def evidence_html(task_id: str, rows: list[dict[str, Any]], lang: str, tz: tzinfo) -> str:
    """照片 · 说明 · 报送人 · 日期 for each kept file (never the archive's own file name)."""
    if not rows:
        return t("evidence_none", lang, task=task_id)
    lines = [t("evidence_list_header", lang, task=task_id, count=len(rows))]
    for i, row in enumerate(rows, 1):
        what = (t("photo", lang) if row["kind"] == "photo"
                else t("document_named", lang, name=row["file_name"] or "—"))
        when = datetime.fromisoformat(row["at"]).astimezone(tz)
        lines.append(f"#{i} {what} · {escape(row['caption'] or '—')} · "
                     f"{escape(row['user_name'] or str(row['user_id']))} · "
                     f"{when:%Y-%m-%d} · {size_text(row['size'])}")
    return "\n".join(lines)


def members_html(rows: list[dict[str, Any]], lang: str) -> str:
    lines = [t("members_header", lang, count=len(rows))]
    for m in rows:
        dept = {"short": m["dept_short"], "name_en": m["dept_en"]} if m["dept"] else None
        lines.append(f"• {mention(m['user_id'], m['name'])} · {escape(dept_label(dept, lang))} · "
                     f"{t('role_' + m['role'], lang)} · "
                     f"{t('member_status_' + m['status'], lang)} · <code>{m['user_id']}</code>")
    return "\n".join(lines)


def review_request_html(task: Task, dept: dict[str, Any] | None, reporter: dict[str, Any],
                        report: dict[str, Any], evidence: int, lang: str) -> str:
    return t("review_request", lang, dept=dept_label(dept, lang),
             task=task_named(task.id, report["period"]),
             title=field(task, "title", lang),
             user=mention(report["user_id"], reporter.get("name")),
             note=report["note"] or "—", evidence=evidence)


def returned_notice(who: str, task_id: str, reason: str, lang: str, brief: bool = False) -> str:
    """Tell the reporter a task was sent back. A reason that already asks for more (请补充…) is
    not followed by a second 请补充. `brief`: under a message that gives the reason already."""
    reason = reason.strip().rstrip("。.!！")
    asks = any(word in reason for word in ("请补充", "补充"))
    ask = t("returned_ask_resubmit" if asks else "returned_ask_complete", lang)
    if brief:
        return t("task_returned_brief", lang, mention=Html(who), ask=ask)
    return t("task_returned_notice", lang, mention=Html(who), task=task_id, reason=reason,
             ask=ask)


_COLOUR_MARKS = {"blue": "🟦", "yellow": "🟨", "orange": "🟧", "red": "🟥", "green": "🟩",
                 "purple": "🟪"}


def by_language(people: Sequence[dict[str, Any]], group: str = DEFAULT_LANG) -> dict[str, str]:
    """The mentions of `people` by the language each reads, the group's language first (there
    even when nobody reads it): a group post is in the group's language, and the part of it
    addressed to someone who reads another is repeated in theirs."""
    out: dict[str, list[str]] = {group: []}
    for p in people:
        out.setdefault(p.get("lang") or DEFAULT_LANG, []).append(
            mention(p["user_id"], p.get("name")))
    return {lang: " ".join(names) for lang, names in out.items()}


NOTICE_ROOM = 4000  # a notice is one message (its 签收 button): Telegram takes 4096 characters


def notice_html(notice: Any, dept: dict[str, Any] | None, views: list[TaskFacts],
                people: Sequence[dict[str, Any]], ack_workdays: int, lang: str, by: date) -> str:
    """A 交办单 or a 督办单 (coloured by the chase ladder), naming the tasks and who must act
    (the department's liaisons, `people`), in `lang`; liaisons who read another language get
    the notice again in theirs, under it (its head and ask alone if the whole would not fit)."""
    def part(lang: str, names: str, whole: bool = True) -> list[str]:
        if notice.kind == "chase":
            head = t("chase_head", lang, mark=_COLOUR_MARKS.get(notice.colour, "🟥"),
                     colour=Key(f"colour.{notice.colour}"))
        else:
            head = t("assign_head", lang)
        lines = [head, f"【{escape(dept_label(dept, lang))}】{names}"]
        lines += [task_line(v, lang) for v in views] if whole else [
            " ".join(f"<b>{v.task.id}</b>" for v in views)]
        lines.append(t("notice_ask", lang, days=ack_workdays, by=format_short_day(by, lang)))
        return lines

    readers = by_language(people, lang)
    text = "\n".join(part(lang, readers.pop(lang)))
    for other, names in readers.items():
        more = "\n".join(part(other, names))
        if len(text) + len(more) + 2 > NOTICE_ROOM:
            more = "\n".join(part(other, names, whole=False))
        text += "\n\n" + more
    return text


def late_acks_html(late: list[Any], names: dict[str, Any], coordinators: list[dict[str, Any]],
                   workdays: int, lang: str) -> str:
    """The coordinator's list of notices nobody acknowledged in time."""
    lines = [t("late_acks_header", lang, days=workdays,
               people=Html(" ".join(mention(c["user_id"], c["name"]) for c in coordinators)))]
    for notice in late:
        lines.append(t("late_ack_line", lang, dept=names.get(notice.dept, notice.dept),
                       kind=Key(f"notice_kind.{notice.kind}"),
                       tasks=notice_tasks(notice.tasks, notice.marks, lang),
                       at=notice.at[:10]))
    return "\n".join(lines)


def queues_html(q: Queues, names: dict[str, Any], lang: str, tz: tzinfo | None = None,
                join_link: Callable[[str], str] | None = None) -> str:
    """The coordinator's queues: 待核实, 受阻, 申请延期, 未签收, 零报送单位, 无联络员单位 (with
    the link that registers a liaison for each, when the bot's name is known)."""
    if not q:
        return ""
    lines = [t("queues_header", lang)]
    if q.claims:
        lines.append(t("queue_claims", lang, count=len(q.claims)))
        lines += capped(q.claims, lambda p: (
            f"  ⏳ <b>{p[0].task.id}</b>{_period(p[0], p[1].period, lang)} "
            f"{escape(dept_label(names_row(names, p[0].task.dept), lang))} · "
            f"{escape(field(p[0].task, 'title', lang))}"), lang)
    if q.blocked:
        lines.append(t("queue_blocked", lang, count=len(q.blocked)))
        lines += capped(q.blocked, lambda p: (
            f"  ⛔ <b>{p[0].task.id}</b>{_period(p[0], p[1].period, lang)} "
            f"{escape(p[1].snapshot.reason or '—')}"), lang)
    if q.extensions:
        lines.append(t("queue_extensions", lang, count=len(q.extensions)))
        lines += capped(q.extensions, lambda p: (
            f"  ⏱ <b>{p[0].task.id}</b>{_period(p[0], p[1].period, lang)} → "
            f"{p[1].asked_due.isoformat()} · {escape(p[1].reason)}"), lang)
    if q.unacknowledged:
        lines.append(t("queue_unacked", lang, count=len(q.unacknowledged)))
        lines += capped(q.unacknowledged, lambda n: (
            f"  📨 {escape(dept_label(names_row(names, n.dept), lang))} · "
            f"{escape(notice_tasks(n.tasks, n.marks, lang))} · {n.at.astimezone(tz):%Y-%m-%d}"),
            lang)
    if q.silent:
        named = "、".join(dept_label(d, lang) for d in q.silent[:SHOWN_AT_MOST])
        if len(q.silent) > SHOWN_AT_MOST:
            named += t("names_more", lang, count=len(q.silent) - SHOWN_AT_MOST)
        lines.append(t("queue_silent", lang, depts=named))
    if q.unstaffed:
        lines.append(t("queue_unstaffed", lang, count=len(q.unstaffed)))

        def unstaffed(d: Mapping[str, Any]) -> str:
            how = (f'<a href="{escape(join_link(d["code"]))}">{t("join_link_text", lang)}</a>'
                   if join_link else t("join_by_command", lang, dept=dept_label(d, lang)))
            return f"  👤 {escape(dept_label(d, lang))} · {how}"

        lines += capped(q.unstaffed, unstaffed, lang)
    return "\n".join(lines)


def _period(f: TaskFacts, period: str, lang: str) -> str:
    """'（2023-06-30期）' for any occurrence of a recurring duty (the one in force too: two claims
    of one duty wait side by side in the queue, each named)."""
    if not f.task.recurring or not period:
        return ""
    return t("occurrence_of", lang, period=period)


def earlier_lines(view: TaskFacts, lang: str) -> list[str]:
    """The earlier occurrences of a recurring duty still open or waiting for a check, then the
    occurrence in force beside them (what is due now is never hidden behind what is missing)."""
    if not view.earlier:
        return []
    return [*(t("earlier_occurrence", lang, period=o.period, mark=o.status.mark,
                status=label("status", o.status.word, lang), percent=o.percent)
              for o in view.earlier),
            t("current_occurrence", lang, period=view.current.period,
              mark=view.current.status.mark,
              status=label("status", view.current.status.word, lang),
              percent=view.current.percent)]


def unit_lines(view: TaskFacts, lang: str, tz: tzinfo, people: dict[int, str]) -> list[str]:
    """A split target's county figures: unit, value of its quota, who reported it and when."""
    quotas = view.task.quotas
    if not quotas:
        return []
    lines = []
    for unit, quota in quotas.items():
        got = view.units.get(unit)
        if got is None:
            lines.append(t("unit_line_none", lang, unit=unit, quota=f"{quota:g}"))
        else:
            lines.append(t("unit_line", lang, unit=unit, value=f"{got.value:g}",
                           quota=f"{quota:g}",
                           who=people.get(got.user_id, str(got.user_id)) if got.user_id
                           else t("word.command_line", lang, html=False),
                           at=f"{got.at.astimezone(tz):%m-%d %H:%M}"))
    return lines


def names_row(names: dict[str, Any], code: str) -> dict[str, Any]:
    """A minimal department row from the names by code, for dept_label."""
    name = names.get(code)
    return {"short": name.get("zh"), "name_en": name.get("en")} if name else {}

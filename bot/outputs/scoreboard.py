"""The score table (结果考评) as text: a plain table for the command line, HTML for the chat.

Every rule's column shows "count→points", so a department sees why it got its grade; the rules
themselves are printed under the table from the same `Rules` that computed the scores.
"""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape

from sqlite_utils import Database

from bot.domain.numbers import round_half_up_to
from bot.errors import DubanError
from bot.language.i18n import field, t
from bot.outputs.render import grade_bands
from bot.outputs.render.table import render_table
from bot.outputs.scoring import (
    RULE_KEYS,
    DeptScore,
    Rules,
    RulesError,
    load_rules,
    ranks,
    score_table,
)


def _num(value: float) -> str:
    return f"{round_half_up_to(value, 1):.1f}".rstrip("0").rstrip(".") if value else "0"


def _points(value: float) -> str:
    """A rule's points as the table and the item list both show them: one decimal, half up."""
    return f"{round_half_up_to(value, 1):+.1f}".replace("+0.0", "0").replace("-0.0", "0")


def score_rows(scores: list[DeptScore], lang: str) -> list[list[str]]:
    rows = []
    for rank, s in zip(ranks(scores), scores, strict=True):
        cells = [t("score_cell", lang, html=False, count=_num(line.count),
                   points=_points(line.points))
                 for line in s.lines]
        rows.append([str(rank), field(s.dept, "dept_short", lang), _num(s.base), *cells,
                     _num(s.score),
                     field(vars(s.grade), "grade", lang)])
    return rows


def rules_text(rules: Rules, lang: str) -> str:
    grades = t("list_sep", lang, html=False).join(grade_bands(rules.grades, lang))
    values = {key: getattr(rules, key) for key in (*RULE_KEYS, "overdue_cap_per_item")}
    return t("score_rules", lang, html=False, grades=grades, **values)


def score_plain(scores: list[DeptScore], year: int, at: datetime, rules: Rules,
                lang: str = "zh") -> str:
    heads = t("score_cols", lang, html=False).split("|")
    table = render_table(heads, score_rows(scores, lang),
                         right=(0, 2, *range(3, len(heads) - 1)))
    return "\n".join([t("score_title", lang, html=False, year=year, date=f"{at:%Y-%m-%d}"),
                      "", table, "", rules_text(rules, lang)])


def score_html(scores: list[DeptScore], year: int, at: datetime, rules: Rules,
               lang: str = "zh") -> str:
    """For the chat: the table in <pre> (aligned in Telegram's monospace), the rules under it."""
    heads = t("score_cols", lang, html=False).split("|")
    table = render_table(heads, score_rows(scores, lang),
                         right=(0, 2, *range(3, len(heads) - 1)))
    return "\n".join([f"<b>{escape(t('score_title', lang, html=False, year=year, date=f'{at:%Y-%m-%d}'))}</b>",
                      f"<pre>{escape(table)}</pre>", escape(rules_text(rules, lang))])


def item_lines(score: DeptScore, lang: str) -> list[str]:
    """Every point and deduction of one department, each with the item behind it, by rule."""
    lines = []
    for rule in RULE_KEYS:
        items = [i for i in score.items if i.rule == rule]
        if not items:
            continue
        line = next(x for x in score.lines if x.rule == rule)  # the table's figure, not a sum
        lines.append(t("score_item_rule", lang, html=False, rule=t(f"score_rule.{rule}", lang,
                                                                    html=False),
                       count=_num(line.count), points=_points(line.points)))
        for item in items:
            what = item.tasks_text(lang)
            if item.period:
                what += t("occurrence_of", lang, html=False, period=item.period)
            detail = t(f"score_item_detail.{rule}", lang, html=False, count=_num(item.count),
                       day=item.day.isoformat() if item.day else "—",
                       y=item.day.year if item.day else 0, m=item.day.month if item.day else 0)
            what = what.strip()  # none for a silent month: no space left before its detail
            lines.append(t("score_item", lang, html=False, what=f"{what} " if what else "",
                           detail=detail,
                           points=f"{item.points:+.2f}".rstrip("0").rstrip(".")))
    return lines or [t("score_no_items", lang, html=False)]


def department_score_text(score: DeptScore, year: int, at: datetime, lang: str) -> str:
    """One department's score with every item that made it (plain text)."""
    head = t("score_dept_title", lang, html=False, dept=field(score.dept, "dept", lang),
             year=year, date=f"{at:%Y-%m-%d}", score=_num(score.score),
             grade=field(vars(score.grade), "grade", lang), base=_num(score.base))
    return "\n".join([head, *item_lines(score, lang)])


def score_message(db: Database, now: datetime, lang: str, year: int | None = None,
                  rules: Rules | None = None, dept: str | None = None) -> str:
    """/score [year] [department]: the year's table as HTML, or one department's score with the
    items behind every point; a year not yet begun or broken rules are refused (DubanError). A
    past year is scored as it stood at its end."""
    year = year or now.year
    if year > now.year:
        raise DubanError("score_future_year", year=year, now=now.year)
    if rules is None:
        try:
            rules = load_rules()
        except RulesError as exc:
            raise DubanError("score_rules_broken", error=exc.phrase()) from None
    at = now if year == now.year else datetime.combine(date(year, 12, 31), time(23, 59, 59),
                                                       now.tzinfo)
    scores = score_table(db, year, at, rules)
    if dept is not None:
        found = next((s_ for s_ in scores if s_.code == dept), None)
        if found is None:
            raise DubanError("dept_unknown", text=dept, suggestions=[], options="—")
        return f"<pre>{escape(department_score_text(found, year, at, lang))}</pre>"
    return score_html(scores, year, at, rules, lang)

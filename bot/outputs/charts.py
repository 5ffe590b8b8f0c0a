"""The weekly digest's three charts as PNGs a person can read on a phone, Chinese text included.

Pure rendering: plain dataclasses in, PNG files out; no bot, database or `telegram` import.
matplotlib's object API (a `Figure` with its own Agg canvas, no pyplot) keeps rendering free of
pyplot's global figure registry, so a chart can be drawn in a worker thread
(`asyncio.to_thread`) while the bot keeps answering, and nothing leaks between digests.

Every text artist is given the CJK font explicitly: matplotlib's default (DejaVu Sans) has no
Chinese glyphs and would draw boxes ("tofu"), with only a warning to show for it.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.domain.numbers import round_half_up, round_half_up_to
from bot.language.i18n import label, t
from bot.outputs.bars import DeptBar, TargetBar, TrendPoint
from bot.outputs.palette import STACK_ORDER, STATUS_COLOURS

# The traffic-light colours of a whole bar, the same hues as the statuses (bot/outputs/palette.py) and
# the text's marks, so red means overdue in every chart, the ledger and the digest.
COLOURS = {
    "green": STATUS_COLOURS["on_track"],
    "yellow": STATUS_COLOURS["behind"],
    "blue": STATUS_COLOURS["due_soon"],
    "red": STATUS_COLOURS["overdue"],
    "grey": STATUS_COLOURS["no_report"],
}
TRACK = "#eeeeee"  # the empty part of a bar: how far there is still to go
INK = "#212121"
MUTED = "#616161"

# 1080 px wide: a phone screen's width at full resolution, and under Telegram's 1280 px limit,
# so the photo is not scaled down again. Sizes are in points at this DPI (1 pt = 1.39 px).
WIDTH_IN, DPI = 10.8, 100
TITLE_PT = 24
BASE_PT = 18  # department names, values
TICK_PT = 16
SMALL_PT = 15  # legend, deadlines: still above the 14 pt floor for a phone

# Characters every candidate font must have: the plan's own words, not just any CJK glyph
# (some "CJK" fonts cover Japanese kana or Traditional forms only).
PROBE = "督办心理健康教育部门完成度逾期滞后临期未报送截止暂无数据序时进度受阻待核实已销号正常长期县区"
# System families to look for, best first. Substring match, so "Noto Sans CJK SC" and the
# JP/TC faces of the same .ttc both count; a Simplified Chinese face is preferred below.
SYSTEM_FAMILIES = ("Noto Sans CJK", "Noto Sans SC", "Source Han Sans", "WenQuanYi",
                   "Droid Sans Fallback", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
                   "Heiti SC", "SimHei")
# Files inside the mplfonts package, best first: a sans-serif reads best at small sizes.
MPLFONTS_FILES = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf",
                  "NotoSansMonoCJKsc-Regular.otf")


class CjkFontMissing(RuntimeError):
    """No font with Simplified Chinese glyphs was found; charts would show boxes."""


# ---------------------------------------------------------------- the font


@dataclass(frozen=True)
class _Font:
    path: Path
    family: str  # the name matplotlib's font manager knows it by once registered


_font_lock = threading.Lock()  # the digest renders in a worker thread; register only once
_font: _Font | None = None


def _has_glyphs(path: str | Path, face_index: int = 0, text: str = PROBE) -> bool:
    """True if the font file really maps every character of `text` (a name can lie)."""
    try:
        # face_index (a face of a .ttc) only exists from matplotlib 3.10: pass it only if needed.
        face: dict[str, Any] = {"face_index": face_index} if face_index else {}
        font = FT2Font(str(path), **face)
    except (OSError, RuntimeError, ValueError, TypeError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in text)


def _system_font() -> _Font | None:
    """The best CJK face matplotlib already knows about (it scans the system font folders)."""

    def rank(entry: font_manager.FontEntry) -> tuple[int, int, int, int]:
        family = next(i for i, f in enumerate(SYSTEM_FAMILIES) if f in entry.name)
        # A .ttc holds JP/KR/SC/TC faces of one design: the SC face has the mainland forms.
        simplified = 0 if entry.name.endswith((" SC", " CN", " GB")) else 1
        upright = 0 if entry.style == "normal" else 1
        weight = entry.weight if isinstance(entry.weight, int) else 400
        return family, simplified, upright, abs(weight - 400)  # Regular, not Bold or Thin

    candidates = [e for e in font_manager.fontManager.ttflist
                  if any(f in e.name for f in SYSTEM_FAMILIES)]
    for entry in sorted(candidates, key=rank):
        if _has_glyphs(entry.fname, getattr(entry, "index", 0)):
            return _Font(Path(entry.fname), entry.name)
    return None


def _mplfonts_font() -> _Font | None:
    """The Noto Sans CJK SC file that the mplfonts package ships (no download, no CLI).

    Located with find_spec rather than imported: only its data files are needed, and its
    __init__ pulls in more (fontmeta) that might be missing or change.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for name in MPLFONTS_FILES:
            path = Path(location) / "fonts" / name
            if path.is_file() and _has_glyphs(path):
                return _Font(path, FT2Font(str(path)).family_name)
    return None


def _search_cjk_font() -> _Font:
    found = _system_font() or _mplfonts_font()
    if found is None:
        raise CjkFontMissing(
            "找不到含简体中文字形的字体,图表中的中文会显示成方框。请安装其一:"
            "pip install mplfonts,或 apt-get install fonts-noto-cjk。"
            " / No font with Simplified Chinese glyphs was found, so the charts' Chinese text "
            "would show as boxes. Install one: `pip install mplfonts` or "
            "`apt-get install fonts-noto-cjk`.")
    return found


def _cjk() -> _Font:
    """The found font, registered with matplotlib's font manager once per process."""
    global _font
    with _font_lock:
        if _font is None:
            found = _search_cjk_font()
            if not any(Path(e.fname) == found.path for e in font_manager.fontManager.ttflist):
                font_manager.fontManager.addfont(str(found.path))  # the mplfonts file
            # Text asks for the font by family name; make sure that name resolves to a file
            # with the glyphs (another file might share the name) before trusting it.
            resolved = font_manager.findfont(
                font_manager.FontProperties(family=found.family), fallback_to_default=False)
            if not _has_glyphs(resolved, getattr(resolved, "face_index", 0)):
                raise CjkFontMissing(f"font family {found.family!r} resolves to {resolved}, "
                                     f"which lacks Chinese glyphs; expected {found.path}")
            _font = found
        return _font


def find_cjk_font() -> Path:
    """A font file with Simplified Chinese glyphs: a system CJK font, else mplfonts' Noto Sans SC.

    Raises CjkFontMissing (with install advice in Chinese and English) when there is none.
    """
    return _cjk().path


# ---------------------------------------------------------------- shared layout


def _figure(height_in: float) -> tuple[Figure, Axes]:
    # Constrained layout moves axes so that tick labels, titles and legends never overlap or
    # get cut off, whatever the names' lengths.
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)  # a canvas of its own: no pyplot, no global state
    cast(ConstrainedLayoutEngine, fig.get_layout_engine()).set(h_pad=0.12, w_pad=0.12)
    return fig, fig.add_subplot()


def _text(ax: Axes, x: float, y: float, s: str, *, size: float = BASE_PT, **kwargs) -> None:
    # parse_math=False: a "$" in a department name must print as "$", not start mathtext
    # (an unmatched one would make savefig raise).
    ax.text(x, y, s, fontsize=size, family=_cjk().family, parse_math=False, **kwargs)


def _decorate(fig: Figure, ax: Axes, title: str, subtitle: str = "", plan: str = "") -> None:
    family = _cjk().family
    fig.suptitle(title, x=0.01, ha="left", fontsize=TITLE_PT, family=family, color=INK,
                 parse_math=False)
    if plan:  # the plan's title and document number, so a forwarded chart says what it is;
        # the date goes under it (the title is too long to share a line with it on a phone)
        plan = _wrap(plan, 96)
        ax.set_title(f"{plan}\n{subtitle}" if subtitle else plan, loc="left",
                     fontsize=SMALL_PT, family=family, color=MUTED, parse_math=False, pad=10)
    elif subtitle:  # e.g. "截至 2024-11-25": right-aligned above the plot, out of the title's way
        ax.set_title(subtitle, loc="right", fontsize=SMALL_PT, family=family, color=MUTED,
                     parse_math=False, pad=10)
    # labelfontfamily also covers tick labels made later, at draw time.
    ax.tick_params(labelsize=TICK_PT, labelfontfamily=family, colors=INK, length=0)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_parse_math(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _no_data(ax: Axes, lang: str = "zh") -> None:
    _text(ax, 0.5, 0.5, t("chart_no_data", lang, html=False), size=TITLE_PT, ha="center", va="center", color=MUTED,
          transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, format="png", dpi=DPI, facecolor="white")
    finally:
        _let_go(fig)
    return path


def _let_go(fig: Figure) -> None:
    """Free a drawn figure's memory now. Its pixels (1080 px wide, up to ~3000 tall: 13 MB)
    belong to the canvas's renderer, and a figure's artists point at each other: left to the
    cycle collector, one chart's pixels and artists are still held while the next is drawn."""
    for artist in fig.findobj():  # a text keeps the renderer it was last drawn with
        vars(artist).pop("_renderer", None)
    canvas = fig.canvas
    if isinstance(canvas, FigureCanvasAgg) and hasattr(canvas, "renderer"):
        del canvas.renderer
        canvas._lastKey = None  # drawn again, it makes a new renderer
    fig.clear()


def _wrap(text: str, columns: int) -> str:
    """Break `text` into lines of at most `columns` display columns (a Chinese character is
    two), at spaces where there are any: long English names would squeeze the bars."""
    from wcwidth import wcwidth

    lines, line, width = [], "", 0
    for word in text.replace(" ", " \0").split("\0"):
        w = sum(max(wcwidth(ch), 1) for ch in word)
        if line and width + w > columns:
            lines.append(line.rstrip())
            line, width = "", 0
        while w > columns:  # one long Chinese run: cut it by characters
            cut, cw = "", 0
            for ch in word:
                if cw + max(wcwidth(ch), 1) > columns:
                    break
                cut += ch
                cw += max(wcwidth(ch), 1)
            lines.append(cut)
            word = word[len(cut):]
            w -= cw
        line += word
        width += w
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value)) if math.isfinite(value) else 0.0


def _percent(value: float) -> str:
    # The one rounding rule (half up; a format's :.0f rounds half to even): the chart and the
    # message agree.
    return f"{round_half_up(_clamp(value))}%"


def _number(value: float) -> str:
    # 187.0 -> "187", 76.5 -> "76.5"; never the exponent notation that :g gives large numbers.
    return f"{value:.0f}" if float(value).is_integer() else f"{round_half_up_to(value, 1):.1f}"


# ---------------------------------------------------------------- 1. departments


def _legend(fig: Figure, handles: list, ncol: int) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False,
               handlelength=1.2, columnspacing=1.4,
               prop=font_manager.FontProperties(family=_cjk().family, size=SMALL_PT))


def departments_figure(bars: Iterable[DeptBar], *, title: str, subtitle: str = "",
                       plan: str = "", lang: str = "zh") -> Figure:
    """Per department, left: completion on a 0-100 % track with its 序时进度 mark (every
    department drawn, "0%" included); right: its tasks stacked by status, so nine overdue tasks
    show as nine red units however the average looks. Highest completion on top."""
    ordered = sorted(bars, key=lambda b: _clamp(b.completion))  # barh draws bottom-up
    lines = max((_wrap(b.name, 26).count("\n") + 1 for b in ordered), default=1)
    height = 3.4 + (0.62 if lines == 1 else 0.8) * max(len(ordered), 2)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    cast(ConstrainedLayoutEngine, fig.get_layout_engine()).set(h_pad=0.12, w_pad=0.12)
    if not ordered:
        ax = fig.add_subplot()
        _no_data(ax, lang)
        _decorate(fig, ax, title, subtitle, plan)
        return fig
    ax, counts_ax = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    ys = list(range(len(ordered)))
    ax.barh(ys, [100.0] * len(ordered), color=TRACK, height=0.62)  # the 100 % it aims at
    ax.barh(ys, [_clamp(b.completion) for b in ordered], height=0.62,
            color=[COLOURS.get(b.colour, COLOURS["grey"]) for b in ordered])
    for y, bar in zip(ys, ordered, strict=True):
        _text(ax, 101.5, y, _percent(bar.completion), va="center", color=INK)
        if bar.expected is not None:  # 序时进度: where the department should be by now
            ax.plot([_clamp(bar.expected)] * 2, [y - 0.42, y + 0.42], color=INK, linewidth=2.5,
                    solid_capstyle="butt")
    ax.set_yticks(ys, [_wrap(b.name, 26) for b in ordered])
    ax.tick_params(axis="y", labelsize={"base": BASE_PT}.get(t("layout.chart_tick_size", lang), TICK_PT))
    ax.set_xlim(0, 118)
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xticks([0, 50, 100], ["0", "50%", "100%"])
    for side in ("bottom", "left"):
        ax.spines[side].set_visible(False)

    # Right: the task counts by status, one colour per status as in every other view.
    totals = [sum(b.counts.get(s, 0) for s in STACK_ORDER) for b in ordered]
    widest = max(totals + [1])
    family = _cjk().family
    for y, bar in zip(ys, ordered, strict=True):
        left = 0
        for status in STACK_ORDER:
            n = bar.counts.get(status, 0)
            if not n:
                continue
            counts_ax.barh(y, n, left=left, height=0.62, color=STATUS_COLOURS[status],
                           edgecolor="white", linewidth=1)
            if n / widest >= 0.035:  # room for the number inside its segment
                dark = status in ("behind", "closed", "no_report")
                counts_ax.text(left + n / 2, y, str(n), ha="center", va="center",
                               fontsize=SMALL_PT, family=family, parse_math=False,
                               color=INK if dark else "white")
            left += n
    counts_ax.set_xlim(0, widest * 1.04)
    counts_ax.set_xticks([])
    counts_ax.tick_params(axis="y", length=0)
    counts_ax.set_xlabel(t("chart_counts", lang, html=False), loc="left", fontsize=SMALL_PT,
                         family=family, color=MUTED, parse_math=False)
    for spine in counts_ax.spines.values():
        spine.set_visible(False)
    handles: list[Artist] = [Line2D([], [], color=INK, linewidth=2.5,
                                    label=t("chart_expected", lang, html=False))]
    handles += [Patch(color=STATUS_COLOURS[s], label=label("status", s, lang))
                for s in STACK_ORDER]
    _legend(fig, handles, ncol=int(t("layout.chart_legend_columns", lang)))
    _decorate(fig, ax, title, subtitle, plan)
    counts_ax.tick_params(labelsize=TICK_PT, labelfontfamily=family, length=0)
    return fig


def render_departments(bars: list[DeptBar], path: Path, *, title: str, subtitle: str = "",
                       plan: str = "", lang: str = "zh") -> Path:
    return _save(departments_figure(bars, title=title, subtitle=subtitle, plan=plan,
                                    lang=lang), path)


# ---------------------------------------------------------------- 2. numeric targets


def _units_line(bar: TargetBar, lang: str, most: int = 4) -> str:
    """'县区已报 2/13:晋江市 20/34 南安市 10/28 …', the units furthest behind first."""
    reported = [(name, v, q) for name, v, q in bar.units if v is not None]
    behind = sorted(bar.units, key=lambda u: ((u[1] or 0) / u[2]) if u[2] else 1.0)
    detail = " ".join(f"{name} {_number(v) if v is not None else '—'}/{_number(q)}"
                      for name, v, q in behind[:most])
    if len(bar.units) > most:
        detail += " …"
    return t("chart_units", lang, html=False, reported=len(reported), total=len(bar.units),
             detail=detail)


def targets_figure(bars: Iterable[TargetBar], *, title: str, today: date, lang: str = "zh",
                   subtitle: str = "", plan: str = "") -> Figure:
    """Each numeric target: the value reached against the target marker, the 序时进度 mark
    ("where it should be by now"), its deadline ("逾期" beside it once passed and not met),
    and for a target split by county units the units furthest behind. Standing targets show
    "长期" and no mark."""
    rows = list(bars)
    per_row = [1.2 + (0.35 if b.units else 0) for b in rows]
    fig, ax = _figure(2.2 + sum(per_row) if rows else 4.6)
    if not rows:
        _no_data(ax, lang)
    else:
        y = sum(per_row)
        for bar, room in zip(rows, per_row, strict=True):
            y -= room
            base = y + (0.35 if bar.units else 0)  # the units' line sits under the bar
            value = bar.value if bar.value is not None else math.nan
            reached = math.isfinite(value)
            met = reached and value >= bar.target
            late = bar.due is not None and today > bar.due and not met
            if not reached:
                share = 0.0
            elif bar.target > 0:
                share = max(0.0, min(1.0, value / bar.target))
            else:
                share = 1.0 if met else 0.0
            colour = COLOURS["green"] if met else COLOURS["red"] if late else COLOURS["blue"]
            ax.barh(base, 1.0, color=TRACK, height=0.42)
            ax.barh(base, share, color=colour, height=0.42)
            ax.plot([1.0, 1.0], [base - 0.3, base + 0.3], color=INK, linewidth=3,
                    solid_capstyle="butt")  # the target itself
            if bar.expected is not None and not met:
                x = max(0.0, min(1.0, bar.expected))
                ax.plot([x, x], [base - 0.3, base + 0.3], color=INK, linewidth=2,
                        linestyle=(0, (2, 1.5)))
            _text(ax, 0.0, base + 0.3, bar.label, va="bottom", color=INK)
            shown = (f"{_number(value)}/{_number(bar.target)}{bar.unit}" if reached
                     else t("chart_no_value", lang, html=False))
            _text(ax, 1.04, base + 0.02, shown, va="bottom",
                  color=MUTED if not reached else colour if (met or late) else INK)
            when = (t("chart_deadline", lang, html=False, date=bar.due.isoformat())
                    if bar.due else t("chart_standing", lang, html=False))
            if late:
                when += " " + t("chart_late", lang, html=False)
            _text(ax, 1.04, base - 0.02, when, size=SMALL_PT, va="top",
                  color=COLOURS["red"] if late else MUTED)
            if bar.units:
                _text(ax, 0.0, base - 0.3, _units_line(bar, lang), size=SMALL_PT, va="top",
                      color=MUTED)
        ax.set_xlim(0, 1.46)
        ax.set_ylim(-0.35, sum(per_row) + 0.1)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        handles = [Patch(color=COLOURS["green"], label=t("chart_met", lang, html=False)),
                   Patch(color=COLOURS["blue"], label=t("chart_ongoing", lang, html=False)),
                   Patch(color=COLOURS["red"], label=t("chart_missed", lang, html=False)),
                   Line2D([], [], color=INK, linewidth=3,
                          label=t("chart_target", lang, html=False)),
                   Line2D([], [], color=INK, linewidth=2, linestyle=(0, (2, 1.5)),
                          label=t("chart_expected", lang, html=False))]
        _legend(fig, handles, ncol=int(t("layout.chart_legend_columns", lang)))
    _decorate(fig, ax, title, subtitle, plan)
    return fig


def render_targets(bars: list[TargetBar], path: Path, *, title: str, today: date,
                   lang: str = "zh", subtitle: str = "", plan: str = "") -> Path:
    return _save(targets_figure(bars, title=title, today=today, lang=lang, subtitle=subtitle,
                                plan=plan), path)


# ---------------------------------------------------------------- 3. weekly trend


def _week_ticks(weeks: list[date], most: int = 7) -> tuple[list[date], list[str]]:
    """At most `most` evenly spaced weeks, always including the latest (the one that matters),
    labelled "11/23"; the year goes under the first tick and under the first tick of each new
    year, so "1/8" is never mistaken for another January."""
    step = math.ceil(len(weeks) / most)
    ticks = weeks[::-1][::step][::-1]
    labels = []
    for i, w in enumerate(ticks):
        new_year = i == 0 or w.year != ticks[i - 1].year
        labels.append(f"{w.month}/{w.day}" + (f"\n{w.year}" if new_year else ""))
    return ticks, labels


def trend_figure(points: Iterable[TrendPoint], *, title: str, subtitle: str = "",
                 expected: Iterable[TrendPoint] = (), plan: str = "",
                 lang: str = "zh") -> Figure:
    """The whole plan's completion week by week from the first tracked week, against the
    plan's 序时进度 (dashed); the latest value written at its point."""
    by_week = {p.week: _clamp(p.completion) for p in points}  # one value per week, last wins
    weeks = sorted(by_week)
    fig, ax = _figure(6.8)
    if not weeks:
        _no_data(ax, lang)
    else:
        # Day numbers on x rather than category positions: a missed week shows as a gap.
        xs = [w.toordinal() for w in weeks]
        ys = [by_week[w] for w in weeks]
        # A marker per week while they stay apart; past ~half a year they would merge into a
        # thick band, so then only the latest week gets one.
        ax.plot(xs, ys, marker="o", linewidth=3, markersize=9, color=COLOURS["blue"],
                markevery=None if len(xs) <= 30 else [len(xs) - 1], clip_on=False,
                label=t("chart_completion", lang, html=False))
        if len(xs) > 1:
            ax.fill_between(xs, ys, color=COLOURS["blue"], alpha=0.08, linewidth=0)
        reference = sorted((p.week, _clamp(p.completion)) for p in expected
                           if weeks[0] <= p.week <= weeks[-1])
        if reference:
            ax.plot([w.toordinal() for w, _ in reference], [v for _, v in reference],
                    color=MUTED, linewidth=2, linestyle=(0, (5, 3)),
                    label=t("chart_expected", lang, html=False))
        ax.annotate(_percent(ys[-1]), (xs[-1], ys[-1]), textcoords="offset points",
                    xytext=(0, 14), ha="center", va="bottom", fontsize=BASE_PT + 2,
                    family=_cjk().family, color=COLOURS["blue"], annotation_clip=False)
        pad = max(4.0, (xs[-1] - xs[0]) * 0.05)
        ax.set_xlim(xs[0] - pad, xs[-1] + pad)
        ticks, labels = _week_ticks(weeks)
        ax.set_xticks([w.toordinal() for w in ticks], labels)
        # Fixed 0-100 %: the scale itself says how much of the plan is left. Headroom above
        # 100 keeps the latest value's label inside the axes.
        ax.set_ylim(0, 112)
        ax.set_yticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"])
        ax.spines["left"].set_bounds(0, 100)
        ax.grid(axis="y", color="#e0e0e0")
        ax.set_axisbelow(True)
        _legend(fig, ax.get_legend_handles_labels()[0], ncol=2)
    _decorate(fig, ax, title, subtitle, plan)
    return fig


def render_trend(points: list[TrendPoint], path: Path, *, title: str, subtitle: str = "",
                 expected: Iterable[TrendPoint] = (), plan: str = "",
                 lang: str = "zh") -> Path:
    return _save(trend_figure(points, title=title, subtitle=subtitle, expected=expected,
                              plan=plan, lang=lang), path)

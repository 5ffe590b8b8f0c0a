"""The digest's three charts as PNGs a person can read on a phone, Chinese text included.

matplotlib's object API (Figure + the Agg canvas, no pyplot) keeps rendering free of global state,
so a chart can be drawn in a worker thread while the bot keeps answering.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

# Status colours, distinguishable with the common colour-vision deficiencies.
COLOURS = {
    "green": "#2e7d32",
    "yellow": "#f9a825",
    "blue": "#1565c0",
    "red": "#c62828",
    "grey": "#9e9e9e",
}
LEGEND = (("green", "正常"), ("yellow", "滞后/受阻"), ("blue", "临期"), ("red", "逾期"),
          ("grey", "未报送"))
WIDTH_IN, DPI = 10.8, 100  # 1080 px wide: a phone screen's width at full resolution
BASE_PT = 16
PROBE = "督办心理健康教育"
FONT_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
              "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
              "Microsoft YaHei", "PingFang SC", "SimHei")


class CjkFontMissing(RuntimeError):
    """No font with Simplified Chinese glyphs was found; charts would show boxes."""


@dataclass(frozen=True)
class DeptBar:
    name: str
    completion: float  # 0-100
    colour: str  # green | yellow | blue | red | grey
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetBar:
    label: str
    value: float | None
    target: float
    unit: str
    due: date


@dataclass(frozen=True)
class TrendPoint:
    week: date
    completion: float


def _has_glyphs(path: str) -> bool:
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in PROBE)


def _mplfonts_file() -> Path | None:
    try:
        import mplfonts
    except ImportError:
        return None
    folder = Path(mplfonts.__file__).parent / "fonts"
    for name in ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf"):
        if (folder / name).is_file():
            return folder / name
    return None


@functools.cache
def find_cjk_font() -> Path:
    """A font file with Simplified Chinese glyphs: a system CJK font, else mplfonts' Noto Sans SC."""
    for entry in font_manager.fontManager.ttflist:
        if entry.name in FONT_NAMES and _has_glyphs(entry.fname):
            return Path(entry.fname)
    bundled = _mplfonts_file()
    if bundled and _has_glyphs(str(bundled)):
        return bundled
    raise CjkFontMissing(
        "找不到可显示中文的字体,图表会显示成方框。请安装:pip install mplfonts "
        "或 apt-get install fonts-noto-cjk。/ No font with Chinese glyphs was found, so the charts "
        "would show boxes. Install one: pip install mplfonts, or apt-get install fonts-noto-cjk.")


@functools.cache
def _family() -> str:
    path = find_cjk_font()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white",
                 layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _style(ax, title: str, subtitle: str = "") -> None:
    family = _family()
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=BASE_PT + 6,
                 family=family, loc="left", pad=14)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(family)
        label.set_fontsize(BASE_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path


def _no_data(ax, text: str = "暂无数据") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=BASE_PT + 4, family=_family(),
            color=COLOURS["grey"], transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def render_departments(bars: list[DeptBar], path: Path, *, title: str, subtitle: str = ""
                       ) -> Path:
    """One horizontal bar per department, highest completion on top, coloured by status."""
    family = _family()
    ordered = sorted(bars, key=lambda b: b.completion)  # barh draws bottom-up
    fig = _figure(2.6 + 0.62 * max(len(ordered), 1))
    ax = fig.add_subplot()
    if not ordered:
        _no_data(ax)
    else:
        names = [b.name for b in ordered]
        values = [max(0.0, min(100.0, b.completion)) for b in ordered]
        ax.barh(names, values, color=[COLOURS.get(b.colour, COLOURS["grey"]) for b in ordered],
                height=0.62)
        for i, value in enumerate(values):
            ax.text(min(value, 100) + 1.2, i, f"{value:.0f}%", va="center", fontsize=BASE_PT,
                    family=family)
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"])
        ax.grid(axis="x", color="#e0e0e0")
        ax.set_axisbelow(True)
        handles = [ax.bar(0, 0, color=COLOURS[c], label=label) for c, label in LEGEND]
        fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False,
                   prop={"family": family, "size": BASE_PT - 2})
    _style(ax, title, subtitle)
    return _save(fig, path)


def render_targets(bars: list[TargetBar], path: Path, *, title: str, today: date) -> Path:
    """Each numeric target: the value reached against the target, with its deadline."""
    family = _family()
    fig = _figure(2.4 + 1.15 * max(len(bars), 1))
    ax = fig.add_subplot()
    if not bars:
        _no_data(ax)
    else:
        for i, bar in enumerate(reversed(bars)):
            share = 0.0 if bar.value is None else max(0.0, min(1.0, bar.value / bar.target))
            met = bar.value is not None and bar.value >= bar.target
            late = today > bar.due and not met
            colour = COLOURS["green"] if met else COLOURS["red"] if late else COLOURS["blue"]
            ax.barh(i, 1.0, color="#eeeeee", height=0.5)
            ax.barh(i, share, color=colour, height=0.5)
            shown = "未报送" if bar.value is None else f"{bar.value:g}/{bar.target:g}{bar.unit}"
            ax.text(0.0, i + 0.42, bar.label, fontsize=BASE_PT, family=family, va="bottom")
            ax.text(1.02, i, shown, fontsize=BASE_PT, family=family, va="center")
            ax.text(1.0, i + 0.42, f"截止 {bar.due.isoformat()}", fontsize=BASE_PT - 3,
                    family=family, va="bottom", ha="right",
                    color=COLOURS["red"] if late else "#555555")
        ax.set_xlim(0, 1.42)
        ax.set_ylim(-0.6, len(bars) - 0.1)
        ax.set_yticks([])
        ax.set_xticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
    _style(ax, title)
    return _save(fig, path)


def render_trend(points: list[TrendPoint], path: Path, *, title: str) -> Path:
    """The whole plan's completion week by week."""
    family = _family()
    fig = _figure(6.0)
    ax = fig.add_subplot()
    if not points:
        _no_data(ax)
    else:
        xs = list(range(len(points)))
        ys = [max(0.0, min(100.0, p.completion)) for p in points]
        ax.plot(xs, ys, marker="o", linewidth=3, markersize=8, color=COLOURS["blue"])
        ax.fill_between(xs, ys, color=COLOURS["blue"], alpha=0.08)
        ax.annotate(f"{ys[-1]:.0f}%", (xs[-1], ys[-1]), textcoords="offset points",
                    xytext=(0, 12), ha="center", fontsize=BASE_PT + 2, family=family,
                    color=COLOURS["blue"])
        step = max(1, len(points) // 6)
        shown = xs[::-1][::step][::-1]  # always label the latest week
        ax.set_xticks(shown, [f"{points[i].week.month}/{points[i].week.day}" for i in shown])
        ax.set_xlim(-0.5, len(points) - 0.5)
        top = max(ys)
        ax.set_ylim(0, 100 if top > 40 else max(10.0, top * 1.6))
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        ax.grid(axis="y", color="#e0e0e0")
    _style(ax, title)
    return _save(fig, path)

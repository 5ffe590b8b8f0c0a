"""The digest's charts: real PNGs, phone-sized, with Chinese glyphs drawn rather than boxes."""

from __future__ import annotations

import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from bot.outputs import charts

# Anywhere in this module, a glyph drawn as a box fails the test (the control test in
# test_chinese_is_drawn_as_glyphs_not_boxes expects its warning with pytest.warns).
pytestmark = pytest.mark.filterwarnings("error:Glyph.*missing from font")

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TODAY = date(2024, 11, 25)
DEPTS = ["教育局", "编办", "文明办", "网信办", "民政局", "财政局", "人社局", "卫健委", "团市委", "妇联"]
COMPLETION = [92, 85, 100, 40, 66, 55, 0, 78, 33.3, 12]
COLOURS = ["green", "green", "green", "red", "yellow", "blue", "grey", "green", "yellow", "red"]
BARS = [charts.DeptBar(name, pct, colour, {"on_track": 3, "overdue": int(colour == "red")})
        for name, pct, colour in zip(DEPTS, COMPLETION, COLOURS, strict=True)]
TARGETS = [
    charts.TargetBar("标准化心理辅导室(2023)", 187, 200, "所", date(2023, 12, 31)),
    charts.TargetBar("标准化心理辅导室(2025)", 240, 300, "所", date(2025, 12, 31)),
    charts.TargetBar("示范性心理辅导室", 12, 30, "个", date(2025, 12, 31)),
    charts.TargetBar("心理健康教育特色学校", 150, 200, "所", date(2025, 12, 31)),
    charts.TargetBar("教师配备达标率", 76, 100, "%", date(2025, 12, 31)),
]
TREND = [charts.TrendPoint(date(2024, 9, 2) + timedelta(weeks=i), 3 + 5.5 * i) for i in range(12)]


def _ink(text: str, family: str) -> np.ndarray:
    """Dark pixels of `text` drawn large in `family`."""
    fig = Figure(figsize=(3, 1), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    fig.text(0.05, 0.25, text, fontsize=40, family=family)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0] < 128


def _texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text artist, tick labels and legend included."""
    fig.canvas.draw()  # tick labels only get their final text at draw time
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _assert_png(path: Path, min_height: int = 300) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= 1000 and image.height >= min_height


# ---------------------------------------------------------------- the font


def test_find_cjk_font_returns_a_file_with_the_glyphs():
    path = charts.find_cjk_font()
    assert path.is_file()
    assert charts._has_glyphs(path, text="督办心理健康教育")
    assert not charts._has_glyphs(font_manager.findfont("DejaVu Sans"), text="督办")


def test_chinese_is_drawn_as_glyphs_not_boxes():
    family = charts._cjk().family
    du, ban = _ink("督", family), _ink("办", family)
    # Tofu boxes are all alike; two real characters are not.
    assert du.sum() > 300 and ban.sum() > 300 and (du != ban).sum() > 300
    # The control: DejaVu has no Chinese, matplotlib warns and draws boxes, which differ
    # from the real glyphs. This is the warning the chart tests turn into errors.
    with pytest.warns(UserWarning, match="missing from font"):
        boxes = _ink("督办", "DejaVu Sans")
    assert (_ink("督办", family) != boxes).sum() > 300


def test_no_font_raises_with_install_advice(monkeypatch):
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "_mplfonts_font", lambda: None)
    with pytest.raises(charts.CjkFontMissing) as caught:
        charts._search_cjk_font()
    assert isinstance(caught.value, RuntimeError)
    message = str(caught.value)
    assert "pip install mplfonts" in message and "fonts-noto-cjk" in message
    assert "字体" in message and "font" in message


def test_without_mplfonts_installed_the_bundled_font_is_not_found(monkeypatch):
    monkeypatch.setattr(charts.importlib.util, "find_spec", lambda name: None)
    assert charts._mplfonts_font() is None


def test_a_system_font_is_preferred_and_its_glyphs_checked(monkeypatch):
    real = charts._mplfonts_font()
    assert real is not None
    dejavu = font_manager.findfont("DejaVu Sans")

    def entry(fname: str, name: str) -> font_manager.FontEntry:
        return font_manager.FontEntry(fname=fname, name=name, style="normal",
                                      variant="normal", weight=400, stretch="normal")

    # A family name alone proves nothing: the "WenQuanYi" entry here is DejaVu in disguise.
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [entry(dejavu, "WenQuanYi Zen Hei"),
                         entry(str(real.path), "Noto Sans CJK SC")])
    monkeypatch.setattr(charts, "_mplfonts_font", lambda: pytest.fail("system font ignored"))
    found = charts._search_cjk_font()
    assert found.path == real.path and found.family == "Noto Sans CJK SC"


def test_the_module_needs_neither_telegram_nor_pyplot():
    code = ("import sys, bot.outputs.charts; "
            "assert 'telegram' not in sys.modules, 'telegram'; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# ---------------------------------------------------------------- the three charts


def test_three_charts_render_as_phone_sized_pngs_without_missing_glyphs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph 30563 ... missing from font(s)" fails here
        paths = [
            charts.render_departments(BARS, tmp_path / "departments.png", title="各部门完成度",
                                      subtitle="截至 2024-11-25"),
            charts.render_targets(TARGETS, tmp_path / "targets.png", title="量化指标进度",
                                  today=TODAY),
            charts.render_trend(TREND, tmp_path / "trend.png", title="总体完成度周趋势"),
        ]
    assert paths == [tmp_path / "departments.png", tmp_path / "targets.png",
                     tmp_path / "trend.png"]
    for path in paths:
        _assert_png(path, min_height=500)
    with Image.open(paths[0]) as image:
        assert image.width == 1080
        assert image.getpixel((2, 2))[:3] == (255, 255, 255)  # white, not transparent


@pytest.mark.parametrize("make", ["departments", "targets", "trend"])
def test_every_text_uses_the_cjk_font_and_it_has_every_character(make):
    fig = {
        "departments": lambda: charts.departments_figure(BARS, title="各部门完成度",
                                                         subtitle="截至 2024-11-25"),
        "targets": lambda: charts.targets_figure(TARGETS, title="量化指标进度", today=TODAY),
        "trend": lambda: charts.trend_figure(TREND, title="总体完成度周趋势"),
    }[make]()
    font = charts.find_cjk_font()
    texts = _texts(fig)
    assert texts
    for text in texts:
        resolved = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        assert Path(resolved) == font, (text.get_text(), resolved)
        chars = "".join(ch for ch in text.get_text() if not ch.isspace())
        assert charts._has_glyphs(font, text=chars), text.get_text()
        assert text.get_fontsize() >= 14, text.get_text()  # readable on a phone


def test_departments_sorted_highest_on_top_with_percent_and_legend():
    texts = [t.get_text() for t in _texts(charts.departments_figure(BARS, title="完成度"))]
    bottom_up = [d for _, d in sorted(zip(COMPLETION, DEPTS, strict=True))]
    names = [t for t in texts if t in DEPTS]
    assert names == bottom_up  # y tick labels run bottom-up, so 文明办 (100%) is on top
    assert {"100%", "92%", "33%", "0%"} <= set(texts)
    assert {"正常", "滞后", "受阻", "临期", "逾期", "未报送", "待核实", "已销号",
            "序时进度"} <= set(texts)


def test_departments_stack_status_counts_and_draw_every_department_at_zero():
    bars = [charts.DeptBar("教育局", 7.9, "red", {"overdue": 9, "on_track": 3, "closed": 2},
                           expected=68),
            charts.DeptBar("编办", 0.0, "grey", {"no_report": 2})]
    fig = charts.departments_figure(bars, title="完成度", plan="某方案(某〔2022〕1号)",
                                    subtitle="截至 2023-06-30")
    texts = [t.get_text() for t in _texts(fig)]
    assert "8%" in texts  # 7.9 rounds as the text views round it, not down to 7%
    assert "0%" in texts and "编办" in texts  # drawn even at nothing
    assert "9" in texts  # the nine overdue tasks are a segment of their own, with the count
    assert any("某〔2022〕1号" in t and "截至 2023-06-30" in t for t in texts)
    counts_ax = fig.axes[1]
    reds = [p for p in counts_ax.patches
            if p.get_facecolor()[:3] == tuple(int(charts.STATUS_COLOURS["overdue"][i:i + 2], 16)
                                              / 255 for i in (1, 3, 5))]
    assert len(reds) == 1 and reds[0].get_width() == 9
    # the 序时进度 mark sits at 68 on the completion axis
    assert any(list(line.get_xdata()) == [68, 68] for line in fig.axes[0].get_lines())


def test_english_charts_have_no_chinese():
    import re

    figs = [charts.departments_figure(BARS, title="Completion", lang="en"),
            charts.targets_figure([charts.TargetBar("Rooms", 187, 200, "", date(2023, 12, 31),
                                                    0.5)], title="Targets", today=TODAY,
                                  lang="en"),
            charts.trend_figure(TREND, title="Trend", lang="en", subtitle="as of 2024-11-25"),
            charts.trend_figure([], title="Trend", lang="en")]
    for fig in figs:
        for text in _texts(fig):
            if text.get_text() not in DEPTS:  # the test data's own names stay Chinese
                assert not re.search(r"[\u4e00-\u9fff]", text.get_text()), text.get_text()


def test_targets_labels_and_missing_values():
    bars = [*TARGETS, charts.TargetBar("示范性心理辅导室", None, 30, "个", date(2025, 6, 30))]
    texts = [t.get_text() for t in _texts(charts.targets_figure(bars, title="指标", today=TODAY))]
    assert {"187/200所", "240/300所", "12/30个", "150/200所", "76/100%", "未报送"} <= set(texts)
    assert {"截止 2023-12-31 逾期", "截止 2025-12-31", "截止 2025-06-30"} <= set(texts)
    assert [t for t in texts if t in {b.label for b in bars}] == [b.label for b in bars]


@pytest.mark.parametrize(("value", "due", "red"), [
    (187, date(2023, 12, 31), True),  # passed, not met
    (None, date(2023, 12, 31), True),  # passed, nothing reported
    (230, date(2023, 12, 31), False),  # passed but met
    (187, date(2025, 12, 31), False),  # not yet due
])
def test_deadline_is_red_only_when_passed_and_not_met(value, due, red):
    fig = charts.targets_figure([charts.TargetBar("标准化心理辅导室", value, 200, "所", due)],
                                title="指标", today=TODAY)
    deadline = next(t for t in _texts(fig) if t.get_text().startswith("截止"))
    assert (deadline.get_color() == charts.COLOURS["red"]) is red


def test_trend_dates_and_last_point_label():
    texts = [t.get_text() for t in _texts(charts.trend_figure(TREND, title="趋势"))]
    last = TREND[-1]
    assert f"{last.week.month}/{last.week.day}" in texts  # the latest week always has a tick
    assert "64%" in texts  # its value (63.5), rounded as the text rounds it, at the point
    assert {"0", "50%", "100%"} <= set(texts)


def test_trend_across_new_year_shows_the_year():
    points = [charts.TrendPoint(date(2024, 12, 2) + timedelta(weeks=i), i) for i in range(8)]
    texts = [t.get_text() for t in _texts(charts.trend_figure(points, title="趋势"))]
    assert any("2025" in t for t in texts)


EDGE_CASES = {
    "no departments": lambda p: charts.render_departments([], p, title="各部门完成度",
                                                           subtitle="截至 2024-11-25"),
    "no targets": lambda p: charts.render_targets([], p, title="量化指标进度", today=TODAY),
    "no weeks": lambda p: charts.render_trend([], p, title="总体完成度周趋势"),
    "one week": lambda p: charts.render_trend([charts.TrendPoint(TODAY, 100.0)], p, title="趋势"),
    "all complete": lambda p: charts.render_departments(
        [charts.DeptBar(name, 100.0, "green") for name in DEPTS], p, title="全部完成"),
    "all targets met": lambda p: charts.render_targets(
        [charts.TargetBar(t.label, t.target, t.target, t.unit, t.due) for t in TARGETS], p,
        title="指标", today=TODAY),
    "nothing reported": lambda p: charts.render_targets(
        [charts.TargetBar(t.label, None, t.target, t.unit, t.due) for t in TARGETS], p,
        title="指标", today=TODAY),
    "odd values": lambda p: charts.render_departments(
        [charts.DeptBar("编办$", 130.0, "purple"), charts.DeptBar("妇联", -5.0, "red"),
         charts.DeptBar("团市委", float("nan"), "grey")], p, title="完成度"),
    "zero target": lambda p: charts.render_targets(
        [charts.TargetBar("零目标", 0, 0, "个", TODAY)], p, title="指标", today=TODAY),
    "sixty weeks": lambda p: charts.render_trend(
        [charts.TrendPoint(date(2023, 9, 4) + timedelta(weeks=i), min(100, 2 * i))
         for i in range(60)], p, title="趋势"),
}


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_render_cleanly(case, tmp_path):
    path = tmp_path / "chart.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert EDGE_CASES[case](path) == path
    _assert_png(path)


@pytest.mark.parametrize("empty", [
    lambda: charts.departments_figure([], title="完成度"),
    lambda: charts.targets_figure([], title="指标", today=TODAY),
    lambda: charts.trend_figure([], title="趋势"),
])
def test_empty_data_says_so(empty):
    assert "暂无数据" in [t.get_text() for t in _texts(empty())]


def test_targets_show_where_they_should_be_units_and_standing_ones():
    bar = charts.TargetBar("标准化心理辅导室(2025)", 30, 300, "所", date(2025, 12, 31),
                           expected=0.4, units=(("晋江市", 20, 51), ("鲤城区", None, 21)))
    standing = charts.TargetBar("市级辅导站专兼职人员", None, 6, "人", None)
    fig = charts.targets_figure([bar, standing], title="指标", today=TODAY)
    texts = [t.get_text() for t in _texts(fig)]
    assert "长期" in texts and "序时进度" in texts and "目标" in texts
    assert any(t.startswith("县区已报 1/2") and "鲤城区 —/21" in t for t in texts)
    ax = fig.axes[0]
    assert any(list(line.get_xdata()) == [0.4, 0.4] for line in ax.get_lines())


def test_trend_has_the_expected_line_and_the_year_on_the_first_tick():
    expected = [charts.TrendPoint(p.week, 50 + i) for i, p in enumerate(TREND)]
    fig = charts.trend_figure(TREND, title="趋势", expected=expected, subtitle="截至 2024-11-25")
    texts = [t.get_text() for t in _texts(fig)]
    assert "序时进度" in texts and "截至 2024-11-25" in texts
    assert any(t.endswith("\n2024") for t in texts)  # within one year, still the year
    assert len(fig.axes[0].get_lines()) == 2


def test_charts_render_concurrently(tmp_path):
    # The bot draws the digest in a worker thread; two digests at once must not interfere.
    jobs = [lambda i=i: charts.render_departments(BARS, tmp_path / f"d{i}.png", title="完成度")
            for i in range(3)]
    jobs += [lambda i=i: charts.render_trend(TREND, tmp_path / f"w{i}.png", title="趋势")
             for i in range(3)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        paths = list(pool.map(lambda job: job(), jobs))
    for path in paths:
        _assert_png(path)
    first = Image.open(tmp_path / "d0.png").tobytes()
    assert all(Image.open(tmp_path / f"d{i}.png").tobytes() == first for i in (1, 2))


def test_the_docs_screenshots_exist_and_the_script_redraws_them(tmp_path):
    import importlib.util
    import re

    page = (ROOT / "docs" / "paperwork.md").read_text(encoding="utf-8")
    shown = [f"docs/{name}" for name in re.findall(r"!\[[^\]]*\]\((chart-[a-z]+\.png)\)", page)]
    assert sorted(shown) == ["docs/chart-departments.png", "docs/chart-targets.png",
                             "docs/chart-trend.png"]
    for path in shown:
        _assert_png(ROOT / path, min_height=500)
    spec = importlib.util.spec_from_file_location("make_screenshots",
                                                  ROOT / "docs" / "make_screenshots.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--out", str(tmp_path)]) == 0
    for path in shown:
        _assert_png(tmp_path / Path(path).name, min_height=500)

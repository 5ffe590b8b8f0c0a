"""The charts are real PNGs with Chinese glyphs drawn, not boxes."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from bot import charts

PNG = b"\x89PNG\r\n\x1a\n"
DEPTS = ["教育局", "编办", "文明办", "网信办", "民政局", "财政局", "人社局", "卫健委", "团市委", "妇联"]


def _ink(text: str, family: str | None) -> np.ndarray:
    fig = Figure(figsize=(3, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.1, 0.3, text, fontsize=30, **({"family": family} if family else {}))
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0] < 128


def test_the_cjk_font_has_the_glyphs():
    path = charts.find_cjk_font()
    assert path.is_file()
    with_cjk = _ink("督办", charts._family())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DejaVu lacks the glyphs: that is the point
        boxes = _ink("督办", "DejaVu Sans")
    # Two real characters and two tofu boxes differ in shape and in how much ink they use.
    assert with_cjk.sum() > 0 and (with_cjk != boxes).sum() > 200


def test_three_charts_render_as_readable_pngs(tmp_path):
    bars = [charts.DeptBar(name, 10.0 * i, ["green", "yellow", "blue", "red", "grey"][i % 5])
            for i, name in enumerate(DEPTS)]
    targets = [charts.TargetBar("标准化心理辅导室(2023)", 187, 200, "所", date(2023, 12, 31)),
               charts.TargetBar("示范性心理辅导室", None, 30, "个", date(2025, 12, 31)),
               charts.TargetBar("心理健康教育特色学校", 230, 200, "所", date(2025, 12, 31))]
    points = [charts.TrendPoint(date(2026, 9, 7) + timedelta(weeks=i), 3.0 * i) for i in range(12)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        paths = [
            charts.render_departments(bars, tmp_path / "d.png", title="各部门完成度",
                                      subtitle="截至 2026-11-30"),
            charts.render_targets(targets, tmp_path / "t.png", title="量化指标进度",
                                  today=date(2026, 11, 30)),
            charts.render_trend(points, tmp_path / "w.png", title="总体完成度周趋势"),
        ]
    for path in paths:
        assert path.read_bytes().startswith(PNG)
        with Image.open(path) as image:
            assert image.width >= 1000 and image.height >= 400


def test_empty_and_edge_data(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts.render_departments([], tmp_path / "d.png", title="各部门完成度")
        charts.render_targets([], tmp_path / "t.png", title="量化指标进度", today=date.today())
        charts.render_trend([], tmp_path / "w.png", title="趋势")
        charts.render_trend([charts.TrendPoint(date(2026, 1, 5), 100.0)], tmp_path / "one.png",
                            title="趋势")
        charts.render_departments([charts.DeptBar("教育局", 100.0, "green")],
                                  tmp_path / "full.png", title="全部完成")
    assert all((tmp_path / n).stat().st_size > 5000 for n in ("d.png", "t.png", "w.png",
                                                               "one.png", "full.png"))

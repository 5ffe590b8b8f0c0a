"""The bulletin and the ledger as the reader sees them: converted to PDF by LibreOffice (as
`export --pdf` and `/export … pdf` do) and checked page by page with pdfplumber: page count, a
page number on every page at the outer edge, nothing wider than the text block, every section
heading, the charts embedded; and the previews in docs/ drawn from the same PDFs.

Needs LibreOffice (`soffice`): skipped on a machine without it, failed in CI (the `soffice`
fixture), where .ci/run installs it."""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from tests.conftest import ROOT
from tests.test_cli import cli  # noqa: F401 (the fixture)

MM = 72 / 25.4
TOLERANCE = 1.0  # points
TEXT_LEFT, TEXT_RIGHT = 28 * MM, (210 - 26) * MM  # GB/T 9704's 156 mm text block
TEXT_BOTTOM = (297 - 35) * MM
PUNCT = set("，。、；：？！）》〉”’")
SECTIONS_ZH = ["一、总体进展", "二、各部门推进情况", "三、红黑榜", "四、逾期事项", "五、待核实及受阻事项",
               "六、延期及中止事项", "七、催办及未签收情况", "八、零报送单位", "九、任务分解",
               "十、下步工作要求"]
SECTIONS_EN = ["1. Overall progress", "2. Progress by department", "3. Commended and warned",
               "4. Overdue tasks", "5. Awaiting check and blocked",
               "6. Extensions and suspensions", "7. Chases and unacknowledged notices",
               "8. Units that did not report", "9. Targets by county", "10. Next steps"]


def _previews():
    spec = importlib.util.spec_from_file_location("make_previews",
                                                  ROOT / "docs" / "make_previews.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def previews():
    return _previews()


@pytest.fixture(scope="module")
def zh(tmp_path_factory, soffice, previews) -> dict[str, Path]:
    return previews.export(tmp_path_factory.mktemp("paper-zh"), "zh")


@pytest.fixture(scope="module")
def en(tmp_path_factory, soffice, previews) -> dict[str, Path]:
    return previews.export(tmp_path_factory.mktemp("paper-en"), "en")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _footer(page, depth: float = 35 * MM) -> str:
    """The text under the text block (the bottom margin)."""
    return page.crop((0, page.height - depth, page.width, page.height)).extract_text() or ""


def _check_bulletin(path: Path, sections: list[str]) -> list[str]:
    """The checks every bulletin passes; returns each page's text."""
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages
        assert 4 <= len(pages) <= 20
        texts = []
        for number, page in enumerate(pages, 1):
            assert (round(page.width / MM), round(page.height / MM)) == (210, 297)
            # "— n —" under the text block, right on odd pages and left on even ones
            assert _footer(page).strip() == f"— {number} —"
            digits = [c for c in page.chars if c["top"] > TEXT_BOTTOM and c["text"].isdigit()]
            centre = sum(c["x0"] for c in digits) / len(digits)
            assert centre > page.width * 0.75 if number % 2 else centre < page.width * 0.25
            # every rule, table border and picture stays inside the 156 mm text block
            for edge in page.edges:
                assert TEXT_LEFT - TOLERANCE <= edge["x0"] <= edge["x1"] <= TEXT_RIGHT + TOLERANCE
            for image in page.images:
                assert TEXT_LEFT - TOLERANCE <= image["x0"] < image["x1"] <= TEXT_RIGHT + TOLERANCE
            for char in page.chars:
                if char["top"] < TEXT_BOTTOM:
                    # a closing mark ending a full line may hang (标点悬挂), nothing else
                    hang = char["size"] if char["text"] in PUNCT else 0
                    assert char["x1"] <= TEXT_RIGHT + hang + TOLERANCE, char["text"]
            texts.append(page.extract_text() or "")
        assert sum(len(page.images) for page in pages) == 3  # the three charts
        masthead = [c for c in pages[0].chars if c["size"] > 30]
        assert masthead and all(c["non_stroking_color"][0] > 0.8 and
                                c["non_stroking_color"][1] < 0.1 for c in masthead)
        red_rule = [e for e in pages[0].edges if e["orientation"] == "h"
                    and e["x1"] - e["x0"] > 150 * MM]
        assert red_rule, "the red rule under the 期号 spans the text block"
    flat = _squeeze("".join(texts))
    at = [flat.find(_squeeze(h)) for h in sections]
    assert all(i >= 0 for i in at) and at == sorted(at), list(zip(sections, at, strict=True))
    return texts


def test_the_bulletin_pdf_page_by_page(zh):
    texts = _check_bulletin(zh["bulletin"], SECTIONS_ZH)
    first = texts[0].splitlines()
    assert first[:2] == ["督办通报", "第 1 期"]
    # the title broken between words, as docx asked
    assert [_squeeze(x) for x in first[2:4]] == ["关于《关于加强泉州市大中小学心理健康",
                                                 "教育工作实施方案》落实情况的通报"]
    assert _squeeze(first[4]) == "联席会议各成员单位："
    last = _squeeze(texts[-1])
    # 署名, 成文日期 and the 版记 on the last page
    assert "泉州市大中小学心理健康教育工作联席会议办公室2023年6月30日" in last
    imprint = "抄送：联席会议召集人、副召集人。泉州市大中小学心理健康教育工作联席会议办公室2023年6月30日印发"
    assert imprint in last
    flat = _squeeze("".join(texts))
    for caption in ("图1总体完成度周趋势", "图2各部门完成度", "图3量化指标进度"):
        assert caption in flat


def test_the_english_bulletin_pdf_page_by_page(en):
    texts = _check_bulletin(en["bulletin"], SECTIONS_EN)
    assert texts[0].splitlines()[:2] == ["Supervision Bulletin", "No. 1"]
    assert "Printed 30 June 2023" in texts[-1]


def test_the_ledger_pdf_prints_landscape_one_page_wide(zh):
    with pdfplumber.open(zh["ledger"]) as pdf:
        pages = pdf.pages
        total = len(pages)
        assert 2 <= total <= 30
        heads = None
        for number, page in enumerate(pages, 1):
            assert page.width > page.height  # landscape
            assert (round(page.width / MM), round(page.height / MM)) == (297, 210)
            # the footer sits 0.3" (7.6 mm) up, its text 8–10 mm: the strip below 10.5 mm holds
            # it alone (a last row's second line may reach 12 mm)
            assert _squeeze(_footer(page, 10.5 * MM)) == f"第{number}页，共{total}页"
            for char in page.chars:  # fitted to the width: nothing runs off the paper
                assert char["x0"] >= 5 * MM and char["x1"] <= page.width - 5 * MM
            text = _squeeze(page.extract_text() or "")
            if re.search(r"T\d\d督〔2022〕", text):  # a page of the task sheet
                # the header row is repeated on every page of it
                assert "编号督办编号条款任务内容" in text
                heads = heads or text
        first = _squeeze(pages[0].extract_text())
        assert first.startswith("关于加强泉州市大中小学心理健康教育工作实施方案督办台账")
        assert "文号：泉教思〔2022〕1号截至2023年6月30日" in first
        assert "整改措施/备注" in first  # the last column fits on the first page
        whole = _squeeze("".join(page.extract_text() or "" for page in pages))
        # long text is wrapped, not cut: the task column holds the longest title whole
        page = pages[0]
        head = next(w for w in page.extract_words() if w["text"].startswith("任务内容"))
        middle = (head["x0"] + head["x1"]) / 2
        lines = sorted({round(e["x0"], 1) for e in page.edges if e["orientation"] == "v"})
        left = max(x for x in lines if x < middle)
        right = min(x for x in lines if x > middle)
        column = _squeeze(page.crop((left, head["bottom"], right, page.height)).extract_text())
    assert heads is not None
    assert "各县（市、区）教师进修学校配备专职心理健康教育教研员" in column
    for status in ("逾期", "已中止", "受阻", "已销号"):
        assert status in whole


def test_the_previews_in_docs_are_drawn_from_these_pdfs(zh, previews, tmp_path):
    """docs/preview-*.png are what `python docs/make_previews.py` draws now (redraw them after
    changing the layout)."""
    from PIL import Image, ImageChops

    drawn = previews.render(zh, tmp_path)
    assert [p.name for p in drawn] == ["preview-bulletin-1.png", "preview-bulletin-2.png",
                                       "preview-ledger-1.png"]
    for fresh in drawn:
        kept = ROOT / "docs" / fresh.name
        assert kept.is_file(), f"{kept} is missing: run python docs/make_previews.py"
        with Image.open(fresh) as a, Image.open(kept) as b:
            assert a.size == b.size, f"{fresh.name}: run python docs/make_previews.py"
            diff = ImageChops.difference(a.convert("L"), b.convert("L"))
            changed = diff.point(lambda v: 255 if v > 64 else 0).histogram()[255]
        assert changed <= a.size[0] * a.size[1] * 0.002, (
            f"{fresh.name} differs in {changed} pixels: run python docs/make_previews.py")


def test_the_cli_writes_the_pdf_beside_the_file(cli, tmp_path, soffice):  # noqa: F811
    cli("seed")
    out = cli("export", "ledger", "--pdf", "--out", str(tmp_path / "台账.xlsx")).stdout
    assert "台账.pdf" in out
    pdf = tmp_path / "台账.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:" in info.stdout and pdf.read_bytes().startswith(b"%PDF")
    # tracking began today: no whole week has ended yet, so the bulletin is refused, saying
    # when the first one can be made; the week so far can be had
    refused = cli("export", "bulletin", "--out", str(tmp_path / "a.docx"), ok=False)
    assert refused.returncode == 1 and "尚无已结束的整周" in refused.stderr
    assert not (tmp_path / "a.docx").exists()
    cli("export", "bulletin", "--so-far", "--pdf", "--out", str(tmp_path / "b.docx"))
    with pdfplumber.open(tmp_path / "b.pdf") as document:
        assert _squeeze(document.pages[0].extract_text()).startswith("督办通报第1期")


# ------------------------------------------- numbers kept whole at the end of a line (QA-3 #12)

# Figures as the bulletin writes them; each sentence is set after 0..LINE_CHARS characters of
# filler, so every figure falls across every position of a line, the line's end included.
FIGURE_SENTENCE = ("逾期7项。2022年以来办结销号12项次，完成度16%，较上期下降2个百分点，得分78.6分，"
                   "2022年7月17日前（泉教思〔2022〕1号）T16等1234所学校已报送。")
LINE_CHARS = 28  # a 156 mm line holds 27.7 characters of 16 pt
SPLIT = re.compile(r"[0-9.]$")  # a line ending inside a figure…
CONTINUED = re.compile(r"^[0-9.%]")  # …and the next line going on with it


def _figure_lines(pdf_bytes: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [_squeeze(line["text"]) for page in pdf.pages
                for line in page.extract_text_lines()
                if line["bottom"] < TEXT_BOTTOM]  # not the page number


def _figures_pdf(latin_lang: str | None) -> tuple[str, list[str]]:
    """The figures laid out in the bulletin's body style (the Latin-script language replaced
    by `latin_lang` when given): the text set and the PDF's lines."""
    from docx.oxml.ns import qn

    from bot.outputs.exports.bulletin import blank_document, body_paragraph
    from bot.outputs.exports.pdf import bulletin_pdf

    doc = blank_document("zh")
    if latin_lang is not None:
        lang = doc.styles["Normal"].element.rPr.find(qn("w:lang"))
        lang.set(qn("w:val"), latin_lang)
    filler = "各成员单位按照职责分工认真抓好任务落实推进有关工作并及时报送进展情况"
    texts = [filler[:k] + FIGURE_SENTENCE for k in range(LINE_CHARS + 1)]
    for text in texts:
        body_paragraph(doc, text)
    buffer = io.BytesIO()
    doc.save(buffer)
    pdf = bulletin_pdf(buffer.getvalue())
    assert pdf is not None
    return "".join(texts), _figure_lines(pdf)


def _splits(lines: list[str]) -> list[tuple[str, str]]:
    return [(a[-8:], b[:8]) for a, b in zip(lines, lines[1:], strict=False)
            if SPLIT.search(a) and CONTINUED.search(b)]


def test_no_figure_of_the_bulletin_is_split_across_lines(soffice):
    """The bulletin's body text as LibreOffice lays it out: no year, count, percent, score or
    date is broken at a line's end, wherever on the line it falls (the W28 bulletin broke
    "…逾期7项。2" / "022年以来…"), and no text is lost or reordered on the way."""
    text, lines = _figures_pdf(None)
    assert "".join(lines) == text  # the checker reads every line, in order
    assert len(lines) > 2 * (LINE_CHARS + 1)  # each sentence spans lines: ends were crossed
    ends = {line[-1] for line in lines}
    assert ends & set("0123456789")  # a figure does end lines, before a character, kept whole
    assert _splits(lines) == []


def test_the_split_figures_came_from_a_chinese_latin_script(soffice):
    """Why: with the Latin script (figures) in a Chinese locale, LibreOffice breaks anywhere
    in a figure, as it breaks between Chinese characters; the check above would see it."""
    _, lines = _figures_pdf("zh-CN")
    assert _splits(lines)

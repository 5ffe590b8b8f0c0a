"""The ledger (xlsx) and the bulletin (docx), opened with their libraries and read back: every
element an office needs before it sends them up the chain (issue 19)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from bot.config import load_settings
from bot.domain.lifecycle import Event
from bot.errors import DubanError
from bot.outputs.exports import facts
from bot.outputs.exports.bulletin import (
    BODY_FONT,
    HEADING_FONT,
    TITLE_FONT,
    Letterhead,
    build_bulletin,
    period_of,
)
from bot.outputs.exports.ledger import build_ledger
from bot.outputs.exports.pdf import bulletin_pdf
from bot.services import notices
from bot.services.commands import (
    act,
    close_task,
    decide_extension,
    record_report,
    request_extension,
    set_deadline,
    task_version,
)
from bot.services.directory import find_task
from bot.store.connection import utc_iso
from tests.conftest import COORDINATOR, EDU_LIAISON, at
from tests.test_digest import sample_reports

AT = at("2023-05-15 09:00")
TEXT_TWIPS = 8844  # the 156 mm text block
CJK = re.compile(r"[\u3400-\u9fff]")
SECTIONS = ["一、总体进展", "二、各部门推进情况", "三、红黑榜", "四、逾期事项", "五、待核实及受阻事项",
            "六、延期及中止事项", "七、催办及未签收情况", "八、零报送单位", "九、任务分解",
            "十、下步工作要求"]


@pytest.fixture
def record(seeded, tmp_path):
    """The seed plan with the digest's sample reports, a closure, county figures, an approved
    and a refused extension, a suspended task and a chase nobody signed for."""
    sample_reports(seeded, tmp_path)
    close_task(seeded, user_id=COORDINATOR, task_ref="T05", now=at("2023-05-13"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=23, unit="晋江市",
                  now=at("2023-05-13"))
    record_report(seeded, user_id=EDU_LIAISON, task_ref="T06", value=11, unit="南安市",
                  note="南安新建11所", now=at("2023-05-14"))
    request_extension(seeded, user_id=EDU_LIAISON, task_ref="T09", due=at("2026-06-30").date(),
                      reason="经费未到位", now=at("2023-05-14 09:00"))
    decide_extension(seeded, user_id=COORDINATOR, task_ref="T09", approve=True,
                     now=at("2023-05-14"), version=task_version(seeded, "T09"))
    request_extension(seeded, user_id=EDU_LIAISON, task_ref="T08", due=at("2026-12-31").date(),
                      reason="学校评估推迟", now=at("2023-05-12 09:00"))
    decide_extension(seeded, user_id=COORDINATOR, task_ref="T08", approve=False,
                     reason="理由不充分", now=at("2023-05-12 15:00"),
                     version=task_version(seeded, "T08"))
    act(seeded, event=Event.SUSPEND, user_id=COORDINATOR, task_ref="T45",
        reason="政策调整,暂缓实施", now=at("2023-05-11"))
    notices.chase(seeded, user_id=COORDINATOR, tasks=[find_task(seeded, "T02")],
                  now=at("2023-05-12"), colours=("blue", "yellow", "red"))
    return seeded


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> list[dict]:
    """The rows under the header (row 3), keyed by header."""
    values = list(ws.iter_rows(min_row=3, values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _all_text(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def _bulletin(db, at_=AT, period="week", lang="zh", **kw) -> Document:
    return Document(io.BytesIO(build_bulletin(db, at_, period, lang, **kw)))


# ---------------------------------------------------------------- the ledger


def test_ledger_title_rows_and_the_columns_an_office_keeps(record):
    book = _book(build_ledger(record, AT))
    assert book.sheetnames == ["任务台账", "部门汇总", "任务分解", "各期情况", "考评明细", "报送记录"]
    ws = book["任务台账"]
    assert ws["A1"].value == "关于加强泉州市大中小学心理健康教育工作实施方案督办台账"
    assert "A1:Z1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "文号：泉教思〔2022〕1号　　截至2023年5月15日"
    rows = _rows(ws)
    assert [r["编号"] for r in rows] == [t["id"] for t in record["tasks"].rows_where(
        "archived_at IS NULL", order_by="position")]
    by_id = {r["编号"]: r for r in rows}
    t04 = by_id["T04"]
    assert t04["督办编号"] == "督〔2022〕4号"
    assert t04["牵头单位"] == "教育局" and t04["配合单位"] == "财政局"
    assert t04["责任人"] == "李联络"  # the department's liaisons
    assert by_id["T30"]["责任人"] == "未确定联络员"
    t08 = by_id["T08"]
    assert t08["完成值"] == 150 and t08["目标值"] == 200
    assert t08["报送说明"] == "新增30所" and t08["报送人"] == "李联络"
    assert t08["最近报送"] == datetime(2023, 5, 10, 10, 0)  # a real date, in Shanghai time
    assert t08["佐证材料（份）"] == 1
    assert t04["交办日期"] == datetime(2022, 1, 4)  # the plan assigned it
    assert by_id["T02"]["逾期天数"] == (AT.date() - at("2022-06-30").date()).days
    assert by_id["T02"]["状态"] == "逾期" and by_id["T05"]["状态"] == "已销号"
    assert by_id["T05"]["办结日期"] == datetime(2023, 5, 13)
    assert by_id["T02"]["催办次数"] == 1 and by_id["T02"]["未签收催办"] == 1
    assert by_id["T44"]["状态"] == "受阻" and by_id["T44"]["整改措施/备注"] == "专家未到位"
    assert by_id["T45"]["状态"] == "已中止" and by_id["T45"]["整改措施/备注"] == "政策调整，暂缓实施"
    t09 = by_id["T09"]  # the approved 延期: reason, approval date, deadline before and after
    assert t09["完成时限"] == datetime(2025, 12, 31) and t09["延期后时限"] == datetime(2026, 6, 30)
    assert t09["延期原因"] == "经费未到位" and t09["延期批准日期"] == datetime(2023, 5, 14)
    assert by_id["T08"]["延期后时限"] is None  # refused
    assert by_id["T02"]["任务内容"].startswith("各县（市、区）")  # full-width in Chinese
    assert by_id["T18"]["完成时限"] == "长期坚持"


def test_ledger_cells_wrap_have_borders_and_numbers_read_as_numbers(record):
    ws = _book(build_ledger(record, AT))["任务台账"]
    heads = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
            if isinstance(cell.value, str):
                assert cell.alignment.wrap_text, cell.coordinate
    t08 = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "T08")
    value, target = t08[heads.index("完成值")], t08[heads.index("目标值")]
    assert value.number_format == '0"所"' and target.number_format == '0"所"'
    assert value.value == 150  # a number, shown "150所"
    percent = t08[heads.index("进度（%）")]
    assert percent.number_format == "0" and "#" not in percent.number_format
    status = t08[heads.index("状态")]
    assert status.value == "正常" and status.fill.fgColor.rgb.upper().endswith("C8E6C9")
    assert not any(re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u23F0-\u23FF]",
                             str(c.value or "")) for r in ws.iter_rows(min_row=4) for c in r)
    # a long task title gets a row tall enough to show it whole
    long = next(r for r in ws.iter_rows(min_row=4) if len(str(r[3].value)) > 30)
    assert ws.row_dimensions[long[0].row].height >= 2 * 13.5
    # the heads that wrap get their lines (they spilled onto the 文号 row), and a day with its
    # time fits its column (it read ###)
    assert ws.row_dimensions[3].height >= 2 * 13.5
    latest = heads.index("最近报送")
    letter = ws.cell(row=3, column=latest + 1).column_letter
    assert ws.column_dimensions[letter].width >= len("2023.12.31 23:59")
    number = ws.cell(row=3, column=heads.index("督办编号") + 1).column_letter  # 督〔2022〕10号
    assert ws.column_dimensions[number].width >= 14


def test_ledger_prints_on_a4_landscape_one_page_wide(record):
    book = _book(build_ledger(record, AT))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth left out means 1 (ECMA-376's default); fitToHeight 0: as many as it takes
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$3:$3"  # the header row on every page
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert ws.freeze_panes == "B4"


def test_ledger_departments_in_rank_order_and_units_with_subtotals(record):
    book = _book(build_ledger(record, AT))
    depts = _rows(book["部门汇总"])
    ranked = [r for r in depts if isinstance(r["名次"], int)]
    ranking = facts.gather(record, AT).ranking
    assert [r["部门"] for r in ranked] == [x.name for x in ranking.lines]
    assert [r["名次"] for r in ranked] == [x.rank for x in ranking.lines]
    total = next(r for r in depts if r["部门"] == "合计")
    assert total["任务数"] == 50 and total["已中止"] == 1
    assert next(r for r in depts if r["部门"] == "编办")["责任人"] == "未确定联络员"
    units = _rows(book["任务分解"])
    t06 = [r for r in units if r["编号"] == "T06"]
    assert len(t06) == 14  # 13 county units and the subtotal
    assert {r["年度"] for r in t06} == {2025} and {r["目标值"] for r in t06} == {300}
    jinjiang = next(r for r in t06 if r["县（市、区）"] == "晋江市")
    assert jinjiang["分解任务数"] == 51 and jinjiang["已完成"] == 23
    assert jinjiang["完成率（%）"] == 45  # 23 of 51, by the one rounding rule
    subtotal = t06[-1]
    assert subtotal["县（市、区）"] == "小计" and subtotal["分解任务数"] == 300
    assert subtotal["已完成"] == 34
    t04 = [r for r in units if r["编号"] == "T04"]
    assert t04[-1]["县（市、区）"] == "小计" and {r["年度"] for r in t04} == {2023}
    reports = _rows(book["报送记录"])
    assert len(reports) == record["reports"].count


def _filter_ends(data: bytes) -> dict[str, int]:
    """Each sheet's last filtered row, from its autoFilter, checked against the hidden
    _FilterDatabase name Excel sorts by (both must end at the same row)."""
    import zipfile

    book = _book(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = dict(re.findall(r'<definedName name="_xlnm._FilterDatabase" localSheetId="(\d+)"'
                                r' hidden="1">[^!]*!\$A\$3:\$[A-Z]+\$(\d+)</definedName>',
                                z.read("xl/workbook.xml").decode()))
    ends = {}
    for i, ws in enumerate(book.worksheets):
        first, last = re.fullmatch(r"A(\d+):[A-Z]+(\d+)", ws.auto_filter.ref).groups()
        assert first == "3" and names[str(i)] == last, ws.title
        ends[ws.title] = int(last)
    return ends


@pytest.mark.parametrize(("lang", "records"), [("zh", True), ("en", True), ("zh", False)])
def test_ledger_filters_end_at_the_last_data_row(record, lang, records):
    """Sorting a sheet by a column (部门汇总 by 完成度, 任务分解 by 完成率) moves its data rows
    only: the 合计 and the note under 部门汇总, and 任务分解's 小计 rows, which follow all the
    county units (one per target, in the units' order, summing them), are below the filter."""
    from bot.language.i18n import t

    data = build_ledger(record, AT, lang, records=records)
    book, ends = _book(data), _filter_ends(data)
    total, subtotal = (t(k, lang, html=False) for k in ("ledger_total", "ledger_subtotal"))
    for ws in book.worksheets:
        rows = list(ws.iter_rows(min_row=4, values_only=True))
        inside, below = rows[:ends[ws.title] - 3], rows[ends[ws.title] - 3:]
        assert not any(total in r or subtotal in r for r in inside), ws.title
        assert all(r[0] is not None for r in inside), ws.title  # nothing but data rows
        if ws.title in (t("ledger_sheet_depts", lang, html=False),):
            assert [r[1] for r in below[:1]] == [total]
            assert below[1][0] == t("ledger_rank_rule", lang, html=False) and len(below) == 2
            assert len(inside) == len(facts.gather(record, AT).ranking.lines)
        elif ws.title == t("ledger_sheet_units", lang, html=False):
            targets = list(dict.fromkeys(r[0] for r in inside))
            assert len(targets) == 2 and [r[0] for r in below] == targets
            assert all(r[4] == subtotal for r in below)
            for r in below:  # each subtotal sums its units
                assert r[5] == sum(u[5] for u in inside if u[0] == r[0])
        else:
            assert below == [], ws.title
    if records:  # the 报送记录 rows spliced in after XlsxWriter: its filter spans them all
        reports = book.worksheets[-1]
        assert ends[reports.title] == 3 + record["reports"].count == reports.max_row


def test_ledger_in_english_and_as_of_a_past_day(record):
    book = _book(build_ledger(record, at("2023-05-05"), "en", historical=True))
    assert book.sheetnames == ["Tasks", "Departments", "County units", "Periods", "Score items",
                               "Reports"]
    ws = book["Tasks"]
    assert ws["A2"].value == "Document: 泉教思〔2022〕1号    As of 5 May 2023"
    assert len(_rows(book["Reports"])) == 3  # the reports of 05-01..05-03 only
    tasks = {r["No."]: r for r in _rows(ws)}
    assert tasks["T08"]["Value"] == 120
    assert tasks["T04"]["Supporting"] == "Quanzhou Finance Bureau"
    assert tasks["T08"]["Status"] == "on track"
    assert tasks["T30"]["Liaisons"] == "no liaison yet"
    t03 = tasks["T03"]
    assert t03["Supporting"] and "、" not in t03["Supporting"] and ", " in t03["Supporting"]
    heads = [c.value for c in ws[3]]
    assert not any(CJK.search(h) for h in heads)
    t08 = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "T08")
    assert t08[heads.index("Target")].number_format == "0"  # no Chinese unit word


# ---------------------------------------------------------------- the bulletin: the frame


def test_bulletin_masthead_issue_number_and_red_rule(record):
    doc = _bulletin(record, charts=False)
    masthead, number = doc.paragraphs[0], doc.paragraphs[1]
    assert masthead.text == "督办通报"
    run = masthead.runs[0]
    assert run.font.color.rgb is not None and str(run.font.color.rgb) == "E60012"
    assert run.font.size.pt >= 22
    assert number.text == "第1期"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "E60012" and int(rule.get(qn("w:sz"))) >= 12


def test_issue_numbers_count_from_the_first_bulletin_per_series(record):
    def number(day, period="week", lang="zh"):
        return _bulletin(record, at(day), period, lang, charts=False).paragraphs[1].text

    # Monday 05-15: the last whole week, 05-08 to 05-14 (W19)
    assert number("2023-05-15") == "第1期"  # not weeks since the plan was issued in 2022
    assert number("2023-05-16") == "第1期"  # the same week covered: the same issue
    assert number("2023-05-21 18:00", lang="en") == "No. 1"  # W20 is not over on Sunday
    assert number("2023-05-22") == "第2期"
    assert number("2023-05-31", "month") == "第1期"  # April; the monthly series on its own
    assert number("2023-05-15") == "第1期"  # a past issue keeps its number
    assert number("2023-06-30", "month") == "第2期"  # May, all of it
    # the week so far is that week's issue: the same number when it is made whole
    so_far = _bulletin(record, at("2023-05-24"), charts=False, so_far=True)
    assert so_far.paragraphs[1].text == "第3期"
    assert any("2023年5月22日至2023年5月24日" in p.text for p in so_far.paragraphs)
    assert number("2023-05-29") == "第3期"
    rows = list(record["bulletin_issues"].rows_where(order_by="series, number"))
    assert [(r["series"], r["period"], r["number"], r["start"], r["end"]) for r in rows] == [
        ("month", "2023-04", 1, "2023-04-01", "2023-04-30"),
        ("month", "2023-05", 2, "2023-05-01", "2023-05-31"),
        ("week", "2023-W19", 1, "2023-05-08", "2023-05-14"),
        ("week", "2023-W20", 2, "2023-05-15", "2023-05-21"),
        ("week", "2023-W21", 3, "2023-05-22", "2023-05-28")]


def test_a_period_has_one_issue_and_its_figures_whenever_made(record):
    """The QA case: made on a Tuesday and again on the Wednesday, the same week, the same 期号
    and the same text (the 成文日期 and the reply-by date it sets apart); a report made after
    the week does not change it."""
    def body(day):
        doc = _bulletin(record, at(day), charts=False)
        return [re.sub(r"请于\d{4}年\d{1,2}月\d{1,2}日前", "", p.text) for p in doc.paragraphs
                if "印发" not in p.text
                and not re.fullmatch(r".*\d{4}年\d{1,2}月\d{1,2}日", p.text)]

    tuesday = body("2023-05-16")
    record_report(record, user_id=EDU_LIAISON, task_ref="T06", percent=90,
                  note="after the week", now=at("2023-05-16 10:00"))
    assert body("2023-05-17") == tuesday
    assert tuesday[1] == "第1期"


def test_a_bulletin_before_tracking_began_is_refused_with_the_first_one(record):
    from bot.services.facts import tracking_start

    began = tracking_start(record, AT.tzinfo)
    with pytest.raises(DubanError) as caught:
        facts.bulletin_facts(record, at(began.isoformat()), "month")
    assert caught.value.key == "bulletin_no_period"
    assert not list(record["bulletin_issues"].rows)  # no number spent on it


def test_title_with_book_marks_broken_between_words_and_the_addressees(record):
    doc = _bulletin(record, charts=False)
    title = next(p for p in doc.paragraphs if p.text.startswith("关于"))
    assert title.text.replace("\n", "") == "关于《关于加强泉州市大中小学心理健康教育工作实施方案》落实情况的通报"
    assert title.runs[0].font.size.pt == 22  # 二号
    lines = [r.text for r in title.runs if r.text.strip()]
    assert lines == ["关于《关于加强泉州市大中小学心理健康", "教育工作实施方案》落实情况的通报"]
    texts = [p.text for p in doc.paragraphs]
    to = doc.paragraphs[texts.index(title.text) + 2]
    assert to.text == "联席会议各成员单位："
    assert to.paragraph_format.first_line_indent.pt == 0  # 顶格


def test_signature_date_and_imprint_from_the_settings(record):
    settings = load_settings({"BULLETIN_MASTHEAD": "心理健康教育督办 | MH Supervision",
                              "BULLETIN_TO": "各成员单位 | Member units",
                              "BULLETIN_CC": "市委教育工委，市政府办公室 | City Education Committee",
                              "BULLETIN_SIGNATURE": "市心理健康联席办 | Joint Office",
                              "BULLETIN_PRINTER": "市教育局办公室 | Education Bureau Office"},
                             dotenv=None)
    letterhead = Letterhead.from_settings(settings)
    doc = _bulletin(record, charts=False, letterhead=letterhead)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "心理健康教育督办" and "各成员单位：" in texts
    sig = texts.index("市心理健康联席办")
    assert texts[sig + 1] == "2023年5月15日"  # 成文日期 in Chinese
    sig_p, date_p = doc.paragraphs[sig], doc.paragraphs[sig + 1]
    # the signature two characters from the right, the date two characters further in
    assert date_p.paragraph_format.left_indent.pt == pytest.approx(
        sig_p.paragraph_format.left_indent.pt + 32, abs=0.5)
    imprint = doc.tables[-1]
    cells = [c.text for row in imprint.rows for c in row.cells]
    assert "抄送：市委教育工委，市政府办公室。" in cells
    assert "市教育局办公室" in cells and "2023年5月15日印发" in cells
    borders = imprint._tbl.tblPr.find(qn("w:tblBorders"))
    sizes = {edge: borders.find(qn(f"w:{edge}")).get(qn("w:sz"))
             for edge in ("top", "insideH", "bottom")}
    assert sizes == {"top": "8", "insideH": "6", "bottom": "8"}  # thick, thin, thick
    english = _bulletin(record, lang="en", charts=False, letterhead=letterhead)
    texts = [p.text for p in english.paragraphs]
    assert texts[0] == "MH Supervision" and "Joint Office" in texts and "15 May 2023" in texts
    # no 抄送 line when the setting says none; the printer defaults to the signature
    bare = Letterhead.from_settings(load_settings({"BULLETIN_CC": "none"}, dotenv=None))
    cells = [c.text for row in _bulletin(record, charts=False, letterhead=bare).tables[-1].rows
             for c in row.cells]
    assert not any(c.startswith("抄送") for c in cells)
    assert "泉州市大中小学心理健康教育工作联席会议办公室" in cells


def test_page_numbers_at_the_outer_edge_of_odd_and_even_pages(record):
    doc = _bulletin(record, charts=False)
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align, side in ((section.footer, "RIGHT", "right"),
                                (section.even_page_footer, "LEFT", "left")):
        p = footer.paragraphs[0]
        assert p.alignment.name == align
        assert getattr(p.paragraph_format, f"{side}_indent").pt == 14  # 空一字
        xml = p._p.xml
        assert "PAGE" in xml and "w:fldChar" in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.runs[0].font.size.pt == 14  # 四号
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin,
                                  section.left_margin, section.right_margin)] == [37, 35, 28, 26]


def test_bulletin_fonts_sizes_and_tables_inside_the_text_block(record):
    doc = _bulletin(record, "month" and AT, "month", charts=False)
    xml = doc.element.xml
    for font in (TITLE_FONT, HEADING_FONT, BODY_FONT, "楷体_GB2312"):
        assert f'w:eastAsia="{font}"' in xml
    tables = doc.tables
    assert len(tables) >= 6
    for table in tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= TEXT_TWIPS
    for table in tables[:-1]:  # every table but the 版记 repeats its header row
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None


# ---------------------------------------------------------------- the bulletin: the content


def test_every_section_in_order_with_no_meta_text_and_chinese_dates(record):
    doc = _bulletin(record)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS
    texts = _all_text(doc)
    joined = "\n".join(texts)
    for meta in ("scoring.yaml", "模板", "此段", "统筹人可在本文件"):
        assert meta not in joined
    assert not re.search(r"\d{4}-\d{2}-\d{2}", joined)  # 2023年5月15日, never 2023-05-15
    assert "截至2023年5月14日" in joined  # the figures at the week's end
    assert "2023年5月15日印发" in joined  # made on the Monday after
    assert not re.search(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", joined)
    assert "各县（市、区）" in joined
    overall = next(x for x in texts if x.startswith("截至2023年5月14日"))
    assert "50项任务" in overall and "较上期提高" in overall and "已中止1项" in overall
    closures = int(re.search(r"2023年以来办结销号(\d+)项次", overall).group(1))
    table = doc.tables[0]
    heads = [c.text for c in table.rows[0].cells]
    closed = [int(r.cells[heads.index("本年销号")].text) for r in table.rows[1:]]
    assert closures == sum(closed) >= 1  # T05, closed 2023-05-13, and the score credits it
    assert any(x.startswith("本期（2023年5月8日至2023年5月14日）共收到") for x in texts)


def test_the_figures_are_embedded_and_captioned_in_order(record):
    doc = _bulletin(record)
    assert len(doc.inline_shapes) == 3
    captions = [p.text for p in doc.paragraphs if re.match(r"^图\d　", p.text)]
    assert captions == ["图1　总体完成度周趋势", "图2　各部门完成度", "图3　量化指标进度"]


def test_ranking_is_one_order_everywhere_and_its_rule_is_named(record):
    doc = _bulletin(record, charts=False)
    texts = [p.text for p in doc.paragraphs]
    table = doc.tables[0]
    order = [r.cells[1].text for r in table.rows[1:]]
    ranks = [int(r.cells[0].text) for r in table.rows[1:]]
    assert ranks == sorted(ranks) and len(order) == 10
    red = next(x for x in texts if x.startswith("红榜："))
    black = next(x for x in texts if x.startswith("黑榜："))
    red_names = re.findall(r"([^、：（]+)（[\d.]+分", red)
    black_names = re.findall(r"([^、：（]+)（[\d.]+分", black)
    assert red_names == [n for n in order if n in red_names]  # in rank order, from the top
    assert black_names == order[::-1][:len(black_names)]
    assert any(x.startswith("排名规则：按结果考评得分从高到低排列；得分相同的，按完成度从高到低排列")
               for x in texts)
    assert any(x.startswith("计分规则：2023年度各部门以80分为基础分") for x in texts)
    rule = next(x for x in texts if x.startswith("计分规则："))
    assert rule.endswith("等次：优秀（90分及以上）、良好（80分及以上）、合格（60分及以上）、不合格（60分以下）。")


def _line(name, score, completion, position, silent=False, staffed=True):
    return facts.DeptLine({"code": name, "position": position}, name,
                          (f"{name}联络员",) if staffed else (), 1, completion, {},
                          score, "", 0, silent=silent)


def test_departments_without_a_liaison_are_on_neither_list():
    """QA re-trial: six unstaffed departments tied at the bottom put 7–9 of 10 on the 黑榜.
    They are ranked in the table, named under 零报送单位, and left off both lists, which are
    drawn from the staffed departments (at most half of them each)."""
    lines = [_line("A", 90, 60, 0), _line("B", 80, 40, 1), _line("C", 70, 20, 2),
             _line("D", 60, 10, 3),
             *(_line(n, 80, 0, i, silent=True, staffed=False) for i, n in enumerate("EFGHIJ", 4))]
    ranking = facts.ranking(lines)
    assert len(ranking.lines) == 10 and ranking.n == 2  # half of the four staffed
    assert [x.name for x in ranking.red] == ["A", "B"]
    assert [x.name for x in ranking.black] == ["D", "C"]
    alone = facts.ranking([_line("A", 90, 60, 0), _line("E", 60, 0, 1, staffed=False)])
    assert alone.red == alone.black == ()  # one staffed department: nothing to compare


def test_a_department_that_never_reported_is_never_on_the_red_list():
    # level on score with the best (no deductions yet), but it has reported nothing
    lines = [_line("A", 82, 40, 0), _line("B", 82, 0, 1, silent=True), _line("C", 75, 20, 2),
             _line("D", 70, 10, 3)]
    ranking = facts.ranking(lines)
    assert [x.name for x in ranking.red] == ["A"]
    assert [x.rank for x in ranking.lines if x.name == "B"] == [2]  # still ranked as scored


def test_ranking_ties_share_a_rank_and_are_listed_in_plan_order():
    lines = [_line("A", 80, 10, 0), _line("B", 85, 10, 1), _line("C", 80, 10, 2),
             _line("D", 80, 30, 3), _line("E", 70, 0, 4), _line("F", 80, 10.4, 5)]
    ranking = facts.ranking(lines)
    assert [(x.name, x.rank) for x in ranking.lines] == [
        ("B", 1), ("D", 2), ("A", 3), ("C", 3), ("F", 3), ("E", 6)]
    assert [x.name for x in ranking.red] == ["B", "D", "A", "C", "F"]  # ties at the cut-off
    assert [x.name for x in ranking.black] == ["E"]
    level = facts.ranking([_line(n, 80, 0, i) for i, n in enumerate("ABCD")])
    assert level.red == level.black == ()


def test_extensions_suspensions_chases_and_unsigned_notices(record):
    doc = _bulletin(record, charts=False)
    texts = _all_text(doc)
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in doc.tables}
    ext = tables[("编号", "任务", "责任单位", "原完成时限", "申请延至", "申请理由", "审批结果")]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in ext.rows[1:]}
    assert rows["T09"][3:] == ["2025年12月31日", "2026年6月30日", "经费未到位", "2023年5月14日批准"]
    assert rows["T08"][6] == "2023年5月12日不予批准：理由不充分"
    sus = tables[("编号", "任务", "责任单位", "中止日期", "中止原因")]
    assert [c.text for c in sus.rows[1].cells][3:] == ["2023年5月11日", "政策调整，暂缓实施"]
    chased = tables[("编号", "任务", "责任单位", "本期催办", "累计催办", "未签收", "最近催办")]
    assert [c.text for c in chased.rows[1].cells][:6] == [
        "T02", chased.rows[1].cells[1].text, "教育局", "1", "1", "1"]
    assert "蓝色" in chased.rows[1].cells[6].text
    unsigned = tables[("类型", "责任单位", "涉及任务", "发出日期", "已等待（工作日）")]
    assert [c.text for c in unsigned.rows[1].cells][:4] == ["督办单（蓝色）", "教育局", "T02",
                                                            "2023年5月12日"]
    assert any("尚有督办单1份、交办单0份未签收" in x for x in texts)


def test_silent_departments_including_those_without_a_liaison(record):
    texts = _all_text(_bulletin(record, charts=False))
    intro = next(x for x in texts if x.startswith("本期以下"))
    assert "编办" in intro and "教育局" not in intro and "卫健委" not in intro
    assert any(x.startswith("其中，") and "编办" in x and "尚未确定联络员" in x for x in texts)


def test_county_breakdown_and_each_units_requirements(record):
    doc = _bulletin(record, charts=False)
    texts = _all_text(doc)
    assert "（一）T04　标准化心理辅导室（咨询室）（2023年目标200所）" in texts or any(
        x.startswith("（一）T04") and "2023年目标200所" in x for x in texts)
    units = [t for t in doc.tables if t.rows[0].cells[0].text == "县（市、区）"]
    assert len(units) == 2
    t06 = units[1]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in t06.rows[1:]}
    assert rows["晋江市"] == ["晋江市", "51", "23", "45%"]
    assert rows["合计"][1:3] == ["300", "34"]
    edu = next(x for x in texts if x.startswith("教育局："))
    assert "逾期事项" in edu and "T02" in edu and "催办未签收1次" in edu
    assert edu.endswith("请于2023年5月22日前报送整改措施。")  # five working days
    assert any(x.startswith("各牵头单位要对照任务清单") for x in texts)


def test_bulletin_in_english_is_english(record):
    doc = _bulletin(record, lang="en")
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Overall progress" and headings[-1] == "10. Next steps"
    assert len(headings) == 10
    assert doc.paragraphs[0].text == "Supervision Bulletin" and doc.paragraphs[1].text == "No. 1"
    texts = _all_text(doc)
    # Chinese only where it is a name (the document number, county units, people) or what
    # people typed (reasons and notes are printed as they were written)
    typed = ("经费未到位", "理由不充分", "政策调整,暂缓实施", "专家未到位", "新增30所", "南安新建11所",
             "学校评估推迟")
    allowed = re.compile("|".join([r"泉教思〔2022〕1号", r"[\u4e00-\u9fff]+[市区县]", "李联络",
                                   "张卫健", "王统筹", *typed]))
    stray = [x for x in texts if CJK.search(allowed.sub("", x))]
    assert stray == []
    joined = "\n".join(texts)
    assert not re.search("[、，。：；（）]", joined)
    assert "(泉教思〔2022〕1号)" in joined  # the document number kept as it is
    assert "15 May 2023" in joined
    # counts agree with their words: never "1 are", "up 1 points", "0 chases went out"
    assert not re.search(r"\b1 (are|have|await|tasks|points|chases|notices|reports|files|units)\b",
                         joined)
    assert "went out about" not in joined and "0 chases were sent" not in joined
    for table in doc.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= TEXT_TWIPS


def test_bulletin_period_and_pdf_without_libreoffice(monkeypatch):
    with pytest.raises(ValueError):
        period_of("year", AT)
    week = period_of("week", AT)
    assert (week.start.isoformat(), week.end.isoformat(), week.key) == (
        "2023-05-08", "2023-05-14", "2023-W19")  # the last whole week, Monday to Sunday
    assert period_of("week", at("2023-05-14 23:59:59")).key == "2023-W19"
    assert period_of("week", at("2023-05-14 23:00")).key == "2023-W18"
    now = period_of("week", at("2023-05-17"), so_far=True)
    assert (now.start.isoformat(), now.end.isoformat(), now.key) == (
        "2023-05-15", "2023-05-17", "2023-W20")
    assert period_of("month", AT).key == "2023-04"
    year_end = period_of("month", at("2024-01-01"))
    assert (year_end.start.isoformat(), year_end.end.isoformat(), year_end.key) == (
        "2023-12-01", "2023-12-31", "2023-12")
    assert period_of("week", at("2024-01-01")).key == "2023-W52"  # ISO weeks across the year
    assert period_of("week", at("2021-01-04")).key == "2020-W53"
    import bot.outputs.exports.pdf as pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert bulletin_pdf(b"not used") is None


# ---------------------------------------------------------------- the facts behind them


def _facts(db, task_id, when=None):
    """A task's facts: as recorded now, or as recorded by `when`."""
    from tests.conftest import task_view

    return task_view(db, task_id, when or at("2023-05-15"), historical=when is not None)


def test_adapters_read_the_lifecycle_records(record):
    assert facts.chases_of(_facts(record, "T01")) == facts.Chases()
    assert _facts(record, "T01").acked_at is None
    for day, colour in (("2023-05-01", "yellow"), ("2023-05-03", "red")):
        act(record, event=Event.CHASE, user_id=COORDINATOR, task_ref="T03", now=at(day),
            extra={"colour": colour})
    act(record, event=Event.ACK, user_id=EDU_LIAISON, task_ref="T03", now=at("2023-05-02"))
    # the red chase came after the 签收: one of two unanswered
    assert facts.chases_of(_facts(record, "T03")) == facts.Chases(2, 1, ("yellow", "red"))
    assert facts.chases_of(_facts(record, "T03", at("2023-05-01 20:00"))) == facts.Chases(
        1, 1, ("yellow",))
    t = {r["编号"]: r for r in _rows(_book(build_ledger(record, AT))["任务台账"])}
    assert t["T03"]["催办次数"] == 2 and t["T03"]["未签收催办"] == 1
    assert t["T03"]["签收日期"] == datetime(2023, 5, 2)
    assert t["T01"]["催办次数"] is None and t["T01"]["签收日期"] is None


def test_extension_requests_and_their_outcomes(record):
    gathered = {f.task.id: f for f in facts.gather(record, AT).tasks}
    (t09,) = gathered["T09"].requests
    assert (t09.outcome, t09.asked_due.isoformat(), t09.reason, t09.decided_on.isoformat()) == (
        "approved", "2026-06-30", "经费未到位", "2023-05-14")
    (t08,) = gathered["T08"].requests
    assert (t08.outcome, t08.refusal) == ("refused", "理由不充分")
    assert gathered["T45"].suspended_on.isoformat() == "2023-05-11"
    # as of a day before the decision the request is still pending
    before = {f.task.id: f for f in facts.gather(record, at("2023-05-12 10:00"),
                                                   historical=True).tasks}
    assert before["T08"].requests[0].outcome == "pending"


def test_extension_adapter_reads_the_approval_and_the_deadline_in_force(record):
    ext = facts.extension_of(_facts(record, "T09"))
    assert ext == facts.Extension(at("2025-12-31").date(), at("2026-06-30").date(),
                                  at("2023-05-14"))
    assert facts.extension_of(_facts(record, "T09", at("2023-05-13"))) is None  # not yet
    set_deadline(record, user_id=COORDINATOR, task_ref="T09", due=at("2026-09-30").date(),
                 now=at("2023-05-15"))
    moved = facts.extension_of(_facts(record, "T09"))
    assert (moved.original, moved.extended) == (at("2025-12-31").date(), at("2026-09-30").date())
    set_deadline(record, user_id=COORDINATOR, task_ref="T04", due=at("2026-06-30").date(),
                 now=at("2023-05-15"))
    assert facts.extension_of(_facts(record, "T04")) is None


def test_a_future_bulletin_stores_no_snapshot(record):
    build_bulletin(record, at("2031-01-06"), "week", charts=True,
                   today=at("2026-11-29").date())
    assert not [row for row in record["snapshots"].rows if row["day"] >= "2026-11-29"]


def test_the_ledger_shows_each_occurrence_of_a_recurring_duty_with_its_own_state(record):
    from bot.services.commands import close_task, record_report

    # T17 (each semester): the term ending 2022-07-15 reported and checked, the others not
    record_report(record, user_id=EDU_LIAISON, task_ref="T17", percent=100,
                  period="2022-07-15", now=at("2023-05-14"))
    close_task(record, user_id=COORDINATOR, task_ref="T17", now=at("2023-05-14"))
    rows = [r for r in _rows(_book(build_ledger(record, AT))["各期情况"]) if r["编号"] == "T17"]
    by_period = {r["周期"]: r for r in rows}
    assert list(by_period) == ["2022-01-31", "2022-07-15", "2023-01-31", "2023-07-15"]
    assert by_period["2022-07-15"]["状态"] == "已销号"
    assert by_period["2022-07-15"]["销号日期"] == datetime(2023, 5, 14)
    assert by_period["2022-01-31"]["状态"] == "逾期"  # missed, still open
    assert by_period["2023-07-15"]["状态"] not in ("逾期", "已销号")  # the one in force
    # a closed occurrence keeps the moment it was claimed, beside the day it was closed
    assert by_period["2022-07-15"]["报告完成"] == datetime(2023, 5, 14)
    assert by_period["2022-01-31"]["报告完成"] is None
    # 任务台账: the row's mark is the missed 2022-01-31 occurrence, which has no report; the
    # 2022-07-15 claim is not shown as its 最近报送 (it is in 各期情况 and 报送记录)
    (row,) = [r for r in _rows(_book(build_ledger(record, AT))["任务台账"]) if r["编号"] == "T17"]
    assert row["状态"] == "逾期"
    assert (row["最近报送"], row["报送人"], row["报送说明"]) == (None, None, None)


def _records_cell_by_cell(sheet, db, record, lang):
    """报送记录 as the generic `_Sheet.write` writes any row: each value through `_Sheet.cell`."""
    from bot.domain.marks import STATES
    from bot.language.i18n import label
    from bot.outputs.exports import ledger
    from bot.outputs.render.paper import for_reader
    from bot.store import records as record_store

    depts = {line.dept["code"]: line.name for line in record.ranking.lines}
    tz = record.at.tzinfo
    for (id_, task_id, period, kind, percent, state, value, note, user_id, dept, at_, source,
         unit, revoked_at, user_name) in record_store.every(db, record.at):
        sheet.write([
            id_, task_id, depts.get(dept, dept or ""), period or "",
            label("report_kind", kind, lang), percent,
            {k: label("state", k, lang) for k in STATES}.get(state, state or ""),
            ledger._whole(value), unit or "", for_reader(note or "", lang),
            user_name or (str(user_id) if user_id else ""),
            datetime.fromisoformat(at_).astimezone(tz), source or "",
            datetime.fromisoformat(revoked_at).astimezone(tz) if revoked_at else None,
        ], measure=(9,))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ledger_records_written_column_by_column_are_the_cells_the_generic_writer_makes(
        record, monkeypatch, lang):
    from bot.outputs.exports import ledger

    first, second, third = (r[0] for r in record.execute(
        "SELECT id FROM reports ORDER BY id LIMIT 3").fetchall())
    # what a hand-edited file can hold: a percent as text or with a decimal, a note with marks
    # to set the Chinese way and lines to wrap, a record taken back
    record.execute("UPDATE reports SET percent = '五十', note = ? WHERE id = ?",
                   ['完成"心理健康"排查(第一批),共3所;2022-2023年\n' + "长" * 80, first])
    record.execute("UPDATE reports SET percent = 33.5, value = 12.0, unit = '晋江市' "
                   "WHERE id = ?", [second])
    record.execute("UPDATE reports SET revoked_at = ?, note = '  trailing  ' WHERE id = ?",
                   ["2023-05-10T01:00:00+00:00", third])
    # marks XML and Excel escape, a control character, a blob where text belongs
    fourth, fifth = (r[0] for r in record.execute(
        "SELECT id FROM reports ORDER BY id LIMIT 2 OFFSET 3").fetchall())
    record.execute("UPDATE reports SET note = ?, source = ? WHERE id = ?",
                   ["<b>A&B</b> _x0041_ \x07 bell", b"\x00\x01", fourth])
    record.execute("UPDATE reports SET value = 1e300, percent = -0.5 WHERE id = ?", [fifth])
    fast = build_ledger(record, AT, lang)
    # the reference: every record through XlsxWriter's own calls, nothing spliced
    gathered = facts.gather(record, AT, lang)
    monkeypatch.setattr(ledger, "_template_row",
                        lambda sheet: _records_cell_by_cell(sheet, record, gathered, lang))
    monkeypatch.setattr(ledger, "_with_records", lambda path, *args: path.read_bytes())
    assert fast == build_ledger(record, AT, lang)  # the same file, byte for byte
    ws = _book(fast)[ledger.t("ledger_sheet_reports", lang, html=False)]
    rows = list(ws.iter_rows(min_row=4))
    made = [r[0] for r in record.execute("SELECT id FROM reports WHERE at <= ? ORDER BY id",
                                         [utc_iso(AT)])]
    assert [row[0].value for row in rows] == made
    assert rows[0][5].value == "五十" and rows[1][5].value == 33.5
    assert rows[1][5].number_format == "0.0" and rows[2][13].is_date
    assert ws.row_dimensions[4].height > 2 * ledger.LINE_HEIGHT  # the long note, wrapped
    assert rows[3][9].value.startswith("<b>A&B</b> ")  # (openpyxl keeps Excel's _xHHHH_)


def test_a_record_whose_moment_is_not_a_moment_shows_it_as_text(record):
    """A hand-edited file: the ledger still opens, the text as it stands."""
    (first,) = record.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()
    record.execute("UPDATE reports SET revoked_at = '2023 May 10' WHERE id = ?", [first])
    ws = _book(build_ledger(record, AT))["报送记录"]
    (row,) = [r for r in ws.iter_rows(min_row=4) if r[0].value == first]
    assert row[13].value == "2023 May 10" and row[11].is_date


def test_bulletin_table_rows_after_the_first_are_the_xml_python_docx_makes(monkeypatch):
    """The rows copied from the first (bulletin._RowLike) are those python-docx writes, for
    text with lines, spaces at its ends, nothing at all, marks to escape, tabs."""
    from lxml import etree

    from bot.outputs.exports import bulletin

    rows = [["a", "b", "c"], [" lead", "two\nlines", ""], ["tab\there", "cr\rx", "end "],
            ["", "", ""], ["x\n", "\ny", "多行\n文本\n三"], ["<&>", "1", "2"]]

    def made() -> bytes:
        doc = Document()
        bulletin._table(doc, ["甲", "乙", "丙"], rows, flex=(0,), centre=(1,))
        return etree.tostring(doc.element.body)

    copied = made()
    monkeypatch.setattr(bulletin._RowLike, "takes", lambda self, texts: False)
    assert copied == made()
    assert b"two</w:t></w:r><w:r><w:br/></w:r>" in copied

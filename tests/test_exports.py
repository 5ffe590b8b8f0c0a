"""The ledger (xlsx) and the bulletin (docx), opened with their libraries and read back."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from docx import Document

from bot.domain.lifecycle import Event
from bot.outputs.exports import facts
from bot.outputs.exports.bulletin import (
    BODY_FONT,
    HEADING_FONT,
    TITLE_FONT,
    build_bulletin,
    bulletin_pdf,
    period_of,
)
from bot.outputs.exports.ledger import build_ledger
from bot.services.commands import (
    act,
    close_task,
    decide_extension,
    record_report,
    request_extension,
    set_deadline,
    task_version,
)
from tests.conftest import COORDINATOR, EDU_LIAISON, at
from tests.test_digest import sample_reports

AT = at("2023-05-15 09:00")


@pytest.fixture
def record(seeded, tmp_path):
    """The seed plan with the digest's sample reports, a closure, county figures, an extension."""
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
    return seeded


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_ledger_has_a_row_per_task_and_the_four_sheets(record):
    book = _book(build_ledger(record, AT))
    assert book.sheetnames == ["任务台账", "部门汇总", "任务分解", "报送记录"]
    tasks = _rows(book["任务台账"])
    assert [r["编号"] for r in tasks] == [t["id"] for t in record["tasks"].rows_where(
        "archived_at IS NULL", order_by="position")]
    assert len(tasks) == 50
    by_id = {r["编号"]: r for r in tasks}
    assert by_id["T04"]["牵头单位"] == "教育局" and by_id["T04"]["配合单位"] == "财政局"
    t08 = by_id["T08"]
    assert t08["完成值"] == 150 and t08["目标值"] == 200 and t08["单位"] == "所"
    assert t08["报送说明"] == "新增30所" and t08["报送人"] == "李联络"
    assert t08["最近报送"] == datetime(2023, 5, 10, 10, 0)  # a real date, in Shanghai time
    assert t08["佐证材料（份）"] == 1
    assert t08["完成时限"] == datetime(2025, 12, 31)
    assert by_id["T02"]["逾期天数"] == (AT.date() - at("2022-06-30").date()).days
    assert by_id["T02"]["状态"] == "🔴 逾期"
    assert by_id["T05"]["状态"] == "✅ 已销号"
    assert by_id["T44"]["状态"].endswith("受阻") and by_id["T44"]["报送说明"] == "专家未到位"
    # the approved 延期申请 (the plan's date stays in 完成时限)
    assert by_id["T09"]["延期后时限"] == datetime(2026, 6, 30)
    assert by_id["T09"]["完成时限"] == datetime(2025, 12, 31)
    assert by_id["T01"]["延期后时限"] is None
    assert by_id["T06"]["完成值"] == 34  # the city figure: 晋江市 23 + 南安市 11
    assert "晋江市 23/51" in by_id["T06"]["县区分解"]


def test_ledger_sheet_layout_filters_frozen_header_widths_colours(record):
    book = _book(build_ledger(record, AT))
    ws = book["任务台账"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:T51"
    assert ws["F2"].is_date and ws["F2"].number_format == "yyyy-mm-dd"
    # the task column is wide enough for Chinese text (two columns a character), and wraps
    assert ws.column_dimensions["E"].width >= 30
    # a status cell is tinted with its status's colour
    t02 = next(row for row in ws.iter_rows(min_row=2) if row[0].value == "T02")
    assert t02[7].fill.fgColor.rgb.upper().endswith("FFCDD2")  # overdue: light red


def test_ledger_summary_units_and_reports(record):
    book = _book(build_ledger(record, AT))
    depts = {r["部门"]: r for r in _rows(book["部门汇总"])}
    assert set(depts) >= {"教育局", "卫健委", "合计"}
    assert depts["合计"]["任务数"] == 50
    assert depts["卫健委"]["受阻"] == 1
    assert depts["教育局"]["等次"] in {"优秀", "良好", "合格", "不合格"}
    units = [r for r in _rows(book["任务分解"]) if r["编号"] == "T06"]
    assert len(units) == 13
    jinjiang = next(r for r in units if r["县（市、区）"] == "晋江市")
    assert jinjiang["分解任务数"] == 51 and jinjiang["已完成"] == 23
    assert jinjiang["完成率（%）"] == 45  # 23 of 51, rounded by the one rule
    reports = _rows(book["报送记录"])
    assert len(reports) == record["reports"].count
    kinds = {r["类型"] for r in reports}
    assert kinds == {"报送", "报告完成", "核实销号", "延期申请", "批准延期"}
    assert any(r["县区"] == "南安市" and r["数值"] == 34 for r in reports)


def test_ledger_in_english_and_as_of_a_past_day(record):
    book = _book(build_ledger(record, at("2023-05-05"), "en", historical=True))
    assert book.sheetnames == ["Tasks", "Departments", "County units", "Reports"]
    rows = _rows(book["Reports"])
    assert len(rows) == 3  # the reports of 05-01..05-03 only
    tasks = {r["No."]: r for r in _rows(book["Tasks"])}
    assert tasks["T08"]["Value"] == 120


def test_bulletin_headings_tables_and_charts(record):
    doc = Document(io.BytesIO(build_bulletin(record, AT, "week")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0].startswith("关于加强泉州市大中小学心理健康教育工作实施方案")
    assert "落实情况通报" in texts[0]
    assert any(x.startswith("（2023-05-09—2023-05-15，第") for x in texts)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、总体进展", "二、各部门推进情况", "三、红黑榜", "四、逾期事项",
                        "五、待核实及受阻事项", "六、下步工作要求", "附图"]
    overall = next(x for x in texts if x.startswith("截至2023-05-15"))
    assert "50项任务" in overall and "较上期提高" in overall and "本期共收到报送" in overall
    assert any(x.startswith("红榜：") for x in texts) and any(x.startswith("黑榜：") for x in texts)
    assert any("统筹人可在本文件中直接修改" in x for x in texts)
    depts, overdue, waiting = doc.tables
    assert [c.text for c in depts.rows[0].cells][:4] == ["序号", "部门", "任务数", "完成度"]
    assert len(depts.rows) == 11  # ten departments under the header
    assert {r.cells[0].text for r in overdue.rows[1:]} >= {"T02"}
    assert "T01" not in {r.cells[0].text for r in overdue.rows[1:]}  # claimed, not overdue
    assert {r.cells[0].text for r in waiting.rows[1:]} >= {"T01", "T44"}  # claimed, blocked
    assert len(doc.inline_shapes) == 3  # the three charts


def test_bulletin_is_laid_out_as_a_circular(record):
    doc = Document(io.BytesIO(build_bulletin(record, AT, "month", charts=False)))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    xml = doc.element.xml
    for font in (TITLE_FONT, HEADING_FONT, BODY_FONT):
        assert f'w:eastAsia="{font}"' in xml
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22  # 二号
    assert doc.paragraphs[3].runs[0].font.size.pt == 16  # 三号 heading
    assert doc.tables[0].rows[1].cells[1].paragraphs[0].runs[0].font.size.pt == 14  # 四号
    assert any("（2023年5月，第" in p.text for p in doc.paragraphs)
    assert len(doc.inline_shapes) == 0


def test_bulletin_in_english(record):
    import re

    doc = Document(io.BytesIO(build_bulletin(record, AT, "week", "en", charts=False)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Overall progress" and headings[-1] == "6. Next steps"
    assert "Progress bulletin" in doc.paragraphs[0].text
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header[:4] == ["#", "Department", "Tasks", "Completion"]
    names = [r.cells[1].text for r in doc.tables[0].rows[1:]]
    assert "Quanzhou Health Commission" in names
    assert not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings + header)


def test_bulletin_period_and_pdf_without_libreoffice(monkeypatch):
    with pytest.raises(ValueError):
        period_of("year", AT, None)
    week = period_of("week", AT, at("2022-01-04").date())
    assert (week.start.isoformat(), week.end.isoformat()) == ("2023-05-09", "2023-05-15")
    import bot.outputs.exports.bulletin as bulletin

    monkeypatch.setattr(bulletin.shutil, "which", lambda name: None)
    assert bulletin_pdf(b"not used") is None


def _facts(db, task_id, when=None):
    """A task's facts: as recorded now, or as recorded by `when`."""
    from tests.conftest import task_view

    return task_view(db, task_id, when or at("2023-05-15"), historical=when is not None)


def test_adapters_read_the_lifecycle_records(record):
    assert facts.chases_of(_facts(record, "T01")) == facts.Chases()
    assert _facts(record, "T01").acked_at is None
    for day, colour in (("2023-05-01", "yellow"), ("2023-05-03", "red")):
        act(record, event=Event.CHASE, user_id=COORDINATOR, task_ref="T02", now=at(day),
            extra={"colour": colour})
    act(record, event=Event.ACK, user_id=EDU_LIAISON, task_ref="T02", now=at("2023-05-02"))
    # the red chase came after the 签收: one of two unanswered
    assert facts.chases_of(_facts(record, "T02")) == facts.Chases(2, 1, ("yellow", "red"))
    # as of 05-01 evening: one chase, not yet signed for
    assert facts.chases_of(_facts(record, "T02", at("2023-05-01 20:00"))) == facts.Chases(
        1, 1, ("yellow",))
    assert _facts(record, "T02").acked_at == at("2023-05-02")
    assert _facts(record, "T02", at("2023-05-01 20:00")).acked_at is None
    t = {r["编号"]: r for r in _rows(_book(build_ledger(record, AT))["任务台账"])}
    assert t["T02"]["催办次数"] == 2
    assert t["T02"]["签收"] == datetime(2023, 5, 2, 10, 0)  # in Shanghai time
    assert t["T01"]["催办次数"] is None and t["T01"]["签收"] is None


def test_extension_adapter_reads_the_approval_and_the_deadline_in_force(record):
    ext = facts.extension_of(_facts(record, "T09"))
    assert ext == facts.Extension(at("2025-12-31").date(), at("2026-06-30").date(),
                                  at("2023-05-14"))
    assert facts.extension_of(_facts(record, "T09", at("2023-05-13"))) is None  # not yet
    # a later /deadline moves the deadline in force; the extension stays on record
    set_deadline(record, user_id=COORDINATOR, task_ref="T09", due=at("2026-09-30").date(),
                 now=at("2023-05-15"))
    moved = facts.extension_of(_facts(record, "T09"))
    assert (moved.original, moved.extended) == (at("2025-12-31").date(), at("2026-09-30").date())
    # as of the day before the move, the deadline in force was the extension's: time travel
    # knows only what was decided by then
    before = _facts(record, "T09", at("2023-05-14 23:00"))
    assert before.headline.due == at("2026-06-30").date()
    # a deadline the coordinator sets is no extension; a signed-for task waits for a new 签收
    act(record, event=Event.ACK, user_id=EDU_LIAISON, task_ref="T01", now=at("2023-05-10"))
    assert _facts(record, "T01").acked_at == at("2023-05-10")
    set_deadline(record, user_id=COORDINATOR, task_ref="T04", due=at("2026-06-30").date(),
                 now=at("2023-05-15"))
    assert facts.extension_of(_facts(record, "T04")) is None


def test_a_future_bulletin_stores_no_snapshot(record):
    build_bulletin(record, at("2031-01-06"), "week", charts=True,
                   today=at("2026-11-29").date())
    assert not [row for row in record["snapshots"].rows if row["day"] >= "2026-11-29"]

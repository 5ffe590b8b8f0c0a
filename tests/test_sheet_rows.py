"""Rows spliced into an XlsxWriter workbook (bot.outputs.exports.sheet_rows) are the XML
XlsxWriter itself writes for the same values, and the workbook's ranges follow the rows."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.outputs.exports import sheet_rows
from bot.store.connection import one_view


def _one_cell(tmp_path: Path, write) -> str:
    """The <c> element XlsxWriter writes in constant-memory mode for one cell at A1."""
    path = tmp_path / "one.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet()
    fmt = book.add_format({"num_format": "yyyy.m.d hh:mm"})
    write(ws, fmt)
    book.close()
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    return re.search(r'<row r="1"[^>]*>(.*?)</row>', xml, re.DOTALL).group(1)


TRICKY = ["plain", "教育局 心理健康", "a & b < c > d", '"quoted"', " lead", "trail ",
          "\ttab", "line\nbreak", "bell\x07", "nul\x00x", "_x0041_", "_x005F_x0041_",
          "x_xABCD_y", "\ufffe\uffff", "长" * 40000, "🙂" * 16384, "a" + "🙂" * 16383 + "b", "&amp;", "  ", "\u3000全角空格\u3000",
          "emoji 🙂", "\r\n"]


@pytest.mark.parametrize("value", TRICKY)
def test_text_is_escaped_as_xlsxwriter_escapes_it(tmp_path, value):
    made = _one_cell(tmp_path, lambda ws, fmt: ws.write_string(0, 0, value))
    assert made == f'<c r="A1" t="inlineStr"><is>{sheet_rows.text(value)}</t></is></c>'


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               min_size=1, max_size=40))
def test_any_text_is_escaped_as_xlsxwriter_escapes_it(tmp_path_factory, value):
    tmp = tmp_path_factory.mktemp("text")
    made = _one_cell(tmp, lambda ws, fmt: ws.write_string(0, 0, value))
    assert made == f'<c r="A1" t="inlineStr"><is>{sheet_rows.text(value)}</t></is></c>'


@pytest.mark.parametrize("value", [0, 1, -3, 12345678901234567, 0.1, 1 / 3, 33.5, 1e-12,
                                   2.5e20, -0.0])
def test_numbers_are_written_as_xlsxwriter_writes_them(tmp_path, value):
    made = _one_cell(tmp_path, lambda ws, fmt: ws.write_number(0, 0, value))
    assert made == f'<c r="A1"><v>{sheet_rows.number(value)}</v></c>'


def test_a_number_no_cell_holds_is_refused():
    assert sheet_rows.number(float("nan")) is None
    assert sheet_rows.number(float("inf")) is None


@pytest.mark.parametrize("moment", [datetime(2023, 5, 14, 9, 30), datetime(1900, 3, 1),
                                    datetime(2022, 12, 31, 23, 59, 59, 999999),
                                    datetime(2099, 1, 1, 0, 0, 1)])
def test_moments_are_the_serial_numbers_xlsxwriter_writes(tmp_path, moment):
    made = _one_cell(tmp_path, lambda ws, fmt: ws.write_datetime(0, 0, moment, fmt))
    assert re.fullmatch(r'<c r="A1" s="\d+"><v>(.*)</v></c>', made).group(1) == \
        sheet_rows.serial(moment)


@pytest.mark.parametrize("points", [15, 29, 42.5, 56, 13.5 * 7 + 2, 400])
def test_row_heights_are_rounded_to_pixels_as_set_row_rounds_them(tmp_path, points):
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet()
    ws.set_row(0, points)
    ws.write_string(0, 0, "x")
    book.close()
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert f'<row r="1"{sheet_rows.height(points)}>' in xml


def _workbook(tmp_path: Path, name: str = "报送 & 'x' 记录") -> tuple[Path, dict[str, int]]:
    """A workbook of two sheets, the second with heads on row 3, a filter and a template row
    (row 4) holding a text and a number cell."""
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.add_worksheet("first").write_string(0, 0, "before")
    ws = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    whole = book.add_format({"num_format": "0"})
    ws.write_row(2, 0, ["甲", "乙", "丙"], bold)
    ws.write_string(3, 0, "-", bold)
    ws.write_number(3, 1, 1, whole)
    ws.autofilter(2, 0, 3, 2)
    ws.repeat_rows(2)
    book.close()
    return path, sheet_rows.template_styles(path, name, 4)


def _rows(styles: dict[str, int], first: int, count: int) -> list[str]:
    text, num = styles["A"], styles["B"]
    return [f'<row r="{r}"><c r="A{r}" s="{text}" t="inlineStr"><is>'
            f'{sheet_rows.text(f"第{r}行")}</t></is></c>'
            f'<c r="C{r}" s="{num}"><v>{sheet_rows.number(r * 1.5)}</v></c></row>'
            for r in range(first, first + count)]


@pytest.mark.parametrize("count", [0, 1, 2500])
def test_spliced_rows_replace_the_template_and_the_ranges_end_at_the_last(tmp_path, count):
    path, styles = _workbook(tmp_path)
    out = tmp_path / "out.xlsx"
    rows = _rows(styles, 4, count)
    chunks = ["".join(rows[i:i + 300]) for i in range(0, len(rows), 300)]
    sheet_rows.splice(path, out, "报送 & 'x' 记录", 4, 3 + count, chunks, 3, "A", "C")
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    ws = book["报送 & 'x' 记录"]
    last = max(3 + count, 3)
    assert ws.dimensions == f"A3:C{last}"  # from the first row written
    assert ws.auto_filter.ref == f"A3:C{last}"
    values = [(r[0].value, r[2].value) for r in ws.iter_rows(min_row=4)]
    assert values == [(f"第{r}行", r * 1.5) for r in range(4, 4 + count)]
    assert all(r[0].font.b and r[2].number_format == "0" for r in ws.iter_rows(min_row=4))
    assert book["first"]["A1"].value == "before"
    assert ws.print_title_rows == "$3:$3"
    workbook_xml = zipfile.ZipFile(out).read("xl/workbook.xml").decode()
    assert f"$A$3:$C${last}</definedName>" in workbook_xml
    # every other part as XlsxWriter made it, in its order and with its dates
    made, source = zipfile.ZipFile(out), zipfile.ZipFile(path)
    assert [(i.filename, i.date_time) for i in made.infolist()] == \
        [(i.filename, i.date_time) for i in source.infolist()]
    for info in source.infolist():
        if info.filename not in ("xl/workbook.xml", "xl/worksheets/sheet2.xml"):
            assert made.read(info.filename) == source.read(info.filename)


def test_a_failure_while_the_rows_are_made_reaches_the_caller(tmp_path):
    path, styles = _workbook(tmp_path)

    def rows():
        yield from _rows(styles, 4, 2)
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        sheet_rows.splice(path, tmp_path / "out.xlsx", "报送 & 'x' 记录", 4, 5, rows(), 3, "A", "C")


def test_more_rows_than_a_sheet_holds_are_refused(tmp_path):
    path, _ = _workbook(tmp_path)
    with pytest.raises(ValueError, match="more than a worksheet holds"):
        sheet_rows.splice(path, tmp_path / "out.xlsx", "报送 & 'x' 记录", 4, 1_048_577, [], 3,
                          "A", "C")


def test_one_view_sees_the_file_as_it_was_at_its_first_read(tmp_path):
    from bot.store import connection

    file = tmp_path / "v.db"
    db = connection.connect(file)
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.conn.commit()
    other = sqlite3.connect(file)
    with one_view(db):
        assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
        other.execute("INSERT INTO t VALUES (2)")
        other.commit()  # another connection writes meanwhile (WAL: it does not wait)
        assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2
    assert not db.conn.in_transaction

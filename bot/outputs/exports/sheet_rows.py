"""Rows of one worksheet written as SpreadsheetML by our own code and spliced into the workbook
XlsxWriter wrote.

XlsxWriter spends some 6 µs of bookkeeping on every cell it is handed; the ledger's 报送记录
sheet holds a million cells at the benchmark's largest plan (seven seconds of its nine). Here a
sheet is written by XlsxWriter with its heads, its print setup, its filter and one *template row*
holding a cell in each format the rows use; after the workbook is closed, the template row's
`s="N"` attributes say which style each format became (read from the file, as any reader would),
and the sheet's part in the zip is rewritten with the rows in its place. Only the OOXML parts are
touched: the sheet's `<sheetData>`, its `<dimension>` and `<autoFilter>` ranges, and the
`_xlnm._FilterDatabase` name in the workbook part.

The cells are written as XlsxWriter writes them in constant-memory mode (inline strings with its
escapes, numbers as `%.16G`, dates as serial numbers of the 1900 system, row heights rounded to
whole pixels), so a reader sees the same workbook either way (tests/test_sheet_rows.py compares).
"""

from __future__ import annotations

import math
import re
import threading
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path, PurePosixPath
from queue import Queue
from typing import IO
from xml.sax.saxutils import escape as _xml_escape

from xlsxwriter.utility import xl_col_to_name

# What Excel's inline-string escapes change beyond XML's &, < and >: control characters (tab and
# newline kept), its own `_xHHHH_` escapes when they appear literally, Unicode's non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LOOKALIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_EXCEL_EPOCH = datetime(1899, 12, 31)
MAX_TEXT = 32767  # Excel's longest cell text in UTF-16 units; XlsxWriter cuts longer text there
MAX_ROWS = 1_048_576
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def text(value: str) -> str:
    """A string as the content of an inline-string cell's `<t>`, with the element's opening tag
    (`<t>` or `<t xml:space="preserve">`), escaped as XlsxWriter escapes it."""
    if len(value) > MAX_TEXT // 2:
        value = _truncated(value)
    if "_x" in value:
        value = _LOOKALIKE.sub(r"_x005F\1", value)
    if _CONTROL.search(value):
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    if "&" in value or "<" in value or ">" in value:
        value = _xml_escape(value)
    return ('<t xml:space="preserve">' if _EDGE_SPACE.search(value) else "<t>") + value


def _truncated(value: str) -> str:
    """At most MAX_TEXT UTF-16 units (a character above U+FFFF counts two), none split."""
    units = 0
    for index, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_TEXT:
            return value[:index]
    return value


def number(value: float) -> str | None:
    """A number as a cell's `<v>`, as XlsxWriter writes it; None for one no cell can hold
    (NaN, infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return f"{value:.16G}"


def serial(moment: datetime) -> str:
    """A naive datetime as an Excel serial number (1900 system, as XlsxWriter counts it)."""
    delta = moment - _EXCEL_EPOCH
    days = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
    if days > 59:  # Excel's phantom 1900-02-29
        days += 1
    return f"{days:.16G}"


def height(points: float) -> str:
    """A row's `ht` and `customHeight` attributes for a height in points, rounded to whole
    pixels as XlsxWriter's set_row rounds it."""
    pixels = int(points * 4.0 / 3.0 + 0.5)
    if pixels == 20:  # the default height: not written
        return ""
    return f' ht="{pixels * 0.75:.16g}" customHeight="1"'


def column_names(count: int) -> list[str]:
    return [xl_col_to_name(c) for c in range(count)]


def _sheet_part(book: zipfile.ZipFile, name: str) -> tuple[str, int]:
    """The zip member of the sheet called `name`, and its index among the sheets."""
    from xml.etree import ElementTree as ET

    workbook = ET.fromstring(book.read("xl/workbook.xml"))
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for index, sheet in enumerate(workbook.iter(f"{{{_MAIN_NS}}}sheet")):
        if sheet.get("name") == name:
            target = targets[sheet.get(f"{{{_REL_NS}}}id")]
            part = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target)
            return part, index
    raise KeyError(name)


def styles_of(row_xml: str, row: int) -> dict[str, int]:
    """Column letter -> style index of the cells of a row written by XlsxWriter."""
    return {col: int(s) for col, s in re.findall(rf'<c r="([A-Z]+){row}" s="(\d+)"', row_xml)}


def template_styles(xlsx: Path, sheet: str, row: int) -> dict[str, int]:
    """The styles of the template row (1-based number `row`) of `sheet` in a closed workbook."""
    with zipfile.ZipFile(xlsx) as book:
        part, _ = _sheet_part(book, sheet)
        xml = book.read(part).decode("utf-8")
    return styles_of(_template(xml, row)[1], row)


def _template(xml: str, row: int) -> tuple[int, str, int]:
    """Where the template row begins, its XML and where it ends, in a sheet's XML."""
    start = xml.find(f'<row r="{row}"')
    if start < 0:
        raise ValueError(f"the sheet has no row {row}")
    end = xml.index("</row>", start) + len("</row>")
    return start, xml[start:end], end


def splice(xlsx: Path, out: Path, sheet: str, first: int, last: int, chunks: Iterable[str],
           head_row: int, first_col: str, last_col: str) -> None:
    """Write to `out` the workbook `xlsx` with the template row of `sheet` (1-based row `first`)
    replaced by the XML of rows `first`..`last` in `chunks` (none when `last` < `first`); the
    sheet's dimension and filter then end at the last row. `head_row` is the 1-based row of
    the filter's heads, which spans `first_col`..`last_col`.

    The rows are compressed as they are made, by a second thread (zlib lets go of the GIL while
    it deflates), so making them and compressing them overlap."""
    last = max(last, head_row)
    if last > MAX_ROWS:
        raise ValueError(f"{last} rows: more than a worksheet holds")
    filter_was = f"{first_col}{head_row}:{last_col}{first}"
    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(out, "w") as target:
        part, index = _sheet_part(source, sheet)
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                xml = data.decode("utf-8")
                start, _, end = _template(xml, first)
                head, tail = xml[:start], xml[end:]
                # the used range and the filter end where the template row did: now at `last`
                head = re.sub(rf'(<dimension ref="[A-Z]+\d+:[A-Z]+){first}"/>',
                              rf'\g<1>{last}"/>', head, count=1)
                tail = tail.replace(f'<autoFilter ref="{filter_was}"/>',
                                    f'<autoFilter ref="{first_col}{head_row}:{last_col}{last}"/>')
                with target.open(_copy_info(info), "w") as fh:  # < 2 GiB: 1M rows of ~700 B
                    fh.write(head.encode("utf-8"))
                    _stream(fh, chunks)
                    fh.write(tail.encode("utf-8"))
                continue
            if info.filename == "xl/workbook.xml":  # the filter's hidden name: its range
                data = re.sub(
                    rf'(<definedName name="_xlnm._FilterDatabase" localSheetId="{index}"'
                    rf' hidden="1">[^<]*!\${first_col}\${head_row}:\${last_col}\$)'
                    rf"{first}(</definedName>)",
                    rf"\g<1>{last}\g<2>", data.decode("utf-8"), count=1).encode("utf-8")
            target.writestr(_copy_info(info), data)


def _stream(fh: IO[bytes], chunks: Iterable[str]) -> None:
    """Write the chunks to `fh` from a second thread, the next chunk made meanwhile."""
    queue: Queue[bytes | None] = Queue(maxsize=4)
    failed: list[BaseException] = []

    def write() -> None:
        while (block := queue.get()) is not None:
            if not failed:
                try:
                    fh.write(block)
                except BaseException as error:  # noqa: BLE001 - raised again by the maker
                    failed.append(error)

    writer = threading.Thread(target=write, name="xlsx-deflate", daemon=True)
    writer.start()
    try:
        for chunk in chunks:
            if failed:
                break
            queue.put(chunk.encode("utf-8"))
    finally:
        queue.put(None)
        writer.join()
    if failed:
        raise failed[0]


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A member's name, date and attributes as XlsxWriter gave them (its fixed date keeps two
    exports of the same day identical), deflated at zlib's default level as XlsxWriter's are."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy

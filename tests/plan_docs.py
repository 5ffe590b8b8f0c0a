"""The .docx documents of tests/data/plans, built with python-docx from the real text and the table
structure these lists are published in (a 分工 table: 序号, the task, the leader, the lead unit,
the other units), so the repository holds text only. Used by the tests and bench/importer_grade.py.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "plans"


def _table(document, header: list[str], rows: list[list[str]], merge_down: list[int] = ()):
    """A table; a section row is one cell across the table; columns in merge_down are merged
    down over the consecutive rows that hold the same text (as Word merges them)."""
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for r, values in enumerate(rows, 1):
        if len(values) == 1:  # a section title across the table
            merged = table.cell(r, 0).merge(table.cell(r, len(header) - 1))
            merged.text = values[0]
            continue
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    for col in merge_down:
        r = 1
        while r <= len(rows):
            if len(rows[r - 1]) == 1:
                r += 1
                continue
            end = r
            while end + 1 <= len(rows) and len(rows[end]) > 1 and rows[end][col] == rows[r - 1][col]:
                end += 1
            if end > r:
                text = rows[r - 1][col]
                merged = table.cell(r, col).merge(table.cell(end, col))
                merged.text = text
            r = end + 1
    return table


def chuzhou_table(path: Path) -> Path:
    """滁州市 2020 重点工作及责任分解 (chuzhou-2020-label-lines.txt) as the table it is also
    published as: the same items, the leader's column merged down."""
    import docx

    document = docx.Document()
    for line in ("滁州市人民政府关于2020年市政府重点工作及责任分解的通知",
                 "各县、市、区人民政府，市政府各部门、各直属机构：",
                 "2020年市政府工作报告已经市第六届人民代表大会第三次会议审议通过，确定了10个方面190项"
                 "重点工作，由许继伟同志负总责，同时明确各项工作的牵头负责领导、牵头责任单位和协同"
                 "责任单位。各地各部门要认真履职尽责，进一步细化目标任务、实化推进举措，确保各项目标"
                 "任务高质量完成。",
                 "滁州市人民政府",
                 "2020年2月3日",
                 "2020年市政府重点工作及责任分解表"):
        document.add_paragraph(line)
    _table(document, ["序号", "重点工作", "牵头负责领导", "牵头责任单位", "协同责任单位"], [
        ["一、确保完成全年主要预期目标"],
        ["1", "地区生产总值增长8%以上。", "金力", "市发展改革委",
         "市经信局、市商务局、市交通局、市农业农村局、滁州经开区管委会、中新苏滁高新区管委会等，各县、市、区政府"],
        ["2", "财政收入增长8%左右。", "金力", "市财政局",
         "市税务局、滁州海关、市人行、滁州经开区管委会、中新苏滁高新区管委会等，各县、市、区政府"],
        ["3", "固定资产投资增长10%以上。", "金力", "市发展改革委",
         "市经信局、市住建局、市交通局、市水利局、滁州经开区管委会、中新苏滁高新区管委会等，各县、市、区政府"],
    ], merge_down=[2])
    document.save(path)
    return path


def nanling_table(path: Path) -> Path:
    """南陵县 2024 重点工作目标任务分解表 (nanling-2024-table-cells.txt) as the Word table it is."""
    import docx

    document = docx.Document()
    document.add_paragraph("附件")
    document.add_paragraph("2024年《政府工作报告》重点工作目标任务分解表")
    _table(document, ["序号", "目标与任务", "分 管 县领导", "牵头责任单位", "责任单位"], [
        ["80", "极回应群众新期待新要求,加大普惠性托育供给,新增托位数400个以上,公办园在园幼儿占比"
               "60%以上。实施中小学办学能力提升工程,推动义务教育优质均衡发展。实施中小学办学能力"
               "提升工程,推动义务教育优质均衡发展。", "俞 悦", "县教育局", "县各有关单位"],
        ["81", "保障芜职院现代物流智造学院秋季开学,支持芜湖科技工程学校发展,探索职业教育赋能区域"
               "发展路径。", "陆 明俞 悦", "县教育局", "县各有关单位"],
    ], merge_down=[3, 4])
    document.save(path)
    return path


BUILDERS = {"chuzhou-2020-table.docx": chuzhou_table, "nanling-2024-table.docx": nanling_table}


def materialise(folder: Path) -> dict[str, Path]:
    """Every .docx document written into folder, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder / name) for name, build in BUILDERS.items()}


def document_path(name: str, folder: Path) -> Path:
    """Where a hand list's document is: a built .docx, tests/data/plans, else /work/shared/plans."""
    if name in BUILDERS:
        path = folder / name
        if not path.exists():
            BUILDERS[name](path)
        return path
    return DATA / name

"""import-plan pass 2: one table per form a plan writes its duties in (issue 20). Text in, draft
tasks out; the real documents these forms come from are graded in test_importer_grades.py."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.importer.directory import Directory
from bot.importer.extract import extract
from bot.importer.reading import read_document
from bot.importer.writer import render
from bot.services.plan import parse_plan
from tests.test_importer import LOCAL, doc

CITY = LOCAL + "2023年3月1日\n"


def rows(text: str, **kw) -> list[tuple]:
    """(clause, quotes, lead name, support names, due, recurrence days, target) per task."""
    out = []
    for t in extract(text, **kw).tasks:
        out.append((t.clause, t.quote, t.lead.name if t.lead else None, [u.name for u in t.support],
                    t.due.isoformat() if t.due else None,
                    t.recurrence.get("on") if t.recurrence else None,
                    t.target.value if t.target else None))
    return out


def reviews(text: str, **kw) -> list[list[str]]:
    return [[r.key for r in t.reviews] for t in extract(text, **kw).tasks]


# ---------------------------------------------------------------- tables
HEADERS = [
    ("序号", "重点任务", "牵头单位", "配合单位", "完成时限"),
    ("序号", "工作任务", "牵头部门", "协办单位", "完成时间"),
    ("编号", "目标任务", "主办单位", "协同责任单位", "时间节点"),
    ("序号", "具体措施", "牵头责任单位", "参与单位", "进度安排"),
    ("序号", "目标与任务", "主要责任单位", "其他责任单位", "完成期限"),
    ("序号", "任务内容", "市级牵头部门", "协同配合单位", "时限要求"),  # read by keyword
]


@pytest.mark.parametrize("header", HEADERS, ids=lambda h: "|".join(h[1:3]))
@pytest.mark.parametrize("sep", ["\t", " | ", "   "], ids=["tabs", "pipes", "spaces"])
def test_a_pasted_table_in_any_wording_is_one_task_per_row(header, sep):
    body = [header,
            ("1", "建成标准化心理辅导室200所以上；开足开齐心理健康课", "市教育局", "市财政局、市人社局",
             "2024年底前"),
            ("2", "开展心理健康专题培训", "市卫健委", "市教育局", "每年6月底前")]
    text = CITY + "附件\n" + "\n".join(sep.join(r) for r in body) + "\n"
    assert rows(text) == [
        ("1", ["建成标准化心理辅导室200所以上；开足开齐心理健康课"], "市教育局", ["市财政局", "市人社局"],
         "2024-12-31", None, 200.0),
        ("2", ["开展心理健康专题培训"], "市卫健委", ["市教育局"], None, ["06-30"], None),
    ]


def test_a_table_one_cell_per_line_as_web_pages_render_it():
    text = CITY + "\n".join([
        "序号 |", "重点工作 |", "分 管 县领导 |", "牵头责任单位 |", "责任单位 |",
        "1 |", "新建5G基站2600个以上。 |", "张 三 |", "县工信局 |", "县各有关单位 |",
        "2 |", "完成农村公路改造100公里。 |", "李 四 |", "县交通运输局 |", "各乡镇 |"]) + "\n"
    assert [(r[0], r[2], r[3], r[6]) for r in rows(text)] == [
        ("1", "县工信局", [], 2600.0), ("2", "县交通运输局", ["各乡镇"], 100.0)]
    notes = [[n.text("zh") for n in t.notes] for t in extract(text).tasks]
    assert any("分管县领导：张 三" in n.replace("分 管 ", "分管") for n in notes[0])  # a leader: a note


def test_merged_cells_are_carried_down_and_a_measure_column_is_the_duty():
    # Rows two and three leave out the merged 重点任务 and 牵头单位 cells (as web pages do).
    text = CITY + "\n".join([
        "序号 | 重点任务 | 具体措施 | 牵头单位 | 完成时限",
        "1 | 心理辅导室建设 | 建成心理辅导室200所以上 | 市教育局 | 2024年底前",
        "2 | 完善经费保障机制 | 市财政局 | 2023年底前",
        "3 | 开展教师专题培训 | 2023年6月底前"]) + "\n"
    got = extract(text).tasks
    assert [(t.quote, t.heading, t.lead.name, str(t.due)) for t in got] == [
        (["建成心理辅导室200所以上"], "心理辅导室建设", "市教育局", "2024-12-31"),
        (["完善经费保障机制"], "心理辅导室建设", "市财政局", "2023-12-31"),
        (["开展教师专题培训"], "心理辅导室建设", "市财政局", "2023-06-30"),
    ]


def test_numbered_items_in_a_cell_are_tasks_each_with_the_rows_owners_and_deadline():
    text = CITY + "序号 | 工作任务 | 责任单位 | 完成时限\n" \
                  "3 | 1.制定实施细则；2.建立工作台账；3.开展督导检查 | 市教育局、市财政局 | 2023年9月底前\n"
    assert rows(text) == [
        ("3", ["1.制定实施细则"], "市教育局", ["市财政局"], "2023-09-30", None, None),
        ("3", ["2.建立工作台账"], "市教育局", ["市财政局"], "2023-09-30", None, None),
        ("3", ["3.开展督导检查"], "市教育局", ["市财政局"], "2023-09-30", None, None),
    ]


def _docx(path, header, body, before=("某市工作任务分工方案", "某政办〔2023〕5号"), merge=()):
    import docx

    document = docx.Document()
    for line in before:
        document.add_paragraph(line)
    table = document.add_table(rows=1 + len(body), cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for r, values in enumerate(body, 1):
        if len(values) == 1:
            table.cell(r, 0).merge(table.cell(r, len(header) - 1)).text = values[0]
            continue
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    for col, top, bottom in merge:
        text = table.cell(top, col).text
        table.cell(top, col).merge(table.cell(bottom, col)).text = text
    document.add_paragraph("某市人民政府办公室")
    document.add_paragraph("2023年3月1日")
    document.save(path)
    return path


def test_a_docx_table_with_merged_cells_a_section_row_and_cells_of_several_paragraphs(tmp_path):
    path = _docx(tmp_path / "t.docx", ("序号", "重点任务", "牵头单位", "责任单位", "完成时限"), [
        ("一、基础建设",),
        ("1", "建成标准化心理辅导室200所以上", "市教育局", "市财政局", "2024年底前"),
        ("2", "配齐专职心理健康教师", "市教育局", "市委编办", "2023年底前"),
        ("二、队伍建设",),
        ("3", "组织专题培训", "市卫健委", "", "每季度"),
    ], merge=[(2, 2, 3)])  # 牵头单位 merged over rows 1-2
    text = read_document(path)
    got = extract(text).tasks
    assert [(t.clause, t.heading, t.lead.key, [u.key for u in t.support]) for t in got] == [
        ("1", "一、基础建设", "EDU", ["FIN"]), ("2", "一、基础建设", "EDU", ["STAFF"]),
        ("3", "二、队伍建设", "HEALTH", [])]
    assert got[2].recurrence == {"every": "year", "on": ["03-31", "06-30", "09-30", "12-31"]}


def test_a_header_with_a_bracket_of_its_own():
    text = CITY + "序号 | 主要任务 | 责任单位（列首位的为牵头单位） | 完成时限\n" \
                  "1 | 开展专项整治 | 市教育局、市财政局 | 2023年底前\n"
    assert rows(text) == [("1", ["开展专项整治"], "市教育局", ["市财政局"], "2023-12-31", None, None)]


def test_a_header_of_two_rows_names_the_columns_by_its_second(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("某市工作任务分工方案")
    table = document.add_table(rows=3, cols=5)
    for c, text in enumerate(("序号", "重点任务", "责任单位", "责任单位", "完成时限")):
        table.cell(0, c).text = text
    for c, text in enumerate(("", "", "牵头单位", "配合单位", "")):
        table.cell(1, c).text = text
    for c in (0, 1, 4):  # merged down over the two header rows
        text = table.cell(0, c).text
        table.cell(0, c).merge(table.cell(1, c)).text = text
    table.cell(0, 2).merge(table.cell(0, 3)).text = "责任单位"
    for c, text in enumerate(("1", "开展专项整治", "市教育局", "市财政局", "2023年底前")):
        table.cell(2, c).text = text
    document.add_paragraph("2023年3月1日")
    document.save(tmp_path / "two.docx")
    (task,) = extract(read_document(tmp_path / "two.docx")).tasks
    assert (task.lead.key, [u.key for u in task.support], str(task.due)) == ("EDU", ["FIN"],
                                                                             "2023-12-31")


def test_a_bracket_of_units_and_a_time_limit_assigns_the_item():
    got = rows(doc("一、任务\n1.建设辅导室。推进中学建成标准化心理辅导室。（市教育局、市财政局，2023年底前）",
                   head=LOCAL, date="2022年1月4日"))
    assert got == [("一1", ["建设辅导室", "推进中学建成标准化心理辅导室"], "市教育局", ["市财政局"],
                    "2023-12-31", None, None)]


def test_the_users_file_adds_wordings_to_the_synonyms_table(tmp_path):
    text = CITY + "序号 | 攻坚事项 | 挂帅单位 | 完成时限\n1 | 开展专项整治 | 市教育局 | 2023年底前\n"
    assert extract(text).tasks == [] or extract(text).tasks[0].lead is None
    extra = tmp_path / "ours.yaml"
    extra.write_text("labels:\n  task: [攻坚事项]\n  lead: [挂帅单位]\n", encoding="utf-8")
    (task,) = extract(text, directory=Directory.load(extra)).tasks
    assert (task.quote, task.lead.key, str(task.due)) == (["开展专项整治"], "EDU", "2023-12-31")


# ---------------------------------------------------------------- label lines
@pytest.mark.parametrize("labels", [
    "牵头单位：市教育局\n配合单位：市财政局\n完成时限：2023年底前",
    "牵头单位：\n市教育局\n配合单位：\n市财政局\n完成时限：\n2023年底前",  # the value on the next line
    "牵头单位:市教育局；配合单位:市财政局；完成时限:2023年底前",
    "牵头负责领导：张三。\n牵头责任单位：市教育局。\n协同责任单位：市财政局。\n完成时间：2023年底前。",
    "主办单位：市教育局\n协办单位：市财政局\n时间节点：2023年12月底前",
    "责任单位：市教育局、市财政局\n完成时限：2023年底前",  # no lead named: the first leads
    "——牵头单位：市教育局\n——配合单位：市财政局\n——完成时限：2023年底前",  # marks before labels
    "●牵头单位：市教育局  配合单位：市财政局  完成时限：2023年底前",  # one line, spaces between
])
def test_label_lines_under_an_item_attach_to_it_and_are_never_tasks(labels):
    text = doc(f"一、重点任务\n1.地区生产总值增长8%以上。\n{labels}\n2.开展专项督查。\n责任单位：市审计局",
               head=LOCAL, date="2022年1月4日")
    assert rows(text) == [
        ("一1", ["地区生产总值增长8%以上"], "市教育局", ["市财政局"], "2023-12-31", None, 8.0),
        ("一2", ["开展专项督查"], "市审计局", [], None, None, None),
    ]


def test_a_label_line_after_the_items_text_on_the_same_line():
    text = doc("一、任务\n1.推进中学建成标准化心理辅导室。牵头单位：市教育局；责任单位：市财政局",
               head=LOCAL, date="2022年1月4日")
    assert rows(text) == [("一1", ["推进中学建成标准化心理辅导室"], "市教育局", ["市财政局"], None, None,
                           None)]


def test_a_bracket_after_sub_items_that_name_nobody_covers_them_all():
    text = doc("一、任务\n1.完善应急预案体系\n(1)加强应急预案管理,规范应急预案编制。\n"
               "(2)推进应急预案“精编化”,及时修订完善现有应急预案。\n"
               "(责任单位:市直各有关单位、各县(市、区)人民政府、各开发区管委会)\n2.健全应急管理体制\n"
               "(1)深入推进应急管理办事机构建设。", head=LOCAL, date="2022年1月4日")
    assert [(r[0], r[2]) for r in rows(text)] == [
        ("一1(1)", "各县(市、区)人民政府"), ("一1(2)", "各县(市、区)人民政府"), ("一2(1)", None)]


# ---------------------------------------------------------------- subjects
@pytest.mark.parametrize("sentence, lead", [
    ("为加强统筹协调，国务院办公厅将会同有关部门建立工作机制", "国务院办公厅"),  # after a leading clause
    ("在试点工作中，试点地区要探索形成可复制的经验做法", "试点地区"),  # not in the directory
    ("对符合条件的企业，税务部门，要落实减税政策", "税务部门"),  # across a comma
    ("部际联席会议负责统筹协调重大问题", "部际联席会议"),  # a joint-meeting mechanism
    ("政务新媒体主办单位应及时注销或变更账号信息", "政务新媒体主办单位"),  # the sponsor of an account
    ("到2019年底，市场监管部门完成双随机抽查全流程整合", "市场监管部门"),
    ("应当由教育行政部门办成公办园或委托办成普惠性民办园", "教育行政部门"),
    ("政务新媒体、政府网站、政务热线等应依托集约化平台完善答问库", None),  # a list of things
    ("鼓励地方政府将闲置校舍用于职业教育", None),  # the object of 鼓励, not its subject
    ("有条件的地区可以开展试点", None),
])
def test_the_subject_of_a_sentence_owns_it(sentence, lead):
    got = rows(doc(f"一、任务\n（一）工作。{sentence}。"))
    assert got[0][2] == lead


def test_a_unit_named_in_a_section_lead_in_owns_the_items_under_it():
    text = doc("一、任务\n（一）各省级人民政府要重点做好以下工作：\n1.建立工作台账，逐项明确责任人。\n"
               "2.开展专项检查。\n3.财政部要保障经费。\n（二）加强宣传。开展政策宣传活动。")
    assert [(r[0], r[2]) for r in rows(text)] == [
        ("一(一)1", "各省级人民政府"), ("一(一)2", "各省级人民政府"), ("一(一)3", "财政部"),
        ("一(二)", None)]


def test_a_department_taking_over_after_a_comma_gets_its_own_task():
    text = doc("一、任务\n（一）标准。国务院人力资源社会保障行政部门组织制定职业标准，"
               "国务院教育行政部门依照职业标准牵头组织开发教学等相关标准。")
    assert [(r[1][-1], r[2]) for r in rows(text)] == [
        ("国务院人力资源社会保障行政部门组织制定职业标准", "国务院人力资源社会保障行政部门"),
        ("国务院教育行政部门依照职业标准牵头组织开发教学等相关标准", "国务院教育行政部门")]
    assert [t.lead.key for t in extract(text).tasks] == ["MOHRSS", "MOE"]


# ---------------------------------------------------------------- brackets
@pytest.mark.parametrize("bracket, lead, support", [
    ("（国家发展改革委、财政部等和各省级人民政府负责）", "国家发展改革委", ["财政部", "各省级人民政府"]),
    ("（农业农村部等各省级人民政府负责）", "农业农村部", ["各省级人民政府"]),
    ("（教育部、财政部等部门按职责分工负责）", "教育部", ["财政部"]),
    ("（牵头单位：市发展改革委；责任单位：市财政局、各县（市、区）人民政府）", "市发展改革委",
     ["市财政局", "各县（市、区）人民政府"]),
    ("（责任单位：市税务局、市财政局，排在首位的为牵头单位，下同）", "市税务局", ["市财政局"]),
])
def test_brackets_split_into_units_and_deng_never_joins_two(bracket, lead, support):
    got = rows(doc(f"一、任务\n（一）专项行动。开展专项整治行动{bracket}。"))
    assert (got[0][2], got[0][3]) == (lead, support)


def test_a_bracket_inside_a_sentence_is_a_note_not_its_owner():
    got = rows(doc("一、任务\n（一）证书。院校外证书由人社部门负责（技工院校内由人力资源社会保障部负责），"
                   "职业院校要开展培训。"))
    assert got[0][2] != "人力资源社会保障部"


# ---------------------------------------------------------------- dates and targets
def test_a_specific_targets_paragraph_before_the_first_item_gives_dated_target_tasks():
    text = ("国务院关于印发某某实施方案的通知\n国发〔2019〕4号\n各省、自治区、直辖市人民政府：\n"
            "现将《某某实施方案》印发给你们，请认真贯彻执行。\n国务院\n2019年1月24日\n（此件公开发布）\n"
            "某某实施方案\n总体要求与目标：坚持以人民为中心，着力培养技术技能人才。\n"
            "具体指标：到2022年，建设50所高水平高等职业学校；推动建设300个实训基地。"
            "从2019年开始，在职业院校启动试点工作。\n一、任务\n（一）完善制度。建立职教高考制度。\n")
    got = rows(text)
    assert [(r[4], r[6]) for r in got[:2]] == [("2022-12-31", 50.0), ("2022-12-31", 300.0)]
    assert all(r[4] is None for r in got if "从2019年开始" in r[1][0])  # a start, not a deadline
    assert got[-1][1] == ["完善制度", "建立职教高考制度"]


@pytest.mark.parametrize("sentence, due, on, target", [
    ("各省级人民政府每年1月31日前报送上年度工作情况", None, ["01-31"], None),
    ("各地每月25日前报送进展情况", None, [f"{m:02d}-25" for m in range(1, 13)], None),
    ("到2020年，全国建成示范城市100个", "2020-12-31", None, 100.0),
    ("2020年初步建成300个示范性职业教育集团", "2020-12-31", None, 300.0),
    ("各省级人民政府要在本意见印发之日起30日内制定实施办法", "2019-02-08", None, None),
    ("教师每年至少1个月在企业实训", None, ["12-31"], None),  # a duration, not a target
    ("每学期至少开展1次专题班会", None, None, None),  # a frequency, not a target
])
def test_dates_recurrences_and_targets(sentence, due, on, target):
    got = rows(doc(f"一、任务\n（一）工作。{sentence}。"))
    assert (got[0][4], got[0][5], got[0][6]) == (due, on, target)


# ---------------------------------------------------------------- fewer non-duties
def test_background_definitions_lead_ins_and_the_covering_notice_are_not_tasks():
    text = ("某市人民政府办公室关于印发某某分工方案的通知\n各县（市、区）人民政府：\n"
            "一、各责任单位要高度重视，于2023年1月15日前报送工作方案。\n某市人民政府办公室\n2023年1月3日\n"
            "某某分工方案\n一、总体要求\n（一）指导思想。坚持以人民为中心的发展思想。\n二、主要目标\n"
            "通过全面推行监管，增强市场主体信用意识。到2023年底，市场监管部门完成全流程整合。\n"
            "三、重点任务\n本方案所称平台，是指统一监管平台。\n（一）市教育局要重点做好以下工作：\n"
            "1.建立台账，逐项明确责任人。\n（二）宣传。可通过购买服务方式委托第三方运维。\n")
    got = extract(text).tasks
    assert [t.quote[-1] for t in got] == ["到2023年底，市场监管部门完成全流程整合", "建立台账，逐项明确责任人",
                                          "可通过购买服务方式委托第三方运维"]
    assert [r.key for r in got[2].reviews][-1] == "review.not_a_duty"


def test_clauses_of_one_item_with_one_owner_are_one_duty_quoting_each():
    got = rows(doc("一、任务\n（一）加大稳岗支持力度。对不裁员的参保企业，可返还其失业保险费的50%。"
                   "返还标准可适当提高。（人力资源社会保障部、财政部负责）"))
    assert got == [("一(一)", ["加大稳岗支持力度", "对不裁员的参保企业，可返还其失业保险费的50%",
                              "返还标准可适当提高"], "人力资源社会保障部", ["财政部"], None, None, None)]


# ---------------------------------------------------------------- never refuse
def test_a_name_clash_is_merged_and_said_and_the_draft_loads():
    draft = extract(doc("一、任务\n（一）甲项工作。各级政府要加强领导。\n（二）乙项工作。各级政府部门要落实责任。"))
    plan = parse_plan(render(draft, "plan.txt"))
    first, second = plan.tasks
    assert first.dept == second.dept and "同一名称" in second.review


def test_a_time_limit_before_the_issue_date_is_not_a_deadline_but_a_review():
    text = CITY + "序号 | 工作任务 | 牵头单位 | 完成时限\n1 | 开展专项整治 | 市教育局 | 2021年底前\n"
    draft = extract(text)
    (task,) = draft.tasks
    assert task.due is None and "review.due_before_issue" in [r.key for r in task.reviews]
    parse_plan(render(draft, "t.txt"))


def test_the_draft_names_the_documents_line_of_every_task():
    text = doc("一、任务\n（一）甲项工作。各地要建立台账。\n（二）乙项工作。各地要开展检查。")
    import re

    yaml_text = render(extract(text), "plan.txt")
    lines = text.split("\n")
    found = [int(n) for n in re.findall(r"- id: T\d+  # 原文第(\d+)行", yaml_text)]
    assert len(found) == 2 and all(lines[n - 1].startswith("（") for n in found)
    assert "# line 6" in render(extract(text), "plan.txt", "en")


def test_english_review_lines_with_lang_en():
    draft = extract(doc("一、任务\n（一）宣传。加强社会监督。"))
    assert "names no unit" in render(draft, "plan.txt", "en")
    assert "未写明责任单位" in render(draft, "plan.txt", "zh")


def test_an_issue_date_given_by_hand_reads_yearless_deadlines_from_it():
    text = CITY + "序号 | 工作任务 | 牵头单位 | 完成时限\n1 | 开展专项整治 | 市教育局 | 6月底前\n"
    (task,) = extract(text, issued=dt.date(2024, 2, 1)).tasks
    assert task.due == dt.date(2024, 6, 30)


# ---------------------------------------------------------------- conditions are not targets
@pytest.mark.parametrize("text, expected", [
    # A threshold saying who may apply: a condition of the rule, not something to reach.
    ("小微企业新招用人员数量达到在职职工人数25%（超过100人的企业达到15%）并签订劳动合同的，可申请贷款", []),
    ("企业吸纳就业困难人员达到30%以上的，给予一次性奖补", []),
    ("对吸纳就业困难人员达到30%以上的企业，给予社会保险补贴", []),
    ("凡在校学生人数达到1000人以上，须配备专职心理教师", []),
    ("符合招用人数不低于20%等条件的企业，可申请补贴", []),
    ("研发投入不低于5%的企业可享受税收优惠", []),
    ("如果年度考核合格率低于90%，予以通报", []),
    ("（不足500人的学校达到1名）", []),
    # Still goals: the same words where the number is what must be reached or made.
    ("到2025年，普惠性幼儿园覆盖率达到80%以上", [80]),
    ("超过100人的企业达到15%", [15]),  # the sentence's own subject: a goal for those firms
    ("城镇新增就业达到1100万人以上（其中高校毕业生达到500万人以上）", [1100, 500]),
    ("市级辅导站要配备不少于6人的专兼职人员", [6]),
    ("建成200所以上的标准化心理辅导室", [200]),
    ("全市90%以上的中小学校建成心理辅导室", [90]),
    ("符合条件的学校达到90%以上", [90]),
    ("凡新建学校，心理辅导室达标率达到100%", [100]),
])
def test_a_number_that_says_who_a_rule_covers_is_a_condition_not_a_target(text, expected):
    from bot.importer.targets import find_targets

    assert [t.value for t in find_targets(text)] == expected


def test_a_condition_in_a_sentence_does_not_split_off_a_task_of_its_own():
    text = doc("一、任务\n（一）加大贷款支持。小微企业当年新招用人员数量达到企业现有在职职工人数25%"
               "（超过100人的企业达到15%）并与其签订1年以上劳动合同的，可申请最高不超过300万元的"
               "创业担保贷款；到2020年，贷款发放户数达到10万户以上。（财政部、人民银行负责）")
    got = extract(text).tasks
    assert [(t.lead.key, t.target.value if t.target else None) for t in got] == [
        ("MOF", None), ("MOF", 10.0)]  # 10万户


# ---------------------------------------------------------------- a body's people are not a unit
@pytest.mark.parametrize("sentence, owners", [
    # A body's name cut out of a phrase naming its people or things: no unit of its own.
    ("将补贴范围由离校未就业高校毕业生扩展至失业青年。（人力资源社会保障部负责）", ("人力资源社会保障部", [])),
    ("心理健康课由学校教师承担。（教育部负责）", ("教育部", [])),
    ("陪护费用由医院患者自行承担。（国家卫生健康委负责）", ("国家卫生健康委", [])),
    ("补充保险由集团公司职工自愿参加。（人力资源社会保障部负责）", ("人力资源社会保障部", [])),
    ("接送费用由学校家长委托第三方支付。（教育部负责）", ("教育部", [])),
    ("体检由医院医生上门开展。", (None, [])),
    # Still units: the body acts, or the people word begins a longer body's name.
    ("志愿服务由高校组织学生开展。", ("高校", [])),
    ("教师培训由学校统一安排。", ("学校", [])),
    ("巡回诊疗由医院派出医生开展。", ("医院", [])),
    ("就业指导由高校毕业生就业指导中心提供。", ("高校毕业生就业指导中心", [])),
    ("资助金由教育部学生资助管理中心发放。", ("教育部学生资助管理中心", [])),
])
def test_a_body_named_only_as_the_owner_of_people_or_things_is_not_a_unit(sentence, owners):
    (task,) = extract(doc("一、任务\n（一）某项工作。" + sentence)).tasks
    assert (task.lead.name if task.lead else None, [u.name for u in task.support]) == owners

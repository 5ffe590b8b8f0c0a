"""import-plan, one table per way a plan writes its duties (text in, draft tasks out)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.importer.directory import Directory
from bot.importer.extract import extract
from bot.importer.reading import DocumentError, decode
from bot.importer.recurrence import find_recurrence
from bot.importer.targets import find_targets
from bot.importer.writer import UNASSIGNED, render
from bot.services.plan import parse_plan

NATIONAL = "国务院关于某项工作的意见\n国发〔2019〕9号\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
LOCAL = "泉州市某项工作实施方案\n泉教思〔2022〕1号\n泉州市教育局 泉州市财政局\n"


def doc(body: str, head: str = NATIONAL, date: str = "2019年1月9日") -> str:
    return f"{head}{date}\n{body}\n国务院\n{date}\n（此件公开发布）\n"


def owners(text: str, **kw) -> list[tuple[str | None, list[str]]]:
    draft = extract(text, **kw)
    return [(t.lead.key if t.lead else None, [u.key for u in t.support]) for t in draft.tasks]


# ---------------------------------------------------------------- responsibility brackets
@pytest.mark.parametrize("bracket, lead, support", [
    ("（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）", "MOHRSS", ["MOF"]),
    ("（生态环境部牵头，国家发展改革委、工业和信息化部参与）", "MEE", ["NDRC", "MIIT"]),
    ("（工业和信息化部参与，财政部牵头）", "MOF", ["MIIT"]),
    ("（国家发展改革委、农业农村部指导）", "NDRC", ["MARA"]),
    ("（发改委、人社部等负责）", "NDRC", ["MOHRSS"]),
    ("（各省级人民政府负责）", "各省级人民政府", []),
    ("（农业农村部、工业和信息化部牵头负责）", "MARA", ["MIIT"]),
    ("（人力资源社会保障部、财政部，各省级人民政府按职责分工负责）", "MOHRSS",
     ["MOF", "各省级人民政府"]),
])
def test_a_bracket_names_the_lead_first_and_the_rest_support(bracket, lead, support):
    text = doc(f"一、主要任务\n（一）稳定岗位。对参保企业返还失业保险费。{bracket}")
    assert owners(text) == [(lead, support)]


def test_a_bracket_naming_nobody_gives_no_owner_and_asks_for_review():
    draft = extract(doc("一、主要任务\n（一）做好宣传。开展政策宣传。（各有关部门和单位按职责分工负责）"))
    (task,) = draft.tasks
    assert task.lead is None and "有关部门" in task.reviews[0].text("zh")


def test_a_bracket_covers_the_sentences_since_the_last_one_even_when_it_opens_a_sentence():
    text = doc("一、主要任务\n（一）标准。完善标准体系。（市场监管总局负责）推广先进技术装备。（工业和信息化部指导）")
    assert owners(text) == [("SAMR", []), ("MIIT", [])]


def test_xia_tong_carries_units_to_items_that_name_nobody():
    text = doc("一、任务\n（一）甲。建立台账制度。（教育部负责，下同）\n（二）乙。开展专项督查。\n"
               "（三）丙。完善评价办法。（财政部负责）")
    assert owners(text) == [("MOE", []), ("MOE", []), ("MOF", [])]


def test_yi_xia_jun_xu_adds_the_implementer_to_every_later_item():
    text = doc("一、任务\n（一）甲。建立指标体系。（生态环境部指导，试点城市政府负责落实。"
               "以下均需试点城市政府落实，不再列出）\n（二）乙。推行绿色设计。（工业和信息化部指导）\n"
               "（三）丙。加强宣传教育。")
    assert owners(text) == [("MEE", ["试点城市政府"]), ("MIIT", ["试点城市政府"]),
                            ("试点城市政府", [])]


def test_the_convention_sentence_carries_nobody():
    text = doc("一、任务\n（一）甲。返还失业保险费。（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）\n"
               "（二）乙。扩大见习范围。")
    assert owners(text)[1] == (None, [])


# ---------------------------------------------------------------- prose and 分工 lines
def test_duties_by_department_in_prose_one_task_per_department():
    text = doc("一、工作措施\n（一）建立部门联动机制\n教育部门要发挥主体作用，抓好心理健康教育工作。"
               "财政部门要支持教育部门将学生心理健康教育经费纳入本级预算。"
               "卫生健康部门要加强精神卫生医疗资源供给；加强心理专业人员培养。共青团要开展公益性学生心理辅导活动。",
               head=LOCAL, date="2022年1月4日")
    draft = extract(text)
    assert [(t.lead.key, [u.key for u in t.support]) for t in draft.tasks] == [
        ("EDU", []), ("FIN", ["EDU"]), ("HEALTH", []), ("YOUTH", [])]
    # a department's clauses that go on without a subject of their own are one duty, each quoted
    assert draft.tasks[2].quote == ["卫生健康部门要加强精神卫生医疗资源供给", "加强心理专业人员培养"]
    assert draft.tasks[0].lead.entry.full_name(draft.header.city) == "泉州市教育局"


def test_a_subject_goes_on_to_the_next_sentence_that_starts_with_yao():
    text = doc("一、措施\n（一）保障。财政部门要加大投入。要建立经费保障机制。开展绩效评价。",
               head=LOCAL, date="2022年1月4日")
    draft = extract(text)
    assert owners(text) == [("FIN", []), (None, [])]
    assert draft.tasks[0].quote == ["财政部门要加大投入", "要建立经费保障机制"]


def test_led_by_in_the_sentence():
    text = doc("一、措施\n（一）干预。由县级以上教育行政主管部门与卫健部门牵头，建立危机干预机制。",
               head=LOCAL, date="2022年1月4日")
    assert owners(text) == [("EDU", ["HEALTH"])]


@pytest.mark.parametrize("sentence, lead", [
    ("经市教育局认定后，市财政对标准化心理辅导室给予适当补助", "FIN"),
    ("中小学全面建立三级预警体系", "中小学"),  # a body the text names, kept as named
    ("教育引导学生树立正确观念", None),
])
def test_a_department_opening_a_clause_without_yao(sentence, lead):
    text = doc(f"一、要求\n（一）保障。{sentence}。", head=LOCAL, date="2022年1月4日")
    assert owners(text)[0][0] == lead


def test_division_of_work_lines():
    text = doc("一、任务分工\n1.建设心理辅导室。推进所有中学建成标准化心理辅导室。\n"
               "牵头单位：市教育局；责任单位：市财政局、市人社局；完成时限：2023年6月底前\n"
               "2.开展培训。\n任务：组织专题培训；牵头单位：市卫健委；完成时限：长期坚持",
               head=LOCAL, date="2022年1月4日")
    draft = extract(text)
    first, second = draft.tasks
    assert (first.lead.key, [u.key for u in first.support], first.due) == \
        ("EDU", ["FIN", "HRSS"], dt.date(2023, 6, 30))
    assert (second.lead.key, second.due, second.quote) == ("HEALTH", None, ["组织专题培训"])


@pytest.mark.parametrize("labels", [
    "（牵头单位：市教育局；配合单位：市财政局；完成时限：2023年底前）",
    "\n牵头单位：市教育局\n配合单位：市财政局\n完成时限：2023年底前",
    "\n责任单位：市教育局、市财政局\n完成时限：2023年12月底前",
])
def test_division_of_work_in_a_bracket_or_on_lines_of_their_own(labels):
    text = doc(f"一、任务\n1.建设辅导室。推进中学建成标准化心理辅导室。{labels}\n2.其他。各地要加强宣传。",
               head=LOCAL, date="2022年1月4日")
    first, second = extract(text).tasks
    assert (first.lead.key, [u.key for u in first.support], str(first.due)) == \
        ("EDU", ["FIN"], "2023-12-31")
    assert first.quote == ["建设辅导室", "推进中学建成标准化心理辅导室"]
    assert second.lead.key == "各地"


def test_a_numbered_item_of_one_sentence_is_a_duty_when_assigned_or_alone():
    text = doc("一、重点任务\n（一）优化专业布局\n1.建立专业动态调整机制。（市教育局牵头，市人社局配合；2023年底前完成）\n"
               "2.推进实训基地建设。\n牵头单位：市教育局\n完成时限：2024年6月底前\n3.加强宣传引导。\n"
               "（二）强化保障。\n1.落实经费。各区要将经费纳入预算。", head=LOCAL, date="2023年3月15日")
    tasks = extract(text).tasks
    assert [(t.clause, t.quote[0], t.lead.key if t.lead else None, str(t.due)) for t in tasks] == [
        ("一(一)1", "建立专业动态调整机制", "EDU", "2023-12-31"),
        ("一(一)2", "推进实训基地建设", "EDU", "2024-06-30"),
        ("一(一)3", "加强宣传引导", None, "None"),
        ("一(二)1", "落实经费", "各区", "None"),
    ]
    assert tasks[3].quote == ["落实经费", "各区要将经费纳入预算"]


def test_a_table_row_with_a_recurring_time_limit_and_other_numbering_styles():
    text = doc("一、任务\n1）开展培训。\n任务：组织专题培训；牵头单位：市卫健委；完成时限：每季度\n"
               "② 建设平台。各县（市、区）人民政府要建设信息平台。", head=LOCAL, date="2022年1月4日")
    first, second = extract(text).tasks
    assert first.recurrence == {"every": "year", "on": ["03-31", "06-30", "09-30", "12-31"]}
    assert (first.clause, second.clause) == ("一(1)", "一(2)")
    assert second.lead.name == "各县（市、区）人民政府" and second.lead.known


# ---------------------------------------------------------------- deadlines
@pytest.mark.parametrize("sentence, issued, due", [
    ("各地要在2019年6月底前完成摸底排查", "2019-01-09", "2019-06-30"),
    ("各校要在2022年上半年前做好岗位核定工作", "2022-01-04", "2022-06-30"),
    ("到2025年，建成心理健康服务体系", "2022-01-04", "2025-12-31"),
    ("2021年3月底前，试点城市政府形成总结报告", "2018-12-29", "2021-03-31"),
    ("各地要于6月底前完成清单", "2019-01-09", "2019-06-30"),  # no year: the issue year
    ("各地要在今年年底前完成清单", "2019-01-09", "2019-12-31"),
    ("各地要在2020年年底前完成清单", "2019-01-09", "2020-12-31"),
    ("2019年1月1日至12月31日，对参保企业返还失业保险费", "2018-11-16", "2019-12-31"),
    ("2018年11月，党中央印发意见，各地要认真落实", "2019-01-09", None),  # history
    ("各地要从2019年1月1日起实施见习计划", "2018-11-16", None),  # a start, not an end
])
def test_deadlines_are_read_by_the_projects_parser(sentence, issued, due):
    text = doc(f"一、任务\n{sentence}。", date="")
    draft = extract(text, issued=dt.date.fromisoformat(issued))
    assert draft.tasks[0].due == (dt.date.fromisoformat(due) if due else None)


def test_two_deadlines_in_one_sentence_are_two_milestones_and_a_following_date_dates_the_work():
    text = doc("一、任务\n1.整改。对于需要补建的，原则上于2019年12月底前完成相关建设规划，"
               "2020年12月底前完成项目竣工验收。\n2.排查。各地全面摸底排查，建立台账。该项工作于2019年4月底前完成。")
    draft = extract(text)
    assert [t.due.isoformat() for t in draft.tasks] == ["2019-12-31", "2020-12-31", "2019-04-30"]
    assert draft.tasks[2].quote == ["各地全面摸底排查，建立台账", "该项工作于2019年4月底前完成"]


def test_the_issue_date_comes_from_the_date_line_or_the_wenhao_year():
    assert extract(doc("一、任务\n各地要建立台账。")).header.issued == dt.date(2019, 1, 9)
    no_line = "某某方案\n闽教思〔2021〕3号\n一、任务\n各地要建立台账。\n"
    header = extract(no_line).header
    assert (header.issued, header.issued_from) == (dt.date(2021, 1, 1), "文号 year")
    with pytest.raises(ValueError, match="--issued"):
        extract("一、任务\n各地要建立台账。\n")


# ---------------------------------------------------------------- targets and recurrence
@pytest.mark.parametrize("text, expected", [
    ("建成标准化心理辅导室300所以上", [(300, "所", "at_least")]),
    ("秸秆综合利用率达到85%以上", [(85, "%", "at_least")]),
    ("按师生比不低于1:1000配备专职教师", [(1000, "1:N", "at_most")]),  # N students a teacher
    ("灌排机械动力达到1.2亿千瓦", [(1.2, "亿千瓦", "at_least")]),
    ("每年至少组织100名教师参加培训", [(100, "名", "at_least")]),
    ("一般工业固体废物贮存量控制在5万吨以内", [(5, "万吨", "at_most")]),
    ("可申请最高不超过15万元的创业担保贷款", []),  # a cap on an allowance
    ("返还其上年度实际缴纳失业保险费的50%", []),  # no direction: a rule
    ("组织失业青年参加3—12个月的就业见习", []),
    ("超过100人的企业达到15%", [(15, "%", "at_least")]),  # 超过100人的: which firms
])
def test_numeric_targets_with_value_unit_and_direction(text, expected):
    assert [(t.value, t.unit, t.direction) for t in find_targets(text)] == expected


@pytest.mark.parametrize("text, rule, review", [
    ("每年开展一次宣传月活动", {"every": "year", "on": ["12-31"]}, False),
    ("每学期至少开展1次专题班会", {"every": "semester"}, False),
    ("每学年参加一次研训活动", {"every": "school_year"}, False),
    ("每季度报送进展情况", {"every": "year", "on": ["03-31", "06-30", "09-30", "12-31"]}, False),
    ("定期开展心理健康状况筛查", {"every": "year", "on": ["12-31"]}, True),
    ("生活费补贴政策每人每年只享受一次", None, False),
    ("定期开展教师培训，每年培训不少于500人次", {"every": "year", "on": ["12-31"]}, False),
])
def test_recurring_duties(text, rule, review):
    found = find_recurrence(text)
    assert (found.rule if found else None) == rule
    assert bool(found and found.review) == review


# ---------------------------------------------------------------- structure and the draft
def test_numbering_becomes_the_clause_and_guiding_sections_give_only_goals():
    text = doc("一、总体要求\n（一）指导思想。坚持以人民为中心的发展思想。\n（二）工作目标。到2020年，建成示范城市10个以上。\n"
               "二、主要任务\n（一）加强保障\n1.落实经费。\n（1）各地要将经费纳入预算。")
    draft = extract(text)
    assert [(t.clause, t.quote[0]) for t in draft.tasks] == [
        ("一(二)", "到2020年，建成示范城市10个以上"), ("二(一)1(1)", "各地要将经费纳入预算")]


def test_a_plan_without_yi_starts_after_its_addressee_and_annex_lines_are_not_duties():
    text = ("某市工作方案\n各县（市、区）教育局、财政局：\n现将有关事项通知如下。\n"
            "（一）各地要建立工作台账。\n（二）财政部门要保障经费。\n附件：1.任务分工表\n抄送：市政府办公室。\n"
            "某市教育局\n2023年5月6日\n")
    draft = extract(text)
    assert [t.quote[0] for t in draft.tasks] == ["各地要建立工作台账", "财政部门要保障经费"]


def test_never_an_invented_owner_and_the_draft_loads():
    text = doc("一、任务\n（一）预警。中小学全面建立三级预警体系。（教育部负责）\n（二）宣传。加强社会监督。")
    draft = extract(text)
    yaml_text = render(draft, "plan.txt")
    plan = parse_plan(yaml_text)
    by_id = {t.id: t for t in plan.tasks}
    assert by_id["T01"].dept == "MOE" and by_id["T02"].dept == UNASSIGNED
    assert "未写明责任单位" in by_id["T02"].review
    assert by_id["T02"].quote == ("宣传", "加强社会监督")


def test_every_quote_is_verbatim_and_every_task_has_one():
    text = doc("一、任务\n（一）甲。建成示范城市10个以上、示范园区20个以上；完善标准（试行）体系。（财政部负责）")
    draft = extract(text)
    assert draft.tasks and all(q in text for t in draft.tasks for q in t.quote)


@pytest.mark.parametrize("name, level, code", [
    ("国家发展改革委", "national", "NDRC"), ("发展改革委", "national", "NDRC"),
    ("发改委", "national", "NDRC"), ("人社部", "national", "MOHRSS"),
    ("人力资源社会保障部", "national", "MOHRSS"), ("教育部门", "local", "EDU"),
    ("市教育局", "local", "EDU"), ("泉州市教育局", "local", "EDU"),
    ("中共泉州市委网信办", "local", "CYBER"), ("卫健委", "local", "HEALTH"),
    ("卫健委", "national", "NHC"), ("晋江市教育局", "local", "EDU"), ("市发展改革委", "local", "DRC"),
    ("市住建局", "local", "HOUSING"), ("市委宣传部", "local", "PROPAG"),
])
def test_department_names_are_normalised_through_the_directory(name, level, code):
    unit = Directory.load().resolve(name, level, "泉州市")
    assert unit is not None and unit.entry is not None and unit.entry.code == code


@pytest.mark.parametrize("name", ["各地", "试点城市政府", "各省级人民政府", "各省（自治区、直辖市）人民政府",
                                  "各县（市、区）人民政府", "各试点城市政府", "地方各级人民政府"])
def test_units_that_are_not_departments_are_kept_as_named(name):
    unit = Directory.load().resolve(name, "national")
    assert unit is not None and unit.entry is None and unit.name == name and unit.known


def test_the_directory_is_extended_by_the_users_file(tmp_path):
    extra = tmp_path / "more.yaml"
    extra.write_text("departments:\n  - {code: DATA, level: local, name: 数据资源管理局, short: 数据局,"
                     " name_en: Data Bureau, aliases: [大数据部门]}\nunits: [各园区管委会]\n",
                     encoding="utf-8")
    directory = Directory.load(extra)
    assert directory.resolve("大数据部门", "local").entry.code == "DATA"
    assert directory.resolve("各园区管委会", "local").entry is None
    assert Directory.load().resolve("大数据部门", "local").entry is None  # kept, to be checked


def test_text_in_utf8_or_gb18030():
    text = "一、任务\n各地要建立台账。"
    assert decode(text.encode("gb18030")) == text
    assert decode(text.encode("utf-8-sig")) == text
    with pytest.raises(DocumentError):
        decode(b"\xff\xfe\x00\x81\x30")


PLAN_WITH_REVIEW = """plan: {code: X, title: 方案, issued: 2023-01-01}
departments:
  - {code: UNASSIGNED, name: 待定, name_en: To be assigned}
tasks:
  - id: T01
    dept: UNASSIGNED
    title: 贮存量控制在5万吨以内
    clause: 二(一)
    quote: 贮存量控制在5万吨以内
    due: 2025-12-31
    target: {value: 5, unit: 万吨, direction: DIRECTION}
    review: 方案未写明责任单位
"""


def test_the_plan_file_takes_a_review_and_a_target_direction_into_the_stored_note(db):
    from bot.services.plan import PlanError, load_plan
    from tests.conftest import at

    plan = parse_plan(PLAN_WITH_REVIEW.replace("DIRECTION", "at_most"))
    (task,) = plan.tasks
    assert (task.review, task.target_direction, task.kind) == ("方案未写明责任单位", "at_most", "target")
    load_plan(db, plan, now=at("2023-01-02"))
    note = db["tasks"].get("T01")["note"]
    assert "待核 review: 方案未写明责任单位" in note and "上限" in note
    with pytest.raises(PlanError, match=r"direction.*at_least or at_most"):
        parse_plan(PLAN_WITH_REVIEW.replace("DIRECTION", "upwards"))

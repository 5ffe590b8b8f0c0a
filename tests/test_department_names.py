"""Department names as officials type them: what resolves to which department, and what is refused.

One table drives the core lookup, the CLI in-process and (for a few rows) `python -m bot` itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import cli
from bot.errors import DubanError
from bot.language.i18n import t
from bot.language.names import clashes, name_key, normalise
from bot.services.directory import (
    add_member,
    departments,
    find_department,
    find_departments,
    get_member,
    request_join,
    suggest_departments,
)
from bot.services.plan import PlanError, load_plan, parse_plan
from bot.store import connection as dbmod
from tests.conftest import PLAN_FILE, ROOT, at

# (what people type, the department it means); None: not one of ours, must be refused.
NAMES: list[tuple[str, str | None]] = [
    # education bureau
    ("教育局", "EDU"), ("泉州市教育局", "EDU"), ("市教育局", "EDU"), ("泉州教育局", "EDU"),
    ("教育", "EDU"), ("教育部门", "EDU"), ("市教委", "EDU"), ("教委", "EDU"),
    ("泉州市教委", "EDU"), ("EDU", "EDU"), ("edu", "EDU"), ("ＥＤＵ", "EDU"),
    (" 教育局 ", "EDU"), ("教 育 局", "EDU"), ("教育局部门", "EDU"), ("Education Bureau", "EDU"),
    # every English short name the plan gives (short_en), as an English speaker types it
    ("Education", "EDU"), ("education", "EDU"), ("Staffing Office", "STAFF"),
    ("Civilisation Office", "CIVIL"), ("Cyberspace Office", "CYBER"), ("Civil Affairs", "CIVAFF"),
    ("Finance", "FIN"), ("HR & Social Security", "HRSS"), ("hr and social security", "HRSS"),
    ("Youth League", "YOUTH"), ("Health Commission", "HEALTH"),
    # staffing office
    ("编办", "STAFF"), ("编委办", "STAFF"), ("市委编办", "STAFF"), ("泉州市委编办", "STAFF"),
    ("编委", "STAFF"), ("编制部门", "STAFF"), ("机构编制委员会办公室", "STAFF"),
    ("中共泉州市委机构编制委员会办公室", "STAFF"),
    # civilisation office
    ("文明办", "CIVIL"), ("市文明办", "CIVIL"), ("市委文明办", "CIVIL"), ("文明委办公室", "CIVIL"),
    ("文明委", "CIVIL"), ("精神文明办", "CIVIL"), ("中共泉州市委文明办", "CIVIL"),
    # cyberspace office
    ("网信办", "CYBER"), ("网信", "CYBER"), ("市委网信办", "CYBER"), ("网信部门", "CYBER"),
    ("泉州网信办", "CYBER"), ("中共泉州市委网信办", "CYBER"),
    # civil affairs, finance
    ("民政局", "CIVAFF"), ("民政", "CIVAFF"), ("市民政局", "CIVAFF"), ("民政部门", "CIVAFF"),
    ("财政局", "FIN"), ("财政", "FIN"), ("市财政局", "FIN"), ("财政部门", "FIN"),
    # human resources and social security
    ("人社局", "HRSS"), ("人社", "HRSS"), ("人社部门", "HRSS"), ("人力社保局", "HRSS"),
    ("市人社局", "HRSS"), ("人力资源和社会保障局", "HRSS"),
    ("人力资源社会保障局", "HRSS"), ("人力资源与社会保障局", "HRSS"),  # the second: a near miss
    # health commission
    ("卫健委", "HEALTH"), ("卫计委", "HEALTH"), ("市卫计委", "HEALTH"), ("卫生局", "HEALTH"),
    ("市卫生局", "HEALTH"), ("卫生部门", "HEALTH"), ("卫健", "HEALTH"), ("市卫健委", "HEALTH"),
    ("卫生健康委员会", "HEALTH"), ("泉州市卫生健康委员会", "HEALTH"), ("卫生计生委", "HEALTH"),
    ("卫生健康委", "HEALTH"), ("卫健委员会", "HEALTH"), ("health", "HEALTH"),  # near misses, a code
    # youth league
    ("团市委", "YOUTH"), ("团委", "YOUTH"), ("市团委", "YOUTH"), ("共青团", "YOUTH"),
    ("泉州团市委", "YOUTH"), ("共青团泉州市委", "YOUTH"), ("共青团泉州市委员会", "YOUTH"),
    ("共青团委", "YOUTH"),
    # women's federation
    ("妇联", "WOMEN"), ("市妇联", "WOMEN"), ("泉州市妇联", "WOMEN"), ("妇女联合会", "WOMEN"),
    ("泉州市妇女联合会", "WOMEN"), ("women's federation", "WOMEN"),
    # not ours: other commissions, Party departments, bureaus, provincial and national bodies
    ("发改委", None), ("市发改委", None), ("泉州市发展和改革委员会", None), ("政法委", None),
    ("市委政法委", None), ("市委政法委员会办公室", None), ("市委宣传部", None), ("宣传部", None),
    ("市委统战部", None), ("公安局", None), ("市公安局", None), ("住建局", None),
    ("市场监管局", None), ("应急管理局", None), ("科技局", None), ("市总工会", None),
    ("残联", None), ("教育厅", None), ("教育部", None), ("民政厅", None), ("卫健局", None),
    ("外交部", None), ("省卫健委", None), ("福建省卫生健康委员会", None), ("丰泽区教育局", None),
    ("晋江教育局", None), ("国家卫健委", None), ("市政府", None), ("教育局局长", None),
    # not names at all
    ("市委", None), ("委", None), ("局", None), ("市", None), ("泉州市", None), ("部门", None),
    ("", None), ("   ", None), ("🏫", None), ("😀😀", None), ("abc", None), ("1005", None),
    ("123456789", None), ("EDUx", None), ("HEALTHY", None), ("T12", None), ("<b>教委</b>x", None),
]

OURS = [(text, code) for text, code in NAMES if code]
NOT_OURS = [text for text, code in NAMES if not code]


def test_the_table_is_big_and_goes_both_ways():
    assert len(OURS) >= 40 and len(NOT_OURS) >= 40
    assert {code for _, code in OURS} == {d["code"] for d in _seed_rows()}


def _seed_rows():
    from bot.services.plan import read_plan_file

    plan = read_plan_file(PLAN_FILE)
    return [{"code": d.code, "name": d.name, "short": d.short, "name_en": d.name_en,
             "short_en": d.short_en, "aliases": list(d.aliases)} for d in plan.departments]


@pytest.mark.parametrize(("text", "code"), OURS)
def test_our_names_resolve(seeded, text, code):
    assert find_department(seeded, text)["code"] == code
    assert [d["code"] for d in find_departments(seeded, text)] == [code]


@pytest.mark.parametrize("text", NOT_OURS)
def test_other_names_are_refused_with_three_suggestions(seeded, text):
    with pytest.raises(DubanError) as err:
        find_department(seeded, text)
    assert err.value.key == "dept_unknown"
    codes = err.value.params["suggestions"]
    assert len(codes) == 3 and len(set(codes)) == 3
    shorts = {d["code"]: d["short"] for d in departments(seeded)}
    assert err.value.params["options"]["zh"] == "、".join(shorts[c] for c in codes)
    message = t("dept_unknown", "zh", **err.value.params)
    assert shorts[codes[0]] in message and "<b>" not in message  # the user's text is escaped


@pytest.mark.parametrize(
    ("text", "first"),
    [("卫健局", "HEALTH"), ("民政厅", "CIVAFF"), ("EDUx", "EDU"), ("教育厅", "EDU"),
     ("人力资源局", "HRSS"), ("妇女会", "WOMEN"), ("网信委", "CYBER")],
)
def test_suggestions_put_the_nearest_department_first(seeded, text, first):
    assert suggest_departments(seeded, text)[0] == first
    # the same from plain rows, no database needed
    assert suggest_departments(_seed_rows(), text, n=1) == [first]


def test_suggestions_take_n_and_never_exceed_the_departments(seeded):
    assert len(suggest_departments(seeded, "委", n=5)) == 5
    assert len(suggest_departments(seeded, "委", n=50)) == 10
    assert suggest_departments(seeded, "", n=3) == ["EDU", "STAFF", "CIVIL"]  # plan order


def test_a_refused_name_changes_nothing(seeded):
    before = get_member(seeded, 1001)
    audits = seeded["audit"].count
    for text in ("发改委", "委", "市委宣传部"):
        with pytest.raises(DubanError):
            add_member(seeded, user_id=1001, dept=text, role="liaison", now=at("2022-02-01"),
                       actor="test")
        with pytest.raises(DubanError):
            request_join(seeded, user_id=2001, dept_text=text, now=at("2022-02-01"))
    assert get_member(seeded, 1001) == before and get_member(seeded, 2001) is None
    assert seeded["audit"].count == audits


def test_join_with_the_old_name_of_a_commission(seeded):
    member = request_join(seeded, user_id=2002, dept_text="市教委", now=at("2022-02-01"))
    assert member["dept"] == "EDU" and member["status"] == "pending"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ＥＤＵ", "edu"), (" 卫 健 委 ", "卫健委"), ("泉州市卫健委", "卫健委"), ("中共泉州市委网信办", "网信办"),
     ("市委编办", "编办"), ("教育部门", "教育"), ("泉州教育局", "教育局"), ("市委", ""),
     ("（团委）", "团委"), ("Quanzhou Health Commission", "healthcommission")],
)
def test_name_key(text, expected):
    assert name_key(text) == expected


def test_normalise_folds_width_case_and_spacing():
    assert normalise("Ｗomen\u3000Federation\t") == "womenfederation"


def test_no_two_seed_departments_answer_to_the_same_name():
    rows = _seed_rows()
    assert clashes((r["code"], (r["name"], r["short"], r["name_en"], *r["aliases"]))
                   for r in rows) == []


def test_a_plan_file_with_a_shared_alias_is_refused():
    text = """plan: {code: X, title: 甲, document: 甲, issued: 2022-01-04}
departments:
  - {code: EDU, name: 泉州市教育局, short: 教育局, name_en: Education, aliases: [教委]}
  - {code: OTHER, name: 泉州市其他局, short: 其他局, name_en: Other, aliases: [市教委]}
tasks:
  - {id: T01, dept: EDU, title: 甲, clause: 一, quote: 甲, due: 2022-06-30}
"""
    with pytest.raises(PlanError) as err:
        parse_plan(text, source="<t>")
    assert "'教委' names both EDU and OTHER" in str(err.value)


# ---------------------------------------------------------------- through the command line


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "cli.db"
    database = dbmod.connect(path)
    from bot.services.plan import read_plan_file

    load_plan(database, read_plan_file(PLAN_FILE), now=at("2022-01-05"))
    database.close()
    return path


def _members_add(path, text, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    code = cli.main(["--db", str(path), "members", "add", "1005", text])
    out, err = capsys.readouterr()
    return code, out, err


def _member_1005(path):
    database = dbmod.connect(path)
    try:
        return get_member(database, 1005)
    finally:
        database.close()


@pytest.mark.parametrize(("text", "code"), NAMES)
def test_cli_members_add(cli_db, text, code, capsys, monkeypatch, tmp_path):
    before = _member_1005(cli_db)
    status, out, err = _members_add(cli_db, text, capsys, monkeypatch, tmp_path)
    after = _member_1005(cli_db)
    if code:
        assert status == 0, err
        assert after["dept"] == code and "成员已登记" in out
    else:
        assert status == 1 and not out
        assert ("找不到部门" in err and "您要找的是不是" in err) or (
            not text and "联络员必须指定所属部门" in err)
        assert after == before  # refused: nothing written


def test_python_m_bot_members_add(tmp_path):
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "cli.db"), "TZ": "Asia/Shanghai",
           "PLAN_FILE": str(PLAN_FILE),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)

    assert run("seed").returncode == 0
    added = run("members", "add", "1005", "教委")
    assert added.returncode == 0, added.stderr
    assert "教育局" in added.stdout
    refused = run("members", "add", "1006", "发改委")
    assert refused.returncode == 1 and "找不到部门“发改委”" in refused.stderr
    listed = run("members", "list").stdout
    assert "1005" in listed and "1006" not in listed
    english = run("--lang", "en", "status", "卫计委")
    assert english.returncode == 0 and "Health Commission" in english.stdout

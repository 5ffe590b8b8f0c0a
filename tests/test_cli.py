"""The command line, run as a user runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture
def cli(tmp_path):
    # PYTHONPATH: the subprocess imports this checkout, not whichever copy pip installed.
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "cli.db"), "TZ": "Asia/Shanghai",
           "PYTHONPATH": str(ROOT), "PLAN_FILE": str(ROOT / "tasks_seed.yaml")}
    env.pop("TELEGRAM_BOT_TOKEN", None)

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    run.env = env
    return run


def test_seed_then_status_shows_all_ten_departments(cli):
    first = cli("seed", str(ROOT / "tasks_seed.yaml"))
    assert "10 个部门" in first.stdout and "50 项任务" in first.stdout
    again = cli("seed", str(ROOT / "tasks_seed.yaml"))
    assert "新增 0 · 更新 0" in again.stdout and "added 0 · updated 0" in again.stdout
    zh, en = again.stdout.splitlines()[2:4]  # each line in Chinese, then the same in English
    assert zh.split("未变 ")[1] == en.split("unchanged ")[1] == "60"  # 10 departments, 50 tasks
    out = cli("status").stdout
    for short in ("教育局", "编办", "文明办", "网信办", "民政局", "财政局", "人社局", "卫健委",
                  "团市委", "妇联"):
        assert short in out
    # the H1-2022 milestones fell due before tracking began (the plan was loaded today): they
    # are overdue from today on, their days counted from tracking start, not from 2022
    assert "T01" in out and "逾期" in out and "跟踪开始前已到期" in out
    before = cli("status", "--at", "2022-07-01")
    assert "早于开始跟踪之日" in before.stderr and "T01" not in before.stdout


def test_seed_without_a_plan_file_says_where_it_looked(cli):
    cli.env.pop("PLAN_FILE")
    done = cli("seed", ok=False)
    assert done.returncode == 1
    assert "找不到计划文件" in done.stderr and "PLAN_FILE" in done.stderr
    assert "Traceback" not in done.stderr
    assert "No plan file" in done.stderr


def test_chinese_names_are_aligned(cli):
    cli("seed")
    lines = cli("status").stdout.splitlines()
    table = [line for line in lines if line.startswith(("教育局 ", "卫健委 ", "妇联 "))]
    from bot.outputs.render.table import width

    # the completion column ends at the same display column on every row
    ends = {width(line[: line.index("%") + 1]) for line in table}
    assert len(table) == 3 and len(ends) == 1


def test_report_members_and_task_status(cli):
    cli("seed")
    refused = cli("report", "T01", "60", "--as", "1001", ok=False)
    assert refused.returncode == 1 and "/join" in refused.stderr
    cli("members", "add", "1001", "教育局", "--name", "李联络")
    refused = cli("members", "add", "1000", "--role", "coordinator", "--name", "王统筹",
                  ok=False)
    assert refused.returncode == 1 and "COORDINATOR_IDS" in refused.stderr
    cli.env["COORDINATOR_IDS"] = "1000"  # COORDINATOR_IDS decides; the CLI only names them
    cli("members", "add", "1000", "--role", "coordinator", "--name", "王统筹")
    listed = cli("members", "list").stdout
    assert "李联络" in listed and "统筹人" in listed
    done = cli("report", "T01", "60", "已完成岗位核定方案初稿", "--as", "1001")
    assert "已记录" in done.stdout and "60%" in done.stdout
    bad = cli("report", "T01", "130", "--as", "1001", ok=False)
    assert "0 到 100" in bad.stderr
    other = cli("report", "T41", "10", "--as", "1001", ok=False)
    assert "只能报送本部门" in other.stderr
    target = cli("report", "T08", "-", "--value", "187", "--as", "1001")
    assert "187所" in target.stdout
    split = cli("report", "T04", "-", "--value", "187", "--as", "1001", ok=False)
    assert "--unit" in split.stderr  # a target split by county takes county figures
    task = cli("status", "T01").stdout
    assert "已完成岗位核定方案初稿" in task and "二(一)1" in task
    dept = cli("--lang", "en", "status", "卫健委").stdout
    assert "Quanzhou Health Commission" in dept and "T41" in dept
    cli("members", "remove", "1001")
    assert "李联络" not in cli("members", "list").stdout


def test_malformed_seed_file_is_located_and_loads_nothing(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "tasks_seed.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("due: 2022-06-30", "due: 2022-13-01", 1), encoding="utf-8")
    done = cli("seed", str(bad), ok=False)
    assert done.returncode == 1
    assert "tasks[0].due: '2022-13-01' is not a date" in done.stderr
    assert "bad.yaml:" in done.stderr
    assert "No plan loaded yet" in cli("status", ok=False).stderr


def test_run_without_token_says_how_to_set_it(cli):
    done = cli("run", ok=False)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "@BotFather" in done.stderr
    assert "Traceback" not in done.stderr


def test_parse_date_prints_the_reading(cli):
    out = cli("parse-date", "6月30日前", "--now", "2022-01-10T09:00").stdout
    assert out.startswith("2022-06-30  2022年6月30日（星期四）")
    bad = cli("parse-date", "2月30日", "--now", "2022-01-10", ok=False)
    assert bad.returncode == 1 and "2月没有30日" in bad.stderr


def test_export_ledger_and_bulletin_and_score(cli, tmp_path):
    import io

    import openpyxl
    from docx import Document

    cli("seed")
    cli("members", "add", "1001", "教育局", "--name", "李联络")
    unit = cli("report", "T06", "-", "--value", "23", "--unit", "晋江市", "--as", "1001")
    assert "晋江市 23所（全市合计 23所）" in unit.stdout
    refused = cli("report", "T06", "-", "--value", "5", "--unit", "北京", "--as", "1001", ok=False)
    assert refused.returncode == 1 and "找不到单位“北京”" in refused.stderr
    out = cli("export", "ledger", "--out", str(tmp_path / "l.xlsx")).stdout
    assert "wrote" in out
    book = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert book["任务台账"].max_row == 53  # title, document and date, header, 50 tasks
    cli.env["BULLETIN_MASTHEAD"] = "督查通报"
    cli("export", "bulletin", "--period", "month", "--so-far", "--out", str(tmp_path / "b.docx"))
    doc = Document(io.BytesIO((tmp_path / "b.docx").read_bytes()))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["督查通报", "第1期"]  # the setting reaches the document
    assert any("落实情况的通报" in x for x in texts)
    score = cli("score", "--year", "2023").stdout
    assert "2023年度结果考评（截至 2023-12-31）" in score
    assert "教育局" in score and "不合格" in score and "规则：按时销号每项+2分" in score
    future = cli("score", "--year", "2999", ok=False)
    assert future.returncode == 1
    english = cli("--lang", "en", "score", "--year", "2023").stdout
    assert "Scores for 2023" in english and "Education  " in english  # short_en in tables
    assert "、" not in english


def test_bulletin_pdf_says_clearly_when_libreoffice_is_missing(cli, tmp_path):
    cli("seed")
    cli.env["PATH"] = str(tmp_path / "empty-bin")  # no soffice anywhere on this PATH
    done = cli("export", "bulletin", "--so-far", "--pdf", "--out", str(tmp_path / "b.docx"),
               ok=False)
    assert done.returncode == 3
    assert "LibreOffice" in done.stderr and (tmp_path / "b.docx").is_file()


def test_refusals_are_said_in_chinese_then_english(cli, tmp_path):
    """Broken scoring rules, a year not begun, a bad --at: one line in each language, status 1."""
    cli("seed")
    rules = tmp_path / "rules.yaml"
    rules.write_text("bonus: 1\n", encoding="utf-8")
    broken = cli("score", "--rules", str(rules), ok=False)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    zh, en = broken.stderr.splitlines()
    assert zh.startswith("考评规则有误：") and "不认识的规则 bonus" in zh
    assert en.startswith("The scoring rules have errors: ") and "unknown rule(s) bonus" in en
    future = cli("score", "--year", "2999", ok=False)
    assert future.returncode == 1 and "2999年度尚未开始" in future.stderr
    assert "The year 2999 has not begun" in future.stderr
    bad_at = cli("status", "--at", "2022-13-01", ok=False)
    assert bad_at.returncode == 1 and bad_at.stderr.splitlines() == [
        "--at '2022-13-01'：日期请写成 YYYY-MM-DD。", "--at '2022-13-01': write a date as YYYY-MM-DD."]


def test_a_bulletin_issued_after_a_later_period_says_so(cli, tmp_path):
    """QA-3 #4: 期号 follow the order of issue; the command line says when they run against
    the dates (in Chinese, then in English, as its other lines)."""
    cli.env["TRACK_FROM"] = "2023-01-02"
    cli("seed")
    first = cli("export", "bulletin", "--so-far", "--at", "2023-05-17",
                "--out", str(tmp_path / "w20.docx")).stdout
    assert "注意" not in first and "Note:" not in first
    late = cli("export", "bulletin", "--at", "2023-05-17", "--out", str(tmp_path / "w19.docx"))
    assert late.stdout.splitlines()[-2:] == [
        "注意：本期（2023年第19周）晚于第1期（第20周）印发，期号按印发先后编排。",
        "Note: this issue (week 19 of 2023) is issued after No. 1 (week 20), a later period; "
        "issue numbers follow the order in which bulletins are issued."]

"""bench/run.py runs end to end at the smallest scale: a table on stdout, a JSON file on disk.

Numbers are not checked (no timing assertions): only that every measurement is there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BOT_OPERATIONS = {"startup", "report", "status", "status_cold", "status_dept", "tasks",
                  "evidence"}
BURST_OPERATIONS = {"burst_recorded", "burst_answered", "burst_status"}
CORE_OPERATIONS = {"scan", "plan_summary", "plan_summary_past", "plan_summary_past_cold",
                   "digest", "digest_cold", "digest_charts", "charts_first", "parse_deadline", "seed_fresh", "reseed",
                   "ledger", "bulletin", "score"}


def test_the_benchmark_runs_at_the_smallest_scale(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--scales", "1", "--updates", "5",
         "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    out = done.stdout
    assert "operation" in out and "1x median" in out
    for label in ("bot: /report Txx NN note", "bot: /status (coordinator)", "bot: /tasks",
                  "bot: 1 MB photo #Txx", "core: reminders.scan", "core: parse_deadline"):
        assert label in out
    assert "targets:" in out and "peak RSS" in out

    files = list(tmp_path.glob("bench-*.json"))
    assert len(files) == 1
    report = json.loads(files[0].read_text(encoding="utf-8"))
    assert {"timestamp", "machine", "args", "data", "results", "status_ratio", "targets",
            "peak_rss_kb", "peak_rss_kb_after"} <= report.keys()
    assert {"cpu_count", "platform", "python"} <= report["machine"].keys()
    assert report["args"]["scales"] == [1] and report["args"]["quick"] is True
    assert report["data"]["1"]["reports"] == 1000 and report["data"]["1"]["tasks"] == 50

    results = report["results"]
    # the PDFs are timed where LibreOffice is installed (CI installs it)
    pdf = {"bulletin_pdf", "ledger_pdf"} if shutil.which("soffice") else set()
    assert {r["operation"] for r in results} == (BOT_OPERATIONS | CORE_OPERATIONS
                                                 | BURST_OPERATIONS | pdf)
    for r in results:
        assert r["scale"] == 1
        assert {"median_ms", "p95_ms", "n", "label"} <= r.keys()
    counted = {r["operation"]: r["n"] for r in results}
    assert all(counted[op] == 5 for op in BOT_OPERATIONS - {"startup"})
    assert any(t["name"].startswith("peak RSS") for t in report["targets"])
    assert all({"name", "value", "limit", "unit", "met"} <= t.keys() for t in report["targets"])
    assert report["peak_rss_kb"] > 0

"""import-plan on documents too large to be plans (issue 22, item 9): seconds and peak memory of the
whole command, each in a fresh process, for

  text-10MB     10 MB of plan text (refused: over the size limit)
  docx-bomb     a .docx of about 1 MB whose document.xml unpacks to 400 MB (refused from its
                declared sizes, before anything is unpacked)
  text-limit    a plan of just under the character limit, every sentence different (drafted)
  docx-limit    the same text as a .docx (drafted)

Run from the repo root:

    python bench/importer_limits.py                        # this checkout
    python bench/importer_limits.py --before /path/to/old  # also an older checkout, for comparison
    python bench/importer_limits.py --only text-10MB,docx-bomb

Peak memory is the child's maximum resident set size (os.wait4), so it includes the Python
interpreter and the bot's imports (about 45 MB).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "tests" / "data" / "plans"
SOURCES = ["02-state-council-employment-measures-2018.txt",
           "03-state-council-zero-waste-city-pilot-2018.txt",
           "04-state-council-farm-mechanization-2018.txt"]


def _body() -> str:
    return "\n".join(
        (PLANS / name).read_text(encoding="utf-8").split("\n", 1)[1] for name in SOURCES)


def plan_text(chars: int) -> str:
    """Real plan text repeated, each copy's sentences marked so no two are the same."""
    body = _body()
    parts: list[str] = []
    size = 0
    n = 0
    while size < chars:
        n += 1
        part = re.sub("。", f"（第{n}批）。", body)
        parts.append(part)
        size += len(part) + 1
    return "\n".join(parts)[:chars]


def write_docx(path: Path, text: str) -> Path:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(path)
    return path


def write_bomb(path: Path, unpacked: int) -> Path:
    """A real .docx whose word/document.xml is `unpacked` bytes of paragraphs (deflated)."""
    base = path.with_suffix(".base.docx")
    write_docx(base, "某市工作方案\n一、任务\n各地要建立台账。")
    paragraph = "<w:p><w:r><w:t>各地要建立工作台账，逐项明确责任人。</w:t></w:r></w:p>".encode()
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body>")
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(head)
            block = paragraph * 4096
            written = len(head)
            while written < unpacked:
                handle.write(block)
                written += len(block)
            handle.write(tail)
    base.unlink()
    return path


def run_measured(code: Path, document: Path, out: Path, timeout: int) -> tuple[float, float, int, str]:
    """The command in a child whose own resource usage we read (os.wait4)."""
    env = {**os.environ, "PYTHONPATH": str(code), "TZ": "Asia/Shanghai"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    log = out.with_suffix(".log")
    started = time.perf_counter()
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "import-plan", str(document), "--out",
                                 str(out), "--issued", "2019-01-01"], cwd=code, env=env,
                                stdout=sink, stderr=subprocess.STDOUT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                break
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    code_ = os.waitstatus_to_exitcode(status) if proc.returncode != -9 else -9
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, code_, (lines[-1] if lines else "")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="an older checkout to measure the same way")
    parser.add_argument("--only", help="comma-separated cases")
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bot.importer.reading import MAX_CHARS

    with tempfile.TemporaryDirectory(prefix="duban-limits-") as tmp:
        folder = Path(tmp)
        cases: dict[str, Path] = {}
        wanted = set(args.only.split(",")) if args.only else None

        def want(name: str) -> bool:
            return wanted is None or name in wanted

        if want("text-10MB"):
            path = folder / "text-10MB.txt"
            text = plan_text(3_400_000)
            path.write_text(text, encoding="utf-8")
            cases["text-10MB"] = path
        if want("docx-bomb"):
            cases["docx-bomb"] = write_bomb(folder / "docx-bomb.docx", 400 * 1024 * 1024)
        if want("text-limit") or want("docx-limit"):
            text = plan_text(MAX_CHARS - 1000)
            path = folder / "text-limit.txt"
            path.write_text(text, encoding="utf-8")
            if want("text-limit"):
                cases["text-limit"] = path
            if want("docx-limit"):
                cases["docx-limit"] = write_docx(folder / "docx-limit.docx", text)
        codes = [("after", ROOT)] + ([("before", args.before)] if args.before else [])
        print(f"{'case':12} {'size':>9} {'code':7} {'seconds':>8} {'peak MB':>8} {'exit':>4}  last line")
        for name, path in cases.items():
            size = path.stat().st_size
            shown = f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
            for label, code in codes:
                seconds, peak, status, last = run_measured(code, path, folder / f"{name}-{label}.yaml",
                                                           args.timeout)
                print(f"{name:12} {shown:>9} {label:7} {seconds:8.2f} {peak:8.0f} {status:4}  {last[:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Regenerate the page previews of the paperwork (docs/preview-*.png) from real PDFs.

    python docs/make_previews.py            # needs LibreOffice (soffice) and pdftoppm

The scripted half-year of docs/make_screenshots.py (the real plan, fixed reports, no wall clock)
plus a few lifecycle records (an approved and a refused extension, a suspension, a blocked
report, a chase nobody signed for), exported as of 2023-06-30: the bulletin (weekly, first
issue) and the ledger, converted to PDF by LibreOffice as `python -m bot export --pdf` does,
and the bulletin's first two pages and the ledger's first page drawn by pdftoppm.
tests/test_exports_pdf.py renders them again and compares, so the previews stay in step.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "docs"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import make_screenshots as script  # noqa: E402

from bot.domain.lifecycle import Event  # noqa: E402
from bot.outputs.exports.bulletin import build_bulletin  # noqa: E402
from bot.outputs.exports.ledger import build_ledger  # noqa: E402
from bot.outputs.exports.pdf import bulletin_pdf, ledger_pdf  # noqa: E402
from bot.services import notices  # noqa: E402
from bot.services.commands import (  # noqa: E402
    act,
    decide_extension,
    record_report,
    request_extension,
    task_version,
)
from bot.services.directory import find_task  # noqa: E402

TODAY = date(2023, 7, 1)
# (name, PDF, first page, last page, dots per inch: the landscape ledger is denser)
PREVIEWS = (("preview-bulletin", "bulletin", 1, 2, 60), ("preview-ledger", "ledger", 1, 1, 110))


def build(path: Path):
    """The docs' scripted record plus the lifecycle records the paperwork reports on."""
    db = script.build(path)
    start, edu, health = script.START, script.LIAISONS["EDU"], script.LIAISONS["HEALTH"]
    coordinator = script.COORDINATOR

    def day(weeks: int, hours: int = 0):
        return start + timedelta(weeks=weeks, days=2, hours=hours)

    request_extension(db, user_id=edu, task_ref="T09", due=date(2026, 6, 30),
                      reason="经费未到位", now=day(15))
    decide_extension(db, user_id=coordinator, task_ref="T09", approve=True, now=day(15, 4),
                     version=task_version(db, "T09"))
    request_extension(db, user_id=edu, task_ref="T08", due=date(2026, 12, 31),
                      reason="学校评估推迟", now=day(16))
    decide_extension(db, user_id=coordinator, task_ref="T08", approve=False,
                     reason="理由不充分,请按原时限推进", now=day(16, 4),
                     version=task_version(db, "T08"))
    act(db, event=Event.SUSPEND, user_id=coordinator, task_ref="T45",
        reason="待省级文件出台后再行部署", now=day(14))
    record_report(db, user_id=health, task_ref="T44", state="blocked",
                  note="专家库人选尚未确定", now=day(17))
    notices.chase(db, user_id=coordinator, tasks=[find_task(db, "T02")], now=day(17),
                  colours=("blue", "yellow", "red"))
    return db


def export(folder: Path, lang: str = "zh") -> dict[str, Path]:
    """The bulletin and the ledger (Office files and PDFs) written into `folder`."""
    db = build(folder / "previews.db")
    bulletin = build_bulletin(db, script.AT, "week", lang, today=TODAY)
    ledger = build_ledger(db, script.AT, lang)
    printed = build_ledger(db, script.AT, lang, records=False)  # as `export --pdf` prints it
    db.close()
    out = {}
    for name, data, source, convert, suffix in (
            ("bulletin", bulletin, bulletin, bulletin_pdf, "docx"),
            ("ledger", ledger, printed, ledger_pdf, "xlsx")):
        office = folder / f"{name}.{suffix}"
        office.write_bytes(data)
        pdf = convert(source)
        if pdf is None:
            raise SystemExit("LibreOffice (soffice) is needed: apt-get install "
                             "libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk")
        (folder / f"{name}.pdf").write_bytes(pdf)
        out[name], out[f"{name}-{suffix}"] = folder / f"{name}.pdf", office
    return out


def render(pdfs: dict[str, Path], out: Path) -> list[Path]:
    """The preview PNGs (pdftoppm) of the exported PDFs, into `out`."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is needed: apt-get install poppler-utils")
    written = []
    for name, source, first, last, dpi in PREVIEWS:
        for page in range(first, last + 1):
            target = out / f"{name}-{page}"
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page),
                            "-l", str(page), "-singlefile", str(pdfs[source]), str(target)],
                           check=True)
            written.append(target.with_suffix(".png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for path in render(export(Path(tmp)), args.out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

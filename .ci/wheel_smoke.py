"""The package as a deployer installs it: build the wheel, install it into a fresh virtual
environment, and use the `duban` command from a folder that is not the checkout.

Run by .ci/run after the tests; exits non-zero (with what failed) when any step does. It checks
what a normal install needs and a development checkout hides: every subpackage and every data
file (catalogues, scoring rules, the importer's department directory) inside the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != expect:
        sys.exit(f"FAILED ({done.returncode}, expected {expect}): {' '.join(cmd)}\n"
                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="duban-wheel-") as tmp:
        tmp_path = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TELEGRAM_BOT_TOKEN")}
        # a copy of the sources, so the build leaves nothing behind in the checkout
        src = tmp_path / "src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "build", "__pycache__", ".hypothesis", "data", ".venv*"))
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
             str(tmp_path / "dist"), str(src)], tmp_path, env)
        wheel = next((tmp_path / "dist").glob("duban-*.whl"))
        names = set(zipfile.ZipFile(wheel).namelist())
        wanted = ["bot/language/i18n/zh.yaml", "bot/language/i18n/en.yaml",
                  "bot/outputs/scoring.yaml", "bot/importer/departments.yaml",
                  "bot/importer/labels.yaml",
                  "handlers/__init__.py"]
        missing = [name for name in wanted if name not in names]
        packages = {str(p.parent.relative_to(ROOT)) for top in ("bot", "handlers")
                    for p in (ROOT / top).rglob("__init__.py")}
        missing += [f"{p}/__init__.py" for p in sorted(packages)
                    if f"{p}/__init__.py" not in names]
        if missing:
            sys.exit(f"FAILED: the wheel lacks {missing}")
        print(f"wheel: {wheel.name}, {len(names)} files, every package and data file present")

        env_dir = tmp_path / "venv"
        venv.create(env_dir, with_pip=True)
        bindir = env_dir / "bin"
        run([str(bindir / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", str(wheel)], tmp_path, env)

        work = tmp_path / "elsewhere"
        work.mkdir()
        shutil.copy(ROOT / "tasks_seed.yaml", work / "plan.yaml")
        env = {**env, "DATABASE_PATH": str(work / "data" / "duban.db"), "TZ": "Asia/Shanghai",
               "EVIDENCE_DIR": str(work / "data" / "evidence")}
        duban = str(bindir / "duban")

        out = run([duban, "seed"], work, env, expect=1)  # no tasks_seed.yaml here
        assert "PLAN_FILE" in out, out
        out = run([duban, "seed", "plan.yaml"], work, env)
        assert "added" in out, out
        out = run([duban, "status"], work, env)
        assert "教育局" in out, out
        out = run([str(bindir / "python"), "-m", "bot", "--lang", "en", "status"], work, env)
        assert "Education" in out, out
        run([duban, "export", "ledger", "--out", "ledger.xlsx"], work, env)
        # tracking began today: no whole week has ended, so the week so far (a whole week's
        # bulletin is refused with the day it can be made)
        run([duban, "export", "bulletin", "--so-far", "--out", "bulletin.docx"], work, env)
        assert (work / "ledger.xlsx").stat().st_size > 0 and (work / "bulletin.docx").stat().st_size > 0
        out = run([duban, "score"], work, env)
        assert "优秀" in out or "良好" in out or "合格" in out, out
        rules = work / "rules.yaml"
        rules.write_text("base: 70\n", encoding="utf-8")
        run([duban, "score", "--rules", str(rules)], work, env)
        out = run([duban, "score", "--rules", "missing.yaml"], work, env, expect=1)
        assert "missing.yaml" in out, out
        shutil.copy(ROOT / "docs" / "quanzhou-school-mental-health-plan-2022.txt", work / "plan.txt")
        run([duban, "import-plan", "plan.txt", "--out", "draft.yaml"], work, env)
        assert (work / "draft.yaml").stat().st_size > 0
        out = run([duban, "run"], work, env, expect=2)
        assert "TELEGRAM_BOT_TOKEN" in out and "Traceback" not in out, out
        print("wheel smoke test: seed, status (zh, en), export ledger and bulletin, score, "
              "import-plan, run without a token: all as expected")


if __name__ == "__main__":
    main()

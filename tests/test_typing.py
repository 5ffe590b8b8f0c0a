"""mypy over the package, as pyproject.toml configures it: strict on the core (domain, store, the
kept facts), no errors anywhere else. Run by the test command so CI cannot skip it."""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors(monkeypatch):
    monkeypatch.chdir(ROOT)  # the [tool.mypy] section of this checkout's pyproject.toml
    out, err, status = api.run(["--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 0 and not errors, "\n".join(errors[:40] or [out, err])

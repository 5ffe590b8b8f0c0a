"""Rules of the layout that keep the core independent of Telegram."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_core_modules_do_not_import_telegram():
    offenders = []
    for path in sorted((ROOT / "bot").glob("*.py")):
        if path.name == "app.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in ("telegram", "handlers")]
    assert offenders == []


def test_procfile_runs_the_worker():
    assert (ROOT / "Procfile").read_text().strip() == "worker: python -m bot run"

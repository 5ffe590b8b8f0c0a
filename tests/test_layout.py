"""Rules of the layout that keep the core independent of Telegram."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT


def test_core_modules_do_not_import_telegram():
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
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


def _source_of(folder: str) -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for p in sorted((ROOT / folder).rglob("*.py"))}


def test_handlers_run_no_sql():
    """Handlers call the core; the core (bot/) is where SQL lives."""
    for name, text in _source_of("handlers").items():
        assert "sqlite_utils" not in text, name
        assert ".execute(" not in text and ".query(" not in text, name
        assert not re.search(r"[\"'](SELECT|INSERT|UPDATE|DELETE) ", text), name
        assert not re.search(r"db\[[\"']", text), name


def test_language_is_chosen_only_by_the_catalogue():
    """No `lang == "zh"` anywhere but the catalogue loader: words live in bot/language/i18n/*.yaml."""
    offenders = [name for folder in ("bot", "handlers") for name, text in _source_of(folder).items()
                 if not name.startswith("bot/language/i18n/")
                 and re.search(r"(?<![.\w])lang\s*[!=]=|==\s*[\"'](zh|en)[\"']", text)]
    assert offenders == []


def test_only_the_command_table_decides_who_may_run_a_command():
    """Handlers never check a role themselves: the command table's audience and bot.domain.access do."""
    for name, text in _source_of("handlers").items():
        if name in ("handlers/dispatch.py", "handlers/gate.py", "handlers/commands.py",
                    "handlers/context.py"):
            continue
        assert "coordinator_only" not in text, name
        assert "not_member" not in text, name

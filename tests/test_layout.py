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


# ---------------------------------------------------------------- the layers, as an import graph

LAYERS = ("store", "domain", "language", "services", "outputs", "importer")
# What each part of bot/ may import from the others (besides itself and bot.errors). The wiring
# (bot.app, bot.cli, bot.config, bot.__main__) and handlers/ may use any part, except as below.
ALLOWED = {
    "domain": set(),  # the rules: pure, over plain values
    "language": {"domain"},  # reading what people type, writing what they read
    "store": {"domain"},  # SQL only: it builds the domain's values (Task), decides nothing
    "services": {"store", "domain", "language"},
    "outputs": {"services", "store", "domain", "language", "config"},
    "importer": {"services", "language", "domain"},
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "handlers":
        return "handlers"
    if parts[0] != "bot":
        return None
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return parts[1] if len(parts) > 1 else "bot"


def _imports(path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module in ("bot", *(f"bot.{layer}" for layer in LAYERS)):
                names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _graph() -> dict[str, set[tuple[str, str]]]:
    """part -> {(imported part, file)} for every import from one part of the code to another."""
    edges: dict[str, set[tuple[str, str]]] = {}
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(
                ".__init__")
            src = _part(module)
            for name in _imports(path):
                dst = _part(name)
                if dst and src and dst != src and dst != "errors":
                    edges.setdefault(src, set()).add((dst, str(path.relative_to(ROOT))))
    return edges


def test_each_layer_imports_only_the_layers_below_it():
    wrong = sorted((src, dst, where) for src, pairs in _graph().items() if src in ALLOWED
                   for dst, where in pairs if dst not in ALLOWED[src])
    assert wrong == []


def test_no_import_loops_between_the_parts():
    graph = {src: {dst for dst, _ in pairs} for src, pairs in _graph().items()}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in seen and (loop := visit(nxt, [*path, node])):
                return loop
        seen[node] = 2
        return None

    loops = [loop for node in sorted(graph) if node not in seen and (loop := visit(node, []))]
    assert loops == []


def test_sql_lives_in_the_store_only():
    """Every SQL statement and table handle is in bot/store (the schema's migrations too)."""
    sql = re.compile(r"\.execute\(|\.executemany\(|\.query\(|db\[[\"']|[\"'](SELECT|INSERT|"
                     r"UPDATE|DELETE) |rows_where\(")
    offenders = [name for folder in ("bot", "handlers") for name, text in _source_of(folder).items()
                 if not name.startswith("bot/store/") and sql.search(text)]
    assert offenders == []


def test_no_import_loops_between_the_modules_and_packages_of_each_part():
    """bot.outputs.digest, bot.outputs.render (a package), bot.services.facts …: no two of them
    import each other, directly or round about (imports inside functions count too)."""

    def node(module: str) -> str | None:
        parts = module.split(".")
        if parts[0] == "handlers":
            return "handlers"
        if parts[0] != "bot" or len(parts) < 2:
            return None
        return ".".join(parts[:3]) if parts[1] in LAYERS else ".".join(parts[:2])

    graph: dict[str, set[str]] = {}
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(
                ".__init__")
            src = node(module)
            for name in _imports(path):
                dst = node(name)
                if src and dst and dst != src:
                    graph.setdefault(src, set()).add(dst)
    seen: dict[str, int] = {}

    def visit(at: str, path: list[str]) -> list[str] | None:
        seen[at] = 1
        for nxt in sorted(graph.get(at, ())):
            if seen.get(nxt) == 1:
                return [*path, at, nxt]
            if nxt not in seen and (loop := visit(nxt, [*path, at])):
                return loop
        seen[at] = 2
        return None

    assert [loop for start in sorted(graph) if start not in seen
            and (loop := visit(start, []))] == []

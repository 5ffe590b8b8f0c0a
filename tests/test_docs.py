"""README and docs/ say what the code does: the set-up commands are the ones CI runs, every link
leads somewhere, every command is explained in the user guide, every command line shown is one the
parser accepts. (The command table, the settings table and the chart screenshots are checked in
test_commands.py, test_config.py and test_charts.py.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from handlers.commands import COMMANDS
from tests.conftest import ROOT

DOCS = ROOT / "docs"
GUIDE = DOCS / "使用指南.md"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
# Options that change only what pip prints, not what it installs.
QUIET = {"--quiet", "-q", "--disable-pip-version-check"}


def _fenced(text: str) -> list[tuple[str | None, str]]:
    """Each line with the language of the fenced code block it is in ("" for a bare fence), or
    None for prose; the fences themselves are left out."""
    lines: list[tuple[str | None, str]] = []
    block: str | None = None
    for line in text.splitlines():
        if line.startswith("```"):
            block = line[3:].strip() if block is None else None
        else:
            lines.append((block, line))
    return lines


def _code_lines(text: str, lang: str | None = None) -> list[str]:
    """The lines inside fenced code blocks (only ```lang blocks when `lang` is given)."""
    return [line for block, line in _fenced(text)
            if block is not None and lang in (None, block)]


def _outside_code(text: str) -> str:
    return "\n".join(line for block, line in _fenced(text) if block is None)


def test_readme_gives_the_commands_ci_runs():
    """The install and test commands of .ci/run (less pip's quiet flags) are README's."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ran = [" ".join(w for w in line.split() if w not in QUIET) for line in ci
           if line.startswith(("python -m pip install", "python -m pytest"))]
    assert ran == ["python -m pip install -e '.[dev]'", "python -m pytest"]
    shown = _code_lines((ROOT / "README.md").read_text(encoding="utf-8"), "bash")
    for command in ran:
        assert command in shown, f"README does not show `{command}`, which .ci/run runs"


def test_readme_fits_one_screen_and_leads_to_every_doc():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 50
    assert "python -m bot run" in text and "TELEGRAM_BOT_TOKEN" in text
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", text))
    assert linked == {f"docs/{p.name}" for p in DOCS.glob("*.md")}


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (CJK kept), spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _outside_code(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            slug = _slug(match[1])
            anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links(path: Path) -> list[str]:
    text = _outside_code(path.read_text(encoding="utf-8"))
    return (re.findall(r"\]\(([^)\s]+)\)", text)
            + re.findall(r"<img\s[^>]*src=\"([^\"]+)\"", text))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_points_at_a_file(page: Path):
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists() or (anchor and path.suffix == ".md"
                                 and anchor not in _anchors(path)):
            broken.append(link)
    assert broken == [], f"{page.name}: links to nothing: {broken}"


def test_every_file_in_docs_is_linked():
    """The plan text, the previews, the charts and the scripts that make them are each linked
    from README or a page of docs/."""
    linked = {(page.parent / link.partition("#")[0]).resolve()
              for page in PAGES for link in _links(page) if not re.match(r"[a-z]+:", link)}
    unlinked = [p.name for p in sorted(DOCS.iterdir())
                if p.is_file() and p.suffix != ".md" and p.resolve() not in linked]
    assert unlinked == []


def test_every_command_is_explained_in_the_guide():
    """Beyond its row in the command table, each command is shown in the guide's text or
    examples, with the words officials type."""
    text = GUIDE.read_text(encoding="utf-8")
    table = {line for line in text.splitlines() if line.startswith("| `/")}
    body = "\n".join(line for line in text.splitlines() if line not in table)
    missing = [c.name for c in COMMANDS if not re.search(rf"/{c.name}(?![a-z])", body)]
    assert missing == []


def test_the_guides_chat_examples_are_real_commands():
    names = {c.name for c in COMMANDS}
    used = {m[1] for line in _code_lines(GUIDE.read_text(encoding="utf-8"))
            if (m := re.match(r"/([a-z]+)", line))}
    assert used and used <= names, used - names


def _command_lines() -> list[tuple[str, str]]:
    """(page, command line) for every `python -m bot …` or `duban …` line in a bash block."""
    found = []
    for page in PAGES:
        for line in _code_lines(page.read_text(encoding="utf-8"), "bash"):
            line = re.split(r"\s{2,}#|\s#\s", line)[0].strip()
            if re.match(r"(python -m bot|duban) ", line):
                found.append((page.name, line))
    return found


def test_every_command_line_in_the_docs_is_accepted():
    """Each command line the docs show parses with the real parser; a line written with
    [optional] parts or alternatives a|b names a real subcommand at least."""
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 (argparse has no API)
    checked = 0
    for page, line in _command_lines():
        words = shlex.split(line)
        words = words[3:] if words[0] == "python" else words[1:]
        if any(mark in line for mark in ("[", "|", "…", "<")):
            assert any(w in commands for w in words), f"{page}: {line}"
            continue
        try:
            parser.parse_args(words)
        except SystemExit:
            pytest.fail(f"{page}: `{line}` is not a valid command line")
        checked += 1
    assert checked >= 20


def test_operations_shows_every_subcommand():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    missing = [name for name in commands if f"python -m bot {name}" not in text]
    assert missing == []


def test_the_architecture_states_the_layer_rules_the_layout_test_enforces():
    """docs/architecture.md's table of what each part of bot/ may import is test_layout's ALLOWED."""
    from tests.test_layout import ALLOWED

    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    stated = {}
    for row in text.splitlines():
        match = re.match(r"\| `bot/([a-z]+)/` \|.*\| ([^|]*) \|$", row)
        if match:
            names = re.findall(r"`([a-z.]+)`", match[2])
            stated[match[1]] = {n.removeprefix("bot.") for n in names} - {"errors"}
    assert stated == ALLOWED

"""Every word a user reads from the command line, the settings, the backups and the importer
comes from the catalogue: no Chinese string literal is left in that code, except what people
type (input vocabularies), configuration values and argparse help examples."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
SCANNED = ("bot/cli.py", "bot/config.py", "bot/store/backup.py", "bot/importer/cli.py",
           "bot/importer/messages.py", "bot/importer/report.py")
# Names whose values are words people type or configuration values, not messages.
VOCABULARY = {
    "bot/config.py": {"_WEEKDAY_NAMES", "COLOURS", "MASTHEAD", "ADDRESSEES", "COPIED",
                      "SIGNATURE"},
}
# Single literals that are input words (a colour's 色, "无" for no 抄送 line) or internal tokens.
WORDS = {
    "bot/config.py": {"色", "无", r"[,;、\s]+"},  # the last: how people separate user ids
    "bot/importer/report.py": {"文号 year"},  # where the issue date came from: a token, not text
}
HELP_KEYWORDS = {"help", "description"}  # argparse: English, with Chinese input examples


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _allowed_subtrees(tree: ast.AST, names: set[str]) -> set[int]:
    """Ids of every node under an assignment to one of `names`, or under an argparse help=."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in names for t in targets) and node.value:
                roots.append(node.value)
        elif isinstance(node, ast.keyword) and node.arg in HELP_KEYWORDS:
            roots.append(node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("add_parser", "ArgumentParser")):
            roots += [k.value for k in node.keywords if k.arg in HELP_KEYWORDS]
    return {id(sub) for root in roots for sub in ast.walk(root)}


def chinese_literals(source: str, name: str) -> list[int]:
    """Lines of string literals holding Chinese (or full-width punctuation) that are not a
    docstring, an input vocabulary, a configuration value or argparse help."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _allowed_subtrees(tree, VOCABULARY.get(name, set()))
    words = WORDS.get(name, set())
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and CJK.search(node.value) and id(node) not in skip
                and node.value not in words):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_no_chinese_message_is_written_in_code():
    found = [f"{name}:{line}" for name in SCANNED
             for line in chinese_literals((ROOT / name).read_text(encoding="utf-8"), name)]
    assert found == [], "messages belong in bot/language/i18n/*.yaml: " + ", ".join(found)


def test_the_check_finds_a_bilingual_literal():
    """The scan sees through f-strings and calls: the kind of line this issue removed."""
    source = ('"""模块说明"""\n'
              'def f(exc):\n'
              '    """说明"""\n'
              '    # 注释\n'
              '    print(f"配置错误 / Configuration error: {exc}")\n'
              '    p.add_argument("text", help="e.g. 6月底前")\n'
              '    raise Error("找不到数据库 / No database")\n')
    assert chinese_literals(source, "bot/cli.py") == [5, 7]

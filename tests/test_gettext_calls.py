"""Babel can extract every message: no gettext call is given a string built at run time."""

from __future__ import annotations

import ast
from pathlib import Path

from app.config import ROOT_DIR

GETTEXT = {"_", "gettext", "ngettext", "lazy", "N_"}
# A message is a literal, or a name for one marked with lazy() where it was written.
LITERAL_OR_MARKED = ast.Constant | ast.Name | ast.Attribute | ast.Subscript


def built_strings(path: Path) -> list[str]:
    """Calls of gettext whose message is built at run time, or that are given an f-string."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in GETTEXT:
            continue
        messages = node.args[:2] if node.func.id == "ngettext" else node.args[:1]
        values = [*node.args[len(messages) :], *(keyword.value for keyword in node.keywords)]
        # A value may be anything but an f-string: Babel refuses to read one, and it usually
        # hides words that belong in the message.
        built = [m for m in messages if not isinstance(m, LITERAL_OR_MARKED)]
        built += [v for v in values if isinstance(v, ast.JoinedStr) and _substitutes(v)]
        found += [f"{path.relative_to(ROOT_DIR)}:{node.lineno}" for _node in built]
    return found


def _substitutes(string: ast.JoinedStr) -> bool:
    return any(isinstance(part, ast.FormattedValue) for part in string.values)


def test_no_message_is_an_f_string() -> None:
    offenders = [
        where for path in sorted((ROOT_DIR / "app").rglob("*.py")) for where in built_strings(path)
    ]
    assert offenders == [], "pass values as %(name)s variables, not in an f-string"

"""Every message the console shows is marked for translation in a way Babel can extract.

`_(refusal)` once wrapped a literal that was never marked, so it was never translated; a
refusal that reached the page as `str(ValueError)` was not marked either. This reads the
console's code and refuses both shapes: gettext of anything but literal text, and a domain
error built from unmarked text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.config import ROOT_DIR

CONSOLE = sorted((ROOT_DIR / "app" / "instructor").glob("*.py"))
GETTEXT = {"_", "gettext", "ngettext"}
DOMAIN_ERRORS = {"DomainError", "Invalid", "NotAllowed", "NotFound", "Conflict"}
# Tables of N_-marked words, translated where they are used: extracted where they are written.
MARKED_TABLES = {"COLUMN_LABELS"}


def calls(path: Path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)]


def name_of(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else ""


def is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_marked_table(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and getattr(node.value, "id", "") in MARKED_TABLES


@pytest.mark.parametrize("path", CONSOLE, ids=lambda p: p.name)
def test_gettext_is_only_given_literal_text(path: Path) -> None:
    bad = [
        f"{path.name}:{call.lineno}"
        for call in calls(path)
        if name_of(call) in GETTEXT
        and not (call.args and (is_literal(call.args[0]) or is_marked_table(call.args[0])))
    ]
    assert bad == [], "Babel cannot extract these; pass a literal to _()"


@pytest.mark.parametrize("path", CONSOLE, ids=lambda p: p.name)
def test_domain_errors_are_never_built_from_unmarked_text(path: Path) -> None:
    bad = [
        f"{path.name}:{call.lineno}"
        for call in calls(path)
        if name_of(call) in DOMAIN_ERRORS
        and call.args
        and isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))
    ]
    assert bad == [], "wrap the message in _()"


@pytest.mark.parametrize("path", CONSOLE, ids=lambda p: p.name)
def test_no_exception_text_is_shown_as_it_is(path: Path) -> None:
    bad = [
        f"{path.name}:{call.lineno}"
        for call in calls(path)
        if name_of(call) == "str"
        and call.args
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id in ("error", "exc", "exception")
    ]
    assert bad == [], "show a translated message, not str(error)"


def test_the_console_refusals_are_in_the_catalog() -> None:
    with (ROOT_DIR / "translations" / "messages.pot").open("rb") as handle:
        catalog = {message.id for message in read_po(handle)}
    assert {
        "A vote is open in this working group. Close it before changing the rules.",
        "This commission has concluded: its roster, seats, rules and delegations are final.",
        "No delegation is a member, so auto-assign has nowhere to seat new students. Make a "
        "delegation a member under Delegations and partners, then try again.",
    } <= catalog

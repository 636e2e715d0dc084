"""No template shows a word that did not go through gettext.

Each template is read with Jinja's own lexer (the app's environment, so its settings apply):
what lies between the tags is the template's data, HTML, and what lies inside `{{ }}` and
`{% %}` is code. In the data, the visible text (not inside <script> or <style>) and the
attributes a reader sees or hears (title, alt, placeholder, aria-label, …, a submit button's
value) must hold no run of Latin letters: a word there is English that no catalog can
translate. In the code, a string literal that reads as prose (two words, or a capitalised
word) must stand inside `_()` / `ngettext()`; a code such as "draft" or "input--short" is left
alone. What `{% trans %}` encloses is marked by definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.config import ROOT_DIR
from app.web import templates

TEMPLATES = ROOT_DIR / "templates"
# Stands where a `{{ … }}` was: a value the template inserts, never a word of its own.
HOLE = "\ue000"
LATIN_WORD = re.compile(r"[A-Za-z]+")
VISIBLE_ATTRIBUTES = frozenset(
    {
        "title",
        "alt",
        "placeholder",
        "label",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-placeholder",
        "aria-valuetext",
    }
)
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
GETTEXT_CALLS = frozenset({"_", "gettext", "ngettext"})
NOT_SHOWN_STATEMENTS = frozenset({"include", "extends", "import", "from"})

# (template, the text flagged): why it may stay as it is. Keep this tiny.
ALLOWED = {
    ("accounts/account.html", "Authorization: Bearer <token>"): (
        "an HTTP header, to be typed exactly so in a script"
    ),
}


@dataclass(frozen=True)
class Unmarked:
    line: int
    where: str  # "text", an attribute's name, or "string"
    text: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.where}: {self.text!r}"


def template_data(source: str) -> tuple[str, list[Unmarked]]:
    """The template's data with a HOLE for every `{{ … }}` and its line breaks kept (so the
    HTML's lines are the template's), and the prose string literals outside gettext calls."""
    data: list[str] = []
    literals: list[Unmarked] = []
    in_trans = 0
    statement: str | None = None  # the first name of the `{% … %}` being read
    opened: list[bool] = []  # per open bracket of an expression: a gettext call's?
    previous: tuple[str, str] = ("", "")
    for line, kind, value in templates.env.lex(source):
        if kind == "data":
            # What {% trans %} encloses is a message: a HOLE, with its line breaks.
            shown = HOLE + "\n" * value.count("\n") if in_trans else value
            data.append(shown)
        else:
            data.append(HOLE if kind == "variable_begin" else "")
            data.append("\n" * value.count("\n"))
        if kind == "block_begin":
            statement = None
        elif kind == "name" and statement is None and previous[0] == "block_begin":
            statement = value
            in_trans += {"trans": 1, "endtrans": -1}.get(value, 0)
        elif kind == "operator" and value in "([{":
            call = previous[0] == "name" and previous[1] in GETTEXT_CALLS
            opened.append(value == "(" and call)
        elif kind == "operator" and value in ")]}" and opened:
            opened.pop()
        elif kind == "string" and _shown_unmarked(value[1:-1], statement, opened):
            literals.append(Unmarked(line, "string", value[1:-1]))  # the lexer keeps the quotes
        if kind != "whitespace":
            previous = (kind, value)
    return "".join(data), literals


def _shown_unmarked(text: str, statement: str | None, opened: list[bool]) -> bool:
    """A string literal that reads as prose, outside gettext, in a statement that shows it."""
    return not any(opened) and statement not in NOT_SHOWN_STATEMENTS and reads_as_prose(text)


def reads_as_prose(text: str) -> bool:
    """Words a reader would see: two words in a row, or one that starts with a capital."""
    return bool(re.search(r"[A-Za-z]{2,}", text)) and bool(
        re.search(r"[A-Za-z][.,:;!?]?\s+[A-Za-z<]", text) or re.match(r"[A-Z][a-z]", text)
    )


class VisibleText(HTMLParser):
    """Collects each run of Latin letters a reader would see or hear in a page's HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Unmarked] = []
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        named = dict(attrs)
        for name, value in attrs:
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and named.get("type") in BUTTON_INPUTS
            )
            if shown and value:
                self._collect(name, value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._collect("text", data)

    def _collect(self, where: str, text: str) -> None:
        line = self.getpos()[0]
        self.found += [Unmarked(line, where, word) for word in LATIN_WORD.findall(text)]


def unmarked_strings(source: str) -> list[Unmarked]:
    html, literals = template_data(source)
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return sorted(parser.found + literals, key=lambda u: u.line)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_show_no_unmarked_words(template: Path) -> None:
    name = str(template.relative_to(TEMPLATES))
    found = [u for u in unmarked_strings(template.read_text()) if (name, u.text) not in ALLOWED]
    assert found == [], "wrap these in _() or {% trans %}:\n" + "\n".join(map(str, found))


def test_every_allowed_string_is_still_there() -> None:
    """An exception outlives its reason unnoticed: each must still be found where it is."""
    for name, text in ALLOWED:
        assert text in [u.text for u in unmarked_strings((TEMPLATES / name).read_text())], name


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello {{ name }}</p>", [(1, "text", "Hello")]),
        (
            '<p>{{ _("Hello") }}</p>\n<img alt="A chart" src="x.png">',
            [(2, "alt", "A"), (2, "alt", "chart")],
        ),
        ('<input type="submit" value="Send">', [(1, "value", "Send")]),
        ('<button type="submit" name="answer" value="accept">{{ _("Yes") }}</button>', []),
        ('<a href="/x" class="link" title="{{ _(\'Go\') }}">{{ _("Go") }}</a>', []),
        ("<select>\n<option>Draft</option></select>", [(2, "text", "Draft")]),
        ('<span aria-label="Close">×</span>', [(1, "aria-label", "Close")]),
        ("{% trans %}Hello {{ name }}{% endtrans %}", []),
        ("{% trans n=3 %}One{% pluralize %}Many{% endtrans %}<b>Left</b>", [(1, "text", "Left")]),
        ('{{ field("title", "Your title") }}', [(1, "string", "Your title")]),
        ('{{ field("title", _("Your title"), class="input--short") }}', []),
        ('{% set label = "Save it" %}', [(1, "string", "Save it")]),
        ('{% include "proposals/_argument.html" %}', []),
        ('<style>p { color: red }</style><script src="/x.js"></script>', []),
        ("{# A comment is not shown #}<p>{{ n }} · {{ m }}</p>", []),
        ("<p>&nbsp;—&middot;</p>", []),
    ],
)
def test_the_scan_finds_what_a_reader_would_see(
    source: str, expected: list[tuple[int, str, str]]
) -> None:
    assert [(u.line, u.where, u.text) for u in unmarked_strings(source)] == expected

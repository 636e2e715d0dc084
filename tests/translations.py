"""A locale that shows what went through gettext: every translated message arrives in ⟦ ⟧.

With it, a refusal that reaches the reader without being marked and translated shows bare,
and assert_translated says so. Import the fixture into a test module to use it.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from app import i18n
from app.config import ROOT_DIR

# The one message that joins a field's path to a problem worded by another message.
FIELD_AND_PROBLEM = "%(field)s: %(problem)s"


class Wrapped(NullTranslations):
    def ugettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture
def wrapped_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "translations_for", lambda _locale: Wrapped())


@cache
def _catalog() -> dict[str, re.Pattern[str]]:
    """Each marked message of translations/messages.pot, as a pattern its uses match."""
    with (ROOT_DIR / "translations" / "messages.pot").open("rb") as handle:
        ids = [m.id for m in read_po(handle) if m.id]
    patterns = {}
    for message_id in ids:
        for form in message_id if isinstance(message_id, tuple | list) else (message_id,):
            parts = re.split(r"%\((\w+)\)[sd]", form)
            literal = [re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)]
            patterns[form] = re.compile("".join(literal), re.S)
    return patterns


def assert_translated(message: str) -> None:
    """The message is a marked message, translated, with what it says inside it translated too."""
    assert message.startswith("⟦") and message.endswith("⟧"), f"not translated: {message!r}"
    text = message[1:-1]
    catalog = _catalog()
    if any(p.fullmatch(text) for form, p in catalog.items() if form != FIELD_AND_PROBLEM):
        return
    joined = catalog[FIELD_AND_PROBLEM].fullmatch(text)
    assert joined, f"not a marked message (run scripts/i18n.sh?): {text!r}"
    assert_translated(joined["problem"])

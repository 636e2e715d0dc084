"""The Chinese catalog as tests read it: what a message should say in Chinese, from the catalog
itself, so that tests follow the translators' words instead of repeating them."""

from __future__ import annotations

from functools import cache

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app.i18n import TRANSLATIONS_DIR


@cache
def chinese_catalog() -> Catalog | None:
    path = TRANSLATIONS_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def chinese(message: str) -> str:
    """The catalog's Chinese for an English message; the test is skipped while there is no
    catalog, and fails when the catalog does not translate the message."""
    catalog = chinese_catalog()
    if catalog is None:
        pytest.skip("no zh_CN catalog (translations/zh_CN/LC_MESSAGES/messages.po) yet")
    entry = catalog.get(message)
    assert entry is not None and entry.string and not entry.fuzzy, f"untranslated: {message!r}"
    assert isinstance(entry.string, str)
    return entry.string

"""Translations: every user-facing string goes through gettext (catalogs under translations/)."""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from app.config import ROOT_DIR

TRANSLATIONS_DIR: Path = ROOT_DIR / "translations"
# English is the source language; Chinese arrives with its catalog.
SUPPORTED_LOCALES = ("en", "zh")
DEFAULT_LOCALE = "en"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache
def translations_for(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def gettext(message: str, **variables: object) -> str:
    text = translations_for(current_locale.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations_for(current_locale.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy(message: str) -> str:
    """Marks a module-level string for extraction; translate it with gettext() where it is shown."""
    return message


def negotiate_locale(accept_language: str | None) -> str:
    if not accept_language:
        return DEFAULT_LOCALE
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in SUPPORTED_LOCALES and (TRANSLATIONS_DIR / primary).exists():
            return primary
    return DEFAULT_LOCALE

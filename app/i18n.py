"""Translations and the reader's locale: every user-facing string goes through gettext.

English is the source language; each other locale has a catalog under
translations/<locale>/LC_MESSAGES/messages.po, compiled in memory the first time it is used
(so no .mo file is built, committed or shipped). A request's locale is chosen by
`choose_locale` from what the request knows (`LocaleChoice`): the reader's saved preference,
the language cookie, the commission's default language on its pages, Accept-Language.
Dates, times, numbers and the order of names follow the locale too.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent
from babel.support import NullTranslations, Translations

from app.config import ROOT_DIR

TRANSLATIONS_DIR: Path = ROOT_DIR / "translations"
DEFAULT_LOCALE = "en"
LocaleId = Literal["en", "zh_CN"]
LOCALES: tuple[str, ...] = get_args(LocaleId)
# Each language by its own name, in its own script: the switch shows them untranslated.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}
# What <html lang> and lang="…" say for each locale (BCP 47).
HTML_LANG = {"en": "en", "zh_CN": "zh-CN"}
# The cookie a visitor's (or an undecided user's) choice of language is kept in.
LOCALE_COOKIE = "commission_locale"

# Chinese tags that mean Simplified script. Traditional ones (zh-TW, zh-HK, zh-MO, zh-Hant…)
# are not taken as asking for Simplified Chinese: negotiation goes on down the reader's list,
# so "zh-TW, zh;q=0.9" gets Chinese through its plain "zh", and "zh-TW, en" gets English. The
# switch in the header offers 中文 to anyone.
_SIMPLIFIED_REGIONS = frozenset({"cn", "sg", "my"})
_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})


def known_locale(value: str | None) -> str | None:
    """The app's locale id when `value` is one of them (a cookie, a form, a column), else None."""
    return value if value in LOCALES else None


def locale_of_tag(tag: str) -> str | None:
    """The app's locale for one language tag of Accept-Language, or None when it has none."""
    subtags = tag.strip().replace("_", "-").lower().split("-")
    if subtags[0] == "en":
        return "en"
    if subtags[0] != "zh":
        return None
    rest = set(subtags[1:])
    if "hant" in rest or ("hans" not in rest and rest & _TRADITIONAL_REGIONS):
        return None
    if not rest or "hans" in rest or rest & _SIMPLIFIED_REGIONS:
        return "zh_CN"
    return None


def accepted_locale(accept_language: str | None) -> str | None:
    """The first locale of ours the Accept-Language header asks for, by its q values."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:32]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, index, tag))
    for _quality, _index, tag in sorted(wanted):
        locale = locale_of_tag(tag)
        if locale is not None:
            return locale
    return None


def negotiate_locale(accept_language: str | None) -> str:
    """Accept-Language alone: the locale it asks for, else English."""
    return accepted_locale(accept_language) or DEFAULT_LOCALE


def choose_locale(
    *,
    preference: str | None = None,
    cookie: str | None = None,
    commission_default: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The locale a page is drawn in, first of: the signed-in reader's saved preference, the
    language cookie (a visitor's choice, or a user's who saved none), the default language of
    the commission whose page it is, Accept-Language, English. Unknown values are skipped."""
    for choice in (preference, cookie, commission_default):
        if known_locale(choice):
            return choice  # type: ignore[return-value]
    return negotiate_locale(accept_language)


class LocaleChoice:
    """What one request's locale is chosen from, filled in as the request learns it.

    The middleware starts it with the cookie and Accept-Language; the session lookup adds the
    user's preference, a commission's page its default language. One object per request, kept
    in a context variable: the dependencies and the route run in worker threads with copies of
    the request's context, and all of them see (and add to) this same object.
    """

    __slots__ = ("_locale", "accept_language", "commission_default", "cookie", "preference")

    def __init__(
        self,
        *,
        cookie: str | None = None,
        accept_language: str | None = None,
        preference: str | None = None,
        commission_default: str | None = None,
    ) -> None:
        self.cookie = cookie
        self.accept_language = accept_language
        self.preference = preference
        self.commission_default = commission_default
        self._locale: str | None = None

    @property
    def locale(self) -> str:
        if self._locale is None:
            self._locale = choose_locale(
                preference=self.preference,
                cookie=self.cookie,
                commission_default=self.commission_default,
                accept_language=self.accept_language,
            )
        return self._locale

    @property
    def settled_before_commission(self) -> bool:
        """A preference or the cookie decides: a commission's default language cannot matter."""
        return bool(known_locale(self.preference) or known_locale(self.cookie))

    def learn_preference(self, preference: str | None) -> None:
        self.preference, self._locale = preference, None

    def learn_commission_default(self, default: str | None) -> None:
        self.commission_default, self._locale = default, None


_choice: ContextVar[LocaleChoice | None] = ContextVar("locale_choice", default=None)


def request_choice() -> LocaleChoice | None:
    """The current request's choice, for the dependencies that learn more of it."""
    return _choice.get()


def get_locale() -> str:
    choice = _choice.get()
    return choice.locale if choice is not None else DEFAULT_LOCALE


@contextmanager
def locale_scope(choice: LocaleChoice | str) -> Iterator[LocaleChoice]:
    """Draw or say everything inside in this locale (a request, a live push, the CLI, a test)."""
    if isinstance(choice, str):
        choice = LocaleChoice(preference=choice)
    token = _choice.set(choice)
    try:
        yield choice
    finally:
        _choice.reset(token)


@lru_cache
def translations_for(locale: str) -> NullTranslations:
    """The locale's catalog, compiled from its .po in memory, once per process."""
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain="messages")
    compiled = BytesIO()
    write_mo(compiled, catalog)  # leaves out fuzzy and untranslated messages: English shows
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def gettext(message: str, **variables: object) -> str:
    text = translations_for(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations_for(get_locale()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy(message: str) -> str:
    """Marks a module-level string for extraction; translate it with gettext() where it is shown."""
    return message


def environment_locale(environ: dict[str, str] | None = None) -> str:
    """The locale a terminal asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads
    them: "zh_CN.UTF-8" is Chinese), else English: what the command line speaks."""
    environ = dict(os.environ) if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for entry in environ.get(name, "").split(":"):
            tag = entry.split(".")[0].split("@")[0]
            if tag and tag not in ("C", "POSIX") and (locale := locale_of_tag(tag)):
                return locale
    return DEFAULT_LOCALE


def html_lang(locale: str | None = None) -> str:
    return HTML_LANG.get(locale or get_locale(), "en")


# Dates and times: the app keeps and shows UTC (a seminar sits in one room); the pattern is
# the locale's ("Mar 4, 2026, 14:05 UTC", "2026年3月4日 14:05 UTC"), the clock 24-hour in both.
# The parts a moment is shown in: a whole date, a day of the month (a chart's axis), the time.
DATE_SKELETONS = {"date": "yMMMd", "day": "Md"}
TIME_SKELETON = "Hm"
MOMENT_PARTS = ("datetime", "date", "time", "day_time")


def format_datetime(value: datetime | None, part: str = "datetime") -> str:
    """A moment as the reader's locale writes it, in one of MOMENT_PARTS: "datetime" (date,
    time and "UTC"), "date", "time", or "day_time" (day and month, time: a chart's axis)."""
    if part not in MOMENT_PARTS:
        raise ValueError(f"a moment is shown as one of {MOMENT_PARTS}, not {part!r}")
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    locale = get_locale()
    time = format_skeleton(TIME_SKELETON, value, tzinfo=UTC, locale=locale)
    if part == "time":
        return time
    skeleton = DATE_SKELETONS["day" if part == "day_time" else "date"]
    date = format_skeleton(skeleton, value, tzinfo=UTC, locale=locale)
    if part == "date":
        return date
    joined: str = Locale.parse(locale).datetime_formats["medium"]
    return joined.replace("{1}", date).replace("{0}", time + (" UTC" if part == "datetime" else ""))


def format_number(value: float) -> str:
    return str(format_decimal(value, locale=get_locale()))


def format_percent(share: float) -> str:
    """A share (0.5) as the locale writes a percentage ("50%")."""
    return str(babel_percent(share, locale=get_locale()))


# Names in the reader's order. English compares them letter by letter, ignoring case; Chinese
# (zh_CN) in pinyin order, as a Chinese class list is sorted: each Han character by its reading,
# tone number included (li3 before lin2), a word in Latin letters as a word among the syllables
# (Zoe after Zeng).
#
# Readings come from pypinyin's table of single characters. Its phrase dictionary (some 55 MB
# in every app process) is not loaded: names seldom need it. The surnames whose common reading
# differs from the character's own are listed here instead, and read so at a name's start.
_SURNAME_READINGS = {
    "曾": "zeng1",
    "单": "shan4",
    "解": "xie4",
    "仇": "qiu2",
    "查": "zha1",
    "区": "ou1",
    "朴": "piao2",
    "翟": "zhai2",
    "乐": "yue4",
    "缪": "miao4",
    "覃": "qin2",
    "重": "chong2",
    "盖": "ge3",
    "尉": "yu4",
}


@cache
def _pinyin_reader() -> Callable[[str], list[str]]:
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin

    def read(character: str) -> list[str]:
        readings: list[str] = lazy_pinyin(character, style=Style.TONE3, neutral_tone_with_five=True)
        return readings

    return read


def _is_han(character: str) -> bool:
    return unicodedata.name(character, "").startswith("CJK UNIFIED IDEOGRAPH")


def _pinyin_key(name: str) -> tuple[str, ...]:
    """Each Han character's syllable ("li3"), each other word as a word ("smith")."""
    read = _pinyin_reader()
    key: list[str] = []
    word = ""
    text = unicodedata.normalize("NFKC", name).strip()
    for position, character in enumerate(text):
        if _is_han(character) or character.isspace():
            key += [word] if word else []
            word = ""
        if _is_han(character):
            surname = _SURNAME_READINGS.get(character) if position == 0 else None
            key.append(surname or "".join(read(character)))
        elif not character.isspace():
            word += character.casefold()
    return (*key, word) if word else tuple(key)


def name_sort_key(name: str) -> tuple[tuple[str, ...], str]:
    """Sorts people's (or delegations') names as the reader's locale orders them."""
    if get_locale() == "zh_CN":
        return _pinyin_key(name), name
    return (unicodedata.normalize("NFKC", name).casefold(),), name

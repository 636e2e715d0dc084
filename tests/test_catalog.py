"""The message catalogs are complete and sound: the template is what extraction gives today,
every message has a Chinese translation with the source's placeholders, and the catalogs
compile the way `pybabel compile` compiles them."""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.config import ROOT_DIR

TRANSLATIONS = ROOT_DIR / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
CHINESE = TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po"
SHOWN = 20  # offending messages listed in a failure

# A %-conversion as Python's `%` operator reads it, left to right: %%, %(name)s, %d, %05.1f …
_CONVERSION = re.compile(r"%(?:%|(?:\((?P<name>\w+)\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])")


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A message's id or string as its forms: one for a plain message, one per plural form."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def listed(ids: Iterable[object]) -> str:
    shown = sorted(ids, key=str)
    more = f" … and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return "\n".join(repr(i) for i in shown[:SHOWN]) + more


def placeholders(text: str) -> tuple[frozenset[str], int, bool]:
    """The named placeholders, the number of positional ones, and whether a stray % is left."""
    conversions = [m for m in _CONVERSION.finditer(text) if m[0] != "%%"]
    named = {m["name"] for m in conversions if m["name"]}
    positional = sum(1 for m in conversions if not m["name"])
    stray = "%" in _CONVERSION.sub("", text)
    return frozenset(named), positional, stray


def test_the_template_is_what_extraction_gives_now(tmp_path: Path) -> None:
    # The same extraction scripts/i18n.sh runs (options and folders), into a scratch file.
    fresh = tmp_path / "messages.pot"
    status = CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT_DIR / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "lazy",
            "--no-location",
            "--sort-output",
            "--ignore-dirs=.*",
            "-o",
            str(fresh),
            str(ROOT_DIR),
        ]
    )
    assert status in (0, None)
    extracted = {m.id for m in messages(read_catalog(fresh))}
    committed = {m.id for m in messages(read_catalog(TEMPLATE))}
    assert extracted - committed == set(), (
        "marked in the code but missing from messages.pot (run scripts/i18n.sh):\n"
        + listed(extracted - committed)
    )
    assert committed - extracted == set(), (
        "in messages.pot but no longer in the code (run scripts/i18n.sh):\n"
        + listed(committed - extracted)
    )


def test_every_message_has_a_chinese_translation() -> None:
    chinese = read_catalog(CHINESE, locale="zh_CN")
    assert chinese.num_plurals == 1, chinese.plural_forms
    translated = {m.id: m for m in messages(chinese)}
    untranslated = []
    for source in messages(read_catalog(TEMPLATE)):
        message = translated.get(source.id)
        strings = () if message is None else forms(message.string)
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            untranslated.append(source.id)
    assert untranslated == [], (
        f"{len(untranslated)} messages lack a Chinese translation (or it is fuzzy) in "
        f"{CHINESE.relative_to(ROOT_DIR)}:\n" + listed(untranslated)
    )


def test_chinese_translations_keep_the_placeholders_of_their_source() -> None:
    wrong = []
    for message in messages(read_catalog(CHINESE, locale="zh_CN")):
        sources = forms(message.id)
        # ngettext passes every variable of either form; the one Chinese form must use them.
        named = frozenset(name for source in sources for name in placeholders(source)[0])
        positional = max(placeholders(s)[1] for s in sources)
        for form in (f for f in forms(message.string) if f):
            form_named, form_positional, stray = placeholders(form)
            if form_named != named or form_positional != positional:
                wrong.append(message.id)
            elif stray and message.python_format:
                wrong.append(message.id)  # a lone % breaks `text % variables`
    assert wrong == [], "placeholders differ from the source in:\n" + listed(wrong)


@pytest.mark.parametrize(
    "po", sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")), ids=lambda p: p.parts[-3]
)
def test_each_catalog_compiles_as_pybabel_compile_does(po: Path) -> None:
    # What `pybabel compile --statistics -d translations` does per catalog, kept in memory.
    catalog = read_catalog(po, locale=po.parts[-3])
    assert not catalog.fuzzy, f"{po}: the header is fuzzy, so pybabel compile would skip it"
    errors = [(m.id, str(e)) for m, errs in catalog.check() for e in errs]
    assert errors == [], "pybabel compile reports:\n" + listed(errors)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    loaded = Translations(compiled)
    plural = gettext.c2py(catalog.plural_expr)
    lost: list[object] = []
    for m in messages(catalog):
        ids, strings = forms(m.id), forms(m.string)
        if not strings or not all(strings):
            continue  # untranslated: write_mo leaves it out and gettext falls back to English
        if len(ids) == 1:
            if loaded.ugettext(ids[0]) != strings[0]:
                lost.append(ids[0])
        elif any(loaded.ungettext(ids[0], ids[1], n) != strings[plural(n)] for n in (1, 2, 5)):
            lost.append(ids)
    assert lost == [], "compiled catalog does not return these translations:\n" + listed(lost)

"""The catalog template is current: every marked string is in it (tests/test_template_strings.py
finds the strings left unmarked)."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import ROOT_DIR


def test_catalog_template_lists_every_marked_string() -> None:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy": None}
    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT_DIR), method_map, options, keywords=keywords
    ):
        extracted.add(message[0] if isinstance(message, tuple) else message)
    with (ROOT_DIR / "translations" / "messages.pot").open("rb") as handle:
        catalog = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert extracted - catalog == set(), "run scripts/i18n.sh to refresh translations/messages.pot"

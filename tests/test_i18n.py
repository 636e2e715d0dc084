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


def test_template_gettext_says_what_jinjas_own_says() -> None:
    """The pages' `_()` keeps the Markup of a message without variables; it must give what
    Jinja's newstyle gettext gives: escaped variables, "%%" as "%", under any catalog."""
    from jinja2 import Environment

    from app.i18n import gettext, ngettext
    from app.web import templates

    reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    reference.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    source = (
        '{{ _("Reply") }}|{{ _("Reply") }}|{{ gettext("Stance") }}|{{ _("100%% sure") }}|'
        '{{ _("Hidden by an instructor: %(reason)s", reason="<b>x</b> 5%") }}|'
        '{{ ngettext("%(num)d member", "%(num)d members", 2) }}|{{ _("<b>") }}'
    )
    ours = templates.env.from_string(source).render()
    assert ours == reference.from_string(source).render()
    assert ours.startswith("Reply|Reply|Stance|100% sure|Hidden by an instructor: &lt;b&gt;")

"""The cells of a roster file (app.instructor.roster): what a spreadsheet would run as a formula,
what looks like an email address, which characters a name may not hold, and how a cell is trimmed,
compared and quoted back in a message. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from babel.lists import format_list

from app.i18n import get_locale
from app.i18n import gettext as _
from app.i18n import lazy as N_

MAX_EMAIL_LENGTH = 254
# Cell values quoted back in messages are cut to this length so a pasted essay stays readable.
ECHO_MAX_CHARS = 40

# A spreadsheet runs a cell starting with one of these as a formula (or DDE command) when the
# printed credential sheet or an export is opened; full-width forms are refused as well because
# some spreadsheet locales normalise them.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Unicode "space separator" characters (category Zs): trimmed and collapsed like a normal space.
SPACES = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
_SPACE_RUN = re.compile(f"[{SPACES}]+")
# Zero-width (non-)joiners are format characters that Persian and Indic names need.
_ALLOWED_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Legal only in quoted local parts that no student uses; here they mean a shifted column.
_NOT_IN_EMAILS = frozenset(',;:<>()[]\\"')

NAME, EMAIL, DELEGATION, SECTOR = "name", "email", "delegation", "sector"
# Column names as they appear inside messages; translated where the message is built.
COLUMN_LABELS: dict[str, str] = {
    NAME: N_("name"),
    EMAIL: N_("email"),
    DELEGATION: N_("delegation"),
    SECTOR: N_("sector"),
}


def formula_refusal(line: int, column: str, value: str) -> str | None:
    """A message if a spreadsheet would run the (trimmed) cell as a formula, else None."""
    start = value[0]
    if start not in FORMULA_STARTS:
        return None
    if start == "\t":
        shown = _("a tab")
    elif start == "\r":
        shown = _("a line break")
    else:
        shown = f'"{start}"'
    return _(
        "Line %(line)s: the %(column)s starts with %(start)s, which a spreadsheet would run "
        "as a formula. Remove that character.",
        line=line,
        column=_(COLUMN_LABELS[column]),
        start=shown,
    )


def looks_like_email(value: str) -> bool:
    """A light check that catches typos and shifted columns; delivery is the real test."""
    if len(value) > MAX_EMAIL_LENGTH or value.count("@") != 1:
        return False
    if any(unicodedata.category(c)[0] in "CZ" or c in _NOT_IN_EMAILS for c in value):
        return False
    local, domain = value.split("@")
    return bool(
        local
        and "." in domain
        and not domain.startswith(".")
        and not domain.endswith(".")
        and ".." not in domain
    )


def has_control_character(value: str) -> bool:
    return any(
        unicodedata.category(c) in _REFUSED_CATEGORIES and c not in _ALLOWED_FORMAT_CHARACTERS
        for c in value
    )


def trim(value: str) -> str:
    """Strip spaces only: a leading tab or line break must survive to be refused, not hidden."""
    return value.strip(SPACES)


def collapse(value: str) -> str:
    return _SPACE_RUN.sub(" ", value).strip(" ")


def fold(value: str) -> str:
    return collapse(trim(value)).casefold()


def echo(value: str) -> str:
    """A cell value fit to quote in a message: invisible characters shown, long values cut."""
    shown = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in value)
    return shown if len(shown) <= ECHO_MAX_CHARS else shown[: ECHO_MAX_CHARS - 1] + "…"


def or_list(items: list[str]) -> str:
    return format_list(items, style="or", locale=get_locale())


def column_letter(index: int) -> str:
    """Spreadsheet column name for a 0-based index (0 -> A, 26 -> AA), as the instructor sees it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# Three made-up students for the example file: one with every column, one whose name needs


def choice(
    line: int, column: str, value: str, codes: Mapping[str, str], problems: list[str]
) -> str | None:
    """Resolve a delegation or sector given by code or name; empty means "assign later"."""
    if not value:
        return None
    if refusal := formula_refusal(line, column, value):
        problems.append(refusal)
        return None
    code = codes.get(fold(value))
    if code is not None:
        return code
    choices = list(dict.fromkeys(codes.values()))
    if column == DELEGATION:
        if choices:
            message = _(
                'Line %(line)s: the delegation "%(value)s" is not in this commission '
                "(use %(choices)s).",
                line=line,
                value=echo(value),
                choices=or_list(choices),
            )
        else:
            message = _(
                "Line %(line)s: this commission has no delegations yet, so leave the "
                "delegation empty.",
                line=line,
            )
    elif choices:
        message = _(
            'Line %(line)s: the sector "%(value)s" is not in this commission (use %(choices)s).',
            line=line,
            value=echo(value),
            choices=or_list(choices),
        )
    else:
        message = _(
            "Line %(line)s: this commission has no sectors yet, so leave the sector empty.",
            line=line,
        )
    problems.append(message)
    return None


def lookup(choices: Mapping[str, str]) -> dict[str, str]:
    """Folded code or name -> code; a code wins over another entry's identical name."""
    lookup = {fold(name): code for code, name in choices.items() if fold(name)}
    lookup.update({fold(code): code for code in choices})
    return lookup

"""The sign-in name and the first password made for each enrolled student. Pure functions."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection

from app.accounts.rules import USERNAME_PATTERN

USERNAME_MAX_LENGTH = 40
USERNAME_FALLBACK = "delegate"

# Password alphabet for a printed sheet: lowercase only (easy on a phone keyboard), without the
# characters that look alike in common fonts (0/o, 1/l/i).
READABLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4

# Letters that NFKD does not split into a base letter and a mark.
_ASCII_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)
_NOT_USERNAME_CHARACTER = re.compile(r"[^a-z0-9]")


def suggest_username(name: str, taken: Collection[str]) -> str:
    """A sign-in name derived from a display name, so students can guess their own.

    Accents are folded to ASCII ("José Núñez" -> "jose.nunez"); a name with no Latin letters or
    digits (e.g. "王芳") becomes "delegate". A name already in `taken` gets 2, 3, ... appended.
    """
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.category(c).startswith("M"))
    folded = folded.translate(_ASCII_FOLDS)
    words = [_NOT_USERNAME_CHARACTER.sub("", word) for word in folded.split()]
    base = ".".join(word for word in words if word)[:USERNAME_MAX_LENGTH].rstrip(".")
    if not base:
        base = USERNAME_FALLBACK
    elif len(base) < 3:
        base = f"{base}.{USERNAME_FALLBACK}"  # "Wu" -> "wu.delegate": the pattern needs 3
    taken_names = {existing.lower() for existing in taken}
    candidate, number = base, 1
    while candidate in taken_names:
        number += 1
        suffix = str(number)
        candidate = base[: USERNAME_MAX_LENGTH - len(suffix)].rstrip(".") + suffix
    assert USERNAME_PATTERN.match(candidate), candidate
    return candidate


def new_password() -> str:
    """A random first password that survives being printed, read aloud and typed on a phone.

    Three groups of four from a 31-letter alphabet carry about 59 bits, ample behind the sign-in
    rate limit; students can change it after signing in.
    """
    return "-".join(
        "".join(secrets.choice(READABLE_ALPHABET) for _position in range(PASSWORD_GROUP_LENGTH))
        for _group in range(PASSWORD_GROUPS)
    )

"""Account decisions: name rules and the sign-in rate limit, with no I/O."""

from __future__ import annotations

import re

from app.i18n import lazy as N_

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def username_problem(username: str) -> str | None:
    """Why a sign-in name cannot be used, or None if it can (English; translated by the caller)."""
    if not USERNAME_PATTERN.match(username):
        return N_(
            "Use 3 to 40 characters: lowercase letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit."
        )
    return None


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN_LENGTH:
        return N_("Use at least 8 characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        return N_("Use at most 256 characters.")
    return None


def sign_in_allowed(
    failures_for_name: int, failures_from_client: int, *, max_per_name: int, max_per_client: int
) -> bool:
    """Refuse further tries once a name or a client has failed too often within the window.

    The decision never depends on whether the name exists, so it cannot reveal accounts.
    """
    return failures_for_name < max_per_name and failures_from_client < max_per_client

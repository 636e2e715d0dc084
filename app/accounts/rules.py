"""Account decisions: name rules and the sign-in limits, with no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

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


# --- the sign-in limits (docs/sign-in-limits.md) -------------------------------------------------
#
# Failures are counted per key: the name-and-address pair (or the browser, when it holds the
# account's device cookie), the name, and the address. A key fails a few times for free; after
# that it waits before its next try, twice as long after each further failure. Failures are
# forgiven one by one as quiet time passes. What an attacker can do to keys the owner shares
# with them (the name, the classroom's address) never holds up a client the account knows: a
# browser it signed in with, or an address it signed in from lately.


@dataclass(frozen=True)
class Limit:
    """How many failures a key may make for free, and how its wait grows after that."""

    allowance: int
    first_wait: timedelta
    longest_wait: timedelta
    # One failure is forgiven for each whole interval without a failure.
    forgiven_every: timedelta


@dataclass(frozen=True)
class Strikes:
    """A key's failures, as counted at its last failure."""

    count: int = 0
    last_failure_at: datetime | None = None


# One name from one address, or one browser for one name: typos are free, a guesser waits
# 2 s, 4 s, 8 s … up to an hour between guesses.
PAIR_LIMIT = Limit(
    allowance=5,
    first_wait=timedelta(seconds=2),
    longest_wait=timedelta(hours=1),
    forgiven_every=timedelta(minutes=30),
)
# One name from every client it does not know: guessing from many addresses at once.
NAME_LIMIT = Limit(
    allowance=10,
    first_wait=timedelta(seconds=2),
    longest_wait=timedelta(hours=1),
    forgiven_every=timedelta(minutes=30),
)
# One address, every name it has not signed in to: room for a classroom of 40 behind one NAT
# making three typos each, while a password spray from one address is slowed to about one
# guess a minute.
ADDRESS_LIMIT = Limit(
    allowance=120,
    first_wait=timedelta(seconds=1),
    longest_wait=timedelta(minutes=15),
    forgiven_every=timedelta(minutes=1),
)
# An address the account signed in from within this time is one it knows.
KNOWN_ADDRESS_FOR = timedelta(days=30)
_NO_WAIT = timedelta(0)


def strikes_at(strikes: Strikes, limit: Limit, now: datetime) -> int:
    """The failures still counted at `now`, after forgiving the quiet time since the last."""
    if strikes.last_failure_at is None:
        return 0
    quiet = max(now - strikes.last_failure_at, _NO_WAIT)
    return max(0, strikes.count - int(quiet / limit.forgiven_every))


def after_failure(strikes: Strikes, limit: Limit, now: datetime) -> Strikes:
    return Strikes(count=strikes_at(strikes, limit, now) + 1, last_failure_at=now)


def wait_after(strikes: Strikes, limit: Limit, now: datetime) -> timedelta:
    """How long the key must still wait at `now`: after its k-th failure past the allowance it
    waits first_wait · 2^(k-1) from that failure, never longer than longest_wait."""
    over = strikes.count - limit.allowance
    if strikes.last_failure_at is None or over <= 0:
        return _NO_WAIT
    seconds = min(
        limit.first_wait.total_seconds() * 2.0 ** min(over - 1, 64),
        limit.longest_wait.total_seconds(),
    )
    return max(strikes.last_failure_at + timedelta(seconds=seconds) - now, _NO_WAIT)


def is_known_address(signed_in_at: datetime | None, now: datetime) -> bool:
    """Whether the account signed in from this address recently enough to be recognised."""
    return signed_in_at is not None and now - signed_in_at < KNOWN_ADDRESS_FOR


def sign_in_wait(
    now: datetime, *, own: Strikes, name: Strikes, address: Strikes, known_client: bool
) -> timedelta:
    """How long a client must wait before trying a name; zero when it may try now.

    `own` are the failures of this name from this address (or from this browser, when it holds
    the account's device cookie). A client the account knows is held by those alone: what others
    did to the name, or from the same address, cannot keep the owner out. Any other client also
    waits for the name and for its address. The decision never depends on whether the name
    exists, so it cannot reveal accounts.
    """
    waits = [wait_after(own, PAIR_LIMIT, now)]
    if not known_client:
        waits += [wait_after(name, NAME_LIMIT, now), wait_after(address, ADDRESS_LIMIT, now)]
    return max(waits)

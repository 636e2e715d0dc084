"""The sign-in limits as plain decisions, with the time passed in (app.accounts.rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.accounts.rules import (
    ADDRESS_LIMIT,
    KNOWN_ADDRESS_FOR,
    NAME_LIMIT,
    PAIR_LIMIT,
    Limit,
    Strikes,
    after_failure,
    is_known_address,
    sign_in_wait,
    strikes_at,
    wait_after,
)

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NONE = timedelta(0)


def failures(limit: Limit, count: int, at: datetime = T0) -> Strikes:
    strikes = Strikes()
    for _ in range(count):
        strikes = after_failure(strikes, limit, at)
    return strikes


def guesses_made(limit: Limit, hours: float) -> int:
    """A script that guesses again the moment it is allowed, for `hours`: how many it makes."""
    now, strikes, made = T0, Strikes(), 0
    while now < T0 + timedelta(hours=hours):
        wait = wait_after(strikes, limit, now)
        if wait:
            now += wait
            continue
        strikes = after_failure(strikes, limit, now)
        made += 1
    return made


def test_typos_within_the_allowance_cost_no_wait() -> None:
    assert wait_after(failures(PAIR_LIMIT, PAIR_LIMIT.allowance), PAIR_LIMIT, T0) == NONE
    assert wait_after(failures(PAIR_LIMIT, PAIR_LIMIT.allowance + 1), PAIR_LIMIT, T0) > NONE


def test_a_guesser_waits_twice_as_long_after_each_failure_past_the_allowance() -> None:
    now, strikes, waits = T0, failures(PAIR_LIMIT, PAIR_LIMIT.allowance), []
    for _ in range(11):
        strikes = after_failure(strikes, PAIR_LIMIT, now)
        wait = wait_after(strikes, PAIR_LIMIT, now)
        waits.append(wait.total_seconds())
        # Asking before the wait is over is refused, with the time still left.
        assert wait_after(strikes, PAIR_LIMIT, now + wait / 2) == wait / 2
        now += wait
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]


def test_waits_never_exceed_the_longest() -> None:
    strikes = failures(ADDRESS_LIMIT, 10_000)
    assert wait_after(strikes, ADDRESS_LIMIT, T0) == ADDRESS_LIMIT.longest_wait


def test_one_failure_is_forgiven_per_whole_quiet_interval() -> None:
    strikes = failures(PAIR_LIMIT, 8)
    every = PAIR_LIMIT.forgiven_every
    assert strikes_at(strikes, PAIR_LIMIT, T0 + every - timedelta(seconds=1)) == 8
    assert strikes_at(strikes, PAIR_LIMIT, T0 + 3 * every) == 5
    assert strikes_at(strikes, PAIR_LIMIT, T0 + 100 * every) == 0
    # The next failure counts from what is left.
    assert after_failure(strikes, PAIR_LIMIT, T0 + 3 * every).count == 6


def test_a_known_client_is_held_by_its_own_failures_only() -> None:
    """However many failures others run up for the name and from the address, the owner's own
    browser or known address is not held up; an unknown client is."""
    attacked_name = failures(NAME_LIMIT, 500)
    sprayed_address = failures(ADDRESS_LIMIT, 5000)
    clean = Strikes()
    shared = {"name": attacked_name, "address": sprayed_address}
    assert sign_in_wait(T0, own=clean, known_client=True, **shared) == NONE
    assert sign_in_wait(T0, own=clean, known_client=False, **shared) == NONE + timedelta(hours=1)
    own_guessing = failures(PAIR_LIMIT, 7)
    assert sign_in_wait(T0, own=own_guessing, known_client=True, **shared) == timedelta(seconds=4)


def test_an_unknown_client_waits_for_the_name_and_for_its_address() -> None:
    clean = Strikes()
    name_only = sign_in_wait(
        T0, own=clean, name=failures(NAME_LIMIT, 11), address=clean, known_client=False
    )
    address_only = sign_in_wait(
        T0, own=clean, name=clean, address=failures(ADDRESS_LIMIT, 121), known_client=False
    )
    assert (name_only, address_only) == (timedelta(seconds=2), timedelta(seconds=1))


def test_a_classroom_behind_one_address_with_three_typos_each_never_waits() -> None:
    classroom = failures(ADDRESS_LIMIT, 40 * 3)
    assert wait_after(classroom, ADDRESS_LIMIT, T0) == NONE


def test_an_address_is_known_for_thirty_days_after_a_sign_in() -> None:
    assert not is_known_address(None, T0)
    assert is_known_address(T0, T0 + KNOWN_ADDRESS_FOR - timedelta(seconds=1))
    assert not is_known_address(T0, T0 + KNOWN_ADDRESS_FOR)


def test_what_a_script_guessing_without_pause_gets_in_a_day() -> None:
    """Figures for docs/sign-in-limits.md: one name from one address, one name from everywhere
    unknown, and one address spraying every name."""
    assert guesses_made(PAIR_LIMIT, 24) == 57
    assert guesses_made(NAME_LIMIT, 24) == 62
    assert guesses_made(ADDRESS_LIMIT, 24) == 1476
    # The old limit let 5 (a name) and 30 (an address) through every 15 minutes: 480 and 2,880.

"""The sign-in limits over HTTP: attackers are slowed, owners and classrooms are not locked out.

Each browser is a TestClient of its own (its own cookies) at a chosen address; the limits read
the `clock` fixture, which moves only when a test says so.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.auth import DEVICE_COOKIE, SESSION_COOKIE
from app.accounts.models import SignInThrottle, User
from app.accounts.rules import ADDRESS_LIMIT, NAME_LIMIT, PAIR_LIMIT
from app.accounts.waiting import try_again_in
from app.db import utcnow, writing
from tests.accounts.conftest import Clock, browser
from tests.conftest import PASSWORD, Cast, make_user, post_form

WRONG = "wrong-guess-1"
REFUSED = "Too many failed sign-ins."


def attempt(client: TestClient, name: str, password: str) -> Any:
    return post_form(client, "/sign-in", "/sign-in", {"username": name, "password": password})


def signs_in(client: TestClient, name: str, password: str = PASSWORD) -> bool:
    response = attempt(client, name, password)
    return response.status_code == 303 and SESSION_COOKIE in response.headers.get("set-cookie", "")


def wait_shown(response: Any) -> int:
    """The seconds a refusal asks for, checked against its Retry-After header."""
    assert response.status_code == 429, response.text
    match = re.search(r"Try again in (\d+) seconds?\.", response.text)
    assert match, response.text
    assert response.headers["retry-after"] == match.group(1)
    return int(match.group(1))


def test_a_guesser_of_one_account_from_one_address_is_slowed_exponentially(
    app: Any, db: Session, clock: Clock
) -> None:
    make_user(db, "dave")
    guesser = browser(app, "198.51.100.20")
    for _ in range(PAIR_LIMIT.allowance):
        assert attempt(guesser, "dave", WRONG).status_code == 400
    waits = []
    for _ in range(5):
        assert attempt(guesser, "dave", WRONG).status_code == 400
        refused = attempt(guesser, "dave", WRONG)
        waits.append(wait_shown(refused))
        assert REFUSED in refused.text
        clock.advance(waits[-1] - 1)
        assert attempt(guesser, "dave", WRONG).status_code == 429
        clock.advance(1)
    assert waits == [2, 4, 8, 16, 32]
    # While it waits, the right password from there is refused too (it is not even looked at).
    assert attempt(guesser, "dave", WRONG).status_code == 400
    assert not signs_in(guesser, "dave")
    clock.advance(64)
    assert signs_in(guesser, "dave")


def test_an_attack_on_a_name_from_many_addresses_does_not_keep_its_owner_out(
    app: Any, db: Session, clock: Clock
) -> None:
    make_user(db, "stu")
    own_browser = browser(app, "192.0.2.10")  # the student's laptop at home
    assert signs_in(own_browser, "stu")
    own_browser.cookies.delete(SESSION_COOKIE)
    assert own_browser.cookies.get(DEVICE_COOKIE)

    guesses = refusals = 0
    for host in range(1, 9):
        attacker = browser(app, f"203.0.113.{host}")
        for _ in range(PAIR_LIMIT.allowance):
            status = attempt(attacker, "stu", WRONG).status_code
            guesses += status == 400
            refusals += status == 429
    # The name's limit held the attack from everywhere once it had made its guesses.
    assert guesses == NAME_LIMIT.allowance + 1
    assert refusals == 8 * PAIR_LIMIT.allowance - guesses
    assert wait_shown(attempt(browser(app, "203.0.113.99"), "stu", WRONG)) == 2

    # The student's own browser gets in from anywhere (a café) ...
    cafe = browser(app, "198.51.100.77")
    cafe.cookies.set(DEVICE_COOKIE, own_browser.cookies[DEVICE_COOKIE])
    assert signs_in(cafe, "stu")
    # ... and any browser at an address the student signed in from lately.
    assert signs_in(browser(app, "192.0.2.10"), "stu")
    # A browser and address the account has never used waits like the attackers (the price of
    # holding the attack: docs/sign-in-limits.md).
    assert attempt(browser(app, "198.51.100.200"), "stu", PASSWORD).status_code == 429


def test_a_classmate_behind_the_same_address_cannot_lock_out_a_browser_that_signed_in_before(
    app: Any, db: Session, clock: Clock
) -> None:
    make_user(db, "vera")
    vera = browser(app, "10.20.0.1")
    assert signs_in(vera, "vera")
    vera.cookies.delete(SESSION_COOKIE)
    classmate = browser(app, "10.20.0.1")
    for _ in range(30):
        attempt(classmate, "vera", WRONG)
    assert attempt(classmate, "vera", WRONG).status_code == 429
    assert signs_in(vera, "vera")
    # At an address the account knows, a failure counts against the pair only: the classmate
    # ran up nothing that would hold up the class or Vera elsewhere.
    shared = select(SignInThrottle.strikes).where(SignInThrottle.scope.in_(("name", "address")))
    assert set(db.scalars(shared)) <= {0}


def test_a_device_cookie_speaks_only_for_the_accounts_that_signed_in_with_it(
    app: Any, db: Session, clock: Clock
) -> None:
    """An attacker who signs in to an account of their own, or forges the cookie, is still an
    unknown client for everyone else's name."""
    make_user(db, "mallory")
    make_user(db, "wanda")
    attacker = browser(app, "203.0.113.50")
    assert signs_in(attacker, "mallory")
    attacker.cookies.delete(SESSION_COOKIE)
    for host in range(60, 60 + NAME_LIMIT.allowance + 1):
        helper = browser(app, f"203.0.113.{host}")
        assert attempt(helper, "wanda", WRONG).status_code == 400
    assert attempt(attacker, "wanda", WRONG).status_code == 429
    attacker.cookies.set(DEVICE_COOKIE, attacker.cookies[DEVICE_COOKIE][:-4] + "AAAA")
    assert attempt(attacker, "wanda", WRONG).status_code == 429


def test_a_classroom_of_forty_behind_one_address_with_two_typos_each_all_get_in(
    app: Any, db: Session, clock: Clock
) -> None:
    names = [f"student-{n:02}" for n in range(40)]
    for name in names:
        make_user(db, name)
    signed_in = 0
    for name in names:
        desk = browser(app, "10.30.0.1")
        assert attempt(desk, name, WRONG).status_code == 400
        assert attempt(desk, name, "correct horse battery!").status_code == 400
        signed_in += signs_in(desk, name)
    assert signed_in == 40
    # After the first sign-in, the class is known at its address: a second day starts clean.
    assert all(signs_in(browser(app, "10.30.0.1"), name) for name in names[:5])


def test_a_password_spray_from_one_address_is_slowed(app: Any, db: Session, clock: Clock) -> None:
    names = [f"sprayed-{n:03}" for n in range(ADDRESS_LIMIT.allowance + 10)]
    for name in [*names, "regular", "newcomer"]:
        make_user(db, name)
    regular = browser(app, "203.0.113.200")
    assert signs_in(regular, "regular")  # someone who signs in from there

    sprayer = browser(app, "203.0.113.200")
    answers = [attempt(sprayer, name, "Password123").status_code for name in names]
    assert answers.count(400) == ADDRESS_LIMIT.allowance + 1
    assert set(answers[ADDRESS_LIMIT.allowance + 1 :]) == {429}
    assert wait_shown(attempt(sprayer, "sprayed-xyz", "Password123")) == 1
    clock.advance(1)
    assert attempt(sprayer, "sprayed-xyz", "Password123").status_code == 400
    assert wait_shown(attempt(sprayer, "sprayed-xyz", "Password123")) == 2

    # Who signed in from that address before is not held up; nor is any other address.
    assert signs_in(browser(app, "203.0.113.200"), "regular")
    assert signs_in(browser(app, "198.51.100.1"), "newcomer")


def test_a_class_mistyping_the_join_code_all_join(
    app: Any, db: Session, cast: Cast, clock: Clock
) -> None:
    code = cast.commission.join_code
    for n in range(40):
        desk = browser(app, "10.40.0.1")
        fields = {"display_name": f"Student {n}", "username": f"joiner-{n:02}"}
        fields["password"] = "a long password"
        wrong = post_form(desk, "/join", "/join", {**fields, "code": "ZZZZ-ZZZZ"})
        assert wrong.status_code == 400
        joined = post_form(desk, "/join", "/join", {**fields, "code": code})
        assert joined.status_code == 303, joined.text
        # Joining signs in: the new account's browser is remembered.
        assert desk.cookies.get(DEVICE_COOKIE)


def test_a_join_code_guesser_is_slowed(app: Any, db: Session, cast: Cast, clock: Clock) -> None:
    guesser = browser(app, "203.0.113.9")
    answers = []
    fields = {"display_name": "Guesser", "username": "guesser", "password": "a long password"}
    for n in range(ADDRESS_LIMIT.allowance + 3):
        answers.append(post_form(guesser, "/join", "/join", {**fields, "code": f"ZZZZ{n:04}"}))
    assert [a.status_code for a in answers].count(400) == ADDRESS_LIMIT.allowance + 1
    assert answers[-1].status_code == 429
    assert "Too many wrong join codes. Try again in 1 second." in answers[-1].text
    assert answers[-1].headers["retry-after"] == "1"
    # While it waits, even the right code is not looked at.
    right = post_form(guesser, "/join", "/join", {**fields, "code": cast.commission.join_code})
    assert right.status_code == 429


def test_a_new_password_forgives_the_name_its_failures(app: Any, db: Session, clock: Clock) -> None:
    user = make_user(db, "forgetful")
    desk = browser(app, "10.50.0.1")
    for _ in range(PAIR_LIMIT.allowance + 1):
        attempt(desk, "forgetful", WRONG)
    assert attempt(desk, "forgetful", PASSWORD).status_code == 429
    service.replace_password(db, user, "a brand new password")
    db.flush()
    assert signs_in(desk, "forgetful", "a brand new password")


def test_two_tries_at_once_on_one_pair_are_decided_one_after_another(engine: Engine) -> None:
    """The check locks the pair's row until the try is counted: a second try that arrives
    meanwhile waits for it, then sees its failure. Committed sessions, on the suite's database."""
    name, address = f"racer-{secrets.token_hex(4)}", "198.51.100.250"
    bind, now = writing(engine), utcnow()
    try:
        with Session(bind=bind) as earlier:
            for _ in range(PAIR_LIMIT.allowance):
                check = service.check_sign_in(earlier, name, address, None, now)
                service.record_failed_sign_in(earlier, check, now)
            earlier.commit()
        first = Session(bind=bind)
        check = service.check_sign_in(first, name, address, None, now)
        assert not check.wait
        seen: list[timedelta] = []

        def second_try() -> None:
            with Session(bind=bind) as second:
                seen.append(service.check_sign_in(second, name, address, None, now).wait)
                second.commit()

        racer = threading.Thread(target=second_try)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second try was decided while the first was under way"
        service.record_failed_sign_in(first, check, now)
        first.commit()
        first.close()
        racer.join(timeout=30)
        assert seen == [timedelta(seconds=2)]
    finally:
        with Session(bind=bind) as cleanup:
            cleanup.execute(
                delete(SignInThrottle).where(
                    (SignInThrottle.name == name) | (SignInThrottle.client == address)
                )
            )
            cleanup.commit()


def test_the_limits_count_the_sign_in_name_as_typed_and_the_address(
    app: Any, db: Session, clock: Clock
) -> None:
    make_user(db, "gail")
    attempt(browser(app, "192.0.2.33"), " Gail ", WRONG)
    rows = {
        (row.scope, row.name, row.client, row.strikes)
        for row in db.scalars(select(SignInThrottle).where(SignInThrottle.strikes > 0))
    }
    assert rows == {
        ("pair", "gail", "192.0.2.33", 1),
        ("name", "gail", "", 1),
        ("address", "", "192.0.2.33", 1),
    }
    assert db.scalar(select(User.username).where(User.username == "gail")) == "gail"


def test_a_wait_is_told_in_seconds_and_once_long_in_minutes_rounded_up() -> None:
    told = [try_again_in(timedelta(seconds=s)) for s in (0.2, 1, 119, 119.5, 3600)]
    assert told == [
        "Try again in 1 second.",
        "Try again in 1 second.",
        "Try again in 119 seconds.",
        "Try again in 2 minutes.",
        "Try again in 60 minutes.",
    ]

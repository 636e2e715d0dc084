"""Passwords the app makes up get a light Argon2 hash, replaced at full cost at first sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.accounts import service as accounts


def test_a_generated_password_is_hashed_lightly_then_fully_at_first_sign_in(db: Session) -> None:
    user = accounts.create_user(
        db,
        username="first.timer",
        display_name="First Timer",
        password="abcd-efgh-jkmn",
        generated_password=True,
    )
    light = user.password_hash
    assert light.startswith("$argon2id$")
    assert accounts.generated_password_hasher.verify("abcd-efgh-jkmn", light)
    assert accounts.authenticate(db, "first.timer", "abcd-efgh-jkmn") is user
    assert user.password_hash != light
    assert not accounts.password_hasher.hashers[0].check_needs_rehash(user.password_hash)


def test_a_wrong_password_against_a_light_hash_costs_a_full_verification(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Otherwise the quicker answer would tell that the name is a student yet to sign in."""
    accounts.create_user(
        db,
        username="quiet.one",
        display_name="Quiet One",
        password="abcd-efgh-jkmn",
        generated_password=True,
    )
    verified: list[str] = []
    original = accounts.password_hasher.verify

    def counting(password: str, hash_: str) -> bool:
        verified.append(hash_)
        return original(password, hash_)

    monkeypatch.setattr(accounts.password_hasher, "verify", counting)
    assert accounts.authenticate(db, "quiet.one", "wrong-password") is None
    assert verified == [accounts._DUMMY_HASH]

"""Sealing a secret ballot: one length whatever the choice, opened only by the key, vote and
delegation that sealed it."""

from __future__ import annotations

import pytest

from app.voting import sealing
from app.voting.rules import CHOICES

KEY = "a-server-secret-key-of-enough-length-" + "k" * 8


@pytest.mark.parametrize("choice", CHOICES)
def test_a_sealed_choice_opens_with_its_key_vote_and_delegation(choice: str) -> None:
    sealed = sealing.seal(KEY, 7, 2, choice)
    assert len(sealed) == sealing.SEALED_BYTES == 29
    assert sealing.unseal(KEY, 7, 2, sealed) == choice


def test_the_same_choice_never_seals_the_same_way() -> None:
    sealed = {sealing.seal(KEY, 7, 2, "yes") for _ in range(50)}
    assert len(sealed) == 50
    assert {len(s) for s in sealed} == {sealing.SEALED_BYTES}


@pytest.mark.parametrize(
    ("key", "vote", "delegation"),
    [("another-server-key-" + "o" * 20, 7, 2), (KEY, 8, 2), (KEY, 7, 3)],
    ids=["another server's key", "another vote", "another delegation"],
)
def test_a_ballot_opens_nowhere_else(key: str, vote: int, delegation: int) -> None:
    sealed = sealing.seal(KEY, 7, 2, "no")
    with pytest.raises(sealing.UnsealableBallot):
        sealing.unseal(key, vote, delegation, sealed)


def test_an_altered_or_cut_ballot_is_refused() -> None:
    sealed = bytearray(sealing.seal(KEY, 7, 2, "abstain"))
    sealed[-1] ^= 0x01
    with pytest.raises(sealing.UnsealableBallot):
        sealing.unseal(KEY, 7, 2, bytes(sealed))
    with pytest.raises(sealing.UnsealableBallot, match="29 bytes"):
        sealing.unseal(KEY, 7, 2, bytes(sealed[:-1]))


def test_the_key_differs_per_vote_and_is_not_the_secret() -> None:
    first, second = sealing.vote_key(KEY, 1), sealing.vote_key(KEY, 2)
    assert len(first) == 32
    assert first != second
    assert KEY.encode()[:32] != first

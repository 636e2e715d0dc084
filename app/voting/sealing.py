"""Sealing a secret ballot while its vote is open: the choice encrypted under a key the
database does not hold.

The key of a vote is derived (HKDF-SHA256) from the server's SECRET_KEY and the vote's id, so
a copy of the database alone cannot open a sealed ballot, and a ballot of one vote cannot be
passed off in another. The vote and the delegation are the associated data: moving a sealed
ballot to another delegation's tally makes it fail to open. The plaintext is one byte, so every
sealed ballot has the same length whatever it holds: a random 12-byte nonce, then the
ciphertext with its 16-byte tag.

Pure functions, no database: app.voting.service seals on casting and opens at close.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.voting.rules import CHOICES

NONCE_BYTES = 12
TAG_BYTES = 16
PLAINTEXT_BYTES = 1
SEALED_BYTES = NONCE_BYTES + PLAINTEXT_BYTES + TAG_BYTES
_SALT = b"commission.sealed-ballots"


class UnsealableBallot(ValueError):
    """A sealed ballot that does not open: another server's key, or bytes that were altered."""


def vote_key(secret_key: str, vote_id: int) -> bytes:
    """The AES-256 key of one vote's ballots."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"vote:%d" % vote_id).derive(
        secret_key.encode()
    )


def _associated_data(vote_id: int, delegation_id: int) -> bytes:
    return b"commission.sealed-ballot.v1|vote=%d|delegation=%d" % (vote_id, delegation_id)


def seal(secret_key: str, vote_id: int, delegation_id: int, choice: str) -> bytes:
    """A choice sealed for one vote and delegation: SEALED_BYTES long, whatever the choice."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = bytes([CHOICES.index(choice)])
    sealed = AESGCM(vote_key(secret_key, vote_id)).encrypt(
        nonce, plaintext, _associated_data(vote_id, delegation_id)
    )
    return nonce + sealed


def unseal(secret_key: str, vote_id: int, delegation_id: int, sealed: bytes) -> str:
    """The choice in a sealed ballot, or UnsealableBallot if this key, vote and delegation
    did not seal it."""
    if len(sealed) != SEALED_BYTES:
        raise UnsealableBallot(f"a sealed ballot is {SEALED_BYTES} bytes, not {len(sealed)}")
    try:
        plaintext = AESGCM(vote_key(secret_key, vote_id)).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated_data(vote_id, delegation_id)
        )
    except InvalidTag as error:
        raise UnsealableBallot("the sealed ballot does not open with this key") from error
    if len(plaintext) != PLAINTEXT_BYTES or plaintext[0] >= len(CHOICES):
        raise UnsealableBallot("the sealed ballot holds no choice")
    return CHOICES[plaintext[0]]

"""Votes and ballots, stored so that a secret ballot cannot be traced to its voter.

A vote is one decision put to a working group: a proposal in a round, or an amendment.
The rules in force are copied onto it when it opens, so the tally never changes meaning.

Who voted (a receipt) and what was voted are kept apart. A roll-call ballot names its
voter. A secret ballot is written, with its receipt, as a sealed ballot: the choice encrypted
under a key derived from the server's SECRET_KEY (app.voting.sealing), with no voter and no
time. Nothing is counted while the vote is open. Closing it opens the sealed ballots, writes
one counter per delegation and choice and deletes the sealed ballots, in one transaction;
then the database files are scrubbed of their old bytes (app.voting.scrub). So the choice is
never in the clear in the voter's transaction, and after the scrub only the counts remain.
docs/secret-ballots.md states what this protects against and what it does not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.commissions.rules import BALLOT_TYPES, BALLOT_UNITS, VOTING_RULES
from app.db import Base, one_of, utcnow
from app.voting.rules import CHOICES
from app.voting.sealing import SEALED_BYTES


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (
        one_of("voting_rule", VOTING_RULES),
        one_of("ballot_unit", BALLOT_UNITS),
        one_of("ballot_type", BALLOT_TYPES),
        CheckConstraint("quorum >= 0 AND quorum <= 1", name="quorum_share"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("closed_at IS NULL OR adopted IS NOT NULL", name="closed_has_outcome"),
        # One vote per proposal round, and one per amendment.
        Index(
            "uq_votes_proposal_round",
            "proposal_id",
            "round",
            unique=True,
            sqlite_where=text("amendment_id IS NULL"),
            postgresql_where=text("amendment_id IS NULL"),
        ),
        Index(
            "uq_votes_amendment",
            "amendment_id",
            unique=True,
            sqlite_where=text("amendment_id IS NOT NULL"),
            postgresql_where=text("amendment_id IS NOT NULL"),
        ),
        # The open votes, few at any time however many were held: what every delegate's
        # notices look for on every page.
        Index(
            "ix_votes_open",
            "proposal_id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE")
    )
    round: Mapped[int]
    voting_rule: Mapped[str] = mapped_column(String(20))
    quorum: Mapped[float]
    ballot_unit: Mapped[str] = mapped_column(String(12))
    ballot_type: Mapped[str] = mapped_column(String(12))
    hide_running_tally: Mapped[bool] = mapped_column(default=False)
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    adopted: Mapped[bool | None]
    # The final tally by delegation and its explanation, written once when the vote closes.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A secret vote closed, whose sealed ballots may still linger in the database's files
    # (SQLite's WAL, PostgreSQL's dead tuples) until app.voting.scrub has run.
    scrub_pending: Mapped[bool] = mapped_column(default=False, server_default=false())


class BallotReceipt(Base):
    """Proof that a participant voted; one per voter per vote, enforced by the database.

    Under ballot unit "delegation" the head votes for the delegation: `delegation_seat`
    then holds the delegation, so a second head (after a change of head) cannot vote again.
    """

    __tablename__ = "ballot_receipts"
    __table_args__ = (
        UniqueConstraint("vote_id", "participant_id"),
        UniqueConstraint("vote_id", "delegation_seat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    delegation_seat: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE")
    )
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)


class RollCallBallot(Base):
    """A public ballot: who voted how."""

    __tablename__ = "roll_call_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "participant_id"), one_of("choice", CHOICES))

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)


class SealedBallot(Base):
    """A secret ballot of an open vote: the choice sealed, and nothing about who or when.

    Written with the voter's receipt, deleted when the vote closes and its ballots are counted.
    Every row is SEALED_BYTES long, whatever it holds.
    """

    __tablename__ = "sealed_ballots"
    __table_args__ = (CheckConstraint(f"length(sealed) = {SEALED_BYTES}", name="sealed_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary(SEALED_BYTES))


class SecretBallotCount(Base):
    """How many secret ballots of one delegation chose one option, written when the vote
    closes (all of a vote's rows at once, in one fixed order); no ballot rows remain."""

    __tablename__ = "secret_ballot_counts"
    __table_args__ = (
        one_of("choice", CHOICES),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    vote_id: Mapped[int] = mapped_column(
        ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True
    )
    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE"), primary_key=True
    )
    choice: Mapped[str] = mapped_column(String(8), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

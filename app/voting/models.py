"""Votes and ballots, stored so that a secret ballot cannot be traced to its voter.

A vote is one decision put to a working group: a proposal in a round, or an amendment.
The rules in force are copied onto it when it opens, so the tally never changes meaning.

Who voted (a receipt) and what was voted are kept apart. A roll-call ballot names its
voter. A secret ballot is not stored as a row at all: it only increments a counter per
delegation and choice, created when the vote opens, so no column, key or row order in
the database (or in a dump of it) links a receipt to a choice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, utcnow
from app.voting.rules import BALLOT_TYPES, BALLOT_UNITS, CHOICES, VOTING_RULES


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


class SecretBallotCount(Base):
    """How many secret ballots of one delegation chose one option; no ballot rows exist."""

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

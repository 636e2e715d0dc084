"""Ballots, stored so that a secret ballot cannot be traced to its voter.

Who voted (a receipt) and what was voted (a ballot) are separate rows. A secret
ballot has no voter column, no timestamp and a random key, so neither a column
nor the key order links a receipt to a choice. A roll-call ballot names its voter.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, utcnow
from app.voting.rules import CHOICES


class BallotReceipt(Base):
    """Proof that a participant voted in a round; one per voter per proposal round."""

    __tablename__ = "ballot_receipts"
    __table_args__ = (
        UniqueConstraint("proposal_id", "round", "participant_id"),
        CheckConstraint("round >= 1", name="round_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    round: Mapped[int]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ballot(Base):
    __tablename__ = "ballots"
    __table_args__ = (
        one_of("choice", CHOICES),
        UniqueConstraint("proposal_id", "round", "voter_id"),
        Index("ix_ballots_proposal_round", "proposal_id", "round"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    round: Mapped[int]
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    choice: Mapped[str] = mapped_column(String(8))
    # Null on secret ballots; on roll-call ballots, the participant who voted.
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    # Ballot unit "delegation": how many delegates the head's ballot speaks for.
    weight: Mapped[int] = mapped_column(default=1)

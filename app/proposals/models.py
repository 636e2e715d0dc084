"""Norm proposals and everything said and written about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.commissions.models import Participant, WorkingGroup
from app.db import Base, one_of, rendered_html, utcnow
from app.proposals.rules import (
    AMENDMENT_STATUSES,
    HTML_LANG,
    SPONSORSHIP_STATUSES,
    STAGES,
    STANCES,
    TEXT_LANGUAGES,
)


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        one_of("stage", STAGES),
        CheckConstraint("round >= 1", name="round_positive"),
        Index("ix_proposals_group_stage", "working_group_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(
        ForeignKey("commissions.id", ondelete="CASCADE"), index=True
    )
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(12), default="draft")
    round: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set whenever the stage changes; the working group's "no activity for a while" clock.
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    working_group: Mapped[WorkingGroup] = relationship(lazy="raise")
    authors: Mapped[list[ProposalAuthor]] = relationship(back_populates="proposal", lazy="raise")
    sponsorships: Mapped[list[Sponsorship]] = relationship(back_populates="proposal", lazy="raise")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="proposal", lazy="raise", order_by="Revision.number"
    )


class ProposalAuthor(Base):
    """An author (the drafter or a co-author) who may edit the proposal."""

    __tablename__ = "proposal_authors"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own for what one delegate authors (their notices, on every page).
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="authors", lazy="raise")
    participant: Mapped[Participant] = relationship(lazy="raise")


class Sponsorship(Base):
    __tablename__ = "sponsorships"
    __table_args__ = (one_of("status", SPONSORSHIP_STATUSES),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own for what one delegate is asked (their notices, on every page).
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="invited")
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="sponsorships", lazy="raise")
    participant: Mapped[Participant] = relationship(lazy="raise")


class Revision(Base):
    """An immutable version of a proposal's text in one language.

    Revisions are numbered in one sequence per proposal, whatever their language; the current
    text in a language is that language's revision with the highest number. The first
    revision's language is the proposal's own (its title is that text's title).
    """

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        one_of("language", TEXT_LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int]
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    text_html: Mapped[Markup] = rendered_html("text")
    rationale_html: Mapped[Markup] = rendered_html("rationale")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    # Set when the revision came from an accepted amendment, credited to the amendment's author.
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="revisions", lazy="raise")

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.language]


class TextConfirmation(Base):
    """An author's word that a proposal's two texts, as these revisions, say the same thing.

    Written when an author confirms two texts out of step, and when an author writes both texts
    at once. The latest confirmation is the one that counts (app.proposals.rules.TextsStep).
    """

    __tablename__ = "text_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    # The revision number of each language's text that was confirmed: {"en": 3, "zh_CN": 4}.
    revisions: Mapped[dict[str, Any]] = mapped_column(JSON)
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Amendment(Base):
    """A proposed new text in one language (the proposal's other text, if any, stays as it is)."""

    __tablename__ = "amendments"
    __table_args__ = (one_of("status", AMENDMENT_STATUSES), one_of("language", TEXT_LANGUAGES))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # The revision number (within this proposal) that the new text was written against: the
    # latest revision in the amendment's language when it was proposed.
    base_revision_number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    rationale_html: Mapped[Markup] = rendered_html("rationale")
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class Argument(Base):
    """A stance-tagged post in a proposal's debate; replies point at their parent."""

    __tablename__ = "arguments"
    __table_args__ = (
        one_of("stance", STANCES),
        CheckConstraint(
            "(hidden_at IS NULL AND hidden_reason IS NULL)"
            " OR (hidden_at IS NOT NULL AND hidden_reason IS NOT NULL)",
            name="hidden_with_reason",
        ),
        Index("ix_arguments_proposal_created", "proposal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    stance: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[Markup] = rendered_html("body")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    hidden_reason: Mapped[str | None] = mapped_column(Text)

"""Norms: adopted proposals, numbered per pillar within a commission."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base, utcnow
from app.norms.search_text import index_fields


class Norm(Base):
    __tablename__ = "norms"
    __table_args__ = (
        UniqueConstraint("commission_id", "code"),
        UniqueConstraint("working_group_id", "number"),
        UniqueConstraint("proposal_id"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    working_group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id", ondelete="SET NULL"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Per delegation: {"US": {"yes": 4, "no": 1, "abstain": 0}, ...}; totals only when secret.
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adopted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The registry's full-text index reads these (prepared by app.norms.search_text): an FTS5
    # table on SQLite, a GIN index over their tsvector on PostgreSQL (migration 0003).
    search_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_body: Mapped[str] = mapped_column(Text, default="", server_default="")


@event.listens_for(Norm, "before_insert")
@event.listens_for(Norm, "before_update")
def _prepare_search_fields(_mapper: Mapper[Norm], _connection: object, norm: Norm) -> None:
    """Every way a norm is written (adoption, archive import) keeps its index text current."""
    norm.search_title, norm.search_body = index_fields(norm.code, norm.title, norm.text)

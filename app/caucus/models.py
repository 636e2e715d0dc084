"""A delegation's private caucus rooms: what its members write there."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, rendered_html, utcnow


class CaucusMessage(Base):
    """A message in a delegation's private room, for one working group or the whole delegation."""

    __tablename__ = "caucus_messages"
    __table_args__ = (Index("ix_caucus_messages_room", "delegation_id", "working_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    working_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[Markup] = rendered_html("body")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

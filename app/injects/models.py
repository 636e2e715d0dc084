"""Crisis injects published into a running commission."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, one_of, rendered_html, utcnow
from app.injects.rules import INJECT_STATUSES, TRIGGERS


class Inject(Base):
    __tablename__ = "injects"
    __table_args__ = (
        one_of("status", INJECT_STATUSES),
        one_of("trigger", TRIGGERS),
        CheckConstraint(
            "status != 'published' OR published_at IS NOT NULL", name="published_has_time"
        ),
        CheckConstraint(
            "status != 'scheduled' OR scheduled_for IS NOT NULL", name="scheduled_has_time"
        ),
        Index("ix_injects_commission_status", "commission_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    code: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[Markup] = rendered_html("body")
    working_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="SET NULL")
    )
    # When set, only this delegation (and instructors) receive the inject.
    target_delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="draft")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    idle_minutes: Mapped[int | None]
    scheduled_for: Mapped[datetime | None]
    # When it was last armed: an inject waiting for a quiet group counts the quiet from here.
    armed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

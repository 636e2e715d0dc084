"""What the pages show of a commission's injects: the dashboard's board and the news a viewer
may read. Reads only; the changes are in app.injects.service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commissions.models import Delegation, WorkingGroup
from app.injects import rules
from app.injects.models import Inject


@dataclass(frozen=True)
class InjectLine:
    inject: Inject
    group_name: str | None
    delegation_name: str | None


@dataclass(frozen=True)
class InjectBoard:
    """The dashboard's injects: what went out, newest first, and what is waiting."""

    commission_id: int
    fired: list[InjectLine]
    pending: list[InjectLine]  # what will go out by itself first, then the drafts


def board(session: Session, commission_id: int) -> InjectBoard:
    """The dashboard's list of injects, in one query, with the names it shows."""
    rows = session.execute(
        select(Inject, WorkingGroup.name, Delegation.name)
        .outerjoin(WorkingGroup, WorkingGroup.id == Inject.working_group_id)
        .outerjoin(Delegation, Delegation.id == Inject.target_delegation_id)
        .where(Inject.commission_id == commission_id, Inject.status != "cancelled")
        .order_by(Inject.id)
    ).all()
    lines = [InjectLine(inject, group, delegation) for inject, group, delegation in rows]
    fired = [line for line in lines if line.inject.status == "published"]
    fired.sort(key=lambda line: line.inject.published_at or line.inject.created_at, reverse=True)
    first = {"scheduled": 0, "armed": 1, "draft": 2}
    pending = [line for line in lines if line.inject.status in rules.PENDING_STATUSES]
    pending.sort(
        key=lambda line: (
            first[line.inject.status],
            line.inject.scheduled_for or line.inject.created_at,
            line.inject.id,
        )
    )
    return InjectBoard(commission_id=commission_id, fired=fired, pending=pending)


def visible_injects(
    session: Session, commission_id: int, *, is_instructor: bool, delegation_id: int | None
) -> list[Inject]:
    published = session.scalars(
        select(Inject)
        .where(Inject.commission_id == commission_id, Inject.status == "published")
        .order_by(Inject.published_at.desc())
    ).all()
    return [
        inject
        for inject in published
        if rules.can_see(
            is_instructor=is_instructor,
            viewer_delegation_id=delegation_id,
            target_id=inject.target_delegation_id,
        )
    ]

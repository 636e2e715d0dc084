"""Writing to the append-only activity log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.activity.models import Activity


def record(
    session: Session,
    commission_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    proposal_id: int | None = None,
    working_group_id: int | None = None,
    delegation_id: int | None = None,
    **data: Any,
) -> Activity:
    """Append one entry; `delegation_id` limits who may read it to that delegation."""
    entry = Activity(
        commission_id=commission_id,
        kind=kind,
        actor_id=actor_id,
        proposal_id=proposal_id,
        working_group_id=working_group_id,
        delegation_id=delegation_id,
        data=data,
    )
    session.add(entry)
    return entry

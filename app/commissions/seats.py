"""Loading seats: a participant as seen from a working group (app.commissions.rules.Seat).

Core, because every feature that decides what someone may do in a group reads one: proposals
and voting for one person, the tally and the stream for a whole room at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commissions.models import Delegation, Participant
from app.commissions.models import WorkingGroupMembership as Membership
from app.commissions.rules import Seat


def seat_from(
    participant: Participant, delegation: Delegation | None, membership: Membership | None
) -> Seat:
    """The participant as seen from the working group of `membership` (None: not in it)."""
    return Seat(
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
        delegation_is_member=delegation is not None and delegation.status == "member",
        in_group=membership is not None,
        is_co_chair=membership is not None and membership.is_co_chair,
        is_head=participant.is_head_of_delegation,
    )


def group_seats(
    session: Session, commission_id: int, group_id: int, *, roles: Sequence[str] | None = None
) -> dict[int, Seat]:
    """Every participant of the commission (of these roles) as seen from one working group,
    by participant id, in one query.

    Plain columns, not entities: the tally and the stream read a whole room's seats for every
    batch of ballots, and building hundreds of ORM objects (with their identity map entries)
    would cost many times the query."""
    query = (
        select(
            Participant.id,
            Participant.role,
            Participant.delegation_id,
            Participant.is_head_of_delegation,
            Delegation.status,
            Membership.participant_id,
            Membership.is_co_chair,
        )
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(
            Membership,
            (Membership.participant_id == Participant.id)
            & (Membership.working_group_id == group_id),
        )
        .where(Participant.commission_id == commission_id)
    )
    if roles is not None:
        query = query.where(Participant.role.in_(roles))
    return {
        pid: Seat(
            participant_id=pid,
            role=role,
            delegation_id=delegation_id,
            delegation_is_member=status == "member",
            in_group=member is not None,
            is_co_chair=member is not None and bool(co_chair),
            is_head=is_head,
        )
        for pid, role, delegation_id, is_head, status, member, co_chair in session.execute(query)
    }

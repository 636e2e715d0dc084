"""Opening a delegation's caucus room, reading it and speaking in it. Functions never commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.activity.service import record
from app.caucus import rules
from app.caucus.models import CaucusMessage
from app.commissions import service as commissions
from app.commissions.models import Delegation, Participant, WorkingGroup
from app.commissions.rules import Seat
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.events import announce
from app.proposals import service as proposals
from app.proposals import views
from app.proposals.acting import seat_of, session_over


@dataclass(frozen=True)
class Room:
    """One delegation's room for one working group, as the person opening it sees it."""

    group: WorkingGroup
    participant: Participant
    seat: Seat
    delegation: Delegation
    delegations: list[Delegation]  # the rooms an instructor may switch to; empty for others
    can_post: bool
    messages: list[CaucusMessage]
    people: dict[int, Participant]


def open_room(
    session: Session, user: User, commission_id: int, pillar: str, delegation_code: str | None
) -> Room:
    """The reader's own delegation's room; an instructor picks one (the first by default)."""
    group = proposals.group_in_commission(session, commission_id, pillar)
    participant = commissions.participant_for(session, commission_id, user, with_delegation=True)
    if participant is None:
        raise NotFound(_("There is no such working group in this commission."))
    seat = seat_of(session, participant, group)
    delegations = session.scalars(
        select(Delegation)
        .where(Delegation.commission_id == commission_id)
        .order_by(Delegation.position, Delegation.id)
    ).all()
    if seat.is_instructor:
        wanted = delegation_code or (delegations[0].code if delegations else "")
        delegation = next((d for d in delegations if d.code == wanted), None)
    else:
        delegation = participant.delegation
    if delegation is None or not rules.can_read(seat, delegation.id):
        raise NotAllowed(_("Caucus rooms are for the delegation's own members."))
    return Room(
        group=group,
        participant=participant,
        seat=seat,
        delegation=delegation,
        delegations=list(delegations) if seat.is_instructor else [],
        can_post=rules.can_post(seat, delegation.id),
        messages=messages(session, delegation.id, group.id),
        people=views.people_by_id(session, commission_id),
    )


def own_seat(
    session: Session, user: User, commission_id: int, pillar: str
) -> tuple[Participant, Seat, WorkingGroup]:
    """The API's view: only ever the caller's own delegation's room, never another's."""
    group = proposals.group_in_commission(session, commission_id, pillar)
    participant = commissions.participant_for(session, commission_id, user, with_delegation=True)
    if participant is None or participant.delegation_id is None:
        raise NotAllowed(_("Caucus rooms are for the delegation's own members."))
    return participant, seat_of(session, participant, group), group


def messages(
    session: Session, delegation_id: int, group_id: int | None, limit: int = 200
) -> list[CaucusMessage]:
    rows = session.scalars(
        select(CaucusMessage)
        .where(
            CaucusMessage.delegation_id == delegation_id,
            CaucusMessage.working_group_id.is_(None)
            if group_id is None
            else CaucusMessage.working_group_id == group_id,
        )
        .order_by(CaucusMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def post_message(
    session: Session,
    participant: Participant,
    seat: rules.Member,
    delegation: Delegation,
    group: WorkingGroup | None,
    body: str,
) -> CaucusMessage:
    if not rules.can_post(seat, delegation.id):
        raise NotAllowed(_("Only members of this delegation can speak in its caucus."))
    if session_over(session, delegation.commission_id):
        raise Conflict(_("This commission has concluded; its record is final."))
    body = body.strip()
    if not body:
        raise Invalid(_("Write a message."), field="body")
    if len(body) > proposals.BODY_MAX:
        raise Invalid(_("Use at most 10,000 characters."), field="body")
    message = CaucusMessage(
        delegation_id=delegation.id,
        working_group_id=group.id if group else None,
        author_id=participant.id,
        body=body,
    )
    session.add(message)
    session.flush()
    record(
        session,
        delegation.commission_id,
        "caucus.message",
        actor_id=participant.id,
        working_group_id=group.id if group else None,
        delegation_id=delegation.id,
        message=message.id,
    )
    announce(
        session,
        LiveEvent(
            commission_id=delegation.commission_id,
            kind="caucus",
            subject_id=message.id,
            delegation_id=delegation.id,
        ),
    )
    return message

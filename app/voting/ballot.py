"""Casting a ballot: the one lean path the page's form and the API both take.

A room votes at once, so a ballot costs one joined read (the voter, their seat, the vote, the
proposal), the receipt's insert, where the database decides "already voted" (its unique
constraint, ON CONFLICT DO NOTHING), the ballot's insert, the activity entry, and the commit.
The read takes a shared lock on the vote row (PostgreSQL), so no ballot lands in a vote after
closing has written its result; closing takes an exclusive one. On SQLite every writing
transaction begins IMMEDIATE, which serializes them anyway.

This module and core are the whole path: it logs through `app.activity` and tells the open
pages through `app.live.events`; the stream redraws the tally (app.voting.fragments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.activity.service import record
from app.commissions.models import Delegation, Participant, WorkingGroupMembership
from app.commissions.rules import Seat
from app.config import get_settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.events import announce
from app.proposals.models import Proposal
from app.voting import rules, sealing
from app.voting.models import BallotReceipt, RollCallBallot, SealedBallot, Vote


@dataclass(frozen=True)
class Voter:
    """Who casts a ballot in which vote, with the seat that decides whether they may."""

    commission_id: int
    proposal_id: int
    working_group_id: int
    participant_id: int
    delegation_id: int | None
    sector_id: int | None
    seat: Seat
    vote: Vote


def voter_for(session: Session, proposal_id: int, vote_id: int, user: User) -> Voter:
    """The voter and the vote in one joined query; a proposal the user may not see, or a vote
    not of this proposal, is answered as not found (a draft is never voted on, and every member
    may see a proposal past its draft)."""
    row = session.execute(
        select(Vote, Proposal, Participant, Delegation.status, WorkingGroupMembership.is_co_chair)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .join(
            Participant,
            (Participant.commission_id == Proposal.commission_id)
            & (Participant.user_id == user.id),
        )
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(
            WorkingGroupMembership,
            (WorkingGroupMembership.participant_id == Participant.id)
            & (WorkingGroupMembership.working_group_id == Proposal.working_group_id),
        )
        .where(Vote.id == vote_id, Proposal.id == proposal_id, Proposal.stage != "draft")
        .with_for_update(read=True, of=Vote)
    ).first()
    if row is None:
        raise NotFound(_missing(session, proposal_id, user))
    vote, proposal, participant, delegation_status, co_chair = row
    seat = Seat(
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
        delegation_is_member=delegation_status == "member",
        in_group=co_chair is not None,
        is_co_chair=bool(co_chair),
        is_head=participant.is_head_of_delegation,
    )
    return Voter(
        commission_id=proposal.commission_id,
        proposal_id=proposal.id,
        working_group_id=proposal.working_group_id,
        participant_id=participant.id,
        delegation_id=participant.delegation_id,
        sector_id=participant.sector_id,
        seat=seat,
        vote=vote,
    )


def _missing(session: Session, proposal_id: int, user: User) -> str:
    """Why no voter was found: no proposal this user may see, or no such vote on it."""
    seen = session.scalar(
        select(Proposal.id)
        .join(Participant, Participant.commission_id == Proposal.commission_id)
        .where(
            Proposal.id == proposal_id, Proposal.stage != "draft", Participant.user_id == user.id
        )
    )
    if seen is None:
        return _("There is no proposal here.")
    return _("There is no such vote on this proposal.")


def cast(session: Session, voter: Voter, choice: str) -> Vote:
    """Cast the voter's ballot, or refuse with why (nothing is written then)."""
    vote = voter.vote
    if choice not in rules.CHOICES:
        raise Invalid(_("Vote yes, no or abstain."), field="choice")
    if vote.closed_at is not None:
        raise Conflict(_("This vote has closed."))
    if vote.deadline is not None and utcnow() > vote.deadline:
        raise Conflict(_("The deadline for this vote has passed."))
    if not rules.can_vote(voter.seat, vote.ballot_unit):
        if vote.ballot_unit == "delegation":
            raise NotAllowed(_("In this working group the head of delegation votes for it."))
        raise NotAllowed(_("Only delegates of member delegations in this working group can vote."))
    delegation_id = voter.delegation_id
    assert delegation_id is not None
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    receipt_id = session.execute(
        insert(BallotReceipt)
        .values(
            vote_id=vote.id,
            participant_id=voter.participant_id,
            delegation_id=delegation_id,
            delegation_seat=delegation_id if vote.ballot_unit == "delegation" else None,
            cast_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(BallotReceipt.id)
    ).scalar()
    if receipt_id is None:
        if vote.ballot_unit == "delegation":
            raise Conflict(_("Your delegation has voted already."))
        raise Conflict(_("You have voted already; a ballot cannot be changed."))
    if vote.ballot_type == "secret":
        # Sealed under a key the database does not hold, committed with the receipt (nothing
        # acknowledged is lost), counted only when the vote closes.
        session.add(
            SealedBallot(
                vote_id=vote.id,
                delegation_id=delegation_id,
                sealed=sealing.seal(get_settings().secret_key, vote.id, delegation_id, choice),
            )
        )
    else:
        session.add(
            RollCallBallot(
                vote_id=vote.id,
                participant_id=voter.participant_id,
                delegation_id=delegation_id,
                sector_id=voter.sector_id,
                choice=choice,
            )
        )
    # Who voted is public; what they chose is logged only for roll-call ballots.
    details: dict[str, Any] = {"vote": vote.id}
    if vote.ballot_type == "roll_call":
        details["choice"] = choice
    record(
        session,
        voter.commission_id,
        "ballot.cast",
        actor_id=voter.participant_id,
        proposal_id=voter.proposal_id,
        working_group_id=voter.working_group_id,
        **details,
    )
    announce(
        session,
        LiveEvent(
            commission_id=voter.commission_id,
            kind="tally",
            proposal_id=voter.proposal_id,
            subject_id=vote.id,
            participant_id=voter.participant_id,
        ),
    )
    session.flush()
    return vote

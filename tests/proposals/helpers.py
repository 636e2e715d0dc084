"""Building proposals at a given stage, straight through the services (no HTTP)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import WorkingGroupMembership
from app.proposals import service as proposals
from app.proposals.acting import Acting, acting_on, seat_of
from app.proposals.models import Proposal
from app.voting import service as voting
from app.voting import tally
from app.voting.models import Vote
from tests.conftest import Cast


def acting(db: Session, proposal: Proposal, user: User) -> Acting:
    return acting_on(db, proposal.id, user)


def draft(db: Session, cast: Cast, group: str = "FT", author: str = "ursula") -> Proposal:
    participant = cast.participants[author]
    user = {"ursula": cast.us_delegate, "ulysses": cast.us_colleague, "pei": cast.prc_delegate}[
        author
    ]
    seat = seat_of(
        db,
        commissions.participant_for(db, cast.commission.id, user, with_delegation=True),  # type: ignore[arg-type]
        cast.groups[group],
    )
    return proposals.create_proposal(
        db,
        participant,
        seat,
        cast.groups[group],
        title="Joint AI incident reporting",
        text="Both sides report serious AI incidents to each other within 72 hours.",
    )


def to_stage(db: Session, cast: Cast, stage: str, group: str = "FT", **rules: object) -> Proposal:
    """A proposal by Ursula (US) sponsored by Pei (PRC), moved on by the instructor."""
    for name, value in rules.items():
        setattr(cast.groups[group], name, value)
    db.flush()
    proposal = draft(db, cast, group)
    if stage == "draft":
        return proposal
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id
    )
    proposals.respond_to_sponsorship(db, acting(db, proposal, cast.prc_delegate), accept=True)
    proposals.move_stage(db, acting(db, proposal, cast.us_delegate), "table")
    if stage == "tabled":
        return proposal
    proposals.move_stage(db, acting(db, proposal, cast.instructor), "open_debate")
    if stage == "debate":
        return proposal
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    return proposal


def open_vote_of(db: Session, proposal: Proposal) -> Vote:
    vote = tally.current_vote(db, proposal)
    assert vote is not None
    return vote


def make_co_chair(db: Session, cast: Cast, name: str, group: str) -> None:
    membership = db.get(WorkingGroupMembership, (cast.participants[name].id, cast.groups[group].id))
    assert membership is not None
    membership.is_co_chair = True
    db.flush()

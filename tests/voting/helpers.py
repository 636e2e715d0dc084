"""Secret votes on a database of a test's own, written and committed through the services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, WorkingGroup
from app.demo import DEMO_COMMISSION_TITLE
from app.proposals import service as proposals
from app.proposals.acting import Acting, acting_on, seat_of
from app.voting import service as voting


def open_secret_vote(session: Session, title: str) -> tuple[int, int]:
    """A demo proposal in the frontier-technology group, put to a secret vote."""
    users = {u.username: u for u in session.scalars(select(User))}
    commission = session.scalar(select(Commission).where(Commission.title == DEMO_COMMISSION_TITLE))
    assert commission is not None
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission.id, WorkingGroup.code == "FT"
        )
    )
    assert group is not None
    group.ballot_type = "secret"

    def acting(proposal_id: int, username: str) -> Acting:
        return acting_on(session, proposal_id, users[username])

    writer = commissions.participant_for(
        session, commission.id, users["us-lab"], with_delegation=True
    )
    backer = commissions.participant_for(session, commission.id, users["prc-chips"])
    assert writer is not None
    assert backer is not None
    proposal = proposals.create_proposal(
        session, writer, seat_of(session, writer, group), group, title=title, text="Text."
    )
    proposals.invite_sponsor(session, acting(proposal.id, "us-lab"), backer.id)
    proposals.respond_to_sponsorship(session, acting(proposal.id, "prc-chips"), accept=True)
    proposals.move_stage(session, acting(proposal.id, "us-lab"), "table")
    proposals.move_stage(session, acting(proposal.id, "instructor"), "open_debate")
    vote = voting.open_vote(session, acting(proposal.id, "instructor"))
    return proposal.id, vote.id


def ballot(session: Session, proposal_id: int, vote_id: int, username: str, choice: str) -> None:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    voting.cast_ballot(session, acting_on(session, proposal_id, user), vote_id, choice)


def close(session: Session, proposal_id: int, vote_id: int) -> None:
    user = session.scalar(select(User).where(User.username == "instructor"))
    assert user is not None
    voting.close_vote(session, acting_on(session, proposal_id, user), vote_id)

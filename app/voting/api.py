"""The voting JSON API under /api/v1: a proposal's current vote, casting a ballot and closing.

Tagged with the proposals' operations, where the API documentation has always listed them.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.accounts.auth import ApiUser
from app.db import SessionDep
from app.ids import Id
from app.proposals import schemas as ps
from app.proposals.acting import acting_for_update, acting_on
from app.proposals.answers import proposal_detail
from app.voting import ballot
from app.voting import schemas as s
from app.voting import service as voting
from app.voting.panel import vote_out, vote_panel

router = APIRouter(prefix="/api/v1", tags=["proposals"])


@router.get("/proposals/{proposal_id}/vote")
def current_vote(session: SessionDep, user: ApiUser, proposal_id: Id) -> ps.VoteOut | None:
    acting = acting_on(session, proposal_id, user)
    return vote_out(vote_panel(session, acting))


@router.post("/proposals/{proposal_id}/votes/{vote_id}/ballots", status_code=201)
def cast_ballot(
    session: SessionDep, user: ApiUser, proposal_id: Id, vote_id: Id, body: s.BallotIn
) -> s.BallotOut:
    vote = ballot.cast(session, ballot.voter_for(session, proposal_id, vote_id, user), body.choice)
    return s.BallotOut(
        vote_id=vote.id,
        you_voted=True,
        your_choice=body.choice if vote.ballot_type == "roll_call" else None,
    )


@router.post("/proposals/{proposal_id}/votes/{vote_id}/close")
def close_vote(session: SessionDep, user: ApiUser, proposal_id: Id, vote_id: Id) -> ps.ProposalOut:
    voting.close_vote(session, acting_for_update(session, proposal_id, user), vote_id)
    return proposal_detail(session, user, proposal_id)

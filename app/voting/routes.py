"""The ballot and closing forms of a proposal's vote panel.

They post from the proposal page and answer as its other forms do (app.proposals.pages): back
to the page, or the page again with the refusal.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.ids import Id
from app.proposals.pages import act
from app.voting import service as voting

router = APIRouter()


@router.post("/proposals/{proposal_id}/votes/{vote_id}/ballot")
def cast_ballot(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    vote_id: Id,
    choice: Annotated[str, Form()] = "",
) -> Response:
    # The same path as the API's ballot: one joined query, no lock on the proposal (the
    # ballot locks the vote row; the database keeps one ballot per voter).
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: voting.cast_ballot(session, a, vote_id, choice),
        load=voting.acting_for_ballot,
    )


@router.post("/proposals/{proposal_id}/votes/{vote_id}/close")
def close_vote(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    proposal_id: Id,
    vote_id: Id,
    return_to: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        session,
        user,
        proposal_id,
        lambda a: voting.close_vote(session, a, vote_id),
        return_to=return_to,
    )

"""The ballot and closing forms of a proposal's vote panel.

They post from the proposal page and answer as its other forms do (app.forms.submit): back to
the page, or the page again with the refusal.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.forms import Refusal, submit
from app.ids import Id
from app.proposals.pages import act, show_proposal
from app.voting import ballot
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
    # The API's path (app.voting.ballot): one joined read, the inserts, the commit. Only a
    # refused ballot draws the proposal page, to say why.
    def redraw(refusal: Refusal) -> Response:
        return show_proposal(
            request,
            session,
            user,
            proposal_id,
            status_code=refusal.status_code,
            error=refusal.general(),
            errors=refusal.errors(),
        )

    return submit(
        session,
        lambda: ballot.cast(session, ballot.voter_for(session, proposal_id, vote_id, user), choice),
        done=f"/proposals/{proposal_id}",
        redraw=redraw,
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

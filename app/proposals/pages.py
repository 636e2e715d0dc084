"""The proposal page as the forms on it draw it: shown, and shown again when a form is refused.

Every action posted from the proposal page (a stage step, an argument, an amendment, a ballot,
closing a vote) runs through `act`, so the pages of proposals and of voting answer a refusal
alike, without either importing the other's routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.forms import Refusal, safe_next_url, submit
from app.proposals import views
from app.proposals.acting import Acting, acting_for_update
from app.web import render

Loader = Callable[[Session, int, User], Acting]


def show_proposal(
    request: Request,
    session: Session,
    user: User,
    proposal_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    page = views.proposal_page(session, proposal_id, user)
    return render(
        request,
        "proposals/proposal.html",
        views.proposal_context(
            page, error=error, notice=None, errors=errors or {}, values=values or {}
        ),
        status_code=status_code,
        page_url=f"/proposals/{proposal_id}",
    )


def act(
    request: Request,
    session: Session,
    user: User,
    proposal_id: int,
    action: Callable[[Acting], object],
    *,
    field_names: Mapping[str, str] | None = None,
    values: dict[str, str] | None = None,
    return_to: str = "",
    load: Loader = acting_for_update,
) -> Response:
    """Run one action on a proposal; on success redirect back, on refusal show why.

    `load` finds the proposal and the person acting; by default with the proposal row locked,
    which every stage-changing action needs. `field_names` maps the service's fields to the
    page's (the page has several forms); a message for no field of them goes on top.
    """
    fields = field_names or {}

    def redraw(refusal: Refusal) -> Response:
        return show_proposal(
            request,
            session,
            user,
            proposal_id,
            status_code=refusal.status_code,
            error=refusal.general(fields=fields),
            errors=refusal.errors(fields=fields),
            values=values,
        )

    return submit(
        session,
        lambda: action(load(session, proposal_id, user)),
        done=safe_next_url(return_to, f"/proposals/{proposal_id}"),
        redraw=redraw,
    )

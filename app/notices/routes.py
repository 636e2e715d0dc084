"""The notices page, and the header's count of what waits on every page of a signed-in user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.auth import CurrentUser, OptionalUser
from app.db import SessionDep
from app.notices import service
from app.web import render

router = APIRouter()


def offer_header_count(request: Request, session: SessionDep, user: OptionalUser) -> None:
    """A page dependency: leaves the header's counter on a signed-in user's request.

    Nothing is read here: `app.web.render` counts only when it draws a whole page, so redirects,
    fragments, exports and streams pay nothing, and visitors never do.
    """
    if user is None:
        return
    user_id = user.id

    def count() -> int | None:
        # Error pages are drawn after the request's transaction has rolled back: no count there.
        if not session.in_transaction():
            return None
        return service.waiting_count(session, user_id)

    request.state.count_notices = count


@router.get("/notices", name="notices")
def notices_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    notices = service.waiting_for(session, user.id)
    return render(
        request,
        "notices/notices.html",
        {
            "by_commission": service.by_commission(notices),
            # The header shows the same count: no second query for it.
            "notices_waiting": len(notices),
        },
    )

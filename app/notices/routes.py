"""The notices page, and the header's count of what waits on every page of a signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.auth import CurrentUser, OptionalUser
from app.db import SessionDep
from app.notices import service
from app.web import render

router = APIRouter()


async def header_count(
    request: Request, session: SessionDep, user: OptionalUser
) -> AsyncIterator[None]:
    """A page dependency: while the route runs, a signed-in user's request carries the header's
    counter of what waits for them.

    Nothing is read here: `app.web.render` counts only when it draws a whole page, so redirects,
    fragments, exports and streams pay nothing, and visitors never do. Error pages are drawn
    after the route's transaction has ended, when the counter is gone: they show no count.
    Async only to spare the thread pool two hops: it does no I/O.
    """
    if user is not None:
        user_id = user.id
        request.state.count_notices = lambda: service.waiting_count(session, user_id)
    try:
        yield
    finally:
        request.state.count_notices = None


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

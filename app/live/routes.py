"""The commission's Server-Sent Events stream: for each event, the pieces that changed, as HTML.

Events carry only ids. A stream joins its commission's room (app.live.rooms), which draws each
batch of events once per audience, from a fresh database session, sending each viewer only what
they may see (a draft, a caucus room, a secret ballot never leaks through the stream); a
reconnecting page misses nothing: it was drawn from the database and the stream only swaps in
what changed after. What is drawn for an event is the features' business (their
`fragments.py`, through `app.live.registry`), not the stream's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.accounts.auth import CurrentUser
from app.commissions.models import Participant
from app.config import get_settings
from app.db import SessionDep, get_engine
from app.i18n import get_locale
from app.i18n import gettext as _
from app.ids import Id
from app.live.broker import Broker, LiveEvent
from app.live.registry import Delivery, StreamViewer, deliveries
from app.live.rooms import Rooms
from app.web import sse_event

router = APIRouter()

# A comment line every so often keeps proxies from closing a quiet stream.
KEEP_ALIVE_SECONDS = 15


def draw_batch(viewers: Sequence[StreamViewer], batch: list[LiveEvent]) -> list[Delivery]:
    """deliveries() in its own read-only session (runs in a worker thread)."""
    engine = get_engine(get_settings().database_url)
    with Session(bind=engine, expire_on_commit=False) as session:
        try:
            return deliveries(session, viewers, batch)
        finally:
            session.rollback()


def make_rooms(broker: Broker) -> Rooms:
    """The rooms of this process, drawing with the installed fragments (see app.main)."""
    return Rooms(broker, draw_batch)


@router.get("/commissions/{commission_id}/events", name="commission_events")
def commission_events(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id
) -> EventSourceResponse:
    participant = session.scalar(
        select(Participant).where(
            Participant.commission_id == commission_id, Participant.user_id == user.id
        )
    )
    if participant is None:
        raise HTTPException(403, _("Only members of this commission can follow it live."))
    viewer = StreamViewer(
        user_id=user.id,
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
        locale=get_locale(),
    )
    rooms: Rooms = request.app.state.rooms

    async def stream() -> AsyncIterator[ServerSentEvent | bytes]:
        joined = rooms.join(commission_id, viewer)
        try:
            yield ServerSentEvent(event=sse_event("connected"), data="")
            while True:
                chunks = await joined.next(timeout=KEEP_ALIVE_SECONDS)
                if joined.closed:
                    return
                if joined.stale:
                    # Events were dropped for a slow reader: the page must redraw from the database.
                    yield ServerSentEvent(event=sse_event("reload"), data="")
                    return
                for chunk in chunks:
                    yield chunk
        finally:
            joined.close()

    return EventSourceResponse(stream(), ping=KEEP_ALIVE_SECONDS)

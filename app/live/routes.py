"""The commission's Server-Sent Events stream: for each event, the pieces that changed, as HTML.

Events carry only ids. Each open stream renders, for its own viewer, only what that viewer may
see (a draft, a caucus room, a secret ballot never leaks through the stream), with a fresh
database session per batch, so a reconnecting page misses nothing: it was drawn from the
database and the stream only swaps in what changed after. What is drawn for an event is the
features' business (their `fragments.py`, through `app.live.registry`), not the stream's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from app.accounts.auth import CurrentUser
from app.commissions.models import Participant
from app.config import get_settings
from app.db import SessionDep, get_engine
from app.i18n import gettext as _
from app.ids import Id
from app.live.broker import LiveEvent
from app.live.registry import Message, StreamViewer, render_for
from app.web import csrf_token, sse_event

router = APIRouter()

# Tally events come in storms (a room voting at once); a short pause lets them coalesce.
COALESCE_SECONDS = 0.25


def render_batch(viewer: StreamViewer, batch: list[LiveEvent]) -> list[Message]:
    """render_for() in its own read-only session (runs in a worker thread)."""
    engine = get_engine(get_settings().database_url)
    with Session(bind=engine, expire_on_commit=False) as session:
        try:
            return render_for(session, viewer, batch)
        finally:
            session.rollback()


def _dedupe(events: list[LiveEvent]) -> list[LiveEvent]:
    """Each distinct event once, in first-seen order (events are frozen, hence hashable)."""
    return list(dict.fromkeys(events))


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
        csrf_token=csrf_token(request),
    )
    broker = request.app.state.broker

    async def stream() -> AsyncIterator[ServerSentEvent]:
        subscription = broker.subscribe(commission_id)
        try:
            yield ServerSentEvent(event=sse_event("connected"), data="")
            while True:
                event = await subscription.get(timeout=15)
                if subscription.closed:
                    return
                if subscription.overflowed:
                    # Events were dropped for a slow reader: the page must redraw from the database.
                    yield ServerSentEvent(event=sse_event("reload"), data="")
                    return
                if event is None:
                    continue
                await asyncio.sleep(COALESCE_SECONDS)
                batch = _dedupe([event, *subscription.drain()])
                for name, html in await run_in_threadpool(render_batch, viewer, batch):
                    yield ServerSentEvent(event=name, data=html)
        finally:
            subscription.close()

    return EventSourceResponse(stream(), ping=15)

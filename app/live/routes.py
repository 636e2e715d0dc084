"""The commission's Server-Sent Events stream: for each event, the pieces that changed, as HTML.

Events carry only ids. Each open stream renders, for its own viewer, only what that viewer may
see (a draft, a caucus room, a secret ballot never leaks through the stream), with a fresh
database session per batch, so a reconnecting page misses nothing: it was drawn from the
database and the stream only swaps in what changed after.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from jinja2_fragments import render_block
from sqlalchemy import select
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from app.accounts.auth import CurrentUser
from app.accounts.models import User
from app.caucus import rules as caucus_rules
from app.caucus.models import CaucusMessage
from app.commissions import service as commissions
from app.commissions.models import Participant, WorkingGroup
from app.config import get_settings
from app.db import SessionDep, get_engine
from app.errors import DomainError
from app.i18n import gettext as _
from app.ids import Id
from app.injects import rules as inject_rules
from app.injects import service as injects
from app.injects.models import Inject
from app.instructor import service as instructor
from app.live.broker import LiveEvent
from app.proposals import rules, views
from app.proposals.acting import acting_on
from app.proposals.models import Argument, Proposal
from app.web import CSRF_FIELD, csrf_token, templates

router = APIRouter()

# Tally events come in storms (a room voting at once); a short pause lets them coalesce.
COALESCE_SECONDS = 0.25


@dataclass(frozen=True)
class StreamViewer:
    user_id: int
    participant_id: int
    role: str
    delegation_id: int | None
    csrf_token: str


def _context(viewer: StreamViewer, **values: Any) -> dict[str, Any]:
    return {
        "csrf_token": viewer.csrf_token,
        "csrf_field": CSRF_FIELD,
        "errors": {},
        "values": {},
        **values,
    }


def _block(template: str, block: str, context: dict[str, Any]) -> str:
    return render_block(templates.env, template, block, context)


def _proposal_parts(
    session: Session, user: User, viewer: StreamViewer, proposal_id: int, parts: set[str]
) -> list[tuple[str, str]]:
    try:
        page = views.proposal_page(session, proposal_id, user)
    except DomainError:
        return []  # a draft, or a proposal this viewer may not see
    context = _context(viewer, **views.proposal_context(page))
    messages = []
    blocks = {
        "stage": "stage_panel",
        "vote": "vote_panel",
        "text": "text_panel",
        "amendments": "amendments_list",
        "balance": "balance_panel",
    }
    for part in ("stage", "vote", "text", "amendments", "balance"):
        if part in parts:
            html = _block("proposals/proposal.html", blocks[part], context)
            messages.append((f"proposal-{proposal_id}-{part}", html))
    announcement = _announcement(page, parts)
    if announcement:
        messages.append((f"proposal-{proposal_id}-announce", announcement))
    return messages


def _announcement(page: views.ProposalPage, parts: set[str]) -> str:
    """One short sentence for screen readers, through the page's polite status region."""
    panel = page.vote_panel
    if "stage" in parts:
        return _("The proposal is now at stage: %(stage)s.", stage=page.proposal.stage)
    if "vote" in parts and panel is not None:
        result = panel.standing.result
        if result is not None and panel.standing.show_counts:
            return _(
                "Tally: %(yes)s yes, %(no)s no, %(abstain)s abstain. %(summary)s",
                yes=result.yes,
                no=result.no,
                abstain=result.abstain,
                summary=result.summary,
            )
        # Turnout only: hidden running tallies, and open secret votes (nothing is counted).
        return _(
            "%(cast)s of %(eligible)s have voted.",
            cast=panel.standing.cast,
            eligible=panel.standing.eligible,
        )
    return ""


def _argument_messages(
    session: Session, user: User, viewer: StreamViewer, event: LiveEvent
) -> list[tuple[str, str]]:
    argument = session.get(Argument, event.subject_id or 0)
    if argument is None or event.proposal_id is None:
        return []
    try:
        acting = acting_on(session, event.proposal_id, user)
    except DomainError:
        return []
    people = views.people_in(session, {argument.author_id} if argument.author_id else set())
    node = views.ArgumentNode(argument, people.get(argument.author_id or 0))
    macros: Any = templates.env.get_template("proposals/_argument.html").module
    can_argue = rules.can_argue(acting.seat, acting.facts)
    can_hide = rules.can_hide_argument(acting.seat)
    if event.kind == "argument_hidden":
        html = str(
            macros.argument_body(node, acting.proposal.id, can_hide, CSRF_FIELD, viewer.csrf_token)
        )
        return [(f"argument-{argument.id}-hidden", html)]
    html = str(
        macros.argument_item(
            node, acting.proposal.id, can_argue, can_hide, CSRF_FIELD, viewer.csrf_token
        )
    )
    target = (
        f"argument-{argument.parent_id}-reply"
        if argument.parent_id
        else f"proposal-{acting.proposal.id}-argument"
    )
    return [
        (target, html),
        *_proposal_parts(session, user, viewer, acting.proposal.id, {"balance"}),
    ]


def _caucus_messages(
    session: Session, viewer: StreamViewer, event: LiveEvent
) -> list[tuple[str, str]]:
    if event.delegation_id is None or not caucus_rules.can_read(viewer, event.delegation_id):
        return []
    message = session.get(CaucusMessage, event.subject_id or 0)
    if message is None:
        return []
    people = views.people_by_id(session, event.commission_id)
    html = templates.env.get_template("caucus/_message.html").render(m=message, people=people)
    return [(f"caucus-{message.delegation_id}-{message.working_group_id}", html)]


def _inject_messages(
    session: Session, viewer: StreamViewer, event: LiveEvent
) -> list[tuple[str, str]]:
    inject = session.get(Inject, event.subject_id or 0)
    if inject is None or inject.status != "published":
        return []
    if not inject_rules.can_see(
        is_instructor=viewer.role == "instructor",
        viewer_delegation_id=viewer.delegation_id,
        target_id=inject.target_delegation_id,
    ):
        return []
    html = templates.env.get_template("_shared/_inject_banner.html").render(inject=inject)
    return [("inject", html)]


def _dashboard_messages(
    session: Session, viewer: StreamViewer, commission_id: int, proposal_ids: set[int]
) -> list[tuple[str, str]]:
    """The instructor's dashboard boards of the groups where something happened."""
    if not proposal_ids:
        return []
    group_ids = set(
        session.scalars(
            select(Proposal.working_group_id).where(
                Proposal.id.in_(proposal_ids), Proposal.stage != "draft"
            )
        )
    )
    boards = [b for b in instructor.dashboard(session, commission_id) if b.group.id in group_ids]
    return [
        (
            f"dashboard-{board.group.id}",
            _block("instructor/dashboard.html", "group_board", _context(viewer, board=board)),
        )
        for board in boards
    ]


def _inject_board_messages(
    session: Session, viewer: StreamViewer, commission_id: int
) -> list[tuple[str, str]]:
    """The dashboard's list of injects, when one went out or its plan changed."""
    board = injects.board(session, commission_id)
    html = _block("instructor/dashboard.html", "inject_board", _context(viewer, inject_board=board))
    return [("dashboard-injects", html)]


def _seat_messages(
    session: Session, user: User, viewer: StreamViewer, event: LiveEvent
) -> list[tuple[str, str]]:
    """A delegate's own seat, redrawn when the instructor changes it; nobody else's."""
    overview = commissions.load_overview(session, event.commission_id, user)
    if overview is None or overview.me is None:
        return []
    html = _block("commissions/overview.html", "seat_panel", _context(viewer, overview=overview))
    return [
        (f"seat-{viewer.participant_id}", html),
        (f"seat-{viewer.participant_id}-announce", _("Your seat has changed.")),
    ]


def _group_list(session: Session, user: User, proposal_id: int) -> list[tuple[str, str]]:
    proposal = session.get(Proposal, proposal_id)
    group = session.get(WorkingGroup, proposal.working_group_id) if proposal else None
    if proposal is None or group is None:
        return []
    page = views.group_page(session, proposal.commission_id, group.pillar, user)
    html = _block("proposals/group.html", "proposal_list", {"page": page, "g": page.group})
    return [(f"group-{group.id}-proposals", html)]


PARTS_BY_KIND = {
    "stage": {"stage", "vote", "text", "amendments"},
    "tally": {"vote"},
    "amendment": {"amendments", "text", "vote"},
}


def render_for(
    session: Session, viewer: StreamViewer, batch: list[LiveEvent]
) -> list[tuple[str, str]]:
    """Everything this viewer should receive for a batch of events: (event name, HTML)."""
    user = session.get(User, viewer.user_id)
    if user is None:
        return []
    messages: list[tuple[str, str]] = []
    parts_by_proposal: dict[int, set[str]] = {}
    for event in batch:
        if event.kind in PARTS_BY_KIND and event.proposal_id is not None:
            parts_by_proposal.setdefault(event.proposal_id, set()).update(PARTS_BY_KIND[event.kind])
        elif event.kind in ("argument", "argument_hidden"):
            messages += _argument_messages(session, user, viewer, event)
        elif event.kind == "caucus":
            messages += _caucus_messages(session, viewer, event)
        elif event.kind == "inject":
            messages += _inject_messages(session, viewer, event)
        elif event.kind == "seat" and event.subject_id == viewer.participant_id:
            messages += _seat_messages(session, user, viewer, event)
    if viewer.role == "instructor":
        touched = {e.proposal_id for e in batch if e.proposal_id is not None}
        messages += _dashboard_messages(session, viewer, batch[0].commission_id, touched)
        if any(e.kind in ("inject", injects.PLAN_EVENT) for e in batch):
            messages += _inject_board_messages(session, viewer, batch[0].commission_id)
    for proposal_id, parts in parts_by_proposal.items():
        proposal_messages = _proposal_parts(session, user, viewer, proposal_id, parts)
        messages += proposal_messages
        if proposal_messages and "stage" in parts:
            messages += _group_list(session, user, proposal_id)
    return messages


def render_batch(viewer: StreamViewer, batch: list[LiveEvent]) -> list[tuple[str, str]]:
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
            yield ServerSentEvent(event="connected", data="")
            while True:
                event = await subscription.get(timeout=15)
                if subscription.closed:
                    return
                if subscription.overflowed:
                    # Events were dropped for a slow reader: the page must redraw from the database.
                    yield ServerSentEvent(event="reload", data="")
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

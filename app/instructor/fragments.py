"""What the stream redraws of the instructor's live dashboard, for instructors only: the board
of each group where a proposal changed, and the list of injects when one went out or its plan
changed.

Installed by the wiring (`app.main.install_live_fragments`); see `app.live.registry`.
"""

from __future__ import annotations

from collections.abc import Hashable

from sqlalchemy import select

from app.injects import service as injects
from app.injects import views as inject_views
from app.instructor.dashboard import service as instructor
from app.live.registry import Batch, Fragment, Fragments, Message, Push, StreamViewer
from app.proposals.models import Proposal
from app.web import sse_event

# The events that carry a proposal (what a group board shows changes with them).
PROPOSAL_KINDS = ("stage", "tally", "amendment", "argument", "argument_hidden")


def group_boards(push: Push) -> list[Message]:
    """The dashboard's boards of the groups where something happened."""
    proposal_ids = {e.proposal_id for e in push.events if e.proposal_id is not None}
    if push.viewer.role != "instructor" or not proposal_ids:
        return []
    group_ids = set(
        push.session.scalars(
            select(Proposal.working_group_id).where(
                Proposal.id.in_(proposal_ids), Proposal.stage != "draft"
            )
        )
    )
    boards = instructor.dashboard(push.session, push.commission_id)
    return [
        (
            sse_event("dashboard", board.group.id),
            push.block("instructor/dashboard.html", "group_board", board=board),
        )
        for board in boards
        if board.group.id in group_ids
    ]


def inject_board(push: Push) -> list[Message]:
    """The dashboard's list of injects."""
    if push.viewer.role != "instructor":
        return []
    board = inject_views.board(push.session, push.commission_id)
    html = push.block("instructor/dashboard.html", "inject_board", inject_board=board)
    return [(sse_event("dashboard", "injects"), html)]


def instructors(batch: Batch, viewer: StreamViewer) -> Hashable | None:
    """Every instructor sees the same dashboard."""
    return "instructor" if viewer.is_instructor else None


GROUP_BOARDS = Fragment(group_boards, instructors)
INJECT_BOARD = Fragment(inject_board, instructors)
FRAGMENTS: Fragments = {
    **dict.fromkeys(PROPOSAL_KINDS, GROUP_BOARDS),
    "inject": INJECT_BOARD,
    injects.PLAN_EVENT: INJECT_BOARD,
}

"""Concluding a commission: what it will close, then closing the open votes, withdrawing what never
came to a vote and publishing the charter. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity.service import record
from app.commissions.models import Commission, Participant
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n import gettext as _
from app.proposals import service as proposals
from app.proposals.acting import announce_change, load_proposal
from app.proposals.models import Proposal
from app.voting import service as voting
from app.voting.models import Vote


@dataclass
class ConclusionPreview:
    """What concluding will close, shown to the instructor before they confirm."""

    open_votes: list[tuple[Proposal, Vote]]
    proposals_in_play: list[Proposal]


def conclusion_preview(session: Session, commission: Commission) -> ConclusionPreview:
    votes = session.execute(
        select(Proposal, Vote)
        .join(Vote, Vote.proposal_id == Proposal.id)
        .where(Proposal.commission_id == commission.id, Vote.closed_at.is_(None))
        .order_by(Proposal.id)
    ).all()
    in_play = session.scalars(
        select(Proposal)
        .where(
            Proposal.commission_id == commission.id,
            Proposal.stage.in_(("draft", "tabled", "debate")),
        )
        .order_by(Proposal.id)
    ).all()
    return ConclusionPreview([(p, v) for p, v in votes], list(in_play))


def conclude(
    session: Session,
    commission: Commission,
    me: Participant,
    *,
    visibility: str,
    credit_students_by_name: bool = False,
) -> ConclusionPreview:
    """Close every open vote as it stands, withdraw what never reached a vote, publish the charter.

    Drafts stay drafts (they were never public); tabled proposals and those in debate are
    withdrawn, so the record says plainly that they did not come to a vote. Outside the room the
    charter names students only if `credit_students_by_name`, which the Chatham House Rule forbids.
    """
    if visibility not in ("private", "class", "public"):
        raise Invalid(_("Choose who may read the charter."), field="visibility")
    if credit_students_by_name and commission.chatham_house:
        raise Invalid(
            _(
                "This commission runs under the Chatham House Rule: no one may be named outside"
                " the room. Leave crediting students by name off."
            ),
            field="credit_students_by_name",
        )
    if commission.status == "concluded":
        raise Conflict(_("This commission has concluded already."))
    preview = conclusion_preview(session, commission)
    for proposal, vote in preview.open_votes:
        locked = session.scalar(select(Vote).where(Vote.id == vote.id).with_for_update())
        if locked is None or locked.closed_at is not None:
            continue
        loaded = load_proposal(session, proposal.id)
        voting.decide_vote(session, loaded, loaded.working_group, locked, actor_id=me.id)
    for proposal in preview.proposals_in_play:
        if proposal.stage in ("tabled", "debate"):
            proposals.set_stage(session, proposal, proposal.stage, "withdrawn")
            announce_change(session, proposal, "stage")
    commission.status, commission.concluded_at = "concluded", utcnow()
    commission.charter_visibility = visibility
    commission.credit_students_by_name = credit_students_by_name
    record(
        session,
        commission.id,
        "commission.concluded",
        actor_id=me.id,
        visibility=visibility,
        credit_students_by_name=credit_students_by_name,
    )
    return preview

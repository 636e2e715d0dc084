"""Who is acting on which proposal: the `Acting` context that every decision about a proposal
reads, the loaders that build it, and `Acting.record`, which logs what was done and tells the
open pages. Proposals, voting and the live stream build on this module; it builds on core only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.models import User
from app.activity.service import record
from app.commissions import service as commissions
from app.commissions.models import Commission, Participant, WorkingGroup
from app.commissions.models import WorkingGroupMembership as Membership
from app.commissions.rules import Seat
from app.commissions.seats import seat_from
from app.errors import NotFound
from app.i18n import gettext as _
from app.live.broker import LiveEvent
from app.live.events import announce
from app.proposals import rules
from app.proposals.models import Proposal
from app.proposals.rules import ProposalFacts


def seat_of(session: Session, participant: Participant, group: WorkingGroup) -> Seat:
    """The participant as seen from one working group (needs participant.delegation loaded)."""
    membership = session.get(Membership, (participant.id, group.id))
    return seat_from(participant, participant.delegation, membership)


def facts_of(
    proposal: Proposal, group: WorkingGroup, *, session_over: bool = False
) -> ProposalFacts:
    """Needs proposal.authors and proposal.sponsorships loaded."""
    return ProposalFacts(
        stage=proposal.stage,
        author_ids=frozenset(a.participant_id for a in proposal.authors),
        sponsor_ids=frozenset(s.participant_id for s in proposal.sponsorships),
        chairs_move_stages=group.chairs_move_stages,
        session_over=session_over,
    )


def session_over(session: Session, commission_id: int) -> bool:
    status = session.scalar(select(Commission.status).where(Commission.id == commission_id))
    return status == "concluded"


def announce_change(
    session: Session, proposal: Proposal, kind: str, subject_id: int | None = None
) -> None:
    """Tell every open page of the commission, once this transaction commits."""
    announce(
        session,
        LiveEvent(
            commission_id=proposal.commission_id,
            kind=kind,
            proposal_id=proposal.id,
            subject_id=subject_id,
        ),
    )


def record_change(
    session: Session,
    proposal: Proposal,
    kind: str,
    *,
    actor_id: int | None,
    announce: str | None = None,
    subject_id: int | None = None,
    **data: Any,
) -> None:
    """Log one action on a proposal and, when `announce` names a live event kind, tell the
    open pages: the one way proposals, voting and norms write to the activity log. `data` may
    hold `delegation_id`, which keeps the entry to that delegation (see activity.service)."""
    record(
        session,
        proposal.commission_id,
        kind,
        actor_id=actor_id,
        proposal_id=proposal.id,
        working_group_id=proposal.working_group_id,
        **data,
    )
    if announce is not None:
        announce_change(session, proposal, announce, subject_id)


@dataclass
class Acting:
    """A proposal with what every decision about it needs, and the person acting on it."""

    proposal: Proposal
    group: WorkingGroup
    participant: Participant
    seat: Seat
    facts: ProposalFacts

    def record(
        self,
        session: Session,
        kind: str,
        *,
        announce: str | None = None,
        subject_id: int | None = None,
        **data: Any,
    ) -> None:
        """Log what this person did to this proposal (and announce it, see record_change)."""
        record_change(
            session,
            self.proposal,
            kind,
            actor_id=self.participant.id,
            announce=announce,
            subject_id=subject_id,
            **data,
        )


def load_proposal(session: Session, proposal_id: int, *, for_update: bool = False) -> Proposal:
    query = (
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.working_group),
            selectinload(Proposal.authors),
            selectinload(Proposal.sponsorships),
        )
        # Authors and sponsors may have changed earlier in this session: reload, do not reuse.
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Proposal)
    proposal = session.scalar(query)
    if proposal is None:
        raise NotFound(_("There is no proposal here."))
    return proposal


def acting_on(
    session: Session, proposal_id: int, user: User, *, for_update: bool = False
) -> Acting:
    """Load a proposal for a user; a proposal they may not see is answered as not found."""
    proposal = load_proposal(session, proposal_id, for_update=for_update)
    participant = commissions.participant_for(
        session, proposal.commission_id, user, with_delegation=True
    )
    if participant is None:
        raise NotFound(_("There is no proposal here."))
    group = proposal.working_group
    seat = seat_of(session, participant, group)
    facts = facts_of(proposal, group, session_over=session_over(session, proposal.commission_id))
    if not rules.can_view(seat, facts):
        raise NotFound(_("There is no proposal here."))
    return Acting(proposal, group, participant, seat, facts)


def acting_for_update(session: Session, proposal_id: int, user: User) -> Acting:
    """As acting_on, with the proposal row locked: what every stage-changing action needs."""
    return acting_on(session, proposal_id, user, for_update=True)

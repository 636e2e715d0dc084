"""Amendments: a proposed new text for a proposal in debate, accepted by its authors as
friendly, withdrawn by its author, or put to a vote by the chair (app.voting.service), which
applies it when adopted. Functions never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.proposals import rules
from app.proposals.acting import Acting
from app.proposals.models import Amendment, Proposal, Revision
from app.proposals.service import TEXT_MAX, latest_revision, require


def propose_amendment(session: Session, acting: Acting, *, text: str, rationale: str) -> Amendment:
    require(
        rules.can_propose_amendment(acting.seat, acting.facts),
        _("Amendments are open to the working group while the proposal is in debate."),
    )
    text, rationale = text.strip(), rationale.strip()
    current = latest_revision(session, acting.proposal.id)
    if not text:
        raise Invalid(_("Write the new text you propose."), field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field="text")
    if text == current.text:
        raise Invalid(_("The new text is the same as the current one."), field="text")
    amendment = Amendment(
        proposal_id=acting.proposal.id,
        round=acting.proposal.round,
        author_id=acting.participant.id,
        base_revision_number=current.number,
        text=text,
        rationale=rationale[:TEXT_MAX],
    )
    session.add(amendment)
    session.flush()
    acting.record(
        session,
        "amendment.proposed",
        announce="amendment",
        subject_id=amendment.id,
        amendment=amendment.id,
    )
    return amendment


def load_amendment(session: Session, acting: Acting, amendment_id: int) -> Amendment:
    amendment = session.get(Amendment, amendment_id, with_for_update=True)
    if amendment is None or amendment.proposal_id != acting.proposal.id:
        raise NotFound(_("There is no such amendment on this proposal."))
    return amendment


def apply_amendment(session: Session, proposal: Proposal, amendment: Amendment) -> Revision:
    """The amendment's text becomes a new revision, credited to the amendment's author."""
    current = latest_revision(session, proposal.id)
    revision = Revision(
        proposal_id=proposal.id,
        number=current.number + 1,
        title=current.title,
        text=amendment.text,
        rationale=current.rationale,
        author_id=amendment.author_id,
        amendment_id=amendment.id,
    )
    session.add(revision)
    session.flush()
    return revision


def accept_amendment(session: Session, acting: Acting, amendment_id: int) -> Revision:
    require(
        rules.can_accept_amendment(acting.seat, acting.facts),
        _("Only the authors can accept an amendment as friendly, during debate."),
    )
    amendment = load_amendment(session, acting, amendment_id)
    if amendment.status != "proposed":
        raise Conflict(_("This amendment has been decided already."))
    amendment.status, amendment.decided_at = "accepted", utcnow()
    revision = apply_amendment(session, acting.proposal, amendment)
    acting.record(
        session,
        "amendment.accepted",
        announce="amendment",
        subject_id=amendment.id,
        amendment=amendment.id,
        revision=revision.number,
    )
    return revision


def withdraw_amendment(session: Session, acting: Acting, amendment_id: int) -> None:
    amendment = load_amendment(session, acting, amendment_id)
    require(
        amendment.author_id == acting.participant.id,
        _("Only its author can withdraw an amendment."),
    )
    if amendment.status != "proposed":
        raise Conflict(_("This amendment has been decided already."))
    amendment.status, amendment.decided_at = "withdrawn", utcnow()
    acting.record(
        session,
        "amendment.withdrawn",
        announce="amendment",
        subject_id=amendment.id,
        amendment=amendment.id,
    )

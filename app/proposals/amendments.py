"""Amendments: a proposed new text for a proposal in debate, accepted by its authors as
friendly, withdrawn by its author, or put to a vote by the chair (app.voting.service), which
applies it when adopted. An amendment changes the text in one language; with parallel texts the
other stays as it is, and the two are then out of step (docs/parallel-texts.md). Functions
never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.proposals import rules
from app.proposals.acting import Acting, announce_change
from app.proposals.models import Amendment, Proposal, Revision
from app.proposals.service import TEXT_MAX, current_texts, require


def propose_amendment(
    session: Session, acting: Acting, *, text: str, rationale: str, language: str | None = None
) -> Amendment:
    """A new text for the proposal's text in `language` (by default its own language)."""
    require(
        rules.can_propose_amendment(acting.seat, acting.facts),
        _("Amendments are open to the working group while the proposal is in debate."),
    )
    text, rationale = text.strip(), rationale.strip()
    texts = current_texts(session, acting.proposal.id)
    language = language or texts.own_language
    current = texts.current.get(language)
    if current is None:
        raise Invalid(_("This proposal has no text in that language to amend."), field="language")
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
        language=language,
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
    """The amendment's text becomes a new revision in its language, credited to the amendment's
    author; the title and rationale in that language stay."""
    texts = current_texts(session, proposal.id)
    current = texts.current[amendment.language]
    revision = Revision(
        proposal_id=proposal.id,
        number=texts.latest_number + 1,
        language=amendment.language,
        title=current.title,
        text=amendment.text,
        rationale=current.rationale,
        author_id=amendment.author_id,
        amendment_id=amendment.id,
    )
    session.add(revision)
    session.flush()
    if len(texts.current) > 1:
        # The other text has not changed: the stage panel tells that they are out of step.
        announce_change(session, proposal, "stage")
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
